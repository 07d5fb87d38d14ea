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
    /// When it fires, the words between its name and `ON` in upper case (`BEFORE INSERT`,
    /// `AFTER UPDATE OF A , B`): triggers of one table with the same `when` fire in an order.
    pub when: String,
}

/// A (possibly qualified) name read at some index: schema, name, byte span, next index.
pub(super) type Qualified = (Option<String>, String, (usize, usize), usize);

/// A (possibly qualified) name at `toks[i..]`: `(schema, name, span, next index)`.
pub(super) fn qualified(toks: &[Tok<'_>], i: usize) -> Option<Qualified> {
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

/// The index after MariaDB's `DEFINER = user` clause (`'u'@'h'`, `` `u`@`h` ``, `CURRENT_USER`,
/// `CURRENT_USER()`, a role) when one starts at `i`; `i` otherwise.
pub(super) fn after_definer(toks: &[Tok<'_>], i: usize) -> usize {
    if !toks.get(i).is_some_and(|t| t.is("DEFINER")) || toks.get(i + 1).map(|t| t.text) != Some("=")
    {
        return i;
    }
    let mut j = i + 3; // DEFINER = user
    if toks.get(j).is_some_and(|t| t.text == "@") {
        j += 2; // @ host
    } else if toks.get(j).is_some_and(|t| t.text == "(") {
        j += 2; // CURRENT_USER()
    }
    j
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
    i = after_definer(&toks, i);
    if toks.get(i).is_some_and(|t| t.is("AGGREGATE")) {
        i += 1;
    }
    let procedure = match toks.get(i) {
        Some(t) if t.is("FUNCTION") => false,
        Some(t) if t.is("PROCEDURE") => true,
        _ => return None,
    };
    i += 1;
    if toks.get(i).is_some_and(|t| t.is("IF")) {
        i += 3; // IF NOT EXISTS (MariaDB)
    }
    let (schema, name, name_span, next) = qualified(&toks, i)?;
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
    i = after_definer(&toks, i);
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
    let when = toks[next..on]
        .iter()
        .map(|t| t.text.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(" ");
    Some(TriggerHeader {
        when,
        name,
        table,
        table_span,
        function,
    })
}

/// The tokens of `sql` outside comments, quoted names unquoted (strings keep their quotes).
pub fn words(sql: &str) -> Vec<String> {
    tokens(sql).iter().map(|t| unquote(t.text)).collect()
}

/// How a statement that must run under another `sql_mode` than the run's starts (MariaDB: a
/// trigger or routine is read under the mode it was created with, `"x"` being a string without
/// `ANSI_QUOTES`): `/*retort:sql_mode=MODE*/ CREATE ...` (a comment: the statement reads and
/// compares as without it).
const MODE_MARK: &str = "/*retort:sql_mode=";

/// `statement` marked to run under `mode` (see [`run_sql`]).
pub fn under_mode(mode: &str, statement: &str) -> String {
    format!("{MODE_MARK}{}*/ {statement}", mode.replace(['\'', '*'], ""))
}

/// `sql` without the mark of [`under_mode`], and the mode it names.
pub fn mode_of(sql: &str) -> (Option<&str>, &str) {
    match sql
        .strip_prefix(MODE_MARK)
        .and_then(|rest| rest.split_once("*/"))
    {
        Some((mode, rest)) => (Some(mode), rest.trim_start()),
        None => (None, sql),
    }
}

/// The SQL that runs the statement `sql` (without its final `;`), each statement ended by
/// `;\n`: under the mode [`under_mode`] marked it with, the session's mode put back after it.
pub fn run_sql(sql: &str) -> String {
    let (mode, statement) = mode_of(sql);
    let statement = statement.trim_end().trim_end_matches(';').trim_end();
    match mode {
        None => format!("{statement};\n"),
        Some(mode) => format!(
            "SET @retort_sql_mode = @@SESSION.sql_mode;\nSET SESSION sql_mode = '{mode}';\n\
             {statement};\nSET SESSION sql_mode = @retort_sql_mode;\n"
        ),
    }
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
        // MariaDB's definer and IF NOT EXISTS.
        let m = function_header(
            "CREATE DEFINER=`root`@`localhost` FUNCTION IF NOT EXISTS `add_one`(x INT) \
             RETURNS INT DETERMINISTIC RETURN x + 1",
        )
        .unwrap();
        assert_eq!((m.name.as_str(), m.args.as_str()), ("add_one", "x INT"));
        let m = function_header("CREATE DEFINER = CURRENT_USER() PROCEDURE p() BEGIN END").unwrap();
        assert!(m.procedure && m.name == "p");
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
        let my = "CREATE DEFINER='app'@'%' TRIGGER `posts_bi` BEFORE INSERT ON `posts` \
                  FOR EACH ROW SET NEW.n = 1";
        let h = trigger_header(my).unwrap();
        assert_eq!((h.name.as_str(), h.table.as_str()), ("posts_bi", "posts"));
        assert_eq!(h.when, "BEFORE INSERT");
    }

    #[test]
    fn a_mode_mark_runs_the_statement_under_its_mode() {
        let sql = under_mode(
            "STRICT_ALL_TABLES",
            "CREATE TRIGGER t BEFORE INSERT ON p FOR EACH ROW SET NEW.a = \"x\"",
        );
        assert_eq!(trigger_header(&sql).unwrap().name, "t");
        assert_eq!(
            routine_comparable(&sql),
            routine_comparable(mode_of(&sql).1)
        );
        assert_eq!(
            run_sql(&sql),
            "SET @retort_sql_mode = @@SESSION.sql_mode;\nSET SESSION sql_mode = 'STRICT_ALL_TABLES';\n\
             CREATE TRIGGER t BEFORE INSERT ON p FOR EACH ROW SET NEW.a = \"x\";\n\
             SET SESSION sql_mode = @retort_sql_mode;\n"
        );
        assert_eq!(
            run_sql("CREATE VIEW v AS SELECT 1;"),
            "CREATE VIEW v AS SELECT 1;\n"
        );
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
