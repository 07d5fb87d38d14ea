//! `retort lint` (issue 24): hand-written revisions checked against PostgreSQL's rules, each
//! finding naming file, line, rule and fix; `lint_allow` accepts a rule for one revision.

use std::path::Path;

use crate::support::{revision, Backend, Models, Project};

fn write(dir: &Path, file: &str, text: &str) {
    std::fs::write(dir.join(file), text).unwrap();
}

/// A project whose first revision (applied) creates `accounts`, and whose second (not applied)
/// changes it by hand, one statement per line.
fn hand_written(p: &Project) -> std::path::PathBuf {
    revision(
        p,
        "accounts",
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text, age integer);\n\
         CREATE INDEX ix_accounts_email ON accounts (email);\n",
        "DROP TABLE accounts;\n",
    );
    p.run(Models::None, &["upgrade", "head"]).expect(0);
    revision(
        p,
        "by hand",
        "CREATE INDEX ix_accounts_age ON accounts (age);\n\
         ALTER TABLE accounts ADD CONSTRAINT ck_age CHECK (age >= 0);\n\
         ALTER TABLE accounts ADD CONSTRAINT ck_age_max CHECK (age < 200) NOT VALID;\n\
         ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n\
         -- a comment between statements\n\
         ALTER TABLE accounts DROP COLUMN age;\n",
        "SELECT 1;\n",
    );
    p.revision_dirs()[1].clone()
}

#[test]
fn lint_names_each_statement_that_blocks_writers_with_its_line_rule_and_fix() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    let second = hand_written(&p);
    // Paths as the CLI names them: below the migrations directory it was given.
    let name = second.file_name().unwrap().to_str().unwrap();
    let up = format!("migrations/{name}/up.sql");
    let run = p.run(Models::None, &["lint"]).expect(1);
    for (line, rule, fix) in [
        (
            1,
            "require-concurrent-index-creation",
            "CREATE INDEX CONCURRENTLY",
        ),
        (
            2,
            "constraint-missing-not-valid",
            "NOT VALID, then VALIDATE CONSTRAINT",
        ),
        (
            4,
            "adding-not-nullable-field",
            "CHECK (email IS NOT NULL) NOT VALID",
        ),
        (6, "ban-drop-column", "stop using it in the code first"),
    ] {
        let head = format!("{up}:{line}: {rule}: ");
        let at = run
            .stdout
            .find(&head)
            .unwrap_or_else(|| panic!("{head}\n{}", run.stdout));
        let finding = &run.stdout[at..];
        let end = finding.find('\n').unwrap();
        assert!(finding[..end].contains(fix), "{rule}: {}", &finding[..end]);
    }
    // The NOT VALID check breaks no rule; the applied revision (a new table) is not checked.
    assert!(!run.stdout.contains(":3: "), "{}", run.stdout);
    assert!(
        run.stdout.contains("4 finding(s) in 1 revision"),
        "{}",
        run.stdout
    );
    // `check` says what the revisions it wants applied would do to busy tables.
    let check = p.run(Models::V1, &["check"]).expect(1);
    assert!(
        check.stdout.contains("not at head")
            && check
                .stdout
                .contains(&format!("{up}:1: require-concurrent-index-creation: "))
            && check
                .stdout
                .contains("4 lint finding(s) in the revisions not applied"),
        "{}",
        check.stdout
    );
    // Named explicitly, the first revision is checked: its index is on a table it creates.
    let first = p.revision_id(0);
    let clean = p.run(Models::None, &["lint", &first]).expect(0);
    assert!(
        clean
            .stdout
            .contains("1 revision checked: no lint findings"),
        "{}",
        clean.stdout
    );
    // A rule accepted on purpose for this revision is not reported any more.
    let meta = std::fs::read_to_string(second.join("metadata.toml")).unwrap();
    write(
        &second,
        "metadata.toml",
        &format!("{meta}lint_allow = [\"ban-drop-column\"]\n"),
    );
    let allowed = p.run(Models::None, &["lint"]).expect(1);
    assert!(
        !allowed.stdout.contains("ban-drop-column"),
        "{}",
        allowed.stdout
    );
    assert!(
        allowed.stdout.contains("3 finding(s)"),
        "{}",
        allowed.stdout
    );
    // A misspelt rule is an error naming the rules there are.
    write(
        &second,
        "metadata.toml",
        &format!("{meta}lint_allow = [\"ban-drop-colum\"]\n"),
    );
    let bad = p.run(Models::None, &["lint"]).expect(2);
    assert!(
        bad.stderr
            .contains("lint_allow names `ban-drop-colum`, which is no lint rule")
            && bad.stderr.contains("ban-drop-column"),
        "{}",
        bad.stderr
    );
}

/// The rule is PostgreSQL's own refusal: the statement it flags fails the upgrade.
#[test]
fn a_concurrent_index_in_a_transactional_revision_is_flagged_and_postgresql_refuses_it() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    hand_written(&p);
    let second = p.revision_dirs()[1].clone();
    write(
        &second,
        "up.sql",
        "CREATE INDEX CONCURRENTLY ix_accounts_age ON accounts (age);\n",
    );
    write(&second, "down.sql", "DROP INDEX ix_accounts_age;\n");
    let run = p.run(Models::None, &["lint"]).expect(1);
    assert!(
        run.stdout
            .contains(":1: ban-concurrent-index-creation-in-transaction: "),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("require-concurrent-index-creation"),
        "{}",
        run.stdout
    );
    let refused = p.run(Models::None, &["upgrade", "head"]);
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    assert!(
        refused
            .stderr
            .contains("cannot run inside a transaction block"),
        "{}",
        refused.stderr
    );
    // As the fix says: outside a transaction, it runs, and lint is satisfied.
    let meta = std::fs::read_to_string(second.join("metadata.toml")).unwrap();
    write(
        &second,
        "metadata.toml",
        &meta.replace("run_in_transaction = true", "run_in_transaction = false"),
    );
    p.run(Models::None, &["lint"]).expect(0);
    p.run(Models::None, &["upgrade", "head"]).expect(0);
}

#[test]
fn sqlite_has_no_lint_rules() {
    let p = Project::new();
    hand_written(&p);
    let run = p.run(Models::None, &["lint"]).expect(0);
    assert!(
        run.stdout.contains("1 revision checked: no lint findings"),
        "{}",
        run.stdout
    );
}
