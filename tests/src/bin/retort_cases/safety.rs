//! The data-safety contract of autogenerate: what loses data is refused without
//! `--allow-destructive`, a column that becomes NOT NULL with nothing to fill its rows without
//! `--backfill`; with them, the files carry `-- destructive:`, `-- warning:` and
//! `-- cannot restore:` comments (see the snapshots).

use crate::{case, Backends, Outcome};

case! {
    /// Dropping a column without --allow-destructive writes nothing and says what would be lost.
    drop_column_refused {
        seed: "INSERT INTO items (id, name, legacy) VALUES (1, 'a', 'x');",
        outcome: Outcome::Refused("destructive: drops column 'items.legacy' and its values"),
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String, pub legacy: Option<String> }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
}

case! {
    /// Dropping a table without --allow-destructive writes nothing.
    drop_table_refused {
        seed: "INSERT INTO shelves (id, label) VALUES (7, 'top');",
        outcome: Outcome::Refused("destructive: drops table 'shelves' and all its rows"),
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
        #[derive(Model)]
        #[model(table = "shelves")]
        pub struct Shelf { pub id: i64, pub label: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
}

case! {
    /// A table that another table references is dropped with that foreign key: the warning
    /// names the referencing table, whose rows would make the downgrade fail (here they hold
    /// NULL, so it does not).
    drop_referenced_table {
        seed: "INSERT INTO shelves (id, label) VALUES (7, 'top'); INSERT INTO items (id, shelf_id) VALUES (1, NULL);",
        lossy: true,
        flags: &["--allow-destructive"],
    }
    before {
        #[derive(Model)]
        #[model(table = "shelves")]
        pub struct Shelf { pub id: i64, #[model(max_length = 40)] pub label: String }
        #[derive(Model)]
        pub struct Item { pub id: i64, #[model(references = "shelves.id")] pub shelf_id: Option<i64> }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub shelf_id: Option<i64> }
    }
}

case! {
    /// A NOT NULL column without a default is refused, even on an empty table.
    add_not_null_column_refused {
        outcome: Outcome::Refused(
            "column 'items.stock' is added NOT NULL without a default, so its existing rows have no value: \
             add #[model(default = \"...\")], make it Option<_>, or pass --backfill items.stock=<SQL expression>"
        ),
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String, pub stock: i32 }
    }
}

case! {
    /// --backfill fills an added NOT NULL column: add nullable, UPDATE, SET NOT NULL (SQLite:
    /// the rebuild); down drops the column.
    add_not_null_column_backfilled {
        seed: "INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'bb');",
        flags: &["--backfill", "items.stock=length(name)"],
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String, pub stock: i32 }
    }
}

case! {
    /// A column made NOT NULL without a default is refused without a backfill.
    set_not_null_refused {
        seed: "INSERT INTO items (id, note) VALUES (1, NULL);",
        outcome: Outcome::Refused("column 'items.note' becomes NOT NULL, so its NULL rows need a value"),
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub note: Option<String> }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub note: String }
    }
}

case! {
    /// A column made NOT NULL with a model default: its NULL rows take the default (no
    /// `--backfill` needed; up.sql says so), then SET NOT NULL (SQLite: the rebuild); down makes
    /// it nullable again and says the filled rows stay.
    set_not_null_takes_the_default {
        seed: "INSERT INTO items (id, note, n) VALUES (1, NULL, NULL), (2, 'kept', 7);",
        lossy: true,
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub note: Option<String>, pub n: Option<i32> }
    }
    after {
        #[derive(Model)]
        pub struct Item {
            pub id: i64,
            #[model(default = "'-'")]
            pub note: String,
            #[model(default = "0")]
            pub n: i32,
        }
    }
}

case! {
    /// --backfill fills the NULLs before SET NOT NULL; down says the NULLs cannot come back.
    set_not_null_backfilled {
        seed: "INSERT INTO items (id, note) VALUES (1, NULL), (2, 'kept');",
        flags: &["--backfill", "items.note='none'"],
        lossy: true,
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub note: Option<String> }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub note: String }
    }
}

case! {
    /// With --allow-destructive, up.sql marks the drop and down.sql says what it cannot restore.
    drop_column_allowed {
        seed: "INSERT INTO items (id, name, legacy) VALUES (1, 'a', 'x');",
        flags: &["--allow-destructive"],
        lossy: true,
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String, pub legacy: Option<String> }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
}

case! {
    /// NUMERIC to INTEGER rounds on PostgreSQL: destructive, refused without the flag.
    lossy_type_change_refused {
        seed: "INSERT INTO prices (id, amount) VALUES (1, 12.5);",
        backends: Backends::Postgres,
        outcome: Outcome::Refused(
            "destructive: changes the type of 'prices.amount' from NUMERIC(10,2) to INTEGER: on PostgreSQL"
        ),
    }
    before {
        #[derive(Model)]
        pub struct Price { pub id: i64, #[model(sql_type = "NUMERIC(10,2)")] pub amount: String }
    }
    after {
        #[derive(Model)]
        pub struct Price { pub id: i64, pub amount: i32 }
    }
}

case! {
    /// A narrowing that can only refuse rows (TEXT to VARCHAR) is not destructive: it is
    /// written with a `-- warning:` comment.
    refusing_narrowing_is_only_a_warning {
        seed: "INSERT INTO items (id, code) VALUES (1, 'short');",
        flags: &["--allow-rewrite"],
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub code: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, #[model(max_length = 100)] pub code: String }
    }
}

case! {
    /// The models' SQL is checked by the database before anything is written: a default that
    /// does not parse is refused naming its column (SQLite compiles the models' tables in a
    /// private in-memory database; PostgreSQL normalises them on a TEMP table).
    unparsable_default_is_refused {
        outcome: Outcome::Refused("model column `items.note`"),
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item {
            pub id: i64,
            pub name: String,
            #[model(default = "lower(")]
            pub note: Option<String>,
        }
    }
}

case! {
    /// A model check that does not parse is refused on SQLite too, naming the table.
    unparsable_check_is_refused {
        outcome: Outcome::Refused("items"),
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        #[model(check(name = "ck_items_name", expr = "name <> ''''' AND"))]
        pub struct Item { pub id: i64, pub name: String }
    }
}
