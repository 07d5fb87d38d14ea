//! Functions and procedures the models declare (`retort::function!`, PostgreSQL), compared by
//! their normalised definition.

/// A function or procedure of the schema.
///
/// Introspection reads every function and procedure of the migrated schemas into
/// [`super::Schema::functions`] (not an extension's, not an aggregate); the models' side holds
/// those `retort::function!` declares. A function is the models' when a model declares it: one
/// that the database has and no model declares is left alone (never dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// The function's name, as the database spells it (`schema.name` outside the default
    /// schema, like a table's).
    pub name: String,
    /// Its argument types, as PostgreSQL lists them for its signature (`integer, text`: no
    /// names or defaults), which with the name identify it; as written in the declaration
    /// until a server normalises it.
    pub args: String,
    /// A procedure (`CREATE PROCEDURE`) rather than a function.
    pub procedure: bool,
    /// The statement that creates it: the declaration's `CREATE [OR REPLACE] FUNCTION ...` as
    /// written, or `pg_get_functiondef` for one the database has, without a final `;`.
    pub sql: String,
    /// What the diff compares: the server's `pg_get_functiondef` of it in comparable form
    /// ([`crate::sql::routine_comparable`]: spacing, comments and keyword case aside, inside
    /// its body too); the declaration's own text in that form until a server normalises it.
    pub definition: String,
    /// Its result and arguments as the server lists them (`pg_get_function_result`, then
    /// `pg_get_function_arguments`: names and defaults included), empty until normalised:
    /// `CREATE OR REPLACE` replaces a function in place only when these stay.
    pub interface: String,
    /// Its comment (`COMMENT ON FUNCTION`), as the database has it; declarations have none.
    /// Not compared: created again with the function when a plan drops and creates it, and by
    /// the reverse of a drop.
    pub comment: Option<String>,
    /// What uses it in the database (`pg_depend`: views, triggers, column defaults, indexes,
    /// constraints), as dependents of the table they are on; empty for declarations. A plan
    /// that drops the function while one of them stays is refused ([`crate::DependencyError`]).
    pub used_by: Vec<super::Dependent>,
}

impl Function {
    /// The key it is found by in [`super::Schema::functions`]: `name(args)`.
    pub fn key(&self) -> String {
        format!("{}({})", self.name, self.args)
    }

    /// What it is, for messages: `function` or `procedure`.
    pub fn kind(&self) -> &'static str {
        if self.procedure {
            "procedure"
        } else {
            "function"
        }
    }

    /// Whether the diff sees a change from `self` to `other`.
    pub fn differs_from(&self, other: &Function) -> bool {
        self.definition != other.definition
    }

    /// Whether `CREATE OR REPLACE` can turn `self` into `to`: the same result type, argument
    /// names and defaults (PostgreSQL refuses to change those in place), both known.
    pub fn replaceable_by(&self, to: &Function) -> bool {
        !self.interface.is_empty()
            && self.interface == to.interface
            && self.procedure == to.procedure
    }
}
