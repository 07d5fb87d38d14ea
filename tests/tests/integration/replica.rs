//! A read-only hot standby (`TEST_REPLICA_URL`: a streaming replica of this run's PostgreSQL,
//! started by `scripts/test.sh` with `pg_basebackup -R`): `check` reads it and spells the models
//! on a writable `--scratch-url` server, or says what it needs; runs are refused there.

use std::time::{Duration, Instant};

use diesel::pg::PgConnection;
use diesel::sql_types::{Bool, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl};

use crate::support::{postgres_url, skipped, Backend, Models, Project, NO_POSTGRES};

/// The standby of this run's PostgreSQL (a server URL, its `postgres` database).
fn replica_url() -> Option<String> {
    postgres_url()?;
    match std::env::var("TEST_REPLICA_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("TEST_REPLICA_URL is not set: CI must test a standby (run ./scripts/test.sh)")
        }
        _ => {
            skipped(
                NO_POSTGRES,
                "TEST_REPLICA_URL is not set; run ./scripts/test.sh to test a standby",
            );
            None
        }
    }
}

#[derive(QueryableByName)]
struct Lsn {
    #[diesel(sql_type = Text)]
    lsn: String,
}

#[derive(QueryableByName)]
struct Caught {
    #[diesel(sql_type = Bool)]
    caught: bool,
}

/// Waits until the standby has replayed everything the primary wrote so far.
fn wait_for_replay(primary: &str, standby: &str) {
    let Lsn { lsn } = diesel::sql_query("SELECT pg_current_wal_lsn()::text AS lsn")
        .get_result(&mut PgConnection::establish(primary).expect("primary"))
        .expect("the primary's WAL position");
    let start = Instant::now();
    loop {
        let caught = PgConnection::establish(standby).ok().and_then(|mut c| {
            diesel::sql_query(format!(
                "SELECT COALESCE(pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn, false) AS caught"
            ))
            .get_result::<Caught>(&mut c)
            .ok()
        });
        if caught.is_some_and(|c| c.caught) {
            return;
        }
        assert!(
            // Generous: the standby replays every other test's databases too (each CREATE
            // DATABASE copies a template), which on a loaded machine takes a while.
            start.elapsed() < Duration::from_secs(300),
            "the standby did not replay {lsn} within 300 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn check_reads_a_standby_and_spells_the_models_on_a_scratch_server() {
    let Some(replica) = replica_url() else {
        return;
    };
    let p = Project::on(Backend::Postgres).expect("PostgreSQL available");
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    p.run(Models::V1, &["upgrade"]).expect(0);
    let db = p.url.rsplit('/').next().unwrap().to_owned();
    let standby = retort::backend::postgres::replace_database(&replica, &db);
    wait_for_replay(&p.url, &standby);
    let on_standby = |args: &[&str]| {
        p.run(
            Models::V1,
            &[&["--database-url", standby.as_str()][..], args].concat(),
        )
    };

    // Reading needs nothing more; spelling the models needs a server that takes TEMP tables.
    on_standby(&["current"]).expect(0);
    let refused = on_standby(&["check"]).expect(2);
    assert!(
        refused
            .stderr
            .contains("this PostgreSQL database is read-only (a hot standby")
            && refused.stderr.contains("with --scratch-url"),
        "{}",
        refused.stderr
    );
    let server = postgres_url().unwrap();
    let checked = on_standby(&["--scratch-url", &server, "check"]).expect(0);
    assert!(
        checked.stdout.contains("No changes detected"),
        "{}",
        checked.stdout
    );
    // The models differ from the standby (v2): reported, as on the primary.
    let differs = p
        .run(
            Models::V2,
            &[
                "--database-url",
                &standby,
                "--scratch-url",
                &server,
                "check",
            ],
        )
        .expect(1);
    assert!(
        differs.stdout.contains("a new migration would contain"),
        "{}",
        differs.stdout
    );
    // check --shadow makes its scratch database on the scratch server.
    on_standby(&["--scratch-url", &server, "check", "--shadow"]).expect(0);
    // Migrations go to the primary.
    let run = on_standby(&["upgrade"]).expect(2);
    assert!(
        run.stderr
            .contains("this PostgreSQL server is a read-only standby (pg_is_in_recovery()): run migrations on the primary"),
        "{}",
        run.stderr
    );
}
