use retort::Model;

#[derive(Model)]
#[model(table = "orgs", unique(columns("id", "region")))]
pub struct Org {
    pub id: i64,
    pub region: String,
}

#[derive(Model)]
#[model(unique(columns("org_id", "email"), name = "uq_members_org_email"))]
#[model(unique(columns("org_id", "nick"), include("email"), nulls_not_distinct))]
#[model(index(columns("email"), where = "deleted_at IS NULL"))]
#[model(index(keys("lower(email)", "created_at DESC NULLS LAST"), name = "ix_members_lower", method = "btree"))]
#[model(index(columns("org_id"), include("email"), method = "hash"))]
#[model(index(columns("org_region", "email"), prefix(email = 20, "org_region" = 4)))]
#[model(foreign_key(columns("org_id", "org_region"), references = "orgs(id, region)", on_delete = "cascade", initially_deferred))]
pub struct Member {
    pub id: i64,
    #[model(references = "orgs.id", deferrable)]
    pub home_org: i64,
    pub org_id: i64,
    pub org_region: String,
    pub email: String,
    pub nick: Option<String>,
    pub created_at: i64,
    pub deleted_at: Option<i64>,
}

fn main() {
    let members = <Member as retort::Model>::table();
    assert_eq!(members.indexes.len(), 6);
    let prefixed = members.indexes.iter().find(|i| i.name == "ix_members_org_region_email").unwrap();
    assert_eq!(prefixed.prefixes, [Some(4), Some(20)]);
    let fk = members.foreign_keys.iter().find(|fk| fk.columns.len() == 2).unwrap();
    assert_eq!(fk.ref_columns, ["id", "region"]);
    assert_eq!(fk.deferrable, retort::schema::Deferrable::InitiallyDeferred);
    let uq = members.indexes.iter().find(|i| i.name == "uq_members_org_email").unwrap();
    assert!(uq.constraint && uq.unique);
    let orgs = <Org as retort::Model>::table();
    assert_eq!(orgs.indexes[0].name, "uq_orgs_id_region");
    assert!(retort::registry::schema().is_ok());
}
