//! MariaDB's answers to [`DialectFacts`], and what it cannot hold: the refusals of
//! [`super::Dialect::check_models`], each with the reason and the fix.

use super::facts::{camel, DialectFacts, DieselType, DieselTypes};
use super::mysql::{MySqlDialect, IDENTIFIER_LIMIT};
use super::RenderError;
use crate::schema::{ConstraintKind, IdentityKind, Index, Schema, SqlType, Table};

impl DialectFacts for MySqlDialect {
    /// A resumed run may have lost the variable (another session): it keeps its mode then.
    fn around_created_objects(&self) -> (&'static str, &'static str) {
        (
            "SET @retort_sql_mode = @@SESSION.sql_mode;\n",
            "SET SESSION sql_mode = COALESCE(@retort_sql_mode, @@SESSION.sql_mode);\n",
        )
    }

    fn lock_timeout_words(&self) -> &'static str {
        "Lock wait timeout exceeded"
    }

    fn diesel_types(&self) -> Option<&dyn DieselTypes> {
        Some(self)
    }

    fn set_triggers_aside(&self, _table: &str, them: &str, each: &str) -> String {
        format!(
            "drop {them} while migrating (`DROP TRIGGER {each};`; MariaDB cannot disable a \
             trigger, so create it again afterwards)"
        )
    }
}

impl DieselTypes for MySqlDialect {
    fn diesel_type(&self, ty: &SqlType) -> DieselType {
        mysql_type(ty)
    }

    /// diesel's `MysqlType` the values travel as (`Enum`, `String`).
    fn custom_type_attribute(&self, sql_name: &str) -> String {
        format!("mysql_type(name = {sql_name})")
    }
}

/// diesel's MySQL type names, as diesel_cli writes them (`Bool` for `TINYINT(1)`, `Datetime`,
/// `Unsigned<Bigint>`).
fn mysql_type(ty: &SqlType) -> DieselType {
    let custom = |name: &str, mysql: &str| DieselType {
        name: name.to_owned(),
        max_length: None,
        custom: Some((name.to_owned(), mysql.to_owned())),
    };
    let name = match ty {
        SqlType::Boolean => "Bool",
        SqlType::SmallInt => "Smallint",
        SqlType::Integer => "Integer",
        SqlType::BigInt => "Bigint",
        SqlType::Real => "Float",
        SqlType::Double => "Double",
        SqlType::Numeric { .. } => "Decimal",
        SqlType::Text => "Text",
        SqlType::Varchar(n) => {
            return DieselType {
                name: "Varchar".into(),
                max_length: Some(*n),
                custom: None,
            }
        }
        SqlType::Blob => "Blob",
        SqlType::Date => "Date",
        SqlType::Time => "Time",
        SqlType::Timestamp => "Datetime",
        SqlType::TimestampTz => "Timestamp",
        SqlType::Json | SqlType::Jsonb => "Json",
        // MariaDB's UUID travels as its text.
        SqlType::Uuid => return custom("Uuid", "String"),
        SqlType::Enum { name, .. } if name.is_empty() => return custom("Enum", "Enum"),
        SqlType::Enum { name, .. } => return custom(&camel(name), "Enum"),
        SqlType::Custom(text) => return mysql_custom(text),
    };
    DieselType::known(name)
}

/// A MariaDB type outside [`SqlType`]'s named ones (`BIGINT UNSIGNED`, `LONGTEXT`).
fn mysql_custom(text: &str) -> DieselType {
    if let Some(signed) = text.strip_suffix(" UNSIGNED") {
        let inner = mysql_custom(signed);
        return DieselType {
            name: format!("Unsigned<{}>", inner.name),
            ..inner
        };
    }
    let base = text.split('(').next().unwrap_or_default().trim();
    let name = match base {
        "TINYINT" => "Tinyint",
        "SMALLINT" => "Smallint",
        "MEDIUMINT" | "INT" | "INTEGER" => "Integer",
        "BIGINT" => "Bigint",
        "TINYTEXT" => "Tinytext",
        "MEDIUMTEXT" => "Mediumtext",
        "LONGTEXT" => "Longtext",
        "TINYBLOB" => "Tinyblob",
        "MEDIUMBLOB" => "Mediumblob",
        "LONGBLOB" => "Longblob",
        "BINARY" => "Binary",
        "VARBINARY" => "Varbinary",
        "DATETIME" | "TIMESTAMP" => "Datetime",
        "TIMESTAMPTZ" => "Timestamp",
        "BIT" => "Bit",
        _ => "Text",
    };
    DieselType::known(name)
}

/// A refusal of the models: `what` cannot be done, `hint` says why and what to do.
fn refuse(what: String, hint: impl Into<String>) -> RenderError {
    RenderError::Unsupported {
        dialect: "MariaDB",
        what,
        hint: hint.into(),
    }
}

/// InnoDB's longest key, in bytes.
const MAX_KEY_BYTES: u32 = 3072;

/// A key of `columns` InnoDB can hold, `index` giving their prefixes ([`Index::prefixes`];
/// `None` for the primary key, which keys whole columns). A TEXT, BLOB or JSON column is keyed
/// by a prefix of it (`prefix(body = 100)`): without one MariaDB picks a length itself (its
/// first 768 characters, which the models would not say) and MySQL refuses the index ("BLOB/TEXT
/// column used in key specification without a key length"), so it is refused here; only a
/// unique index keys one whole, as MariaDB's hash index (without the AUTO_INCREMENT column). A
/// prefix applies to a string column only, shorter than the column. A unique index of long
/// VARCHARs is a hash index too; any other key holds at most [`MAX_KEY_BYTES`] (a `VARCHAR(n)`
/// takes 4n bytes in utf8mb4, a prefix of n characters as many).
fn check_key_columns(
    table: &Table,
    what: &str,
    columns: &[String],
    index: Option<&Index>,
    unique: bool,
) -> Result<(), RenderError> {
    let primary = index.is_none();
    let mut bytes = 0u32;
    for (i, name) in columns.iter().enumerate() {
        let Some(column) = table.column(name) else {
            continue;
        };
        let prefix = index.and_then(|index| index.prefix(i));
        let long = is_long(&column.ty);
        let auto_increment = table
            .identity
            .as_deref()
            .or_else(|| super::mysql::auto_increment_column(table));
        let with_auto_increment = columns.iter().any(|c| Some(c.as_str()) == auto_increment);
        if let Some(length) = prefix {
            let whole = match &column.ty {
                SqlType::Varchar(n) => Some(*n),
                SqlType::Custom(t) => string_length(t),
                _ => None,
            };
            let refusal = match whole {
                _ if length == 0 => Some("a prefix of 0 keys nothing; give a length of 1 or more"),
                Some(n) if length >= n => Some(
                    "the prefix is not shorter than the column (MariaDB would key it whole, \
                     which the models would not say); remove it from `prefix(...)`",
                ),
                None if !long => Some(
                    "only a string column (CHAR, VARCHAR, TEXT, BINARY, VARBINARY, BLOB) is keyed \
                     by a prefix; remove it from `prefix(...)`",
                ),
                _ => None,
            };
            if let Some(hint) = refusal {
                return Err(refuse(
                    format!(
                        "key the {what} of `{}` by the first {length} characters of `{name}`",
                        table.name
                    ),
                    hint,
                ));
            }
        } else if long && (primary || !unique || with_auto_increment) {
            let hint = if primary {
                format!(
                    "MariaDB keys a TEXT, BLOB or JSON column only by a prefix of it (\"BLOB/TEXT \
                     column used in key specification without a key length\"), and Retort's \
                     primary keys key whole columns; give `{name}` a `max_length` (VARCHAR)"
                )
            } else {
                format!(
                    "MariaDB keys a TEXT, BLOB or JSON column only by a prefix of it (MySQL: \
                     \"BLOB/TEXT column used in key specification without a key length\"; \
                     MariaDB picks a length itself, which the models would not say; one it \
                     picked for a TEXT is `prefix({name} = 768)` in utf8mb4): \
                     declare the index on the struct with a prefix length, \
                     `index(columns({}), prefix({name} = 100))`; or give `{name}` a \
                     `max_length` (VARCHAR) to key it whole{}",
                    columns
                        .iter()
                        .map(|c| format!("\"{c}\""))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if with_auto_increment {
                        ""
                    } else {
                        "; or make the index unique (MariaDB's hash index keys it whole)"
                    }
                )
            };
            return Err(refuse(
                format!("make the {what} of `{}` over `{name}`", table.name),
                hint,
            ));
        }
        bytes += match (prefix, &column.ty) {
            (Some(length), _) => length.saturating_mul(4),
            (None, SqlType::Varchar(n)) => n.saturating_mul(4),
            _ => 8,
        };
    }
    if bytes > MAX_KEY_BYTES && (primary || !unique) {
        return Err(refuse(
            format!(
                "make the {what} of `{}` ({})",
                table.name,
                columns.join(", ")
            ),
            format!(
                "InnoDB keys hold at most {MAX_KEY_BYTES} bytes and a VARCHAR(n) or a prefix of n \
                 characters takes 4n in utf8mb4 (about {bytes} here); shorten the columns' \
                 `max_length` or the prefixes"
            ),
        ));
    }
    Ok(())
}

/// A TEXT, BLOB or JSON column: keyed only by a prefix (or whole by a hash index).
fn is_long(ty: &SqlType) -> bool {
    matches!(
        ty,
        SqlType::Text | SqlType::Blob | SqlType::Json | SqlType::Jsonb
    ) || matches!(ty, SqlType::Custom(t) if t.ends_with("TEXT") || t.ends_with("BLOB"))
}

/// The length of a `CHAR(n)`, `BINARY(n)` or `VARBINARY(n)` column, in characters or bytes.
fn string_length(ty: &str) -> Option<u32> {
    let upper = ty.to_ascii_uppercase();
    let (base, rest) = upper.split_once('(')?;
    if !matches!(base.trim(), "CHAR" | "VARCHAR" | "BINARY" | "VARBINARY") {
        return None;
    }
    rest.split(')').next()?.trim().parse().ok()
}

/// What the models declare that MariaDB cannot have, refused before anything is compared.
pub(super) fn check_models(schema: &Schema) -> Result<(), RenderError> {
    for table in schema.tables.values() {
        if let (Some(name), bare) = crate::schema::split_qualified(&table.name) {
            return Err(refuse(
                format!("create table `{bare}` in schema `{name}`"),
                format!(
                    "a MariaDB database has no schemas (a schema is another database): remove \
                     `schema = \"{name}\"` from the model of `{bare}` and migrate that database \
                     with its own URL"
                ),
            ));
        }
        let long = std::iter::once(("table", table.name.as_str()))
            .chain(table.columns.iter().map(|c| ("column", c.name.as_str())))
            .chain(table.indexes.iter().map(|i| ("index", i.name.as_str())))
            .chain(
                table
                    .foreign_keys
                    .iter()
                    .map(|f| ("foreign key", f.name.as_str())),
            )
            .chain(
                table
                    .table_constraints
                    .iter()
                    .filter_map(|c| c.name.as_deref().map(|n| ("constraint", n))),
            )
            .find(|(_, name)| name.chars().count() > IDENTIFIER_LIMIT);
        if let Some((kind, name)) = long {
            return Err(refuse(
                format!("name the {kind} `{name}` of `{}`", table.name),
                format!(
                    "MariaDB refuses names longer than {IDENTIFIER_LIMIT} characters; give it a \
                     shorter name in the model"
                ),
            ));
        }
        if table.identity.is_some() && table.identity_kind == IdentityKind::Always {
            return Err(refuse(
                format!("make the key of `{}` GENERATED ALWAYS", table.name),
                "MariaDB's AUTO_INCREMENT always accepts explicit values; remove \
                 `identity = \"always\"`",
            ));
        }
        check_key_columns(table, "primary key", &table.primary_key, None, false)?;
        for index in &table.indexes {
            // Keys that are only column names are the index's columns.
            let mut plain = index.clone();
            crate::sql::simplify_index(table, &mut plain);
            let o = &plain.options;
            let what = |clause: &str| {
                format!(
                    "create index `{}` on `{}` with {clause}",
                    index.name, table.name
                )
            };
            if o.predicate.is_some() {
                return Err(refuse(
                    what("`where = \"...\"`"),
                    "MariaDB has no partial indexes: remove `where`, or index a generated \
                     column that is NULL outside the rows to index",
                ));
            }
            if !o.include.is_empty() {
                return Err(refuse(
                    what("`include(...)`"),
                    "MariaDB indexes have no INCLUDE columns; remove `include(...)` or make \
                     them keys",
                ));
            }
            if o.nulls_not_distinct {
                return Err(refuse(
                    what("`nulls_not_distinct`"),
                    "MariaDB's unique indexes always treat NULLs as distinct; remove \
                     `nulls_not_distinct` (or make the columns NOT NULL)",
                ));
            }
            if o.with.is_some() {
                return Err(refuse(
                    what("`with = \"...\"`"),
                    "MariaDB indexes have no storage parameters; remove `with`",
                ));
            }
            if let Some(method) = &o.method {
                return Err(refuse(
                    what(&format!("`method = \"{method}\"`")),
                    "Retort's MariaDB backend writes B-tree indexes only so far; remove `method`",
                ));
            }
            if !o.keys.is_empty() {
                return Err(refuse(
                    what("expression keys"),
                    "MariaDB indexes only columns (no expressions, no DESC here yet); index a \
                     generated column instead",
                ));
            }
            check_key_columns(
                table,
                &format!("index `{}`", index.name),
                &index.columns,
                Some(index),
                index.unique,
            )?;
        }
        for fk in &table.foreign_keys {
            if super::mysql::deferrable(fk) {
                return Err(refuse(
                    format!(
                        "make the foreign key `{}` of `{}` deferrable",
                        fk.name, table.name
                    ),
                    "MariaDB checks foreign keys at once, never at commit; remove `deferrable`",
                ));
            }
        }
        for constraint in &table.table_constraints {
            if let ConstraintKind::Check {
                not_valid: true, ..
            } = constraint.kind
            {
                return Err(refuse(
                    format!(
                        "add the check {} of `{}` NOT VALID",
                        constraint.name.as_deref().unwrap_or("constraint"),
                        table.name
                    ),
                    "MariaDB checks every existing row when a CHECK is added and has no NOT \
                     VALID; remove `not_valid` (fix the rows first)",
                ));
            }
        }
    }
    Ok(())
}
