//! The naming convention: the names of the constraints and indexes the models do not name.
//!
//! A model that says `#[model(index)]`, `unique`, `references = ...`, `check(expr = ...)` without
//! `name = "..."` gets a conventional name from a template of the project's [`Convention`]
//! (Retort.toml's `[naming]`). The derive gives each such object the default convention's name
//! and records it in [`Table::unnamed`]; [`apply`] renames them after the project's convention
//! when the target schema is built (so the templates live in Retort.toml, not in the compiled
//! models), shortens every generated name longer than [`MAX_NAME_BYTES`] with a hash suffix
//! ([`shorten`]), and checks that the names the models give fit.
//!
//! The default templates are Alembic's recommended convention with all the columns joined by
//! `_` (Alembic's `column_0_N_name`): `ix_{table}_{columns}`, `uq_{table}_{columns}`,
//! `fk_{table}_{columns}_{referred_table}`, `ck_{table}_{n}`; they are the names Retort always
//! gave, so a project that configures nothing sees no rename. Primary keys keep the backend's
//! own name (PostgreSQL `<table>_pkey`) unless a `pk` template is configured.

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

pub use crate::schema::Unnamed;
use crate::schema::{bare_name, Schema, Table};

/// The longest name a generated or given constraint name may have, in bytes: the convention's
/// own limit, the same on every backend so that a project's names are identical everywhere. It
/// is no longer than any backend's identifier limit (PostgreSQL's 63 bytes is the shortest;
/// a test checks every dialect's `DialectFacts::identifier_limit`), so no backend cuts a name
/// the convention gives.
pub const MAX_NAME_BYTES: usize = 63;

/// The templates of the constraint names the models do not give (Retort.toml's `[naming]`).
///
/// Placeholders: `{table}`, `{columns}` (all the columns joined by `_`), `{column_0}` (the
/// first column), `{referred_table}` (`fk` only), `{n}` (`ck` only: the check's position
/// among the model's checks, from 1). `ck` knows no columns (a check is an expression).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Convention {
    /// Indexes: default `ix_{table}_{columns}`.
    pub ix: String,
    /// Unique indexes and constraints: default `uq_{table}_{columns}`.
    pub uq: String,
    /// Foreign keys: default `fk_{table}_{columns}_{referred_table}`.
    pub fk: String,
    /// Checks: default `ck_{table}_{n}`.
    pub ck: String,
    /// Primary keys: `None` (the default) keeps the backend's own name (PostgreSQL
    /// `<table>_pkey`; SQLite's keys have none), and primary key names are not compared.
    pub pk: Option<String>,
}

impl Default for Convention {
    fn default() -> Self {
        Convention {
            ix: "ix_{table}_{columns}".into(),
            uq: "uq_{table}_{columns}".into(),
            fk: "fk_{table}_{columns}_{referred_table}".into(),
            ck: "ck_{table}_{n}".into(),
            pk: None,
        }
    }
}

/// A template with an unknown placeholder, a bad brace or an empty result, or names that the
/// convention makes collide, or a given name that is too long.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NamingError(pub String);

/// The placeholders each template key accepts.
fn placeholders(key: &str) -> &'static [&'static str] {
    match key {
        "ix" | "uq" | "pk" => &["table", "columns", "column_0"],
        "fk" => &["table", "columns", "column_0", "referred_table"],
        "ck" => &["table", "n"],
        _ => &[],
    }
}

/// The pieces of a template: literal text and placeholders.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Slot(&'a str),
}

/// Splits `template` (of `[naming]` key `key`) into pieces, refusing unknown placeholders.
fn parse<'a>(key: &str, template: &'a str) -> Result<Vec<Piece<'a>>, NamingError> {
    let valid = placeholders(key);
    let list = || {
        valid
            .iter()
            .map(|p| format!("{{{p}}}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(NamingError(format!(
                "[naming] {key} = \"{template}\" has a `}}` without its `{{`; placeholders are \
                 {}",
                list()
            )));
        }
        if open > 0 {
            pieces.push(Piece::Text(&rest[..open]));
        }
        let Some(close) = rest[open..].find('}') else {
            return Err(NamingError(format!(
                "[naming] {key} = \"{template}\" has a `{{` without its `}}`; placeholders are {}",
                list()
            )));
        };
        let slot = &rest[open + 1..open + close];
        if !valid.contains(&slot) {
            return Err(NamingError(format!(
                "[naming] {key} = \"{template}\" uses the unknown placeholder `{{{slot}}}`; \
                 {key} accepts {}",
                list()
            )));
        }
        pieces.push(Piece::Slot(slot));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    if pieces.is_empty() {
        return Err(NamingError(format!(
            "[naming] {key} is empty; give a template such as \"{}\"",
            example(key)
        )));
    }
    Ok(pieces)
}

fn example(key: &str) -> &'static str {
    match key {
        "ix" => "ix_{table}_{columns}",
        "uq" => "uq_{table}_{columns}",
        "fk" => "fk_{table}_{columns}_{referred_table}",
        "ck" => "ck_{table}_{n}",
        _ => "pk_{table}",
    }
}

/// What the placeholders of one name stand for.
#[derive(Debug, Default)]
struct Values<'a> {
    table: &'a str,
    columns: &'a [String],
    referred_table: &'a str,
    n: usize,
}

impl Convention {
    /// The convention of these templates (`None`: the default's), checked: every placeholder
    /// must be one its key accepts.
    pub fn new(
        ix: Option<String>,
        uq: Option<String>,
        fk: Option<String>,
        ck: Option<String>,
        pk: Option<String>,
    ) -> Result<Convention, NamingError> {
        let default = Convention::default();
        let convention = Convention {
            ix: ix.unwrap_or(default.ix),
            uq: uq.unwrap_or(default.uq),
            fk: fk.unwrap_or(default.fk),
            ck: ck.unwrap_or(default.ck),
            pk,
        };
        convention.validate()?;
        Ok(convention)
    }

    /// Checks every template (see [`Convention::new`]).
    pub fn validate(&self) -> Result<(), NamingError> {
        for (key, template) in self.templates() {
            parse(key, template)?;
        }
        Ok(())
    }

    fn templates(&self) -> Vec<(&'static str, &str)> {
        let mut all = vec![
            ("ix", self.ix.as_str()),
            ("uq", self.uq.as_str()),
            ("fk", self.fk.as_str()),
            ("ck", self.ck.as_str()),
        ];
        if let Some(pk) = &self.pk {
            all.push(("pk", pk));
        }
        all
    }

    /// The name `template` (of key `key`) gives, shortened to [`MAX_NAME_BYTES`].
    fn render(
        &self,
        key: &str,
        template: &str,
        values: &Values<'_>,
    ) -> Result<String, NamingError> {
        let mut name = String::new();
        for piece in parse(key, template)? {
            match piece {
                Piece::Text(text) => name.push_str(text),
                Piece::Slot("table") => name.push_str(values.table),
                Piece::Slot("columns") => name.push_str(&values.columns.join("_")),
                Piece::Slot("column_0") => {
                    name.push_str(values.columns.first().map_or("", String::as_str))
                }
                Piece::Slot("referred_table") => name.push_str(values.referred_table),
                Piece::Slot(_) => name.push_str(&values.n.to_string()),
            }
        }
        Ok(shorten(&name))
    }
}

/// The first `max` bytes of `name`, cut at a character boundary (what PostgreSQL stores of a
/// longer identifier).
fn cut(name: &str, max: usize) -> &str {
    let mut end = max.min(name.len());
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// Conventional name of an index over `columns` of `table` under the default naming
/// convention: `ix_<table>_<cols>`, or `uq_...` when unique, [`shorten`]ed.
pub fn index_name(table: &str, columns: &[impl AsRef<str>], unique: bool) -> String {
    let prefix = if unique { "uq" } else { "ix" };
    let cols: Vec<&str> = columns.iter().map(AsRef::as_ref).collect();
    shorten(&format!("{prefix}_{}_{}", bare_name(table), cols.join("_")))
}

/// Conventional name of a foreign key under the default naming convention:
/// `fk_<table>_<cols>_<ref_table>`, [`shorten`]ed.
pub fn foreign_key_name(table: &str, columns: &[impl AsRef<str>], ref_table: &str) -> String {
    let cols: Vec<&str> = columns.iter().map(AsRef::as_ref).collect();
    let (table, ref_table) = (bare_name(table), bare_name(ref_table));
    shorten(&format!("fk_{table}_{}_{ref_table}", cols.join("_")))
}

/// `name` if it fits in [`MAX_NAME_BYTES`], else its first bytes (cut at a character boundary)
/// + `_` + the first 8 hex digits of the SHA-256 of the whole name: deterministic, at most 63
///   bytes, and distinct for distinct long names in practice.
pub fn shorten(name: &str) -> String {
    if name.len() <= MAX_NAME_BYTES {
        return name.to_owned();
    }
    let digest = Sha256::digest(name.as_bytes());
    let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let mut end = MAX_NAME_BYTES - 1 - hash.len();
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}_{hash}", &name[..end])
}

/// Names the objects of `schema`'s tables that the models do not name ([`Table::unnamed`])
/// after `convention` (and sets the primary key names when it has a `pk` template), then
/// clears [`Table::unnamed`]. Refuses names the models give that are longer than
/// [`MAX_NAME_BYTES`] (PostgreSQL would cut them silently), and conventional names that
/// collide within a table.
pub fn apply(schema: &mut Schema, convention: &Convention) -> Result<(), NamingError> {
    for table in schema.tables.values_mut() {
        apply_table(table, convention)?;
    }
    Ok(())
}

/// [`apply`] to one table (kept in canonical order).
pub fn apply_table(table: &mut Table, convention: &Convention) -> Result<(), NamingError> {
    let unnamed = std::mem::take(&mut table.unnamed);
    // Names use the table's own name, not its schema-qualified key (`billing.invoices`).
    let name = crate::schema::bare_name(&table.name).to_owned();
    let is = |u: &Unnamed| unnamed.contains(u);
    for index in &mut table.indexes {
        if is(&Unnamed::Index(index.name.clone())) {
            let (key, template) = if index.unique {
                ("uq", &convention.uq)
            } else {
                ("ix", &convention.ix)
            };
            let values = Values {
                table: &name,
                columns: &index.columns,
                ..Values::default()
            };
            index.name = convention.render(key, template, &values)?;
        } else {
            fits(&name, "index", &index.name)?;
        }
    }
    for fk in &mut table.foreign_keys {
        if is(&Unnamed::ForeignKey(fk.name.clone())) {
            let values = Values {
                table: &name,
                columns: &fk.columns,
                referred_table: crate::schema::bare_name(&fk.ref_table),
                ..Values::default()
            };
            fk.name = convention.render("fk", &convention.fk, &values)?;
        } else {
            fits(&name, "foreign key", &fk.name)?;
        }
    }
    for constraint in &mut table.table_constraints {
        let Some(check) = constraint.check_name().map(str::to_owned) else {
            continue;
        };
        let n = unnamed.iter().find_map(|u| match u {
            Unnamed::Check { name, n } if *name == check => Some(*n),
            _ => None,
        });
        match n {
            Some(n) => {
                let values = Values {
                    table: &name,
                    n,
                    ..Values::default()
                };
                constraint.name = Some(convention.render("ck", &convention.ck, &values)?);
                constraint.written = None;
            }
            None => fits(&name, "check", &check)?,
        }
    }
    // A name the model gives (`primary_key_name`) wins over the template.
    if let Some(pk) = convention
        .pk
        .as_ref()
        .filter(|_| !table.primary_key.is_empty() && table.primary_key_name.is_none())
    {
        let values = Values {
            table: &name,
            columns: &table.primary_key,
            ..Values::default()
        };
        table.primary_key_name = Some(convention.render("pk", pk, &values)?);
    }
    table.canonicalize();
    distinct(table)
}

/// A name the models give must fit: PostgreSQL would cut it silently, and the models and the
/// database would then disagree on it forever.
fn fits(table: &str, kind: &str, name: &str) -> Result<(), NamingError> {
    if name.len() <= MAX_NAME_BYTES {
        return Ok(());
    }
    Err(NamingError(format!(
        "the {kind} '{name}' of table '{table}' is named by its model with {} bytes, more than \
         the {MAX_NAME_BYTES} PostgreSQL keeps (it would cut the name silently); give a \
         shorter `name = \"...\"` (`name = \"{}\"` is what PostgreSQL created), or remove it \
         to take the naming convention's name (shortened with a hash)",
        name.len(),
        cut(name, MAX_NAME_BYTES)
    )))
}

/// Within a table, index names (unique constraints included) differ, and so do the names of
/// the foreign keys and checks: a convention that drops `{columns}` can make them collide.
fn distinct(table: &Table) -> Result<(), NamingError> {
    let indexes = table.indexes.iter().map(|i| i.name.clone());
    let constraints = table
        .foreign_keys
        .iter()
        .map(|f| f.name.clone())
        .chain(
            table
                .table_constraints
                .iter()
                .filter_map(|c| c.check_name().map(str::to_owned)),
        )
        .chain(table.primary_key_name.clone());
    for names in [indexes.collect::<Vec<_>>(), constraints.collect()] {
        let mut seen = BTreeSet::new();
        for name in names {
            if !seen.insert(name.clone()) {
                return Err(NamingError(format!(
                    "two constraints or indexes of table '{}' are both named '{name}': the \
                     [naming] templates of Retort.toml must tell them apart (use {{columns}}, \
                     or {{n}} for checks), or give one of them `name = \"...\"` in its model",
                    table.name
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
