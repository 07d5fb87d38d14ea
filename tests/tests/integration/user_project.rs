//! Retort inside a user's project: the test assertions, migrations embedded in the binary and
//! applied at start-up, models in a separate crate, a user's own CLI binary, and
//! `check --shadow`.

use std::process::Command;

use retort::db::{Connection, DatabaseUrl};
use retort::embed::EmbeddedMigrations;

use crate::support::{on_both_backends, Backend, Models, Project};

/// The example blog's committed migrations, embedded by Retort at compile time.
const BLOG: EmbeddedMigrations = retort::embed_migrations!("../examples/blog/migrations");

const BLOG_DIR: &str = "../examples/blog/migrations";

/// Revisions that break every rule, embedded like the blog's.
const BROKEN: EmbeddedMigrations = retort::embed_migrations!("fixtures/broken_migrations");

const BROKEN_DIR: &str = "fixtures/broken_migrations";

#[test]
fn the_blog_migrations_match_the_blog_models_and_revert() {
    // This test binary links the example blog (main.rs), so its models are the registry.
    retort::testing::assert_single_head(BLOG_DIR);
    retort::testing::assert_migrations_match_models(BLOG_DIR);
    retort::testing::assert_migrations_revert(BLOG_DIR);
}

#[test]
fn the_assertion_fails_on_a_model_changed_without_a_migration() {
    // Migrations that stop short of the models: only the first blog table exists.
    let dir = tempfile::tempdir().unwrap();
    let rev = dir.path().join("2026-01-01-000000-0a1b2c3d4e5f_only_tags");
    std::fs::create_dir(&rev).unwrap();
    std::fs::write(
        rev.join("metadata.toml"),
        "revision = \"0a1b2c3d4e5f\"\nparents = []\nmessage = \"only tags\"\ncreated = \"2026-01-01T00:00:00Z\"\nrun_in_transaction = true\ndialect = \"sqlite\"\n",
    )
    .unwrap();
    std::fs::write(
        rev.join("up.sql"),
        "CREATE TABLE \"tags\" (\"id\" INTEGER NOT NULL, \"name\" VARCHAR(64) NOT NULL, PRIMARY KEY (\"id\"));\nCREATE UNIQUE INDEX \"uq_tags_name\" ON \"tags\" (\"name\");\n",
    )
    .unwrap();
    std::fs::write(rev.join("down.sql"), "DROP TABLE \"tags\";\n").unwrap();

    let path = dir.path().to_path_buf();
    let panic = std::panic::catch_unwind(move || {
        retort::testing::assert_migrations_match_models(&path);
    })
    .expect_err("the assertion must fail");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("do not match the models"), "{message}");
    assert!(message.contains("added table 'users'"), "{message}");
    assert!(message.contains("added table 'post_tags'"), "{message}");
    assert!(!message.contains("added table 'tags'"), "{message}");
    assert!(message.contains("autogenerate -m"), "{message}");

    // A down.sql that forgets something is caught by the revert assertion.
    std::fs::write(rev.join("down.sql"), "DROP INDEX \"uq_tags_name\";\n").unwrap();
    let err = retort::testing::check_migrations_revert(
        dir.path(),
        &"sqlite::memory:".parse::<DatabaseUrl>().unwrap(),
    )
    .unwrap_err();
    assert!(err.contains("does not restore the schema"), "{err}");
    assert!(err.contains("removed table 'tags'"), "{err}");
}

#[test]
fn embedded_migrations_bring_a_database_to_head_at_start_up() {
    assert_eq!(BLOG.len(), 1);
    let dir = tempfile::tempdir().unwrap();
    let url: DatabaseUrl = format!("sqlite://{}", dir.path().join("app.db").display())
        .parse()
        .unwrap();
    let mut conn = Connection::open(&url, true).unwrap();
    let applied = BLOG.upgrade_to_head(&mut conn).unwrap();
    assert_eq!(applied.len(), 1);
    assert!(
        BLOG.upgrade_to_head(&mut conn).unwrap().is_empty(),
        "second start applies nothing"
    );
    let schema = conn.introspect().unwrap();
    assert!(schema.tables.contains_key("posts"));
    // The CLI sees the same state.
    let out = Command::new(env!("CARGO_BIN_EXE_retort_custom"))
        .args([
            "--database-url",
            &url.to_string(),
            "--migrations-dir",
            BLOG_DIR,
            "check",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn start_up_upgrades_apply_once_when_instances_start_together() {
    // Four application instances start at once against one PostgreSQL database and each runs
    // the start-up upgrade (`upgrade_to_head` is `runner::upgrade(.., "head")` over the
    // embedded directory; PostgreSQL migrations here come from a generated project).
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    let url: DatabaseUrl = p.url.parse().unwrap();
    let scripts = retort::script::ScriptDirectory::open(p.migrations()).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            let scripts = scripts.clone();
            std::thread::spawn(move || {
                let mut conn = Connection::open(&url, false).unwrap();
                retort::runner::upgrade(&mut conn, &scripts, "head").unwrap()
            })
        })
        .collect();
    let applied: usize = threads.into_iter().map(|t| t.join().unwrap().len()).sum();
    assert_eq!(applied, 1);
    p.run(Models::V1, &["check"]).expect(0);
}

#[test]
fn a_users_own_binary_with_models_from_another_crate_and_built_in_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_retort_custom"))
            .args(args)
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        crate::support::Run::from(out)
    };
    run(&["init"]).expect(0);
    let toml = std::fs::read_to_string(dir.path().join("Retort.toml")).unwrap();
    assert!(
        toml.contains("sqlite://custom.db") && toml.contains("db/migrations"),
        "{toml}"
    );
    std::fs::remove_file(dir.path().join("Retort.toml")).unwrap();
    let out = run(&["autogenerate", "-m", "blog"]).expect(0);
    assert!(
        out.stdout.contains("Detected added table 'posts'"),
        "{}",
        out.stdout
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("db/migrations"))
            .unwrap()
            .count(),
        1
    );
    run(&["upgrade"]).expect(0);
    assert!(dir.path().join("custom.db").exists());
    run(&["check"]).expect(0);
    run(&["check", "--shadow"]).expect(0);
}

on_both_backends!(check_shadow_trusts_the_migrations_not_the_local_database);

fn check_shadow_trusts_the_migrations_not_the_local_database(backend: Backend) {
    let p = Project::on(backend).unwrap();
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    // The local database was never upgraded: plain check cannot say anything useful, the
    // shadow check can, and leaves the local database alone.
    p.run(Models::V1, &["check"]).expect(1);
    let run = p.run(Models::V1, &["check", "--shadow"]).expect(0);
    assert!(
        run.stdout.contains("gives exactly the models"),
        "{}",
        run.stdout
    );
    assert!(
        p.schema().is_empty(),
        "check --shadow does not touch the local database"
    );
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert!(current.starts_with("base"), "{current}");
    // A drifted local database does not fool it either.
    p.run(Models::V1, &["upgrade"]).expect(0);
    p.execute("DROP TABLE notes");
    p.run(Models::V1, &["check"]).expect(1);
    p.run(Models::V1, &["check", "--shadow"]).expect(0);
    // Models changed without a migration: the shadow check lists what is missing.
    let run = p.run(Models::V2, &["check", "--shadow"]).expect(1);
    assert!(run.stdout.contains("added table 'tags'"), "{}", run.stdout);
    assert!(
        run.stdout.contains("removed column 'accounts.legacy'"),
        "{}",
        run.stdout
    );
}

/// README's "Inside your project", word for word: its files are written into a scratch
/// workspace `myapp/` next to `retort`, a link to this repository (where the README puts the
/// checkout), and its commands run there with the cargo running these tests. The binary works
/// over its own models on SQLite, names itself in its messages, and the example blog is no part
/// of its build.
///
/// Cost: one cold build of `retort`, `cli` and their dependencies, into
/// target/tmp/scratch-user-project/target, offline, from a copy of this repository's Cargo.lock
/// (so exactly the versions this repository builds, all in the registry cache already); reruns
/// are incremental.
#[cfg(unix)]
#[test]
fn a_user_project_built_as_the_readme_says() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    let section = readme_section(&readme, "## Inside your project");
    let blocks = code_blocks(section);

    let scratch = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("scratch-user-project");
    std::fs::create_dir_all(&scratch).unwrap();
    let link = scratch.join("retort");
    if std::fs::read_link(&link).ok().as_deref() != Some(repo.as_path()) {
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&repo, &link).unwrap();
    }
    // Every toml/rust block of the section that starts with a comment naming a file under
    // myapp/ is that file.
    let mut written = Vec::new();
    for (lang, text) in &blocks {
        let first = text.lines().next().unwrap_or_default();
        let path = match lang.as_str() {
            "toml" => first.strip_prefix("# "),
            "rust" => first.strip_prefix("// "),
            _ => None,
        };
        let Some(path) = path.filter(|p| p.starts_with("myapp/")) else {
            continue;
        };
        let file = scratch.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        // Unchanged files keep their modification time, so a rerun rebuilds nothing.
        if std::fs::read_to_string(&file).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&file, text).unwrap();
        }
        written.push(path.to_owned());
    }
    for expected in [
        "myapp/Cargo.toml",
        "myapp/models/Cargo.toml",
        "myapp/models/src/lib.rs",
        "myapp/migrate/Cargo.toml",
        "myapp/migrate/src/main.rs",
    ] {
        assert!(
            written.iter().any(|w| w == expected),
            "README's Inside your project has no block for {expected}: {written:?}"
        );
    }
    let app = scratch.join("myapp");
    std::fs::copy(repo.join("Cargo.lock"), app.join("Cargo.lock")).unwrap();
    // A fresh project every run: no database, settings or migrations from the last one.
    let _ = std::fs::remove_dir_all(app.join("migrations"));
    let _ = std::fs::remove_file(app.join("myapp.db"));
    let _ = std::fs::remove_file(app.join("Retort.toml"));

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let cargo_dir = std::path::Path::new(&cargo)
        .parent()
        .map(|d| d.to_path_buf())
        .unwrap_or_default();
    let path = std::env::join_paths(std::iter::once(cargo_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let target = scratch.join("target");
    let shell = |line: &str| {
        let out = Command::new("sh")
            .arg("-c")
            .arg(line)
            .current_dir(&app)
            .env("PATH", &path)
            .env("CARGO_TARGET_DIR", &target)
            .env("CARGO_NET_OFFLINE", "true")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        crate::support::Run::from(out)
    };

    // The commands: the section's sh block that runs the user's binary.
    let commands: Vec<&str> = blocks
        .iter()
        .filter(|(lang, _)| lang == "sh")
        .flat_map(|(_, text)| text.lines())
        .map(str::trim)
        .filter(|line| line.starts_with("cargo run -p myapp-migrations -- "))
        .collect();
    let verbs: Vec<&str> = commands
        .iter()
        .map(|c| {
            c["cargo run -p myapp-migrations -- ".len()..]
                .split(' ')
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(
        verbs,
        ["init", "autogenerate", "upgrade", "check"],
        "{commands:?}"
    );
    for command in &commands {
        let run = shell(command);
        assert_eq!(
            run.code, 0,
            "`{command}` failed:\n{}\n{}",
            run.stdout, run.stderr
        );
        if command.contains(" autogenerate ") {
            assert!(
                run.stdout.contains("Detected added table 'customers'")
                    && run.stdout.contains("Detected added table 'orders'"),
                "{}",
                run.stdout
            );
            assert!(
                run.stdout
                    .contains("review it, then run `myapp-migrate upgrade head`"),
                "the message names the user's binary: {}",
                run.stdout
            );
        }
        if command.ends_with(" check") {
            assert!(run.stdout.contains("matches the models"), "{}", run.stdout);
        }
    }
    assert!(app.join("myapp.db").exists());
    assert_eq!(
        std::fs::read_dir(app.join("migrations")).unwrap().count(),
        1
    );

    // The example blog is not part of the user's build: not in its dependency graph...
    let tree = shell("cargo tree --workspace --edges all --prefix none");
    assert_eq!(tree.code, 0, "{}", tree.stderr);
    assert!(
        tree.stdout.contains("\nretort v") && tree.stdout.contains("\ncli v"),
        "the tree lists Retort's packages:\n{}",
        tree.stdout
    );
    assert!(
        !tree.stdout.contains("retort-example-blog"),
        "a user's build must not depend on the example blog:\n{}",
        tree.stdout
    );
    // ... and never compiled into its target directory.
    let deps = std::fs::read_dir(target.join("debug/deps")).unwrap();
    let blog: Vec<String> = deps
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("retort_example_blog"))
        .collect();
    assert!(blog.is_empty(), "example blog artifacts: {blog:?}");
}

/// README's SQLite-only dependency lines ("Cargo features: choose your backends"), word for
/// word, in a scratch workspace shaped like "Inside your project": `cargo tree` (offline, no
/// build) finds no pq-sys, and finds it once `retort-cli` keeps its default features.
#[cfg(unix)]
#[test]
fn the_readme_s_sqlite_only_lines_link_no_libpq() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    let section = readme_section(&readme, "### Cargo features: choose your backends");
    let (_, block) = code_blocks(section)
        .into_iter()
        .find(|(lang, text)| lang == "toml" && text.starts_with("# myapp/"))
        .expect("README's SQLite-only dependency lines");
    // `# myapp/<crate>/Cargo.toml` starts the lines of that crate's [dependencies].
    let mut deps: Vec<(String, String)> = Vec::new();
    for line in block.lines() {
        if let Some(path) = line.strip_prefix("# myapp/") {
            let krate = path.strip_suffix("/Cargo.toml").expect("a Cargo.toml");
            deps.push((krate.to_owned(), String::new()));
        } else if let Some((_, lines)) = deps.last_mut() {
            lines.push_str(line);
            lines.push('\n');
        }
    }
    let names: Vec<&str> = deps.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["models", "migrate"]);

    let tree = |name: &str, deps: &[(String, String)]| -> String {
        let scratch = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).unwrap();
        std::os::unix::fs::symlink(&repo, scratch.join("retort")).unwrap();
        let app = scratch.join("myapp");
        for (krate, lines) in deps {
            let dir = app.join(krate);
            std::fs::create_dir_all(dir.join("src")).unwrap();
            let (package, file, body) = match krate.as_str() {
                "models" => ("myapp-models", "lib.rs", ""),
                _ => ("myapp-migrations", "main.rs", "fn main() {}\n"),
            };
            std::fs::write(
                dir.join("Cargo.toml"),
                format!(
                    "[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                     [dependencies]\n{lines}"
                ),
            )
            .unwrap();
            std::fs::write(dir.join("src").join(file), body).unwrap();
        }
        std::fs::write(
            app.join("Cargo.toml"),
            "[workspace]\nresolver = \"2\"\nmembers = [\"models\", \"migrate\"]\n",
        )
        .unwrap();
        std::fs::copy(repo.join("Cargo.lock"), app.join("Cargo.lock")).unwrap();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let out = Command::new(cargo)
            .args(["tree", "-e", "normal", "--prefix", "none"])
            .current_dir(&app)
            .env("CARGO_NET_OFFLINE", "true")
            .output()
            .unwrap();
        let run = crate::support::Run::from(out).expect(0);
        assert!(run.stdout.contains("libsqlite3-sys"), "{}", run.stdout);
        run.stdout
    };
    let sqlite_only = tree("scratch-sqlite-only", &deps);
    assert!(!sqlite_only.contains("pq-sys"), "{sqlite_only}");

    // The check can fail: retort-cli with its default features brings libpq back.
    let with_defaults: Vec<(String, String)> = deps
        .iter()
        .map(|(krate, lines)| {
            let lines = lines
                .lines()
                .map(|l| match l.split_once(", default-features") {
                    Some((head, _)) if l.starts_with("retort-cli") => format!("{head} }}\n"),
                    _ => format!("{l}\n"),
                })
                .collect();
            (krate.clone(), lines)
        })
        .collect();
    assert_ne!(with_defaults, deps);
    let default_cli = tree("scratch-default-cli", &with_defaults);
    assert!(default_cli.contains("pq-sys"), "{default_cli}");
}

/// The text of a README section: from its heading to the next heading of the same level.
fn readme_section<'a>(readme: &'a str, heading: &str) -> &'a str {
    let start = readme
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README has no `{heading}` section"));
    let rest = &readme[start + 1 + heading.len()..];
    let level = heading.split(' ').next().unwrap();
    let end = rest.find(&format!("\n{level} ")).unwrap_or(rest.len());
    &rest[..end]
}

/// The fenced code blocks of `text`: (language, content).
fn code_blocks(text: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(lang)) => current = Some((lang.trim().to_owned(), String::new())),
            (Some(_), Some(_)) => blocks.push(current.take().unwrap()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

#[test]
fn embedded_migrations_fail_with_the_same_violations_as_the_directory() {
    use retort::script::{ScriptDirectory, ScriptError, ViolationKind};

    // Tests run in the crate's directory: the origin embed_migrations! records is the same
    // relative path, so even the paths in the messages agree.
    let on_disk = retort::script::validate(std::path::Path::new(BROKEN_DIR)).unwrap();
    assert_eq!(BROKEN.validate(), on_disk);
    let mut kinds: Vec<ViolationKind> = on_disk.iter().map(|v| v.kind).collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(
        kinds,
        [
            ViolationKind::BadName,
            ViolationKind::MissingFile,
            ViolationKind::UnreadableFile,
            ViolationKind::InvalidMetadata,
            ViolationKind::RevisionMismatch,
            ViolationKind::DuplicateRevision,
            ViolationKind::MissingParent,
            ViolationKind::TimestampOrder,
            ViolationKind::NotADirectory,
            ViolationKind::TransactionControl,
        ],
        "{on_disk:#?}"
    );

    // Loading fails the same way, listing the same blocking problems.
    let embedded = match BROKEN.scripts().unwrap_err() {
        retort::Error::Script(e) => e,
        other => panic!("{other}"),
    };
    let directory = ScriptDirectory::open(BROKEN_DIR).unwrap_err();
    assert_eq!(embedded.to_string(), directory.to_string());
    let (ScriptError::Invalid { violations: a, .. }, ScriptError::Invalid { violations: b, .. }) =
        (&embedded, &directory)
    else {
        panic!("{embedded:?}\n{directory:?}");
    };
    assert_eq!(a, b);
    let blocking: Vec<_> = on_disk
        .iter()
        .filter(|v| v.kind.blocks_loading())
        .cloned()
        .collect();
    assert_eq!(a, &blocking);
    let text = embedded.to_string();
    assert!(
        text.starts_with(&format!(
            "{BROKEN_DIR}/2000-01-01-000000-efefefefefef_too_early: its timestamp"
        )),
        "{text}"
    );
    assert!(
        text.contains("more problem(s); `retort check` lists every one"),
        "{text}"
    );
}
