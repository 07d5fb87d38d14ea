//! The measurement of the README's "Squashing": `check --shadow` on a 500-revision history,
//! before and after squashing all but the last ten. Ignored (it takes a while); run it with
//! `./scripts/test.sh -p retort-tests --test integration -- --ignored squash_measured
//! --nocapture` (`cargo test ... -- --ignored squash_measured --nocapture` for SQLite only).

use std::time::Instant;

use crate::support::{generate, postgres_url, Backend, Models, Project};

const REVISIONS: usize = 500;

/// The models' revision, then `REVISIONS` revisions written straight into the migrations
/// directory: every fifth creates a table `bench_N`, the others add a column to it. Returns
/// the ids of those, oldest first.
fn write_history(p: &Project) -> Vec<String> {
    let toml = std::fs::read_to_string(p.path().join("Retort.toml")).unwrap();
    std::fs::write(
        p.path().join("Retort.toml"),
        format!("{toml}ignore = [\"bench_*\"]\n"),
    )
    .unwrap();
    let (models, _) = generate(p, Models::V1, &["autogenerate", "-m", "models"]);
    let start = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp() + 60, 0)
        .unwrap()
        .naive_utc();
    let mut ids: Vec<String> = Vec::new();
    for i in 0..REVISIONS {
        let id = format!("{:012x}", 0xb000_0000_0000_u64 + i as u64);
        let stamp = start + chrono::Duration::seconds(i as i64);
        let dir = p
            .migrations()
            .join(format!("{}-{id}_step_{i}", stamp.format("%Y-%m-%d-%H%M%S")));
        std::fs::create_dir_all(&dir).unwrap();
        let table = format!("bench_{}", i / 5);
        let (up, down) = if i % 5 == 0 {
            (
                format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY, name TEXT NOT NULL);\n"),
                format!("DROP TABLE {table};\n"),
            )
        } else {
            (
                format!("ALTER TABLE {table} ADD COLUMN c{i} INTEGER;\n"),
                format!("ALTER TABLE {table} DROP COLUMN c{i};\n"),
            )
        };
        let parents = ids.last().unwrap_or(&models);
        std::fs::write(dir.join("up.sql"), up).unwrap();
        std::fs::write(dir.join("down.sql"), down).unwrap();
        std::fs::write(
            dir.join("metadata.toml"),
            format!(
                "revision = \"{id}\"\nparents = [\"{parents}\"]\nmessage = \"step {i}\"\n\
                 created = \"2026-01-01T00:00:00Z\"\nrun_in_transaction = true\n"
            ),
        )
        .unwrap();
        ids.push(id);
    }
    ids
}

/// The fastest of three runs of `check --shadow`, in seconds (the machine is shared).
fn timed_shadow_check(p: &Project) -> f64 {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            p.run(Models::V1, &["check", "--shadow"]).expect(0);
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn measure(backend: Backend) {
    let Some(p) = Project::on(backend) else {
        return;
    };
    let ids = write_history(&p);
    let before = timed_shadow_check(&p);
    let range = format!("{}:{}", ids[0], ids[REVISIONS - 11]);
    let start = Instant::now();
    p.run(Models::V1, &["squash", &range, "-m", "squash"])
        .expect(0);
    let squashing = start.elapsed().as_secs_f64();
    let after = timed_shadow_check(&p);
    p.run(Models::V1, &["squash", "--finalize"]).expect(0);
    let finalized = timed_shadow_check(&p);
    println!(
        "{backend:?}: check --shadow on {REVISIONS} revisions {before:.2} s; squash of the first \
         {} {squashing:.2} s; check --shadow after it {after:.2} s, after --finalize \
         {finalized:.2} s",
        REVISIONS - 10
    );
}

#[test]
#[ignore = "a measurement; run it by name with --ignored"]
fn squash_measured_check_shadow_before_and_after() {
    measure(Backend::Sqlite);
    if postgres_url().is_some() {
        measure(Backend::Postgres);
    }
}
