//! Renames: `#[model(renamed_from = "old")]` on a model (a table) or a field (a column).
//!
//! Before the diff compares tables, the renames the models ask for become ops
//! ([`Op::RenameTable`], [`Op::RenameColumn`]) and are applied to the current schema, so the
//! diff proper sees the renamed tables and columns and compares them as usual. A renamed table or
//! column keeps its rows; the indexes and constraints named after it follow it
//! ([`Op::RenameIndex`], [`Op::RenameConstraint`]) when the models name them after the new
//! names, instead of being dropped and re-created.
//!
//! A hint whose old name is gone and whose new name exists is satisfied (nothing to do); both
//! names existing is an error ([`conflicts`]). Without hints, a dropped and an added column of
//! the same type (or a dropped and a created table with the same columns) stay a drop and an
//! add, and [`suggestions`] says which hint would make them a rename.

use std::borrow::Cow;
use std::collections::BTreeSet;

use crate::ops::Op;
use crate::schema::{Index, Schema, Table};

/// A `renamed_from` hint that cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RenameError(pub String);

/// The hints that cannot apply because the database has both the old and the new name.
pub fn conflicts(current: &Schema, target: &Schema) -> Result<(), RenameError> {
    let mut problems = Vec::new();
    for (name, want) in &target.tables {
        if let Some(old) = want.renamed_from.as_deref().filter(|o| *o != name) {
            if current.tables.contains_key(old) && current.tables.contains_key(name) {
                problems.push(format!(
                    "table '{name}' is #[model(renamed_from = \"{old}\")], but the database has \
                     both '{old}' and '{name}': remove the hint if '{name}' is already the renamed \
                     table (and drop '{old}' by removing it separately), or drop '{name}' from \
                     the database first"
                ));
            }
        }
        let Some(have) = current.tables.get(name) else {
            continue;
        };
        for column in &want.columns {
            if let Some(old) = column.renamed_from.as_deref().filter(|o| *o != column.name) {
                if have.column(old).is_some() && have.column(&column.name).is_some() {
                    problems.push(format!(
                        "column '{name}.{}' is #[model(renamed_from = \"{old}\")], but table \
                         '{name}' has both '{old}' and '{}': remove the hint if '{}' is already \
                         the renamed column, or drop one of them from the database first",
                        column.name, column.name, column.name
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(RenameError(problems.join("\n")))
    }
}

/// The rename ops that the models' hints ask for, in order (tables, then columns, then the
/// indexes and constraints that follow them), and `current` with them applied (copied only
/// when there is one).
pub(crate) fn renames<'a>(current: &'a Schema, target: &Schema) -> (Vec<Op>, Cow<'a, Schema>) {
    let mut ops = Vec::new();
    let mut state = Cow::Borrowed(current);
    let mut touched = BTreeSet::new();
    // Tables.
    let mut claimed = BTreeSet::new();
    for (name, want) in &target.tables {
        let Some(old) = want.renamed_from.as_deref().filter(|o| *o != name) else {
            continue;
        };
        if state.tables.contains_key(old)
            && !state.tables.contains_key(name)
            && !target.tables.contains_key(old)
            && claimed.insert(old.to_owned())
        {
            let op = Op::RenameTable {
                from: old.to_owned(),
                to: name.clone(),
            };
            op.apply(state.to_mut());
            ops.push(op);
            touched.insert(name.clone());
        }
    }
    // Columns.
    for (name, want) in &target.tables {
        for column in &want.columns {
            let Some(old) = column.renamed_from.as_deref().filter(|o| *o != column.name) else {
                continue;
            };
            let Some(have) = state.get(name) else {
                continue;
            };
            if have.column(old).is_some()
                && have.column(&column.name).is_none()
                && want.column(old).is_none()
            {
                let op = Op::RenameColumn {
                    table: name.clone(),
                    from: old.to_owned(),
                    to: column.name.clone(),
                };
                op.apply(state.to_mut());
                ops.push(op);
                touched.insert(name.clone());
            }
        }
    }
    // Tables whose foreign keys reference a renamed table or column are named after it too.
    let referencing: Vec<String> = state
        .tables
        .values()
        .filter(|t| {
            t.foreign_keys
                .iter()
                .any(|fk| touched.contains(&fk.ref_table))
        })
        .map(|t| t.name.clone())
        .collect();
    touched.extend(referencing);
    for name in &touched {
        let (Some(have), Some(want)) = (state.get(name), target.get(name)) else {
            continue;
        };
        let old_name = ops.iter().find_map(|op| match op {
            Op::RenameTable { from, to } if to == name => Some(from.clone()),
            _ => None,
        });
        let follow = following(have, want, old_name.as_deref(), true);
        for op in follow {
            op.apply(state.to_mut());
            ops.push(op);
        }
    }
    // Elsewhere, an index or a kept constraint that only changed its name (a changed naming
    // convention, a changed `name = "..."`) is renamed too. Not foreign keys: SQLite does not
    // report their names, so they are compared by content only.
    let others: Vec<String> = target
        .tables
        .keys()
        .filter(|name| !touched.contains(*name))
        .cloned()
        .collect();
    for name in &others {
        let (Some(have), Some(want)) = (state.get(name), target.get(name)) else {
            continue;
        };
        for op in following(have, want, None, false) {
            op.apply(state.to_mut());
            ops.push(op);
        }
    }
    (ops, state)
}

/// The renames of `have`'s indexes and constraints to the names `want` gives the same objects,
/// after `have` (formerly `old_name`, when renamed) or its columns were renamed; its foreign
/// keys' too when `keys`.
fn following(have: &Table, want: &Table, old_name: Option<&str>, keys: bool) -> Vec<Op> {
    let mut ops = Vec::new();
    let table = || have.name.clone();
    let mut taken: BTreeSet<&str> = BTreeSet::new();
    for h in &have.indexes {
        if want.indexes.iter().any(|w| w.name == h.name) {
            continue;
        }
        let twin = want.indexes.iter().find(|w| {
            w.columns == h.columns
                && w.unique == h.unique
                && w.same_prefixes(h)
                && !have.indexes.iter().any(|x| x.name == w.name)
                && !taken.contains(w.name.as_str())
        });
        if let Some(w) = twin {
            taken.insert(&w.name);
            ops.push(Op::RenameIndex {
                table: table(),
                from: h.clone(),
                to: Index {
                    name: w.name.clone(),
                    ..h.clone()
                },
            });
        }
    }
    for h in have.foreign_keys.iter().filter(|_| keys) {
        if want.foreign_keys.iter().any(|w| w.name == h.name) {
            continue;
        }
        let twin = want.foreign_keys.iter().find(|w| {
            w.columns == h.columns
                && w.ref_table == h.ref_table
                && w.ref_columns == h.ref_columns
                && !have.foreign_keys.iter().any(|x| x.name == w.name)
                && !taken.contains(w.name.as_str())
        });
        if let Some(w) = twin {
            taken.insert(&w.name);
            ops.push(Op::RenameConstraint {
                table: table(),
                from: h.name.clone(),
                to: w.name.clone(),
            });
        }
    }
    // PostgreSQL's own name for an unnamed primary key, `<table>_pkey`.
    if let (Some(old), Some(pk)) = (old_name, have.primary_key_name.as_deref()) {
        // Named after the table's own name, not its schema-qualified key.
        let (old, new) = (
            crate::schema::bare_name(old),
            crate::schema::bare_name(&have.name),
        );
        // A table moved to another schema under its own name keeps it: no rename to itself.
        if pk == format!("{old}_pkey") && old != new && want.primary_key_name.is_none() {
            ops.push(Op::RenameConstraint {
                table: table(),
                from: pk.to_owned(),
                to: format!("{new}_pkey"),
            });
        }
    }
    // Kept constraint definitions (PostgreSQL's CHECK constraints) named after the old names.
    for d in &have.unmodeled {
        let Some(from) = d.constraint_name().filter(|_| !want.unmodeled.contains(d)) else {
            continue;
        };
        let twin = want.unmodeled.iter().find_map(|e| {
            let to = e.constraint_name()?;
            (!have.unmodeled.contains(e)
                && crate::sql::rename_identifier(d.sql(), from, to) == e.sql())
            .then(|| to.to_owned())
        });
        if let Some(to) = twin {
            ops.push(Op::RenameConstraint {
                table: table(),
                from: from.to_owned(),
                to,
            });
        }
    }
    ops
}

/// For a plan without hints: the `renamed_from` hints that would turn a dropped and an added
/// column of the same type (or a dropped and a created table with the same columns) into a
/// rename, one line each.
pub fn suggestions(ops: &[Op]) -> Vec<String> {
    let mut out = Vec::new();
    for op in ops {
        match op {
            Op::AddColumn { table, column } => {
                let dropped: Vec<&str> = ops
                    .iter()
                    .filter_map(|o| match o {
                        Op::DropColumn {
                            table: t,
                            column: c,
                        } if t == table && c.ty == column.ty => Some(c.name.as_str()),
                        _ => None,
                    })
                    .collect();
                if let [old] = dropped.as_slice() {
                    out.push(format!(
                        "hint: if {table}.{} is {table}.{old} renamed, add \
                         #[model(renamed_from = \"{old}\")] to the field",
                        column.name
                    ));
                }
            }
            Op::CreateTable(new) => {
                let shape = |t: &Table| {
                    let mut cols: Vec<(String, String)> = t
                        .columns
                        .iter()
                        .map(|c| (c.name.clone(), c.ty.to_string()))
                        .collect();
                    cols.sort();
                    cols
                };
                let dropped: Vec<&str> = ops
                    .iter()
                    .filter_map(|o| match o {
                        Op::DropTable(t) if shape(t) == shape(new) => Some(t.name.as_str()),
                        _ => None,
                    })
                    .collect();
                if let [old] = dropped.as_slice() {
                    // A bare `renamed_from` names a table of the model's own schema; one of
                    // another schema is qualified, the default schema by its name.
                    use crate::schema::{bare_name, split_qualified};
                    let hint = match (split_qualified(old).0, split_qualified(&new.name).0) {
                        (from, to) if from == to => bare_name(old).to_owned(),
                        (Some(_), _) => (*old).to_owned(),
                        (None, _) => format!("<default schema>.{old}"),
                    };
                    let default = if hint.starts_with('<') {
                        " (<default schema>: public unless --schema names another)"
                    } else {
                        ""
                    };
                    out.push(format!(
                        "hint: if table '{}' is table '{old}' renamed, add \
                         #[model(renamed_from = \"{hint}\")] to its model{default}",
                        new.name
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
#[path = "rename_tests.rs"]
mod tests;
