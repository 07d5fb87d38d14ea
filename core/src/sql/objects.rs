//! Which views, functions or triggers a statement creates or drops, read from its text: what
//! `retort squash` checks it can reproduce (`crate::squash`).

use super::create_table::{tokens, Tok};
use super::routine::{after_definer, qualified};

/// What a statement of [`ObjectStatement`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ObjectKind {
    /// A view or materialized view.
    View,
    /// A function or procedure.
    Function,
    /// A trigger.
    Trigger,
    /// A table (only `DROP TABLE`: it drops the table's triggers).
    Table,
}

impl ObjectKind {
    /// For messages: `view`, `function`, `trigger`, `table`.
    pub fn noun(self) -> &'static str {
        match self {
            ObjectKind::View => "view",
            ObjectKind::Function => "function",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Table => "table",
        }
    }
}

/// A `CREATE` or `DROP` of views, materialized views, functions, procedures or triggers, or a
/// `DROP TABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectStatement {
    /// What it creates or drops.
    pub kind: ObjectKind,
    /// `CREATE` (else `DROP`).
    pub create: bool,
    /// A `CREATE` without `OR REPLACE` or `IF NOT EXISTS`: had the object been there, it
    /// would have failed.
    pub fresh: bool,
    /// The objects it names, unquoted, `schema.name` when qualified (a `DROP` may name several;
    /// a function's argument list left out).
    pub names: Vec<String>,
    /// A trigger's table (`ON [schema.]table`), unquoted; `None` when not written (SQLite's
    /// `DROP TRIGGER`).
    pub table: Option<String>,
}

/// What `sql` creates or drops, when it is a statement of [`ObjectStatement`]; `None` for any
/// other statement (or one it cannot read).
pub fn object_statement(sql: &str) -> Option<ObjectStatement> {
    let toks = tokens(sql);
    let is = |i: usize, w: &str| toks.get(i).is_some_and(|t: &Tok<'_>| t.is(w));
    let create = match toks.first()? {
        t if t.is("CREATE") => true,
        t if t.is("DROP") => false,
        _ => return None,
    };
    let mut i = 1;
    let mut fresh = create;
    if create && is(1, "OR") && is(2, "REPLACE") {
        i = 3;
        fresh = false;
    }
    // MariaDB's clauses before the kind: `ALGORITHM = MERGE`, `DEFINER = user`, `SQL SECURITY
    // INVOKER`, in any order.
    loop {
        let next = after_definer(&toks, i);
        if next != i {
            i = next;
        } else if (is(i, "ALGORITHM") && toks.get(i + 1).is_some_and(|t| t.text == "="))
            || (is(i, "SQL") && is(i + 1, "SECURITY"))
        {
            i += 3; // ALGORITHM = x, SQL SECURITY x
        } else {
            break;
        }
    }
    while [
        "TEMP",
        "TEMPORARY",
        "MATERIALIZED",
        "RECURSIVE",
        "CONSTRAINT",
    ]
    .iter()
    .any(|w| is(i, w))
    {
        i += 1;
    }
    let kind = match toks.get(i)? {
        t if t.is("VIEW") => ObjectKind::View,
        t if t.is("FUNCTION") || t.is("PROCEDURE") => ObjectKind::Function,
        t if t.is("TRIGGER") => ObjectKind::Trigger,
        t if t.is("TABLE") && !create => ObjectKind::Table,
        _ => return None,
    };
    if kind == ObjectKind::Trigger && create {
        let header = super::trigger_header(sql)?;
        return Some(ObjectStatement {
            kind,
            create,
            fresh: fresh && !is(i + 1, "IF"),
            names: vec![header.name],
            table: Some(header.table),
        });
    }
    i += 1;
    if is(i, "IF") {
        fresh = false;
        i += if create { 3 } else { 2 }; // IF NOT EXISTS, IF EXISTS
    }
    let mut names = Vec::new();
    loop {
        let (schema, name, _, next) = qualified(&toks, i)?;
        names.push(match schema {
            Some(s) => format!("{s}.{name}"),
            None => name,
        });
        i = next;
        if kind == ObjectKind::Function && toks.get(i).is_some_and(|t| t.text == "(") {
            let mut depth = 0i32;
            while let Some(t) = toks.get(i) {
                depth += match t.text {
                    "(" => 1,
                    ")" => -1,
                    _ => 0,
                };
                i += 1;
                if depth == 0 {
                    break;
                }
            }
        }
        if create || toks.get(i).is_none_or(|t| t.text != ",") {
            break;
        }
        i += 1;
    }
    let table = match (kind, is(i, "ON")) {
        (ObjectKind::Trigger, true) => qualified(&toks, i + 1).map(|(s, t, ..)| match s {
            Some(s) => format!("{s}.{t}"),
            None => t,
        }),
        _ => None,
    };
    Some(ObjectStatement {
        kind,
        create,
        fresh,
        names,
        table,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(sql: &str) -> (ObjectKind, bool, bool, Vec<String>, Option<String>) {
        let s = object_statement(sql).unwrap_or_else(|| panic!("{sql}"));
        (s.kind, s.create, s.fresh, s.names, s.table)
    }

    #[test]
    fn statements_on_views_functions_and_triggers_name_their_objects() {
        use ObjectKind::*;
        let n = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            read("CREATE MATERIALIZED VIEW \"Totals\" AS SELECT 1"),
            (View, true, true, n(&["Totals"]), None)
        );
        assert_eq!(
            read("create or replace view public.v (a) as select 1 as a;"),
            (View, true, false, n(&["public.v"]), None)
        );
        assert_eq!(
            read("CREATE VIEW IF NOT EXISTS v AS SELECT 1"),
            (View, true, false, n(&["v"]), None)
        );
        assert_eq!(
            read("DROP MATERIALIZED VIEW IF EXISTS a, s.b CASCADE"),
            (View, false, false, n(&["a", "s.b"]), None)
        );
        assert_eq!(
            read("CREATE OR REPLACE FUNCTION touch() RETURNS trigger AS $$ BEGIN END $$ LANGUAGE plpgsql"),
            (Function, true, false, n(&["touch"]), None)
        );
        assert_eq!(
            read("DROP FUNCTION f(integer, text), g;"),
            (Function, false, false, n(&["f", "g"]), None)
        );
        assert_eq!(
            read("CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$"),
            (Function, true, true, n(&["p"]), None)
        );
        assert_eq!(
            read(
                "CREATE TRIGGER t BEFORE UPDATE ON \"items\" FOR EACH ROW EXECUTE FUNCTION touch()"
            ),
            (Trigger, true, true, n(&["t"]), Some("items".into()))
        );
        assert_eq!(
            read("CREATE TRIGGER IF NOT EXISTS t AFTER INSERT ON items BEGIN SELECT 1; END"),
            (Trigger, true, false, n(&["t"]), Some("items".into()))
        );
        assert_eq!(
            read("DROP TRIGGER IF EXISTS t ON public.items"),
            (
                Trigger,
                false,
                false,
                n(&["t"]),
                Some("public.items".into())
            )
        );
        assert_eq!(
            read("DROP TRIGGER t"),
            (Trigger, false, false, n(&["t"]), None)
        );
        assert_eq!(
            read("DROP TABLE a, \"B\""),
            (Table, false, false, n(&["a", "B"]), None)
        );
        // MariaDB's clauses before the kind.
        assert_eq!(
            read("CREATE DEFINER = CURRENT_USER PROCEDURE p(IN k INT) BEGIN END"),
            (Function, true, true, n(&["p"]), None)
        );
        assert_eq!(
            read("CREATE OR REPLACE ALGORITHM = MERGE DEFINER = `u`@`%` SQL SECURITY INVOKER VIEW v AS SELECT 1"),
            (View, true, false, n(&["v"]), None)
        );
        assert_eq!(
            read("CREATE DEFINER='u'@'localhost' TRIGGER t BEFORE INSERT ON items FOR EACH ROW SET @x = 1"),
            (Trigger, true, true, n(&["t"]), Some("items".into()))
        );
        assert_eq!(
            read("CREATE DEFINER = CURRENT_USER() FUNCTION f() RETURNS INT RETURN 1"),
            (Function, true, true, n(&["f"]), None)
        );
        for other in [
            "CREATE TABLE t (id INT)",
            "CREATE INDEX i ON t (a)",
            "ALTER VIEW v RENAME TO w",
            "COMMENT ON VIEW v IS 'x'",
        ] {
            assert_eq!(object_statement(other), None, "{other}");
        }
    }
}
