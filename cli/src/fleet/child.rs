//! One target's work: its position read in-process before and after (a read, no lock), and the
//! command itself run by this very binary as a child process, with the target's URL in its
//! `DATABASE_URL` (never on its command line, where `ps` would show the password).

use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use retort::db::{Connection, DbError, OpenOptions};
use retort::runner;
use retort::script::ScriptDirectory;

use super::targets::Target;
use crate::{Cli, Command};

/// Where a target is: the revisions it is at, as the summary shows them.
#[derive(Debug, Clone)]
pub(crate) struct Position {
    pub(crate) text: String,
    pub(crate) at_head: bool,
}

/// Reads where `target` is, without creating anything (a missing SQLite file is `no
/// database`). The error is one line, ready to show.
pub(crate) fn position(target: &Target, scripts: &ScriptDirectory) -> Result<Position, String> {
    let read = || -> anyhow::Result<Position> {
        let url = target.url.parse()?;
        let options = OpenOptions {
            create: false,
            schema: target.schema.clone(),
            ..OpenOptions::default()
        };
        let mut conn = match Connection::open_with(&url, &options) {
            Ok(conn) => conn,
            Err(DbError::MissingFile { .. }) => {
                return Ok(Position {
                    text: "no database".into(),
                    at_head: false,
                })
            }
            Err(e) => return Err(e.into()),
        };
        let applied = runner::applied(&mut conn, scripts)?;
        let graph = scripts.graph_for(&applied);
        let mut heads = graph.heads();
        let mut current = graph.current_heads(&applied);
        heads.sort_unstable();
        current.sort_unstable();
        let partly = runner::partly_run(&mut conn, scripts)?;
        let mut text = if current.is_empty() {
            "base".to_owned()
        } else {
            current.join(", ")
        };
        for (id, row) in &partly {
            let state = match row.direction {
                runner::Direction::Upgrade => "partly applied",
                runner::Direction::Downgrade => "partly reverted",
            };
            text.push_str(&format!(" ({id} {state})"));
        }
        Ok(Position {
            at_head: partly.is_empty() && current == heads,
            text,
        })
    };
    read().map_err(|e| {
        let message = crate::one_line(&e);
        retort::redact::scrub(&message, &target.url)
    })
}

/// How a child process ended.
#[derive(Debug)]
pub(crate) struct Finished {
    /// Its exit code (2 when it could not start or was killed by a signal).
    pub(crate) code: u8,
    pub(crate) stdout: String,
    /// Its error lines, without the `error: ` prefix (or why it could not run).
    pub(crate) errors: Vec<String>,
    pub(crate) elapsed: Duration,
}

/// Runs `args` (a command as [`child_args`] builds it) on `target` with this binary.
pub(crate) fn run(
    cli: &Cli,
    settings: &crate::Settings,
    target: &Target,
    args: &[String],
) -> Finished {
    let start = Instant::now();
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            return Finished {
                code: 2,
                stdout: String::new(),
                errors: vec![format!(
                    "cannot find this program's own file to run it: {e}"
                )],
                elapsed: start.elapsed(),
            }
        }
    };
    let mut child = Process::new(exe);
    if let Some(config) = &cli.global.config {
        child.arg("--config").arg(config);
    }
    child
        .arg("--migrations-dir")
        .arg(&settings.migrations_dir)
        .arg("--lock-wait")
        .arg(settings.run.lock_wait.as_secs().to_string())
        .arg("--color")
        .arg("never");
    if let Some(schema) = &target.schema {
        child.arg("--schema").arg(schema);
    }
    child
        .args(args)
        .env("DATABASE_URL", &target.url)
        .stdin(Stdio::null());
    match child.output() {
        Ok(output) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let mut errors: Vec<String> = stderr
                .lines()
                .filter_map(|l| l.strip_prefix("error: "))
                .map(|l| retort::redact::scrub(l, &target.url))
                .collect();
            let code = output.status.code().map_or(2, |c| c.clamp(0, 255) as u8);
            if code == 2 && errors.is_empty() {
                errors.push(match output.status.code() {
                    Some(c) => format!("exited with {c}: {}", last_line(&stderr)),
                    None => format!("ended by a signal ({})", output.status),
                });
            }
            Finished {
                code,
                stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                errors,
                elapsed: start.elapsed(),
            }
        }
        Err(e) => Finished {
            code: 2,
            stdout: String::new(),
            errors: vec![format!("could not start: {e}")],
            elapsed: start.elapsed(),
        },
    }
}

fn last_line(text: &str) -> String {
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    retort::shown::line(line.trim()).into_owned()
}

/// The command line (after the global options) a child runs for `command`: the same command
/// and options, less `--fleet` and its own. `None` for `current`, which reads in-process only.
pub(crate) fn child_args(command: &Command) -> Option<Vec<String>> {
    let mut args: Vec<String> = Vec::new();
    let lock_options = |args: &mut Vec<String>| {
        if let Some(limit) = command.lock_timeout() {
            args.push("--lock-timeout".into());
            args.push(format!("{}ms", limit.as_millis()));
        }
        if let Some(retries) = command.lock_retries() {
            args.push("--lock-retries".into());
            args.push(retries.to_string());
        }
        if command.allow_edited() {
            args.push("--allow-edited".into());
        }
    };
    match command {
        Command::Upgrade {
            target,
            no_rehearsal,
            ..
        } => {
            args.push("upgrade".into());
            lock_options(&mut args);
            if *no_rehearsal {
                args.push("--no-rehearsal".into());
            }
            args.extend(["--".into(), target.clone()]);
        }
        Command::Downgrade { target, yes, .. } => {
            args.push("downgrade".into());
            lock_options(&mut args);
            if *yes {
                args.push("--yes".into());
            }
            args.extend(["--".into(), target.clone()]);
        }
        Command::Check(check) => {
            args.push("check".into());
            lock_options(&mut args);
            for glob in &check.ignore.globs {
                args.extend(["--ignore".into(), glob.clone()]);
            }
        }
        _ => return None,
    }
    Some(args)
}

/// The `check` a canary runs after its upgrade.
pub(crate) fn canary_check_args(command: &Command) -> Vec<String> {
    let mut args = vec!["check".to_owned()];
    if command.allow_edited() {
        args.push("--allow-edited".into());
    }
    args
}
