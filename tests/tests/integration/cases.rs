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

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use retort::schema::Schema;

use crate::support::{postgres_url, Backend, Models, Project, Run};

#[test]
fn sqlite_cases() {
    run_all("sqlite", 2, &[], || {
        Project::on(Backend::Sqlite).expect("SQLite")
    });
}

#[test]
fn postgres_cases() {
    if postgres_url().is_some() {
        run_all("postgres", 3, &[], || {
            Project::on(Backend::Postgres).expect("PostgreSQL available")
        });
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

/// What the case steps need of a project, whichever backend it runs on: each backend's case
/// test runs [`run_all`] over its project kind, so every backend takes the same steps.
pub(crate) trait CaseProject {
    /// The backend's name in snapshot names (`<case>@<label>`) and messages.
    fn label(&self) -> &'static str;
    /// A command for the cases' CLI (`retort_cases`), in the project directory.
    fn command(&self, args: &[&str]) -> std::process::Command;
    /// Writes Retort.toml: the project's database and migrations, then `extra` lines.
    fn configure(&self, extra: &str);
    /// Runs a case's seed (standard SQL, identifiers in double quotes).
    fn seed(&self, sql: &str);
    /// The live schema, columns sorted by name.
    fn schema(&self) -> Schema;
    /// Every row of every table of `schema`, as text (NULL distinct from 'NULL'), sorted.
    fn rows(&self, schema: &Schema) -> BTreeMap<String, Vec<String>>;
    fn count(&self, table: &str) -> usize;
    fn revision_dirs(&self) -> Vec<PathBuf>;
    /// Whether a failed upgrade leaves schema and rows as they were (transactional DDL).
    fn failed_upgrade_rolls_back(&self) -> bool;
}

impl CaseProject for Project {
    fn label(&self) -> &'static str {
        backend_label(self.backend)
    }
    fn command(&self, args: &[&str]) -> std::process::Command {
        Project::command(self, Models::Cases, args)
    }
    fn configure(&self, extra: &str) {
        std::fs::write(
            self.path().join("Retort.toml"),
            format!(
                "database_url = \"{}\"\nmigrations_dir = \"migrations\"\n{extra}\n",
                self.url
            ),
        )
        .expect("write Retort.toml");
    }
    fn seed(&self, sql: &str) {
        self.execute(sql);
    }
    /// With PostgreSQL's other schemas, so a schema a migration created and its downgrade did
    /// not drop shows.
    fn schema(&self) -> Schema {
        self.schema_with_others()
    }
    fn rows(&self, schema: &Schema) -> BTreeMap<String, Vec<String>> {
        schema
            .tables
            .values()
            .map(|table| {
                let quote = |c: &str| match self.backend {
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
                let mut values = self.strings(&sql);
                values.sort();
                (table.name.clone(), values)
            })
            .collect()
    }
    fn count(&self, table: &str) -> usize {
        self.strings(&format!(
            "SELECT CAST(COUNT(*) AS TEXT) AS v FROM {}",
            retort::dialect::standard::quote_table_with(
                retort::dialect::standard::quote_ident,
                table
            )
        ))[0]
            .parse()
            .expect("a count")
    }
    fn revision_dirs(&self) -> Vec<PathBuf> {
        Project::revision_dirs(self)
    }
    fn failed_upgrade_rolls_back(&self) -> bool {
        true
    }
}

/// Runs every case for `label` (those of both backends and of `label` alone, narrowed by
/// `RETORT_CASES`) on fresh projects from `open`, `workers` at a time. `not_here` lists the
/// cases this backend cannot run: (name, what the failure says, why); such a case must fail
/// saying exactly that, and one that passes fails the test, so the list only shrinks.
pub(crate) fn run_all<P: CaseProject>(
    label: &str,
    workers: usize,
    not_here: &[(&str, &str, &str)],
    open: impl Fn() -> P + Sync,
) {
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
    let outcomes = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let result = std::panic::catch_unwind(AssertUnwindSafe(|| run_case(&open(), case)));
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
        not_here
            .iter()
            .find(|(n, ..)| *n == name)
            .map(|(_, says, _)| *says)
    };
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|(name, failure)| match (failure, expected(name)) {
            (Some(message), None) => Some(format!("{name} on {label}: {message}")),
            (Some(message), Some(says)) if !message.contains(says) => Some(format!(
                "{name} on {label} should fail saying `{says}`: {message}"
            )),
            (None, Some(_)) => Some(format!(
                "{name} passes on {label} now: remove it from the cases {label} cannot run"
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
    let cannot = outcomes
        .iter()
        .filter(|(n, _)| expected(n).is_some())
        .count();
    let passed = outcomes.iter().filter(|(_, f)| f.is_none()).count();
    if cannot == 0 {
        eprintln!("{passed} cases passed on {label}");
    } else {
        eprintln!("{passed} cases passed on {label} ({cannot} it cannot run)");
    }
}

fn backend_label(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// One case's steps on a fresh project `p`, the same on every backend.
fn run_case(p: &impl CaseProject, case: &Case) {
    let run = |side: &str, args: &[&str]| -> Run {
        Run::from(
            p.command(args)
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
        p.seed(&case.seed);
    }
    let schema0 = p.schema();
    let rows0 = p.rows(&schema0);

    p.configure(&case.config_after);
    let mut args = vec!["autogenerate", "-m", "after"];
    args.extend(case.flags.iter().map(String::as_str));
    let snapshot = format!("{}@{}", case.name.replace("::", "__"), p.label());
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
        if p.failed_upgrade_rolls_back() {
            assert_same_schema(&schema0, &p.schema(), "after the failed upgrade");
            assert_eq!(p.rows(&schema0), rows0, "rows after the failed upgrade");
        }
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
                p.count(name),
                rows0[name].len(),
                "rows of `{name}` after upgrade"
            );
        }
    }
    run("after", &["downgrade", "-1", "--yes"]).expect(0);
    assert_same_schema(&schema0, &p.schema(), "after downgrade -1");
    if !case.lossy {
        assert_eq!(p.rows(&schema0), rows0, "rows after downgrade -1");
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
