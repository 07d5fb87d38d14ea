use retort::Model;

#[derive(Model)]
#[model(table)]
pub struct User {
    pub id: i64,
    #[model(max_length)]
    pub name: String,
    #[model(column("full_name"))]
    pub full_name: String,
}

fn main() {}
