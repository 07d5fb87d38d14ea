use retort::Model;

#[derive(Model)]
#[model(unique)]
#[model(unique(name = "uq_users_x"))]
#[model(unique(columns("org_id", "email"), colour = "red"))]
#[model(unique(columns("org_id", "nope"), name = "uq\0users"))]
#[model(unique(columns("org_id"), include("missing")))]
pub struct User {
    pub id: i64,
    pub org_id: i64,
    pub email: String,
}

fn main() {}
