use retort::Model;

#[derive(Model)]
#[model(table = "accounts", renamed_from = "accounts")]
pub struct Account {
    pub id: i64,
    #[model(renamed_from = "full\0name")]
    pub fullname: String,
    #[model(renamed_from = "email")]
    pub email: String,
    #[model(renamed_from = "")]
    pub nick: String,
    #[model(renamed_from = 3)]
    pub age: i32,
}

#[derive(Model)]
#[model(renamed_from = "old\0posts")]
pub struct Comment {
    pub id: i64,
}

#[derive(Model)]
#[model(schema = "billing", table = "posts", renamed_from = "billing.posts")]
pub struct Post {
    pub id: i64,
}

fn main() {}
