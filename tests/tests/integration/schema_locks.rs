//! PostgreSQL's run lock is per database and schema migrated
//! (`retort::backend::postgres::run_lock_keys`): runs on two schemas of one database overlap,
//! two runs on one schema exclude each other, and an older Retort's database-wide lock still
//! excludes every run.

use std::process::Stdio;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::Connection;

use crate::support::{revision, Backend, Models, Project, Run};

/// A project with two tenant schemas at a first revision (so their bookkeeping tables exist:
/// two runs creating them at once would wait for each other in the catalog), and a second
/// revision that sleeps `seconds` in tenant_a (none elsewhere).
fn slow_project(seconds: u32) -> Option<Project> {
    let p = Project::on(Backend::Postgres)?;
    p.execute("CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b;");
    revision(&p, "first", "SELECT 1;\n", "SELECT 1;\n");
    for schema in ["tenant_a", "tenant_b"] {
        p.run(Models::None, &["--schema", schema, "upgrade"])
            .expect(0);
    }
    revision(
        &p,
        "slow",
        &format!(
            "CREATE TABLE slow (id INT);\n\
             SELECT pg_sleep(CASE WHEN current_schema() = 'tenant_a' THEN {seconds} ELSE 0 END);\n"
        ),
        "DROP TABLE slow;\n",
    );
    Some(p)
}

/// Waits until a session of the database runs `pg_sleep` (the slow revision has the lock).
fn wait_for_sleep(p: &Project) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        let n = p.strings(
            "SELECT count(*)::text AS v FROM pg_stat_activity \
             WHERE query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()",
        );
        if n.first().is_some_and(|n| n != "0") {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the slow revision did not start");
}

fn upgrade(p: &Project, schema: &str) -> std::process::Command {
    let mut command = p.command(
        Models::None,
        &["--lock-wait", "1", "--schema", schema, "upgrade"],
    );
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    command
}

#[test]
fn runs_on_two_schemas_of_one_database_overlap_and_on_one_schema_exclude_each_other() {
    let Some(p) = slow_project(6) else {
        return;
    };
    let mut first = upgrade(&p, "tenant_a").spawn().unwrap();
    wait_for_sleep(&p);
    // Another schema: its run does not wait for tenant_a's (1 s of --lock-wait would not do).
    let other = Run::from(upgrade(&p, "tenant_b").output().unwrap());
    // The same schema: it waits for the lock and gives up after 1 s.
    let same = Run::from(upgrade(&p, "tenant_a").output().unwrap());
    // Both while the first still ran.
    assert!(first.try_wait().unwrap().is_none(), "{other:?} {same:?}");
    let first = Run::from(first.wait_with_output().unwrap()).expect(0);
    let other = other.expect(0);
    assert!(other.stdout.contains("Applied"), "{other:?}");
    let same = same.expect(2);
    let (k1, k2) = retort::backend::postgres::run_lock_keys("tenant_a");
    assert!(
        same.stderr.contains(&format!(
            "advisory lock ({k1}, {k2}) of schema \"tenant_a\""
        )) && same.stderr.contains("held by the session with pid"),
        "{same:?}"
    );
    assert!(first.stdout.contains("Applied"), "{first:?}");
    // Each schema has the revision once.
    for schema in ["tenant_a", "tenant_b"] {
        let versions = p.strings(&format!(
            "SELECT version AS v FROM {schema}.__diesel_schema_migrations"
        ));
        assert_eq!(versions.len(), 2, "{schema}: {versions:?}");
    }
}

#[test]
fn a_held_schema_lock_stops_only_that_schemas_runs_and_an_old_database_lock_stops_all() {
    let Some(p) = slow_project(0) else {
        return;
    };
    let mut holder = PgConnection::establish(&p.url).unwrap();
    let (k1, k2) = retort::backend::postgres::run_lock_keys("tenant_a");
    holder
        .batch_execute(&format!("SELECT pg_advisory_lock({k1}, {k2})"))
        .unwrap();
    Run::from(upgrade(&p, "tenant_b").output().unwrap()).expect(0);
    let held = Run::from(upgrade(&p, "tenant_a").output().unwrap()).expect(2);
    assert!(held.stderr.contains("of schema \"tenant_a\""), "{held:?}");
    holder
        .batch_execute(&format!("SELECT pg_advisory_unlock({k1}, {k2})"))
        .unwrap();
    // An older Retort took one database-wide key exclusively: every schema waits for it.
    holder
        .batch_execute(&format!(
            "SELECT pg_advisory_lock({})",
            retort::backend::postgres::ADVISORY_LOCK_KEY
        ))
        .unwrap();
    let old = Run::from(upgrade(&p, "tenant_a").output().unwrap()).expect(2);
    assert!(
        old.stderr.contains("held by the session with pid"),
        "{old:?}"
    );
    drop(holder);
    Run::from(upgrade(&p, "tenant_a").output().unwrap()).expect(0);
}
