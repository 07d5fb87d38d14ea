//! Faults and hostile input at the database boundary (issue 15): passwords in URLs, hostile
//! schema names in hints, an orphaned session holding the advisory lock, scratch databases of
//! interrupted runs, and the database file a failed first run created.

use crate::support::{Backend, Models, Project};

/// Both output streams of a run, for asserting that something never appears.
fn all_output(run: &crate::support::Run) -> String {
    format!("{}\n{}", run.stdout, run.stderr)
}

#[test]
fn a_password_is_never_printed_wherever_the_url_carries_it() {
    let p = Project::new();
    // An unreachable server: the error names the URL, with its password parameter masked.
    let url = "postgres://nobody@127.0.0.1:1/app?sslmode=disable&password=secret";
    let run = p
        .run(Models::V1, &["--database-url", url, "current"])
        .expect(2);
    assert!(!all_output(&run).contains("secret"), "{run:?}");
    assert!(
        run.stderr.contains(
            "cannot connect to postgres://nobody@127.0.0.1:1/app?sslmode=disable&password=***"
        ),
        "{}",
        run.stderr
    );
    // Any case of the parameter's name.
    let run = p
        .run(
            Models::V1,
            &[
                "--database-url",
                "postgres://u@127.0.0.1:1/a?PASSWORD=secret",
                "current",
            ],
        )
        .expect(2);
    assert!(!all_output(&run).contains("secret"), "{run:?}");
    // A key/value connection string (libpq's other syntax), which Retort does not take: the
    // error that says so masks it too.
    let run = p
        .run(
            Models::V1,
            &[
                "--database-url",
                "host=127.0.0.1 port=1 password=secret",
                "current",
            ],
        )
        .expect(2);
    assert!(!all_output(&run).contains("secret"), "{run:?}");
    assert!(run.stderr.contains("password=***"), "{}", run.stderr);
}

#[test]
fn init_does_not_write_a_url_with_a_password_parameter() {
    let p = Project::new();
    std::fs::remove_file(p.path().join("Retort.toml")).unwrap();
    for url in [
        "postgres://u@db.example/app?password=secret",
        "host=db.example password=secret",
    ] {
        let run = p
            .run(Models::V1, &["--database-url", url, "init"])
            .expect(0);
        assert!(!all_output(&run).contains("secret"), "{run:?}");
        let written = std::fs::read_to_string(p.path().join("Retort.toml")).unwrap();
        assert!(!written.contains("secret"), "{written}");
        assert!(written.contains("not written"), "{written}");
        std::fs::remove_file(p.path().join("Retort.toml")).unwrap();
    }
}

#[test]
fn the_missing_schema_hint_quotes_the_name_as_generated_sql_does() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    let hostile = "y\"; drop table users; --";
    let run = p
        .run(Models::V1, &["--schema", hostile, "current"])
        .expect(2);
    assert!(
        run.stderr
            .contains(r#"CREATE SCHEMA "y""; drop table users; --""#),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(r#""y";"#), "{}", run.stderr);
}
