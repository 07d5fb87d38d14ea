//! MariaDB's views, triggers, functions and procedures as the schema model holds them, from the
//! rows of [`objects::read`] (three queries whatever their number): the database's own, read by
//! introspection, and the models' declarations once the server has created them in a scratch
//! database ([`super::declared`]). Both sides go through the same functions here, so they
//! compare alike.
//!
//! - A view's query is the server's `VIEW_DEFINITION` without the database's name
//!   ([`objects::view_parts`]), compared as tokens ([`crate::sql::comparable`]); its non-default
//!   `ALGORITHM` and `SQL SECURITY` are [`View::options`], kept and not compared.
//! - A routine's statement is rebuilt from `ROUTINES` and `PARAMETERS` (parameter and result
//!   types as the server spells them, its characteristics, its body as written), compared as
//!   tokens. MariaDB has one function and one procedure per name: a function is keyed
//!   `name()`, a procedure `name(procedure)` (no argument types), and `CREATE OR REPLACE`
//!   changes anything of either in place.
//! - A trigger is its table's [`Kept`] definition, `CREATE TRIGGER name timing event ON table
//!   FOR EACH ROW body`, compared as tokens.
//! - A trigger or routine created under another `sql_mode` than the session's is marked to be
//!   created again under its own ([`crate::sql::under_mode`]); the mark is not compared.
//! - What each view and trigger reads is a [`Dependent`] of those tables and columns (MariaDB
//!   keeps no dependency catalog): a view's columns are qualified by the server, a trigger's
//!   body is read for the names it mentions (`NEW.x` and `OLD.x` for its own table).

use std::collections::BTreeMap;

use super::objects::{self, Catalog, RoutineRow, TriggerRow, ViewRow};
use crate::schema::Kept;
use crate::schema::{Dependent, Function, KeptKind, Schema, View};

/// The view of `row` (of database `db`, whose name its definition loses); `None` for a
/// sequence, or a view the user may not read.
pub(super) fn view(row: &ViewRow) -> Option<View> {
    if row.kind != "VIEW" {
        return None;
    }
    let (options, query) = objects::view_parts(row)?;
    let definition = crate::sql::comparable(&query);
    let mut view = View::new(&row.name, &query, definition, false);
    view.options = options;
    Some(view)
}

/// The function or procedure of `row`, under `session_mode`; `None` for one whose body the
/// user may not read.
pub(super) fn function(row: &RoutineRow, session_mode: &str) -> Option<Function> {
    let statement = objects::routine_statement(row)?;
    Some(Function {
        name: row.name.clone(),
        // MariaDB keeps functions and procedures apart: a procedure is `name(procedure)`.
        args: if row.kind == "PROCEDURE" {
            "procedure".to_owned()
        } else {
            String::new()
        },
        procedure: row.kind == "PROCEDURE",
        definition: format!(
            "{}{}",
            crate::sql::routine_comparable(&statement),
            quoting(&row.mode)
        ),
        sql: marked(&statement, &row.mode, session_mode),
        // Any change is made in place (`CREATE OR REPLACE`).
        interface: row.kind.to_ascii_lowercase(),
        comment: None,
        used_by: Vec::new(),
    })
}

/// The trigger of `row` as its table's definition.
pub(super) fn trigger(row: &TriggerRow, session_mode: &str) -> Option<Kept> {
    let statement = objects::trigger_statement(row)?;
    Some(Kept::from_parts(
        KeptKind::Trigger {
            name: row.name.clone(),
            declared: false,
        },
        marked(&statement, &row.mode, session_mode),
        trigger_key(row)?,
    ))
}

/// What a trigger compares by.
pub(super) fn trigger_key(row: &TriggerRow) -> Option<String> {
    objects::trigger_statement(row).map(|s| {
        format!(
            "{}{}",
            crate::sql::routine_comparable(&s),
            quoting(&row.mode)
        )
    })
}

/// What of a body's `sql_mode` is compared: whether `"x"` is a string in it (no
/// `ANSI_QUOTES`), which changes what the same text does. The other flags are not compared.
fn quoting(mode: &str) -> &'static str {
    if mode
        .split(',')
        .any(|f| f.eq_ignore_ascii_case("ANSI_QUOTES") || f.eq_ignore_ascii_case("ANSI"))
    {
        ""
    } else {
        " (\"x\" is a string)"
    }
}

/// `statement`, marked to run under `mode` when that is not the session's.
fn marked(statement: &str, mode: &str, session_mode: &str) -> String {
    if same_mode(mode, session_mode) {
        statement.to_owned()
    } else {
        crate::sql::under_mode(mode, statement)
    }
}

/// Whether two `sql_mode`s have the same flags.
fn same_mode(a: &str, b: &str) -> bool {
    let flags = |m: &str| {
        let mut f: Vec<String> = m
            .split(',')
            .filter(|f| !f.is_empty())
            .map(str::to_ascii_uppercase)
            .collect();
        f.sort();
        f
    };
    flags(a) == flags(b)
}

/// Puts the database's views, routines and triggers of `catalog` into `schema` (read by
/// introspection, under `session_mode`), with what they read as its dependents.
pub(super) fn apply(catalog: &Catalog, session_mode: &str, schema: &mut Schema) {
    for row in &catalog.routines {
        if let Some(f) = function(row, session_mode) {
            schema.functions.insert(f.key(), f);
        }
    }
    let names: Vec<&str> = catalog
        .views
        .iter()
        .filter(|v| v.kind == "VIEW")
        .map(|v| v.name.as_str())
        .collect();
    for row in &catalog.views {
        let Some(mut v) = view(row) else { continue };
        let (relations, _) = objects::references(row.definition.as_deref().unwrap_or(""), &row.db);
        v.needs = relations
            .iter()
            .filter(|r| names.contains(&r.as_str()) && **r != v.name)
            .cloned()
            .collect();
        let dependents = readers(schema, &v.sql, "view", &v.name, None);
        schema.dependents.extend(dependents);
        schema.views.insert(v.name.clone(), v);
    }
    let mut on: BTreeMap<&str, Vec<Kept>> = BTreeMap::new();
    for row in &catalog.triggers {
        let Some(kept) = trigger(row, session_mode) else {
            continue;
        };
        let name = format!("{} on {}", row.name, row.tbl);
        let body = row.body.as_deref().unwrap_or_default();
        let dependents = readers(schema, body, "trigger", &name, Some(&row.tbl));
        schema.dependents.extend(dependents);
        on.entry(row.tbl.as_str()).or_default().push(kept);
    }
    for (table, triggers) in on {
        if let Some(t) = schema.tables.get_mut(table) {
            t.unmodeled.extend(triggers);
        }
    }
    schema.dependents.sort();
    schema.dependents.dedup();
    schema.ordered_triggers = true;
}

/// The dependents that the object `name` (a `kind`) reading `sql` makes of `schema`'s tables and
/// columns it mentions; for a trigger on `own` table, that table's columns it reads as `NEW.x`
/// or `OLD.x` (the table itself it goes with).
fn readers(
    schema: &Schema,
    sql: &str,
    kind: &str,
    name: &str,
    own: Option<&str>,
) -> Vec<Dependent> {
    let dependent = |table: &str, column: Option<&str>| Dependent {
        table: table.to_owned(),
        column: column.map(str::to_owned),
        kind: kind.to_owned(),
        name: name.to_owned(),
        blocks_type_change: false,
    };
    let mut out = Vec::new();
    for t in schema.tables.values() {
        if own == Some(t.name.as_str()) {
            for c in &t.columns {
                let row = |r: &str| crate::sql::mentions(sql, r) && row_mentions(sql, r, &c.name);
                if row("NEW") || row("OLD") {
                    out.push(dependent(&t.name, Some(&c.name)));
                }
            }
            continue;
        }
        if !crate::sql::mentions(sql, &t.name) {
            continue;
        }
        out.push(dependent(&t.name, None));
        for c in t
            .columns
            .iter()
            .filter(|c| crate::sql::mentions(sql, &c.name))
        {
            out.push(dependent(&t.name, Some(&c.name)));
        }
    }
    out
}

/// Whether `sql` reads `row.column` (`NEW.x`, `` new.`x` ``), outside strings and comments.
fn row_mentions(sql: &str, row: &str, column: &str) -> bool {
    let words = crate::sql::words(sql);
    words
        .windows(3)
        .any(|w| w[0].eq_ignore_ascii_case(row) && w[1] == "." && w[2].eq_ignore_ascii_case(column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_compare_by_their_flags() {
        assert!(same_mode(
            "ANSI_QUOTES,STRICT_TRANS_TABLES",
            "strict_trans_tables,ANSI_QUOTES"
        ));
        assert!(!same_mode(
            "STRICT_TRANS_TABLES",
            "ANSI_QUOTES,STRICT_TRANS_TABLES"
        ));
    }

    #[test]
    fn triggers_read_their_own_row_by_column() {
        assert!(row_mentions("SET NEW.`n` = OLD.n + 1", "NEW", "n"));
        assert!(row_mentions("SET NEW.`n` = OLD.n + 1", "OLD", "n"));
        assert!(!row_mentions("SET NEW.m = 'OLD.n'", "OLD", "n"));
    }
}
