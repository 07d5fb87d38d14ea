//! Adopting Retort on a database that already exists: diesel's history recorded before
//! Retort, `init --baseline`, and `ignore` globs.

use crate::support::{on_both_backends, Backend, Models, Project, V2_SAFETY};

/// diesel's own DDL for its bookkeeping table.
const DIESEL_TABLE: &str = "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);";

/// Records `versions` in diesel's table as diesel would have, creating it when missing.
fn record_diesel_versions(p: &Project, versions: &[String]) {
    let exists = p.strings(match p.backend {
        Backend::Sqlite => {
            "SELECT name AS v FROM sqlite_schema WHERE name = '__diesel_schema_migrations'"
        }
        Backend::Postgres => {
            "SELECT relname::text AS v FROM pg_class WHERE relname = '__diesel_schema_migrations'"
        }
    });
    let mut sql = if exists.is_empty() {
        DIESEL_TABLE.to_owned()
    } else {
        String::new()
    };
    for v in versions {
        sql.push_str(&format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('{v}');"
        ));
    }
    p.execute(&sql);
}

on_both_backends!(
    unknown_versions_are_listed_as_the_first_few_and_a_count,
    a_baseline_recreates_every_table_on_a_new_database,
    diesel_history_before_the_baseline_is_kept_and_new_revisions_follow_it,
    ignored_tables_are_never_created_altered_dropped_or_reported,
);

/// 300 versions no revision has: the error names the first five and counts the rest, on one
/// short line, and says how to adopt the database.
fn unknown_versions_are_listed_as_the_first_few_and_a_count(backend: Backend) {
    let p = Project::on(backend).expect("backend available");
    let versions: Vec<String> = (0..300).map(|k| format!("2014092411{k:04}")).collect();
    record_diesel_versions(&p, &versions);
    for args in [&["current"][..], &["upgrade", "head"], &["check"]] {
        let run = p.run(Models::V1, args).expect(2);
        assert!(
            run.stderr.contains(
                "records 300 version(s) that no revision in migrations has: 20140924110000, \
                 20140924110001, 20140924110002, 20140924110003, 20140924110004 and 295 more"
            ),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("init --baseline"), "{}", run.stderr);
        assert!(run.stderr.len() < 600, "{args:?}: {}", run.stderr);
    }
}

/// The hand-written schema of the lossless tests: every table property the models cannot say.
fn fixture(backend: Backend) -> String {
    let name = match backend {
        Backend::Sqlite => "sqlite.sql",
        Backend::Postgres => "postgres.sql",
    };
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/lossless")
            .join(name),
    )
    .expect("fixture")
}

/// Copies the revision directories of `from` into `to`'s migrations directory.
fn copy_revisions(from: &Project, to: &Project) {
    for dir in from.revision_dirs() {
        let target = to.migrations().join(dir.file_name().unwrap());
        std::fs::create_dir_all(&target).unwrap();
        for file in ["up.sql", "down.sql", "metadata.toml"] {
            std::fs::copy(dir.join(file), target.join(file)).unwrap();
        }
    }
}

/// `init --baseline` on `a` (whose schema is loaded), then on `b` (an empty database)
/// `upgrade head` from the baseline: the tables come back exactly (Retort's catalog
/// read, and on PostgreSQL `pg_dump --schema-only`); `downgrade base` drops them all again.
fn baseline_and_replay(a: &Project, b: &Project) {
    let before = a.schema();
    let dump_before = (a.backend == Backend::Postgres).then(|| crate::lossless::dump(a));
    let run = a.run(Models::None, &["init", "--baseline"]).expect(0);
    assert!(
        run.stdout.contains(&format!(
            "a baseline that creates {} table(s); recorded as applied without running it",
            before.tables.len()
        )),
        "{}",
        run.stdout
    );
    assert_eq!(a.revision_dirs().len(), 1);
    let run = a.run(Models::None, &["current"]).expect(0);
    assert!(run.stdout.contains("(head) baseline"), "{}", run.stdout);
    // Nothing ran on the adopted database.
    assert_eq!(a.schema(), before);
    let up = std::fs::read_to_string(a.revision_dirs()[0].join("up.sql")).unwrap();
    assert!(
        up.contains("comments and owned sequences, and what is not a table: schemas, extensions"),
        "{up}"
    );
    // A second baseline is refused: the directory holds one.
    let run = a.run(Models::None, &["init", "--baseline"]).expect(2);
    assert!(
        run.stderr.contains("already holds 1 revision(s)"),
        "{}",
        run.stderr
    );

    copy_revisions(a, b);
    b.run(Models::None, &["upgrade", "head"]).expect(0);
    assert_eq!(b.schema().tables, before.tables);
    // Views too, on both backends (SQLite keeps their text as written).
    assert_eq!(b.schema().views, before.views);
    if let Some(dump_before) = dump_before {
        let after = crate::lossless::dump(b);
        assert!(
            dump_before == after,
            "{}",
            crate::lossless::first_difference(&dump_before, &after)
        );
    }
    b.run(Models::None, &["downgrade", "base"]).expect(0);
    assert!(b.schema().tables.is_empty());
}

fn a_baseline_recreates_every_table_on_a_new_database(backend: Backend) {
    let sql = fixture(backend);
    let a = Project::on(backend).expect("backend available");
    a.execute(&sql);
    // An empty database: the baseline creates the fixture's trigger function too.
    let b = Project::on(backend).expect("backend available");
    baseline_and_replay(&a, &b);
    let up = std::fs::read_to_string(a.revision_dirs()[0].join("up.sql")).unwrap();
    match backend {
        Backend::Sqlite => {
            // The view is created after the tables, as SQLite keeps it; down.sql drops it.
            assert!(up.contains("CREATE VIEW author_books AS"), "{up}");
            assert!(!up.contains("Not included"), "{up}");
            let down = std::fs::read_to_string(a.revision_dirs()[0].join("down.sql")).unwrap();
            assert!(down.starts_with("DROP VIEW \"author_books\";"), "{down}");
        }
        Backend::Postgres => {
            assert!(
                up.contains("CREATE OR REPLACE FUNCTION public.touch_updated_at()"),
                "{up}"
            );
            assert!(!up.contains("--   enum type public.mood"), "{up}");
            assert!(
                up.contains("CREATE TYPE \"mood\" AS ENUM ('calm', 'busy');"),
                "{up}"
            );
        }
    }
}

/// The real schemas' (crates.io: 36 tables, serial keys, 25 triggers, 83 indexes, 31
/// functions, a composite type, a materialized view...; docs.rs; atuin's server): baselined,
/// then replayed on an empty database, with the same dump.
#[test]
fn a_baseline_of_a_real_schema_recreates_it_exactly() {
    for name in ["crates.io", "docs.rs", "atuin-server-postgres"] {
        let path = crate::lossless::real_schema(name);
        let Ok(sql) = std::fs::read_to_string(&path) else {
            crate::support::skipped(
                crate::support::NO_REAL_SCHEMAS,
                &format!("{} is not on this machine", path.display()),
            );
            return;
        };
        let Some(a) = Project::on(Backend::Postgres) else {
            return;
        };
        // pg_dump's `\restrict` lines are psql's, not SQL.
        let sql: Vec<&str> = sql.lines().filter(|l| !l.starts_with('\\')).collect();
        a.execute(&sql.join("\n"));
        let b = Project::on(Backend::Postgres).expect("PostgreSQL available");
        baseline_and_replay(&a, &b);
        let up = std::fs::read_to_string(a.revision_dirs()[0].join("up.sql")).unwrap();
        assert!(
            up.contains("-- It creates every such object the database holds."),
            "{name}: {up}"
        );
    }
}

/// Versions diesel's own migrations recorded, as crates.io's history spells them: diesel's
/// initial setup, 14-digit timestamps, and the later 18-digit `YYYY-MM-DD-HHMMSS-NNNN` form.
fn diesel_history() -> Vec<String> {
    [
        "00000000000000",
        "20140924113530",
        "20170801133919",
        "202605271200000000",
        "202607301400000000",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// A database built by diesel's migrations (simulated: v1's tables, diesel's versions and no
/// revision directory): every command refuses it until `init --baseline`; afterwards the
/// versions are history, `check` passes, a model change autogenerates a revision whose version
/// sorts after all of them (diesel's order), and it upgrades and downgrades. A version
/// recorded later that no revision has or lists is still refused.
fn diesel_history_before_the_baseline_is_kept_and_new_revisions_follow_it(backend: Backend) {
    let p = Project::on(backend).expect("backend available");
    p.run(Models::V1, &["autogenerate", "-m", "v1"]).expect(0);
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    for dir in p.revision_dirs() {
        std::fs::remove_dir_all(dir).unwrap();
    }
    p.execute("DELETE FROM __diesel_schema_migrations; DROP TABLE __retort_checksums;");
    record_diesel_versions(&p, &diesel_history());
    p.run(Models::V1, &["check"]).expect(2);

    let run = p.run(Models::V1, &["init", "--baseline"]).expect(0);
    assert!(
        run.stdout.contains(
            "Kept 5 version(s) recorded before it as history (adopted_versions in its \
             metadata.toml): 00000000000000, 20140924113530, 20170801133919, \
             202605271200000000, 202607301400000000"
        ),
        "{}",
        run.stdout
    );
    let meta = std::fs::read_to_string(p.revision_dirs()[0].join("metadata.toml")).unwrap();
    assert!(
        meta.contains("adopted_versions = [\"00000000000000\", \"20140924113530\""),
        "{meta}"
    );
    let run = p.run(Models::V1, &["check"]).expect(0);
    assert!(run.stdout.contains("No changes detected"), "{}", run.stdout);
    let run = p.run(Models::V1, &["show", "head"]).expect(0);
    assert!(
        run.stdout.contains(
            "Adopted:  5 version(s) recorded before Retort: 00000000000000, 20140924113530, \
             20170801133919, 202605271200000000, 202607301400000000"
        ),
        "{}",
        run.stdout
    );

    let before_v2 = p.schema().tables.len();
    p.run(
        Models::V2,
        &[&["autogenerate", "-m", "v2"][..], &V2_SAFETY].concat(),
    )
    .expect(0);
    p.run(Models::V2, &["upgrade", "head"]).expect(0);
    p.run(Models::V2, &["check"]).expect(0);
    // diesel orders versions as strings: the adopted history first, then Retort's revisions.
    let versions =
        p.strings("SELECT version AS v FROM __diesel_schema_migrations ORDER BY version");
    assert_eq!(versions.len(), 7, "{versions:?}");
    assert_eq!(versions[..5], diesel_history()[..]);
    let dirs = p.revision_dirs();
    let version_of =
        |d: &std::path::PathBuf| d.file_name().unwrap().to_str().unwrap()[..30].replace('-', "");
    assert_eq!(versions[5..], [version_of(&dirs[0]), version_of(&dirs[1])]);
    p.run(Models::V2, &["downgrade", "-1"]).expect(0);
    let run = p.run(Models::V1, &["current"]).expect(0);
    assert!(run.stdout.contains(" baseline"), "{}", run.stdout);
    assert_eq!(p.schema().tables.len(), before_v2);
    p.run(Models::V2, &["upgrade", "head"]).expect(0);

    if backend == Backend::Sqlite {
        // diesel's own harness reads the directory (adopted_versions and all) and agrees that
        // nothing is pending.
        use diesel_migrations::{FileBasedMigrations, MigrationHarness};
        let source = FileBasedMigrations::from_path(p.migrations()).unwrap();
        let pending = p.connect().pending_migrations(source).unwrap();
        assert!(pending.is_empty(), "{} pending", pending.len());
    }

    // A version recorded after the baseline, that it does not list, is a missing revision.
    record_diesel_versions(&p, &["20261201000000".to_owned()]);
    let run = p.run(Models::V2, &["check"]).expect(2);
    assert!(
        run.stderr
            .contains("records 1 version(s) that no revision in migrations has: 20261201000000"),
        "{}",
        run.stderr
    );
}

/// Tables matching `ignore` globs (Retort.toml and `--ignore`) are left alone by autogenerate
/// and check, and kept with their rows; a model table that a glob matches is an error naming
/// both; `--ignore` on `revision` needs `--autogenerate`.
fn ignored_tables_are_never_created_altered_dropped_or_reported(backend: Backend) {
    let p = Project::on(backend).expect("backend available");
    p.execute(
        "CREATE TABLE audit_log (id INTEGER PRIMARY KEY, msg TEXT NOT NULL);
         CREATE TABLE old_orders (code VARCHAR(10) PRIMARY KEY);
         INSERT INTO audit_log VALUES (1, 'kept');
         INSERT INTO old_orders VALUES ('x');",
    );
    let run = p.run(Models::V1, &["check"]).expect(1);
    assert!(
        run.stdout.contains("removed table 'audit_log'"),
        "{}",
        run.stdout
    );
    let toml = std::fs::read_to_string(p.path().join("Retort.toml")).unwrap();
    std::fs::write(
        p.path().join("Retort.toml"),
        format!("{toml}ignore = [\"audit_*\"]\n"),
    )
    .unwrap();
    let run = p.run(Models::V1, &["check"]).expect(1);
    assert!(!run.stdout.contains("audit_log"), "{}", run.stdout);
    assert!(
        run.stdout.contains("removed table 'old_orders'"),
        "{}",
        run.stdout
    );

    let run = p
        .run(
            Models::V1,
            &["autogenerate", "-m", "v1", "--ignore", "old_orders"],
        )
        .expect(0);
    assert!(!run.stdout.contains("old_orders"), "{}", run.stdout);
    assert!(!run.stdout.contains("audit_log"), "{}", run.stdout);
    let up = std::fs::read_to_string(p.revision_dirs()[0].join("up.sql")).unwrap();
    assert!(
        !up.contains("old_orders") && !up.contains("audit_log"),
        "{up}"
    );
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    let run = p
        .run(Models::V1, &["check", "--ignore", "old_orders"])
        .expect(0);
    assert!(run.stdout.contains("No changes detected"), "{}", run.stdout);
    p.run(Models::V1, &["check", "--shadow", "--ignore", "old_*"])
        .expect(0);
    let run = p
        .run(
            Models::V1,
            &[
                "revision",
                "--autogenerate",
                "-m",
                "none",
                "--ignore",
                "old_orders",
            ],
        )
        .expect(0);
    assert!(run.stdout.contains("No changes detected"), "{}", run.stdout);
    // Without --ignore old_orders, it is a table the models do not have.
    let run = p.run(Models::V1, &["check"]).expect(1);
    assert!(
        run.stdout.contains("removed table 'old_orders'"),
        "{}",
        run.stdout
    );
    assert_eq!(p.strings("SELECT msg AS v FROM audit_log"), ["kept"]);
    assert_eq!(p.strings("SELECT code AS v FROM old_orders"), ["x"]);

    let run = p.run(Models::V1, &["check", "--ignore", "acc*"]).expect(2);
    assert!(
        run.stderr
            .contains("model table 'accounts' matches the ignore glob `acc*`"),
        "{}",
        run.stderr
    );
    let run = p
        .run(Models::V1, &["autogenerate", "-m", "x", "--ignore", "[bad"])
        .expect(2);
    assert!(
        run.stderr.contains("ignore glob `[bad` is invalid"),
        "{}",
        run.stderr
    );
    let run = p
        .run(
            Models::V1,
            &["revision", "-m", "x", "--ignore", "old_orders"],
        )
        .expect(2);
    assert!(
        run.stderr.contains("needs --autogenerate"),
        "{}",
        run.stderr
    );

    // v2 drops `obsoletes`, which an ignored table references: refused before anything is
    // written, naming both.
    p.execute(
        "CREATE TABLE audit_refs (id INTEGER PRIMARY KEY, \
         obsolete_id BIGINT CONSTRAINT audit_refs_obsolete REFERENCES obsoletes (id));",
    );
    let run = p
        .run(
            Models::V2,
            &["autogenerate", "-m", "v2", "--ignore", "old_orders"],
        )
        .expect(2);
    assert!(
        run.stderr.contains(
            "table 'obsoletes' cannot be dropped: the ignored table 'audit_refs' references it"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(p.revision_dirs().len(), 1);
}

/// The diesel versions of crates.io's history that this machine knows: diesel's initial setup
/// and the version each snapshot in `history/` is named after (`NNN-<version>.sql`).
fn crates_io_versions(history: &std::path::Path) -> Vec<String> {
    let mut versions = vec!["00000000000000".to_owned()];
    for entry in std::fs::read_dir(history).expect("history/") {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(version) = name
            .strip_suffix(".sql")
            .and_then(|n| n.split_once('-'))
            .map(|(_, v)| v)
        {
            versions.push(version.to_owned());
        }
    }
    versions.sort();
    versions
}

/// crates.io as diesel left it (schema.sql, its versions in `__diesel_schema_migrations`):
/// every command refuses it until `init --baseline`; then `check` passes with models that own
/// none of its tables (they are ignored), a model change autogenerates a revision that sorts
/// after diesel's 18-digit versions, and it upgrades and downgrades.
#[test]
fn crates_io_with_its_diesel_history_is_adopted() {
    let path = crate::lossless::real_schema("crates.io");
    let Ok(sql) = std::fs::read_to_string(&path) else {
        crate::support::skipped(
            crate::support::NO_REAL_SCHEMAS,
            &format!("{} is not on this machine", path.display()),
        );
        return;
    };
    let versions = crates_io_versions(&path.with_file_name("history"));
    assert!(versions.len() > 10, "{versions:?}");
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.execute(&sql);
    record_diesel_versions(&p, &versions);
    let run = p.run(Models::None, &["current"]).expect(2);
    assert!(
        run.stderr.contains(&format!(
            "records {} version(s) that no revision in migrations has: 00000000000000, \
             20140925161625,",
            versions.len()
        )),
        "{}",
        run.stderr
    );
    let run = p.run(Models::None, &["init", "--baseline"]).expect(0);
    assert!(
        run.stdout
            .contains(&format!("Kept {} version(s)", versions.len())),
        "{}",
        run.stdout
    );
    let up = std::fs::read_to_string(p.revision_dirs()[0].join("up.sql")).unwrap();
    for object in [
        "CREATE MATERIALIZED VIEW public.recent_crate_downloads AS\n",
        "CREATE TYPE public.semver_triple AS (major numeric, minor numeric, teeny numeric);\n",
        "CREATE EXTENSION IF NOT EXISTS \"ltree\" WITH SCHEMA \"public\";\n",
    ] {
        assert!(up.contains(object), "{object}");
    }
    // The team's models own none of crates.io's tables yet: ignore them all.
    let ignored = crate::support::ignore_all_tables(&p);
    // A model change: v1's tables, then v2's changes. Only v1's tables are differences.
    let run = p.run(Models::V1, &["check"]).expect(1);
    assert!(
        run.stdout.contains("added table 'accounts'"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("removed"), "{}", run.stdout);
    p.run(Models::V1, &["autogenerate", "-m", "v1"]).expect(0);
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    p.run(Models::V1, &["check"]).expect(0);
    p.run(
        Models::V2,
        &[&["autogenerate", "-m", "v2"][..], &V2_SAFETY].concat(),
    )
    .expect(0);
    p.run(Models::V2, &["upgrade", "head"]).expect(0);
    p.run(Models::V2, &["check"]).expect(0);
    let recorded =
        p.strings("SELECT version AS v FROM __diesel_schema_migrations ORDER BY version");
    assert_eq!(recorded.len(), versions.len() + 3);
    assert_eq!(recorded[..versions.len()], versions[..]);
    p.run(Models::V2, &["downgrade", "-1"]).expect(0);
    let run = p.run(Models::V1, &["current"]).expect(0);
    assert!(run.stdout.contains(" v1"), "{}", run.stdout);
    // crates.io's tables are untouched.
    assert_eq!(p.schema().tables.len(), ignored + 5);
}

/// Pointing Retort at diesel's own migrations directory says what to do instead, once, not a
/// line per directory.
#[test]
fn a_diesel_directory_points_to_the_baseline() {
    let p = Project::new();
    for name in [
        "00000000000000_diesel_initial_setup",
        "20140924113530_create_users",
        "2017-08-31-230457_add_x",
    ] {
        let dir = p.path().join("diesel").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("up.sql"), "SELECT 1;").unwrap();
        std::fs::write(dir.join("down.sql"), "SELECT 1;").unwrap();
    }
    let run = p
        .run(Models::V1, &["--migrations-dir", "diesel", "current"])
        .expect(2);
    assert!(
        run.stderr
            .contains("it is named like one of diesel's own migrations")
            && run.stderr.contains("init --baseline")
            && run.stderr.contains("more problem(s)"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

/// The extensions the tables need (an operator class of pg_trgm, a type of ltree... here a
/// trigram index) are created when missing, so the baseline replays on an empty database;
/// down.sql leaves them.
#[test]
fn a_baseline_creates_the_extensions_it_needs() {
    let Some(a) = Project::on(Backend::Postgres) else {
        return;
    };
    a.execute(
        "CREATE EXTENSION pg_trgm;
         CREATE TABLE names (id BIGINT PRIMARY KEY, name TEXT NOT NULL);
         CREATE INDEX names_trgm ON names USING gin (name gin_trgm_ops);",
    );
    let b = Project::on(Backend::Postgres).expect("PostgreSQL available");
    baseline_and_replay(&a, &b);
    let up = std::fs::read_to_string(a.revision_dirs()[0].join("up.sql")).unwrap();
    assert!(
        up.contains("CREATE EXTENSION IF NOT EXISTS \"pg_trgm\" WITH SCHEMA \"public\";"),
        "{up}"
    );
    assert_eq!(
        b.strings("SELECT extname::text AS v FROM pg_extension WHERE extname = 'pg_trgm'"),
        ["pg_trgm"]
    );
}
