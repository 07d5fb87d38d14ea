//! The data-safety contract of `autogenerate` and `revision --autogenerate`, through the real
//! CLI on both backends: a plan that loses data is refused (exit 2, each operation listed,
//! nothing written) without `--allow-destructive`; a column that becomes NOT NULL with nothing
//! to fill its rows is refused without `--backfill`; with the flags, up.sql carries every
//! warning and destructive operation as a comment and down.sql says what it cannot restore.

use crate::support::{on_both_backends, Backend, Models, Project, V2_SAFETY};

on_both_backends!(
    destructive_plans_are_refused_listing_each_operation_and_write_nothing,
    the_files_say_what_the_terminal_said,
    an_added_not_null_column_needs_a_default_an_option_or_a_backfill,
    revision_autogenerate_obeys_the_same_contract,
    a_column_made_not_null_takes_its_model_default,
);

fn at_v1(backend: Backend) -> Project {
    let p = Project::on(backend).expect("backend available");
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    p.run(Models::V1, &["upgrade"]).expect(0);
    p
}

fn read(p: &Project, n: usize, file: &str) -> String {
    std::fs::read_to_string(p.revision_dirs()[n].join(file)).unwrap()
}

fn destructive_plans_are_refused_listing_each_operation_and_write_nothing(backend: Backend) {
    let p = at_v1(backend);
    let run = p.run(Models::V2, &["autogenerate", "-m", "two"]).expect(2);
    for line in [
        "error: the migration was not written, nothing changed:",
        "  destructive: drops column 'accounts.legacy' and its values",
        "  destructive: drops table 'obsoletes' and all its rows",
        "  review the destructive operations above, then pass --allow-destructive to write them",
        "  column 'accounts.name' becomes NOT NULL, so its NULL rows need a value",
    ] {
        assert!(run.stderr.contains(line), "{line}\n{}", run.stderr);
    }
    // The plan was listed, and nothing was written.
    assert!(
        run.stdout.contains("Detected removed table 'obsoletes'"),
        "{}",
        run.stdout
    );
    assert_eq!(p.revision_dirs().len(), 1);
    // The backfill alone is not enough; the flag alone is not either.
    let run = p
        .run(
            Models::V2,
            &[
                "autogenerate",
                "-m",
                "two",
                "--backfill",
                "accounts.name=''",
            ],
        )
        .expect(2);
    assert!(
        run.stderr.contains("destructive: drops table 'obsoletes'"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("becomes NOT NULL, so"),
        "{}",
        run.stderr
    );
    let run = p
        .run(
            Models::V2,
            &["autogenerate", "-m", "two", "--allow-destructive"],
        )
        .expect(2);
    assert!(!run.stderr.contains("destructive:"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("pass --backfill accounts.name=<SQL expression>"),
        "{}",
        run.stderr
    );
    assert_eq!(p.revision_dirs().len(), 1);
    // `check` only reports: no flag needed, exit 1 listing the operations.
    let run = p.run(Models::V2, &["check"]).expect(1);
    assert!(
        run.stdout.contains("removed column 'accounts.legacy'"),
        "{}",
        run.stdout
    );
    // With both, the migration is written and runs.
    p.run(
        Models::V2,
        &[&["autogenerate", "-m", "two"][..], &V2_SAFETY].concat(),
    )
    .expect(0);
    assert_eq!(p.revision_dirs().len(), 2);
    p.run(Models::V2, &["upgrade"]).expect(0);
    p.run(Models::V2, &["check"]).expect(0);
}

fn the_files_say_what_the_terminal_said(backend: Backend) {
    let p = at_v1(backend);
    let run = p
        .run(
            Models::V2,
            &[&["autogenerate", "-m", "two"][..], &V2_SAFETY].concat(),
        )
        .expect(0);
    let up = read(&p, 1, "up.sql");
    let down = read(&p, 1, "down.sql");
    // Every warning printed is a comment of up.sql.
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("warning: "))
        .collect();
    assert!(warnings.len() >= 3, "{}", run.stderr);
    for w in &warnings {
        assert!(up.contains(&format!("-- warning: {w}\n")), "{w}\n{up}");
    }
    // Each destructive operation is marked under its own `-- <op>` line.
    assert!(
        up.contains(
            "-- removed column 'accounts.legacy'\n\
             -- warning: dropping column 'accounts.legacy' deletes its data; the downgrade re-creates the column without it\n\
             -- destructive: drops column 'accounts.legacy' and its values\n"
        ),
        "{up}"
    );
    assert!(
        up.contains("-- removed table 'obsoletes'\n-- warning: dropping table 'obsoletes'"),
        "{up}"
    );
    assert!(
        up.contains("-- destructive: drops table 'obsoletes' and all its rows\nDROP TABLE"),
        "{up}"
    );
    assert_eq!(up.matches("-- destructive:").count(), 2, "{up}");
    // down.sql says what it cannot bring back, under the op that re-creates it.
    assert!(
        down.contains(
            "-- added column 'accounts.legacy' (TEXT NULL)\n\
             -- cannot restore: values of dropped column accounts.legacy (the downgrade re-creates the column; its rows hold NULL)\n"
        ),
        "{down}"
    );
    assert!(
        down.contains("-- cannot restore: rows of dropped table obsoletes (the downgrade re-creates it empty)\n"),
        "{down}"
    );
    // The NULLs --backfill filled in accounts.name cannot come back either.
    assert!(
        down.contains(
            "-- cannot restore: the NULLs of accounts.name that --backfill replaced with ''"
        ),
        "{down}"
    );
    // Same inputs, same files.
    let q = at_v1(backend);
    q.run(
        Models::V2,
        &[&["autogenerate", "-m", "two"][..], &V2_SAFETY].concat(),
    )
    .expect(0);
    assert_eq!(read(&q, 1, "up.sql"), up);
    assert_eq!(read(&q, 1, "down.sql"), down);
    // The comments change nothing when the files run.
    let before = p.schema();
    p.run(Models::V2, &["upgrade"]).expect(0);
    p.run(Models::V2, &["check"]).expect(0);
    p.run(Models::V1, &["downgrade", "-1"]).expect(0);
    assert_eq!(p.schema(), before);
}

fn an_added_not_null_column_needs_a_default_an_option_or_a_backfill(backend: Backend) {
    let p = at_v1(backend);
    // The database lacks accounts.age (INTEGER NOT NULL, no default) and has rows.
    p.execute("ALTER TABLE accounts DROP COLUMN age");
    p.execute("INSERT INTO accounts (id, email, score) VALUES (1, 'a@example.com', 3), (2, 'b@example.com', 4)");
    let before = p.schema();
    let run = p.run(Models::V1, &["autogenerate", "-m", "age"]).expect(2);
    assert!(
        run.stderr.contains(
            "column 'accounts.age' is added NOT NULL without a default, so its existing rows have no value: \
             add #[model(default = \"...\")], make it Option<_>, or pass --backfill accounts.age=<SQL expression>"
        ),
        "{}",
        run.stderr
    );
    // A backfill that matches nothing, or that is not TABLE.COLUMN=EXPR, is an error.
    let run = p
        .run(
            Models::V1,
            &["autogenerate", "-m", "age", "--backfill", "accounts.agee=0"],
        )
        .expect(2);
    assert!(
        run.stderr.contains(
            "--backfill accounts.agee=0 matches nothing in this migration: the columns that need one are accounts.age"
        ),
        "{}",
        run.stderr
    );
    let run = p
        .run(
            Models::V1,
            &["autogenerate", "-m", "age", "--backfill", "accounts.age"],
        )
        .expect(2);
    assert!(
        run.stderr.contains("--backfill accounts.age: there is no `=`; expected --backfill TABLE.COLUMN=SQL_EXPRESSION"),
        "{}",
        run.stderr
    );
    let run = p
        .run(
            Models::V1,
            &[
                "autogenerate",
                "-m",
                "age",
                "--backfill",
                "accounts.age=1",
                "--backfill",
                "accounts.age=2",
            ],
        )
        .expect(2);
    assert!(
        run.stderr
            .contains("--backfill is given twice for accounts.age"),
        "{}",
        run.stderr
    );
    assert_eq!(p.revision_dirs().len(), 1, "nothing written");
    // With a backfill: add nullable, fill, set NOT NULL (SQLite: within the rebuild).
    p.run(
        Models::V1,
        &[
            "autogenerate",
            "-m",
            "age",
            "--backfill",
            "accounts.age=score * 10",
        ],
    )
    .expect(0);
    let up = read(&p, 1, "up.sql");
    let add = up
        .find("-- added column 'accounts.age' (INTEGER NULL)\n")
        .unwrap_or_else(|| panic!("{up}"));
    let fill = up
        .find(match backend {
            Backend::Sqlite => "-- backfill of 'accounts.age': its NULLs set to `score * 10` (--backfill)\nUPDATE \"accounts\" SET \"age\" = score * 10 WHERE \"age\" IS NULL;\n",
            // PostgreSQL's online form: in batches of 10,000 rows by key ranges, each committed.
            Backend::Postgres => "-- backfill of 'accounts.age': its NULLs set to `score * 10` (--backfill)\nDO $retort$\n",
        })
        .filter(|_| {
            backend == Backend::Sqlite
                || up.contains(
                    "UPDATE \"accounts\" SET \"age\" = score * 10 WHERE \"id\" >= lo AND \"id\" < lo + 10000 AND \"age\" IS NULL;",
                )
        })
        .unwrap_or_else(|| panic!("{up}"));
    let set = up
        .find("-- altered column 'accounts.age': now NOT NULL\n")
        .unwrap_or_else(|| panic!("{up}"));
    assert!(add < fill && fill < set, "{up}");
    // The filled column is dropped again by the downgrade: nothing to say it cannot restore.
    let down = read(&p, 1, "down.sql");
    assert!(!down.contains("cannot restore"), "{down}");
    p.run(Models::V1, &["upgrade"]).expect(0);
    p.run(Models::V1, &["check"]).expect(0);
    assert_eq!(
        p.strings("SELECT CAST(age AS TEXT) AS v FROM accounts ORDER BY id"),
        ["30", "40"]
    );
    p.run(Models::V1, &["downgrade", "-1"]).expect(0);
    assert_eq!(p.schema(), before);
}

fn revision_autogenerate_obeys_the_same_contract(backend: Backend) {
    let p = at_v1(backend);
    let run = p
        .run(Models::V2, &["revision", "--autogenerate", "-m", "two"])
        .expect(2);
    assert!(
        run.stderr
            .contains("destructive: drops column 'accounts.legacy'"),
        "{}",
        run.stderr
    );
    assert_eq!(p.revision_dirs().len(), 1);
    let run = p
        .run(
            Models::V2,
            &["revision", "-m", "by hand", "--allow-destructive"],
        )
        .expect(2);
    assert!(run.stderr.contains("add --autogenerate"), "{}", run.stderr);
    assert_eq!(p.revision_dirs().len(), 1);
    p.run(
        Models::V2,
        &[&["revision", "--autogenerate", "-m", "two"][..], &V2_SAFETY].concat(),
    )
    .expect(0);
    assert!(read(&p, 1, "up.sql").contains("-- destructive: drops table 'obsoletes'"));
}

/// PostgreSQL converts a `NUMERIC` to an `INTEGER` by rounding: a loss the downgrade cannot
/// undo, so it is destructive there (SQLite's rebuild keeps each value or refuses the row).
#[test]
fn a_lossy_type_change_is_destructive_on_postgres() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    p.run(Models::V1, &["upgrade"]).expect(0);
    p.execute("ALTER TABLE accounts ALTER COLUMN score TYPE NUMERIC(10,2)");
    p.execute("INSERT INTO accounts (id, email, age, score) VALUES (1, 'a@example.com', 1, 12.6)");
    let run = p
        .run(Models::V1, &["autogenerate", "-m", "score"])
        .expect(2);
    assert!(
        run.stderr.contains(
            "destructive: changes the type of 'accounts.score' from NUMERIC(10,2) to INTEGER: on PostgreSQL, values are converted with a cast"
        ),
        "{}",
        run.stderr
    );
    p.run(
        Models::V1,
        &[
            "autogenerate",
            "-m",
            "score",
            "--allow-destructive",
            "--allow-rewrite",
        ],
    )
    .expect(0);
    assert!(read(&p, 1, "up.sql").contains("-- destructive: changes the type of 'accounts.score'"));
    assert!(read(&p, 1, "down.sql").contains(
        "-- cannot restore: values of accounts.score as they were before the type change from NUMERIC(10,2) to INTEGER"
    ));
    p.run(Models::V1, &["upgrade"]).expect(0);
    assert_eq!(
        p.strings("SELECT CAST(score AS TEXT) AS v FROM accounts"),
        ["13"]
    );
}

/// The models of `safety::set_not_null_takes_the_default` (tests/src/bin/retort_cases): an
/// existing nullable column gets `NOT NULL` and a model default, with no `--backfill`.
fn a_column_made_not_null_takes_its_model_default(backend: Backend) {
    let p = Project::on(backend).expect("backend available");
    let run = |side: &str, args: &[&str]| {
        crate::support::Run::from(
            p.command(Models::Cases, args)
                .env(
                    "RETORT_CASE",
                    format!("safety::set_not_null_takes_the_default/{side}"),
                )
                .output()
                .expect("retort_cases runs"),
        )
    };
    run("before", &["autogenerate", "-m", "one"]).expect(0);
    run("before", &["upgrade"]).expect(0);
    p.execute(
        "INSERT INTO items (id, note, n) VALUES (1, NULL, NULL), (2, 'kept', 7), (3, NULL, 5);",
    );
    let generated = run("after", &["autogenerate", "-m", "two"]).expect(0);
    assert!(
        generated.stdout.contains(
            "Detected backfill of 'items.note': its NULLs set to its model default `'-'` (it becomes NOT NULL)"
        ),
        "{}",
        generated.stdout
    );
    run("after", &["upgrade"]).expect(0);
    run("after", &["check"]).expect(0);
    assert_eq!(
        p.strings("SELECT note || ':' || CAST(n AS TEXT) AS v FROM items ORDER BY id"),
        ["-:0", "kept:7", "-:5"]
    );
    // Down makes the columns nullable again; the filled rows keep the default.
    run("after", &["downgrade", "-1", "--yes"]).expect(0);
    p.execute("INSERT INTO items (id) VALUES (4);");
    assert_eq!(
        p.strings("SELECT COALESCE(note, 'null') AS v FROM items ORDER BY id"),
        ["-", "kept", "-", "null"]
    );
}
