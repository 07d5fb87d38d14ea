//! `init --baseline` in a diesel project: it never points Retort.toml at diesel's own
//! migrations directory (the default `migrations/` holding diesel's migrations, or diesel.toml's
//! `migrations_directory`), and a failed attempt leaves nothing behind, so a second one works.

use std::path::Path;

use crate::support::{on_both_backends, Backend, Models, Project};

on_both_backends!(a_diesel_projects_migrations_directory_is_left_to_diesel);

/// Writes diesel's migrations into `dir`, as diesel_cli lays them out.
fn diesel_migrations(dir: &Path) {
    for name in [
        "00000000000000_diesel_initial_setup",
        "2024-01-31-120000_create_accounts",
    ] {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("up.sql"), "-- diesel's\n").unwrap();
        std::fs::write(d.join("down.sql"), "-- diesel's\n").unwrap();
    }
}

/// v1's tables built and recorded as diesel would have, with no Retort revision or Retort.toml.
fn diesel_built(p: &Project) {
    p.run(Models::V1, &["autogenerate", "-m", "v1"]).expect(0);
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    std::fs::remove_dir_all(p.migrations()).unwrap();
    std::fs::remove_file(p.path().join("Retort.toml")).unwrap();
    p.execute(
        "DELETE FROM __diesel_schema_migrations; DROP TABLE __retort_checksums; \
         INSERT INTO __diesel_schema_migrations (version) VALUES ('00000000000000'), ('20240131120000');",
    );
    diesel_migrations(&p.migrations());
}

fn a_diesel_projects_migrations_directory_is_left_to_diesel(backend: Backend) {
    let p = Project::on(backend).expect("backend available");
    diesel_built(&p);
    let url = p.url.clone();
    let run = p
        .run(Models::V1, &["--database-url", &url, "init", "--baseline"])
        .expect(0);
    assert!(
        run.stdout.contains(
            "migrations is diesel's migrations directory (2 of diesel's migrations, e.g. \
             00000000000000_diesel_initial_setup), so Retort's revisions go to retort_migrations"
        ),
        "{}",
        run.stdout
    );
    let config = std::fs::read_to_string(p.path().join("Retort.toml")).unwrap();
    assert!(
        config.contains("migrations_dir = \"retort_migrations\""),
        "{config}"
    );
    // diesel's directory is untouched; Retort's holds the baseline, and later commands work.
    let diesel: Vec<_> = std::fs::read_dir(p.migrations()).unwrap().collect();
    assert_eq!(diesel.len(), 2);
    assert_eq!(
        std::fs::read_dir(p.path().join("retort_migrations"))
            .unwrap()
            .count(),
        1
    );
    let run = p.run(Models::V1, &["current"]).expect(0);
    assert!(run.stdout.contains("(head) baseline"), "{}", run.stdout);
    p.run(Models::V1, &["check"]).expect(0);
}

/// diesel.toml's `migrations_directory` named by --migrations-dir is refused before anything
/// is written; a failed attempt (here: an empty database) removes the Retort.toml and
/// directory it created, and restores a Retort.toml it changed; the next attempt works.
#[test]
fn a_failed_or_refused_baseline_leaves_nothing_behind() {
    let p = Project::new();
    let url = p.url.clone();
    std::fs::remove_file(p.path().join("Retort.toml")).unwrap();
    let _ = std::fs::remove_dir(p.migrations());
    std::fs::write(
        p.path().join("diesel.toml"),
        "[print_schema]\nfile = \"src/schema.rs\"\n\n[migrations_directory]\ndir = \"db/diesel\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(p.path().join("db/diesel")).unwrap();
    p.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY NOT NULL);");
    let run = p
        .run(
            Models::None,
            &[
                "--database-url",
                &url,
                "--migrations-dir",
                "db/diesel",
                "init",
                "--baseline",
            ],
        )
        .expect(2);
    assert!(
        run.stderr.contains(
            "db/diesel (--migrations-dir) is diesel's migrations directory (diesel.toml's \
             migrations_directory); Retort keeps its revisions in a directory of its own, next \
             to diesel's: pass --migrations-dir retort_migrations (or another new directory) \
             and run init --baseline again"
        ),
        "{}",
        run.stderr
    );
    assert!(!p.path().join("Retort.toml").exists());

    // An empty database fails after init wrote its files: they are removed.
    p.execute("DROP TABLE accounts;");
    let run = p
        .run(
            Models::None,
            &["--database-url", &url, "init", "--baseline"],
        )
        .expect(2);
    assert!(
        run.stderr.contains("the database has no tables"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("init --baseline failed, so it removed Retort.toml and migrations"),
        "{}",
        run.stderr
    );
    assert!(!p.path().join("Retort.toml").exists());
    assert!(!p.migrations().exists());

    // A Retort.toml of the user's, naming no directory, with diesel's migrations in the
    // default one: the line it gets is taken back when the run fails...
    let mine =
        format!("database_url = \"{url}\"\n\n[naming]\nix = \"idx_%(table)s_%(column_0)s\"\n");
    std::fs::write(p.path().join("Retort.toml"), &mine).unwrap();
    diesel_migrations(&p.migrations());
    let run = p.run(Models::None, &["init", "--baseline"]).expect(2);
    assert!(
        run.stderr.contains("so it restored Retort.toml"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(p.path().join("Retort.toml")).unwrap(),
        mine
    );
    // ...and kept when it succeeds: every later command finds the baseline.
    p.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY NOT NULL);");
    let run = p.run(Models::None, &["init", "--baseline"]).expect(0);
    assert!(
        run.stdout
            .contains("Set migrations_dir = \"retort_migrations\" in Retort.toml"),
        "{}",
        run.stdout
    );
    assert_eq!(
        std::fs::read_to_string(p.path().join("Retort.toml")).unwrap(),
        format!("migrations_dir = \"retort_migrations\"\n{mine}")
    );
    let run = p.run(Models::None, &["current"]).expect(0);
    assert!(run.stdout.contains("(head) baseline"), "{}", run.stdout);
}
