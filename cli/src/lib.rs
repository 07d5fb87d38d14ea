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
mod commands;
mod config;
mod confirm;
mod events;
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

use clap::{Args, CommandFactory, FromArgMatches, Parser};
use retort::runner;

pub use commands::{
    CheckArgs, Command, IgnoreArgs, InitArgs, LinkArgs, MessageArgs, RevIdArgs, VerboseArgs,
};
pub use config::{ConfigFile, DEFAULT_CONFIG, DEFAULT_MIGRATIONS_DIR};
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
    let for_init = matches!(cli.command, Command::Init(_));
    let mut settings = Settings::resolve(&cli.global, defaults, for_init)?;
    settings.run.allow_edited = cli.command.allow_edited();
    if let Some(limit) = cli.command.lock_timeout() {
        settings.run.lock_timeout = limit;
    }
    if let Some(retries) = cli.command.lock_retries() {
        settings.run.lock_retries = retries;
    }
    match &cli.command {
        Command::Init(InitArgs {
            baseline: true,
            ignore,
        }) => adopt::baseline(&settings, &settings.ignore(ignore)?, out),
        Command::Init(_) => authoring::init(&settings, out),
        Command::Autogenerate {
            message,
            ignore,
            safety,
        } => authoring::autogenerate(
            &settings,
            &message.message,
            None,
            &LinkArgs::default(),
            &settings.ignore(ignore)?,
            safety,
            out,
        ),
        Command::Revision {
            message,
            autogenerate: true,
            rev_id,
            links,
            ignore,
            safety,
            ..
        } => authoring::autogenerate(
            &settings,
            &message.message,
            rev_id.rev_id.as_deref(),
            links,
            &settings.ignore(ignore)?,
            safety,
            out,
        ),
        Command::Revision { ignore, .. } if !ignore.globs.is_empty() => {
            anyhow::bail!(
                "--ignore compares the database with the models, so it needs --autogenerate"
            )
        }
        Command::Revision { safety, .. } if safety.any() => anyhow::bail!(
            "--allow-destructive, --backfill, --using, --using-down, --blocking and \
             --allow-rewrite apply to a generated revision: add --autogenerate"
        ),
        Command::Revision {
            message,
            head,
            rev_id,
            links,
            data,
            ..
        } => authoring::empty_revision(
            &settings,
            &message.message,
            head.as_deref(),
            rev_id.rev_id.as_deref(),
            links,
            *data,
            out,
        ),
        Command::Upgrade {
            target,
            sql: true,
            step_placeholders,
            ..
        } => workflow::offline(
            &settings,
            runner::Direction::Upgrade,
            target,
            *step_placeholders,
            out,
        ),
        Command::Upgrade {
            target,
            no_rehearsal,
            ..
        } => migrate::upgrade(&settings, target, !*no_rehearsal, out),
        Command::Downgrade {
            target,
            sql: true,
            step_placeholders,
            ..
        } => workflow::offline(
            &settings,
            runner::Direction::Downgrade,
            target,
            *step_placeholders,
            out,
        ),
        Command::Downgrade { target, yes, .. } => migrate::downgrade(&settings, target, *yes, out),
        Command::Stamp {
            target,
            sql: true,
            purge,
        } => verbs::offline_stamp(&settings, target, *purge, out),
        Command::Stamp { target, purge, .. } => workflow::stamp(&settings, target, *purge, out),
        Command::Merge {
            revs,
            message,
            rev_id,
        } => workflow::merge(
            &settings,
            revs,
            &message.message,
            rev_id.rev_id.as_deref(),
            out,
        ),
        Command::Current(v) => migrate::current(&settings, v.verbose, out),
        Command::History(args) => history::history(&settings, args, out),
        Command::Heads(v) => history::heads(&settings, v.verbose, out),
        Command::Branches(v) => workflow::branches(&settings, v.verbose, out),
        Command::Show { rev } => history::show(&settings, rev, out),
        Command::Edit { rev } => verbs::edit(&settings, rev, out),
        Command::Check(args) => match since::before_check(&settings, &args.team, out)? {
            Some(code) => Ok(code),
            None => check::check(&settings, args, out),
        },
        Command::Hook(command) => hook::run(&cli.global, command, out),
        Command::Squash(args) => squash::squash(&settings, args, out),
        Command::Lint(args) => lint::lint(&settings, args, out),
        Command::PrintSchema(args) => print_schema::print_schema(&settings, args, out),
        Command::Inspect(args) => inspect::inspect(&settings, args, out),
    }
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
