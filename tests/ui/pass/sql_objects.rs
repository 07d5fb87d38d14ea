// Functions and triggers declared next to the models are registered with their statement.
use retort::Model;

#[derive(Model)]
pub struct Item {
    pub id: i64,
    pub touched: i32,
}

retort::function!(
    r#"CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.touched := OLD.touched + 1;
    RETURN NEW;
END
$$"#
);
retort::trigger!("CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch()");

fn main() {
    let declared = retort::registry::declarations();
    assert_eq!(declared.len(), 2);
    assert_eq!(declared[0].kind, retort::DeclarationKind::Function);
    assert!(declared[1].sql.starts_with("CREATE TRIGGER items_touch"));
    let schema = retort::registry::schema().expect("valid");
    assert_eq!(schema.functions.len(), 1);
    assert!(schema.functions.contains_key("touch()"));
    assert_eq!(
        schema.tables["items"].unmodeled[0].trigger_name(),
        Some("items_touch")
    );
}
