//! Faults and hostile input at the database boundary (issue 15): passwords in URLs, hostile
//! schema names in hints, an orphaned session holding the advisory lock, scratch databases of
//! interrupted runs, and the database file a failed first run created.

use crate::support::{Backend, Models, Project};

/// Both output streams of a run, for asserting that something never appears.
fn all_output(run: &crate::support::Run) -> String {
    format!("{}\n{}", run.stdout, run.stderr)
}

#[test]
fn a_password_is_never_printed_wherever_the_url_carries_it() {
    let p = Project::new();
    // An unreachable server: the error names the URL, with its password parameter masked.
    let url = "postgres://nobody@127.0.0.1:1/app?sslmode=disable&password=secret";
    let run = p
        .run(Models::V1, &["--database-url", url, "current"])
        .expect(2);
    assert!(!all_output(&run).contains("secret"), "{run:?}");
    assert!(
        run.stderr.contains(
            "cannot connect to postgres://nobody@127.0.0.1:1/app?sslmode=disable&password=***"
        ),
        "{}",
        run.stderr
    );
    // Any case of the parameter's name.
    let run = p
        .run(
            Models::V1,
            &[
                "--database-url",
                "postgres://u@127.0.0.1:1/a?PASSWORD=secret",
                "current",
            ],
        )
        .expect(2);
    assert!(!all_output(&run).contains("secret"), "{run:?}");
    // A key/value connection string (libpq's other syntax), which Retort does not take: the
    // error that says so masks it too.
    let run = p
        .run(
            Models::V1,
            &[
                "--database-url",
                "host=127.0.0.1 port=1 password=secret",
                "current",
            ],
        )
        .expect(2);
    assert!(!all_output(&run).contains("secret"), "{run:?}");
    assert!(run.stderr.contains("password=***"), "{}", run.stderr);
}

#[test]
fn init_does_not_write_a_url_with_a_password_parameter() {
    let p = Project::new();
    std::fs::remove_file(p.path().join("Retort.toml")).unwrap();
    for url in [
        "postgres://u@db.example/app?password=secret",
        "host=db.example password=secret",
    ] {
        let run = p
            .run(Models::V1, &["--database-url", url, "init"])
            .expect(0);
        assert!(!all_output(&run).contains("secret"), "{run:?}");
        let written = std::fs::read_to_string(p.path().join("Retort.toml")).unwrap();
        assert!(!written.contains("secret"), "{written}");
        assert!(written.contains("not written"), "{written}");
        std::fs::remove_file(p.path().join("Retort.toml")).unwrap();
    }
}

#[test]
fn the_missing_schema_hint_quotes_the_name_as_generated_sql_does() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    let hostile = "y\"; drop table users; --";
    let run = p
        .run(Models::V1, &["--schema", hostile, "current"])
        .expect(2);
    assert!(
        run.stderr
            .contains(r#"CREATE SCHEMA "y""; drop table users; --""#),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(r#""y";"#), "{}", run.stderr);
}

/// One text value (column `v`) from a PostgreSQL connection.
fn pg_text(conn: &mut diesel::pg::PgConnection, sql: &str) -> Option<String> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    diesel::sql_query(sql)
        .load::<Row>(conn)
        .expect("query runs")
        .into_iter()
        .next()
        .map(|r| r.v)
}

/// A project whose only revision sleeps `seconds` on the server when applied.
fn sleeping_project(seconds: u32) -> Option<Project> {
    let p = Project::on(Backend::Postgres)?;
    p.run(Models::None, &["revision", "-m", "sleep"]).expect(0);
    let dir = &p.revision_dirs()[0];
    std::fs::write(dir.join("up.sql"), format!("SELECT pg_sleep({seconds});\n")).unwrap();
    std::fs::write(dir.join("down.sql"), "SELECT 1;\n").unwrap();
    Some(p)
}

/// Polls until `sql` (on the project's database) returns a row, for up to 30 s.
fn wait_for_row(p: &Project, sql: &str) -> String {
    let mut conn = <diesel::pg::PgConnection as diesel::Connection>::establish(&p.url).unwrap();
    for _ in 0..300 {
        if let Some(v) = pg_text(&mut conn, sql) {
            return v;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("no row after 30 s: {sql}");
}

#[test]
fn a_lock_wait_that_runs_out_names_the_session_that_holds_the_lock() {
    use diesel::connection::SimpleConnection;
    let Some(p) = sleeping_project(0) else {
        return;
    };
    let mut holder = <diesel::pg::PgConnection as diesel::Connection>::establish(&p.url).unwrap();
    holder
        .batch_execute(&format!(
            "SET application_name TO 'orphaned-holder'; SELECT pg_advisory_lock({})",
            retort::backend::postgres::ADVISORY_LOCK_KEY
        ))
        .unwrap();
    let pid = pg_text(&mut holder, "SELECT pg_backend_pid()::text AS v").unwrap();
    let run = p
        .run(Models::None, &["--lock-wait", "1", "upgrade"])
        .expect(2);
    for expected in [
        "raise --lock-wait".to_owned(),
        format!("held by the session with pid {pid} "),
        "application_name 'orphaned-holder'".to_owned(),
        "connected 2".to_owned(),
        format!("SELECT pg_terminate_backend({pid})"),
    ] {
        assert!(run.stderr.contains(&expected), "{expected}: {}", run.stderr);
    }
    drop(holder);

    // Retort's own sessions carry an application_name naming the binary and its pid: a run
    // stuck in a long statement is recognisable in the next run's error.
    let p = sleeping_project(4).expect("PostgreSQL is there");
    let mut first = p
        .command(Models::None, &["upgrade"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let app = format!("retort retort_none pid {}", first.id());
    wait_for_row(
        &p,
        &format!(
            "SELECT pid::text AS v FROM pg_stat_activity WHERE application_name = '{app}' \
             AND query LIKE '%pg_sleep%' AND state = 'active'"
        ),
    );
    // `--lock-timeout` before the command is the deprecated name of --lock-wait: it still
    // works, with a note.
    let run = p
        .run(Models::None, &["--lock-timeout", "1", "upgrade"])
        .expect(2);
    assert!(
        run.stderr.starts_with(
            "note: --lock-timeout before the command is deprecated: it is now --lock-wait"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("application_name '{app}'"))
            && run.stderr.contains("statement: SELECT pg_sleep(4)"),
        "{}",
        run.stderr
    );
    assert!(first.wait().unwrap().success());
}

/// Scratch databases on the test server whose names start with `prefix`.
fn scratch_databases(prefix: &str) -> Vec<String> {
    let server = crate::support::postgres_url().expect("PostgreSQL is there");
    let mut admin = <diesel::pg::PgConnection as diesel::Connection>::establish(&server).unwrap();
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    diesel::sql_query("SELECT datname FROM pg_database")
        .load::<Row>(&mut admin)
        .unwrap()
        .into_iter()
        .map(|r| r.datname)
        .filter(|n| n.starts_with(prefix))
        .collect()
}

/// `check --shadow` interrupted by `signal` in the middle of its replay drops its scratch
/// database and ends by that signal.
#[cfg(unix)]
fn an_interrupted_shadow_check_drops_its_scratch_database(signal: &str, number: i32) {
    use std::os::unix::process::ExitStatusExt;
    let Some(p) = sleeping_project(60) else {
        return;
    };
    let mut child = p
        .command(Models::V1, &["check", "--shadow"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let prefix = format!("retort_shadow_{}_", child.id());
    // Mid-replay: its scratch database runs the revision's pg_sleep.
    wait_for_row(
        &p,
        &format!(
            "SELECT datname::text AS v FROM pg_stat_activity WHERE datname LIKE '{}%' \
             AND query LIKE '%pg_sleep%' AND state = 'active'",
            prefix.replace('_', "\\_")
        ),
    );
    let kill = std::process::Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(number), "{status:?}");
    assert_eq!(scratch_databases(&prefix), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn sigint_drops_the_scratch_database_of_check_shadow() {
    an_interrupted_shadow_check_drops_its_scratch_database("INT", 2);
}

#[cfg(unix)]
#[test]
fn sigterm_drops_the_scratch_database_of_check_shadow() {
    an_interrupted_shadow_check_drops_its_scratch_database("TERM", 15);
}

#[cfg(target_os = "linux")]
#[test]
fn the_next_run_drops_scratch_databases_of_dead_processes_of_this_machine_only() {
    use diesel::connection::SimpleConnection;
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    let prefix = retort::backend::postgres::scratch_database_prefix;
    let mut finished = std::process::Command::new("true").spawn().unwrap();
    let dead = finished.id();
    finished.wait().unwrap();
    let dead_here = format!("{}deadbeef", prefix(dead));
    let elsewhere = format!("retort_shadow_{dead}_00000000_deadbeef");
    let alive_here = format!("{}cafef00d", prefix(std::process::id()));
    let server = crate::support::postgres_url().unwrap();
    let mut admin = <diesel::pg::PgConnection as diesel::Connection>::establish(&server).unwrap();
    for name in [&dead_here, &elsewhere, &alive_here] {
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
    }
    // The project has no revision while V1 has models: exit 1, after the sweep.
    p.run(Models::V1, &["check", "--shadow"]).expect(1);
    let left = scratch_databases("retort_shadow_");
    for name in [&elsewhere, &alive_here] {
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"));
    }
    assert!(!left.contains(&dead_here), "{left:?}");
    assert!(left.contains(&elsewhere), "another machine's: {left:?}");
    assert!(left.contains(&alive_here), "a live process's: {left:?}");
}

#[test]
fn a_failed_first_run_on_sqlite_removes_the_database_file_it_created() {
    let p = Project::new();
    p.run(Models::None, &["revision", "-m", "bad"]).expect(0);
    let dir = &p.revision_dirs()[0];
    std::fs::write(
        dir.join("up.sql"),
        "CREATE TABLE t (id INTEGER);\nSELECT * FROM missing_table;\n",
    )
    .unwrap();
    let files = || {
        let mut names: Vec<String> = std::fs::read_dir(p.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("retort.db"))
            .collect();
        names.sort();
        names
    };
    assert!(files().is_empty());
    let run = p.run(Models::None, &["upgrade"]).expect(2);
    assert!(run.stderr.contains("missing_table"), "{}", run.stderr);
    assert_eq!(
        files(),
        Vec::<String>::new(),
        "the file the run created is gone"
    );

    // A file that was there before the run stays, even empty.
    std::fs::write(p.db_path(), b"").unwrap();
    p.run(Models::None, &["upgrade"]).expect(2);
    assert_eq!(files(), ["retort.db"]);

    // A run that succeeds keeps the file it created.
    std::fs::remove_file(p.db_path()).unwrap();
    std::fs::write(dir.join("up.sql"), "CREATE TABLE t (id INTEGER);\n").unwrap();
    p.run(Models::None, &["upgrade"]).expect(0);
    assert_eq!(files(), ["retort.db"]);
}
