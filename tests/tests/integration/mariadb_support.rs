//! A project on the MariaDB server of the test run (`TEST_MYSQL_URL`, started by
//! `scripts/test.sh`): its own database, dropped at the end, and the real CLI binaries run in
//! its directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::connection::SimpleConnection;
use diesel::mysql::MysqlConnection;
use diesel::sql_types::{Nullable, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl};
use retort::schema::Schema;

use crate::support::{skipped, Run};

/// The reason MariaDB tests skip, as `scripts/test.sh` counts it.
pub const NO_MARIADB: &str = "no MariaDB";

/// The MariaDB server of this test run: `TEST_MYSQL_URL` (set by `scripts/test.sh`), a URL of
/// the server whose user may `CREATE DATABASE`. Without it the MariaDB tests fail under CI and
/// are skipped, loudly, elsewhere.
pub fn mariadb_url() -> Option<String> {
    match std::env::var("TEST_MYSQL_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("TEST_MYSQL_URL is not set: CI must test MariaDB (run ./scripts/test.sh)")
        }
        _ => {
            skipped(
                NO_MARIADB,
                "TEST_MYSQL_URL is not set; run ./scripts/test.sh to test MariaDB",
            );
            None
        }
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A project directory with its own MariaDB database.
pub struct MyProject {
    pub dir: tempfile::TempDir,
    /// The database URL the project's Retort.toml names.
    pub url: String,
    server: String,
    name: String,
}

impl MyProject {
    /// A fresh project where `init` has run; `None` without a server outside CI.
    pub fn new() -> Option<MyProject> {
        let server = mariadb_url()?;
        let name = format!(
            "retort_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = MysqlConnection::establish(&server).expect("connect to TEST_MYSQL_URL");
        admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}`"
            ))
            .expect("create the test database");
        let project = MyProject {
            dir: tempfile::tempdir().expect("a temporary directory"),
            url: retort::backend::mysql::replace_database(&server, &name),
            server,
            name,
        };
        project
            .run(crate::support::Models::None.exe(), &["init"])
            .expect(0);
        project.configure("");
        Some(project)
    }

    /// Writes Retort.toml: the project's database and migrations, then `extra` lines.
    pub fn configure(&self, extra: &str) {
        std::fs::write(
            self.path().join("Retort.toml"),
            format!(
                "database_url = \"{}\"\nmigrations_dir = \"migrations\"\n{extra}\n",
                self.url
            ),
        )
        .expect("write Retort.toml");
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A command for the CLI `exe`, in the project directory.
    pub fn command(&self, exe: &str, args: &[&str]) -> Command {
        let mut command = Command::new(exe);
        command
            .args(args)
            .current_dir(self.path())
            .env_remove("DATABASE_URL");
        command
    }

    pub fn run(&self, exe: &str, args: &[&str]) -> Run {
        Run::from(
            self.command(exe, args)
                .output()
                .expect("the CLI binary runs"),
        )
    }

    /// The revision directories, sorted by name.
    pub fn revision_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(self.path().join("migrations"))
            .expect("migrations directory")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        dirs
    }

    /// A diesel connection to the project's database.
    pub fn connect(&self) -> MysqlConnection {
        MysqlConnection::establish(&self.url).expect("connect to the project's database")
    }

    pub fn execute(&self, sql: &str) {
        self.connect().batch_execute(sql).expect("SQL runs");
    }

    /// Rows of a query whose single column is named `v`, as text (`NULL` as `None`).
    pub fn strings(&self, sql: &str) -> Vec<Option<String>> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Nullable<Text>)]
            v: Option<String>,
        }
        let rows: Vec<Row> = diesel::sql_query(sql)
            .load(&mut self.connect())
            .expect("query runs");
        rows.into_iter().map(|r| r.v).collect()
    }

    /// The live schema as Retort reads it, columns sorted by name.
    pub fn schema(&self) -> Schema {
        let url: retort::db::DatabaseUrl = self.url.parse().expect("url");
        let mut conn = retort::db::Connection::open(&url, false).expect("open");
        let mut schema = conn.introspect().expect("introspect");
        for table in schema.tables.values_mut() {
            table.columns.sort_by(|a, b| a.name.cmp(&b.name));
        }
        schema
    }
}

impl Drop for MyProject {
    fn drop(&mut self) {
        if let Ok(mut admin) = MysqlConnection::establish(&self.server) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS `{}`", self.name));
        }
    }
}
