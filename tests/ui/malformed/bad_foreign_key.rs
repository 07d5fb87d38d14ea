use retort::Model;

#[derive(Model)]
#[model(foreign_key)]
#[model(foreign_key(columns("org_id")))]
#[model(foreign_key(references = "orgs(id)"))]
#[model(foreign_key(columns("org_id", "org_region"), references = "orgs(id)"))]
#[model(foreign_key(columns("org_id"), references = "orgs.id"))]
#[model(foreign_key(columns("org_id"), references = "orgs(id)", on_update = "boom"))]
#[model(foreign_key(columns("nope"), references = "orgs(id)", deferrable = true))]
#[model(foreign_key(columns("org_region"), references = "orgs(region)", name = "fk\0x"))]
pub struct Member {
    pub id: i64,
    pub org_id: i64,
    pub org_region: String,
}

fn main() {}
