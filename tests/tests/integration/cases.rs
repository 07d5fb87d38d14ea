//! The table-driven round-trip suite: every case of `tests/src/bin/retort_cases/` (one small
//! before/after model set each; see the instructions at the top of its `main.rs`) on each
//! backend it names, through the real CLI on a real database:
//!
//! before models -> autogenerate -> upgrade -> seed rows -> after models -> autogenerate (the
//! case's flags) -> upgrade -> `check` clean -> rows still there unless the case is lossy ->
//! downgrade -1 -> the catalog reads back exactly as before, and so do the rows -> upgrade again.
//!
//! The after step's autogenerate output, up.sql and down.sql are snapshots in
//! `snapshots/cases/` (insta): any change to the generated SQL shows up in review.
//! `RETORT_CASES=<text>` runs only the cases whose name contains the text.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use retort::schema::Schema;

use crate::support::{postgres_url, Backend, Models, Project, Run};

#[test]
fn sqlite_cases() {
    run_all(Backend::Sqlite);
}

#[test]
fn postgres_cases() {
    if postgres_url().is_some() {
        run_all(Backend::Postgres);
    }
}

/// One case as `retort_cases` lists it.
#[derive(Debug)]
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) seed: String,
    pub(crate) flags: Vec<String>,
    pub(crate) lossy: bool,
    pub(crate) backends: String,
    pub(crate) outcome: String,
    pub(crate) text: String,
    pub(crate) config_before: String,
    pub(crate) config_after: String,
}

pub(crate) fn cases() -> Vec<Case> {
    let output = std::process::Command::new(Models::Cases.exe())
        .env("RETORT_CASES_LIST", "1")
        .output()
        .expect("retort_cases runs");
    assert!(output.status.success(), "{output:?}");
    let text = |v: &serde_json::Value, key: &str| v[key].as_str().expect(key).to_owned();
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            Case {
                name: text(&v, "name"),
                seed: text(&v, "seed"),
                flags: v["flags"]
                    .as_array()
                    .expect("flags")
                    .iter()
                    .map(|f| f.as_str().expect("flag").to_owned())
                    .collect(),
                lossy: v["lossy"].as_bool().expect("lossy"),
                backends: text(&v, "backends"),
                outcome: text(&v, "outcome"),
                text: text(&v, "text"),
                config_before: text(&v, "config_before"),
                config_after: text(&v, "config_after"),
            }
        })
        .collect()
}

fn run_all(backend: Backend) {
    let label = backend_label(backend);
    let filter = std::env::var("RETORT_CASES").unwrap_or_default();
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|c| c.backends == "both" || c.backends == label)
        .filter(|c| c.name.contains(&filter))
        .collect();
    assert!(
        filter.is_empty() || !cases.is_empty(),
        "no case matches RETORT_CASES={filter}"
    );
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let workers = if backend == Backend::Sqlite { 2 } else { 3 };
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let result = std::panic::catch_unwind(AssertUnwindSafe(|| run_case(backend, case)));
                if let Err(panic) = result {
                    let message = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_default();
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("{} on {label}: {message}", case.name));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    eprintln!("{} cases passed on {label}", cases.len());
}

fn backend_label(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

fn run_case(backend: Backend, case: &Case) {
    let p = Project::on(backend).expect("backend available");
    let run = |side: &str, args: &[&str]| -> Run {
        Run::from(
            p.command(Models::Cases, args)
                .env("RETORT_CASE", format!("{}/{side}", case.name))
                .output()
                .expect("retort_cases runs"),
        )
    };
    // The case's Retort.toml lines for a step follow the project's settings.
    let base = std::fs::read_to_string(p.path().join("Retort.toml")).expect("Retort.toml");
    let configure = |extra: &str| {
        std::fs::write(p.path().join("Retort.toml"), format!("{base}{extra}\n"))
            .expect("write Retort.toml");
    };
    configure(&case.config_before);
    run("before", &["autogenerate", "-m", "before"]).expect(0);
    run("before", &["upgrade", "head"]).expect(0);
    run("before", &["check"]).expect(0);
    if !case.seed.is_empty() {
        p.execute(&case.seed);
    }
    let schema0 = p.schema_with_others();
    let rows0 = rows(&p, &schema0);

    configure(&case.config_after);
    let mut args = vec!["autogenerate", "-m", "after"];
    args.extend(case.flags.iter().map(String::as_str));
    let snapshot = format!(
        "{}@{}",
        case.name.replace("::", "__"),
        backend_label(backend)
    );
    if case.outcome == "unchanged" {
        let same = run("after", &args).expect(0);
        assert_eq!(same.stdout.trim(), "No changes detected");
        assert_eq!(p.revision_dirs().len(), 1, "nothing is written");
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
        assert_eq!(p.revision_dirs().len(), 1, "a refusal writes nothing");
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
        assert_same_schema(
            &schema0,
            &p.schema_with_others(),
            "after the failed upgrade",
        );
        assert_eq!(rows(&p, &schema0), rows0, "rows after the failed upgrade");
        return;
    }

    run("after", &["upgrade", "head"]).expect(0);
    let check = run("after", &["check"]);
    assert_eq!(
        check.code, 0,
        "check is not clean after upgrade:\n{}{}",
        check.stdout, check.stderr
    );
    let schema1 = p.schema_with_others();
    if !case.lossy {
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
    assert_same_schema(&schema0, &p.schema_with_others(), "after downgrade -1");
    if !case.lossy {
        assert_eq!(rows(&p, &schema0), rows0, "rows after downgrade -1");
    }
    run("after", &["upgrade", "head"]).expect(0);
    run("after", &["check"]).expect(0);
}

pub(crate) fn assert_snapshot(name: &str, content: String) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/cases");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, content));
}

/// Equal schemas, or a panic naming the first table that differs, with both versions.
pub(crate) fn assert_same_schema(expected: &Schema, actual: &Schema, when: &str) {
    let names = |s: &Schema| s.tables.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(expected), names(actual), "tables {when}");
    for (name, table) in &expected.tables {
        assert_eq!(table, &actual.tables[name], "table `{name}` {when}");
    }
    assert_eq!(expected, actual, "schema {when}");
}

/// Every row of every table of `schema`, as text (NULL distinct from 'NULL'), sorted.
fn rows(p: &Project, schema: &Schema) -> std::collections::BTreeMap<String, Vec<String>> {
    schema
        .tables
        .values()
        .map(|table| {
            let quote = |c: &str| match p.backend {
                Backend::Sqlite => format!("quote(\"{c}\")"),
                Backend::Postgres => format!("quote_nullable(\"{c}\")"),
            };
            let row: Vec<String> = table.columns.iter().map(|c| quote(&c.name)).collect();
            let sql = format!(
                "SELECT {} AS v FROM {}",
                row.join(" || '|' || "),
                retort::dialect::standard::quote_table_with(
                    retort::dialect::standard::quote_ident,
                    &table.name
                )
            );
            let mut values = p.strings(&sql);
            values.sort();
            (table.name.clone(), values)
        })
        .collect()
}

fn count(p: &Project, table: &str) -> usize {
    p.strings(&format!(
        "SELECT CAST(COUNT(*) AS TEXT) AS v FROM {}",
        retort::dialect::standard::quote_table_with(retort::dialect::standard::quote_ident, table)
    ))[0]
        .parse()
        .expect("a count")
}
