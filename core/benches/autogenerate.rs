//! Benchmark: time from a populated database to a finished diff (`autogen::plan`: introspection,
//! server-side normalisation, diff, rendering) for N tables shaped like
//! `../shared/bench/alembic_compare.py` (8-9 columns, a unique email, an index on name, a server
//! default, a foreign key to the previous table), identical (variant 0) and with one added
//! column on every tenth table (variant 1). Prints one line per measurement, in the same format
//! as the Alembic anchor, so the two can be compared as ratios in one run.
//!
//! Each measurement is followed by its phases: introspection (and how many statements it sent),
//! the server's normalisation of the models (and its statements), the diff, the rendering, and
//! the CPU seconds of the benchmark and of the database server (when on this machine: the
//! PostgreSQL backend process, the whole MariaDB server process).
//! `BENCH_REPEAT=3` repeats each measurement; `BENCH_ONLY=sqlite`, `postgresql` or `mariadb` runs
//! one backend; `BENCH_KEEP=1` keeps the SQLite files and the MariaDB databases (for profiling
//! their queries).
//!
//! ```sh
//! cargo bench -p retort --bench autogenerate -- 100 1000            # SQLite
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo bench -p retort --bench autogenerate -- 1000            # also PostgreSQL
//! BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/ BENCH_ONLY=mariadb \
//!     cargo bench -p retort --features mysql --bench autogenerate -- 1000   # MariaDB
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use diesel::connection::{InstrumentationEvent, SimpleConnection as _};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection as _, QueryableByName, RunQueryDsl};
use retort::autogen;
use retort::db::{Connection, DatabaseUrl};
use retort::ignore::Ignore;
use retort::schema::{Column, FkAction, ForeignKey, Index, Schema, SqlType, Table};

fn build(n: usize, variant: u8) -> Schema {
    let mut schema = Schema::new();
    for i in 0..n {
        let name = format!("t{i}");
        let mut t = Table::new(&name);
        let col = |c: &str, ty: SqlType, nullable: bool| Column::new(c, ty, nullable);
        t.columns.push(col("id", SqlType::BigInt, false));
        t.columns.push(col("name", SqlType::Varchar(100), false));
        t.columns.push(col("email", SqlType::Varchar(255), false));
        t.columns.push(col("bio", SqlType::Text, true));
        let mut active = col("active", SqlType::Boolean, false);
        active.default = Some("true".into());
        t.columns.push(active);
        t.columns.push(col("score", SqlType::Integer, true));
        let mut created = col("created_at", SqlType::TimestampTz, false);
        created.default = Some("CURRENT_TIMESTAMP".into());
        t.columns.push(created);
        t.columns
            .push(col("updated_at", SqlType::TimestampTz, true));
        t.primary_key = vec!["id".into()];
        if i > 0 {
            t.columns.push(col("parent_id", SqlType::BigInt, true));
            let parent = format!("t{}", i - 1);
            t.foreign_keys.push(ForeignKey {
                name: format!("fk_{name}_parent_id_{parent}"),
                columns: vec!["parent_id".into()],
                ref_table: parent,
                ref_columns: vec!["id".into()],
                on_delete: FkAction::Cascade,
                on_update: FkAction::NoAction,
                deferrable: Default::default(),
            });
        }
        if variant == 1 && i % 10 == 0 {
            t.columns.push(col("extra", SqlType::Integer, true));
        }
        t.indexes.push(Index {
            name: format!("uq_{name}_email"),
            columns: vec!["email".into()],
            unique: true,
            constraint: false,
            options: Default::default(),
            prefixes: Vec::new(),
        });
        t.indexes.push(Index {
            name: format!("ix_{name}_name"),
            columns: vec!["name".into()],
            unique: false,
            constraint: false,
            options: Default::default(),
            prefixes: Vec::new(),
        });
        schema.insert(t);
    }
    schema
}

fn execute(conn: &mut Connection, sql: &str) {
    conn.batch_execute(&format!("BEGIN; {sql} COMMIT;"))
        .expect("creating the benchmark schema");
}

/// Counts the statements the benchmark's connection sends (diesel's instrumentation), so the
/// phases can say how many round trips each made.
#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

impl Counter {
    fn instrument<C: diesel::Connection>(&self, conn: &mut C) {
        let seen = Arc::clone(&self.0);
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if matches!(event, InstrumentationEvent::StartQuery { .. }) {
                seen.fetch_add(1, Ordering::SeqCst);
            }
        });
    }

    fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// The database server's process on this machine, whose CPU time the phases show.
#[derive(Clone, Copy)]
enum Server {
    /// PostgreSQL's backend process of the benchmark's connection (one thread).
    Backend(u32),
    /// MariaDB's server process, all its threads (the benchmark's connection is its one
    /// client during a measurement).
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    Process(u32),
}

/// CPU time a process has run, from Linux's `/proc/<pid>/schedstat` (nanoseconds, the main
/// thread); `None` elsewhere or for a process of another machine. On a shared machine the
/// wall-clock figures vary with the load; these do much less.
fn cpu_seconds(pid: Option<u32>) -> Option<f64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/schedstat"),
        None => "/proc/self/schedstat".to_owned(),
    };
    let text = std::fs::read_to_string(path).ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// CPU time of all the threads of a process, from `/proc/<pid>/stat` (user and system time, in
/// clock ticks of 1/100 s, Linux's `USER_HZ`).
fn process_cpu_seconds(pid: u32) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces), from field 3 on: utime is 14th.
    let rest = text.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// CPU time of the children a process has waited for (`cutime` and `cstime` of
/// `/proc/<pid>/stat`): for PostgreSQL's postmaster, the backends that ended, such as the second
/// connection introspection opens.
fn children_cpu_seconds(pid: u32) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = text.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(13)?.parse::<f64>().ok()? + fields.get(14)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// The parent of a process (PostgreSQL's postmaster, for a backend).
fn parent(pid: u32) -> Option<u32> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    text.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The CPU seconds of this process (all its threads) and of the database server: for
/// PostgreSQL the benchmark's backend and the backends that ended meanwhile (introspection's
/// second connection).
fn cpu_now(server: Option<Server>) -> (Option<f64>, Option<f64>) {
    (
        process_cpu_seconds(std::process::id()).or_else(|| cpu_seconds(None)),
        server.and_then(|server| match server {
            Server::Backend(pid) => {
                let ended = parent(pid).and_then(children_cpu_seconds).unwrap_or(0.0);
                cpu_seconds(Some(pid)).map(|own| own + ended)
            }
            Server::Process(pid) => process_cpu_seconds(pid),
        }),
    )
}

fn cpu_spent(before: (Option<f64>, Option<f64>), server: Option<Server>) -> String {
    let after = cpu_now(server);
    let part = |label: &str, a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => format!(" {label}={:.3}", b - a),
        _ => String::new(),
    };
    format!(
        "{}{}",
        part("client", before.0, after.0),
        part("server", before.1, after.1)
    )
}

fn measure(
    label: &str,
    conn: &mut Connection,
    counter: &Counter,
    server: Option<Server>,
    n: usize,
) {
    create_tables(conn, n);
    measure_only(label, conn, counter, server, n);
}

/// Creates the `n` tables, 500 per transaction (PostgreSQL's lock table limits one transaction;
/// MariaDB commits each statement anyway).
fn create_tables(conn: &mut Connection, n: usize) {
    for upto in (500..n + 500).step_by(500) {
        let create = autogen::plan(conn, &build(upto.min(n), 0)).expect("plan");
        execute(conn, &create.up_sql);
    }
}

/// Measures autogenerate's work on the `n` tables already there.
fn measure_only(
    label: &str,
    conn: &mut Connection,
    counter: &Counter,
    server: Option<Server>,
    n: usize,
) {
    let repeat: usize = std::env::var("BENCH_REPEAT")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    for variant in [0u8, 1] {
        let target = build(n, variant);
        for _ in 0..repeat {
            let before = counter.get();
            let cpu = cpu_now(server);
            let start = Instant::now();
            let (plan, phases) = autogen::plan_timed(
                conn,
                &target,
                &Ignore::default(),
                &[],
                &retort::dialect::RenderOptions::default(),
            )
            .expect("plan");
            let seconds = start.elapsed().as_secs_f64();
            let cpu = cpu_spent(cpu, server);
            let statements = counter.get() - before;
            // The round trips of each phase, counted apart: introspection alone, then the
            // normalisation alone.
            let before = counter.get();
            conn.introspect().expect("introspect");
            let queries = counter.get() - before;
            let before = counter.get();
            autogen::server_normalized(conn, &target).expect("normalize");
            let normalizing = counter.get() - before;
            println!(
                "retort {label} n={n} variant={variant} diffs={} seconds={seconds:.3}",
                plan.ops.len()
            );
            println!(
                "  phases: introspect={:.3} ({queries} statements) \
                 normalize={:.3} ({normalizing} statements) diff={:.3} render={:.3} \
                 ({statements} statements in all; CPU seconds:{cpu})",
                phases.introspect.as_secs_f64(),
                phases.normalize.as_secs_f64(),
                phases.diff.as_secs_f64(),
                phases.render.as_secs_f64(),
            );
        }
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100, 1000]
    } else {
        sizes
    };
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "sqlite" {
        for &n in &sizes {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("bench.db");
            let url: DatabaseUrl = format!("sqlite://{}", path.display()).parse().expect("url");
            // Created (and its settings made) by Retort, then opened again to be counted.
            drop(Connection::open(&url, true).expect("open SQLite"));
            let mut raw =
                SqliteConnection::establish(&path.display().to_string()).expect("open SQLite");
            let counter = Counter::default();
            counter.instrument(&mut raw);
            let mut conn = Connection::from(raw);
            measure("sqlite", &mut conn, &counter, None, n);
            if std::env::var("BENCH_KEEP").is_ok() {
                println!("  kept: {}", dir.keep().join("bench.db").display());
            }
        }
    }
    if only.is_empty() || only == "mariadb" {
        mariadb(&sizes);
    }
    if !only.is_empty() && only != "postgresql" {
        return;
    }
    if let Ok(url) = std::env::var("BENCH_DATABASE_URL") {
        for &n in &sizes {
            let server: DatabaseUrl = url.parse().expect("BENCH_DATABASE_URL");
            let mut admin = PgConnection::establish(server.as_str()).expect("connect");
            let name = format!("retort_bench_{}_{n}", std::process::id());
            admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
                .and_then(|()| admin.batch_execute(&format!("CREATE DATABASE {name}")))
                .expect("create the benchmark database (the role needs CREATEDB)");
            let db_url = retort::backend::postgres::replace_database(server.as_str(), &name);
            let mut raw = PgConnection::establish(&db_url).expect("connect");
            #[derive(QueryableByName)]
            struct Pid {
                #[diesel(sql_type = diesel::sql_types::Integer)]
                pid: i32,
            }
            let pid = diesel::sql_query("SELECT pg_backend_pid() AS pid")
                .get_result::<Pid>(&mut raw)
                .expect("the server's pid");
            let counter = Counter::default();
            counter.instrument(&mut raw);
            // As the CLI opens it: introspection reads the columns on a second connection to
            // the URL at once (4 statements there, not counted here).
            let mut conn = retort::backend::postgres::with_url(raw, &db_url);
            measure(
                "postgresql",
                &mut conn,
                &counter,
                u32::try_from(pid.pid).ok().map(Server::Backend),
                n,
            );
            drop(conn);
            // The postmaster reaps that backend (whose CPU it then counts as its children's)
            // before the next measurement starts.
            std::thread::sleep(std::time::Duration::from_millis(500));
            // The same on one connection, as for a connection the application lends
            // (`Connection::from`).
            let mut raw = PgConnection::establish(&db_url).expect("connect");
            let pid = diesel::sql_query("SELECT pg_backend_pid() AS pid")
                .get_result::<Pid>(&mut raw)
                .expect("the server's pid");
            let counter = Counter::default();
            counter.instrument(&mut raw);
            let mut conn = Connection::from(raw);
            measure_only(
                "postgresql-one-connection",
                &mut conn,
                &counter,
                u32::try_from(pid.pid).ok().map(Server::Backend),
                n,
            );
            drop(conn);
            admin
                .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .expect("drop the benchmark database");
        }
    }
}

/// MariaDB on the server of `BENCH_MYSQL_URL` (a user that may `CREATE DATABASE`): a database of
/// its own for each size, dropped afterwards.
#[cfg(feature = "mysql")]
fn mariadb(sizes: &[usize]) {
    use diesel::mysql::MysqlConnection;
    use retort::backend::mysql::replace_database;

    let Ok(server) = std::env::var("BENCH_MYSQL_URL") else {
        return;
    };
    #[derive(QueryableByName)]
    struct Text {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    for &n in sizes {
        let mut admin = MysqlConnection::establish(&server).expect("connect to BENCH_MYSQL_URL");
        let name = format!("retort_bench_{}_{n}", std::process::id());
        admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}`"
            ))
            .expect("create the benchmark database (the user needs CREATE)");
        let mut raw =
            MysqlConnection::establish(&replace_database(&server, &name)).expect("connect");
        // What every Retort session sets (`Connection::open`), before counting starts.
        raw.batch_execute(
            "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES,STRICT_TRANS_TABLES')",
        )
        .expect("sql_mode");
        // The server's pid, when its pid file is readable here (a server on this machine).
        let pid = diesel::sql_query("SELECT @@pid_file AS v")
            .get_result::<Text>(&mut raw)
            .ok()
            .and_then(|file| std::fs::read_to_string(file.v).ok())
            .and_then(|pid| pid.trim().parse().ok())
            .map(Server::Process);
        let counter = Counter::default();
        counter.instrument(&mut raw);
        let mut conn = Connection::from(raw);
        measure("mariadb", &mut conn, &counter, pid, n);
        drop(conn);
        if std::env::var("BENCH_KEEP").is_ok() {
            println!("  kept: database {name}");
            continue;
        }
        admin
            .batch_execute(&format!("DROP DATABASE `{name}`"))
            .expect("drop the benchmark database");
    }
}

#[cfg(not(feature = "mysql"))]
fn mariadb(_sizes: &[usize]) {
    if std::env::var("BENCH_MYSQL_URL").is_ok() {
        eprintln!(
            "BENCH_MYSQL_URL is set, but this benchmark is built without MariaDB: \
             run it with `cargo bench -p retort --features mysql --bench autogenerate`"
        );
    }
}
