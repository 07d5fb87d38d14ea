//! PostgreSQL enum types: the models' labels kept in [`Schema::enums`], and the SQL of the
//! enum ops.
//!
//! - A new type is `CREATE TYPE "t" AS ENUM (...)`, before the tables that use it.
//! - Labels only added (the old ones kept, in order) are `ALTER TYPE "t" ADD VALUE 'x' BEFORE
//!   'y'` (or `AFTER`), in place. PostgreSQL refuses to use such a label in the transaction
//!   that adds it ("unsafe use of new value"), so when a later op of the same migration writes
//!   an added label (in a default, an index predicate or key, a kept definition such as a
//!   check), the type is swapped instead (a type created in the transaction has no such limit).
//! - A removed or reordered label swaps the type: the old one renamed `_retort_old_<t>`, the
//!   new one created under the name, every column that uses it converted
//!   (`USING "c"::text::"t"`, its default dropped around it), the old one dropped. A row that
//!   holds a removed label makes the conversion fail, and the migration's transaction rolls
//!   everything back.

use super::Dialect;
use crate::ops::Op;
use crate::schema::{Schema, SqlType};

/// Moves the labels of every [`SqlType::Enum`] column into [`Schema::enums`] (the first
/// column's, for a type several columns use: the registry refuses models that disagree),
/// leaving the column naming the type only.
pub(super) fn lift_labels(schema: &mut Schema) {
    for table in schema.tables.values_mut() {
        for column in &mut table.columns {
            if let SqlType::Enum { name, labels } = &mut column.ty {
                if !labels.is_empty() {
                    let labels = std::mem::take(labels);
                    schema.enums.entry(name.clone()).or_insert(labels);
                }
            }
        }
    }
}

/// An SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn label_list(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| literal(l))
        .collect::<Vec<_>>()
        .join(", ")
}

/// True when `to` only adds labels to `from`: `from` is `to` with some labels left out.
pub fn only_adds(from: &[String], to: &[String]) -> bool {
    let kept: Vec<&String> = to.iter().filter(|l| from.contains(l)).collect();
    kept.len() == from.len() && kept.iter().zip(from).all(|(a, b)| *a == b)
}

/// True when an op in `later` writes one of `labels` as a string literal: in a default, an
/// index's predicate or key expressions, or a kept definition (a check, an index).
fn later_uses(later: &[Op], labels: &[&String]) -> bool {
    let written = |text: &str| labels.iter().any(|l| text.contains(&literal(l)));
    let uses = |d: &Option<String>| d.as_deref().is_some_and(written);
    let index_uses = |i: &crate::schema::Index| {
        i.options.predicate.as_deref().is_some_and(written)
            || i.options.keys.iter().any(|k| written(k))
    };
    later.iter().any(|op| match op {
        Op::AddColumn { column, .. } => uses(&column.default),
        Op::AlterColumn { to, .. } => uses(&to.default),
        Op::CreateIndex { index, .. } => index_uses(index),
        Op::CreateDefinition { definition, .. } => written(definition.sql()),
        Op::AddTableConstraint { constraint, .. } => match &constraint.kind {
            crate::schema::ConstraintKind::Check { expr, .. } => written(expr),
            crate::schema::ConstraintKind::Other { sql } => written(sql),
            crate::schema::ConstraintKind::Unique { .. } => false,
        },
        Op::CreateTable(t) => {
            t.columns.iter().any(|c| uses(&c.default))
                || t.indexes.iter().any(index_uses)
                || t.unmodeled.iter().any(|d| written(d.sql()))
        }
        _ => false,
    })
}

/// The SQL of an enum op on PostgreSQL. `state` is the schema before it, `later` the ops after.
pub(super) fn render<D: Dialect + ?Sized>(
    dialect: &D,
    op: &Op,
    state: &Schema,
    later: &[Op],
) -> String {
    match op {
        Op::CreateEnum { name, labels } => format!(
            "CREATE TYPE {} AS ENUM ({});\n",
            dialect.quote(name),
            label_list(labels)
        ),
        Op::DropEnum { name, .. } => format!("DROP TYPE {};\n", dialect.quote(name)),
        Op::AlterEnum { name, from, to } => {
            let added: Vec<&String> = to.iter().filter(|l| !from.contains(l)).collect();
            if only_adds(from, to) && !later_uses(later, &added) {
                add_values(dialect, name, from, to)
            } else {
                swap(dialect, name, to, state)
            }
        }
        _ => String::new(),
    }
}

/// `ALTER TYPE ... ADD VALUE` for each label of `to` not in `from`, each placed after the
/// label before it in `to` (before the first present label at the start).
fn add_values<D: Dialect + ?Sized>(
    dialect: &D,
    name: &str,
    from: &[String],
    to: &[String],
) -> String {
    let mut s = String::new();
    for (i, label) in to.iter().enumerate() {
        if from.contains(label) {
            continue;
        }
        let place = match (i.checked_sub(1).map(|p| &to[p]), from.first()) {
            (Some(prev), _) => format!(" AFTER {}", literal(prev)),
            (None, Some(first)) => format!(" BEFORE {}", literal(first)),
            (None, None) => String::new(),
        };
        s.push_str(&format!(
            "ALTER TYPE {} ADD VALUE {}{place};\n",
            dialect.quote(name),
            literal(label)
        ));
    }
    s
}

/// Prefix of the name an enum type has while a swap replaces it.
pub const SWAP_PREFIX: &str = "_retort_old_";

/// Replaces the type `name` by one with the labels `to`, converting every column of `state`
/// that uses it.
fn swap<D: Dialect + ?Sized>(dialect: &D, name: &str, to: &[String], state: &Schema) -> String {
    let old = super::postgres::truncate_identifier(&format!("{SWAP_PREFIX}{name}"));
    let ty = dialect.quote(name);
    let mut s = format!(
        "ALTER TYPE {ty} RENAME TO {};\nCREATE TYPE {ty} AS ENUM ({});\n",
        dialect.quote(&old),
        label_list(to)
    );
    for table in state.tables.values() {
        for column in &table.columns {
            if !matches!(&column.ty, SqlType::Enum { name: n, .. } if n == name) {
                continue;
            }
            let alter = format!(
                "ALTER TABLE {} ALTER COLUMN {}",
                dialect.quote_table(&table.name),
                dialect.quote(&column.name)
            );
            if column.default.is_some() {
                s.push_str(&format!("{alter} DROP DEFAULT;\n"));
            }
            s.push_str(&format!(
                "{alter} TYPE {ty} USING {}::text::{ty};\n",
                dialect.quote(&column.name)
            ));
            // A default on a removed label cannot come back; the models' new default follows
            // in its own op.
            if let Some(d) = &column.default {
                let removed_label = d.len() >= 2
                    && d.starts_with('\'')
                    && d.ends_with('\'')
                    && !to.iter().any(|l| literal(l) == *d);
                if !removed_label {
                    s.push_str(&format!(
                        "{alter} SET DEFAULT {};\n",
                        dialect.render_default(d)
                    ));
                }
            }
        }
    }
    s.push_str(&format!("DROP TYPE {};\n", dialect.quote(&old)));
    s
}

/// True when `cast`, the type of a `'x'::type` cast as the catalog writes it, names the enum
/// type `name` (quoted or not, possibly schema-qualified).
pub fn casts_to(cast: &str, name: &str) -> bool {
    let last = cast.rsplit_once('.').map_or(cast, |(_, t)| t).trim();
    match last.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\"") == name,
        None => last == name,
    }
}

#[cfg(test)]
mod tests {
    use crate::dialect::{Dialect, Postgres, Sqlite};
    use crate::ops::Op;
    use crate::schema::{Column, Schema, SqlType, Table};

    fn people(labels: &[&str], default: &str) -> Schema {
        let mut t = Table::new("people");
        t.columns.push(Column::new("id", SqlType::BigInt, false));
        t.primary_key = vec!["id".into()];
        let mut c = Column::new(
            "mood",
            SqlType::Enum {
                name: "mood".into(),
                labels: labels.iter().map(|l| l.to_string()).collect(),
            },
            false,
        );
        c.default = Some(default.into());
        t.columns.push(c);
        let mut s = Schema::new();
        s.insert(t);
        s
    }

    /// `schema` as the database holds it after the dialect's normalisation.
    fn current(dialect: &dyn Dialect, mut schema: Schema) -> Schema {
        dialect.model_defaults(&mut schema);
        dialect.normalize(&mut schema);
        schema
    }

    #[test]
    fn a_label_added_in_the_middle_is_added_in_place_and_removed_by_a_swap() {
        let have = current(&Postgres, people(&["ok", "sad"], "'ok'"));
        let plan =
            crate::autogen::plan_between(&Postgres, &have, &people(&["ok", "meh", "sad"], "'ok'"))
                .unwrap();
        assert_eq!(
            plan.ops,
            [Op::AlterEnum {
                name: "mood".into(),
                from: vec!["ok".into(), "sad".into()],
                to: vec!["ok".into(), "meh".into(), "sad".into()],
            }]
        );
        assert!(!plan.ops[0].is_destructive());
        assert!(plan.ops[0].reverse().is_destructive());
        assert_eq!(
            plan.up_sql,
            "-- altered enum type 'mood': added label(s) meh (now ok, meh, sad)\n\
             ALTER TYPE \"mood\" ADD VALUE 'meh' AFTER 'ok';\n\n"
        );
        assert_eq!(
            plan.down_sql,
            "-- altered enum type 'mood': removed label(s) meh (now ok, sad)\n\
             ALTER TYPE \"mood\" RENAME TO \"_retort_old_mood\";\n\
             CREATE TYPE \"mood\" AS ENUM ('ok', 'sad');\n\
             ALTER TABLE \"people\" ALTER COLUMN \"mood\" DROP DEFAULT;\n\
             ALTER TABLE \"people\" ALTER COLUMN \"mood\" TYPE \"mood\" USING \"mood\"::text::\"mood\";\n\
             ALTER TABLE \"people\" ALTER COLUMN \"mood\" SET DEFAULT 'ok';\n\
             DROP TYPE \"_retort_old_mood\";\n\n"
        );
    }

    #[test]
    fn a_new_label_used_by_a_default_in_the_same_migration_swaps_the_type() {
        let have = current(&Postgres, people(&["ok", "sad"], "'ok'"));
        let plan =
            crate::autogen::plan_between(&Postgres, &have, &people(&["new", "ok", "sad"], "'new'"))
                .unwrap();
        assert_eq!(plan.ops.len(), 2, "{:?}", plan.ops);
        assert!(plan
            .up_sql
            .contains("CREATE TYPE \"mood\" AS ENUM ('new', 'ok', 'sad');"));
        assert!(!plan.up_sql.contains("ADD VALUE"));
    }

    #[test]
    fn removals_come_after_the_table_changes_and_labels_added_before() {
        let have = current(&Postgres, people(&["a", "b", "c"], "'b'"));
        let plan = crate::autogen::plan_between(&Postgres, &have, &people(&["a", "c", "d"], "'a'"))
            .unwrap();
        let lines: Vec<String> = plan.ops.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "altered enum type 'mood': added label(s) d (now a, b, c, d)",
                "altered column 'people.mood': default 'b' -> 'a'",
                "altered enum type 'mood': removed label(s) b (now a, c, d)",
            ]
        );
        assert!(plan.ops[2].is_destructive());
        // A type no model uses is left alone.
        let mut extra = have.clone();
        extra.enums.insert("unused".into(), vec!["x".into()]);
        let plan =
            crate::autogen::plan_between(&Postgres, &extra, &people(&["a", "b", "c"], "'b'"))
                .unwrap();
        assert!(plan.is_empty(), "{:?}", plan.ops);
    }

    #[test]
    fn sqlite_checks_the_labels_of_a_text_column() {
        let schema = current(&Sqlite, people(&["ok", "it's"], "'ok'"));
        let column = &schema.tables["people"].columns[1];
        assert_eq!(column.ty, SqlType::Text);
        assert_eq!(column.extra, ["CHECK (\"mood\" IN ('ok', 'it''s'))"]);
        assert!(schema.enums.is_empty());
    }

    #[test]
    fn catalog_casts_to_the_type_are_the_models_literal() {
        let mood = SqlType::Enum {
            name: "Mood".into(),
            labels: vec![],
        };
        let norm = |d| crate::dialect::postgres::normalize_pg_default(d, &mood);
        assert_eq!(norm("'ok'::\"Mood\""), "'ok'");
        assert_eq!(norm("'ok'::public.\"Mood\""), "'ok'");
        assert_eq!(norm("'ok'::mood"), "'ok'::mood");
    }

    #[test]
    fn sqlite_label_changes_read_back_and_removals_are_destructive() {
        let with = |labels: &[&str]| {
            let schema = current(&Sqlite, people(labels, "'ok'"));
            schema.tables["people"].columns[1].clone()
        };
        let (before, after) = (with(&["ok", "it's", "sad"]), with(&["ok", "it's"]));
        assert_eq!(
            crate::sql::enum_check_labels("mood", before.extra.iter().map(|c| c.sql())),
            Some(vec!["ok".into(), "it's".into(), "sad".into()])
        );
        let op = Op::AlterColumn {
            table: "people".into(),
            from: before,
            to: after,
            conversion: Default::default(),
        };
        assert_eq!(
            op.to_string(),
            "altered column 'people.mood': enum labels (ok, it's, sad) -> (ok, it's)"
        );
        assert!(op.is_destructive());
        assert!(!op.reverse().is_destructive());
    }
}
