//! The views, functions and triggers a squash's range creates or drops. The squash reproduces
//! them from the schemas it reads at both ends of the range (PostgreSQL and SQLite read every
//! view, function and procedure of the default schema and every trigger on its tables), and
//! its verification compares them; what it does not read it could neither reproduce nor
//! prove. So each object a statement of the range names must be one the squash reads before
//! or after the range, or one the range creates (plainly: it was not there) and drops again.

use std::collections::BTreeMap;

use crate::schema::Schema;
use crate::script::Revision;
use crate::sql::{object_statement, ObjectKind};

/// A statement of the range on an object the squash does not read at either end.
pub(super) struct Unread {
    /// The revision.
    pub id: String,
    /// `up.sql` or `down.sql`.
    pub file: &'static str,
    /// Its line in the file.
    pub line: usize,
    /// The statement, shortened.
    pub statement: String,
    /// The object: `trigger 'x' on 'v'`.
    pub object: String,
}

/// Whether a name as a statement writes it (unquoted, maybe qualified by the default schema,
/// in any case) is `name` as the schema keys it.
fn same(written: &str, name: &str) -> bool {
    let lower = written.to_ascii_lowercase();
    let bare = ["public.", "main."]
        .iter()
        .find_map(|q| lower.strip_prefix(q))
        .unwrap_or(&lower);
    bare.eq_ignore_ascii_case(name) || lower.eq_ignore_ascii_case(name)
}

/// Whether `schema` has the object.
fn read(schema: &Schema, kind: ObjectKind, name: &str, table: Option<&str>) -> bool {
    match kind {
        ObjectKind::View => schema.views.keys().any(|v| same(name, v)),
        ObjectKind::Function => schema.functions.values().any(|f| same(name, &f.name)),
        ObjectKind::Trigger => schema.tables.values().any(|t| {
            table.is_none_or(|written| same(written, &t.name))
                && t.unmodeled
                    .iter()
                    .filter_map(|k| k.trigger_name())
                    .any(|n| n.eq_ignore_ascii_case(name))
        }),
        ObjectKind::Table => true,
    }
}

/// Where the range leaves an object its up.sql files name: created first by a statement that
/// would have failed had it been there (`fresh`), and whether it is there after them.
#[derive(Default)]
struct Fate {
    fresh: bool,
    there: bool,
    table: Option<String>,
}

/// The first statement of `revisions` (the range, oldest first) on a view, function or
/// trigger that neither `before` nor `after` has, unless the range creates it and drops it
/// again.
pub(super) fn unread(revisions: &[&Revision], before: &Schema, after: &Schema) -> Option<Unread> {
    let key = |kind: ObjectKind, name: &str| (kind, name.to_ascii_lowercase());
    let mut fates: BTreeMap<(ObjectKind, String), Fate> = BTreeMap::new();
    for rev in revisions {
        for statement in crate::sql::statements(&rev.up_sql) {
            let Some(s) = object_statement(statement.text) else {
                continue;
            };
            for name in &s.names {
                if s.kind == ObjectKind::Table {
                    // Its triggers go with it.
                    for ((kind, _), fate) in fates.iter_mut() {
                        if *kind == ObjectKind::Trigger
                            && fate.table.as_deref().is_some_and(|t| same(t, name))
                        {
                            fate.there = false;
                        }
                    }
                    continue;
                }
                let fate = fates.entry(key(s.kind, name)).or_insert_with(|| Fate {
                    fresh: s.create && s.fresh,
                    ..Fate::default()
                });
                fate.there = s.create;
                if s.create {
                    fate.table.clone_from(&s.table);
                }
            }
        }
    }
    for rev in revisions {
        for (file, sql) in [("up.sql", &rev.up_sql), ("down.sql", &rev.down_sql)] {
            for statement in crate::sql::statements(sql) {
                let Some(s) = object_statement(statement.text) else {
                    continue;
                };
                for name in &s.names {
                    let table = s.table.as_deref();
                    if read(before, s.kind, name, table) || read(after, s.kind, name, table) {
                        continue;
                    }
                    let passing = fates
                        .get(&key(s.kind, name))
                        .is_some_and(|f| f.fresh && !f.there);
                    if passing {
                        continue;
                    }
                    let object = match table {
                        Some(t) => format!("{} '{name}' on '{t}'", s.kind.noun()),
                        None => format!("{} '{name}'", s.kind.noun()),
                    };
                    return Some(Unread {
                        id: rev.id.clone(),
                        file,
                        line: statement.line,
                        statement: statement.summary(80),
                        object,
                    });
                }
            }
        }
    }
    None
}
