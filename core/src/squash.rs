//! `retort squash`: one revision that stands for a linear range of revisions.
//!
//! Its SQL is never the range's files put together: the range is replayed on a scratch
//! database, the schema before the range and the schema at its end are read, and Retort's own
//! diff renders the way from one to the other ([`crate::autogen::plan_between`]), and back.
//! The new revision is then replayed itself and must give both schemas exactly. How the graph
//! and the runner treat a squash is in [`crate::script::graph`]'s squash views and
//! [`ScriptDirectory::settle_applied`]. Removing the range once every database is past it
//! (`--finalize`) is [`finalize()`], in `squash/finalize.rs`.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::db::{Connection, DatabaseUrl};
use crate::schema::Schema;
use crate::script::{NewRevision, Revision, ScriptDirectory};
use crate::shadow::ShadowDatabase;

mod finalize;
mod objects;
mod statements;
pub use finalize::{finalize, Finalized};
pub use statements::unreproducible;
use statements::unreproducible_but_steps;

/// Why a squash was not written.
#[derive(Debug, thiserror::Error)]
pub enum SquashError {
    /// The range or its revisions cannot be squashed; says why and what to do.
    #[error("{0}")]
    Refused(String),
    /// Replaying the range (or the squash) failed.
    #[error(transparent)]
    Failed(#[from] crate::Error),
}

impl From<crate::script::GraphError> for SquashError {
    fn from(e: crate::script::GraphError) -> Self {
        SquashError::Failed(e.into())
    }
}

impl From<crate::script::ScriptError> for SquashError {
    fn from(e: crate::script::ScriptError) -> Self {
        SquashError::Failed(e.into())
    }
}

impl From<crate::db::DbError> for SquashError {
    fn from(e: crate::db::DbError) -> Self {
        SquashError::Failed(e.into())
    }
}

impl From<crate::runner::RunError> for SquashError {
    fn from(e: crate::runner::RunError) -> Self {
        SquashError::Failed(e.into())
    }
}

fn refused(text: impl Into<String>) -> SquashError {
    SquashError::Refused(text.into())
}

/// What [`squash`] wrote.
#[derive(Debug, Clone)]
pub struct Squashed {
    /// The new revision.
    pub revision: Revision,
    /// The revisions it replaces, oldest first.
    pub replaces: Vec<String>,
    /// Things to tell the user (a NOT NULL column added without a default, which fails on
    /// a database below the range whose table has rows).
    pub warnings: Vec<String>,
    /// The Rust data steps left out (`--elide-data-steps`), as `name (revision)`.
    pub elided: Vec<String>,
}

/// The revisions `from:to` covers, oldest first: a chain where each revision has one parent
/// (the first one at most one) and each but the last one child, in which only the first
/// revision may declare a branch label (the squash carries it over). Earlier squashes may be
/// in it (a squash over a squash).
pub fn range(scripts: &ScriptDirectory, from: &str, to: &str) -> Result<Vec<String>, SquashError> {
    let graph = scripts.graph();
    let first = graph.resolve_one(from)?.to_owned();
    let last = graph.resolve_one(to)?.to_owned();
    let mut chain = vec![last.clone()];
    let mut at = last.clone();
    while at != first {
        let node = graph.get(&at).expect("resolved");
        match node.parents.as_slice() {
            [one] => at = one.clone(),
            [] => {
                return Err(refused(format!(
                    "{first} is not an ancestor of {last}: write the range oldest first, FROM:TO"
                )))
            }
            many => {
                return Err(refused(format!(
                    "the range {first}:{last} crosses merge point {at} (parents {}): a squash \
                     replaces a linear range on one branch; squash the part after the merge, \
                     or the parts before it on each branch",
                    many.join(", ")
                )))
            }
        }
        chain.push(at.clone());
    }
    chain.reverse();
    if chain.len() < 2 {
        return Err(refused(format!(
            "the range {from}:{to} holds one revision; a squash replaces at least two"
        )));
    }
    let first_parents = &graph.get(&first).expect("resolved").parents;
    if first_parents.len() > 1 {
        return Err(refused(format!(
            "{first} is a merge point (parents {}): start the range after it",
            first_parents.join(", ")
        )));
    }
    for (i, id) in chain.iter().enumerate() {
        let rev = scripts.revision(id).expect("in the graph");
        if i + 1 < chain.len() {
            let children: Vec<&str> = graph.children(id).collect();
            if children.len() > 1 {
                return Err(refused(format!(
                    "the range {first}:{last} crosses branch point {id} (children {}): a squash \
                     replaces a linear range on one branch; end the range at {id}, or start it \
                     after",
                    children.join(", ")
                )));
            }
        }
        if i > 0 && !rev.branch_labels.is_empty() {
            return Err(refused(format!(
                "revision {id}, inside the range {first}:{last}, declares branch label(s) {}, \
                 which name it and the revisions built on it, not the ones before it: start \
                 the range at {id} (the squash then carries the label) or end it before {id}",
                rev.branch_labels.join(", ")
            )));
        }
    }
    Ok(chain)
}

/// Writes a squash of `from:to` into `scripts` (see the module's documentation), replaying
/// on scratch databases of `like`'s backend. `allow_destructive`: write it even when its
/// up.sql drops tables or columns that existed before the range (a database below the range
/// runs the squash instead of the range, so a rename inside the range becomes a drop and an
/// add there). `elide_data_steps`: leave the range's Rust data steps out of the squash instead
/// of refusing them (a database below the range has no rows for them to convert; one inside
/// it still runs the replaced revisions, steps included, so their code stays until
/// `--finalize`); [`Squashed::elided`] lists them.
#[allow(clippy::too_many_arguments)]
pub fn squash(
    like: &DatabaseUrl,
    scripts: &mut ScriptDirectory,
    from: &str,
    to: &str,
    message: &str,
    allow_destructive: bool,
    elide_data_steps: bool,
    now: DateTime<Utc>,
) -> Result<Squashed, SquashError> {
    let chain = range(scripts, from, to)?;
    let objects = like.backend().dialect().manages_objects();
    let mut elided = Vec::new();
    for id in &chain {
        let rev = scripts.revision(id).expect("in the graph");
        if elide_data_steps {
            for (name, _) in crate::data::markers(&rev.up_sql)
                .into_iter()
                .chain(crate::data::markers(&rev.down_sql))
            {
                elided.push(format!("{name} ({id})"));
            }
        }
        if let Some((file, line, statement, what)) =
            unreproducible_but_steps(rev, elide_data_steps, objects)
        {
            return Err(refused(format!(
                "revision {id} ({}:{line}) holds {what}, `{statement}`, which a squash computed \
                 from the schema cannot reproduce; squash a range without it (end the range \
                 before {id}, or start it after)",
                crate::shown::path(&rev.path.join(file))
            )));
        }
    }
    let first = scripts.revision(&chain[0]).expect("in the graph").clone();
    let in_range: BTreeSet<&String> = chain.iter().collect();
    // What the range needs besides its own revisions: the first one's parent, and the
    // dependencies of any of them.
    let mut depends_on: Vec<String> = Vec::new();
    for id in &chain {
        for dep in &scripts.revision(id).expect("in the graph").depends_on {
            if !in_range.contains(dep) && !depends_on.contains(dep) {
                depends_on.push(dep.clone());
            }
        }
    }
    let mut before_targets: Vec<String> = first.parents.clone();
    before_targets.extend(depends_on.iter().cloned());

    let mut shadow = ShadowDatabase::create(like)?;
    let conn = shadow.connection();
    for target in &before_targets {
        crate::runner::upgrade(conn, scripts, target)?;
    }
    let before = conn.introspect()?;
    crate::runner::upgrade(conn, scripts, chain.last().expect("two or more"))?;
    let dialect = conn.dialect();
    let after = as_target(conn.introspect()?, dialect);
    let revisions: Vec<&Revision> = chain
        .iter()
        .map(|id| scripts.revision(id).expect("in the graph"))
        .collect();
    if let Some(u) = objects::unread(&revisions, &before, &after) {
        let rev = scripts.revision(&u.id).expect("in the graph");
        return Err(refused(format!(
            "revision {} ({}:{}) holds `{}`, on {}, which the squash does not read at either \
             end of the range (it reads the views, functions and procedures of the default \
             schema and the triggers on its tables: not a trigger on a view, nor an object of \
             another schema), so it can neither reproduce it nor prove it; make it such an \
             object (`#[derive(View)]`, `retort::function!` and `retort::trigger!` declare \
             them), or squash a range without it (end the range before {}, or start it after)",
            u.id,
            crate::shown::path(&rev.path.join(u.file)),
            u.line,
            u.statement,
            u.object,
            u.id
        )));
    }
    let plan = crate::autogen::plan_between(dialect, &before, &after)?;
    drop(shadow);

    if !allow_destructive {
        let losses: Vec<String> = plan
            .ops
            .iter()
            .filter_map(|op| crate::safety::destructive(op, dialect))
            .map(|d| d.what)
            .collect();
        if !losses.is_empty() {
            return Err(refused(format!(
                "the squash's up.sql {}: a database below the range runs the squash instead of \
                 the range, and loses that data even where the range kept it (a rename inside \
                 the range is a drop and an add here); review it, then pass \
                 --allow-destructive to write it",
                losses.join(", ")
            )));
        }
    }
    let warnings = plan
        .needs_backfill
        .iter()
        .map(|n| {
            format!(
                "{n}: a database below the range whose table has rows cannot run the squash \
                 (its transaction rolls back); it runs only on new databases"
            )
        })
        .collect();
    let mut header = format!(
        "-- Squash of {} revisions, {} to {} (computed from the schemas before and after them).\n",
        chain.len(),
        chain[0],
        chain.last().expect("two or more")
    );
    if !elided.is_empty() {
        header.push_str(&format!(
            "-- Left out (--elide-data-steps): the Rust data steps {}; a new database has no \
             rows for them.\n",
            elided.join(", ")
        ));
    }
    let new = NewRevision {
        message: message.to_owned(),
        parents: first.parents.clone(),
        up_sql: format!("{header}{}", plan.up_sql),
        down_sql: format!("{header}{}", plan.down_sql),
        depends_on,
        statement_by_statement: plan.statement_by_statement(),
        replaces: chain.clone(),
        nested_replaces: nested(scripts, &chain),
        branch_labels: first.branch_labels.clone(),
        timestamp: Some(first.timestamp),
        ..NewRevision::default()
    };
    let revision = scripts.write_revision_for(new, now, Some(like.backend().key()))?;
    if let Err(e) = verify(like, scripts, &revision, &before_targets, &before, &after) {
        let _ = std::fs::remove_dir_all(&revision.path);
        *scripts = ScriptDirectory::open(scripts.path())?;
        return Err(e);
    }
    Ok(Squashed {
        revision,
        replaces: chain,
        warnings,
        elided,
    })
}

/// For each squash of `chain` (a squash over a squash), the revisions it replaced, its own
/// inner squashes' included.
fn nested(
    scripts: &ScriptDirectory,
    chain: &[String],
) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut map = std::collections::BTreeMap::new();
    for rev in chain.iter().filter_map(|id| scripts.revision(id)) {
        if !rev.replaces.is_empty() {
            map.insert(rev.id.clone(), rev.replaces.clone());
            map.extend(rev.nested_replaces.clone());
        }
    }
    map
}

/// An introspected schema as the target of [`crate::autogen::plan_between`], which takes
/// models: a table without an identity says so, or the models' default (an identity on a
/// single integer key) would be read into it. Its views, functions and triggers are all the
/// target's, as declared ones are ([`Schema::owns_objects`], triggers declared): the plan
/// creates, replaces and drops them to match, and the verification compares them, their
/// materialized views' indexes and functions' comments included
/// ([`Schema::objects_as_read`]).
fn as_target(mut schema: Schema, dialect: &dyn crate::dialect::Dialect) -> Schema {
    let objects = dialect.manages_objects();
    for table in schema.tables.values_mut() {
        if table.identity.is_none() {
            table.no_identity = true;
        }
        if objects {
            for k in &mut table.unmodeled {
                *k = k.as_declared();
            }
        }
    }
    schema.owns_objects = objects;
    schema.objects_as_read = objects;
    schema
}

/// Replays the written squash on a new scratch database: applied, it must give the schema at
/// the end of the range; reverted, the schema before it.
fn verify(
    like: &DatabaseUrl,
    scripts: &ScriptDirectory,
    squash: &Revision,
    before_targets: &[String],
    before: &Schema,
    after: &Schema,
) -> Result<(), SquashError> {
    let mut shadow = ShadowDatabase::create(like)?;
    let conn = shadow.connection();
    for target in before_targets {
        crate::runner::upgrade(conn, scripts, target)?;
    }
    crate::runner::upgrade(conn, scripts, &squash.id)?;
    let differs = |conn: &mut Connection, want: &Schema, when: &str| {
        let got = conn.introspect()?;
        let dialect = conn.dialect();
        let plan = crate::autogen::plan_between(dialect, &got, &as_target(want.clone(), dialect))?;
        if plan.is_empty() {
            return Ok(());
        }
        let ops: Vec<String> = plan.ops.iter().map(|op| format!("{op:?}")).collect();
        Err(refused(format!(
            "the squash, {when}, does not give the schema the range gives (the diff cannot \
             reproduce something the range does); nothing was written. Differences: {}",
            ops.join("; ")
        )))
    };
    differs(conn, after, "applied")?;
    let back = match squash.parents.first() {
        Some(parent) => parent.clone(),
        None => "base".to_owned(),
    };
    crate::runner::downgrade(conn, scripts, &back)?;
    if !before_targets.is_empty() || squash.parents.is_empty() {
        differs(conn, before, "reverted")?;
    }
    Ok(())
}
