//! Runs through a real pgbouncer in transaction pooling mode (`scripts/test.sh` starts one in
//! front of its throwaway PostgreSQL: `TEST_PGBOUNCER_URL`), where consecutive transactions of
//! one client run on different server connections.

use std::process::{Child, Stdio};

use diesel::pg::PgConnection;
use diesel::sql_types::Text;
use diesel::{Connection, QueryableByName, RunQueryDsl};

use crate::support::*;

/// `TEST_PGBOUNCER_URL`: required under CI, else the test skips.
pub(crate) fn pgbouncer_url() -> Option<String> {
    match std::env::var("TEST_PGBOUNCER_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("TEST_PGBOUNCER_URL is not set: CI must test pgbouncer (run ./scripts/test.sh)")
        }
        _ => {
            skipped(
                "no pgbouncer",
                "TEST_PGBOUNCER_URL is not set; run ./scripts/test.sh to test through pgbouncer",
            );
            None
        }
    }
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

pub(crate) fn lines(url: &str, sql: &str) -> Vec<String> {
    let mut conn = PgConnection::establish(url).expect("connect directly");
    diesel::sql_query(sql)
        .load::<Line>(&mut conn)
        .expect(sql)
        .into_iter()
        .map(|l| l.line)
        .collect()
}

/// A project whose Retort.toml reaches its database through pgbouncer; the direct URL too.
pub(crate) fn pooled_project() -> Option<(Project, String)> {
    let bouncer = pgbouncer_url()?;
    let p = Project::on(Backend::Postgres)?;
    let db = p.url.rsplit('/').next().unwrap().split('?').next().unwrap();
    let pooled = retort::backend::postgres::replace_database(&bouncer, db);
    std::fs::write(
        p.path().join("Retort.toml"),
        format!(
            "database_url = \"{pooled}\"\nmigrations_dir = \"migrations\"\nignore = [\"applied_log\"]\n"
        ),
    )
    .unwrap();
    Some((p, pooled))
}

#[test]
fn four_runners_through_pgbouncer_in_transaction_mode_apply_each_revision_once() {
    let Some((p, _pooled)) = pooled_project() else {
        return;
    };
    p.run(Models::V1, &["autogenerate", "-m", "models"])
        .expect(0);
    // Each revision logs itself (a second application would log twice, or fail on CREATE),
    // and takes long enough for the runs to overlap.
    revision(
        &p,
        "log",
        "CREATE TABLE applied_log (rev TEXT NOT NULL);\nINSERT INTO applied_log VALUES ('log');\nSELECT pg_sleep(0.4);\n",
        "DROP TABLE applied_log;\n",
    );
    for n in 3..=5 {
        revision(
            &p,
            &format!("step {n}"),
            &format!("INSERT INTO applied_log VALUES ('{n}');\nSELECT pg_sleep(0.3);\n"),
            &format!("DELETE FROM applied_log WHERE rev = '{n}';\n"),
        );
    }
    // Three runs through pgbouncer, and one connected directly (the advisory lock), at once.
    let children: Vec<Child> = (0..4)
        .map(|n| {
            let mut command = p.command(Models::V1, &["upgrade", "head"]);
            if n == 3 {
                command.env("DATABASE_URL", &p.url);
            }
            command
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let runs: Vec<Run> = children
        .into_iter()
        .map(|c| Run::from(c.wait_with_output().unwrap()).expect(0))
        .collect();
    let applied: usize = runs
        .iter()
        .map(|r| {
            r.stdout
                .lines()
                .filter(|l| l.starts_with("Applied "))
                .count()
        })
        .sum();
    assert_eq!(applied, 5, "{runs:#?}");
    let mut log = lines(&p.url, "SELECT rev AS line FROM applied_log");
    log.sort();
    assert_eq!(log, ["3", "4", "5", "log"]);
    let versions = lines(
        &p.url,
        "SELECT version AS line FROM __diesel_schema_migrations",
    );
    assert_eq!(versions.len(), 5, "{versions:?}");
    // The lock row is gone.
    assert!(lines(&p.url, "SELECT token AS line FROM __retort_lock").is_empty());
    let check = p.run(Models::V1, &["check"]).expect(0);
    assert!(check.stdout.contains("matches the models"), "{check:?}");
}

#[test]
fn a_schema_the_pooled_role_does_not_start_at_is_refused_with_the_way_out() {
    let Some((p, _pooled)) = pooled_project() else {
        return;
    };
    p.execute("CREATE SCHEMA other");
    let run = p
        .run(Models::V1, &["--schema", "other", "current"])
        .expect(2);
    assert!(
        run.stderr.contains("goes through a connection pooler")
            && run
                .stderr
                .contains("ALTER ROLE CURRENT_USER SET search_path TO \"other\""),
        "{run:?}"
    );
}

#[test]
fn a_held_lock_row_stops_pooled_and_direct_runs_and_names_its_holder() {
    let Some((p, _pooled)) = pooled_project() else {
        return;
    };
    p.run(Models::V1, &["autogenerate", "-m", "models"])
        .expect(0);
    // A first run creates the lock table; then a run "elsewhere" holds the row.
    p.run(Models::V1, &["stamp", "base"]).expect(0);
    p.execute(
        "INSERT INTO __retort_lock (id, token, holder, taken_at, beat, beat_at) \
         VALUES (1, 'elsewhere', 'retort pid 1 (role x)', now(), 7, now())",
    );
    let direct = p.url.clone();
    for url in [None, Some(direct.as_str())] {
        let mut command = p.command(Models::V1, &["--lock-wait", "1", "upgrade"]);
        if let Some(url) = url {
            command.env("DATABASE_URL", url);
        }
        let run = Run::from(command.output().unwrap()).expect(2);
        assert!(
            run.stderr.contains("held by retort pid 1 (role x)")
                && run.stderr.contains("heartbeat 7")
                && run
                    .stderr
                    .contains("DELETE FROM \"public\".__retort_lock WHERE token = 'elsewhere'"),
            "{url:?}: {run:?}"
        );
    }
    assert!(lines(
        &p.url,
        "SELECT version AS line FROM __diesel_schema_migrations"
    )
    .is_empty());
    p.execute("DELETE FROM __retort_lock");
    p.run(Models::V1, &["upgrade"]).expect(0);
}

#[test]
fn a_pooled_run_waits_for_a_direct_runs_lock_on_its_schema_only() {
    use diesel::connection::SimpleConnection;
    let Some((p, _pooled)) = pooled_project() else {
        return;
    };
    p.run(Models::V1, &["autogenerate", "-m", "models"])
        .expect(0);
    let mut holder = PgConnection::establish(&p.url).unwrap();
    // A direct run on another schema of the database: no matter.
    let (k1, k2) = retort::backend::postgres::run_lock_keys("tenant_x");
    holder
        .batch_execute(&format!("SELECT pg_advisory_lock({k1}, {k2})"))
        .unwrap();
    p.run(Models::V1, &["--lock-wait", "1", "stamp", "base"])
        .expect(0);
    // A direct run on public, the pooled run's schema: it waits, and names that session.
    let (k1, k2) = retort::backend::postgres::run_lock_keys("public");
    holder
        .batch_execute(&format!("SELECT pg_advisory_lock({k1}, {k2})"))
        .unwrap();
    let run = p
        .run(Models::V1, &["--lock-wait", "1", "upgrade"])
        .expect(2);
    assert!(
        run.stderr.contains("held by the session with pid"),
        "{run:?}"
    );
    assert!(lines(&p.url, "SELECT token AS line FROM __retort_lock").is_empty());
    drop(holder);
    p.run(Models::V1, &["--lock-wait", "1", "upgrade"])
        .expect(0);
}
