//! `renamed_from` on the struct and on a field reaches the table the derive builds.

use retort::Model;

#[derive(Model)]
#[model(table = "accounts", renamed_from = "users")]
pub struct Account {
    pub id: i64,
    #[model(renamed_from = "name")]
    pub fullname: String,
    pub email: String,
}

fn main() {
    let table = <Account as Model>::table();
    assert_eq!(table.renamed_from.as_deref(), Some("users"));
    assert_eq!(table.columns[1].renamed_from.as_deref(), Some("name"));
    assert_eq!(table.columns[2].renamed_from, None);
}
