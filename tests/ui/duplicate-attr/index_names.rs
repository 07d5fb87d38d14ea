use retort::Model;

#[derive(Model)]
#[model(unique(columns("email")))]
#[model(index(columns("org_id", "email"), unique), unique(columns("org_id", "email")))]
#[model(unique(columns("id"), name = "ix_users_org_id"))]
pub struct User {
    pub id: i64,
    #[model(index)]
    pub org_id: i64,
    #[model(unique)]
    pub email: String,
}

fn main() {}
