//! PostgreSQL schemas (`#[model(schema = "billing")]`, issue 16) beyond the round trip of the
//! cases suite (`retort_cases` `schemas::*`): offline `--sql`, `check --shadow`, rows across a
//! foreign key between schemas, a schema the database already has, and `--schema`.

use crate::support::{Backend, Models, Project, Run};

/// The `after` models of the case `schemas::create_schema_and_tables`: `users` and `payments`
/// in the default schema, `billing.invoices` between them.
fn run(p: &Project, args: &[&str]) -> Run {
    Run::from(
        p.command(Models::Cases, args)
            .env("RETORT_CASE", "schemas::create_schema_and_tables/after")
            .output()
            .expect("retort_cases runs"),
    )
}

fn has_schema(p: &Project, name: &str) -> bool {
    p.strings(&format!(
        "SELECT nspname::text AS v FROM pg_namespace WHERE nspname = '{name}'"
    ))
    .len()
        == 1
}

#[test]
fn schema_models_upgrade_offline_check_shadow_and_downgrade() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    run(&p, &["autogenerate", "-m", "billing"]).expect(0);
    let offline = run(&p, &["upgrade", "--sql", "head"]).expect(0);
    assert!(
        offline.stdout.contains("CREATE SCHEMA \"billing\";")
            && offline
                .stdout
                .contains("CREATE TABLE \"billing\".\"invoices\""),
        "{}",
        offline.stdout
    );
    assert!(!has_schema(&p, "billing"), "--sql changes nothing");

    run(&p, &["upgrade", "head"]).expect(0);
    assert!(has_schema(&p, "billing"));
    p.execute(
        "INSERT INTO users (id, name) VALUES (1, 'ann'); \
         INSERT INTO billing.invoices (id, user_id, number) VALUES (10, 1, 'A-1'); \
         INSERT INTO payments (id, invoice_id) VALUES (100, 10);",
    );
    // The foreign keys hold across schemas: deleting the user cascades to its invoice, which a
    // payment still references.
    let refused = std::panic::catch_unwind(|| p.execute("DELETE FROM users WHERE id = 1"));
    assert!(refused.is_err(), "payments.invoice_id keeps the invoice");
    assert_eq!(
        p.strings("SELECT total::text AS v FROM billing.invoices"),
        ["0"]
    );

    run(&p, &["check"]).expect(0);
    let shadow = run(&p, &["check", "--shadow"]).expect(0);
    assert!(
        shadow.stdout.contains("No changes detected"),
        "{}",
        shadow.stdout
    );
    // No second revision: the database and the models agree.
    let again = run(&p, &["autogenerate", "-m", "again"]).expect(0);
    assert_eq!(again.stdout.trim(), "No changes detected");

    p.execute("DELETE FROM payments; DELETE FROM billing.invoices;");
    run(&p, &["downgrade", "base", "--yes"]).expect(0);
    assert!(
        !has_schema(&p, "billing"),
        "the downgrade drops the schema it created"
    );
    assert!(p.schema().is_empty(), "every table dropped");
}

#[test]
fn a_schema_the_database_has_is_neither_created_nor_dropped() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.execute("CREATE SCHEMA billing");
    run(&p, &["autogenerate", "-m", "billing"]).expect(0);
    let dir = &p.revision_dirs()[0];
    let up = std::fs::read_to_string(dir.join("up.sql")).unwrap();
    let down = std::fs::read_to_string(dir.join("down.sql")).unwrap();
    assert!(!up.contains("CREATE SCHEMA"), "{up}");
    assert!(!down.contains("DROP SCHEMA"), "{down}");
    run(&p, &["upgrade", "head"]).expect(0);
    run(&p, &["check"]).expect(0);
    run(&p, &["downgrade", "base", "--yes"]).expect(0);
    assert!(
        has_schema(&p, "billing"),
        "a schema Retort did not create stays"
    );
}

#[test]
fn models_in_a_schema_next_to_a_default_schema_chosen_with_dash_dash_schema() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.execute("CREATE SCHEMA app");
    let with_schema = |args: &[&str]| {
        let mut all = vec!["--schema", "app"];
        all.extend(args);
        run(&p, &all)
    };
    with_schema(&["autogenerate", "-m", "billing"]).expect(0);
    with_schema(&["upgrade", "head"]).expect(0);
    with_schema(&["check"]).expect(0);
    let tables = p.schema_in(Some("app")).tables;
    assert_eq!(
        tables.keys().map(String::as_str).collect::<Vec<_>>(),
        ["payments", "users"],
        "the default-schema models are in app; billing.invoices is not read without its model"
    );
    assert!(has_schema(&p, "billing"));
    assert!(p.schema().is_empty(), "public stays empty");
    with_schema(&["downgrade", "base", "--yes"]).expect(0);
    assert!(!has_schema(&p, "billing"));
}
