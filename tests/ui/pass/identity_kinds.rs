use retort::Model;

/// A type of the application's that maps to an integer column.
pub struct UserId(pub i64);

impl retort::ColumnType for UserId {
    fn sql_type() -> retort::schema::SqlType {
        retort::schema::SqlType::BigInt
    }
}
impl retort::IntegerColumn for UserId {}

#[derive(Model)]
pub struct Visit {
    #[model(identity = "always")]
    pub id: i64,
    #[model(serial)]
    pub user_id: UserId,
    #[model(serial = "visits_n_seq")]
    pub n: Option<i32>,
    #[model(serial(name = "visits_m_seq", ty = "bigint"), sql_type = "INTEGER")]
    pub m: i32,
}

fn main() {
    use retort::Model as _;
    let table = Visit::table();
    assert_eq!(table.identity.as_deref(), Some("id"));
    assert_eq!(table.identity_kind, retort::schema::IdentityKind::Always);
    assert_eq!(table.serial, ["m", "n", "user_id"]);
    assert_eq!(
        table.serial_options["m"].ty,
        Some(retort::schema::SqlType::BigInt)
    );
}
