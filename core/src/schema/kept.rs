//! Objects on a table that the schema model keeps as their definition: what introspection
//! read (an expression or partial index, a `CHECK` constraint, a trigger, a serial column's
//! sequence) and re-creates verbatim. Each knows what it creates, read once from its text
//! ([`crate::sql::kept`]), so nothing downstream parses it again.

/// What a kept definition creates.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeptKind {
    /// An index (`CREATE [UNIQUE] INDEX name ...`): the models own it.
    Index {
        /// The index's name, unquoted.
        name: String,
    },
    /// A constraint (`ALTER TABLE t ADD CONSTRAINT name ...`): the models own it.
    Constraint {
        /// The constraint's name, unquoted.
        name: String,
    },
    /// A serial column's sequence (PostgreSQL: `CREATE SEQUENCE ...; ALTER SEQUENCE ... OWNED
    /// BY ...; ALTER TABLE ... ALTER COLUMN c SET DEFAULT nextval(...)`), by the column whose
    /// default takes its values. Compared through [`crate::schema::Table::serial`].
    Sequence {
        /// The column, unquoted.
        column: String,
    },
    /// Anything else (a trigger, a comment, extended statistics, a sequence no default
    /// uses): the models do not own it; it is never compared, only kept.
    Other,
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

    /// The name of the index or constraint it creates, when the models own it.
    pub fn owned_name(&self) -> Option<&str> {
        match &self.kind {
            KeptKind::Index { name } | KeptKind::Constraint { name } => Some(name),
            KeptKind::Sequence { .. } | KeptKind::Other => None,
        }
    }

    /// True for an index or a constraint: an object the models own, compared by the diff.
    pub fn is_owned(&self) -> bool {
        self.owned_name().is_some()
    }

    /// The name of the constraint it creates, if it creates one.
    pub fn constraint_name(&self) -> Option<&str> {
        match &self.kind {
            KeptKind::Constraint { name } => Some(name),
            _ => None,
        }
    }

    /// How it reads in messages: `index 'name'`, `constraint 'name'` or `definition`.
    pub fn describe(&self) -> String {
        match &self.kind {
            KeptKind::Index { name } => format!("index '{name}'"),
            KeptKind::Constraint { name } => format!("constraint '{name}'"),
            KeptKind::Sequence { .. } | KeptKind::Other => "definition".to_owned(),
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
