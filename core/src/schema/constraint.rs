//! Constraints written inside `CREATE TABLE` that the schema model holds as what they enforce:
//! a model's `check(...)`, and what SQLite's introspection reads from a table's text (a
//! `CHECK`, a `UNIQUE (...)`, or a clause the models cannot say). Each dialect renders them;
//! the diff compares them as [`crate::sql::same_constraint`] says.

/// A table constraint: its name, what it enforces, and how the database has it written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TableConstraint {
    /// Its name (`CONSTRAINT name`), unquoted; `None` when the database has it unnamed.
    pub name: Option<String>,
    /// What it enforces.
    pub kind: ConstraintKind,
    /// The clause as the database has it written (SQLite keeps `CREATE TABLE`'s text),
    /// rendered verbatim so that a rebuild keeps it exactly; `None` for models, whose
    /// constraints the dialect renders. Any change to the constraint forgets it.
    pub written: Option<String>,
}

/// What a [`TableConstraint`] enforces.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConstraintKind {
    /// `CHECK (expr)`.
    Check {
        /// The expression, without the parentheses around it.
        expr: String,
        /// Added without checking the rows already there (`NOT VALID`, PostgreSQL); SQLite has
        /// no such thing, and its dialect clears it.
        not_valid: bool,
    },
    /// `UNIQUE (a, b)` over plain columns.
    Unique {
        /// The columns, unquoted, in order.
        columns: Vec<String>,
    },
    /// A clause the models cannot say (`UNIQUE (a) ON CONFLICT REPLACE`, an `EXCLUDE`...),
    /// as the database wrote it, `CONSTRAINT name` included.
    Other {
        /// The clause.
        sql: String,
    },
}

impl TableConstraint {
    /// A model's check: `check(name = ..., expr = ...)`.
    pub fn check(name: impl Into<String>, expr: impl Into<String>, not_valid: bool) -> Self {
        TableConstraint {
            name: Some(name.into()),
            kind: ConstraintKind::Check {
                expr: expr.into().trim().to_owned(),
                not_valid,
            },
            written: None,
        }
    }

    /// The name of a check constraint, when it is a named check.
    pub fn check_name(&self) -> Option<&str> {
        match self.kind {
            ConstraintKind::Check { .. } => self.name.as_deref(),
            _ => None,
        }
    }

    /// True for a `NOT VALID` check.
    pub fn is_not_valid(&self) -> bool {
        matches!(
            self.kind,
            ConstraintKind::Check {
                not_valid: true,
                ..
            }
        )
    }
}
