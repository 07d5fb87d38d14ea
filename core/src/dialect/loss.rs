//! What an op destroys on a backend that its reverse cannot bring back: the loss a plan's
//! header states (`-- destructive: ...`, [`super::plan::Header::data_loss`]), which
//! `autogenerate` refuses without `--allow-destructive`.

use super::Dialect;
use crate::ops::Op;
use crate::schema::{Column, SqlType};

/// An op that loses data its reverse cannot bring back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destructive {
    /// What the op destroys, for the refusal and the `-- destructive:` comment of up.sql.
    pub what: String,
    /// What the downgrade cannot bring back, for the `-- cannot restore:` comment of down.sql.
    pub lost: String,
}

/// Whether `op`, rendered for `dialect`, loses data; `None` when its reverse restores everything.
///
/// One arm per op that can lose data (a new op that can: add its arm here, with what down.sql
/// cannot restore). Ops that only change the schema (indexes, constraints,
/// renames, comments, identities) or whose data is computed (a generated column) are not
/// destructive.
pub fn destructive<D: Dialect + ?Sized>(op: &Op, dialect: &D) -> Option<Destructive> {
    match op {
        Op::DropTable(t) => Some(Destructive {
            what: format!("drops table '{}' and all its rows", t.name),
            lost: format!(
                "rows of dropped table {} (the downgrade re-creates it empty)",
                t.name
            ),
        }),
        // A generated column's values are computed: the downgrade computes them again.
        Op::DropColumn { table, column } if column.generated.is_none() => Some(Destructive {
            what: format!("drops column '{table}.{}' and its values", column.name),
            lost: format!(
                "values of dropped column {table}.{} (the downgrade re-creates the column; its rows hold {})",
                column.name,
                match &column.default {
                    Some(d) => format!("its default, {d}"),
                    None => "NULL".to_owned(),
                }
            ),
        }),
        Op::AlterEnum { name, from, to } => {
            let removed = removed_labels(from, to)?;
            Some(Destructive {
                what: format!(
                    "removes label(s) {removed} from enum type '{name}' (the upgrade fails while a row holds one)"
                ),
                lost: format!(
                    "the rows that held label(s) {removed} of enum type {name} before they were changed for this migration (the downgrade re-adds the labels)"
                ),
            })
        }
        // A dialect that holds an enum's labels in a clause of its column (SQLite: a CHECK).
        Op::AlterColumn {
            table, from, to, ..
        }
            if removed_column_labels(dialect, from, to).is_some() =>
        {
            let removed = removed_column_labels(dialect, from, to)?;
            Some(Destructive {
                what: format!(
                    "removes enum label(s) {removed} from column '{table}.{}' (the upgrade fails while a row holds one)",
                    to.name
                ),
                lost: format!(
                    "the rows of {table}.{} that held label(s) {removed} before they were changed for this migration (the downgrade re-adds the labels)",
                    to.name
                ),
            })
        }
        Op::AlterColumn { table, from, to, .. } if from.generated.is_none() && to.generated.is_some() => {
            Some(Destructive {
                what: format!(
                    "makes '{table}.{}' generated: its stored values are replaced by the computed ones",
                    to.name
                ),
                lost: format!(
                    "values of {table}.{} from before it became generated (the downgrade keeps the computed ones)",
                    to.name
                ),
            })
        }
        // A generated column's values are computed again after the change.
        Op::AlterColumn {
            table,
            from,
            to,
            conversion,
        } if from.ty != to.ty && from.generated.is_none() => {
            let why = dialect.type_change_loss(&from.ty, &to.ty)?;
            let why = crate::ops::conversion_effect(conversion.using.as_deref(), why);
            Some(Destructive {
                what: format!(
                    "changes the type of '{table}.{}' from {} to {}: on {}, {why}",
                    to.name,
                    from.ty,
                    to.ty,
                    dialect.name()
                ),
                lost: format!(
                    "values of {table}.{} as they were before the type change from {} to {} (the downgrade converts the changed values back)",
                    to.name, from.ty, to.ty
                ),
            })
        }
        _ => None,
    }
}

/// `a, b`: the labels of `from` that `to` no longer has; `None` when there are none.
/// The labels of the enum column `from` holds ([`super::DialectFacts::column_enum_labels`]) that
/// `to` no longer does, when both hold one.
fn removed_column_labels<D: Dialect + ?Sized>(
    dialect: &D,
    from: &Column,
    to: &Column,
) -> Option<String> {
    removed_labels(
        &dialect.column_enum_labels(from)?,
        &dialect.column_enum_labels(to)?,
    )
}

fn removed_labels(from: &[String], to: &[String]) -> Option<String> {
    let removed: Vec<&str> = from
        .iter()
        .filter(|l| !to.contains(l))
        .map(String::as_str)
        .collect();
    (!removed.is_empty()).then(|| removed.join(", "))
}

/// True when a type change from `from` to `to` can only refuse rows (the upgrade fails), never
/// change a value: a narrower integer, a shorter `VARCHAR`, `TEXT` to `VARCHAR`. Used by
/// [`Dialect::type_change_loss`] to tell a refusal from a loss among the narrowing changes
/// ([`SqlType::narrowing_to`]).
pub fn refuses_only(from: &SqlType, to: &SqlType) -> bool {
    use SqlType::{Enum, Text, Varchar};
    let same_enum = matches!((from, to), (Enum { name: a, .. }, Enum { name: b, .. }) if a == b);
    (from.is_integer() && to.is_integer())
        || same_enum
        || matches!(
            (from, to),
            (Varchar(_) | Text, Varchar(_))
                // A label is its text; text that is no label is refused.
                | (Varchar(_) | Text, Enum { .. })
                | (Enum { .. }, Varchar(_) | Text)
        )
}
