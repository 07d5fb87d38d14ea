use retort::Model;

#[derive(Model)]
#[model(index(columns("email"), name = "ix_a", name = "ix_b"))]
pub struct User {
    pub id: i64,
    pub email: String,
}

fn main() {}
