//! Daily use through the real CLI: readable slugs, a SQLite database in a directory that does
//! not exist yet, backend-specific warnings, colour, and Alembic's verbs and options.

use crate::support::{Models, Project};

#[test]
fn non_ascii_messages_make_transliterated_slugs() {
    let p = Project::new();
    let run = p
        .run(Models::V1, &["revision", "-m", "añadir índice"])
        .expect(0);
    assert!(run.stdout.contains("_anadir_indice"), "{}", run.stdout);
}

#[test]
fn a_sqlite_database_in_a_missing_directory_is_created_with_it() {
    let p = Project::new();
    let url = "sqlite://var/data/app.db";
    p.run(
        Models::V1,
        &["--database-url", url, "autogenerate", "-m", "initial"],
    )
    .expect(0);
    p.run(Models::V1, &["--database-url", url, "upgrade", "head"])
        .expect(0);
    assert!(p.path().join("var/data/app.db").is_file());
    p.run(Models::V1, &["--database-url", url, "check"])
        .expect(0);
}
