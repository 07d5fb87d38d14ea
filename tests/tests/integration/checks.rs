//! CHECK constraints declared in models (`#[model(check(expr = "..."))]`): version 2 of the test
//! models adds `check(expr = "age >= 0")` on accounts, named `ck_accounts_1` by convention.

use crate::support::{on_both_backends, Backend, Models, Project, V2_SAFETY};

on_both_backends!(a_model_check_is_added_enforced_clean_and_removed,);

fn a_model_check_is_added_enforced_clean_and_removed(backend: Backend) {
    let p = Project::on(backend).expect("backend available");
    p.run(Models::V1, &["autogenerate", "-m", "v1"]).expect(0);
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    let v1 = p.revision_id(0);

    let run = p
        .run(
            Models::V2,
            &[&["autogenerate", "-m", "v2"][..], &V2_SAFETY].concat(),
        )
        .expect(0);
    assert!(run.stdout.contains("ck_accounts_1"), "{}", run.stdout);
    p.run(Models::V2, &["upgrade", "head"]).expect(0);
    // The server's rendering of the check equals the model's: no spurious difference.
    let run = p.run(Models::V2, &["check"]).expect(0);
    assert!(!run.stdout.contains("ck_accounts_1"), "{}", run.stdout);

    let bad =
        "INSERT INTO accounts (id, email, name, age, score) VALUES (7, 'x@example.com', 'X', -1, 1)";
    assert!(p.try_execute(bad).is_err(), "a negative age was accepted");

    // Downgrading removes it: the same row is accepted.
    p.run(Models::V2, &["downgrade", &v1]).expect(0);
    p.execute(
        "INSERT INTO accounts (id, email, name, age, score) VALUES (7, 'x@example.com', 'X', -1, 1)",
    );
}
