//! Conversions on type changes: `--using TABLE.COLUMN=EXPR` and `--using-down
//! TABLE.COLUMN=EXPR` (PostgreSQL's `ALTER COLUMN ... TYPE ... USING`, Alembic's
//! `postgresql_using`).
//!
//! - [`Using`] parses the flags; [`apply`] puts each expression into the
//!   [`Op::AlterColumn`] whose type change it converts ([`crate::ops::Conversion`]: the op
//!   carries its reverse's expression too, so down.sql converts back with `--using-down`). A
//!   flag naming a column whose type the migration does not change is an error naming it.
//! - [`needs_using`] finds the type changes the database does not convert by itself in
//!   either direction (PostgreSQL: no implicit or assignment cast, asked of the server;
//!   SQLite and MariaDB convert every change), which `autogenerate` refuses without the flag.

use std::fmt;

use crate::db::{Connection, DbError};
use crate::ops::Op;
use crate::schema::{Column, SqlType};

/// `--using` (or, `down`, `--using-down`) `TABLE.COLUMN=EXPR`: the SQL expression over the
/// column, named as the models name it, that gives each row's value in the other type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Using {
    /// Name of the table (`schema.table` for a table of another schema).
    pub table: String,
    /// Name of the column.
    pub column: String,
    /// The SQL expression, verbatim.
    pub expr: String,
    /// True for `--using-down`: the downgrade's conversion back.
    pub down: bool,
}

impl Using {
    /// Parses `TABLE.COLUMN=EXPR` given to `--using` (`down`: `--using-down`).
    pub fn parse(given: &str, down: bool) -> Result<Using, ConvertError> {
        let bad = |why: &str| ConvertError::Bad {
            flag: flag(down),
            given: given.to_owned(),
            why: why.to_owned(),
        };
        let (table, column, expr) = crate::safety::column_expression(given).map_err(bad)?;
        Ok(Using {
            table: table.to_owned(),
            column: column.to_owned(),
            expr: expr.to_owned(),
            down,
        })
    }

    /// `table.column`.
    pub fn target(&self) -> String {
        format!("{}.{}", self.table, self.column)
    }
}

impl fmt::Display for Using {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}={}", flag(self.down), self.target(), self.expr)
    }
}

fn flag(down: bool) -> &'static str {
    if down {
        "--using-down"
    } else {
        "--using"
    }
}

/// A `--using` or `--using-down` that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConvertError {
    /// Not of the form `TABLE.COLUMN=EXPR`.
    #[error(
        "{flag} {given}: {why}; expected {flag} TABLE.COLUMN=SQL_EXPRESSION, the expression \
         naming the column (e.g. {flag} \"orders.qty=CAST(qty AS INTEGER)\")"
    )]
    Bad {
        /// The flag.
        flag: &'static str,
        /// The argument as given.
        given: String,
        /// What is wrong with it.
        why: String,
    },
    /// Names a column whose type the migration does not change.
    #[error(
        "{flag} {column}: this migration does not change the type of '{column}', so there is \
         nothing to convert; {}",
        changed_text(changed)
    )]
    NoTypeChange {
        /// The flag.
        flag: &'static str,
        /// `table.column`, as given.
        column: String,
        /// The `table.column`s whose type the migration changes.
        changed: Vec<String>,
    },
    /// The same column twice for one flag.
    #[error("{flag} is given twice for {column}: give one expression per column")]
    Twice {
        /// The flag.
        flag: &'static str,
        /// `table.column`.
        column: String,
    },
}

fn changed_text(changed: &[String]) -> String {
    if changed.is_empty() {
        "it changes no column's type".to_owned()
    } else {
        format!(
            "the columns whose type it changes are {}",
            changed.join(", ")
        )
    }
}

/// The `table.column` an op changes the type of, if it does.
fn type_change(op: &Op) -> Option<(&str, &str)> {
    match op {
        Op::AlterColumn {
            table, from, to, ..
        } if from.ty != to.ty => Some((table, &to.name)),
        _ => None,
    }
}

/// `ops` with each `--using` (`--using-down`) expression in the [`Op::AlterColumn`] that
/// changes the type of its column. One that names no such column, or a column twice, is an
/// error.
pub fn apply(mut ops: Vec<Op>, usings: &[Using]) -> Result<Vec<Op>, ConvertError> {
    for (i, u) in usings.iter().enumerate() {
        if usings[..i]
            .iter()
            .any(|a| a.down == u.down && a.table == u.table && a.column == u.column)
        {
            return Err(ConvertError::Twice {
                flag: flag(u.down),
                column: u.target(),
            });
        }
    }
    for u in usings {
        let found = ops
            .iter_mut()
            .find(|op| type_change(op) == Some((u.table.as_str(), u.column.as_str())));
        let Some(Op::AlterColumn { conversion, .. }) = found else {
            return Err(ConvertError::NoTypeChange {
                flag: flag(u.down),
                column: u.target(),
                changed: ops
                    .iter()
                    .filter_map(type_change)
                    .map(|(t, c)| format!("{t}.{c}"))
                    .collect(),
            });
        };
        let slot = if u.down {
            &mut conversion.reverse_using
        } else {
            &mut conversion.using
        };
        *slot = Some(u.expr.clone());
    }
    Ok(ops)
}

/// A type change the database does not make by itself, with no expression to convert the rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedsUsing {
    /// Name of the table.
    pub table: String,
    /// Name of the column.
    pub column: String,
    /// The type its rows hold before this direction's change.
    pub from: SqlType,
    /// The type they must become.
    pub to: SqlType,
    /// True for the downgrade's change back (`--using-down`).
    pub down: bool,
    /// The backend's name, for the message.
    pub backend: &'static str,
    /// A plain cast to suggest as a starting point (`"qty"::INTEGER`), which the user accepts
    /// explicitly with the flag and which fails the run on a row it does not convert; `None`
    /// where the backend writes none.
    pub cast: Option<String>,
}

impl fmt::Display for NeedsUsing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            table,
            column,
            from,
            to,
            down,
            backend,
            cast,
        } = self;
        let flag = if *down { "--using-down" } else { "--using" };
        if *down {
            write!(
                f,
                "down.sql changes column '{table}.{column}' back from {from} (the type its rows \
                 hold after the upgrade) to {to}, which {backend} does not convert by itself: \
                 pass --using-down {table}.{column}=<SQL expression over {column} giving {to}>"
            )?;
        } else {
            write!(
                f,
                "column '{table}.{column}' changes type from {from} (the type its rows hold now) \
                 to {to}, which {backend} does not convert by itself: pass --using \
                 {table}.{column}=<SQL expression over {column} giving {to}>"
            )?;
        }
        if let Some(cast) = cast {
            write!(
                f,
                " (a plain cast to start from: {flag} '{table}.{column}={}', which fails the \
                 {} on a row it does not convert)",
                cast.replace('\'', "'\\''"),
                if *down { "downgrade" } else { "upgrade" }
            )?;
        }
        Ok(())
    }
}

/// The cast the dialect's own `ALTER COLUMN ... TYPE ... USING` would use (`"qty"::INTEGER`),
/// as a starting point for a `--using` the user accepts explicitly.
fn plain_cast(
    dialect: &dyn crate::dialect::Dialect,
    table: &str,
    from: &Column,
    to: &Column,
) -> Option<String> {
    let sql = dialect.alter_column_type(table, from, to);
    let (_, cast) = sql.split_once(" USING ")?;
    Some(cast.trim_end().trim_end_matches(';').to_owned())
}

/// The type changes of `ops`, in either direction, that have no expression and that the
/// connected database does not convert by itself ([`Connection::converts_implicitly`]).
/// A generated column is computed again, never converted.
pub fn needs_using(conn: &mut Connection, ops: &[Op]) -> Result<Vec<NeedsUsing>, DbError> {
    let backend = conn.dialect().name();
    let mut pairs = Vec::new();
    let mut needs = Vec::new();
    for op in ops {
        let Op::AlterColumn {
            table,
            from,
            to,
            conversion,
        } = op
        else {
            continue;
        };
        if from.ty == to.ty || from.generated.is_some() || to.generated.is_some() {
            continue;
        }
        for (given, down, (a, b)) in [
            (&conversion.using, false, (from, to)),
            (&conversion.reverse_using, true, (to, from)),
        ] {
            if given.is_none() {
                pairs.push((a.clone(), b.clone()));
                needs.push(NeedsUsing {
                    table: table.clone(),
                    column: to.name.clone(),
                    from: a.ty.clone(),
                    to: b.ty.clone(),
                    down,
                    backend,
                    cast: plain_cast(conn.dialect(), table, a, b),
                });
            }
        }
    }
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    let converts = conn.converts_implicitly(&pairs)?;
    Ok(needs
        .into_iter()
        .zip(converts)
        .filter(|(_, converts)| !converts)
        .map(|(need, _)| need)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retype(column: &str, from: SqlType, to: SqlType) -> Op {
        Op::alter_column(
            "orders",
            Column::new(column, from, true),
            Column::new(column, to, true),
        )
    }

    #[test]
    fn arguments_parse_or_say_the_expected_form() {
        let u = Using::parse("orders.qty = CAST(qty AS INTEGER)", false).unwrap();
        assert_eq!(
            (u.table.as_str(), u.column.as_str(), u.expr.as_str()),
            ("orders", "qty", "CAST(qty AS INTEGER)")
        );
        let u = Using::parse("billing.invoices.total=total = 1", true).unwrap();
        assert_eq!(
            (u.table.as_str(), u.expr.as_str()),
            ("billing.invoices", "total = 1")
        );
        assert_eq!(
            u.to_string(),
            "--using-down billing.invoices.total=total = 1"
        );
        for (bad, why) in [
            ("orders.qty", "there is no `=`"),
            ("qty=1", "the column is not qualified by its table"),
            (".qty=1", "the table or column name is empty"),
            ("orders.qty= ", "the SQL expression after `=` is empty"),
        ] {
            let e = Using::parse(bad, false).unwrap_err().to_string();
            assert_eq!(
                e,
                format!(
                    "--using {bad}: {why}; expected --using TABLE.COLUMN=SQL_EXPRESSION, the \
                     expression naming the column (e.g. --using \"orders.qty=CAST(qty AS INTEGER)\")"
                )
            );
        }
    }

    #[test]
    fn expressions_go_into_their_type_change_and_reverse_with_it() {
        let ops = vec![
            retype("qty", SqlType::Text, SqlType::Integer),
            Op::alter_column(
                "orders",
                Column::new("note", SqlType::Text, true),
                Column::new("note", SqlType::Text, false),
            ),
        ];
        let usings = [
            Using::parse("orders.qty=qty::integer", false).unwrap(),
            Using::parse("orders.qty=qty::text", true).unwrap(),
        ];
        let converted = apply(ops.clone(), &usings).unwrap();
        let Op::AlterColumn { conversion, .. } = &converted[0] else {
            panic!("{converted:?}")
        };
        assert_eq!(conversion.using.as_deref(), Some("qty::integer"));
        assert_eq!(conversion.reverse_using.as_deref(), Some("qty::text"));
        let Op::AlterColumn { conversion, .. } = converted[0].reverse() else {
            panic!()
        };
        assert_eq!(conversion.using.as_deref(), Some("qty::text"));
        assert_eq!(converted[1], ops[1]);
        assert_eq!(
            converted[0].to_string(),
            "altered column 'orders.qty': type TEXT -> INTEGER (rows converted by `qty::integer`)"
        );

        let e = apply(
            ops.clone(),
            &[Using::parse("orders.note=lower(note)", false).unwrap()],
        );
        assert_eq!(
            e.unwrap_err().to_string(),
            "--using orders.note: this migration does not change the type of 'orders.note', so \
             there is nothing to convert; the columns whose type it changes are orders.qty"
        );
        let e = apply(vec![], &[Using::parse("orders.qty=1", true).unwrap()]);
        assert_eq!(
            e.unwrap_err().to_string(),
            "--using-down orders.qty: this migration does not change the type of 'orders.qty', \
             so there is nothing to convert; it changes no column's type"
        );
        let twice = [usings[0].clone(), usings[0].clone()];
        assert_eq!(
            apply(ops, &twice).unwrap_err().to_string(),
            "--using is given twice for orders.qty: give one expression per column"
        );
    }

    #[test]
    fn postgres_alters_the_type_using_the_expression_and_sqlite_copies_through_it() {
        use crate::dialect::{Dialect, Postgres, Sqlite};
        use crate::schema::{Schema, Table};
        let mut t = Table::new("orders");
        t.columns.push(Column::new("id", SqlType::BigInt, false));
        let mut qty = Column::new("qty", SqlType::Text, true);
        qty.default = Some("'0'".into());
        t.columns.push(qty.clone());
        t.primary_key = vec!["id".into()];
        let mut before = Schema::new();
        before.insert(t);
        let mut to = Column::new("qty", SqlType::Integer, false);
        to.default = Some("0".into());
        let op = Op::AlterColumn {
            table: "orders".into(),
            from: qty,
            to,
            conversion: crate::ops::Conversion {
                using: Some("CAST(substring(qty from '[0-9]+') AS integer)".into()),
                reverse_using: Some("qty || ' pcs'".into()),
            },
        };
        let up = Postgres.render(std::slice::from_ref(&op), &before).unwrap();
        assert_eq!(
            up,
            "-- altered column 'orders.qty': type TEXT -> INTEGER, now NOT NULL, default '0' -> 0 \
             (rows converted by `CAST(substring(qty from '[0-9]+') AS integer)`)\n\
             ALTER TABLE \"orders\" ALTER COLUMN \"qty\" DROP DEFAULT;\n\
             ALTER TABLE \"orders\" ALTER COLUMN \"qty\" TYPE INTEGER USING \
             CAST(substring(qty from '[0-9]+') AS integer);\n\
             ALTER TABLE \"orders\" ALTER COLUMN \"qty\" SET DEFAULT 0;\n\
             ALTER TABLE \"orders\" ALTER COLUMN \"qty\" SET NOT NULL;\n\n"
        );
        let mut after = before.clone();
        op.apply(&mut after);
        let down = Postgres.render(&[op.reverse()], &after).unwrap();
        assert!(down.contains("TYPE TEXT USING qty || ' pcs';\n"), "{down}");
        // SQLite: the rebuild's copy selects the expression for the column, both ways.
        let up = Sqlite.render(std::slice::from_ref(&op), &before).unwrap();
        assert!(
            up.contains(
                "INSERT INTO \"_retort_new_orders\" (\"id\", \"qty\") SELECT \"id\", \
                 (CAST(substring(qty from '[0-9]+') AS integer)) AS \"qty\" FROM \"orders\";"
            ),
            "{up}"
        );
        let down = Sqlite.render(&[op.reverse()], &after).unwrap();
        assert!(down.contains("(qty || ' pcs') AS \"qty\""), "{down}");
    }

    #[test]
    fn mariadb_refuses_to_stage_a_column_its_key_needs() {
        use crate::dialect::{Dialect, MySql};
        use crate::schema::{Schema, Table};
        let mut t = Table::new("orders");
        t.columns.push(Column::new("code", SqlType::Text, false));
        t.primary_key = vec!["code".into()];
        let mut before = Schema::new();
        before.insert(t);
        let mut op = retype("code", SqlType::Text, SqlType::Integer);
        if let Op::AlterColumn { conversion, .. } = &mut op {
            conversion.using = Some("CAST(code AS INTEGER)".into());
        }
        let e = MySql.render(&[op], &before).unwrap_err().to_string();
        assert!(
            e.contains(
                "--using converts 'orders.code' through a new column that then takes its place, \
                 and the primary key needs the column all along"
            ),
            "{e}"
        );
    }
}
