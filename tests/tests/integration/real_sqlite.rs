//! atuin's real SQLite client databases (`../shared/real-schemas/atuin-client-sqlite/`:
//! `history.db` with its 12 snapshots, and the record store and meta databases in `extra/`),
//! adopted as the README says: inspect -> a binary over the models -> `check` clean ->
//! `init --baseline`, which replays on an empty database to the very same `sqlite_schema`;
//! every table dropped by a migration and restored by its `down.sql`, text and all; and the
//! history replayed step by step (inspect B, autogenerate on A, upgrade: B's catalog;
//! downgrade: A's). Prints SKIPPED where the folder is not on this machine.

use std::path::{Path, PathBuf};

use crate::scratch::{inspected_app, scratch_app};
use crate::support::{Models, Project};

fn folder() -> Option<PathBuf> {
    let dir = crate::lossless::real_schema("atuin-client-sqlite")
        .parent()?
        .to_path_buf();
    if dir.join("schema.sql").exists() {
        Some(dir)
    } else {
        crate::support::skipped(
            crate::support::NO_REAL_SCHEMAS,
            &format!("{} is not on this machine", dir.display()),
        );
        None
    }
}

/// `sqlite_schema` row by row, exactly as SQLite keeps it (bookkeeping aside).
fn catalog(p: &Project) -> Vec<String> {
    p.strings(
        "SELECT type || ' ' || name || ' on ' || tbl_name || ': ' || coalesce(sql, '') AS v \
         FROM sqlite_schema WHERE tbl_name NOT IN ('__retort_checksums', \
         '__diesel_schema_migrations') ORDER BY name",
    )
}

/// A project whose database holds `sql`.
fn loaded(sql: &str) -> Project {
    let p = Project::new();
    p.execute(sql);
    p
}

/// inspect -> build -> check clean -> baseline -> the baseline replays exactly; then every
/// table dropped and restored exactly.
fn adopt(label: &str, sql: &str) {
    let p = loaded(sql);
    let (app, _) = inspected_app(&p, &format!("atuin-{label}"));
    let before = catalog(&p);
    app.run(&p, &["init", "--baseline"]).expect(0);
    let check = app.run(&p, &["check"]);
    assert_eq!(check.code, 0, "{label}: {}{}", check.stdout, check.stderr);

    // The baseline, replayed on an empty database, writes the same catalog, text and all.
    let fresh = Project::new();
    copy_revisions(&p, &fresh);
    app.run(&fresh, &["upgrade", "head"]).expect(0);
    assert_eq!(catalog(&fresh), before, "{label}: the baseline's replay");
    app.run(&fresh, &["check"]).expect(0);

    // Other models (the test suite's) drop every table; the downgrade restores them exactly.
    let run = p
        .run(
            Models::V1,
            &["autogenerate", "-m", "drop all", "--allow-destructive"],
        )
        .expect(0);
    assert!(run.stdout.contains("removed table"), "{}", run.stdout);
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    let left = catalog(&p);
    assert!(
        !left.iter().any(|row| before.contains(row)),
        "{label}: {left:#?}"
    );
    p.run(Models::V1, &["downgrade", "-1", "--yes"]).expect(0);
    assert_eq!(catalog(&p), before, "{label}: drop and restore");
}

fn copy_revisions(from: &Project, to: &Project) {
    let (src, dst) = (from.migrations(), to.migrations());
    std::fs::create_dir_all(&dst).unwrap();
    for dir in from.revision_dirs() {
        let target = dst.join(dir.file_name().unwrap());
        std::fs::create_dir_all(&target).unwrap();
        for file in std::fs::read_dir(&dir).unwrap().flatten() {
            std::fs::copy(file.path(), target.join(file.file_name())).unwrap();
        }
    }
    assert!(src.exists());
}

#[test]
fn atuin_client_databases_are_adopted_and_restored_exactly() {
    let Some(dir) = folder() else { return };
    for (label, file) in [
        ("history", "schema.sql"),
        ("records", "extra/records/schema.sql"),
        ("meta", "extra/meta/schema.sql"),
    ] {
        adopt(label, &std::fs::read_to_string(dir.join(file)).unwrap());
    }
}

/// The snapshots of one history folder, in order.
fn snapshots(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let stem = p.file_stem().unwrap().to_str().unwrap()[..3].to_owned();
            (stem, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The schema as the diff compares it: kept definitions and table constraints spelling aside
/// (a new index is Retort's rendering of what the snapshot wrote by hand).
fn comparable(mut schema: retort::schema::Schema) -> retort::schema::Schema {
    for table in schema.tables.values_mut() {
        for constraint in table.table_constraints.iter_mut() {
            let written = constraint.written.as_deref().unwrap_or_default();
            *constraint = retort::sql::table_constraint(&retort::sql::comparable(written));
        }
        for definition in table.unmodeled.iter_mut() {
            *definition = retort::sql::comparable(definition.sql()).into();
        }
        table.unmodeled.sort();
    }
    schema
}

/// Each step A -> B of a history: inspect B, autogenerate on A, upgrade: B's schema; check
/// clean; downgrade: A's schema, rows kept.
fn replay(label: &str, dir: &Path) {
    let steps = snapshots(dir);
    for pair in steps.windows(2) {
        let ((a_name, a_sql), (b_name, b_sql)) = (&pair[0], &pair[1]);
        let step = format!("{label} {a_name} -> {b_name}");
        let b = loaded(b_sql);
        let models = b.path().join("models.rs");
        b.run(
            Models::None,
            &["inspect", "--output", models.to_str().unwrap()],
        )
        .expect(0);
        let source = std::fs::read_to_string(&models).unwrap();
        let app = scratch_app(&format!("atuin-{label}-{b_name}"), &source);

        let a = loaded(a_sql);
        let before = comparable(a.schema());
        app.run(&a, &["init", "--baseline"]).expect(0);
        let run = app.run(&a, &["autogenerate", "-m", "step", "--allow-destructive"]);
        assert_eq!(run.code, 0, "{step}: {}{}", run.stdout, run.stderr);
        app.run(&a, &["upgrade", "head"]).expect(0);
        assert_eq!(
            comparable(a.schema()),
            comparable(b.schema()),
            "{step}: upgrade"
        );
        let check = app.run(&a, &["check"]);
        assert_eq!(check.code, 0, "{step}: {}{}", check.stdout, check.stderr);
        app.run(&a, &["downgrade", "-1", "--yes"]).expect(0);
        assert_eq!(comparable(a.schema()), before, "{step}: downgrade");
    }
}

#[test]
fn atuin_client_history_replays_step_by_step() {
    let Some(dir) = folder() else { return };
    replay("history", &dir.join("history"));
    replay("records", &dir.join("extra/records/history"));
}
