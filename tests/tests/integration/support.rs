//! Helpers: a temporary project (directory, migrations, its own database on SQLite or
//! PostgreSQL) and the real CLI binaries run inside it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sql_types::Text;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryableByName, RunQueryDsl};
use retort::schema::Schema;

/// Which model set the CLI links.
#[derive(Debug, Clone, Copy)]
pub enum Models {
    V1,
    V2,
    None,
    /// Foreign keys forming a cycle between two tables, plus a self-reference.
    Cycle,
    /// The round-trip cases (`retort_cases`); the case is chosen with `RETORT_CASE`.
    Cases,
}

impl Models {
    pub fn exe(self) -> &'static str {
        match self {
            Models::V1 => env!("CARGO_BIN_EXE_retort_v1"),
            Models::V2 => env!("CARGO_BIN_EXE_retort_v2"),
            Models::None => env!("CARGO_BIN_EXE_retort_none"),
            Models::Cycle => env!("CARGO_BIN_EXE_retort_cycle"),
            Models::Cases => env!("CARGO_BIN_EXE_retort_cases"),
        }
    }
}

/// The data-safety flags `autogenerate` needs to write V1 -> V2, which drops `accounts.legacy`
/// and `obsoletes` (`--allow-destructive`), makes `accounts.name` NOT NULL (`--backfill`) and
/// narrows it from TEXT to VARCHAR(200), a rewrite of the table on PostgreSQL
/// (`--allow-rewrite`).
pub const V2_SAFETY: [&str; 4] = [
    "--allow-destructive",
    "--allow-rewrite",
    "--backfill",
    "accounts.name=''",
];

/// The database a project runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server of this test run: `TEST_DATABASE_URL` (set by `scripts/test.sh`).
/// Without it the PostgreSQL tests fail under CI and are skipped, loudly, elsewhere.
pub fn postgres_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("TEST_DATABASE_URL is not set: CI must test PostgreSQL (run ./scripts/test.sh)")
        }
        _ => {
            skipped(
                NO_POSTGRES,
                "TEST_DATABASE_URL is not set; run ./scripts/test.sh to test PostgreSQL",
            );
            None
        }
    }
}

/// The reasons tests skip work, as `scripts/test.sh` counts them.
pub const NO_POSTGRES: &str = "no PostgreSQL";
pub const NO_REAL_SCHEMAS: &str = "no real-schemas folder";
pub const NO_PYPI: &str = "no pre-commit from PyPI";
pub const NO_TMPFS: &str = "no tmpfs mount (needs root)";

/// Says that the running test skips (part of) its work, and why: [`retort::testing::skipped`].
pub fn skipped(reason: &str, detail: &str) {
    retort::testing::skipped(reason, detail);
}

/// The result of one CLI run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(output: Output) -> Run {
        Run {
            code: output.status.code().expect("the CLI exits normally"),
            stdout: String::from_utf8(output.stdout).expect("utf-8 stdout"),
            stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
        }
    }

    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        assert_no_repeated_cause(&self.stderr);
        self
    }
}

/// An error line reads as one sentence: no cause is printed twice (a leaf error's message must
/// not repeat its source, which the CLI prints after it).
fn assert_no_repeated_cause(stderr: &str) {
    for line in stderr.lines().filter(|l| l.starts_with("error: ")) {
        let parts: Vec<&str> = line.split(": ").map(str::trim).collect();
        for (i, part) in parts.iter().enumerate() {
            if part.len() >= 12 && parts[i + 1..].contains(part) {
                panic!("the error repeats `{part}`: {line}");
            }
        }
    }
}

/// A project directory with its own database and migrations directory.
pub struct Project {
    pub dir: tempfile::TempDir,
    pub backend: Backend,
    /// The database URL the project's Retort.toml names.
    pub url: String,
    /// PostgreSQL: (server URL, database name) to drop at the end.
    pg: Option<(String, String)>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Project {
    /// A fresh SQLite project where `init` has run.
    pub fn new() -> Project {
        Project::on(Backend::Sqlite).expect("SQLite is always available")
    }

    /// A fresh project on `backend`, `None` when PostgreSQL is not available outside CI.
    pub fn on(backend: Backend) -> Option<Project> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (url, pg) = match backend {
            Backend::Sqlite => ("sqlite://retort.db".to_owned(), None),
            Backend::Postgres => {
                let server = postgres_url()?;
                let name = format!(
                    "retort_test_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst)
                );
                let mut admin =
                    PgConnection::establish(&server).expect("connect to TEST_DATABASE_URL");
                // One statement per call: DROP/CREATE DATABASE refuse a multi-statement batch.
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
                    .and_then(|()| admin.batch_execute(&format!("CREATE DATABASE {name}")))
                    .expect("create the test database");
                (
                    retort::backend::postgres::replace_database(&server, &name),
                    Some((server, name)),
                )
            }
        };
        let project = Project {
            dir,
            backend,
            url,
            pg,
        };
        project.run(Models::V1, &["init"]).expect(0);
        std::fs::write(
            project.path().join("Retort.toml"),
            format!(
                "database_url = \"{}\"\nmigrations_dir = \"migrations\"\n",
                project.url
            ),
        )
        .expect("write Retort.toml");
        Some(project)
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db_path(&self) -> PathBuf {
        self.path().join("retort.db")
    }

    pub fn migrations(&self) -> PathBuf {
        self.path().join("migrations")
    }

    /// A command for the CLI over `models`, in the project directory.
    pub fn command(&self, models: Models, args: &[&str]) -> Command {
        let mut command = Command::new(models.exe());
        command
            .args(args)
            .current_dir(self.path())
            .env_remove("DATABASE_URL");
        command
    }

    /// Runs the CLI over `models` in the project directory.
    pub fn run(&self, models: Models, args: &[&str]) -> Run {
        Run::from(
            self.command(models, args)
                .output()
                .expect("the CLI binary runs"),
        )
    }

    /// The revision directories, sorted by name (timestamp first).
    pub fn revision_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(self.migrations())
            .expect("migrations directory")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        dirs
    }

    /// The revision id of the `n`th directory.
    pub fn revision_id(&self, n: usize) -> String {
        self.revision_dirs()[n]
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()[18..30]
            .to_owned()
    }

    fn real_url(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!("sqlite://{}", self.db_path().display()),
            Backend::Postgres => self.url.clone(),
        }
    }

    /// A diesel connection to the project's SQLite file.
    pub fn connect(&self) -> SqliteConnection {
        assert_eq!(self.backend, Backend::Sqlite);
        SqliteConnection::establish(self.db_path().to_str().unwrap()).expect("open db")
    }

    pub fn execute(&self, sql: &str) {
        match self.backend {
            Backend::Sqlite => SqliteConnection::establish(self.db_path().to_str().unwrap())
                .expect("open db")
                .batch_execute(sql),
            Backend::Postgres => PgConnection::establish(&self.url)
                .expect("open db")
                .batch_execute(sql),
        }
        .expect("SQL runs");
    }

    /// Runs `sql` on the project's database, returning the database's error (a refused row).
    pub fn try_execute(&self, sql: &str) -> diesel::QueryResult<()> {
        match self.backend {
            Backend::Sqlite => SqliteConnection::establish(self.db_path().to_str().unwrap())
                .expect("open db")
                .batch_execute(sql),
            Backend::Postgres => PgConnection::establish(&self.url)
                .expect("open db")
                .batch_execute(sql),
        }
    }

    /// Rows of a query whose single column is named `v`, as text.
    pub fn strings(&self, sql: &str) -> Vec<String> {
        self.try_strings(sql).expect("query runs")
    }

    /// Like [`Project::strings`], returning the database's error (a locked SQLite file).
    pub fn try_strings(&self, sql: &str) -> diesel::QueryResult<Vec<String>> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Text)]
            v: String,
        }
        let rows: Vec<Row> = match self.backend {
            Backend::Sqlite => diesel::sql_query(sql)
                .load(&mut SqliteConnection::establish(self.db_path().to_str().unwrap()).unwrap()),
            Backend::Postgres => {
                diesel::sql_query(sql).load(&mut PgConnection::establish(&self.url).unwrap())
            }
        }?;
        Ok(rows.into_iter().map(|r| r.v).collect())
    }

    /// The live schema as Retort reads it, with columns sorted by name (column order is not
    /// part of a table's identity).
    pub fn schema(&self) -> Schema {
        self.schema_in(None)
    }

    /// Like [`Project::schema`], also reading every other PostgreSQL schema of the database
    /// (their tables keyed `schema.table`, [`Schema::schemas`] listing them), so that a
    /// schema created by a migration and not dropped by its downgrade shows.
    pub fn schema_with_others(&self) -> Schema {
        let others = match self.backend {
            Backend::Sqlite => Vec::new(),
            Backend::Postgres => self.strings(
                "SELECT nspname::text AS v FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' \
                 AND nspname NOT IN ('information_schema', 'public') ORDER BY 1",
            ),
        };
        let url: retort::db::DatabaseUrl = self.real_url().parse().expect("url");
        let mut conn = retort::db::Connection::open(&url, false).expect("open");
        let mut schema = conn.introspect_schemas(&others).expect("introspect");
        for table in schema.tables.values_mut() {
            table.columns.sort_by(|a, b| a.name.cmp(&b.name));
        }
        schema
    }

    /// Like [`Project::schema`], for a PostgreSQL schema other than `public`.
    pub fn schema_in(&self, pg_schema: Option<&str>) -> Schema {
        let url: retort::db::DatabaseUrl = self.real_url().parse().expect("url");
        let options = retort::db::OpenOptions {
            create: false,
            schema: pg_schema.map(str::to_owned),
            ..Default::default()
        };
        let mut conn = retort::db::Connection::open_with(&url, &options).expect("open");
        let mut schema = conn.introspect().expect("introspect");
        for table in schema.tables.values_mut() {
            table.columns.sort_by(|a, b| a.name.cmp(&b.name));
        }
        schema
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.pg {
            if let Ok(mut admin) = PgConnection::establish(server) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE);"));
            }
        }
    }
}

/// Runs each scenario `fn name(backend: Backend)` of the module on SQLite and on PostgreSQL, as
/// tests `sqlite::name` and `postgres::name`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name(crate::support::Backend::Sqlite);
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                if crate::support::postgres_url().is_some() {
                    super::$name(crate::support::Backend::Postgres);
                }
            })*
        }
    };
}
pub(crate) use on_both_backends;

/// Runs a command that writes a revision (`Generated <path>...`); returns its id and directory.
pub fn generate(p: &Project, models: Models, args: &[&str]) -> (String, PathBuf) {
    let run = p.run(models, args).expect(0);
    let line = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Generated "))
        .unwrap_or_else(|| panic!("no `Generated` line in {}", run.stdout));
    let path = PathBuf::from(line.split([';', ' ']).next().unwrap());
    let name = path.file_name().unwrap().to_str().unwrap();
    (name[18..30].to_owned(), p.path().join(&path))
}

/// Two revisions (V1, then V2), both applied; returns their ids.
pub fn two_applied(p: &Project) -> (String, String) {
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    p.run(Models::V1, &["upgrade"]).expect(0);
    p.run(
        Models::V2,
        &[&["autogenerate", "-m", "two"][..], &V2_SAFETY].concat(),
    )
    .expect(0);
    p.run(Models::V2, &["upgrade"]).expect(0);
    (p.revision_id(0), p.revision_id(1))
}

/// Adds every table the database has now to Retort.toml's `ignore` globs, so models that own
/// none of them see no difference; returns how many.
pub fn ignore_all_tables(p: &Project) -> usize {
    let tables: Vec<String> = p
        .schema()
        .tables
        .into_keys()
        .map(|t| format!("\"{t}\""))
        .collect();
    let toml = std::fs::read_to_string(p.path().join("Retort.toml")).unwrap();
    std::fs::write(
        p.path().join("Retort.toml"),
        format!("{toml}ignore = [{}]\n", tables.join(", ")),
    )
    .unwrap();
    tables.len()
}

/// A new revision (child of the head) with these scripts; its id.
pub fn revision(p: &Project, message: &str, up: &str, down: &str) -> String {
    p.run(Models::V1, &["revision", "-m", message]).expect(0);
    let dir = p.revision_dirs().last().unwrap().clone();
    std::fs::write(dir.join("up.sql"), up).unwrap();
    std::fs::write(dir.join("down.sql"), down).unwrap();
    p.revision_id(p.revision_dirs().len() - 1)
}
