//! What a backend reads of the objects that are not tables, for a baseline
//! ([`crate::baseline`] publishes it).

/// An object of the database that is not a table, as the backend reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Object {
    /// Unique among the objects.
    pub key: String,
    /// What it is, for messages: `function`, `enum type`, `view`...
    pub kind: String,
    /// Its qualified name (a function's with its argument types).
    pub name: String,
    /// Its schema, when not the connection's own.
    pub schema: Option<String>,
    /// The SQL that creates it (and its comments), when Retort can write it.
    pub create: Option<String>,
    /// The SQL that drops it; none for an object a baseline leaves in place (an extension).
    pub drop: Option<String>,
    /// The keys of the objects it needs.
    pub needs: Vec<String>,
    /// The tables it needs, named as introspection keys them.
    pub tables: Vec<String>,
}
