//! What a dialect's lint rules see and say ([`super::Dialect::lint`]); `crate::lint` runs them
//! over a revision.

use std::collections::BTreeSet;

use crate::sql::Ddl;

/// A lint rule: its name (what `lint_allow` takes) and what it guards against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The rule's name (`require-concurrent-index-creation`).
    pub name: &'static str,
    /// What it finds, in a few words.
    pub summary: &'static str,
}

/// What a revision's statement is, as a rule sees it.
#[derive(Debug, Clone, Copy)]
pub struct LintStatement<'a> {
    /// The statement's text.
    pub sql: &'a str,
    /// What it does.
    pub ddl: &'a Ddl,
    /// The tables the revision creates before this statement, without their schema
    /// ([`bare`]): no other session uses them yet.
    pub new_tables: &'a BTreeSet<String>,
    /// The revision runs in a transaction (`run_in_transaction`).
    pub in_transaction: bool,
    /// The columns (`table.column`, without schema) that a `CHECK (column IS NOT NULL)` added
    /// `NOT VALID` and then validated earlier in the revision, each in its own transaction, has
    /// proven NOT NULL: a `SET NOT NULL` on them reads the check instead of the rows.
    pub proven_not_null: &'a BTreeSet<String>,
}

/// A rule a statement breaks, as the dialect says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule's name.
    pub rule: &'static str,
    /// What the statement does wrong on a busy table, and what to write instead.
    pub message: String,
}

/// A table's name without its schema (`users` of `public.users`).
pub fn bare(table: &str) -> &str {
    table.rsplit('.').next().unwrap_or(table)
}
