//! Adopting Retort on a database that already exists: diesel's history recorded before
//! Retort, `init --baseline`, and `ignore` globs.

use crate::support::{on_both_backends, Backend, Models, Project};

/// diesel's own DDL for its bookkeeping table.
const DIESEL_TABLE: &str = "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);";

/// Records `versions` in diesel's table as diesel would have, creating it when missing.
fn record_diesel_versions(p: &Project, versions: &[String]) {
    let exists = p.strings(match p.backend {
        Backend::Sqlite => {
            "SELECT name AS v FROM sqlite_schema WHERE name = '__diesel_schema_migrations'"
        }
        Backend::Postgres => {
            "SELECT relname::text AS v FROM pg_class WHERE relname = '__diesel_schema_migrations'"
        }
    });
    let mut sql = if exists.is_empty() {
        DIESEL_TABLE.to_owned()
    } else {
        String::new()
    };
    for v in versions {
        sql.push_str(&format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('{v}');"
        ));
    }
    p.execute(&sql);
}

on_both_backends!(unknown_versions_are_listed_as_the_first_few_and_a_count,);

/// 300 versions no revision has: the error names the first five and counts the rest, on one
/// short line, and says how to adopt the database.
fn unknown_versions_are_listed_as_the_first_few_and_a_count(backend: Backend) {
    let p = Project::on(backend).expect("backend available");
    let versions: Vec<String> = (0..300).map(|k| format!("2014092411{k:04}")).collect();
    record_diesel_versions(&p, &versions);
    for args in [&["current"][..], &["upgrade", "head"], &["check"]] {
        let run = p.run(Models::V1, args).expect(2);
        assert!(
            run.stderr.contains(
                "records 300 version(s) that no revision in migrations has: 20140924110000, \
                 20140924110001, 20140924110002, 20140924110003, 20140924110004 and 295 more"
            ),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("init --baseline"), "{}", run.stderr);
        assert!(run.stderr.len() < 600, "{args:?}: {}", run.stderr);
    }
}
