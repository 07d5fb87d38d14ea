use retort::Model;

#[derive(Model)]
#[model(index)]
#[model(index(name = "ix_users_nothing"))]
#[model(index(columns()))]
#[model(index(columns("email", "email")))]
#[model(index(columns(email)))]
#[model(index(columns("mail", "created_at", "cache")))]
pub struct User {
    pub id: i64,
    pub email: String,
    #[model(column = "created")]
    pub created_at: i64,
    #[model(skip)]
    pub cache: String,
}

fn main() {}
