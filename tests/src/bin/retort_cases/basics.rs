//! Tables, columns, types, nullability, defaults, keys, uniques, indexes, foreign keys,
//! comments and checks: what the models could already say before issue 13.

use crate::{case, Backends};

case! {
    /// A new table is created; the existing one keeps its rows.
    add_table { seed: "INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b');" }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
        #[derive(Model)]
        #[model(table = "shelves")]
        pub struct Shelf { pub id: i64, #[model(max_length = 40)] pub label: String }
    }
}

case! {
    /// A table the models no longer describe is dropped; down re-creates it (empty).
    drop_table {
        seed: "INSERT INTO items (id, name) VALUES (1, 'a'); INSERT INTO shelves (id, label) VALUES (7, 'top');",
        lossy: true,
        flags: &["--allow-destructive", "--allow-rewrite"],
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
        #[derive(Model)]
        #[model(table = "shelves")]
        pub struct Shelf { pub id: i64, #[model(max_length = 40)] pub label: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
}

case! {
    /// A nullable column is added to a table with rows.
    add_nullable_column { seed: "INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b');" }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String, pub note: Option<String> }
    }
}

case! {
    /// A NOT NULL column with a default is added; existing rows take the default.
    add_column_with_default { seed: "INSERT INTO items (id, name) VALUES (1, 'a');" }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item {
            pub id: i64,
            pub name: String,
            #[model(default = "0")]
            pub stock: i32,
            #[model(default = "'new'")]
            pub state: String,
        }
    }
}

case! {
    /// A column the model no longer has is dropped; down re-creates it (values are gone).
    drop_column {
        seed: "INSERT INTO items (id, name, legacy) VALUES (1, 'a', 'x'), (2, 'b', NULL);",
        lossy: true,
        flags: &["--allow-destructive"],
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
    /// INTEGER widens to BIGINT with its values.
    widen_integer {
        seed: "INSERT INTO items (id, qty) VALUES (1, 2147483647), (2, -5);",
        // A rewrite of the table: refused by default on PostgreSQL.
        flags: &["--allow-rewrite"],
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub qty: i32 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub qty: i64 }
    }
}

case! {
    /// A primary key widens from INTEGER to BIGINT; on PostgreSQL it stays an identity.
    widen_primary_key {
        seed: "INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b');",
        backends: Backends::Postgres,
        flags: &["--allow-rewrite"],
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i32, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
}

case! {
    /// VARCHAR(20) grows to VARCHAR(200).
    longer_varchar { seed: "INSERT INTO items (id, code) VALUES (1, 'abc');" }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, #[model(max_length = 20)] pub code: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, #[model(max_length = 200)] pub code: String }
    }
}

case! {
    /// TEXT narrows to VARCHAR(100); every row fits.
    text_to_varchar {
        seed: "INSERT INTO items (id, code) VALUES (1, 'short'), (2, '');",
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
    /// A NUMERIC's precision grows (`sql_type`).
    numeric_precision { seed: "INSERT INTO prices (id, amount) VALUES (1, 12.5), (2, 99999999.99);" }
    before {
        #[derive(Model)]
        pub struct Price { pub id: i64, #[model(sql_type = "NUMERIC(10,2)")] pub amount: String }
    }
    after {
        #[derive(Model)]
        pub struct Price { pub id: i64, #[model(sql_type = "NUMERIC(12,2)")] pub amount: String }
    }
}

case! {
    /// A NOT NULL column becomes nullable.
    drop_not_null { seed: "INSERT INTO items (id, name) VALUES (1, 'a');" }
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
    /// A default changes.
    change_default { seed: "INSERT INTO items (id, score) VALUES (1, 3);" }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, #[model(default = "0")] pub score: i32 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, #[model(default = "10")] pub score: i32 }
    }
}

case! {
    /// A default is added to an existing column, and another's is dropped.
    add_and_drop_default { seed: "INSERT INTO items (id, a, b) VALUES (1, 'x', 2);" }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub a: String, #[model(default = "5")] pub b: i32 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, #[model(default = "'none'")] pub a: String, pub b: i32 }
    }
}

case! {
    /// Defaults that are expressions: CURRENT_TIMESTAMP and a boolean.
    expression_defaults { seed: "INSERT INTO events (id, name) VALUES (1, 'boot');" }
    before {
        #[derive(Model)]
        pub struct Event { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Event {
            pub id: i64,
            pub name: String,
            #[model(sql_type = "TIMESTAMP", default = "CURRENT_TIMESTAMP")]
            pub at: String,
            #[model(default = "FALSE")]
            pub seen: bool,
        }
    }
}

case! {
    /// A field becomes unique.
    add_unique { seed: "INSERT INTO users (id, email) VALUES (1, 'a@x'), (2, 'b@x');" }
    before {
        #[derive(Model)]
        pub struct User { pub id: i64, pub email: String }
    }
    after {
        #[derive(Model)]
        pub struct User { pub id: i64, #[model(unique)] pub email: String }
    }
}

case! {
    /// A unique field is no longer unique.
    drop_unique { seed: "INSERT INTO users (id, email) VALUES (1, 'a@x');" }
    before {
        #[derive(Model)]
        pub struct User { pub id: i64, #[model(unique)] pub email: String }
    }
    after {
        #[derive(Model)]
        pub struct User { pub id: i64, pub email: String }
    }
}

case! {
    /// A field gets an index.
    add_index { seed: "INSERT INTO users (id, name) VALUES (1, 'a');" }
    before {
        #[derive(Model)]
        pub struct User { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct User { pub id: i64, #[model(index)] pub name: String }
    }
}

case! {
    /// A two-column index replaces a one-column one.
    widen_index { seed: "INSERT INTO users (id, last, first) VALUES (1, 'L', 'F');" }
    before {
        #[derive(Model)]
        pub struct User { pub id: i64, #[model(index)] pub last: String, pub first: String }
    }
    after {
        #[derive(Model)]
        #[model(index(columns("last", "first")))]
        pub struct User { pub id: i64, pub last: String, pub first: String }
    }
}

case! {
    /// A named index whose name changes is renamed: PostgreSQL `ALTER INDEX ... RENAME TO`, SQLite
    /// drops and creates it.
    rename_index { seed: "INSERT INTO users (id, name) VALUES (1, 'a');" }
    before {
        #[derive(Model)]
        #[model(index(columns("name"), name = "ix_old"))]
        pub struct User { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        #[model(index(columns("name"), name = "ix_new"))]
        pub struct User { pub id: i64, pub name: String }
    }
}

case! {
    /// A new nullable column references another table.
    add_foreign_key {
        seed: "INSERT INTO teams (id, name) VALUES (1, 't'); INSERT INTO users (id, name) VALUES (1, 'u');",
    }
    before {
        #[derive(Model)]
        pub struct Team { pub id: i64, pub name: String }
        #[derive(Model)]
        pub struct User { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Team { pub id: i64, pub name: String }
        #[derive(Model)]
        pub struct User {
            pub id: i64,
            pub name: String,
            #[model(references = "teams.id", on_delete = "set null")]
            pub team_id: Option<i64>,
        }
    }
}

case! {
    /// A foreign key's ON DELETE changes from CASCADE to RESTRICT.
    change_foreign_key_action {
        seed: "INSERT INTO teams (id) VALUES (1); INSERT INTO users (id, team_id) VALUES (1, 1);",
    }
    before {
        #[derive(Model)]
        pub struct Team { pub id: i64 }
        #[derive(Model)]
        pub struct User { pub id: i64, #[model(references = "teams.id", on_delete = "cascade")] pub team_id: i64 }
    }
    after {
        #[derive(Model)]
        pub struct Team { pub id: i64 }
        #[derive(Model)]
        pub struct User { pub id: i64, #[model(references = "teams.id", on_delete = "restrict")] pub team_id: i64 }
    }
}

case! {
    /// A foreign key is dropped; the column stays.
    drop_foreign_key {
        seed: "INSERT INTO teams (id) VALUES (1); INSERT INTO users (id, team_id) VALUES (1, 1);",
    }
    before {
        #[derive(Model)]
        pub struct Team { pub id: i64 }
        #[derive(Model)]
        pub struct User { pub id: i64, #[model(references = "teams.id")] pub team_id: i64 }
    }
    after {
        #[derive(Model)]
        pub struct Team { pub id: i64 }
        #[derive(Model)]
        pub struct User { pub id: i64, pub team_id: i64 }
    }
}

case! {
    /// A new table references an existing one, and the existing one gains a column: the plan
    /// alters before it creates, and creates before it references.
    new_table_references_existing { seed: "INSERT INTO posts (id, title) VALUES (1, 'hello');" }
    before {
        #[derive(Model)]
        pub struct Post { pub id: i64, pub title: String }
    }
    after {
        #[derive(Model)]
        pub struct Post { pub id: i64, pub title: String, pub summary: Option<String> }
        #[derive(Model)]
        pub struct Comment {
            pub id: i64,
            #[model(references = "posts.id", on_delete = "cascade")]
            pub post_id: i64,
            pub body: String,
        }
    }
}

case! {
    /// A table gains a reference to itself.
    self_reference { seed: "INSERT INTO nodes (id, name) VALUES (1, 'root'), (2, 'leaf');" }
    before {
        #[derive(Model)]
        pub struct Node { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Node {
            pub id: i64,
            pub name: String,
            #[model(references = "nodes.id")]
            pub parent_id: Option<i64>,
        }
    }
}

case! {
    /// A composite primary key gains a column.
    change_primary_key {
        seed: "INSERT INTO memberships (org_id, user_id, role) VALUES (1, 1, 'a'), (1, 2, 'b');",
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
        pub struct Membership {
            #[model(primary_key)] pub org_id: i64,
            #[model(primary_key)] pub user_id: i64,
            #[model(primary_key)] pub role: String,
        }
    }
}

case! {
    /// A doc comment becomes the table's and a column's comment (PostgreSQL).
    add_comments { seed: "INSERT INTO items (id, name) VALUES (1, 'a');", backends: Backends::Postgres }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        /// What we sell.
        #[derive(Model)]
        pub struct Item {
            pub id: i64,
            /// Shown on the shelf label; it's short.
            pub name: String,
        }
    }
}

case! {
    /// SQLite has no comments: doc comments are no change there.
    comments_on_sqlite {
        seed: "INSERT INTO items (id, name) VALUES (1, 'a');",
        backends: Backends::Sqlite,
        outcome: crate::Outcome::Unchanged,
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
    after {
        /// What we sell.
        #[derive(Model)]
        pub struct Item {
            pub id: i64,
            /// Shown on the shelf label.
            pub name: String,
        }
    }
}

case! {
    /// On SQLite an INTEGER key is the rowid whatever its Rust width: no change.
    widen_primary_key_on_sqlite {
        seed: "INSERT INTO items (id, name) VALUES (1, 'a');",
        backends: Backends::Sqlite,
        outcome: crate::Outcome::Unchanged,
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i32, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub name: String }
    }
}

case! {
    /// A column's comment changes and the table's is removed (PostgreSQL).
    change_comments { seed: "INSERT INTO items (id, name) VALUES (1, 'a');", backends: Backends::Postgres }
    before {
        /// What we sell.
        #[derive(Model)]
        pub struct Item {
            pub id: i64,
            /// Old words.
            pub name: String,
        }
    }
    after {
        #[derive(Model)]
        pub struct Item {
            pub id: i64,
            /// New words.
            pub name: String,
        }
    }
}

case! {
    /// A CHECK constraint is added over rows that satisfy it.
    add_check { seed: "INSERT INTO people (id, age) VALUES (1, 30), (2, 0);" }
    before {
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64, pub age: i32 }
    }
    after {
        #[derive(Model)]
        #[model(check(name = "ck_people_age", expr = "age >= 0"))]
        #[model(table = "people")]
        pub struct Person { pub id: i64, pub age: i32 }
    }
}

case! {
    /// A CHECK's expression changes.
    change_check { seed: "INSERT INTO people (id, age) VALUES (1, 30);" }
    before {
        #[derive(Model)]
        #[model(check(name = "ck_people_age", expr = "age >= 0"))]
        #[model(table = "people")]
        pub struct Person { pub id: i64, pub age: i32 }
    }
    after {
        #[derive(Model)]
        #[model(check(name = "ck_people_age", expr = "age >= 0 AND age < 200"))]
        #[model(table = "people")]
        pub struct Person { pub id: i64, pub age: i32 }
    }
}

case! {
    /// A CHECK the model no longer declares is dropped.
    drop_check { seed: "INSERT INTO people (id, age) VALUES (1, 30);" }
    before {
        #[derive(Model)]
        #[model(check(expr = "age >= 0"))]
        #[model(table = "people")]
        pub struct Person { pub id: i64, pub age: i32 }
    }
    after {
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64, pub age: i32 }
    }
}

case! {
    /// A CHECK that rows violate: upgrade fails and changes nothing.
    check_violated_by_rows {
        seed: "INSERT INTO people (id, age) VALUES (1, -1);",
        // The blocking form fails whole; the online form stops at VALIDATE, leaving the check
        // NOT VALID to go on from (tests/integration/online.rs).
        flags: &["--blocking"],
        outcome: crate::Outcome::UpgradeFails("ck_people_age"),
    }
    before {
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64, pub age: i32 }
    }
    after {
        #[derive(Model)]
        #[model(check(name = "ck_people_age", expr = "age >= 0"))]
        #[model(table = "people")]
        pub struct Person { pub id: i64, pub age: i32 }
    }
}

case! {
    /// Several changes to one table at once, with rows.
    many_changes_at_once {
        seed: "INSERT INTO accounts (id, email, name, age, legacy) VALUES (1, 'a@x', 'A', 3, 'x');",
        lossy: true,
        flags: &["--allow-destructive", "--allow-rewrite"],
    }
    before {
        #[derive(Model)]
        pub struct Account {
            pub id: i64,
            #[model(max_length = 100, unique)] pub email: String,
            pub name: Option<String>,
            pub age: i32,
            pub legacy: Option<String>,
        }
    }
    after {
        #[derive(Model)]
        pub struct Account {
            pub id: i64,
            #[model(max_length = 200, unique)] pub email: String,
            #[model(index)] pub name: Option<String>,
            pub age: i64,
            #[model(default = "'active'")] pub status: String,
        }
    }
}
