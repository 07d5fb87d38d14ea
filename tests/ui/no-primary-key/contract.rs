use retort::Model;

// `no_primary_key` says the table has none: a `primary_key` field contradicts it, and
// `identity = false` needs a key of one column.
#[derive(Model)]
#[model(no_primary_key)]
pub struct Follow {
    #[model(primary_key)]
    pub user_id: i64,
    #[model(identity = false)]
    pub crate_id: i64,
}

#[derive(Model)]
pub struct Pair {
    #[model(primary_key, identity = false)]
    pub a: i64,
    #[model(primary_key)]
    pub b: i64,
    #[model(identity = true)]
    pub c: i64,
}

// A name for a key the table does not have.
#[derive(Model)]
#[model(no_primary_key, primary_key_name = "logs_pk")]
pub struct Log {
    pub line: String,
}

fn main() {}
