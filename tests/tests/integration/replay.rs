//! Real histories, replayed: `../shared/real-schemas/<app>/history/` holds `pg_dump
//! --schema-only` snapshots along the real migrations of crates.io (diesel, 16 snapshots),
//! docs.rs (sqlx, 16) and atuin's server (sqlx, 14). For each pair of consecutive snapshots
//! A -> B: inspect B into models, autogenerate on a database at A, upgrade: the tables' catalog
//! (columns, keys, constraints, indexes, identities and their kind, serial columns with their
//! sequences and defaults), its triggers, functions and views equal B's (the inspected models
//! declare them: `retort::function!`, `retort::trigger!`, `#[derive(View)]`, and own them all:
//! `objects = "owned"` drops what B no longer has); downgrade -1: it
//! equals A's again. Comments on other objects stay out of the comparison; A first gets the
//! extensions and types B's columns need (not its functions: the models create those).
//! A step may be refused by autogenerate, with a precise reason (a NOT NULL column without a
//! default needs `--backfill`, which the replay then gives); it must never fail at upgrade.
//!
//! Runs where the snapshots are (`RETORT_REAL_SCHEMAS` or `../shared/real-schemas`); prints
//! SKIPPED elsewhere.

use std::path::PathBuf;

use retort::schema::Schema;

use crate::scratch::scratch_crate;
use crate::support::{Backend, Models, Project};

fn snapshots(app: &str) -> Option<Vec<(String, String)>> {
    let dir = crate::lossless::real_schema(app)
        .parent()
        .unwrap()
        .join("history");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    Some(
        files
            .into_iter()
            .map(|p| {
                let stem = p.file_stem().unwrap().to_str().unwrap();
                let name = format!("s{}", &stem[..3]);
                // pg_dump's `\restrict KEY` / `\unrestrict KEY` lines are psql's, not SQL.
                let sql: String = std::fs::read_to_string(&p)
                    .unwrap()
                    .lines()
                    .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
                    .map(|l| format!("{l}\n"))
                    .collect();
                (name, sql)
            })
            .collect(),
    )
}

/// The blocks of a pg_dump that create extensions and types, runnable again on a database that
/// may have some of them already (each may fail alone).
fn prerequisites(dump: &str) -> Vec<String> {
    let mut out = Vec::new();
    for block in dump.split("\n--\n-- Name: ").skip(1) {
        let header = block.lines().next().unwrap_or_default();
        let wanted = ["Type: EXTENSION;", "Type: TYPE;"]
            .iter()
            .any(|t| header.contains(t));
        if !wanted {
            continue;
        }
        let sql: String = block
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        out.push(sql);
    }
    out
}

/// What the comparison covers: every table with its columns, keys, indexes, constraints and
/// triggers, how the database assigns its columns' values (identity kind, serial columns with
/// their sequences and defaults), the functions and the views; not comments on other objects.
fn comparable(mut schema: Schema) -> Schema {
    schema.dependents.clear();
    for table in schema.tables.values_mut() {
        table.unmodeled.retain(|d| {
            let d = d.sql();
            d.starts_with("CREATE INDEX")
                || d.starts_with("CREATE UNIQUE INDEX")
                || d.starts_with("ALTER TABLE")
                || d.starts_with("CREATE SEQUENCE")
                || d.starts_with("CREATE TRIGGER")
                || d.starts_with("CREATE CONSTRAINT TRIGGER")
        });
        // Where a sequence comes in the kept definitions is not a difference.
        table.unmodeled.sort();
    }
    schema
}

fn differences(expected: &Schema, actual: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for (name, table) in &expected.tables {
        match actual.tables.get(name) {
            None => out.push(format!("table {name} missing")),
            Some(other) if other != table => {
                out.push(format!("table {name}:\n  want {table:?}\n  got  {other:?}"))
            }
            Some(_) => {}
        }
    }
    for name in actual.tables.keys() {
        if !expected.tables.contains_key(name) {
            out.push(format!("table {name} should not be there"));
        }
    }
    let keys = |s: &Schema| -> Vec<(String, String)> {
        s.functions
            .iter()
            .map(|(k, f)| (k.clone(), f.definition.clone()))
            .collect()
    };
    if keys(expected) != keys(actual) {
        out.push(format!(
            "functions:\n  want {:?}\n  got  {:?}",
            keys(expected),
            keys(actual)
        ));
    }
    let views = |s: &Schema| -> Vec<(String, String, bool)> {
        s.views
            .values()
            .map(|v| (v.name.clone(), v.definition.clone(), v.materialized))
            .collect()
    };
    if views(expected) != views(actual) {
        out.push(format!(
            "views:\n  want {:?}\n  got  {:?}",
            views(expected),
            views(actual)
        ));
    }
    out
}

/// `table.column=value` for each `--backfill table.column=<SQL expression>` a refusal asks for,
/// the value a literal of the column's type in `target`.
fn backfills(stderr: &str, target: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for part in stderr.split("--backfill ").skip(1) {
        let Some((column, _)) = part.split_once("=<SQL expression>") else {
            continue;
        };
        let Some((table, name)) = column.split_once('.') else {
            continue;
        };
        let Some(c) = target.get(table).and_then(|t| t.column(name)) else {
            continue;
        };
        use retort::schema::SqlType as T;
        let value = match &c.ty {
            T::Boolean => "false".to_owned(),
            T::SmallInt | T::Integer | T::BigInt | T::Real | T::Double | T::Numeric { .. } => {
                "0".to_owned()
            }
            T::Date | T::Timestamp | T::TimestampTz => "now()".to_owned(),
            T::Blob => "''::bytea".to_owned(),
            T::Json | T::Jsonb => "'{}'".to_owned(),
            T::Custom(ty) if ty.ends_with("[]") => "'{}'".to_owned(),
            other => format!("''::{}", other.to_string().to_lowercase()),
        };
        out.push(format!("{column}={value}"));
    }
    out.sort();
    out.dedup();
    out
}

/// Steps that fail for reasons other than what the models say, with the text of the failure:
/// (app, step, text).
const KNOWN: &[(&str, &str, &str)] = &[];

#[test]
fn crates_io_history_replays_step_by_step() {
    replay("crates.io");
}

#[test]
fn docs_rs_history_replays_step_by_step() {
    replay("docs.rs");
}

#[test]
fn atuin_server_history_replays_step_by_step() {
    replay("atuin-server-postgres");
}

/// Replays `app`'s history snapshots step by step (see the module's documentation).
fn replay(app: &str) {
    let Some(snapshots) = snapshots(app) else {
        crate::support::skipped(
            crate::support::NO_REAL_SCHEMAS,
            &format!("{app}'s history snapshots are not on this machine"),
        );
        return;
    };
    let krate = format!(
        "replay-{}",
        app.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    );
    // Each snapshot, inspected into a module of one scratch binary; RETORT_STEP picks it.
    let mut files = Vec::new();
    let mut main_rs = String::new();
    for (name, sql) in &snapshots[1..] {
        let Some(p) = Project::on(Backend::Postgres) else {
            return;
        };
        p.execute(sql);
        let path = p.path().join("models.rs");
        p.run(Models::None, &["inspect", "-o", path.to_str().unwrap()])
            .expect(0);
        files.push((
            format!("src/{name}.rs").leak() as &str,
            std::fs::read_to_string(path).unwrap(),
        ));
        main_rs.push_str(&format!("mod {name};\n"));
    }
    main_rs.push_str(&format!(
        r#"
static STEP: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn selected(m: &retort::ModelRegistration) -> bool {{
    m.rust_path.starts_with(STEP.get().unwrap().as_str())
}}

fn main() -> std::process::ExitCode {{
    let step = std::env::var("RETORT_STEP").expect("RETORT_STEP");
    STEP.set(format!("{}::{{step}}::")).unwrap();
    retort_cli::run_with(retort_cli::Defaults {{
        models: Some(selected),
        ..Default::default()
    }})
}}
"#,
        krate.replace('-', "_")
    ));
    let binary = scratch_crate(&krate, &files, &main_rs);

    let mut report = Vec::new();
    let mut failures = Vec::new();
    for pair in snapshots.windows(2) {
        let ((a, a_sql), (b, b_sql)) = (&pair[0], &pair[1]);
        let step = format!("{a} -> {b}");
        let Some(p) = Project::on(Backend::Postgres) else {
            return;
        };
        p.execute(a_sql);
        // The inspected models declare every function, trigger and view of B: they own them
        // all, so what B no longer has is dropped (`objects = "owned"`).
        let config = p.path().join("Retort.toml");
        let mut toml = std::fs::read_to_string(&config).unwrap();
        toml.push_str("objects = \"owned\"\n");
        std::fs::write(&config, toml).unwrap();
        let before = comparable(p.schema());
        for sql in prerequisites(b_sql) {
            let _ = p.try_execute(&format!("SET check_function_bodies = false;\n{sql}"));
        }
        let target = {
            let q = Project::on(Backend::Postgres).unwrap();
            q.execute(b_sql);
            comparable(q.schema())
        };
        let run = |args: &[&str]| {
            crate::support::Run::from(
                binary
                    .command(&p, args)
                    .env("RETORT_STEP", b)
                    .output()
                    .expect("the replay app runs"),
            )
        };
        let mut generated = run(&["autogenerate", "-m", b, "--allow-destructive"]);
        // A NOT NULL column without a default needs a value for the existing rows: the refusal
        // names each column and the flag; give each what a reviewer would (the replay's tables
        // are empty, so any value of the type does), and autogenerate again.
        let backfills = backfills(&generated.stderr, &target);
        if generated.code == 2 && !backfills.is_empty() {
            let mut args = vec!["autogenerate", "-m", b, "--allow-destructive"];
            for flag in &backfills {
                args.extend(["--backfill", flag.as_str()]);
            }
            generated = run(&args);
        }
        if generated.code == 2 {
            // The refusal is the `error:` line; warnings about other ops come before it.
            let error = generated
                .stderr
                .lines()
                .skip_while(|l| !l.starts_with("error:"))
                .collect::<Vec<_>>()
                .join(" ");
            assert!(
                !error.is_empty(),
                "{step}: exit 2 without an error line:\n{}",
                generated.stderr
            );
            report.push(format!("{step}: refused: {error}"));
            continue;
        }
        if generated.code != 0 {
            failures.push(format!("{step}: autogenerate: {}", generated.stderr));
            continue;
        }
        // A step that changes nothing the models say (comments on other objects).
        if generated.stdout.trim() == "No changes detected" {
            let diff = differences(&target, &comparable(p.schema()));
            if diff.is_empty() {
                report.push(format!("{step}: no table changes"));
            } else {
                failures.push(format!(
                    "{step}: no changes detected, but:\n{}",
                    diff.join("\n")
                ));
            }
            continue;
        }
        let upgraded = run(&["upgrade", "head"]);
        if upgraded.code != 0 {
            failures.push(format!("{step}: upgrade failed: {}", upgraded.stderr));
            continue;
        }
        let diff = differences(&target, &comparable(p.schema()));
        if !diff.is_empty() {
            failures.push(format!("{step}: after upgrade:\n{}", diff.join("\n")));
            continue;
        }
        let check = run(&["check"]);
        if check.code != 0 {
            failures.push(format!("{step}: check after upgrade: {}", check.stdout));
            continue;
        }
        let reverted = run(&["downgrade", "-1", "--yes"]);
        if reverted.code != 0 {
            failures.push(format!("{step}: downgrade failed: {}", reverted.stderr));
            continue;
        }
        let diff = differences(&before, &comparable(p.schema()));
        if !diff.is_empty() {
            failures.push(format!("{step}: after downgrade:\n{}", diff.join("\n")));
            continue;
        }
        report.push(if backfills.is_empty() {
            format!("{step}: replayed")
        } else {
            format!(
                "{step}: replayed with --backfill {}",
                backfills.join(" --backfill ")
            )
        });
    }
    // Known failures outside what the replay checks here, each still failing as described (a
    // fix makes the test say to remove it from `KNOWN`).
    for (known_app, step, text) in KNOWN {
        if *known_app != app {
            continue;
        }
        let at = failures
            .iter()
            .position(|f| f.starts_with(&format!("{step}: ")) && f.contains(text));
        match at {
            Some(i) => report.push(format!(
                "{} (known)",
                failures.remove(i).lines().next().unwrap()
            )),
            None => failures.push(format!(
                "{step}: no longer fails with `{text}`: remove it from KNOWN"
            )),
        }
    }
    eprintln!("{app} history:\n{}", report.join("\n"));
    assert!(
        failures.is_empty(),
        "{} of {} steps failed:\n\n{}",
        failures.len(),
        snapshots.len() - 1,
        failures.join("\n\n")
    );
}
