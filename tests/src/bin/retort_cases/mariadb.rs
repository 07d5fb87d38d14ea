//! Cases of MariaDB only: indexes keyed by a prefix of a TEXT column (`prefix(body = 100)`),
//! which PostgreSQL and SQLite refuse.

use crate::{case, Backends, Outcome};

case! {
    /// An index over the first 100 characters of a TEXT column: `KEY (body(100))`.
    add_prefix_index { seed: "INSERT INTO posts (id, title, body) VALUES (1, 't', 'b');", backends: Backends::Mariadb }
    before {
        #[derive(Model)]
        pub struct Post { pub id: i64, pub title: String, pub body: String }
    }
    after {
        #[derive(Model)]
        #[model(index(columns("title", "body"), prefix(title = 20, body = 100)))]
        pub struct Post { pub id: i64, pub title: String, pub body: String }
    }
}

case! {
    /// A longer prefix is another index: dropped and created again; the downgrade puts the
    /// shorter one back.
    change_prefix_length { seed: "INSERT INTO posts (id, body) VALUES (1, 'b');", backends: Backends::Mariadb }
    before {
        #[derive(Model)]
        #[model(index(columns("body"), prefix(body = 100)))]
        pub struct Post { pub id: i64, pub body: String }
    }
    after {
        #[derive(Model)]
        #[model(index(columns("body"), prefix(body = 200)))]
        pub struct Post { pub id: i64, pub body: String }
    }
}

case! {
    /// A VARCHAR column keyed by its first 10 characters, and by all of them again.
    varchar_prefix_dropped { seed: "INSERT INTO posts (id, slug) VALUES (1, 's');", backends: Backends::Mariadb }
    before {
        #[derive(Model)]
        #[model(index(columns("slug"), prefix(slug = 10), unique))]
        pub struct Post { pub id: i64, #[model(max_length = 80)] pub slug: String }
    }
    after {
        #[derive(Model)]
        #[model(index(columns("slug"), unique))]
        pub struct Post { pub id: i64, #[model(max_length = 80)] pub slug: String }
    }
}

case! {
    /// A TEXT column indexed without a prefix is refused with the reason (MariaDB would pick
    /// 768 characters itself, MySQL refuses it).
    text_index_without_prefix_is_refused {
        backends: Backends::Mariadb,
        outcome: Outcome::Refused("MariaDB keys a TEXT, BLOB or JSON column only by a prefix"),
    }
    before {
        #[derive(Model)]
        pub struct Post { pub id: i64, pub body: String }
    }
    after {
        #[derive(Model)]
        pub struct Post { pub id: i64, #[model(index)] pub body: String }
    }
}

case! {
    /// A prefix index whose name changes is renamed (`RENAME INDEX`), its prefix kept.
    rename_prefix_index { seed: "INSERT INTO users (id, name) VALUES (1, 'a');", backends: Backends::Mariadb }
    before {
        #[derive(Model)]
        #[model(index(columns("name"), name = "ix_old", prefix(name = 50)))]
        pub struct User { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        #[model(index(columns("name"), name = "ix_new", prefix(name = 50)))]
        pub struct User { pub id: i64, pub name: String }
    }
}

case! {
    /// A renamed column keeps its prefix index, which follows it under its new conventional
    /// name.
    rename_column_under_prefix_index {
        seed: "INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b');",
        backends: Backends::Mariadb,
    }
    before {
        #[derive(Model)]
        #[model(index(columns("name"), prefix(name = 30)))]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        #[model(index(columns("title"), prefix(title = 30)))]
        pub struct Item { pub id: i64, #[model(renamed_from = "name")] pub title: String }
    }
}
