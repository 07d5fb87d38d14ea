//! The command line's commands and their arguments (clap derive): what each subcommand takes.
//! `lib.rs` dispatches them.

use clap::{Args, Subcommand};

use crate::{
    config, history::HistoryArgs, hook, inspect, lint, print_schema, safety::SafetyArgs, since,
    squash,
};

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
    /// Leave the tables matching GLOB alone: never created, altered or dropped, nor reported
    /// (`*`, `?`, `[...]`; repeatable; adds to `ignore` in Retort.toml)
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
