//! The workflow on real databases, every scenario on SQLite and on PostgreSQL: autogenerate,
//! upgrade, check, change the models, autogenerate, upgrade with rows present, downgrade,
//! downgrade to base; failures that change nothing; concurrent upgrades.

use crate::support::{on_both_backends, Backend, Models, Project, V2_SAFETY};

on_both_backends!(
    full_round_trip_keeps_rows_and_restores_the_schema,
    autogenerate_is_deterministic,
    a_failing_upgrade_changes_nothing,
    tightening_nullability_over_nulls_needs_a_backfill,
    a_failure_midway_keeps_completed_revisions_only_where_transactional,
    upgrade_and_downgrade_by_steps_and_prefix,
    concurrent_upgrades_apply_each_revision_once,
    narrowing_a_type_never_truncates,
);

fn project(backend: Backend) -> Project {
    Project::on(backend).expect("backend available")
}

const SEED: &str = "
INSERT INTO accounts (id, email, name, age, score, legacy) VALUES
    (1, 'ada@example.com', 'Ada', 36, 5, 'x'),
    (2, 'bob@example.com', 'Bob', 41, 0, NULL);
INSERT INTO notes (id, account_id, body) VALUES (1, 1, 'first'), (2, 2, 'second');
INSERT INTO obsoletes (id, label) VALUES (1, 'gone soon');
";

fn full_round_trip_keeps_rows_and_restores_the_schema(backend: Backend) {
    let p = project(backend);

    let run = p
        .run(Models::V1, &["autogenerate", "-m", "initial schema"])
        .expect(0);
    assert!(
        run.stdout.contains("Detected added table 'accounts'"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Detected added table 'notes'"),
        "{}",
        run.stdout
    );
    let initial = p.revision_dirs();
    assert_eq!(initial.len(), 1);
    let name = initial[0].file_name().unwrap().to_str().unwrap().to_owned();
    assert!(name.ends_with("_initial_schema"), "{name}");

    // Not applied yet: check says so, and autogenerate refuses.
    let run = p.run(Models::V1, &["check"]).expect(1);
    assert!(run.stdout.contains("not at head"), "{}", run.stdout);
    let run = p
        .run(Models::V1, &["autogenerate", "-m", "too early"])
        .expect(2);
    assert!(
        run.stderr.contains("`retort_v1 upgrade head`"),
        "{}",
        run.stderr
    );
    assert_eq!(p.revision_dirs().len(), 1);

    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    p.run(Models::V1, &["check"]).expect(0);
    let run = p
        .run(Models::V1, &["autogenerate", "-m", "nothing"])
        .expect(0);
    assert_eq!(run.stdout.trim(), "No changes detected");
    assert_eq!(
        p.revision_dirs().len(),
        1,
        "no revision is written without changes"
    );

    p.execute(SEED);
    let v1_schema = p.schema();

    // Version 2 of the models: check lists what a migration would contain.
    let run = p.run(Models::V2, &["check"]).expect(1);
    for line in [
        "added table 'tags'",
        "removed table 'obsoletes'",
        "removed column 'accounts.legacy'",
        "added column 'accounts.bio' (TEXT NULL)",
        "added column 'accounts.status' (TEXT NOT NULL DEFAULT 'active')",
        "altered column 'accounts.name': type TEXT -> VARCHAR(200), now NOT NULL",
        "altered column 'accounts.age': type INTEGER -> BIGINT",
        "altered column 'accounts.score': default 0 -> 10",
        "added index 'ix_accounts_name' on 'accounts' (name)",
        "removed foreign key on 'notes' (account_id) -> accounts (id)",
        "added foreign key on 'notes' (account_id) -> accounts (id)",
    ] {
        assert!(
            run.stdout.contains(line),
            "missing `{line}` in\n{}",
            run.stdout
        );
    }

    let run = p
        .run(
            Models::V2,
            &[&["autogenerate", "-m", "version two"][..], &V2_SAFETY].concat(),
        )
        .expect(0);
    assert!(
        run.stderr.contains("dropping column 'accounts.legacy'"),
        "{}",
        run.stderr
    );
    let dirs = p.revision_dirs();
    assert_eq!(dirs.len(), 2);
    let meta = std::fs::read_to_string(dirs[1].join("metadata.toml")).unwrap();
    let parent = initial[0].file_name().unwrap().to_str().unwrap();
    let parent_id = &parent[18..30];
    assert!(
        meta.contains(&format!("parents = [\"{parent_id}\"]")),
        "{meta}"
    );

    p.run(Models::V2, &["upgrade", "head"]).expect(0);
    p.run(Models::V2, &["check"]).expect(0);
    // Rows survive the table rebuild, converted where the type changed.
    assert_eq!(
        p.strings("SELECT id || ':' || email || ':' || name || ':' || age || ':' || score || ':' || status AS v FROM accounts ORDER BY id"),
        ["1:ada@example.com:Ada:36:5:active", "2:bob@example.com:Bob:41:0:active"]
    );
    assert_eq!(
        p.strings("SELECT body AS v FROM notes ORDER BY id"),
        ["first", "second"]
    );
    let age_type = match backend {
        Backend::Sqlite => "SELECT typeof(age) AS v FROM accounts WHERE id = 1",
        Backend::Postgres => "SELECT pg_typeof(age)::text AS v FROM accounts WHERE id = 1",
    };
    let expected = if backend == Backend::Sqlite {
        "integer"
    } else {
        "bigint"
    };
    assert_eq!(p.strings(age_type), [expected]);

    // Back to version 1: the schema is exactly what it was (and so matches the v1 models).
    p.run(Models::V2, &["downgrade", "-1"]).expect(0);
    assert_eq!(p.schema(), v1_schema);
    let run = p.run(Models::V1, &["check"]).expect(1);
    assert!(
        run.stdout.starts_with("Database is not at head"),
        "{}",
        run.stdout
    );
    assert_eq!(
        p.strings("SELECT id || ':' || email || ':' || name || ':' || age || ':' || score AS v FROM accounts ORDER BY id"),
        ["1:ada@example.com:Ada:36:5", "2:bob@example.com:Bob:41:0"]
    );
    assert_eq!(
        p.strings("SELECT body AS v FROM notes ORDER BY id"),
        ["first", "second"]
    );

    let run = p.run(Models::V1, &["current"]).expect(0);
    assert!(run.stdout.starts_with(parent_id), "{}", run.stdout);

    p.run(Models::V1, &["downgrade", "base"]).expect(0);
    let empty = p.schema();
    assert!(
        empty.is_empty(),
        "tables left after downgrade base: {:?}",
        empty.tables.keys()
    );
    let run = p.run(Models::V1, &["current"]).expect(0);
    assert!(run.stdout.contains("base"), "{}", run.stdout);
}

fn autogenerate_is_deterministic(backend: Backend) {
    let a = project(backend);
    let b = project(backend);
    for p in [&a, &b] {
        p.run(Models::V1, &["autogenerate", "-m", "initial"])
            .expect(0);
    }
    let read =
        |p: &Project, file: &str| std::fs::read_to_string(p.revision_dirs()[0].join(file)).unwrap();
    assert_eq!(read(&a, "up.sql"), read(&b, "up.sql"));
    assert_eq!(read(&a, "down.sql"), read(&b, "down.sql"));

    // And after a model change, against equal databases.
    for p in [&a, &b] {
        p.run(Models::V1, &["upgrade", "head"]).expect(0);
        p.run(
            Models::V2,
            &[&["autogenerate", "-m", "two"][..], &V2_SAFETY].concat(),
        )
        .expect(0);
    }
    let read =
        |p: &Project, file: &str| std::fs::read_to_string(p.revision_dirs()[1].join(file)).unwrap();
    assert_eq!(read(&a, "up.sql"), read(&b, "up.sql"));
    assert_eq!(read(&a, "down.sql"), read(&b, "down.sql"));
}

fn a_failing_upgrade_changes_nothing(backend: Backend) {
    let p = project(backend);
    p.run(Models::V1, &["autogenerate", "-m", "initial"])
        .expect(0);
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    p.execute(SEED);
    p.run(Models::V1, &["revision", "-m", "broken data migration"])
        .expect(0);
    let broken = p.revision_dirs()[1].clone();
    std::fs::write(
        broken.join("up.sql"),
        "CREATE TABLE audit (id INTEGER PRIMARY KEY);\nDELETE FROM notes;\nINSERT INTO no_such_table VALUES (1);\n",
    )
    .unwrap();
    let run = p.run(Models::V1, &["upgrade", "head"]).expect(2);
    let cause = match backend {
        Backend::Sqlite => "no such table: no_such_table",
        Backend::Postgres => "relation \"no_such_table\" does not exist",
    };
    assert!(run.stderr.contains(cause), "{}", run.stderr);
    assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
    if backend == Backend::Postgres {
        // PostgreSQL reports where the failing statement is.
        assert!(run.stderr.contains("up.sql line 3: "), "{}", run.stderr);
        assert!(
            run.stderr
                .contains("(in `INSERT INTO no_such_table VALUES (1);`)"),
            "{}",
            run.stderr
        );
    }
    assert!(
        run.stderr
            .contains(broken.file_name().unwrap().to_str().unwrap()),
        "{}",
        run.stderr
    );
    // Nothing of the failed revision is left: no audit table, notes intact, not recorded.
    assert!(!p.schema().tables.contains_key("audit"));
    assert_eq!(
        p.strings("SELECT body AS v FROM notes ORDER BY id"),
        ["first", "second"]
    );
    p.run(Models::V1, &["check"]).expect(1);
}

fn tightening_nullability_over_nulls_needs_a_backfill(backend: Backend) {
    let p = project(backend);
    p.run(Models::V1, &["autogenerate", "-m", "initial"])
        .expect(0);
    p.run(Models::V1, &["upgrade", "head"]).expect(0);
    p.execute("INSERT INTO accounts (id, email, name, age) VALUES (1, 'x@example.com', NULL, 1);");
    p.execute("INSERT INTO accounts (id, email, name, age) VALUES (2, 'y@example.com', 'Y', 2);");
    // A NULL name cannot become NOT NULL: without a value for it, autogenerate writes nothing.
    let run = p
        .run(
            Models::V2,
            &["autogenerate", "-m", "two", "--allow-destructive"],
        )
        .expect(2);
    assert!(
        run.stderr.contains(
            "column 'accounts.name' becomes NOT NULL, so its NULL rows need a value: keep it \
             Option<_>, add #[model(default = \"...\")] (its NULL rows take it), or pass \
             --backfill accounts.name=<SQL expression>"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(p.revision_dirs().len(), 1, "nothing written");
    let before = p.schema();
    // With a backfill, the NULL rows get the value before the column becomes NOT NULL.
    p.run(
        Models::V2,
        &[
            "autogenerate",
            "-m",
            "two",
            "--allow-destructive",
            "--allow-rewrite",
            "--backfill",
            "accounts.name = 'nobody' || id",
        ],
    )
    .expect(0);
    let up = std::fs::read_to_string(p.revision_dirs()[1].join("up.sql")).unwrap();
    let update = up
        .find("UPDATE \"accounts\" SET \"name\" = 'nobody' || id WHERE \"name\" IS NULL;")
        .or_else(|| {
            // PostgreSQL's online form: in committed batches by key ranges.
            up.find(
                "UPDATE \"accounts\" SET \"name\" = 'nobody' || id WHERE \"id\" >= lo AND \"id\" < lo + 10000 AND \"name\" IS NULL;",
            )
        })
        .unwrap_or_else(|| panic!("{up}"));
    let not_null = match backend {
        Backend::Sqlite => up.find("CREATE TABLE \"_retort_new_accounts\""),
        Backend::Postgres => up.find("SET NOT NULL"),
    };
    assert!(update < not_null.unwrap(), "{up}");
    let down = std::fs::read_to_string(p.revision_dirs()[1].join("down.sql")).unwrap();
    assert!(
        down.contains(
            "-- cannot restore: the NULLs of accounts.name that --backfill replaced with 'nobody' || id"
        ),
        "{down}"
    );
    p.run(Models::V2, &["upgrade", "head"]).expect(0);
    p.run(Models::V2, &["check"]).expect(0);
    assert_eq!(
        p.strings("SELECT name AS v FROM accounts ORDER BY id"),
        ["nobody1", "Y"]
    );
    // The downgrade makes the column nullable again; the filled value stays.
    p.run(Models::V1, &["downgrade", "-1"]).expect(0);
    assert_eq!(p.schema(), before);
    assert_eq!(
        p.strings("SELECT name AS v FROM accounts ORDER BY id"),
        ["nobody1", "Y"]
    );
}

fn upgrade_and_downgrade_by_steps_and_prefix(backend: Backend) {
    let p = project(backend);
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    p.run(Models::V1, &["upgrade"]).expect(0);
    p.run(
        Models::V2,
        &[&["autogenerate", "-m", "two"][..], &V2_SAFETY].concat(),
    )
    .expect(0);
    p.run(Models::V1, &["downgrade", "base"]).expect(0);
    let dirs = p.revision_dirs();
    let first = &dirs[0].file_name().unwrap().to_str().unwrap()[18..30].to_owned();
    let second = &dirs[1].file_name().unwrap().to_str().unwrap()[18..30].to_owned();

    let run = p.run(Models::V2, &["upgrade", "+1"]).expect(0);
    assert_eq!(run.stdout, format!("Applied {first} one\n"));
    let at_first = p.schema();
    assert!(at_first.tables.contains_key("obsoletes"));
    let run = p.run(Models::V2, &["upgrade", &second[..6]]).expect(0);
    assert_eq!(run.stdout, format!("Applied {second} two\n"));
    p.run(Models::V2, &["check"]).expect(0);
    let run = p.run(Models::V2, &["upgrade"]).expect(0);
    assert!(run.stdout.starts_with("Nothing to apply"), "{}", run.stdout);
    let run = p.run(Models::V2, &["downgrade", &first[..8]]).expect(0);
    assert_eq!(run.stdout, format!("Reverted {second} two\n"));
    assert_eq!(p.schema(), at_first);
    let run = p.run(Models::V2, &["downgrade", "-2"]).expect(2);
    assert!(
        run.stderr.contains("only 1 revision(s) are applied"),
        "{}",
        run.stderr
    );

    let history = p.run(Models::V2, &["history"]).expect(0).stdout;
    assert_eq!(
        history,
        format!("{first} -> {second} (head), two\n<base> -> {first}, one\n")
    );
    let heads = p.run(Models::V2, &["heads"]).expect(0).stdout;
    assert_eq!(heads, format!("{second} (head) two\n"));
    let show = p.run(Models::V2, &["show", &second[..5]]).expect(0).stdout;
    assert!(show.contains(&format!("Parents:  {first}")), "{show}");
    // Changes to existing tables come before new tables (see "What autogenerate detects").
    assert!(show.contains("-- up.sql\n-- "), "{show}");
    let up = &show[show.find("-- up.sql").unwrap()..show.find("-- down.sql").unwrap()];
    let altered = up.find("accounts.").expect("accounts changes");
    let created = up.find("added table 'tags'").expect("tags created");
    assert!(altered < created, "{up}");
}

fn a_failure_midway_keeps_completed_revisions_only_where_transactional(backend: Backend) {
    let p = project(backend);
    p.run(Models::V1, &["autogenerate", "-m", "initial"])
        .expect(0);
    p.run(Models::V1, &["revision", "-m", "broken"]).expect(0);
    let first = p.revision_id(0);
    std::fs::write(
        p.revision_dirs()[1].join("up.sql"),
        "CREATE TABLE audit (id INTEGER PRIMARY KEY);\nSELECT * FROM no_such_table;\n",
    )
    .unwrap();
    let run = p.run(Models::V1, &["upgrade"]).expect(2);
    let current = p.run(Models::V1, &["current"]).expect(0).stdout;
    assert!(!p.schema().tables.contains_key("audit"));
    match backend {
        // SQLite runs the whole upgrade in one transaction: nothing stays.
        Backend::Sqlite => {
            assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
            assert!(current.starts_with("base"), "{current}");
            assert!(p.schema().is_empty());
        }
        // PostgreSQL commits each revision: the database stays at the last good one.
        Backend::Postgres => {
            assert!(
                run.stderr.contains(&format!(
                    "revisions {first} were applied before it and stay so"
                )),
                "{}",
                run.stderr
            );
            assert!(current.starts_with(&first), "{current}");
            assert!(p.schema().tables.contains_key("accounts"));
        }
    }
}

fn concurrent_upgrades_apply_each_revision_once(backend: Backend) {
    let p = project(backend);
    p.run(Models::V1, &["autogenerate", "-m", "initial"])
        .expect(0);
    p.run(Models::V1, &["revision", "-m", "slow data migration"])
        .expect(0);
    // The second revision takes a moment, so the two runs overlap.
    let slow = match backend {
        Backend::Sqlite => "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) INSERT INTO obsoletes (id, label) SELECT i, 'x' FROM n;\n",
        Backend::Postgres => "SELECT pg_sleep(1);\nINSERT INTO obsoletes (id, label) SELECT i, 'x' FROM generate_series(1, 1000) AS i;\n",
    };
    std::fs::write(p.revision_dirs()[1].join("up.sql"), slow).unwrap();
    let children: Vec<_> = (0..3)
        .map(|_| {
            p.command(Models::V1, &["upgrade", "head"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let runs: Vec<crate::support::Run> = children
        .into_iter()
        .map(|c| crate::support::Run::from(c.wait_with_output().unwrap()).expect(0))
        .collect();
    let applied: usize = runs
        .iter()
        .map(|r| r.stdout.matches("Applied ").count())
        .sum();
    assert_eq!(applied, 2, "each revision applied exactly once: {runs:?}");
    let rows = p.strings("SELECT CAST(count(*) AS TEXT) AS v FROM obsoletes");
    let expected = if backend == Backend::Sqlite {
        "300000"
    } else {
        "1000"
    };
    assert_eq!(rows, [expected]);
    p.run(Models::V1, &["check"]).expect(0);
}

fn narrowing_a_type_never_truncates(backend: Backend) {
    let p = project(backend);
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    p.run(Models::V1, &["upgrade"]).expect(0);
    let long = "x".repeat(300);
    p.execute(&format!(
        "INSERT INTO accounts (id, email, name, age) VALUES (1, 'a@example.com', '{long}', 1)"
    ));
    // v2 makes accounts.name VARCHAR(200): autogenerate warns, and the upgrade must not cut
    // the value: PostgreSQL refuses it (nothing changes), SQLite keeps it whole.
    // Each backend says what happens on itself.
    let run = p
        .run(
            Models::V2,
            &[&["autogenerate", "-m", "two"][..], &V2_SAFETY].concat(),
        )
        .expect(0);
    let warning = if backend == Backend::Postgres {
        "its type changes from TEXT to VARCHAR(200): on PostgreSQL, longer strings are refused: \
         the upgrade fails"
    } else {
        "its type changes from TEXT to VARCHAR(200): on SQLite, values are kept as they are: \
         SQLite does not enforce VARCHAR lengths"
    };
    assert!(run.stderr.contains(warning), "{}", run.stderr);
    let up = std::fs::read_to_string(p.revision_dirs()[1].join("up.sql")).unwrap();
    if backend == Backend::Postgres {
        assert!(
            up.contains("ALTER COLUMN \"name\" TYPE VARCHAR(200);"),
            "{up}"
        );
        let run = p.run(Models::V2, &["upgrade"]).expect(2);
        assert!(run.stderr.contains("value too long"), "{}", run.stderr);
    } else {
        p.run(Models::V2, &["upgrade"]).expect(0);
    }
    assert_eq!(
        p.strings("SELECT name AS v FROM accounts"),
        [long],
        "the value survives whole"
    );
}
