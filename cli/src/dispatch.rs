//! Running one parsed command: resolving the settings, then handing the command to the module
//! that does it.

use std::io::Write;

use retort::runner;

use crate::{
    adopt, authoring, check, fleet, history, hook, inspect, lint, migrate, print_schema, since,
    squash, verbs, workflow, Cli, Command, Defaults, InitArgs, LinkArgs, Settings,
};

/// Runs `cli` with built-in `defaults` (see `crate::execute_with`).
pub(crate) fn execute_with(
    cli: &Cli,
    defaults: &Defaults,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let for_init = matches!(cli.command, Command::Init(_));
    let mut settings = Settings::resolve(&cli.global, defaults, for_init)?;
    settings.run.allow_edited = cli.command.allow_edited();
    if let Some(limit) = cli.command.lock_timeout() {
        settings.run.lock_timeout = limit;
    }
    if let Some(retries) = cli.command.lock_retries() {
        settings.run.lock_retries = retries;
    }
    // `check --fleet` validates the migrations directory (and `--since`) once, below.
    if cli.command.fleet().is_some() && !matches!(cli.command, Command::Check(_)) {
        return fleet::run(cli, &settings, out);
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
        Command::Current { verbose, .. } => migrate::current(&settings, verbose.verbose, out),
        Command::History(args) => history::history(&settings, args, out),
        Command::Heads(v) => history::heads(&settings, v.verbose, out),
        Command::Branches(v) => workflow::branches(&settings, v.verbose, out),
        Command::Show { rev } => history::show(&settings, rev, out),
        Command::Edit { rev } => verbs::edit(&settings, rev, out),
        Command::Check(args) => match since::before_check(&settings, &args.team, out)? {
            Some(code) => Ok(code),
            None if args.fleet.fleet => fleet::run(cli, &settings, out),
            None => check::check(&settings, args, out),
        },
        Command::Hook(command) => hook::run(&cli.global, command, out),
        Command::Squash(args) => squash::squash(&settings, args, out),
        Command::Lint(args) => lint::lint(&settings, args, out),
        Command::PrintSchema(args) => print_schema::print_schema(&settings, args, out),
        Command::Inspect(args) => inspect::inspect(&settings, args, out),
    }
}
