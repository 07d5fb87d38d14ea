//! Dialect-free model of a database schema: tables, columns, types, keys and indexes.
//!
//! Both sides of a diff are expressed in these types: the target schema built from the registered
//! models and the current schema read from a live database by `introspect`.

use std::collections::BTreeMap;

mod check;
mod index;
mod qualified;
mod sql_type;
pub use check::{
    check_clause, is_not_valid_check, not_valid_check_clause, parse_any_check_clause,
    parse_check_clause, NOT_VALID,
};
pub use index::{index_statement, simplify_index, IndexOptions};
pub use qualified::{bare_name, qualified_name, quote_in_schema_of, quote_table, split_qualified};
pub use sql_type::SqlType;

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Column name, exactly as the database spells it (quoted in SQL, so case-sensitive).
    pub name: String,
    /// Column type, in dialect-neutral form.
    pub ty: SqlType,
    /// Whether the column accepts NULL; `false` renders `NOT NULL`.
    pub nullable: bool,
    /// Server default, as an SQL expression (`0`, `'draft'`, `CURRENT_TIMESTAMP`).
    pub default: Option<String>,
    /// Clauses of the column's definition that the model cannot say, verbatim, in order, as
    /// introspection read them (SQLite: `CHECK (...)`, `COLLATE x`, `UNIQUE`,
    /// `GENERATED ALWAYS AS (...) STORED`); empty for models and PostgreSQL. Rendered after
    /// the type, `NOT NULL` and default. Not compared by the diff; an altered column keeps
    /// them (see `diff`).
    pub extra: Vec<String>,
    /// The column's comment (PostgreSQL `COMMENT ON COLUMN`): a model field's doc comment, or
    /// what the catalog holds. Compared by the diff (a change is an [`crate::ops::Op::AlterComment`]);
    /// a dropped column's reverse re-creates it. SQLite has none: its dialect clears it.
    pub comment: Option<String>,
    /// The column's previous name (`#[model(renamed_from = "old")]`): when the database has a
    /// column of that name and none of this one, the diff renames it
    /// ([`crate::ops::Op::RenameColumn`]) instead of dropping and adding. `None` for
    /// introspected columns; never compared by the diff.
    pub renamed_from: Option<String>,
    /// The expression that computes the column (`#[model(generated = "...")]`, or what the
    /// catalog holds), `None` for a plain column. Compared by the diff (PostgreSQL: as the
    /// server renders it; SQLite: as the table's text stores it, quotes aside). Introspected
    /// SQLite columns also keep their clause verbatim in [`Column::extra`], which then renders
    /// instead of this.
    pub generated: Option<Generated>,
    /// How the database has the column's type and default written (SQLite), so that a rebuild
    /// keeps `DATETIME` and `DEFAULT NULL` where the models agree. Never compared.
    pub spelling: Spelling,
}

/// A column's type and default as the database has them written (SQLite keeps the text of
/// `CREATE TABLE`): `DATETIME` rather than the model's `TIMESTAMP`, a `DEFAULT NULL` the model
/// leaves out. Empty for models. Never compared (`PartialEq` is always true): renderers use it
/// only where it says what the column is ([`crate::dialect::Dialect::render_type`]).
#[derive(Debug, Clone, Default)]
pub struct Spelling {
    /// The declared type, verbatim (`DATETIME`, `text`).
    pub ty: Option<String>,
    /// The column says `DEFAULT NULL` (which is no default).
    pub null_default: bool,
}

impl PartialEq for Spelling {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl Eq for Spelling {}

/// A generated column's definition: `GENERATED ALWAYS AS (expr) STORED` (or `VIRTUAL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The SQL expression, without the parentheses around it.
    pub expr: String,
    /// `STORED` (computed on write and kept) rather than `VIRTUAL` (computed on read; SQLite
    /// only: PostgreSQL 15 has stored generated columns only).
    pub stored: bool,
}

impl Generated {
    /// The column clause: `GENERATED ALWAYS AS (expr) STORED` or `... VIRTUAL`.
    pub fn clause(&self) -> String {
        format!(
            "GENERATED ALWAYS AS ({}) {}",
            crate::dialect::normalize_default(&self.expr),
            if self.stored { "STORED" } else { "VIRTUAL" }
        )
    }
}

impl Column {
    /// A column named `name` of type `ty`, without a default.
    pub fn new(name: impl Into<String>, ty: SqlType, nullable: bool) -> Self {
        Column {
            name: name.into(),
            ty,
            nullable,
            default: None,
            extra: Vec::new(),
            comment: None,
            renamed_from: None,
            generated: None,
            spelling: Spelling::default(),
        }
    }
}

/// How the database assigns the values of a table's [`Table::identity`] column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum IdentityKind {
    /// `GENERATED BY DEFAULT AS IDENTITY`: what the models ask for; explicit values allowed.
    #[default]
    ByDefault,
    /// `GENERATED ALWAYS AS IDENTITY`: explicit values refused unless overridden.
    Always,
    /// A serial column (PostgreSQL): a sequence owned by the column and a `nextval` default,
    /// both kept in [`Table::unmodeled`]; no `IDENTITY` clause is declared.
    Serial,
}

/// A column whose values the database assigns through an identity (`BY DEFAULT` or `ALWAYS`),
/// as [`crate::ops::Op::AlterIdentity`] carries it. Serial columns change through
/// [`crate::ops::Op::AlterSerial`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityColumn {
    /// The column's name.
    pub column: String,
    /// How its values are assigned: [`IdentityKind::ByDefault`] or [`IdentityKind::Always`].
    pub kind: IdentityKind,
}

/// A model's serial column's sequence, where it is not what `serial` / `bigserial` make.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SerialOptions {
    /// Its name, where not `<table>_<column>_seq` (a renamed table keeps its sequence's name).
    pub name: Option<String>,
    /// Its type, where not the column's (`CREATE SEQUENCE` without `AS` makes a `bigint` one).
    pub ty: Option<SqlType>,
}

/// When a foreign key is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Deferrable {
    /// At the end of each statement (`NOT DEFERRABLE`, the default).
    #[default]
    No,
    /// At the end of each statement unless a transaction defers it (`DEFERRABLE`).
    Deferrable,
    /// At commit (`DEFERRABLE INITIALLY DEFERRED`).
    InitiallyDeferred,
}

impl Deferrable {
    /// The clause after a foreign key's actions (empty for [`Deferrable::No`]).
    pub fn as_sql(self) -> &'static str {
        match self {
            Deferrable::No => "",
            Deferrable::Deferrable => " DEFERRABLE",
            Deferrable::InitiallyDeferred => " DEFERRABLE INITIALLY DEFERRED",
        }
    }
}

/// What a foreign key does when the referenced row is deleted or updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum FkAction {
    #[default]
    /// `NO ACTION` (default, not rendered): fail while rows still reference it, at statement end.
    NoAction,
    /// `RESTRICT`: fail while rows still reference it, checked immediately.
    Restrict,
    /// `CASCADE`: the referencing rows are deleted or updated along with it.
    Cascade,
    /// `SET NULL`: the referencing columns are set to NULL.
    SetNull,
    /// `SET DEFAULT`: the referencing columns are set to their defaults.
    SetDefault,
}

impl FkAction {
    /// Parses `cascade`, `set null`, `set_null`, `restrict`, `no action`, `set default`
    /// (any case). Returns `None` for anything else.
    pub fn parse(text: &str) -> Option<FkAction> {
        match text
            .trim()
            .to_ascii_lowercase()
            .replace(['_', '-'], " ")
            .as_str()
        {
            "no action" => Some(FkAction::NoAction),
            "restrict" => Some(FkAction::Restrict),
            "cascade" => Some(FkAction::Cascade),
            "set null" => Some(FkAction::SetNull),
            "set default" => Some(FkAction::SetDefault),
            _ => None,
        }
    }

    /// The action as SQL writes it after `ON DELETE` / `ON UPDATE` (`SET NULL`).
    pub fn as_sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }
}

/// A foreign key constraint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForeignKey {
    /// Constraint name; by convention `fk_<table>_<columns>_<ref_table>`.
    pub name: String,
    /// Referencing columns of this table, in order; paired position by position with `ref_columns`.
    pub columns: Vec<String>,
    /// Name of the referenced table.
    pub ref_table: String,
    /// Referenced columns (its primary key or a unique index), in the order of `columns`.
    pub ref_columns: Vec<String>,
    /// What happens to referencing rows when the referenced row is deleted.
    pub on_delete: FkAction,
    /// What happens to referencing rows when the referenced key is updated.
    pub on_update: FkAction,
    /// When the key is checked.
    pub deferrable: Deferrable,
}

/// An index; `unique` indexes also carry the `unique` model attribute.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Index {
    /// Index name; by convention `ix_<table>_<columns>`, `uq_...` when unique ([`index_name`]).
    pub name: String,
    /// Indexed columns, in index key order.
    pub columns: Vec<String>,
    /// Whether it is a `UNIQUE` index.
    pub unique: bool,
    /// Enforced by a `UNIQUE` constraint of the same name rather than a bare unique index
    /// (PostgreSQL; a foreign schema's `UNIQUE (...)`). Not compared by the diff (both enforce
    /// uniqueness the same way); it decides how the index is created and dropped.
    pub constraint: bool,
    /// What a model's index says beyond plain column keys (partial, expression keys, method,
    /// `INCLUDE`, `NULLS NOT DISTINCT`). Only models set them: each dialect turns such an index
    /// into the definition its introspection keeps ([`Table::unmodeled`]), so the diff never
    /// sees non-default options (see [`Index::is_plain`]).
    pub options: IndexOptions,
}

/// A table: columns in declaration order, primary key, foreign keys and indexes (sorted by name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Table name, exactly as the database spells it (quoted in SQL, so case-sensitive).
    pub name: String,
    /// Columns, in declaration order.
    pub columns: Vec<Column>,
    /// Primary key column names, in key order; empty when the table has no primary key.
    pub primary_key: Vec<String>,
    /// Name of the primary key constraint as the database reports it (PostgreSQL); `None` for
    /// models and SQLite. Not compared by `diff`: it only lets renderers drop the right
    /// constraint.
    pub primary_key_name: Option<String>,
    /// The column whose values the database assigns: PostgreSQL's identity (`GENERATED ...
    /// AS IDENTITY`, see [`Table::identity_kind`]) or a serial single-column key
    /// ([`Table::settle_serial_key`]). The PostgreSQL dialect gives it to a model's single
    /// integer key unless the model says otherwise; SQLite's normalisation to the rowid alias
    /// (a single `INTEGER` key of a rowid table), on both sides of a diff.
    pub identity: Option<String>,
    /// How the database assigns the identity column's values (`identity = "always"`,
    /// `identity = "by_default"`, `serial` in the models). Compared by the diff: a change is an
    /// [`crate::ops::Op::AlterIdentity`].
    pub identity_kind: IdentityKind,
    /// The serial columns other than [`Table::identity`] (PostgreSQL: a sequence owned by the
    /// column and its `nextval` default, kept in [`Table::unmodeled`]; `#[model(serial)]`),
    /// sorted. Compared by the diff (a change is an [`crate::ops::Op::AlterSerial`]); SQLite
    /// has none: its dialect clears it.
    pub serial: Vec<String>,
    /// What the models say of the sequences of serial columns beyond PostgreSQL's own
    /// (`#[model(serial = "name")]`, `#[model(serial(name = "...", ty = "bigint"))]`), by
    /// column. Read by `Dialect::model_defaults`, which clears it; empty for introspected
    /// tables.
    pub serial_options: BTreeMap<String, SerialOptions>,
    /// The key is `AUTOINCREMENT` (SQLite, `#[model(primary_key, autoincrement)]`): the ids of
    /// deleted rows are never assigned again (`sqlite_sequence` keeps the largest one given).
    /// Compared by the diff; a rebuild keeps the table's `sqlite_sequence` value. PostgreSQL
    /// identities and sequences never reuse values anyway: its dialect clears it.
    pub autoincrement: bool,
    /// The model says the application assigns its key's values (`#[model(primary_key,
    /// identity = false)]`): the PostgreSQL dialect then gives the table no identity. Read by
    /// `Dialect::model_defaults`, which clears it, so the diff never sees it; `false` for
    /// introspected tables.
    pub no_identity: bool,
    /// Foreign key constraints, sorted by name (see [`Table::canonicalize`]).
    pub foreign_keys: Vec<ForeignKey>,
    /// Indexes, sorted by name (see [`Table::canonicalize`]).
    pub indexes: Vec<Index>,
    /// SQL of objects on this table that the schema model cannot hold as structure (SQLite:
    /// triggers, expression and partial indexes), read by introspection and re-created
    /// verbatim after a table rebuild so that it never silently drops them. The indexes and
    /// constraints among them are the models' (compared by exact text; a model index with
    /// [`IndexOptions`] becomes one here, see `Dialect::model_defaults`); triggers, comments
    /// and sequences are not compared.
    pub unmodeled: Vec<String>,
    /// Table constraints that the model cannot say, verbatim, as introspection read them
    /// (SQLite, which cannot add them after `CREATE TABLE`: `CONSTRAINT c CHECK (...)`,
    /// `UNIQUE (a, b)`); rendered inside `CREATE TABLE` after the foreign keys, so a rebuild
    /// or a restore keeps them. A model's `check(...)` constraints are here too, as
    /// [`check_clause`] writes them (the PostgreSQL dialect moves them to [`Table::unmodeled`],
    /// where PostgreSQL keeps its constraints). Compared by exact text: the models own them.
    pub table_constraints: Vec<String>,
    /// What follows `CREATE TABLE`'s closing parenthesis (SQLite: `STRICT`, `WITHOUT ROWID`),
    /// empty when nothing does. Not compared by the diff.
    pub options: String,
    /// The table's comment (PostgreSQL `COMMENT ON TABLE`): the model's doc comment, or what
    /// the catalog holds. Compared by the diff (a change is an [`crate::ops::Op::AlterComment`]).
    /// SQLite has none: its dialect clears it.
    pub comment: Option<String>,
    /// The table's previous name (`#[model(renamed_from = "old")]`): when the database has a
    /// table of that name and none of this one, the diff renames it
    /// ([`crate::ops::Op::RenameTable`]) instead of dropping and creating. `None` for
    /// introspected tables; never compared by the diff.
    pub renamed_from: Option<String>,
    /// How the database has the table written (SQLite keeps each statement's text), for
    /// restoring it exactly: never compared, dropped by any op that changes the table.
    pub written: Written,
    /// The indexes and constraints the model does not name, under the default convention's
    /// names the derive gave them: `naming::apply` renames them after the project's
    /// naming convention and empties the list (the registry applies it when it builds the
    /// target). Empty for introspected tables.
    pub unnamed: Vec<crate::naming::Unnamed>,
    /// The indexes (plain ones in [`Table::indexes`], kept ones in [`Table::unmodeled`]) that
    /// the catalog marks INVALID (PostgreSQL `pg_index.indisvalid`: a `CREATE INDEX
    /// CONCURRENTLY` that failed or was interrupted), by name, sorted. Such an index enforces
    /// and serves nothing, so it is never the models' index: the diff drops it, and creates it
    /// again where the models declare it. Empty for models and SQLite.
    pub invalid_indexes: Vec<String>,
}

impl Table {
    /// An empty table named `name`: no columns, keys, indexes or identity.
    pub fn new(name: impl Into<String>) -> Self {
        Table {
            name: name.into(),
            columns: Vec::new(),
            primary_key: Vec::new(),
            primary_key_name: None,
            identity: None,
            identity_kind: IdentityKind::ByDefault,
            serial: Vec::new(),
            serial_options: BTreeMap::new(),
            autoincrement: false,
            no_identity: false,
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
            unmodeled: Vec::new(),
            table_constraints: Vec::new(),
            options: String::new(),
            comment: None,
            renamed_from: None,
            written: Written::default(),
            unnamed: Vec::new(),
            invalid_indexes: Vec::new(),
        }
    }

    /// The column named `name`, if the table has one.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The column named `name`, mutably, if the table has one.
    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    /// Sorts foreign keys and indexes so that equal tables compare equal.
    pub fn canonicalize(&mut self) {
        self.foreign_keys.sort();
        self.indexes.sort();
        self.serial.sort();
        self.serial.dedup();
    }

    /// The definition of the sequence behind serial column `column` in [`Table::unmodeled`]
    /// (the statement that creates it, owns it and sets the column's `nextval` default).
    pub fn serial_sequence(&self, column: &str) -> Option<&String> {
        let owner = format!(
            " ALTER COLUMN {} SET DEFAULT nextval(",
            crate::dialect::postgres::pg_ident_list(&[column.to_owned()])
        );
        self.unmodeled
            .iter()
            .find(|d| d.starts_with("CREATE SEQUENCE ") && d.contains(&owner))
    }

    /// The identity column (`BY DEFAULT` or `ALWAYS`; not a serial key), as an op carries it.
    pub fn identity_column(&self) -> Option<IdentityColumn> {
        let column = self.identity.clone()?;
        (self.identity_kind != IdentityKind::Serial).then_some(IdentityColumn {
            column,
            kind: self.identity_kind,
        })
    }

    /// Every serial column: [`Table::serial`] and a serial key, sorted.
    pub fn serial_columns(&self) -> Vec<String> {
        let mut out = self.serial.clone();
        if self.identity_kind == IdentityKind::Serial {
            out.extend(self.identity.clone());
        }
        out.sort();
        out
    }

    /// Puts a serial column where introspection reads it: a serial single-column key with no
    /// identity is the table's identity ([`IdentityKind::Serial`], the database assigning ids);
    /// any other serial column is in [`Table::serial`].
    pub fn settle_serial_key(&mut self) {
        if self.identity_kind == IdentityKind::Serial
            && self.primary_key.as_slice() != self.identity.as_slice()
        {
            self.serial.extend(self.identity.take());
            self.identity_kind = IdentityKind::ByDefault;
        }
        if self.identity.is_none() {
            if let [pk] = self.primary_key.as_slice() {
                if let Some(i) = self.serial.iter().position(|c| c == pk) {
                    self.identity = Some(self.serial.remove(i));
                    self.identity_kind = IdentityKind::Serial;
                }
            }
        }
        if self.identity.is_none() {
            self.identity_kind = IdentityKind::ByDefault;
        }
        self.serial.sort();
        self.serial.dedup();
    }

    /// Tables this one references through foreign keys (excluding itself), sorted.
    pub fn dependencies(&self) -> Vec<&str> {
        let mut deps: Vec<&str> = self
            .foreign_keys
            .iter()
            .map(|fk| fk.ref_table.as_str())
            .filter(|t| *t != self.name)
            .collect();
        deps.sort_unstable();
        deps.dedup();
        deps
    }
}

/// The statements that created a table and its plain indexes, as the database keeps them
/// (SQLite's `sqlite_schema.sql`; empty for models and PostgreSQL, which re-renders its own).
/// A table that a migration drops and its reverse restores unchanged is created from them,
/// so the restored `sqlite_schema` is identical, spelling, comments and all. Never compared:
/// equal tables are equal however they were written (`PartialEq` is always true). Any op that
/// changes the table forgets them ([`crate::ops::Op::apply`]): it is then rendered.
#[derive(Debug, Clone, Default)]
pub struct Written {
    /// The `CREATE TABLE` statement, without its final `;`.
    pub create: Option<String>,
    /// The `CREATE INDEX` statement of each plain index ([`Table::indexes`]), by index name.
    pub indexes: BTreeMap<String, String>,
}

impl PartialEq for Written {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl Eq for Written {}

impl Written {
    /// Forgets the text: the table no longer is what it says.
    pub fn forget(&mut self) {
        *self = Written::default();
    }
}

/// Conventional name of an index over `columns` of `table` under the default naming convention:
/// `ix_<table>_<cols>`, or `uq_...` when unique, shortened to 63 bytes
/// (`naming::shorten`).
pub fn index_name(table: &str, columns: &[impl AsRef<str>], unique: bool) -> String {
    let prefix = if unique { "uq" } else { "ix" };
    let cols: Vec<&str> = columns.iter().map(AsRef::as_ref).collect();
    crate::naming::shorten(&format!("{prefix}_{}_{}", bare_name(table), cols.join("_")))
}

/// Conventional name of a foreign key under the default naming convention:
/// `fk_<table>_<cols>_<ref_table>`, shortened to 63 bytes (`naming::shorten`).
pub fn foreign_key_name(table: &str, columns: &[impl AsRef<str>], ref_table: &str) -> String {
    let cols: Vec<&str> = columns.iter().map(AsRef::as_ref).collect();
    let (table, ref_table) = (bare_name(table), bare_name(ref_table));
    crate::naming::shorten(&format!("fk_{table}_{}_{ref_table}", cols.join("_")))
}

/// A whole schema: tables by name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schema {
    /// Tables keyed by their [`Table::name`].
    pub tables: BTreeMap<String, Table>,
    /// Objects the models do not own (views, materialized views, rules, triggers) that depend
    /// on a table or one of its columns, as the database's own dependency catalog records them:
    /// an op that drops or rewrites what they depend on is refused (a
    /// [`crate::DependencyError`]). Sorted; read by introspection, empty for models.
    pub dependents: Vec<Dependent>,
    /// Enum types by name, each with its labels in order (PostgreSQL; see [`SqlType::Enum`]).
    /// Introspection reads every enum type of the schema; the models' side holds the types
    /// their columns use. A type is the models' when a model uses it: one that no model uses
    /// is left alone, never dropped by a diff (see [`crate::diff`]).
    pub enums: BTreeMap<String, Vec<String>>,
    /// The schemas other than the connection's default one that exist (PostgreSQL): for a
    /// live database, those of the schemas introspection was asked to read (the models'
    /// `#[model(schema = "...")]`) that the server has. The diff creates a models' schema
    /// missing here ([`crate::ops::Op::CreateSchema`]); none is ever dropped but by the
    /// reverse of its creation. Empty for models (their schemas are their tables' keys).
    pub schemas: std::collections::BTreeSet<String>,
    /// Names in the migrated schemas that relations the models do not own already take
    /// (views, materialized views, foreign tables), keyed like tables, with what each is
    /// (`view`): creating a table of such a name is refused before anything runs (a
    /// [`crate::DependencyError`]). Read by introspection; empty for models.
    pub occupied: BTreeMap<String, String>,
}

/// An object that depends on a table or a column and that Retort does not manage.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dependent {
    /// The table depended on.
    pub table: String,
    /// The column depended on; `None` when the object depends on the table as a whole.
    pub column: Option<String>,
    /// What the object is, for messages (`view`, `materialized view`, `rule`, `trigger`).
    pub kind: String,
    /// Its name (a trigger's is `name on table`).
    pub name: String,
    /// Whether it also blocks a change of the column's type (PostgreSQL views and rules do, and
    /// kept indexes and constraints a change to another type family; SQLite rebuilds the table
    /// under a view, which keeps working).
    pub blocks_type_change: bool,
}

impl Schema {
    /// An empty schema.
    pub fn new() -> Self {
        Schema::default()
    }

    /// Adds `table` in canonical form, replacing any table of the same name.
    pub fn insert(&mut self, mut table: Table) {
        table.canonicalize();
        self.tables.insert(table.name.clone(), table);
    }

    /// The table named `name`, if the schema has one.
    pub fn get(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// True when the schema has no tables.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Table names ordered so that every table comes after the tables it references
    /// (ties and cycles broken by name, so the order is deterministic).
    pub fn dependency_order<'a>(&'a self, names: &[&'a str]) -> Vec<&'a str> {
        let wanted: std::collections::BTreeSet<&str> = names.iter().copied().collect();
        let mut done: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
        let mut out = Vec::with_capacity(wanted.len());
        while out.len() < wanted.len() {
            let ready = wanted.iter().copied().find(|name| {
                !done.contains(name)
                    && self.tables.get(*name).is_none_or(|t| {
                        t.dependencies()
                            .iter()
                            .all(|d| !wanted.contains(d) || done.contains(d))
                    })
            });
            // A cycle: take the first remaining table by name.
            let next = ready.unwrap_or_else(|| {
                wanted
                    .iter()
                    .copied()
                    .find(|n| !done.contains(n))
                    .expect("a remaining table")
            });
            done.insert(next);
            out.push(next);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_clauses_round_trip() {
        let clause = check_clause("ck_users_1", " age >= 0 ");
        assert_eq!(clause, r#"CONSTRAINT "ck_users_1" CHECK (age >= 0)"#);
        assert_eq!(
            parse_check_clause(&clause),
            Some(("ck_users_1".to_owned(), "age >= 0"))
        );
        let odd = check_clause(r#"a"b"#, "(x > 1) AND (y > 2)");
        assert_eq!(
            parse_check_clause(&odd),
            Some((r#"a"b"#.to_owned(), "(x > 1) AND (y > 2)"))
        );
        assert_eq!(parse_check_clause("UNIQUE (a, b)"), None);
        let not_valid = not_valid_check_clause("ck_t_1", "a > 0");
        assert_eq!(not_valid, r#"CONSTRAINT "ck_t_1" CHECK (a > 0) NOT VALID"#);
        assert_eq!(parse_check_clause(&not_valid), None);
        assert_eq!(
            parse_any_check_clause(&not_valid),
            Some(("ck_t_1".to_owned(), "a > 0", true))
        );
        assert_eq!(
            parse_any_check_clause(&clause),
            Some(("ck_users_1".to_owned(), "age >= 0", false))
        );
        assert!(is_not_valid_check(&not_valid));
        assert!(!is_not_valid_check(&clause));
        assert_eq!(parse_check_clause("CONSTRAINT u UNIQUE (a)"), None);
    }

    #[test]
    fn parses_common_type_spellings() {
        assert_eq!(SqlType::parse("int8"), SqlType::BigInt);
        assert_eq!(
            SqlType::parse("character varying ( 255 )"),
            SqlType::Varchar(255)
        );
        assert_eq!(
            SqlType::parse("numeric(10, 2)"),
            SqlType::Numeric {
                precision: Some(10),
                scale: Some(2)
            }
        );
        assert_eq!(
            SqlType::parse("Timestamp with time zone"),
            SqlType::TimestampTz
        );
        assert_eq!(SqlType::parse("citext"), SqlType::Custom("CITEXT".into()));
        assert_eq!(SqlType::parse("text(5)"), SqlType::Custom("TEXT(5)".into()));
    }

    #[test]
    fn parses_aliases_the_way_postgresql_reports_them() {
        let custom = |s: &str| SqlType::Custom(s.into());
        // Unlimited VARCHAR: model and catalog spellings meet at `VARCHAR`.
        assert_eq!(SqlType::parse("character varying"), custom("VARCHAR"));
        assert_eq!(SqlType::parse("varchar"), custom("VARCHAR"));
        assert_eq!(SqlType::parse("char(2)"), custom("CHAR(2)"));
        assert_eq!(SqlType::parse("character(2)"), custom("CHAR(2)"));
        assert_eq!(SqlType::parse("bpchar(2)"), custom("CHAR(2)"));
        assert_eq!(SqlType::parse("char"), custom("CHAR(1)"));
        assert_eq!(SqlType::parse("bpchar"), custom("BPCHAR"));
        assert_eq!(SqlType::parse("float"), SqlType::Double);
        assert_eq!(SqlType::parse("float8"), SqlType::Double);
        assert_eq!(SqlType::parse("float(53)"), SqlType::Double);
        assert_eq!(SqlType::parse("float(24)"), SqlType::Real);
        assert_eq!(SqlType::parse("float4"), SqlType::Real);
        assert_eq!(SqlType::parse("float(99)"), custom("FLOAT(99)"));
        assert_eq!(SqlType::parse("timestamp(3)"), custom("TIMESTAMP(3)"));
        assert_eq!(
            SqlType::parse("timestamp(3) without time zone"),
            custom("TIMESTAMP(3)")
        );
        assert_eq!(
            SqlType::parse("timestamp without time zone"),
            SqlType::Timestamp
        );
        assert_eq!(SqlType::parse("timestamptz(6)"), custom("TIMESTAMPTZ(6)"));
        assert_eq!(
            SqlType::parse("timestamp(6) with time zone"),
            custom("TIMESTAMPTZ(6)")
        );
        assert_eq!(
            SqlType::parse("time(2) without time zone"),
            custom("TIME(2)")
        );
        assert_eq!(SqlType::parse("time with time zone"), custom("TIMETZ"));
        assert_eq!(SqlType::parse("serial"), SqlType::Integer);
        assert_eq!(SqlType::parse("bigserial"), SqlType::BigInt);
        assert_eq!(SqlType::parse("smallserial"), SqlType::SmallInt);
        assert_eq!(SqlType::parse("serial8"), SqlType::BigInt);
        assert_eq!(
            SqlType::parse("text with time zone"),
            custom("TEXT WITH TIME ZONE")
        );
        // Every canonical spelling parses back to itself.
        for text in [
            "VARCHAR",
            "CHAR(2)",
            "CHAR(1)",
            "BPCHAR",
            "TIMESTAMP(3)",
            "TIMESTAMPTZ(6)",
            "TIME(2)",
            "TIMETZ",
            "TIMETZ(4)",
            "FLOAT(99)",
        ] {
            let ty = SqlType::parse(text);
            assert_eq!(ty.to_string(), text);
            assert_eq!(SqlType::parse(&ty.to_string()), ty, "{text}");
        }
    }

    #[test]
    fn quoted_type_names_keep_their_case() {
        assert_eq!(
            SqlType::parse("\"Mood\""),
            SqlType::Custom("\"Mood\"".into())
        );
        assert_eq!(
            SqlType::parse("public.\"Mood\"[]"),
            SqlType::Custom("PUBLIC.\"Mood\"[]".into())
        );
    }

    #[test]
    fn display_round_trips_through_parse() {
        for ty in [
            SqlType::Boolean,
            SqlType::SmallInt,
            SqlType::Integer,
            SqlType::BigInt,
            SqlType::Real,
            SqlType::Double,
            SqlType::Numeric {
                precision: Some(10),
                scale: Some(2),
            },
            SqlType::Numeric {
                precision: None,
                scale: None,
            },
            SqlType::Text,
            SqlType::Varchar(80),
            SqlType::Blob,
            SqlType::Date,
            SqlType::Time,
            SqlType::Timestamp,
            SqlType::TimestampTz,
            SqlType::Uuid,
            SqlType::Json,
            SqlType::Jsonb,
        ] {
            assert_eq!(SqlType::parse(&ty.to_string()), ty, "{ty}");
        }
    }

    #[test]
    fn narrowing_changes_are_recognised() {
        assert!(SqlType::BigInt.narrowing_to(&SqlType::Integer).is_some());
        assert!(SqlType::Integer.narrowing_to(&SqlType::BigInt).is_none());
        assert!(SqlType::Varchar(20)
            .narrowing_to(&SqlType::Varchar(5))
            .is_some());
        assert!(SqlType::Varchar(5).narrowing_to(&SqlType::Text).is_none());
        let num = |p, s| SqlType::Numeric {
            precision: Some(p),
            scale: Some(s),
        };
        assert!(num(10, 2).narrowing_to(&num(10, 0)).is_some());
        assert!(num(10, 2).narrowing_to(&num(12, 2)).is_none());
        assert!(SqlType::Text.narrowing_to(&SqlType::Integer).is_some());
        assert!(SqlType::TimestampTz
            .narrowing_to(&SqlType::Timestamp)
            .is_some());
    }

    #[test]
    fn dependency_order_puts_parents_first() {
        let mut schema = Schema::new();
        let mut posts = Table::new("posts");
        posts.foreign_keys.push(ForeignKey {
            name: "fk".into(),
            columns: vec!["user_id".into()],
            ref_table: "users".into(),
            ref_columns: vec!["id".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
            deferrable: Default::default(),
        });
        schema.insert(posts);
        schema.insert(Table::new("users"));
        schema.insert(Table::new("accounts"));
        assert_eq!(
            schema.dependency_order(&["posts", "users", "accounts"]),
            vec!["accounts", "users", "posts"]
        );
    }

    #[test]
    fn fk_actions_parse() {
        assert_eq!(FkAction::parse("SET_NULL"), Some(FkAction::SetNull));
        assert_eq!(FkAction::parse("cascade"), Some(FkAction::Cascade));
        assert_eq!(FkAction::parse("explode"), None);
    }
}
