//! Waiting on locks: `--lock-wait` (another run's migration lock) on both backends, and
//! PostgreSQL's statement lock timeout (`upgrade --lock-timeout`), which ends a migration
//! statement blocked by another session's transaction and names that session.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;

use crate::support::{Models, Project};

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
