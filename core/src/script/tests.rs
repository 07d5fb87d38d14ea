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

/// Embeds the revision directories below `root` the way `embed_migrations!` does: every
/// non-hidden directory, sorted, with the bytes of the files that exist.
fn embed_like_the_macro(root: &Path) -> crate::embed::EmbeddedMigrations {
    use crate::embed::{EmbeddedMigrations, EmbeddedRevision};
    fn leak<T: ?Sized>(b: Box<T>) -> &'static T {
        Box::leak(b)
    }
    let mut names: Vec<String> = fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    let file = |name: &str, file: &str| -> Option<&'static [u8]> {
        fs::read(root.join(name).join(file))
            .ok()
            .map(|bytes| leak(bytes.into_boxed_slice()))
    };
    let revisions: Vec<EmbeddedRevision> = names
        .iter()
        .map(|name| EmbeddedRevision {
            dir_name: leak(name.clone().into_boxed_str()),
            metadata: file(name, "metadata.toml"),
            up_sql: file(name, "up.sql"),
            down_sql: file(name, "down.sql"),
        })
        .collect();
    let origin = leak(root.display().to_string().into_boxed_str());
    EmbeddedMigrations::__new(origin, leak(revisions.into_boxed_slice()))
}

/// The embedded copy of `root` has exactly the violations of the directory, and loads (or
/// fails to load) with exactly the same error. Returns the violations.
fn same_as_embedded(root: &Path) -> Vec<Violation> {
    let embedded = embed_like_the_macro(root);
    let on_disk = validate(root).unwrap();
    assert_eq!(embedded.validate(), on_disk);
    match (ScriptDirectory::open(root), embedded.scripts()) {
        (Ok(dir), Ok(emb)) => {
            let ids = |d: &ScriptDirectory| d.revisions().map(|r| r.id.clone()).collect::<Vec<_>>();
            assert_eq!(ids(&dir), ids(&emb));
        }
        (Err(dir), Err(crate::Error::Script(emb))) => {
            assert_eq!(dir.to_string(), emb.to_string());
            match (dir, emb) {
                (
                    ScriptError::Invalid { violations: a, .. },
                    ScriptError::Invalid { violations: b, .. },
                ) => {
                    assert_eq!(a, b);
                    assert!(a.iter().all(|v| v.kind.blocks_loading()), "{a:#?}");
                    let blocking: Vec<&Violation> =
                        on_disk.iter().filter(|v| v.kind.blocks_loading()).collect();
                    assert_eq!(a.iter().collect::<Vec<_>>(), blocking);
                }
                other => panic!("{other:?}"),
            }
        }
        (dir, emb) => panic!("directory: {dir:?}\nembedded: {emb:?}"),
    }
    on_disk
}

#[test]
fn embedded_migrations_break_the_same_rules_as_a_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    // Bad metadata.
    let a = write_rev(root, A, "aaaaaaaaaaaa", &[]);
    fs::write(a.join("metadata.toml"), "revision = [").unwrap();
    // A missing parent.
    write_rev(root, B, "bbbbbbbbbbbb", &["ffffffffffff"]);
    // A duplicate revision id.
    write_rev(
        root,
        "2026-01-03-000000-bbbbbbbbbbbb_again",
        "bbbbbbbbbbbb",
        &[],
    );
    // Transaction control.
    let c = write_rev(
        root,
        "2026-01-04-000000-cccccccccccc_third",
        "cccccccccccc",
        &[],
    );
    fs::write(c.join("down.sql"), "ROLLBACK;\n").unwrap();
    // A bad directory name, holding revision files, one of which is missing and one not UTF-8.
    let bad = write_rev(root, "2026-01-05_not_a_revision", "dddddddddddd", &[]);
    fs::remove_file(bad.join("down.sql")).unwrap();
    fs::write(bad.join("up.sql"), [0xff, 0xfe]).unwrap();
    // A stray folder.
    fs::create_dir(root.join("backup")).unwrap();
    // A revision mismatch.
    write_rev(
        root,
        "2026-01-06-000000-eeeeeeeeeeee_sixth",
        "abababababab",
        &[],
    );

    let v = same_as_embedded(root);
    assert_eq!(
        kinds(&v),
        vec![
            ViolationKind::InvalidMetadata,
            ViolationKind::MissingParent,
            ViolationKind::DuplicateRevision,
            ViolationKind::TransactionControl,
            ViolationKind::BadName,
            ViolationKind::MissingFile,
            ViolationKind::UnreadableFile,
            ViolationKind::RevisionMismatch,
            ViolationKind::BadName,
        ],
        "{v:#?}"
    );
}

#[test]
fn embedded_graph_rules_match_a_directory() {
    // A cycle.
    let tmp = tempfile::tempdir().unwrap();
    write_rev(tmp.path(), A, "aaaaaaaaaaaa", &["bbbbbbbbbbbb"]);
    write_rev(tmp.path(), B, "bbbbbbbbbbbb", &["aaaaaaaaaaaa"]);
    let v = same_as_embedded(tmp.path());
    // The first is also earlier than its parent.
    assert_eq!(
        kinds(&v),
        vec![
            ViolationKind::TimestampOrder,
            ViolationKind::Cycle,
            ViolationKind::Cycle
        ]
    );

    // A child earlier than its parent.
    let tmp = tempfile::tempdir().unwrap();
    write_rev(tmp.path(), B, "bbbbbbbbbbbb", &[]);
    write_rev(tmp.path(), A, "aaaaaaaaaaaa", &["bbbbbbbbbbbb"]);
    let v = same_as_embedded(tmp.path());
    assert_eq!(kinds(&v), vec![ViolationKind::TimestampOrder]);
}

#[test]
fn embedded_transaction_control_loads_and_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let a = write_rev(tmp.path(), A, "aaaaaaaaaaaa", &[]);
    fs::write(a.join("up.sql"), "BEGIN;\nCREATE TABLE t (id INTEGER);\n").unwrap();
    write_rev(tmp.path(), B, "bbbbbbbbbbbb", &["aaaaaaaaaaaa"]);
    let v = same_as_embedded(tmp.path());
    assert_eq!(kinds(&v), vec![ViolationKind::TransactionControl]);
    assert!(embed_like_the_macro(tmp.path()).scripts().is_ok());

    // A valid directory embeds to the same graph.
    fs::write(a.join("up.sql"), "CREATE TABLE t (id INTEGER);\n").unwrap();
    assert_eq!(same_as_embedded(tmp.path()), vec![]);
}

#[test]
fn open_shows_the_first_problem_and_counts_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    let a = write_rev(tmp.path(), A, "aaaaaaaaaaaa", &[]);
    fs::remove_file(a.join("up.sql")).unwrap();
    write_rev(tmp.path(), B, "bbbbbbbbbbbb", &["cccccccccccc"]);
    let err = ScriptDirectory::open(tmp.path()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("{}: missing up.sql", a.join("up.sql").display())),
        "{text}"
    );
    assert!(
        text.ends_with("(and 1 more problem(s); `retort check` lists every one)"),
        "{text}"
    );
    assert!(!text.contains('\n'), "{text}");
    let ScriptError::Invalid { violations, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        kinds(&violations),
        vec![ViolationKind::MissingFile, ViolationKind::MissingParent]
    );
}
