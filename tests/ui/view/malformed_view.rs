use retort::View;

#[derive(View)]
pub struct NoQuery {
    pub id: i64,
}

#[derive(View)]
#[view(sql = "SELECT 1 AS id", sql = "SELECT 2 AS id", colour = "red")]
#[view(materialized = "yes")]
pub struct Repeated {
    #[view(name = "x")]
    pub id: i64,
}

#[derive(View)]
#[view(sql = "  ; ", key = "nope")]
pub struct EmptyQueryAndBadKey {
    #[view(column = 3)]
    pub id: i64,
}

#[derive(View)]
#[view(sql = "SELECT 1")]
pub struct Tuple(i64);

fn main() {}
