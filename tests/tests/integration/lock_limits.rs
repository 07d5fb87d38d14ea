//! Waiting on locks: `--lock-wait` (another run's migration lock) on both backends, and
//! PostgreSQL's statement lock timeout (`upgrade --lock-timeout`), which ends a migration
//! statement blocked by another session's transaction and names that session.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;

use diesel::pg::PgConnection;
use diesel::Connection;

use crate::support::{Backend, Models, Project};

#[test]
fn sqlite_lock_wait_gives_up_on_another_writer() {
    let p = Project::new();
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    let mut holder = p.connect();
    holder.batch_execute("BEGIN IMMEDIATE").unwrap();
    let start = Instant::now();
    let run = p
        .run(Models::V1, &["--lock-wait", "1", "upgrade"])
        .expect(2);
    assert!(start.elapsed() < Duration::from_secs(20), "gave up soon");
    assert!(
        run.stderr
            .contains("another migration run holds the lock on this database (its write lock)")
            && run.stderr.contains("raise --lock-wait"),
        "{}",
        run.stderr
    );
    holder.batch_execute("ROLLBACK").unwrap();
    drop(holder);
    p.run(Models::V1, &["upgrade"]).expect(0);
    p.run(Models::V1, &["check"]).expect(0);
}

/// A PostgreSQL project with table `log` and one pending revision adding a column to it.
fn blocked_project() -> Option<Project> {
    let p = Project::on(Backend::Postgres)?;
    p.execute("CREATE TABLE log (id int)");
    p.run(Models::None, &["revision", "-m", "add column"])
        .expect(0);
    let dir = &p.revision_dirs()[0];
    std::fs::write(dir.join("up.sql"), "ALTER TABLE log ADD COLUMN c1 int;\n").unwrap();
    std::fs::write(dir.join("down.sql"), "ALTER TABLE log DROP COLUMN c1;\n").unwrap();
    Some(p)
}

/// The columns of `log`, as the server has them now.
fn log_columns(p: &Project) -> Vec<String> {
    p.strings(
        "SELECT column_name::text AS v FROM information_schema.columns \
         WHERE table_name = 'log' ORDER BY ordinal_position",
    )
}

/// A session that reads `log` in a transaction it keeps open, as a report would.
fn blocker(p: &Project) -> (PgConnection, String) {
    blocker_with(p, "SELECT count(*) FROM log;")
}

/// A session that runs `sql` in a transaction it keeps open.
fn blocker_with(p: &Project, sql: &str) -> (PgConnection, String) {
    let mut conn = PgConnection::establish(&p.url).unwrap();
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let row: Row = diesel::RunQueryDsl::get_result(
        diesel::sql_query("SELECT pg_backend_pid()::text AS v"),
        &mut conn,
    )
    .unwrap();
    for statement in ["SET application_name TO 'report-job'", "BEGIN", sql] {
        conn.batch_execute(statement).unwrap();
    }
    (conn, row.v)
}

#[test]
fn postgres_a_blocked_statement_gives_up_and_names_the_blocking_session() {
    let Some(p) = blocked_project() else { return };
    let (holder, pid) = blocker(&p);

    let start = Instant::now();
    let run = p
        .run(
            Models::None,
            &[
                "upgrade",
                "head",
                "--lock-timeout",
                "1s",
                "--lock-retries",
                "0",
            ],
        )
        .expect(2);
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    for expected in [
        "canceling statement due to lock timeout".to_owned(),
        "ALTER TABLE log ADD COLUMN c1 int".to_owned(),
        format!("a lock on a table it names is held by the session with pid {pid} "),
        "application_name 'report-job'".to_owned(),
        "in a transaction since 2".to_owned(),
        "statement: SELECT count(*) FROM log;".to_owned(),
        format!("`SELECT pg_terminate_backend({pid})`"),
        "raise --lock-timeout (0: no limit)".to_owned(),
        "; nothing was changed".to_owned(),
    ] {
        assert!(run.stderr.contains(&expected), "{expected}: {}", run.stderr);
    }
    assert_eq!(log_columns(&p), ["id"], "the schema is unchanged");
    let current = p.run(Models::None, &["current"]).expect(0);
    assert!(
        !current.stdout.contains(&p.revision_id(0)),
        "{}",
        current.stdout
    );
    // Retort left nothing waiting on the server.
    let left = p.strings(
        "SELECT state || ': ' || query AS v FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name LIKE 'retort%' \
         AND state <> 'idle' AND pid <> pg_backend_pid()",
    );
    assert!(left.is_empty(), "{left:?}");

    // Retort.toml's lock_timeout sets the same limit.
    let toml = p.path().join("Retort.toml");
    let settings = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        format!("{settings}lock_timeout = \"1s\"\nlock_retries = 0\n"),
    )
    .unwrap();
    let start = Instant::now();
    let run = p.run(Models::None, &["upgrade"]).expect(2);
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    assert!(
        run.stderr.contains(&format!("pid {pid} ")),
        "{}",
        run.stderr
    );
    assert_eq!(log_columns(&p), ["id"]);

    // Once the blocking transaction ends, the upgrade goes through.
    drop(holder);
    p.run(Models::None, &["upgrade", "head"]).expect(0);
    assert_eq!(log_columns(&p), ["id", "c1"]);

    // downgrade has the same limit.
    let (holder, pid) = blocker(&p);
    let run = p
        .run(
            Models::None,
            &[
                "downgrade",
                "base",
                "--lock-timeout",
                "500ms",
                "--lock-retries",
                "0",
            ],
        )
        .expect(2);
    assert!(
        run.stderr.contains("ALTER TABLE log DROP COLUMN c1")
            && run
                .stderr
                .contains(&format!("SELECT pg_terminate_backend({pid})")),
        "{}",
        run.stderr
    );
    assert_eq!(log_columns(&p), ["id", "c1"]);
    drop(holder);
    p.run(Models::None, &["downgrade", "base"]).expect(0);
    assert_eq!(log_columns(&p), ["id"]);
}

#[test]
fn postgres_lock_timeout_zero_waits_for_the_blocker() {
    let Some(p) = blocked_project() else { return };
    let (mut holder, _pid) = blocker(&p);
    let mut run = p
        .command(Models::None, &["upgrade", "--lock-timeout", "0"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    assert!(run.try_wait().unwrap().is_none(), "still waiting after 3 s");
    holder.batch_execute("COMMIT").unwrap();
    assert!(run.wait().unwrap().success());
    assert_eq!(log_columns(&p), ["id", "c1"]);
}

#[test]
fn a_lock_timeout_without_a_unit_is_refused() {
    let p = Project::new();
    let run = p
        .run(Models::V1, &["upgrade", "--lock-timeout", "10"])
        .expect(2);
    assert!(
        run.stderr
            .contains("'10' is not a duration: write a whole number with a unit, e.g. 500ms, 10s"),
        "{}",
        run.stderr
    );
    std::fs::write(
        p.path().join("Retort.toml"),
        "lock_timeout = \"ten seconds\"\n",
    )
    .unwrap();
    let run = p.run(Models::V1, &["upgrade"]).expect(2);
    assert!(
        run.stderr
            .contains("Retort.toml is invalid: lock_timeout: 'ten seconds' is not a duration"),
        "{}",
        run.stderr
    );
    assert!(!p.db_path().exists(), "nothing ran");
}

/// Polls `sql` (rows of column `v`) on the project's database until `done` holds, up to 20 s.
fn poll(p: &Project, sql: &str, done: impl Fn(&[String]) -> bool) -> Vec<String> {
    let start = Instant::now();
    loop {
        let rows = p.strings(sql);
        if done(&rows) || start.elapsed() > Duration::from_secs(20) {
            return rows;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(unix)]
#[test]
fn postgres_an_interrupted_run_leaves_no_statement_on_the_server() {
    let Some(p) = blocked_project() else { return };
    let (holder, _pid) = blocker(&p);
    // No limit: without the cancel, the statement would wait on the server for the blocker.
    let mut run = p
        .command(Models::None, &["upgrade", "--lock-timeout", "0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let retort_sessions = "SELECT state || ' ' || coalesce(wait_event_type, '-') || ': ' || query \
         AS v FROM pg_stat_activity WHERE datname = current_database() \
         AND application_name LIKE 'retort%' AND pid <> pg_backend_pid()";
    let waiting = poll(&p, retort_sessions, |rows| {
        rows.iter()
            .any(|r| r.starts_with("active Lock: ALTER TABLE log"))
    });
    assert!(
        waiting
            .iter()
            .any(|r| r.starts_with("active Lock: ALTER TABLE log")),
        "{waiting:?}"
    );
    let status = std::process::Command::new("kill")
        .args(["-INT", &run.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    while run.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the CLI ends on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Ended as SIGINT ends a process (a shell shows status 130).
    let ended = run.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&ended),
        Some(2),
        "{ended:?}"
    );
    let left = poll(&p, retort_sessions, |rows| rows.is_empty());
    assert!(
        left.is_empty(),
        "Retort's statement is still on the server: {left:?}"
    );
    assert_eq!(log_columns(&p), ["id"]);
    drop(holder);
    p.run(Models::None, &["upgrade"]).expect(0);
    assert_eq!(log_columns(&p), ["id", "c1"]);
}

#[test]
fn postgres_the_limit_bounds_create_index_concurrently_waiting_for_older_transactions() {
    let Some(p) = blocked_project() else { return };
    let dir = &p.revision_dirs()[0];
    std::fs::write(
        dir.join("up.sql"),
        "CREATE INDEX CONCURRENTLY ix_log_id ON log (id);\n",
    )
    .unwrap();
    std::fs::write(dir.join("down.sql"), "DROP INDEX ix_log_id;\n").unwrap();
    let metadata = dir.join("metadata.toml");
    let text = std::fs::read_to_string(&metadata).unwrap();
    std::fs::write(
        &metadata,
        text.replace("run_in_transaction = true", "run_in_transaction = false"),
    )
    .unwrap();
    // An open transaction that wrote to `log`: its lock does not keep the index build from
    // starting, but the build waits for it to end.
    let (holder, pid) = blocker_with(&p, "INSERT INTO log VALUES (1);");
    let run = p
        .run(
            Models::None,
            &["upgrade", "--lock-timeout", "1s", "--lock-retries", "0"],
        )
        .expect(2);
    assert!(
        run.stderr
            .contains("canceling statement due to lock timeout")
            && run
                .stderr
                .contains(&format!("SELECT pg_terminate_backend({pid})")),
        "{}",
        run.stderr
    );
    let valid =
        "SELECT indisvalid::text AS v FROM pg_index WHERE indexrelid = 'ix_log_id'::regclass";
    assert_eq!(
        p.strings(valid),
        ["false"],
        "the cancelled build leaves an invalid index"
    );
    drop(holder);
    // The next run drops the invalid index before it builds it again.
    let run = p
        .run(Models::None, &["upgrade", "--lock-timeout", "1s"])
        .expect(0);
    assert!(
        run.stderr
            .contains("dropped the INVALID index \"ix_log_id\" that the interrupted"),
        "{}",
        run.stderr
    );
    assert_eq!(p.strings(valid), ["true"]);
}
