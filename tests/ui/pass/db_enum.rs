use retort::{DbEnum, Model};

#[derive(DbEnum, Debug, Clone, Copy, PartialEq)]
#[db_enum(name = "mood")]
pub enum Mood {
    Happy,
    #[db_enum(rename = "so-so")]
    SoSo,
    VerySad,
}

#[derive(DbEnum)]
pub enum TicketState {
    Open,
    Closed,
}

#[derive(Model)]
pub struct Person {
    pub id: i64,
    #[model(default = "'happy'")]
    pub mood: Mood,
    pub last_mood: Option<Mood>,
    pub ticket: TicketState,
}

fn main() {
    let table = <Person as Model>::table();
    let mood = table.column("mood").unwrap();
    assert_eq!(mood.ty.to_string(), "ENUM mood(happy, so-so, very_sad)");
    assert!(!mood.nullable);
    assert!(table.column("last_mood").unwrap().nullable);
    assert_eq!(
        table.column("ticket").unwrap().ty.to_string(),
        "ENUM ticket_state(open, closed)"
    );
    assert_eq!(Mood::from_label(Mood::SoSo.label()), Some(Mood::SoSo));
    assert_eq!(Mood::from_label("angry"), None);
}
