use retort::Model;

#[derive(Model)]
#[model(check)]
#[model(check(name = "ck_users_age"))]
#[model(check(expr = "  "))]
#[model(check(expr = "age >= 0", name = "ck\0users"))]
#[model(check(expr = "age >= 0", colour = "red"))]
#[model(check(expr = "age < 200", name = "ck_users_1"), check(expr = "age <> 7"))]
pub struct User {
    pub id: i64,
    pub age: i32,
}

fn main() {}
