//! The Retort command line as a library: `run()` parses the process arguments and executes,
//! so any binary that links its models gets the full CLI with a two-line `main.rs`:
//!
//! ```no_run
//! // extern crate my_models as _;   // link the crate that holds your #[derive(Model)] structs
//! fn main() -> std::process::ExitCode {
//!     retort_cli::run()
//! }
//! ```
//!
//! Exit codes: 0 success, 1 `check` found differences, 2 any error (one line on stderr).

mod authoring;
mod check;
mod config;
mod inspect;
mod migrate;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use retort::db::{Connection, DatabaseUrl, OpenOptions, DEFAULT_DATABASE_URL};
use retort::runner;
use retort::script::ScriptDirectory;

pub use config::{ConfigFile, DEFAULT_CONFIG, DEFAULT_MIGRATIONS_DIR};

/// Schema migrations for Rust: models in, reviewable SQL migrations out.
#[derive(Debug, Parser)]
#[command(name = "retort", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalOpts {
    /// Database URL: sqlite://PATH (default sqlite://retort.db) or postgres://...
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Directory holding the revisions [default: from Retort.toml, else `migrations`]
    #[arg(long, global = true)]
    pub migrations_dir: Option<PathBuf>,
    /// Settings file; optional unless given explicitly
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// PostgreSQL schema to migrate instead of `public` [default: from Retort.toml]
    #[arg(long, global = true)]
    pub schema: Option<String>,
    /// Seconds to wait for another run's migration lock
    #[arg(long, global = true, default_value_t = 60, value_name = "SECONDS")]
    pub lock_timeout: u64,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write Retort.toml and create the migrations directory
    Init,
    /// Compare the database with the models and write a migration for the differences
    Autogenerate(MessageArgs),
    /// Write a new revision: empty for hand-written SQL, or with --autogenerate
    Revision {
        #[command(flatten)]
        message: MessageArgs,
        /// Fill the revision from the difference between database and models
        #[arg(long)]
        autogenerate: bool,
    },
    /// Apply revisions up to TARGET: head, REV (id or unique prefix), +N, REV+N
    Upgrade {
        #[arg(default_value = "head")]
        target: String,
    },
    /// Revert revisions down to TARGET: -N, REV (stays applied), base
    Downgrade {
        #[arg(allow_hyphen_values = true)]
        target: String,
    },
    /// Show the revision(s) the database is at
    Current,
    /// List revisions, newest first
    History,
    /// Show the head revision(s)
    Heads,
    /// Show a revision's metadata and SQL
    Show { rev: String },
    /// Exit 0 if the database is at head and matches the models, 1 if not (listing the
    /// operations a new migration would contain), 2 on error
    Check,
}

#[derive(Debug, Args)]
pub struct MessageArgs {
    /// What the revision does; also names its directory
    #[arg(short, long)]
    pub message: String,
}

/// Parses the process arguments, runs the command and returns the exit code.
pub fn run() -> ExitCode {
    run_from(std::env::args_os())
}

/// Like [`run`], with explicit arguments (the first one is the program name).
pub fn run_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match execute(&cli, &mut out) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let _ = out.flush();
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Resolved settings.
pub(crate) struct Settings {
    database_url: String,
    migrations_dir: PathBuf,
    config_path: PathBuf,
    schema: Option<String>,
    run: runner::RunOptions,
}

impl Settings {
    fn resolve(global: &GlobalOpts) -> anyhow::Result<Settings> {
        let config_path = global
            .config
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
        let file = ConfigFile::load(&config_path, global.config.is_some())?;
        Ok(Settings {
            database_url: global
                .database_url
                .clone()
                .or(file.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            migrations_dir: global
                .migrations_dir
                .clone()
                .or(file.migrations_dir)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_MIGRATIONS_DIR)),
            config_path,
            schema: global.schema.clone().or(file.schema),
            run: runner::RunOptions {
                lock_timeout: std::time::Duration::from_secs(global.lock_timeout),
            },
        })
    }

    pub(crate) fn connect(&self, create: bool) -> anyhow::Result<Connection> {
        let url: DatabaseUrl = self.database_url.parse()?;
        Ok(Connection::open_with(
            &url,
            &OpenOptions {
                create,
                schema: self.schema.clone(),
            },
        )?)
    }

    pub(crate) fn scripts(&self) -> anyhow::Result<ScriptDirectory> {
        Ok(ScriptDirectory::open(&self.migrations_dir)?)
    }
}

/// Runs one parsed command, writing its report to `out`. Returns the exit code on success.
pub fn execute(cli: &Cli, out: &mut dyn Write) -> anyhow::Result<u8> {
    let settings = Settings::resolve(&cli.global)?;
    match &cli.command {
        Command::Init => authoring::init(&settings, out),
        Command::Autogenerate(m) => authoring::autogenerate(&settings, &m.message, out),
        Command::Revision {
            message,
            autogenerate: true,
        } => authoring::autogenerate(&settings, &message.message, out),
        Command::Revision { message, .. } => {
            authoring::empty_revision(&settings, &message.message, out)
        }
        Command::Upgrade { target } => migrate::upgrade(&settings, target, out),
        Command::Downgrade { target } => migrate::downgrade(&settings, target, out),
        Command::Current => migrate::current(&settings, out),
        Command::History => inspect::history(&settings, out),
        Command::Heads => inspect::heads(&settings, out),
        Command::Show { rev } => inspect::show(&settings, rev, out),
        Command::Check => check::check(&settings, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }
}
