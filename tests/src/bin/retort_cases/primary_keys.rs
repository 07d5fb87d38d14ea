//! Composite primary keys in another order than their fields: the struct's
//! `#[model(primary_key(columns(...)))]` declares the key's order, the database keeps it, and a
//! change of order is a change of key.

use crate::{case, Outcome};

case! {
    /// A table created with its key in another order than its columns (`PRIMARY KEY (tag,
    /// post_id)`) and then altered (SQLite: rebuilt): the key keeps its order, and `check` is
    /// clean.
    key_in_another_order_than_the_fields {
        seed: "INSERT INTO post_tags (post_id, tag, note) VALUES (1, 'a', 'x'), (1, 'b', 'y'), (2, 'a', 'z');",
    }
    before {
        #[derive(Model)]
        #[model(primary_key(columns("tag", "post_id")))]
        pub struct PostTag { pub post_id: i64, pub tag: String, pub note: String }
    }
    after {
        #[derive(Model)]
        #[model(primary_key(columns("tag", "post_id")))]
        pub struct PostTag {
            pub post_id: i64,
            pub tag: String,
            pub note: Option<String>,
            pub weight: Option<i32>,
        }
    }
}

case! {
    /// The key's order changes from (org_id, user_id) to (user_id, org_id) with the fields as
    /// they are: PostgreSQL drops the key and adds it in the new order, SQLite rebuilds the
    /// table; down restores the old order.
    key_order_changes {
        seed: "INSERT INTO memberships (org_id, user_id, role) VALUES (1, 1, 'a'), (1, 2, 'b'), (2, 1, 'c');",
    }
    before {
        #[derive(Model)]
        pub struct Membership {
            #[model(primary_key)] pub org_id: i64,
            #[model(primary_key)] pub user_id: i64,
            pub role: String,
        }
    }
    after {
        #[derive(Model)]
        #[model(primary_key(columns("user_id", "org_id")))]
        pub struct Membership { pub org_id: i64, pub user_id: i64, pub role: String }
    }
}

case! {
    /// The struct's `primary_key(columns(...))` in the fields' order is the same key as
    /// `primary_key` on each field: no change.
    struct_key_in_field_order_is_no_change { outcome: Outcome::Unchanged }
    before {
        #[derive(Model)]
        pub struct Membership {
            #[model(primary_key)] pub org_id: i64,
            #[model(primary_key)] pub user_id: i64,
        }
    }
    after {
        #[derive(Model)]
        #[model(primary_key(columns("org_id", "user_id")))]
        pub struct Membership { pub org_id: i64, pub user_id: i64 }
    }
}
