//! The lock row's heartbeat through a real pgbouncer in transaction pooling mode: a run killed
//! while it holds `__retort_lock` loses it once its TTL has passed without a heartbeat (the TTL
//! shortened with `RETORT_POOLER_LOCK_TTL`, which the holder writes into its row), while a
//! living holder's heartbeat keeps it however long its revision takes.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use retort::backend::postgres::POOLER_LOCK_TTL_VARIABLE as TTL_VARIABLE;

use crate::pooler::{lines, pooled_project};
use crate::support::{revision, Models, Project, Run};

/// A project through pgbouncer with one revision that logs itself and sleeps `seconds`.
fn sleeping(seconds: u32) -> Option<Project> {
    let (p, _pooled) = pooled_project()?;
    revision(
        &p,
        "slow",
        &format!(
            "CREATE TABLE applied_log (rev TEXT NOT NULL);\n\
             INSERT INTO applied_log VALUES ('slow');\nSELECT pg_sleep({seconds});\n"
        ),
        "DROP TABLE applied_log;\n",
    );
    // The bookkeeping and lock tables, so the runs below meet only at the lock.
    p.run(Models::None, &["stamp", "base"]).expect(0);
    Some(p)
}

/// A pooled `upgrade` with `ttl` seconds of TTL, running.
fn holder(p: &Project, ttl: &str) -> Child {
    p.command(Models::None, &["upgrade"])
        .env(TTL_VARIABLE, ttl)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the holder's revision sleeps (it holds the lock row by then).
fn wait_for_sleep(p: &Project) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        let n = lines(
            &p.url,
            "SELECT count(*)::text AS line FROM pg_stat_activity \
             WHERE query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()",
        );
        if n.first().is_some_and(|n| n != "0") {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the holder's revision did not start");
}

#[test]
fn a_killed_pooled_run_loses_its_lock_row_after_its_ttl() {
    let Some(p) = sleeping(3) else {
        return;
    };
    let mut killed = holder(&p, "2");
    wait_for_sleep(&p);
    assert_eq!(
        lines(&p.url, "SELECT ttl_ms::text AS line FROM __retort_lock"),
        ["2000"]
    );
    killed.kill().unwrap();
    killed.wait().unwrap();
    // The row stays (its heartbeat has stopped): the next run, through the pooler, takes it
    // over once it has seen the same heartbeat for the row's 2 s, and applies the revision
    // (once: the killed run's transaction rolled back).
    let start = Instant::now();
    let run = p
        .run(Models::None, &["--lock-wait", "30", "upgrade"])
        .expect(0);
    let waited = start.elapsed();
    assert!(run.stdout.contains("Applied"), "{run:?}");
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(25),
        "{waited:?}"
    );
    assert_eq!(
        lines(&p.url, "SELECT rev AS line FROM applied_log"),
        ["slow"]
    );
    assert!(lines(&p.url, "SELECT token AS line FROM __retort_lock").is_empty());
}

#[test]
fn a_living_pooled_runs_heartbeat_keeps_its_lock_row_past_its_ttl() {
    let Some(p) = sleeping(4) else {
        return;
    };
    // A TTL of 1 s: the holder beats every 166 ms; its revision takes 4 s.
    let living = holder(&p, "1");
    wait_for_sleep(&p);
    let beat = || lines(&p.url, "SELECT beat::text AS line FROM __retort_lock");
    let first = beat();
    let waiter = p
        .command(Models::None, &["--lock-wait", "30", "upgrade"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert_ne!(beat(), first, "the heartbeat goes on");
    let living = Run::from(living.wait_with_output().unwrap()).expect(0);
    assert!(living.stdout.contains("Applied"), "{living:?}");
    let waiter = Run::from(waiter.wait_with_output().unwrap()).expect(0);
    assert!(waiter.stdout.contains("Nothing to apply"), "{waiter:?}");
    assert_eq!(
        lines(&p.url, "SELECT rev AS line FROM applied_log"),
        ["slow"]
    );
}

#[test]
fn a_bad_ttl_is_refused_with_the_fix() {
    let Some((p, _pooled)) = pooled_project() else {
        return;
    };
    let run = Run::from(
        p.command(Models::None, &["upgrade"])
            .env(TTL_VARIABLE, "0")
            .output()
            .unwrap(),
    )
    .expect(2);
    assert!(
        run.stderr.contains(&format!(
            "{TTL_VARIABLE}=0: not a whole number of seconds from 1 to 3600"
        )),
        "{run:?}"
    );
}

#[test]
fn a_lock_table_of_an_older_retort_gets_its_ttl_column() {
    let Some((p, _pooled)) = pooled_project() else {
        return;
    };
    // The table as Retort made it before the TTL was written into the row, with a row of a
    // run that is gone: it counts the default 30 s, so the run gives up first.
    p.execute(
        "CREATE TABLE __retort_lock (id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL, \
         holder TEXT NOT NULL, taken_at TIMESTAMPTZ NOT NULL, beat BIGINT NOT NULL, \
         beat_at TIMESTAMPTZ NOT NULL); \
         INSERT INTO __retort_lock VALUES (1, 'old', 'retort pid 1 (role x)', now(), 0, now())",
    );
    for direct in [false, true] {
        let mut command = p.command(Models::None, &["--lock-wait", "1", "upgrade"]);
        if direct {
            command.env("DATABASE_URL", &p.url);
        }
        let run = Run::from(command.output().unwrap()).expect(2);
        assert!(
            run.stderr
                .contains("loses it after 30 s without a heartbeat"),
            "{run:?}"
        );
    }
    assert_eq!(
        lines(
            &p.url,
            "SELECT attname::text AS line FROM pg_attribute \
             WHERE attrelid = '__retort_lock'::regclass AND attname = 'ttl_ms'"
        ),
        ["ttl_ms"]
    );
    p.execute("DELETE FROM __retort_lock");
    p.run(Models::None, &["upgrade"]).expect(0);
}
