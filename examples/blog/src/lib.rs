//! Example: the models of a small blog. `cargo run -p cli -- <command>` in this repository
//! drives these models, with migrations in `examples/blog/migrations` (see `Retort.toml`).
//!
//! The repository's `retort` binary (cli/src/main.rs) compiles this file as a module of its own,
//! so that the `cli` package does not depend on this crate: keep it self-contained (no `crate::`
//! paths, no dependencies beyond `retort` and `chrono`).

use chrono::NaiveDateTime;
use retort::Model;

/// People who write posts and comments.
#[derive(Debug, Model)]
#[model(table = "users")]
pub struct User {
    pub id: i64,
    #[model(max_length = 255, unique)]
    pub email: String,
    #[model(max_length = 100)]
    pub display_name: String,
    pub bio: Option<String>,
    #[model(default = "CURRENT_TIMESTAMP")]
    pub created_at: NaiveDateTime,
}

/// A blog post.
#[derive(Debug, Model)]
pub struct Post {
    pub id: i64,
    #[model(references = "users.id", on_delete = "cascade", index)]
    pub author_id: i64,
    #[model(max_length = 200)]
    pub title: String,
    pub body: String,
    #[model(default = "false")]
    pub published: bool,
    pub published_at: Option<NaiveDateTime>,
}

/// A comment on a post.
#[derive(Debug, Model)]
pub struct Comment {
    pub id: i64,
    #[model(references = "posts.id", on_delete = "cascade", index)]
    pub post_id: i64,
    #[model(references = "users.id", on_delete = "set null")]
    pub author_id: Option<i64>,
    pub body: String,
    #[model(default = "CURRENT_TIMESTAMP")]
    pub created_at: NaiveDateTime,
}

/// A label for posts.
#[derive(Debug, Model)]
pub struct Tag {
    pub id: i64,
    #[model(max_length = 64, unique)]
    pub name: String,
}

/// Which tags a post carries: a composite primary key.
#[derive(Debug, Model)]
#[model(index(columns("tag_id", "post_id")))]
pub struct PostTag {
    #[model(primary_key, references = "posts.id", on_delete = "cascade")]
    pub post_id: i64,
    #[model(primary_key, references = "tags.id", on_delete = "cascade")]
    pub tag_id: i64,
}

#[cfg(test)]
mod tests {
    /// The committed migrations are complete (they produce exactly these models), form one
    /// line of history, and every one of them reverts cleanly.
    #[test]
    fn migrations_match_the_models_and_revert() {
        retort::testing::assert_single_head("migrations");
        retort::testing::assert_migrations_match_models("migrations");
        retort::testing::assert_migrations_revert("migrations");
    }
}
