//! PostgreSQL schemas (`#[model(schema = "billing")]`, issue 16): tables keyed `schema.table`,
//! the schema created first and dropped last by the downgrade, foreign keys across schemas.

use crate::{case, Backends, Outcome};

case! {
    /// A model in a new schema and a public model referencing it: `CREATE SCHEMA` first, the
    /// tables and keys qualified; down drops the tables, then the schema.
    create_schema_and_tables {
        seed: "INSERT INTO users (id, name) VALUES (1, 'ann'), (2, 'bob');",
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        pub struct User { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct User { pub id: i64, pub name: String }
        /// Money owed.
        #[derive(Model)]
        #[model(schema = "billing", index(columns("user_id", "total")))]
        pub struct Invoice {
            pub id: i64,
            #[model(references = "users.id", on_delete = "cascade")]
            pub user_id: i64,
            /// In cents.
            #[model(default = "0")]
            pub total: i64,
            #[model(unique, max_length = 20)]
            pub number: String,
        }
        #[derive(Model)]
        pub struct Payment {
            pub id: i64,
            #[model(references = "billing.invoices.id", index)]
            pub invoice_id: i64,
        }
    }
}

case! {
    /// Tables of an existing schema change in place: a column, an index, a unique constraint
    /// and a foreign key to another table of the schema, each qualified; rows stay.
    alter_tables_in_schema {
        seed: "INSERT INTO billing.customers (id) VALUES (1); \
               INSERT INTO billing.invoices (id, customer_id, total) VALUES (7, 1, 100);",
        backends: Backends::Postgres,
        flags: &["--allow-rewrite"],
    }
    before {
        #[derive(Model)]
        #[model(schema = "billing")]
        pub struct Customer { pub id: i64 }
        #[derive(Model)]
        #[model(schema = "billing")]
        pub struct Invoice { pub id: i64, pub customer_id: i64, pub total: i32 }
    }
    after {
        #[derive(Model)]
        #[model(schema = "billing")]
        pub struct Customer { pub id: i64 }
        #[derive(Model)]
        #[model(schema = "billing", unique(columns("customer_id", "note")))]
        pub struct Invoice {
            pub id: i64,
            #[model(references = "billing.customers.id")]
            pub customer_id: i64,
            #[model(index)]
            pub total: i64,
            pub note: Option<String>,
        }
    }
}

case! {
    /// `billing.invoices` and `invoices` of the default schema coexist; index names are per
    /// schema, so both tables have `ix_invoices_total`.
    same_table_name_in_two_schemas {
        seed: "INSERT INTO invoices (id, total) VALUES (1, 5);",
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        pub struct Invoice { pub id: i64, #[model(index)] pub total: i64 }
    }
    after {
        #[derive(Model)]
        pub struct Invoice { pub id: i64, #[model(index)] pub total: i64 }
        mod billing {
            use retort::Model;
            #[derive(Model)]
            #[model(schema = "billing", table = "invoices")]
            pub struct Invoice { pub id: i64, #[model(index)] pub total: i64 }
        }
    }
}

case! {
    /// A table renamed within its schema (`renamed_from` names a table of the same schema)
    /// keeps its rows.
    rename_table_in_schema {
        seed: "INSERT INTO billing.bills (id) VALUES (1);",
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        #[model(schema = "billing", table = "bills")]
        pub struct Invoice { pub id: i64 }
    }
    after {
        #[derive(Model)]
        #[model(schema = "billing", table = "invoices", renamed_from = "bills")]
        pub struct Invoice { pub id: i64 }
    }
}

case! {
    /// A model moved to another schema without `renamed_from` is a new table there and the old
    /// one dropped (its rows are lost: `--allow-destructive`); down restores the old table,
    /// empty, and drops the schema.
    move_table_to_another_schema {
        seed: "INSERT INTO invoices (id) VALUES (1);",
        flags: &["--allow-destructive"],
        lossy: true,
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        pub struct Invoice { pub id: i64 }
    }
    after {
        #[derive(Model)]
        #[model(schema = "billing")]
        pub struct Invoice { pub id: i64 }
    }
}

case! {
    /// SQLite has no schemas: a model that names one is refused, nothing written.
    sqlite_refuses_schemas {
        backends: Backends::Sqlite,
        outcome: Outcome::Refused("SQLite has no schemas"),
    }
    before {
        #[derive(Model)]
        pub struct User { pub id: i64 }
    }
    after {
        #[derive(Model)]
        pub struct User { pub id: i64 }
        #[derive(Model)]
        #[model(schema = "billing")]
        pub struct Invoice { pub id: i64 }
    }
}

case! {
    /// A table of another schema with what the server normalises (an expression index, a
    /// partial index over a column of a default-schema enum type, a check constraint): the
    /// definitions name the table's schema on both sides, so `check` is clean; down drops them.
    kept_definitions_in_schema {
        seed: "INSERT INTO billing.invoices (id, number, state) VALUES (1, 'A', 'paid');",
        backends: Backends::Postgres,
    }
    before {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum InvoiceState { Open, Paid }
        #[derive(Model)]
        #[model(schema = "billing")]
        pub struct Invoice {
            pub id: i64,
            pub number: String,
            #[model(default = "'open'")]
            pub state: InvoiceState,
        }
    }
    after {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum InvoiceState { Open, Paid }
        #[derive(Model)]
        #[model(
            schema = "billing",
            index(keys("lower(number)"), name = "ix_invoices_lower_number"),
            index(columns("state"), where = "number <> ''"),
            check(name = "ck_invoices_number", expr = "length(number) > 0")
        )]
        pub struct Invoice {
            pub id: i64,
            pub number: String,
            #[model(default = "'open'")]
            pub state: InvoiceState,
        }
    }
}

case! {
    /// `schema = "public"` on a `public` connection names the default schema: the same table
    /// as a model without `schema`, nothing to migrate.
    the_default_schema_named_explicitly {
        seed: "INSERT INTO invoices (id) VALUES (1);",
        backends: Backends::Postgres,
        outcome: Outcome::Unchanged,
    }
    before {
        #[derive(Model)]
        pub struct Invoice { pub id: i64 }
        #[derive(Model)]
        pub struct Payment { pub id: i64, #[model(references = "invoices.id")] pub invoice_id: i64 }
    }
    after {
        #[derive(Model)]
        #[model(schema = "public")]
        pub struct Invoice { pub id: i64 }
        #[derive(Model)]
        pub struct Payment {
            pub id: i64,
            #[model(references = "public.invoices.id")]
            pub invoice_id: i64,
        }
    }
}

case! {
    /// `renamed_from = "public.invoices"` on a model of `billing`: the table moves with
    /// `ALTER TABLE ... SET SCHEMA`, keeping its rows, index and the foreign key pointing at
    /// it; down moves it back to the session's default schema and drops the schema.
    move_table_with_renamed_from {
        seed: "INSERT INTO invoices (id, total) VALUES (1, 5); INSERT INTO payments (id, invoice_id) VALUES (1, 1);",
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        pub struct Invoice { pub id: i64, #[model(index)] pub total: i64 }
        #[derive(Model)]
        pub struct Payment { pub id: i64, #[model(references = "invoices.id")] pub invoice_id: i64 }
    }
    after {
        #[derive(Model)]
        #[model(schema = "billing", table = "bills", renamed_from = "public.invoices")]
        pub struct Invoice { pub id: i64, #[model(index)] pub total: i64 }
        #[derive(Model)]
        pub struct Payment {
            pub id: i64,
            #[model(references = "billing.bills.id")]
            pub invoice_id: i64,
        }
    }
}

case! {
    /// `renamed_from = "public.invoices"` keeping the table's name: `SET SCHEMA` only; its
    /// primary key keeps its name (`invoices_pkey`), no rename to the same name; down moves it
    /// back.
    move_table_keeping_its_name {
        seed: "INSERT INTO invoices (id, total) VALUES (1, 5);",
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        pub struct Invoice { pub id: i64, #[model(index)] pub total: i64 }
    }
    after {
        #[derive(Model)]
        #[model(schema = "billing", renamed_from = "public.invoices")]
        pub struct Invoice { pub id: i64, #[model(index)] pub total: i64 }
    }
}
