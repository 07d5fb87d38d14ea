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

mod adopt;
mod authoring;
mod cargo_package;
mod check;
mod config;
mod confirm;
mod dispatch;
mod events;
mod fleet;
mod git;
mod history;
mod hook;
mod inspect;
mod lint;
mod migrate;
mod pipe;
mod print_schema;
mod revision_text;
mod safety;
mod settings;
mod since;
mod squash;
mod style;
mod terminal;
mod verbs;
mod workflow;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

pub use config::{ConfigFile, FleetConfig, DEFAULT_CONFIG, DEFAULT_MIGRATIONS_DIR};
pub use history::HistoryArgs;
pub use safety::SafetyArgs;
pub(crate) use settings::Settings;
pub use style::ColorWhen;

/// Schema migrations for Rust: models in, reviewable SQL migrations out.
#[derive(Debug, Parser)]
#[command(
    name = "retort",
    version,
    about,
    propagate_version = true,
    styles = style::CLAP_STYLES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalOpts {
    /// Database URL: sqlite://PATH, postgres://... or mysql://... [default: from Retort.toml, else
    /// sqlite://retort.db]
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
    /// PostgreSQL: a writable server of the same major version for what a read-only standby
    /// cannot do (check's TEMP tables); the primary will do [default: from Retort.toml]
    #[arg(long, global = true, value_name = "URL", env = "RETORT_SCRATCH_URL")]
    pub scratch_url: Option<String>,
    /// PostgreSQL: the database URL goes through a connection pooler in transaction mode
    /// (pgbouncer) on the server's own port; one on another port is detected [default: from
    /// Retort.toml]
    #[arg(long, global = true, env = "RETORT_POOLER", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub pooler: Option<bool>,
    /// Seconds to wait for another run's migration lock (held by a concurrent upgrade,
    /// downgrade or stamp)
    #[arg(long, global = true, default_value_t = 60, value_name = "SECONDS")]
    pub lock_wait: u64,
    /// Deprecated name of --lock-wait (before the command); `upgrade --lock-timeout` and
    /// `downgrade --lock-timeout` are PostgreSQL's statement lock timeout
    #[arg(
        long = "lock-timeout",
        hide = true,
        value_name = "SECONDS",
        conflicts_with = "lock_wait"
    )]
    pub deprecated_lock_timeout: Option<u64>,
    /// Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(long, global = true, value_enum, default_value_t, value_name = "WHEN")]
    pub color: ColorWhen,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write Retort.toml and create the migrations directory
    Init(InitArgs),
    /// Compare the database with the models and write a migration for the differences
    Autogenerate {
        #[command(flatten)]
        message: MessageArgs,
        #[command(flatten)]
        ignore: IgnoreArgs,
        #[command(flatten)]
        safety: SafetyArgs,
    },
    /// Write a new revision: empty for hand-written SQL, or with --autogenerate
    Revision {
        #[command(flatten)]
        message: MessageArgs,
        /// Fill the revision from the difference between database and models
        #[arg(long, conflicts_with = "head")]
        autogenerate: bool,
        /// Add a Rust data step to up.sql and down.sql, and print the functions to write
        #[arg(long, conflicts_with = "autogenerate")]
        data: bool,
        /// Build on this revision (id, prefix, `head`, `LABEL@head` or `base`) instead of the
        /// single head; allowed with several heads, so it starts or extends a branch
        #[arg(long, value_name = "REV")]
        head: Option<String>,
        #[command(flatten)]
        rev_id: RevIdArgs,
        #[command(flatten)]
        links: LinkArgs,
        #[command(flatten)]
        ignore: IgnoreArgs,
        #[command(flatten)]
        safety: SafetyArgs,
    },
    /// Apply revisions up to TARGET: head, heads, REV (id or unique prefix), +N, REV+N
    Upgrade {
        /// With --sql: [FROM:]TARGET, FROM defaulting to base
        // Help text: `[FROM:]` is optional syntax, not a link.
        #[allow(rustdoc::broken_intra_doc_links)]
        #[arg(default_value = "head")]
        target: String,
        /// Print the SQL the upgrade would run instead of running it; nothing connects
        #[arg(long)]
        sql: bool,
        /// With --sql: print a comment in place of each Rust data step instead of refusing
        #[arg(long, requires = "sql")]
        step_placeholders: bool,
        /// Run even if applied migrations were edited since they were applied
        #[arg(long)]
        allow_edited: bool,
        /// PostgreSQL and MariaDB: how long a statement may wait for a lock another session
        /// holds before it gives up (and is tried again, --lock-retries), naming that session
        /// on PostgreSQL (500ms, 10s, 2m; MariaDB in whole seconds, rounded up; 0: no limit)
        /// [default: from Retort.toml, else 3s]
        #[arg(long, value_name = "DURATION", value_parser = config::parse_duration, conflicts_with = "sql")]
        lock_timeout: Option<std::time::Duration>,
        /// How many times a statement that gave up waiting for a lock is tried again, after 1 s,
        /// 2 s, 4 s... (0: the first timeout fails the run) [default: from Retort.toml, else 4]
        #[arg(long, value_name = "N", conflicts_with = "sql")]
        lock_retries: Option<u32>,
        /// MariaDB: do not rehearse the upgrade on a scratch copy of the schema first (its DDL
        /// commits as it goes, so the rehearsal catches most failures before anything is
        /// written)
        #[arg(long, conflicts_with = "sql")]
        no_rehearsal: bool,
        #[command(flatten)]
        fleet: FleetArgs,
        #[command(flatten)]
        resume: ResumeArgs,
        /// With --fleet: upgrade the first target alone and `check` it, then the others (none
        /// if either fails)
        #[arg(long, requires = "fleet")]
        canary: bool,
    },
    /// Revert revisions down to TARGET: -N, REV (stays applied), base
    Downgrade {
        /// With --sql: FROM:TARGET
        #[arg(allow_hyphen_values = true)]
        target: String,
        /// Print the SQL the downgrade would run instead of running it; nothing connects
        #[arg(long)]
        sql: bool,
        /// With --sql: print a comment in place of each Rust data step instead of refusing
        #[arg(long, requires = "sql")]
        step_placeholders: bool,
        /// Run even if applied migrations were edited since they were applied
        #[arg(long)]
        allow_edited: bool,
        /// PostgreSQL and MariaDB: how long a statement may wait for a lock another session
        /// holds before it gives up (and is tried again, --lock-retries), naming that session
        /// on PostgreSQL (500ms, 10s, 2m; MariaDB in whole seconds, rounded up; 0: no limit)
        /// [default: from Retort.toml, else 3s]
        #[arg(long, value_name = "DURATION", value_parser = config::parse_duration, conflicts_with = "sql")]
        lock_timeout: Option<std::time::Duration>,
        /// How many times a statement that gave up waiting for a lock is tried again, after 1 s,
        /// 2 s, 4 s... (0: the first timeout fails the run) [default: from Retort.toml, else 4]
        #[arg(long, value_name = "N", conflicts_with = "sql")]
        lock_retries: Option<u32>,
        /// Do not ask before reverting revisions that drop tables or columns (only asked on
        /// a terminal)
        #[arg(short = 'y', long)]
        yes: bool,
        #[command(flatten)]
        fleet: FleetArgs,
        #[command(flatten)]
        resume: ResumeArgs,
    },
    /// Record the database as being at TARGET without running any SQL (base: no revision)
    Stamp {
        /// With --sql: [FROM:]TARGET, FROM defaulting to base
        // Help text: `[FROM:]` is optional syntax, not a link.
        #[allow(rustdoc::broken_intra_doc_links)]
        #[arg(allow_hyphen_values = true)]
        target: String,
        /// Print the bookkeeping SQL the stamp would run instead of running it; nothing connects
        #[arg(long)]
        sql: bool,
        /// First clear every record, including versions no revision here knows
        #[arg(long)]
        purge: bool,
    },
    /// Write a merge revision joining REVs (default: all heads) into one head
    Merge {
        /// Revisions to join: ids, prefixes; default all heads
        revs: Vec<String>,
        #[command(flatten)]
        message: MessageArgs,
        #[command(flatten)]
        rev_id: RevIdArgs,
    },
    /// Show the revision(s) the database is at
    Current {
        #[command(flatten)]
        verbose: VerboseArgs,
        #[command(flatten)]
        fleet: FleetArgs,
    },
    /// List revisions, newest first, marking heads, branch points and merge points
    History(HistoryArgs),
    /// Show the head revision(s)
    Heads(VerboseArgs),
    /// Show the branch points and the branches that start there
    Branches(VerboseArgs),
    /// Show a revision's metadata and SQL: REV (id or prefix), head, heads, base, -N, +N, REV+N
    Show {
        #[arg(allow_hyphen_values = true)]
        rev: String,
    },
    /// Open $EDITOR on up.sql and down.sql of a revision the database has not applied
    Edit {
        /// The revision: id, prefix, head, -N, REV+N...
        #[arg(allow_hyphen_values = true)]
        rev: String,
    },
    /// Exit 0 if the database is at head and matches the models, 1 if not (listing the
    /// operations a new migration would contain), 2 on error
    Check(CheckArgs),
    /// Check revisions against the dialect's lint rules (PostgreSQL: statements that block a
    /// busy table's writers); default: the revisions the database has not applied
    Lint(lint::LintArgs),
    /// Write diesel's schema.rs (table!, joinable!, allow_tables_to_appear_in_same_query!)
    /// for the models, as `diesel print-schema` would for the upgraded database
    PrintSchema(print_schema::PrintSchemaArgs),
    /// Write #[derive(Model)] structs for the tables of the live database (adopting one)
    Inspect(inspect::InspectArgs),
    /// Replace a linear range of revisions FROM:TO by one revision computed from the schemas
    /// (--finalize: remove the replaced revisions once every database is past them)
    Squash(squash::SquashArgs),
    /// Git integration: `hook install` writes a pre-commit hook that runs `check`
    #[command(subcommand)]
    Hook(hook::HookCommand),
}

impl Command {
    /// Whether the command was given `--allow-edited`.
    pub(crate) fn allow_edited(&self) -> bool {
        match self {
            Command::Upgrade { allow_edited, .. } | Command::Downgrade { allow_edited, .. } => {
                *allow_edited
            }
            Command::Check(args) => args.allow_edited,
            _ => false,
        }
    }

    /// The `--fleet` options, when the command takes them and was given `--fleet`.
    pub(crate) fn fleet(&self) -> Option<&FleetArgs> {
        let args = match self {
            Command::Upgrade { fleet, .. }
            | Command::Downgrade { fleet, .. }
            | Command::Current { fleet, .. } => fleet,
            Command::Check(args) => &args.fleet,
            _ => return None,
        };
        args.fleet.then_some(args)
    }

    /// The `--lock-retries` of `upgrade` or `downgrade`.
    pub(crate) fn lock_retries(&self) -> Option<u32> {
        match self {
            Command::Upgrade { lock_retries, .. } | Command::Downgrade { lock_retries, .. } => {
                *lock_retries
            }
            _ => None,
        }
    }

    /// The `--lock-timeout` of `upgrade` or `downgrade`.
    pub(crate) fn lock_timeout(&self) -> Option<std::time::Duration> {
        match self {
            Command::Upgrade { lock_timeout, .. } | Command::Downgrade { lock_timeout, .. } => {
                *lock_timeout
            }
            _ => None,
        }
    }
}

/// Options of `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Adopt the existing database: write a first revision whose up.sql creates its tables as
    /// they are, and record it as applied without running it (versions diesel recorded before
    /// are kept as history)
    #[arg(long)]
    pub baseline: bool,
    #[command(flatten)]
    pub ignore: IgnoreArgs,
}

/// `--ignore GLOB` of the commands that compare the database with the models.
#[derive(Debug, Args, Default)]
pub struct IgnoreArgs {
    /// Leave the tables and views matching GLOB alone: never created, altered or dropped, nor
    /// reported (`*`, `?`, `[...]`; repeatable; adds to `ignore` in Retort.toml)
    #[arg(long = "ignore", value_name = "GLOB")]
    pub globs: Vec<String>,
}

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Replay every migration into a scratch database (in-memory SQLite, or a temporary
    /// PostgreSQL database) and compare that with the models, ignoring the local database
    #[arg(long)]
    pub shadow: bool,
    #[command(flatten)]
    pub team: since::SinceArgs,
    /// Do not fail when applied migrations were edited since they were applied
    #[arg(long)]
    pub allow_edited: bool,
    #[command(flatten)]
    pub ignore: IgnoreArgs,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// `--fleet` and its options, on `upgrade`, `downgrade`, `current` and `check`: the command
/// runs on every target of Retort.toml's `[fleet]` table (see `fleet`).
// Help text: `[fleet]` is Retort.toml's table, not a link.
#[allow(rustdoc::private_intra_doc_links, rustdoc::broken_intra_doc_links)]
#[derive(Debug, Args, Default, Clone)]
pub struct FleetArgs {
    /// Run on every database (or schema) Retort.toml's [fleet] table lists, then print one
    /// table: each target's revision before and after, and what failed
    #[arg(long)]
    pub fleet: bool,
    /// With --fleet: how many targets run at once [default: `jobs` of [fleet], else 4]
    #[arg(short = 'j', long, value_name = "N", requires = "fleet",
          value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// With --fleet: start no other target after the first failure (by default the others go
    /// on)
    #[arg(long, requires = "fleet")]
    pub fail_fast: bool,
}

/// `--resume` of `upgrade --fleet` and `downgrade --fleet`.
#[derive(Debug, Args, Default, Clone)]
pub struct ResumeArgs {
    /// With --fleet: skip the targets the previous run of the same command finished (as its
    /// state file records them)
    #[arg(long, requires = "fleet")]
    pub resume: bool,
}

/// `--verbose` of the commands that list revisions.
#[derive(Debug, Args)]
pub struct VerboseArgs {
    /// Show each revision's parents, message, created date and path
    #[arg(short, long)]
    pub verbose: bool,
}

/// `--rev-id` of the commands that write a revision.
#[derive(Debug, Args)]
pub struct RevIdArgs {
    /// Use this revision id (12 lowercase hexadecimal digits) instead of a random one
    #[arg(long, value_name = "ID")]
    pub rev_id: Option<String>,
}

/// `--branch-label` and `--depends-on` of `revision`.
#[derive(Debug, Args, Default)]
pub struct LinkArgs {
    /// Name the branch that starts at the new revision (repeatable); targets `LABEL`,
    /// `LABEL@head` and `LABEL@base` then name it
    #[arg(long = "branch-label", value_name = "NAME")]
    pub branch_labels: Vec<String>,
    /// Apply REV (and what it needs) before the new revision, and revert it after, without
    /// building on it (repeatable; an id, prefix, label or `LABEL@head`)
    #[arg(long = "depends-on", value_name = "REV")]
    pub depends_on: Vec<String>,
}

/// The message of a new revision.
#[derive(Debug, Args)]
pub struct MessageArgs {
    /// What the revision does; also names its directory
    #[arg(short, long, value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub message: String,
}

/// Settings your own binary builds in: used when neither a flag, the environment nor
/// Retort.toml sets them.
///
/// ```no_run
/// // main.rs of your own retort binary
/// // retort::link_models!(my_models);
/// fn main() -> std::process::ExitCode {
///     retort_cli::run_with(retort_cli::Defaults {
///         database_url: Some("sqlite://var/app.db".into()),
///         migrations_dir: Some("db/migrations".into()),
///         ..Default::default()
///     })
/// }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    pub database_url: Option<String>,
    pub migrations_dir: Option<PathBuf>,
    /// Which of the linked models this binary manages: those for which the function returns
    /// `true` (see [`retort::ModelRegistration`]: `table_name`, `rust_path`). `None` manages
    /// every linked model. Lets one binary drive several databases, each with its own models:
    /// `models: Some(|m| m.rust_path.starts_with("my_app::billing::"))`. The views
    /// (`#[derive(View)]`) kept are those in the module of a kept model.
    pub models: Option<fn(&retort::ModelRegistration) -> bool>,
}

/// Parses the process arguments, runs the command and returns the exit code.
pub fn run() -> ExitCode {
    run_with(Defaults::default())
}

/// Like [`run`], with built-in defaults for the database URL and migrations directory.
pub fn run_with(defaults: Defaults) -> ExitCode {
    run_from_with(std::env::args_os(), &defaults)
}

/// Like [`run`], with explicit arguments (the first one is the program name).
pub fn run_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    run_from_with(args, &Defaults::default())
}

/// Like [`run_with`], with explicit arguments (the first one is the program name).
///
/// Messages that tell the user to run a command name the program as the first argument does
/// (its file name: `myapp-migrate upgrade head`), see `retort::invocation`.
pub fn run_from_with<I, T>(args: I, defaults: &Defaults) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let name = args
        .first()
        .and_then(|arg0| retort::invocation::name_from_arg0(arg0));
    retort::invocation::set_command_name(name.as_deref().unwrap_or(""));
    let color = ColorWhen::scan(&args);
    let parsed = config::help_with(Cli::command(), defaults)
        .color(color.for_clap())
        .try_get_matches_from(args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    style::choose(cli.global.color);
    if cli.global.deprecated_lock_timeout.is_some() {
        eprintln!(
            "note: --lock-timeout before the command is deprecated: it is now --lock-wait (the wait \
             for another run's migration lock); `upgrade --lock-timeout` is PostgreSQL's statement \
             lock timeout"
        );
    }
    let mut out = pipe::PipeAware::new(std::io::stdout().lock());
    match execute_with(&cli, defaults, &mut out) {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`retort history | head`): what it wanted was written. Quiet,
        // exit 0, as other command-line tools.
        Err(e) if out.broken() && pipe::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            let mut message = one_line(&e);
            // A driver may quote part of the URL it was given: never print its password.
            let for_init = matches!(cli.command, Command::Init(_));
            if let Ok(settings) = Settings::resolve(&cli.global, defaults, for_init) {
                message = retort::redact::scrub(&message, &settings.database_url);
            }
            eprintln!("{}", style::error(&message));
            ExitCode::from(2)
        }
    }
}

/// An error and its causes on one line (plus the items of a list, one per line). No error
/// repeats its source in its own message, so the chain reads as one sentence.
fn one_line(e: &anyhow::Error) -> String {
    let msg = e
        .chain()
        .map(|cause| cause.to_string())
        .collect::<Vec<_>>()
        .join(": ");
    // Lines indented by two spaces are a list (every problem of a directory) and stay lines;
    // other line breaks (libpq's multi-line messages) become spaces.
    let mut out = String::new();
    for (i, line) in msg.lines().enumerate() {
        let words = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if words.is_empty() {
            continue;
        }
        if i > 0 && line.starts_with("  ") {
            out.push_str("\n  ");
        } else if !out.is_empty() {
            out.push(' ');
        }
        // Whatever a name from outside holds, no control character reaches the terminal.
        out.push_str(&retort::shown::line(&words));
    }
    out
}

/// Runs one parsed command, writing its report to `out`. Returns the exit code on success.
pub fn execute(cli: &Cli, out: &mut dyn Write) -> anyhow::Result<u8> {
    execute_with(cli, &Defaults::default(), out)
}

/// Like [`execute`], with built-in defaults.
pub fn execute_with(cli: &Cli, defaults: &Defaults, out: &mut dyn Write) -> anyhow::Result<u8> {
    dispatch::execute_with(cli, defaults, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
        config::help_with(Cli::command(), &Defaults::default()).debug_assert();
    }
}
