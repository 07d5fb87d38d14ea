//! Which type changes PostgreSQL makes without a `USING` expression.
//!
//! `ALTER COLUMN c TYPE t` without `USING` converts the rows with an assignment cast: one
//! `pg_cast` lists with the implicit or assignment context (integer to bigint, numeric to
//! integer, timestamp to date), a binary coercion (varchar to text), or the automatic
//! conversion of any type to a string type through its text form. Everything else (text to
//! integer, boolean to an enum, json to integer) needs `USING`, even where an explicit cast
//! exists. Rather than re-implementing those rules (domains, arrays, extension types such as
//! `citext`), [`converts_implicitly`] asks the server: in a transaction that is always rolled
//! back, a TEMP table holds a column of the old type, and `ALTER COLUMN ... TYPE` the new one
//! either works or does not. The table is empty: PostgreSQL looks for the cast before it
//! reads any row.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::Connection as _;

use crate::dialect::{Dialect, Postgres};
use crate::schema::{Column, SqlType};

/// For each `(from, to)`, whether PostgreSQL converts a column of `from`'s type to `to`'s
/// without `USING`. A type the server does not have yet (an enum type the same migration
/// creates) is answered by the one rule that covers it: every type converts to a string type.
pub(super) fn converts_implicitly(
    conn: &mut PgConnection,
    pairs: &[(Column, Column)],
) -> Result<Vec<bool>, diesel::result::Error> {
    let types: Vec<(String, String)> = pairs
        .iter()
        .map(|(from, to)| (Postgres.render_type(from), Postgres.render_type(to)))
        .collect();
    super::normalize::rolled_back(conn, |c| {
        let mut answers = Vec::with_capacity(types.len());
        for (i, (from, to)) in types.iter().enumerate() {
            let table = format!("retort_cast_probe_{i}");
            // Each step in a savepoint of its own (diesel's nested transaction): a failure
            // leaves the outer transaction usable.
            let created = c
                .transaction(|c| {
                    c.batch_execute(&format!("CREATE TEMP TABLE {table} (c {from}, d {to})"))
                })
                .is_ok();
            if !created {
                answers.push(to_string_type(&pairs[i].1.ty));
                continue;
            }
            let converts = c
                .transaction(|c| {
                    c.batch_execute(&format!(
                        "ALTER TABLE pg_temp.{table} ALTER COLUMN c TYPE {to}"
                    ))
                })
                .is_ok();
            answers.push(converts);
        }
        Ok(answers)
    })
}

/// Any type converts to a string type by its text form, as an assignment cast.
fn to_string_type(to: &SqlType) -> bool {
    matches!(to, SqlType::Text | SqlType::Varchar(_))
}
