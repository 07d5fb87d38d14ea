//! Less common spellings of types and defaults, long identifiers and primary key constraint
//! names: what PostgreSQL stores differs from what the models write, and `check` must still be
//! clean right after `upgrade` (the `Unusual` model of `tests/src/shared_models.rs`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use diesel::connection::InstrumentationEvent;
use diesel::pg::PgConnection;
use diesel::Connection as _;
use retort::autogen;
use retort::backend::postgres::normalize::normalize_target;
use retort::db::{Connection, DatabaseUrl};
use retort::schema::{Column, Schema, SqlType, Table};

use crate::support::{on_both_backends, Backend, Models, Project, V2_SAFETY};

on_both_backends!(unusual_spellings_are_clean_after_upgrade_and_revert_exactly);

const LONG_TABLE: &str = "unusual_spellings_in_a_table_whose_name_is_longer_than_postgres_allows";

fn unusual_spellings_are_clean_after_upgrade_and_revert_exactly(backend: Backend) {
    let p = Project::on(backend).expect("backend available");
    p.run(Models::V1, &["autogenerate", "-m", "initial"])
        .expect(0);
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    let run = p.run(Models::V1, &["check"]).expect(0);
    assert!(
        run.stdout.starts_with("No changes detected"),
        "{}",
        run.stdout
    );
    let run = p.run(Models::V1, &["check", "--shadow"]).expect(0);
    assert!(
        run.stdout.starts_with("No changes detected"),
        "{}",
        run.stdout
    );
    let run = p
        .run(Models::V1, &["autogenerate", "-m", "again"])
        .expect(0);
    assert_eq!(run.stdout.trim(), "No changes detected");

    let schema = p.schema();
    let up = std::fs::read_to_string(p.revision_dirs()[0].join("up.sql")).unwrap();
    let down = std::fs::read_to_string(p.revision_dirs()[0].join("down.sql")).unwrap();
    match backend {
        Backend::Postgres => {
            // The SQL names what PostgreSQL creates: identifiers cut to 63 bytes.
            let table = &LONG_TABLE[..63];
            assert!(
                schema.tables.contains_key(table),
                "{:?}",
                schema.tables.keys()
            );
            assert!(up.contains(&format!("CREATE TABLE \"{table}\" (")), "{up}");
            assert!(down.contains(&format!("DROP TABLE \"{table}\";")), "{down}");
            assert!(!up.contains(LONG_TABLE), "{up}");
            let t = &schema.tables[table];
            assert!(
                t.indexes.iter().all(|i| i.name.len() <= 63),
                "{:?}",
                t.indexes
            );
            assert_eq!(
                t.primary_key_name.as_deref(),
                Some(&format!("{}_pkey", &LONG_TABLE[..58])[..])
            );
            // Server spellings of the model's types and defaults.
            let col = |name: &str| t.column(name).unwrap_or_else(|| panic!("{name}: {t:?}"));
            assert_eq!(col("free").ty, SqlType::Custom("VARCHAR".into()));
            assert_eq!(col("code").ty, SqlType::Custom("CHAR(2)".into()));
            assert_eq!(col("approx").ty, SqlType::Double);
            assert_eq!(col("precise").ty, SqlType::Custom("TIMESTAMP(3)".into()));
            assert_eq!(col("zoned").ty, SqlType::TimestampTz);
            assert_eq!(col("maybe").default, None);
            assert_eq!(col("ratio").default.as_deref(), Some("1000"));
            assert_eq!(col("expr2").default.as_deref(), Some("lower('X'::text)"));
            let long_column = "a_column_whose_own_name_is_longer_than_the_sixty_three_bytes_kept";
            assert_eq!(col(&long_column[..63]).ty, SqlType::Integer);
        }
        Backend::Sqlite => {
            assert!(schema.tables.contains_key(LONG_TABLE));
        }
    }

    // Down restores the schema exactly, and up again is clean.
    p.run(Models::V1, &["downgrade", "base"]).expect(0);
    assert!(p.schema().is_empty(), "{:?}", p.schema().tables.keys());
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    assert_eq!(p.schema(), schema);
    p.run(Models::V1, &["check"]).expect(0);

    // And through version 2 and back.
    p.run(
        Models::V2,
        &[&["autogenerate", "-m", "two"][..], &V2_SAFETY].concat(),
    )
    .expect(0);
    let up = std::fs::read_to_string(p.revision_dirs()[1].join("up.sql")).unwrap();
    assert!(!up.contains("unusual_spellings"), "{up}");
    p.run(Models::V2, &["upgrade", "head"]).expect(0);
    p.run(Models::V2, &["check"]).expect(0);
    p.run(Models::V2, &["downgrade", "-1"]).expect(0);
    assert_eq!(p.schema(), schema);
}

/// A PostgreSQL project's database, through Retort's own connection.
fn pg() -> Option<(Project, Connection)> {
    let p = Project::on(Backend::Postgres)?;
    let conn = Connection::open(&p.url.parse::<DatabaseUrl>().unwrap(), false).expect("connect");
    Some((p, conn))
}

fn table(name: &str, columns: Vec<Column>) -> Table {
    let mut t = Table::new(name);
    t.columns = columns;
    t
}

fn column(name: &str, ty: &str, default: Option<&str>) -> Column {
    let mut c = Column::new(name, SqlType::parse(ty), true);
    c.default = default.map(str::to_owned);
    c
}

#[test]
fn a_default_postgresql_rejects_names_the_column_and_expression() {
    let Some((_p, mut conn)) = pg() else { return };
    let mut target = Schema::new();
    target.insert(table("good", vec![column("a", "text", Some("'x'"))]));
    target.insert(table(
        "things",
        vec![
            column("fine", "integer", Some("1")),
            column("broken", "text", Some("lower('X'")),
        ],
    ));
    let err = autogen::server_normalized(&mut conn, &target).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("`things.broken`"), "{message}");
    assert!(
        message.contains("default expression `lower('X'`"),
        "{message}"
    );
    assert!(message.contains("syntax error"), "{message}");

    let mut target = Schema::new();
    target.insert(table("t", vec![column("c", "no_such_type", None)]));
    let message = autogen::server_normalized(&mut conn, &target)
        .unwrap_err()
        .to_string();
    assert!(message.contains("`t.c`"), "{message}");
    assert!(message.contains("the type `NO_SUCH_TYPE`"), "{message}");

    // The connection is still usable, and nothing was left behind.
    assert!(conn.introspect().unwrap().is_empty());
}

#[test]
fn check_fails_clearly_where_postgresql_cannot_create_temp_tables() {
    // The test binaries' models are all valid; a read-only session is what makes the
    // normalisation fail through the CLI: exit 2 and a message saying why.
    let Some((p, _conn)) = pg() else { return };
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    p.run(Models::V1, &["upgrade"]).expect(0);
    let db = p.url.rsplit('/').next().unwrap().to_owned();
    p.execute(&format!(
        "ALTER DATABASE {db} SET default_transaction_read_only = on"
    ));
    let run = p.run(Models::V1, &["check"]).expect(2);
    assert!(
        run.stderr.contains(
            "this PostgreSQL database is read-only (a hot standby, or \
             default_transaction_read_only), and spelling the models as the server does needs \
             TEMP tables: name a writable PostgreSQL server of the same major version with \
             --scratch-url"
        ),
        "{}",
        run.stderr
    );
    // A writable server does that part.
    let server = crate::support::postgres_url().unwrap();
    p.run(Models::V1, &["--scratch-url", &server, "check"])
        .expect(0);
    // The project's database is dropped at the end, read-only or not.
}

/// Counts the statements a connection sends.
fn counted(url: &str) -> (PgConnection, Arc<AtomicUsize>) {
    let mut conn = PgConnection::establish(url).expect("connect");
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if matches!(event, InstrumentationEvent::StartQuery { .. }) {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    (conn, count)
}

#[test]
fn normalisation_sends_the_same_few_statements_whatever_the_schema_size() {
    let Some((p, _conn)) = pg() else { return };
    let statements = |tables: usize, columns: usize| {
        let mut target = Schema::new();
        for t in 0..tables {
            let cols = (0..columns)
                .map(|c| column(&format!("c{c}"), "float", Some("1e3")))
                .collect();
            target.insert(table(&format!("t{t}"), cols));
        }
        let (mut conn, count) = counted(&p.url);
        normalize_target(&mut conn, &mut target).expect("normalises");
        for t in target.tables.values() {
            for c in &t.columns {
                assert_eq!(c.ty, SqlType::Double);
                assert_eq!(c.default.as_deref(), Some("'1000'::numeric"));
            }
        }
        count.load(Ordering::SeqCst)
    };
    let one = statements(1, 1);
    assert!(one <= 4, "{one} statements");
    // 3,000 columns: three TEMP tables, still one batch and one query.
    assert_eq!(statements(60, 50), one);
}

#[test]
fn primary_key_changes_use_the_constraint_name_postgresql_has() {
    let Some((p, mut conn)) = pg() else { return };
    let long = "a_table_with_a_name_long_enough_that_postgres_cuts_its_pkey_name";
    p.execute(&format!(
        "CREATE TABLE by_hand (id INTEGER NOT NULL, k INTEGER NOT NULL, CONSTRAINT hand_made_pk PRIMARY KEY (id));
         CREATE TABLE {long} (id INTEGER NOT NULL, k INTEGER NOT NULL, PRIMARY KEY (id));"
    ));
    let before = conn.introspect().unwrap();
    assert_eq!(
        before.tables["by_hand"].primary_key_name.as_deref(),
        Some("hand_made_pk")
    );
    let mut target = before.clone();
    for t in target.tables.values_mut() {
        t.primary_key = vec!["id".into(), "k".into()];
        t.primary_key_name = None;
    }
    let plan = autogen::plan(&mut conn, &target).unwrap();
    assert_eq!(plan.ops.len(), 2, "{:?}", plan.ops);
    assert!(
        plan.up_sql.contains("DROP CONSTRAINT \"hand_made_pk\""),
        "{}",
        plan.up_sql
    );
    p.execute(&plan.up_sql);
    let after = conn.introspect().unwrap();
    for t in after.tables.values() {
        assert_eq!(t.primary_key, ["id", "k"]);
    }
    assert!(autogen::plan(&mut conn, &target).unwrap().is_empty());
    p.execute(&plan.down_sql);
    assert_eq!(conn.introspect().unwrap(), before);
}

#[test]
fn sessions_are_left_clean_and_runs_repeat() {
    let Some((_p, mut conn)) = pg() else { return };
    let mut target = Schema::new();
    target.insert(table("x", vec![column("a", "timestamp(3)", Some("now()"))]));
    let normalised = autogen::server_normalized(&mut conn, &target).unwrap();
    assert_eq!(
        normalised.tables["x"].columns[0].ty,
        SqlType::Custom("TIMESTAMP(3)".into())
    );
    assert_eq!(
        normalised.tables["x"].columns[0].default.as_deref(),
        Some("now()")
    );
    // The rolled-back TEMP tables are gone; a second run works the same.
    assert_eq!(
        autogen::server_normalized(&mut conn, &target).unwrap(),
        normalised
    );
    assert!(conn.introspect().unwrap().is_empty());
}
