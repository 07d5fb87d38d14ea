//! What the CLI says when there is little to say: an upgrade or downgrade whose target lies
//! the other way, a closed pipe, `--help`'s defaults, printed paths.

use crate::support::{on_both_backends, two_applied, Backend, Models, Project, Run};

on_both_backends!(a_target_the_other_way_is_refused_with_where_the_database_is);

fn current(p: &Project) -> String {
    p.run(Models::V2, &["current"]).expect(0).stdout
}

fn a_target_the_other_way_is_refused_with_where_the_database_is(backend: Backend) {
    let p = Project::on(backend).expect("backend available");
    let (first, second) = two_applied(&p);

    // At head: upgrading to a target below it would have to revert.
    let run = p.run(Models::V2, &["upgrade", "base"]).expect(2);
    assert!(
        run.stderr.contains(&format!(
            "cannot upgrade to base: the database is at {second} (head), past it, and upgrade \
             only applies revisions; to revert the 2 revision(s) applied after it, run `"
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("downgrade base`"), "{}", run.stderr);
    assert!(!run.stdout.contains("Nothing to apply"), "{}", run.stdout);
    let run = p.run(Models::V2, &["upgrade", &first]).expect(2);
    assert!(
        run.stderr.contains(&format!(
            "cannot upgrade to {first}: the database is at {second} (head), past it"
        )) && run.stderr.contains("the 1 revision(s)"),
        "{}",
        run.stderr
    );
    // Offline SQL refuses the same range rather than printing an empty script.
    let run = p
        .run(
            Models::V2,
            &["upgrade", "--sql", &format!("{second}:{first}")],
        )
        .expect(2);
    assert!(
        run.stderr.contains(&format!(
            "cannot upgrade to {first}: the database is at {second}"
        )),
        "{}",
        run.stderr
    );
    assert!(current(&p).starts_with(&format!("{second} (head)")));
    // Really at the target: nothing to do, exit 0.
    let run = p.run(Models::V2, &["upgrade", "head"]).expect(0);
    assert_eq!(
        run.stdout,
        "Nothing to apply: the database is already at head\n"
    );

    // Below head: downgrading to a target above it would have to apply.
    p.run(Models::V2, &["downgrade", &first]).expect(0);
    for target in ["head", "heads", second.as_str()] {
        let run = p.run(Models::V2, &["downgrade", target]).expect(2);
        let expected = if target == second {
            // A revision that is not applied was refused before, in its own words.
            format!("cannot downgrade to {second}: it is not applied")
        } else {
            format!(
                "cannot downgrade to {target}: the database is at {first}, below it, and \
                 downgrade only reverts revisions; to apply the 1 revision(s) it lacks, run `"
            )
        };
        assert!(run.stderr.contains(&expected), "{target}: {}", run.stderr);
        assert!(!run.stdout.contains("Nothing to revert"), "{}", run.stdout);
    }
    assert!(current(&p).starts_with(&first));

    // At base: `downgrade head` names base; `downgrade base` has nothing to do.
    p.run(Models::V2, &["downgrade", "base"]).expect(0);
    let run = p.run(Models::V2, &["downgrade", "head"]).expect(2);
    assert!(
        run.stderr.contains(
            "cannot downgrade to head: the database is at base, below it, and downgrade only \
             reverts revisions; to apply the 2 revision(s) it lacks, run `"
        ) && run.stderr.contains("upgrade head`"),
        "{}",
        run.stderr
    );
    let run = p.run(Models::V2, &["downgrade", "base"]).expect(0);
    assert_eq!(
        run.stdout,
        "Nothing to revert: the database is already at base\n"
    );
    assert!(current(&p).starts_with("base"));
}

/// `show`, `history` and `upgrade` into a pipe whose reader has gone (`retort show -1 | head`):
/// exit 0, nothing on stderr; the upgrade still happens.
#[test]
fn a_closed_pipe_on_stdout_ends_quietly() {
    let p = Project::new();
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    p.run(Models::V1, &["revision", "-m", "two"]).expect(0);
    for args in [&["show", "head"][..], &["history"], &["upgrade", "+1"]] {
        let mut child = p
            .command(Models::V1, args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the CLI binary runs");
        // The reader goes away before the CLI writes anything.
        drop(child.stdout.take());
        let run = Run::from(child.wait_with_output().unwrap()).expect(0);
        assert_eq!(run.stderr, "", "{args:?}");
    }
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert!(current.starts_with(&p.revision_id(0)), "{current}");
}

/// `--help` shows the defaults of the binary that runs: a binary with built-in defaults
/// (`retort_custom`: sqlite://custom.db, db/migrations) shows them, others show Retort's.
#[test]
fn help_shows_the_binary_s_own_defaults() {
    let p = Project::new();
    let help = |exe: &str, args: &[&str]| {
        let output = std::process::Command::new(exe)
            .args(args)
            .current_dir(p.path())
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        Run::from(output).expect(0).stdout
    };
    let custom = env!("CARGO_BIN_EXE_retort_custom");
    for args in [&["--help"][..], &["upgrade", "--help"]] {
        let out = help(custom, args);
        assert!(
            out.contains("[default: from Retort.toml, else sqlite://custom.db]"),
            "{out}"
        );
        assert!(
            out.contains("[default: from Retort.toml, else `db/migrations`]"),
            "{out}"
        );
        assert!(!out.contains("retort.db"), "{out}");
    }
    let out = help(Models::V1.exe(), &["--help"]);
    assert!(
        out.contains("[default: from Retort.toml, else sqlite://retort.db]"),
        "{out}"
    );
    assert!(
        out.contains("[default: from Retort.toml, else `migrations`]"),
        "{out}"
    );
}

/// `hook install` and `hook uninstall` run in a subdirectory print the hook's path without
/// `/../` (git answers relative to the subdirectory).
#[test]
fn hook_paths_are_printed_normalised() {
    let p = crate::git::repo(Backend::Sqlite, 1).expect("SQLite is always available");
    let sub = p.path().join("src/deeper");
    std::fs::create_dir_all(&sub).unwrap();
    let hook = std::fs::canonicalize(p.path())
        .unwrap()
        .join(".git/hooks/pre-commit");
    let run_in_sub = |args: &[&str]| {
        let mut command = p.command(Models::V1, args);
        crate::git::isolate(command.current_dir(&sub));
        Run::from(command.output().unwrap()).expect(0).stdout
    };
    let out = run_in_sub(&["hook", "install", "--no-shadow"]);
    assert!(
        out.contains(&format!(
            "Installed the pre-commit hook {}:",
            hook.display()
        )),
        "{out}"
    );
    assert!(!out.contains("/../") && !out.contains("/./"), "{out}");
    assert!(hook.exists());
    let out = run_in_sub(&["hook", "uninstall"]);
    assert_eq!(
        out,
        format!("Removed the pre-commit hook {}\n", hook.display())
    );
    assert!(!hook.exists());
}
