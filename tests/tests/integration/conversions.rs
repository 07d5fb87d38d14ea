//! Conversions on type changes (`--using`, `--using-down`): the real CLI over the
//! `conversions::orders` models of `retort_cases`, on real SQLite files and a real PostgreSQL.
//! `orders.qty` goes from TEXT (`12 pcs`) to INTEGER through an expression that keeps the
//! digits, `orders.state` from a boolean to an enum; `orders.note` does not change type.

use std::path::PathBuf;

use crate::support::{on_both_backends, Backend, Models, Project, Run};

/// Runs the CLI over the `before` or `after` models.
fn run(p: &Project, side: &str, args: &[&str]) -> Run {
    Run::from(
        p.command(Models::Cases, args)
            .env("RETORT_CASE", format!("conversions::orders/{side}"))
            .output()
            .expect("retort_cases runs"),
    )
}

/// The `before` schema applied, with three orders.
fn orders(backend: Backend) -> Project {
    let p = Project::on(backend).expect("backend available");
    run(&p, "before", &["autogenerate", "-m", "orders"]).expect(0);
    run(&p, "before", &["upgrade"]).expect(0);
    p.execute(
        "INSERT INTO orders (id, qty, state, note) VALUES \
         (1, '12 pcs', TRUE, 'A'), (2, '7', FALSE, 'b'), (3, 'about 30', TRUE, 'c');",
    );
    p
}

/// Each backend's SQL for the conversions: (qty up, state up, state down).
fn expressions(backend: Backend) -> [&'static str; 3] {
    match backend {
        // A regular expression keeps the digits; the enum's label is cast to the new type.
        Backend::Postgres => [
            "orders.qty=CAST(substring(qty from '[0-9]+') AS integer)",
            "orders.state=(CASE WHEN state THEN 'open' ELSE 'closed' END)::order_state",
            "orders.state=state = 'open'",
        ],
        // SQLite has no regular expressions: the leading words go, CAST keeps the number.
        Backend::Sqlite => [
            "orders.qty=CAST(ltrim(qty, 'abcdefghijklmnopqrstuvwxyz ') AS INTEGER)",
            "orders.state=CASE WHEN state THEN 'open' ELSE 'closed' END",
            "orders.state=state = 'open'",
        ],
    }
}

/// PostgreSQL rewrites `orders` and the conversions can change values: the flags that accept
/// it (SQLite rebuilds the table whatever the flags, and loses nothing).
fn acceptances(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Postgres => &["--allow-destructive", "--allow-rewrite"],
        Backend::Sqlite => &[],
    }
}

fn rows(p: &Project) -> Vec<String> {
    p.strings(
        "SELECT CAST(id AS TEXT) || ':' || CAST(qty AS TEXT) || ':' || CAST(state AS TEXT) \
         || ':' || note AS v FROM orders ORDER BY id",
    )
}

fn revisions(p: &Project) -> Vec<PathBuf> {
    p.revision_dirs()
}

/// Text to integer through an expression, a boolean to an enum and back: the rows are
/// converted both ways, `check` is clean in between, and the revision applies again.
fn converts_rows_both_ways(backend: Backend) {
    let p = orders(backend);
    let [qty, state, state_down] = expressions(backend);
    let mut args = vec!["autogenerate", "-m", "convert"];
    args.extend(acceptances(backend));
    args.extend(["--using", qty, "--using", state, "--using-down", state_down]);
    let generated = run(&p, "after", &args).expect(0);
    let qty_expr = qty.split_once('=').unwrap().1;
    assert!(
        generated.stdout.contains(&format!(
            "Detected altered column 'orders.qty': type TEXT -> INTEGER (rows converted by `{qty_expr}`)"
        )),
        "{}",
        generated.stdout
    );
    let dir = revisions(&p).last().unwrap().clone();
    let up = std::fs::read_to_string(dir.join("up.sql")).unwrap();
    let down = std::fs::read_to_string(dir.join("down.sql")).unwrap();
    let state_down_expr = state_down.split_once('=').unwrap().1;
    match backend {
        Backend::Postgres => {
            assert!(
                up.contains(&format!(
                    "ALTER TABLE \"orders\" ALTER COLUMN \"qty\" TYPE INTEGER USING {qty_expr};"
                )),
                "{up}"
            );
            assert!(
                down.contains(&format!(
                    "ALTER TABLE \"orders\" ALTER COLUMN \"state\" TYPE BOOLEAN USING {state_down_expr};"
                )),
                "{down}"
            );
        }
        Backend::Sqlite => {
            assert!(up.contains(&format!("({qty_expr}) AS \"qty\"")), "{up}");
            assert!(
                down.contains(&format!("({state_down_expr}) AS \"state\"")),
                "{down}"
            );
        }
    }
    let before = p.schema();
    run(&p, "after", &["upgrade"]).expect(0);
    assert_eq!(rows(&p), ["1:12:open:A", "2:7:closed:b", "3:30:open:c"]);
    run(&p, "after", &["check"]).expect(0);
    run(&p, "after", &["downgrade", "-1", "--yes"]).expect(0);
    let back = match backend {
        Backend::Postgres => ["1:12:true:A", "2:7:false:b", "3:30:true:c"],
        Backend::Sqlite => ["1:12:1:A", "2:7:0:b", "3:30:1:c"],
    };
    assert_eq!(rows(&p), back);
    assert_eq!(p.schema(), before, "down.sql restores the schema");
    run(&p, "after", &["upgrade"]).expect(0);
    assert_eq!(rows(&p), ["1:12:open:A", "2:7:closed:b", "3:30:open:c"]);
}

/// `--using` naming a column whose type does not change, or in a form that is not
/// `TABLE.COLUMN=EXPR`, is an error, and nothing is written.
fn a_using_without_a_type_change_is_an_error(backend: Backend) {
    let p = orders(backend);
    let [qty, state, state_down] = expressions(backend);
    let mut args = vec!["autogenerate", "-m", "convert"];
    args.extend(acceptances(backend));
    args.extend(["--using", qty, "--using", state, "--using-down", state_down]);
    let refused = run(
        &p,
        "after",
        &[&args[..], &["--using", "orders.note=lower(note)"]].concat(),
    )
    .expect(2);
    assert_eq!(
        refused.stderr.trim_end(),
        "error: --using orders.note: this migration does not change the type of 'orders.note', \
         so there is nothing to convert; the columns whose type it changes are orders.qty, \
         orders.state"
    );
    let refused = run(
        &p,
        "after",
        &["autogenerate", "-m", "x", "--using-down", "orders.notes=1"],
    )
    .expect(2);
    assert!(
        refused.stderr.contains(
            "error: --using-down orders.notes: this migration does not change the type of \
             'orders.notes'"
        ),
        "{}",
        refused.stderr
    );
    let bad = run(
        &p,
        "after",
        &["autogenerate", "-m", "x", "--using", "qty=1"],
    )
    .expect(2);
    assert!(
        bad.stderr.contains(
            "--using qty=1: the column is not qualified by its table; expected --using \
             TABLE.COLUMN=SQL_EXPRESSION"
        ),
        "{}",
        bad.stderr
    );
    let plain = run(
        &p,
        "after",
        &["revision", "-m", "x", "--using", "orders.qty=1"],
    )
    .expect(2);
    assert!(
        plain.stderr.contains(
            "--allow-destructive, --backfill, --using, --using-down, --blocking and \
             --allow-rewrite apply to a generated revision: add --autogenerate"
        ),
        "{}",
        plain.stderr
    );
    assert_eq!(revisions(&p).len(), 1, "nothing written");
}

on_both_backends!(
    converts_rows_both_ways,
    a_using_without_a_type_change_is_an_error
);

/// PostgreSQL: a type change its casts do not make by themselves (TEXT to INTEGER, BOOLEAN to
/// an enum, and the enum back to BOOLEAN) is refused without `--using`/`--using-down`, naming
/// the column, the types and the flag; INTEGER back to TEXT is an assignment cast and needs
/// nothing. `--using` does not accept the rewrite: that still takes `--allow-rewrite`.
#[test]
fn postgres_refuses_a_type_change_without_a_conversion() {
    let Some(_) = crate::support::postgres_url() else {
        return;
    };
    let p = orders(Backend::Postgres);
    let refused = run(
        &p,
        "after",
        &[
            "autogenerate",
            "-m",
            "convert",
            "--allow-destructive",
            "--allow-rewrite",
        ],
    )
    .expect(2);
    let needs: Vec<&str> = refused
        .stderr
        .lines()
        .filter(|l| l.contains("does not convert by itself"))
        .map(str::trim)
        .collect();
    assert_eq!(
        needs,
        [
            "column 'orders.qty' changes type from TEXT (the type its rows hold now) to INTEGER, \
             which PostgreSQL does not convert by itself: pass --using \
             orders.qty=<SQL expression over qty giving INTEGER> (a plain cast to start from: \
             --using 'orders.qty=\"qty\"::INTEGER', which fails the upgrade on a row it does \
             not convert)",
            "column 'orders.state' changes type from BOOLEAN (the type its rows hold now) to \
             ENUM order_state, which PostgreSQL does not convert by itself: pass --using \
             orders.state=<SQL expression over state giving ENUM order_state> (a plain cast to \
             start from: --using 'orders.state=\"state\"::TEXT::\"order_state\"', which fails \
             the upgrade on a row it does not convert)",
            "down.sql changes column 'orders.state' back from ENUM order_state (the type its rows \
             hold after the upgrade) to BOOLEAN, which PostgreSQL does not convert by itself: \
             pass --using-down orders.state=<SQL expression over state giving BOOLEAN> (a plain \
             cast to start from: --using-down 'orders.state=\"state\"::TEXT::BOOLEAN', which \
             fails the downgrade on a row it does not convert)",
        ],
        "{}",
        refused.stderr
    );
    // Without --allow-rewrite either: the refused type changes are not written, so no
    // `blocking:` line quotes their statements (with a cast Retort does not write by itself).
    let refused = run(
        &p,
        "after",
        &["autogenerate", "-m", "convert", "--allow-destructive"],
    )
    .expect(2);
    assert!(
        refused.stderr.contains("pass --using orders.qty=")
            && !refused.stderr.contains("blocking:")
            && !refused.stderr.contains("USING \"qty\"")
            && !refused.stderr.contains("online alternative"),
        "{}",
        refused.stderr
    );
    // The suggested cast is a starting point the user accepts explicitly: given, it is written,
    // and the upgrade fails on the rows it does not convert (`12 pcs`), changing nothing.
    let [_, state, state_down] = expressions(Backend::Postgres);
    run(
        &p,
        "after",
        &[
            "autogenerate",
            "-m",
            "cast",
            "--allow-destructive",
            "--allow-rewrite",
            "--using",
            "orders.qty=\"qty\"::INTEGER",
            "--using",
            state,
            "--using-down",
            state_down,
        ],
    )
    .expect(0);
    let failed = run(&p, "after", &["upgrade"]).expect(2);
    assert!(
        failed
            .stderr
            .contains("invalid input syntax for type integer"),
        "{}",
        failed.stderr
    );
    assert_eq!(
        rows(&p),
        ["1:12 pcs:true:A", "2:7:false:b", "3:about 30:true:c"]
    );
    std::fs::remove_dir_all(revisions(&p).last().unwrap()).unwrap();
    // The up conversions alone: down.sql still needs its own.
    let [qty, state, _] = expressions(Backend::Postgres);
    let refused = run(
        &p,
        "after",
        &[
            "autogenerate",
            "-m",
            "convert",
            "--allow-destructive",
            "--allow-rewrite",
            "--using",
            qty,
            "--using",
            state,
        ],
    )
    .expect(2);
    assert!(
        refused.stderr.contains("pass --using-down orders.state=")
            && !refused.stderr.contains("pass --using orders."),
        "{}",
        refused.stderr
    );
    // Every conversion given, but not the rewrite.
    let [_, _, state_down] = expressions(Backend::Postgres);
    let blocked = run(
        &p,
        "after",
        &[
            "autogenerate",
            "-m",
            "convert",
            "--allow-destructive",
            "--using",
            qty,
            "--using",
            state,
            "--using-down",
            state_down,
        ],
    )
    .expect(2);
    assert!(
        blocked.stderr.contains(&format!(
            "blocking: altered column 'orders.qty': type TEXT -> INTEGER (rows converted by `{}`): \
             `ALTER TABLE \"orders\" ALTER COLUMN \"qty\" TYPE INTEGER USING {}` rewrites every \
             row of 'orders'",
            &qty[11..],
            &qty[11..]
        )),
        "{}",
        blocked.stderr
    );
    assert_eq!(revisions(&p).len(), 1, "nothing written");
}

/// SQLite converts any type change by the rebuild's copy, so nothing is refused; a value the
/// new column refuses (`1` is no label of the enum's check; `12 pcs` would then fail the
/// copy's INTEGER guard) fails the upgrade, which changes nothing.
#[test]
fn sqlite_copies_without_a_conversion_and_refuses_what_does_not_fit() {
    let p = orders(Backend::Sqlite);
    run(&p, "after", &["autogenerate", "-m", "plain copy"]).expect(0);
    let failed = run(&p, "after", &["upgrade"]).expect(2);
    assert!(
        failed.stderr.contains("CHECK constraint failed: state"),
        "{}",
        failed.stderr
    );
    assert_eq!(
        rows(&p),
        ["1:12 pcs:1:A", "2:7:0:b", "3:about 30:1:c"],
        "nothing changed"
    );
}

/// SQLite: TEXT to INTEGER without `--using` is written, with a warning on the terminal and in
/// up.sql that says how to convert the rows; the rebuild's guard then fails the upgrade on
/// `12 pcs` naming the column and the same fix, and changes nothing.
#[test]
fn sqlite_says_how_to_convert_what_the_rebuild_refuses() {
    let p = orders(Backend::Sqlite);
    // The enum's labels already (SQLite stores any value): only `qty` does not fit.
    p.execute("UPDATE orders SET state = CASE state WHEN 1 THEN 'open' ELSE 'closed' END;");
    let fix = "regenerate this revision with --using 'orders.qty=EXPR' (and --using-down \
               'orders.qty=EXPR' for down.sql), or clean them first";
    let generated = run(&p, "after", &["autogenerate", "-m", "plain copy"]).expect(0);
    assert!(generated.stderr.contains(fix), "{}", generated.stderr);
    let dir = revisions(&p).last().unwrap().clone();
    let up = std::fs::read_to_string(dir.join("up.sql")).unwrap();
    assert!(
        up.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains(fix),
        "{up}"
    );
    let failed = run(&p, "after", &["upgrade"]).expect(2);
    assert!(
        failed.stderr.contains(
            "CHECK constraint failed: orders.qty holds values that are not INTEGER: regenerate \
             the revision with --using orders.qty=EXPR converting them (and --using-down \
             orders.qty=EXPR for down.sql), or clean those rows first"
        ),
        "{}",
        failed.stderr
    );
    assert_eq!(
        rows(&p),
        ["1:12 pcs:open:A", "2:7:closed:b", "3:about 30:open:c"],
        "nothing changed"
    );
    // Cleaning the rows is the other fix: the same revision then applies.
    p.execute(
        "UPDATE orders SET qty = CAST(ltrim(qty, 'abcdefghijklmnopqrstuvwxyz ') AS INTEGER);",
    );
    run(&p, "after", &["upgrade"]).expect(0);
    assert_eq!(rows(&p), ["1:12:open:A", "2:7:closed:b", "3:30:open:c"]);
}

/// MariaDB: `MODIFY COLUMN` takes no expression, so each conversion stages the values in a new
/// column (`UPDATE ... SET = (expr)`) that then takes the old one's place (the TEXT column's
/// prefix index is dropped before, the INTEGER's index created after); the round trip converts
/// the rows both ways.
#[test]
fn mariadb_converts_through_a_staged_column_both_ways() {
    use crate::mariadb_support::MyProject;
    let Some(p) = MyProject::new() else {
        return;
    };
    let run = |side: &str, args: &[&str]| {
        Run::from(
            p.command(Models::Cases.exe(), args)
                .env("RETORT_CASE", format!("conversions::orders_mariadb/{side}"))
                .output()
                .expect("retort_cases runs"),
        )
    };
    run("before", &["autogenerate", "-m", "orders"]).expect(0);
    run("before", &["upgrade"]).expect(0);
    p.execute(
        "INSERT INTO orders (id, qty, state, note) VALUES \
         (1, '12 pcs', TRUE, 'A'), (2, '7', FALSE, 'b'), (3, 'about 30', TRUE, 'c');",
    );
    let rows = || -> Vec<String> {
        p.strings("SELECT CONCAT(id, ':', qty, ':', state, ':', note) AS v FROM orders ORDER BY id")
            .into_iter()
            .map(Option::unwrap)
            .collect()
    };
    let before = p.schema();
    run(
        "after",
        &[
            "autogenerate",
            "-m",
            "convert",
            "--allow-destructive",
            "--using",
            "orders.qty=CAST(REGEXP_SUBSTR(qty, '[0-9]+') AS INTEGER)",
            "--using",
            "orders.state=CASE WHEN state THEN 'open' ELSE 'closed' END",
            "--using-down",
            "orders.state=state = 'open'",
        ],
    )
    .expect(0);
    let dir = p.revision_dirs().last().unwrap().clone();
    let up = std::fs::read_to_string(dir.join("up.sql")).unwrap();
    assert!(
        up.contains(
            "ALTER TABLE `orders` ADD COLUMN `_retort_using` INT NULL AFTER `qty`;\n\
             UPDATE `orders` SET `_retort_using` = (CAST(REGEXP_SUBSTR(qty, '[0-9]+') AS INTEGER));\n\
             ALTER TABLE `orders` DROP COLUMN `qty`, CHANGE COLUMN `_retort_using` `qty` INT \
             NOT NULL;\n"
        ),
        "{up}"
    );
    run("after", &["upgrade"]).expect(0);
    assert_eq!(rows(), ["1:12:open:A", "2:7:closed:b", "3:30:open:c"]);
    run("after", &["check"]).expect(0);
    run("after", &["downgrade", "-1", "--yes"]).expect(0);
    assert_eq!(rows(), ["1:12:1:A", "2:7:0:b", "3:30:1:c"]);
    assert_eq!(p.schema(), before, "down.sql restores the schema");
    run("after", &["upgrade"]).expect(0);
    assert_eq!(rows(), ["1:12:open:A", "2:7:closed:b", "3:30:open:c"]);
}

/// The facts the refusal rests on, read from the server itself: PostgreSQL converts a column
/// without `USING` along its implicit and assignment casts (and to any string type), never
/// along an explicit-only cast (text to integer, integer to boolean); a type that does not
/// exist yet (an enum the migration creates) converts only to a string type.
#[test]
fn postgres_converts_by_itself_along_its_assignment_casts_only() {
    use retort::schema::{Column, SqlType};
    let Some(_) = crate::support::postgres_url() else {
        return;
    };
    let p = Project::on(Backend::Postgres).unwrap();
    let url: retort::db::DatabaseUrl = p.url.parse().unwrap();
    let mut conn = retort::db::Connection::open(&url, false).unwrap();
    let new_enum = || SqlType::Enum {
        name: "not_yet".into(),
        labels: vec![],
    };
    let cases = [
        (SqlType::Integer, SqlType::BigInt, true),
        (SqlType::BigInt, SqlType::SmallInt, true),
        (
            SqlType::Numeric {
                precision: Some(10),
                scale: Some(2),
            },
            SqlType::Integer,
            true,
        ),
        (SqlType::Double, SqlType::Real, true),
        (SqlType::Integer, SqlType::Text, true),
        (SqlType::Timestamp, SqlType::Date, true),
        (SqlType::TimestampTz, SqlType::Timestamp, true),
        (SqlType::Uuid, SqlType::Varchar(36), true),
        (SqlType::Json, SqlType::Jsonb, true),
        (SqlType::Text, SqlType::Varchar(10), true),
        (SqlType::Text, SqlType::Integer, false),
        (SqlType::Integer, SqlType::Boolean, false),
        (SqlType::Boolean, SqlType::Integer, false),
        (SqlType::Text, SqlType::Date, false),
        (SqlType::Text, SqlType::Uuid, false),
        (SqlType::Jsonb, SqlType::Integer, false),
        (SqlType::Boolean, new_enum(), false),
        (new_enum(), SqlType::Text, true),
        (new_enum(), SqlType::Boolean, false),
    ];
    let pairs: Vec<(Column, Column)> = cases
        .iter()
        .map(|(a, b, _)| {
            (
                Column::new("c", a.clone(), true),
                Column::new("c", b.clone(), true),
            )
        })
        .collect();
    let answers = conn.converts_implicitly(&pairs).unwrap();
    for ((from, to, expected), answer) in cases.iter().zip(answers) {
        assert_eq!(answer, *expected, "{from} -> {to}");
    }
    // Nothing stays behind: the probe's transaction is rolled back.
    assert!(p.schema().tables.is_empty());
}
