//! A revision outside a transaction (`run_in_transaction = false`) through a real pgbouncer in
//! transaction pooling mode: its statements give up on a lock after `--lock-timeout`, a
//! statement in its own transaction by `SET LOCAL`, one that runs alone (`CREATE INDEX
//! CONCURRENTLY`) by the watch that cancels it; then the revision finishes.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::Connection;

use crate::pooler::{lines, pooled_project};
use crate::support::{revision, Models, Project, Run};

/// The run's output, or a failure when it still runs after 60 s (a statement waiting for its
/// lock without end).
fn finished(mut child: Child) -> Run {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the run still waited after 60 s: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Run::from(child.wait_with_output().unwrap())
}

fn upgrade(p: &Project) -> Run {
    let child = p
        .command(
            Models::None,
            &["upgrade", "--lock-timeout", "300ms", "--lock-retries", "0"],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    finished(child)
}

/// A session of its own (connected directly) holding a transaction open after `sql`, and its
/// pid.
fn holding(p: &Project, sql: &str) -> (PgConnection, String) {
    #[derive(diesel::QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Text)]
        pid: String,
    }
    let mut conn = PgConnection::establish(&p.url).unwrap();
    conn.batch_execute(&format!("BEGIN; {sql}")).unwrap();
    let pid = diesel::RunQueryDsl::get_result::<Pid>(
        diesel::sql_query("SELECT pg_backend_pid()::text AS pid"),
        &mut conn,
    )
    .unwrap()
    .pid;
    (conn, pid)
}

#[test]
fn a_revision_outside_a_transaction_through_pgbouncer_gives_up_on_locks_then_finishes() {
    let Some((p, _pooled)) = pooled_project() else {
        return;
    };
    revision(
        &p,
        "tables",
        "CREATE TABLE a (id INT);\nCREATE TABLE b (id INT);\nINSERT INTO a VALUES (1);\n",
        "DROP TABLE b;\nDROP TABLE a;\n",
    );
    upgrade(&p).expect(0);
    revision(
        &p,
        "outside",
        "ALTER TABLE b ADD COLUMN c INT;\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n",
        "DROP INDEX CONCURRENTLY a_id;\nALTER TABLE b DROP COLUMN c;\n",
    );
    let dir = p.revision_dirs().last().unwrap().clone();
    let meta = std::fs::read_to_string(dir.join("metadata.toml")).unwrap();
    std::fs::write(
        dir.join("metadata.toml"),
        meta.replace("run_in_transaction = true", "run_in_transaction = false"),
    )
    .unwrap();

    // A report's transaction that read b: the ALTER, in a transaction of its own through the
    // pooler, gives up after 300 ms (SET LOCAL lock_timeout) and names the session.
    let (reader, pid) = holding(&p, "SELECT count(*) FROM b;");
    let run = upgrade(&p).expect(2);
    assert!(
        run.stderr.contains("waited longer than --lock-timeout")
            && run.stderr.contains(&format!("pid {pid}"))
            && run.stderr.contains("ALTER TABLE b"),
        "{run:?}"
    );
    drop(reader);

    // A writer's open transaction on a: CREATE INDEX CONCURRENTLY, which runs alone, waits for
    // it; the watch cancels it after 300 ms, a lock timeout as the server's own.
    let (writer, pid) = holding(&p, "INSERT INTO a VALUES (2);");
    let run = upgrade(&p).expect(2);
    assert!(
        run.stderr.contains("lock timeout")
            && run.stderr.contains(&format!("pid {pid}"))
            && run.stderr.contains("CREATE INDEX CONCURRENTLY"),
        "{run:?}"
    );
    // The ALTER took effect and stays; the index was left INVALID.
    assert_eq!(
        lines(
            &p.url,
            "SELECT column_name::text AS line FROM information_schema.columns \
             WHERE table_name = 'b' AND column_name = 'c'"
        ),
        ["c"]
    );
    assert_eq!(
        lines(
            &p.url,
            "SELECT indisvalid::text AS line FROM pg_index WHERE indexrelid = 'a_id'::regclass"
        ),
        ["false"]
    );
    drop(writer);

    // Nothing in the way: the run goes on from the index (dropping the INVALID one first).
    let run = upgrade(&p).expect(0);
    assert!(run.stdout.contains("Applied"), "{run:?}");
    assert_eq!(
        lines(
            &p.url,
            "SELECT indisvalid::text AS line FROM pg_index WHERE indexrelid = 'a_id'::regclass"
        ),
        ["true"]
    );
    // The lock row is gone.
    assert!(lines(&p.url, "SELECT token AS line FROM __retort_lock").is_empty());
    p.run(Models::None, &["downgrade", "-1"]).expect(0);
    assert!(lines(
        &p.url,
        "SELECT indexrelid::regclass::text AS line FROM pg_index \
         WHERE indexrelid::regclass::text = 'a_id'"
    )
    .is_empty());
}
