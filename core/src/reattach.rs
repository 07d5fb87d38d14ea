//! Foreign keys that rest on a key the plan drops (PostgreSQL).
//!
//! PostgreSQL records a foreign key as depending on the unique index of the key it references
//! (the primary key or a unique constraint over the same set of columns), and refuses to drop
//! that key while the foreign key exists ("cannot drop constraint ... because other objects
//! depend on it"). So when a plan drops such a key (a changed primary key, a dropped unique
//! index), each foreign key resting on it goes first:
//!
//! - one the plan drops anyway (the models changed it) is dropped before the key rather than
//!   where its table's changes come;
//! - one the plan adds earlier (a new key on a table that sorts first) is added after instead;
//! - one of a table the plan drops is dropped before the key, and the dropped table carries
//!   its shape without it (so the reverse re-creates the table, then the key);
//! - one the models keep is dropped before the key and added back right after the last change
//!   of the referenced table (when the key that replaces it exists) or of its own table.
//!
//! The down migration is the exact reverse of the result, so it drops the re-added key before
//! the replacing key goes, and re-creates the original after the original key is back.

use std::collections::BTreeSet;

use crate::ops::Op;
use crate::schema::{ForeignKey, Schema};

/// `ops` with each index it creates on the leading columns of a foreign key it adds moved
/// before that key (InnoDB: the key then uses it, and the reverse drops the key before the
/// index it needs).
pub fn index_before_its_foreign_key(mut ops: Vec<Op>) -> Vec<Op> {
    let mut i = 0;
    while i < ops.len() {
        let moved = match &ops[i] {
            Op::CreateIndex { table, index } => ops[..i].iter().position(|op| {
                matches!(op, Op::AddForeignKey { table: t, fk }
                    if t == table && index.columns.starts_with(&fk.columns))
            }),
            _ => None,
        };
        if let Some(at) = moved {
            let op = ops.remove(i);
            ops.insert(at, op);
        }
        i += 1;
    }
    ops
}

/// `ops` (the diff of `current`) with the foreign keys that rest on a dropped key dropped
/// before it and, when kept, added back after.
pub fn reattach_foreign_keys(current: &Schema, ops: Vec<Op>) -> Vec<Op> {
    // Only a key's drop moves foreign keys, and the ops added here drop none: without one,
    // `ops` stay as they are (and no copy of a large schema is made to follow them).
    if !ops.iter().any(drops_a_key) {
        return ops;
    }
    let mut state = current.clone();
    let mut out: Vec<Op> = Vec::new();
    let mut rest: Vec<Op> = ops;
    rest.reverse(); // a stack: the next op is last
    while let Some(op) = rest.pop() {
        for (table, fk) in resting_on(&state, &op) {
            let same = |o: &Op, add: bool| match o {
                Op::AddForeignKey { table: t, fk: f } if add => *t == table && *f == fk,
                Op::DropForeignKey { table: t, fk: f } if !add => *t == table && *f == fk,
                _ => false,
            };
            if let Some(i) = out.iter().position(|o| same(o, true)) {
                // Added earlier in this plan: add it later instead.
                let add = out.remove(i);
                add.reverse().apply(&mut state);
                re_add(&mut rest, add, &op, &table);
                continue;
            }
            if let Some(i) = rest.iter().position(|o| same(o, false)) {
                // Dropped later anyway: drop it now.
                rest.remove(i);
            } else if let Some(Op::DropTable(t)) = rest
                .iter_mut()
                .find(|o| matches!(o, Op::DropTable(t) if t.name == table))
            {
                t.foreign_keys.retain(|f| *f != fk);
                t.written.forget();
            } else {
                let add = Op::AddForeignKey {
                    table: table.clone(),
                    fk: fk.clone(),
                };
                re_add(&mut rest, add, &op, &table);
            }
            let drop = Op::DropForeignKey { table, fk };
            drop.apply(&mut state);
            out.push(drop);
        }
        op.apply(&mut state);
        out.push(op);
    }
    out
}

/// Puts `add` into the stack `rest` right after the last op on the referenced table (that
/// of `dropping`), on `table` (the key's own) or adding a foreign key to the referenced table (not
/// counting created or dropped tables, whose keys come with them); first when there is none.
fn re_add(rest: &mut Vec<Op>, add: Op, dropping: &Op, table: &str) {
    let on = |o: &Op| {
        !o.is_enum()
            && !o.is_schema()
            && !o.is_view()
            && !o.is_function()
            && !matches!(o, Op::CreateTable(_) | Op::DropTable(_))
            && (o.table() == dropping.table()
                || o.table() == table
                // After the keys re-added before it: in the order they were dropped.
                || matches!(o, Op::AddForeignKey { fk, .. } if fk.ref_table == dropping.table()))
    };
    // `rest` is reversed: the last op to run is at index 0.
    let at = rest.iter().position(on).unwrap_or(rest.len());
    rest.insert(at, add);
}

/// The table and columns of the key `op` drops (a primary key changed or dropped, a plain
/// unique index dropped), if it drops one a foreign key can rest on.
fn dropped_key(op: &Op) -> Option<(&String, &Vec<String>)> {
    match op {
        Op::AlterPrimaryKey { table, from, .. } if !from.is_empty() => Some((table, from)),
        Op::DropIndex { table, index }
            if index.unique
                && index.options.keys.is_empty()
                && index.options.predicate.is_none() =>
        {
            Some((table, &index.columns))
        }
        _ => None,
    }
}

fn drops_a_key(op: &Op) -> bool {
    dropped_key(op).is_some()
}

/// The foreign keys in `state` (with their tables) that rest on the key `op` drops: those
/// referencing the same set of columns of its table.
fn resting_on(state: &Schema, op: &Op) -> Vec<(String, ForeignKey)> {
    let Some((table, key)) = dropped_key(op) else {
        return Vec::new();
    };
    let key: BTreeSet<&String> = key.iter().collect();
    let mut found = Vec::new();
    for t in state.tables.values() {
        for fk in &t.foreign_keys {
            if fk.ref_table == *table && fk.ref_columns.iter().collect::<BTreeSet<_>>() == key {
                found.push((t.name.clone(), fk.clone()));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::reverse_all;
    use crate::schema::{Column, SqlType, Table};

    fn regions(key: &[&str]) -> Table {
        let mut t = Table::new("regions");
        for c in ["country", "code"] {
            t.columns.push(Column::new(c, SqlType::Text, false));
        }
        t.primary_key = key.iter().map(|c| c.to_string()).collect();
        t
    }

    /// `name` with a key on `cols` to `regions(cols)`.
    fn child(name: &str, cols: &[&str]) -> Table {
        let mut t = Table::new(name);
        t.columns.push(Column::new("id", SqlType::Integer, false));
        for c in ["country", "code"] {
            t.columns.push(Column::new(c, SqlType::Text, false));
        }
        t.primary_key = vec!["id".into()];
        let cols: Vec<String> = cols.iter().map(|c| c.to_string()).collect();
        t.foreign_keys.push(ForeignKey {
            name: format!("fk_{name}_{}", cols.join("_")),
            columns: cols.clone(),
            ref_table: "regions".into(),
            ref_columns: cols,
            on_delete: Default::default(),
            on_update: Default::default(),
            deferrable: Default::default(),
        });
        t
    }

    fn schema(tables: Vec<Table>) -> Schema {
        let mut s = Schema::new();
        tables.into_iter().for_each(|t| s.insert(t));
        s
    }

    fn lines(ops: &[Op]) -> Vec<String> {
        ops.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn keys_on_a_changed_primary_key_are_dropped_before_it_and_added_after() {
        let old = ["country", "code"];
        let new = ["code", "country"];
        let current = schema(vec![
            regions(&old),
            child("cities", &old),
            child("shops", &old),
            child("stores", &old),
        ]);
        // cities (before regions) changes its key, shops is dropped, stores keeps its key.
        let target = schema(vec![
            regions(&new),
            child("cities", &new),
            child("stores", &old),
        ]);
        let ops = reattach_foreign_keys(&current, crate::diff::diff(&current, &target));
        assert_eq!(
            lines(&ops),
            [
                "removed foreign key on 'cities' (country, code) -> regions (country, code)",
                "removed foreign key on 'shops' (country, code) -> regions (country, code)",
                "removed foreign key on 'stores' (country, code) -> regions (country, code)",
                "changed primary key of 'regions' from (country, code) to (code, country)",
                "added foreign key on 'cities' (code, country) -> regions (code, country)",
                "added foreign key on 'stores' (country, code) -> regions (country, code)",
                "removed table 'shops'",
            ]
        );
        // The dropped table carries its shape without the key dropped before.
        let Some(Op::DropTable(shops)) = ops.last() else {
            panic!("{ops:?}")
        };
        assert!(shops.foreign_keys.is_empty());
        // Applying the ops, then their reverse, goes there and back.
        let mut state = current.clone();
        ops.iter().for_each(|op| op.apply(&mut state));
        assert_eq!(state.tables["stores"], target.tables["stores"]);
        assert_eq!(state.tables["cities"], target.tables["cities"]);
        reverse_all(&ops).iter().for_each(|op| op.apply(&mut state));
        assert_eq!(state, current);
    }
}
