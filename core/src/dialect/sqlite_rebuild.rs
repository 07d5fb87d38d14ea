//! SQLite's table rebuild, for the changes its `ALTER TABLE` cannot make: the new shape under
//! a temporary name ([`REBUILD_PREFIX`]), the rows copied (through a `--using` expression where
//! one converts a column), a guard per retyped column that fails the run on a value the new
//! type cannot hold, the old table dropped, the new one renamed, its indexes and kept
//! definitions re-created. Part of [`super::Sqlite`]'s rendering.

use super::Sqlite;
use crate::dialect::{push_unmodeled, Dialect, RenderError};
use crate::ops::Op;
use crate::schema::{Schema, SqlType};

/// Prefix of the temporary table a rebuild creates.
pub const REBUILD_PREFIX: &str = "_retort_new_";

impl Sqlite {
    /// Rebuilds one table into the shape it has after `group`.
    pub(super) fn rebuild(
        &self,
        group: &[Op],
        state: &mut Schema,
        out: &mut String,
    ) -> Result<(), RenderError> {
        let name = group[0].table().to_owned();
        let Some(old) = state.get(&name).cloned() else {
            return Err(RenderError::Unsupported {
                dialect: self.name(),
                what: format!("alter table `{name}`"),
                hint: "the table does not exist at this point of the migration".into(),
            });
        };
        for op in group {
            op.apply(state);
        }
        // An alteration never removes its table; should it be gone, say so rather than panic.
        let Some(new) = state.get(&name).cloned() else {
            return Err(RenderError::Unsupported {
                dialect: self.name(),
                what: format!("alter table `{name}`"),
                hint: "the migration removes the table it alters".into(),
            });
        };
        let tmp = format!("{REBUILD_PREFIX}{name}");
        out.push_str(&format!(
            "-- SQLite cannot alter this in place: rebuild {} and copy its rows\n",
            self.quote(&name)
        ));
        // Dropping a table that others reference, with foreign keys ON, would run their
        // ON DELETE actions (cascading deletes). Retort's runner switches them off; a runner
        // that does not (diesel's own harness turns them on) is stopped here, before any change.
        let referenced = state
            .tables
            .values()
            .any(|t| t.name != name && t.foreign_keys.iter().any(|fk| fk.ref_table == name));
        if referenced {
            out.push_str(
                "CREATE TEMP TABLE \"_retort_guard\" (n INTEGER CONSTRAINT \"foreign keys must be OFF while SQLite rebuilds a referenced table: apply this migration with retort\" CHECK (n = 0));\n\
                 INSERT INTO \"_retort_guard\" SELECT foreign_keys FROM pragma_foreign_keys;\n\
                 DROP TABLE \"_retort_guard\";\n",
            );
        }
        // A kept table constraint over a column the models drop cannot apply any more: it
        // goes with the column (said in the script); the down migration's rebuild, which
        // brings the column back, brings it back too.
        let mut new = new;
        let gone: Vec<&str> = old
            .columns
            .iter()
            .filter(|c| new.column(&c.name).is_none())
            .map(|c| c.name.as_str())
            .collect();
        new.table_constraints.retain(|constraint| {
            let clause = self.table_constraint_clause(constraint);
            let Some(column) = gone.iter().find(|c| crate::sql::mentions(&clause, c)) else {
                return true;
            };
            out.push_str(&format!(
                "-- dropped with column '{column}': {}\n",
                clause.replace('\n', " ")
            ));
            false
        });
        out.push_str(&self.create_table(&new, &tmp));
        // An AUTOINCREMENT key keeps the largest id it ever gave: the copy below only raises it
        // to the largest id left, so ids of deleted rows would come back.
        if old.autoincrement && new.autoincrement {
            out.push_str(&format!(
                "INSERT INTO sqlite_sequence (name, seq) SELECT {}, seq FROM sqlite_sequence WHERE name = {};\n",
                string_literal(&tmp),
                string_literal(&name)
            ));
        }
        // Generated columns compute their values: they are not copied.
        let copied: Vec<String> = new
            .columns
            .iter()
            .filter(|c| old.column(&c.name).is_some())
            .filter(|c| c.generated.is_none())
            .filter(|c| !c.extra.iter().any(|e| e.is_generated()))
            .map(|c| c.name.clone())
            .collect();
        if !copied.is_empty() {
            // A column a `--using` expression converts is copied through it.
            let select: Vec<String> = copied
                .iter()
                .map(
                    |c| match crate::dialect::convert::copy_expression(group, &name, c) {
                        Some(expr) => format!("({expr}) AS {}", self.quote(c)),
                        None => self.quote(c),
                    },
                )
                .collect();
            out.push_str(&format!(
                "INSERT INTO {} ({}) SELECT {} FROM {};\n",
                self.quote(&tmp),
                self.quote_list(&copied),
                select.join(", "),
                self.quote(&name)
            ));
        }
        // SQLite stores any value in any column: a type change must not quietly keep values
        // the new type cannot hold. Each guard fails the run when a copied value does not fit.
        for column in &new.columns {
            let Some(before) = old.column(&column.name) else {
                continue;
            };
            if before.ty == column.ty {
                continue;
            }
            if let Some(bad) = misfit_condition(&self.quote(&column.name), &column.ty) {
                // The constraint's name is SQLite's whole error: it says the fix.
                let (col, ty) = (&column.name, &column.ty);
                let label =
                    if crate::dialect::convert::copy_expression(group, &name, col).is_some() {
                        format!(
                        "{name}.{col} holds values that are not {ty} after its conversion: fix \
                         the conversion's expression (regenerate the revision with another \
                         --using {name}.{col}=EXPR, or --using-down for down.sql), or clean \
                         those rows first"
                    )
                    } else {
                        format!(
                            "{name}.{col} holds values that are not {ty}: regenerate the revision \
                         with --using {name}.{col}=EXPR converting them (and --using-down \
                         {name}.{col}=EXPR for down.sql), or clean those rows first"
                        )
                    }
                    .replace('"', "");
                out.push_str(&format!(
                    "CREATE TEMP TABLE \"_retort_guard\" (n INTEGER CONSTRAINT \"{label}\" CHECK (n = 0));\n\
                     INSERT INTO \"_retort_guard\" SELECT count(*) FROM {} WHERE {bad};\n\
                     DROP TABLE \"_retort_guard\";\n",
                    self.quote(&tmp)
                ));
            }
        }
        out.push_str(&format!("DROP TABLE {};\n", self.quote(&name)));
        // Legacy rename: views and triggers that name the table are not re-checked while it
        // is briefly missing, and they find it again under its old name afterwards.
        out.push_str("PRAGMA legacy_alter_table = ON;\n");
        out.push_str(&format!(
            "ALTER TABLE {} RENAME TO {};\n",
            self.quote(&tmp),
            self.quote(&name)
        ));
        out.push_str("PRAGMA legacy_alter_table = OFF;\n");
        for index in &new.indexes {
            out.push_str(&self.create_index(&name, index));
        }
        push_unmodeled(&new, out);
        Ok(())
    }
}

/// `text` as an SQL string literal.
fn string_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The SQL condition true for a stored value (after the new column's type affinity) that the
/// type cannot hold, for the types where SQLite would otherwise keep it silently.
fn misfit_condition(col: &str, ty: &SqlType) -> Option<String> {
    let range = |lo: i64, hi: i64| {
        format!("(typeof({col}) NOT IN ('integer', 'null') OR {col} NOT BETWEEN {lo} AND {hi})")
    };
    match ty {
        SqlType::SmallInt => Some(range(i16::MIN.into(), i16::MAX.into())),
        SqlType::Integer => Some(range(i32::MIN.into(), i32::MAX.into())),
        SqlType::BigInt => Some(format!("typeof({col}) NOT IN ('integer', 'null')")),
        SqlType::Real | SqlType::Double | SqlType::Numeric { .. } => {
            Some(format!("typeof({col}) NOT IN ('integer', 'real', 'null')"))
        }
        SqlType::Boolean => Some(format!(
            "(typeof({col}) NOT IN ('integer', 'null') OR {col} NOT IN (0, 1))"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff;
    use crate::schema::{Column, Table};

    fn normalized(tables: Vec<Table>) -> Schema {
        let mut s = Schema::new();
        tables.into_iter().for_each(|t| s.insert(t));
        Sqlite.normalize(&mut s);
        s
    }

    #[test]
    fn a_rebuild_keeps_the_tables_own_clauses() {
        use diesel::connection::SimpleConnection;
        use diesel::Connection as _;
        let mut conn = diesel::sqlite::SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute(
            "CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL,
                   title TEXT NOT NULL COLLATE NOCASE CHECK (title <> ''), pages TEXT,
                   twice INTEGER GENERATED ALWAYS AS (author_id * 2) STORED,
                   CONSTRAINT one_title UNIQUE (author_id, title), CHECK (pages <> '0')) STRICT;
                 INSERT INTO books (id, author_id, title, pages) VALUES (1, 7, 'A', '12');",
        )
        .unwrap();
        let mut before = crate::backend::sqlite::introspect::introspect(&mut conn).unwrap();
        Sqlite.normalize(&mut before);
        let books = &before.tables["books"];
        assert!(books.options.strict && !books.options.without_rowid);
        assert_eq!(
            books
                .table_constraints
                .iter()
                .map(|c| Sqlite.table_constraint_clause(c))
                .collect::<Vec<_>>(),
            [
                "CONSTRAINT one_title UNIQUE (author_id, title)",
                "CHECK (pages <> '0')"
            ]
        );
        assert_eq!(
            books.columns[2].extra,
            ["COLLATE NOCASE", "CHECK (title <> '')"]
        );
        assert_eq!(books.columns.len(), 5, "the generated column is read");
        // The models change a type and drop nothing (they own the table constraints, so these
        // models declare them): every clause stays, rows are copied.
        let mut model = books.clone();
        model.options = Default::default();
        // A column's COLLATE and GENERATED are not compared; its CHECK is the models' too.
        model
            .columns
            .iter_mut()
            .for_each(|c| c.extra.retain(|x| x.is_constraint()));
        model.columns[3].ty = SqlType::Integer;
        let mut after = Schema::new();
        after.insert(model);
        let ops = diff(&before, &after);
        assert_eq!(ops.len(), 1, "{ops:?}");
        let sql = Sqlite.render(&ops, &before).unwrap();
        conn.batch_execute(&format!("BEGIN; {sql} COMMIT;"))
            .unwrap();
        let mut now = crate::backend::sqlite::introspect::introspect(&mut conn).unwrap();
        Sqlite.normalize(&mut now);
        let mut expected = books.clone();
        expected.columns[3].ty = SqlType::Integer;
        assert_eq!(now.tables["books"], expected);
        for bad in [
            "INSERT INTO books (id, author_id, title) VALUES (2, 7, 'a')",
            "INSERT INTO books (id, author_id, title) VALUES (2, 7, '')",
            "INSERT INTO books (id, author_id, title, pages) VALUES (2, 8, 'b', 0)",
            "INSERT INTO books (id, author_id, title, pages) VALUES (2, 8, 'b', 'x')",
        ] {
            assert!(conn.batch_execute(bad).is_err(), "{bad}");
        }
        // The down migration restores the type and keeps everything again.
        let mut back_from = now.clone();
        let down = Sqlite
            .render(&crate::ops::reverse_all(&ops), &back_from)
            .unwrap();
        conn.batch_execute(&format!("BEGIN; {down} COMMIT;"))
            .unwrap();
        back_from = crate::backend::sqlite::introspect::introspect(&mut conn).unwrap();
        Sqlite.normalize(&mut back_from);
        assert_eq!(back_from.tables["books"], *books);
        // Models without a column and the constraint over it: both go, in one rebuild, and the
        // constraint's removal says so.
        let mut model = after.tables["books"].clone();
        model.columns.retain(|c| c.name != "pages");
        model
            .table_constraints
            .retain(|c| !Sqlite.table_constraint_clause(c).contains("pages"));
        let mut fewer = Schema::new();
        fewer.insert(model);
        let sql = Sqlite
            .render(&diff(&back_from, &fewer), &back_from)
            .unwrap();
        assert!(
            sql.contains("-- removed check (pages <> '0') on 'books'"),
            "{sql}"
        );
        conn.batch_execute(&format!("BEGIN; {sql} COMMIT;"))
            .unwrap();
    }

    #[test]
    fn a_type_change_refuses_values_the_new_type_cannot_hold() {
        use diesel::connection::SimpleConnection;
        use diesel::Connection as _;
        let mut t = Table::new("things");
        t.columns.push(Column::new("id", SqlType::BigInt, false));
        t.columns.push(Column::new("v", SqlType::Text, true));
        t.primary_key = vec!["id".into()];
        let before = normalized(vec![t.clone()]);
        t.columns[1].ty = SqlType::SmallInt;
        let after = normalized(vec![t]);
        let sql = Sqlite.render(&diff(&before, &after), &before).unwrap();
        let run = |rows: &str| {
            let mut conn = diesel::sqlite::SqliteConnection::establish(":memory:").unwrap();
            let create = Sqlite
                .render(&diff(&Schema::new(), &before), &Schema::new())
                .unwrap();
            conn.batch_execute(&create).unwrap();
            conn.batch_execute(rows).unwrap();
            conn.batch_execute(&format!("BEGIN; {sql} COMMIT;"))
        };
        // Text that reads as a small integer converts; anything else stops the rebuild.
        run("INSERT INTO things VALUES (1, '12'), (2, NULL);").unwrap();
        let err = run("INSERT INTO things VALUES (1, 'abc');")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("things.v holds values that are not SMALLINT"),
            "{err}"
        );
        assert!(run("INSERT INTO things VALUES (1, '99999');").is_err());
    }
}
