//! Helpers: a temporary project directory and the real CLI binaries run inside it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use diesel::connection::SimpleConnection;
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
}

impl Models {
    fn exe(self) -> &'static str {
        match self {
            Models::V1 => env!("CARGO_BIN_EXE_retort_v1"),
            Models::V2 => env!("CARGO_BIN_EXE_retort_v2"),
            Models::None => env!("CARGO_BIN_EXE_retort_none"),
        }
    }
}

/// The result of one CLI run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
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
        self
    }
}

/// A project directory with its own SQLite database and migrations directory.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    /// A fresh directory where `init` has run.
    pub fn new() -> Project {
        let project = Project {
            dir: tempfile::tempdir().expect("a temporary directory"),
        };
        project.run(Models::V1, &["init"]).expect(0);
        project
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

    /// Runs the CLI over `models` in the project directory.
    pub fn run(&self, models: Models, args: &[&str]) -> Run {
        let output = Command::new(models.exe())
            .args(args)
            .current_dir(self.path())
            .env_remove("DATABASE_URL")
            .output()
            .expect("the CLI binary runs");
        Run::from(output)
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

    pub fn connect(&self) -> SqliteConnection {
        SqliteConnection::establish(self.db_path().to_str().expect("utf-8 path")).expect("open db")
    }

    pub fn execute(&self, sql: &str) {
        self.connect().batch_execute(sql).expect("SQL runs");
    }

    /// Rows of a query whose single column is named `v`, as text.
    pub fn strings(&self, sql: &str) -> Vec<String> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Text)]
            v: String,
        }
        let rows: Vec<Row> = diesel::sql_query(sql)
            .load(&mut self.connect())
            .expect("query runs");
        rows.into_iter().map(|r| r.v).collect()
    }

    /// The live schema as Retort reads it, with columns sorted by name (column order is not
    /// part of a table's identity).
    pub fn schema(&self) -> Schema {
        let url: retort::db::DatabaseUrl = format!("sqlite://{}", self.db_path().display())
            .parse()
            .expect("url");
        let mut conn = retort::db::Connection::open(&url, false).expect("open");
        let mut schema = conn.introspect().expect("introspect");
        for table in schema.tables.values_mut() {
            table.columns.sort_by(|a, b| a.name.cmp(&b.name));
        }
        schema
    }
}
