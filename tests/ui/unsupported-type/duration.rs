use retort::Model;

#[derive(Model)]
pub struct Job {
    pub id: i64,
    pub timeout: std::time::Duration,
    pub retry_after: Option<std::time::Duration>,
}

fn main() {}
