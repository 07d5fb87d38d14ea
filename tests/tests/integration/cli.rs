//! Errors a user meets through the real CLI: each exits 2 with one line naming the problem and
//! the fix, and changes nothing.

use std::process::Command;

use crate::support::{Models, Project};

#[test]
fn a_binary_without_models_says_how_to_link_them() {
    let p = Project::new();
    let run = p.run(Models::None, &["autogenerate", "-m", "x"]).expect(2);
    assert!(
        run.stderr.contains("no models are registered"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "link it: `retort::link_models!(my_models);` in main.rs, or at the top of the test \
             file that calls `retort::testing`"
        ),
        "{}",
        run.stderr
    );
    assert!(p.revision_dirs().is_empty());
}

#[test]
fn unknown_and_ambiguous_revisions_are_named() {
    let p = Project::new();
    p.run(Models::V1, &["revision", "-m", "a"]).expect(0);
    p.run(Models::V1, &["revision", "-m", "b"]).expect(0);
    let run = p.run(Models::V1, &["show", "zzzz"]).expect(2);
    assert_eq!(
        run.stderr.trim(),
        // The message names the binary that ran (retort_v1), not `retort`.
        "error: unknown revision `zzzz`; `retort_v1 history` lists the revisions"
    );
    let run = p.run(Models::V1, &["upgrade", "+5"]).expect(2);
    assert!(
        run.stderr.contains("only 2 revision(s) are pending"),
        "{}",
        run.stderr
    );
    // Every hex digit starts one id or the other only by chance; an empty-ish prefix is
    // ambiguous when both ids share it. Use the common prefix of the two ids, if any.
    let ids: Vec<String> = p
        .revision_dirs()
        .iter()
        .map(|d| d.file_name().unwrap().to_str().unwrap()[18..30].to_owned())
        .collect();
    let common: String = ids[0]
        .chars()
        .zip(ids[1].chars())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a)
        .collect();
    if !common.is_empty() {
        let run = p.run(Models::V1, &["show", &common]).expect(2);
        let expected = if common.len() >= 4 {
            "is ambiguous"
        } else {
            "is too short"
        };
        assert!(run.stderr.contains(expected), "{}", run.stderr);
    }
    let run = p.run(Models::V1, &["upgrade", "not-a-target!"]).expect(2);
    assert!(run.stderr.contains("invalid target"), "{}", run.stderr);

    // Deterministically: two ids sharing `abcd`.
    let q = Project::new();
    q.run(
        Models::V1,
        &["revision", "-m", "a", "--rev-id", "abcd00000001"],
    )
    .expect(0);
    q.run(
        Models::V1,
        &["revision", "-m", "b", "--rev-id", "abcd00000002"],
    )
    .expect(0);
    let run = q.run(Models::V1, &["show", "abcd"]).expect(2);
    assert!(run.stderr.contains("is ambiguous"), "{}", run.stderr);
    let run = q.run(Models::V1, &["show", "abc"]).expect(2);
    assert!(run.stderr.contains("is too short"), "{}", run.stderr);
    q.run(Models::V1, &["show", "abcd00000002"]).expect(0);
}

#[test]
fn broken_migration_directories_are_reported_precisely() {
    let p = Project::new();
    p.run(Models::V1, &["revision", "-m", "fine"]).expect(0);
    let dir = p.revision_dirs()[0].clone();

    std::fs::remove_file(dir.join("down.sql")).unwrap();
    let run = p.run(Models::V1, &["history"]).expect(2);
    assert!(run.stderr.contains("missing down.sql"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(dir.file_name().unwrap().to_str().unwrap()),
        "{}",
        run.stderr
    );
    std::fs::write(dir.join("down.sql"), "").unwrap();

    let meta = std::fs::read_to_string(dir.join("metadata.toml")).unwrap();
    std::fs::write(dir.join("metadata.toml"), "revision = [").unwrap();
    let run = p.run(Models::V1, &["upgrade"]).expect(2);
    assert!(
        run.stderr.contains("metadata.toml: invalid metadata"),
        "{}",
        run.stderr
    );
    std::fs::write(
        dir.join("metadata.toml"),
        meta.replace("parents = []", "parents = [\"abcdefabcdef\"]"),
    )
    .unwrap();
    let run = p.run(Models::V1, &["heads"]).expect(2);
    assert!(
        run.stderr
            .contains("metadata.toml: parent abcdefabcdef does not exist"),
        "{}",
        run.stderr
    );
    std::fs::write(dir.join("metadata.toml"), &meta).unwrap();

    std::fs::create_dir(p.migrations().join("2026-01-01-000000_not_a_revision")).unwrap();
    let run = p.run(Models::V1, &["history"]).expect(2);
    assert!(run.stderr.contains("not_a_revision"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("expected <YYYY-MM-DD-HHMMSS>-<12 hex digits>_<slug>"),
        "{}",
        run.stderr
    );
}

#[test]
fn database_problems_exit_2_without_creating_anything() {
    let p = Project::new();
    p.run(Models::V1, &["autogenerate", "-m", "initial"])
        .expect(0);
    std::fs::remove_file(p.db_path()).unwrap();

    let run = p.run(Models::V1, &["check"]).expect(2);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    assert!(!p.db_path().exists(), "check must not create the database");

    // A missing directory is created with the file; one that cannot be (a file is in the way)
    // is an error naming it.
    std::fs::write(p.path().join("afile"), "").unwrap();
    let run = p
        .run(
            Models::V1,
            &["--database-url", "sqlite://afile/dir/app.db", "upgrade"],
        )
        .expect(2);
    assert!(
        run.stderr
            .contains("cannot create the directory afile/dir for the database file"),
        "{}",
        run.stderr
    );

    let run = p
        .run(
            Models::V1,
            &["--database-url", "oracle://localhost/db", "current"],
        )
        .expect(2);
    assert!(
        run.stderr
            .contains("invalid database URL `oracle://localhost/db`"),
        "{}",
        run.stderr
    );
    // A MariaDB URL without a database, and one whose server is not there.
    let run = p
        .run(
            Models::V1,
            &["--database-url", "mysql://localhost", "current"],
        )
        .expect(2);
    assert!(
        run.stderr.contains("name the database in the URL"),
        "{}",
        run.stderr
    );
    let run = p
        .run(
            Models::V1,
            &["--database-url", "mysql://nobody@127.0.0.1:1/db", "current"],
        )
        .expect(2);
    assert!(
        run.stderr
            .contains("cannot connect to mysql://nobody@127.0.0.1:1/db"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_database_ahead_of_the_directory_is_refused() {
    let p = Project::new();
    p.run(Models::V1, &["autogenerate", "-m", "initial"])
        .expect(0);
    p.run(Models::V1, &["upgrade"]).expect(0);
    let dir = p.revision_dirs()[0].clone();
    std::fs::rename(&dir, p.path().join("moved-away")).unwrap();
    let run = p.run(Models::V1, &["upgrade"]).expect(2);
    assert!(
        run.stderr
            .contains("records 1 version(s) that no revision in"),
        "{}",
        run.stderr
    );
    let version: String = dir.file_name().unwrap().to_str().unwrap()[..30].replace('-', "");
    assert!(run.stderr.contains(&version), "{}", run.stderr);
}

#[test]
fn settings_come_from_flags_then_environment_then_retort_toml() {
    let p = Project::new();
    let toml = std::fs::read_to_string(p.path().join("Retort.toml")).unwrap();
    assert!(
        toml.contains("database_url = \"sqlite://retort.db\""),
        "{toml}"
    );

    std::fs::write(
        p.path().join("Retort.toml"),
        "database_url = \"sqlite://from_toml.db\"\nmigrations_dir = \"db/migrations\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(p.path().join("db/migrations")).unwrap();
    p.run(Models::V1, &["autogenerate", "-m", "x"]).expect(0);
    assert!(p.path().join("from_toml.db").exists());
    assert_eq!(
        std::fs::read_dir(p.path().join("db/migrations"))
            .unwrap()
            .count(),
        1
    );

    let output = Command::new(env!("CARGO_BIN_EXE_retort_v1"))
        .args(["upgrade"])
        .current_dir(p.path())
        .env("DATABASE_URL", "sqlite://from_env.db")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(p.path().join("from_env.db").exists());

    p.run(
        Models::V1,
        &["--database-url", "sqlite://from_flag.db", "upgrade"],
    )
    .expect(0);
    assert!(p.path().join("from_flag.db").exists());

    std::fs::write(p.path().join("Retort.toml"), "databse_url = \"x\"\n").unwrap();
    let run = p.run(Models::V1, &["current"]).expect(2);
    assert!(
        run.stderr.contains("unknown field `databse_url`"),
        "{}",
        run.stderr
    );
    let run = p
        .run(Models::V1, &["--config", "nope.toml", "current"])
        .expect(2);
    assert!(
        run.stderr.contains("config file nope.toml does not exist"),
        "{}",
        run.stderr
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let p = Project::new();
    let run = p.run(Models::V1, &["frobnicate"]).expect(2);
    assert!(
        run.stderr.contains("unrecognized subcommand"),
        "{}",
        run.stderr
    );
    let run = p.run(Models::V1, &["autogenerate"]).expect(2);
    assert!(run.stderr.contains("--message"), "{}", run.stderr);
    let run = p.run(Models::V1, &["--help"]).expect(0);
    for command in [
        "init",
        "autogenerate",
        "revision",
        "upgrade",
        "downgrade",
        "current",
        "history",
        "heads",
        "show",
        "check",
    ] {
        assert!(
            run.stdout.contains(command),
            "help lacks {command}:\n{}",
            run.stdout
        );
    }
}
