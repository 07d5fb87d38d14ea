//! How the database assigns a column's values (PostgreSQL): `identity = "always"` /
//! `"by_default"` and `serial`, changed between kinds with the rows kept, and the same models on
//! SQLite, where they mean nothing.

use super::{case, Backends, Outcome};

case! {
    /// PostgreSQL: a key's identity becomes `GENERATED ALWAYS` (`SET GENERATED ALWAYS`, the
    /// sequence and rows stay); down makes it `BY DEFAULT` again.
    identity_by_default_to_always {
        seed: "INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b');",
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { #[model(identity = "always")] pub id: i64, pub name: String }
    }
}

case! {
    /// PostgreSQL: a `GENERATED ALWAYS` key becomes `BY DEFAULT`; down makes it `ALWAYS` again.
    identity_always_to_by_default {
        seed: "INSERT INTO items (name) VALUES ('a'), ('b');",
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        pub struct Item { #[model(identity = "always")] pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { #[model(identity = "by_default")] pub id: i64, pub name: String }
    }
}

case! {
    /// PostgreSQL: a serial key becomes an identity: its default and owned sequence go, the
    /// identity continues after the rows there; down re-creates the sequence and default exactly.
    serial_key_to_identity {
        seed: "INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b');",
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        pub struct Item { #[model(serial)] pub id: i32, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i32, pub name: String }
    }
}

case! {
    /// PostgreSQL: an identity key becomes serial (`DROP IDENTITY`, then a sequence it owns and
    /// a `nextval` default, continuing after the rows there); down gives the identity back.
    identity_key_to_serial {
        seed: "INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b');",
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { #[model(serial)] pub id: i64, pub name: String }
    }
}

case! {
    /// PostgreSQL: a NOT NULL serial column next to the key (`user_id bigserial`) is added: the
    /// rows there get values from its new sequence; down drops it.
    add_serial_column {
        seed: "INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b');",
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String, #[model(serial)] pub user_id: i64 }
    }
}

case! {
    /// PostgreSQL: a serial column stops being serial: its default goes, its sequence stays
    /// owned by it with its current value (as a database changed by hand keeps it), the values
    /// stay; down gives the default back.
    serial_column_becomes_plain {
        seed: "INSERT INTO items (id, name, user_id) VALUES (1, 'a', 10), (2, 'b', 20);",
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String, #[model(serial)] pub user_id: i64 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String, pub user_id: i64 }
    }
}

case! {
    /// PostgreSQL: a serial key column is dropped for another key: its default and sequence go
    /// first; down re-adds the column, its sequence and default.
    drop_serial_key_column {
        seed: "INSERT INTO items (id, code) VALUES (1, 'a'), (2, 'b');",
        backends: Backends::Postgres,
        lossy: true,
        flags: &["--allow-destructive"],
    }
    before {
        #[derive(Model)]
        pub struct Item { #[model(serial)] pub id: i32, pub code: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { #[model(primary_key)] pub code: String }
    }
}

case! {
    /// SQLite: no sequences, so `identity = "always"` and `serial` change nothing.
    identity_kinds_are_no_change_on_sqlite {
        backends: Backends::Sqlite,
        outcome: Outcome::Unchanged,
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String, pub user_id: i64 }
    }
    after {
        #[derive(Model)]
        pub struct Item {
            #[model(identity = "always")] pub id: i64,
            pub name: String,
            #[model(serial)] pub user_id: i64,
        }
    }
}
