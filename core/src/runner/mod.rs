//! Applying and reverting revisions through `diesel_migrations`' `MigrationHarness`, which
//! records applied versions in `__diesel_schema_migrations`. The algorithm is written once; the
//! backend supplies the lock and the [`TransactionPolicy`](crate::backend::TransactionPolicy):
//!
//! - SQLite: the whole run is one `BEGIN IMMEDIATE` transaction, which is also the lock.
//!   Foreign keys are off for the run, and the run must not add rows that break one. Any
//!   failure rolls everything back.
//! - PostgreSQL: a session advisory lock serialises runs, and each revision runs in its own
//!   transaction, so a failure leaves the database at the last fully applied revision.
//!
//! Each revision's script runs one statement at a time (`sql::statements`), so a
//! failure names its statement and line on every backend, and a revision with
//! `run_in_transaction = false` runs each statement on its own, as the offline script does.
//! Progress is reported as each revision commits ([`upgrade_with_progress`]).
//!
//! Every run records the checksum of each revision it applies in `__retort_checksums` (see
//! [`crate::checksum`]), in the same transaction, and refuses to run when an applied revision's
//! files changed since (unless [`RunOptions::allow_edited`]).

mod bookkeeping;
mod error;
mod failure;
mod progress;
mod retry;
mod undo;

use crate::backend::harness::StatementError;
use crate::backend::{Session, TransactionScope};
use crate::db::Connection;
use crate::script::{GraphError, Revision, ScriptDirectory};
use std::collections::BTreeSet;

pub use crate::backend::run::{
    retry_wait, Direction, LockRetry, RunEvent, RunOptions, DEFAULT_LOCK_RETRIES,
    DEFAULT_LOCK_TIMEOUT,
};
pub use bookkeeping::{applied, edited, recorded};
pub use error::{
    BookkeepingRefused, MigrationFailure, PartlyRun, PartlyRunReason, RunError, RunKind,
};
pub use progress::Partial;
use retry::{apply_retrying, notify};
pub use undo::undo_partly_applied;

/// A revision whose work a run has committed, as reported to the callback of
/// [`upgrade_with_progress`] and [`downgrade_with_progress`].
#[derive(Debug, Clone, Copy)]
pub struct Committed<'a> {
    /// The revision applied or reverted.
    pub revision: &'a Revision,
    /// Whether it was applied or reverted.
    pub direction: Direction,
}

/// A progress callback: called once per revision, in order, once its work is committed. Where
/// each revision commits on its own (PostgreSQL) that is right after it; where the whole run is
/// one transaction (SQLite) every call comes after that transaction commits, and none when it
/// rolls back, so a callback never reports what did not stay.
pub type Progress<'p> = dyn FnMut(Committed<'_>) + 'p;

/// Applies what `target` needs; returns the applied revision ids in order.
pub fn upgrade(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
) -> Result<Vec<String>, RunError> {
    upgrade_with(conn, scripts, target, &RunOptions::default())
}

/// Reverts what `target` excludes; returns the reverted revision ids in order.
pub fn downgrade(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
) -> Result<Vec<String>, RunError> {
    downgrade_with(conn, scripts, target, &RunOptions::default())
}

/// Like [`upgrade`], with explicit options.
pub fn upgrade_with(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
    options: &RunOptions,
) -> Result<Vec<String>, RunError> {
    upgrade_with_progress(conn, scripts, target, options, &mut |_| {})
}

/// Like [`upgrade_with`], calling `progress` as each revision's work commits (see
/// [`Progress`]).
pub fn upgrade_with_progress(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
    options: &RunOptions,
    progress: &mut Progress<'_>,
) -> Result<Vec<String>, RunError> {
    migrate(conn, scripts, target, options, Direction::Upgrade, progress)
}

/// Like [`downgrade`], with explicit options.
pub fn downgrade_with(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
    options: &RunOptions,
) -> Result<Vec<String>, RunError> {
    downgrade_with_progress(conn, scripts, target, options, &mut |_| {})
}

/// Like [`downgrade_with`], calling `progress` as each revision's revert commits (see
/// [`Progress`]).
pub fn downgrade_with_progress(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
    options: &RunOptions,
    progress: &mut Progress<'_>,
) -> Result<Vec<String>, RunError> {
    migrate(
        conn,
        scripts,
        target,
        options,
        Direction::Downgrade,
        progress,
    )
}

fn migrate(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
    options: &RunOptions,
    direction: Direction,
    progress: &mut Progress<'_>,
) -> Result<Vec<String>, RunError> {
    let plan = |applied: &BTreeSet<String>| {
        let graph = scripts.graph_for(applied);
        // An empty plan is fine when the database is at the target, an error when the
        // target lies the other way (upgrade never reverts, downgrade never applies).
        let ids = match direction {
            Direction::Upgrade => graph.upgrade_plan(applied, target)?,
            Direction::Downgrade => graph.downgrade_plan(applied, target)?,
        };
        if ids.is_empty() {
            match direction {
                Direction::Upgrade => graph.refuse_upgrade_below(applied, target)?,
                Direction::Downgrade => graph.refuse_downgrade_above(applied, target)?,
            }
        }
        Ok(ids
            .iter()
            .map(|id| Step::new(id, direction, true))
            .collect())
    };
    let steps = run(
        conn,
        scripts,
        direction.into(),
        options,
        false,
        plan,
        progress,
    )?;
    Ok(steps.into_iter().map(|s| s.id).collect())
}

/// The revisions outside a transaction that a run left partly applied (or partly reverted),
/// with their recorded progress, read without creating anything (for `current` and `check`).
/// The next run of the same direction goes on from there.
pub fn partly_run(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
) -> Result<Vec<(String, Partial)>, RunError> {
    let applied = applied(conn, scripts)?;
    let rows = progress::read(conn.session())?;
    Ok(rows
        .into_values()
        .filter_map(|row| {
            let rev = scripts.by_version(&row.version)?;
            let finished = match row.direction {
                Direction::Upgrade => applied.contains(&rev.id),
                Direction::Downgrade => !applied.contains(&rev.id),
            };
            (!finished).then(|| (rev.id.clone(), row))
        })
        .collect())
}

/// What [`stamp`] changed in the bookkeeping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stamped {
    /// Revisions now recorded as applied, in topological order.
    pub recorded: Vec<String>,
    /// Revisions no longer recorded, children first.
    pub removed: Vec<String>,
    /// With [`stamp_purged`]: the diesel versions recorded before every record was cleared
    /// (versions of no revision here included).
    pub purged: Vec<String>,
}

/// Records the database as being at `target` without running any SQL (to adopt a database whose
/// schema is already there): afterwards exactly `target` and its ancestors are recorded as
/// applied, with their checksums; `base` clears every record. Takes the same lock as a run.
pub fn stamp(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
    options: &RunOptions,
) -> Result<Stamped, RunError> {
    stamp_inner(conn, scripts, target, options, false)
}

/// Like [`stamp`], first clearing every record (`alembic stamp --purge`): versions that no
/// revision here knows, which make every other command refuse, go too.
pub fn stamp_purged(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
    options: &RunOptions,
) -> Result<Stamped, RunError> {
    stamp_inner(conn, scripts, target, options, true)
}

fn stamp_inner(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
    options: &RunOptions,
    purge: bool,
) -> Result<Stamped, RunError> {
    let purged = if purge {
        bookkeeping::recorded_versions(conn.session())?
            .into_iter()
            .collect()
    } else {
        Vec::new()
    };
    // Stamping rewrites the records, so edited files are no reason to refuse.
    let options = RunOptions {
        allow_edited: true,
        ..options.clone()
    };
    let plan = |applied: &BTreeSet<String>| {
        let graph = scripts.graph_for(applied);
        let wanted = graph.applied_at(applied, target)?;
        let mut plan: Vec<Step> = graph
            .topological()
            .iter()
            .rev()
            .filter(|id| applied.contains(*id) && !wanted.contains(*id))
            .map(|id| Step::new(id, Direction::Downgrade, false))
            .collect();
        plan.extend(
            graph
                .topological()
                .iter()
                .filter(|id| wanted.contains(*id) && !applied.contains(*id))
                .map(|id| Step::new(id, Direction::Upgrade, false)),
        );
        Ok(plan)
    };
    let done = run(
        conn,
        scripts,
        RunKind::Stamp,
        &options,
        purge,
        plan,
        &mut |_| {},
    )?;
    let mut stamped = Stamped {
        purged,
        ..Stamped::default()
    };
    for step in done {
        match step.direction {
            Direction::Upgrade => stamped.recorded.push(step.id),
            Direction::Downgrade => stamped.removed.push(step.id),
        }
    }
    Ok(stamped)
}

/// One revision to apply, revert, or (stamp) only record or forget.
#[derive(Debug, Clone)]
struct Step {
    id: String,
    direction: Direction,
    execute: bool,
    /// `Some(n)` when an earlier run left this revision (outside a transaction) with `n`
    /// statements of its file done: this run goes on from there.
    done: Option<usize>,
    /// It runs statement by statement with its progress recorded: executed, and outside a
    /// transaction (`run_in_transaction = false`, or a backend whose DDL commits as it goes).
    stepwise: bool,
}

impl Step {
    fn new(id: &str, direction: Direction, execute: bool) -> Step {
        Step {
            id: id.to_owned(),
            direction,
            execute,
            done: None,
            stepwise: false,
        }
    }

    fn committed<'s>(&self, scripts: &'s ScriptDirectory) -> Committed<'s> {
        Committed {
            revision: scripts
                .revision(&self.id)
                .expect("planned revisions come from the graph"),
            direction: self.direction,
        }
    }
}

type Planner<'p> = dyn FnOnce(&BTreeSet<String>) -> Result<Vec<Step>, GraphError> + 'p;

/// The run algorithm, for every backend: refuse revisions of another dialect, take the lock,
/// open the transaction(s) the backend's policy asks for, read what is applied under the lock,
/// plan, apply, check integrity, and release the lock whatever happened. `progress` hears of
/// each step once it is committed.
fn run(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    kind: RunKind,
    options: &RunOptions,
    purge: bool,
    plan: impl FnOnce(&BTreeSet<String>) -> Result<Vec<Step>, GraphError>,
    progress: &mut Progress<'_>,
) -> Result<Vec<Step>, RunError> {
    // Autogenerated SQL is written for one backend: refuse to run it on another.
    let backend = conn.backend();
    if let Some(rev) = scripts
        .revisions()
        .find(|r| r.dialect.as_deref().is_some_and(|d| d != backend.key()))
    {
        return Err(RunError::WrongDialect {
            revision: rev.id.clone(),
            path: crate::shown::path(&rev.path.join("metadata.toml")),
            written_for: rev.dialect.clone().unwrap_or_default(),
            backend: backend.name(),
        });
    }
    let policy = backend.transactions(options);
    let session = conn.session();
    session.prepare_run(options)?;
    let result = (|| {
        for setup in &policy.setup {
            let statement = &setup.sql;
            session
                .batch_execute(statement)
                .map_err(crate::db::DbError::query(format!(
                    "preparing the run (`{statement}`)"
                )))?;
        }
        match policy.scope {
            TransactionScope::WholeRun => {
                session
                    .begin(policy.begin)
                    .map_err(|source| lock_error(source, options))?;
                let result = body(session, scripts, kind, options, purge, Box::new(plan), None);
                match result {
                    Ok(steps) => {
                        // A signal during the commit waits for its lines.
                        let flight = options.end_on_signal.then(crate::interrupt::in_flight);
                        session.commit()?;
                        for step in &steps {
                            progress(step.committed(scripts));
                        }
                        drop(flight);
                        Ok(steps)
                    }
                    Err(e) => {
                        let _ = session.rollback();
                        Err(e)
                    }
                }
            }
            TransactionScope::PerRevision => body(
                session,
                scripts,
                kind,
                options,
                purge,
                Box::new(plan),
                Some(progress),
            ),
        }
    })();
    let finished = session.finish_run();
    match (result, finished) {
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(e.into()),
        (Ok(steps), Ok(())) => Ok(steps),
    }
}

/// A failure to open the whole-run transaction: when the database stays busy past the timeout,
/// another run holds its write lock.
fn lock_error(source: diesel::result::Error, options: &RunOptions) -> RunError {
    let busy = matches!(&source, diesel::result::Error::DatabaseError(_, info)
        if info.message().contains("database is locked"));
    if busy {
        RunError::LockTimeout {
            lock: "its write lock".into(),
            waited: options.lock_wait,
            holder: None,
        }
    } else {
        crate::db::DbError::Query {
            what: "opening the migration transaction".into(),
            source,
        }
        .into()
    }
}

/// The run under the lock. `per_revision`: each revision commits on its own, so those before
/// a failure stay applied, and the callback hears of each as it commits. `purge`: every record
/// is cleared first, and the plan starts from none.
fn body(
    session: &mut dyn Session,
    scripts: &ScriptDirectory,
    kind: RunKind,
    options: &RunOptions,
    purge: bool,
    plan: Box<Planner<'_>>,
    mut per_revision: Option<&mut Progress<'_>>,
) -> Result<Vec<Step>, RunError> {
    let completed_survive = per_revision.is_some();
    // Read what is applied under the lock, so a concurrent run's work is seen.
    let versions = bookkeeping::harness_versions(session)?;
    let applied = if purge {
        BTreeSet::new()
    } else {
        bookkeeping::revisions_of(versions, scripts)?
    };
    bookkeeping::verify_checksums(session, scripts, &applied, options)?;
    if purge {
        bookkeeping::purge(session)?;
    }
    let partial = progress::settle(session, scripts, &applied, kind)?;
    let mut steps = plan(&applied)?;
    // A Rust data step this binary does not have stops the run before anything runs: those
    // of both files, so a revision it records can be reverted, and its checksum (which covers
    // them) checked, by this binary.
    let missing: Vec<crate::data::StepError> = steps
        .iter()
        .flat_map(|s| {
            let rev = scripts
                .revision(&s.id)
                .expect("planned revisions come from the graph");
            [Direction::Upgrade, Direction::Downgrade]
                .into_iter()
                .flat_map(move |d| crate::data::missing(rev, d))
        })
        .collect();
    if !missing.is_empty() {
        return Err(RunError::DataSteps { errors: missing });
    }
    let ddl_commits = session.backend().transactions(options).ddl_commits;
    for step in &mut steps {
        let rev = scripts
            .revision(&step.id)
            .expect("planned revisions come from the graph");
        step.stepwise = step.execute && (ddl_commits || !rev.run_in_transaction);
    }
    for version in progress::attach(&mut steps, scripts, &partial, kind)? {
        progress::remove(session, &version)?;
    }
    if steps.iter().any(|s| s.stepwise) {
        progress::create(session)?;
    }
    if !completed_survive {
        // The whole run is one transaction: a revision that must run outside one cannot.
        if let Some(rev) = steps
            .iter()
            .filter(|s| s.execute)
            .filter_map(|s| scripts.revision(&s.id))
            .find(|r| !r.run_in_transaction)
        {
            return Err(RunError::NotTransactional {
                revision: rev.id.clone(),
                path: crate::shown::path(&rev.path.join("metadata.toml")),
                backend: session.backend().name(),
            });
        }
    }
    if !steps.iter().any(|s| s.execute) {
        apply_all(
            session,
            scripts,
            &steps,
            options,
            per_revision.as_deref_mut(),
        )?;
        return Ok(steps);
    }
    // Rows that already broke a constraint before the run are the application's business; the
    // run must only not add any.
    let before = session.integrity_violations()?;
    apply_all(session, scripts, &steps, options, per_revision)?;
    let added: Vec<String> = session
        .integrity_violations()?
        .into_iter()
        .filter(|v| !before.contains(v))
        .collect();
    if !added.is_empty() {
        return Err(RunError::ForeignKeys {
            kind,
            violations: added.into_iter().take(10).collect(),
        });
    }
    Ok(steps)
}

/// Applies or reverts `steps` in order through the harness, telling `per_revision` (when
/// each revision commits on its own) of each. On failure, says which revision, statement and
/// line failed, which revisions completed before it and, for a revision outside a
/// transaction, which of its statements took effect. With [`RunOptions::end_on_signal`], a
/// signal arriving while a revision runs waits until its outcome is known and, when it committed,
/// reported, so the output names every revision that stays applied (or reverted).
fn apply_all(
    session: &mut dyn Session,
    scripts: &ScriptDirectory,
    steps: &[Step],
    options: &RunOptions,
    mut per_revision: Option<&mut Progress<'_>>,
) -> Result<(), RunError> {
    // Transaction control in a script would end the run's transaction behind its back: refuse
    // before any revision runs.
    for step in steps.iter().filter(|s| s.execute) {
        let rev = scripts
            .revision(&step.id)
            .expect("planned revisions come from the graph");
        crate::script::check_revision(rev, step.direction == Direction::Upgrade)?;
    }
    for (i, step) in steps.iter().enumerate() {
        let direction = step.direction;
        let rev = scripts
            .revision(&step.id)
            .expect("planned revisions come from the graph");
        // From before the revision starts until its line is out: its commit may land after
        // the signal ended the session's statement.
        let flight =
            (options.end_on_signal && per_revision.is_some()).then(crate::interrupt::in_flight);
        if let Some(done) = step.done {
            notify(
                options,
                RunEvent::Resumed {
                    revision: rev.id.clone(),
                    direction,
                    done,
                    total: crate::sql::statements(progress::file(rev, direction)).len(),
                },
            );
        }
        if let Err(failed) = apply_retrying(session, rev, step, options) {
            let (migration, e) = *failed;
            // The revision did not complete: nothing of it to report as done.
            drop(flight);
            // The first error, not the rollback's that diesel may have returned in its place.
            let e = match migration.take_failure() {
                Some(failed) if e.downcast_ref::<StatementError>().is_none() => Box::new(failed),
                _ => e,
            };
            let completed = match per_revision {
                Some(_) => steps[..i].iter().map(|s| s.id.clone()).collect(),
                None => Vec::new(),
            };
            // No statement of the script failed: writing the version row did. A trigger on
            // the table (a guard against diesel_cli) is the usual reason; name it.
            if e.downcast_ref::<StatementError>().is_none() {
                let triggers = bookkeeping::write_triggers(session);
                if !triggers.is_empty() {
                    return Err(RunError::BookkeepingRefused(Box::new(BookkeepingRefused {
                        direction,
                        revision: rev.id.clone(),
                        executed: step.execute,
                        triggers,
                        backend: session.backend(),
                        message: e.to_string(),
                        took_effect: step.stepwise,
                        completed,
                    })));
                }
            }
            let mut failed = failure::failure(rev, step, e.as_ref(), completed);
            failure::blocked_by(session, rev, step, e.as_ref(), &mut failed);
            return Err(failed);
        }
        if step.stepwise {
            // Its record is written: the progress row has served.
            progress::remove(session, &rev.version)?;
        }
        if let Some(progress) = per_revision.as_deref_mut() {
            progress(step.committed(scripts));
        }
        drop(flight);
    }
    Ok(())
}
