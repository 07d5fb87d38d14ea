//! Rust data steps that a binary cannot account for: offline SQL from a binary that lacks a
//! revision's step (whose checksum it cannot compute), and a step registered for a revision
//! whose files never run it (a mistyped marker). The real CLI: `retort_v2` links
//! `src/data_steps.rs`, `retort_v1` lacks `boom` (revision `da7a00000003`).

use crate::support::{Backend, Models, Project};

/// A revision with `rev_id` written through the CLI, then its scripts.
fn revision(p: &Project, message: &str, rev_id: &str, up: &str, down: &str) {
    p.run(Models::V2, &["revision", "-m", message, "--rev-id", rev_id])
        .expect(0);
    let dir = std::fs::read_dir(p.migrations())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|d| d.to_string_lossy().contains(rev_id))
        .expect("the revision's directory");
    std::fs::write(dir.join("up.sql"), up).unwrap();
    std::fs::write(dir.join("down.sql"), down).unwrap();
}

/// The checksum an offline script records for `rev_id`.
fn script_checksum(sql: &str, rev_id: &str) -> String {
    let line = sql
        .lines()
        .find(|l| l.starts_with("INSERT INTO __retort_checksums") && l.contains(rev_id))
        .unwrap_or_else(|| panic!("a checksum row for {rev_id}:\n{sql}"));
    line.rsplit('\'')
        .nth(1)
        .expect("the quoted checksum")
        .to_owned()
}

/// The step is only in down.sql, so `upgrade --sql` needs no placeholder, yet the checksum it
/// records covers the step: a binary without the step is refused, one with it records exactly
/// what a live run records.
fn offline_sql_needs_the_steps(p: &Project) {
    revision(
        p,
        "people",
        "da7a0000000f",
        "CREATE TABLE people (id BIGINT PRIMARY KEY);\n",
        "DROP TABLE people;\n",
    );
    revision(
        p,
        "explode",
        "da7a00000003",
        "CREATE TABLE after_boom (id INTEGER);\n",
        "-- retort: step boom\nDROP TABLE after_boom;\n",
    );
    for args in [
        &["upgrade", "--sql", "head"][..],
        &["upgrade", "--sql", "head", "--step-placeholders"],
        &["stamp", "--sql", "head"],
    ] {
        let run = p.run(Models::V1, args).expect(2);
        assert!(
            run.stderr
                .contains("revision da7a00000003 runs the Rust data step `boom` (")
                && run.stderr.contains(
                    "down.sql:1), which is not compiled into this binary: define it with \
                     `#[retort::data_migration(revision = \"da7a00000003\")] fn boom("
                )
                && run.stderr.contains(
                    "the script records each revision's checksum, which covers its Rust data \
                     steps, so only a binary that has them can print it: nothing was printed"
                ),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(run.stdout, "", "{args:?}");
    }
    let upgrade = p
        .run(Models::V2, &["upgrade", "--sql", "head"])
        .expect(0)
        .stdout;
    let stamp = p
        .run(Models::V2, &["stamp", "--sql", "head"])
        .expect(0)
        .stdout;
    // The live stamp records the checksum a live run does (with the step's hash).
    p.run(Models::V2, &["upgrade", "da7a0000000f"]).expect(0);
    p.run(Models::V2, &["stamp", "head"]).expect(0);
    let live = p
        .strings("SELECT checksum AS v FROM __retort_checksums WHERE version LIKE '%da7a00000003'");
    assert_eq!(live.len(), 1);
    assert_eq!(script_checksum(&upgrade, "da7a00000003"), live[0]);
    assert_eq!(script_checksum(&stamp, "da7a00000003"), live[0]);
    p.run(Models::V2, &["check"]).expect(1);
}

#[test]
fn offline_sql_from_a_binary_without_the_steps_is_refused_on_sqlite() {
    offline_sql_needs_the_steps(&Project::new());
}

#[test]
fn offline_sql_from_a_binary_without_the_steps_is_refused_on_postgres() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    offline_sql_needs_the_steps(&p);
}

/// `-- retort step boom` (no colon) is a plain comment: the step would never run. `check`
/// names the registered step no marker runs; once the marker is right, it no longer does.
fn a_mistyped_marker(p: &Project) {
    p.try_execute("SELECT 1").expect("the database exists");
    revision(
        p,
        "explode",
        "da7a00000003",
        "CREATE TABLE after_boom (id INTEGER);\n-- retort step boom\n",
        "DROP TABLE after_boom;\n",
    );
    let check = p.run(Models::V2, &["check"]).expect(1).stdout;
    assert!(
        check.contains(
            "Rust data steps that no marker runs:\n  revision da7a00000003's Rust data step \
             `boom` ("
        ) && check.contains(
            ") is never run: neither its up.sql nor its down.sql has the line \
             `-- retort: step boom` (migrations/"
        ) && check.contains(
            "put that line between two statements where it should run, or remove the function"
        ),
        "{check}"
    );
    // A binary without the step has nothing to report about it.
    let v1 = p.run(Models::V1, &["check"]).expect(1).stdout;
    assert!(!v1.contains("no marker runs"), "{v1}");
    let dir = std::fs::read_dir(p.migrations())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|d| d.to_string_lossy().contains("da7a00000003"))
        .unwrap();
    std::fs::write(
        dir.join("up.sql"),
        "CREATE TABLE after_boom (id INTEGER);\n-- retort: step boom\n",
    )
    .unwrap();
    let check = p.run(Models::V2, &["check"]).expect(1).stdout;
    assert!(!check.contains("no marker runs"), "{check}");
    assert!(check.contains("not applied (da7a00000003)"), "{check}");
}

#[test]
fn check_names_a_step_no_marker_runs_on_sqlite() {
    a_mistyped_marker(&Project::new());
}

#[test]
fn check_names_a_step_no_marker_runs_on_postgres() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    a_mistyped_marker(&p);
}
