//! Skipped work is never silent: a test that skips says so on the terminal of a plain
//! `cargo test` (no `--nocapture`), and `scripts/test.sh` ends with the count
//! (`scripts/skipped.sh` over the log the tests append to).

use std::path::Path;
use std::process::Command;

use crate::support::Run;

const PG_TEST: &str =
    "messages::postgres::a_target_the_other_way_is_refused_with_where_the_database_is";
const REAL_SCHEMA_TEST: &str = "inspect::crates_io_inspected_models_match_the_database";

/// Runs two tests of this very binary, as `cargo test` would (output captured), on a machine
/// without PostgreSQL or the real schemas; both skip, and both are seen and counted.
#[test]
fn a_skipping_test_is_visible_without_nocapture_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("skipped.log");
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", PG_TEST, REAL_SCHEMA_TEST])
        .env_remove("TEST_DATABASE_URL")
        .env_remove("CI")
        .env("RETORT_REAL_SCHEMAS", dir.path().join("nowhere"))
        .env("RETORT_SKIP_LOG", &log)
        .output()
        .unwrap();
    let run = Run::from(output).expect(0);
    assert!(run.stdout.contains("2 passed"), "{}", run.stdout);
    // libtest captured the tests' output, and they passed: the lines came through anyway.
    assert!(
        run.stderr.contains(&format!(
            "SKIPPED (no PostgreSQL): {PG_TEST}: TEST_DATABASE_URL is not set"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "SKIPPED (no real-schemas folder): {REAL_SCHEMA_TEST}: "
        )),
        "{}",
        run.stderr
    );
    let text = std::fs::read_to_string(&log).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with(&format!("no PostgreSQL\t{PG_TEST}\t")),
        "{text}"
    );
    assert!(
        lines[1].starts_with(&format!("no real-schemas folder\t{REAL_SCHEMA_TEST}\t")),
        "{text}"
    );

    // The line scripts/test.sh prints after the run.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/skipped.sh");
    let summary = Run::from(Command::new(&script).arg(&log).output().unwrap()).expect(0);
    assert_eq!(
        summary.stdout,
        "skipped: 2 (no PostgreSQL: 1, no real-schemas folder: 1)\n"
    );
    let empty = dir.path().join("empty.log");
    let summary = Run::from(Command::new(&script).arg(&empty).output().unwrap()).expect(0);
    assert_eq!(summary.stdout, "skipped: 0\n");
}
