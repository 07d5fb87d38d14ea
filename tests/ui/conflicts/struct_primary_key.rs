use retort::Model;

// The struct's `primary_key(columns(...))` is the whole key: its columns exist, no field says
// `primary_key` too, the table is not `no_primary_key`, and no key column is generated.
#[derive(Model)]
#[model(primary_key(columns("tag", "post")))]
pub struct PostTag {
    #[model(primary_key)]
    pub post_id: i64,
    pub tag: String,
}

#[derive(Model)]
#[model(no_primary_key, primary_key(columns("line")))]
pub struct Log {
    pub line: String,
}

#[derive(Model)]
#[model(primary_key(columns("a", "twice")))]
pub struct Sum {
    pub a: i64,
    #[model(generated = "a * 2", stored)]
    pub twice: i64,
}

// On the struct, `primary_key` lists the columns.
#[derive(Model)]
#[model(primary_key)]
pub struct Tag {
    pub id: i64,
}

fn main() {}
