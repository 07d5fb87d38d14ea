//! Rust data steps in revisions (`#[retort::data_migration]`, `-- retort: step NAME`): the real
//! CLI (`retort_v2` links the steps of `src/data_steps.rs`; `retort_v1` has other versions of
//! two of them and lacks the rest) on SQLite, PostgreSQL and MariaDB, and embedded migrations
//! and `retort::testing` in this binary, which links the same steps.

use std::path::{Path, PathBuf};

use crate::mariadb_support::MyProject;
use crate::support::{Backend, Models, Project, Run};

#[path = "../../src/data_steps.rs"]
mod steps;

/// What the scenarios need of a project, whatever its backend.
trait Db {
    fn cli(&self, models: Models, args: &[&str]) -> Run;
    fn migrations(&self) -> PathBuf;
    /// A query's single column `v`, as text (`NULL` as an empty string).
    fn texts(&self, sql: &str) -> Vec<String>;
}

impl Db for Project {
    fn cli(&self, models: Models, args: &[&str]) -> Run {
        self.run(models, args)
    }
    fn migrations(&self) -> PathBuf {
        Project::migrations(self)
    }
    fn texts(&self, sql: &str) -> Vec<String> {
        self.strings(sql)
    }
}

impl Db for MyProject {
    fn cli(&self, models: Models, args: &[&str]) -> Run {
        self.run(models.exe(), args)
    }
    fn migrations(&self) -> PathBuf {
        self.path().join("migrations")
    }
    fn texts(&self, sql: &str) -> Vec<String> {
        self.strings(sql)
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect()
    }
}

const PEOPLE_UP: &str = "CREATE TABLE people (id BIGINT PRIMARY KEY, name VARCHAR(100));\n\
     INSERT INTO people (id, name) VALUES (1, 'Ada Lovelace'), (2, 'Alan Turing'), (3, 'Plato');\n";

const SPLIT_UP: &str = "ALTER TABLE people ADD COLUMN first_name VARCHAR(100);\n\
     ALTER TABLE people ADD COLUMN last_name VARCHAR(100);\n\
     -- Fill them from name, in Rust:\n\
     -- retort: step split_names\n\
     ALTER TABLE people DROP COLUMN name;\n";

const SPLIT_DOWN: &str = "ALTER TABLE people ADD COLUMN name VARCHAR(100);\n\
     -- retort: step join_names\n\
     ALTER TABLE people DROP COLUMN last_name;\n\
     ALTER TABLE people DROP COLUMN first_name;\n";

/// Writes a revision with `rev-id` through the CLI, then its scripts; the directory.
fn revision(db: &dyn Db, message: &str, rev_id: &str, up: &str, down: &str) -> PathBuf {
    db.cli(Models::V2, &["revision", "-m", message, "--rev-id", rev_id])
        .expect(0);
    let dir = newest(&db.migrations(), rev_id);
    std::fs::write(dir.join("up.sql"), up).unwrap();
    std::fs::write(dir.join("down.sql"), down).unwrap();
    dir
}

fn newest(migrations: &Path, rev_id: &str) -> PathBuf {
    std::fs::read_dir(migrations)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains(rev_id))
        .expect("the revision's directory")
}

/// `file:line` of the `#[retort::data_migration]` attribute of `name` in `file` (relative to the
/// workspace, as `file!()` says it), read from the file itself.
fn step_at(file: &str, name: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let text = std::fs::read_to_string(root.join(file)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(&format!("fn {name}(")))
        .expect("the step's function");
    // The attribute's line, just above the function's (1-based: the function's index).
    assert!(
        lines[at - 1].contains("data_migration"),
        "{}",
        lines[at - 1]
    );
    format!("{file}:{at}")
}

/// `people` with three names, then the revision splitting them; the round trip through the
/// CLI, and the checksum covering the steps.
fn split_round_trip(db: &dyn Db) {
    revision(
        db,
        "people",
        "da7a0000000f",
        PEOPLE_UP,
        "DROP TABLE people;\n",
    );
    // `revision --data` writes the markers and prints the functions to write.
    let out = db
        .cli(
            Models::V2,
            &[
                "revision",
                "-m",
                "Split names",
                "--rev-id",
                "da7a00000001",
                "--data",
            ],
        )
        .expect(0)
        .stdout;
    for expected in [
        "#[retort::data_migration(revision = \"da7a00000001\")]\nfn split_names(conn: &mut retort::Conn) -> retort::Result<()> {",
        "fn revert_split_names(conn: &mut retort::Conn)",
    ] {
        assert!(out.contains(expected), "{expected}\n{out}");
    }
    let dir = newest(&db.migrations(), "da7a00000001");
    let written = std::fs::read_to_string(dir.join("up.sql")).unwrap();
    assert!(
        written.contains("\n-- retort: step split_names\n"),
        "{written}"
    );
    std::fs::write(dir.join("up.sql"), SPLIT_UP).unwrap();
    std::fs::write(dir.join("down.sql"), SPLIT_DOWN).unwrap();

    db.cli(Models::V2, &["upgrade"]).expect(0);
    assert_eq!(
        db.texts("SELECT first_name AS v FROM people ORDER BY id"),
        ["Ada", "Alan", "Plato"]
    );
    assert_eq!(
        db.texts("SELECT last_name AS v FROM people ORDER BY id"),
        ["Lovelace", "Turing", ""]
    );
    // Another binary's `split_names` is not the step that ran: the checksum says so, naming
    // each step of the file where this binary defines it, and both fixes.
    let edited = db.cli(Models::V1, &["upgrade"]).expect(2).stderr;
    let v1 = step_at("tests/src/bin/retort_v1.rs", "split_names");
    let v1_down = step_at("tests/src/bin/retort_v1.rs", "join_names");
    for expected in [
        format!(
            "up.sql or one of the Rust data steps it runs (`split_names` ({v1})) changed since it \
             was applied (the checksum covers both and cannot tell which); down.sql or one of the \
             Rust data steps it runs (`join_names` ({v1_down})) changed since it was applied"
        ),
        "restore the SQL as it was applied, or the Rust data step functions as they were, and \
         write a new revision for the change; to accept a deliberate change of a step's function \
         that changes nothing it does (a refactor), `retort stamp` the revision's parent, then \
         `retort stamp` back to where the database is"
            .to_owned(),
    ] {
        assert!(edited.contains(&expected), "{expected}\n{edited}");
    }
    // `check` says the same, and the documented way to accept the change works: the database
    // is at da7a00000001, whose parent is da7a0000000f.
    let checked = db.cli(Models::V1, &["check"]).expect(1).stdout;
    assert!(
        checked.contains(&format!("`split_names` ({v1})")),
        "{checked}"
    );
    assert!(
        checked.contains("`retort stamp` the revision's parent"),
        "{checked}"
    );
    db.cli(Models::V1, &["stamp", "da7a0000000f"]).expect(0);
    db.cli(Models::V1, &["stamp", "da7a00000001"]).expect(0);
    db.cli(Models::V1, &["upgrade"]).expect(0);
    // Back to the steps that ran, recorded by the binary that has them.
    db.cli(Models::V2, &["stamp", "da7a0000000f"]).expect(0);
    db.cli(Models::V2, &["stamp", "da7a00000001"]).expect(0);
    db.cli(Models::V2, &["downgrade", "-1"]).expect(0);
    assert_eq!(
        db.texts("SELECT name AS v FROM people ORDER BY id"),
        ["Ada Lovelace", "Alan Turing", "Plato"]
    );
    db.cli(Models::V2, &["upgrade"]).expect(0);
    assert_eq!(
        db.texts("SELECT last_name AS v FROM people WHERE id = 2"),
        ["Turing"]
    );
}

#[test]
fn a_data_step_splits_names_and_joins_them_back_on_sqlite() {
    split_round_trip(&Project::new());
}

#[test]
fn a_data_step_splits_names_and_joins_them_back_on_postgres() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    split_round_trip(&p);
}

#[test]
fn a_data_step_splits_names_and_joins_them_back_on_mariadb() {
    let Some(p) = MyProject::new() else {
        return;
    };
    split_round_trip(&p);
}

/// A step that fails after changing a row, after a statement that added a column; the
/// upgrade's error (`extra`: its flags).
fn fail_halfway(db: &dyn Db, extra: &[&str]) -> String {
    revision(
        db,
        "people",
        "da7a0000000f",
        PEOPLE_UP,
        "DROP TABLE people;\n",
    );
    db.cli(Models::V2, &["upgrade"]).expect(0);
    db.cli(
        Models::V2,
        &["revision", "-m", "Nicknames", "--rev-id", "da7a00000002"],
    )
    .expect(0);
    let dir = newest(&db.migrations(), "da7a00000002");
    std::fs::write(
        dir.join("up.sql"),
        "ALTER TABLE people ADD COLUMN last_name VARCHAR(100);\n\
         -- retort: step fail_halfway\n\
         ALTER TABLE people DROP COLUMN name;\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("down.sql"),
        "ALTER TABLE people DROP COLUMN last_name;\n",
    )
    .unwrap();
    let err = db
        .cli(Models::V2, &[&["upgrade"][..], extra].concat())
        .expect(2)
        .stderr;
    assert!(
        err.contains("the Rust data step `fail_halfway`")
            && err.contains("failed: row 2 has no last name to keep"),
        "{err}"
    );
    err
}

#[test]
fn a_failing_step_leaves_nothing_applied_where_ddl_is_transactional() {
    for p in [Some(Project::new()), Project::on(Backend::Postgres)]
        .into_iter()
        .flatten()
    {
        let err = fail_halfway(&p, &[]);
        assert!(err.ends_with("; nothing was changed\n"), "{err}");
        // The added column went with the step's change.
        let columns = p.cli(Models::V2, &["current"]).expect(0).stdout;
        assert!(columns.contains("da7a0000000f"), "{columns}");
        assert!(p.try_execute("SELECT last_name FROM people").is_err());
        assert_eq!(
            p.texts("SELECT name AS v FROM people ORDER BY id"),
            ["Ada Lovelace", "Alan Turing", "Plato"]
        );
    }
}

#[test]
fn a_failing_step_on_mariadb_reports_exactly_what_took_effect() {
    let Some(p) = MyProject::new() else {
        return;
    };
    // The rehearsal on a scratch copy runs the step too, and stops the run before it starts.
    let err = fail_halfway(&p, &[]);
    assert!(err.contains("so nothing ran on the database"), "{err}");
    let err = p
        .cli(Models::V2, &["upgrade", "--no-rehearsal"])
        .expect(2)
        .stderr;
    // The ALTER committed (MariaDB's DDL commits as it goes); the step's own change rolled back.
    assert!(
        err.contains("the 1 statement(s) before the failure took effect"),
        "{err}"
    );
    assert_eq!(
        p.texts("SELECT last_name AS v FROM people ORDER BY id"),
        ["", "", ""]
    );
}

/// The fixture: `people` with three names, then the revision splitting them (the steps of
/// `src/data_steps.rs`, linked into this binary too).
const FIXTURE: &str = "fixtures/data_step_migrations";

const EMBEDDED: retort::embed::EmbeddedMigrations =
    retort::embed_migrations!("fixtures/data_step_migrations");

#[test]
fn embedded_migrations_run_their_data_steps() {
    use diesel::Connection as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let url: retort::db::DatabaseUrl = format!("sqlite://{}", path.display()).parse().unwrap();
    let mut conn = retort::db::Connection::open(&url, true).unwrap();
    assert_eq!(EMBEDDED.upgrade_to_head(&mut conn).unwrap().len(), 2);
    drop(conn);
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let mut sqlite = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    let rows: Vec<Row> = diesel::RunQueryDsl::load(
        diesel::sql_query("SELECT last_name AS v FROM people ORDER BY id"),
        &mut sqlite,
    )
    .unwrap();
    let names: Vec<String> = rows.into_iter().map(|r| r.v).collect();
    assert_eq!(names, ["Lovelace", "Turing", ""]);
}

#[test]
fn the_testing_assertions_run_data_steps() {
    // Up and down, one revision at a time, on the scratch database (PostgreSQL here when
    // TEST_DATABASE_URL names one, else in-memory SQLite).
    retort::testing::assert_migrations_revert(FIXTURE);
    // A step that panics fails the assertion with its message.
    let copy = tempfile::tempdir().unwrap();
    copy_dir(Path::new(FIXTURE), copy.path());
    let down = copy
        .path()
        .join("2026-12-01-000100-da7a00000001_split_names/down.sql");
    std::fs::write(&down, "-- retort: step boom\n").unwrap();
    let path = copy.path().to_str().unwrap().to_owned();
    let panic = std::panic::catch_unwind(|| retort::testing::assert_migrations_revert(&path))
        .expect_err("the step panics");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("is not compiled into this binary")
            && message.contains("`boom`")
            && message.contains("(this binary has: join_names, split_names)"),
        "{message}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// On SQLite: the refusals, the panic, offline SQL, `check` and `lint`.
#[test]
fn steps_that_cannot_run_are_refused_before_anything_runs() {
    let p = Project::new();
    revision(
        &p,
        "people",
        "da7a0000000f",
        PEOPLE_UP,
        "DROP TABLE people;\n",
    );
    revision(
        &p,
        "explode",
        "da7a00000003",
        "CREATE TABLE after_boom (id INTEGER);\n-- retort: step boom\n",
        "DROP TABLE after_boom;\n",
    );
    // retort_v1 has no `boom`: refused before the first revision runs.
    let err = p.run(Models::V1, &["upgrade"]).expect(2).stderr;
    assert!(
        err.contains("revision da7a00000003 runs the Rust data step `boom` (")
            && err.contains("up.sql:2), which is not compiled into this binary")
            && err.contains("#[retort::data_migration(revision = \"da7a00000003\")] fn boom(")
            && err.ends_with("; nothing was changed\n"),
        "{err}"
    );
    assert!(
        p.try_execute("SELECT 1 FROM people").is_err(),
        "nothing ran"
    );
    let check = p.run(Models::V1, &["check"]).expect(1).stdout;
    assert!(
        check.contains("Rust data steps this binary cannot run:\n  revision da7a00000003 runs the Rust data step `boom`"),
        "{check}"
    );
    // retort_v2 has it: its panic is the revision's error, and SQLite rolls the run back.
    let err = p.run(Models::V2, &["upgrade"]).expect(2).stderr;
    assert!(
        err.contains("the Rust data step `boom` (")
            && err.contains("failed: panicked: boom at row 7"),
        "{err}"
    );
    assert!(
        p.try_execute("SELECT 1 FROM people").is_err(),
        "rolled back"
    );

    // Offline SQL cannot hold Rust: refused, or a placeholder on request.
    let err = p.run(Models::V2, &["upgrade", "--sql"]).expect(2).stderr;
    assert!(
        err.contains("revision da7a00000003 runs the Rust data step(s) `boom` (migrations/")
            && err.contains("_explode/up.sql:2), which a SQL script cannot hold")
            && err.contains("pass --step-placeholders"),
        "{err}"
    );
    let sql = p
        .run(Models::V2, &["upgrade", "--sql", "--step-placeholders"])
        .expect(0)
        .stdout;
    assert!(
        sql.contains("-- Left out: the Rust data step `boom` (up.sql line 2)")
            && sql.contains(
                "-- retort: step boom -- LEFT OUT: a Rust data step; run it here yourself"
            ),
        "{sql}"
    );
    // Lint reads the marker as the comment it is.
    let lint = p.run(Models::V2, &["lint"]);
    assert!(!lint.stdout.contains("boom"), "{lint:?}");

    // A marker inside a statement, or naming no function.
    let dir = newest(&p.migrations(), "da7a00000003");
    std::fs::write(
        dir.join("up.sql"),
        "CREATE TABLE after_boom (id INTEGER)\n-- retort: step boom\n;\n-- retort: step not-a-name\n",
    )
    .unwrap();
    let check = p.run(Models::V2, &["check"]).expect(1).stdout;
    assert!(
        check.contains("up.sql:2: the step marker `-- retort: step boom` is inside a statement, where it does not run: end the statement above it with `;`")
            && check.contains("up.sql:4: `-- retort: step not-a-name` does not name a Rust function"),
        "{check}"
    );
}

#[test]
fn a_squash_refuses_a_range_with_a_data_step() {
    let p = Project::new();
    let first =
        crate::support::revision(&p, "a", "CREATE TABLE a (id INTEGER);\n", "DROP TABLE a;\n");
    revision(
        &p,
        "b",
        "da7a00000001",
        "CREATE TABLE people (id BIGINT PRIMARY KEY, name VARCHAR(100), \
         first_name VARCHAR(100), last_name VARCHAR(100));\n-- retort: step split_names\n",
        "DROP TABLE people;\n",
    );
    let last =
        crate::support::revision(&p, "c", "CREATE TABLE c (id INTEGER);\n", "DROP TABLE c;\n");
    let run = p
        .run(
            Models::V2,
            &["squash", &format!("{first}:{last}"), "-m", "s"],
        )
        .expect(2);
    assert!(
        run.stderr.contains("revision da7a00000001 (")
            && run.stderr.contains(
                ":2) holds a Rust data step (a squash can leave it out: --elide-data-steps), \
                 `-- retort: step split_names`"
            ),
        "{}",
        run.stderr
    );
    // Left out on request: new databases run the squash, with no rows for the step.
    let run = p
        .run(
            Models::V2,
            &[
                "squash",
                &format!("{first}:{last}"),
                "-m",
                "s",
                "--elide-data-steps",
            ],
        )
        .expect(0);
    assert!(
        run.stderr
            .contains("note: left out the Rust data steps split_names (da7a00000001)"),
        "{}",
        run.stderr
    );
    let up = p
        .revision_dirs()
        .iter()
        .map(|dir| std::fs::read_to_string(dir.join("up.sql")).unwrap())
        .find(|up| up.starts_with("-- Squash of"))
        .expect("the squash");
    assert!(
        up.contains(
            "-- Left out (--elide-data-steps): the Rust data steps split_names (da7a00000001)"
        ) && !up.contains("-- retort: step"),
        "{up}"
    );
    // A new database runs the squash, without the step.
    p.run(Models::V2, &["upgrade"]).expect(0);
    assert!(p.try_execute("SELECT id FROM people").is_ok());
}
