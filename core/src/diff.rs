//! Compares two schemas and produces the ops that turn the current one into the target.
//!
//! Both schemas must already be normalised by the same dialect (see
//! [`crate::dialect::Dialect::normalize`]) so that spellings the database reports differently
//! from the models (type aliases, default quoting) compare equal.
//!
//! Order: new tables (parents before children), then changes to existing tables (by name; per
//! table: drop indexes, drop foreign keys, drop columns, add columns, alter columns, primary
//! key, add foreign keys, create indexes), then dropped tables (children before parents).

use crate::ops::Op;
use crate::schema::{Schema, Table};

/// The ops that turn `current` into `target`. Deterministic: equal inputs give equal output.
pub fn diff(current: &Schema, target: &Schema) -> Vec<Op> {
    let mut ops = Vec::new();

    let created: Vec<&str> = target
        .tables
        .keys()
        .filter(|name| !current.tables.contains_key(*name))
        .map(String::as_str)
        .collect();
    for name in target.dependency_order(&created) {
        ops.push(Op::CreateTable(target.tables[name].clone()));
    }

    for (name, want) in &target.tables {
        if let Some(have) = current.tables.get(name) {
            diff_table(have, want, &mut ops);
        }
    }

    let dropped: Vec<&str> = current
        .tables
        .keys()
        .filter(|name| !target.tables.contains_key(*name))
        .map(String::as_str)
        .collect();
    for name in current.dependency_order(&dropped).into_iter().rev() {
        ops.push(Op::DropTable(current.tables[name].clone()));
    }
    ops
}

fn diff_table(have: &Table, want: &Table, ops: &mut Vec<Op>) {
    let table = || have.name.clone();

    for index in &have.indexes {
        if !want.indexes.contains(index) {
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
    };
    for fk in &have.foreign_keys {
        if !want.foreign_keys.iter().any(|w| same_fk(fk, w)) {
            ops.push(Op::DropForeignKey {
                table: table(),
                fk: fk.clone(),
            });
        }
    }
    for column in &have.columns {
        if want.column(&column.name).is_none() {
            ops.push(Op::DropColumn {
                table: table(),
                column: column.clone(),
            });
        }
    }
    for column in &want.columns {
        if have.column(&column.name).is_none() {
            ops.push(Op::AddColumn {
                table: table(),
                column: column.clone(),
            });
        }
    }
    for column in &want.columns {
        if let Some(old) = have.column(&column.name) {
            if old != column {
                ops.push(Op::AlterColumn {
                    table: table(),
                    from: old.clone(),
                    to: column.clone(),
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
    for fk in &want.foreign_keys {
        if !have.foreign_keys.iter().any(|h| same_fk(h, fk)) {
            ops.push(Op::AddForeignKey {
                table: table(),
                fk: fk.clone(),
            });
        }
    }
    for index in &want.indexes {
        if !have.indexes.contains(index) {
            ops.push(Op::CreateIndex {
                table: table(),
                index: index.clone(),
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
}
