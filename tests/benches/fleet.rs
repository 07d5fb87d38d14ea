//! The fleet benchmark of the README's "Many databases": `upgrade --fleet` of 200 SQLite files
//! and of 200 PostgreSQL tenant schemas of one database, one revision (the V1 test models: 5
//! tables, their indexes and keys), against `--jobs` 1, 2, 4 and 8, then `current --fleet` and
//! `check --fleet`, and `downgrade --fleet base` to start the next row over; then `upgrade
//! --fleet` of 200 schemas whose revision waits 100 ms on the server. Prints one Markdown
//! table each, with the machine it ran on and its load; it checks that every run ends with
//! every target at head, never a time.
//!
//! `./scripts/test.sh bench -p retort-tests --bench fleet` (a throwaway PostgreSQL; without
//! `TEST_DATABASE_URL`, `cargo bench -p retort-tests --bench fleet` measures SQLite only).
//! `RETORT_BENCH_TARGETS=N` measures N targets instead of 200.

#[allow(dead_code, unused_macros, unused_imports)]
#[path = "../tests/integration/support.rs"]
mod support;

use std::time::Instant;

use support::{postgres_url, revision, Backend, Models, Project};

const JOBS: [usize; 4] = [1, 2, 4, 8];

fn timed(p: &Project, args: &[&str], code: i32) -> f64 {
    let start = Instant::now();
    p.run(Models::V1, args).expect(code);
    start.elapsed().as_secs_f64()
}

fn measure(backend: Backend, targets: usize) {
    let Some(p) = Project::on(backend) else {
        return;
    };
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    let toml = std::fs::read_to_string(p.path().join("Retort.toml")).unwrap();
    let (fleet, what) = match backend {
        Backend::Sqlite => {
            let urls: Vec<String> = (0..targets)
                .map(|i| format!("\"sqlite://tenants/t{i:03}.db\""))
                .collect();
            (format!("urls = [{}]", urls.join(", ")), "SQLite files")
        }
        Backend::Postgres => {
            let sql: String = (0..targets)
                .map(|i| format!("CREATE SCHEMA tenant_{i:03};"))
                .collect();
            p.execute(&sql);
            (
                "schemas = \"tenant_*\"".to_owned(),
                "PostgreSQL schemas of one database",
            )
        }
    };
    std::fs::write(
        p.path().join("Retort.toml"),
        format!("{toml}\n[fleet]\n{fleet}\n"),
    )
    .unwrap();
    println!("\n{targets} {what}, one revision ({} build)\n", profile());
    println!("| `--jobs` | `upgrade --fleet` | `current --fleet` | `check --fleet` |");
    println!("| ---: | ---: | ---: | ---: |");
    for jobs in JOBS {
        let j = jobs.to_string();
        let upgrade = timed(&p, &["upgrade", "--fleet", "--jobs", &j], 0);
        let current = timed(&p, &["current", "--fleet", "--jobs", &j], 0);
        let check = timed(&p, &["check", "--fleet", "--jobs", &j], 0);
        println!("| {jobs} | {upgrade:.2} s | {current:.2} s | {check:.2} s |");
        p.run(Models::V1, &["downgrade", "--fleet", "base", "--jobs", "8"])
            .expect(0);
    }
}

/// PostgreSQL schemas whose revision waits on the server (100 ms of `pg_sleep`, as a
/// migration waiting for the disk does): `upgrade --fleet` only. Each run holds its schema's
/// lock while it waits, so this shows what runs on different schemas overlap.
fn measure_waiting(targets: usize) {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    revision(
        &p,
        "waits",
        "CREATE TABLE waited (id INT);\nSELECT pg_sleep(0.1);\n",
        "DROP TABLE waited;\n",
    );
    let sql: String = (0..targets)
        .map(|i| format!("CREATE SCHEMA tenant_{i:03};"))
        .collect();
    p.execute(&sql);
    let toml = std::fs::read_to_string(p.path().join("Retort.toml")).unwrap();
    std::fs::write(
        p.path().join("Retort.toml"),
        format!("{toml}\n[fleet]\nschemas = \"tenant_*\"\n"),
    )
    .unwrap();
    println!(
        "\n{targets} PostgreSQL schemas of one database, one revision that waits 100 ms on the \
         server ({} build)\n",
        profile()
    );
    println!("| `--jobs` | `upgrade --fleet` |");
    println!("| ---: | ---: |");
    for jobs in JOBS {
        let j = jobs.to_string();
        let upgrade = timed(&p, &["upgrade", "--fleet", "--jobs", &j], 0);
        println!("| {jobs} | {upgrade:.2} s |");
        p.run(Models::V1, &["downgrade", "--fleet", "base", "--jobs", "8"])
            .expect(0);
    }
}

/// The load average (1, 5, 15 minutes), when Linux says.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".to_owned(),
        |l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

/// What the machine is: its logical CPUs, and the CPU's model when Linux says.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{cpus} CPU(s) available, {model}")
}

fn main() {
    // `cargo bench` passes `--bench`; a filter or other flags are not used.
    let targets = std::env::var("RETORT_BENCH_TARGETS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(200);
    println!("fleet benchmark: {}; load average {}", machine(), load());
    measure(Backend::Sqlite, targets);
    if postgres_url().is_some() {
        measure(Backend::Postgres, targets);
        measure_waiting(targets);
    }
    println!("\nload average at the end: {}", load());
}
