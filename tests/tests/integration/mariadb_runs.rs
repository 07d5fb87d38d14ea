//! MariaDB runs and other sessions: a statement waiting for another session's table lock gives
//! up after `--lock-timeout`, and a run interrupted by SIGINT ends its session on the server.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::Connection;

use crate::mariadb_support::MyProject;
use crate::support::Run;

const BLOG: &str = env!("CARGO_BIN_EXE_retort_custom");

/// A blog project at head, with a second revision (not applied) whose SQL is `up`.
fn with_revision(up: &str) -> Option<MyProject> {
    let p = MyProject::new()?;
    p.run(BLOG, &["autogenerate", "-m", "blog"]).expect(0);
    p.run(BLOG, &["upgrade", "head"]).expect(0);
    p.run(BLOG, &["revision", "-m", "more"]).expect(0);
    let dir = p.revision_dirs()[1].clone();
    std::fs::write(dir.join("up.sql"), up).unwrap();
    std::fs::write(dir.join("down.sql"), "SELECT 1;\n").unwrap();
    Some(p)
}

/// How long (ms) the run's `ALTER TABLE posts` has been waiting for a table's metadata lock,
/// as the server shows it, while it does (`None` when no such statement waits).
fn alter_waiting(p: &MyProject) -> Option<u64> {
    p.strings(
        "SELECT CAST(MAX(TIME_MS) AS CHAR) AS v FROM information_schema.PROCESSLIST \
         WHERE INFO LIKE 'ALTER TABLE%posts%' AND DB = DATABASE() \
         AND STATE = 'Waiting for table metadata lock'",
    )[0]
    .as_deref()
    .map(|ms| ms.parse::<f64>().expect("TIME_MS") as u64)
}

/// Watches the run's `ALTER TABLE posts` wait for the lock and give up: returns when it no
/// longer waits (the lock still held, it failed), with the longest wait seen (ms) and how long
/// it was seen waiting.
fn watch_alter_give_up(p: &MyProject) -> (u64, Duration, Duration) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut first = None;
    let mut longest = 0;
    let mut last = Instant::now();
    loop {
        assert!(
            Instant::now() < deadline,
            "the run's ALTER TABLE waited and gave up within a minute"
        );
        match alter_waiting(p) {
            Some(ms) => {
                first.get_or_insert_with(Instant::now);
                longest = longest.max(ms);
                last = Instant::now();
            }
            None if first.is_some() => break,
            None => {}
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // How long before it was seen gone it was last seen waiting: the watcher's own delay (on a
    // loaded machine it may not look for a while).
    (longest, first.expect("seen").elapsed(), last.elapsed())
}

#[test]
fn a_statement_gives_up_waiting_for_a_table_lock_after_the_lock_timeout() {
    let Some(p) = with_revision("ALTER TABLE posts ADD COLUMN extra INT NULL;\n") else {
        return;
    };
    // Another session's open transaction has read `posts`: ALTER TABLE waits for it.
    let mut other = diesel::mysql::MysqlConnection::establish(&p.url).unwrap();
    other.batch_execute("BEGIN; SELECT * FROM posts").unwrap();
    let started = Instant::now();
    let child = p
        .command(
            BLOG,
            &[
                "upgrade",
                "head",
                "--lock-timeout",
                "1500ms",
                "--lock-retries",
                "0",
            ],
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The server shows the statement waiting, then not (it gave up: the lock is still held).
    let (longest, seen, unwatched) = watch_alter_give_up(&p);
    let failed = Run::from(child.wait_with_output().unwrap()).expect(2);
    let waited = started.elapsed();
    assert!(
        failed.stderr.contains("Lock wait timeout exceeded"),
        "{}",
        failed.stderr
    );
    // 1500ms is 2 s on MariaDB (whole seconds, rounded up), well below the 10 s default: the
    // statement waited past 1.5 s, the run at least 2 s, and the server showed the statement
    // waiting for less than 8 s (whatever the run took to get there).
    // (Unless the watcher itself did not look for a while at the end: then the run's own time
    // below says it.)
    assert!(
        longest >= 1500 || unwatched > Duration::from_millis(300),
        "waited {longest} ms"
    );
    assert!(waited >= Duration::from_millis(1900), "{waited:?}");
    assert!(seen < Duration::from_secs(8), "{seen:?}");
    other.batch_execute("ROLLBACK").unwrap();
    p.run(BLOG, &["upgrade", "head"]).expect(0);

    // With retries, a lock held for a moment costs a retry, not the run: the other session
    // lets go once the server shows the first attempt waited and gave up.
    p.run(BLOG, &["downgrade", "-1"]).expect(0);
    p.execute("ALTER TABLE posts DROP COLUMN extra");
    let mut other = diesel::mysql::MysqlConnection::establish(&p.url).unwrap();
    other.batch_execute("BEGIN; SELECT * FROM posts").unwrap();
    let child = p
        .command(BLOG, &["upgrade", "head", "--lock-timeout", "1s"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    watch_alter_give_up(&p);
    other.batch_execute("ROLLBACK").unwrap();
    let run = Run::from(child.wait_with_output().unwrap()).expect(0);
    assert!(
        run.stderr
            .contains("gave up waiting for a lock; trying again in 1 s (attempt 2 of 5)"),
        "{}",
        run.stderr
    );
    assert_eq!(
        p.strings(
            "SELECT COLUMN_NAME AS v FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'posts' AND COLUMN_NAME = 'extra'"
        ),
        [Some("extra".to_owned())]
    );
}

#[test]
fn an_interrupted_run_ends_its_session_on_the_server() {
    let Some(p) = with_revision("SELECT SLEEP(30);\n") else {
        return;
    };
    let sleeping = |p: &MyProject| {
        p.strings(
            "SELECT CAST(COUNT(*) AS CHAR) AS v FROM information_schema.PROCESSLIST \
             WHERE INFO LIKE 'SELECT SLEEP(30)%' AND DB = DATABASE()",
        )[0]
        .clone()
        .unwrap()
    };
    // (Not rehearsed: the rehearsal would sleep on the scratch copy first.)
    let mut child = p
        .command(BLOG, &["upgrade", "head", "--no-rehearsal"])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while sleeping(&p) != "1" {
        assert!(Instant::now() < deadline, "the run's statement started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(!exit.success(), "{exit:?}");
    // The statement does not run on after the process is gone.
    let deadline = Instant::now() + Duration::from_secs(5);
    while sleeping(&p) != "0" {
        assert!(
            Instant::now() < deadline,
            "the run's session was ended on the server"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        p.strings("SELECT CAST(COUNT(*) AS CHAR) AS v FROM __diesel_schema_migrations"),
        [Some("1".to_owned())],
        "the interrupted revision is not recorded"
    );
}

/// Introspection reads `information_schema` in the same five queries for 2 tables as for 40.
#[test]
fn introspection_takes_a_fixed_number_of_queries() {
    use diesel::sql_types::Text;
    use diesel::{QueryableByName, RunQueryDsl};
    let Some(p) = MyProject::new() else {
        return;
    };
    #[derive(QueryableByName)]
    struct Status {
        #[diesel(sql_type = Text, column_name = "Value")]
        value: String,
    }
    let selects = |conn: &mut diesel::mysql::MysqlConnection| -> u64 {
        diesel::sql_query("SHOW SESSION STATUS LIKE 'Com_select'")
            .get_result::<Status>(conn)
            .unwrap()
            .value
            .parse()
            .unwrap()
    };
    let mut counts = Vec::new();
    for tables in [2, 40] {
        let sql: String = (counts.len() * 2..tables)
            .map(|i| {
                format!(
                    "CREATE TABLE t{i} (id BIGINT AUTO_INCREMENT PRIMARY KEY, \
                     v VARCHAR(10) NOT NULL DEFAULT 'x' CHECK (v <> ''), \
                     p BIGINT NULL REFERENCES t0 (id), UNIQUE KEY uq{i} (v));"
                )
            })
            .collect();
        p.execute(&sql);
        let url: retort::db::DatabaseUrl = p.url.parse().unwrap();
        let mut conn = retort::db::Connection::open(&url, false).unwrap();
        let schema = conn.introspect().unwrap();
        assert_eq!(schema.tables.len(), tables);
        let t1 = &schema.tables["t1"];
        assert_eq!(t1.identity.as_deref(), Some("id"));
        assert_eq!(t1.primary_key, ["id"]);
        assert_eq!(t1.column("v").unwrap().default.as_deref(), Some("'x'"));
        let fk = &t1.foreign_keys[0];
        assert_eq!(
            (fk.columns.as_slice(), fk.ref_table.as_str()),
            (&["p".to_owned()][..], "t0")
        );
        // The key's own index (InnoDB's, named after it) is not an index of the models.
        assert_eq!(
            t1.indexes
                .iter()
                .map(|i| (i.name.as_str(), i.unique))
                .collect::<Vec<_>>(),
            [("uq1", true)]
        );
        assert_eq!(t1.table_constraints.len(), 1, "{:?}", t1.table_constraints);
        let mut conn = conn.into_mysql().expect("a MariaDB connection");
        // The SELECTs the session ran (`SHOW STATUS` is not one).
        counts.push(selects(&mut conn));
    }
    // The server's version, read once when the session opens, the five queries of the
    // tables, the three of views, triggers and routines, and the session's sql_mode.
    assert_eq!(counts, [10, 10]);
}
