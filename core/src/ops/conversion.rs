//! How the rows of a column whose type changes are converted: the expressions the user gives
//! with `--using` and `--using-down` (PostgreSQL's `ALTER COLUMN ... TYPE ... USING`), carried
//! by the [`super::Op::AlterColumn`] they convert, so the op holds its reverse's conversion too.

use crate::schema::Column;

/// The conversion of an [`super::Op::AlterColumn`] that changes a column's type. `None` is the
/// database's own conversion (PostgreSQL's assignment cast, SQLite's copy).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conversion {
    /// An SQL expression over the column (named as it is) computing its value in the new type,
    /// for this op.
    pub using: Option<String>,
    /// The same for the op's reverse (the downgrade converting back).
    pub reverse_using: Option<String>,
}

impl Conversion {
    /// The conversion of the reverse op: the two expressions swapped.
    pub fn reversed(self) -> Conversion {
        Conversion {
            using: self.reverse_using,
            reverse_using: self.using,
        }
    }

    /// True when neither direction has an expression.
    pub fn is_none(&self) -> bool {
        self.using.is_none() && self.reverse_using.is_none()
    }
}

impl super::Op {
    /// An [`super::Op::AlterColumn`] of `table` from `from` to `to`, converted by the database
    /// itself (no `--using`).
    pub fn alter_column(table: impl Into<String>, from: Column, to: Column) -> super::Op {
        super::Op::AlterColumn {
            table: table.into(),
            from,
            to,
            conversion: Conversion::default(),
        }
    }
}

/// What a type change does to the rows: `why`, as the dialect says it for its own conversion
/// (a cast), or, with a `--using` expression, the expression's.
pub fn conversion_effect(using: Option<&str>, why: String) -> String {
    match using {
        Some(using) => format!(
            "each row takes the value of `{}` (--using); a value the new type cannot hold is \
             refused: the upgrade fails",
            using.split_whitespace().collect::<Vec<_>>().join(" ")
        ),
        None => why,
    }
}
