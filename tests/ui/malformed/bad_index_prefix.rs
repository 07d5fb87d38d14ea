use retort::Model;

#[derive(Model)]
#[model(index(columns("body"), prefix))]
#[model(index(columns("body"), prefix()))]
#[model(index(columns("body"), prefix(body)))]
#[model(index(columns("body"), prefix(body = 0)))]
#[model(index(columns("body"), prefix(body = "100")))]
#[model(index(columns("body"), prefix(body = 10, "body" = 20)))]
#[model(index(columns("body"), prefix(title = 10)))]
#[model(index(keys("lower(title)"), name = "ix_lower", prefix(title = 10)))]
pub struct Post {
    pub id: i64,
    pub title: String,
    pub body: String,
}

fn main() {}
