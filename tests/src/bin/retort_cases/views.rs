//! `#[derive(View)]`: views the models declare, created, replaced and dropped and re-created
//! around a change of what they read (issue 27).

use crate::{case, Backends, Outcome};

case! {
    /// A new view over an existing table: created after the tables; down drops it.
    add_view { seed: "INSERT INTO users (id, email, active) VALUES (1, 'a@x', TRUE), (2, 'b@x', FALSE);" }
    before {
        #[derive(Model)]
        pub struct User { pub id: i64, pub email: String, pub active: bool }
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct User { pub id: i64, pub email: String, pub active: bool }
        #[derive(View)]
        #[view(sql = "SELECT id, email FROM users WHERE active")]
        pub struct ActiveUser { pub id: i64, pub email: String }
    }
}

case! {
    /// The same query with other spacing and keyword case: no change.
    view_spacing_is_no_change { outcome: Outcome::Unchanged }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct User { pub id: i64, pub email: String, pub active: bool }
        #[derive(View)]
        #[view(sql = "SELECT id, email FROM users WHERE active")]
        pub struct ActiveUser { pub id: i64, pub email: String }
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct User { pub id: i64, pub email: String, pub active: bool }
        #[derive(View)]
        #[view(sql = "select   id,\n       email\n  from users\n where active;")]
        pub struct ActiveUser { pub id: i64, pub email: String }
    }
}

case! {
    /// A changed query that adds a column after the others: `CREATE OR REPLACE VIEW` on
    /// PostgreSQL (its down drops and creates, since it removes a column), a drop and a create
    /// on SQLite.
    change_view_query { seed: "INSERT INTO users (id, email, active) VALUES (1, 'a@x', TRUE);" }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct User { pub id: i64, pub email: String, pub active: bool }
        #[derive(View)]
        #[view(sql = "SELECT id, email FROM users WHERE active")]
        pub struct ActiveUser { pub id: i64, pub email: String }
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct User { pub id: i64, pub email: String, pub active: bool }
        #[derive(View)]
        #[view(sql = "SELECT id, email, active FROM users WHERE active OR id > 10")]
        pub struct ActiveUser { pub id: i64, pub email: String, pub active: bool }
    }
}

case! {
    /// A type change of a column a managed view reads: the view is dropped before and created
    /// again after, in the same migration (no refusal).
    retype_column_under_view { seed: "INSERT INTO items (id, price) VALUES (1, 5);", flags: &["--allow-rewrite"] }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items WHERE price > 0")]
        pub struct PricedItem { pub id: i64, pub price: i32 }
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i64 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items WHERE price > 0")]
        pub struct PricedItem { pub id: i64, pub price: i64 }
    }
}

case! {
    /// A column a managed view reads is dropped, and the view's new query no longer reads it:
    /// the view goes first and comes back after.
    drop_column_under_view { seed: "INSERT INTO items (id, price, note) VALUES (1, 5, 'n');", lossy: true, flags: &["--allow-destructive"] }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub note: Option<String> }
        #[derive(View)]
        #[view(sql = "SELECT id, note FROM items")]
        pub struct Noted { pub id: i64, pub note: Option<String> }
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items")]
        pub struct Noted { pub id: i64, pub price: i32 }
    }
}

case! {
    /// A materialized view (PostgreSQL), and a change of its query: dropped and created, with
    /// the index made on it by hand (its column stays).
    materialized_view { seed: "INSERT INTO items (id, price) VALUES (1, 5), (2, 7);\nCREATE UNIQUE INDEX item_counts_n ON item_counts (n);", backends: Backends::Postgres }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT count(*) AS n FROM items", materialized)]
        pub struct ItemCount { pub n: i64 }
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT count(*) AS n, sum(price) AS total FROM items", materialized)]
        pub struct ItemCount { pub n: i64, pub total: Option<i64> }
    }
}

case! {
    /// An unmanaged view (made by hand, no model declares it) keeps today's refusal.
    unmanaged_view_still_refuses {
        seed: "CREATE VIEW hand_made AS SELECT id, price FROM items;",
        outcome: Outcome::Refused("view 'hand_made' depends on column 'items.price'"),
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
    }
}

case! {
    /// View options are MariaDB's: PostgreSQL refuses them with the reason.
    view_options_are_mariadbs {
        backends: Backends::Postgres,
        outcome: Outcome::Refused("`options` are MariaDB's (`ALGORITHM`, `SQL SECURITY`)"),
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64 }
        #[derive(View)]
        #[view(sql = "SELECT id FROM items", options = "SQL SECURITY INVOKER")]
        pub struct ItemId { pub id: i64 }
    }
}
