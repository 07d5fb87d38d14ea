use retort::DbEnum;

#[derive(DbEnum)]
#[db_enum(name = "mood", nme = "x")]
#[db_enum(rename = "m")]
pub enum Mood {
    #[db_enum(rename = 5)]
    Happy,
    #[db_enum(name = "sad", rename = "sad", rename = "blue")]
    Sad,
    #[db_enum]
    Meh,
}

fn main() {}
