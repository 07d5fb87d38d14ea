//! What `check` verifies before it looks at any database: the migrations directory is well formed
//! (every violation at once), and with `--since GIT_REF`, no migration that exists at that git
//! revision was edited, renamed or removed in the working tree.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;
use retort::invocation::command;
use retort::script::source::{parse_dir_name, REVISION_FILES};

use crate::git;
use crate::Settings;

/// The team-workflow options of `check`.
#[derive(Debug, Args)]
pub struct SinceArgs {
    /// Fail (exit 1) when a migration that exists at this git revision (`origin/main`, `HEAD~3`)
    /// was edited, renamed or removed in the working tree; new migrations are fine
    #[arg(long, value_name = "GIT_REF")]
    pub since: Option<String>,
}

/// Runs before the rest of `check`, before any database is opened: `Some(code)` stops it with
/// that exit code. With `--since`, the changed migrations are listed first (exit 1), then the
/// directory is validated: its problems are an error (exit 2) that lists every one.
pub(crate) fn before_check(
    settings: &Settings,
    args: &SinceArgs,
    out: &mut dyn Write,
) -> anyhow::Result<Option<u8>> {
    let dir = &settings.migrations_dir;
    let changed = match &args.since {
        Some(git_ref) => report_changes(dir, git_ref, out)?,
        None => false,
    };
    let violations = retort::script::validate(dir)?;
    if !violations.is_empty() {
        out.flush()?;
        let mut message = format!(
            "the migrations directory {} has {} problem(s):",
            dir.display(),
            violations.len()
        );
        for v in &violations {
            message.push_str(&format!("\n  {v}"));
        }
        bail!(message);
    }
    Ok(changed.then_some(1))
}

/// Prints what changed since `git_ref`; true when something did.
fn report_changes(dir: &Path, git_ref: &str, out: &mut dyn Write) -> anyhow::Result<bool> {
    let changes = changed_since(dir, git_ref)?;
    if changes.is_empty() {
        writeln!(
            out,
            "No migration that exists at {git_ref} was changed, renamed or removed"
        )?;
        return Ok(false);
    }
    writeln!(
        out,
        "{} migration(s) that exist at {git_ref} were changed; merged migrations must never change:",
        changes.len()
    )?;
    for change in &changes {
        writeln!(out, "  {change}")?;
    }
    writeln!(
        out,
        "Restore them (`git checkout {git_ref} -- {}`) and put the change in a new migration \
         (`{}` or `{}`).",
        dir.display(),
        command("revision -m \"...\""),
        command("autogenerate -m \"...\"")
    )?;
    Ok(true)
}

/// One way a migration that exists at the git revision differs in the working tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    /// The revision directory or file, as a path under the migrations directory the user gave.
    pub path: PathBuf,
    pub what: String,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.what)
    }
}

/// Every way the migrations at `git_ref` differ from the working tree of `dir`, sorted by path.
pub(crate) fn changed_since(dir: &Path, git_ref: &str) -> anyhow::Result<Vec<Change>> {
    if !dir.is_dir() {
        bail!(
            "migrations directory {} does not exist; run `{}` or pass --migrations-dir",
            dir.display(),
            command("init")
        );
    }
    let (top, prefix) = git::repository_of(dir)?;
    if git_ref.starts_with('-') || git_ref.is_empty() {
        bail!("invalid git revision `{git_ref}` for --since: expected a branch, tag or commit");
    }
    let commit = git::run(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{git_ref}^{{commit}}"),
        ],
        None,
    )?;
    if !commit.status.success() {
        bail!(
            "unknown git revision `{git_ref}` in {}: no such branch, tag or commit; fetch it \
             (`git fetch`) or name an existing one",
            top.display()
        );
    }
    let commit = String::from_utf8_lossy(&commit.stdout).trim().to_owned();

    // The migrations at the revision: directory name -> file name -> blob id.
    let pathspec = if prefix.is_empty() { "." } else { &prefix };
    let tree = git::stdout(
        &top,
        &["ls-tree", "-r", "-z", &commit, "--", pathspec],
        None,
        || format!("cannot list {} at {git_ref}", dir.display()),
    )?;
    let mut at_ref: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for entry in tree.split('\0').filter(|e| !e.is_empty()) {
        let Some((info, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut info = info.split(' ');
        let (Some(_mode), Some("blob"), Some(id)) = (info.next(), info.next(), info.next()) else {
            continue;
        };
        let Some(rel) = path.strip_prefix(prefix.as_str()) else {
            continue;
        };
        // Top-level files and hidden entries are not migrations.
        let Some((name, file)) = rel.split_once('/') else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        at_ref
            .entry(name.to_owned())
            .or_default()
            .insert(file.to_owned(), id.to_owned());
    }

    // The working tree: revision id -> directory names, for renames.
    let on_disk = top.join(&prefix);
    let mut by_revision: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in
        std::fs::read_dir(&on_disk).with_context(|| format!("cannot read {}", dir.display()))?
    {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Ok((_, rev)) = parse_dir_name(&name) {
            by_revision.entry(rev.to_owned()).or_default().push(name);
        }
    }

    let mut changes = Vec::new();
    let mut to_hash: Vec<(String, String, String)> = Vec::new(); // (top-relative path, dir, file)
    for (name, files) in &at_ref {
        if on_disk.join(name).is_dir() {
            for file in files.keys() {
                let path = on_disk.join(name).join(file);
                if path.is_file() {
                    to_hash.push((format!("{prefix}{name}/{file}"), name.clone(), file.clone()));
                } else {
                    changes.push(Change {
                        path: dir.join(name).join(file),
                        what: "removed".to_owned(),
                    });
                }
            }
            for file in REVISION_FILES {
                if !files.contains_key(file) && on_disk.join(name).join(file).is_file() {
                    changes.push(Change {
                        path: dir.join(name).join(file),
                        what: "added to an existing migration".to_owned(),
                    });
                }
            }
            continue;
        }
        let renamed = parse_dir_name(name)
            .ok()
            .and_then(|(_, rev)| by_revision.get(rev))
            .filter(|names| !names.is_empty());
        changes.push(Change {
            path: dir.join(name),
            what: match renamed {
                Some(names) => format!("renamed to {}", names.join(", ")),
                None => "removed".to_owned(),
            },
        });
    }
    if !to_hash.is_empty() {
        let input: String = to_hash.iter().map(|(p, _, _)| format!("{p}\n")).collect();
        let hashes = git::stdout(
            &top,
            &["hash-object", "--stdin-paths"],
            Some(&input),
            || format!("cannot hash the migrations in {}", dir.display()),
        )?;
        for ((_, name, file), hash) in to_hash.iter().zip(hashes.lines()) {
            if at_ref[name][file] != hash.trim() {
                changes.push(Change {
                    path: dir.join(name).join(file),
                    what: "edited".to_owned(),
                });
            }
        }
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(changes)
}
