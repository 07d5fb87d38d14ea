//! What a `CREATE FUNCTION` / `CREATE PROCEDURE` or `CREATE TRIGGER` statement declares, read
//! from its text once (`retort::function!` and `retort::trigger!` declarations, and what
//! introspection reads): the object's name, what it is on, and where those are written, so that
//! the statement can be pointed elsewhere (PostgreSQL's normalisation creates it among TEMP
//! objects) and compared across spellings.

use super::create_table::{tokens, unquote, Tok};
use super::spelling::comparable_tokens;

/// The header of a `CREATE [OR REPLACE] {FUNCTION | PROCEDURE} [schema.]name (args) ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionHeader {
    /// The schema written before the name, unquoted.
    pub schema: Option<String>,
    /// The name, unquoted.
    pub name: String,
    /// A procedure rather than a function.
    pub procedure: bool,
    /// The argument list as written, between the parentheses.
    pub args: String,
    /// Byte span of the (possibly qualified) name in the statement.
    pub name_span: (usize, usize),
    /// Byte offset just after `CREATE` (where ` OR REPLACE` would go), and whether the
    /// statement already says `OR REPLACE`.
    pub or_replace: (usize, bool),
}

/// The header of a `CREATE [OR REPLACE] [CONSTRAINT] TRIGGER name ... ON [schema.]table ...
/// EXECUTE {FUNCTION | PROCEDURE} [schema.]f(...)` (PostgreSQL), or `CREATE [TEMP] TRIGGER [IF
/// NOT EXISTS] [schema.]name ... ON table ... BEGIN ... END` (SQLite).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerHeader {
    /// The trigger's name, unquoted (without a SQLite schema qualifier).
    pub name: String,
    /// The table, unquoted, `schema.table` when qualified.
    pub table: String,
    /// Byte span of the table's (possibly qualified) name in the statement.
    pub table_span: (usize, usize),
    /// The function it executes (PostgreSQL), unquoted and as qualified as written, with the
    /// byte span of its (possibly qualified) name.
    pub function: Option<(String, (usize, usize))>,
}

/// A (possibly qualified) name read at some index: schema, name, byte span, next index.
type Qualified = (Option<String>, String, (usize, usize), usize);

/// A (possibly qualified) name at `toks[i..]`: `(schema, name, span, next index)`.
fn qualified(toks: &[Tok<'_>], i: usize) -> Option<Qualified> {
    let first = toks.get(i)?;
    if first.text == "(" || first.text == ";" {
        return None;
    }
    if toks.get(i + 1).is_some_and(|t| t.text == ".") {
        let second = toks.get(i + 2)?;
        return Some((
            Some(unquote(first.text)),
            unquote(second.text),
            (first.start, second.end),
            i + 3,
        ));
    }
    Some((None, unquote(first.text), (first.start, first.end), i + 1))
}

/// The header of a `CREATE FUNCTION` or `CREATE PROCEDURE` statement; `None` when `sql` is not
/// one.
pub fn function_header(sql: &str) -> Option<FunctionHeader> {
    let toks = tokens(sql);
    let create = toks.first().filter(|t| t.is("CREATE"))?;
    let mut i = 1;
    let replace =
        toks.get(1).is_some_and(|t| t.is("OR")) && toks.get(2).is_some_and(|t| t.is("REPLACE"));
    if replace {
        i = 3;
    }
    let procedure = match toks.get(i) {
        Some(t) if t.is("FUNCTION") => false,
        Some(t) if t.is("PROCEDURE") => true,
        _ => return None,
    };
    let (schema, name, name_span, next) = qualified(&toks, i + 1)?;
    let open = toks.get(next).filter(|t| t.text == "(")?;
    let mut depth = 0i32;
    let close = toks[next..].iter().find(|t| {
        match t.text {
            "(" => depth += 1,
            ")" => depth -= 1,
            _ => {}
        }
        depth == 0
    })?;
    Some(FunctionHeader {
        schema,
        name,
        procedure,
        args: sql[open.end..close.start].trim().to_owned(),
        name_span,
        or_replace: (create.end, replace),
    })
}

/// The header of a `CREATE TRIGGER` statement; `None` when `sql` is not one.
pub fn trigger_header(sql: &str) -> Option<TriggerHeader> {
    let toks = tokens(sql);
    let mut i = 1;
    if !toks.first()?.is("CREATE") {
        return None;
    }
    if toks.get(i).is_some_and(|t| t.is("OR")) && toks.get(i + 1).is_some_and(|t| t.is("REPLACE")) {
        i += 2;
    }
    while toks
        .get(i)
        .is_some_and(|t| t.is("CONSTRAINT") || t.is("TEMP") || t.is("TEMPORARY"))
    {
        i += 1;
    }
    if !toks.get(i)?.is("TRIGGER") {
        return None;
    }
    i += 1;
    if toks.get(i).is_some_and(|t| t.is("IF")) {
        i += 3; // IF NOT EXISTS
    }
    let (_, name, _, next) = qualified(&toks, i)?;
    // The first top-level `ON` after the name: `UPDATE OF a, b ON t`.
    let on = toks[next..].iter().position(|t| t.is("ON"))? + next;
    let (schema, table, table_span, after) = qualified(&toks, on + 1)?;
    let table = match schema {
        Some(s) => format!("{s}.{table}"),
        None => table,
    };
    let function = toks[after..]
        .windows(2)
        .position(|w| w[0].is("EXECUTE") && (w[1].is("FUNCTION") || w[1].is("PROCEDURE")))
        .and_then(|p| qualified(&toks, after + p + 2))
        .map(|(schema, f, span, _)| {
            let f = match schema {
                Some(s) => format!("{s}.{f}"),
                None => f,
            };
            (f, span)
        });
    Some(TriggerHeader {
        name,
        table,
        table_span,
        function,
    })
}

/// `sql` with the byte range `span` replaced by `with`.
pub fn replace_span(sql: &str, span: (usize, usize), with: &str) -> String {
    format!("{}{with}{}", &sql[..span.0], &sql[span.1..])
}

/// A function's (or trigger's) statement in a form that compares equal across spellings: as
/// [`super::comparable`], with each dollar-quoted body compared the same way (white space and
/// comments inside a PL/pgSQL or SQL body are no change either; its strings are).
pub fn routine_comparable(sql: &str) -> String {
    let toks = tokens(sql);
    let mut out = Vec::with_capacity(toks.len());
    for t in &toks {
        match dollar_body(t.text) {
            Some(body) => out.push(format!("$$ {} $$", routine_comparable(body))),
            None => out.push(comparable_tokens(std::slice::from_ref(t))),
        }
    }
    out.join(" ")
}

/// Whether `sql` names `name` as a whole identifier, inside its dollar-quoted bodies too (a
/// function's body reading a table).
pub fn routine_mentions(sql: &str, name: &str) -> bool {
    super::mentions(sql, name)
        || tokens(sql)
            .iter()
            .filter_map(|t| dollar_body(t.text))
            .any(|body| routine_mentions(body, name))
}

/// The language a `CREATE FUNCTION` or `CREATE PROCEDURE` statement names (`LANGUAGE sql`),
/// in lower case, unquoted; `None` when it names none.
pub fn routine_language(sql: &str) -> Option<String> {
    let toks = tokens(sql);
    let at = toks.iter().position(|t| t.is("LANGUAGE"))?;
    toks.get(at + 1)
        .map(|t| unquote(t.text).to_ascii_lowercase())
}

/// The body of a dollar-quoted string token (`$tag$ body $tag$`).
fn dollar_body(token: &str) -> Option<&str> {
    let rest = token.strip_prefix('$')?;
    let tag_len = rest.find('$')?;
    let delimiter = &token[..tag_len + 2];
    if token.len() < 2 * delimiter.len() || !token.ends_with(delimiter) {
        return None;
    }
    Some(&token[delimiter.len()..token.len() - delimiter.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_functions_language() {
        let sql = "CREATE FUNCTION f() RETURNS int LANGUAGE SQL AS $$ SELECT 1 $$";
        assert_eq!(routine_language(sql).as_deref(), Some("sql"));
        let sql =
            "create function f() returns int as $$ select 'language x' $$ language \"plpgsql\"";
        assert_eq!(routine_language(sql).as_deref(), Some("plpgsql"));
        assert_eq!(
            routine_language("CREATE FUNCTION f() RETURNS int AS 'x'"),
            None
        );
    }

    #[test]
    fn reads_a_function_header() {
        let sql = "create or replace function public.\"Touch\"(a int, b text default 'x')\n\
                   returns trigger language plpgsql as $$ begin return new; end $$";
        let h = function_header(sql).unwrap();
        assert_eq!(h.schema.as_deref(), Some("public"));
        assert_eq!(h.name, "Touch");
        assert_eq!(h.args, "a int, b text default 'x'");
        assert!(!h.procedure);
        assert_eq!(&sql[h.name_span.0..h.name_span.1], "public.\"Touch\"");
        assert!(h.or_replace.1);
        let p = function_header("CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1'").unwrap();
        assert!(p.procedure && !p.or_replace.1 && p.args.is_empty());
        assert_eq!(p.or_replace.0, "CREATE".len());
        assert!(function_header("CREATE TABLE t (a int)").is_none());
    }

    #[test]
    fn reads_a_trigger_header() {
        let sql = "CREATE TRIGGER trg BEFORE UPDATE OF a, b ON public.crates FOR EACH ROW \
                   WHEN (old.a IS DISTINCT FROM new.a) EXECUTE FUNCTION touch()";
        let h = trigger_header(sql).unwrap();
        assert_eq!(h.name, "trg");
        assert_eq!(h.table, "public.crates");
        assert_eq!(&sql[h.table_span.0..h.table_span.1], "public.crates");
        let (f, span) = h.function.unwrap();
        assert_eq!(f, "touch");
        assert_eq!(&sql[span.0..span.1], "touch");
        let lite = "CREATE TRIGGER IF NOT EXISTS \"t g\" AFTER INSERT ON posts BEGIN \
                    UPDATE users SET n = n + 1; END";
        let h = trigger_header(lite).unwrap();
        assert_eq!((h.name.as_str(), h.table.as_str()), ("t g", "posts"));
        assert!(h.function.is_none());
        assert!(trigger_header("CREATE INDEX i ON t (a)").is_none());
    }

    #[test]
    fn mentions_look_inside_bodies() {
        let f = "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DELETE FROM reverse_deps $$";
        assert!(routine_mentions(f, "reverse_deps"));
        assert!(!routine_mentions(f, "reverse"));
        assert!(!routine_mentions(
            "AS $$ SELECT 'reverse_deps' $$",
            "reverse_deps"
        ));
    }

    #[test]
    fn bodies_compare_by_tokens() {
        let a = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$SELECT 1$$";
        let b = "create function f()\n  returns int\n  language sql\n  as $body$\n  select   1 -- one\n$body$";
        assert_eq!(routine_comparable(a), routine_comparable(b));
        let c = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$SELECT 2$$";
        assert_ne!(routine_comparable(a), routine_comparable(c));
        // Strings inside a body keep their spelling.
        assert_ne!(
            routine_comparable("AS $$ SELECT 'a b' $$"),
            routine_comparable("AS $$ SELECT 'a  b' $$")
        );
    }
}
