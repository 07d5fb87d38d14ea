//! `renamed_from` on the struct and on a field, and `generated` (with and without `stored`),
//! reach the table the derive builds.

use retort::Model;

#[derive(Model)]
#[model(table = "accounts", renamed_from = "users")]
pub struct Account {
    pub id: i64,
    #[model(renamed_from = "name")]
    pub fullname: String,
    pub email: String,
    #[model(generated = "lower(email)", stored)]
    pub email_key: String,
    #[model(generated = "length(email)")]
    pub email_len: Option<i64>,
}

fn main() {
    let table = <Account as Model>::table();
    assert_eq!(table.renamed_from.as_deref(), Some("users"));
    assert_eq!(table.columns[1].renamed_from.as_deref(), Some("name"));
    assert_eq!(table.columns[2].renamed_from, None);
    let generated = |i: usize| table.columns[i].generated.clone().map(|g| (g.expr, g.stored));
    assert_eq!(generated(2), None);
    assert_eq!(generated(3), Some(("lower(email)".to_owned(), true)));
    assert_eq!(generated(4), Some(("length(email)".to_owned(), false)));
}
