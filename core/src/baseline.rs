//! The baseline of a database that already exists (`init --baseline`): one revision whose
//! up.sql creates every table as it is, with everything the lossless schema model holds
//! (columns, keys, indexes, foreign keys, constraints, triggers, statistics, comments, owned
//! sequences), whether the models own it or not, and whose down.sql drops it all again.
//!
//! The tables are an ordinary plan from an empty schema to the live one ([`crate::diff`]:
//! tables in dependency order, keys of a cycle added after the tables), rendered by the
//! connection's dialect, so it is the same SQL autogenerate would write. Around it go the
//! objects that are not tables, as the backend reads them ([`Object`]; PostgreSQL: every
//! schema's extensions, functions, procedures, types, views and sequences no column owns;
//! MariaDB: functions, procedures, views and triggers; SQLite: views). Views are created only
//! as such objects, never by the plan too:
//! their schemas and the extensions first (`IF NOT EXISTS`; down.sql leaves extensions), then
//! the plan's enum types, then the objects the tables may need (types, functions: a trigger's
//! function, an index's or a default's), in the order their dependencies ask, then the tables,
//! then what needs the tables (views, functions over a table's row type). What it cannot
//! create (aggregates, base types, foreign tables, whatever needs one of them or a table the
//! baseline leaves out) is listed in [`Baseline::not_included`] and at the top of up.sql.

use std::collections::{BTreeMap, BTreeSet};

pub use crate::backend::object::Object;
use crate::db::Connection;
use crate::ops::{reverse_all, Op};
use crate::schema::Schema;
use crate::Error;

/// `name` as a double-quoted SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The SQL of a baseline revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    /// Creates every table of the schema and what it needs (after a comment saying what it
    /// leaves out).
    pub up_sql: String,
    /// Drops it all again, in reverse.
    pub down_sql: String,
    /// How many tables it creates.
    pub tables: usize,
    /// The objects that are not tables it creates (`function public.f(integer)`), in order.
    pub created: Vec<String>,
    /// Objects of the database it does not create, one per line, with why when it could have
    /// (`view public.v (needs table other.t, which the baseline does not create)`), sorted.
    pub not_included: Vec<String>,
}

/// Where each object goes.
#[derive(Debug, Default, PartialEq, Eq)]
struct Placed<'a> {
    /// Schemas created first (`IF NOT EXISTS`).
    schemas: Vec<String>,
    /// Schemas down.sql drops last: those of the objects it drops, except extensions' and
    /// `public`.
    dropped_schemas: Vec<String>,
    extensions: Vec<&'a Object>,
    /// Created before the tables (after the plan's enum types).
    before: Vec<&'a Object>,
    /// Created after the tables: they need one, or need such an object.
    after: Vec<&'a Object>,
    not_included: Vec<String>,
}

/// Places `objects` around the tables of `current`: which it creates, in which order, and
/// which it cannot (see the module documentation).
#[cfg(test)]
fn place<'a>(objects: &'a [Object], current: &Schema) -> Placed<'a> {
    place_ignoring(objects, current, &|_| false)
}

/// [`place`], leaving out the objects `ignored` says (views an `ignore` glob names): neither
/// created nor listed; what needs one is listed as not included.
fn place_ignoring<'a>(
    objects: &'a [Object],
    current: &Schema,
    ignored: &dyn Fn(&Object) -> bool,
) -> Placed<'a> {
    let by_key: BTreeMap<&str, &Object> = objects.iter().map(|o| (o.key.as_str(), o)).collect();
    // Enum types of the connection's schema are the schema model's: the plan creates them.
    let planned = |o: &Object| {
        o.kind == "enum type"
            && o.schema.is_none()
            && o.name
                .rsplit_once('.')
                .is_some_and(|(_, n)| current.enums.contains_key(n))
    };
    // Why an object is not created (`Some("")` when Retort cannot write it at all).
    let mut why: BTreeMap<&str, Option<String>> = BTreeMap::new();
    for o in objects.iter().filter(|o| !planned(o)) {
        let reason = if ignored(o) {
            Some(IGNORED.to_owned())
        } else if o.create.is_none() {
            Some(String::new())
        } else {
            o.tables
                .iter()
                .find(|t| !current.tables.contains_key(*t))
                .map(|t| format!(" (needs table {t}, which the baseline does not create)"))
        };
        why.insert(&o.key, reason);
    }
    // ...nor what needs such an object.
    loop {
        let mut changed = false;
        for o in objects {
            if !matches!(why.get(o.key.as_str()), Some(None)) {
                continue;
            }
            let missing = o.needs.iter().find_map(|n| {
                matches!(why.get(n.as_str()), Some(Some(_))).then(|| by_key[n.as_str()])
            });
            if let Some(m) = missing {
                why.insert(
                    &o.key,
                    Some(format!(
                        " (needs {} {}, which it does not create)",
                        m.kind, m.name
                    )),
                );
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let created: Vec<usize> = (0..objects.len())
        .filter(|&i| matches!(why.get(objects[i].key.as_str()), Some(None)))
        .collect();
    let index: BTreeMap<&str, usize> = created
        .iter()
        .map(|&i| (objects[i].key.as_str(), i))
        .collect();
    let needs = |i: usize| -> Vec<usize> {
        objects[i]
            .needs
            .iter()
            .filter_map(|n| index.get(n.as_str()).copied())
            .filter(|&j| j != i)
            .collect()
    };
    // After the tables: what needs a table, or needs what comes after them.
    let mut after: BTreeSet<usize> = created
        .iter()
        .copied()
        .filter(|&i| !objects[i].tables.is_empty())
        .collect();
    loop {
        let more: Vec<usize> = created
            .iter()
            .copied()
            .filter(|i| !after.contains(i) && needs(*i).iter().any(|j| after.contains(j)))
            .collect();
        if more.is_empty() {
            break;
        }
        after.extend(more);
    }
    // Dependencies first, else creation (oid) order; a cycle, if any, in creation order.
    let mut order: Vec<usize> = Vec::new();
    let mut left: BTreeSet<usize> = created.iter().copied().collect();
    while !left.is_empty() {
        let ready = left
            .iter()
            .copied()
            .find(|&i| needs(i).iter().all(|j| !left.contains(j)))
            .unwrap_or_else(|| *left.iter().next().expect("not empty"));
        left.remove(&ready);
        order.push(ready);
    }
    let mut placed = Placed::default();
    let mut schemas: BTreeSet<String> = BTreeSet::new();
    let mut kept_schemas: BTreeSet<String> = BTreeSet::from(["public".to_owned()]);
    for i in order {
        let o = &objects[i];
        if let Some(s) = &o.schema {
            schemas.insert(s.clone());
            if o.drop.is_none() {
                kept_schemas.insert(s.clone());
            }
        }
        if o.kind == "extension" {
            placed.extensions.push(o);
        } else if after.contains(&i) {
            placed.after.push(o);
        } else {
            placed.before.push(o);
        }
    }
    placed.dropped_schemas = schemas.difference(&kept_schemas).cloned().collect();
    placed.schemas = schemas.into_iter().collect();
    placed.not_included = objects
        .iter()
        .filter_map(|o| {
            let reason = why.get(o.key.as_str())?.as_ref()?;
            (reason != IGNORED).then(|| format!("{} {}{reason}", o.kind, o.name))
        })
        .collect();
    placed.not_included.sort();
    placed
}

/// The reason of an object an `ignore` glob names: never shown.
const IGNORED: &str = " (ignored)";

/// Appends each object's creating SQL, between the dialect's statements
/// ([`crate::dialect::DialectFacts::around_created_objects`]: PostgreSQL's
/// `check_function_bodies` off, as a function's body may name tables created later).
fn push_creates(out: &mut String, around: (&str, &str), heading: &str, objects: &[&Object]) {
    if objects.is_empty() {
        return;
    }
    out.push_str(heading);
    out.push_str(around.0);
    for o in objects {
        out.push_str(o.create.as_deref().unwrap_or_default());
    }
    out.push_str(around.1);
    out.push('\n');
}

fn push_drops(out: &mut String, objects: &[&Object]) {
    for o in objects.iter().rev() {
        out.push_str(o.drop.as_deref().unwrap_or_default());
    }
}

/// The baseline of `current` (the live schema, already normalised and without whatever the
/// caller leaves out), in the dialect of `conn`, which it asks for the objects that are not
/// tables.
pub fn baseline(conn: &mut Connection, current: &Schema) -> Result<Baseline, Error> {
    baseline_ignoring(conn, current, &crate::ignore::Ignore::default())
}

/// [`baseline`], leaving out the views `ignore` names (by name, as introspection keys them:
/// `name` in the connection's schema, `schema.name` outside it): neither created nor listed.
pub fn baseline_ignoring(
    conn: &mut Connection,
    current: &Schema,
    ignore: &crate::ignore::Ignore,
) -> Result<Baseline, Error> {
    let dialect = conn.dialect();
    let around = crate::dialect::DialectFacts::around_created_objects(dialect);
    let objects = conn.session().other_objects()?;
    let ignored = |o: &Object| {
        let name = match &o.schema {
            // An object of the connection's own schema may be named `schema.name` (PostgreSQL
            // does); introspection keys its views by bare name.
            None => o.name.split_once('.').map_or(o.name.as_str(), |(_, n)| n),
            Some(_) => o.name.as_str(),
        };
        (o.kind == "view" || o.kind == "materialized view") && ignore.matching(name).is_some()
    };
    let placed = place_ignoring(&objects, current, &ignored);
    // The schemas created first are not the plan's to create.
    let mut empty = Schema::default();
    empty.schemas.extend(placed.schemas.iter().cloned());
    // Views and functions are objects here (with their indexes, comments and what they need, in the
    // backend's order): the plan creates the tables only, not the views again.
    let mut tables = current.clone();
    tables.views.clear();
    tables.functions.clear();
    let ops = crate::diff::diff(&empty, &tables);
    let (prelude, rest): (Vec<Op>, Vec<Op>) = ops
        .into_iter()
        .partition(|op| op.is_schema() || op.is_enum());
    let mut state = empty.clone();
    prelude.iter().for_each(|op| op.apply(&mut state));
    let create_prelude = dialect.render(&prelude, &empty)?;
    let create_rest = dialect.render(&rest, &state)?;
    let undo_rest = reverse_all(&rest);
    let drop_rest = dialect.render(&undo_rest, current)?;
    let mut state = current.clone();
    undo_rest.iter().for_each(|op| op.apply(&mut state));
    let drop_prelude = dialect.render(&reverse_all(&prelude), &state)?;

    let mut up_sql = String::from(
        "-- Baseline: the database's tables as they were when Retort was adopted (`init \
         --baseline`).\n\
         -- Recorded as applied there without running; on a new database it creates every \
         table,\n\
         -- with its columns, keys, indexes, foreign keys, constraints, triggers, statistics,\n\
         -- comments and owned sequences, and what is not a table: schemas, extensions, types \
         and\n\
         -- functions first, views and what else needs the tables after them.\n",
    );
    if placed.not_included.is_empty() {
        up_sql.push_str("-- It creates every such object the database holds.\n");
    } else {
        up_sql.push_str(
            "-- Not included (the database holds them; add them below by hand before this \
             revision\n-- is applied anywhere, see the README):\n",
        );
        for object in &placed.not_included {
            up_sql.push_str(&format!("--   {object}\n"));
        }
    }
    up_sql.push('\n');
    if !placed.schemas.is_empty() {
        up_sql.push_str("-- The schemas of the objects below.\n");
        for schema in &placed.schemas {
            up_sql.push_str(&format!("CREATE SCHEMA IF NOT EXISTS {};\n", quote(schema)));
        }
        up_sql.push('\n');
    }
    if !placed.extensions.is_empty() {
        up_sql.push_str(
            "-- Extensions the tables may need (types, operator classes, functions), created when \
             missing;\n-- down.sql leaves them in place.\n",
        );
        for o in &placed.extensions {
            up_sql.push_str(o.create.as_deref().unwrap_or_default());
        }
        up_sql.push('\n');
    }
    up_sql.push_str(&create_prelude);
    push_creates(
        &mut up_sql,
        around,
        "-- Types, functions and other objects the tables may need (defaults, indexes, \
         triggers).\n",
        &placed.before,
    );
    up_sql.push_str(&create_rest);
    if !placed.after.is_empty() {
        up_sql.push('\n');
    }
    push_creates(
        &mut up_sql,
        around,
        "-- What needs the tables (views, functions over their rows).\n",
        &placed.after,
    );

    let mut down_sql = String::new();
    push_drops(&mut down_sql, &placed.after);
    down_sql.push_str(&drop_rest);
    push_drops(&mut down_sql, &placed.before);
    down_sql.push_str(&drop_prelude);
    for schema in placed.dropped_schemas.iter().rev() {
        down_sql.push_str(&format!("DROP SCHEMA {};\n", quote(schema)));
    }
    let created = placed
        .extensions
        .iter()
        .chain(&placed.before)
        .chain(&placed.after)
        .map(|o| format!("{} {}", o.kind, o.name))
        .collect();
    Ok(Baseline {
        up_sql,
        down_sql,
        tables: current.tables.len(),
        created,
        not_included: placed.not_included,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Table;

    fn object(key: &str, kind: &str, needs: &[&str], tables: &[&str]) -> Object {
        Object {
            key: key.into(),
            kind: kind.into(),
            name: format!("public.{key}"),
            create: Some(format!("CREATE {key};\n")),
            drop: Some(format!("DROP {key};\n")),
            needs: needs.iter().map(|n| n.to_string()).collect(),
            tables: tables.iter().map(|n| n.to_string()).collect(),
            ..Default::default()
        }
    }

    fn keys(objects: &[&Object]) -> Vec<String> {
        objects.iter().map(|o| o.key.clone()).collect()
    }

    #[test]
    fn dependencies_come_first_and_what_needs_a_table_after_the_tables() {
        let mut current = Schema::default();
        current.insert(Table::new("posts"));
        let objects = [
            // A domain created before the function it calls was changed to call it.
            object("dom", "domain", &["check_fn"], &[]),
            object("check_fn", "function", &[], &[]),
            object("rows_fn", "function", &[], &["posts"]),
            object("view", "view", &["rows_fn"], &[]),
            object("plain", "function", &["dom"], &[]),
        ];
        let placed = place(&objects, &current);
        assert_eq!(keys(&placed.before), ["check_fn", "dom", "plain"]);
        assert_eq!(keys(&placed.after), ["rows_fn", "view"]);
        assert!(placed.not_included.is_empty());
    }

    #[test]
    fn what_cannot_be_created_is_listed_with_what_needs_it() {
        let current = Schema::default();
        let mut agg = object("agg", "aggregate", &[], &[]);
        agg.create = None;
        let mut other = object("other_schema_fn", "function", &[], &["r.t"]);
        other.schema = Some("r".into());
        let objects = [
            agg,
            object("uses_agg", "view", &["agg"], &[]),
            object("uses_view", "function", &["uses_agg"], &[]),
            other,
        ];
        let placed = place(&objects, &current);
        assert!(placed.before.is_empty() && placed.after.is_empty());
        assert_eq!(
            placed.not_included,
            [
                "aggregate public.agg",
                "function public.other_schema_fn (needs table r.t, which the baseline does not \
                 create)",
                "function public.uses_view (needs view public.uses_agg, which it does not create)",
                "view public.uses_agg (needs aggregate public.agg, which it does not create)",
            ]
        );
        // Nothing created in schema r: it is neither created nor dropped.
        assert!(placed.schemas.is_empty());
    }

    #[test]
    fn schemas_are_created_for_objects_and_dropped_unless_an_extension_lives_there() {
        let current = Schema::default();
        let mut f = object("f", "function", &[], &[]);
        f.schema = Some("r".into());
        let mut g = object("g", "function", &[], &[]);
        g.schema = Some("ext".into());
        let mut e = object("e", "extension", &[], &[]);
        e.schema = Some("ext".into());
        e.drop = None;
        let mut enum_type = object("mood", "enum type", &[], &[]);
        enum_type.name = "public.mood".into();
        let mut current_with_enum = current.clone();
        current_with_enum
            .enums
            .insert("mood".into(), vec!["calm".into()]);
        let objects = [e, f, g, enum_type];
        let placed = place(&objects, &current_with_enum);
        assert_eq!(placed.schemas, ["ext", "r"]);
        assert_eq!(placed.dropped_schemas, ["r"]);
        assert_eq!(keys(&placed.extensions), ["e"]);
        // The plan creates the enum type of the schema model.
        assert_eq!(keys(&placed.before), ["f", "g"]);
    }
}
