use retort::{View, ViewModel};

#[derive(View)]
#[view(sql = "SELECT id, email FROM users WHERE active", key = "email")]
pub struct ActiveUser {
    pub id: i64,
    #[view(column = "email")]
    pub address: String,
    #[view(sql_type = "NUMERIC(10,2)")]
    pub balance: Option<String>,
}

#[derive(View)]
#[view(sql = "SELECT count(*) AS n FROM users", name = "user_count", materialized)]
pub struct UserCount {
    pub n: i64,
}

fn main() {
    assert_eq!(ActiveUser::VIEW, "active_users");
    let view = ActiveUser::view();
    assert_eq!(view.key, ["email"]);
    assert_eq!(view.columns[1].name, "email");
    assert!(view.columns[2].nullable);
    let count = UserCount::view();
    assert!(count.materialized);
    assert_eq!(count.name, "user_count");
    assert_eq!(count.key, ["n"]);
    let names: Vec<&str> = retort::registry::views().iter().map(|v| v.view_name).collect();
    assert_eq!(names, ["active_users", "user_count"]);
}
