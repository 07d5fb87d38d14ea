//! Revisions outside a transaction, statement by statement, on a real PostgreSQL server through
//! the real CLI: what took effect is recorded, so `current` shows a partly applied revision,
//! the next `upgrade` goes on from the failed statement (and refuses when the statements that
//! ran were edited), a run the other way is refused, an index an interrupted `CREATE INDEX
//! CONCURRENTLY` left INVALID is rebuilt, `stamp` clears the record, and a statement that gave
//! up waiting for a lock is tried again.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::support::{revision, Backend, Models, Project};

/// Sets `run_in_transaction = false` in the newest revision's metadata.toml.
fn outside_transaction(p: &Project) {
    let meta = p.revision_dirs().last().unwrap().join("metadata.toml");
    let text = std::fs::read_to_string(&meta).unwrap();
    std::fs::write(
        &meta,
        text.replace("run_in_transaction = true", "run_in_transaction = false"),
    )
    .unwrap();
}

/// Runs `run` while another session holds a transaction that ran `sql`, committed after
/// `millis` milliseconds.
fn while_held<T>(p: &Project, sql: &str, millis: u64, run: impl FnOnce() -> T) -> T {
    let mut holder = PgConnection::establish(&p.url).unwrap();
    holder.batch_execute(&format!("BEGIN; {sql};")).unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(millis));
        holder.batch_execute("COMMIT").unwrap();
    });
    let out = run();
    release.join().unwrap();
    out
}

fn indexes(p: &Project) -> Vec<String> {
    p.strings(
        "SELECT c.relname || CASE WHEN i.indisvalid THEN '' ELSE ' INVALID' END AS v \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = 'items' ORDER BY 1",
    )
}

#[test]
fn postgres_a_failed_revision_outside_a_transaction_goes_on_from_the_failed_statement() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    let items = revision(
        &p,
        "items",
        "CREATE TABLE items (id INTEGER, a INTEGER, b INTEGER);\n",
        "DROP TABLE items;\n",
    );
    let up = "CREATE INDEX CONCURRENTLY ix_items_a ON items (a);\n\
              ALTER TABLE items ADD COLUMN c INTEGER;\n\
              CREATE INDEX CONCURRENTLY ix_items_c ON no_such_table (c);\n\
              CREATE INDEX CONCURRENTLY ix_items_b ON items (b);\n";
    let id = revision(
        &p,
        "indexes",
        up,
        "DROP INDEX CONCURRENTLY ix_items_b;\nDROP INDEX CONCURRENTLY ix_items_c;\n\
         ALTER TABLE items DROP COLUMN c;\nDROP INDEX CONCURRENTLY ix_items_a;\n",
    );
    outside_transaction(&p);
    let run = p.run(Models::V1, &["upgrade"]).expect(2);
    assert!(
        run.stderr.contains(&format!(
            "revision {id} is not recorded as applied, and Retort recorded how far it got: \
             `retort_v1 upgrade` again goes on from the failed statement"
        )),
        "{}",
        run.stderr
    );
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert!(
        current.contains(&format!(
            "{id} (partly applied: 2 of 4 statements of up.sql took effect; `retort_v1 upgrade` goes on)"
        )),
        "{current}"
    );
    assert!(current.contains(&items), "{current}");
    let check = p.run(Models::V1, &["check"]).expect(1);
    assert!(
        check.stdout.contains(&format!(
            "Revision {id} is partly applied: 2 statement(s) of its up.sql took effect before a \
             run stopped; run `retort_v1 upgrade` to go on from there"
        )),
        "{}",
        check.stdout
    );

    assert_eq!(indexes(&p), ["ix_items_a"]);

    // The statements that took effect may not change...
    let file = p.revision_dirs()[1].join("up.sql");
    std::fs::write(
        &file,
        up.replace("ADD COLUMN c INTEGER", "ADD COLUMN c BIGINT"),
    )
    .unwrap();
    let edited = p.run(Models::V1, &["upgrade"]).expect(2);
    assert!(
        edited
            .stderr
            .contains("and those statements have changed in the file since"),
        "{}",
        edited.stderr
    );
    // ...the failed one may: the run goes on from it.
    std::fs::write(&file, up.replace("no_such_table", "items")).unwrap();
    let run = p.run(Models::V1, &["upgrade"]).expect(0);
    assert!(
        run.stderr.contains(&format!(
            "note: revision {id}: going on with up.sql at statement 3 of 4 (2 took effect in an \
             earlier run)"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains(&format!("Applied {id}")),
        "{}",
        run.stdout
    );
    assert_eq!(indexes(&p), ["ix_items_a", "ix_items_b", "ix_items_c"]);
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert!(!current.contains("partly"), "{current}");
    assert!(
        p.strings("SELECT version AS v FROM __retort_progress")
            .is_empty(),
        "the record of a finished revision is gone"
    );

    p.run(Models::V1, &["downgrade", "base"]).expect(0);
    assert!(p
        .strings("SELECT tablename AS v FROM pg_tables WHERE tablename = 'items'")
        .is_empty());
}

#[test]
fn postgres_an_index_left_invalid_is_rebuilt_and_stamp_clears_the_record() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.execute("CREATE TABLE items (id INTEGER, a INTEGER)");
    p.execute("INSERT INTO items VALUES (1, 1), (2, 1)");
    let id = revision(
        &p,
        "unique a",
        "CREATE UNIQUE INDEX CONCURRENTLY ux_items_a ON items (a);\n",
        "DROP INDEX CONCURRENTLY ux_items_a;\n",
    );
    outside_transaction(&p);
    // The duplicate makes the build fail after the index entered the catalog: INVALID.
    let run = p.run(Models::None, &["upgrade"]).expect(2);
    assert!(
        run.stderr.contains("could not create unique index"),
        "{}",
        run.stderr
    );
    assert_eq!(indexes(&p), ["ux_items_a INVALID"]);
    let current = p.run(Models::None, &["current"]).expect(0).stdout;
    assert!(current.contains("partly applied: 0 of 1"), "{current}");

    p.execute("DELETE FROM items WHERE id = 2");
    let run = p.run(Models::None, &["upgrade"]).expect(0);
    assert!(
        run.stderr.contains(&format!(
            "note: revision {id}: dropped the INVALID index \"ux_items_a\" that the interrupted \
             CREATE INDEX CONCURRENTLY left, to build it again"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(indexes(&p), ["ux_items_a"]);

    // A partly applied revision undone by hand: stamp records where the database is.
    p.run(Models::None, &["downgrade", "base"]).expect(0);
    p.execute("INSERT INTO items VALUES (3, 1)");
    p.run(Models::None, &["upgrade"]).expect(2);
    p.execute("DROP INDEX ux_items_a");
    let stamped = p.run(Models::None, &["stamp", "base"]).expect(0);
    assert!(
        stamped.stdout.contains(&format!(
            "Cleared the progress record of partly applied revision {id} (0 statement(s) of its \
             up.sql took effect and stay as they are)"
        )) && !stamped.stdout.contains("Nothing to stamp"),
        "{}",
        stamped.stdout
    );
    let current = p.run(Models::None, &["current"]).expect(0).stdout;
    assert_eq!(current, "base (no revision applied)\n");
}

#[test]
fn postgres_a_statement_that_gave_up_on_its_lock_is_tried_again() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.execute("CREATE TABLE items (id INTEGER)");
    let id = revision(
        &p,
        "add column",
        "ALTER TABLE items ADD COLUMN a INTEGER;\n",
        "ALTER TABLE items DROP COLUMN a;\n",
    );
    // A report that reads the table in a transaction for about 1.5 s.
    let run = while_held(&p, "SELECT count(*) FROM items", 1500, || {
        p.run(Models::None, &["upgrade", "--lock-timeout", "500ms"])
            .expect(0)
    });
    assert!(
        run.stderr.contains(&format!(
            "note: revision {id}: `ALTER TABLE items ADD COLUMN a INTEGER;` gave up waiting for \
             a lock; trying again in 1 s (attempt 2 of 5)"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains(&format!("Applied {id}")),
        "{}",
        run.stdout
    );

    // With no retries the first timeout fails the run.
    p.run(Models::None, &["downgrade", "base"]).expect(0);
    let mut holder = PgConnection::establish(&p.url).unwrap();
    holder
        .batch_execute("BEGIN; SELECT count(*) FROM items;")
        .unwrap();
    let run = p
        .run(
            Models::None,
            &["upgrade", "--lock-timeout", "200ms", "--lock-retries", "0"],
        )
        .expect(2);
    assert!(!run.stderr.contains("trying again"), "{}", run.stderr);
    assert!(run.stderr.contains("lock timeout"), "{}", run.stderr);
    holder.batch_execute("COMMIT").unwrap();
}

/// A `kill -9` after the server finished a statement that runs alone, before the run recorded
/// it, leaves the record one statement behind: the next run sees the statement done (a valid
/// index of its name on its table; a dropped index gone) and goes on after it.
#[test]
fn postgres_a_statement_finished_but_not_recorded_is_seen_done() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.execute("CREATE TABLE items (id INTEGER, a INTEGER, b INTEGER)");
    p.execute("CREATE INDEX ix_items_old ON items (b)");
    let up = "CREATE INDEX CONCURRENTLY ix_items_a ON items (a);\n\
              DROP INDEX CONCURRENTLY ix_items_old;\n\
              CREATE INDEX CONCURRENTLY ix_items_c ON no_such_table (c);\n";
    let id = revision(
        &p,
        "indexes",
        up,
        "DROP INDEX CONCURRENTLY ix_items_a;\nCREATE INDEX CONCURRENTLY ix_items_old ON items (b);\n",
    );
    outside_transaction(&p);
    p.run(Models::None, &["upgrade"]).expect(2);
    assert_eq!(indexes(&p), ["ix_items_a"]);
    // As if the run had been killed right after the server finished the first two statements.
    let empty = p.strings("SELECT encode(sha256(''::bytea), 'hex') AS v");
    p.execute(&format!(
        "UPDATE __retort_progress SET state = 'upgrade 0 {}'",
        empty[0]
    ));
    let file = p.revision_dirs()[0].join("up.sql");
    std::fs::write(&file, up.replace("no_such_table (c)", "items (a, b)")).unwrap();
    let run = p.run(Models::None, &["upgrade"]).expect(0);
    for expected in [
        format!(
            "note: revision {id}: the index \"ix_items_a\" is there and valid: the interrupted \
             CREATE INDEX CONCURRENTLY finished before the run stopped; going on after it"
        ),
        format!(
            "note: revision {id}: the index \"ix_items_old\" is gone: the interrupted DROP INDEX \
             CONCURRENTLY finished before the run stopped; going on after it"
        ),
    ] {
        assert!(run.stderr.contains(&expected), "{expected}\n{}", run.stderr);
    }
    assert_eq!(indexes(&p), ["ix_items_a", "ix_items_c"]);
}

/// `downgrade` of a partly applied revision undoes exactly what took effect of it (the live
/// schema against the one before it, read from a scratch replay), then goes on as asked.
#[test]
fn postgres_downgrade_undoes_exactly_what_a_partly_applied_revision_did() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    let items = revision(
        &p,
        "items",
        "CREATE TABLE items (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER);\n",
        "DROP TABLE items;\n",
    );
    let id = revision(
        &p,
        "indexes",
        "CREATE INDEX CONCURRENTLY ix_items_a ON items (a);\n\
         ALTER TABLE items ADD COLUMN c INTEGER;\n\
         CREATE INDEX CONCURRENTLY ix_items_c ON no_such_table (c);\n",
        "SELECT 1;\n",
    );
    outside_transaction(&p);
    p.run(Models::None, &["upgrade"]).expect(2);
    p.execute("INSERT INTO items (id, a, b, c) VALUES (1, 2, 3, 4)");
    assert_eq!(indexes(&p), ["items_pkey", "ix_items_a"]);

    let run = p.run(Models::None, &["downgrade", "-1"]).expect(0);
    assert!(
        run.stdout.contains(&format!(
            "Undid what took effect of partly applied revision {id}"
        )) && run.stdout.contains("removed column 'items.c'"),
        "{}",
        run.stdout
    );
    assert_eq!(indexes(&p), ["items_pkey"]);
    assert_eq!(
        p.strings("SELECT a::text AS v FROM items"),
        ["2"],
        "the rows of the table that stays stay"
    );
    let current = p.run(Models::None, &["current"]).expect(0).stdout;
    assert!(
        current.starts_with(&items) && !current.contains("partly"),
        "{current}"
    );
    assert!(p
        .strings("SELECT version AS v FROM __retort_progress")
        .is_empty());
    // From there, downgrades are as usual.
    p.run(Models::None, &["downgrade", "base"]).expect(0);
}

/// An index build that gave up on its lock leaves an INVALID index; dropping it waits for the
/// same transaction, so that drop is retried like the build (the run then succeeds once the
/// transaction ends), never skipped into an "already exists".
#[test]
fn postgres_the_cleanup_of_a_timed_out_index_build_is_retried_too() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.execute("CREATE TABLE items (id INTEGER, a INTEGER)");
    let id = revision(
        &p,
        "index",
        "CREATE INDEX CONCURRENTLY ix_items_a ON items (a);\n",
        "DROP INDEX CONCURRENTLY ix_items_a;\n",
    );
    outside_transaction(&p);
    // A writer's open transaction: CREATE INDEX CONCURRENTLY (and DROP INDEX CONCURRENTLY)
    // wait for it to end.
    let run = while_held(&p, "INSERT INTO items VALUES (1, 1)", 2500, || {
        p.run(Models::None, &["upgrade", "--lock-timeout", "500ms"])
            .expect(0)
    });
    assert!(
        run.stdout.contains(&format!("Applied {id}")),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("`DROP INDEX CONCURRENTLY \"ix_items_a\"` gave up waiting for a lock"),
        "{}",
        run.stderr
    );
    assert_eq!(indexes(&p), ["ix_items_a"]);
}
