//! A composite primary key, conventional table and index names, foreign key actions in every
//! accepted spelling, and several `#[model]` attributes on one field.

use retort::schema::{FkAction, SqlType};
use retort::Model;

#[derive(Model)]
#[model(index(columns("tag_id", "post_id"), unique), index(columns("weight")))]
pub struct PostTag {
    #[model(primary_key, references = "posts.id", on_delete = "CASCADE")]
    pub post_id: i64,
    #[model(primary_key)]
    #[model(
        references = "tags.id",
        on_delete = "set_null",
        on_update = "Set Default"
    )]
    pub tag_id: i64,
    #[model(
        references = "users.id",
        on_delete = "no action",
        on_update = "RESTRICT"
    )]
    pub added_by: Option<i64>,
    pub weight: f64,
}

fn main() {
    assert_eq!(PostTag::TABLE, "post_tags");
    let table = PostTag::table();
    assert_eq!(table.primary_key, ["post_id", "tag_id"]);
    assert_eq!(table.column("added_by").unwrap().ty, SqlType::BigInt);
    assert!(table.column("added_by").unwrap().nullable);
    assert_eq!(table.column("weight").unwrap().ty, SqlType::Double);

    let fks: Vec<(&str, &str, FkAction, FkAction)> = table
        .foreign_keys
        .iter()
        .map(|fk| {
            (
                fk.name.as_str(),
                fk.ref_table.as_str(),
                fk.on_delete,
                fk.on_update,
            )
        })
        .collect();
    assert_eq!(
        fks,
        [
            (
                "fk_post_tags_added_by_users",
                "users",
                FkAction::NoAction,
                FkAction::Restrict
            ),
            (
                "fk_post_tags_post_id_posts",
                "posts",
                FkAction::Cascade,
                FkAction::NoAction
            ),
            (
                "fk_post_tags_tag_id_tags",
                "tags",
                FkAction::SetNull,
                FkAction::SetDefault
            ),
        ]
    );

    let indexes: Vec<(&str, bool)> = table
        .indexes
        .iter()
        .map(|i| (i.name.as_str(), i.unique))
        .collect();
    assert_eq!(
        indexes,
        [
            ("ix_post_tags_weight", false),
            ("uq_post_tags_tag_id_post_id", true)
        ]
    );
}
