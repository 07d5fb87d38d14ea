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

mod config;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use retort::db::{Connection, DatabaseUrl, OpenOptions, DEFAULT_DATABASE_URL};
use retort::ops::Op;
use retort::script::{NewRevision, Revision, ScriptDirectory};
use retort::{autogen, registry, runner};

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
struct Settings {
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

    fn connect(&self, create: bool) -> anyhow::Result<Connection> {
        let url: DatabaseUrl = self.database_url.parse()?;
        Ok(Connection::open_with(
            &url,
            &OpenOptions {
                create,
                schema: self.schema.clone(),
            },
        )?)
    }

    fn scripts(&self) -> anyhow::Result<ScriptDirectory> {
        Ok(ScriptDirectory::open(&self.migrations_dir)?)
    }
}

/// Runs one parsed command, writing its report to `out`. Returns the exit code on success.
pub fn execute(cli: &Cli, out: &mut dyn Write) -> anyhow::Result<u8> {
    let settings = Settings::resolve(&cli.global)?;
    match &cli.command {
        Command::Init => init(&settings, out),
        Command::Autogenerate(m) => autogenerate(&settings, &m.message, out),
        Command::Revision {
            message,
            autogenerate: true,
        } => autogenerate(&settings, &message.message, out),
        Command::Revision { message, .. } => empty_revision(&settings, &message.message, out),
        Command::Upgrade { target } => upgrade(&settings, target, out),
        Command::Downgrade { target } => downgrade(&settings, target, out),
        Command::Current => current(&settings, out),
        Command::History => history(&settings, out),
        Command::Heads => heads(&settings, out),
        Command::Show { rev } => show(&settings, rev, out),
        Command::Check => check(&settings, out),
    }
}

fn init(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<u8> {
    if settings.config_path.exists() {
        writeln!(
            out,
            "{} exists; left unchanged",
            settings.config_path.display()
        )?;
    } else {
        let text = format!(
            "# Retort settings. DATABASE_URL and --database-url override database_url.\n\
             database_url = \"{}\"\n\
             migrations_dir = \"{}\"\n",
            settings.database_url,
            settings.migrations_dir.display()
        );
        std::fs::write(&settings.config_path, text)
            .with_context(|| format!("cannot write {}", settings.config_path.display()))?;
        writeln!(out, "Created {}", settings.config_path.display())?;
    }
    if settings.migrations_dir.is_dir() {
        writeln!(
            out,
            "{} exists; left unchanged",
            settings.migrations_dir.display()
        )?;
    } else {
        ScriptDirectory::create(&settings.migrations_dir)?;
        writeln!(out, "Created {}", settings.migrations_dir.display())?;
    }
    Ok(0)
}

/// The single head the next revision builds on; several heads are an error.
fn parent_of_new(scripts: &ScriptDirectory) -> anyhow::Result<Vec<String>> {
    Ok(scripts
        .graph()
        .head()?
        .map(|h| vec![h.to_owned()])
        .unwrap_or_default())
}

/// Revisions between what is applied and head, or an error saying how to get there.
fn ensure_at_head(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
) -> anyhow::Result<BTreeSet<String>> {
    let applied = runner::applied(conn, scripts)?;
    let pending = scripts.graph().upgrade_plan(&applied, "heads")?;
    if !pending.is_empty() {
        return Err(retort::Error::NotAtHead {
            pending: pending.len(),
            ids: pending,
        }
        .into());
    }
    Ok(applied)
}

fn autogenerate(settings: &Settings, message: &str, out: &mut dyn Write) -> anyhow::Result<u8> {
    let target = registry::schema()?;
    let mut scripts = settings.scripts()?;
    let parents = parent_of_new(&scripts)?;
    let mut conn = settings.connect(true)?;
    ensure_at_head(&mut conn, &scripts)?;
    let plan = autogen::plan(&mut conn, &target)?;
    if plan.is_empty() {
        writeln!(out, "No changes detected")?;
        return Ok(0);
    }
    for op in &plan.ops {
        writeln!(out, "Detected {op}")?;
        if let Some(warning) = warning_for(op) {
            eprintln!("warning: {warning}");
        }
    }
    let rev = scripts.write_revision(
        NewRevision {
            message: message.to_owned(),
            parents,
            up_sql: plan.up_sql,
            down_sql: plan.down_sql,
        },
        chrono::Utc::now(),
    )?;
    writeln!(
        out,
        "Generated {}; review it, then run `retort upgrade head`",
        rev.path.display()
    )?;
    Ok(0)
}

/// What a reviewer must know about an op before applying it.
fn warning_for(op: &Op) -> Option<String> {
    match op {
        Op::DropTable(t) => Some(format!(
            "dropping table '{}' deletes its rows; the downgrade re-creates it empty",
            t.name
        )),
        Op::DropColumn { table, column } => Some(format!(
            "dropping column '{table}.{}' deletes its data; the downgrade re-creates it empty",
            column.name
        )),
        Op::AddColumn { table, column } if !column.nullable && column.default.is_none() => Some(format!(
            "column '{table}.{}' is NOT NULL without a default: the upgrade fails if '{table}' has rows; add #[model(default = \"...\")] or make it Option<_>",
            column.name
        )),
        Op::AlterColumn { table, from, to } if from.nullable && !to.nullable => Some(format!(
            "column '{table}.{}' becomes NOT NULL: the upgrade fails if it holds NULLs",
            to.name
        )),
        _ => None,
    }
}

fn empty_revision(settings: &Settings, message: &str, out: &mut dyn Write) -> anyhow::Result<u8> {
    let mut scripts = settings.scripts()?;
    let parents = parent_of_new(&scripts)?;
    let rev = scripts.write_revision(
        NewRevision {
            message: message.to_owned(),
            parents,
            up_sql: "-- Write the upgrade SQL of this revision here.\n".to_owned(),
            down_sql: "-- Write the SQL that reverts this revision's up.sql here.\n".to_owned(),
        },
        chrono::Utc::now(),
    )?;
    writeln!(out, "Generated {}", rev.path.display())?;
    Ok(0)
}

fn describe(rev: &Revision) -> String {
    format!("{} {}", rev.id, rev.message)
}

fn upgrade(settings: &Settings, target: &str, out: &mut dyn Write) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let mut conn = settings.connect(true)?;
    let done = runner::upgrade_with(&mut conn, &scripts, target, &settings.run)?;
    if done.is_empty() {
        writeln!(out, "Nothing to apply: the database is already at {target}")?;
    }
    for id in &done {
        let rev = scripts.revision(id).expect("applied revision exists");
        writeln!(out, "Applied {}", describe(rev))?;
    }
    Ok(0)
}

fn downgrade(settings: &Settings, target: &str, out: &mut dyn Write) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let mut conn = settings.connect(false)?;
    let done = runner::downgrade_with(&mut conn, &scripts, target, &settings.run)?;
    if done.is_empty() {
        writeln!(
            out,
            "Nothing to revert: the database is already at {target}"
        )?;
    }
    for id in &done {
        let rev = scripts.revision(id).expect("reverted revision exists");
        writeln!(out, "Reverted {}", describe(rev))?;
    }
    Ok(0)
}

fn current(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let mut conn = settings.connect(false)?;
    let applied = runner::applied(&mut conn, &scripts)?;
    let heads = scripts.graph().heads();
    let current = scripts.graph().current_heads(&applied);
    if current.is_empty() {
        writeln!(out, "base (no revision applied)")?;
    }
    for id in current {
        let rev = scripts.revision(id).expect("applied revision exists");
        let tag = if heads.contains(&id) { " (head)" } else { "" };
        writeln!(out, "{}{tag} {}", rev.id, rev.message)?;
    }
    Ok(0)
}

fn history(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let heads = scripts.graph().heads();
    let revisions: Vec<&Revision> = scripts.revisions().collect();
    if revisions.is_empty() {
        writeln!(out, "No revisions in {}", scripts.path().display())?;
    }
    for rev in revisions.into_iter().rev() {
        let parents = if rev.parents.is_empty() {
            "<base>".to_owned()
        } else {
            rev.parents.join(", ")
        };
        let tag = if heads.contains(&rev.id.as_str()) {
            " (head)"
        } else {
            ""
        };
        writeln!(out, "{parents} -> {}{tag}, {}", rev.id, rev.message)?;
    }
    Ok(0)
}

fn heads(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    for id in scripts.graph().heads() {
        let rev = scripts.revision(id).expect("head exists");
        writeln!(out, "{} (head) {}", rev.id, rev.message)?;
    }
    Ok(0)
}

fn show(settings: &Settings, rev: &str, out: &mut dyn Write) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let id = scripts.graph().resolve(rev)?;
    let rev = scripts.revision(id).expect("resolved revision exists");
    writeln!(out, "Revision: {}", rev.id)?;
    writeln!(
        out,
        "Parents:  {}",
        if rev.parents.is_empty() {
            "<base>".to_owned()
        } else {
            rev.parents.join(", ")
        }
    )?;
    writeln!(out, "Message:  {}", rev.message)?;
    writeln!(out, "Created:  {}", rev.created)?;
    writeln!(out, "Path:     {}", rev.path.display())?;
    writeln!(out, "\n-- up.sql\n{}", rev.up_sql.trim_end())?;
    writeln!(out, "\n-- down.sql\n{}", rev.down_sql.trim_end())?;
    Ok(0)
}

fn check(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<u8> {
    let target = registry::schema()?;
    let scripts = settings.scripts()?;
    let mut conn = settings.connect(false)?;
    let applied = runner::applied(&mut conn, &scripts)?;
    let pending = scripts.graph().upgrade_plan(&applied, "heads")?;
    if !pending.is_empty() {
        writeln!(
            out,
            "Database is not at head: {} revision(s) not applied ({}); run `retort upgrade head`",
            pending.len(),
            pending.join(", ")
        )?;
        return Ok(1);
    }
    let plan = autogen::plan(&mut conn, &target)?;
    if plan.is_empty() {
        let heads = scripts.graph().heads();
        let at = if heads.is_empty() {
            "base".to_owned()
        } else {
            heads.join(", ")
        };
        writeln!(
            out,
            "No changes detected: the database is at {at} and matches the models"
        )?;
        return Ok(0);
    }
    writeln!(
        out,
        "The models differ from the database; a new migration would contain:"
    )?;
    for op in &plan.ops {
        writeln!(out, "  {op}")?;
    }
    writeln!(out, "Run `retort autogenerate -m \"...\"` to write it.")?;
    Ok(1)
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
