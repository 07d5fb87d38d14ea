//! Benchmark: time from a populated database to a finished diff (`autogen::plan`: introspection,
//! server-side normalisation, diff, rendering) for N tables shaped like
//! `../shared/bench/alembic_compare.py` (8-9 columns, a unique email, an index on name, a server
//! default, a foreign key to the previous table), identical (variant 0) and with one added
//! column on every tenth table (variant 1). Prints one line per measurement, in the same format
//! as the Alembic anchor, so the two can be compared as ratios in one run.
//!
//! ```sh
//! cargo bench -p retort --bench autogenerate -- 100 1000            # SQLite
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo bench -p retort --bench autogenerate -- 1000            # also PostgreSQL
//! ```

use std::time::Instant;

use retort::autogen;
use retort::db::{Connection, DatabaseUrl};
use retort::schema::{Column, FkAction, ForeignKey, Index, Schema, SqlType, Table};
use retort::shadow::ShadowDatabase;

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
        });
        t.indexes.push(Index {
            name: format!("ix_{name}_name"),
            columns: vec!["name".into()],
            unique: false,
            constraint: false,
            options: Default::default(),
        });
        schema.insert(t);
    }
    schema
}

fn execute(conn: &mut Connection, sql: &str) {
    conn.batch_execute(&format!("BEGIN; {sql} COMMIT;"))
        .expect("creating the benchmark schema");
}

fn measure(label: &str, conn: &mut Connection, n: usize) {
    // Create the tables 500 per transaction (PostgreSQL's lock table limits one transaction).
    for upto in (500..n + 500).step_by(500) {
        let create = autogen::plan(conn, &build(upto.min(n), 0)).expect("plan");
        execute(conn, &create.up_sql);
    }
    for variant in [0u8, 1] {
        let target = build(n, variant);
        let start = Instant::now();
        let plan = autogen::plan(conn, &target).expect("plan");
        let seconds = start.elapsed().as_secs_f64();
        if std::env::var("BENCH_DETAIL").is_ok() {
            let t = Instant::now();
            let current = conn.introspect().expect("introspect");
            let introspect = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let normalized = autogen::server_normalized(conn, &target).expect("normalize");
            let normalize = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let _ = autogen::plan_between(conn.dialect(), &current, &normalized).expect("diff");
            let diff = t.elapsed().as_secs_f64();
            println!(
                "  detail: introspect={introspect:.3} normalize={normalize:.3} diff+render={diff:.3}"
            );
        }
        println!(
            "retort {label} n={n} variant={variant} diffs={} seconds={seconds:.3}",
            plan.ops.len()
        );
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
    for &n in &sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        let url: DatabaseUrl = format!("sqlite://{}", dir.path().join("bench.db").display())
            .parse()
            .expect("url");
        let mut conn = Connection::open(&url, true).expect("open SQLite");
        measure("sqlite", &mut conn, n);
    }
    if let Ok(url) = std::env::var("BENCH_DATABASE_URL") {
        for &n in &sizes {
            let mut shadow = ShadowDatabase::create(&url.parse().expect("BENCH_DATABASE_URL"))
                .expect("create a scratch PostgreSQL database");
            measure("postgresql", shadow.connection(), n);
        }
    }
}
