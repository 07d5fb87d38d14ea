//! The objects of a MariaDB (MySQL) database that are not tables, for a baseline
//! ([`crate::baseline`]): views, triggers, stored functions and procedures, each with the SQL
//! that creates it and drops it, and what it needs; sequences are listed (not created). Three
//! queries of `information_schema` (`VIEWS` with the sequences of `TABLES`, `TRIGGERS`,
//! `ROUTINES` with their `PARAMETERS`), whatever the number of objects.
//!
//! - `DEFINER` clauses are left out: a baseline replays on other servers and databases (a
//!   colleague's, CI's, the scratch database of `check --shadow` and of the upgrade's
//!   rehearsal), where the definer's account may not exist and naming another account needs
//!   the `SET USER` (`SUPER`) privilege. The objects belong to the user who runs the migration,
//!   as the tables do; `SQL SECURITY DEFINER`/`INVOKER` is kept.
//! - A trigger's or routine's body is read as written and keeps its meaning only under the
//!   `sql_mode` it was created with (`"x"` is a string without `ANSI_QUOTES`, which Retort's
//!   sessions add), which the server also records with it: each is created under its own
//!   (`SET SESSION sql_mode = '...'` before it); the baseline puts the run's mode back after
//!   them.
//! - A view's definition is the server's (`VIEW_DEFINITION`: names in backticks, strings in
//!   single quotes, whatever the mode) with the database's name taken out of its qualified
//!   names (`` `app`.`posts` `` is `` `posts` ``), so it replays in any database. The names
//!   left qualified by the database are what it needs: tables, other views (a view on a view
//!   comes after it), and functions it calls.
//! - A trigger needs its table (it comes after the tables, in `ACTION_ORDER`); a routine's
//!   body is not checked when it is created, so routines need nothing and come first.

use std::collections::{BTreeMap, BTreeSet};

use diesel::mysql::MysqlConnection;
use diesel::sql_types::{Nullable, Text};
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

use super::server::Server;
use crate::backend::object::Object;

#[derive(QueryableByName)]
pub(super) struct ViewRow {
    #[diesel(sql_type = Text)]
    pub(super) db: String,
    #[diesel(sql_type = Text)]
    pub(super) name: String,
    /// `VIEW`, or `SEQUENCE` for a sequence (listed, not created).
    #[diesel(sql_type = Text)]
    pub(super) kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) definition: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) check_option: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) security: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) algorithm: Option<String>,
}

#[derive(QueryableByName)]
pub(super) struct TriggerRow {
    #[diesel(sql_type = Text)]
    pub(super) name: String,
    #[diesel(sql_type = Text)]
    pub(super) tbl: String,
    #[diesel(sql_type = Text)]
    pub(super) timing: String,
    #[diesel(sql_type = Text)]
    pub(super) event: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) body: Option<String>,
    #[diesel(sql_type = Text)]
    pub(super) mode: String,
}

#[derive(QueryableByName)]
pub(super) struct RoutineRow {
    #[diesel(sql_type = Text)]
    pub(super) name: String,
    /// `FUNCTION` or `PROCEDURE`.
    #[diesel(sql_type = Text)]
    pub(super) kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) body: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) params: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) return_type: Option<String>,
    #[diesel(sql_type = Text)]
    pub(super) is_deterministic: String,
    #[diesel(sql_type = Text)]
    pub(super) access: String,
    #[diesel(sql_type = Text)]
    pub(super) security: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) comment: Option<String>,
    #[diesel(sql_type = Text)]
    pub(super) mode: String,
}

/// `` `name` ``.
pub(super) fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A string literal read the same under `mode` (a backslash escapes unless
/// `NO_BACKSLASH_ESCAPES`).
pub(super) fn string_in(text: &str, mode: &str) -> String {
    let text = if mode.contains("NO_BACKSLASH_ESCAPES") {
        text.to_owned()
    } else {
        text.replace('\\', "\\\\")
    };
    format!("'{}'", text.replace('\'', "''"))
}

/// `body` ended by `;` (on a line of its own after a line comment).
pub(super) fn terminated(body: &str) -> String {
    let body = body.trim_end();
    let last = body.rsplit('\n').next().unwrap_or_default();
    if last.contains("--") || last.contains('#') {
        format!("{body}\n;\n")
    } else {
        format!("{body};\n")
    }
}

/// The SQL that sets the session's `sql_mode` to an object's.
pub(super) fn mode_sql(mode: &str) -> String {
    format!("SET SESSION sql_mode = '{}';\n", mode.replace('\'', ""))
}

/// What a view definition of database `db` names, qualified by `db`: `` `db`.`x` ``, and
/// `` `f`( `` (a function of `db`, called unqualified): (relations, functions). Strings skipped.
pub(super) fn references(definition: &str, db: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut relations, mut functions) = (BTreeSet::new(), BTreeSet::new());
    // The name before, when it starts a qualified name (no `.` before it).
    let mut previous: Option<String> = None;
    let mut dotted = false;
    for (token, next) in tokens(definition) {
        match token {
            Tok::Name(name) => {
                if dotted && previous.as_deref() == Some(db) {
                    if next == Some('(') {
                        functions.insert(name.clone());
                    } else {
                        relations.insert(name.clone());
                    }
                } else if !dotted && next == Some('(') {
                    functions.insert(name.clone());
                }
                previous = (!dotted).then_some(name);
                dotted = false;
            }
            Tok::Dot => dotted = true,
            Tok::Other => {
                previous = None;
                dotted = false;
            }
        }
    }
    (relations, functions)
}

enum Tok {
    /// A backtick-quoted name, unquoted.
    Name(String),
    Dot,
    Other,
}

/// The tokens of a server-written definition that matter here, each with the character right
/// after it (`(` marks a call).
fn tokens(sql: &str) -> Vec<(Tok, Option<char>)> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '`' => {
                let mut name = String::new();
                i += 1;
                while i < chars.len() {
                    if chars[i] == '`' {
                        if chars.get(i + 1) == Some(&'`') {
                            name.push('`');
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    name.push(chars[i]);
                    i += 1;
                }
                i += 1;
                out.push((Tok::Name(name), chars.get(i).copied()));
            }
            '\'' => {
                i += 1;
                while i < chars.len() {
                    match chars[i] {
                        '\\' => i += 2,
                        '\'' if chars.get(i + 1) == Some(&'\'') => i += 2,
                        '\'' => break,
                        _ => i += 1,
                    }
                }
                i += 1;
                out.push((Tok::Other, chars.get(i).copied()));
            }
            '.' => {
                i += 1;
                out.push((Tok::Dot, chars.get(i).copied()));
            }
            c if c.is_whitespace() => i += 1,
            _ => {
                i += 1;
                out.push((Tok::Other, chars.get(i).copied()));
            }
        }
    }
    out
}

/// `definition` without the `` `db`. `` qualifying its names (strings left as they are).
pub(super) fn unqualified(definition: &str, db: &str) -> String {
    let qualifier = format!("{}.", quote(db));
    let mut out = String::with_capacity(definition.len());
    let mut rest = definition;
    let mut in_string = false;
    while let Some(c) = rest.chars().next() {
        if !in_string && rest.starts_with(&qualifier) && !out.ends_with('.') {
            rest = &rest[qualifier.len()..];
            continue;
        }
        if !in_string && c == '`' {
            // A whole quoted name (possibly holding a quote of its own).
            let mut end = 1;
            let bytes = rest.as_bytes();
            while end < bytes.len() {
                if bytes[end] == b'`' {
                    if bytes.get(end + 1) == Some(&b'`') {
                        end += 2;
                        continue;
                    }
                    end += 1;
                    break;
                }
                end += 1;
            }
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        if in_string && c == '\\' {
            let escaped: String = rest.chars().take(2).collect();
            out.push_str(&escaped);
            rest = &rest[escaped.len()..];
            continue;
        }
        if c == '\'' {
            in_string = !in_string;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The rows of the three catalog queries: views (with the sequences, listed only), triggers,
/// routines with their parameters, of the connection's database (`DATABASE()`).
pub(super) struct Catalog {
    pub(super) views: Vec<ViewRow>,
    pub(super) triggers: Vec<TriggerRow>,
    pub(super) routines: Vec<RoutineRow>,
}

/// Reads the [`Catalog`] of the connection's database: three queries whatever the number of
/// objects.
pub(super) fn read(conn: &mut MysqlConnection, server: &Server) -> QueryResult<Catalog> {
    let algorithm = if server.is_mariadb() {
        "ALGORITHM"
    } else {
        "'UNDEFINED'"
    };
    let views: Vec<ViewRow> = diesel::sql_query(format!(
        "SELECT DATABASE() AS db, TABLE_NAME AS name, 'VIEW' AS kind, VIEW_DEFINITION AS definition, \
         CHECK_OPTION AS check_option, SECURITY_TYPE AS security, {algorithm} AS algorithm \
         FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() \
         UNION ALL SELECT DATABASE(), TABLE_NAME, 'SEQUENCE', NULL, NULL, NULL, NULL \
         FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'SEQUENCE' \
         ORDER BY name"
    ))
    .load(conn)?;
    let triggers: Vec<TriggerRow> = diesel::sql_query(
        "SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl, ACTION_TIMING AS timing, \
         EVENT_MANIPULATION AS event, ACTION_STATEMENT AS body, SQL_MODE AS mode \
         FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() \
         ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER",
    )
    .load(conn)?;
    let routines: Vec<RoutineRow> = diesel::sql_query(ROUTINES).load(conn)?;
    Ok(Catalog {
        views,
        triggers,
        routines,
    })
}

/// `CREATE {FUNCTION | PROCEDURE} name(params) [RETURNS type]`, its characteristics and its
/// body, without a final `;` (`None`: a body the user may not read).
pub(super) fn routine_statement(r: &RoutineRow) -> Option<String> {
    let body = r.body.as_ref()?;
    let mut sql = format!(
        "CREATE {} {}({})",
        r.kind,
        quote(&r.name),
        r.params.as_deref().unwrap_or_default()
    );
    if let Some(returns) = r.return_type.as_deref().filter(|_| r.kind == "FUNCTION") {
        sql.push_str(&format!(" RETURNS {returns}"));
    }
    sql.push('\n');
    if r.is_deterministic == "YES" {
        sql.push_str("    DETERMINISTIC\n");
    }
    sql.push_str(&format!("    {}\n", r.access));
    sql.push_str(&format!("    SQL SECURITY {}\n", r.security));
    if let Some(comment) = r.comment.as_deref().filter(|c| !c.is_empty()) {
        sql.push_str(&format!("    COMMENT {}\n", string_in(comment, &r.mode)));
    }
    sql.push_str(body.trim_end());
    Some(sql)
}

/// `CREATE TRIGGER name timing event ON table FOR EACH ROW body`, without a final `;`.
pub(super) fn trigger_statement(t: &TriggerRow) -> Option<String> {
    Some(format!(
        "CREATE TRIGGER {} {} {} ON {} FOR EACH ROW\n{}",
        quote(&t.name),
        t.timing,
        t.event,
        quote(&t.tbl),
        t.body.as_ref()?.trim_end()
    ))
}

/// A view's options other than the defaults (`ALGORITHM = MERGE SQL SECURITY INVOKER`, empty
/// for `UNDEFINED` and `DEFINER`), and its query without the database's name, followed by its
/// `WITH ... CHECK OPTION` (`None`: a view the user may not read).
pub(super) fn view_parts(v: &ViewRow) -> Option<(String, String)> {
    // Empty (not NULL) for a user without `SHOW VIEW`.
    let definition = v.definition.as_ref().filter(|d| !d.trim().is_empty())?;
    let mut options = Vec::new();
    if let Some(a) = v
        .algorithm
        .as_deref()
        .filter(|a| !a.eq_ignore_ascii_case("UNDEFINED"))
    {
        options.push(format!("ALGORITHM = {a}"));
    }
    if let Some(s) = v
        .security
        .as_deref()
        .filter(|s| !s.eq_ignore_ascii_case("DEFINER"))
    {
        options.push(format!("SQL SECURITY {s}"));
    }
    let check = match v.check_option.as_deref() {
        Some(c @ ("CASCADED" | "LOCAL")) => format!("\nWITH {c} CHECK OPTION"),
        _ => String::new(),
    };
    Some((
        options.join(" "),
        format!("{}{check}", unqualified(definition, &v.db)),
    ))
}

/// The objects that are not tables: routines (by name), views and sequences (by name), then
/// triggers (by table, timing, event and order).
pub(super) fn objects(conn: &mut MysqlConnection, server: &Server) -> QueryResult<Vec<Object>> {
    let Catalog {
        views,
        triggers,
        routines,
    } = read(conn, server)?;
    let mut out = Vec::new();
    let functions: BTreeSet<&str> = routines
        .iter()
        .filter(|r| r.kind == "FUNCTION")
        .map(|r| r.name.as_str())
        .collect();
    for r in &routines {
        let kind = r.kind.to_ascii_lowercase();
        let create =
            routine_statement(r).map(|sql| format!("{}{}", mode_sql(&r.mode), terminated(&sql)));
        out.push(Object {
            key: format!("{kind}:{}", r.name),
            drop: Some(format!("DROP {} {};\n", r.kind, quote(&r.name))),
            kind,
            name: r.name.clone(),
            create,
            ..Default::default()
        });
    }
    let view_names: BTreeMap<&str, &str> = views
        .iter()
        .map(|v| {
            (
                v.name.as_str(),
                if v.kind == "VIEW" { "view" } else { "sequence" },
            )
        })
        .collect();
    for v in &views {
        if v.kind != "VIEW" {
            out.push(Object {
                key: format!("sequence:{}", v.name),
                kind: "sequence".into(),
                name: v.name.clone(),
                ..Default::default()
            });
            continue;
        }
        let mut object = Object {
            key: format!("view:{}", v.name),
            kind: "view".into(),
            name: v.name.clone(),
            drop: Some(format!("DROP VIEW {};\n", quote(&v.name))),
            ..Default::default()
        };
        if let Some(definition) = &v.definition {
            let (relations, called) = references(definition, &v.db);
            for relation in relations.into_iter().filter(|r| *r != v.name) {
                match view_names.get(relation.as_str()) {
                    Some(kind) => object.needs.push(format!("{kind}:{relation}")),
                    None if functions.contains(relation.as_str()) => {}
                    None => object.tables.push(relation),
                }
            }
            for f in called
                .into_iter()
                .filter(|f| functions.contains(f.as_str()))
            {
                object.needs.push(format!("function:{f}"));
            }
        }
        if let Some((options, query)) = view_parts(v) {
            let security = if options.contains("SQL SECURITY") {
                String::new()
            } else {
                "SQL SECURITY DEFINER ".to_owned()
            };
            let options = if options.is_empty() {
                options
            } else {
                format!("{options} ")
            };
            // `ALGORITHM` comes before `SQL SECURITY`, as the server writes them.
            object.create = Some(format!(
                "CREATE {options}{security}VIEW {} AS\n{query};\n",
                quote(&v.name),
            ));
        }
        out.push(object);
    }
    // Triggers are their table's (introspection reads them with it, a baseline creates them
    // with the table, under the mode each was created with).
    drop(triggers);
    Ok(out)
}

/// Routines with their parameters (a character set or collation other than the database's
/// written out) and what they return; `ROUTINE_DEFINITION` is NULL for a routine the user may
/// not read.
const ROUTINES: &str = "SELECT r.ROUTINE_NAME AS name, r.ROUTINE_TYPE AS kind, \
  r.ROUTINE_DEFINITION AS body, \
  (SELECT GROUP_CONCAT(CONCAT_WS(' ', IF(r.ROUTINE_TYPE = 'PROCEDURE', p.PARAMETER_MODE, NULL), \
     CONCAT('`', REPLACE(p.PARAMETER_NAME, '`', '``'), '`'), \
     CONCAT(p.DTD_IDENTIFIER, IF(p.COLLATION_NAME IS NOT NULL AND p.COLLATION_NAME <> r.DATABASE_COLLATION, \
       CONCAT(' CHARACTER SET ', p.CHARACTER_SET_NAME, ' COLLATE ', p.COLLATION_NAME), ''))) \
     ORDER BY p.ORDINAL_POSITION SEPARATOR ', ') \
   FROM information_schema.PARAMETERS p WHERE p.SPECIFIC_SCHEMA = r.ROUTINE_SCHEMA \
   AND p.SPECIFIC_NAME = r.SPECIFIC_NAME AND p.ROUTINE_TYPE = r.ROUTINE_TYPE \
   AND p.ORDINAL_POSITION > 0) AS params, \
  CONCAT(r.DTD_IDENTIFIER, IF(r.COLLATION_NAME IS NOT NULL AND r.COLLATION_NAME <> r.DATABASE_COLLATION, \
    CONCAT(' CHARACTER SET ', r.CHARACTER_SET_NAME, ' COLLATE ', r.COLLATION_NAME), '')) AS return_type, \
  r.IS_DETERMINISTIC AS is_deterministic, r.SQL_DATA_ACCESS AS access, \
  r.SECURITY_TYPE AS security, r.ROUTINE_COMMENT AS comment, r.SQL_MODE AS mode \
FROM information_schema.ROUTINES r WHERE r.ROUTINE_SCHEMA = DATABASE() \
ORDER BY r.ROUTINE_TYPE, r.ROUTINE_NAME";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_definitions_name_what_they_need_and_lose_the_database() {
        let def = "select `v1`.`id` AS `id`,`l`.`msg` AS `msg`,`add_one`(`app`.`log`.`id`) AS `n`, \
                   'it''s `app`.`x`' AS `s` from (`app`.`v1` join `app`.`log` `l` on(`l`.`id` = `v1`.`id`)) \
                   where `app`.`f2`(1) > `other`.`t`.`id`";
        let (relations, functions) = references(def, "app");
        assert_eq!(Vec::from_iter(relations), ["log", "v1"]);
        assert_eq!(Vec::from_iter(functions), ["add_one", "f2"]);
        assert_eq!(
            unqualified(def, "app"),
            "select `v1`.`id` AS `id`,`l`.`msg` AS `msg`,`add_one`(`log`.`id`) AS `n`, \
             'it''s `app`.`x`' AS `s` from (`v1` join `log` `l` on(`l`.`id` = `v1`.`id`)) \
             where `f2`(1) > `other`.`t`.`id`"
        );
        // A name holding a backtick, and a database name inside another name.
        assert_eq!(
            unqualified("select `a``b`.`app`.`c` from `app`.`t`", "app"),
            "select `a``b`.`app`.`c` from `t`"
        );
    }

    #[test]
    fn bodies_end_in_a_semicolon_and_strings_follow_the_mode() {
        assert_eq!(
            terminated("BEGIN\n  RETURN 1;\nEND\n"),
            "BEGIN\n  RETURN 1;\nEND;\n"
        );
        assert_eq!(terminated("RETURN 1 -- one"), "RETURN 1 -- one\n;\n");
        assert_eq!(string_in(r"a\b'c", "STRICT_TRANS_TABLES"), r"'a\\b''c'");
        assert_eq!(string_in(r"a\b", "NO_BACKSLASH_ESCAPES"), r"'a\b'");
    }
}
