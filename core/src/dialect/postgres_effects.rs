//! What each statement of a PostgreSQL migration does beyond its text: the lock it takes (as
//! PostgreSQL's documentation of explicit locking lists them per command), whether it may run
//! in a transaction block, and whether it rewrites or scans the table under that lock.

use super::plan::{Effects, Hazard, Lock, LockMode, Transaction};
use crate::ops::Op;
use crate::schema::SqlType;

/// The effects of `sql`, one statement of the SQL of `ops`.
pub(super) fn effects(ops: &[Op], sql: &str) -> Effects {
    let words: Vec<String> = sql
        .split_whitespace()
        .take(12)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let starts = |prefix: &[&str]| {
        words.len() >= prefix.len() && words.iter().zip(prefix).all(|(w, p)| w == p)
    };
    let has = |word: &str| words.iter().any(|w| w == word);
    let upper = sql.to_ascii_uppercase();
    let table = ops
        .first()
        .map(|op| op.table().to_owned())
        .unwrap_or_default();
    let on = |mode: LockMode| {
        vec![Lock {
            table: table.clone(),
            mode,
        }]
    };
    let mut effects = Effects::default();
    if starts(&["CREATE", "INDEX"]) || starts(&["CREATE", "UNIQUE", "INDEX"]) {
        if has("CONCURRENTLY") {
            effects.transaction = Some(Transaction::Outside);
            effects.locks = on(LockMode::ShareUpdateExclusive);
        } else {
            effects.locks = on(LockMode::Share);
        }
        effects.hazards.push(Hazard::Scan);
    } else if starts(&["DROP", "INDEX"]) {
        if has("CONCURRENTLY") {
            effects.transaction = Some(Transaction::Outside);
            effects.locks = on(LockMode::ShareUpdateExclusive);
        } else {
            effects.locks = on(LockMode::AccessExclusive);
        }
    } else if starts(&["CREATE", "TABLE"]) {
        // A new table: only the tables its foreign keys reference are locked.
        effects.locks = referenced(ops);
    } else if starts(&["ALTER", "TABLE"]) {
        alter_table(ops, &upper, &mut effects, &on);
    } else if starts(&["DROP", "TABLE"]) || starts(&["DROP", "TRIGGER"]) {
        effects.locks = on(LockMode::AccessExclusive);
    } else if starts(&["CREATE", "TRIGGER"]) || starts(&["CREATE", "CONSTRAINT", "TRIGGER"]) {
        effects.locks = on(LockMode::ShareRowExclusive);
    } else if starts(&["COMMENT", "ON"]) || starts(&["CREATE", "STATISTICS"]) {
        effects.locks = on(LockMode::ShareUpdateExclusive);
    } else if starts(&["DO"])
        && upper
            .split_whitespace()
            .any(|w| w.trim_end_matches(';') == "COMMIT")
    {
        // A batched backfill: commits between batches, so never inside a transaction block.
        effects.transaction = Some(Transaction::Outside);
        effects.locks = on(LockMode::RowExclusive);
        effects.hazards.push(Hazard::RowWrites);
    } else if starts(&["UPDATE"]) {
        effects.locks = on(LockMode::RowExclusive);
        effects.hazards.push(Hazard::RowWrites);
    }
    effects
}

/// `ALTER TABLE`: most forms take ACCESS EXCLUSIVE; adding a foreign key takes SHARE ROW
/// EXCLUSIVE on both tables, validating a constraint SHARE UPDATE EXCLUSIVE.
fn alter_table(ops: &[Op], upper: &str, effects: &mut Effects, on: &dyn Fn(LockMode) -> Vec<Lock>) {
    let not_valid = upper.ends_with(" NOT VALID");
    if upper.contains(" VALIDATE CONSTRAINT ") {
        effects.transaction = Some(Transaction::Own);
        effects.locks = on(LockMode::ShareUpdateExclusive);
        effects.hazards.push(Hazard::Scan);
    } else if upper.contains(" FOREIGN KEY ") && upper.contains(" ADD CONSTRAINT ") {
        effects.locks = on(LockMode::ShareRowExclusive);
        effects.locks.extend(referenced(ops));
        if !not_valid {
            effects.hazards.push(Hazard::Scan);
        }
    } else {
        effects.locks = on(LockMode::AccessExclusive);
        let checks = upper.contains(" ADD CONSTRAINT ")
            || upper.contains(" SET NOT NULL")
            || upper.contains(" ADD PRIMARY KEY");
        // A constraint made from an index built beforehand only records it.
        if checks && !not_valid && !upper.contains(" USING INDEX ") {
            effects.hazards.push(Hazard::Scan);
        }
        if (upper.contains(" TYPE ") && rewrites(ops)) || fills_every_row(upper) {
            effects.hazards.push(Hazard::Rewrite);
        }
    }
}

/// A `NUMERIC` that keeps its scale and gains precision (or loses its limits): PostgreSQL
/// changes the catalog only.
fn more_numeric_digits(from: &SqlType, to: &SqlType) -> bool {
    match (from, to) {
        (
            SqlType::Numeric { .. },
            SqlType::Numeric {
                precision: None,
                scale: None,
            },
        ) => true,
        (
            SqlType::Numeric {
                precision: Some(a),
                scale: s1,
            },
            SqlType::Numeric {
                precision: Some(b),
                scale: s2,
            },
        ) => b >= a && s1.unwrap_or(0) == s2.unwrap_or(0),
        _ => false,
    }
}

/// Whether an `ALTER TABLE ... ADD COLUMN` computes a value for every row, rewriting the table:
/// a volatile default (PostgreSQL 11+ stores a constant or stable default in the catalog
/// only), a serial or identity column, a stored generated column.
fn fills_every_row(upper: &str) -> bool {
    const VOLATILE: &[&str] = &[
        "RANDOM()",
        "GEN_RANDOM_UUID()",
        "UUID_GENERATE_V4()",
        "UUID_GENERATE_V1()",
        "CLOCK_TIMESTAMP()",
        "TIMEOFDAY()",
        "NEXTVAL(",
    ];
    upper.contains(" ADD COLUMN ")
        && (VOLATILE.iter().any(|f| upper.contains(f))
            || upper.contains("SERIAL")
            || upper.contains(" AS IDENTITY")
            || (upper.contains(" GENERATED ALWAYS AS (") && upper.contains(" STORED")))
}

/// The tables the foreign keys of `ops` reference, each locked SHARE ROW EXCLUSIVE while a
/// key to it is created.
fn referenced(ops: &[Op]) -> Vec<Lock> {
    let mut locks: Vec<Lock> = ops
        .iter()
        .flat_map(|op| match op {
            Op::CreateTable(t) => t
                .foreign_keys
                .iter()
                .filter(|fk| fk.ref_table != t.name)
                .map(|fk| fk.ref_table.clone())
                .collect::<Vec<_>>(),
            Op::AddForeignKey { table, fk } if fk.ref_table != *table => {
                vec![fk.ref_table.clone()]
            }
            _ => Vec::new(),
        })
        .map(|table| Lock {
            table,
            mode: LockMode::ShareRowExclusive,
        })
        .collect();
    locks.sort();
    locks.dedup();
    locks
}

/// Whether a column's type change among `ops` rewrites the table: all but the changes
/// PostgreSQL makes in the catalog only (a longer or unlimited `VARCHAR`, `VARCHAR` to `TEXT`).
fn rewrites(ops: &[Op]) -> bool {
    ops.iter().any(|op| match op {
        // A `--using` expression computes every row anew.
        Op::AlterColumn {
            from,
            to,
            conversion,
            ..
        } if from.ty != to.ty => {
            let in_catalog = matches!((&from.ty, &to.ty), (SqlType::Varchar(a), SqlType::Varchar(b)) if b >= a)
                || matches!((&from.ty, &to.ty), (SqlType::Varchar(_), SqlType::Text))
                || more_numeric_digits(&from.ty, &to.ty);
            conversion.using.is_some() || !in_catalog
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Dialect, Postgres, Sqlite};
    use super::*;
    use crate::schema::{Column, ForeignKey, Index, Schema, Table};

    fn users() -> Table {
        let mut t = Table::new("users");
        t.columns.push(Column::new("id", SqlType::BigInt, false));
        t.columns
            .push(Column::new("name", SqlType::Varchar(20), true));
        t.primary_key = vec!["id".into()];
        t
    }

    fn posts() -> Table {
        let mut t = Table::new("posts");
        t.columns.push(Column::new("id", SqlType::BigInt, false));
        t.columns
            .push(Column::new("user_id", SqlType::BigInt, false));
        t.primary_key = vec!["id".into()];
        t
    }

    /// Each statement of the plan `ops` render on `before`: its first words, locks, hazards,
    /// and where it may run.
    fn effects_of(dialect: &dyn Dialect, before: &Schema, ops: &[Op]) -> Vec<String> {
        let plan = dialect.render_plan(ops, before).unwrap();
        plan.statements()
            .map(|s| {
                let words: Vec<&str> = s.sql.split_whitespace().take(2).collect();
                let locks: Vec<String> = s
                    .locks
                    .iter()
                    .map(|l| format!("{} {}", l.mode, l.table))
                    .collect();
                format!(
                    "{} | {} | {:?} | {:?}",
                    words.join(" "),
                    locks.join(", "),
                    s.hazards,
                    s.transaction
                )
            })
            .collect()
    }

    #[test]
    fn postgresql_statements_say_their_locks_and_hazards() {
        let mut before = Schema::new();
        before.insert(users());
        before.insert(posts());
        let fk = ForeignKey::cascade("fk_posts_user_id_users", "user_id", "users");
        let mut name_text = users().columns[1].clone();
        name_text.ty = SqlType::Text;
        let mut name_int = users().columns[1].clone();
        name_int.ty = SqlType::Integer;
        let ops = [
            Op::AddForeignKey {
                table: "posts".into(),
                fk,
            },
            Op::CreateIndex {
                table: "users".into(),
                index: Index {
                    name: "ix_users_name".into(),
                    columns: vec!["name".into()],
                    ..Index::default()
                },
            },
            Op::AlterColumn {
                table: "users".into(),
                from: users().columns[1].clone(),
                to: name_text.clone(),
                conversion: Default::default(),
            },
            Op::AlterColumn {
                table: "users".into(),
                from: name_text,
                to: name_int,
                conversion: Default::default(),
            },
            Op::DropTable(posts()),
        ];
        assert_eq!(
            effects_of(&Postgres, &before, &ops),
            [
                "ALTER TABLE | SHARE ROW EXCLUSIVE posts, SHARE ROW EXCLUSIVE users | [Scan] | Either",
                "CREATE INDEX | SHARE users | [Scan] | Either",
                "ALTER TABLE | ACCESS EXCLUSIVE users | [] | Either",
                "ALTER TABLE | ACCESS EXCLUSIVE users | [Rewrite] | Either",
                "DROP TABLE | ACCESS EXCLUSIVE posts | [DataLoss] | Either",
            ]
        );
    }

    #[test]
    fn a_concurrent_index_runs_outside_a_transaction_and_lets_writers_on() {
        let mut before = Schema::new();
        before.insert(users());
        let plan_of = |sql: &str| {
            effects(
                &[Op::CreateDefinition {
                    table: "users".into(),
                    definition: crate::sql::kept(sql),
                }],
                sql,
            )
        };
        let concurrent = plan_of("CREATE INDEX CONCURRENTLY ix ON users (name)");
        assert_eq!(concurrent.transaction, Some(Transaction::Outside));
        assert!(!concurrent.locks[0].mode.blocks_writes());
        let plain = plan_of("CREATE INDEX ix ON users (name)");
        assert_eq!(plain.transaction, None);
        assert!(plain.locks[0].mode.blocks_writes());
        assert!(!plain.locks[0].mode.blocks_reads());
        let check = plan_of("ALTER TABLE users ADD CONSTRAINT ck CHECK (id > 0) NOT VALID");
        assert_eq!(check.hazards, []);
        let validate = plan_of("ALTER TABLE users VALIDATE CONSTRAINT ck");
        assert_eq!(validate.locks[0].mode, LockMode::ShareUpdateExclusive);
        assert_eq!(validate.hazards, [Hazard::Scan]);
    }

    #[test]
    fn online_an_index_on_an_existing_table_is_built_concurrently_outside_a_transaction() {
        use super::super::RenderOptions;
        let mut before = Schema::new();
        before.insert(users());
        let index = |table: &str| Op::CreateIndex {
            table: table.into(),
            index: Index {
                name: format!("ix_{table}_name"),
                columns: vec!["name".into()],
                ..Index::default()
            },
        };
        let online = RenderOptions::online();
        let plan = Postgres
            .render_plan_with(&[index("users")], &before, &online)
            .unwrap();
        let s = plan.statements().next().unwrap();
        assert!(
            s.sql
                .starts_with("CREATE INDEX CONCURRENTLY \"ix_users_name\""),
            "{}",
            s.sql
        );
        assert_eq!(s.transaction, Transaction::Outside);
        assert_eq!(s.locks[0].mode, LockMode::ShareUpdateExclusive);
        // By default, and on a table the migration creates, the plain form.
        let plain = Postgres.render_plan(&[index("users")], &before).unwrap();
        let s = plain.statements().next().unwrap();
        assert!(
            s.sql.starts_with("CREATE INDEX \"ix_users_name\""),
            "{}",
            s.sql
        );
        assert_eq!(s.locks[0].mode, LockMode::Share);
        let mut posts = posts();
        posts.columns.push(Column::new("name", SqlType::Text, true));
        let new_table = [Op::CreateTable(posts), index("posts")];
        let plan = Postgres
            .render_plan_with(&new_table, &Schema::new(), &online)
            .unwrap();
        assert!(plan.statements().all(|s| !s.sql.contains("CONCURRENTLY")));
    }

    #[test]
    fn an_sqlite_rebuild_is_one_transaction_that_rewrites_the_table() {
        let mut before = Schema::new();
        before.insert(users());
        let mut name_int = users().columns[1].clone();
        name_int.ty = SqlType::Integer;
        let ops = [Op::AlterColumn {
            table: "users".into(),
            from: users().columns[1].clone(),
            to: name_int,
            conversion: Default::default(),
        }];
        let plan = Sqlite.render_plan(&ops, &before).unwrap();
        let statements: Vec<_> = plan.statements().collect();
        assert!(statements.len() > 3, "{plan:?}");
        for s in &statements {
            assert_eq!(s.transaction, Transaction::Inside, "{}", s.sql);
            assert!(s.hazards.contains(&Hazard::Rewrite), "{}", s.sql);
        }
        assert_eq!(plan.steps.len(), 1);
        assert_eq!(plan.to_sql(), Sqlite.render(&ops, &before).unwrap());
    }
}
