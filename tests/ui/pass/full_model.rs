//! The complete example: every field attribute, a named struct-level index, registration.

use chrono::NaiveDateTime;
use retort::schema::{FkAction, SqlType};
use retort::Model;

#[derive(Model)]
#[model(table = "users")]
#[model(index(columns("last_name", "first_name"), name = "ix_users_name"))]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[model(max_length = 255, unique)]
    pub email: String,
    pub bio: Option<String>,
    #[model(default = "0")]
    pub age: i32,
    #[model(references = "orgs.id", on_delete = "cascade")]
    pub org_id: i64,
    #[model(column = "created", index)]
    pub created_at: NaiveDateTime,
    #[model(sql_type = "NUMERIC(10,2)")]
    pub balance: String,
    pub first_name: String,
    pub last_name: String,
    #[model(skip)]
    pub cache: Option<String>,
}

fn main() {
    assert_eq!(User::TABLE, "users");
    let table = <User as Model>::table();
    assert_eq!(table.name, "users");

    let columns: Vec<(&str, &SqlType, bool, Option<&str>)> = table
        .columns
        .iter()
        .map(|c| (c.name.as_str(), &c.ty, c.nullable, c.default.as_deref()))
        .collect();
    let numeric = SqlType::Numeric {
        precision: Some(10),
        scale: Some(2),
    };
    assert_eq!(
        columns,
        [
            ("id", &SqlType::BigInt, false, None),
            ("email", &SqlType::Varchar(255), false, None),
            ("bio", &SqlType::Text, true, None),
            ("age", &SqlType::Integer, false, Some("0")),
            ("org_id", &SqlType::BigInt, false, None),
            ("created", &SqlType::Timestamp, false, None),
            ("balance", &numeric, false, None),
            ("first_name", &SqlType::Text, false, None),
            ("last_name", &SqlType::Text, false, None),
        ]
    );
    assert_eq!(table.primary_key, ["id"]);

    assert_eq!(table.foreign_keys.len(), 1);
    let fk = &table.foreign_keys[0];
    assert_eq!(fk.name, "fk_users_org_id_orgs");
    assert_eq!(fk.columns, ["org_id"]);
    assert_eq!(fk.ref_table, "orgs");
    assert_eq!(fk.ref_columns, ["id"]);
    assert_eq!(fk.on_delete, FkAction::Cascade);
    assert_eq!(fk.on_update, FkAction::NoAction);

    let indexes: Vec<(&str, Vec<&str>, bool)> = table
        .indexes
        .iter()
        .map(|i| {
            let columns = i.columns.iter().map(String::as_str).collect();
            (i.name.as_str(), columns, i.unique)
        })
        .collect();
    assert_eq!(
        indexes,
        [
            ("ix_users_created", vec!["created"], false),
            ("ix_users_name", vec!["last_name", "first_name"], false),
            ("uq_users_email", vec!["email"], true),
        ]
    );

    // The derive registers the model; no direct `inventory` dependency is needed.
    let registered: Vec<&retort::ModelRegistration> =
        retort::__private::inventory::iter::<retort::ModelRegistration>
            .into_iter()
            .collect();
    assert_eq!(registered.len(), 1);
    assert_eq!(registered[0].table_name, "users");
    assert!(
        registered[0].rust_path.ends_with("::User"),
        "{}",
        registered[0].rust_path
    );
    assert_eq!((registered[0].table)(), table);
}
