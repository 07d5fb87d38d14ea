//! What in a revision a squash cannot stand for, judged statement by statement before
//! anything is replayed ([`unreproducible`]).

use crate::script::Revision;

const UNOWNED: &str = "a statement on an object Retort does not own";
const NOT_MANAGED: &str =
    "a statement on a view, function or trigger, which Retort does not manage on this backend";

/// What in a revision a squash cannot stand for: the first statement of its up.sql, then of
/// its down.sql, that the schema diff cannot reproduce (a squash's SQL is computed from the
/// schemas, so anything else the range does would be lost): data statements (`INSERT`,
/// `UPDATE`, `DELETE`...) and objects Retort does not own (rules, policies, domains,
/// grants...), and Rust data steps (`-- retort: step NAME`, [`crate::data`]). Retort's own
/// copies while SQLite rebuilds a table (`INSERT INTO "_retort_..."`,
/// `sqlite_sequence`) are schema, not data. `(file, line, statement, what)`.
///
/// `CREATE` and `DROP` of views, materialized views, functions, procedures and triggers pass
/// when `objects` (the backend manages them, [`crate::dialect::Dialect::manages_objects`]):
/// [`super::squash`] reproduces those from the schemas it reads, and refuses after the replay a
/// statement on one it does not read (a trigger on a view, an object of another schema).
///
/// This is where [`super::squash`] judges what a revision does, before anything is replayed.
pub fn unreproducible(
    rev: &Revision,
    objects: bool,
) -> Option<(&'static str, usize, String, &'static str)> {
    unreproducible_but_steps(rev, false, objects)
}

/// [`unreproducible`], passing over Rust data steps when `elide_steps` (`squash
/// --elide-data-steps`: a new database has no rows for them to convert).
pub(super) fn unreproducible_but_steps(
    rev: &Revision,
    elide_steps: bool,
    objects: bool,
) -> Option<(&'static str, usize, String, &'static str)> {
    let up =
        unreproducible_sql(&rev.up_sql, elide_steps, objects).map(|(l, s, w)| ("up.sql", l, s, w));
    up.or_else(|| {
        unreproducible_sql(&rev.down_sql, elide_steps, objects)
            .map(|(l, s, w)| ("down.sql", l, s, w))
    })
}

fn unreproducible_sql(
    sql: &str,
    elide_steps: bool,
    objects: bool,
) -> Option<(usize, String, &'static str)> {
    for statement in crate::sql::statements(sql) {
        if statement.step().is_some() {
            if elide_steps {
                continue;
            }
            return Some((
                statement.line,
                statement.summary(80),
                "a Rust data step (a squash can leave it out: --elide-data-steps)",
            ));
        }
        let words: Vec<String> = statement
            .text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .take(6)
            .map(str::to_ascii_uppercase)
            .collect();
        let w = |i: usize| words.get(i).map_or("", String::as_str);
        let what = match w(0) {
            // Retort's own rebuild of a SQLite table: its copy and its guards.
            "INSERT"
                if w(1) == "INTO"
                    && (w(2).starts_with("_RETORT_") || w(2) == "SQLITE_SEQUENCE") =>
            {
                None
            }
            "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "COPY" | "TRUNCATE" | "REPLACE" | "CALL"
            | "DO" | "SELECT" | "WITH" | "VALUES" => Some("a data statement"),
            "GRANT" | "REVOKE" | "SECURITY" => Some(UNOWNED),
            // A view has no comment in the schema Retort reads.
            "COMMENT" if w(1) == "ON" && (w(2) == "VIEW" || w(3) == "VIEW") => {
                Some("a comment on a view (Retort does not read one)")
            }
            "ALTER" if !["TABLE", "INDEX", "TYPE", "SEQUENCE"].contains(&w(1)) => Some(UNOWNED),
            "ALTER" if converts_with_an_expression(statement.text) => {
                Some("a conversion expression (`--using`)")
            }
            "CREATE" | "DROP" => {
                let mut i = 1;
                while [
                    "OR",
                    "REPLACE",
                    "TEMP",
                    "TEMPORARY",
                    "MATERIALIZED",
                    "RECURSIVE",
                    "CONSTRAINT",
                ]
                .contains(&w(i))
                {
                    i += 1;
                }
                match w(i) {
                    "VIEW" | "FUNCTION" | "PROCEDURE" | "TRIGGER" if objects => None,
                    "VIEW" | "FUNCTION" | "PROCEDURE" | "TRIGGER" => Some(NOT_MANAGED),
                    "RULE" | "POLICY" | "AGGREGATE" | "OPERATOR" | "ROLE" | "USER"
                    | "PUBLICATION" | "SUBSCRIPTION" | "EVENT" | "DOMAIN" | "EXTENSION"
                    | "SCHEMA" | "COLLATION" | "CAST" => Some(UNOWNED),
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(what) = what {
            return Some((statement.line, statement.summary(80), what));
        }
    }
    None
}

/// Whether an `ALTER TABLE` converts a column's rows with an expression of its own
/// (`--using`): `TYPE ... USING` other than the cast autogenerate writes itself
/// (`USING "col"::type`, also through `::text`).
fn converts_with_an_expression(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    let Some(at) = upper.find(" USING ").filter(|_| upper.contains(" TYPE ")) else {
        return false;
    };
    let expr = sql[at + " USING ".len()..].trim_start();
    let own_cast = expr
        .strip_prefix('"')
        .and_then(|rest| rest.split_once('"'))
        .is_some_and(|(_, after)| after.starts_with("::"));
    !own_cast
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::ScriptDirectory;

    fn rev(up: &str, down: &str) -> Revision {
        let dir = "2026-01-01-000000-0a1b2c3d4e5f_x";
        let sources = vec![crate::script::RevisionSource::new(
            dir,
            "revision = \"0a1b2c3d4e5f\"\ncreated = \"x\"\n",
            up,
            down,
        )];
        let scripts = ScriptDirectory::from_sources("m", sources).unwrap();
        scripts.revision("0a1b2c3d4e5f").unwrap().clone()
    }

    #[test]
    fn data_statements_and_unowned_objects_are_found_with_their_line() {
        assert_eq!(
            unreproducible(
                &rev("CREATE TABLE t (id INT);\nALTER TABLE t ADD x INT;\n", ""),
                true
            ),
            None
        );
        let (file, line, text, what) = unreproducible(
            &rev("CREATE TABLE t (id INT);\n\ninsert into t values (1);", ""),
            true,
        )
        .unwrap();
        assert_eq!(
            (file, line, text.as_str(), what),
            ("up.sql", 3, "insert into t values (1);", "a data statement")
        );
        // Views, functions and triggers: reproduced from the schemas where the backend manages
        // them (what the squash does not read is refused after the replay), refused elsewhere.
        for object in [
            "CREATE OR REPLACE VIEW v AS SELECT 1;",
            "CREATE OR REPLACE MATERIALIZED VIEW v AS SELECT 1;",
            "DROP FUNCTION f(integer);",
            "CREATE CONSTRAINT TRIGGER t AFTER INSERT ON x FOR EACH ROW EXECUTE FUNCTION f();",
        ] {
            assert!(unreproducible(&rev(object, ""), true).is_none(), "{object}");
            let (_, _, _, what) = unreproducible(&rev(object, ""), false).unwrap();
            assert_eq!(what, NOT_MANAGED);
        }
        let (_, _, _, what) =
            unreproducible(&rev("CREATE POLICY p ON t USING (true);", ""), true).unwrap();
        assert_eq!(what, "a statement on an object Retort does not own");
        assert!(unreproducible(&rev("COMMENT ON MATERIALIZED VIEW v IS 'x';", ""), true).is_some());
        assert!(unreproducible(&rev("COMMENT ON FUNCTION f() IS 'x';", ""), true).is_none());
        assert!(
            unreproducible(&rev("CREATE RECURSIVE VIEW v (n) AS SELECT 1;", ""), false).is_some()
        );
        assert!(unreproducible(
            &rev("-- DELETE FROM t;\nCREATE INDEX i ON t (id);", ""),
            true
        )
        .is_none());
        assert!(
            unreproducible(&rev("WITH x AS (SELECT 1) UPDATE t SET id = 2;", ""), true).is_some()
        );
        assert!(unreproducible(&rev("ALTER FUNCTION f() OWNER TO x;", ""), true).is_some());
        // A `--using` conversion is the user's: the diff would write its own cast instead.
        let (_, _, _, what) = unreproducible(
            &rev(
                "ALTER TABLE \"o\" ALTER COLUMN \"q\" TYPE INTEGER USING CAST(q AS integer);",
                "",
            ),
            true,
        )
        .unwrap();
        assert_eq!(what, "a conversion expression (`--using`)");
        for own in [
            "ALTER TABLE \"o\" ALTER COLUMN \"q\" TYPE INTEGER USING \"q\"::INTEGER;",
            "ALTER TABLE \"p\" ALTER COLUMN \"m\" TYPE \"mood\" USING \"m\"::text::\"mood\";",
            "ALTER TABLE \"u\" ADD CONSTRAINT \"uq\" UNIQUE USING INDEX \"uq\";",
        ] {
            assert!(unreproducible(&rev(own, ""), true).is_none(), "{own}");
        }
        // A Rust data step.
        let (_, _, text, what) = unreproducible(
            &rev("CREATE TABLE t (id INT);\n-- retort: step fill\n", ""),
            true,
        )
        .unwrap();
        assert_eq!(text, "-- retort: step fill");
        assert!(what.starts_with("a Rust data step"), "{what}");
        let elided = rev("CREATE TABLE t (id INT);\n-- retort: step fill\n", "");
        assert!(unreproducible_but_steps(&elided, true, true).is_none());
        // down.sql too: a squash's down.sql is computed as well.
        let (file, line, ..) = unreproducible(
            &rev("ALTER TABLE t ADD x INT;", "UPDATE t SET x = 1;"),
            true,
        )
        .unwrap();
        assert_eq!((file, line), ("down.sql", 1));
        // A SQLite rebuild's copy and guard are schema.
        assert!(unreproducible(
            &rev(
                "INSERT INTO \"_retort_new_t\" (\"id\") SELECT \"id\" FROM \"t\";\n\
             INSERT INTO sqlite_sequence (name, seq) SELECT 'x', seq FROM sqlite_sequence;",
                ""
            ),
            true
        )
        .is_none());
        assert!(unreproducible(&rev("INSERT INTO retort_stuff VALUES (1);", ""), true).is_some());
    }
}
