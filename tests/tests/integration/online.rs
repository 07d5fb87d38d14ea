//! Online migrations on a real PostgreSQL server through the real CLI: on tables that already
//! exist, `autogenerate` writes the forms that let the tables' readers and writers go on
//! (indexes built concurrently, constraints added NOT VALID and validated apart, SET NOT NULL
//! through a validated check, backfills in committed batches) in a revision that runs
//! statement by statement; the lint finds nothing in it; it applies, checks clean, reverts and
//! applies again; a failure at VALIDATE goes on from there once the rows are fixed; and
//! `--blocking` writes the plain forms in one transaction.

use crate::support::{Backend, Models, Project};

/// V1's schema applied, then loosened by hand on tables with rows: the foreign key of
/// `notes`, the unique constraint of `accounts.email`, the NOT NULL of `accounts.age` and the
/// index of `notes.account_id` (if any) removed, and accounts with no age.
fn loosened() -> Option<Project> {
    let p = Project::on(Backend::Postgres)?;
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    p.run(Models::V1, &["upgrade"]).expect(0);
    for name in p.strings(
        "SELECT conname AS v FROM pg_constraint WHERE conrelid = 'notes'::regclass AND contype = 'f'",
    ) {
        p.execute(&format!("ALTER TABLE notes DROP CONSTRAINT \"{name}\""));
    }
    for name in p.strings(
        "SELECT conname AS v FROM pg_constraint WHERE conrelid = 'accounts'::regclass AND contype = 'u'",
    ) {
        p.execute(&format!("ALTER TABLE accounts DROP CONSTRAINT \"{name}\""));
    }
    for name in p.strings(
        "SELECT indexname AS v FROM pg_indexes WHERE tablename = 'accounts' AND indexname <> 'accounts_pkey'",
    ) {
        p.execute(&format!("DROP INDEX \"{name}\""));
    }
    p.execute("ALTER TABLE accounts ALTER COLUMN age DROP NOT NULL");
    p.execute(
        "INSERT INTO accounts (id, email, name, age, score) \
         SELECT i, 'a' || i || '@x', NULL, CASE WHEN i % 2 = 0 THEN NULL ELSE i END, 0 \
         FROM generate_series(1, 25000) AS i",
    );
    p.execute("INSERT INTO notes (id, account_id, body) SELECT i, i, 'n' FROM generate_series(1, 100) AS i");
    Some(p)
}

/// `autogenerate` of V1 on the loosened database, with `extra` flags.
fn tighten(p: &Project, extra: &[&str]) {
    let mut args = vec![
        "autogenerate",
        "-m",
        "tighten",
        "--backfill",
        "accounts.age=0",
    ];
    args.extend(extra);
    p.run(Models::V1, &args).expect(0);
}

fn revision_file(p: &Project, file: &str) -> String {
    std::fs::read_to_string(p.revision_dirs().last().unwrap().join(file)).unwrap()
}

#[test]
fn postgres_autogenerate_writes_online_forms_that_apply_revert_and_lint_clean() {
    let Some(p) = loosened() else { return };
    tighten(&p, &[]);
    let up = revision_file(&p, "up.sql");
    for expected in [
        "CREATE UNIQUE INDEX CONCURRENTLY \"uq_accounts_email\" ON \"accounts\" (\"email\");",
        "REFERENCES \"accounts\" (\"id\") ON DELETE CASCADE NOT VALID;\n\
         ALTER TABLE \"notes\" VALIDATE CONSTRAINT",
        "DO $retort$",
        "UPDATE \"accounts\" SET \"age\" = 0 WHERE \"id\" >= lo AND \"id\" < lo + 10000 AND \"age\" IS NULL;",
        "ALTER TABLE \"accounts\" ADD CONSTRAINT \"ck_accounts_age_not_null\" CHECK (\"age\" IS NOT NULL) NOT VALID;\n\
         ALTER TABLE \"accounts\" VALIDATE CONSTRAINT \"ck_accounts_age_not_null\";\n\
         ALTER TABLE \"accounts\" ALTER COLUMN \"age\" SET NOT NULL;\n\
         ALTER TABLE \"accounts\" DROP CONSTRAINT \"ck_accounts_age_not_null\";",
    ] {
        assert!(up.contains(expected), "{expected}\n---\n{up}");
    }
    assert!(
        revision_file(&p, "metadata.toml").contains("run_in_transaction = false"),
        "{}",
        revision_file(&p, "metadata.toml")
    );
    // The offline script runs the same statements, without a transaction around them.
    let offline = p
        .run(Models::V1, &["upgrade", "--sql", "head"])
        .expect(0)
        .stdout;
    let section = &offline[offline.find("CREATE UNIQUE INDEX CONCURRENTLY").unwrap()..];
    assert!(!section.contains("\nBEGIN;"), "{offline}");
    for statement in up.lines().filter(|l| l.starts_with("ALTER TABLE")) {
        assert!(offline.contains(statement), "{statement}\n{offline}");
    }
    // Retort's own lint finds nothing to say about what autogenerate wrote.
    let lint = p.run(Models::V1, &["lint"]);
    assert_eq!(lint.code, 0, "{}{}", lint.stdout, lint.stderr);

    p.run(Models::V1, &["upgrade"]).expect(0);
    p.run(Models::V1, &["check"]).expect(0);
    assert_eq!(
        p.strings("SELECT count(*)::text AS v FROM accounts WHERE age = 0"),
        ["12500"]
    );
    assert!(
        p.strings("SELECT conname AS v FROM pg_constraint WHERE NOT convalidated")
            .is_empty(),
        "every constraint is validated"
    );
    p.run(Models::V1, &["downgrade", "-1"]).expect(0);
    assert!(p
        .strings("SELECT conname AS v FROM pg_constraint WHERE conrelid = 'notes'::regclass AND contype = 'f'")
        .is_empty());
    p.run(Models::V1, &["upgrade"]).expect(0);
    p.run(Models::V1, &["check"]).expect(0);
}

#[test]
fn postgres_an_online_revision_stopped_at_validate_goes_on_once_the_rows_are_fixed() {
    let Some(p) = loosened() else { return };
    // A note whose account does not exist: the foreign key cannot be validated.
    p.execute("INSERT INTO notes (id, account_id, body) VALUES (1000, 999999, 'orphan')");
    tighten(&p, &[]);
    let failed = p.run(Models::V1, &["upgrade"]).expect(2);
    assert!(
        failed.stderr.contains("VALIDATE CONSTRAINT")
            && failed.stderr.contains("violates foreign key constraint")
            && failed.stderr.contains(
                "the constraint stays, NOT VALID, checking new rows already: fix the rows that \
                 break it, then run again"
            ),
        "{}",
        failed.stderr
    );
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert!(current.contains("partly applied"), "{current}");
    // The key is there, NOT VALID: new rows are checked already.
    assert_eq!(
        p.strings(
            "SELECT convalidated::text AS v FROM pg_constraint \
             WHERE conrelid = 'notes'::regclass AND contype = 'f'"
        ),
        ["false"]
    );
    p.execute("DELETE FROM notes WHERE id = 1000");
    let run = p.run(Models::V1, &["upgrade"]).expect(0);
    assert!(
        run.stderr.contains("going on with up.sql at statement"),
        "{}",
        run.stderr
    );
    p.run(Models::V1, &["check"]).expect(0);
    assert!(p
        .strings("SELECT conname AS v FROM pg_constraint WHERE NOT convalidated")
        .is_empty());
}

#[test]
fn postgres_blocking_writes_the_plain_forms_in_one_transaction() {
    let Some(p) = loosened() else { return };
    tighten(&p, &["--blocking"]);
    let up = revision_file(&p, "up.sql");
    assert!(
        !up.contains("CONCURRENTLY") && !up.contains("NOT VALID"),
        "{up}"
    );
    // Accepted on purpose: recorded, so `lint` (and CI's `check`) do not flag them.
    let meta = revision_file(&p, "metadata.toml");
    assert!(
        meta.contains("lint_allow = [")
            && meta.contains("\"require-concurrent-index-creation\"")
            && meta.contains("\"adding-not-nullable-field\""),
        "{meta}"
    );
    let lint = p.run(Models::V1, &["lint"]);
    assert_eq!(lint.code, 0, "{}{}", lint.stdout, lint.stderr);
    assert!(
        revision_file(&p, "metadata.toml").contains("run_in_transaction = true"),
        "{}",
        revision_file(&p, "metadata.toml")
    );
    p.run(Models::V1, &["upgrade"]).expect(0);
    p.run(Models::V1, &["check"]).expect(0);
    // Retort.toml's `online = false` does the same.
    p.run(Models::V1, &["downgrade", "-1"]).expect(0);
    std::fs::remove_dir_all(p.revision_dirs().last().unwrap()).unwrap();
    let toml = p.path().join("Retort.toml");
    let settings = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{settings}online = false\n")).unwrap();
    tighten(&p, &[]);
    assert!(!revision_file(&p, "up.sql").contains("CONCURRENTLY"));
}

#[test]
fn postgres_a_rewrite_of_an_existing_table_is_refused_unless_accepted() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    p.run(Models::V1, &["upgrade"]).expect(0);
    p.execute("ALTER TABLE accounts ALTER COLUMN age TYPE smallint");
    let refused = p
        .run(Models::V1, &["autogenerate", "-m", "widen"])
        .expect(2);
    for expected in [
        "blocking: altered column 'accounts.age': type SMALLINT -> INTEGER: `ALTER TABLE \"accounts\" \
         ALTER COLUMN \"age\" TYPE INTEGER` rewrites every row of 'accounts' under ACCESS EXCLUSIVE \
         (its writers and readers wait until it ends)",
        "online alternative: add a column of the new type",
        "--allow-rewrite",
    ] {
        assert!(refused.stderr.contains(expected), "{expected}\n{}", refused.stderr);
    }
    assert_eq!(p.revision_dirs().len(), 1, "nothing written");
    let accepted = p
        .run(
            Models::V1,
            &["autogenerate", "-m", "widen", "--allow-rewrite"],
        )
        .expect(0);
    // Accepted, the rewrite is still said: on the terminal and in up.sql.
    assert!(
        accepted.stderr.contains("rewrites every row of 'accounts'"),
        "{}",
        accepted.stderr
    );
    assert!(
        revision_file(&p, "up.sql").contains(
            "-- warning: altered column 'accounts.age': type SMALLINT -> INTEGER: `ALTER TABLE"
        ),
        "{}",
        revision_file(&p, "up.sql")
    );
    p.run(Models::V1, &["upgrade"]).expect(0);
    p.run(Models::V1, &["check"]).expect(0);
}
