//! Edge cases on real databases, each on SQLite and on PostgreSQL: foreign keys forming a
//! cycle between new tables, and hand-written revisions holding transaction control.

use crate::support::{on_both_backends, Backend, Models, Project};

on_both_backends!(
    a_foreign_key_cycle_migrates_up_and_down,
    transaction_control_in_a_revision_is_refused_before_anything_runs,
    trigger_and_function_bodies_are_not_transaction_control,
    downgrading_to_another_branch_is_refused,
);

fn project(backend: Backend) -> Project {
    Project::on(backend).expect("backend available")
}

fn a_foreign_key_cycle_migrates_up_and_down(backend: Backend) {
    let p = project(backend);
    let run = p
        .run(Models::Cycle, &["autogenerate", "-m", "cycle"])
        .expect(0);
    assert!(
        run.stdout.contains(
            "Detected added table 'alphas'\nDetected added table 'betas'\n\
             Detected added foreign key on 'alphas' (beta_id) -> betas (id)"
        ),
        "{}",
        run.stdout
    );
    let dir = &p.revision_dirs()[0];
    let up = std::fs::read_to_string(dir.join("up.sql")).unwrap();
    let down = std::fs::read_to_string(dir.join("down.sql")).unwrap();
    // The self-reference stays inline; the key closing the cycle comes after both creates.
    let create_alphas = up.find("CREATE TABLE \"alphas\"").expect(&up);
    let create_betas = up.find("CREATE TABLE \"betas\"").expect(&up);
    let add_key = up
        .find("-- added foreign key on 'alphas' (beta_id)")
        .expect(&up);
    assert!(
        create_alphas < create_betas && create_betas < add_key,
        "{up}"
    );
    assert!(
        up[create_alphas..create_betas].contains("REFERENCES \"alphas\" (\"id\")"),
        "{up}"
    );
    assert!(
        !up[create_alphas..create_betas].contains("REFERENCES \"betas\""),
        "{up}"
    );
    assert!(
        down.starts_with("-- removed foreign key on 'alphas' (beta_id) -> betas (id)"),
        "{down}"
    );

    p.run(Models::Cycle, &["upgrade", "head"]).expect(0);
    p.run(Models::Cycle, &["check"]).expect(0);
    let run = p
        .run(Models::Cycle, &["autogenerate", "-m", "again"])
        .expect(0);
    assert_eq!(run.stdout.trim(), "No changes detected");

    // Rows that reference each other (and themselves).
    p.execute(
        "INSERT INTO alphas (id, label, beta_id, parent_id) VALUES (1, 'one', NULL, NULL);
         INSERT INTO betas (id, alpha_id) VALUES (10, 1);
         UPDATE alphas SET beta_id = 10, parent_id = 1 WHERE id = 1;
         INSERT INTO alphas (id, label, beta_id, parent_id) VALUES (2, 'two', 10, 1);",
    );
    assert_eq!(
        p.strings(
            "SELECT a.label || ':' || b.id || ':' || p.label AS v FROM alphas a \
             JOIN betas b ON b.id = a.beta_id JOIN alphas p ON p.id = a.parent_id \
             WHERE b.alpha_id = 1 ORDER BY a.id"
        ),
        ["one:10:one", "two:10:one"]
    );
    // The keys are real: a dangling reference is refused (SQLite enforces them when asked).
    let dangling = "INSERT INTO betas (id, alpha_id) VALUES (11, 99);";
    match backend {
        Backend::Sqlite => {
            use diesel::connection::SimpleConnection;
            let mut c = p.connect();
            c.batch_execute("PRAGMA foreign_keys = ON;").unwrap();
            assert!(c.batch_execute(dangling).is_err());
        }
        Backend::Postgres => {
            use diesel::connection::SimpleConnection;
            use diesel::Connection;
            let mut c = diesel::pg::PgConnection::establish(&p.url).unwrap();
            assert!(c.batch_execute(dangling).is_err());
        }
    }

    p.run(Models::Cycle, &["downgrade", "base"]).expect(0);
    let empty = p.schema();
    assert!(empty.is_empty(), "tables left: {:?}", empty.tables.keys());
    let run = p.run(Models::Cycle, &["current"]).expect(0);
    assert!(run.stdout.starts_with("base"), "{}", run.stdout);

    // And back up again, from the reverse of the reverse.
    p.run(Models::Cycle, &["upgrade", "head"]).expect(0);
    p.run(Models::Cycle, &["check"]).expect(0);
}

fn transaction_control_in_a_revision_is_refused_before_anything_runs(backend: Backend) {
    let p = project(backend);
    p.run(Models::V1, &["revision", "-m", "first"]).expect(0);
    p.run(Models::V1, &["revision", "-m", "x"]).expect(0);
    let first = p.revision_id(0);
    let rev = p.revision_id(1);
    std::fs::write(
        p.revision_dirs()[0].join("up.sql"),
        "CREATE TABLE before_it (id INTEGER);\n",
    )
    .unwrap();
    let up = p.revision_dirs()[1].join("up.sql");
    std::fs::write(
        &up,
        "-- hand written\nCREATE TABLE t (id INTEGER); COMMIT; CREATE TABLE u (id INTEGER);\n",
    )
    .unwrap();
    let expected = format!(
        "revision {rev} up.sql line 2: `COMMIT` would end the transaction Retort runs this \
         revision in; remove it (every revision runs in a transaction), or set \
         run_in_transaction = false in metadata.toml for statements that cannot run in one"
    );

    let run = p.run(Models::V1, &["upgrade", "head"]).expect(2);
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "{}/up.sql",
            p.revision_dirs()[1].file_name().unwrap().to_str().unwrap()
        )),
        "names the file: {}",
        run.stderr
    );
    // Nothing ran, not even the good revision before it (on SQLite, the file this first run
    // created is removed again).
    if backend == Backend::Sqlite {
        assert!(!p.db_path().exists());
    } else {
        let current = p.run(Models::V1, &["current"]).expect(0).stdout;
        assert!(current.starts_with("base"), "{current}");
        let tables = p.schema();
        for table in ["t", "u", "before_it"] {
            assert!(!tables.tables.contains_key(table), "{table} was created");
        }
    }
    // Up to the good revision is fine.
    p.run(Models::V1, &["upgrade", &first]).expect(0);

    // Offline SQL and check refuse it too.
    let run = p.run(Models::V1, &["upgrade", "--sql", "head"]).expect(2);
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    let run = p.run(Models::V1, &["check"]).expect(2);
    assert!(
        run.stderr
            .contains("line 2: `COMMIT` would end the transaction"),
        "{}",
        run.stderr
    );

    // Without the COMMIT it applies.
    std::fs::write(
        &up,
        "-- hand written\nCREATE TABLE t (id INTEGER); CREATE TABLE u (id INTEGER);\n",
    )
    .unwrap();
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    let tables = p.schema();
    assert!(tables.tables.contains_key("t") && tables.tables.contains_key("u"));
}

fn trigger_and_function_bodies_are_not_transaction_control(backend: Backend) {
    let p = project(backend);
    p.run(Models::V1, &["revision", "-m", "trigger"]).expect(0);
    let sql = match backend {
        Backend::Sqlite => {
            "CREATE TABLE t (id INTEGER PRIMARY KEY, label TEXT);
CREATE TABLE log (msg TEXT);
CREATE TRIGGER t_ai AFTER INSERT ON t
BEGIN
    INSERT INTO log (msg) VALUES ('begin; commit; ' || CASE WHEN NEW.label IS NULL THEN 'none' ELSE NEW.label END);
END;
/* COMMIT; */ -- END;
INSERT INTO t (id, label) VALUES (1, 'x');
"
        }
        Backend::Postgres => {
            "CREATE TABLE t (id INTEGER PRIMARY KEY, label TEXT);
CREATE TABLE log (msg TEXT);
CREATE FUNCTION t_log() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    INSERT INTO log (msg) VALUES ('begin; commit; ' || CASE WHEN NEW.label IS NULL THEN 'none' ELSE NEW.label END);
    RETURN NEW;
END;
$body$;
CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION t_log();
CREATE FUNCTION twice(n integer) RETURNS integer LANGUAGE SQL
BEGIN ATOMIC
    SELECT CASE WHEN n IS NULL THEN 0 ELSE n * 2 END;
END;
/* COMMIT; /* nested */ END; */ -- END;
INSERT INTO t (id, label) VALUES (1, 'x');
"
        }
    };
    std::fs::write(p.revision_dirs()[0].join("up.sql"), sql).unwrap();
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    p.run(Models::V1, &["upgrade", "--sql", "head"]).expect(0);
    assert_eq!(p.strings("SELECT msg AS v FROM log"), ["begin; commit; x"]);
    let rev = p.revision_id(0);
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert!(current.starts_with(&rev), "{current}");
}

fn downgrading_to_another_branch_is_refused(backend: Backend) {
    let p = project(backend);
    p.run(Models::V1, &["autogenerate", "-m", "root"]).expect(0);
    let root = p.revision_id(0);
    for name in ["b", "c"] {
        p.run(Models::V1, &["revision", "-m", name, "--head", &root])
            .expect(0);
    }
    let (b, c) = (p.revision_id(1), p.revision_id(2));
    p.run(Models::V1, &["upgrade", &b]).expect(0);
    // `c` is not applied: refusing is the only safe answer (reverting `b` would not reach it).
    let run = p.run(Models::V1, &["downgrade", &c]).expect(2);
    assert!(
        run.stderr
            .contains(&format!("cannot downgrade to {c}: it is not applied")),
        "{}",
        run.stderr
    );
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert!(current.starts_with(&b), "{current}");
    // With both branches applied, downgrading to one branch's head leaves the other alone.
    p.run(Models::V1, &["upgrade", "heads"]).expect(0);
    let run = p.run(Models::V1, &["downgrade", &b]).expect(0);
    assert!(
        run.stdout.starts_with("Nothing to revert"),
        "{}",
        run.stdout
    );
    let run = p.run(Models::V1, &["downgrade", &root]).expect(0);
    assert_eq!(run.stdout.matches("Reverted ").count(), 2, "{}", run.stdout);
}

#[test]
fn sqlite_refuses_revisions_that_must_run_outside_a_transaction() {
    let p = Project::new();
    p.run(Models::V1, &["revision", "-m", "vacuum"]).expect(0);
    let dir = p.revision_dirs()[0].clone();
    std::fs::write(dir.join("up.sql"), "VACUUM;\n").unwrap();
    let meta = std::fs::read_to_string(dir.join("metadata.toml")).unwrap();
    std::fs::write(
        dir.join("metadata.toml"),
        meta.replace("run_in_transaction = true", "run_in_transaction = false"),
    )
    .unwrap();
    let run = p.run(Models::V1, &["upgrade"]).expect(2);
    assert!(
        run.stderr
            .contains("on SQLite a whole run is one transaction"),
        "{}",
        run.stderr
    );
    // Nothing ran: the file this first run created is removed again.
    assert!(!p.db_path().exists());
}

#[test]
fn a_sqlite_trigger_writing_a_column_named_end_applies() {
    let p = Project::new();
    p.run(Models::V1, &["revision", "-m", "spans"]).expect(0);
    let dir = p.revision_dirs()[0].clone();
    std::fs::write(
        dir.join("up.sql"),
        "CREATE TABLE spans (id INTEGER PRIMARY KEY, start INTEGER, end INTEGER);\n\
         CREATE TRIGGER spans_ai AFTER INSERT ON spans BEGIN\n\
           UPDATE spans SET end = start + 1 WHERE id = NEW.id AND end IS NULL;\n\
         END;\n",
    )
    .unwrap();
    std::fs::write(dir.join("down.sql"), "DROP TABLE spans;\n").unwrap();
    p.run(Models::V1, &["upgrade"]).expect(0);
    p.execute("INSERT INTO spans (id, start) VALUES (1, 10)");
    assert_eq!(
        p.strings("SELECT CAST(end AS TEXT) AS v FROM spans"),
        ["11"]
    );
}

#[test]
fn sqlite_orphan_rows_from_before_do_not_block_later_runs() {
    let p = Project::new();
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    p.run(Models::V1, &["upgrade"]).expect(0);
    // The application (foreign keys off, SQLite's default) left an orphan behind.
    p.execute(
        "PRAGMA foreign_keys = OFF; INSERT INTO notes (id, account_id, body) VALUES (1, 99, 'orphan')",
    );
    p.run(Models::V1, &["upgrade"]).expect(0);
    p.run(Models::V1, &["revision", "-m", "data"]).expect(0);
    std::fs::write(
        p.revision_dirs()[1].join("up.sql"),
        "UPDATE obsoletes SET label = label;\n",
    )
    .unwrap();
    p.run(Models::V1, &["upgrade"]).expect(0);
    // A run that adds a violation is still refused.
    p.run(Models::V1, &["revision", "-m", "more orphans"])
        .expect(0);
    std::fs::write(
        p.revision_dirs()[2].join("up.sql"),
        "INSERT INTO notes (id, account_id, body) VALUES (2, 98, 'new orphan');\n",
    )
    .unwrap();
    let run = p.run(Models::V1, &["upgrade"]).expect(2);
    assert!(
        run.stderr
            .contains("notes row 2 references a missing accounts row"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("row 1 "),
        "the old orphan is not blamed: {}",
        run.stderr
    );
}
