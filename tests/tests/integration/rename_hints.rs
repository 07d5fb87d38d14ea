//! The `renamed_from` suggestions autogenerate prints on standard error for a drop and an add
//! that look like a rename (the cases `renames::rename_*_without_hint` of `retort_cases`, whose
//! round trip the cases suite runs; this test reads their standard error), and the warnings
//! autogenerate does not give for generated columns.

use crate::support::{postgres_url, Backend, Models, Project, Run};

fn hint(backend: Backend, case: &str) -> String {
    let p = Project::on(backend).expect("backend available");
    let run = |side: &str, args: &[&str]| -> Run {
        Run::from(
            p.command(Models::Cases, args)
                .env("RETORT_CASE", format!("renames::{case}/{side}"))
                .output()
                .expect("retort_cases runs"),
        )
    };
    run("before", &["autogenerate", "-m", "before"]).expect(0);
    run("before", &["upgrade", "head"]).expect(0);
    let check = run("after", &["check"]);
    assert_eq!(check.code, 1, "{}", check.stdout);
    // A drop and an add lose data: written only with --allow-destructive (the hint printed either way).
    let generated = run(
        "after",
        &["autogenerate", "-m", "after", "--allow-destructive"],
    )
    .expect(0);
    assert_eq!(
        generated
            .stderr
            .lines()
            .filter(|l| l.starts_with("hint:"))
            .collect::<Vec<_>>(),
        check
            .stderr
            .lines()
            .filter(|l| l.starts_with("hint:"))
            .collect::<Vec<_>>(),
        "check and autogenerate suggest the same"
    );
    generated
        .stderr
        .lines()
        .filter(|l| l.starts_with("hint:"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn drop_and_add_that_look_like_renames_get_a_hint_on_both_backends() {
    let mut backends = vec![Backend::Sqlite];
    if postgres_url().is_some() {
        backends.push(Backend::Postgres);
    }
    for backend in backends {
        assert_eq!(
            hint(backend, "rename_column_without_hint"),
            "hint: if items.title is items.name renamed, add #[model(renamed_from = \"name\")] to the field"
        );
        assert_eq!(
            hint(backend, "rename_table_without_hint"),
            "hint: if table 'products' is table 'items' renamed, add #[model(renamed_from = \"items\")] to its model"
        );
    }
}

/// Adding a NOT NULL generated column to a table with rows is no risk (the database computes
/// it), and dropping one loses nothing: autogenerate warns about neither.
#[test]
fn generated_columns_get_only_the_warnings_that_apply() {
    let p = Project::new();
    let run = |case: &str, side: &str, args: &[&str]| -> Run {
        Run::from(
            p.command(Models::Cases, args)
                .env("RETORT_CASE", format!("renames::{case}/{side}"))
                .output()
                .expect("retort_cases runs"),
        )
    };
    run(
        "add_generated_column",
        "before",
        &["autogenerate", "-m", "a"],
    )
    .expect(0);
    run("add_generated_column", "before", &["upgrade", "head"]).expect(0);
    p.execute("INSERT INTO lines (id, price, qty) VALUES (1, 3, 4)");
    let added = run(
        "add_generated_column",
        "after",
        &["autogenerate", "-m", "b"],
    )
    .expect(0);
    assert!(!added.stderr.contains("warning"), "{}", added.stderr);
    run("add_generated_column", "after", &["upgrade", "head"]).expect(0);
    assert_eq!(
        p.strings("SELECT CAST(total AS TEXT) AS v FROM lines"),
        ["12"]
    );
    let dropped = run(
        "add_generated_column",
        "before",
        &["autogenerate", "-m", "c"],
    )
    .expect(0);
    assert!(
        dropped.stdout.contains("removed column 'lines.total'"),
        "{}",
        dropped.stdout
    );
    assert!(!dropped.stderr.contains("warning"), "{}", dropped.stderr);
}
