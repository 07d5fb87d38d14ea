//! `--fleet`: `upgrade`, `downgrade`, `current` and `check` on every target of Retort.toml's
//! `[fleet]` table (database URLs, the URLs a command or query lists, or the PostgreSQL schemas
//! matching a glob: [`targets`]), `--jobs N` at a time, with a progress line per target as it
//! finishes and one table at the end ([`report`]).
//!
//! Each target's command runs in a child process: this very binary (`current_exe`, so a
//! binary of your own with its own models and defaults runs itself), given the same command
//! and options, with `--schema` for a tenant schema and the target's URL in `DATABASE_URL`. It
//! is the single-target command, unchanged: same code path, same locks, same messages. A
//! process per target, rather than a thread, because its output and errors stay its own (the
//! runner writes notes and lock waits to stderr, and a run's signal handling and the
//! invocation name are per process), a panic or abort in one target cannot take the others
//! down, and the exit code says what happened (0, 1 for `check`'s differences, 2 an error).
//! The cost, a process start per target, is small next to a connection and a migration (see
//! the benchmark in README, "Many databases"). The position before and after (the revisions
//! a target is at) is read here, in-process, with the library's read-only calls; `current
//! --fleet` only reads.
//!
//! Failures: by default the other targets go on (targets are independent, and one broken
//! tenant should not hold the others back); `--fail-fast` starts no new target after the first
//! failure (those running finish). `--canary` upgrades the first target alone, then runs
//! `check` on it, and the others only when both pass. `upgrade` and `downgrade` record the
//! targets they finish in a state file ([`state`]) that `--resume` reads. SIGINT, SIGTERM or
//! SIGHUP starts no new target: the running ones finish (on a terminal they got the signal too,
//! and end as a single run does) and are recorded, and the table is printed; a second signal
//! ends the fleet run at once.
//!
//! Exit code: 0 when every target succeeded and (for `upgrade` to `head`/`heads`, `current` and
//! `check`) is at head, `check` finding nothing; 1 when none failed but some target is not at
//! head or `check` found differences; 2 when a target failed or was not run.

mod child;
mod report;
mod state;
mod targets;

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use anyhow::bail;
use retort::script::ScriptDirectory;

use crate::{Cli, Command, Settings};
use report::{Outcome, Row, Shape};
use targets::Target;

/// Runs the command of `cli` (given `--fleet`) on every target.
pub(crate) fn run(cli: &Cli, settings: &Settings, out: &mut dyn Write) -> anyhow::Result<u8> {
    let fleet = cli.command.fleet().cloned().unwrap_or_default();
    let (shape, resume, canary, needs_head) = match &cli.command {
        Command::Upgrade { sql: true, .. } | Command::Downgrade { sql: true, .. } => bail!(
            "--fleet runs the command on databases and --sql connects to none: drop one of them"
        ),
        Command::Upgrade {
            target,
            resume,
            canary,
            ..
        } => (
            Shape::Moves,
            resume.resume,
            *canary,
            matches!(target.as_str(), "head" | "heads"),
        ),
        Command::Downgrade { resume, yes, .. } => {
            if !yes && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                bail!(
                    "downgrade --fleet does not ask before each target's drops: review them \
                     (`{}`), then add --yes",
                    retort::invocation::command("downgrade --sql FROM:TARGET")
                );
            }
            (Shape::Moves, resume.resume, false, false)
        }
        Command::Current { verbose, .. } => {
            if verbose.verbose {
                bail!("--verbose shows one database's revisions in full: drop it with --fleet");
            }
            (Shape::Current, false, false, true)
        }
        Command::Check(args) => {
            if args.shadow {
                bail!("check --shadow reads no database, so there is no fleet to check: drop --fleet or --shadow");
            }
            (Shape::Check, false, false, true)
        }
        _ => bail!("--fleet is taken by upgrade, downgrade, current and check"),
    };
    let jobs = fleet
        .jobs
        .or(settings.fleet.as_ref().and_then(|f| f.jobs))
        .unwrap_or(4);
    let scripts = settings.scripts()?;
    let targets = targets::list(settings, cli.global.schema.is_some())?;
    let mut state = match shape {
        Shape::Moves => {
            let path = settings
                .fleet
                .as_ref()
                .and_then(|f| f.state_file.clone())
                .unwrap_or_else(|| state::default_path(&settings.config_path));
            Some(state::State::open(
                path,
                &command_words(&cli.command),
                resume,
            )?)
        }
        _ => None,
    };
    let args = child::child_args(&cli.command);
    let total = targets.len();
    let mut rows: Vec<Option<Row>> = vec![None; total];
    let mut todo: Vec<usize> = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        if state.as_ref().is_some_and(|s| s.finished(target)) {
            let mut row = read_only(target, &scripts);
            row.outcome = Outcome::DoneBefore;
            rows[i] = Some(row);
        } else {
            todo.push(i);
        }
    }
    if let Some(state) = &state {
        state.save()?;
    }
    let skipped = total - todo.len();
    eprintln!(
        "{} --fleet: {} target(s){}, {jobs} at a time",
        command_words(&cli.command),
        todo.len(),
        if skipped > 0 {
            format!(" ({skipped} finished before, skipped)")
        } else {
            String::new()
        }
    );
    let mut finished = skipped;
    let mut record = |i: usize, row: Row, state: &mut Option<state::State>| -> anyhow::Result<()> {
        finished += 1;
        eprintln!("{}", report::progress(finished, total, &row, shape));
        if row.outcome.succeeded() {
            if let Some(state) = state {
                state.record(&targets[i])?;
            }
        }
        rows[i] = Some(row);
        Ok(())
    };
    // An interruption (on a terminal, every child gets it too, and ends as a single run would)
    // starts no new target: the ones running finish and are recorded, and the table is printed.
    let interrupted = Arc::new(AtomicBool::new(false));
    for signal in signal_hook::consts::TERM_SIGNALS {
        // A second one ends the fleet run at once (exit 1), as a single run's would.
        signal_hook::flag::register_conditional_shutdown(*signal, 1, Arc::clone(&interrupted))?;
        signal_hook::flag::register(*signal, Arc::clone(&interrupted))?;
    }
    let stop = AtomicBool::new(false);
    if canary && !todo.is_empty() {
        let first = todo.remove(0);
        let row = work(
            cli,
            settings,
            &scripts,
            &targets[first],
            args.as_deref(),
            true,
        );
        let failed = !row.outcome.succeeded();
        record(first, row, &mut state)?;
        if failed {
            stop.store(true, Ordering::SeqCst);
        }
    }
    let canary_failed = stop.load(Ordering::SeqCst);
    let next = AtomicUsize::new(0);
    let fail_fast = fleet.fail_fast;
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let (sender, receiver) = mpsc::channel::<(usize, Row)>();
        for _ in 0..usize::from(jobs).min(todo.len()) {
            let sender = sender.clone();
            let (todo, next, stop, targets, scripts) = (&todo, &next, &stop, &targets, &scripts);
            let interrupted = &*interrupted;
            let args = args.as_deref();
            scope.spawn(move || loop {
                if stop.load(Ordering::SeqCst) || interrupted.load(Ordering::SeqCst) {
                    break;
                }
                let Some(&i) = todo.get(next.fetch_add(1, Ordering::SeqCst)) else {
                    break;
                };
                let row = work(cli, settings, scripts, &targets[i], args, false);
                if fail_fast && !row.outcome.succeeded() {
                    stop.store(true, Ordering::SeqCst);
                }
                if sender.send((i, row)).is_err() {
                    break;
                }
            });
        }
        drop(sender);
        for (i, row) in receiver {
            record(i, row, &mut state)?;
        }
        Ok(())
    })?;
    let not_run = if canary_failed {
        Outcome::NotRunCanary
    } else if interrupted.load(Ordering::SeqCst) {
        Outcome::NotRunInterrupted
    } else {
        Outcome::NotRunFailFast
    };
    let rows: Vec<Row> = rows
        .into_iter()
        .zip(&targets)
        .map(|(row, target)| row.unwrap_or_else(|| Row::not_run(&target.label, not_run)))
        .collect();
    report::table(out, &rows, shape)?;
    if let Some(state) = &state {
        if rows.iter().all(|r| r.outcome.succeeded()) {
            state.remove()?;
        } else {
            eprintln!(
                "note: `{}` goes on with the targets that did not finish ({} records the others)",
                retort::invocation::command(&format!(
                    "{} --fleet --resume",
                    command_words(&cli.command)
                )),
                retort::shown::path(state.path())
            );
        }
    }
    Ok(exit_code(&rows, needs_head))
}

/// The exit code of a fleet run: see the module documentation.
fn exit_code(rows: &[Row], needs_head: bool) -> u8 {
    if rows
        .iter()
        .any(|r| !r.outcome.succeeded() && r.outcome != Outcome::Differs)
    {
        2
    } else if rows.iter().any(|r| r.outcome == Outcome::Differs)
        || (needs_head && rows.iter().any(|r| !r.at_head))
    {
        1
    } else {
        0
    }
}

/// The command as the state file records it: `upgrade head`, `downgrade -1`.
fn command_words(command: &Command) -> String {
    match command {
        Command::Upgrade { target, .. } => format!("upgrade {target}"),
        Command::Downgrade { target, .. } => format!("downgrade {target}"),
        Command::Check(_) => "check".into(),
        _ => "current".into(),
    }
}

/// A row that only reads where `target` is.
fn read_only(target: &Target, scripts: &ScriptDirectory) -> Row {
    let start = std::time::Instant::now();
    let mut row = Row::not_run(&target.label, Outcome::Ok);
    match child::position(target, scripts) {
        Ok(position) => {
            row.before.clone_from(&position.text);
            row.after = position.text;
            row.at_head = position.at_head;
        }
        Err(e) => {
            row.before = "?".into();
            row.after = "?".into();
            row.outcome = Outcome::Failed;
            row.detail.push(e);
        }
    }
    row.elapsed = start.elapsed();
    row
}

/// One target's command (`None`: `current`, which only reads): the position before, the
/// child, the position after. The canary is also checked.
fn work(
    cli: &Cli,
    settings: &Settings,
    scripts: &ScriptDirectory,
    target: &Target,
    args: Option<&[String]>,
    canary: bool,
) -> Row {
    let mut row = read_only(target, scripts);
    let Some(args) = args else {
        return row;
    };
    let done = child::run(cli, settings, target, args);
    row.elapsed = done.elapsed;
    row.outcome = match done.code {
        0 => Outcome::Ok,
        1 => Outcome::Differs,
        _ => Outcome::Failed,
    };
    row.detail = match row.outcome {
        Outcome::Differs => done.stdout.lines().map(str::to_owned).collect(),
        _ => done.errors,
    };
    if canary && row.outcome == Outcome::Ok {
        let check = child::run(
            cli,
            settings,
            target,
            &child::canary_check_args(&cli.command),
        );
        row.elapsed += check.elapsed;
        if check.code == 0 {
            row.outcome = Outcome::Canary;
        } else {
            row.outcome = Outcome::Failed;
            row.detail = std::iter::once("the canary's check failed:".to_owned())
                .chain(check.errors)
                .chain(check.stdout.lines().map(str::to_owned))
                .collect();
        }
    }
    if let Ok(after) = child::position(target, scripts) {
        row.after = after.text;
        row.at_head = after.at_head;
    }
    row
}
