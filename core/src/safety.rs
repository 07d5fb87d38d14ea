//! Data safety of a plan, the contract `autogenerate` enforces:
//!
//! - [`destructive`]: the ops that lose data (a dropped table or column, a type change that can
//!   change values). `autogenerate` refuses them without `--allow-destructive`, and with it
//!   marks each one in up.sql (`-- destructive: ...`); down.sql says what it cannot bring back
//!   ([`cannot_restore`]).
//! - [`needs_backfill`]: a column added NOT NULL without a default, or made NOT NULL, has
//!   nothing to fill the NULL rows with. `autogenerate` refuses unless `--backfill
//!   TABLE.COLUMN=EXPR` ([`Backfill`]) gives a value; [`apply_backfills`] then rewrites the plan
//!   (add the column nullable, [`Op::Backfill`], set NOT NULL), so down still reverses it op by
//!   op.
//! - [`destructive`] and [`refuses_only`] live in `dialect` (what an op destroys depends on the
//!   backend), which renders each op's loss into its plan; they are re-exported here.
//!
//! Everything here is pure: ops in, ops or text out.

use std::fmt;
use std::str::FromStr;

use crate::dialect::Dialect;
use crate::ops::Op;
use crate::schema::{Column, Schema};

pub use crate::dialect::{destructive, refuses_only, Destructive};

/// What down.sql cannot bring back of the plan `ops` (in up order): for each op of down.sql
/// that concerns lost data, its position among down.sql's ops (the reverses of `ops`, in
/// reverse order) and what is lost. In down.sql's order.
pub fn cannot_restore(ops: &[Op], dialect: &dyn Dialect) -> Vec<(usize, String)> {
    // Op `i`'s reverse is op `down(i)` of the downgrade.
    let down = |i: usize| ops.len() - 1 - i;
    let mut notes = Vec::new();
    for (i, op) in ops.iter().enumerate().rev() {
        if let Some(d) = destructive(op, dialect) {
            // A dropped serial column comes back numbered by its re-created sequence.
            let renumbered = match op {
                Op::DropColumn { table, column } => ops[..i].iter().any(|o| {
                    matches!(o, Op::AlterSerial { table: t, column: c, fill: true, .. }
                        if t == table && *c == column.name)
                }),
                _ => false,
            };
            let lost = match op {
                Op::DropColumn { table, column } if renumbered => format!(
                    "values of dropped column {table}.{} (the downgrade re-creates the column; its \
                     rows get new values from its re-created sequence)",
                    column.name
                ),
                _ => d.lost,
            };
            notes.push((down(i), lost));
        }
        if let Op::Backfill {
            table,
            column,
            value,
            from_default,
            undo: false,
        } = op
        {
            // A column this plan adds is dropped again: nothing to restore.
            let added = ops[..i].iter().any(|o| {
                matches!(o, Op::AddColumn { table: t, column: c } if t == table && c.name == *column)
            });
            let by = if *from_default {
                "its model default"
            } else {
                "--backfill"
            };
            if !added {
                notes.push((
                    down(i),
                    format!("the NULLs of {table}.{column} that {by} replaced with {value} (those rows keep the value)"),
                ));
            }
        }
    }
    notes
}

/// A column of the plan that becomes NOT NULL with nothing to fill its NULL rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedsBackfill {
    /// Name of the table.
    pub table: String,
    /// Name of the column.
    pub column: String,
    /// True when the plan adds the column; false when an existing column becomes NOT NULL.
    pub added: bool,
}

impl fmt::Display for NeedsBackfill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            table,
            column,
            added,
        } = self;
        if *added {
            write!(
                f,
                "column '{table}.{column}' is added NOT NULL without a default, so its existing rows have no value: \
                 add #[model(default = \"...\")], make it Option<_>, or pass --backfill {table}.{column}=<SQL expression>"
            )
        } else {
            write!(
                f,
                "column '{table}.{column}' becomes NOT NULL, so its NULL rows need a value: \
                 keep it Option<_>, add #[model(default = \"...\")] (its NULL rows take it), or pass --backfill {table}.{column}=<SQL expression>"
            )
        }
    }
}

/// Whether `op` makes a column NOT NULL with nothing to fill its NULL rows. `target` is the
/// schema the plan leads to (the models): its identity columns are filled by the database, and
/// so are generated columns.
pub fn needs_backfill(op: &Op, target: &Schema) -> Option<NeedsBackfill> {
    let filled_by_database = |table: &str, column: &Column| {
        target.get(table).is_some_and(|t| {
            t.identity.as_deref() == Some(column.name.as_str()) || t.serial.contains(&column.name)
        })
    };
    match op {
        Op::AddColumn { table, column }
            if !column.nullable
                && column.default.is_none()
                && column.generated.is_none()
                && !filled_by_database(table, column) =>
        {
            Some(NeedsBackfill {
                table: table.clone(),
                column: column.name.clone(),
                added: true,
            })
        }
        Op::AlterColumn {
            table, from, to, ..
        } if from.nullable
            && !to.nullable
            && to.generated.is_none()
            && !filled_by_database(table, to) =>
        {
            Some(NeedsBackfill {
                table: table.clone(),
                column: to.name.clone(),
                added: false,
            })
        }
        _ => None,
    }
}

/// The [`needs_backfill`] ops of a plan, but those a preceding [`Op::Backfill`] of their
/// column already fills (as [`apply_backfills`] writes them).
pub fn unfilled(ops: &[Op], target: &Schema) -> Vec<NeedsBackfill> {
    let mut out = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let Some(need) = needs_backfill(op, target) else {
            continue;
        };
        let filled = ops[..i].iter().any(|o| {
            matches!(o, Op::Backfill { table, column, undo: false, .. }
                if *table == need.table && *column == need.column)
        });
        if !filled {
            out.push(need);
        }
    }
    out
}

/// `--backfill TABLE.COLUMN=EXPR`: the SQL expression written into the NULL rows of a column
/// the plan makes NOT NULL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backfill {
    /// Name of the table.
    pub table: String,
    /// Name of the column.
    pub column: String,
    /// The SQL expression, verbatim.
    pub value: String,
}

impl fmt::Display for Backfill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}={}", self.table, self.column, self.value)
    }
}

/// Splits `TABLE.COLUMN=EXPR` (`--backfill`, `--using`) into its trimmed parts, or says what
/// is wrong with it.
pub(crate) fn column_expression(given: &str) -> Result<(&str, &str, &str), &'static str> {
    let (target, expr) = given.split_once('=').ok_or("there is no `=`")?;
    let (table, column) = target
        .trim()
        .rsplit_once('.')
        .ok_or("the column is not qualified by its table")?;
    let (table, column, expr) = (table.trim(), column.trim(), expr.trim());
    if table.is_empty() || column.is_empty() {
        return Err("the table or column name is empty");
    }
    if expr.is_empty() {
        return Err("the SQL expression after `=` is empty");
    }
    Ok((table, column, expr))
}

impl FromStr for Backfill {
    type Err = SafetyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| SafetyError::BadBackfill {
            given: s.to_owned(),
            why: why.to_owned(),
        };
        let (table, column, value) = column_expression(s).map_err(bad)?;
        Ok(Backfill {
            table: table.to_owned(),
            column: column.to_owned(),
            value: value.to_owned(),
        })
    }
}

/// A `--backfill` that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SafetyError {
    /// Not of the form `TABLE.COLUMN=EXPR`.
    #[error("--backfill {given}: {why}; expected --backfill TABLE.COLUMN=SQL_EXPRESSION (e.g. --backfill users.age=0)")]
    BadBackfill {
        /// The argument as given.
        given: String,
        /// What is wrong with it.
        why: String,
    },
    /// Names no column that the plan makes NOT NULL without a value.
    #[error(
        "--backfill {given} matches nothing in this migration: {}",
        candidates_text(candidates)
    )]
    Unmatched {
        /// The argument.
        given: String,
        /// The `table.column`s that could take a backfill.
        candidates: Vec<String>,
    },
    /// The same column twice.
    #[error("--backfill is given twice for {column}: give one value per column")]
    Twice {
        /// `table.column`.
        column: String,
    },
}

fn candidates_text(candidates: &[String]) -> String {
    if candidates.is_empty() {
        "no column of it becomes NOT NULL without a value".to_owned()
    } else {
        format!("the columns that need one are {}", candidates.join(", "))
    }
}

/// Rewrites `ops` with `backfills`: a column added NOT NULL without a default becomes
/// `AddColumn` (nullable), [`Op::Backfill`], `AlterColumn` (NOT NULL); a column made NOT NULL
/// gets an [`Op::Backfill`] just before. A column made NOT NULL that has a model default and
/// no `--backfill` is filled with its default (`from_default`), as Django does. A backfill
/// that matches no [`needs_backfill`] op (or names a column twice) is an error listing the
/// columns that could take one.
pub fn apply_backfills(
    ops: Vec<Op>,
    backfills: &[Backfill],
    target: &Schema,
) -> Result<Vec<Op>, SafetyError> {
    for (i, b) in backfills.iter().enumerate() {
        if backfills[..i]
            .iter()
            .any(|a| a.table == b.table && a.column == b.column)
        {
            return Err(SafetyError::Twice {
                column: format!("{}.{}", b.table, b.column),
            });
        }
    }
    let candidates: Vec<NeedsBackfill> = ops
        .iter()
        .filter_map(|op| needs_backfill(op, target))
        .collect();
    for b in backfills {
        if !candidates
            .iter()
            .any(|c| c.table == b.table && c.column == b.column)
        {
            return Err(SafetyError::Unmatched {
                given: b.to_string(),
                candidates: candidates
                    .iter()
                    .map(|c| format!("{}.{}", c.table, c.column))
                    .collect(),
            });
        }
    }
    let mut out = Vec::with_capacity(ops.len() + 2 * backfills.len());
    for op in ops {
        let need = needs_backfill(&op, target);
        let found = need.as_ref().and_then(|need| {
            backfills
                .iter()
                .find(|b| b.table == need.table && b.column == need.column)
        });
        let fill = match (found, &op) {
            (Some(b), _) => Op::Backfill {
                table: b.table.clone(),
                column: b.column.clone(),
                value: b.value.clone(),
                from_default: false,
                undo: false,
            },
            (None, Op::AlterColumn { table, to, .. }) if need.is_some() && to.default.is_some() => {
                Op::Backfill {
                    table: table.clone(),
                    column: to.name.clone(),
                    value: to.default.clone().unwrap_or_default(),
                    from_default: true,
                    undo: false,
                }
            }
            _ => {
                out.push(op);
                continue;
            }
        };
        match op {
            Op::AddColumn { table, column } => {
                let nullable = Column {
                    nullable: true,
                    ..column.clone()
                };
                out.push(Op::AddColumn {
                    table: table.clone(),
                    column: nullable.clone(),
                });
                out.push(fill);
                out.push(Op::alter_column(table, nullable, column));
            }
            op => {
                out.push(fill);
                out.push(op);
            }
        }
    }
    Ok(out)
}

/// `ops` with each fill ([`Op::Backfill`]) of a column whose type the next op changes moved
/// after the type change: the fill is a value of the new type (`'x'` cannot go into a `DOUBLE
/// PRECISION` column first). The column is retyped still nullable, filled, then made NOT NULL.
/// For a dialect whose columns take any value until the change ([`crate::dialect::Dialect::
/// typed_columns`]); SQLite's rebuild copies the filled rows into the new type in one go.
pub fn retype_before_fills(ops: Vec<Op>) -> Vec<Op> {
    let mut out: Vec<Op> = Vec::with_capacity(ops.len() + 1);
    for op in ops {
        let fill_before = matches!(
            (out.last(), &op),
            (Some(Op::Backfill { table: t, column: c, undo: false, .. }),
             Op::AlterColumn { table, from, to, .. })
                if t == table && *c == to.name && from.ty != to.ty
        );
        let Op::AlterColumn {
            table,
            from,
            to,
            conversion,
        } = op
        else {
            out.push(op);
            continue;
        };
        if !fill_before {
            out.push(Op::AlterColumn {
                table,
                from,
                to,
                conversion,
            });
            continue;
        }
        let fill = out.pop().expect("the fill before it");
        let retyped = Column {
            nullable: from.nullable,
            ..to.clone()
        };
        out.push(Op::AlterColumn {
            table: table.clone(),
            from,
            to: retyped.clone(),
            conversion,
        });
        out.push(fill);
        out.push(Op::alter_column(table, retyped, to));
    }
    out
}

/// `text` as SQL comment lines: `-- <prefix>: <text>`, one per line of `text`.
pub fn comment(prefix: &str, text: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            out.push_str(&format!("-- {prefix}: {line}\n"));
        } else {
            out.push_str(&format!("--   {line}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
