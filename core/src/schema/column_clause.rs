//! A column's own clauses that the schema model keeps as written (SQLite's `CHECK (...)`,
//! `COLLATE x`, `UNIQUE`, `GENERATED ALWAYS AS (...)`, as `CREATE TABLE` has them), each with
//! what it is, read once ([`crate::sql::column_clause`]).

/// What a column clause is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClauseKind {
    /// `[CONSTRAINT n] CHECK (expr)`: the models own it.
    Check {
        /// The expression, without the parentheses.
        expr: String,
    },
    /// A bare `[CONSTRAINT n] UNIQUE`: the models' `unique` on the column.
    Unique,
    /// Another `CHECK` or `UNIQUE` clause (`UNIQUE ON CONFLICT REPLACE`): the models own it, but
    /// cannot say it.
    OtherConstraint,
    /// `GENERATED ALWAYS AS (...)` or `AS (...)`.
    Generated,
    /// Anything else (`COLLATE NOCASE`): the models do not own it; it is kept.
    Other,
}

/// A column clause as written, with what it is. Made by [`crate::sql::column_clause`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnClause {
    sql: String,
    kind: ClauseKind,
}

impl ColumnClause {
    /// A clause `sql` that is `kind`.
    pub(crate) fn from_parts(kind: ClauseKind, sql: String) -> Self {
        ColumnClause { sql, kind }
    }

    /// The clause as written.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// What it is.
    pub fn kind(&self) -> &ClauseKind {
        &self.kind
    }

    /// True for a `CHECK` or `UNIQUE` clause: a constraint the models own.
    pub fn is_constraint(&self) -> bool {
        matches!(
            self.kind,
            ClauseKind::Check { .. } | ClauseKind::Unique | ClauseKind::OtherConstraint
        )
    }

    /// True for a bare `UNIQUE`.
    pub fn is_unique(&self) -> bool {
        self.kind == ClauseKind::Unique
    }

    /// True for a generated column's clause.
    pub fn is_generated(&self) -> bool {
        self.kind == ClauseKind::Generated
    }

    /// The expression of a `CHECK` clause.
    pub fn check_expr(&self) -> Option<&str> {
        match &self.kind {
            ClauseKind::Check { expr } => Some(expr),
            _ => None,
        }
    }
}

impl PartialEq<&str> for ColumnClause {
    fn eq(&self, other: &&str) -> bool {
        self.sql == *other
    }
}
