//! Unit tests of [`super::Op`]: reverses, tables, what each op is.

use super::*;
use crate::schema::{Schema, SqlType};

#[test]
fn reverse_is_an_involution_and_undoes_apply() {
    let mut t = Table::new("t");
    t.columns.push(Column::new("id", SqlType::Integer, false));
    t.primary_key = vec!["id".into()];
    let mut before = Schema::new();
    before.insert(t);
    let ops = vec![
        Op::AddColumn {
            table: "t".into(),
            column: Column::new("x", SqlType::Text, true),
        },
        Op::AlterColumn {
            table: "t".into(),
            from: Column::new("id", SqlType::Integer, false),
            to: Column::new("id", SqlType::BigInt, false),
            conversion: Conversion {
                using: Some("id * 2".into()),
                reverse_using: None,
            },
        },
        Op::CreateIndex {
            table: "t".into(),
            index: Index {
                name: "ix_t_x".into(),
                columns: vec!["x".into()],
                unique: false,
                constraint: false,
                options: Default::default(),
                prefixes: Vec::new(),
            },
        },
        Op::AlterComment {
            table: "t".into(),
            column: None,
            from: None,
            to: Some("Things.".into()),
        },
        Op::AlterComment {
            table: "t".into(),
            column: Some("x".into()),
            from: None,
            to: Some("An x.".into()),
        },
    ];
    let mut after = before.clone();
    ops.iter().for_each(|op| op.apply(&mut after));
    assert_ne!(after, before);
    assert_eq!(after.tables["t"].comment.as_deref(), Some("Things."));
    assert_eq!(
        after.tables["t"].column("x").unwrap().comment.as_deref(),
        Some("An x.")
    );
    assert_eq!(ops[3].to_string(), "changed comment of 't'");
    assert_eq!(ops[4].to_string(), "changed comment of 't.x'");
    let fill = Op::Backfill {
        table: "t".into(),
        column: "x".into(),
        value: "0".into(),
        from_default: false,
        undo: false,
    };
    assert_eq!(
        fill.to_string(),
        "backfill of 't.x': its NULLs set to `0` (--backfill)"
    );
    assert_eq!(fill.reverse().reverse(), fill);
    let mut same = after.clone();
    fill.apply(&mut same);
    assert_eq!(same, after, "a backfill changes rows, not the schema");
    for op in &ops {
        assert_eq!(op.reverse().reverse(), *op);
    }
    reverse_all(&ops).iter().for_each(|op| op.apply(&mut after));
    assert_eq!(after, before);
}

#[test]
fn enum_ops_reverse_exactly_and_a_removed_label_is_destructive() {
    let labels = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let before = Schema::new();
    let ops = vec![
        Op::CreateEnum {
            name: "mood".into(),
            labels: labels(&["ok", "sad"]),
        },
        Op::AlterEnum {
            name: "mood".into(),
            from: labels(&["ok", "sad"]),
            to: labels(&["sad", "meh"]),
        },
    ];
    let mut after = before.clone();
    ops.iter().for_each(|op| op.apply(&mut after));
    assert_eq!(after.enums["mood"], labels(&["sad", "meh"]));
    assert_eq!(
        ops[1].to_string(),
        "altered enum type 'mood': added label(s) meh, removed label(s) ok (now sad, meh)"
    );
    assert!(!ops[0].is_destructive());
    assert!(ops[1].is_destructive());
    assert!(
        ops[1].reverse().is_destructive(),
        "meh goes on the way back"
    );
    for op in &ops {
        assert_eq!(op.reverse().reverse(), *op);
    }
    reverse_all(&ops).iter().for_each(|op| op.apply(&mut after));
    assert_eq!(after, before);
}
