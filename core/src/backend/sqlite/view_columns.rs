//! The columns of SQLite's views, which it keeps no list of: `pragma_table_xinfo` compiles the
//! view and gives its columns (declared types from the columns they select; none over an
//! expression). One query per view, for `inspect` only (introspection for a diff does not need
//! them: views are compared by their text).

use diesel::SqliteConnection;

use crate::schema::{Column, Schema, SqlType};

/// Fills the columns of the views without them; a view SQLite cannot compile (it names a table
/// that is gone) is removed, said in the result.
pub(super) fn fill(conn: &mut SqliteConnection, schema: &mut Schema) -> Vec<String> {
    let mut broken = Vec::new();
    for (name, view) in schema
        .views
        .iter_mut()
        .filter(|(_, v)| v.columns.is_empty())
    {
        let sql = format!(
            "SELECT name AS a, type || char(31) || \"notnull\" AS b \
             FROM pragma_table_xinfo('{}') ORDER BY cid",
            name.replace('\'', "''")
        );
        match super::super::load_text_pairs(conn, &sql) {
            Ok(rows) if !rows.is_empty() => {
                for (column, rest) in rows {
                    let rest = rest.unwrap_or_default();
                    let (ty, notnull) = rest.split_once('\u{1f}').unwrap_or((&rest, "0"));
                    view.columns
                        .push(Column::new(column, SqlType::parse(ty), notnull != "1"));
                }
            }
            Ok(_) => broken.push((name.clone(), "it has no columns".to_owned())),
            Err(err) => broken.push((name.clone(), err.to_string())),
        }
    }
    broken
        .into_iter()
        .map(|(name, why)| {
            schema.views.remove(&name);
            format!("view {name}: its columns cannot be read ({why})")
        })
        .collect()
}
