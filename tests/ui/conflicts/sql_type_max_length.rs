use retort::Model;

#[derive(Model)]
pub struct User {
    pub id: i64,
    #[model(sql_type = "VARCHAR(80)", max_length = 80)]
    pub name: String,
}

fn main() {}
