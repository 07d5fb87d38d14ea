//! `--fleet` (issue 28): `upgrade`, `downgrade`, `current` and `check` on every target of
//! Retort.toml's `[fleet]`: several SQLite files, several PostgreSQL tenant schemas; a failing
//! target with and without `--fail-fast`, `--resume`, `--canary`, and bad configurations.

use std::path::Path;

use crate::support::{Backend, Models, Project, Run};

/// The project's Retort.toml with `fleet` appended as its `[fleet]` table.
fn set_fleet(p: &Project, fleet: &str) {
    std::fs::write(
        p.path().join("Retort.toml"),
        format!(
            "database_url = \"{}\"\nmigrations_dir = \"migrations\"\n\n[fleet]\n{fleet}\n",
            p.url
        ),
    )
    .unwrap();
}

/// The table's lines (stdout up to the first blank line), each split into its cells.
fn table(run: &Run) -> Vec<Vec<String>> {
    run.stdout
        .lines()
        .take_while(|l| !l.is_empty())
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

/// The versions an SQLite file records.
fn sqlite_versions(path: &Path) -> Vec<String> {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    let mut conn = diesel::sqlite::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    diesel::sql_query("SELECT version FROM __diesel_schema_migrations ORDER BY 1")
        .load::<Row>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| r.version)
        .collect()
}

/// A SQLite project with one revision (the V1 models) and four tenant files in `[fleet] urls`,
/// the third of which already has an `accounts` table, so its upgrade fails. Returns the
/// revision's id.
fn four_files(p: &Project) -> String {
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    set_fleet(
        p,
        "urls = [\"sqlite://t/d.db\", \"sqlite://t/a.db\", \"sqlite://t/c.db\", \"sqlite://t/b.db\"]",
    );
    std::fs::create_dir(p.path().join("t")).unwrap();
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    diesel::sqlite::SqliteConnection::establish(p.path().join("t/c.db").to_str().unwrap())
        .unwrap()
        .batch_execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY)")
        .unwrap();
    p.revision_id(0)
}

#[test]
fn sqlite_files_go_on_after_a_failure_then_resume_finishes_the_rest() {
    let p = Project::new();
    let rev = four_files(&p);
    let run = p
        .run(Models::V1, &["upgrade", "--fleet", "--jobs", "2"])
        .expect(2);
    // The configured order, whatever order they finished in.
    assert_eq!(
        table(&run),
        [
            vec!["TARGET", "BEFORE", "AFTER", "RESULT"],
            vec!["sqlite://t/d.db", "no database", &rev, "ok"],
            vec!["sqlite://t/a.db", "no database", &rev, "ok"],
            vec!["sqlite://t/c.db", "base", "base", "failed"],
            vec!["sqlite://t/b.db", "no database", &rev, "ok"],
        ],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("sqlite://t/c.db:\n  upgrade of revision")
            && run.stdout.contains("table \"accounts\" already exists"),
        "the failure is listed under the table: {}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with("4 targets: 3 at head, 1 failed\n"),
        "{}",
        run.stdout
    );
    // One progress line per target, as each finished.
    assert_eq!(
        run.stderr.lines().filter(|l| l.starts_with('[')).count(),
        4,
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--fleet --resume"), "{}", run.stderr);
    for name in ["a", "b", "d"] {
        assert_eq!(
            sqlite_versions(&p.path().join(format!("t/{name}.db"))).len(),
            1
        );
    }
    assert!(p.path().join(".retort-fleet.json").exists());
    let state = std::fs::read_to_string(p.path().join(".retort-fleet.json")).unwrap();
    assert!(
        !state.contains("sqlite://"),
        "no URL in the state file: {state}"
    );

    // Not at head: current and check say so, for that target only.
    let current = p.run(Models::V1, &["current", "--fleet"]).expect(1);
    assert_eq!(
        table(&current)[3],
        ["sqlite://t/c.db", "base", "not at head"],
        "{}",
        current.stdout
    );
    let check = p.run(Models::V1, &["check", "--fleet"]).expect(1);
    assert_eq!(table(&check)[3], ["sqlite://t/c.db", "base", "differs"]);
    assert_eq!(table(&check)[1], ["sqlite://t/d.db", rev.as_str(), "ok"]);
    assert!(check.stdout.contains("not at head"), "{}", check.stdout);

    // Fixed, the resumed run does only that target.
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    diesel::sqlite::SqliteConnection::establish(p.path().join("t/c.db").to_str().unwrap())
        .unwrap()
        .batch_execute("DROP TABLE accounts")
        .unwrap();
    let resumed = p
        .run(Models::V1, &["upgrade", "--fleet", "--resume"])
        .expect(0);
    assert_eq!(
        table(&resumed)[1..],
        [
            vec![
                "sqlite://t/d.db",
                rev.as_str(),
                &rev,
                "done before (--resume)"
            ],
            vec!["sqlite://t/a.db", &rev, &rev, "done before (--resume)"],
            vec!["sqlite://t/c.db", "base", &rev, "ok"],
            vec!["sqlite://t/b.db", &rev, &rev, "done before (--resume)"],
        ],
        "{}",
        resumed.stdout
    );
    assert_eq!(
        resumed
            .stderr
            .lines()
            .filter(|l| l.starts_with('['))
            .count(),
        1,
        "{}",
        resumed.stderr
    );
    assert!(
        !p.path().join(".retort-fleet.json").exists(),
        "every target finished: nothing left to resume"
    );
    p.run(Models::V1, &["current", "--fleet"]).expect(0);
    p.run(Models::V1, &["check", "--fleet"]).expect(0);

    // A relative downgrade, resumed, never reverts a target twice.
    let down = p.run(Models::V1, &["downgrade", "--fleet", "-1"]).expect(0);
    assert!(
        table(&down)[1..].iter().all(|r| r[2] == "base"),
        "{}",
        down.stdout
    );
    for name in ["a", "b", "c", "d"] {
        assert!(sqlite_versions(&p.path().join(format!("t/{name}.db"))).is_empty());
    }
}

#[test]
fn fail_fast_starts_nothing_after_the_first_failure() {
    let p = Project::new();
    let rev = four_files(&p);
    let run = p
        .run(
            Models::V1,
            &["upgrade", "--fleet", "-j", "1", "--fail-fast"],
        )
        .expect(2);
    assert_eq!(
        table(&run)[1..],
        [
            vec!["sqlite://t/d.db", "no database", &rev, "ok"],
            vec!["sqlite://t/a.db", "no database", &rev, "ok"],
            vec!["sqlite://t/c.db", "base", "base", "failed"],
            vec!["sqlite://t/b.db", "-", "-", "not run (--fail-fast)"],
        ],
        "{}",
        run.stdout
    );
    assert!(!p.path().join("t/b.db").exists(), "b was never opened");
    assert!(run.stdout.ends_with("2 at head, 1 failed, 1 not run\n"));
    // Resume after fixing c: c and b run, d and a are skipped.
    std::fs::remove_file(p.path().join("t/c.db")).unwrap();
    let resumed = p
        .run(
            Models::V1,
            &["upgrade", "--fleet", "--resume", "--fail-fast"],
        )
        .expect(0);
    let results: Vec<String> = table(&resumed)[1..].iter().map(|r| r[3].clone()).collect();
    assert_eq!(
        results,
        [
            "done before (--resume)",
            "done before (--resume)",
            "ok",
            "ok"
        ]
    );
    // Resuming another command is refused while a run is recorded, and says which.
    p.run(Models::V1, &["downgrade", "--fleet", "base"])
        .expect(0);
    std::fs::write(
        p.path().join(".retort-fleet.json"),
        "{\"command\": \"upgrade head\", \"done\": []}",
    )
    .unwrap();
    let refused = p
        .run(Models::V1, &["downgrade", "--fleet", "--resume", "base"])
        .expect(2);
    assert!(
        refused
            .stderr
            .contains("was `upgrade head`, not `downgrade base`"),
        "{}",
        refused.stderr
    );
}

#[test]
fn a_canary_is_upgraded_and_checked_before_the_others() {
    let p = Project::new();
    let rev = four_files(&p);
    // The canary (d) passes; c still fails, after it.
    let run = p
        .run(Models::V1, &["upgrade", "--fleet", "--canary"])
        .expect(2);
    let rows = table(&run);
    assert_eq!(
        rows[1],
        [
            "sqlite://t/d.db",
            "no database",
            &rev,
            "ok (canary, checked)"
        ]
    );
    assert_eq!(rows[3][3], "failed");
    assert!(
        run.stderr
            .lines()
            .find(|l| l.starts_with('['))
            .unwrap()
            .contains("t/d.db"),
        "the canary finishes first: {}",
        run.stderr
    );

    // A canary whose upgrade fails stops the fleet: c first.
    let q = Project::new();
    four_files(&q);
    set_fleet(&q, "urls = [\"sqlite://t/c.db\", \"sqlite://t/a.db\"]");
    let run = q
        .run(Models::V1, &["upgrade", "--fleet", "--canary"])
        .expect(2);
    assert_eq!(
        table(&run)[2],
        ["sqlite://t/a.db", "-", "-", "not run (the canary failed)"]
    );
    assert!(!q.path().join("t/a.db").exists());

    // A canary that upgrades but whose check fails (other models than the migrations') stops
    // the fleet too.
    let r = Project::new();
    let rev = four_files(&r);
    set_fleet(&r, "urls = [\"sqlite://t/a.db\", \"sqlite://t/b.db\"]");
    let run = r
        .run(Models::V2, &["upgrade", "--fleet", "--canary"])
        .expect(2);
    let rows = table(&run);
    assert_eq!(rows[1], ["sqlite://t/a.db", "no database", &rev, "failed"]);
    assert_eq!(rows[2][3], "not run (the canary failed)");
    assert!(
        run.stdout.contains("the canary's check failed"),
        "{}",
        run.stdout
    );
    assert!(!r.path().join("t/b.db").exists());
}

#[test]
fn postgres_tenant_schemas() {
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    let rev = p.revision_id(0);
    p.execute(
        "CREATE SCHEMA tenant_3; CREATE SCHEMA tenant_1; CREATE SCHEMA tenant_2; \
         CREATE SCHEMA other; CREATE TABLE tenant_2.accounts (id INT)",
    );
    set_fleet(&p, "schemas = \"tenant_*\"");
    let run = p.run(Models::V1, &["upgrade", "--fleet"]).expect(2);
    assert_eq!(
        table(&run)[1..],
        [
            vec!["tenant_1", "base", &rev, "ok"],
            vec!["tenant_2", "base", "base", "failed"],
            vec!["tenant_3", "base", &rev, "ok"],
        ],
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("relation \"accounts\" already exists"));
    let tables = |schema: &str| {
        p.strings(&format!(
            "SELECT count(*)::text AS v FROM pg_tables WHERE schemaname = '{schema}'"
        ))[0]
            .clone()
    };
    assert_eq!(
        tables("other"),
        "0",
        "a schema the glob does not match is left alone"
    );
    assert_ne!(tables("tenant_3"), "0");

    let check = p.run(Models::V1, &["check", "--fleet"]).expect(1);
    assert_eq!(table(&check)[2], ["tenant_2", "base", "differs"]);
    let current = p.run(Models::V1, &["current", "--fleet"]).expect(1);
    assert_eq!(table(&current)[1], ["tenant_1", rev.as_str(), "at head"]);

    p.execute("DROP TABLE tenant_2.accounts");
    let resumed = p
        .run(
            Models::V1,
            &["upgrade", "--fleet", "--resume", "--jobs", "3"],
        )
        .expect(0);
    assert_eq!(table(&resumed)[2], ["tenant_2", "base", &rev, "ok"]);
    p.run(Models::V1, &["check", "--fleet"]).expect(0);
    p.run(Models::V1, &["current", "--fleet"]).expect(0);
    let down = p
        .run(Models::V1, &["downgrade", "--fleet", "base"])
        .expect(0);
    assert!(
        table(&down)[1..].iter().all(|r| r[2] == "base"),
        "{}",
        down.stdout
    );
    let left = p.strings(
        "SELECT tablename::text AS v FROM pg_tables WHERE schemaname LIKE 'tenant\\_%' \
         AND tablename NOT LIKE '\\_\\_%' ORDER BY 1",
    );
    assert!(
        left.is_empty(),
        "only the bookkeeping tables stay: {left:?}"
    );
}

#[test]
fn listed_by_a_command_a_query_or_environment_variables() {
    let p = Project::new();
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    p.run(Models::V1, &["upgrade"]).expect(0);
    p.execute(
        "CREATE TABLE tenants (url TEXT); \
         INSERT INTO tenants VALUES ('sqlite://t/y.db'), ('sqlite://t/x.db')",
    );
    set_fleet(&p, "list_query = \"SELECT url FROM tenants ORDER BY url;\"");
    let run = p.run(Models::V1, &["upgrade", "--fleet"]).expect(0);
    let labels: Vec<String> = table(&run)[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(labels, ["sqlite://t/x.db", "sqlite://t/y.db"]);

    set_fleet(
        &p,
        "list_command = \"echo '# tenants'; echo sqlite://t/y.db; echo; echo sqlite://t/z.db\"",
    );
    let run = p.run(Models::V1, &["current", "--fleet"]).expect(1);
    assert_eq!(
        table(&run)[2],
        ["sqlite://t/z.db", "no database", "not at head"]
    );

    set_fleet(&p, "url_env = [\"TENANT_X\", \"TENANT_Y\"]\njobs = 1");
    let run = Run::from(
        p.command(Models::V1, &["current", "--fleet"])
            .env("TENANT_X", "sqlite://t/x.db")
            .env("TENANT_Y", "sqlite://t/y.db")
            .output()
            .unwrap(),
    )
    .expect(0);
    assert_eq!(table(&run)[1][0], "$TENANT_X");
    assert!(run.stderr.contains("1 at a time"), "{}", run.stderr);
}

#[test]
fn bad_fleet_configurations_are_refused_before_anything_runs() {
    let p = Project::new();
    p.run(Models::V1, &["autogenerate", "-m", "one"]).expect(0);
    p.run(Models::V1, &["upgrade"]).expect(0);
    let refused = |fleet: Option<&str>, args: &[&str], says: &str| {
        match fleet {
            Some(fleet) => set_fleet(&p, fleet),
            None => std::fs::write(
                p.path().join("Retort.toml"),
                "migrations_dir = \"migrations\"\n",
            )
            .unwrap(),
        }
        let run = p.run(Models::V1, args).expect(2);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
        assert!(!p.path().join("t").exists(), "nothing ran");
    };
    refused(
        None,
        &["upgrade", "--fleet"],
        "--fleet needs a [fleet] table",
    );
    refused(
        Some("jobs = 2"),
        &["upgrade", "--fleet"],
        "lists no target: set one of",
    );
    refused(
        Some("urls = [\"sqlite://t/a.db\"]\nschemas = \"t_*\""),
        &["current", "--fleet"],
        "lists its targets in 2 ways (urls/url_env, schemas)",
    );
    refused(
        Some("url_env = [\"RETORT_TEST_UNSET_VARIABLE\"]"),
        &["upgrade", "--fleet"],
        "url_env names RETORT_TEST_UNSET_VARIABLE, which is not set",
    );
    refused(
        Some("urls = [\"sqlite://t/a.db\", \"sqlite://t/a.db\"]"),
        &["upgrade", "--fleet"],
        "lists sqlite://t/a.db twice",
    );
    refused(
        Some("urls = [\"nosuch://x\"]"),
        &["upgrade", "--fleet"],
        "[fleet] urls[0]: invalid database URL",
    );
    refused(
        Some("list_command = \"echo broken >&2; exit 3\""),
        &["upgrade", "--fleet"],
        "failed (exit status: 3): broken",
    );
    refused(
        Some("urls = [\"sqlite://t/a.db\"]\ndatabase_url = \"sqlite://x.db\""),
        &["upgrade", "--fleet"],
        "[fleet] database_url is the database list_query runs on",
    );
    refused(
        Some("jobs = 0\nurls = [\"sqlite://t/a.db\"]"),
        &["upgrade", "--fleet"],
        "jobs = 0",
    );
    refused(
        Some("urlz = []"),
        &["upgrade", "--fleet"],
        "unknown field `urlz`",
    );
    refused(
        Some("schemas = \"tenant_*\""),
        &["upgrade", "--fleet"],
        "SQLite has no schemas",
    );
    refused(
        Some("urls = [\"sqlite://t/a.db\"]"),
        &["upgrade", "--fleet", "--sql"],
        "--sql connects to none",
    );
    refused(
        Some("urls = [\"sqlite://t/a.db\"]"),
        &["check", "--fleet", "--shadow"],
        "drop --fleet or --shadow",
    );
    // Options of --fleet without it.
    let run = p.run(Models::V1, &["upgrade", "--jobs", "2"]).expect(2);
    assert!(run.stderr.contains("--fleet"), "{}", run.stderr);
}

#[test]
fn an_interrupted_fleet_run_starts_no_new_target_and_records_the_finished_ones() {
    use std::io::BufRead;
    let Some(p) = Project::on(Backend::Postgres) else {
        return;
    };
    crate::support::revision(
        &p,
        "slow",
        "SELECT pg_sleep(0.5);\nCREATE TABLE slow (id INT);\n",
        "DROP TABLE slow;\n",
    );
    p.execute("CREATE SCHEMA tenant_1; CREATE SCHEMA tenant_2; CREATE SCHEMA tenant_3;");
    set_fleet(&p, "schemas = \"tenant_*\"");
    let mut child = p
        .command(Models::V1, &["upgrade", "--fleet", "--jobs", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("[1/3]") {
        assert_ne!(stderr.read_line(&mut seen).unwrap(), 0, "{seen}");
    }
    // The fleet run only (its child running tenant_2 goes on).
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    let run = Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: seen,
    }
    .expect(2);
    let rows = table(&run);
    assert_eq!(rows[1][3], "ok", "{}", run.stdout);
    assert_eq!(rows[3][3], "not run (interrupted)", "{}", run.stdout);
    assert!(
        rows[2][3] == "ok" || rows[2][3] == "not run (interrupted)",
        "{}",
        run.stdout
    );
    // The resumed run does the rest only.
    let resumed = p
        .run(Models::V1, &["upgrade", "--fleet", "--resume"])
        .expect(0);
    assert_eq!(table(&resumed)[1][3], "done before (--resume)");
    assert_eq!(table(&resumed)[3][3], "ok");
}
