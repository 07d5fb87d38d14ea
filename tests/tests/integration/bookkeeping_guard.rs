//! A trigger that guards `__diesel_schema_migrations` against diesel_cli (real projects keep
//! one) refuses Retort's version rows too: the error names the table and the trigger and says
//! how to set it aside, instead of blaming up.sql; the revision's transaction rolls back, so
//! nothing is half-applied; `stamp` and `init --baseline` say the same.

use crate::support::{on_both_backends, Backend, Models, Project};

on_both_backends!(a_trigger_guarding_the_bookkeeping_table_is_named);

const DIESEL_TABLE: &str = "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);";

fn guard(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => format!(
            "{DIESEL_TABLE} CREATE TRIGGER guard_diesel BEFORE INSERT ON __diesel_schema_migrations \
             BEGIN SELECT RAISE(ABORT, 'migrations run through the deploy tool'); END;"
        ),
        Backend::Postgres => format!(
            "{DIESEL_TABLE} CREATE FUNCTION refuse_diesel() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'migrations run through the deploy tool'; END $$; \
             CREATE TRIGGER guard_diesel BEFORE INSERT OR DELETE ON __diesel_schema_migrations \
             FOR EACH ROW EXECUTE FUNCTION refuse_diesel();"
        ),
    }
}

fn a_trigger_guarding_the_bookkeeping_table_is_named(backend: Backend) {
    let p = Project::on(backend).expect("backend available");
    p.run(Models::V1, &["autogenerate", "-m", "v1"]).expect(0);
    let dir = p.revision_dirs()[0].clone();
    let id = dir.file_name().unwrap().to_str().unwrap()[18..30].to_owned();
    p.execute(&guard(backend));
    let fix = match backend {
        Backend::Sqlite => "drop it while migrating (`DROP TRIGGER guard_diesel;`; SQLite cannot disable a trigger, so create it again afterwards), then run the command again",
        Backend::Postgres => "disable it while migrating (`ALTER TABLE __diesel_schema_migrations DISABLE TRIGGER guard_diesel;`, then `ENABLE TRIGGER guard_diesel` afterwards) or drop it, then run the command again",
    };
    let named = format!(
        "the bookkeeping table __diesel_schema_migrations refused to record revision {id} \
         (migrations run through the deploy tool); trigger `guard_diesel` on \
         __diesel_schema_migrations refuses writes: {fix}; nothing was changed (the \
         transaction rolled back)"
    );

    let run = p.run(Models::V1, &["upgrade", "head"]).expect(2);
    assert!(run.stderr.contains(&named), "{}", run.stderr);
    assert!(!run.stderr.contains("up.sql"), "{}", run.stderr);
    // Nothing half-applied: none of the revision's tables, no version recorded.
    let tables: Vec<String> = p.schema().tables.keys().cloned().collect();
    assert!(!tables.iter().any(|t| t == "accounts"), "{tables:?}");
    assert!(p
        .strings("SELECT version AS v FROM __diesel_schema_migrations")
        .is_empty());

    // stamp writes only the record: refused the same way.
    let run = p.run(Models::V1, &["stamp", "head"]).expect(2);
    assert!(run.stderr.contains(&named), "{}", run.stderr);

    // init --baseline writes its revision, then cannot record it: it says why and when to stamp.
    std::fs::remove_dir_all(&dir).unwrap();
    p.execute("CREATE TABLE things (id INTEGER PRIMARY KEY NOT NULL);");
    let run = p.run(Models::None, &["init", "--baseline"]).expect(2);
    assert!(
        run.stderr.contains(
            "was written but not recorded as applied; run `retort_none stamp head` once the \
             trigger is set aside: the bookkeeping table __diesel_schema_migrations refused to \
             record revision"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("trigger `guard_diesel`"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("reachable"), "{}", run.stderr);

    // Set aside as the message says, stamping works.
    p.execute(match backend {
        Backend::Sqlite => "DROP TRIGGER guard_diesel;",
        Backend::Postgres => "ALTER TABLE __diesel_schema_migrations DISABLE TRIGGER guard_diesel;",
    });
    p.run(Models::None, &["stamp", "head"]).expect(0);
    let run = p.run(Models::None, &["current"]).expect(0);
    assert!(run.stdout.contains("(head) baseline"), "{}", run.stdout);
}
