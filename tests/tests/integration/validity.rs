//! What the PostgreSQL catalog says about validity (issue 21, item 6): an index a failed
//! `CREATE INDEX CONCURRENTLY` left INVALID (`pg_index.indisvalid`) is not the models' index, so
//! `check` names it and `autogenerate` rebuilds it; a constraint added `NOT VALID`
//! (`pg_constraint.convalidated`) is read as such.

use crate::support::{Backend, Models, Project};

/// The unique index on `accounts.email` (the V1 models' `unique`), and whether a constraint
/// owns it.
fn email_index(p: &Project) -> (String, bool) {
    let names = p.strings(
        "SELECT i.relname::text AS v FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
         WHERE ix.indrelid = 'accounts'::regclass AND ix.indisunique AND NOT ix.indisprimary",
    );
    let [name] = names.as_slice() else {
        panic!("one unique index on accounts: {names:?}");
    };
    let owned = !p
        .strings(&format!(
            "SELECT conname::text AS v FROM pg_constraint WHERE conname = '{name}'"
        ))
        .is_empty();
    (name.clone(), owned)
}

/// `indisvalid` of index `name`, `None` when there is no such index.
fn valid(p: &Project, name: &str) -> Option<bool> {
    p.strings(&format!(
        "SELECT ix.indisvalid::text AS v FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
         WHERE i.relname = '{name}'"
    ))
    .first()
    .map(|v| v == "true")
}

/// An account named 'A' with e-mail `email`.
fn insert_account(p: &Project, id: i64, email: &str) {
    p.execute(&format!(
        "INSERT INTO accounts (id, email, name, age, score) VALUES ({id}, '{email}', 'A', 1, 1)"
    ));
}

#[test]
fn an_invalid_index_is_reported_and_rebuilt() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.run(Models::V1, &["autogenerate", "-m", "v1"]).expect(0);
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    p.run(Models::V1, &["check"]).expect(0);

    // Duplicate emails, then the unique index built CONCURRENTLY over them: the build fails and
    // leaves the index behind, INVALID.
    let (name, owned) = email_index(&p);
    if owned {
        p.execute(&format!("ALTER TABLE accounts DROP CONSTRAINT \"{name}\""));
    } else {
        p.execute(&format!("DROP INDEX \"{name}\""));
    }
    insert_account(&p, 1, "same@example.com");
    insert_account(&p, 2, "same@example.com");
    let failed = p.try_execute(&format!(
        "CREATE UNIQUE INDEX CONCURRENTLY \"{name}\" ON accounts (email)"
    ));
    assert!(failed.is_err(), "the duplicates were accepted");
    assert_eq!(valid(&p, &name), Some(false), "{name} is left INVALID");

    // `check` names it: it is not the models' index.
    let run = p.run(Models::V1, &["check"]).expect(1);
    assert!(
        run.stdout.contains(&format!(
            "INVALID index '{name}' on 'accounts' (a CREATE INDEX CONCURRENTLY failed or was \
             interrupted; it enforces and serves nothing): dropped and created again"
        )),
        "{}",
        run.stdout
    );

    // The next migration drops it and creates it again; its reverse is the same pair.
    let run = p
        .run(Models::V1, &["autogenerate", "-m", "rebuild"])
        .expect(0);
    assert!(run.stdout.contains("INVALID index"), "{}", run.stdout);
    let dir = p.revision_dirs().pop().expect("the rebuild revision");
    let up = std::fs::read_to_string(dir.join("up.sql")).unwrap();
    let down = std::fs::read_to_string(dir.join("down.sql")).unwrap();
    for sql in [&up, &down] {
        // The online forms on PostgreSQL's existing table: the revision runs statement by
        // statement, and a failed build is dropped again when the next run goes on.
        let drop = sql
            .find(&format!("DROP INDEX CONCURRENTLY \"{name}\""))
            .or_else(|| sql.find(&format!("DROP INDEX \"{name}\"")));
        let create = sql
            .find(&format!("ADD CONSTRAINT \"{name}\" UNIQUE"))
            .or_else(|| sql.find(&format!("CREATE UNIQUE INDEX CONCURRENTLY \"{name}\"")))
            .or_else(|| sql.find(&format!("CREATE UNIQUE INDEX \"{name}\"")));
        assert!(
            drop.zip(create).is_some_and(|(d, c)| d < c),
            "drop, then create {name}:\n{sql}"
        );
    }

    // With the duplicates still there, the upgrade fails and changes nothing.
    let run = p.run(Models::V1, &["upgrade", "head"]);
    assert_ne!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("same@example.com") || run.stderr.contains(&name),
        "{}",
        run.stderr
    );
    assert_eq!(
        valid(&p, &name),
        Some(false),
        "{name} is still there, INVALID"
    );
    let run = p.run(Models::V1, &["check"]).expect(1);
    assert!(
        run.stdout
            .contains("not at head: 1 revision(s) not applied"),
        "{}",
        run.stdout
    );

    // Without them, it succeeds, and the database matches the models.
    p.execute("DELETE FROM accounts WHERE id = 2");
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    assert_eq!(valid(&p, &name), Some(true));
    let run = p.run(Models::V1, &["check"]).expect(0);
    assert!(!run.stdout.contains("INVALID"), "{}", run.stdout);

    // The downgrade rebuilds it too (valid), and the upgrade again.
    let v1 = p.revision_id(0);
    p.run(Models::V1, &["downgrade", &v1]).expect(0);
    assert_eq!(valid(&p, &name), Some(true));
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    p.run(Models::V1, &["check"]).expect(0);
}

#[test]
fn an_invalid_index_the_models_do_not_declare_is_dropped() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.run(Models::V1, &["autogenerate", "-m", "v1"]).expect(0);
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    // An expression index the models do not have, left INVALID: two accounts named 'A'.
    insert_account(&p, 1, "a@example.com");
    insert_account(&p, 2, "b@example.com");
    let failed = p.try_execute(
        "CREATE UNIQUE INDEX CONCURRENTLY ix_accounts_lower_name ON accounts (lower(name))",
    );
    assert!(failed.is_err(), "the duplicates were accepted");
    assert_eq!(valid(&p, "ix_accounts_lower_name"), Some(false));
    let run = p.run(Models::V1, &["check"]).expect(1);
    assert!(
        run.stdout.contains(
            "INVALID index 'ix_accounts_lower_name' on 'accounts' (a CREATE INDEX CONCURRENTLY \
             failed or was interrupted; it enforces and serves nothing): dropped (the models do \
             not declare it)"
        ),
        "{}",
        run.stdout
    );
    p.run(Models::V1, &["autogenerate", "-m", "drop it"])
        .expect(0);
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    assert_eq!(valid(&p, "ix_accounts_lower_name"), None);
    p.run(Models::V1, &["check"]).expect(0);
}

#[test]
fn not_valid_constraints_are_read_as_not_valid() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.run(Models::V1, &["autogenerate", "-m", "v1"]).expect(0);
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    p.execute(
        "INSERT INTO accounts (id, email, name, age, score) VALUES (1, 'a@example.com', 'A', -1, 1);
         ALTER TABLE accounts ADD CONSTRAINT ck_accounts_age CHECK (age >= 0) NOT VALID;
         ALTER TABLE notes ADD CONSTRAINT fk_notes_account FOREIGN KEY (account_id)
             REFERENCES accounts (id) NOT VALID;",
    );
    let schema = p.schema();
    let kept = |table: &str, name: &str| {
        schema.tables[table]
            .unmodeled
            .iter()
            .find(|d| d.sql().contains(&format!("\"{name}\"")))
            .cloned()
            .unwrap_or_else(|| panic!("{name} kept: {:?}", schema.tables[table].unmodeled))
    };
    assert_eq!(
        kept("accounts", "ck_accounts_age"),
        "ALTER TABLE \"accounts\" ADD CONSTRAINT \"ck_accounts_age\" CHECK ((age >= 0)) NOT VALID"
    );
    // A NOT VALID foreign key is no model foreign key: it is kept as its definition, NOT VALID.
    assert_eq!(
        kept("notes", "fk_notes_account"),
        "ALTER TABLE \"notes\" ADD CONSTRAINT \"fk_notes_account\" FOREIGN KEY (account_id) \
         REFERENCES accounts(id) NOT VALID"
    );
    // Validated, both are ordinary constraints: the check without NOT VALID, the key a model
    // foreign key.
    p.execute(
        "UPDATE accounts SET age = 1;
         ALTER TABLE accounts VALIDATE CONSTRAINT ck_accounts_age;
         ALTER TABLE notes VALIDATE CONSTRAINT fk_notes_account;",
    );
    let schema = p.schema();
    assert!(
        schema.tables["accounts"]
            .unmodeled
            .iter()
            .any(|d| d.sql().ends_with("\"ck_accounts_age\" CHECK ((age >= 0))")),
        "{:?}",
        schema.tables["accounts"].unmodeled
    );
    let notes = &schema.tables["notes"];
    assert!(
        notes
            .foreign_keys
            .iter()
            .any(|fk| fk.name == "fk_notes_account"),
        "{notes:?}"
    );
    assert!(
        !notes
            .unmodeled
            .iter()
            .any(|d| d.sql().contains("fk_notes_account")),
        "{notes:?}"
    );
}
