//! `--resume`: the state file of `upgrade --fleet` and `downgrade --fleet`. A run records the
//! command (`upgrade head`) and the key of each target it finished ([`Target::key`], a hash:
//! no URL or password is written), rewriting the file (atomically) as each one finishes; a run
//! where every target finished removes it. `--resume` skips the targets it lists when it
//! recorded the same command, so a relative `downgrade -1` is never applied twice.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};

use super::targets::Target;

/// The file's contents.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Recorded {
    /// The command, as `upgrade head`.
    command: String,
    /// Keys of the targets that finished.
    done: BTreeSet<String>,
}

/// The state of one run.
pub(crate) struct State {
    path: PathBuf,
    recorded: Recorded,
}

/// The default state file: `.retort-fleet.json` next to Retort.toml.
pub(crate) fn default_path(config: &Path) -> PathBuf {
    config
        .parent()
        .unwrap_or(Path::new(""))
        .join(".retort-fleet.json")
}

impl State {
    /// The state of a run of `command`. With `resume`, what the previous run finished (nothing
    /// when there is no file: that run finished every target, or none ran); without, a fresh
    /// start.
    pub(crate) fn open(path: PathBuf, command: &str, resume: bool) -> anyhow::Result<State> {
        let fresh = Recorded {
            command: command.to_owned(),
            done: BTreeSet::new(),
        };
        if !resume || !path.exists() {
            if resume {
                eprintln!(
                    "note: no unfinished fleet run is recorded in {}: running every target",
                    retort::shown::path(&path)
                );
            }
            return Ok(State {
                path,
                recorded: fresh,
            });
        }
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read the fleet state file {}",
                retort::shown::path(&path)
            )
        })?;
        let recorded: Recorded = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "the fleet state file {} is not one Retort wrote ({e}); remove it and run without \
                 --resume",
                retort::shown::path(&path)
            )
        })?;
        if recorded.command != command {
            bail!(
                "the unfinished fleet run recorded in {} was `{}`, not `{command}`: resume it with \
                 that command and --resume, or run without --resume to start over",
                retort::shown::path(&path),
                retort::shown::line(&recorded.command)
            );
        }
        Ok(State { path, recorded })
    }

    /// Whether the previous run finished `target`.
    pub(crate) fn finished(&self, target: &Target) -> bool {
        self.recorded.done.contains(&target.key())
    }

    /// Records that `target` finished, on disk.
    pub(crate) fn record(&mut self, target: &Target) -> anyhow::Result<()> {
        self.recorded.done.insert(target.key());
        self.save()
    }

    /// Writes the file (a new file renamed over the old one: never half written).
    pub(crate) fn save(&self) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(&self.recorded)?;
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, text + "\n")
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .with_context(|| {
                format!(
                    "cannot write the fleet state file {}",
                    retort::shown::path(&self.path)
                )
            })
    }

    /// The run finished every target: nothing to resume.
    pub(crate) fn remove(&self) -> anyhow::Result<()> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).with_context(|| {
                format!(
                    "cannot remove the fleet state file {}",
                    retort::shown::path(&self.path)
                )
            }),
            _ => Ok(()),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}
