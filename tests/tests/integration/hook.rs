//! The pre-commit hook: by default it runs the binary through `cargo run` of its own package
//! (so it checks the models of the working tree, never a stale build), `hook uninstall` removes
//! it and restores the hook it replaced, and the repository's `.pre-commit-hooks.yaml` works in
//! the pre-commit framework itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::git::{commit, git, isolate, repo, run};
use crate::support::{Backend, Models, Run};

/// PATH with the directory of the cargo running these tests first.
fn path_with_cargo() -> std::ffi::OsString {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let dir = Path::new(&cargo).parent().map(Path::to_path_buf);
    std::env::join_paths(dir.into_iter().chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap()
}

/// A command isolated from outside git configuration and Cargo target settings.
fn isolated(program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
    let mut command = Command::new(program);
    isolate(command.current_dir(dir))
        .env("PATH", path_with_cargo())
        .env("CARGO_NET_OFFLINE", "true")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("DATABASE_URL");
    command
}

/// Cost: `cargo metadata` and one build of a dependency-free stand-in binary.
#[cfg(unix)]
#[test]
fn the_default_hook_runs_the_binary_through_cargo_run_of_its_package() {
    let p = repo(Backend::Sqlite, 1).unwrap();
    // The project is also a Cargo package whose binary `hookbin` is, as built, Retort's CLI;
    // its source is a stand-in that says it ran. A hook that ran the prebuilt binary would
    // run the real `check` instead.
    std::fs::write(
        p.path().join("Cargo.toml"),
        "[package]\nname = \"hookpkg\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
         [[bin]]\nname = \"hookbin\"\npath = \"src/main.rs\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::create_dir_all(p.path().join("src")).unwrap();
    std::fs::write(
        p.path().join("src/main.rs"),
        "fn main() {\n    let args: Vec<String> = std::env::args().skip(1).collect();\n    \
         std::fs::write(\"stand-in-args.txt\", args.join(\" \")).unwrap();\n    \
         eprintln!(\"stand-in built from the working tree\");\n    std::process::exit(1);\n}\n",
    )
    .unwrap();
    let bin_dir = p.path().join("target/debug");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let prebuilt = bin_dir.join("hookbin");
    std::fs::copy(Models::V1.exe(), &prebuilt).unwrap();

    // A binary copied a moment ago can still be open for writing in a child that another test
    // thread forked meanwhile (until that child execs): its exec fails with ETXTBSY for a
    // moment. Retry, as that window closes on its own.
    let output = (0..100)
        .find_map(|_| {
            match isolated(&prebuilt, p.path())
                .args(["hook", "install"])
                .output()
            {
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    None
                }
                other => Some(other.unwrap()),
            }
        })
        .expect("the copied binary runs within two seconds");
    let install = Run::from(output).expect(0);
    assert!(!install.stdout.contains("note:"), "{}", install.stdout);
    let script = std::fs::read_to_string(p.path().join(".git/hooks/pre-commit")).unwrap();
    assert!(
        script.contains(
            "output=$(cargo run --quiet -p hookpkg --bin hookbin -- check --shadow 2>&1)"
        ),
        "{script}"
    );

    std::fs::write(p.path().join("README"), "change\n").unwrap();
    git(p.path(), &["add", "README"]);
    let output = isolated("git", p.path())
        .args(["commit", "-q", "-m", "change"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the stand-in fails: {stderr}");
    assert!(
        stderr.contains("stand-in built from the working tree"),
        "{stderr}"
    );
    assert!(stderr.contains("commit blocked"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(p.path().join("stand-in-args.txt")).unwrap(),
        "check --shadow"
    );
}

#[test]
fn outside_a_cargo_workspace_the_hook_runs_the_binary_and_says_it_can_go_stale() {
    let p = repo(Backend::Sqlite, 1).unwrap();
    let out = run(&p, Models::V1, &["hook", "install"]).expect(0).stdout;
    assert!(
        out.contains("was not built from a Cargo workspace here")
            && out.contains("--command \"cargo run -q -p"),
        "{out}"
    );
    let script = std::fs::read_to_string(p.path().join(".git/hooks/pre-commit")).unwrap();
    assert!(script.contains(Models::V1.exe()), "{script}");
}

#[test]
fn hook_uninstall_removes_the_hook_and_restores_the_one_it_replaced() {
    let p = repo(Backend::Sqlite, 1).unwrap();
    let hook = p.path().join(".git/hooks/pre-commit");
    let original = p.path().join(".git/hooks/pre-commit.orig");

    // Nothing installed: nothing to do.
    let out = run(&p, Models::V1, &["hook", "uninstall"]).expect(0).stdout;
    assert!(out.contains("nothing to remove"), "{out}");

    // Installed over nothing: removed, nothing restored.
    run(&p, Models::V1, &["hook", "install", "--no-shadow"]).expect(0);
    let out = run(&p, Models::V1, &["hook", "uninstall"]).expect(0).stdout;
    assert!(out.contains("Removed the pre-commit hook"), "{out}");
    assert!(!hook.exists() && !original.exists());

    // Installed over a foreign hook (--force), then re-installed: uninstall restores it.
    let foreign = "#!/bin/sh\n# someone else's hook\nexit 0\n";
    std::fs::write(&hook, foreign).unwrap();
    run(&p, Models::V1, &["hook", "install", "--force"]).expect(0);
    run(&p, Models::V1, &["hook", "install", "--no-shadow"]).expect(0);
    assert!(original.exists());
    let out = run(&p, Models::V1, &["hook", "uninstall"]).expect(0).stdout;
    assert!(out.contains("Restored the hook it had replaced"), "{out}");
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), foreign);
    assert!(!original.exists());

    // A hook Retort did not write is left alone.
    let err = run(&p, Models::V1, &["hook", "uninstall"]).expect(2).stderr;
    assert!(err.contains("was not written by Retort"), "{err}");
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), foreign);
    assert!(commit(&p).status.success());
}

/// The pre-commit framework, installed with pip into a venv under target/ the first time (it
/// stays there for later runs). Without PyPI the test fails under `CI=true` and is skipped,
/// loudly, elsewhere.
fn pre_commit() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-venv");
    let exe = venv.join("bin/pre-commit");
    if exe.exists() {
        return Some(exe);
    }
    let installed = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--timeout", "30", "pre-commit"])
            .status()
            .is_ok_and(|s| s.success());
    if installed && exe.exists() {
        return Some(exe);
    }
    let why = format!(
        "cannot install the pip package pre-commit into {} (is PyPI reachable?)",
        venv.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why}: CI must run the pre-commit framework test");
    }
    crate::support::skipped(crate::support::NO_PYPI, &why);
    None
}

/// Cost: pre-commit clones a one-file hooks repository and runs `check --shadow` twice.
#[cfg(unix)]
#[test]
fn the_pre_commit_hooks_yaml_runs_in_the_pre_commit_framework() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    // A hooks repository holding this repository's .pre-commit-hooks.yaml as it is now.
    let hooks = tempfile::tempdir().unwrap();
    let yaml = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.pre-commit-hooks.yaml");
    std::fs::copy(yaml, hooks.path().join(".pre-commit-hooks.yaml")).unwrap();
    git(hooks.path(), &["init", "-q", "-b", "main"]);
    git(hooks.path(), &["add", "-A"]);
    git(
        hooks.path(),
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t.invalid",
            "commit",
            "-q",
            "-m",
            "hooks",
        ],
    );
    let rev = git(hooks.path(), &["rev-parse", "HEAD"]);

    let p = repo(Backend::Sqlite, 1).unwrap();
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-home");
    let run_with = |models: Models| {
        // As README says: `entry` names the user's own binary (here, the test binary).
        let config = format!(
            "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: retort-check\n        entry: {} check --shadow\n",
            hooks.path().display(),
            rev.trim(),
            models.exe()
        );
        std::fs::write(p.path().join(".pre-commit-config.yaml"), config).unwrap();
        git(p.path(), &["add", ".pre-commit-config.yaml"]);
        let output = isolated(&pre_commit, p.path())
            .args(["run", "retort-check", "--all-files"])
            .env("PRE_COMMIT_HOME", &home)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        (output.status.success(), text)
    };
    let (ok, text) = run_with(Models::V1);
    assert!(ok, "{text}");
    assert!(
        text.contains("retort check --shadow") && text.contains("Passed"),
        "{text}"
    );
    // V2's models differ from the migrations: the hook fails with check's report.
    let (ok, text) = run_with(Models::V2);
    assert!(!ok, "{text}");
    assert!(
        text.contains("The migrations do not produce the models"),
        "{text}"
    );
}
