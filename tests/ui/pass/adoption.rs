//! What real databases have: a table without a primary key, a key the application assigns,
//! a NOT VALID check and names that are not Rust-like identifiers.
use retort::Model;

#[derive(Model)]
#[model(table = "Follows", no_primary_key)]
#[model(check(name = "ck follows", expr = "\"User Id\" > 0", not_valid))]
pub struct Follow {
    pub id: i64,
    #[model(column = "User Id", references = "\"Crate Downloads\".\"Crate Id\"", index)]
    pub user_id: i32,
}

#[derive(Model)]
#[model(table = "Crate Downloads")]
pub struct CrateDownload {
    #[model(primary_key, identity = false, column = "Crate Id")]
    pub crate_id: i32,
    #[model(column = "e-mail")]
    pub email: String,
}

fn main() {
    use retort::Model as _;
    let follows = Follow::table();
    assert!(follows.primary_key.is_empty());
    assert_eq!(follows.indexes[0].name, "ix_Follows_User Id");
    assert!(CrateDownload::table().no_identity);
}
