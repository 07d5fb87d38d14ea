//! Server defaults as SQL text: which are literals, which mean no default at all, and the
//! spelling both sides of a diff share.

/// Trims a default expression and removes parentheses that wrap all of it.
pub fn normalize_default(expr: &str) -> String {
    let mut s = expr.trim();
    while s.starts_with('(') && s.ends_with(')') && wraps_whole(s) {
        s = s[1..s.len() - 1].trim();
    }
    s.to_owned()
}

/// True for a default that is SQL `NULL` (any case, any wrapping parentheses): no default.
pub fn is_null_default(expr: &str) -> bool {
    normalize_default(expr).eq_ignore_ascii_case("null")
}

/// True when the parenthesis opening `s` closes at its last character.
fn wraps_whole(s: &str) -> bool {
    let mut depth = 0i32;
    let mut in_str = false;
    for (i, c) in s.char_indices() {
        match c {
            '\'' => in_str = !in_str,
            '(' if !in_str => depth += 1,
            ')' if !in_str => {
                depth -= 1;
                if depth == 0 {
                    return i == s.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

/// True for a default that is a plain literal rather than an expression.
pub fn is_literal_default(expr: &str) -> bool {
    let e = expr.trim();
    let upper = e.to_ascii_uppercase();
    let number = e
        .strip_prefix(['-', '+'])
        .unwrap_or(e)
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.')
        && !e.is_empty();
    number
        || (e.len() >= 2
            && e.starts_with('\'')
            && e.ends_with('\'')
            && !e[1..e.len() - 1].replace("''", "").contains('\''))
        || matches!(upper.as_str(), "NULL" | "TRUE" | "FALSE")
}
