//! Benchmark: the replay `check --shadow` runs (every revision applied on a new scratch
//! database, then read back), before and after `squash` of all but the last ten revisions,
//! and after `squash --finalize`; with the time of the squash itself (two replays and a
//! verification replay). Two histories:
//!
//! - *synthetic*: N small revisions (default 500): every fifth creates a table, the others add
//!   a column to it. SQLite always, PostgreSQL with `BENCH_DATABASE_URL`.
//! - *crates.io* (PostgreSQL): its 16 schema snapshots (`../shared/real-schemas/crates.io/
//!   history`, or `RETORT_REAL_SCHEMAS`), each read by Retort's introspection and turned into
//!   a revision by Retort's diff from the snapshot before (tables, columns, keys, constraints,
//!   indexes, sequences; the functions, triggers and the materialized view are hand-written
//!   objects no diff writes), after a hand-written first revision with the extensions, the
//!   composite type and the functions they need (a squash never takes it: it starts after it).
//!
//! Each replay is the fastest of `BENCH_REPEAT` (default 3) runs. Prints one line per
//! measurement, in seconds.
//!
//! ```sh
//! cargo bench -p retort --bench squash                     # SQLite, 500 revisions
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo bench -p retort --bench squash -- 500 2000     # also PostgreSQL and crates.io
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use retort::db::{Connection, DatabaseUrl};
use retort::schema::Schema;
use retort::script::{NewRevision, ScriptDirectory};

fn repeat() -> usize {
    std::env::var("BENCH_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

/// The fastest of [`repeat`] replays of `dir`'s revisions on scratch databases like `like`,
/// in seconds: the whole of it (loading the migrations, making the scratch database, applying
/// every revision, reading the schema back, dropping the database), and the applying alone.
struct Replay {
    total: f64,
    apply: f64,
}

fn replay(like: &DatabaseUrl, dir: &Path) -> Replay {
    let mut best = Replay {
        total: f64::INFINITY,
        apply: f64::INFINITY,
    };
    for _ in 0..repeat() {
        let start = Instant::now();
        let scripts = ScriptDirectory::open(dir).expect("the migrations load");
        let mut shadow = retort::shadow::ShadowDatabase::create(like).expect("a scratch database");
        let applying = Instant::now();
        let conn = shadow.connection();
        retort::runner::upgrade(conn, &scripts, "heads").expect("the revisions replay");
        let apply = applying.elapsed().as_secs_f64();
        conn.introspect().expect("the schema reads back");
        drop(shadow);
        best.total = best.total.min(start.elapsed().as_secs_f64());
        best.apply = best.apply.min(apply);
    }
    best
}

impl std::fmt::Display for Replay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.3}s (applying {:.3}s)", self.total, self.apply)
    }
}

/// Replays, squashes `from:to`, replays, finalizes, replays; prints one line.
fn measure(label: &str, like: &DatabaseUrl, dir: &Path, from: &str, to: &str) {
    let total = ScriptDirectory::open(dir).unwrap().graph().len();
    let before = replay(like, dir);
    let mut scripts = ScriptDirectory::open(dir).unwrap();
    let start = Instant::now();
    let done = retort::squash::squash(
        like,
        &mut scripts,
        from,
        to,
        "squash",
        true,
        false,
        chrono::Utc::now(),
    )
    .expect("the squash is written");
    let squashing = start.elapsed().as_secs_f64();
    let after = replay(like, dir);
    let scripts = ScriptDirectory::open(dir).unwrap();
    retort::squash::finalize(&scripts, None).expect("finalized");
    let left = ScriptDirectory::open(dir).unwrap().graph().len();
    let finalized = replay(like, dir);
    println!(
        "{label} revisions={total} replaced={}\n  shadow_before={before}\n  squash={squashing:.3}s\n  \
         shadow_after_squash={after}\n  shadow_after_finalize={finalized} (revisions={left})",
        done.replaces.len()
    );
}

/// `n` revisions written into `dir`: every fifth creates a table `bench_N`, the others add a
/// column to it. Returns their ids, oldest first.
fn synthetic(dir: &Path, n: usize) -> Vec<String> {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let mut ids: Vec<String> = Vec::new();
    for i in 0..n {
        let id = format!("{:012x}", 0xb000_0000_0000_u64 + i as u64);
        let stamp = start + chrono::Duration::seconds(i as i64);
        let rev = dir.join(format!("{}-{id}_step_{i}", stamp.format("%Y-%m-%d-%H%M%S")));
        std::fs::create_dir_all(&rev).unwrap();
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
        let parents = ids.last().map(|p| format!("\"{p}\"")).unwrap_or_default();
        std::fs::write(rev.join("up.sql"), up).unwrap();
        std::fs::write(rev.join("down.sql"), down).unwrap();
        std::fs::write(
            rev.join("metadata.toml"),
            format!(
                "revision = \"{id}\"\nparents = [{parents}]\nmessage = \"step {i}\"\n\
                 created = \"2026-01-01T00:00:00Z\"\nrun_in_transaction = true\n"
            ),
        )
        .unwrap();
        ids.push(id);
    }
    ids
}

fn run_synthetic(label: &str, like: &DatabaseUrl, n: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let ids = synthetic(tmp.path(), n);
    measure(
        &format!("backend={label} history=synthetic"),
        like,
        tmp.path(),
        &ids[0],
        &ids[n - 11],
    );
}

fn real_schemas() -> PathBuf {
    std::env::var_os("RETORT_REAL_SCHEMAS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/real-schemas"))
}

/// The snapshots of `app`'s history, oldest first, without pg_dump's `\restrict` lines.
fn snapshots(app: &str) -> Option<Vec<(String, String)>> {
    let dir = real_schemas().join(app).join("history");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    Some(
        files
            .iter()
            .map(|p| {
                let sql: String = std::fs::read_to_string(p)
                    .unwrap()
                    .lines()
                    .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
                    .map(|l| format!("{l}\n"))
                    .collect();
                (p.file_stem().unwrap().to_str().unwrap().to_owned(), sql)
            })
            .collect(),
    )
}

/// The extensions, types and functions of every snapshot, each object's last definition, in
/// pg_dump's order: what the diffed revisions' defaults, types and indexes need.
fn prerequisites(dumps: &[(String, String)]) -> String {
    let mut blocks: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for (_, dump) in dumps {
        for (k, block) in dump.split("\n--\n-- Name: ").skip(1).enumerate() {
            let header = block.lines().next().unwrap_or_default();
            let kind = ["EXTENSION", "TYPE", "FUNCTION"]
                .iter()
                .position(|t| header.contains(&format!("Type: {t};")));
            let Some(kind) = kind else { continue };
            let sql: String = block
                .lines()
                .skip(1)
                .filter(|l| !l.starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n")
                .replacen("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1);
            let name = header.split(';').next().unwrap_or_default().to_owned();
            blocks.insert(name, (kind * 10_000 + k, sql));
        }
    }
    let mut ordered: Vec<(usize, String)> = blocks.into_values().collect();
    ordered.sort();
    let mut out = String::from("SET check_function_bodies = false;\n");
    for (_, sql) in ordered {
        out.push_str(sql.trim());
        out.push('\n');
    }
    out
}

/// What a diff writes: tables with their columns, keys, constraints, indexes and sequences;
/// not the triggers and views that depend on them. A table without an identity says so (see
/// `squash`).
fn diffable(mut schema: Schema) -> Schema {
    schema.dependents.clear();
    for table in schema.tables.values_mut() {
        table.unmodeled.retain(|d| {
            let d = d.sql();
            d.starts_with("CREATE INDEX")
                || d.starts_with("CREATE UNIQUE INDEX")
                || d.starts_with("ALTER TABLE")
                || d.starts_with("CREATE SEQUENCE")
        });
        if table.identity.is_none() {
            table.no_identity = true;
        }
    }
    schema
}

/// crates.io's snapshots as Retort revisions in `dir`; the id of the first diffed one and of
/// the tenth from the head.
fn crates_io(like: &DatabaseUrl, dir: &Path) -> Option<(String, String)> {
    let dumps = snapshots("crates.io")?;
    let mut scripts = ScriptDirectory::open(dir).unwrap();
    let now = chrono::Utc::now();
    let first = scripts
        .write_revision(
            NewRevision {
                message: "extensions types and functions".into(),
                up_sql: prerequisites(&dumps),
                down_sql: "-- hand-written objects: not reverted\n".into(),
                ..NewRevision::default()
            },
            now,
        )
        .unwrap();
    let mut previous = Schema::new();
    let mut parent = first.id.clone();
    let mut ids = Vec::new();
    for (name, dump) in &dumps {
        let mut shadow = retort::shadow::ShadowDatabase::create(like).unwrap();
        let conn: &mut Connection = shadow.connection();
        conn.batch_execute(dump).expect("the snapshot loads");
        // pg_dump empties the session's search_path.
        conn.batch_execute("RESET search_path").unwrap();
        let schema = diffable(conn.introspect().unwrap());
        let plan = retort::autogen::plan_between(conn.dialect(), &previous, &schema)
            .expect("a diff between snapshots");
        let rev = scripts
            .write_revision_for(
                NewRevision {
                    message: format!("snapshot {name}"),
                    parents: vec![parent.clone()],
                    up_sql: plan.up_sql.clone(),
                    down_sql: plan.down_sql.clone(),
                    statement_by_statement: plan.statement_by_statement(),
                    ..NewRevision::default()
                },
                now,
                Some(like.backend().key()),
            )
            .unwrap();
        parent = rev.id.clone();
        ids.push(rev.id);
        previous = schema;
    }
    // The revisions give the last snapshot's tables exactly.
    let replayed = retort::shadow::replay(like, &scripts).expect("the revisions replay");
    let mut shadow = retort::shadow::ShadowDatabase::create(like).unwrap();
    let rest = retort::autogen::plan_between(shadow.connection().dialect(), &replayed, &previous)
        .expect("a diff");
    assert!(
        rest.is_empty(),
        "the replayed revisions differ from the last snapshot: {:?}",
        rest.ops
    );
    let sql: usize = scripts.revisions().map(|r| r.up_sql.len()).sum();
    println!(
        "crates.io: {} snapshots as revisions ({} tables, {sql} bytes of up.sql)",
        dumps.len(),
        previous.tables.len()
    );
    let to = ids[ids.len() - 11].clone();
    Some((ids[0].clone(), to))
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() { vec![500] } else { sizes };
    let sqlite_dir = tempfile::tempdir().unwrap();
    let sqlite: DatabaseUrl = format!("sqlite://{}", sqlite_dir.path().join("b.db").display())
        .parse()
        .unwrap();
    let postgres: Option<DatabaseUrl> = std::env::var("BENCH_DATABASE_URL")
        .ok()
        .map(|u| u.parse().expect("BENCH_DATABASE_URL"));
    for &n in &sizes {
        run_synthetic("sqlite", &sqlite, n);
        if let Some(pg) = &postgres {
            run_synthetic("postgresql", pg, n);
        }
    }
    let Some(pg) = &postgres else {
        println!("crates.io: skipped (set BENCH_DATABASE_URL to a PostgreSQL server)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    match crates_io(pg, tmp.path()) {
        Some((from, to)) => measure(
            "backend=postgresql history=crates.io",
            pg,
            tmp.path(),
            &from,
            &to,
        ),
        None => println!(
            "crates.io: skipped (no snapshots under {})",
            real_schemas().display()
        ),
    }
}
