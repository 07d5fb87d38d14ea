//! How an op reads in `Detected ...` lines, `check`'s list and the comments of up.sql and
//! down.sql: `added column 'users.bio' (TEXT NULL)`.

use std::fmt;

use super::{enum_labels, Op};
use crate::schema::{Column, ColumnClause, ConstraintKind, TableConstraint};

/// A table constraint for messages: `check 'name' (expr)`, `unique (a, b)`, or the clause.
fn describe_constraint(c: &TableConstraint) -> String {
    let name = c
        .name
        .as_ref()
        .map(|n| format!(" '{n}'"))
        .unwrap_or_default();
    match &c.kind {
        ConstraintKind::Check { expr, not_valid } => format!(
            "check{name} ({expr}){}",
            if *not_valid { " NOT VALID" } else { "" }
        ),
        ConstraintKind::Unique { columns } => format!("unique{name} ({})", columns.join(", ")),
        ConstraintKind::Other { sql } => format!("constraint `{}`", sql.replace('\n', " ")),
    }
}

fn describe_column(c: &Column) -> String {
    let mut s = format!("{}{}", c.ty, if c.nullable { " NULL" } else { " NOT NULL" });
    if let Some(d) = &c.default {
        s.push_str(" DEFAULT ");
        s.push_str(d);
    }
    if let Some(g) = &c.generated {
        s.push_str(" GENERATED ALWAYS AS ");
        s.push_str(&generation(g));
    }
    s
}

/// A column's generation for messages: `(expr) STORED` / `(expr) VIRTUAL`, or `none`.
fn describe_generated(c: &Column) -> String {
    c.generated
        .as_ref()
        .map_or_else(|| "none".to_owned(), generation)
}

/// `(expr) STORED` / `(expr) VIRTUAL`.
fn generation(g: &crate::schema::Generated) -> String {
    format!(
        "({}) {}",
        crate::sql::normalize_default(&g.expr),
        if g.stored { "STORED" } else { "VIRTUAL" }
    )
}

/// One line per op, as printed by `autogenerate` and `check`.
impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::CreateTable(_) | Op::DropTable(_) | Op::RenameTable { .. } => table(self, f),
            Op::AddColumn { .. }
            | Op::DropColumn { .. }
            | Op::AlterColumn { .. }
            | Op::RenameColumn { .. } => column(self, f),
            Op::AlterPrimaryKey { .. }
            | Op::AlterIdentity { .. }
            | Op::AlterSerial { .. }
            | Op::AlterAutoincrement { .. } => key(self, f),
            Op::CreateIndex { .. }
            | Op::DropIndex { .. }
            | Op::RenameIndex { .. }
            | Op::AddForeignKey { .. }
            | Op::DropForeignKey { .. }
            | Op::CreateDefinition { .. }
            | Op::DropDefinition { .. }
            | Op::AddTableConstraint { .. }
            | Op::DropTableConstraint { .. }
            | Op::RenameConstraint { .. } => index_or_constraint(self, f),
            Op::AlterComment { .. } | Op::Backfill { .. } => comment_or_data(self, f),
            Op::CreateEnum { .. }
            | Op::DropEnum { .. }
            | Op::AlterEnum { .. }
            | Op::CreateSchema { .. }
            | Op::DropSchema { .. } => type_or_schema(self, f),
            Op::CreateView(v) => {
                write!(f, "added {} '{}'", v.kind(), v.name)?;
                // The triggers the models declare on a new view are created with it.
                let triggers: Vec<String> = v
                    .triggers
                    .iter()
                    .filter(|k| k.is_owned())
                    .filter_map(|k| k.trigger_name().map(|n| format!("'{n}'")))
                    .collect();
                match triggers.len() {
                    0 => Ok(()),
                    1 => write!(f, " with trigger {}", triggers[0]),
                    _ => write!(f, " with triggers {}", triggers.join(", ")),
                }
            }
            Op::DropView(v) => write!(f, "removed {} '{}'", v.kind(), v.name),
            Op::ReplaceView { to, .. } => write!(f, "replaced {} '{}'", to.kind(), to.name),
            Op::CreateFunction(x) => write!(f, "added {} '{}'", x.kind(), x.key()),
            Op::DropFunction(x) => write!(f, "removed {} '{}'", x.kind(), x.key()),
            Op::ReplaceFunction { to, .. } => write!(f, "replaced {} '{}'", to.kind(), to.key()),
        }
    }
}

/// The family functions below are only called by `Op::fmt` with their own variants.
const DISPATCHED: &str = "Op::fmt dispatches each op to its family";

/// Tables: created, dropped, renamed.
fn table(op: &Op, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match op {
        Op::CreateTable(t) => {
            write!(f, "added table '{}'", t.name)?;
            // The triggers the models declare on it are created with it.
            let triggers: Vec<String> = t
                .unmodeled
                .iter()
                .filter(|k| k.is_owned())
                .filter_map(|k| k.trigger_name().map(|n| format!("'{n}'")))
                .collect();
            match triggers.len() {
                0 => Ok(()),
                1 => write!(f, " with trigger {}", triggers[0]),
                _ => write!(f, " with triggers {}", triggers.join(", ")),
            }
        }
        Op::DropTable(t) => write!(f, "removed table '{}'", t.name),
        Op::RenameTable { from, to } => write!(f, "renamed table '{from}' to '{to}'"),
        _ => unreachable!("{DISPATCHED}"),
    }
}

/// Columns: added, removed, altered, renamed.
fn column(op: &Op, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match op {
        Op::AddColumn { table, column } => write!(
            f,
            "added column '{table}.{}' ({})",
            column.name,
            describe_column(column)
        ),
        Op::DropColumn { table, column } => {
            write!(f, "removed column '{table}.{}'", column.name)
        }
        Op::AlterColumn {
            table,
            from,
            to,
            conversion,
        } => {
            write!(
                f,
                "altered column '{table}.{}': {}",
                to.name,
                column_changes(from, to).join(", ")
            )?;
            match &conversion.using {
                // On one line: it goes into the `-- ...` header of up.sql.
                Some(using) => write!(
                    f,
                    " (rows converted by `{}`)",
                    using.split_whitespace().collect::<Vec<_>>().join(" ")
                ),
                None => Ok(()),
            }
        }
        Op::RenameColumn { table, from, to } => {
            write!(f, "renamed column '{table}.{from}' to '{to}'")
        }
        _ => unreachable!("{DISPATCHED}"),
    }
}

/// What changes between two versions of a column: type, nullability, default, generation,
/// enum labels, constraints of its own.
fn column_changes(from: &Column, to: &Column) -> Vec<String> {
    let mut changes = Vec::new();
    if from.ty != to.ty {
        changes.push(format!("type {} -> {}", from.ty, to.ty));
    }
    if from.nullable != to.nullable {
        changes.push(if to.nullable {
            "now NULL".to_owned()
        } else {
            "now NOT NULL".to_owned()
        });
    }
    if from.default != to.default {
        changes.push(format!(
            "default {} -> {}",
            from.default.as_deref().unwrap_or("none"),
            to.default.as_deref().unwrap_or("none")
        ));
    }
    if from.generated != to.generated {
        changes.push(format!(
            "generation {} -> {}",
            describe_generated(from),
            describe_generated(to)
        ));
    }
    fn owned(c: &Column) -> Vec<&ColumnClause> {
        c.extra.iter().filter(|x| x.is_constraint()).collect()
    }
    // An enum's labels held as a label check on the column: `CHECK ("col" IN ('a', 'b'))`.
    let enum_change = enum_labels(from, to)
        .filter(|(a, b)| a != b)
        .inspect(|(a, b)| {
            changes.push(format!(
                "enum labels ({}) -> ({})",
                a.join(", "),
                b.join(", ")
            ))
        })
        .is_some();
    let is_labels = |x: &ColumnClause| {
        enum_change && crate::sql::enum_check_labels(&to.name, [x.sql()]).is_some()
    };
    for gone in owned(from)
        .into_iter()
        .filter(|x| !to.extra.contains(x) && !is_labels(x))
    {
        changes.push(format!(
            "constraint `{}` removed (the models do not declare it)",
            gone.sql()
        ));
    }
    for new in owned(to)
        .into_iter()
        .filter(|x| !from.extra.contains(x) && !is_labels(x))
    {
        changes.push(format!("constraint `{}` added", new.sql()));
    }
    changes
}

/// Keys: the primary key, the identity or serial column, AUTOINCREMENT.
fn key(op: &Op, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match op {
        Op::AlterPrimaryKey { table, from, to } => write!(
            f,
            "changed primary key of '{table}' from ({}) to ({})",
            from.join(", "),
            to.join(", ")
        ),
        Op::AlterIdentity { table, from, to } => write!(
            f,
            "changed the generated (identity) column of '{table}' from {} to {}",
            identity(from.as_ref()),
            identity(to.as_ref())
        ),
        Op::AlterSerial {
            table,
            column,
            to: Some(_),
            ..
        } => write!(f, "made '{table}.{column}' serial"),
        Op::AlterSerial {
            table,
            column,
            to: None,
            ..
        } => write!(f, "made '{table}.{column}' no longer serial"),
        Op::AlterAutoincrement { table, to: true } => {
            write!(f, "made the key of '{table}' AUTOINCREMENT")
        }
        Op::AlterAutoincrement { table, to: false } => {
            write!(f, "removed AUTOINCREMENT from the key of '{table}'")
        }
        _ => unreachable!("{DISPATCHED}"),
    }
}

/// Indexes, foreign keys, kept definitions and table constraints.
fn index_or_constraint(op: &Op, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match op {
        Op::CreateIndex { table, index } => write!(
            f,
            "added {}index '{}' on '{table}' ({})",
            if index.unique { "unique " } else { "" },
            index.name,
            index
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| match index.prefix(i) {
                    Some(length) => format!("{c}({length})"),
                    None => c.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Op::DropIndex { table, index } => {
            write!(f, "removed index '{}' on '{table}'", index.name)
        }
        Op::RenameIndex { table, from, to } => write!(
            f,
            "renamed index '{}' on '{table}' to '{}'",
            from.name, to.name
        ),
        Op::AddForeignKey { table, fk } => write!(
            f,
            "added foreign key on '{table}' ({}) -> {} ({})",
            fk.columns.join(", "),
            fk.ref_table,
            fk.ref_columns.join(", ")
        ),
        Op::DropForeignKey { table, fk } => write!(
            f,
            "removed foreign key on '{table}' ({}) -> {} ({})",
            fk.columns.join(", "),
            fk.ref_table,
            fk.ref_columns.join(", ")
        ),
        Op::CreateDefinition { table, definition } => {
            write!(f, "added {} on '{table}'", definition.describe())
        }
        Op::DropDefinition { table, definition } => {
            write!(f, "removed {} on '{table}'", definition.describe())
        }
        Op::AddTableConstraint { table, constraint } => {
            write!(f, "added {} on '{table}'", describe_constraint(constraint))
        }
        Op::DropTableConstraint { table, constraint } => {
            write!(
                f,
                "removed {} on '{table}'",
                describe_constraint(constraint)
            )
        }
        Op::RenameConstraint { table, from, to } => {
            write!(f, "renamed constraint '{from}' on '{table}' to '{to}'")
        }
        _ => unreachable!("{DISPATCHED}"),
    }
}

/// Comments, and the backfill of a column's NULLs.
fn comment_or_data(op: &Op, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match op {
        Op::AlterComment {
            table,
            column: Some(column),
            ..
        } => write!(f, "changed comment of '{table}.{column}'"),
        Op::AlterComment {
            table,
            column: None,
            ..
        } => write!(f, "changed comment of '{table}'"),
        Op::Backfill {
            table,
            column,
            value,
            from_default: false,
            undo: false,
        } => write!(
            f,
            "backfill of '{table}.{column}': its NULLs set to `{value}` (--backfill)"
        ),
        Op::Backfill {
            table,
            column,
            value,
            from_default: true,
            undo: false,
        } => write!(
            f,
            "backfill of '{table}.{column}': its NULLs set to its model default `{value}` (it becomes NOT NULL)"
        ),
        Op::Backfill {
            table,
            column,
            undo: true,
            ..
        } => write!(
            f,
            "nothing undoes the backfill of '{table}.{column}': its rows keep the values (no SQL)"
        ),
        _ => unreachable!("{DISPATCHED}"),
    }
}

/// Enum types and schemas.
fn type_or_schema(op: &Op, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match op {
        Op::CreateEnum { name, labels } => {
            write!(f, "added enum type '{name}' ({})", labels.join(", "))
        }
        Op::DropEnum { name, .. } => write!(f, "removed enum type '{name}'"),
        Op::AlterEnum { name, from, to } => write!(
            f,
            "altered enum type '{name}': {} (now {})",
            label_changes(from, to).join(", "),
            to.join(", ")
        ),
        Op::CreateSchema { name } => write!(f, "added schema '{name}'"),
        Op::DropSchema { name } => write!(f, "removed schema '{name}'"),
        _ => unreachable!("{DISPATCHED}"),
    }
}

/// What changes between two label lists of an enum type: added, removed, reordered.
fn label_changes(from: &[String], to: &[String]) -> Vec<String> {
    let mut changes = Vec::new();
    let added: Vec<&str> = to
        .iter()
        .filter(|l| !from.contains(l))
        .map(String::as_str)
        .collect();
    let removed: Vec<&str> = from
        .iter()
        .filter(|l| !to.contains(l))
        .map(String::as_str)
        .collect();
    if !added.is_empty() {
        changes.push(format!("added label(s) {}", added.join(", ")));
    }
    if !removed.is_empty() {
        changes.push(format!("removed label(s) {}", removed.join(", ")));
    }
    let kept: Vec<&String> = from.iter().filter(|l| to.contains(l)).collect();
    let kept_after: Vec<&String> = to.iter().filter(|l| from.contains(l)).collect();
    if kept != kept_after {
        changes.push("reordered labels".to_owned());
    }
    changes
}

/// An identity column as a description names it: `none`, `id`, `id (ALWAYS)`, `id (serial)`.
fn identity(column: Option<&crate::schema::IdentityColumn>) -> String {
    use crate::schema::IdentityKind;
    match column {
        None => "none".to_owned(),
        Some(c) => match c.kind {
            IdentityKind::ByDefault => c.column.clone(),
            IdentityKind::Always => format!("{} (ALWAYS)", c.column),
            IdentityKind::Serial => format!("{} (serial)", c.column),
        },
    }
}
