use retort::Model;

#[derive(Model)]
#[model(index(columns("email"), keys("lower(email)")))]
#[model(index(keys("lower(email)")))]
#[model(index(keys()))]
#[model(index(keys("", 3), name = "ix_users_k"))]
#[model(index(columns("email"), nulls_not_distinct))]
#[model(index(columns("email"), method = "gim"))]
#[model(index(columns("email"), where = " "))]
#[model(index(columns("email"), include("nope")))]
pub struct User {
    pub id: i64,
    pub email: String,
}

fn main() {}
