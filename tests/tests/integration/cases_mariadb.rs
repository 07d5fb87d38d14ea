//! The round-trip suite of `cases.rs` on MariaDB (`TEST_MYSQL_URL`): every case that runs on
//! both SQLite and PostgreSQL runs here too, through the same steps (before -> autogenerate ->
//! upgrade -> seed -> after -> autogenerate -> upgrade -> `check` clean -> rows kept ->
//! downgrade -1 -> schema and rows as before -> upgrade again), its SQL snapshot-tested as
//! `<case>@mariadb`. The cases MariaDB cannot run are listed in [`NOT_ON_MARIADB`] with what
//! their failure says and why: such a case must fail saying exactly that (most are refusals of
//! what MariaDB cannot hold, with the reason), and an entry that passes fails the test, so the
//! list only shrinks.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use retort::schema::Schema;

use crate::cases::{assert_same_schema, assert_snapshot, cases, Case};
use crate::mariadb_support::MyProject;
use crate::support::{Models, Run};

const TEXT_KEY: &str = "MariaDB keys a TEXT, BLOB or JSON column only by a prefix";
const PARTIAL: &str = "MariaDB has no partial indexes";
/// A TEXT column indexed without a prefix (the other backends cannot declare one; `mariadb.rs`
/// has the same cases with prefixes).
const TEXT_INDEX: &str = "declare the index on the struct with a prefix length";

/// Cases of both other backends that MariaDB does not run: (name, what the failure says, why).
const NOT_ON_MARIADB: &[(&str, &str, &str)] = &[
    (
        "adoption::add_not_valid_checks",
        "has no NOT VALID",
        "refused: no NOT VALID",
    ),
    (
        "adoption::ignored_index_is_kept",
        "You have an error in your SQL syntax",
        "its seed creates an expression index, which MariaDB 10.11 has not",
    ),
    (
        "basics::change_primary_key",
        TEXT_KEY,
        "a TEXT column joins the key",
    ),
    (
        "basics::widen_index",
        TEXT_KEY,
        "an index over two TEXT columns",
    ),
    (
        "constraints::add_composite_deferrable_foreign_key",
        TEXT_KEY,
        "a unique index of a TEXT and the AUTO_INCREMENT key (and deferrable keys)",
    ),
    (
        "constraints::add_index_properties",
        PARTIAL,
        "refused: partial index",
    ),
    (
        "constraints::change_index_predicate",
        PARTIAL,
        "refused: partial index",
    ),
    (
        "constraints::declared_index_properties_are_no_change",
        PARTIAL,
        "refused: partial index",
    ),
    (
        "constraints::reorder_primary_key_under_a_foreign_key",
        TEXT_KEY,
        "TEXT key columns",
    ),
    (
        "constraints::widen_primary_key_under_a_foreign_key",
        TEXT_KEY,
        "TEXT key columns",
    ),
    (
        "enums::enum_in_index_predicate_and_check",
        PARTIAL,
        "refused: partial index",
    ),
    (
        "enums::new_label_in_a_new_index_predicate",
        PARTIAL,
        "refused: partial index",
    ),
    (
        "naming::custom_convention",
        TEXT_KEY,
        "an index over a TEXT and another column",
    ),
    (
        "naming::primary_key_changed_under_pk_template",
        TEXT_KEY,
        "a TEXT column joins the key",
    ),
    (
        "primary_keys::key_in_another_order_than_the_fields",
        TEXT_KEY,
        "a TEXT key column",
    ),
    (
        "adoption::rename_odd_names",
        TEXT_INDEX,
        "a TEXT column indexed without a prefix",
    ),
    (
        "basics::add_index",
        TEXT_INDEX,
        "a TEXT column indexed without a prefix (mariadb::add_prefix_index)",
    ),
    (
        "basics::many_changes_at_once",
        TEXT_INDEX,
        "a TEXT column indexed without a prefix",
    ),
    (
        "basics::rename_index",
        TEXT_INDEX,
        "a TEXT column indexed without a prefix (mariadb::rename_prefix_index)",
    ),
    (
        "naming::convention_changed",
        TEXT_INDEX,
        "a TEXT column indexed without a prefix",
    ),
    (
        "renames::rename_column",
        TEXT_INDEX,
        "a TEXT column indexed without a prefix (mariadb::rename_column_under_prefix_index)",
    ),
];

#[test]
fn mariadb_cases() {
    if crate::mariadb_support::mariadb_url().is_none() {
        return;
    }
    let filter = std::env::var("RETORT_CASES").unwrap_or_default();
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|c| c.backends == "both" || c.backends == "mariadb")
        .filter(|c| c.name.contains(&filter))
        .collect();
    assert!(
        filter.is_empty() || !cases.is_empty(),
        "no case matches RETORT_CASES={filter}"
    );
    let next = AtomicUsize::new(0);
    let outcomes = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let result = std::panic::catch_unwind(AssertUnwindSafe(|| run_case(case)));
                let failure = result.err().map(|panic| {
                    panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_default()
                });
                outcomes.lock().unwrap().push((case.name.clone(), failure));
            });
        }
    });
    let outcomes = outcomes.into_inner().unwrap();
    let expected = |name: &str| {
        NOT_ON_MARIADB
            .iter()
            .find(|(n, ..)| *n == name)
            .map(|(_, says, _)| *says)
    };
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|(name, failure)| match (failure, expected(name)) {
            (Some(message), None) => Some(format!("{name} on mariadb: {message}")),
            (Some(message), Some(says)) if !message.contains(says) => Some(format!(
                "{name} on mariadb should fail saying `{says}`: {message}"
            )),
            (None, Some(_)) => Some(format!(
                "{name} passes on mariadb now: remove it from NOT_ON_MARIADB"
            )),
            _ => None,
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    eprintln!(
        "{} cases passed on mariadb ({} it cannot run)",
        outcomes.iter().filter(|(_, f)| f.is_none()).count(),
        outcomes
            .iter()
            .filter(|(n, _)| expected(n).is_some())
            .count()
    );
}

fn run_case(case: &Case) {
    let p = MyProject::new().expect("MariaDB available");
    let exe = Models::Cases.exe();
    let run = |side: &str, args: &[&str]| -> Run {
        Run::from(
            p.command(exe, args)
                .env("RETORT_CASE", format!("{}/{side}", case.name))
                .output()
                .expect("retort_cases runs"),
        )
    };
    p.configure(&case.config_before);
    run("before", &["autogenerate", "-m", "before"]).expect(0);
    run("before", &["upgrade", "head"]).expect(0);
    run("before", &["check"]).expect(0);
    if !case.seed.is_empty() {
        // The seeds quote identifiers in double quotes, as standard SQL does.
        p.execute(&format!(
            "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES'); {}",
            case.seed
        ));
    }
    let schema0 = p.schema();
    let rows0 = rows(&p, &schema0);

    p.configure(&case.config_after);
    let mut args = vec!["autogenerate", "-m", "after"];
    args.extend(case.flags.iter().map(String::as_str));
    let snapshot = format!("{}@mariadb", case.name.replace("::", "__"));
    if case.outcome == "unchanged" {
        let same = run("after", &args).expect(0);
        assert_eq!(same.stdout.trim(), "No changes detected");
        run("after", &["check"]).expect(0);
        return;
    }
    if case.outcome == "refused" {
        let refused = run("after", &args).expect(2);
        assert!(
            refused.stderr.contains(&case.text),
            "autogenerate's refusal does not mention `{}`:\n{}",
            case.text,
            refused.stderr
        );
        assert_snapshot(&snapshot, format!("-- refused:\n{}", refused.stderr));
        return;
    }
    let generated = run("after", &args).expect(0);
    let dirs = p.revision_dirs();
    assert_eq!(dirs.len(), 2, "{}", generated.stdout);
    let read = |file: &str| std::fs::read_to_string(dirs[1].join(file)).expect(file);
    let report: String = generated
        .stdout
        .lines()
        .filter(|l| !l.starts_with("Generated "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_snapshot(
        &snapshot,
        format!(
            "-- autogenerate:\n{report}\n-- up.sql:\n{}\n-- down.sql:\n{}",
            read("up.sql"),
            read("down.sql")
        ),
    );
    if case.outcome == "upgrade_fails" {
        let failed = run("after", &["upgrade", "head"]);
        assert_ne!(failed.code, 0, "upgrade should fail:\n{}", failed.stdout);
        assert!(
            failed.stderr.contains(&case.text),
            "upgrade's error does not mention `{}`:\n{}",
            case.text,
            failed.stderr
        );
        return;
    }
    run("after", &["upgrade", "head"]).expect(0);
    let check = run("after", &["check"]);
    assert_eq!(
        check.code, 0,
        "check is not clean after upgrade:\n{}{}",
        check.stdout, check.stderr
    );
    if !case.lossy {
        let schema1 = p.schema();
        for name in schema0
            .tables
            .keys()
            .filter(|t| schema1.tables.contains_key(*t))
        {
            assert_eq!(
                count(&p, name),
                rows0[name].len(),
                "rows of `{name}` after upgrade"
            );
        }
    }
    run("after", &["downgrade", "-1", "--yes"]).expect(0);
    assert_same_schema(&schema0, &p.schema(), "after downgrade -1");
    if !case.lossy {
        assert_eq!(rows(&p, &schema0), rows0, "rows after downgrade -1");
    }
    run("after", &["upgrade", "head"]).expect(0);
    run("after", &["check"]).expect(0);
}

/// Every row of every table of `schema`, as text (`QUOTE`: NULL distinct from 'NULL'), sorted.
fn rows(p: &MyProject, schema: &Schema) -> std::collections::BTreeMap<String, Vec<String>> {
    let quote = |name: &str| format!("`{}`", name.replace('`', "``"));
    schema
        .tables
        .values()
        .map(|table| {
            let row: Vec<String> = table
                .columns
                .iter()
                .map(|c| format!("QUOTE({})", quote(&c.name)))
                .collect();
            let sql = format!(
                "SELECT CAST(CONCAT_WS('|', {}) AS CHAR) AS v FROM {}",
                row.join(", "),
                quote(&table.name)
            );
            let mut values: Vec<String> = p.strings(&sql).into_iter().flatten().collect();
            values.sort();
            (table.name.clone(), values)
        })
        .collect()
}

fn count(p: &MyProject, table: &str) -> usize {
    p.strings(&format!(
        "SELECT CAST(COUNT(*) AS CHAR) AS v FROM `{}`",
        table.replace('`', "``")
    ))[0]
        .as_deref()
        .expect("a count")
        .parse()
        .expect("a number")
}
