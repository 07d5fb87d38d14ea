//! Which package of the Cargo workspace here builds the running executable, so the pre-commit
//! hook can run it through `cargo run` (rebuilt from the working tree at every commit) rather
//! than as a prebuilt binary, which goes stale when the models change.
//!
//! How: `cargo metadata --no-deps` in the directory `hook install` runs in lists the workspace's
//! packages with their targets and its target directory. The running executable belongs to the
//! workspace when it lies under that target directory, and its package is the one member with a
//! `bin` target of the executable's name. A library cannot know its caller's package at compile
//! time (`CARGO_PKG_NAME` is the library's own), and asking Cargo keeps renamed binaries
//! (`[[bin]] name = ...`), several binaries per package and custom target directories right.

use std::path::Path;
use std::process::{Command, Stdio};

/// The package and `bin` target that build the running executable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BinPackage {
    /// The package name (`cargo run -p`).
    pub(crate) package: String,
    /// The binary target name (`cargo run --bin`).
    pub(crate) bin: String,
}

/// The package of the running executable in the Cargo workspace of `dir`; `None` when there is
/// no such workspace or Cargo, or the executable was not built from it (an installed binary).
pub(crate) fn of_current_exe(dir: &Path) -> Option<BinPackage> {
    let exe = std::env::current_exe().ok()?.canonicalize().ok()?;
    let name = exe.file_name()?.to_str()?;
    let bin = name
        .strip_suffix(std::env::consts::EXE_SUFFIX)
        .filter(|stem| !stem.is_empty())
        .unwrap_or(name);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    find(&metadata, &exe, bin)
}

/// The member of `metadata` (cargo metadata's JSON) with a `bin` target named `bin`, when `exe`
/// lies in the workspace's target directory and exactly one member has such a target.
fn find(metadata: &serde_json::Value, exe: &Path, bin: &str) -> Option<BinPackage> {
    let target_dir = Path::new(metadata["target_directory"].as_str()?);
    let target_dir = target_dir
        .canonicalize()
        .unwrap_or_else(|_| target_dir.to_path_buf());
    if !exe.starts_with(&target_dir) {
        return None;
    }
    let has_bin = |package: &serde_json::Value| {
        package["targets"].as_array().is_some_and(|targets| {
            targets.iter().any(|t| {
                t["name"] == bin
                    && t["kind"]
                        .as_array()
                        .is_some_and(|kinds| kinds.iter().any(|k| k == "bin"))
            })
        })
    };
    let mut packages = metadata["packages"]
        .as_array()?
        .iter()
        .filter(|p| has_bin(p));
    let package = packages.next()?["name"].as_str()?.to_owned();
    if packages.next().is_some() {
        return None;
    }
    Some(BinPackage {
        package,
        bin: bin.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(target: &str) -> serde_json::Value {
        serde_json::json!({
            "target_directory": target,
            "packages": [
                {"name": "models", "targets": [{"name": "models", "kind": ["lib"]}]},
                {"name": "myapp-migrations", "targets": [
                    {"name": "myapp-migrate", "kind": ["bin"]},
                    {"name": "other", "kind": ["bin"]}
                ]},
                {"name": "second", "targets": [{"name": "other", "kind": ["bin"]}]}
            ]
        })
    }

    #[test]
    fn the_package_with_the_executables_bin_target() {
        let meta = metadata("/nonexistent/ws/target");
        let exe = Path::new("/nonexistent/ws/target/debug/myapp-migrate");
        assert_eq!(
            find(&meta, exe, "myapp-migrate"),
            Some(BinPackage {
                package: "myapp-migrations".into(),
                bin: "myapp-migrate".into()
            })
        );
        // Built elsewhere (installed), not a bin of the workspace, or ambiguous: none.
        assert_eq!(
            find(&meta, Path::new("/usr/bin/myapp-migrate"), "myapp-migrate"),
            None
        );
        let models = Path::new("/nonexistent/ws/target/debug/models");
        assert_eq!(find(&meta, models, "models"), None);
        let other = Path::new("/nonexistent/ws/target/debug/other");
        assert_eq!(find(&meta, other, "other"), None);
    }
}
