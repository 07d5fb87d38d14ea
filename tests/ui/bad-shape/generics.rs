use retort::Model;

#[derive(Model)]
pub struct Wrapper<T> {
    pub id: i64,
    pub value: T,
}

#[derive(Model)]
pub struct Borrowed<'a> {
    pub id: i64,
    pub name: &'a str,
}

fn main() {}
