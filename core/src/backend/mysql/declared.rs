//! The server's text of the models' views, triggers, functions and procedures (`#[derive(View)]`,
//! `retort::trigger!`, `retort::function!`), so that they compare with the database's own
//! (the `managed` module): MariaDB rewrites a view's query (names qualified, `AS` written out),
//! spells a routine's parameter types its own way, and has neither temporary views nor triggers
//! on temporary tables. So each declaration is created in a scratch database on the session's
//! connection (`CREATE DATABASE`, `USE`), among plain copies of the model tables it names, read
//! back with the catalog queries of introspection, and the database is dropped again (also on
//! an interrupt). Only when the models declare any of these objects; the user needs the
//! `CREATE` privilege on the server then, as for `upgrade`'s rehearsal.
//!
//! A statement MariaDB refuses (a syntax error, an unknown column of `NEW`, a view reading a
//! table that does not exist) is refused by `autogenerate` naming the declaration. A view that
//! reads a table or view the models do not declare gets a copy of it from the database
//! (`CREATE TABLE ... LIKE`, or a view of it).

use diesel::connection::SimpleConnection;
use diesel::mysql::MysqlConnection;

use super::objects;
use super::server::Server;
use crate::dialect::{Dialect, MySql};
use crate::schema::{Schema, View};

/// MariaDB refuses a declaration.
#[derive(Debug, thiserror::Error)]
#[error(
    "{what}: MariaDB rejects `{sql}`: {message}; fix its declaration ({how}; nothing was written)"
)]
pub struct DeclaredError {
    /// `view \`v\``, `function \`f\``, `trigger \`t\` on \`posts\``.
    pub what: String,
    /// The statement MariaDB refused.
    pub sql: String,
    /// MariaDB's message.
    pub message: String,
    /// Where it is declared (`#[view(sql = "...")]`, `retort::function!`, `retort::trigger!`).
    pub how: &'static str,
}

/// Gives the declarations of `target` the server's text (see the module's documentation);
/// `session_mode` is the mode they are created under. `url` (of the session) lets an interrupt
/// drop the scratch database.
pub(super) fn normalize(
    conn: &mut MysqlConnection,
    server: &Server,
    session_mode: &str,
    url: Option<&str>,
    target: &mut Schema,
) -> Result<(), super::super::ModelsError> {
    let declares_triggers = target.tables.values().any(|t| {
        t.unmodeled
            .iter()
            .any(crate::diff::routines::is_declared_trigger)
    });
    if target.views.is_empty() && target.functions.is_empty() && !declares_triggers {
        return Ok(());
    }
    let db = super::value(conn, "SELECT DATABASE() AS v")
        .map_err(crate::backend::DbError::query(
            "reading the database's name",
        ))?
        .unwrap_or_default();
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let scratch = format!("retort_shadow_{}_{random}", std::process::id());
    let drop_sql = format!("DROP DATABASE IF EXISTS {}", MySql.quote(&scratch));
    let _guard = url.map(|url| {
        let (url, drop_sql) = (super::diesel_url(url), drop_sql.clone());
        crate::interrupt::register(Box::new(move || {
            use diesel::Connection as _;
            if let Ok(mut admin) = MysqlConnection::establish(&url) {
                let _ = admin.batch_execute(&drop_sql);
            }
        }))
    });
    // The database's character set and collation, so that parameters, results and joins
    // read in the scratch database as in the database.
    let charset = super::value(
        conn,
        "SELECT CONCAT('CHARACTER SET ', @@character_set_database, ' COLLATE ', \
         @@collation_database) AS v",
    )
    .map_err(crate::backend::DbError::query(
        "reading the database's character set",
    ))?
    .unwrap_or_default();
    conn.batch_execute(&format!(
        "CREATE DATABASE {0} {charset}; USE {0}",
        MySql.quote(&scratch)
    ))
    .map_err(crate::backend::DbError::query(format!(
        "creating the scratch database {scratch} for the declared views, triggers and \
         functions (the user needs the CREATE privilege)"
    )))?;
    // The server's messages name the scratch database: not the user's concern.
    let result = in_scratch(conn, server, session_mode, &db, target);
    // Back in the database, under the session's mode (a marked declaration that failed left
    // its own), whatever happened there.
    let dropped = conn.batch_execute(&drop_sql);
    let back = conn.batch_execute(&format!(
        "USE {}; SET SESSION sql_mode = {}",
        MySql.quote(&db),
        crate::dialect::mysql::sql_string(session_mode)
    ));
    let result = result.map_err(|e| match e {
        super::super::ModelsError::MySqlDeclared(mut d) => {
            d.message = d.message.replace(&format!("{scratch}."), "");
            super::super::ModelsError::MySqlDeclared(d)
        }
        e => e,
    });
    result?;
    dropped.map_err(crate::backend::DbError::query(format!(
        "dropping the scratch database {scratch}"
    )))?;
    back.map_err(crate::backend::DbError::query(format!(
        "going back to the database {db}"
    )))?;
    Ok(())
}

/// Creates the declarations in the scratch database the session is in, and takes their text.
fn in_scratch(
    conn: &mut MysqlConnection,
    server: &Server,
    session_mode: &str,
    db: &str,
    target: &mut Schema,
) -> Result<(), super::super::ModelsError> {
    let refuse = |what: String, sql: &str, e: diesel::result::Error, how| DeclaredError {
        what,
        sql: sql.trim().to_owned(),
        message: e.to_string(),
        how,
    };
    // The model tables the views read and the triggers are on.
    let mut script = String::new();
    for table in target.tables.values() {
        let needed = table
            .unmodeled
            .iter()
            .any(crate::diff::routines::is_declared_trigger)
            || target
                .views
                .values()
                .any(|v| crate::sql::mentions(&v.sql, &table.name));
        if needed {
            script.push_str(&super::models::plain_create(table));
        }
    }
    if !script.is_empty() {
        conn.batch_execute(&script)
            .map_err(crate::backend::DbError::query(
                "creating the model tables in the scratch database",
            ))?;
    }
    for f in target.functions.values() {
        if let Some(quoted) = string_in_double_quotes(&f.sql) {
            return Err(quotes(
                format!("{} `{}`", f.kind(), f.name),
                &f.sql,
                &quoted,
                "retort::function!",
            )
            .into());
        }
        conn.batch_execute(&crate::sql::run_sql(&f.sql))
            .map_err(|e| {
                refuse(
                    format!("{} `{}`", f.kind(), f.name),
                    &f.sql,
                    e,
                    "retort::function!",
                )
            })?;
    }
    let order: Vec<String> = crate::diff::views::creation_order(target)
        .into_iter()
        .map(str::to_owned)
        .collect();
    for name in &order {
        let view = &target.views[name];
        let sql = format!(
            "CREATE {}VIEW {} AS {}",
            if view.options.is_empty() {
                String::new()
            } else {
                format!("{} ", view.options)
            },
            MySql.quote(name),
            view.sql
        );
        let mut copied = 0;
        loop {
            let Err(e) = conn.batch_execute(&sql) else {
                break;
            };
            // A table or view of the database that no model declares: copied, then again.
            let missing = missing_relation(&e.to_string());
            // A table the models rename away is not there after the migration.
            if let Some(renamed) = missing.as_deref().and_then(|m| {
                target
                    .tables
                    .values()
                    .find(|t| t.renamed_from.as_deref() == Some(m))
            }) {
                return Err(DeclaredError {
                    what: format!("view `{name}`"),
                    sql: view.sql.trim().to_owned(),
                    message: format!(
                        "it reads `{}`, which the models rename to `{}` \
                         (renamed_from): name the new table in its query",
                        renamed.renamed_from.as_deref().unwrap_or_default(),
                        renamed.name
                    ),
                    how: "#[view(sql = \"...\")]",
                }
                .into());
            }
            let copy = missing.filter(|_| copied < 16).and_then(|m| {
                let (m, from) = (MySql.quote(&m), MySql.quote(db));
                conn.batch_execute(&format!("CREATE TABLE {m} LIKE {from}.{m}"))
                    .or_else(|_| {
                        conn.batch_execute(&format!("CREATE VIEW {m} AS SELECT * FROM {from}.{m}"))
                    })
                    .ok()
            });
            if copy.is_none() {
                return Err(refuse(
                    format!("view `{name}`"),
                    &view.sql,
                    e,
                    "#[view(sql = \"...\")]",
                )
                .into());
            }
            copied += 1;
        }
    }
    for table in target.tables.values() {
        for t in table
            .unmodeled
            .iter()
            .filter(|k| crate::diff::routines::is_declared_trigger(k))
        {
            if let Some(quoted) = string_in_double_quotes(t.sql()) {
                let what = format!(
                    "trigger `{}` on `{}`",
                    t.trigger_name().unwrap_or_default(),
                    table.name
                );
                return Err(quotes(what, t.sql(), &quoted, "retort::trigger!").into());
            }
            conn.batch_execute(&crate::sql::run_sql(t.sql()))
                .map_err(|e| {
                    refuse(
                        format!(
                            "trigger `{}` on `{}`",
                            t.trigger_name().unwrap_or_default(),
                            table.name
                        ),
                        t.sql(),
                        e,
                        "retort::trigger!",
                    )
                })?;
        }
    }
    let catalog = objects::read(conn, server).map_err(crate::backend::DbError::query(
        "reading the scratch database's objects",
    ))?;
    take_text(&catalog, session_mode, db, target);
    Ok(())
}

/// The refusal of a declaration whose `"quoted"` text reads as a string but is a name there.
fn quotes(what: String, sql: &str, quoted: &str, how: &'static str) -> DeclaredError {
    DeclaredError {
        what,
        sql: sql.trim().to_owned(),
        message: format!(
            "`\"{quoted}\"` is a quoted name, not a string, under the sql_mode Retort creates \
             declarations with (ANSI_QUOTES): write the string in single quotes ('{quoted}'), \
             or start the declaration with /*retort:sql_mode=...*/ naming a mode without \
             ANSI_QUOTES to create it under"
        ),
        how,
    }
}

/// The text of the first `"..."` in `sql` that cannot be a name (it holds more than letters,
/// digits, `_` and `$`, or none), when the statement is created under `ANSI_QUOTES` (no
/// [`crate::sql::under_mode`] mark naming a mode without it). Strings, backticked names and
/// comments are passed over.
fn string_in_double_quotes(sql: &str) -> Option<String> {
    let (mode, sql) = crate::sql::mode_of(sql);
    if mode.is_some_and(|m| !m.split(',').any(|f| f == "ANSI_QUOTES" || f == "ANSI")) {
        return None;
    }
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    let until = |from: usize, end: char| {
        let mut j = from;
        while j < chars.len() && chars[j] != end {
            j += if chars[j] == '\\' { 2 } else { 1 };
        }
        j
    };
    while i < chars.len() {
        match chars[i] {
            '\'' | '`' => i = until(i + 1, chars[i]) + 1,
            '#' => i = until(i, '\n'),
            '-' if chars.get(i + 1) == Some(&'-') => i = until(i, '\n'),
            '/' if chars.get(i + 1) == Some(&'*') => {
                let rest: String = chars[i..].iter().collect();
                i += rest.find("*/").map_or(chars.len(), |e| e + 2);
            }
            '"' => {
                let end = until(i + 1, '"');
                let text: String = chars[i + 1..end.min(chars.len())].iter().collect();
                let name = !text.is_empty()
                    && text
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
                if !name {
                    return Some(text);
                }
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// The table or view MariaDB says does not exist in its message (`Table 'db.x' doesn't exist`).
fn missing_relation(message: &str) -> Option<String> {
    let rest = message.split_once("Table '")?.1;
    let (qualified, tail) = rest.split_once('\'')?;
    if !tail.trim_start().starts_with("doesn't exist") {
        return None;
    }
    Some(
        qualified
            .split_once('.')
            .map_or(qualified, |(_, n)| n)
            .to_owned(),
    )
}

/// Gives `target`'s declarations the text the scratch database's `catalog` has of them.
fn take_text(catalog: &objects::Catalog, session_mode: &str, db: &str, target: &mut Schema) {
    let declared: Vec<String> = target.views.keys().cloned().collect();
    for row in &catalog.views {
        let Some(read) = super::managed::view(row) else {
            continue;
        };
        if let Some(view) = target.views.get_mut(&read.name) {
            // A query naming the database itself (`app.posts`) reads as the database's own.
            let read = View {
                definition: crate::sql::comparable(&objects::unqualified(&read.sql, db)),
                ..read
            };
            let (relations, _) =
                objects::references(row.definition.as_deref().unwrap_or(""), &row.db);
            view.definition = read.definition;
            // Declared defaults (`SQL SECURITY DEFINER`), which the server does not write,
            // stay as declared: compared, they put a database's other options back.
            if !read.options.is_empty() || view.options.is_empty() {
                view.options = read.options;
            }
            view.needs = relations
                .into_iter()
                .filter(|r| declared.contains(r) && *r != view.name)
                .collect();
        }
    }
    // One routine per name: keyed by it alone.
    let functions = std::mem::take(&mut target.functions);
    for (_, mut f) in functions {
        if let Some(read) = catalog
            .routines
            .iter()
            .find(|r| r.name == f.name && (r.kind == "PROCEDURE") == f.procedure)
            .and_then(|r| super::managed::function(r, session_mode))
        {
            f.args = read.args;
            f.definition = read.definition;
            f.interface = read.interface;
        }
        target.functions.insert(f.key(), f);
    }
    for table in target.tables.values_mut() {
        for t in table.unmodeled.iter_mut() {
            if !crate::diff::routines::is_declared_trigger(t) {
                continue;
            }
            let name = t.trigger_name().unwrap_or_default().to_owned();
            if let Some(key) = catalog
                .triggers
                .iter()
                .find(|r| r.name == name)
                .and_then(super::managed::trigger_key)
            {
                *t = t.with_key(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_missing_relation_is_read_from_the_message() {
        assert_eq!(
            missing_relation("Table 'retort_shadow_1_ab.authors' doesn't exist").as_deref(),
            Some("authors")
        );
        assert_eq!(missing_relation("Unknown column 'x' in 'field list'"), None);
    }

    #[test]
    fn double_quoted_strings_are_found_unless_the_mode_says_so() {
        let t =
            "CREATE TRIGGER t BEFORE INSERT ON p FOR EACH ROW SET NEW.a = CONCAT(NEW.\"a\", \"!\")";
        assert_eq!(string_in_double_quotes(t).as_deref(), Some("!"));
        assert_eq!(
            string_in_double_quotes("SET NEW.a = '\"!\"' -- \"x y\"\n + `a\"b`"),
            None
        );
        let marked = crate::sql::under_mode("STRICT_TRANS_TABLES", t);
        assert_eq!(string_in_double_quotes(&marked), None);
        let ansi = crate::sql::under_mode("ANSI_QUOTES,STRICT_TRANS_TABLES", t);
        assert_eq!(string_in_double_quotes(&ansi).as_deref(), Some("!"));
    }
}
