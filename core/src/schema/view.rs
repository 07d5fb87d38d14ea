//! Views the models declare (`#[derive(View)]`): plain and materialized, compared by their
//! normalised definition.

use super::Column;

/// A view (or materialized view) of the schema.
///
/// Introspection reads every view of the migrated schemas into [`super::Schema::views`]; the
/// models' side holds the views `#[derive(View)]` declares. A view is the models' when a model
/// declares it: one that the database has and no model declares is left alone (never dropped,
/// its dependencies still refuse what would break it: [`super::Schema::dependents`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The view's name, as the database spells it (`schema.name` outside the default schema).
    pub name: String,
    /// The query, rendered after `CREATE VIEW ... AS`: the model's `sql = "..."` as written, or
    /// the text the database keeps (PostgreSQL `pg_get_viewdef`, SQLite the text after `AS` in
    /// `sqlite_schema.sql`), without a final `;`.
    pub sql: String,
    /// What the diff compares: the query as the server normalises it (PostgreSQL: the
    /// `pg_get_viewdef` of the models' query, asked of the server; SQLite: the text's tokens
    /// joined by single spaces, bare words in lower case, see [`crate::sql::comparable`]).
    pub definition: String,
    /// A materialized view (PostgreSQL `CREATE MATERIALIZED VIEW`).
    pub materialized: bool,
    /// The view's columns, in order: a model's fields (types through `ColumnType`), or what the
    /// catalog says (PostgreSQL; empty for SQLite). Not compared by the diff (the query decides
    /// them); PostgreSQL replaces a view in place only when its columns are kept, in order and
    /// type, and new ones come after them.
    pub columns: Vec<Column>,
    /// The columns print-schema writes as the diesel `table!`'s primary key (`#[view(key =
    /// "...")]`, by default the first column). Empty for introspected views; never compared.
    pub key: Vec<String>,
    /// The indexes of a materialized view, as the database defines them (`pg_get_indexdef`),
    /// read by introspection; the models cannot declare them yet. Not compared: created again
    /// with the view when a plan drops and creates it (those whose columns the new view still
    /// has), and by the reverse of a drop.
    pub indexes: Vec<String>,
    /// Its triggers (`INSTEAD OF` ones, say): those the models declare on it
    /// (`retort::trigger!`, compared by the diff), or what the database has (PostgreSQL's
    /// `pg_get_triggerdef`, SQLite's text). A `CREATE VIEW` creates the ones it carries after
    /// the view; dropping the view drops them.
    pub triggers: Vec<super::Kept>,
    /// The views it reads, by key, as the database's dependency catalog records them
    /// (PostgreSQL `pg_depend`; for the models' views, that of their TEMP copies at
    /// normalisation). Empty when not read (SQLite, a view not normalised yet): the order then
    /// goes by the names its query mentions. Not compared.
    pub needs: Vec<String>,
    /// What goes between `CREATE` and `VIEW` other than the defaults, as the database has it
    /// (MariaDB: `ALGORITHM = MERGE`, `SQL SECURITY INVOKER`), or as a model declares it
    /// (`#[view(options = "...")]`, as the server normalises it); empty elsewhere. Compared
    /// when the models' view has some; otherwise a view the plan replaces or drops and creates
    /// again keeps the options the database has on it, and the reverse of a drop creates them
    /// again.
    pub options: String,
}

impl View {
    /// A view named `name` over `sql`, compared by `definition` (`crate::sql::view` makes one
    /// whose definition is the comparable text of its query, until a server normalises it).
    pub fn new(name: impl Into<String>, sql: &str, definition: String, materialized: bool) -> View {
        let sql = trim_query(sql);
        View {
            name: name.into(),
            definition,
            sql,
            materialized,
            columns: Vec::new(),
            key: Vec::new(),
            indexes: Vec::new(),
            triggers: Vec::new(),
            needs: Vec::new(),
            options: String::new(),
        }
    }

    /// What the view is, for messages: `view` or `materialized view`.
    pub fn kind(&self) -> &'static str {
        if self.materialized {
            "materialized view"
        } else {
            "view"
        }
    }

    /// Whether the diff sees a change from `self` to `other`: another definition, or a plain
    /// view becoming materialized (or back).
    pub fn differs_from(&self, other: &View) -> bool {
        self.definition != other.definition
            || self.materialized != other.materialized
            || (!other.options.is_empty()
                && canonical_options(&self.options) != canonical_options(&other.options))
    }

    /// Whether `to` keeps `self`'s columns (names and types, in order) and only adds columns
    /// after them: what PostgreSQL's `CREATE OR REPLACE VIEW` allows.
    pub fn columns_kept_by(&self, to: &View) -> bool {
        !self.columns.is_empty()
            && to.columns.len() >= self.columns.len()
            && self
                .columns
                .iter()
                .zip(&to.columns)
                .all(|(a, b)| a.name == b.name && a.ty == b.ty)
    }
}

/// View options (`ALGORITHM = MERGE SQL SECURITY INVOKER`) in one spelling, the defaults
/// (`ALGORITHM = UNDEFINED`, `SQL SECURITY DEFINER`) left out: upper case, single spaces, no
/// space around `=`.
pub fn canonical_options(options: &str) -> String {
    let upper = options.to_ascii_uppercase().replace('=', " = ");
    let words: Vec<&str> = upper.split_whitespace().collect();
    let joined = words.join(" ").replace(" = ", "=");
    joined
        .replace("ALGORITHM=UNDEFINED", "")
        .replace("SQL SECURITY DEFINER", "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `sql` without surrounding white space and final `;`s.
pub fn trim_query(sql: &str) -> String {
    sql.trim().trim_end_matches(';').trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_compare_without_their_defaults() {
        assert_eq!(canonical_options("sql security definer"), "");
        assert_eq!(canonical_options("ALGORITHM=UNDEFINED"), "");
        assert_eq!(
            canonical_options("algorithm = merge  SQL SECURITY INVOKER"),
            canonical_options("ALGORITHM=MERGE SQL SECURITY INVOKER")
        );
        let view = |options: &str| View {
            options: options.to_owned(),
            ..View::new("v", "SELECT 1", "select 1".into(), false)
        };
        // A declared default puts the database's other options back; none declared keeps them.
        assert!(view("SQL SECURITY INVOKER").differs_from(&view("SQL SECURITY DEFINER")));
        assert!(!view("").differs_from(&view("SQL SECURITY DEFINER")));
        assert!(!view("SQL SECURITY INVOKER").differs_from(&view("")));
    }
}
