//! Hostile migrations directories and messages (issue 15): every problem is refused with exit 2,
//! naming the file, before anything runs; messages are printed with their control characters
//! escaped. SQLite only: nothing here depends on the backend.

use std::path::Path;

use crate::support::{Models, Project};

/// A project with two revisions, `first` and `second` (its child).
fn two_revisions() -> (Project, String, String) {
    let p = Project::new();
    p.run(Models::V1, &["revision", "-m", "first"]).expect(0);
    p.run(Models::V1, &["revision", "-m", "second"]).expect(0);
    let (a, b) = (p.revision_id(0), p.revision_id(1));
    (p, a, b)
}

fn edit_metadata(dir: &Path, edit: impl FnOnce(String) -> String) {
    let path = dir.join("metadata.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(text)).unwrap();
}

/// Every command that reads the directory refuses it, and the database stays at base.
#[track_caller]
fn refused_everywhere(p: &Project, expected: &[&str]) {
    for args in [
        &["upgrade", "head"][..],
        &["history"],
        &["check"],
        &["upgrade", "--sql", "head"],
    ] {
        let run = p.run(Models::V1, args).expect(2);
        for part in expected {
            assert!(
                run.stderr.contains(part),
                "{args:?}: {part}: {}",
                run.stderr
            );
        }
    }
    // Only `current` and a fresh start can tell: nothing was applied.
    assert!(p
        .strings("SELECT name FROM sqlite_master WHERE name = 'users'")
        .is_empty());
}

#[test]
fn a_duplicate_parent_is_refused_naming_the_file() {
    let (p, a, _) = two_revisions();
    let dir = p.revision_dirs()[1].clone();
    edit_metadata(&dir, |t| {
        t.replace(
            &format!("parents = [\"{a}\"]"),
            &format!("parents = [\"{a}\", \"{a}\"]"),
        )
    });
    let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
    refused_everywhere(
        &p,
        &[
            &format!("{name}/metadata.toml"),
            &format!("parent {a} is listed twice"),
        ],
    );
}

#[test]
fn a_revision_that_is_its_own_parent_is_a_cycle_not_a_panic() {
    let (p, _, b) = two_revisions();
    let dir = p.revision_dirs()[1].clone();
    edit_metadata(&dir, |t| {
        let start = t.find("parents = [").unwrap();
        let end = start + t[start..].find(']').unwrap() + 1;
        format!("{}parents = [\"{b}\"]{}", &t[..start], &t[end..])
    });
    refused_everywhere(&p, &[&format!("{b} -> {b}")]);
}

#[test]
fn a_misspelt_metadata_key_is_refused_with_the_valid_keys() {
    let (p, _, _) = two_revisions();
    let dir = p.revision_dirs()[1].clone();
    edit_metadata(&dir, |t| format!("{t}run_in_transacton = false\n"));
    let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
    refused_everywhere(
        &p,
        &[
            &format!("{name}/metadata.toml"),
            "unknown key `run_in_transacton`",
            "did you mean `run_in_transaction`",
            "revision, parents, branch_labels, depends_on, message, created, run_in_transaction, \
             dialect",
        ],
    );
}

#[test]
fn a_file_named_like_a_revision_is_refused() {
    let (p, _, _) = two_revisions();
    let name = "2030-01-01-000000-abcdefabcdef_stray";
    std::fs::write(p.migrations().join(name), "CREATE TABLE x (id INTEGER);\n").unwrap();
    // Files not named like revisions are ignored, like diesel does.
    std::fs::write(p.migrations().join("README.md"), "notes\n").unwrap();
    refused_everywhere(&p, &[name, "is a regular file, not a revision directory"]);
}

#[cfg(unix)]
#[test]
fn a_looping_symlink_named_like_a_revision_is_refused() {
    let (p, _, _) = two_revisions();
    let name = "2030-01-01-000000-abcdefabcdef_loop";
    std::os::unix::fs::symlink(name, p.migrations().join(name)).unwrap();
    refused_everywhere(&p, &[name, "is a symbolic link that cannot be followed"]);
    // A symlink to a real revision directory is a revision.
    std::fs::remove_file(p.migrations().join(name)).unwrap();
    let real = p.revision_dirs()[1].clone();
    let moved = p.path().join("elsewhere");
    std::fs::rename(&real, &moved).unwrap();
    std::os::unix::fs::symlink(&moved, &real).unwrap();
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
}

#[test]
fn a_nul_byte_in_a_script_is_refused_before_anything_runs() {
    let (p, _, _) = two_revisions();
    std::fs::write(
        p.revision_dirs()[0].join("up.sql"),
        "CREATE TABLE users (id INTEGER);\n",
    )
    .unwrap();
    let up = p.revision_dirs()[1].join("up.sql");
    std::fs::write(&up, "CREATE TABLE t (id INTEGER);\nSELECT '\0';\n").unwrap();
    let name = p.revision_dirs()[1]
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    refused_everywhere(&p, &[&format!("{name}/up.sql"), "NUL byte on line 2"]);
}

#[test]
fn a_migrations_path_that_is_a_file_says_so() {
    let p = Project::new();
    std::fs::remove_dir_all(p.migrations()).unwrap();
    std::fs::write(p.migrations(), "").unwrap();
    let run = p.run(Models::V1, &["history"]).expect(2);
    assert!(
        run.stderr.contains("is a file, not a directory"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("does not exist"), "{}", run.stderr);
}

#[test]
fn messages_are_printed_with_control_characters_escaped() {
    let p = Project::new();
    let evil = "evil \u{1b}[2J\u{1b}]0;owned\u{7}\nApplied 000000000000 fake\r\u{202e}";
    p.run(Models::V1, &["revision", "-m", evil]).expect(0);
    let root = p.revision_id(0);
    p.run(Models::V1, &["revision", "-m", evil, "--head", &root])
        .expect(0);
    p.run(Models::V1, &["revision", "-m", evil, "--head", &root])
        .expect(0);
    p.run(Models::V1, &["upgrade", "heads"]).expect(0);
    let escaped = "evil \\u{1b}[2J\\u{1b}]0;owned\\u{7}\\nApplied 000000000000 fake\\r\\u{202e}";
    for args in [
        &["history"][..],
        &["history", "--verbose"],
        &["show", &root],
        &["heads"],
        &["branches"],
        &["current"],
    ] {
        let run = p.run(Models::V1, args).expect(0);
        assert!(run.stdout.contains(escaped), "{args:?}: {:?}", run.stdout);
        for c in ['\u{1b}', '\u{7}', '\r', '\u{202e}'] {
            assert!(!run.stdout.contains(c), "{args:?}: {:?}", run.stdout);
        }
        assert!(
            !run.stdout.lines().any(|l| l.starts_with("Applied")),
            "{args:?}: a message made its own line: {:?}",
            run.stdout
        );
    }
}
