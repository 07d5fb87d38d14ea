//! `hook install`: a git pre-commit hook that runs `check` and blocks the commit when it fails.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};

use crate::GlobalOpts;

/// The line that marks a hook as Retort's (so it may be replaced without --force).
const MARKER: &str = "# retort-pre-commit-hook";

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Write a git pre-commit hook that runs `check --shadow` and blocks the commit when it
    /// fails (in the hooks directory git uses: core.hooksPath or .git/hooks)
    Install(InstallArgs),
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// The command the hook runs, followed by `check`, as shell text (e.g.
    /// "cargo run -q -p my-migrations --") [default: this executable's absolute path]
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
        None => {
            let exe = std::env::current_exe()
                .context("cannot find the path of this executable; pass --command")?;
            shell_quote(&exe.to_string_lossy())
        }
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

    let foreign =
        hook.exists() && !std::fs::read_to_string(&hook).is_ok_and(|text| text.contains(MARKER));
    if foreign && !args.force {
        bail!(
            "{} already exists and was not written by Retort; pass --force to replace it (it is \
             kept as pre-commit.orig), or add `{check}` to it yourself",
            hook.display()
        );
    }
    if foreign {
        let backup = hooks_dir.join("pre-commit.orig");
        std::fs::rename(&hook, &backup)
            .with_context(|| format!("cannot move {} to {}", hook.display(), backup.display()))?;
        writeln!(out, "Moved the existing hook to {}", backup.display())?;
    }
    std::fs::create_dir_all(&hooks_dir)
        .with_context(|| format!("cannot create {}", hooks_dir.display()))?;
    let script = script(&prefix, &check);
    std::fs::write(&hook, script).with_context(|| format!("cannot write {}", hook.display()))?;
    make_executable(&hook)?;
    writeln!(
        out,
        "Installed the pre-commit hook {}: every commit runs `{check}` and is blocked when it fails \
         (`git commit --no-verify` skips it once)",
        hook.display()
    )?;
    Ok(0)
}

/// The hook: runs `check` from the directory `hook install` ran in (`prefix`, relative to the
/// repository root) and prints its output only when it fails.
fn script(prefix: &str, check: &str) -> String {
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
    format!(
        "#!/bin/sh\n\
         {MARKER}\n\
         # Written by `{install}`: blocks a commit when `{name} check` fails.\n\
         # Re-run `{install}` to update it; delete this file to remove it;\n\
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
        .with_context(|| format!("cannot make {} executable", path.display()))
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
        let s = script("app/", "/bin/retort check --shadow");
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
