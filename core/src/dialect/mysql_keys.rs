//! The MySQL / MariaDB dialect's statements that change a table's keys and columns in place:
//! a renamed foreign key or check (dropped and added again), a foreign key dropped with the
//! index InnoDB made for it (as the server can: [`Server::drops_index_if_exists`]), a check
//! dropped as the server spells it, a column's whole definition (`MODIFY COLUMN`).
//!
//! [`Server::drops_index_if_exists`]: super::mysql_server::Server::drops_index_if_exists

use super::mysql::{with_auto_increment, MySqlDialect};
use super::Dialect;
use crate::schema::{Column, ConstraintKind, ForeignKey, Table, TableConstraint};

impl MySqlDialect {
    /// A foreign key or check of `current` renamed: MariaDB renames neither, so it is dropped
    /// and added again under the new name, in one statement (with the index InnoDB made for a
    /// foreign key, which the new key makes again under its own name).
    pub(super) fn rename_constraint(
        &self,
        table: &str,
        from: &str,
        to: &str,
        current: &Table,
    ) -> Option<String> {
        let t = self.quote_table(table);
        if let Some(fk) = current.foreign_keys.iter().find(|f| f.name == from) {
            let renamed = ForeignKey {
                name: to.to_owned(),
                ..fk.clone()
            };
            let add = format!("ADD {}", self.foreign_key_clause(&renamed));
            return Some(self.drop_foreign_key(table, fk, Some(current), Some(&add)));
        }
        let check = current
            .table_constraints
            .iter()
            .find(|c| c.name.as_deref() == Some(from))?;
        let renamed = TableConstraint {
            name: Some(to.to_owned()),
            written: None,
            ..check.clone()
        };
        Some(format!(
            "ALTER TABLE {t} {} {}, ADD {};\n",
            self.drop_constraint(check),
            self.quote(from),
            self.table_constraint_clause(&renamed)
        ))
    }

    /// The clause that drops `constraint`: a check's is the server's ([`Server::drop_check`]).
    pub(super) fn drop_constraint(&self, constraint: &TableConstraint) -> &'static str {
        match constraint.kind {
            ConstraintKind::Check { .. } => self.server.drop_check(),
            _ => "DROP CONSTRAINT",
        }
    }

    /// Drops `fk`, and the index InnoDB made for it when no other index served its columns
    /// (named after the key), so that a downgrade leaves no index the models do not have;
    /// `then` (`ADD ...`) goes with that last statement. MariaDB: `DROP INDEX IF EXISTS`.
    /// MySQL has no `IF EXISTS` there: the index is dropped when `current` has no index (nor
    /// primary key) that begins with the key's columns, so InnoDB made one; without `current`
    /// it is left.
    pub(super) fn drop_foreign_key(
        &self,
        table: &str,
        fk: &ForeignKey,
        current: Option<&Table>,
        then: Option<&str>,
    ) -> String {
        let t = self.quote_table(table);
        let n = self.quote(&fk.name);
        let then = then.map(|add| format!(", {add}")).unwrap_or_default();
        let mut s = format!("ALTER TABLE {t} DROP FOREIGN KEY {n};\n");
        if self.server.drops_index_if_exists() {
            s.push_str(&format!(
                "ALTER TABLE {t} DROP INDEX IF EXISTS {n}{then};\n"
            ));
        } else if current.is_some_and(|c| !served(c, &fk.columns)) {
            s.push_str(&format!("ALTER TABLE {t} DROP INDEX {n}{then};\n"));
        } else if let Some(add) = then.strip_prefix(", ") {
            s.push_str(&format!("ALTER TABLE {t} {add};\n"));
        }
        s
    }

    /// `ALTER TABLE ... MODIFY COLUMN` with `column`'s whole definition, and `AUTO_INCREMENT`
    /// when it is `current`'s identity.
    pub(super) fn modify_column(
        &self,
        table: &str,
        column: &Column,
        current: Option<&Table>,
    ) -> String {
        let mut def = self.column_definition(column);
        if let Some(current) = current {
            def = with_auto_increment(def, current, &column.name);
        }
        format!(
            "ALTER TABLE {} MODIFY COLUMN {def};\n",
            self.quote_table(table)
        )
    }
}

/// Whether an index of `table` (or its primary key) begins with `columns`, whole: InnoDB's
/// index for a foreign key over them, then, is that one.
fn served(table: &Table, columns: &[String]) -> bool {
    table.primary_key.starts_with(columns)
        || table
            .indexes
            .iter()
            .any(|i| i.columns.starts_with(columns) && i.prefixes.iter().all(Option::is_none))
}
