//! SQLite never loosens a table silently: a hand-written database's column `UNIQUE` and
//! `CHECK` clauses, its unnamed and named table `UNIQUE (...)` / `CHECK (...)` constraints, two
//! foreign keys on one column and its `AUTOINCREMENT` key are inspected into models, compare equal right after a baseline, stay
//! enforced through a rebuild, and are removed only with a warning (terminal and up.sql). A
//! rebuilt table keeps the types and `DEFAULT NULL` as written where the models agree.

use crate::scratch::{inspected_app, scratch_app};
use crate::support::{Backend, Project};

const SCHEMA: &str = r#"
CREATE TABLE medias (id INTEGER PRIMARY KEY);
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    avatar_id INTEGER REFERENCES medias(id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE,
    name TEXT,
    age INTEGER CHECK (age >= 0),
    seen DATETIME DEFAULT NULL,
    FOREIGN KEY (avatar_id) REFERENCES medias(id) ON DELETE SET NULL,
    CHECK (length(name) > 0),
    UNIQUE (name, age)
);
CREATE TABLE notes (
    id INTEGER PRIMARY KEY NOT NULL,
    body TEXT,
    CONSTRAINT body_once UNIQUE (body),
    CONSTRAINT ck_notes_body CHECK (body <> '')
);
INSERT INTO users (email, name, age) VALUES ('a@x', 'a', 1), ('b@x', 'b', 2);
DELETE FROM users WHERE id = 2;
"#;

/// The id SQLite gives the next user.
fn next_id(p: &Project, email: &str) -> String {
    p.execute(&format!(
        "INSERT INTO users (email, name, age) VALUES ('{email}', '{email}', 5)"
    ));
    p.strings(&format!(
        "SELECT CAST(id AS TEXT) AS v FROM users WHERE email = '{email}'"
    ))
    .remove(0)
}

/// What the constraints still refuse, one line each (`ok` when the row went in).
fn refusals(p: &Project) -> Vec<String> {
    [
        "INSERT INTO users (email, name, age) VALUES ('a@x', 'dup', 3)",
        "INSERT INTO users (email, name, age) VALUES ('neg@x', 'neg', -1)",
        "INSERT INTO users (email, name, age) VALUES ('empty@x', '', 3)",
        "INSERT INTO users (email, name, age) VALUES ('pair@x', 'a', 1)",
        "INSERT INTO notes (id, body) VALUES (10, 'x'), (11, 'x')",
        "INSERT INTO notes (id, body) VALUES (12, '')",
    ]
    .iter()
    .map(
        |sql| match p.try_execute(&format!("BEGIN; {sql}; ROLLBACK;")) {
            Ok(()) => "ok".to_owned(),
            Err(e) => {
                // A refused row leaves the transaction open: end it.
                let _ = p.try_execute("ROLLBACK");
                e.to_string()
            }
        },
    )
    .collect()
}

#[test]
fn sqlite_constraints_and_autoincrement_survive_adoption() {
    let p = Project::on(Backend::Sqlite).expect("sqlite");
    p.execute(SCHEMA);
    let (app, source) = inspected_app(&p, "sqlite-integrity-adopted");
    for expected in [
        "#[model(primary_key, autoincrement)]",
        "#[model(unique)]",
        "#[model(check = \"age >= 0\")]",
        "check(expr = \"length(name) > 0\")",
        "unique(columns(\"name\", \"age\"))",
        "unique(columns(\"body\"), name = \"body_once\")",
        "check(name = \"ck_notes_body\", expr = \"body <> ''\")",
        // Two keys on one column, both kept (each under a name of its own).
        "on_delete = \"cascade\"",
        "name = \"fk_users_avatar_id_medias_2\"",
    ] {
        assert!(source.contains(expected), "no `{expected}` in:\n{source}");
    }
    let refused = refusals(&p);
    assert!(refused.iter().all(|r| r != "ok"), "{refused:?}");

    // The models match the database as it is (checked above), and a baseline records it.
    app.run(&p, &["init", "--baseline"]).expect(0);
    let adopted = p.schema();

    // Any change that rebuilds `users` (here `email` becomes nullable) keeps every
    // constraint, AUTOINCREMENT and its sequence.
    let changed = source.replace("pub email: String", "pub email: Option<String>");
    assert_ne!(changed, source);
    let app2 = scratch_app("sqlite-integrity-changed", &changed);
    let run = app2
        .run(&p, &["autogenerate", "-m", "nullable email"])
        .expect(0);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    app2.run(&p, &["upgrade", "head"]).expect(0);
    assert_eq!(
        refusals(&p),
        refused,
        "the rebuilt table refuses what it did"
    );
    assert_eq!(
        p.strings(
            "SELECT group_concat(on_delete, ', ') AS v FROM \
             (SELECT on_delete FROM pragma_foreign_key_list('users') ORDER BY on_delete)"
        ),
        ["CASCADE, SET NULL"],
        "both keys on avatar_id are kept"
    );
    let text = p.strings("SELECT sql AS v FROM sqlite_schema WHERE name = 'users'");
    assert!(
        text[0].contains("\"seen\" DATETIME DEFAULT NULL"),
        "written as it was where the models agree: {text:?}"
    );
    assert_eq!(next_id(&p, "c@x"), "3", "a deleted id was given again");
    let check = app2.run(&p, &["check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    p.execute("DELETE FROM users WHERE email = 'c@x'");
    app2.run(&p, &["downgrade", "-1", "--yes"]).expect(0);
    assert_eq!(p.schema(), adopted);
    assert_eq!(next_id(&p, "d@x"), "4");
    p.execute("DELETE FROM users WHERE email = 'd@x'");
    app2.run(&p, &["upgrade", "head"]).expect(0);

    // Models that drop the constraints and AUTOINCREMENT: each loss is a warning, on the
    // terminal and in up.sql; the downgrade brings every one back.
    let loose: String = changed
        .replace("#[model(unique)]", "")
        .replace("#[model(check = \"age >= 0\")]", "")
        .replace("#[model(primary_key, autoincrement)]", "")
        .lines()
        .filter(|l| !l.contains("length(name) > 0") && !l.contains("columns(\"name\", \"age\")"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        !loose.contains("autoincrement") && !loose.contains("age >= 0"),
        "{loose}"
    );
    let app3 = scratch_app("sqlite-integrity-loose", &loose);
    let run = app3.run(&p, &["autogenerate", "-m", "loose"]).expect(0);
    let warnings = run.stderr.matches("warning:").count();
    assert!(warnings >= 4, "{}{}", run.stdout, run.stderr);
    for expected in ["UNIQUE", "age >= 0", "length(name) > 0", "AUTOINCREMENT"] {
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
    }
    let up = std::fs::read_to_string(p.revision_dirs().last().unwrap().join("up.sql")).unwrap();
    assert_eq!(up.matches("-- warning:").count(), warnings, "{up}");
    app3.run(&p, &["upgrade", "head"]).expect(0);
    assert!(refusals(&p).iter().filter(|r| *r == "ok").count() >= 4);
    app3.run(&p, &["downgrade", "-1", "--yes"]).expect(0);
    assert_eq!(refusals(&p), refused);
}
