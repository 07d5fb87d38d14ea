//! The name the user runs Retort by, for messages that tell them to run a command.
//!
//! Retort runs as a binary of the user's own (`myapp-migrate`, or `retort` in Retort's
//! repository), so "run `retort upgrade head`" would name a program that may not exist. The CLI
//! sets the name of the running executable once, at start-up, and every message that names a
//! command uses [`command`]. Without it (a library caller, a `cargo test` of the user's) the
//! name is `retort`.

use std::sync::RwLock;

static NAME: RwLock<String> = RwLock::new(String::new());

/// The name messages give the Retort binary when none was set.
pub const DEFAULT_COMMAND_NAME: &str = "retort";

/// Sets the name of the Retort binary, as the user typed it (the file name of the first
/// argument, e.g. `myapp-migrate`). An empty name restores the default.
pub fn set_command_name(name: &str) {
    let mut slot = NAME.write().unwrap_or_else(|e| e.into_inner());
    name.clone_into(&mut slot);
}

/// The name of the Retort binary: the one set by [`set_command_name`], else `retort`.
pub fn command_name() -> String {
    let name = NAME.read().unwrap_or_else(|e| e.into_inner());
    if name.is_empty() {
        DEFAULT_COMMAND_NAME.to_owned()
    } else {
        name.clone()
    }
}

/// Whether a binary set its name (false in a library caller or a test).
pub fn is_set() -> bool {
    !NAME.read().unwrap_or_else(|e| e.into_inner()).is_empty()
}

/// A command line for a message: `args` after the binary's name, e.g. `command("upgrade head")`
/// is `myapp-migrate upgrade head`.
pub fn command(args: &str) -> String {
    format!("{} {args}", command_name())
}

/// The binary's name from the first argument of a process (`/usr/bin/myapp-migrate` or
/// `target\debug\myapp-migrate.exe` give `myapp-migrate`); `None` when it has no usable name.
pub fn name_from_arg0(arg0: &std::ffi::OsStr) -> Option<String> {
    let name = std::path::Path::new(arg0).file_name()?.to_str()?;
    let suffix = std::env::consts::EXE_SUFFIX;
    let name = match name.strip_suffix(suffix) {
        Some(stem) if !suffix.is_empty() && !stem.is_empty() => stem,
        _ => name,
    };
    // A name messages (and the pre-commit hook's comments) can quote as it is.
    (!name.is_empty() && !name.chars().any(char::is_control)).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_the_file_name_of_the_first_argument() {
        assert_eq!(
            name_from_arg0("/usr/local/bin/myapp-migrate".as_ref()).as_deref(),
            Some("myapp-migrate")
        );
        assert_eq!(name_from_arg0("retort".as_ref()).as_deref(), Some("retort"));
        assert_eq!(name_from_arg0("".as_ref()), None);
        assert_eq!(name_from_arg0("/".as_ref()), None);
        assert_eq!(name_from_arg0("evil\nrm -rf".as_ref()), None);
    }
}
