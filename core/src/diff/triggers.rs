//! The declared triggers of one table that a plan drops and creates (see [`super::routines`]),
//! in an order that keeps the order they fire in where the database keeps one
//! ([`Schema::ordered_triggers`], MariaDB).
//!
//! A trigger dropped and created again fires after the others of its table and time, so where
//! that order counts, the declared triggers of a table that fire at the same time
//! ([`crate::sql::TriggerHeader::when`]) keep the order they are declared in: from the first
//! one that is new, changes, or stands elsewhere in the database's order, every declared
//! trigger of that time after it is dropped and created again, in order. The drops go in the
//! reverse of the database's order, so that `down.sql`, which creates them again in the
//! reverse of the drops, brings the database's order back.

use crate::ops::Op;
use crate::schema::{Function, Kept, Schema, Table};

use super::routines::{calls, is_declared_trigger, under_change};

/// The drops (before the tables change) and creations (after) of the triggers of table
/// `want` (the database's `have`). Where DDL commits as it goes (MariaDB, whose triggers are
/// ordered), a trigger the table changes do not touch (it only changes, or moves in the
/// order) is dropped right before it is created again, after the tables change, so that the
/// table is without it for two statements rather than for the whole migration: the drops in
/// the second list go before the creations, after the tables.
#[allow(clippy::type_complexity)]
pub(super) fn table_trigger_ops(
    current: &Schema,
    target: &Schema,
    (have, want): (&Table, &Table),
    table_ops: &[Op],
    dropped_functions: &[&Function],
) -> (Vec<Op>, Vec<Op>, Vec<Op>) {
    let declared: Vec<&Kept> = want
        .unmodeled
        .iter()
        .filter(|k| is_declared_trigger(k))
        .collect();
    let live_of = |name: &str| {
        have.unmodeled
            .iter()
            .find(|k| k.trigger_name() == Some(name))
    };
    let name_of = |k: &Kept| k.trigger_name().expect("a trigger").to_owned();
    // The triggers the table changes touch (a column they use is dropped or retyped, a
    // function they call is dropped): dropped before the tables change.
    let touched = |name: &str| {
        live_of(name).is_some_and(|live| {
            under_change(current, have, want, name, table_ops) || calls(live, dropped_functions)
        })
    };
    // The declared triggers created (again), by name.
    let mut again: Vec<String> = declared
        .iter()
        .filter(|d| {
            let name = name_of(d);
            match live_of(&name) {
                None => true,
                Some(live) => {
                    !live.same(d)
                        || under_change(current, have, want, &name, table_ops)
                        || calls(live, dropped_functions)
                }
            }
        })
        .map(|d| name_of(d))
        .collect();
    if current.ordered_triggers {
        let when = |k: &Kept| crate::sql::trigger_header(k.sql()).map(|h| h.when);
        let mut times: Vec<Option<String>> = declared.iter().map(|d| when(d)).collect();
        times.dedup();
        for time in times {
            let ours: Vec<String> = declared
                .iter()
                .filter(|d| when(d) == time)
                .map(|d| name_of(d))
                .collect();
            let theirs: Vec<String> = have
                .unmodeled
                .iter()
                .filter_map(|k| k.trigger_name())
                .filter(|n| ours.iter().any(|o| o == n))
                .map(str::to_owned)
                .collect();
            let first = ours
                .iter()
                .enumerate()
                .position(|(i, n)| again.contains(n) || theirs.get(i) != Some(n));
            if let Some(first) = first {
                for n in &ours[first..] {
                    if !again.contains(n) {
                        again.push(n.clone());
                    }
                }
            }
        }
    }
    let owned_drop = |live: &Kept| {
        target.owns_objects
            && !want
                .unmodeled
                .iter()
                .any(|k| k.trigger_name() == live.trigger_name())
    };
    // Dropped in the reverse of the database's order: the database's triggers on the table
    // that are created again, and, where the models own every trigger, those no declaration
    // (or ignore glob, which puts them into the target as they are) names.
    let creates = declared
        .iter()
        .filter(|d| again.contains(&name_of(d)))
        .map(|d| Op::CreateDefinition {
            table: want.name.clone(),
            definition: (*d).clone(),
        })
        .collect();
    let dropped: Vec<&Kept> = have
        .unmodeled
        .iter()
        .rev()
        .filter(|k| {
            k.trigger_name()
                .is_some_and(|n| again.iter().any(|a| a == n))
                || (k.trigger_name().is_some() && owned_drop(k))
        })
        .collect();
    let drop = |live: &&Kept| Op::DropDefinition {
        table: want.name.clone(),
        definition: (*live).clone(),
    };
    let late = |live: &&Kept| {
        current.ordered_triggers
            && !owned_drop(live)
            && !touched(live.trigger_name().expect("a trigger"))
    };
    // All in one place, so that their reverse (`down.sql`) creates them again in the
    // database's order: late only when none must go early.
    if dropped.iter().all(late) {
        return (Vec::new(), dropped.iter().map(drop).collect(), creates);
    }
    let drops = dropped.iter().map(drop).collect();
    let late_drops = Vec::new();
    (drops, late_drops, creates)
}
