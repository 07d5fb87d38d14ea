//! The MySQL / MariaDB dialect: backtick quoting, MariaDB's column types (`TINYINT(1)` for
//! booleans, `DATETIME(6)`, inline `ENUM(...)`, `JSON` as checked `LONGTEXT`), `AUTO_INCREMENT`
//! keys, `MODIFY COLUMN` with the column's whole definition (MariaDB has no per-property
//! `ALTER COLUMN` for types, nullability or comments), foreign keys dropped with
//! `DROP FOREIGN KEY`, indexes with `DROP INDEX ... ON`. What MariaDB cannot hold (partial
//! indexes, `INCLUDE`, `NULLS NOT DISTINCT`, `NOT VALID`, deferrable keys, schemas inside a
//! database) is refused by [`Dialect::check_models`] with the reason, before anything is
//! compared.
//!
//! Both sides of a diff are brought to one spelling by [`Dialect::normalize_table`]: the generic
//! [`SqlType`](crate::schema::SqlType)s (introspection parses MariaDB's `COLUMN_TYPE` into them, see
//! [`parse_column_type`]), `DEFAULT` expressions as MariaDB reports them (`current_timestamp(6)`
//! is `CURRENT_TIMESTAMP`, `0.00` on a `DECIMAL` is `0`, `true` on a boolean is `1`), `RESTRICT`
//! (InnoDB's default) is `NO ACTION`, and `CHECK` and generation expressions with identifiers in
//! double quotes instead of backticks (Retort's sessions run with `ANSI_QUOTES`).

use super::mysql_server::Server;
use super::{Dialect, OpSql, RenderError, Unsupported};
use crate::ops::Op;
use crate::schema::{
    Column, ConstraintKind, Deferrable, FkAction, ForeignKey, IdentityColumn, IdentityKind, Index,
    Schema, Table, TableConstraint,
};

pub use super::mysql_types::{
    ansi_quoted, canonical_type, normalize_default, parse_column_type, render_type, sql_string,
};

/// The MySQL / MariaDB dialect for one server, MariaDB or MySQL and its version: where they
/// differ, it writes that server's SQL ([`Server`]'s choices). A session's
/// ([`crate::db::Connection::dialect`]) is its server's; without one (offline, `lint`), MariaDB
/// 10.11's, [`MySql`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MySqlDialect {
    /// The server it writes for.
    pub server: Server,
}

/// The dialect of MariaDB 10.11, the server Retort is tested on: what renders when no session
/// says which server it is.
#[allow(non_upper_case_globals)]
pub const MySql: MySqlDialect = MySqlDialect {
    server: Server::MARIADB_10_11,
};

impl MySqlDialect {
    /// The dialect of `server`, for the life of the process (one per distinct server).
    pub fn for_server(server: Server) -> &'static MySqlDialect {
        static KNOWN: std::sync::Mutex<Vec<&'static MySqlDialect>> =
            std::sync::Mutex::new(Vec::new());
        if server == MySql.server {
            return &MySql;
        }
        let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = known.iter().find(|d| d.server == server) {
            return found;
        }
        let made: &'static MySqlDialect = Box::leak(Box::new(MySqlDialect { server }));
        known.push(made);
        made
    }
}

/// The longest identifier MariaDB accepts, in characters (longer ones are refused).
pub const IDENTIFIER_LIMIT: usize = 64;

impl Dialect for MySqlDialect {
    /// Stored functions and procedures (`retort::function!`), one per name.
    fn manages_functions(&self) -> bool {
        true
    }

    fn overloads_functions(&self) -> bool {
        false
    }

    /// `CREATE OR REPLACE VIEW` takes any new column list.
    fn replaces_any_view(&self) -> bool {
        true
    }

    fn render_drop_trigger(&self, _table: &str, name: &str) -> String {
        format!("DROP TRIGGER {};\n", self.quote(name))
    }

    fn name(&self) -> &'static str {
        if self.server.is_mariadb() {
            "MariaDB"
        } else {
            "MySQL"
        }
    }

    fn key(&self) -> &'static str {
        "mysql"
    }

    /// InnoDB refuses to drop the index a foreign key uses, and a primary key a foreign key
    /// references.
    fn foreign_keys_hold_their_key(&self) -> bool {
        true
    }

    fn foreign_keys_use_an_index(&self) -> bool {
        true
    }

    /// What no MariaDB or MySQL can hold (`mysql_facts::check_models`), and the
    /// defaults this server cannot ([`Server::default_refusal`]).
    fn check_models(&self, schema: &Schema) -> Result<(), RenderError> {
        // No materialized views (a plain view computes the same rows).
        super::views::refuse_materialized(self, schema)?;
        super::mysql_facts::check_models(schema)?;
        for table in schema.tables.values() {
            for column in &table.columns {
                let Some(default) = &column.default else {
                    continue;
                };
                if let Some(hint) = self.server.default_refusal(default, &column.ty) {
                    return Err(RenderError::Unsupported {
                        dialect: self.name(),
                        what: format!(
                            "give `{}.{}` the default `{default}`",
                            table.name, column.name
                        ),
                        hint,
                    });
                }
            }
        }
        Ok(())
    }

    fn lint_rules(&self) -> &'static [super::lint::Rule] {
        super::mysql_lint::RULES
    }

    fn lint(&self, statement: &super::lint::LintStatement<'_>) -> Vec<super::lint::Violation> {
        super::mysql_lint::lint(statement)
    }

    fn model_defaults(&self, schema: &mut Schema) {
        for table in schema.tables.values_mut() {
            if table.identity.is_none() && !table.no_identity {
                table.identity = auto_increment_column(table).map(str::to_owned);
                table.identity_kind = IdentityKind::ByDefault;
            }
            table.no_identity = false;
            table.autoincrement = false;
            table.serial.clear();
            table.serial_options.clear();
            for index in &mut table.indexes {
                let snapshot = table.columns.clone();
                let mut probe = Table::new(&table.name);
                probe.columns = snapshot;
                crate::sql::simplify_index(&probe, index);
            }
            // A column's `check = "..."` is a CHECK constraint of the table on MariaDB.
            let mut checks = Vec::new();
            for column in &mut table.columns {
                column.extra.retain(|clause| match clause.check_expr() {
                    Some(expr) => {
                        checks.push(TableConstraint {
                            name: None,
                            kind: ConstraintKind::Check {
                                expr: expr.to_owned(),
                                not_valid: false,
                            },
                            written: None,
                        });
                        false
                    }
                    None => true,
                });
            }
            table.table_constraints.extend(checks);
        }
    }

    fn normalize_table(&self, table: &mut Table) {
        // MariaDB names every primary key `PRIMARY`; a UNIQUE constraint is a unique index.
        table.primary_key_name = None;
        table.serial.clear();
        if table.comment.as_deref() == Some("") {
            table.comment = None;
        }
        for column in &mut table.columns {
            column.ty = canonical_type(&column.ty);
            // MariaDB's generated columns take no NOT NULL (they are as NULL as their
            // expression); the expression compares as MariaDB stores it, quotes aside.
            if let Some(generated) = &mut column.generated {
                column.nullable = true;
                generated.expr = crate::sql::comparable(&ansi_quoted(&generated.expr));
            }
            column.default = column
                .default
                .as_deref()
                .map(|d| normalize_default(d, &column.ty));
            if column.comment.as_deref() == Some("") {
                column.comment = None;
            }
        }
        for index in &mut table.indexes {
            index.constraint = false;
        }
        for fk in &mut table.foreign_keys {
            for action in [&mut fk.on_delete, &mut fk.on_update] {
                if *action == FkAction::Restrict {
                    *action = FkAction::NoAction;
                }
            }
        }
        for constraint in &mut table.table_constraints {
            constraint.written = None;
            if let ConstraintKind::Check { expr, .. } = &mut constraint.kind {
                *expr = ansi_quoted(expr);
            }
        }
    }

    fn render_type(&self, column: &Column) -> String {
        render_type(&column.ty)
    }

    fn render_default(&self, expr: &str) -> String {
        if crate::sql::is_literal_default(expr) || expr.eq_ignore_ascii_case("CURRENT_TIMESTAMP") {
            expr.to_owned()
        } else {
            format!("({expr})")
        }
    }

    fn quote(&self, ident: &str) -> String {
        format!("`{}`", ident.replace('`', "``"))
    }

    fn implicit_primary_key_name(&self, _table: &str) -> String {
        "PRIMARY".to_owned()
    }

    fn column_definition(&self, column: &Column) -> String {
        let mut s = format!("{} {}", self.quote(&column.name), self.render_type(column));
        if let Some(generated) = &column.generated {
            s.push_str(&format!(
                " GENERATED ALWAYS AS ({}) {}",
                generated.expr,
                if generated.stored {
                    "STORED"
                } else {
                    "VIRTUAL"
                }
            ));
        } else {
            s.push_str(if column.nullable {
                " NULL"
            } else {
                " NOT NULL"
            });
            if let Some(default) = &column.default {
                s.push_str(" DEFAULT ");
                let rendered = self.render_default(default);
                // MySQL: a TEXT, BLOB or JSON column takes an expression default only.
                if self.server.literal_default_on(&column.ty) || rendered.starts_with('(') {
                    s.push_str(&rendered);
                } else {
                    s.push_str(&format!("({rendered})"));
                }
            }
        }
        if let Some(comment) = &column.comment {
            s.push_str(" COMMENT ");
            s.push_str(&sql_string(comment));
        }
        s
    }

    /// Comments are part of the column's definition ([`Dialect::column_definition`]).
    fn column_comment(&self, _table: &str, _column: &Column) -> String {
        String::new()
    }

    fn comment_sql(&self, table: &str, column: Option<&str>, text: Option<&str>) -> String {
        let _ = column;
        format!(
            "ALTER TABLE {} COMMENT = {};\n",
            self.quote_table(table),
            sql_string(text.unwrap_or(""))
        )
    }

    fn create_table_column(&self, table: &Table, column: &Column) -> String {
        with_auto_increment(self.column_definition(column), table, &column.name)
    }

    fn create_table_primary_key(&self, table: &Table, _name: &str) -> String {
        format!("PRIMARY KEY ({})", self.quote_list(&table.primary_key))
    }

    fn render_create_table(&self, table: &Table) -> OpSql {
        let mut s = self.create_table(table, &table.name);
        if let Some(comment) = &table.comment {
            s.truncate(s.trim_end().trim_end_matches(';').len());
            s.push_str(&format!(" COMMENT = {};\n", sql_string(comment)));
        }
        for index in &table.indexes {
            s.push_str(&self.create_index(&table.name, index));
        }
        super::push_unmodeled(table, &mut s);
        Ok(s)
    }

    /// `MODIFY COLUMN` with the column's whole new definition (keeping its `AUTO_INCREMENT`).
    fn render_alter_column_of(
        &self,
        table: &str,
        _from: &Column,
        to: &Column,
        current: Option<&Table>,
    ) -> OpSql {
        Ok(self.modify_column(table, to, current))
    }

    /// `MODIFY COLUMN` takes no `USING`: the rows go through a staged column
    /// (`convert::staged_column_using`).
    fn render_converted_column(
        &self,
        table: &str,
        _from: &Column,
        to: &Column,
        using: &str,
        current: Option<&Table>,
    ) -> OpSql {
        super::convert::staged_column_using(self, table, to, using, current)
    }

    fn render_alter_primary_key(
        &self,
        table: &str,
        from: &[String],
        to: &[String],
        _current: Option<&Table>,
    ) -> OpSql {
        let mut parts = Vec::new();
        if !from.is_empty() {
            parts.push("DROP PRIMARY KEY".to_owned());
        }
        if !to.is_empty() {
            parts.push(format!("ADD PRIMARY KEY ({})", self.quote_list(to)));
        }
        if parts.is_empty() {
            return Ok(String::new());
        }
        Ok(format!(
            "ALTER TABLE {} {};\n",
            self.quote_table(table),
            parts.join(", ")
        ))
    }

    fn render_alter_identity(
        &self,
        table: &str,
        from: Option<&IdentityColumn>,
        to: Option<&IdentityColumn>,
        current: Option<&Table>,
    ) -> OpSql {
        if to.is_some_and(|t| t.kind != IdentityKind::ByDefault) {
            return Err(Unsupported::new(
                "MariaDB's AUTO_INCREMENT always accepts explicit values: remove `identity = \"always\"`",
            ));
        }
        let Some(current) = current else {
            return Err(Unsupported::new("the table is not known before the change"));
        };
        let mut s = String::new();
        for (change, on) in [(from, false), (to, true)] {
            let Some(change) = change else { continue };
            let Some(column) = current.column(&change.column) else {
                continue;
            };
            let mut def = self.column_definition(column);
            if on {
                def.push_str(" AUTO_INCREMENT");
            }
            s.push_str(&format!(
                "ALTER TABLE {} MODIFY COLUMN {def};\n",
                self.quote_table(table)
            ));
        }
        Ok(s)
    }

    fn render_drop_index(&self, table: &str, index: &Index) -> OpSql {
        Ok(format!(
            "DROP INDEX {} ON {};\n",
            self.quote(&index.name),
            self.quote_table(table)
        ))
    }

    fn render_rename_index(&self, table: &str, from: &Index, to: &Index) -> OpSql {
        if !self.server.renames_indexes() {
            return Ok(format!(
                "ALTER TABLE {} DROP INDEX {}, ADD {}INDEX {} ({});\n",
                self.quote_table(table),
                self.quote(&from.name),
                if to.unique { "UNIQUE " } else { "" },
                self.quote(&to.name),
                self.index_key_list(to)
            ));
        }
        Ok(format!(
            "ALTER TABLE {} RENAME INDEX {} TO {};\n",
            self.quote_table(table),
            self.quote(&from.name),
            self.quote(&to.name)
        ))
    }

    fn render_rename_constraint(&self, _table: &str, from: &str, to: &str) -> OpSql {
        Err(Unsupported::new(format!(
            "MariaDB cannot rename a constraint: drop `{from}` and add `{to}` (or keep the old name)"
        )))
    }

    /// The foreign key, and the index InnoDB created for it when no other index served (named
    /// after the key), so that a downgrade leaves no index the models do not have.
    fn render_drop_foreign_key(&self, table: &str, fk: &ForeignKey) -> OpSql {
        Ok(self.drop_foreign_key(table, fk, None, None))
    }

    fn foreign_key_clause(&self, fk: &ForeignKey) -> String {
        let mut s = format!(
            "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
            self.quote(&fk.name),
            self.quote_list(&fk.columns),
            self.quote_table(&fk.ref_table),
            self.quote_list(&fk.ref_columns)
        );
        for (clause, action) in [(" ON DELETE ", fk.on_delete), (" ON UPDATE ", fk.on_update)] {
            if action != FkAction::NoAction {
                s.push_str(clause);
                s.push_str(super::standard::fk_action(action));
            }
        }
        s
    }

    fn render_op_with(
        &self,
        op: &Op,
        current: Option<&Table>,
        options: &super::RenderOptions,
    ) -> Result<String, RenderError> {
        let _ = options;
        let unsupported = |hint: Unsupported| RenderError::Unsupported {
            dialect: self.name(),
            what: format!("render `{op}`"),
            hint: hint.hint,
        };
        match op {
            Op::DropForeignKey { table, fk } => Ok(self.drop_foreign_key(table, fk, current, None)),
            Op::RenameColumn { table, from, to } if !self.server.renames_columns() => {
                let column = current.and_then(|t| t.column(from)).ok_or_else(|| {
                    unsupported(Unsupported::new(format!(
                        "{} renames a column with its whole definition, and the column `{from}` \
                         is not known before the change",
                        self.server.describe()
                    )))
                })?;
                let renamed = Column {
                    name: to.clone(),
                    ..column.clone()
                };
                let mut def = self.column_definition(&renamed);
                if let Some(current) = current {
                    def = with_auto_increment(def, current, from);
                }
                Ok(format!(
                    "ALTER TABLE {} CHANGE COLUMN {} {def};\n",
                    self.quote_table(table),
                    self.quote(from)
                ))
            }
            Op::AlterComment {
                table,
                column: Some(name),
                to,
                ..
            } => {
                let column = current
                    .and_then(|t| t.column(name))
                    .ok_or_else(|| {
                        unsupported(Unsupported::new(format!(
                            "the column `{name}` is not known before the change"
                        )))
                    })?
                    .clone();
                let column = Column {
                    comment: to.clone(),
                    ..column
                };
                Ok(self.modify_column(table, &column, current))
            }
            Op::RenameConstraint { table, from, to } => {
                let hint = Unsupported::new(format!(
                    "MariaDB cannot rename the constraint `{from}`, and `{table}` has no foreign \
                     key or check of that name to drop and add again"
                ));
                let current = current.ok_or_else(|| unsupported(hint.clone()))?;
                self.rename_constraint(table, from, to, current)
                    .ok_or_else(|| unsupported(hint))
            }
            Op::AddTableConstraint { table, constraint } => Ok(format!(
                "ALTER TABLE {} ADD {};\n",
                self.quote_table(table),
                self.table_constraint_clause(constraint)
            )),
            Op::DropTableConstraint { table, constraint } => match &constraint.name {
                Some(name) => Ok(format!(
                    "ALTER TABLE {} {} {};\n",
                    self.quote_table(table),
                    self.drop_constraint(constraint),
                    self.quote(name)
                )),
                None => Err(unsupported(Unsupported::new(
                    "a constraint without a name cannot be dropped: name it in the model",
                ))),
            },
            _ => self.render_op(op, current),
        }
    }
}

/// `def` with ` AUTO_INCREMENT` when `column` is `table`'s identity.
pub(super) fn with_auto_increment(mut def: String, table: &Table, column: &str) -> String {
    if table.identity.as_deref() == Some(column) {
        def.push_str(" AUTO_INCREMENT");
    }
    def
}

/// The column that gets `AUTO_INCREMENT`: the only primary key column, when it is an integer.
pub(super) fn auto_increment_column(table: &Table) -> Option<&str> {
    match table.primary_key.as_slice() {
        [pk] => table
            .column(pk)
            .filter(|c| c.ty.is_integer())
            .map(|c| c.name.as_str()),
        _ => None,
    }
}

/// Whether `fk` is one MariaDB can hold: checked at once.
pub(super) fn deferrable(fk: &ForeignKey) -> bool {
    fk.deferrable != Deferrable::No
}

#[cfg(test)]
#[path = "mysql_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "mysql_versions_tests.rs"]
mod versions_tests;
