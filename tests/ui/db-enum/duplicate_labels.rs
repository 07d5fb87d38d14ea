use retort::DbEnum;

#[derive(DbEnum)]
pub enum Mood {
    Happy,
    #[db_enum(rename = "happy")]
    Glad,
    VerySad,
    #[db_enum(rename = "very_sad")]
    Blue,
}

fn main() {}
