//! Running git, for `check --since` and `hook install`: one place builds the command, reports a
//! missing git or a directory outside any repository, and captures the output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{bail, Context};

/// Runs `git ARGS` in `dir` (pathspecs taken literally), feeding it `stdin` when given, and
/// returns its output whatever its exit status. The error says how to get git when it is missing.
pub(crate) fn run(dir: &Path, args: &[&str], stdin: Option<&str>) -> anyhow::Result<Output> {
    let mut command = Command::new("git");
    command
        .arg("--literal-pathspecs")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .context("cannot run `git` (is it installed and on PATH?)")?;
    // Written from another thread: git may fill its output pipe before it has read all its
    // input, and would wait for us while we wait for it.
    let writer = match (stdin, child.stdin.take()) {
        (Some(input), Some(mut pipe)) => {
            let input = input.to_owned();
            Some(std::thread::spawn(move || pipe.write_all(input.as_bytes())))
        }
        _ => None,
    };
    let output = child.wait_with_output().context("cannot run `git`")?;
    if let Some(writer) = writer {
        writer
            .join()
            .map_err(|_| anyhow::anyhow!("cannot write to `git`"))?
            .context("cannot write to `git`")?;
    }
    Ok(output)
}

/// Runs git like [`run`] and returns its standard output; a failure is an error that starts
/// with `what` (e.g. "cannot list migrations at origin/main") and quotes git's first line.
pub(crate) fn stdout(
    dir: &Path,
    args: &[&str],
    stdin: Option<&str>,
    what: impl FnOnce() -> String,
) -> anyhow::Result<String> {
    let output = run(dir, args, stdin)?;
    if !output.status.success() {
        bail!("{}: {}", what(), first_line(&output.stderr));
    }
    String::from_utf8(output.stdout).context("git printed non-UTF-8 output")
}

/// The first line of git's output, trimmed (its error messages are one line worth quoting).
pub(crate) fn first_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_owned()
}

/// The repository holding `dir`: its top-level directory and `dir` relative to it (`""` or
/// ending in `/`). A directory outside any repository is an error saying so.
pub(crate) fn repository_of(dir: &Path) -> anyhow::Result<(PathBuf, String)> {
    let output = run(
        dir,
        &["rev-parse", "--show-toplevel", "--show-prefix"],
        None,
    )?;
    if !output.status.success() {
        bail!(
            "{} is not in a git repository ({}); run this in a git clone",
            retort::shown::path(dir),
            first_line(&output.stderr)
        );
    }
    let text = String::from_utf8(output.stdout).context("git printed a non-UTF-8 path")?;
    let mut lines = text.lines();
    let top = lines.next().unwrap_or_default();
    let prefix = lines.next().unwrap_or_default();
    Ok((PathBuf::from(top), prefix.to_owned()))
}

/// The hooks directory git uses for the repository at `dir`: `core.hooksPath` when set, else
/// `.git/hooks` (of the main repository, also from a linked worktree).
pub(crate) fn hooks_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    let path = stdout(dir, &["rev-parse", "--git-path", "hooks"], None, || {
        format!(
            "cannot find the git hooks directory of {}",
            retort::shown::path(dir)
        )
    })?;
    // From a subdirectory git answers relative to it (`../.git/hooks`): printed paths read
    // better without the `..`.
    Ok(normalize(&dir.join(path.trim_end_matches(['\n', '\r']))))
}

/// `path` with `.` and `name/..` removed, without asking the file system. Sound for the paths
/// here: `dir` comes from the current directory, which the system gives without symbolic
/// links, and git's relative answer climbs only out of it.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // Above the root is the root.
                Some(Component::RootDir) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_removes_dot_and_dot_dot() {
        assert_eq!(
            normalize(Path::new("/r/sub/deeper/../../.git/./hooks")),
            Path::new("/r/.git/hooks")
        );
        assert_eq!(
            normalize(Path::new("/r/.git/hooks")),
            Path::new("/r/.git/hooks")
        );
        assert_eq!(normalize(Path::new("/../x")), Path::new("/x"));
        assert_eq!(normalize(Path::new("../x")), Path::new("../x"));
    }

    #[test]
    fn large_input_does_not_deadlock() {
        // More than a pipe buffer in and out: `git hash-object --stdin-paths` on many paths
        // would block if the input were written before the output is read. Outside a
        // repository git still hashes files, so a temporary directory will do.
        let dir = std::env::temp_dir();
        let Ok(probe) = run(&dir, &["--version"], None) else {
            return; // no git here; the integration tests say so
        };
        assert!(probe.status.success());
        let file = dir.join(format!("retort-git-test-{}", std::process::id()));
        std::fs::write(&file, "x").unwrap();
        let input: String = (0..5000).map(|_| format!("{}\n", file.display())).collect();
        let out = stdout(
            &dir,
            &["hash-object", "--stdin-paths"],
            Some(&input),
            || "hash".to_owned(),
        );
        std::fs::remove_file(&file).unwrap();
        assert_eq!(out.unwrap().lines().count(), 5000);
    }
}
