//! The `renamed_from` suggestions autogenerate prints on standard error for a drop and an add
//! that look like a rename (the cases `renames::rename_*_without_hint` of `retort_cases`, whose
//! round trip the cases suite runs; this test reads their standard error).

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
    let generated = run("after", &["autogenerate", "-m", "after"]).expect(0);
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
