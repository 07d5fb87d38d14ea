//! Objects on a table that the schema model keeps as their definition: what introspection
//! read (an expression or partial index, a `CHECK` constraint, a trigger, a serial column's
//! sequence) and re-creates verbatim. Each knows what it creates, read once from its text
//! ([`crate::sql::kept`]), so nothing downstream parses it again.

use super::IndexOptions;

/// What a kept definition creates.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeptKind {
    /// An index (`CREATE [UNIQUE] INDEX name ...`): the models own it.
    Index {
        /// The index's name, unquoted.
        name: String,
        /// What it declares, as a model's `index(...)` says it; `None` when the models cannot
        /// say it (a tablespace).
        def: Option<IndexDef>,
    },
    /// A constraint (`ALTER TABLE t ADD CONSTRAINT name ...`): the models own it.
    Constraint {
        /// The constraint's name, unquoted.
        name: String,
        /// What it declares, when a model's `check(...)` or `unique(...)` says it; `None` for
        /// any other (an `EXCLUDE`, a foreign key `MATCH FULL`).
        def: Option<ConstraintDef>,
    },
    /// A sequence (PostgreSQL: `CREATE SEQUENCE ...; ALTER SEQUENCE ... OWNED BY ...`), with
    /// the column whose default takes its values (`...; ALTER TABLE ... ALTER COLUMN c SET
    /// DEFAULT nextval(...)`), `None` when no default does. Compared through
    /// [`crate::schema::Table::serial`].
    Sequence {
        /// The column, unquoted.
        column: Option<String>,
    },
    /// A trigger (`CREATE [CONSTRAINT] TRIGGER`): the models own it when they declare it
    /// (`retort::trigger!`); one they do not declare is only kept.
    Trigger {
        /// The trigger's name, unquoted.
        name: String,
        /// Declared by the models (`retort::trigger!`): compared by the diff, created and
        /// dropped with its declaration's changes. `false` for what introspection reads.
        declared: bool,
    },
    /// A comment (`COMMENT ON ...`): the models do not own it; only kept.
    Comment,
    /// Anything else (extended statistics, a column's storage): the models do not own it and
    /// cannot say it; it is never compared, only kept.
    Other,
}

/// An index or a unique constraint as a kept definition declares it: what a model's
/// `index(...)` or `unique(...)` says, read once by [`crate::sql::kept`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexDef {
    /// A unique index, or a unique constraint.
    pub unique: bool,
    /// Its keys as SQL (never empty; a column as the database writes it, `"Odd"`), method
    /// (`None` for B-tree), `INCLUDE`, `NULLS NOT DISTINCT`, storage parameters and predicate.
    pub options: IndexOptions,
}

/// What a kept constraint declares.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConstraintDef {
    /// `CHECK (expr) [NOT VALID]`.
    Check {
        /// The expression inside `CHECK ( )`, as the database renders it.
        expr: String,
        /// Added `NOT VALID`: not checked against the rows already there.
        not_valid: bool,
    },
    /// `UNIQUE [NULLS NOT DISTINCT] (keys) [INCLUDE (...)]`.
    Unique(IndexDef),
}

/// A definition kept verbatim, with what it creates. Made by [`crate::sql::kept`], which reads
/// both from the text once. Equal when the text is; [`Kept::same`] compares as the diff does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Kept {
    sql: String,
    kind: KeptKind,
    /// The text in a form that compares equal across spellings a database may change
    /// ([`crate::sql::comparable`]).
    key: String,
}

impl Kept {
    /// A definition `sql` that creates `kind`, compared by `key`.
    pub(crate) fn from_parts(kind: KeptKind, sql: String, key: String) -> Self {
        Kept { kind, sql, key }
    }

    /// The same definition, compared by `key` (a declared trigger takes the comparable form of
    /// the server's own text of it, `pg_get_triggerdef`).
    pub(crate) fn with_key(&self, key: String) -> Kept {
        Kept {
            sql: self.sql.clone(),
            kind: self.kind.clone(),
            key,
        }
    }

    /// The same trigger, declared by the models (compared by the diff); anything else as it is.
    pub(crate) fn as_declared(&self) -> Kept {
        let mut out = self.clone();
        if let KeptKind::Trigger { declared, .. } = &mut out.kind {
            *declared = true;
        }
        out
    }

    /// True when both create the same thing, spelled alike as far as the database is concerned
    /// (white space, comments, the case of keywords and needless quotes aside).
    pub fn same(&self, other: &Kept) -> bool {
        self.key == other.key
    }

    /// What it creates.
    pub fn kind(&self) -> &KeptKind {
        &self.kind
    }

    /// The SQL that creates it, without a final `;`.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The name of the index, constraint or declared trigger it creates, when the models own
    /// it.
    pub fn owned_name(&self) -> Option<&str> {
        match &self.kind {
            KeptKind::Index { name, .. } | KeptKind::Constraint { name, .. } => Some(name),
            KeptKind::Trigger {
                name,
                declared: true,
            } => Some(name),
            _ => None,
        }
    }

    /// The name of the trigger it creates, declared or not.
    pub fn trigger_name(&self) -> Option<&str> {
        match &self.kind {
            KeptKind::Trigger { name, .. } => Some(name),
            _ => None,
        }
    }

    /// True for an index, a constraint or a declared trigger: an object the models own,
    /// compared by the diff.
    pub fn is_owned(&self) -> bool {
        self.owned_name().is_some()
    }

    /// The name of the constraint it creates, if it creates one.
    pub fn constraint_name(&self) -> Option<&str> {
        match &self.kind {
            KeptKind::Constraint { name, .. } => Some(name),
            _ => None,
        }
    }

    /// How it reads in messages: `index 'name'`, `constraint 'name'` or `definition`.
    pub fn describe(&self) -> String {
        match &self.kind {
            KeptKind::Index { name, .. } => format!("index '{name}'"),
            KeptKind::Constraint { name, .. } => format!("constraint '{name}'"),
            KeptKind::Trigger { name, .. } => format!("trigger '{name}'"),
            _ => "definition".to_owned(),
        }
    }
}

impl PartialEq<&str> for Kept {
    fn eq(&self, other: &&str) -> bool {
        self.sql == *other
    }
}

impl PartialEq<str> for Kept {
    fn eq(&self, other: &str) -> bool {
        self.sql == other
    }
}
