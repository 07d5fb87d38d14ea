//! `hook install`: a git pre-commit hook that runs `check` and blocks the commit when it fails;
//! `hook uninstall` removes it.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};

use crate::GlobalOpts;

/// The line that marks a hook as Retort's (so it may be replaced without --force).
const MARKER: &str = "# retort-pre-commit-hook";

/// The line of Retort's hook that says `install` moved another hook aside to `pre-commit.orig`
/// (so `uninstall` puts it back).
const KEPT_ORIGINAL: &str = "# retort-kept-original: pre-commit.orig";

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Write a git pre-commit hook that runs `check --shadow` and blocks the commit when it
    /// fails (in the hooks directory git uses: core.hooksPath or .git/hooks)
    Install(InstallArgs),
    /// Remove the pre-commit hook `hook install` wrote, restoring the hook it had moved aside
    /// (pre-commit.orig)
    Uninstall,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// The command the hook runs, followed by `check`, as shell text (e.g.
    /// "cargo run -q -p my-migrations --") [default: `cargo run --quiet` of this executable's
    /// package when it was built from the Cargo workspace here, else its absolute path]
    #[arg(long, value_name = "CMD")]
    pub command: Option<String>,
    /// Run plain `check` (against the configured database) instead of `check --shadow`
    #[arg(long)]
    pub no_shadow: bool,
    /// Replace an existing pre-commit hook that Retort did not write
    #[arg(long)]
    pub force: bool,
}

pub(crate) fn run(
    global: &GlobalOpts,
    command: &HookCommand,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    match command {
        HookCommand::Install(args) => install(global, args, out),
        HookCommand::Uninstall => uninstall(out),
    }
}

fn install(global: &GlobalOpts, args: &InstallArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let (_, prefix) = crate::git::repository_of(&cwd)?;
    let hooks_dir = crate::git::hooks_dir(&cwd)?;
    let hook = hooks_dir.join("pre-commit");

    let program = match &args.command {
        Some(command) if command.trim().is_empty() => {
            bail!("--command is empty: give the command that runs Retort, e.g. --command \"cargo run -q -p <package of your retort binary> --\"")
        }
        Some(command) => command.trim().to_owned(),
        None => match crate::cargo_package::of_current_exe(&cwd) {
            // Rebuilt from the working tree at every commit: it checks the models as they are.
            Some(found) => format!(
                "cargo run --quiet -p {} --bin {} --",
                shell_quote(&found.package),
                shell_quote(&found.bin)
            ),
            None => {
                let exe = std::env::current_exe()
                    .context("cannot find the path of this executable; pass --command")?;
                writeln!(
                    out,
                    "note: {} was not built from a Cargo workspace here, so the hook runs it as \
                     it is: it does not see model changes until it is rebuilt. To check the \
                     models of the working tree, pass --command \"cargo run -q -p <package of \
                     your retort binary> --\"",
                    retort::shown::path(&exe)
                )?;
                shell_quote(&exe.to_string_lossy())
            }
        },
    };
    let mut check = vec![program, "check".to_owned()];
    if !args.no_shadow {
        check.push("--shadow".to_owned());
    }
    // The options given explicitly to `hook install` apply to the hook's `check` too. A database
    // URL with a password is not written into the hook: Retort.toml or DATABASE_URL must give it.
    if let Some(url) = &global.database_url {
        if crate::authoring::has_password(url) {
            writeln!(
                out,
                "note: the hook does not record the database URL (it holds a password); set \
                 DATABASE_URL or database_url in Retort.toml where `git commit` runs"
            )?;
        } else {
            check.push(format!("--database-url {}", shell_quote(url)));
        }
    }
    if let Some(config) = &global.config {
        check.push(format!(
            "--config {}",
            shell_quote(&config.to_string_lossy())
        ));
    }
    if let Some(dir) = &global.migrations_dir {
        check.push(format!(
            "--migrations-dir {}",
            shell_quote(&dir.to_string_lossy())
        ));
    }
    if let Some(schema) = &global.schema {
        check.push(format!("--schema {}", shell_quote(schema)));
    }
    let check = check.join(" ");

    let existing = std::fs::read_to_string(&hook).ok();
    let foreign = hook.exists()
        && !existing
            .as_deref()
            .is_some_and(|text| text.contains(MARKER));
    // Re-installing over Retort's own hook keeps the record of a hook moved aside before.
    let kept_original = foreign
        || existing
            .as_deref()
            .is_some_and(|text| text.contains(KEPT_ORIGINAL));
    if foreign && !args.force {
        bail!(
            "{} already exists and was not written by Retort; pass --force to replace it (it is \
             kept as pre-commit.orig), or add `{check}` to it yourself",
            retort::shown::path(&hook)
        );
    }
    if foreign {
        let backup = hooks_dir.join("pre-commit.orig");
        std::fs::rename(&hook, &backup).with_context(|| {
            format!(
                "cannot move {} to {}",
                retort::shown::path(&hook),
                retort::shown::path(&backup)
            )
        })?;
        writeln!(
            out,
            "Moved the existing hook to {}",
            retort::shown::path(&backup)
        )?;
    }
    std::fs::create_dir_all(&hooks_dir)
        .with_context(|| format!("cannot create {}", retort::shown::path(&hooks_dir)))?;
    let script = script(&prefix, &check, kept_original);
    std::fs::write(&hook, script)
        .with_context(|| format!("cannot write {}", retort::shown::path(&hook)))?;
    make_executable(&hook)?;
    writeln!(
        out,
        "Installed the pre-commit hook {}: every commit runs `{check}` and is blocked when it fails \
         (`git commit --no-verify` skips it once)",
        retort::shown::path(&hook)
    )?;
    Ok(0)
}

/// `hook uninstall`: removes Retort's hook, and puts back the hook `install` moved aside.
fn uninstall(out: &mut dyn Write) -> anyhow::Result<u8> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    crate::git::repository_of(&cwd)?;
    let hooks_dir = crate::git::hooks_dir(&cwd)?;
    let hook = hooks_dir.join("pre-commit");
    let Ok(text) = std::fs::read_to_string(&hook) else {
        if hook.exists() {
            bail!("cannot read {}", retort::shown::path(&hook));
        }
        writeln!(
            out,
            "No pre-commit hook in {}: nothing to remove",
            retort::shown::path(&hooks_dir)
        )?;
        return Ok(0);
    };
    if !text.contains(MARKER) {
        bail!(
            "{} was not written by Retort; it is left as it is (remove it yourself if you mean to)",
            retort::shown::path(&hook)
        );
    }
    std::fs::remove_file(&hook)
        .with_context(|| format!("cannot remove {}", retort::shown::path(&hook)))?;
    writeln!(
        out,
        "Removed the pre-commit hook {}",
        retort::shown::path(&hook)
    )?;
    let original = hooks_dir.join("pre-commit.orig");
    if text.contains(KEPT_ORIGINAL) && original.exists() {
        std::fs::rename(&original, &hook).with_context(|| {
            format!(
                "cannot move {} back to {}",
                retort::shown::path(&original),
                retort::shown::path(&hook)
            )
        })?;
        writeln!(
            out,
            "Restored the hook it had replaced, {}",
            retort::shown::path(&hook)
        )?;
    }
    Ok(0)
}

/// The hook: runs `check` from the directory `hook install` ran in (`prefix`, relative to the
/// repository root) and prints its output only when it fails. `kept_original`: install moved
/// another hook to pre-commit.orig, which `uninstall` restores.
fn script(prefix: &str, check: &str, kept_original: bool) -> String {
    let dir = if prefix.is_empty() {
        "\"$(git rev-parse --show-toplevel)\"".to_owned()
    } else {
        format!(
            "\"$(git rev-parse --show-toplevel)\"/{}",
            shell_quote(prefix.trim_end_matches('/'))
        )
    };
    let install = retort::invocation::command("hook install");
    let name = retort::invocation::command_name();
    let uninstall = retort::invocation::command("hook uninstall");
    let kept = if kept_original {
        format!("{KEPT_ORIGINAL}\n")
    } else {
        String::new()
    };
    format!(
        "#!/bin/sh\n\
         {MARKER}\n\
         {kept}\
         # Written by `{install}`: blocks a commit when `{name} check` fails.\n\
         # Re-run `{install}` to update it; `{uninstall}` removes it;\n\
         # `git commit --no-verify` skips it once. It checks the working tree, not only what is staged.\n\
         cd {dir} || exit 1\n\
         output=$({check} 2>&1)\n\
         status=$?\n\
         if [ \"$status\" -ne 0 ]; then\n\
         \tprintf '%s\\n' \"$output\" >&2\n\
         \techo \"retort: commit blocked: \\`check\\` exited with $status (1: models, migrations and database differ; 2: error).\" >&2\n\
         \texit 1\n\
         fi\n\
         exit 0\n"
    )
}

/// Single-quotes `s` for a POSIX shell when it needs quoting.
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", retort::shown::path(path)))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(shell_quote("/usr/bin/retort"), "/usr/bin/retort");
        assert_eq!(shell_quote("/a b/it's"), "'/a b/it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn the_script_changes_directory_and_runs_check() {
        let s = script("app/", "/bin/retort check --shadow", false);
        assert!(s.starts_with("#!/bin/sh\n"), "{s}");
        assert!(s.contains(MARKER), "{s}");
        assert!(
            s.contains("cd \"$(git rev-parse --show-toplevel)\"/app || exit 1"),
            "{s}"
        );
        assert!(
            s.contains("output=$(/bin/retort check --shadow 2>&1)"),
            "{s}"
        );
    }
}
