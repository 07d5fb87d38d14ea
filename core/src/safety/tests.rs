use super::*;
use crate::autogen::plan_between_with;
use crate::dialect::postgres::Postgres;
use crate::dialect::sqlite::Sqlite;
use crate::schema::{SqlType, Table};

fn users(extra: &[Column]) -> Schema {
    let mut t = Table::new("users");
    t.columns.push(Column::new("id", SqlType::BigInt, false));
    t.columns.extend(extra.iter().cloned());
    t.primary_key = vec!["id".into()];
    // As PostgreSQL's model defaults make it, so the plans hold only what a test changes.
    t.identity = Some("id".into());
    let mut s = Schema::new();
    s.insert(t);
    s
}

fn alter(from: Column, to: Column) -> Op {
    Op::AlterColumn {
        table: "users".into(),
        from,
        to,
        conversion: Default::default(),
    }
}

#[test]
fn drops_and_lossy_type_changes_are_destructive() {
    let pg: &dyn Dialect = &Postgres;
    let lite: &dyn Dialect = &Sqlite;
    let legacy = Column::new("legacy", SqlType::Text, true);
    let drop = Op::DropColumn {
        table: "accounts".into(),
        column: legacy.clone(),
    };
    let d = destructive(&drop, pg).unwrap();
    assert_eq!(d.what, "drops column 'accounts.legacy' and its values");
    assert!(
        d.lost
            .starts_with("values of dropped column accounts.legacy"),
        "{}",
        d.lost
    );
    let table = Op::DropTable(Table::new("obsoletes"));
    for dialect in [pg, lite] {
        assert!(destructive(&table, dialect)
            .unwrap()
            .what
            .contains("'obsoletes'"));
        assert!(destructive(&drop, dialect).is_some());
        // The reverses and additions lose nothing.
        assert_eq!(destructive(&table.reverse(), dialect), None);
        assert_eq!(destructive(&drop.reverse(), dialect), None);
    }
    let double = Column::new("score", SqlType::Double, true);
    let real = Column::new("score", SqlType::Real, true);
    let lossy = alter(double.clone(), real.clone());
    let d = destructive(&lossy, pg).unwrap();
    assert_eq!(
        d.what,
        "changes the type of 'users.score' from DOUBLE PRECISION to REAL: on PostgreSQL, values lose precision"
    );
    // SQLite's rebuild keeps the value or refuses the row.
    assert_eq!(destructive(&lossy, lite), None);
    // Widening, and narrowing that only refuses rows, lose nothing.
    assert_eq!(destructive(&alter(real, double), pg), None);
    let int = Column::new("n", SqlType::Integer, false);
    let small = Column::new("n", SqlType::SmallInt, false);
    assert_eq!(destructive(&alter(int.clone(), small), pg), None);
    let text = Column::new("s", SqlType::Text, false);
    let short = Column::new("s", SqlType::Varchar(3), false);
    assert_eq!(destructive(&alter(text.clone(), short), pg), None);
    // A cast between families may change values (12.7 -> 13).
    let numeric = Column::new(
        "n",
        SqlType::Numeric {
            precision: Some(10),
            scale: Some(2),
        },
        false,
    );
    assert!(destructive(&alter(numeric, int.clone()), pg).is_some());
    // A nullability change alone is not a type change.
    let mut nullable = int.clone();
    nullable.nullable = true;
    assert_eq!(destructive(&alter(int, nullable), pg), None);
}

#[test]
fn backfill_arguments_parse_or_say_the_expected_form() {
    let b: Backfill = "users.age=0".parse().unwrap();
    assert_eq!(
        b,
        Backfill {
            table: "users".into(),
            column: "age".into(),
            value: "0".into()
        }
    );
    let b: Backfill = "users.nick = lower(name) || '=x'".parse().unwrap();
    assert_eq!(b.value, "lower(name) || '=x'");
    for (bad, why) in [
        ("users.age", "there is no `=`"),
        ("age=0", "not qualified by its table"),
        (".age=0", "name is empty"),
        ("users.age=", "expression after `=` is empty"),
    ] {
        let e = bad.parse::<Backfill>().unwrap_err().to_string();
        assert!(e.starts_with(&format!("--backfill {bad}: ")), "{e}");
        assert!(e.contains(why), "{e}");
        assert!(
            e.contains("expected --backfill TABLE.COLUMN=SQL_EXPRESSION"),
            "{e}"
        );
    }
}

#[test]
fn not_null_columns_without_a_value_need_a_backfill() {
    let target = users(&[]);
    let age = Column::new("age", SqlType::Integer, false);
    let add = Op::AddColumn {
        table: "users".into(),
        column: age.clone(),
    };
    let need = needs_backfill(&add, &target).unwrap();
    assert!(need.added);
    let text = need.to_string();
    assert!(text.contains("#[model(default = \"...\")]"), "{text}");
    assert!(text.contains("Option<_>"), "{text}");
    assert!(
        text.contains("--backfill users.age=<SQL expression>"),
        "{text}"
    );
    let mut with_default = age.clone();
    with_default.default = Some("0".into());
    let add_default = Op::AddColumn {
        table: "users".into(),
        column: with_default,
    };
    assert_eq!(needs_backfill(&add_default, &target), None);
    let mut nullable = age.clone();
    nullable.nullable = true;
    let made_not_null = alter(nullable.clone(), age.clone());
    let need = needs_backfill(&made_not_null, &target).unwrap();
    assert!(!need.added);
    assert!(need.to_string().contains("becomes NOT NULL"));
    assert_eq!(needs_backfill(&alter(age.clone(), nullable), &target), None);
    // The database fills an identity column.
    let mut with_identity = users(&[]);
    with_identity.tables.get_mut("users").unwrap().identity = Some("age".into());
    assert_eq!(needs_backfill(&add, &with_identity), None);
}

#[test]
fn backfills_rewrite_the_plan_and_unmatched_ones_are_errors() {
    let target = users(&[]);
    let age = Column::new("age", SqlType::Integer, false);
    let mut nullable_age = age.clone();
    nullable_age.nullable = true;
    let nick = Column::new("nick", SqlType::Text, false);
    let mut nullable_nick = nick.clone();
    nullable_nick.nullable = true;
    let ops = vec![
        Op::AddColumn {
            table: "users".into(),
            column: age.clone(),
        },
        alter(nullable_nick.clone(), nick.clone()),
    ];
    let backfills: Vec<Backfill> = vec![
        "users.age=0".parse().unwrap(),
        "users.nick='anon'".parse().unwrap(),
    ];
    let fill = |column: &str, value: &str| Op::Backfill {
        table: "users".into(),
        column: column.into(),
        value: value.into(),
        from_default: false,
        undo: false,
    };
    assert_eq!(
        apply_backfills(ops.clone(), &backfills, &target).unwrap(),
        vec![
            Op::AddColumn {
                table: "users".into(),
                column: nullable_age.clone(),
            },
            fill("age", "0"),
            alter(nullable_age, age),
            fill("nick", "'anon'"),
            alter(nullable_nick, nick),
        ]
    );
    let rewritten = apply_backfills(ops.clone(), &backfills, &target).unwrap();
    assert_eq!(unfilled(&rewritten, &target), vec![]);
    assert_eq!(unfilled(&ops, &target).len(), 2);
    // Without backfills the plan is unchanged.
    assert_eq!(apply_backfills(ops.clone(), &[], &target).unwrap(), ops);
    let typo: Backfill = "users.agee=0".parse().unwrap();
    let e = apply_backfills(ops.clone(), std::slice::from_ref(&typo), &target).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--backfill users.agee=0 matches nothing in this migration: the columns that need one are users.age, users.nick"
    );
    let e = apply_backfills(vec![], &[typo], &target).unwrap_err();
    assert!(e
        .to_string()
        .ends_with("no column of it becomes NOT NULL without a value"));
    let twice = vec![backfills[0].clone(), "users.age=1".parse().unwrap()];
    let e = apply_backfills(ops, &twice, &target).unwrap_err();
    assert_eq!(
        e,
        SafetyError::Twice {
            column: "users.age".into()
        }
    );
}

#[test]
fn a_backfilled_column_renders_add_update_set_not_null_and_reverses() {
    let current = users(&[]);
    let target = users(&[Column::new("age", SqlType::Integer, false)]);
    let backfills = ["users.age=18".parse().unwrap()];
    let plan = plan_between_with(&Postgres, &current, &target, &backfills).unwrap();
    let statements: Vec<&str> = plan
        .up_sql
        .lines()
        .filter(|l| !l.starts_with("--") && !l.is_empty())
        .collect();
    assert_eq!(
        statements,
        [
            "ALTER TABLE \"users\" ADD COLUMN \"age\" INTEGER;",
            "UPDATE \"users\" SET \"age\" = 18 WHERE \"age\" IS NULL;",
            "ALTER TABLE \"users\" ALTER COLUMN \"age\" SET NOT NULL;",
        ],
        "{}",
        plan.up_sql
    );
    assert!(plan
        .down_sql
        .contains("-- nothing undoes the backfill of 'users.age'"));
    assert!(plan.down_sql.contains("DROP COLUMN \"age\""));
    // SQLite: add and fill in place, then rebuild for NOT NULL.
    let plan = plan_between_with(&Sqlite, &current, &target, &backfills).unwrap();
    let update = plan
        .up_sql
        .find("UPDATE \"users\" SET \"age\" = 18")
        .unwrap();
    let add = plan.up_sql.find("ADD COLUMN \"age\"").unwrap();
    let rebuild = plan.up_sql.find("CREATE TABLE").unwrap();
    assert!(add < update && update < rebuild, "{}", plan.up_sql);
}

#[test]
fn notes_go_under_their_op_and_down_says_what_it_cannot_restore() {
    let current = users(&[
        Column::new("legacy", SqlType::Text, true),
        Column::new("nick", SqlType::Text, true),
    ]);
    let target = users(&[Column::new("nick", SqlType::Text, false)]);
    let backfills = ["users.nick='anon'".parse().unwrap()];
    let plan = plan_between_with(&Postgres, &current, &target, &backfills).unwrap();
    // The plan knows which op destroys what: its note goes under that op's line.
    let mut up = plan.up.clone();
    let lossy: Vec<usize> = (0..plan.ops.len())
        .filter(|&i| up.header(i).is_some_and(|h| h.data_loss.is_some()))
        .collect();
    assert_eq!(lossy.len(), 1);
    let loss = up.header(lossy[0]).unwrap().data_loss.clone().unwrap();
    assert_eq!(
        Some(loss.clone()),
        destructive(&plan.ops[lossy[0]], &Postgres).map(|d| d.what)
    );
    up.note(lossy[0], comment("destructive", &loss));
    let up = up.to_sql();
    assert!(
        up.contains(
            "-- removed column 'users.legacy'\n-- destructive: drops column 'users.legacy' and its values\n"
        ),
        "{up}"
    );
    assert_eq!(
        up.replace(
            "-- destructive: drops column 'users.legacy' and its values\n",
            ""
        ),
        plan.up_sql
    );
    // The statement that drops the column carries the hazard too.
    let dropping: Vec<_> = plan
        .up
        .statements()
        .filter(|s| s.hazards.contains(&crate::dialect::Hazard::DataLoss))
        .map(|s| s.sql.as_str())
        .collect();
    assert_eq!(dropping, ["ALTER TABLE \"users\" DROP COLUMN \"legacy\""]);
    let lost = cannot_restore(&plan.ops, &Postgres);
    assert_eq!(lost.len(), 2, "{lost:?}");
    let mut down = plan.down.clone();
    for (i, text) in lost {
        down.note(i, comment("cannot restore", &text));
    }
    let down = down.to_sql();
    let restore_column = down
        .find("-- cannot restore: values of dropped column users.legacy")
        .unwrap();
    let restore_nulls = down
        .find("-- cannot restore: the NULLs of users.nick that --backfill replaced with 'anon'")
        .unwrap();
    assert!(restore_column < restore_nulls, "{down}");
    // Two notes of one op go under its line, in order.
    let mut twice = plan.up.clone();
    twice.note(0, "-- a\n".into());
    twice.note(0, "-- b\n".into());
    assert!(
        twice
            .to_sql()
            .starts_with(&format!("-- {}\n-- a\n-- b\n", plan.ops[0])),
        "{}",
        twice.to_sql()
    );
    assert_eq!(
        comment("warning", "one\ntwo"),
        "-- warning: one\n--   two\n"
    );
}

#[test]
fn a_removed_enum_label_is_destructive_an_added_one_is_not() {
    let labels = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let remove = Op::AlterEnum {
        name: "mood".into(),
        from: labels(&["happy", "meh", "sad"]),
        to: labels(&["happy", "sad"]),
    };
    for dialect in [&Postgres as &dyn Dialect, &Sqlite] {
        let d = destructive(&remove, dialect).unwrap();
        assert_eq!(
            d.what,
            "removes label(s) meh from enum type 'mood' (the upgrade fails while a row holds one)"
        );
        assert_eq!(destructive(&remove.reverse(), dialect), None);
    }
    let reorder = Op::AlterEnum {
        name: "mood".into(),
        from: labels(&["happy", "sad"]),
        to: labels(&["sad", "happy"]),
    };
    assert_eq!(destructive(&reorder, &Postgres), None);
    // A String field becoming an enum (or back) keeps every value or refuses the row.
    let text = Column::new("mood", SqlType::Text, false);
    let mood = Column::new(
        "mood",
        SqlType::Enum {
            name: "mood".into(),
            labels: vec![],
        },
        false,
    );
    assert_eq!(
        destructive(&alter(text.clone(), mood.clone()), &Postgres),
        None
    );
    assert_eq!(destructive(&alter(mood, text), &Postgres), None);
}

#[test]
fn generated_columns_are_computed_not_lost() {
    let generated = |c: Column| Column {
        generated: Some(crate::schema::Generated {
            expr: "price * 2".into(),
            stored: true,
        }),
        ..c
    };
    let total = generated(Column::new("total", SqlType::Integer, false));
    let drop = Op::DropColumn {
        table: "users".into(),
        column: total.clone(),
    };
    assert_eq!(destructive(&drop, &Postgres), None);
    let add = Op::AddColumn {
        table: "users".into(),
        column: total.clone(),
    };
    assert_eq!(needs_backfill(&add, &users(&[])), None);
    // A plain column that becomes generated loses its stored values.
    let plain = Column::new("total", SqlType::Integer, false);
    let d = destructive(&alter(plain, total), &Postgres).unwrap();
    assert!(
        d.what.contains("its stored values are replaced"),
        "{}",
        d.what
    );
}

#[test]
fn a_column_made_not_null_takes_its_default_unless_a_backfill_names_it() {
    let target = users(&[]);
    let mut note = Column::new("note", SqlType::Text, false);
    note.default = Some("'-'".into());
    let mut nullable = note.clone();
    nullable.nullable = true;
    nullable.default = None;
    let ops = vec![alter(nullable.clone(), note.clone())];
    let fill = |value: &str, from_default: bool| Op::Backfill {
        table: "users".into(),
        column: "note".into(),
        value: value.into(),
        from_default,
        undo: false,
    };
    let planned = apply_backfills(ops.clone(), &[], &target).unwrap();
    assert_eq!(planned, vec![fill("'-'", true), ops[0].clone()]);
    assert!(unfilled(&planned, &target).is_empty());
    assert_eq!(
        planned[0].to_string(),
        "backfill of 'users.note': its NULLs set to its model default `'-'` (it becomes NOT NULL)"
    );
    let given: Vec<Backfill> = vec!["users.note='none'".parse().unwrap()];
    assert_eq!(
        apply_backfills(ops.clone(), &given, &target).unwrap(),
        vec![fill("'none'", false), ops[0].clone()]
    );
    // Without a default, nothing fills it: refused.
    let bare = vec![alter(nullable, Column::new("note", SqlType::Text, false))];
    let planned = apply_backfills(bare, &[], &target).unwrap();
    assert_eq!(unfilled(&planned, &target).len(), 1);
}

/// A column whose type changes as it becomes NOT NULL is filled with a value of the new type:
/// after the type change (the column still nullable), before NOT NULL. Found by the
/// PostgreSQL property test (`DOUBLE PRECISION` -> `VARCHAR` filled with `'x'`).
#[test]
fn a_fill_comes_after_the_type_change_it_is_a_value_of() {
    let mut before = Column::new("d", SqlType::Double, true);
    before.default = Some("1.5".into());
    let mut after = Column::new("d", SqlType::Varchar(260), false);
    after.default = Some("'x'".into());
    let (a, b) = (users(&[before.clone()]), users(&[after.clone()]));
    let plan = plan_between_with(&Postgres, &a, &b, &[]).unwrap();
    let retyped = Column {
        nullable: true,
        ..after.clone()
    };
    assert_eq!(
        plan.ops,
        vec![
            alter(before, retyped.clone()),
            Op::Backfill {
                table: "users".into(),
                column: "d".into(),
                value: "'x'".into(),
                from_default: true,
                undo: false,
            },
            alter(retyped, after),
        ]
    );
    let update = plan.up_sql.find("UPDATE").unwrap();
    assert!(
        plan.up_sql.find("TYPE VARCHAR(260)").unwrap() < update,
        "{}",
        plan.up_sql
    );
    assert!(
        update < plan.up_sql.find("SET NOT NULL").unwrap(),
        "{}",
        plan.up_sql
    );
}
