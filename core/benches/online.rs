//! Benchmark: how long a steady writer waits while Retort migrates the table it writes to, with
//! PostgreSQL's online forms ([`RenderOptions::online`], what `autogenerate` writes) and with the
//! plain ones (`--blocking`, [`RenderOptions::default`]).
//!
//! A table of N rows (default 1,000,000; the first argument overrides) gets, one operation at a
//! time: an index, a unique constraint, a foreign key to a small table, a `CHECK`, `SET NOT
//! NULL` on a column without NULLs, a backfill (`--backfill`) of a nullable column then `SET NOT
//! NULL`, and (the plain form only: the online forms have none) a type change that rewrites the
//! table. Each form's SQL is Retort's own: the before and after schemas are diffed and rendered
//! by the PostgreSQL dialect, written as a revision (statement by statement where the plan says
//! so, as `autogenerate` writes it) and applied by the runner (`runner::upgrade`), then reverted
//! (`runner::downgrade`) before the next one. Meanwhile a second connection inserts 50 rows a
//! second into the table and times each insert; the benchmark prints, per operation and form,
//! the longest insert wait during the migration, how many inserts waited more than 250 ms, and
//! how long the migration took, and whether the goal (no insert waits more than 250 ms during
//! any online-form migration) is met.
//!
//! ```sh
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo bench -p retort --bench online              # 1,000,000 rows
//! BENCH_DATABASE_URL=... cargo bench -p retort --bench online -- 100000
//! ```
//!
//! The role needs CREATEDB: the benchmark works in a database of its own and drops it at the
//! end. `BENCH_SQL=1` also prints each form's up.sql.

#[path = "online/writer.rs"]
mod writer;

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection as _;
use diesel::pg::PgConnection;
use diesel::Connection as _;
use retort::db::{Connection, DatabaseUrl};
use retort::dialect::{Dialect, Postgres, RenderOptions, SqlPlan};
use retort::ops::{reverse_all, Op};
use retort::runner;
use retort::safety::{apply_backfills, Backfill};
use retort::schema::{
    Column, FkAction, ForeignKey, Function, Index, Schema, SqlType, Table, TableConstraint,
};
use retort::script::{NewRevision, ScriptDirectory};
use writer::{Sample, Writer};

/// The writer inserts one row every this often (50 a second).
const TICK: Duration = Duration::from_millis(20);
/// The goal: no insert waits longer during an online-form migration.
const GOAL: Duration = Duration::from_millis(250);
/// Rows of the referenced table.
const REFS: u64 = 100;

/// The schema before any operation: `refs` (the small referenced table) and `items`, whose
/// columns each serve one operation.
fn base() -> Schema {
    let col = |name: &str, ty: SqlType, nullable: bool| Column::new(name, ty, nullable);
    let mut refs = Table::new("refs");
    refs.columns.push(col("id", SqlType::BigInt, false));
    refs.columns.push(col("name", SqlType::Text, false));
    refs.primary_key = vec!["id".into()];
    let mut items = Table::new("items");
    items.columns.push(col("id", SqlType::BigInt, false));
    items.columns.push(col("ref_id", SqlType::BigInt, false)); // foreign key
    items.columns.push(col("code", SqlType::Text, false)); // unique constraint
    items.columns.push(col("score", SqlType::Integer, false)); // index
    items.columns.push(col("amount", SqlType::Integer, false)); // CHECK, type change
    items.columns.push(col("note", SqlType::Text, true)); // SET NOT NULL, no NULLs
    items.columns.push(col("fill", SqlType::Integer, true)); // backfill, all NULL
    items.primary_key = vec!["id".into()];
    let mut schema = Schema::new();
    schema.insert(refs);
    schema.insert(items);
    let touch = touch("NEW.note := NEW.note");
    schema.functions.insert(touch.key(), touch);
    schema
}

/// A trigger function (as `retort::function!` declares one), whose body is `body`.
fn touch(body: &str) -> Function {
    let sql = format!(
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NEW; END $$"
    );
    Function {
        name: "touch".into(),
        args: String::new(),
        procedure: false,
        definition: retort::sql::routine_comparable(&sql),
        sql,
        interface: "trigger ()".into(),
        comment: None,
        used_by: Vec::new(),
    }
}

/// The trigger on `items` executing `touch()`, for `events`.
fn trigger(events: &str) -> retort::schema::Kept {
    retort::sql::declared_trigger(format!(
        "CREATE TRIGGER items_touch BEFORE {events} ON items FOR EACH ROW EXECUTE FUNCTION touch()"
    ))
    .expect("a trigger")
}

/// One operation: the schema after it, and the `--backfill` values it needs.
struct Operation {
    name: &'static str,
    after: Schema,
    backfills: Vec<Backfill>,
    /// Only the plain form is run (the online forms have none for it).
    plain_only: bool,
}

fn operations() -> Vec<Operation> {
    let with = |change: &dyn Fn(&mut Table)| {
        let mut schema = base();
        change(schema.tables.get_mut("items").expect("items"));
        schema
    };
    let op = |name, after| Operation {
        name,
        after,
        backfills: Vec::new(),
        plain_only: false,
    };
    vec![
        op(
            "add an index",
            with(&|t| {
                t.indexes.push(Index {
                    name: "ix_items_score".into(),
                    columns: vec!["score".into()],
                    ..Index::default()
                });
            }),
        ),
        op(
            "add a unique constraint",
            with(&|t| {
                t.indexes.push(Index {
                    name: "uq_items_code".into(),
                    columns: vec!["code".into()],
                    unique: true,
                    constraint: true,
                    ..Index::default()
                });
            }),
        ),
        op(
            "add a foreign key",
            with(&|t| {
                t.foreign_keys.push(ForeignKey {
                    name: "fk_items_ref_id_refs".into(),
                    columns: vec!["ref_id".into()],
                    ref_table: "refs".into(),
                    ref_columns: vec!["id".into()],
                    on_delete: FkAction::NoAction,
                    on_update: FkAction::NoAction,
                    deferrable: Default::default(),
                });
            }),
        ),
        op(
            "add a CHECK",
            with(&|t| {
                t.table_constraints.push(TableConstraint::check(
                    "ck_items_amount",
                    "amount >= 0",
                    false,
                ));
            }),
        ),
        op(
            "SET NOT NULL (no NULLs)",
            with(&|t| t.column_mut("note").expect("note").nullable = false),
        ),
        Operation {
            name: "backfill, then SET NOT NULL",
            after: with(&|t| t.column_mut("fill").expect("fill").nullable = false),
            backfills: vec!["items.fill=0".parse().expect("backfill")],
            plain_only: false,
        },
        op(
            "add a trigger",
            with(&|t| t.unmodeled.push(trigger("UPDATE"))),
        ),
        op("replace a function's body", {
            let mut schema = base();
            let f = touch("NEW.note := coalesce(NEW.note, '')");
            schema.functions.insert(f.key(), f);
            schema
        }),
        Operation {
            name: "type change (rewrite)",
            after: with(&|t| t.column_mut("amount").expect("amount").ty = SqlType::BigInt),
            backfills: Vec::new(),
            plain_only: true,
        },
    ]
}

/// The up and down plans of `before` -> `after`, as `autogenerate` computes them: the
/// dialect's normalisation, the diff, the backfills, the rendering.
fn plans(
    before: &Schema,
    after: &Schema,
    backfills: &[Backfill],
    options: &RenderOptions,
) -> (Vec<Op>, SqlPlan, SqlPlan) {
    let normalized = |s: &Schema| {
        let mut s = s.clone();
        Postgres.model_defaults(&mut s);
        Postgres.normalize(&mut s);
        s
    };
    let (before, after) = (normalized(before), normalized(after));
    let ops = retort::diff::diff(&before, &after);
    let ops = apply_backfills(ops, backfills, &after).expect("backfills");
    let (up, state) = Postgres
        .render_plan_owned(&ops, before, options)
        .expect("render up");
    let (down, _) = Postgres
        .render_plan_owned(&reverse_all(&ops), state, options)
        .expect("render down");
    (ops, up, down)
}

/// What one form of one operation measured.
struct Measured {
    /// What the longest insert waited for, as the monitor saw it.
    why: String,
    /// How many times the monitor saw the writer wait on a lock while it ran.
    lock_waits: usize,
    max: Duration,
    p99: Duration,
    slow: usize,
    inserts: usize,
    took: Duration,
}

impl Measured {
    fn of(samples: &[Sample], took: Duration, lock_waits: usize, writer: &Writer) -> Measured {
        let why = samples
            .iter()
            .max_by_key(|s| s.took)
            .map_or_else(|| "no insert during it".to_owned(), |s| writer.waits(s));
        let mut waits: Vec<Duration> = samples.iter().map(|s| s.took).collect();
        waits.sort();
        let p99 = waits
            .get((waits.len() * 99).div_ceil(100).saturating_sub(1))
            .copied()
            .unwrap_or_default();
        Measured {
            why,
            lock_waits,
            max: waits.last().copied().unwrap_or_default(),
            p99,
            slow: waits.iter().filter(|w| **w > GOAL).count(),
            inserts: waits.len(),
            took,
        }
    }
}

/// The longest wait of `m`, or that no insert was due while it ran.
fn max_wait(m: &Measured) -> String {
    if m.inserts == 0 {
        "no insert due".to_owned()
    } else {
        ms(m.max)
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// How many times each form of each operation runs (`BENCH_REPEAT`, default 1).
fn repeat() -> usize {
    std::env::var("BENCH_REPEAT")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1)
}

/// The benchmark's own database on the server, dropped at the end (also when it panics).
struct Database {
    admin: PgConnection,
    name: String,
}

impl Database {
    fn create(url: &str) -> Database {
        let mut admin = PgConnection::establish(url).expect("connect to BENCH_DATABASE_URL");
        let name = format!("retort_online_{}", std::process::id());
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the benchmark database (the role needs CREATEDB)");
        Database { admin, name }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = self.admin.batch_execute(&sql) {
            eprintln!("online: could not drop the database {}: {e}", self.name);
        }
    }
}

/// The benchmark's database, its migrations directory and the base revision.
struct Bench {
    conn: Connection,
    dir: tempfile::TempDir,
    base: String,
    epoch: Instant,
}

impl Bench {
    /// Applies one form of `op` through the runner while `writer` writes, then reverts it.
    /// Applies one form of `op` [`repeat`] times; the inserts of every run together, and the
    /// longest run.
    fn measure(&mut self, op: &Operation, options: &RenderOptions, writer: &Writer) -> Measured {
        let mut samples = Vec::new();
        let mut took = Duration::ZERO;
        let mut lock_waits = 0;
        for _ in 0..repeat() {
            let (during, run, locks) = self.run(op, options, writer);
            samples.extend(during);
            took = took.max(run);
            lock_waits += locks;
        }
        Measured::of(&samples, took, lock_waits, writer)
    }

    /// Applies one form of `op` through the runner while `writer` writes, then reverts it:
    /// the inserts during the upgrade, how long it took, and how many times the writer was
    /// seen waiting on a lock.
    fn run(
        &mut self,
        op: &Operation,
        options: &RenderOptions,
        writer: &Writer,
    ) -> (Vec<Sample>, Duration, usize) {
        let (ops, up, down) = plans(&base(), &op.after, &op.backfills, options);
        if std::env::var("BENCH_SQL").is_ok() {
            let form = if options.online { "online" } else { "plain" };
            println!(
                "-- {} ({form}): {} op(s)\n{}",
                op.name,
                ops.len(),
                up.to_sql()
            );
        }
        let mut scripts = ScriptDirectory::open(self.dir.path()).expect("migrations");
        let revision = scripts
            .write_revision(
                NewRevision {
                    message: op.name.to_owned(),
                    parents: vec![self.base.clone()],
                    up_sql: up.to_sql(),
                    down_sql: down.to_sql(),
                    statement_by_statement: up.statement_by_statement()
                        || down.statement_by_statement(),
                    ..NewRevision::default()
                },
                chrono::Utc::now(),
            )
            .expect("write the revision");
        let scripts = ScriptDirectory::open(self.dir.path()).expect("migrations");
        // The writer settles, so the window holds only what the migration caused.
        std::thread::sleep(Duration::from_millis(500));
        let from = self.epoch.elapsed();
        let start = Instant::now();
        runner::upgrade(&mut self.conn, &scripts, "head").expect("upgrade");
        let took = start.elapsed();
        let to = self.epoch.elapsed();
        // An insert blocked until the end finishes just after it.
        std::thread::sleep(Duration::from_millis(500));
        let during = writer.during(from, to);
        let locks = writer.lock_waits(from, to);
        runner::downgrade(&mut self.conn, &scripts, &self.base).expect("downgrade");
        std::fs::remove_dir_all(&revision.path).expect("remove the revision");
        if !op.backfills.is_empty() {
            // The NULLs the backfill filled, back (the downgrade cannot bring them back).
            self.conn
                .batch_execute("UPDATE items SET fill = NULL")
                .expect("reset the backfilled column");
        }
        self.conn
            .batch_execute("VACUUM ANALYZE items")
            .expect("vacuum");
        (during, took, locks)
    }
}

fn main() {
    // `cargo bench` passes `--bench`; the one other argument is the number of rows.
    let rows = match std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => 1_000_000,
        [n] => match n.replace(['_', ','], "").parse::<u64>() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("online: {n:?} is not a number of rows; e.g. `-- 100000`");
                std::process::exit(2);
            }
        },
        more => {
            eprintln!("online: one argument (the number of rows) expected, got {more:?}");
            std::process::exit(2);
        }
    };
    let Ok(url) = std::env::var("BENCH_DATABASE_URL") else {
        eprintln!(
            "online: set BENCH_DATABASE_URL to a PostgreSQL server (a role that may CREATE \
             DATABASE), e.g. a throwaway one:\n\
             \n  mkdir /tmp/pg && initdb -D /tmp/pg/data -U postgres -A trust --no-sync\n  \
             pg_ctl -D /tmp/pg/data -l /tmp/pg/log -o \"-p 55440 -k /tmp/pg -c fsync=off\" start\n  \
             BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:55440/postgres \
             cargo bench -p retort --bench online [ROWS]\n\
             \n(as root, run initdb and pg_ctl as the postgres user: runuser -u postgres -- ...)"
        );
        std::process::exit(2);
    };
    let database = Database::create(&url);
    let db_url = retort::backend::postgres::replace_database(&url, &database.name);
    let parsed: DatabaseUrl = db_url.parse().expect("database URL");
    let mut conn = Connection::open(&parsed, false).expect("connect");

    // The base revision, Retort's own CREATE TABLEs, applied by the runner; then the rows.
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, create, remove) = plans(&Schema::new(), &base(), &[], &RenderOptions::default());
    let mut scripts = ScriptDirectory::create(dir.path()).expect("migrations");
    let base_rev = scripts
        .write_revision(
            NewRevision {
                message: "base".into(),
                up_sql: create.to_sql(),
                down_sql: remove.to_sql(),
                ..NewRevision::default()
            },
            chrono::Utc::now(),
        )
        .expect("write the base revision");
    runner::upgrade(&mut conn, &scripts, "head").expect("create the tables");
    let start = Instant::now();
    conn.batch_execute(&format!(
        "INSERT INTO refs (id, name) SELECT g, 'ref ' || g FROM generate_series(1, {REFS}) g;
         INSERT INTO items (id, ref_id, code, score, amount, note, fill)
             SELECT g, 1 + g % {REFS}, 'c' || g, (g::bigint * 7919) % 1000003, g % 1000, 'note ' || g, NULL
             FROM generate_series(1, {rows}) g;"
    ))
    .and_then(|()| conn.batch_execute("VACUUM ANALYZE refs, items"))
    .expect("fill the table");
    println!(
        "online: items has {rows} rows (filled in {}); a writer inserts one row every {} ms",
        secs(start.elapsed()),
        TICK.as_millis()
    );

    let epoch = Instant::now();
    let writer = Writer::start(&db_url, epoch, rows + 1);
    // The writer alone, for the noise of this machine.
    std::thread::sleep(Duration::from_secs(3));
    let idle = Measured::of(
        &writer.during(Duration::ZERO, epoch.elapsed()),
        Duration::ZERO,
        0,
        &writer,
    );
    println!(
        "writer alone for 3 s: {} inserts, longest {}, p99 {}",
        idle.inserts,
        ms(idle.max),
        ms(idle.p99)
    );
    let mut bench = Bench {
        conn,
        dir,
        base: base_rev.id,
        epoch,
    };
    let mut rows_out = Vec::new();
    let mut missed = Vec::new();
    let mut online_locks = 0;
    for op in operations() {
        let plain = bench.measure(&op, &RenderOptions::default(), &writer);
        let online =
            (!op.plain_only).then(|| bench.measure(&op, &RenderOptions::online(), &writer));
        println!("{}", op.name);
        for (form, m) in [("plain", Some(&plain)), ("online", online.as_ref())] {
            if let Some(m) = m {
                println!(
                    "  {form}: {} in {} inserts, longest {} ({}), p99 {}; \
                     the writer seen waiting on a lock {} time(s)",
                    secs(m.took),
                    m.inserts,
                    ms(m.max),
                    m.why,
                    ms(m.p99),
                    m.lock_waits
                );
            }
        }
        if let Some(m) = &online {
            if m.max > GOAL {
                missed.push(format!("{} ({})", op.name, ms(m.max)));
            }
            online_locks += m.lock_waits;
        }
        rows_out.push((op.name, plain, online));
    }
    writer.finish();

    println!(
        "\n{rows} rows, one insert every {} ms, each form run {} time(s):\n",
        TICK.as_millis(),
        repeat()
    );
    println!(
        "| operation | plain max wait | online max wait | inserts > 250 ms plain / online | \
         migration plain / online |"
    );
    println!("| --- | --- | --- | --- | --- |");
    for (name, plain, online) in &rows_out {
        let (max, slow, took) = match online {
            Some(m) => (max_wait(m), m.slow.to_string(), secs(m.took)),
            None => (
                "(no online form)".to_owned(),
                "-".to_owned(),
                "-".to_owned(),
            ),
        };
        println!(
            "| {name} | {} | {max} | {} / {slow} | {} / {took} |",
            max_wait(plain),
            plain.slow,
            secs(plain.took)
        );
    }
    println!(
        "\nduring the online forms, the monitor saw the writer wait on a lock {online_locks} \
         time(s) (every 5 ms or so)"
    );
    if missed.is_empty() {
        println!("goal met: no insert waited more than 250 ms during any online-form migration");
    } else {
        println!(
            "goal NOT met: an insert waited more than 250 ms during {}",
            missed.join(", ")
        );
    }
    drop(bench);
    drop(database);
}
