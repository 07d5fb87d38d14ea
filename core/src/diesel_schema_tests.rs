//! Tests of `diesel_schema.rs`.

use super::*;
use crate::dialect::{Postgres, Sqlite};
use crate::schema::{Column, FkAction, ForeignKey, SqlType};

fn pg() -> Flavor<'static> {
    Flavor::of(&Postgres).expect("diesel knows PostgreSQL")
}

fn lite() -> Flavor<'static> {
    Flavor::of(&Sqlite).expect("diesel knows SQLite")
}

fn users() -> Table {
    let mut t = Table::new("users");
    t.columns.push(Column::new("id", SqlType::BigInt, false));
    t.columns
        .push(Column::new("email", SqlType::Varchar(100), false));
    t.columns.push(Column::new("type", SqlType::Text, true));
    t.columns
        .push(Column::new("tags", SqlType::Custom("TEXT[]".into()), false));
    t.columns.push(Column::new(
        "search",
        SqlType::Custom("TSVECTOR".into()),
        true,
    ));
    t.primary_key = vec!["id".into()];
    t.comment = Some("People.".into());
    t
}

fn fk(name: &str, column: &str, to: &str) -> ForeignKey {
    ForeignKey {
        name: name.into(),
        columns: vec![column.into()],
        ref_table: to.into(),
        ref_columns: vec!["id".into()],
        on_delete: FkAction::NoAction,
        on_update: FkAction::NoAction,
        deferrable: Default::default(),
    }
}

fn schema() -> Schema {
    let mut posts = Table::new("posts");
    posts
        .columns
        .push(Column::new("id", SqlType::Integer, false));
    posts
        .columns
        .push(Column::new("author_id", SqlType::BigInt, false));
    posts
        .columns
        .push(Column::new("editor id", SqlType::BigInt, true));
    posts.primary_key = vec!["id".into()];
    posts.foreign_keys.push(fk("a", "author_id", "users"));
    let mut log = Table::new("log");
    log.columns.push(Column::new("line", SqlType::Text, false));
    let mut s = Schema::new();
    s.insert(users());
    s.insert(posts);
    s.insert(log);
    s
}

#[test]
fn a_table_of_another_schema_is_diesels_schema_dot_table() {
    let mut invoices = Table::new("billing.invoices");
    invoices
        .columns
        .push(Column::new("id", SqlType::BigInt, false));
    invoices.primary_key = vec!["id".into()];
    let mut payments = Table::new("payments");
    payments
        .columns
        .push(Column::new("id", SqlType::BigInt, false));
    payments
        .columns
        .push(Column::new("invoice_id", SqlType::BigInt, false));
    payments.primary_key = vec!["id".into()];
    payments
        .foreign_keys
        .push(fk("f", "invoice_id", "billing.invoices"));
    let mut s = Schema::new();
    s.insert(invoices);
    s.insert(payments);
    let text = render(&s, pg(), "retort print-schema");
    assert!(text.contains("    billing.invoices (id) {\n"), "{text}");
    assert!(
        text.contains("diesel::joinable!(payments -> invoices (invoice_id));"),
        "{text}"
    );
    assert!(
        text.contains("diesel::allow_tables_to_appear_in_same_query!(invoices, payments,);"),
        "{text}"
    );
}

#[test]
fn postgres_names_max_length_arrays_custom_types_and_joins() {
    let text = render(&schema(), pg(), "retort print-schema");
    assert!(text.starts_with(HEADER), "{text}");
    assert!(
        text.contains("        #[max_length = 100]\n        email -> Varchar,\n"),
        "{text}"
    );
    assert!(
        text.contains("        #[sql_name = \"type\"]\n        type_ -> Nullable<Text>,\n"),
        "{text}"
    );
    assert!(
        text.contains("        tags -> Array<Nullable<Text>>,\n"),
        "{text}"
    );
    assert!(
        text.contains("#[diesel(postgres_type(name = \"tsvector\"))]\n    pub struct Tsvector;"),
        "{text}"
    );
    assert!(
        text.contains("    use super::sql_types::Tsvector;\n"),
        "{text}"
    );
    assert!(
        text.contains("        search -> Nullable<Tsvector>,\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "        #[sql_name = \"editor id\"]\n        editor_id -> Nullable<Int8>,\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("    /// People.\n    users (id) {\n"),
        "{text}"
    );
    assert!(
        text.contains("diesel::joinable!(posts -> users (author_id));"),
        "{text}"
    );
    assert!(
        text.contains("// Left out, as diesel's table! needs a primary key: log."),
        "{text}"
    );
    assert!(
        text.contains("diesel::allow_tables_to_appear_in_same_query!(posts, users,);"),
        "{text}"
    );
}

#[test]
fn sqlite_takes_affinity_names() {
    let text = render(&schema(), lite(), "retort print-schema");
    assert!(text.contains("        email -> Text,\n"), "{text}");
    assert!(!text.contains("max_length"), "{text}");
    assert!(text.contains("        id -> BigInt,\n"), "{text}");
    assert!(
        text.contains("        search -> Nullable<Text>,\n"),
        "{text}"
    );
    assert!(!text.contains("sql_types"), "{text}");
}

#[test]
fn a_long_table_list_takes_one_line_per_table_as_rustfmt_would() {
    let mut s = Schema::new();
    for i in 0..8 {
        let mut t = Table::new(format!("a_rather_long_table_name_{i}"));
        t.columns.push(Column::new("id", SqlType::BigInt, false));
        t.primary_key = vec!["id".into()];
        s.insert(t);
    }
    let text = render(&s, lite(), "retort print-schema");
    assert!(
        text.contains("same_query!(\n    a_rather_long_table_name_0,\n"),
        "{text}"
    );
}

#[test]
fn two_keys_to_one_table_are_not_joinable() {
    let mut s = schema();
    let posts = s.tables.get_mut("posts").unwrap();
    posts.foreign_keys.push(fk("b", "editor id", "users"));
    let text = render(&s, pg(), "retort print-schema");
    assert!(!text.contains("joinable"), "{text}");
}

#[test]
fn keys_both_ways_between_two_tables_are_not_joinable() {
    let mut s = schema();
    // users.pinned_post -> posts.id while posts.author_id -> users.id: diesel_cli leaves the
    // pair out (two joinable! impls of one pair conflict, E0119).
    let users = s.tables.get_mut("users").unwrap();
    users
        .columns
        .push(Column::new("pinned_post", SqlType::Integer, true));
    users.foreign_keys.push(fk("p", "pinned_post", "posts"));
    // A third table still joins: its only key to users is its own pair.
    let mut notes = Table::new("notes");
    notes
        .columns
        .push(Column::new("id", SqlType::BigInt, false));
    notes
        .columns
        .push(Column::new("user_id", SqlType::BigInt, false));
    notes.primary_key = vec!["id".into()];
    notes.foreign_keys.push(fk("n", "user_id", "users"));
    s.insert(notes);
    let text = render(&s, pg(), "retort print-schema");
    assert!(!text.contains("joinable!(posts"), "{text}");
    assert!(!text.contains("joinable!(users"), "{text}");
    assert!(
        text.contains("diesel::joinable!(notes -> users (user_id));"),
        "{text}"
    );
}

#[test]
fn a_composite_key_keeps_its_order_not_the_columns_order() {
    let mut s = Schema::new();
    let mut t = Table::new("post_tags");
    t.columns
        .push(Column::new("post_id", SqlType::BigInt, false));
    t.columns.push(Column::new("tag", SqlType::Text, false));
    t.columns.push(Column::new("type", SqlType::Text, false));
    t.primary_key = vec!["type".into(), "tag".into(), "post_id".into()];
    s.insert(t);
    for flavor in [lite(), pg()] {
        let text = render(&s, flavor, "retort print-schema");
        assert!(
            text.contains("    post_tags (type_, tag, post_id) {\n        post_id -> "),
            "{text}"
        );
    }
}

#[test]
fn a_view_is_a_table_keyed_by_its_key_or_first_column() {
    let mut s = schema();
    let mut counts = crate::sql::view(
        "post_counts",
        "SELECT author_id, count(*) AS n FROM posts GROUP BY author_id",
        false,
    );
    counts
        .columns
        .push(Column::new("author_id", SqlType::BigInt, false));
    counts
        .columns
        .push(Column::new("n", SqlType::BigInt, false));
    s.views.insert(counts.name.clone(), counts.clone());
    let mut emails = crate::sql::view("user emails", "SELECT email FROM users", true);
    emails
        .columns
        .push(Column::new("id", SqlType::BigInt, false));
    emails
        .columns
        .push(Column::new("email", SqlType::Varchar(100), true));
    emails.key = vec!["email".into()];
    s.views.insert(emails.name.clone(), emails);
    let text = render(&s, pg(), "retort print-schema");
    assert!(
        text.contains(
            "// The view `post_counts`: diesel's table! needs a primary key, so its key here is\n\
             // (author_id), its first column (#[view(key = \"...\")] names another).\n\
             diesel::table! {\n    post_counts (author_id) {\n        author_id -> Int8,\n        \
             n -> Int8,\n    }\n}\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "// The materialized view `user emails`: diesel's table! needs a primary key, so its \
             key here is\n// (email), from #[view(key = \"...\")]."
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "    #[sql_name = \"user emails\"]\n    user_emails (email) {\n        id -> Int8,\n        \
             #[max_length = 100]\n        email -> Nullable<Varchar>,\n"
        ),
        "{text}"
    );
    // Listed with the tables; no joinable! (a view has no foreign keys).
    assert!(
        text.contains(
            "diesel::allow_tables_to_appear_in_same_query!(posts, users, post_counts, user_emails,);"
        ),
        "{text}"
    );
    assert!(!text.contains("joinable!(post_counts"), "{text}");
    // A view without columns (never declared so) is no table!.
    counts.columns.clear();
    let mut s = Schema::new();
    s.views.insert(counts.name.clone(), counts);
    assert!(!render(&s, lite(), "x").contains("table!"));
}
