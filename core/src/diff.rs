//! Compares two schemas and produces the ops that turn the current one into the target.
//!
//! Both schemas must already be normalised by the same dialect (see
//! [`crate::dialect::Dialect::normalize`]) so that spellings the database reports differently
//! from the models (type aliases, default quoting) compare equal.
//!
//! Order: the models' schemas the database lacks first ([`Op::CreateSchema`]), then enum types (new ones created, labels added: see [`Op::AlterEnum`]), so
//! tables and columns can use them; then changes to existing tables (by name; per table: drop indexes, drop foreign keys, add
//! columns, alter columns, comments (table, then columns), primary key, identity, drop columns, add foreign keys, create
//! indexes), then dropped tables (children before parents; a new table may reuse the index and
//! constraint names of a dropped one), then new tables (parents before children), then the
//! existing tables' new foreign keys that reference a new table, then the enum labels removed (after the defaults and columns that held them changed). So a new
//! table can reference a column the same migration adds, and a key column is dropped only after
//! the key that replaces it.
//!
//! Foreign keys that form a cycle between new tables (`a.b_id -> b`, `b.a_id -> a`) cannot all
//! be written inline: whatever the order, one `CREATE TABLE` would reference a table that does
//! not exist yet (PostgreSQL refuses it). Such a table is created without the keys that point to
//! a table created later, and those keys are added (`AddForeignKey`) after all creates.
//! Symmetrically, before dropping tables in a cycle, the keys that point to a table dropped
//! earlier are dropped first (`DropForeignKey`), and the dropped table carries its shape
//! without them; so the reverse of either list is valid too. A table referencing itself keeps
//! that key inline.
//!
//! Enum types ([`Schema::enums`], PostgreSQL) are the models' when a model uses them: one the
//! database has and no model uses is left alone (never dropped), like any type the models do
//! not describe. Only the reverse of a created type drops it, after the tables.

use crate::ops::Op;
use crate::schema::{Column, ForeignKey, Schema, Table};

/// The ops that turn `current` into `target`. Deterministic: equal inputs give equal output.
pub fn diff(current: &Schema, target: &Schema) -> Vec<Op> {
    // Renames first (see [`crate::rename`]); the rest compares the renamed tables.
    let (renames, renamed) = crate::rename::renames(current, target);
    let current = &renamed;
    // The schemas the models name that the database lacks come first (see `Op::CreateSchema`).
    let mut ops: Vec<Op> = target
        .other_schemas()
        .into_iter()
        .filter(|name| !current.schemas.contains(name))
        .map(|name| Op::CreateSchema { name })
        .collect();
    ops.extend(renames);

    // Labels are added before the tables change (a column may take a new label) and removed
    // after (a default moves off a label before it goes), so the reverse holds too.
    let mut removals = Vec::new();
    for (name, labels) in &target.enums {
        match current.enums.get(name) {
            None => ops.push(Op::CreateEnum {
                name: name.clone(),
                labels: labels.clone(),
            }),
            Some(have) if have != labels => {
                let mid = with_removed(have, labels);
                if mid != *have {
                    ops.push(Op::AlterEnum {
                        name: name.clone(),
                        from: have.clone(),
                        to: mid.clone(),
                    });
                }
                if mid != *labels {
                    removals.push(Op::AlterEnum {
                        name: name.clone(),
                        from: mid,
                        to: labels.clone(),
                    });
                }
            }
            Some(_) => {}
        }
    }

    let created: Vec<&str> = target
        .tables
        .keys()
        .filter(|name| !current.tables.contains_key(*name))
        .map(String::as_str)
        .collect();
    let created = target.dependency_order(&created);

    // Existing tables change first, so a new table's foreign key can reference a column (and
    // its unique index) that this migration adds; their new keys that reference a new table
    // wait until it exists.
    let mut to_new_tables = Vec::new();
    for (name, want) in &target.tables {
        if let Some(have) = current.tables.get(name) {
            let mut changes = Vec::new();
            let retyped = retyped_dependents(current, have, want);
            diff_table(have, want, &retyped, &mut changes);
            for op in changes {
                match op {
                    Op::AddForeignKey { ref fk, .. }
                        if created.contains(&fk.ref_table.as_str()) =>
                    {
                        to_new_tables.push(op)
                    }
                    op => ops.push(op),
                }
            }
        }
    }

    // Dropped tables go before the new ones: a table replaced by one of another name (no
    // `renamed_from`) frees its index and constraint names, which PostgreSQL keeps per schema.
    let dropped: Vec<&str> = current
        .tables
        .keys()
        .filter(|name| !target.tables.contains_key(*name))
        .map(String::as_str)
        .collect();
    let dropped = current.dependency_order(&dropped);
    let closing = forward_keys(current, &dropped);
    for (table, fk) in closing.iter().rev() {
        ops.push(Op::DropForeignKey {
            table: table.clone(),
            fk: fk.clone(),
        });
    }
    for name in dropped.iter().rev() {
        ops.push(Op::DropTable(without(&current.tables[*name], &closing)));
    }

    let deferred = forward_keys(target, &created);
    for name in &created {
        ops.push(Op::CreateTable(without(&target.tables[*name], &deferred)));
    }
    for (table, fk) in &deferred {
        ops.push(Op::AddForeignKey {
            table: table.clone(),
            fk: fk.clone(),
        });
    }
    ops.extend(to_new_tables);

    ops.extend(removals);
    ops
}

/// The labels `to` with those of `from` that it lacks put back, each right after the label
/// before it in `from` (first when it was first): the type on its way from `from` to `to`,
/// holding both.
fn with_removed(from: &[String], to: &[String]) -> Vec<String> {
    let mut mid = to.to_vec();
    for (i, label) in from.iter().enumerate() {
        if mid.contains(label) {
            continue;
        }
        let at = match i.checked_sub(1) {
            Some(p) => mid.iter().position(|l| *l == from[p]).map_or(0, |q| q + 1),
            None => 0,
        };
        mid.insert(at, label.clone());
    }
    mid
}

/// The foreign keys of `order`'s tables that point to a table later in `order` (other than
/// the table itself): keys closing a cycle, which cannot be created inline (or dropped with
/// their table) in that order. In `order`, then key, order.
fn forward_keys(schema: &Schema, order: &[&str]) -> Vec<(String, ForeignKey)> {
    let position = |name: &str| order.iter().position(|n| *n == name);
    let mut keys = Vec::new();
    for (i, name) in order.iter().enumerate() {
        for fk in &schema.tables[*name].foreign_keys {
            if fk.ref_table != *name && position(&fk.ref_table).is_some_and(|p| p > i) {
                keys.push((name.to_string(), fk.clone()));
            }
        }
    }
    keys
}

/// `table` without the keys of `keys` that belong to it.
fn without(table: &Table, keys: &[(String, ForeignKey)]) -> Table {
    let mut t = table.clone();
    t.foreign_keys
        .retain(|fk| !keys.iter().any(|(n, k)| *n == table.name && k == fk));
    t.renamed_from = None;
    t.columns.iter_mut().for_each(|c| c.renamed_from = None);
    t
}

/// Equal in everything the models say: [`Column::extra`] (what introspection kept that the
/// models cannot say) is not a difference.
fn same_column(a: &Column, b: &Column) -> bool {
    // A column's constraint clauses are the models' (as the table's are); its other clauses
    // are not compared. Its comment is compared apart ([`Op::AlterComment`]).
    let bare = |c: &Column| Column {
        extra: owned_clauses(c),
        comment: None,
        renamed_from: None,
        generated: c.generated.as_ref().map(|g| crate::schema::Generated {
            expr: crate::sql::comparable(&g.expr),
            stored: g.stored,
        }),
        ..c.clone()
    };
    bare(a) == bare(b)
}

/// The constraint clauses of a column (`CHECK`, `UNIQUE`): the models own them. In
/// [`crate::sql::comparable`] form, for comparison only.
fn owned_clauses(c: &Column) -> Vec<String> {
    c.extra
        .iter()
        .filter(|x| crate::sql::is_constraint_clause(x))
        .map(|x| crate::sql::comparable(x))
        .collect()
}

/// Whether the columns are generated alike (or both plain), spelling aside.
fn same_generation(a: &Column, b: &Column) -> bool {
    match (&a.generated, &b.generated) {
        (None, None) => true,
        (Some(x), Some(y)) => {
            x.stored == y.stored
                && crate::sql::comparable(&x.expr) == crate::sql::comparable(&y.expr)
        }
        _ => false,
    }
}

/// Whether `clauses` holds `clause`, spelling aside ([`crate::sql::comparable`]).
fn contains_clause(clauses: &[String], clause: &str) -> bool {
    let clause = crate::sql::comparable(clause);
    clauses.iter().any(|c| crate::sql::comparable(c) == clause)
}

/// The column `want` as the models describe it, keeping the clauses of `have` that the models
/// cannot say, and `have`'s comment: a comment changes by its own op ([`Op::AlterComment`]),
/// so that an `AlterColumn` and its reverse never touch comments. Those describe the column, not its type: SQLite accepts `CHECK`, `COLLATE`,
/// `UNIQUE` and `GENERATED` with every declared type, so they all stay across a type,
/// nullability or default change. The one clause that can no longer apply is the generation
/// of a column to which the models give a default (SQLite refuses both on one column): the
/// models then make it a plain column, and its current values are copied into it.
fn altered(have: &Column, want: &Column) -> Column {
    let mut to = want.clone();
    to.comment = have.comment.clone();
    to.renamed_from = None;
    // The clauses the models do not own stay; the constraints are the models' own.
    to.extra = have
        .extra
        .iter()
        .filter(|c| !crate::sql::is_constraint_clause(c))
        .filter(|c| {
            !crate::sql::is_generated(c) || (want.default.is_none() && same_generation(have, want))
        })
        .chain(
            want.extra
                .iter()
                .filter(|x| crate::sql::is_constraint_clause(x)),
        )
        .cloned()
        .collect();
    to
}

/// The names of the kept definitions on `have` that stand in the way of a type change the
/// models make (PostgreSQL re-checks them against the new type): those both sides declare are
/// dropped before the change and re-created after it.
fn retyped_dependents(current: &Schema, have: &Table, want: &Table) -> Vec<String> {
    current
        .dependents
        .iter()
        .filter(|d| d.table == have.name && d.blocks_type_change)
        .filter(|d| {
            d.column.as_deref().is_some_and(|c| {
                let (old, new) = (have.column(c), want.column(c));
                old.zip(new).is_some_and(|(o, n)| o.ty != n.ty)
            })
        })
        .map(|d| d.name.clone())
        .collect()
}

fn diff_table(have: &Table, want: &Table, retyped: &[String], ops: &mut Vec<Op>) {
    let table = || have.name.clone();
    // A definition both sides have, re-created around a type change of a column it uses.
    let rebuilt = |d: &String| match crate::sql::owned_definition(d) {
        Some(crate::sql::Owned::Index(n) | crate::sql::Owned::Constraint(n)) => {
            retyped.contains(&n)
        }
        None => false,
    };
    // A UNIQUE constraint and a unique index enforce the same thing: how an index is made is
    // not a difference.
    let same_index = |a: &crate::schema::Index, b: &crate::schema::Index| {
        a.name == b.name && a.columns == b.columns && a.unique == b.unique
    };

    // Indexes and constraints kept as definitions belong to the table, which the models own:
    // one they do not declare goes (its reverse re-creates it verbatim). Triggers, comments and
    // sequences are not the models' business.
    let owned = |d: &String| crate::sql::owned_definition(d).is_some();
    for definition in have.unmodeled.iter().filter(|d| owned(d)) {
        if !want.unmodeled.contains(definition) || rebuilt(definition) {
            ops.push(Op::DropDefinition {
                table: table(),
                definition: definition.clone(),
            });
        }
    }
    for clause in &have.table_constraints {
        if !contains_clause(&want.table_constraints, clause) {
            ops.push(Op::DropTableConstraint {
                table: table(),
                clause: clause.clone(),
            });
        }
    }
    for index in &have.indexes {
        if !want.indexes.iter().any(|w| same_index(w, index)) {
            ops.push(Op::DropIndex {
                table: table(),
                index: index.clone(),
            });
        }
    }
    // Foreign keys are matched by content: SQLite does not report constraint names.
    let same_fk = |a: &crate::schema::ForeignKey, b: &crate::schema::ForeignKey| {
        a.columns == b.columns
            && a.ref_table == b.ref_table
            && a.ref_columns == b.ref_columns
            && a.on_delete == b.on_delete
            && a.on_update == b.on_update
            && a.deferrable == b.deferrable
    };
    for fk in &have.foreign_keys {
        if !want.foreign_keys.iter().any(|w| same_fk(fk, w)) {
            ops.push(Op::DropForeignKey {
                table: table(),
                fk: fk.clone(),
            });
        }
    }
    for column in &want.columns {
        if have.column(&column.name).is_none() {
            ops.push(Op::AddColumn {
                table: table(),
                column: Column {
                    renamed_from: None,
                    ..column.clone()
                },
            });
        }
    }
    for column in &want.columns {
        if let Some(old) = have.column(&column.name) {
            if !same_column(old, column) {
                ops.push(Op::AlterColumn {
                    table: table(),
                    from: old.clone(),
                    to: altered(old, column),
                });
            }
        }
    }
    if have.comment != want.comment {
        ops.push(Op::AlterComment {
            table: table(),
            column: None,
            from: have.comment.clone(),
            to: want.comment.clone(),
        });
    }
    for column in &want.columns {
        if let Some(old) = have.column(&column.name) {
            if old.comment != column.comment {
                ops.push(Op::AlterComment {
                    table: table(),
                    column: Some(column.name.clone()),
                    from: old.comment.clone(),
                    to: column.comment.clone(),
                });
            }
        }
    }
    if have.primary_key != want.primary_key {
        ops.push(Op::AlterPrimaryKey {
            table: table(),
            from: have.primary_key.clone(),
            to: want.primary_key.clone(),
        });
    }
    // A primary key name is compared only when the models give one (a `pk` template of the
    // naming convention); otherwise it is the backend's business.
    if let (Some(from), Some(to)) = (&have.primary_key_name, &want.primary_key_name) {
        if from != to && !want.primary_key.is_empty() {
            ops.push(Op::RenameConstraint {
                table: table(),
                from: from.clone(),
                to: to.clone(),
            });
        }
    }
    if have.identity != want.identity {
        ops.push(Op::AlterIdentity {
            table: table(),
            from: have.identity.clone(),
            to: want.identity.clone(),
        });
    }
    // After the key changes: a key column is dropped only once the key that replaces it is in
    // place.
    for column in &have.columns {
        if want.column(&column.name).is_none() {
            ops.push(Op::DropColumn {
                table: table(),
                column: column.clone(),
            });
        }
    }

    for fk in &want.foreign_keys {
        if !have.foreign_keys.iter().any(|h| same_fk(h, fk)) {
            ops.push(Op::AddForeignKey {
                table: table(),
                fk: fk.clone(),
            });
        }
    }
    for index in &want.indexes {
        if !have.indexes.iter().any(|h| same_index(h, index)) {
            ops.push(Op::CreateIndex {
                table: table(),
                index: index.clone(),
            });
        }
    }
    for clause in &want.table_constraints {
        if !contains_clause(&have.table_constraints, clause) {
            ops.push(Op::AddTableConstraint {
                table: table(),
                clause: clause.clone(),
            });
        }
    }
    for definition in want.unmodeled.iter().filter(|d| owned(d)) {
        if !have.unmodeled.contains(definition) || rebuilt(definition) {
            ops.push(Op::CreateDefinition {
                table: table(),
                definition: definition.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::reverse_all;
    use crate::schema::{Column, FkAction, ForeignKey, Index, SqlType};

    fn users() -> Table {
        let mut t = Table::new("users");
        t.columns.push(Column::new("id", SqlType::Integer, false));
        t.columns
            .push(Column::new("email", SqlType::Varchar(255), false));
        t.primary_key = vec!["id".into()];
        t.indexes.push(Index {
            name: "uq_users_email".into(),
            columns: vec!["email".into()],
            unique: true,
            constraint: false,
            options: Default::default(),
        });
        t
    }

    fn posts() -> Table {
        let mut t = Table::new("posts");
        t.columns.push(Column::new("id", SqlType::Integer, false));
        t.columns
            .push(Column::new("user_id", SqlType::Integer, false));
        t.primary_key = vec!["id".into()];
        t.foreign_keys.push(ForeignKey {
            name: "fk_posts_user_id_users".into(),
            columns: vec!["user_id".into()],
            ref_table: "users".into(),
            ref_columns: vec!["id".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
            deferrable: Default::default(),
        });
        t
    }

    fn schema(tables: Vec<Table>) -> Schema {
        let mut s = Schema::new();
        tables.into_iter().for_each(|t| s.insert(t));
        s
    }

    #[test]
    fn creates_parents_first_and_drops_children_first() {
        let empty = Schema::new();
        let full = schema(vec![posts(), users()]);
        let up = diff(&empty, &full);
        let names: Vec<String> = up.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["added table 'users'", "added table 'posts'"]);
        let down = diff(&full, &empty);
        let names: Vec<String> = down.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["removed table 'posts'", "removed table 'users'"]);
        assert_eq!(reverse_all(&up), down);
    }

    /// A table `name` with an `id` key and, per referenced table `r`, a column `r_id` with a
    /// foreign key to `r.id` (`name` itself: a self-reference).
    fn table_with_refs(name: &str, refs: &[&str]) -> Table {
        let mut t = Table::new(name);
        t.columns.push(Column::new("id", SqlType::Integer, false));
        t.primary_key = vec!["id".into()];
        for r in refs {
            let col = format!("{r}_id");
            t.columns
                .push(Column::new(col.clone(), SqlType::Integer, true));
            t.foreign_keys.push(ForeignKey {
                name: format!("fk_{name}_{col}_{r}"),
                columns: vec![col],
                ref_table: (*r).into(),
                ref_columns: vec!["id".into()],
                on_delete: FkAction::NoAction,
                on_update: FkAction::NoAction,
                deferrable: Default::default(),
            });
        }
        t
    }

    /// Applies `ops` to `before` like a strict database (PostgreSQL): a created table's keys
    /// reference existing tables (or itself), an added key references an existing table, and a
    /// dropped table is referenced by no other table. Returns the schema reached.
    fn apply_strictly(before: &Schema, ops: &[Op]) -> Result<Schema, String> {
        let mut s = before.clone();
        for op in ops {
            match op {
                Op::CreateTable(t) => {
                    for fk in &t.foreign_keys {
                        if fk.ref_table != t.name && !s.tables.contains_key(&fk.ref_table) {
                            return Err(format!("{op}: {} does not exist yet", fk.ref_table));
                        }
                    }
                }
                Op::AddForeignKey { fk, .. } if !s.tables.contains_key(&fk.ref_table) => {
                    return Err(format!("{op}: {} does not exist", fk.ref_table));
                }
                Op::DropTable(t) => {
                    for other in s.tables.values() {
                        if other.name != t.name
                            && other.foreign_keys.iter().any(|fk| fk.ref_table == t.name)
                        {
                            return Err(format!("{op}: {} still references it", other.name));
                        }
                    }
                }
                _ => {}
            }
            op.apply(&mut s);
        }
        Ok(s)
    }

    #[test]
    fn a_cycle_between_new_tables_adds_the_closing_key_after_the_creates() {
        let full = schema(vec![
            table_with_refs("alphas", &["betas", "alphas"]),
            table_with_refs("betas", &["alphas"]),
        ]);
        let up = diff(&Schema::new(), &full);
        let lines: Vec<String> = up.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "added table 'alphas'",
                "added table 'betas'",
                "added foreign key on 'alphas' (betas_id) -> betas (id)",
            ]
        );
        // The self-reference stays inline.
        let Op::CreateTable(alphas) = &up[0] else {
            panic!("{up:?}")
        };
        assert_eq!(alphas.foreign_keys.len(), 1);
        assert_eq!(alphas.foreign_keys[0].ref_table, "alphas");
        assert_eq!(apply_strictly(&Schema::new(), &up).unwrap(), full);

        let down = diff(&full, &Schema::new());
        let lines: Vec<String> = down.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "removed foreign key on 'alphas' (betas_id) -> betas (id)",
                "removed table 'betas'",
                "removed table 'alphas'",
            ]
        );
        assert_eq!(reverse_all(&up), down);
        assert_eq!(apply_strictly(&full, &down).unwrap(), Schema::new());
        assert_eq!(diff(&Schema::new(), &full), up, "deterministic");
    }

    #[test]
    fn self_references_alone_stay_inline() {
        let full = schema(vec![table_with_refs("nodes", &["nodes"])]);
        let up = diff(&Schema::new(), &full);
        assert_eq!(up, [Op::CreateTable(full.tables["nodes"].clone())]);
        assert_eq!(
            diff(&full, &Schema::new()),
            [Op::DropTable(full.tables["nodes"].clone())]
        );
    }

    /// Every foreign-key graph over three tables (self-references included), from and to every
    /// subset of them: applying the diff (strictly) reaches the target, and applying its
    /// reverse (strictly) comes back.
    #[test]
    fn every_key_graph_over_three_tables_migrates_both_ways() {
        let names = ["a", "b", "c"];
        for edges in 0u32..(1 << 9) {
            let refs = |i: usize| -> Vec<&str> {
                (0..3)
                    .filter(|j| edges & (1 << (i * 3 + j)) != 0)
                    .map(|j| names[j])
                    .collect()
            };
            let full = schema(
                (0..3)
                    .map(|i| table_with_refs(names[i], &refs(i)))
                    .collect(),
            );
            for kept in 0u32..(1 << 3) {
                // The tables of `kept`, without keys to tables outside it.
                let mut part = Schema::new();
                for (i, name) in names.iter().enumerate() {
                    if kept & (1 << i) != 0 {
                        let mut t = full.tables[*name].clone();
                        t.foreign_keys.retain(|fk| {
                            names
                                .iter()
                                .enumerate()
                                .any(|(j, n)| *n == fk.ref_table && kept & (1 << j) != 0)
                        });
                        part.insert(t);
                    }
                }
                for (from, to) in [(&part, &full), (&full, &part)] {
                    let ops = diff(from, to);
                    let reached = apply_strictly(from, &ops)
                        .unwrap_or_else(|e| panic!("edges {edges:09b} kept {kept:03b}: {e}"));
                    assert_eq!(&reached, to, "edges {edges:09b} kept {kept:03b}");
                    let back = apply_strictly(to, &reverse_all(&ops))
                        .unwrap_or_else(|e| panic!("edges {edges:09b} kept {kept:03b} back: {e}"));
                    assert_eq!(&back, from, "edges {edges:09b} kept {kept:03b} back");
                }
            }
        }
    }

    #[test]
    fn detects_column_changes() {
        let before = schema(vec![users()]);
        let mut u = users();
        u.columns[1].ty = SqlType::Text;
        u.columns[1].default = Some("''".into());
        u.columns.push(Column::new("bio", SqlType::Text, true));
        let after = schema(vec![u]);
        let ops = diff(&before, &after);
        let lines: Vec<String> = ops.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "added column 'users.bio' (TEXT NULL)",
                "altered column 'users.email': type VARCHAR(255) -> TEXT, default none -> ''"
            ]
        );
        assert!(diff(&after, &after).is_empty());
    }

    #[test]
    fn applying_the_diff_reaches_the_target_and_its_reverse_comes_back() {
        let before = schema(vec![users()]);
        let mut u = users();
        u.columns.remove(1);
        u.indexes.clear();
        u.columns.push(Column::new("name", SqlType::Text, false));
        let after = schema(vec![u, posts()]);
        let ops = diff(&before, &after);
        let mut s = before.clone();
        ops.iter().for_each(|op| op.apply(&mut s));
        assert_eq!(s, after);
        reverse_all(&ops).iter().for_each(|op| op.apply(&mut s));
        // Column order is not part of a table's identity: compare by name.
        let t = &s.tables["users"];
        let mut names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["email", "id"]);
        assert_eq!(t.indexes, users().indexes);
        assert!(!s.tables.contains_key("posts"));
    }

    #[test]
    fn comments_are_compared_apart_from_the_column() {
        let mut before = users();
        before.columns[1].comment = Some("Old.".into());
        let mut after = users();
        after.comment = Some("People.".into());
        after.columns[1].ty = SqlType::Text;
        after.columns[1].comment = Some("New.".into());
        let (before, after) = (schema(vec![before]), schema(vec![after]));
        let ops = diff(&before, &after);
        let names: Vec<String> = ops.iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            [
                "altered column 'users.email': type VARCHAR(255) -> TEXT",
                "changed comment of 'users'",
                "changed comment of 'users.email'"
            ]
        );
        // The type change keeps the comment; the comment changes by its own op.
        assert!(
            matches!(&ops[0], Op::AlterColumn { to, .. } if to.comment.as_deref() == Some("Old."))
        );
        let mut s = before.clone();
        ops.iter().for_each(|op| op.apply(&mut s));
        assert_eq!(s, after);
        reverse_all(&ops).iter().for_each(|op| op.apply(&mut s));
        assert_eq!(s, before);
        assert!(diff(&after, &after).is_empty());
    }
}
