//! Tests of `diff.rs`.

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
        prefixes: Vec::new(),
    });
    t
}

fn posts() -> Table {
    let mut t = Table::new("posts");
    t.columns.push(Column::new("id", SqlType::Integer, false));
    t.columns
        .push(Column::new("user_id", SqlType::Integer, false));
    t.primary_key = vec!["id".into()];
    t.foreign_keys.push(ForeignKey::cascade(
        "fk_posts_user_id_users",
        "user_id",
        "users",
    ));
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
    assert!(matches!(&ops[0], Op::AlterColumn { to, .. } if to.comment.as_deref() == Some("Old.")));
    let mut s = before.clone();
    ops.iter().for_each(|op| op.apply(&mut s));
    assert_eq!(s, after);
    reverse_all(&ops).iter().for_each(|op| op.apply(&mut s));
    assert_eq!(s, before);
    assert!(diff(&after, &after).is_empty());
}

#[test]
fn an_invalid_index_is_dropped_and_created_again() {
    let kept = r#"CREATE INDEX ix_users_lower ON public.users USING btree (lower((email)::text))"#;
    let mut want = users();
    want.unmodeled.push(kept.into());
    let mut have = want.clone();
    assert!(diff(&schema(vec![have.clone()]), &schema(vec![want.clone()])).is_empty());
    have.invalid_indexes = vec!["ix_users_lower".into(), "uq_users_email".into()];
    let ops = diff(&schema(vec![have.clone()]), &schema(vec![want.clone()]));
    let index = users().indexes[0].clone();
    assert_eq!(
        ops,
        [
            Op::DropDefinition {
                table: "users".into(),
                definition: kept.into()
            },
            Op::DropIndex {
                table: "users".into(),
                index: index.clone()
            },
            Op::CreateIndex {
                table: "users".into(),
                index
            },
            Op::CreateDefinition {
                table: "users".into(),
                definition: kept.into()
            },
        ]
    );
    // Applied, the indexes are valid: nothing is left to do.
    let mut after = schema(vec![have]);
    ops.iter().for_each(|op| op.apply(&mut after));
    assert!(after.tables["users"].invalid_indexes.is_empty());
    assert!(diff(&after, &schema(vec![want.clone()])).is_empty());
    // An invalid index the models do not declare only goes.
    let mut have = users();
    have.invalid_indexes = vec!["uq_users_email".into()];
    want.indexes.clear();
    want.unmodeled.clear();
    let ops = diff(&schema(vec![have]), &schema(vec![want]));
    assert!(matches!(ops.as_slice(), [Op::DropIndex { .. }]), "{ops:?}");
}
