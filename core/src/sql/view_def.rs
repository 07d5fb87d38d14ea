//! The query of a `CREATE VIEW` statement, as SQLite keeps it in `sqlite_schema.sql`.

use super::create_table::tokens;

/// The text after the `AS` of `CREATE [TEMP] VIEW [IF NOT EXISTS] name [(columns)] AS query`,
/// as written; `None` when `sql` is no such statement.
pub fn view_query(sql: &str) -> Option<String> {
    let toks = tokens(sql);
    let view = toks.iter().position(|t| t.is("VIEW"))?;
    let mut depth = 0i32;
    for t in &toks[view + 1..] {
        match t.text {
            "(" => depth += 1,
            ")" => depth -= 1,
            _ if depth == 0 && t.is("AS") => {
                return Some(crate::schema::trim_query(&sql[t.end..]));
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_after_as() {
        assert_eq!(
            view_query("CREATE VIEW \"v\" AS\nSELECT a AS b FROM t;").as_deref(),
            Some("SELECT a AS b FROM t")
        );
        assert_eq!(
            view_query("create temp view if not exists v(x, \"as\") as select 1").as_deref(),
            Some("select 1")
        );
        assert_eq!(view_query("CREATE TABLE t (a)"), None);
    }
}
