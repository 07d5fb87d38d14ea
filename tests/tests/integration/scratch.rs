//! Binary crates built at test time over generated models (inspect's output), in the scratch
//! directory the user-project test uses, sharing its target directory so that retort, cli and
//! their dependencies build once for all of them.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Models, Project, Run};

/// A built scratch binary.
pub struct ScratchApp {
    exe: PathBuf,
}

impl ScratchApp {
    /// The app with `args`, in `p`'s directory (its Retort.toml and migrations).
    pub fn command(&self, p: &Project, args: &[&str]) -> Command {
        let mut command = Command::new(&self.exe);
        command
            .args(args)
            .current_dir(p.path())
            .env_remove("DATABASE_URL");
        command
    }

    /// Runs the app with `args` in `p`'s directory.
    pub fn run(&self, p: &Project, args: &[&str]) -> Run {
        Run::from(
            self.command(p, args)
                .output()
                .expect("the scratch app runs"),
        )
    }
}

/// A binary crate whose models are `models` (a module of the binary), running the CLI.
pub fn scratch_app(name: &str, models: &str) -> ScratchApp {
    scratch_crate(
        name,
        &[("src/models.rs", models.to_owned())],
        "mod models;\n\nfn main() -> std::process::ExitCode {\n    retort_cli::run()\n}\n",
    )
}

/// A binary crate `name` with `main_rs` and the other `files` (paths relative to the crate).
pub fn scratch_crate(name: &str, files: &[(&str, String)], main_rs: &str) -> ScratchApp {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scratch-user-project");
    let app = scratch.join(name);
    std::fs::create_dir_all(app.join("src")).unwrap();
    let write = |path: &Path, text: &str| {
        // Unchanged files keep their modification time, so a rerun rebuilds nothing.
        if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
            std::fs::write(path, text).unwrap();
        }
    };
    let core = repo.join("core");
    let cli = repo.join("cli");
    write(
        &app.join("Cargo.toml"),
        &format!(
            r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
retort = {{ path = "{}" }}
retort-cli = {{ path = "{}", package = "cli" }}
chrono = {{ version = "0.4", default-features = false, features = ["std"] }}
uuid = {{ version = "1", default-features = false, features = ["std"] }}
serde_json = "1"

[profile.dev.package."*"]
debug = false
"#,
            core.display(),
            cli.display()
        ),
    );
    write(&app.join("src/main.rs"), main_rs);
    for (path, text) in files {
        write(&app.join(path), text);
    }
    std::fs::copy(repo.join("Cargo.lock"), app.join("Cargo.lock")).unwrap();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target = scratch.join("target");
    let out = Command::new(cargo)
        .args(["build", "--quiet"])
        .current_dir(&app)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_NET_OFFLINE", "true")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "building {name} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ScratchApp {
        exe: target.join("debug").join(name),
    }
}

/// The adoption promise on `p`'s database: `inspect` declares everything (it says nothing on
/// standard error), a binary built over the models, named `name`, finds no difference
/// (`check` exits 0). Returns the binary and the models' source.
pub fn inspected_app(p: &Project, name: &str) -> (ScratchApp, String) {
    let models = p.path().join("models.rs");
    let run = p
        .run(Models::None, &["inspect", "-o", models.to_str().unwrap()])
        .expect(0);
    assert!(
        run.stderr.is_empty(),
        "{name}: not declared: {}",
        run.stderr
    );
    let source = std::fs::read_to_string(&models).unwrap();
    let app = scratch_app(name, &source);
    let check = app.run(p, &["check"]);
    assert_eq!(
        check.code, 0,
        "{name}: check right after inspect:\n{}{}\n{source}",
        check.stdout, check.stderr
    );
    (app, source)
}
