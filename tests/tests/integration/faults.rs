//! Failing statements, revisions outside a transaction and progress output, through the real
//! CLI on real databases: every failure names its statement and line; a PostgreSQL revision
//! with `run_in_transaction = false` runs statement by statement, as its offline script does;
//! `upgrade`/`downgrade` print each revision as it commits, and never one that rolled back.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::{on_both_backends, revision, Backend, Models, Project};

on_both_backends!(
    every_failure_names_its_statement_and_line,
    output_reports_only_what_stays,
);

fn project(backend: Backend) -> Project {
    Project::on(backend).expect("backend available")
}

/// Sets `run_in_transaction = false` in the newest revision's metadata.toml.
fn outside_transaction(p: &Project) {
    let meta = p.revision_dirs().last().unwrap().join("metadata.toml");
    let text = std::fs::read_to_string(&meta).unwrap();
    assert!(text.contains("run_in_transaction = true"), "{text}");
    std::fs::write(
        &meta,
        text.replace("run_in_transaction = true", "run_in_transaction = false"),
    )
    .unwrap();
}

fn every_failure_names_its_statement_and_line(backend: Backend) {
    let p = project(backend);
    revision(&p, "broken", "SELECT 1;\n", "SELECT 1;\n");
    let up = p.revision_dirs()[0].join("up.sql");
    // (script, line, statement, SQLite's cause, PostgreSQL's cause)
    let cases = [
        (
            "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER CHECK (n > 0));\n\
             INSERT INTO t VALUES (1, 1);\nINSERT INTO t VALUES (2, -1);\nINSERT INTO t VALUES (3, 3);\n",
            3,
            "INSERT INTO t VALUES (2, -1);",
            "CHECK constraint failed",
            "violates check constraint",
        ),
        (
            // SQLite's 10 / 0 is NULL, which the NOT NULL column refuses.
            "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);\n\n\
             INSERT INTO t VALUES (1, 10 / 0);\n",
            3,
            "INSERT INTO t VALUES (1, 10 / 0);",
            "NOT NULL constraint failed",
            "division by zero",
        ),
        (
            "CREATE TABLE u (id INTEGER PRIMARY KEY, code TEXT UNIQUE);\n\
             INSERT INTO u VALUES (1, 'a');\n-- the duplicate:\nINSERT INTO u\n  VALUES (2, 'a');\n\
             CREATE TABLE after_it (id INTEGER);\n",
            4,
            "INSERT INTO u VALUES (2, 'a');",
            "UNIQUE constraint failed",
            "duplicate key value violates unique constraint",
        ),
    ];
    for (script, line, statement, sqlite_cause, pg_cause) in cases {
        std::fs::write(&up, script).unwrap();
        let run = p.run(Models::V1, &["upgrade"]).expect(2);
        let cause = match backend {
            Backend::Sqlite => sqlite_cause,
            Backend::Postgres => pg_cause,
        };
        for expected in [
            format!("up.sql line {line}: "),
            format!("(in `{statement}`)"),
            cause.to_owned(),
            "nothing was changed".to_owned(),
        ] {
            assert!(run.stderr.contains(&expected), "{expected}: {}", run.stderr);
        }
        // On SQLite the failed first run removed the file it had created.
        let removed = backend == Backend::Sqlite && !p.db_path().exists();
        assert!(removed || p.schema().is_empty(), "{:?}", p.schema());
    }
}

fn output_reports_only_what_stays(backend: Backend) {
    let p = project(backend);
    let a = revision(&p, "a", "CREATE TABLE a (id INTEGER);\n", "DROP TABLE a;\n");
    let b = revision(
        &p,
        "b",
        "CREATE TABLE b (id INTEGER);\n",
        "DROP TABLE b;\nSELECT * FROM no_such_table;\n",
    );
    revision(&p, "c", "SELECT * FROM no_such_table;\n", "SELECT 1;\n");
    let run = p.run(Models::V1, &["upgrade"]).expect(2);
    match backend {
        // One transaction for the whole run: it rolled back, so nothing is reported applied.
        Backend::Sqlite => assert_eq!(run.stdout, ""),
        Backend::Postgres => assert_eq!(run.stdout, format!("Applied {a} a\nApplied {b} b\n")),
    }
    std::fs::write(
        p.revision_dirs()[2].join("up.sql"),
        "CREATE TABLE c (id INTEGER);\n",
    )
    .unwrap();
    let c = p.revision_id(2);
    p.run(Models::V1, &["upgrade"]).expect(0);
    // Reverting c works, reverting b fails on its second statement.
    let run = p.run(Models::V1, &["downgrade", "base"]).expect(2);
    assert!(
        run.stderr.contains("down.sql line 2: ")
            && run.stderr.contains("(in `SELECT * FROM no_such_table;`)"),
        "{}",
        run.stderr
    );
    match backend {
        Backend::Sqlite => assert_eq!(run.stdout, ""),
        Backend::Postgres => assert_eq!(run.stdout, format!("Reverted {c} c\n")),
    }
}

/// `CREATE INDEX CONCURRENTLY` cannot run in a transaction block, and PostgreSQL runs a
/// multi-statement message as one: each statement must go on its own.
#[test]
fn postgres_runs_a_revision_outside_a_transaction_statement_by_statement() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    revision(
        &p,
        "items",
        "CREATE TABLE items (id INTEGER, a INTEGER, b INTEGER);\n",
        "DROP TABLE items;\n",
    );
    let id = revision(
        &p,
        "concurrent indexes",
        "CREATE INDEX CONCURRENTLY ix_items_a ON items (a);\n\
         CREATE INDEX CONCURRENTLY ix_items_b ON items (b);\n",
        "DROP INDEX CONCURRENTLY ix_items_b;\nDROP INDEX CONCURRENTLY ix_items_a;\n",
    );
    outside_transaction(&p);
    // The offline script runs the revision without a transaction around it, too.
    let offline = p
        .run(Models::V1, &["upgrade", "--sql", "head"])
        .expect(0)
        .stdout;
    let section = &offline[offline.find(&format!("revision {id}")).unwrap()..];
    assert!(!section.contains("BEGIN"), "{offline}");
    assert!(!section.contains("COMMIT"), "{offline}");

    let run = p.run(Models::V1, &["upgrade"]).expect(0);
    assert!(
        run.stdout.contains(&format!("Applied {id}")),
        "{}",
        run.stdout
    );
    let indexes = "SELECT indexname AS v FROM pg_indexes WHERE tablename = 'items' ORDER BY 1";
    assert_eq!(p.strings(indexes), ["ix_items_a", "ix_items_b"]);
    p.run(Models::V1, &["downgrade", "-1"]).expect(0);
    assert!(p.strings(indexes).is_empty());
    p.run(Models::V1, &["upgrade"]).expect(0);
    assert_eq!(p.strings(indexes).len(), 2);
}

#[test]
fn postgres_a_failure_outside_a_transaction_says_what_took_effect() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    let items = revision(
        &p,
        "items",
        "CREATE TABLE items (id INTEGER, a INTEGER, b INTEGER);\n",
        "DROP TABLE items;\n",
    );
    let id = revision(
        &p,
        "concurrent indexes",
        "CREATE INDEX CONCURRENTLY ix_items_a ON items (a);\n\
         CREATE INDEX CONCURRENTLY ix_items_c\n  ON no_such_table (c);\n\
         CREATE INDEX CONCURRENTLY ix_items_b ON items (b);\n",
        "SELECT 1;\n",
    );
    outside_transaction(&p);
    let run = p.run(Models::V1, &["upgrade"]).expect(2);
    for expected in [
        "up.sql line 2: relation \"no_such_table\" does not exist".to_owned(),
        "(in `CREATE INDEX CONCURRENTLY ix_items_c ON no_such_table (c);`)".to_owned(),
        "the 1 statement(s) before the failure took effect and cannot be rolled back \
         (line 1: `CREATE INDEX CONCURRENTLY ix_items_a ON items (a);`)"
            .to_owned(),
        format!("revision {id} is not recorded as applied"),
        format!("revisions {items} were applied before it and stay so"),
    ] {
        assert!(run.stderr.contains(&expected), "{expected}: {}", run.stderr);
    }
    assert_eq!(run.stdout, format!("Applied {items} items\n"));
    assert_eq!(
        p.strings("SELECT indexname AS v FROM pg_indexes WHERE tablename = 'items'"),
        ["ix_items_a"]
    );
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert!(current.starts_with(&items), "{current}");
}

/// A run killed after three revisions committed has printed (and flushed) their lines.
#[test]
fn postgres_upgrade_prints_each_revision_as_it_commits() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    let ids: Vec<String> = (1..=3)
        .map(|i| {
            revision(
                &p,
                &format!("table {i}"),
                &format!("CREATE TABLE t{i} (id INTEGER);\n"),
                &format!("DROP TABLE t{i};\n"),
            )
        })
        .collect();
    revision(&p, "slow", "SELECT pg_sleep(60);\n", "SELECT 1;\n");
    let mut child = p
        .command(Models::V1, &["upgrade"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut lines = Vec::new();
    while lines.len() < 3 {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => lines.push(line),
            Err(_) => break,
        }
    }
    let still_running = child.try_wait().unwrap().is_none();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(still_running, "the run was still in its fourth revision");
    let expected: Vec<String> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| format!("Applied {id} table {}", i + 1))
        .collect();
    assert_eq!(lines, expected);
    // And they are what the database kept.
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert!(current.starts_with(&ids[2]), "{current}");
}
