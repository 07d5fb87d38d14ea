//! Offline SQL: the exact script an `upgrade` or `downgrade` would run, for DBAs who apply
//! migrations by hand. Pure: nothing here touches a database; the backend (and so the dialect of
//! the bookkeeping SQL) comes from the database URL's scheme.
//!
//! The script creates diesel's `__diesel_schema_migrations` (diesel's own DDL) and Retort's
//! `__retort_checksums` when missing, then for each revision runs its `up.sql` (or `down.sql`)
//! and inserts (or deletes) its version and checksum, in the transactions the backend's
//! [`TransactionPolicy`](crate::backend::TransactionPolicy) gives the runner too: on SQLite one
//! transaction for the whole run, with foreign keys switched off before it; on PostgreSQL one
//! transaction per revision (none for a revision with `run_in_transaction = false`).
//!
//! `stamp --sql` ([`render_stamp`], in `offline/stamp.rs`) writes the same bookkeeping alone,
//! without any revision's SQL.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::backend::{Backend, TransactionScope};
use crate::checksum;
use crate::runner::{Direction, RunOptions};
use crate::script::{GraphError, Revision, ScriptDirectory};

mod stamp;
pub use stamp::{render_stamp, StampRequest};

/// What to render.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The backend whose bookkeeping SQL and transactions the script follows.
    pub backend: Backend,
    /// Apply (`up.sql`) or revert (`down.sql`).
    pub direction: Direction,
    /// Where the database is assumed to be: `base`, a revision, `head`, `heads`.
    pub from: &'a str,
    /// Where it should go; relative targets (`+N`, `-N`) move from `from`.
    pub target: &'a str,
    /// PostgreSQL schema (`--schema`): the script starts with `SET search_path`.
    pub schema: Option<&'a str>,
    /// The options a live run would have: the backend's transaction policy depends on them.
    pub options: &'a RunOptions,
    /// Print a comment in place of each Rust data step (`--step-placeholders`) instead of
    /// refusing a revision that has one: the script cannot run Rust.
    pub step_placeholders: bool,
}

/// The revisions a request runs, in order.
pub fn plan<'s>(
    scripts: &'s ScriptDirectory,
    request: &Request<'_>,
) -> Result<Vec<&'s Revision>, GraphError> {
    let graph = scripts.graph();
    let applied = graph.applied_at(&BTreeSet::new(), request.from)?;
    let ids = match request.direction {
        Direction::Upgrade => graph.upgrade_plan(&applied, request.target)?,
        Direction::Downgrade => graph.downgrade_plan(&applied, request.target)?,
    };
    if ids.is_empty() {
        match request.direction {
            Direction::Upgrade => graph.refuse_upgrade_below(&applied, request.target)?,
            Direction::Downgrade => graph.refuse_downgrade_above(&applied, request.target)?,
        }
    }
    Ok(ids
        .iter()
        .map(|id| scripts.revision(id).expect("planned revisions exist"))
        .collect())
}

/// Why a request cannot be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OfflineError {
    /// The range does not resolve in the graph.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// A script holds transaction control, which would break the script's transactions.
    #[error(transparent)]
    TransactionControl(#[from] crate::script::TransactionControlError),
    /// The request asks for something the backend does not have (a schema on SQLite).
    #[error(transparent)]
    Unsupported(#[from] crate::db::DbError),
    /// A revision runs Rust data steps, which a SQL script cannot hold.
    #[error(
        "revision {revision} runs the Rust data step(s) {}, which a SQL script cannot hold: \
         apply it with `{}`, or pass --step-placeholders to print a comment in each step's place \
         and run the step yourself there",
        steps.iter().map(|(name, line)| format!("`{name}` ({}:{line})", crate::shown::path(path))).collect::<Vec<_>>().join(", "),
        crate::invocation::command("upgrade")
    )]
    DataSteps {
        /// The revision's id.
        revision: String,
        /// Its `up.sql` or `down.sql`.
        path: std::path::PathBuf,
        /// Each step's name and line.
        steps: Vec<(String, usize)>,
    },
    /// A revision the script records has Rust data steps this binary cannot run (not compiled
    /// in, registered twice, or a marker that cannot run): the checksum the script would
    /// record covers them, so it would be wrong.
    #[error(
        "{}; the script records each revision's checksum, which covers its Rust data steps, so \
         only a binary that has them can print it: nothing was printed",
        errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    StepsNotRunnable {
        /// Each step that cannot run.
        errors: Vec<crate::data::StepError>,
    },
}

/// Refuses `revisions` when a step of either file cannot run in this binary (as a live run
/// does): the checksum of such a revision cannot be computed here.
fn steps_runnable<'r>(
    revisions: impl IntoIterator<Item = &'r Revision>,
) -> Result<(), OfflineError> {
    let errors: Vec<crate::data::StepError> = revisions
        .into_iter()
        .flat_map(|rev| {
            [Direction::Upgrade, Direction::Downgrade]
                .into_iter()
                .flat_map(move |d| crate::data::missing(rev, d))
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(OfflineError::StepsNotRunnable { errors })
    }
}

/// The script of a request. Refuses, like the runner, scripts that hold transaction control.
pub fn render_request(
    scripts: &ScriptDirectory,
    request: &Request<'_>,
) -> Result<String, OfflineError> {
    if let Some(schema) = request.schema {
        request.backend.driver().use_schema_sql(schema)?;
    }
    let revisions = plan(scripts, request)?;
    for rev in &revisions {
        crate::script::check_revision(rev, request.direction == Direction::Upgrade)?;
        let file = request.direction.file();
        let steps = crate::data::markers(step_file(rev, request.direction));
        if !steps.is_empty() && !request.step_placeholders {
            return Err(OfflineError::DataSteps {
                revision: rev.id.clone(),
                path: rev.path.join(file),
                steps,
            });
        }
    }
    steps_runnable(revisions.iter().copied())?;
    render(request, &revisions)
}

fn step_file(rev: &Revision, direction: Direction) -> &str {
    match direction {
        Direction::Upgrade => &rev.up_sql,
        Direction::Downgrade => &rev.down_sql,
    }
}

/// `sql` with each Rust data step marker replaced by a placeholder comment saying the step
/// is left out; the steps left out, with their lines.
fn with_placeholders(sql: &str) -> (String, Vec<(String, usize)>) {
    let steps = crate::data::markers(sql);
    if steps.is_empty() {
        return (sql.to_owned(), steps);
    }
    let mut out = String::new();
    for (n, line) in sql.lines().enumerate() {
        match steps.iter().find(|(_, at)| *at == n + 1) {
            Some((name, _)) => {
                let _ = writeln!(
                    out,
                    "-- retort: step {name} -- LEFT OUT: a Rust data step; run it here yourself"
                );
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    (out, steps)
}

/// The bookkeeping of one revision: its diesel version row and its checksum, recorded (`add`)
/// or forgotten.
fn record(out: &mut String, rev: &Revision, add: bool) {
    if add {
        let _ = writeln!(
            out,
            "INSERT INTO __diesel_schema_migrations (version) VALUES ({});",
            quote(&rev.version)
        );
        out.push_str(&checksum::record_sql(rev, &crate::data::checksum(rev)));
    } else {
        let _ = writeln!(
            out,
            "DELETE FROM __diesel_schema_migrations WHERE version = {};",
            quote(&rev.version)
        );
        out.push_str(&checksum::forget_sql(rev));
    }
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A script's text, ending with a newline and, when its last statement lacks one, a `;`, so the
/// next statement cannot merge into it. Comment-only scripts stay as they are.
fn terminated(sql: &str) -> String {
    let trimmed = sql.trim_end();
    if !crate::sql::has_statements(trimmed) {
        return if trimmed.is_empty() {
            String::new()
        } else {
            format!("{trimmed}\n")
        };
    }
    // A last statement without `;` (or with it only inside a trailing comment) must not run
    // into the bookkeeping statement that follows.
    if crate::sql::ends_with_semicolon(trimmed) {
        format!("{trimmed}\n")
    } else {
        format!("{trimmed}\n;\n")
    }
}

/// Renders the script that runs `revisions` (already in order) for `request`.
pub fn render(request: &Request<'_>, revisions: &[&Revision]) -> Result<String, OfflineError> {
    let backend = request.backend;
    let policy = backend.transactions(request.options);
    let whole_run = policy.scope == TransactionScope::WholeRun;
    let upgrade = request.direction == Direction::Upgrade;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "-- Retort offline {} from {} to {} ({backend}): {} revision(s).",
        request.direction,
        request.from,
        request.target,
        revisions.len()
    );
    if revisions.is_empty() {
        let _ = writeln!(out, "-- Nothing to run.");
        return Ok(out);
    }
    // The default schema too (PostgreSQL's `public`), so a role's own search_path does not
    // decide where the tables land, as in a live run.
    if let Some(schema) = request.schema.or(backend.driver().default_schema()) {
        out.push_str(&backend.driver().use_schema_sql(schema)?);
        out.push('\n');
    }
    for setup in &policy.setup {
        for line in setup.why.lines() {
            let _ = writeln!(out, "-- {line}");
        }
        let _ = writeln!(out, "{};", setup.sql);
    }
    if policy.delimited_bodies {
        let _ = writeln!(
            out,
            "-- For the mariadb (mysql) client: a statement whose body holds `;` comes between\n\
             -- DELIMITER lines."
        );
    }
    if whole_run {
        let _ = writeln!(out, "{};", policy.begin);
    }
    out.push_str(diesel::migration::CREATE_MIGRATIONS_TABLE.trim_end());
    out.push('\n');
    out.push_str(checksum::CREATE_CHECKSUM_TABLE);
    for rev in revisions {
        let file = request.direction.file();
        let sql = if upgrade { &rev.up_sql } else { &rev.down_sql };
        let _ = writeln!(
            out,
            "\n-- {} revision {}: {} ({}/{file})",
            if upgrade { "Apply" } else { "Revert" },
            rev.id,
            one_line(&rev.message),
            rev.dir_name
        );
        let (sql, left_out) = with_placeholders(sql);
        for (name, line) in &left_out {
            let _ = writeln!(
                out,
                "-- Left out: the Rust data step `{name}` ({file} line {line}), which a SQL \
                 script cannot run."
            );
        }
        let own_transaction = !whole_run && rev.run_in_transaction;
        if own_transaction {
            let _ = writeln!(out, "{};", policy.begin);
        }
        let sql = terminated(&sql);
        if policy.delimited_bodies {
            out.push_str(&crate::sql::client_delimited(&sql));
        } else {
            out.push_str(&sql);
        }
        record(&mut out, rev, upgrade);
        if own_transaction {
            out.push_str("COMMIT;\n");
        }
    }
    if whole_run {
        out.push('\n');
        if let Some(check) = policy.before_commit {
            let _ = writeln!(out, "-- {check}");
        }
        out.push_str("COMMIT;\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::NewRevision;
    use chrono::{DateTime, Utc};

    fn directory() -> (tempfile::TempDir, ScriptDirectory, Vec<Revision>) {
        let tmp = tempfile::tempdir().unwrap();
        let mut dir = ScriptDirectory::create(tmp.path()).unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-25T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let a = dir
            .write_revision(
                NewRevision {
                    message: "create a".into(),
                    parents: vec![],
                    up_sql: "CREATE TABLE a (id INTEGER PRIMARY KEY);\n".into(),
                    down_sql: "DROP TABLE a;\n".into(),
                    ..NewRevision::default()
                },
                now,
            )
            .unwrap();
        let b = dir
            .write_revision(
                NewRevision {
                    message: "create b".into(),
                    parents: vec![a.id.clone()],
                    up_sql: "CREATE TABLE b (id INTEGER PRIMARY KEY)".into(),
                    down_sql: "DROP TABLE b".into(),
                    ..NewRevision::default()
                },
                now,
            )
            .unwrap();
        (tmp, dir, vec![a, b])
    }

    #[cfg(feature = "sqlite")]
    fn sqlite() -> Backend {
        "sqlite://x.db"
            .parse::<crate::db::DatabaseUrl>()
            .unwrap()
            .backend()
    }

    #[cfg(feature = "postgres")]
    fn postgres() -> Backend {
        "postgres://u@unreachable.invalid/db"
            .parse::<crate::db::DatabaseUrl>()
            .unwrap()
            .backend()
    }

    fn request(backend: Backend, direction: Direction, from: &'static str) -> Request<'static> {
        Request {
            backend,
            direction,
            from,
            target: if direction == Direction::Upgrade {
                "head"
            } else {
                "base"
            },
            schema: None,
            options: Box::leak(Box::default()),
            step_placeholders: false,
        }
    }

    #[test]
    #[cfg(feature = "sqlite")]
    fn sqlite_upgrade_is_one_transaction_with_foreign_keys_off() {
        let (_tmp, dir, revs) = directory();
        let (a, b) = (&revs[0], &revs[1]);
        let sql = render_request(&dir, &request(sqlite(), Direction::Upgrade, "base")).unwrap();
        let expected = format!(
            "-- Retort offline upgrade from base to head (SQLite): 2 revision(s).
-- Foreign keys must be OFF while migrations rebuild tables, and PRAGMA foreign_keys
-- has no effect inside a transaction: switch them off before BEGIN.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (
       version VARCHAR(50) PRIMARY KEY NOT NULL,
       run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS __retort_checksums (
       version VARCHAR(50) PRIMARY KEY NOT NULL,
       checksum VARCHAR(64) NOT NULL
);

-- Apply revision {a}: create a ({adir}/up.sql)
CREATE TABLE a (id INTEGER PRIMARY KEY);
INSERT INTO __diesel_schema_migrations (version) VALUES ('{av}');
DELETE FROM __retort_checksums WHERE version = '{av}';
INSERT INTO __retort_checksums (version, checksum) VALUES ('{av}', '{ac}');

-- Apply revision {b}: create b ({bdir}/up.sql)
CREATE TABLE b (id INTEGER PRIMARY KEY)
;
INSERT INTO __diesel_schema_migrations (version) VALUES ('{bv}');
DELETE FROM __retort_checksums WHERE version = '{bv}';
INSERT INTO __retort_checksums (version, checksum) VALUES ('{bv}', '{bc}');

-- Before committing, PRAGMA foreign_key_check; must return no rows.
COMMIT;
",
            a = a.id,
            adir = a.dir_name,
            av = a.version,
            ac = checksum::of(a),
            b = b.id,
            bdir = b.dir_name,
            bv = b.version,
            bc = checksum::of(b),
        );
        assert_eq!(sql, expected);
    }

    #[test]
    #[cfg(feature = "postgres")]
    fn postgres_downgrade_is_one_transaction_per_revision() {
        let (_tmp, dir, revs) = directory();
        let (a, b) = (&revs[0], &revs[1]);
        let mut req = request(postgres(), Direction::Downgrade, "head");
        req.schema = Some("app");
        let sql = render_request(&dir, &req).unwrap();
        assert!(
            sql.starts_with(
                "-- Retort offline downgrade from head to base (PostgreSQL): 2 revision(s).\n\
                 SET search_path TO \"app\";\n\
                 CREATE TABLE IF NOT EXISTS __diesel_schema_migrations ("
            ),
            "{sql}"
        );
        assert!(!sql.contains("PRAGMA"), "{sql}");
        let revert_b = format!(
            "-- Revert revision {}: create b ({}/down.sql)\nBEGIN;\nDROP TABLE b\n;\n\
             DELETE FROM __diesel_schema_migrations WHERE version = '{v}';\n\
             DELETE FROM __retort_checksums WHERE version = '{v}';\nCOMMIT;\n",
            b.id,
            b.dir_name,
            v = b.version
        );
        assert!(sql.contains(&revert_b), "{sql}");
        // Children first.
        let pos_a = sql.find(&format!("revision {}", a.id)).unwrap();
        let pos_b = sql.find(&format!("revision {}", b.id)).unwrap();
        assert!(pos_b < pos_a);
        assert_eq!(sql.matches("BEGIN;").count(), 2);
        assert_eq!(sql.matches("COMMIT;").count(), 2);
    }

    #[test]
    #[cfg(feature = "postgres")]
    fn scripts_with_transaction_control_are_refused() {
        let (_tmp, mut dir, revs) = directory();
        let now = DateTime::parse_from_rfc3339("2026-11-25T03:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let c = dir
            .write_revision(
                NewRevision {
                    message: "hand written".into(),
                    parents: vec![revs[1].id.clone()],
                    up_sql: "CREATE TABLE c (id INTEGER);\nCOMMIT;\n".into(),
                    down_sql: "DROP TABLE c;\n".into(),
                    ..NewRevision::default()
                },
                now,
            )
            .unwrap();
        let err = render_request(&dir, &request(postgres(), Direction::Upgrade, "base"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!(
                "revision {} up.sql line 2: `COMMIT` would end",
                c.id
            )),
            "{err}"
        );
        // Its down.sql is fine, and so is everything below it.
        let mut req = request(postgres(), Direction::Downgrade, "head");
        assert!(render_request(&dir, &req).is_ok());
        req.from = "base";
        req.target = "+2";
        req.direction = Direction::Upgrade;
        assert!(render_request(&dir, &req).is_ok());
    }

    #[test]
    #[cfg(feature = "sqlite")]
    fn sqlite_has_no_schema_to_set() {
        let (_tmp, dir, _) = directory();
        let mut req = request(sqlite(), Direction::Upgrade, "base");
        req.schema = Some("app");
        let err = render_request(&dir, &req).unwrap_err().to_string();
        assert!(
            err.starts_with("SQLite has no schemas; drop --schema app"),
            "{err}"
        );
    }

    #[test]
    fn scripts_are_terminated() {
        assert_eq!(terminated(""), "");
        assert_eq!(terminated("-- only a comment\n\n"), "-- only a comment\n");
        assert_eq!(terminated("SELECT 1;\n-- done\n"), "SELECT 1;\n-- done\n");
        assert_eq!(terminated("SELECT 1\n"), "SELECT 1\n;\n");
    }

    #[test]
    #[cfg(feature = "sqlite")]
    fn ranges_and_empty_plans() {
        let (_tmp, dir, revs) = directory();
        let mut req = request(sqlite(), Direction::Upgrade, "");
        req.from = &revs[0].id;
        let plan_ids: Vec<&str> = plan(&dir, &req)
            .unwrap()
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(plan_ids, [revs[1].id.as_str()]);
        req.from = "head";
        let sql = render_request(&dir, &req).unwrap();
        assert_eq!(
            sql,
            "-- Retort offline upgrade from head to head (SQLite): 0 revision(s).\n-- Nothing to run.\n"
        );
        req.from = "base";
        req.target = "+1";
        assert_eq!(plan(&dir, &req).unwrap().len(), 1);
        req.from = "nope";
        assert!(matches!(plan(&dir, &req), Err(GraphError::Unknown(_))));
    }
}
