//! The naming convention (Retort.toml's `[naming]`, issue 16): the names of the constraints and
//! indexes the models do not name.

use crate::{case, Outcome};

/// A convention unlike the default in every template, primary keys included.
const CUSTOM: &str = r#"
[naming]
ix = "{table}_{column_0}_idx"
uq = "{table}_{columns}_key"
fk = "{table}_{column_0}_fkey"
ck = "{table}_check_{n}"
pk = "pk_{table}"
"#;

case! {
    /// A project's convention names every index, unique, foreign key, check and primary key
    /// the models do not name, identically on both backends (SQLite's primary keys stay
    /// unnamed); a name a model gives is kept.
    custom_convention {
        seed: "INSERT INTO authors (id, name) VALUES (1, 'a');",
        config_before: CUSTOM,
        config_after: CUSTOM,
    }
    before {
        #[derive(Model)]
        pub struct Author { pub id: i64, pub name: String }
    }
    after {
        #[derive(Model)]
        pub struct Author { pub id: i64, pub name: String }
        #[derive(Model)]
        #[model(check(expr = "title <> ''"), index(columns("author_id", "title"), name = "posts_by_author"))]
        pub struct Post {
            pub id: i64,
            #[model(references = "authors.id")]
            pub author_id: i64,
            #[model(index)]
            pub title: String,
            #[model(unique)]
            pub slug: String,
        }
    }
}

case! {
    /// Changing the convention renames what the models do not name: PostgreSQL renames indexes,
    /// checks and the primary key in place (`ALTER INDEX ... RENAME TO`, `RENAME CONSTRAINT`),
    /// SQLite drops and creates the indexes and rebuilds the table for the check; foreign key
    /// names are not compared (SQLite does not report them), so an existing key keeps its name.
    convention_changed {
        seed: "INSERT INTO authors (id) VALUES (1); INSERT INTO posts (id, author_id, title, slug) VALUES (1, 1, 't', 's');",
        config_after: CUSTOM,
    }
    before {
        #[derive(Model)]
        pub struct Author { pub id: i64 }
        #[derive(Model)]
        #[model(check(expr = "title <> ''"))]
        pub struct Post {
            pub id: i64,
            #[model(references = "authors.id")]
            pub author_id: i64,
            #[model(index)]
            pub title: String,
            #[model(unique)]
            pub slug: String,
        }
    }
    after {
        #[derive(Model)]
        pub struct Author { pub id: i64 }
        #[derive(Model)]
        #[model(check(expr = "title <> ''"))]
        pub struct Post {
            pub id: i64,
            #[model(references = "authors.id")]
            pub author_id: i64,
            #[model(index)]
            pub title: String,
            #[model(unique)]
            pub slug: String,
        }
    }
}

case! {
    /// Conventional names longer than 63 bytes are cut and given a hash of the whole name
    /// (`_` + 8 hex digits), the same on both backends.
    long_names_are_hashed {}
    before {
        #[derive(Model)]
        pub struct Account { pub id: i64 }
    }
    after {
        #[derive(Model)]
        pub struct Account { pub id: i64 }
        #[derive(Model)]
        #[model(check(expr = "a_column_whose_name_pushes_the_conventional_names_past_63 > 0"))]
        pub struct LedgerEntry {
            pub id: i64,
            #[model(index, unique)]
            pub a_column_whose_name_pushes_the_conventional_names_past_63: i32,
            #[model(references = "accounts.id")]
            pub the_account_this_entry_belongs_to_named_at_some_length: i64,
        }
    }
}

case! {
    /// A name a model gives that is longer than 63 bytes is refused: PostgreSQL would cut it
    /// silently, and models and database would disagree on it from then on.
    long_given_name_refused {
        outcome: Outcome::Refused("more than the 63 PostgreSQL keeps"),
    }
    before {
        #[derive(Model)]
        pub struct Account { pub id: i64, pub email: String }
    }
    after {
        #[derive(Model)]
        #[model(index(columns("email"), name = "an_index_name_given_by_hand_that_is_far_longer_than_postgres_allows"))]
        pub struct Account { pub id: i64, pub email: String }
    }
}

case! {
    /// Under a `pk` template, a changed primary key is dropped and added again under the
    /// template's name.
    primary_key_changed_under_pk_template {
        seed: "INSERT INTO items (id, code) VALUES (1, 'a');",
        config_before: CUSTOM,
        config_after: CUSTOM,
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub code: String }
    }
    after {
        #[derive(Model)]
        pub struct Item {
            #[model(primary_key)]
            pub id: i64,
            #[model(primary_key)]
            pub code: String,
        }
    }
}

case! {
    /// A renamed table's indexes, checks, foreign keys and primary key follow the new name
    /// under the project's convention.
    rename_table_under_custom_convention {
        seed: "INSERT INTO items (id, name) VALUES (1, 'a'); INSERT INTO posts (id, item_id) VALUES (10, 1);",
        config_before: CUSTOM,
        config_after: CUSTOM,
    }
    before {
        #[derive(Model)]
        #[model(check(expr = "name <> ''"))]
        pub struct Item { pub id: i64, #[model(unique)] pub name: String }
        #[derive(Model)]
        pub struct Post { pub id: i64, #[model(references = "items.id")] pub item_id: i64 }
    }
    after {
        #[derive(Model)]
        #[model(table = "products", renamed_from = "items", check(expr = "name <> ''"))]
        pub struct Item { pub id: i64, #[model(unique)] pub name: String }
        #[derive(Model)]
        pub struct Post { pub id: i64, #[model(references = "products.id")] pub item_id: i64 }
    }
}
