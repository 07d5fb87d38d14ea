//! CHECK constraints as table-constraint clauses: what a model's `check(...)` becomes, what
//! SQLite's introspection reads back, and how both are taken apart again.

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
