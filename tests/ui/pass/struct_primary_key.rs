//! A composite primary key in another order than its fields: the struct's
//! `primary_key(columns(...))` lists the key's columns (not fields) in the key's order.

use retort::Model;

#[derive(Model)]
#[model(primary_key(columns("tag", "post_id")))]
pub struct PostTag {
    pub post_id: i64,
    #[model(column = "tag")]
    pub label: String,
    pub id: i64,
}

fn main() {
    let table = PostTag::table();
    assert_eq!(table.primary_key, ["tag", "post_id"]);
    // `id` is a plain column here: the struct's key is the whole key.
    assert_eq!(table.identity, None);
}
