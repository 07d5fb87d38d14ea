//! PostgreSQL specifics through the real CLI: schemas other than `public`, the advisory lock,
//! an unreachable server, identity columns.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::Connection;

use crate::support::{postgres_url, Backend, Models, Project};

fn project() -> Option<Project> {
    Project::on(Backend::Postgres)
}

#[test]
fn migrates_a_schema_other_than_public() {
    let Some(p) = project() else { return };
    p.execute("CREATE SCHEMA tenant");
    p.run(
        Models::V1,
        &["--schema", "tenant", "autogenerate", "-m", "one"],
    )
    .expect(0);
    p.run(Models::V1, &["--schema", "tenant", "upgrade"])
        .expect(0);
    p.run(Models::V1, &["--schema", "tenant", "check"])
        .expect(0);
    assert!(p.schema_in(Some("tenant")).tables.contains_key("accounts"));
    assert!(p.schema().is_empty(), "public stays empty");
    // public has no revision applied: check there reports it.
    p.run(Models::V1, &["check"]).expect(1);

    let run = p
        .run(Models::V1, &["--schema", "nope", "current"])
        .expect(2);
    assert!(
        run.stderr.contains(r#"schema "nope" does not exist"#),
        "{}",
        run.stderr
    );
}

#[test]
fn a_held_lock_times_out_with_a_clear_error() {
    let Some(p) = project() else { return };
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    let mut holder = PgConnection::establish(&p.url).unwrap();
    holder
        .batch_execute(&format!(
            "SELECT pg_advisory_lock({})",
            retort::backend::postgres::ADVISORY_LOCK_KEY
        ))
        .unwrap();
    let run = p
        .run(Models::V1, &["--lock-wait", "1", "upgrade"])
        .expect(2);
    assert!(
        run.stderr.contains("another migration run holds the lock"),
        "{}",
        run.stderr
    );
    assert!(p.schema().is_empty(), "nothing ran without the lock");
    drop(holder);
    p.run(Models::V1, &["upgrade"]).expect(0);
    p.run(Models::V1, &["check"]).expect(0);
}

#[test]
fn an_unreachable_server_is_named() {
    if postgres_url().is_none() {
        return;
    }
    let p = Project::new();
    let run = p
        .run(
            Models::V1,
            &[
                "--database-url",
                "postgres://nobody:secret@127.0.0.1:1/app",
                "current",
            ],
        )
        .expect(2);
    assert!(
        run.stderr
            .contains("cannot connect to postgres://nobody:***@127.0.0.1:1/app"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("secret"),
        "the password is not printed"
    );
}

#[test]
fn integer_primary_keys_are_identity_columns() {
    let Some(p) = project() else { return };
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    p.run(Models::V1, &["upgrade"]).expect(0);
    p.execute(
        "INSERT INTO accounts (email, age) VALUES ('a@example.com', 1), ('b@example.com', 2)",
    );
    assert_eq!(
        p.strings("SELECT CAST(id AS TEXT) AS v FROM accounts ORDER BY id"),
        ["1", "2"]
    );
    assert_eq!(
        p.strings("SELECT attidentity::text AS v FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'id'"),
        ["d"]
    );
    p.run(Models::V1, &["check"]).expect(0);
}

#[test]
fn migrations_generated_for_sqlite_are_refused_on_postgresql() {
    let Some(p) = project() else { return };
    p.run(
        Models::V1,
        &[
            "--database-url",
            "sqlite://local.db",
            "autogenerate",
            "-m",
            "one",
        ],
    )
    .expect(0);
    let run = p.run(Models::V1, &["upgrade"]).expect(2);
    assert!(
        run.stderr.contains("was generated for sqlite")
            && run.stderr.contains("this database is PostgreSQL"),
        "{}",
        run.stderr
    );
    assert!(p.schema().is_empty(), "nothing ran");
}
