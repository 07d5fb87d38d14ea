//! The loading pipeline end to end: directories on disk, and the same files embedded.

use std::fs;
use std::path::{Path, PathBuf};

use super::{validate, ScriptDirectory, ScriptError, Violation, ViolationKind};

const A: &str = "2026-01-01-000000-aaaaaaaaaaaa_first";
const B: &str = "2026-01-02-000000-bbbbbbbbbbbb_second";

fn write_rev(root: &Path, name: &str, revision: &str, parents: &[&str]) -> PathBuf {
    let dir = root.join(name);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("up.sql"), "").unwrap();
    fs::write(dir.join("down.sql"), "").unwrap();
    let parents: Vec<String> = parents.iter().map(|p| format!("\"{p}\"")).collect();
    fs::write(
        dir.join("metadata.toml"),
        format!(
            "revision = \"{revision}\"\nparents = [{}]\nmessage = \"m\"\n\
             created = \"2026-01-01T00:00:00Z\"\nrun_in_transaction = true\n",
            parents.join(", ")
        ),
    )
    .unwrap();
    dir
}

fn kinds(v: &[Violation]) -> Vec<ViolationKind> {
    v.iter().map(|v| v.kind).collect()
}

#[test]
fn a_valid_directory_has_no_violations() {
    let tmp = tempfile::tempdir().unwrap();
    write_rev(tmp.path(), A, "aaaaaaaaaaaa", &[]);
    write_rev(tmp.path(), B, "bbbbbbbbbbbb", &["aaaaaaaaaaaa"]);
    fs::write(tmp.path().join("README.md"), "not a migration").unwrap();
    fs::create_dir(tmp.path().join(".hidden")).unwrap();
    assert_eq!(validate(tmp.path()).unwrap(), vec![]);
    assert!(ScriptDirectory::open(tmp.path()).is_ok());
}

#[test]
fn transaction_control_is_reported_unless_outside_a_transaction() {
    let tmp = tempfile::tempdir().unwrap();
    let a = write_rev(tmp.path(), A, "aaaaaaaaaaaa", &[]);
    fs::write(a.join("up.sql"), "SELECT 'COMMIT;';\n-- COMMIT;\ncommit;\n").unwrap();
    let v = validate(tmp.path()).unwrap();
    assert_eq!(kinds(&v), vec![ViolationKind::TransactionControl], "{v:#?}");
    assert_eq!(v[0].path, a.join("up.sql"));
    assert!(
        v[0].to_string().contains(
            "up.sql: line 3: `COMMIT` would end the transaction Retort runs this revision in; remove it"
        ),
        "{}",
        v[0]
    );
    let meta = fs::read_to_string(a.join("metadata.toml")).unwrap();
    fs::write(
        a.join("metadata.toml"),
        meta.replace("run_in_transaction = true", "run_in_transaction = false"),
    )
    .unwrap();
    assert_eq!(validate(tmp.path()).unwrap(), vec![]);
}

#[test]
fn a_stray_folder_is_one_problem() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("backup")).unwrap();
    let v = validate(tmp.path()).unwrap();
    assert_eq!(kinds(&v), vec![ViolationKind::BadName]);
}

#[test]
fn a_missing_directory_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let err = validate(&tmp.path().join("nope")).unwrap_err();
    assert!(matches!(err, ScriptError::Missing(_)), "{err}");
}

#[test]
fn reports_every_problem_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    // Bad name.
    let bad = root.join("2026-01-01_not_a_revision");
    fs::create_dir(&bad).unwrap();
    // Named wrong but holding revision files: its missing files are reported too.
    fs::write(bad.join("up.sql"), "").unwrap();
    // Revision mismatch.
    write_rev(root, A, "cccccccccccc", &[]);
    // Missing down.sql, invalid metadata.
    let b = write_rev(root, B, "bbbbbbbbbbbb", &[]);
    fs::remove_file(b.join("down.sql")).unwrap();
    fs::write(b.join("metadata.toml"), "revision = [").unwrap();
    // Unreadable (not UTF-8) up.sql and a missing parent.
    let c = write_rev(
        root,
        "2026-01-03-000000-dddddddddddd_third",
        "dddddddddddd",
        &["eeeeeeeeeeee"],
    );
    fs::write(c.join("up.sql"), [0xff, 0xfe, 0x00]).unwrap();

    let v = validate(root).unwrap();
    let text: Vec<String> = v.iter().map(ToString::to_string).collect();
    assert_eq!(
        kinds(&v),
        vec![
            ViolationKind::RevisionMismatch, // `-` sorts before `_`
            ViolationKind::BadName,
            ViolationKind::MissingFile, // 2026-01-01_not_a_revision/down.sql
            ViolationKind::MissingFile, // .../metadata.toml
            ViolationKind::MissingFile,
            ViolationKind::InvalidMetadata,
            ViolationKind::MissingParent,
            ViolationKind::UnreadableFile,
        ],
        "{text:#?}"
    );
    assert!(
        text[1].contains("2026-01-01_not_a_revision: directory name"),
        "{}",
        text[1]
    );
    assert!(
        text[1].contains("expected <YYYY-MM-DD-HHMMSS>"),
        "{}",
        text[1]
    );
    assert!(
        text[0].contains(&format!(
            "{A}/metadata.toml: revision `cccccccccccc` does not match `aaaaaaaaaaaa`"
        )),
        "{}",
        text[0]
    );
    assert!(
        text[4].contains(&format!("{B}/down.sql: missing down.sql")),
        "{}",
        text[4]
    );
    assert!(
        text[5].contains(&format!("{B}/metadata.toml: invalid metadata")),
        "{}",
        text[5]
    );
    assert!(
        text[6].contains("parent eeeeeeeeeeee does not exist"),
        "{}",
        text[6]
    );
    assert!(
        text[7].contains("up.sql: cannot read up.sql"),
        "{}",
        text[7]
    );
}

#[test]
fn a_child_must_be_later_than_its_parents() {
    let tmp = tempfile::tempdir().unwrap();
    write_rev(tmp.path(), B, "bbbbbbbbbbbb", &[]);
    // Same second as its parent: not later.
    let child = "2026-01-02-000000-cccccccccccc_child";
    write_rev(tmp.path(), child, "cccccccccccc", &["bbbbbbbbbbbb"]);
    // Earlier than its parent.
    write_rev(tmp.path(), A, "aaaaaaaaaaaa", &["cccccccccccc"]);
    let v = validate(tmp.path()).unwrap();
    assert_eq!(
        kinds(&v),
        vec![ViolationKind::TimestampOrder, ViolationKind::TimestampOrder]
    );
    let text = v[0].to_string();
    assert!(
        text.starts_with(&tmp.path().join(A).display().to_string()),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "not later than its parent {child}'s (2026-01-02-000000)"
        )),
        "{text}"
    );
    assert!(
        text.contains("rename the directory to a timestamp after 2026-01-02-000000"),
        "{text}"
    );
    // `open` stops at the first one, naming the directory.
    let err = ScriptDirectory::open(tmp.path()).unwrap_err().to_string();
    assert!(err.contains(A) && err.contains("not later than"), "{err}");
}

#[test]
fn duplicates_and_cycles_name_every_directory() {
    let tmp = tempfile::tempdir().unwrap();
    write_rev(tmp.path(), A, "aaaaaaaaaaaa", &[]);
    write_rev(
        tmp.path(),
        "2026-01-01-000001-aaaaaaaaaaaa_again",
        "aaaaaaaaaaaa",
        &[],
    );
    let v = validate(tmp.path()).unwrap();
    assert_eq!(kinds(&v), vec![ViolationKind::DuplicateRevision]);
    assert!(
        v[0].to_string().contains(&format!("also used by {A}")),
        "{}",
        v[0]
    );

    let tmp = tempfile::tempdir().unwrap();
    write_rev(tmp.path(), A, "aaaaaaaaaaaa", &["bbbbbbbbbbbb"]);
    write_rev(tmp.path(), B, "bbbbbbbbbbbb", &["aaaaaaaaaaaa"]);
    let v = validate(tmp.path()).unwrap();
    assert!(
        v.iter().filter(|v| v.kind == ViolationKind::Cycle).count() == 2,
        "{v:#?}"
    );
}

#[test]
fn a_parent_with_broken_metadata_is_not_reported_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let a = write_rev(tmp.path(), A, "aaaaaaaaaaaa", &[]);
    fs::write(a.join("metadata.toml"), "nonsense").unwrap();
    // Still judged by the parent's directory name: same timestamp is too early.
    write_rev(
        tmp.path(),
        "2026-01-01-000000-bbbbbbbbbbbb_child",
        "bbbbbbbbbbbb",
        &["aaaaaaaaaaaa"],
    );
    let v = validate(tmp.path()).unwrap();
    assert_eq!(
        kinds(&v),
        vec![
            ViolationKind::InvalidMetadata,
            ViolationKind::TimestampOrder
        ],
        "{v:#?}"
    );
}

#[test]
fn open_names_the_directory_of_a_missing_parent() {
    let tmp = tempfile::tempdir().unwrap();
    write_rev(tmp.path(), B, "bbbbbbbbbbbb", &["aaaaaaaaaaaa"]);
    let err = ScriptDirectory::open(tmp.path()).unwrap_err().to_string();
    assert!(
        err.starts_with(
            &tmp.path()
                .join(B)
                .join("metadata.toml")
                .display()
                .to_string()
        ),
        "{err}"
    );
    assert!(err.contains("parent aaaaaaaaaaaa does not exist"), "{err}");
}
