//! PostgreSQL's online forms ([`super::RenderOptions::online`]) of the ops on a table that
//! already exists, so its readers and writers go on while the migration runs:
//!
//! - an index is built (and dropped) `CONCURRENTLY`, outside any transaction;
//! - a `UNIQUE` constraint is made from a unique index built concurrently (`ADD CONSTRAINT ...
//!   UNIQUE USING INDEX`);
//! - a foreign key or a `CHECK` is added `NOT VALID` (a brief lock, no scan), then checked by
//!   `VALIDATE CONSTRAINT` in a transaction of its own (a lock that lets writes go on);
//! - `SET NOT NULL` goes through a `CHECK (c IS NOT NULL) NOT VALID`, validated, after which
//!   `SET NOT NULL` reads the valid check instead of the rows (PostgreSQL 12 and later), and
//!   the check is dropped;
//! - a backfill (`--backfill`) updates the rows in batches of [`BATCH`], committing after each
//!   (a `DO` block run by itself), so no row stays locked for long and no transaction grows
//!   with the table: by ranges of an integer primary key, else by the rows still `NULL`.
//!
//! The rendering of each op is its plain rendering, statement by statement, with these forms
//! put in: the SQL stays the dialect's own, and what each statement locks is read from it as
//! for any statement ([`super::postgres_effects`]).

use super::{Dialect, Postgres};
use crate::ops::Op;
use crate::schema::{split_qualified, Index, KeptKind, Table};
use crate::sql::{ddl, AlterAction, Ddl};

/// How many rows a batched backfill updates per transaction.
pub const BATCH: u32 = 10_000;

/// The online form of `op` on an existing table (`current`, before the op), whose plain
/// rendering is `sql`.
pub(super) fn render(dialect: &Postgres, op: &Op, current: Option<&Table>, sql: String) -> String {
    if let (
        Op::Backfill {
            table,
            column,
            value,
            undo: false,
            ..
        },
        Some(current),
    ) = (op, current)
    {
        return batched_backfill(dialect, table, current, column, value);
    }
    if let Op::CreateIndex { table, index } = op {
        if index.constraint {
            return unique_through_index(dialect, table, index);
        }
    }
    if let (Op::AlterPrimaryKey { table, from, to }, Some(current)) = (op, current) {
        if !to.is_empty() {
            return primary_key_through_index(dialect, table, current, !from.is_empty(), to);
        }
    }
    let constraint = match op {
        Op::AddForeignKey { fk, .. } => Some(fk.name.as_str()),
        Op::CreateDefinition { definition, .. } => match definition.kind() {
            KeptKind::Constraint { name, .. } => Some(name.as_str()),
            _ => None,
        },
        _ => None,
    };
    let mut out = String::new();
    for statement in crate::sql::statements(&sql) {
        let text = statement.text.trim_end().trim_end_matches(';').trim_end();
        out.push_str(&online_statement(dialect, op.table(), text, constraint));
    }
    out
}

/// One statement's online form (with its `;` and newline).
fn online_statement(
    dialect: &Postgres,
    table: &str,
    text: &str,
    constraint: Option<&str>,
) -> String {
    match ddl(text) {
        Ddl::CreateIndex {
            concurrently: false,
            ..
        } => format!("{};\n", text.replacen(" INDEX ", " INDEX CONCURRENTLY ", 1)),
        Ddl::DropIndex {
            concurrently: false,
        } => format!(
            "{};\n",
            text.replacen("DROP INDEX ", "DROP INDEX CONCURRENTLY ", 1)
        ),
        Ddl::AlterTable { actions, .. } => match actions.as_slice() {
            [AlterAction::AddConstraint {
                kind: "CHECK" | "FOREIGN KEY",
                not_valid: false,
                using_index: false,
            }] if constraint.is_some() => {
                let name = constraint.expect("checked above");
                format!("{text} NOT VALID;\n{};\n", validate(dialect, table, name))
            }
            [AlterAction::SetNotNull { column }] => not_null_through_check(dialect, table, column),
            [AlterAction::AddConstraint {
                kind: "UNIQUE",
                not_valid: false,
                using_index: false,
            }] if constraint.is_some() => {
                let name = constraint.expect("checked above");
                unique_clause_through_index(dialect, table, name, text)
                    .unwrap_or_else(|| format!("{text};\n"))
            }
            _ => format!("{text};\n"),
        },
        _ => format!("{text};\n"),
    }
}

/// `ALTER TABLE t VALIDATE CONSTRAINT name` (no `;`).
fn validate(dialect: &Postgres, table: &str, name: &str) -> String {
    format!(
        "ALTER TABLE {} VALIDATE CONSTRAINT {}",
        dialect.quote_table(table),
        dialect.quote(name)
    )
}

/// A `UNIQUE` constraint from a unique index built concurrently: the index takes the
/// constraint's name, and `ADD CONSTRAINT ... USING INDEX` only records it (a brief lock).
fn unique_through_index(dialect: &Postgres, table: &str, index: &Index) -> String {
    let mut plain = index.clone();
    plain.constraint = false;
    plain.unique = true;
    let create = dialect.create_index(table, &plain);
    let create = create.trim_end().trim_end_matches(';');
    format!(
        "{};\nALTER TABLE {} ADD CONSTRAINT {} UNIQUE USING INDEX {};\n",
        create.replacen(" INDEX ", " INDEX CONCURRENTLY ", 1),
        dialect.quote_table(table),
        dialect.quote(&index.name),
        dialect.quote(&index.name)
    )
}

/// A primary key from a unique index built concurrently under a name of its own; then, in one
/// statement (a brief lock), the old key dropped and the new one made from the index, which
/// takes the key's name. The table is never without a key.
fn primary_key_through_index(
    dialect: &Postgres,
    table: &str,
    current: &Table,
    replaces: bool,
    to: &[String],
) -> String {
    let name = current
        .primary_key_name
        .clone()
        .unwrap_or_else(|| dialect.implicit_primary_key_name(table));
    let building = crate::naming::shorten(&format!("{name}_new"));
    let t = dialect.quote_table(table);
    let drop = if replaces {
        format!("DROP CONSTRAINT {}, ", dialect.quote(&name))
    } else {
        String::new()
    };
    format!(
        "CREATE UNIQUE INDEX CONCURRENTLY {} ON {t} ({});\n\
         ALTER TABLE {t} {drop}ADD CONSTRAINT {} PRIMARY KEY USING INDEX {};\n",
        dialect.quote(&building),
        dialect.quote_list(to),
        dialect.quote(&name),
        dialect.quote(&building)
    )
}

/// A `UNIQUE [NULLS NOT DISTINCT] (keys) [INCLUDE (...)]` constraint (as written by `text`, an
/// `ALTER TABLE ... ADD CONSTRAINT name UNIQUE ...`) from a unique index built concurrently;
/// `None` when the clause says more than that (deferrable), which only the plain form takes.
fn unique_clause_through_index(
    dialect: &Postgres,
    table: &str,
    name: &str,
    text: &str,
) -> Option<String> {
    let upper = text.to_ascii_uppercase();
    let at = upper.find(" UNIQUE ")? + " UNIQUE ".len();
    let mut rest = text[at..].trim_start();
    let nulls_not_distinct = rest.to_ascii_uppercase().starts_with("NULLS NOT DISTINCT");
    if nulls_not_distinct {
        rest = rest["NULLS NOT DISTINCT".len()..].trim_start();
    }
    let (keys, after) = parenthesized(rest)?;
    let after = after.trim();
    let include = if after.is_empty() {
        ""
    } else if after.to_ascii_uppercase().starts_with("INCLUDE") {
        let (_, tail) = parenthesized(after["INCLUDE".len()..].trim_start())?;
        if !tail.trim().is_empty() {
            return None;
        }
        after
    } else {
        return None;
    };
    let t = dialect.quote_table(table);
    let n = dialect.quote(name);
    let mut create = format!("CREATE UNIQUE INDEX CONCURRENTLY {n} ON {t} {keys}");
    if !include.is_empty() {
        create.push(' ');
        create.push_str(include);
    }
    if nulls_not_distinct {
        create.push_str(" NULLS NOT DISTINCT");
    }
    Some(format!(
        "{create};
ALTER TABLE {t} ADD CONSTRAINT {n} UNIQUE USING INDEX {n};
"
    ))
}

/// The parenthesized group `text` starts with (quotes respected) and what follows it.
fn parenthesized(text: &str) -> Option<(&str, &str)> {
    if !text.starts_with('(') {
        return None;
    }
    let (mut depth, mut quoted) = (0usize, None::<char>);
    for (i, c) in text.char_indices() {
        match (quoted, c) {
            (Some(q), c) if c == q => quoted = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quoted = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some((&text[..=i], &text[i + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// `UPDATE t SET c = value WHERE c IS NULL` in batches of [`BATCH`] rows, each committed: by
/// ranges of the table's integer primary key when it has one (an index range per batch), else
/// by the rows still NULL (a scan per batch). Run again after an interruption, it goes on with
/// the rows still NULL.
fn batched_backfill(
    dialect: &Postgres,
    table: &str,
    current: &Table,
    column: &str,
    value: &str,
) -> String {
    let t = dialect.quote_table(table);
    let c = dialect.quote(column);
    let key = match current.primary_key.as_slice() {
        [key] if current.column(key).is_some_and(|k| k.ty.is_integer()) => Some(key),
        _ => None,
    };
    let body = match key {
        Some(key) => {
            let k = dialect.quote(key);
            vec![
                "DECLARE".to_owned(),
                "  lo bigint;".to_owned(),
                "  hi bigint;".to_owned(),
                "BEGIN".to_owned(),
                format!("  SELECT min({k}), max({k}) INTO lo, hi FROM {t};"),
                "  WHILE lo <= hi LOOP".to_owned(),
                format!(
                    "    UPDATE {t} SET {c} = {value} WHERE {k} >= lo AND {k} < lo + {BATCH} AND {c} IS NULL;"
                ),
                "    COMMIT;".to_owned(),
                format!("    lo := lo + {BATCH};"),
                "  END LOOP;".to_owned(),
                "END".to_owned(),
            ]
        }
        None => vec![
            "DECLARE".to_owned(),
            "  n bigint;".to_owned(),
            "BEGIN".to_owned(),
            "  LOOP".to_owned(),
            format!(
                "    UPDATE {t} SET {c} = {value} WHERE ctid = ANY (ARRAY(SELECT ctid FROM {t} WHERE {c} IS NULL LIMIT {BATCH}));"
            ),
            "    GET DIAGNOSTICS n = ROW_COUNT;".to_owned(),
            "    EXIT WHEN n = 0;".to_owned(),
            "    COMMIT;".to_owned(),
            "  END LOOP;".to_owned(),
            "END".to_owned(),
        ],
    };
    format!("DO $retort$\n{}\n$retort$;\n", body.join("\n"))
}

/// `SET NOT NULL` without a scan under its ACCESS EXCLUSIVE lock: a `CHECK (c IS NOT NULL)`
/// added `NOT VALID`, validated under a lock that lets writes go on, then `SET NOT NULL`
/// (which trusts the valid check), then the check dropped.
fn not_null_through_check(dialect: &Postgres, table: &str, column: &str) -> String {
    let (_, bare) = split_qualified(table);
    let check = crate::naming::shorten(&format!("ck_{bare}_{column}_not_null"));
    let t = dialect.quote_table(table);
    let c = dialect.quote(column);
    let k = dialect.quote(&check);
    format!(
        "ALTER TABLE {t} ADD CONSTRAINT {k} CHECK ({c} IS NOT NULL) NOT VALID;\n\
         {};\n\
         ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;\n\
         ALTER TABLE {t} DROP CONSTRAINT {k};\n",
        validate(dialect, table, &check)
    )
}

#[cfg(test)]
mod tests {
    use super::super::{Dialect, Postgres, RenderOptions, Transaction};
    use crate::ops::{reverse_all, Op};
    use crate::schema::{Column, ForeignKey, Index, Schema, SqlType, Table};

    fn schema() -> Schema {
        let mut users = Table::new("users");
        users
            .columns
            .push(Column::new("id", SqlType::BigInt, false));
        users
            .columns
            .push(Column::new("email", SqlType::Text, true));
        users.primary_key = vec!["id".into()];
        let mut posts = Table::new("posts");
        posts
            .columns
            .push(Column::new("id", SqlType::BigInt, false));
        posts
            .columns
            .push(Column::new("user_id", SqlType::BigInt, true));
        posts.primary_key = vec!["id".into()];
        let mut s = Schema::new();
        s.insert(users);
        s.insert(posts);
        s
    }

    /// Up and down of `ops` on [`schema`], online.
    fn online(ops: &[Op]) -> (super::super::SqlPlan, super::super::SqlPlan) {
        let options = RenderOptions::online();
        let (up, after) = Postgres.render_plan_owned(ops, schema(), &options).unwrap();
        let (down, _) = Postgres
            .render_plan_owned(&reverse_all(ops), after, &options)
            .unwrap();
        (up, down)
    }

    fn statements(plan: &super::super::SqlPlan) -> Vec<String> {
        plan.statements()
            .map(|s| format!("{} [{:?}]", s.sql, s.transaction))
            .collect()
    }

    #[test]
    fn a_foreign_key_is_added_not_valid_then_validated_in_its_own_transaction() {
        let fk = ForeignKey::cascade("fk_posts_user_id_users", "user_id", "users");
        let (up, down) = online(&[Op::AddForeignKey {
            table: "posts".into(),
            fk,
        }]);
        assert_eq!(
            statements(&up),
            [
                "ALTER TABLE \"posts\" ADD CONSTRAINT \"fk_posts_user_id_users\" FOREIGN KEY \
                 (\"user_id\") REFERENCES \"users\" (\"id\") ON DELETE CASCADE NOT VALID [Either]",
                "ALTER TABLE \"posts\" VALIDATE CONSTRAINT \"fk_posts_user_id_users\" [Own]",
            ]
        );
        assert!(up.statement_by_statement());
        assert_eq!(
            statements(&down),
            ["ALTER TABLE \"posts\" DROP CONSTRAINT \"fk_posts_user_id_users\" [Either]"]
        );
    }

    #[test]
    fn set_not_null_goes_through_a_validated_check() {
        let from = Column::new("email", SqlType::Text, true);
        let to = Column::new("email", SqlType::Text, false);
        let (up, down) = online(&[Op::AlterColumn {
            table: "users".into(),
            from,
            to,
            conversion: Default::default(),
        }]);
        assert_eq!(
            statements(&up),
            [
                "ALTER TABLE \"users\" ADD CONSTRAINT \"ck_users_email_not_null\" CHECK \
                 (\"email\" IS NOT NULL) NOT VALID [Either]",
                "ALTER TABLE \"users\" VALIDATE CONSTRAINT \"ck_users_email_not_null\" [Own]",
                "ALTER TABLE \"users\" ALTER COLUMN \"email\" SET NOT NULL [Either]",
                "ALTER TABLE \"users\" DROP CONSTRAINT \"ck_users_email_not_null\" [Either]",
            ]
        );
        assert_eq!(
            statements(&down),
            ["ALTER TABLE \"users\" ALTER COLUMN \"email\" DROP NOT NULL [Either]"]
        );
    }

    #[test]
    fn a_unique_constraint_is_made_from_an_index_built_concurrently() {
        let index = Index {
            name: "uq_users_email".into(),
            columns: vec!["email".into()],
            unique: true,
            constraint: true,
            ..Index::default()
        };
        let (up, down) = online(&[Op::CreateIndex {
            table: "users".into(),
            index,
        }]);
        assert_eq!(
            statements(&up),
            [
                "CREATE UNIQUE INDEX CONCURRENTLY \"uq_users_email\" ON \"users\" (\"email\") \
                 [Outside]",
                "ALTER TABLE \"users\" ADD CONSTRAINT \"uq_users_email\" UNIQUE USING INDEX \
                 \"uq_users_email\" [Either]",
            ]
        );
        assert_eq!(
            statements(&down),
            ["ALTER TABLE \"users\" DROP CONSTRAINT \"uq_users_email\" [Either]"]
        );
        // A plain index is dropped concurrently too.
        let plain = Index {
            name: "ix_users_email".into(),
            columns: vec!["email".into()],
            ..Index::default()
        };
        let (_, down) = online(&[Op::CreateIndex {
            table: "users".into(),
            index: plain,
        }]);
        assert_eq!(
            statements(&down),
            ["DROP INDEX CONCURRENTLY \"ix_users_email\" [Outside]"]
        );
        assert_eq!(
            down.statements().next().map(|s| s.transaction),
            Some(Transaction::Outside)
        );
    }

    #[test]
    fn a_new_primary_key_is_built_concurrently_and_swapped_in_one_statement() {
        let (up, down) = online(&[Op::AlterPrimaryKey {
            table: "users".into(),
            from: vec!["id".into()],
            to: vec!["id".into(), "email".into()],
        }]);
        assert_eq!(
            statements(&up),
            [
                "CREATE UNIQUE INDEX CONCURRENTLY \"users_pkey_new\" ON \"users\" (\"id\", \"email\") \
                 [Outside]",
                "ALTER TABLE \"users\" DROP CONSTRAINT \"users_pkey\", ADD CONSTRAINT \"users_pkey\" \
                 PRIMARY KEY USING INDEX \"users_pkey_new\" [Either]",
            ]
        );
        assert!(down.statements().next().unwrap().sql.contains("(\"id\")"));
    }

    #[test]
    fn a_unique_clause_keeps_its_options_on_the_concurrent_index() {
        let text = "ALTER TABLE \"users\" ADD CONSTRAINT \"uq\" UNIQUE NULLS NOT DISTINCT (a, \"b)\") INCLUDE (c)";
        assert_eq!(
            super::unique_clause_through_index(&Postgres, "users", "uq", text).unwrap(),
            "CREATE UNIQUE INDEX CONCURRENTLY \"uq\" ON \"users\" (a, \"b)\") INCLUDE (c) NULLS NOT \
             DISTINCT;\nALTER TABLE \"users\" ADD CONSTRAINT \"uq\" UNIQUE USING INDEX \"uq\";\n"
        );
        // What only the plain form says stays plain.
        let deferrable = "ALTER TABLE \"users\" ADD CONSTRAINT \"uq\" UNIQUE (a) DEFERRABLE";
        assert!(super::unique_clause_through_index(&Postgres, "users", "uq", deferrable).is_none());
    }

    #[test]
    fn a_table_the_migration_creates_keeps_the_plain_forms() {
        let mut t = Table::new("tags");
        t.columns.push(Column::new("id", SqlType::BigInt, false));
        t.columns
            .push(Column::new("user_id", SqlType::BigInt, true));
        let fk = ForeignKey::cascade("fk_tags_user_id_users", "user_id", "users");
        let (up, _) = online(&[
            Op::CreateTable(t),
            Op::AddForeignKey {
                table: "tags".into(),
                fk,
            },
        ]);
        assert!(!up.statement_by_statement(), "{up:?}");
        assert!(up.statements().all(|s| !s.sql.contains("NOT VALID")));
    }
}
