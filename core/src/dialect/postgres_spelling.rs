//! How PostgreSQL's catalog spells what it keeps, so that the models' side reads the same:
//! identifiers cut at 63 bytes, defaults without the casts the catalog adds, column lists,
//! index and constraint definitions as introspection keeps them, and a column's checks as the
//! named table constraints PostgreSQL makes of them. Re-exported by [`super`].

use super::Postgres;
use crate::dialect::{normalize_default, Dialect};
use crate::schema::{Index, Kept, SqlType, Table, TableConstraint};

/// PostgreSQL's identifier length limit in bytes (`NAMEDATALEN - 1`).
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// `name` as PostgreSQL stores it: cut to 63 bytes, at a character boundary.
pub fn truncate_identifier(name: &str) -> String {
    truncate_to(name, MAX_IDENTIFIER_BYTES).to_owned()
}

fn truncate_to(name: &str, max: usize) -> &str {
    if name.len() <= max {
        return name;
    }
    let mut end = max;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// The name PostgreSQL gives an unnamed primary key of `table`: `<table>_pkey`, with the table
/// part cut so the whole fits in 63 bytes (as PostgreSQL's `makeObjectName` does). PostgreSQL
/// appends a number when that name is taken; the catalog's name is used whenever it is known.
pub fn default_primary_key_name(table: &str) -> String {
    const SUFFIX: &str = "_pkey";
    format!(
        "{}{SUFFIX}",
        truncate_to(
            crate::schema::bare_name(table),
            MAX_IDENTIFIER_BYTES - SUFFIX.len()
        )
    )
}

/// Cuts every identifier of `table` the way PostgreSQL does when it creates them.
pub(super) fn truncate_identifiers(table: &mut Table) {
    fn cut(name: &mut String) {
        if name.len() > MAX_IDENTIFIER_BYTES {
            *name = truncate_identifier(name);
        }
    }
    // A table of another schema: its own name is cut, not the qualified key.
    fn cut_table(key: &mut String) {
        let (schema, name) = crate::schema::split_qualified(key);
        let mut name = name.to_owned();
        cut(&mut name);
        *key = crate::schema::qualified_name(schema, &name);
    }
    cut_table(&mut table.name);
    table.columns.iter_mut().for_each(|c| cut(&mut c.name));
    table.primary_key.iter_mut().for_each(cut);
    if let Some(pk) = &mut table.primary_key_name {
        cut(pk);
    }
    for fk in &mut table.foreign_keys {
        cut(&mut fk.name);
        cut_table(&mut fk.ref_table);
        fk.columns.iter_mut().for_each(cut);
        fk.ref_columns.iter_mut().for_each(cut);
    }
    for index in &mut table.indexes {
        cut(&mut index.name);
        index.columns.iter_mut().for_each(cut);
    }
}

/// Canonical spelling of a default of a column of type `ty`, as PostgreSQL reports it or a
/// model writes it. A quoted number is the number only for a number column: `'0'::ltree` stays
/// `'0'` (an ltree has no cast from an integer).
pub fn normalize_pg_default(expr: &str, ty: &SqlType) -> String {
    let column_ty = ty;
    let mut s = normalize_default(expr);
    // Strip casts the catalog adds to literals: 'x'::text, 'x'::character varying(10),
    // '-1'::integer, 'a'::"char", '0'::ltree: those to the column's own type (or, for numbers
    // and strings, its family), which the column's type gives the literal anyway. A cast to
    // another type ('1970-01-01'::timestamp on a timestamptz column) changes the value and
    // stays.
    while let Some(pos) = s.rfind("::") {
        let (value, ty) = s.split_at(pos);
        let ty = &ty[2..];
        let ty_ok = !ty.is_empty()
            && ty
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " _\"(),[].".contains(c));
        let value = value.trim_end();
        // One string literal (`'a'::text || 'b'` is not one), or NULL.
        let literal = (value.len() >= 2
            && value.starts_with('\'')
            && value.ends_with('\'')
            && !value[1..value.len() - 1].replace("''", "").contains('\''))
            || value.eq_ignore_ascii_case("null");
        if !(ty_ok && (literal || value.starts_with('(') && value.ends_with(')'))) {
            break;
        }
        let cast = SqlType::parse(ty);
        let is_string = |t: &SqlType| {
            matches!(t, SqlType::Text | SqlType::Varchar(_))
                || matches!(t, SqlType::Custom(c) if c.starts_with("CHARACTER VARYING") || c.starts_with("VARCHAR"))
        };
        let redundant = cast == *column_ty
            || matches!(column_ty, SqlType::Enum { name, .. } if crate::dialect::pg_enum::casts_to(ty, name))
            || (cast.is_numeric() && column_ty.is_numeric())
            || (is_string(&cast) && is_string(column_ty))
            || value.eq_ignore_ascii_case("null");
        if !redundant {
            break;
        }
        s = normalize_default(value);
    }
    // A quoted number is the number, in a number column.
    if ty.is_numeric() && s.len() >= 2 && s.starts_with('\'') && s.ends_with('\'') {
        let inner = &s[1..s.len() - 1];
        if !inner.is_empty()
            && inner.parse::<f64>().is_ok()
            && !inner.contains(['e', 'E', 'i', 'n', 'N'])
        {
            s = inner.to_owned();
        }
    }
    let upper = s.to_ascii_uppercase();
    match upper.as_str() {
        "CURRENT_TIMESTAMP" | "CURRENT_DATE" | "CURRENT_TIME" | "LOCALTIMESTAMP" | "LOCALTIME" => {
            upper
        }
        "TRUE" | "FALSE" | "NULL" => upper.to_ascii_lowercase(),
        _ => s,
    }
}

/// Column names as `pg_get_constraintdef` lists them (quoted only where PostgreSQL must, as
/// `quote_ident` does: not a lowercase identifier, or a keyword).
pub fn pg_ident_list(columns: &[String]) -> String {
    let plain = |c: &str| {
        c.chars()
            .next()
            .is_some_and(|f| f.is_ascii_lowercase() || f == '_')
            && c.chars()
                .all(|f| f.is_ascii_lowercase() || f.is_ascii_digit() || f == '_')
            && !crate::dialect::pg_keywords::QUOTED_KEYWORDS.contains(&c)
    };
    columns
        .iter()
        .map(|c| {
            if plain(c) {
                c.clone()
            } else {
                format!("\"{}\"", c.replace('"', "\"\""))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A non-plain model index as introspection keeps it, without a server to ask: a unique
/// constraint as [`constraint_definition`], an index as [`crate::dialect::standard::index_statement`].
pub fn model_index_definition(table: &str, index: &Index) -> Kept {
    if !index.constraint {
        return crate::sql::kept(crate::dialect::standard::index_statement(
            &Postgres, table, index,
        ));
    }
    let o = &index.options;
    let nnd = if o.nulls_not_distinct {
        " NULLS NOT DISTINCT"
    } else {
        ""
    };
    let include = if o.include.is_empty() {
        String::new()
    } else {
        format!(" INCLUDE ({})", pg_ident_list(&o.include))
    };
    let keys = if o.keys.is_empty() {
        pg_ident_list(&index.columns)
    } else {
        o.keys.join(", ")
    };
    constraint_definition(
        table,
        &index.name,
        &format!("UNIQUE{nnd} ({keys}){include}"),
    )
}

/// What a `NOT VALID` constraint's definition ends with.
pub const NOT_VALID: &str = " NOT VALID";

/// A table constraint as PostgreSQL's introspection keeps it: `ALTER TABLE "t" ADD CONSTRAINT
/// "name" <definition>`, the definition as `pg_get_constraintdef` renders it.
pub fn constraint_definition(table: &str, name: &str, definition: &str) -> Kept {
    crate::sql::kept(format!(
        "ALTER TABLE {} ADD CONSTRAINT {} {}",
        Postgres.quote_table(table),
        Postgres.quote(name),
        definition
    ))
}

/// Moves a model column's own checks (`#[model(check = "...")]`, a `CHECK (...)` clause of
/// [`Column::extra`]) to the table's constraints under the name PostgreSQL gives a column's
/// `CHECK` (`<table>_<column>_check`, shortened as `naming::shorten` does): PostgreSQL
/// keeps every check as a named table constraint.
pub(crate) fn column_checks_to_table(table: &mut Table) {
    let bare = crate::schema::bare_name(&table.name).to_owned();
    for column in &mut table.columns {
        let (checks, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut column.extra)
            .into_iter()
            .partition(|x| x.check_expr().is_some());
        column.extra = rest;
        for clause in checks {
            let Some((name, expr)) = crate::sql::check_parts(clause.sql()) else {
                continue;
            };
            let name = name.unwrap_or_else(|| {
                crate::naming::shorten(&format!("{bare}_{}_check", column.name))
            });
            table
                .table_constraints
                .push(TableConstraint::check(name, expr, false));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, Schema};

    #[test]
    fn catalog_defaults_normalise_to_model_spelling() {
        assert_eq!(
            normalize_pg_default("'active'::text", &SqlType::Text),
            "'active'"
        );
        assert_eq!(
            normalize_pg_default("'x'::character varying(10)", &SqlType::Text),
            "'x'"
        );
        assert_eq!(
            normalize_pg_default("'-1'::integer", &SqlType::Integer),
            "-1"
        );
        assert_eq!(normalize_pg_default("(-1)", &SqlType::Integer), "-1");
        assert_eq!(
            normalize_pg_default("'it''s'::text", &SqlType::Text),
            "'it''s'"
        );
        assert_eq!(normalize_pg_default("now()", &SqlType::Text), "now()");
        assert_eq!(
            normalize_pg_default("current_timestamp", &SqlType::Text),
            "CURRENT_TIMESTAMP"
        );
        assert_eq!(normalize_pg_default("FALSE", &SqlType::Text), "false");
        assert_eq!(normalize_pg_default("'{}'::jsonb", &SqlType::Jsonb), "'{}'");
        assert_eq!(
            normalize_pg_default(
                "'1.50'::numeric",
                &SqlType::Numeric {
                    precision: None,
                    scale: None
                }
            ),
            "1.50"
        );
        // Not one literal: the casts stay, on both sides alike.
        assert_eq!(
            normalize_pg_default("'a'::text || 'b'::text", &SqlType::Text),
            "'a'::text || 'b'::text"
        );
        assert_eq!(
            normalize_pg_default("lower('X'::text)", &SqlType::Text),
            "lower('X'::text)"
        );
        assert_eq!(normalize_pg_default("NULL::text", &SqlType::Text), "null");
        assert_eq!(
            normalize_pg_default("'1000'::double precision", &SqlType::Double),
            "1000"
        );
        // A quoted number stays quoted where the column is no number.
        let ltree = SqlType::Custom("LTREE".into());
        assert_eq!(normalize_pg_default("'0'::ltree", &ltree), "'0'");
        assert_eq!(normalize_pg_default("'42'::text", &SqlType::Text), "'42'");
        // A cast to another type changes the value: it stays.
        assert_eq!(
            normalize_pg_default(
                "'1970-01-01 00:00:00'::timestamp without time zone",
                &SqlType::TimestampTz
            ),
            "'1970-01-01 00:00:00'::timestamp without time zone"
        );
        assert_eq!(
            normalize_pg_default("'-1'::integer", &SqlType::BigInt),
            "-1"
        );
    }

    #[test]
    fn long_identifiers_are_cut_like_postgresql_does() {
        let long = "a".repeat(70);
        assert_eq!(truncate_identifier(&long).len(), 63);
        assert_eq!(truncate_identifier("short"), "short");
        // Never inside a character: 31 two-byte characters + 'é' straddling byte 63.
        let accents = format!("{}é", "é".repeat(32));
        let cut = truncate_identifier(&accents);
        assert_eq!(cut.len(), 62);
        assert_eq!(cut, "é".repeat(31));
        assert_eq!(default_primary_key_name("users"), "users_pkey");
        assert_eq!(
            default_primary_key_name(&long),
            format!("{}_pkey", "a".repeat(58))
        );

        let mut t = Table::new(long.clone());
        t.columns
            .push(Column::new(long.clone(), SqlType::Integer, false));
        t.primary_key = vec![long.clone()];
        t.indexes.push(crate::schema::Index {
            name: format!("ix_{long}"),
            columns: vec![long.clone()],
            unique: false,
            constraint: false,
            options: Default::default(),
            prefixes: Vec::new(),
        });
        let mut s = Schema::new();
        s.insert(t);
        Postgres.normalize(&mut s);
        let short = "a".repeat(63);
        let t = &s.tables[&short];
        assert_eq!(t.name, short);
        assert_eq!(t.columns[0].name, short);
        assert_eq!(t.primary_key.as_slice(), std::slice::from_ref(&short));
        assert_eq!(t.indexes[0].name, format!("ix_{}", "a".repeat(60)));
        assert_eq!(t.indexes[0].columns, [short]);
    }
}
