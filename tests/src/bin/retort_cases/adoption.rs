//! What real databases have and models can now say (issues 13/16): tables without a primary
//! key, integer keys the application assigns (no identity), `NOT VALID` checks, and names that
//! are not Rust-like identifiers.

use crate::{case, Backends, Outcome};

case! {
    /// A `#[model(no_primary_key)]` table is created without a key (and without an identity on
    /// PostgreSQL); down drops it.
    add_keyless_table { seed: "INSERT INTO items (id, name) VALUES (1, 'a');" }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
        #[derive(Model)]
        #[model(no_primary_key)]
        pub struct Follow {
            #[model(references = "items.id")]
            pub item_id: i64,
            pub user_id: i64,
        }
    }
}

case! {
    /// A keyless table with rows (duplicates included) is altered: a column becomes nullable
    /// (SQLite rebuilds the table), another is added and indexed; every row stays.
    alter_keyless_table {
        seed: "INSERT INTO follows (item_id, user_id) VALUES (1, 2), (1, 2), (3, 4);",
    }
    before {
        #[derive(Model)]
        #[model(no_primary_key)]
        pub struct Follow { pub item_id: i64, pub user_id: i64 }
    }
    after {
        #[derive(Model)]
        #[model(no_primary_key)]
        pub struct Follow {
            pub item_id: i64,
            pub user_id: Option<i64>,
            #[model(index)]
            pub since: Option<i64>,
        }
    }
}

case! {
    /// A keyless table's `id` column becomes its primary key (PostgreSQL: with an identity).
    keyless_table_gets_a_key {
        seed: "INSERT INTO follows (id, user_id) VALUES (1, 2), (2, 2);",
    }
    before {
        #[derive(Model)]
        #[model(no_primary_key)]
        pub struct Follow { pub id: i64, pub user_id: i64 }
    }
    after {
        #[derive(Model)]
        pub struct Follow { pub id: i64, pub user_id: i64 }
    }
}

case! {
    /// A table whose single integer key the application assigns (`identity = false`) is
    /// created without an identity on PostgreSQL; check is clean afterwards.
    add_table_with_application_assigned_key {
        seed: "INSERT INTO items (id, name) VALUES (1, 'a');",
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
        #[derive(Model)]
        pub struct CrateDownload {
            #[model(primary_key, identity = false, references = "items.id")]
            pub crate_id: i64,
            pub downloads: i64,
        }
    }
}

case! {
    /// PostgreSQL: `identity = false` on an existing key drops its identity (the values stay);
    /// down gives it back.
    key_loses_its_identity {
        seed: "INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b');",
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { #[model(primary_key, identity = false)] pub id: i64, pub name: String }
    }
}

case! {
    /// SQLite: an INTEGER key is the rowid whatever the model says, so `identity = false`
    /// changes nothing.
    identity_false_is_no_change_on_sqlite {
        backends: Backends::Sqlite,
        outcome: Outcome::Unchanged,
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { #[model(primary_key, identity = false)] pub id: i64, pub name: String }
    }
}

case! {
    /// PostgreSQL: a `NOT VALID` check is added although rows already there break it (new rows
    /// are checked); check is clean, down drops it.
    add_not_valid_check_over_bad_rows {
        seed: "INSERT INTO items (id, qty) VALUES (1, 5), (2, -1);",
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub qty: i32 }
    }
    after {
        #[derive(Model)]
        #[model(check(name = "ck_items_qty", expr = "qty >= 0", not_valid))]
        pub struct Item { pub id: i64, pub qty: i32 }
    }
}

case! {
    /// A `NOT VALID` check on both backends (SQLite: an ordinary CHECK, the table rebuilt) and a
    /// new table with one (PostgreSQL keeps it NOT VALID: it is added after CREATE TABLE).
    add_not_valid_checks {
        seed: "INSERT INTO items (id, qty) VALUES (1, 5), (2, 0);",
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub qty: i32 }
    }
    after {
        #[derive(Model)]
        #[model(check(name = "ck items qty", expr = "qty >= 0", not_valid))]
        pub struct Item { pub id: i64, pub qty: i32 }
        #[derive(Model)]
        #[model(check(expr = "length(label) > 0", not_valid))]
        pub struct Shelf { pub id: i64, pub label: String }
    }
}

case! {
    /// A check that was NOT VALID becomes an ordinary (validated) one: PostgreSQL drops and
    /// re-adds it, which checks every row.
    validate_a_not_valid_check {
        seed: "INSERT INTO items (id, qty) VALUES (1, 5);",
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        #[model(check(name = "ck_items_qty", expr = "qty >= 0", not_valid))]
        pub struct Item { pub id: i64, pub qty: i32 }
    }
    after {
        #[derive(Model)]
        #[model(check(name = "ck_items_qty", expr = "qty >= 0"))]
        pub struct Item { pub id: i64, pub qty: i32 }
    }
}

case! {
    /// Names with spaces, dashes and capitals, quoted everywhere: a column turns nullable
    /// (SQLite rebuilds the table with its index, foreign key and check), another is added, and
    /// a unique constraint and a check over them; the conventional names carry the odd names.
    odd_names {
        seed: "INSERT INTO \"Crate Owners\" (\"Owner Id\", \"Display-Name\") VALUES (1, 'o'); \
               INSERT INTO \"Order Items\" (id, \"Owner Id\", \"e-mail\") VALUES (1, 1, 'a@x'), (2, 1, 'b@x');",
    }
    before {
        #[derive(Model)]
        #[model(table = "Crate Owners")]
        pub struct Owner {
            #[model(primary_key, column = "Owner Id")]
            pub owner_id: i64,
            #[model(column = "Display-Name")]
            pub display_name: String,
        }
        #[derive(Model)]
        #[model(table = "Order Items")]
        pub struct OrderItem {
            pub id: i64,
            #[model(column = "Owner Id", references = "\"Crate Owners\".\"Owner Id\"", index)]
            pub owner_id: i64,
            #[model(column = "e-mail")]
            pub email: String,
        }
    }
    after {
        #[derive(Model)]
        #[model(table = "Crate Owners")]
        pub struct Owner {
            #[model(primary_key, column = "Owner Id")]
            pub owner_id: i64,
            #[model(column = "Display-Name")]
            pub display_name: String,
        }
        #[derive(Model)]
        #[model(table = "Order Items")]
        #[model(unique(columns("Owner Id", "e-mail")))]
        #[model(check(name = "ck Order Items name", expr = "\"Last Name\" <> ''"))]
        pub struct OrderItem {
            pub id: i64,
            #[model(column = "Owner Id", references = "\"Crate Owners\".\"Owner Id\"", index)]
            pub owner_id: i64,
            #[model(column = "e-mail")]
            pub email: Option<String>,
            #[model(column = "Last Name")]
            pub last_name: Option<String>,
        }
    }
}

case! {
    /// A table and a column with odd names are renamed (`renamed_from`), with an index and a
    /// unique constraint on the column: the rows stay, and down renames them back.
    rename_odd_names {
        seed: "INSERT INTO \"Order Items\" (id, \"Last Name\") VALUES (1, 'a'), (2, 'b');",
    }
    before {
        #[derive(Model)]
        #[model(table = "Order Items")]
        pub struct OrderItem {
            pub id: i64,
            #[model(column = "Last Name", index)]
            pub last_name: String,
        }
    }
    after {
        #[derive(Model)]
        #[model(table = "Order Lines", renamed_from = "Order Items")]
        pub struct OrderItem {
            pub id: i64,
            #[model(column = "Family-Name", renamed_from = "Last Name", index)]
            pub last_name: String,
        }
    }
}

case! {
    /// A primary key constraint with a name of its own (`primary_key_name`, PostgreSQL): set on
    /// an existing key with `RENAME CONSTRAINT`, renamed back by down.
    primary_key_named {
        seed: "INSERT INTO items (id) VALUES (1);",
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
    }
    after {
        #[derive(Model)]
        #[model(primary_key_name = "items_pk")]
        pub struct Item { pub id: i64 }
    }
}

case! {
    /// A new table whose key constraint has a name of its own (PostgreSQL).
    new_table_with_named_primary_key {
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
        #[derive(Model)]
        #[model(primary_key_name = "shelf_key")]
        pub struct Shelf { pub id: i64 }
    }
}

case! {
    /// An index the models do not declare, named by an `ignore` glob: left as the database has
    /// it (not dropped, not reported), and kept through a change that rebuilds the table on
    /// SQLite.
    ignored_index_is_kept {
        seed: "INSERT INTO items (id, name) VALUES (1, 'a'); CREATE INDEX legacy_items_lower ON items (lower(name));",
        config_after: "ignore = [\"legacy_*\"]\n",
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: Option<String> }
    }
}

case! {
    /// SQLite: a table's key moves to a new integer `id`, the rowid, which fills it for the
    /// rows already there: no backfill is asked, and no warning given.
    new_integer_key_is_filled_by_the_rowid {
        seed: "INSERT INTO tags (code, label) VALUES ('a', 'x'), ('b', 'y');",
        backends: Backends::Sqlite,
    }
    before {
        #[derive(Model)]
        pub struct Tag { #[model(primary_key)] pub code: String, pub label: String }
    }
    after {
        #[derive(Model)]
        pub struct Tag { pub id: i64, pub code: String, pub label: String }
    }
}
