//! Retort's migration directories are diesel's: diesel's own `FileBasedMigrations` and
//! `embed_migrations!` run them unchanged, and record the same versions Retort reads.

use diesel::migration::MigrationSource;
use diesel::sqlite::Sqlite;
use diesel_migrations::{
    embed_migrations, EmbeddedMigrations, FileBasedMigrations, MigrationHarness,
};

use crate::support::{Models, Project, V2_SAFETY};

/// The example blog's committed migrations, embedded at compile time by diesel.
const BLOG: EmbeddedMigrations = embed_migrations!("../examples/blog/migrations");

#[test]
fn diesel_file_based_migrations_run_a_generated_directory() {
    let p = Project::new();
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    p.run(Models::V1, &["upgrade"]).expect(0);
    let at_one = p.schema();
    p.run(
        Models::V2,
        &[&["autogenerate", "-m", "two"][..], &V2_SAFETY].concat(),
    )
    .expect(0);
    p.run(Models::V1, &["downgrade", "base"]).expect(0);

    // diesel applies both revisions in order...
    let source = FileBasedMigrations::from_path(p.migrations()).unwrap();
    assert_eq!(
        MigrationSource::<Sqlite>::migrations(&source)
            .unwrap()
            .len(),
        2
    );
    // diesel switches SQLite's foreign keys on; a rebuild of a table other tables reference
    // (v2 rebuilds `accounts`) must not run that way, as dropping it would cascade to `notes`.
    // The migration's guard stops it before any change...
    let mut conn = p.connect();
    let err = conn.run_pending_migrations(source).unwrap_err().to_string();
    assert!(err.contains("foreign keys must be OFF"), "{err}");
    drop(conn);
    assert!(p
        .run(Models::V1, &["current"])
        .expect(0)
        .stdout
        .contains(" one"));
    p.run(Models::V1, &["downgrade", "base"]).expect(0);
    // ...and with foreign keys off, as Retort's runner does, diesel applies both revisions.
    let source = FileBasedMigrations::from_path(p.migrations()).unwrap();
    let mut conn = p.connect();
    diesel::connection::SimpleConnection::batch_execute(&mut conn, "PRAGMA foreign_keys = OFF;")
        .unwrap();
    conn.run_pending_migrations(source).unwrap();
    drop(conn);
    // ...and Retort agrees the database is at head and matches the v2 models.
    p.run(Models::V2, &["check"]).expect(0);
    let run = p.run(Models::V2, &["current"]).expect(0);
    assert!(run.stdout.contains("(head) two"), "{}", run.stdout);

    // Reverting through diesel restores the first revision's schema, and Retort sees it there.
    let source = FileBasedMigrations::from_path(p.migrations()).unwrap();
    let mut conn = p.connect();
    diesel::connection::SimpleConnection::batch_execute(&mut conn, "PRAGMA foreign_keys = OFF;")
        .unwrap();
    conn.revert_last_migration(source).unwrap();
    drop(conn);
    assert_eq!(p.schema(), at_one);
    let run = p.run(Models::V1, &["current"]).expect(0);
    assert!(run.stdout.contains(" one"), "{}", run.stdout);
}

#[test]
fn diesel_embedded_migrations_run_the_example_blog() {
    let p = Project::new();
    let mut conn = p.connect();
    let applied = conn.run_pending_migrations(BLOG).unwrap();
    assert!(!applied.is_empty());
    drop(conn);
    let schema = p.schema();
    let tables: Vec<&str> = schema.tables.keys().map(String::as_str).collect();
    assert_eq!(tables, ["comments", "post_tags", "posts", "tags", "users"]);
    let expected = {
        let mut s = retort::registry::schema_of(&blog_models()).unwrap();
        retort::dialect::Dialect::normalize(&retort::dialect::Sqlite, &mut s);
        for t in s.tables.values_mut() {
            t.columns.sort_by(|a, b| a.name.cmp(&b.name));
        }
        s
    };
    assert_eq!(
        schema, expected,
        "the committed blog migrations match the blog models"
    );
}

/// The blog models, registered through inventory by linking the example crate.
fn blog_models() -> Vec<&'static retort::ModelRegistration> {
    retort::registry::models()
        .into_iter()
        .filter(|m| m.rust_path.starts_with("retort_example_blog::"))
        .collect()
}
