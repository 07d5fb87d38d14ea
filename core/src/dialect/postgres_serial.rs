//! The sequences of PostgreSQL serial columns as the schema model keeps them: the statements
//! that create one, own it and make it the column's default ([`serial_definition`]), and what
//! can be read back from them (name, type).

use super::postgres::{pg_ident_list, sql_string};
use crate::schema::{Column, SqlType};

/// The type of the sequence a serial definition creates (`AS bigint`).
pub fn serial_sequence_type(def: &str) -> Option<SqlType> {
    let rest = &def[def.find(" AS ")? + 4..];
    rest.split_whitespace().next().map(SqlType::parse)
}

/// The bare name of the sequence a serial definition creates, unquoted (no schema).
pub fn serial_sequence_bare_name(def: &str) -> Option<String> {
    let written = sequence_name(def)?;
    // The last dot-separated part outside quotes.
    let mut quoted = false;
    let mut start = 0;
    for (i, ch) in written.char_indices() {
        match ch {
            '"' => quoted = !quoted,
            '.' if !quoted => start = i + 1,
            _ => {}
        }
    }
    let bare = &written[start..];
    Some(
        match bare.strip_prefix('"').and_then(|b| b.strip_suffix('"')) {
            Some(inner) => inner.replace("\"\"", "\""),
            None => bare.to_owned(),
        },
    )
}

/// The name of the sequence a serial definition creates (`CREATE SEQUENCE name AS ...`), as
/// written there.
pub(super) fn sequence_name(def: &str) -> Option<&str> {
    let rest = def.strip_prefix("CREATE SEQUENCE ")?;
    let mut quoted = false;
    for (i, ch) in rest.char_indices() {
        match ch {
            '"' => quoted = !quoted,
            ' ' if !quoted => return Some(&rest[..i]),
            _ => {}
        }
    }
    None
}

/// `quote_ident`: an identifier quoted only where PostgreSQL must.
fn quote_ident(name: &str) -> String {
    pg_ident_list(&[name.to_owned()])
}

/// The name PostgreSQL gives the sequence of serial column `column` of table `table` (maybe
/// qualified): `<table>_<column>_seq`, the longer part cut first to fit 63 bytes.
pub fn default_serial_sequence_name(table: &str, column: &str) -> String {
    serial_sequence_name(crate::schema::split_qualified(table).1, column)
}

pub(super) fn serial_sequence_name(table: &str, column: &str) -> String {
    let (mut a, mut b) = (table.len(), column.len());
    while a + b > 63 - "_seq".len() - 1 {
        if a > b {
            a -= 1;
        } else {
            b -= 1;
        }
    }
    let cut = |s: &str, mut n: usize| {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_owned()
    };
    format!("{}_{}_seq", cut(table, a), cut(column, b))
}

/// The definition of a model's serial column's sequence (named `name`, in the table's schema),
/// owner and default, spelled as introspection reads one PostgreSQL created for `serial` /
/// `bigserial`.
pub fn serial_definition(table: &str, column: &Column, name: &str, ty: Option<&SqlType>) -> String {
    let (schema, bare) = crate::schema::split_qualified(table);
    let (ty, max) = match ty.unwrap_or(&column.ty) {
        SqlType::SmallInt => ("smallint", i64::from(i16::MAX)),
        SqlType::Integer => ("integer", i64::from(i32::MAX)),
        _ => ("bigint", i64::MAX),
    };
    let qualify = |name: &str| match schema {
        Some(schema) => format!("{}.{}", quote_ident(schema), quote_ident(name)),
        None => quote_ident(name),
    };
    let sequence = qualify(name);
    let qtable = qualify(bare);
    let qcolumn = quote_ident(&column.name);
    format!(
        "CREATE SEQUENCE {sequence} AS {ty} START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE {max} CACHE 1;\n\
         ALTER SEQUENCE {sequence} OWNED BY {qtable}.{qcolumn};\n\
         ALTER TABLE {qtable} ALTER COLUMN {qcolumn} SET DEFAULT nextval({}::regclass)",
        sql_string(&sequence)
    )
}
