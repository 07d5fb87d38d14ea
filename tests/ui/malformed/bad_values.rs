use retort::Model;

#[derive(Model)]
#[model(table = "")]
pub struct User {
    pub id: i64,
    #[model(max_length = 0)]
    pub name: String,
    #[model(default = "", column = "a\0b")]
    pub second: String,
    #[model(sql_type = "")]
    pub raw: String,
}

fn main() {}
