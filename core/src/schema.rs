//! Dialect-free model of a database schema: tables, columns, types, keys and indexes.
//!
//! Both sides of a diff are expressed in these types: the target schema built from the registered
//! models and the current schema read from a live database by `introspect`.

use std::collections::BTreeMap;
use std::fmt;

mod index;
mod qualified;
pub use index::{index_statement, simplify_index, IndexOptions};
pub use qualified::{bare_name, qualified_name, quote_in_schema_of, quote_table, split_qualified};

/// A column type, independent of any database. Each dialect renders and normalises it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SqlType {
    /// `BOOLEAN` (Rust `bool`).
    Boolean,
    /// `SMALLINT`, a 16-bit integer (Rust `i16`).
    SmallInt,
    /// `INTEGER`, a 32-bit integer (Rust `i32`); in SQLite every integer is 64-bit.
    Integer,
    /// `BIGINT`, a 64-bit integer (Rust `i64`).
    BigInt,
    /// `REAL`, a 32-bit float (Rust `f32`).
    Real,
    /// `DOUBLE PRECISION`, a 64-bit float (Rust `f64`); also what a plain `FLOAT` parses to.
    Double,
    /// `NUMERIC`, optionally with precision and scale.
    Numeric {
        /// Total number of significant digits; `None` for an unconstrained `NUMERIC`.
        precision: Option<u32>,
        /// Digits after the decimal point; `None` when not written (`NUMERIC(p)` has scale 0).
        scale: Option<u32>,
    },
    /// `TEXT`, a string of unlimited length (Rust `String`).
    Text,
    /// `VARCHAR(n)`.
    Varchar(u32),
    /// Binary data: `BLOB`, rendered `BYTEA` on PostgreSQL (Rust `Vec<u8>`).
    Blob,
    /// `DATE`, a calendar date without time of day (Rust `chrono::NaiveDate`).
    Date,
    /// `TIME`, a time of day without time zone (Rust `chrono::NaiveTime`).
    Time,
    /// `TIMESTAMP` (also `DATETIME`): date and time without zone (Rust `chrono::NaiveDateTime`).
    Timestamp,
    /// `TIMESTAMPTZ`, an instant with time zone (Rust `chrono::DateTime<Utc>` or `<FixedOffset>`).
    TimestampTz,
    /// `UUID` (Rust `uuid::Uuid`).
    Uuid,
    /// `JSON`, stored as text (Rust `serde_json::Value`).
    Json,
    /// PostgreSQL's binary JSON; SQLite stores it like `JSON`.
    Jsonb,
    /// Any other type, kept as written (upper-cased, whitespace collapsed).
    Custom(String),
    /// A `#[derive(retort::DbEnum)]` type: one of a fixed list of labels, in order.
    /// PostgreSQL: a native enum type named `name` (the dialect keeps the labels in
    /// [`Schema::enums`] and the column names the type only, `labels` empty). SQLite: `TEXT`
    /// with a `CHECK ("col" IN ('a', 'b'))` clause.
    Enum {
        /// The type's name (`CREATE TYPE "name" AS ENUM`).
        name: String,
        /// The labels, in declaration order; empty where the schema keeps them apart.
        labels: Vec<String>,
    },
}

impl SqlType {
    /// Parses a type as written in a model's `sql_type` or reported by a database catalog.
    /// Unknown names become [`SqlType::Custom`]; parsing never fails.
    pub fn parse(text: &str) -> SqlType {
        let norm = normalise_type_text(text);
        let custom = || SqlType::Custom(norm.clone());
        // `TIME[STAMP][(p)] WITH[OUT] TIME ZONE`: the zone clause follows the precision.
        let (head, zone) = if let Some(h) = norm.strip_suffix(" WITHOUT TIME ZONE") {
            (h, Some(false))
        } else if let Some(h) = norm.strip_suffix(" WITH TIME ZONE") {
            (h, Some(true))
        } else {
            (norm.as_str(), None)
        };
        let (base, args) = match head.find('(') {
            Some(open) if head.ends_with(')') => {
                let args: Vec<&str> = head[open + 1..head.len() - 1]
                    .split(',')
                    .map(str::trim)
                    .collect();
                (head[..open].trim_end(), Some(args))
            }
            _ => (head, None),
        };
        let base = match (base, zone) {
            (_, None) | ("TIMESTAMP" | "TIME", Some(false)) => base,
            ("TIMESTAMP", Some(true)) => "TIMESTAMPTZ",
            ("TIME", Some(true)) => "TIMETZ",
            _ => return custom(),
        };
        let nums: Option<Vec<u32>> = args
            .as_ref()
            .map(|a| a.iter().map(|s| s.parse::<u32>()).collect())
            .transpose()
            .ok()
            .flatten();
        let plain = |ty: SqlType| {
            if args.is_none() {
                ty
            } else {
                custom()
            }
        };
        // A type whose only argument is a precision: `TIMESTAMP(3)`, kept as `Custom("TIMESTAMP(3)")`.
        let precision = |ty: SqlType, name: &str| match (args.is_none(), nums.as_deref()) {
            (true, _) => ty,
            (false, Some([p])) => SqlType::Custom(format!("{name}({p})")),
            _ => custom(),
        };
        match base {
            "BOOLEAN" | "BOOL" => plain(SqlType::Boolean),
            // PostgreSQL reports serial columns as their integer type plus a sequence default.
            "SMALLINT" | "INT2" | "SMALLSERIAL" | "SERIAL2" => plain(SqlType::SmallInt),
            "INTEGER" | "INT" | "INT4" | "SERIAL" | "SERIAL4" => plain(SqlType::Integer),
            "BIGINT" | "INT8" | "BIGSERIAL" | "SERIAL8" => plain(SqlType::BigInt),
            "REAL" | "FLOAT4" => plain(SqlType::Real),
            "DOUBLE PRECISION" | "DOUBLE" | "FLOAT8" => plain(SqlType::Double),
            // FLOAT(1..24) is REAL, FLOAT(25..53) and plain FLOAT are DOUBLE PRECISION.
            "FLOAT" => match (args.is_none(), nums.as_deref()) {
                (true, _) => SqlType::Double,
                (false, Some([1..=24])) => SqlType::Real,
                (false, Some([25..=53])) => SqlType::Double,
                _ => custom(),
            },
            "TEXT" => plain(SqlType::Text),
            "BLOB" | "BYTEA" => plain(SqlType::Blob),
            "DATE" => plain(SqlType::Date),
            "TIME" => precision(SqlType::Time, "TIME"),
            "TIMETZ" => precision(SqlType::Custom("TIMETZ".into()), "TIMETZ"),
            "TIMESTAMP" | "DATETIME" => precision(SqlType::Timestamp, "TIMESTAMP"),
            "TIMESTAMPTZ" => precision(SqlType::TimestampTz, "TIMESTAMPTZ"),
            "UUID" => plain(SqlType::Uuid),
            "JSON" => plain(SqlType::Json),
            "JSONB" => plain(SqlType::Jsonb),
            "VARCHAR" | "CHARACTER VARYING" => match nums.as_deref() {
                Some([n]) => SqlType::Varchar(*n),
                // Without a length: unlimited, spelled `VARCHAR`.
                None if args.is_none() => SqlType::Custom("VARCHAR".into()),
                _ => custom(),
            },
            // Blank-padded; without a length the SQL standard (and PostgreSQL) mean one character.
            "CHAR" | "CHARACTER" | "BPCHAR" => match nums.as_deref() {
                Some([n]) => SqlType::Custom(format!("CHAR({n})")),
                None if args.is_none() && base != "BPCHAR" => SqlType::Custom("CHAR(1)".into()),
                _ => custom(),
            },
            "NUMERIC" | "DECIMAL" => match nums.as_deref() {
                None if args.is_none() => SqlType::Numeric {
                    precision: None,
                    scale: None,
                },
                Some([p]) => SqlType::Numeric {
                    precision: Some(*p),
                    scale: None,
                },
                Some([p, s]) => SqlType::Numeric {
                    precision: Some(*p),
                    scale: Some(*s),
                },
                _ => custom(),
            },
            _ => custom(),
        }
    }

    /// Why changing a column from `self` to `to` can fail on, or lose, existing values on a
    /// database that enforces column types (PostgreSQL); `None` for widening changes. A dialect
    /// says what happens on its own backend: [`crate::dialect::Dialect::type_change_risk`].
    pub fn narrowing_to(&self, to: &SqlType) -> Option<&'static str> {
        use SqlType::*;
        let rank = |t: &SqlType| match t {
            SmallInt => Some(1),
            Integer => Some(2),
            BigInt => Some(3),
            _ => None,
        };
        if self == to {
            return None;
        }
        match (self, to) {
            (a, b) if rank(a).is_some() && rank(b).is_some() => {
                (rank(b) < rank(a)).then_some("values out of the new range are refused: the upgrade fails")
            }
            (Varchar(a), Varchar(b)) => {
                (b < a).then_some("longer strings are refused: the upgrade fails")
            }
            (Text, Varchar(_)) => Some("longer strings are refused: the upgrade fails"),
            (Varchar(_), Text) => None,
            (Double, Real) => Some("values lose precision"),
            (Real, Double) => None,
            (SmallInt | Integer | BigInt, Real | Double | Numeric { .. }) => None,
            (
                Numeric {
                    precision: p1,
                    scale: s1,
                },
                Numeric {
                    precision: p2,
                    scale: s2,
                },
            ) => (p2.unwrap_or(u32::MAX) < p1.unwrap_or(u32::MAX)
                || s2.unwrap_or(0) < s1.unwrap_or(0))
            .then_some("values are rounded to the new scale; values too large are refused: the upgrade fails"),
            (TimestampTz, Timestamp) => {
                Some("values become local times of the session's time zone, the zone dropped")
            }
            (Timestamp, TimestampTz) | (Date, Timestamp | TimestampTz) => None,
            (Json, Jsonb) | (Jsonb, Json) => None,
            _ => Some(
                "values are converted with a cast; values that do not convert are refused: the upgrade fails",
            ),
        }
    }

    /// True for the integer family (`SMALLINT`, `INTEGER`, `BIGINT`).
    pub fn is_integer(&self) -> bool {
        matches!(self, SqlType::SmallInt | SqlType::Integer | SqlType::BigInt)
    }

    /// True for every number type: integers, `REAL`, `DOUBLE PRECISION`, `NUMERIC`.
    pub fn is_numeric(&self) -> bool {
        self.is_integer()
            || matches!(
                self,
                SqlType::Real | SqlType::Double | SqlType::Numeric { .. }
            )
    }
}

/// Generic, dialect-neutral spelling; dialects render their own.
impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlType::Boolean => f.write_str("BOOLEAN"),
            SqlType::SmallInt => f.write_str("SMALLINT"),
            SqlType::Integer => f.write_str("INTEGER"),
            SqlType::BigInt => f.write_str("BIGINT"),
            SqlType::Real => f.write_str("REAL"),
            SqlType::Double => f.write_str("DOUBLE PRECISION"),
            SqlType::Numeric {
                precision: None, ..
            } => f.write_str("NUMERIC"),
            SqlType::Numeric {
                precision: Some(p),
                scale: None,
            } => write!(f, "NUMERIC({p})"),
            SqlType::Numeric {
                precision: Some(p),
                scale: Some(s),
            } => write!(f, "NUMERIC({p},{s})"),
            SqlType::Text => f.write_str("TEXT"),
            SqlType::Varchar(n) => write!(f, "VARCHAR({n})"),
            SqlType::Blob => f.write_str("BLOB"),
            SqlType::Date => f.write_str("DATE"),
            SqlType::Time => f.write_str("TIME"),
            SqlType::Timestamp => f.write_str("TIMESTAMP"),
            SqlType::TimestampTz => f.write_str("TIMESTAMPTZ"),
            SqlType::Uuid => f.write_str("UUID"),
            SqlType::Json => f.write_str("JSON"),
            SqlType::Jsonb => f.write_str("JSONB"),
            SqlType::Custom(s) => f.write_str(s),
            SqlType::Enum { name, labels } if labels.is_empty() => write!(f, "ENUM {name}"),
            SqlType::Enum { name, labels } => write!(f, "ENUM {name}({})", labels.join(", ")),
        }
    }
}

fn normalise_type_text(text: &str) -> String {
    // Upper case and collapsed white space, except inside double quotes: `"Mood"` is a
    // case-sensitive name (an enum, a domain) and stays exactly as written.
    let text = text.trim();
    let mut out = String::with_capacity(text.len());
    let mut last_space = false;
    let mut quoted = false;
    for c in text.chars() {
        if c == '"' {
            quoted = !quoted;
            out.push(c);
            last_space = false;
        } else if quoted {
            out.push(c);
        } else if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            // no space before '(' or ',' or ')' and none after '(' or ','
            if matches!(c, '(' | ',' | ')') && out.ends_with(' ') {
                out.pop();
            }
            out.push(c.to_ascii_uppercase());
            last_space = false;
        }
    }
    if text.contains('"') {
        out
    } else {
        out.replace("( ", "(").replace(", ", ",")
    }
}

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
}

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
    /// The column whose values the database assigns (PostgreSQL `GENERATED BY DEFAULT AS
    /// IDENTITY`). The PostgreSQL dialect gives it to a model's single integer key; SQLite
    /// leaves it `None` (there an `INTEGER` key is the rowid, assigned anyway).
    pub identity: Option<String>,
    /// How the database assigns the identity column's values. Not compared by the diff: every
    /// kind means "the database assigns ids"; renderers re-create the kind a table had.
    pub identity_kind: IdentityKind,
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
    /// The indexes and constraints the model does not name, under the default convention's
    /// names the derive gave them: [`crate::naming::apply`] renames them after the project's
    /// naming convention and empties the list (the registry applies it when it builds the
    /// target). Empty for introspected tables.
    pub unnamed: Vec<crate::naming::Unnamed>,
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
            no_identity: false,
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
            unmodeled: Vec::new(),
            table_constraints: Vec::new(),
            options: String::new(),
            comment: None,
            renamed_from: None,
            unnamed: Vec::new(),
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

/// A model's CHECK constraint as a table-constraint clause: `CONSTRAINT "name" CHECK (expr)`,
/// the text `CREATE TABLE` gets and SQLite's introspection reads back.
pub fn check_clause(name: &str, expr: &str) -> String {
    format!(
        "CONSTRAINT \"{}\" CHECK ({})",
        name.replace('"', "\"\""),
        expr.trim()
    )
}

/// A model's `NOT VALID` CHECK constraint (`check(..., not_valid)`): [`check_clause`] followed
/// by ` NOT VALID`. PostgreSQL adds it without checking the rows already there; SQLite, which
/// has no such thing, makes it an ordinary CHECK (its dialect drops the suffix).
pub fn not_valid_check_clause(name: &str, expr: &str) -> String {
    format!("{}{NOT_VALID}", check_clause(name, expr))
}

/// What a `NOT VALID` constraint's definition ends with.
pub const NOT_VALID: &str = " NOT VALID";

/// A [`check_clause`] split into its unquoted name and its expression, or `None` for any other
/// clause (a [`not_valid_check_clause`] included: see [`parse_any_check_clause`]).
pub fn parse_check_clause(clause: &str) -> Option<(String, &str)> {
    match parse_any_check_clause(clause)? {
        (name, expr, false) => Some((name, expr)),
        (_, _, true) => None,
    }
}

/// Whether `clause` is a [`not_valid_check_clause`].
pub fn is_not_valid_check(clause: &str) -> bool {
    parse_any_check_clause(clause).is_some_and(|(_, _, not_valid)| not_valid)
}

/// A [`check_clause`] or [`not_valid_check_clause`] split into its unquoted name, its
/// expression and whether it is `NOT VALID`; `None` for any other clause.
pub fn parse_any_check_clause(clause: &str) -> Option<(String, &str, bool)> {
    let rest = clause.strip_prefix("CONSTRAINT \"")?;
    let mut name = String::new();
    let mut chars = rest.char_indices();
    let end = loop {
        let (i, c) = chars.next()?;
        if c == '"' {
            if rest[i + 1..].starts_with('"') {
                name.push('"');
                chars.next();
                continue;
            }
            break i + 1;
        }
        name.push(c);
    };
    let body = rest[end..].strip_prefix(" CHECK (")?;
    let (body, not_valid) = match body.strip_suffix(NOT_VALID) {
        Some(body) => (body, true),
        None => (body, false),
    };
    let expr = body.strip_suffix(')')?;
    Some((name, expr, not_valid))
}

/// Conventional name of an index over `columns` of `table` under the default naming convention:
/// `ix_<table>_<cols>`, or `uq_...` when unique, shortened to 63 bytes
/// ([`crate::naming::shorten`]).
pub fn index_name(table: &str, columns: &[impl AsRef<str>], unique: bool) -> String {
    let prefix = if unique { "uq" } else { "ix" };
    let cols: Vec<&str> = columns.iter().map(AsRef::as_ref).collect();
    crate::naming::shorten(&format!("{prefix}_{}_{}", bare_name(table), cols.join("_")))
}

/// Conventional name of a foreign key under the default naming convention:
/// `fk_<table>_<cols>_<ref_table>`, shortened to 63 bytes ([`crate::naming::shorten`]).
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
    /// an op that drops or rewrites what they depend on is refused (see
    /// [`crate::depend`]). Sorted; read by introspection, empty for models.
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
