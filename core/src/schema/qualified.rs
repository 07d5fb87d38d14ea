//! Tables outside the connection's default schema (PostgreSQL `#[model(schema = "billing")]`).
//!
//! The schema model keys such a table by its qualified name, `billing.invoices`: that is its
//! [`super::Table::name`], the `table` of every op on it and a foreign key's `ref_table`. A name
//! without a dot is a table of the default schema (the connection's `--schema`, `public` unless
//! set). Schema names are plain identifiers (the derive refuses others), so the qualified name
//! splits at its first dot; a default-schema table whose own name contains a dot is read as
//! qualified (unsupported alongside schemas, see README).

use super::Schema;

/// `(Some(schema), table)` for `schema.table`, `(None, name)` for a default-schema table.
pub fn split_qualified(name: &str) -> (Option<&str>, &str) {
    match name.split_once('.') {
        Some((schema, table)) if is_plain_identifier(schema) && !table.is_empty() => {
            (Some(schema), table)
        }
        _ => (None, name),
    }
}

/// The table's name without its schema: `invoices` for `billing.invoices`.
pub fn bare_name(name: &str) -> &str {
    split_qualified(name).1
}

/// The key of `table` in `schema`: `schema.table`, or `table` itself for `None`.
pub fn qualified_name(schema: Option<&str>, table: &str) -> String {
    match schema {
        Some(schema) => format!("{schema}.{table}"),
        None => table.to_owned(),
    }
}

fn is_plain_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Schema {
    /// The schemas other than the default one that the tables live in, sorted, each once.
    pub fn other_schemas(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .tables
            .keys()
            .filter_map(|name| split_qualified(name).0.map(str::to_owned))
            .collect();
        out.dedup();
        out.sort();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Table;

    #[test]
    fn qualified_names_split_at_the_schema() {
        assert_eq!(
            split_qualified("billing.invoices"),
            (Some("billing"), "invoices")
        );
        assert_eq!(split_qualified("invoices"), (None, "invoices"));
        assert_eq!(split_qualified("9x.y"), (None, "9x.y"));
        assert_eq!(bare_name("billing.invoices"), "invoices");
        assert_eq!(qualified_name(Some("a"), "t"), "a.t");
        let mut schema = Schema::new();
        for name in ["b.x", "a.y", "z", "b.w"] {
            schema.insert(Table::new(name));
        }
        assert_eq!(schema.other_schemas(), ["a", "b"]);
    }
}

#[cfg(test)]
mod plan_tests {
    use crate::autogen::plan_between;
    use crate::dialect::{Postgres, Sqlite};
    use crate::ops::Op;
    use crate::schema::{Column, ForeignKey, Index, Schema, SqlType, Table};

    fn table(name: &str) -> Table {
        let mut t = Table::new(name);
        t.columns.push(Column::new("id", SqlType::BigInt, false));
        t.columns.push(Column::new("n", SqlType::Integer, false));
        t.primary_key = vec!["id".into()];
        t
    }

    /// `billing.invoices` with an index, and `payments` referencing it.
    fn target() -> Schema {
        let mut invoices = table("billing.invoices");
        invoices.indexes.push(Index {
            name: "ix_invoices_n".into(),
            columns: vec!["n".into()],
            ..Index::default()
        });
        let mut payments = table("payments");
        payments.foreign_keys.push(ForeignKey {
            name: "fk_payments_n_invoices".into(),
            columns: vec!["n".into()],
            ref_table: "billing.invoices".into(),
            ref_columns: vec!["id".into()],
            on_delete: Default::default(),
            on_update: Default::default(),
            deferrable: Default::default(),
        });
        let mut s = Schema::new();
        s.insert(invoices);
        s.insert(payments);
        s
    }

    #[test]
    fn a_missing_schema_is_created_first_and_dropped_last() {
        let plan = plan_between(&Postgres, &Schema::new(), &target()).unwrap();
        assert_eq!(
            plan.ops[0],
            Op::CreateSchema {
                name: "billing".into()
            }
        );
        assert!(plan
            .up_sql
            .starts_with("-- added schema 'billing'\nCREATE SCHEMA \"billing\";\n"));
        assert!(plan
            .up_sql
            .contains("CREATE TABLE \"billing\".\"invoices\" ("));
        assert!(plan
            .up_sql
            .contains("CREATE INDEX \"ix_invoices_n\" ON \"billing\".\"invoices\" (\"n\");"));
        assert!(plan
            .up_sql
            .contains("REFERENCES \"billing\".\"invoices\" (\"id\")"));
        assert!(
            plan.down_sql.ends_with("DROP SCHEMA \"billing\";\n\n"),
            "{}",
            plan.down_sql
        );
        // Deterministic.
        assert_eq!(
            plan,
            plan_between(&Postgres, &Schema::new(), &target()).unwrap()
        );
    }

    #[test]
    fn an_existing_schema_is_not_created_and_indexes_drop_qualified() {
        let mut current = target();
        current.schemas.insert("billing".into());
        // As introspection reads the identity columns the models get.
        for t in current.tables.values_mut() {
            t.identity = Some("id".into());
        }
        let mut want = target();
        want.tables
            .get_mut("billing.invoices")
            .unwrap()
            .indexes
            .clear();
        let plan = plan_between(&Postgres, &current, &want).unwrap();
        assert_eq!(plan.ops.len(), 1, "{:?}", plan.ops);
        assert!(plan
            .up_sql
            .contains("DROP INDEX \"billing\".\"ix_invoices_n\";"));
        assert!(plan
            .down_sql
            .contains("CREATE INDEX \"ix_invoices_n\" ON \"billing\".\"invoices\" (\"n\");"));
    }

    #[test]
    fn sqlite_refuses_a_model_in_a_schema() {
        let err = plan_between(&Sqlite, &Schema::new(), &target())
            .unwrap_err()
            .to_string();
        assert!(err.contains("SQLite has no schemas"), "{err}");
        assert!(err.contains("schema = \"billing\""), "{err}");
    }

    #[test]
    fn long_names_are_cut_without_the_schema() {
        let long = "t".repeat(70);
        let plan = plan_between(&Postgres, &Schema::new(), &{
            let mut s = Schema::new();
            s.insert(table(&format!("billing.{long}")));
            s
        })
        .unwrap();
        let cut = "t".repeat(63);
        assert!(
            plan.up_sql
                .contains(&format!("CREATE TABLE \"billing\".\"{cut}\" (")),
            "{}",
            plan.up_sql
        );
    }

    #[test]
    fn a_qualified_renamed_from_moves_the_table_and_down_moves_it_back() {
        let mut current = Schema::new();
        let mut old = table("invoices");
        old.identity = Some("id".into());
        current.insert(old);
        let mut moved = table("billing.bills");
        moved.renamed_from = Some("invoices".into());
        let mut want = Schema::new();
        want.insert(moved);
        let plan = plan_between(&Postgres, &current, &want).unwrap();
        assert!(
            plan.up_sql.contains(
                "ALTER TABLE \"invoices\" SET SCHEMA \"billing\";\n\
                 ALTER TABLE \"billing\".\"invoices\" RENAME TO \"bills\";\n"
            ),
            "{}",
            plan.up_sql
        );
        assert!(
            plan.down_sql.contains(
                "DO $$ BEGIN EXECUTE format('ALTER TABLE %s SET SCHEMA %I', \
                 '\"billing\".\"bills\"', current_schema()); END $$;\n\
                 ALTER TABLE \"bills\" RENAME TO \"invoices\";\n"
            ),
            "{}",
            plan.down_sql
        );
    }

    #[test]
    fn a_move_without_renamed_from_hints_the_qualified_old_name() {
        let mut current = Schema::new();
        let mut old = table("invoices");
        old.identity = Some("id".into());
        current.insert(old);
        let mut want = Schema::new();
        want.insert(table("billing.invoices"));
        let plan = plan_between(&Postgres, &current, &want).unwrap();
        assert_eq!(
            plan.hints,
            [
                "hint: if table 'billing.invoices' is table 'invoices' renamed, add \
              #[model(renamed_from = \"<default schema>.invoices\")] to its model \
              (<default schema>: public unless --schema names another)"
            ]
        );
    }
}
