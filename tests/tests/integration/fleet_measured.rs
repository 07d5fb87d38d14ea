//! The measurement of the README's "Many databases": `upgrade --fleet` of 200 SQLite files and
//! of 200 PostgreSQL tenant schemas, one revision (the V1 test models: 5 tables, their indexes
//! and keys), against `--jobs`, then `current --fleet` and `check --fleet`. Prints a table; it
//! asserts only that every run ends with every target at head, never a time. Ignored (it takes
//! a while); run it with `./scripts/test.sh -p retort-tests --test integration -- --ignored
//! fleet_measured --nocapture` (`cargo test ... -- --ignored fleet_measured --nocapture` for
//! SQLite only).

use std::time::Instant;

use crate::support::{postgres_url, Backend, Models, Project};

const TARGETS: usize = 200;
const JOBS: [usize; 4] = [1, 2, 4, 8];

fn timed(p: &Project, args: &[&str], code: i32) -> f64 {
    let start = Instant::now();
    p.run(Models::V1, args).expect(code);
    start.elapsed().as_secs_f64()
}

fn measure(backend: Backend) {
    let Some(p) = Project::on(backend) else {
        return;
    };
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    let toml = std::fs::read_to_string(p.path().join("Retort.toml")).unwrap();
    let fleet = match backend {
        Backend::Sqlite => {
            let urls: Vec<String> = (0..TARGETS)
                .map(|i| format!("\"sqlite://tenants/t{i:03}.db\""))
                .collect();
            format!("urls = [{}]", urls.join(", "))
        }
        Backend::Postgres => {
            let sql: String = (0..TARGETS)
                .map(|i| format!("CREATE SCHEMA tenant_{i:03};"))
                .collect();
            p.execute(&sql);
            "schemas = \"tenant_*\"".to_owned()
        }
    };
    std::fs::write(
        p.path().join("Retort.toml"),
        format!("{toml}\n[fleet]\n{fleet}\n"),
    )
    .unwrap();
    println!("{backend:?}, {TARGETS} targets, one revision (debug build)");
    println!("jobs  upgrade --fleet  current --fleet  check --fleet");
    for jobs in JOBS {
        let j = jobs.to_string();
        let upgrade = timed(&p, &["upgrade", "--fleet", "--jobs", &j], 0);
        let current = timed(&p, &["current", "--fleet", "--jobs", &j], 0);
        let check = timed(&p, &["check", "--fleet", "--jobs", &j], 0);
        println!("{jobs:>4}  {upgrade:>14.2}s  {current:>14.2}s  {check:>12.2}s");
        p.run(Models::V1, &["downgrade", "--fleet", "base", "--jobs", "8"])
            .expect(0);
    }
}

#[test]
#[ignore = "a measurement: run with --ignored fleet_measured --nocapture"]
fn fleet_measured_sqlite() {
    measure(Backend::Sqlite);
}

#[test]
#[ignore = "a measurement: run with --ignored fleet_measured --nocapture"]
fn fleet_measured_postgres() {
    if postgres_url().is_some() {
        measure(Backend::Postgres);
    }
}
