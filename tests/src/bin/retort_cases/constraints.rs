//! Issue 13's constraints and indexes: composite unique constraints, index properties (partial,
//! expression keys, key order, methods, INCLUDE, NULLS NOT DISTINCT) and composite, deferrable
//! foreign keys.

use crate::{case, Backends, Outcome};

case! {
    /// A unique constraint over two columns is added (PostgreSQL: ADD CONSTRAINT ... UNIQUE;
    /// SQLite: a unique index); the rows, all distinct, stay.
    add_composite_unique {
        seed: "INSERT INTO members (id, org_id, email) VALUES (1, 1, 'a'), (2, 2, 'a');",
    }
    before {
        #[derive(Model)]
        pub struct Member { pub id: i64, pub org_id: i64, pub email: String }
    }
    after {
        #[derive(Model)]
        #[model(unique(columns("org_id", "email")))]
        pub struct Member { pub id: i64, pub org_id: i64, pub email: String }
    }
}

case! {
    /// A partial index, a unique expression index and a descending key are created, each as the
    /// statement the backend keeps; check is clean afterwards.
    add_index_properties {
        seed: "INSERT INTO members (id, org_id, email, deleted_at) VALUES (1, 1, 'A@x', NULL), (2, 1, 'b@x', 5);",
    }
    before {
        #[derive(Model)]
        pub struct Member {
            pub id: i64,
            pub org_id: i64,
            pub email: String,
            pub created_at: Option<i64>,
            pub deleted_at: Option<i64>,
        }
    }
    after {
        #[derive(Model)]
        #[model(index(columns("email"), where = "deleted_at IS NULL"))]
        #[model(index(keys("lower(email)"), name = "uq_members_lower_email", unique))]
        #[model(index(keys("org_id", "created_at DESC"), name = "ix_members_recent"))]
        #[model(index(keys("org_id", "\"email\" ASC"), name = "ix_members_plain", method = "btree"))]
        pub struct Member {
            pub id: i64,
            pub org_id: i64,
            pub email: String,
            pub created_at: Option<i64>,
            pub deleted_at: Option<i64>,
        }
    }
}

case! {
    /// The same index properties declared on both sides: no difference.
    declared_index_properties_are_no_change { outcome: Outcome::Unchanged }
    before {
        #[derive(Model)]
        #[model(index(columns("email"), where = "deleted_at IS NULL"))]
        #[model(index(keys("lower(email)"), name = "uq_members_lower_email", unique))]
        #[model(unique(columns("org_id", "email")))]
        pub struct Member { pub id: i64, pub org_id: i64, pub email: String, pub deleted_at: Option<i64> }
    }
    after {
        #[derive(Model)]
        #[model(index(columns("email"), where = "deleted_at IS NULL"))]
        #[model(index(keys("lower(email)"), name = "uq_members_lower_email", unique))]
        #[model(unique(columns("org_id", "email")))]
        pub struct Member { pub id: i64, pub org_id: i64, pub email: String, pub deleted_at: Option<i64> }
    }
}

case! {
    /// A partial index's predicate changes: the old index is dropped and the new one created;
    /// down does the reverse.
    change_index_predicate {
        seed: "INSERT INTO members (id, email, deleted_at) VALUES (1, 'a', NULL), (2, 'b', 3);",
    }
    before {
        #[derive(Model)]
        #[model(index(columns("email"), where = "deleted_at IS NULL"))]
        pub struct Member { pub id: i64, pub email: String, pub deleted_at: Option<i64> }
    }
    after {
        #[derive(Model)]
        #[model(index(columns("email"), where = "deleted_at IS NOT NULL"))]
        pub struct Member { pub id: i64, pub email: String, pub deleted_at: Option<i64> }
    }
}

case! {
    /// PostgreSQL's own index properties: a hash index, INCLUDE, NULLS LAST, and NULLS NOT
    /// DISTINCT on a unique index and on a unique constraint.
    postgres_index_properties {
        seed: "INSERT INTO members (id, org_id, email, nick) VALUES (1, 1, 'a', NULL), (2, 2, 'b', 'x');",
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        pub struct Member { pub id: i64, pub org_id: i64, pub email: String, pub nick: Option<String> }
    }
    after {
        #[derive(Model)]
        #[model(index(columns("email"), method = "hash"))]
        #[model(index(columns("org_id"), include("email", "nick"), name = "ix_members_org_incl"))]
        #[model(index(keys("nick DESC NULLS LAST"), name = "ix_members_nick"))]
        #[model(index(columns("nick"), unique, nulls_not_distinct, name = "uq_members_nick"))]
        #[model(unique(columns("org_id", "nick"), nulls_not_distinct))]
        pub struct Member { pub id: i64, pub org_id: i64, pub email: String, pub nick: Option<String> }
    }
}

case! {
    /// Storage parameters (`WITH (...)`, PostgreSQL): declared as the server keeps them, and a
    /// changed one is the index dropped and created again.
    index_storage_parameters {
        seed: "INSERT INTO visits (id, day) VALUES (1, '2026-01-01');",
        backends: Backends::Postgres,
    }
    before {
        #[derive(Model)]
        #[model(index(columns("day"), method = "brin", with = "pages_per_range = 1", name = "ix_visits_day"))]
        pub struct Visit { pub id: i64, #[model(sql_type = "DATE")] pub day: String }
    }
    after {
        #[derive(Model)]
        #[model(index(columns("day"), method = "brin", with = "pages_per_range = 4", name = "ix_visits_day"))]
        pub struct Visit { pub id: i64, #[model(sql_type = "DATE")] pub day: String }
    }
}

case! {
    /// SQLite indexes have no storage parameters: autogenerate refuses `with` with the reason.
    sqlite_refuses_storage_parameters {
        backends: Backends::Sqlite,
        outcome: Outcome::Refused("SQLite indexes have no storage parameters"),
    }
    before {
        #[derive(Model)]
        pub struct Visit { pub id: i64, pub day: String }
    }
    after {
        #[derive(Model)]
        #[model(index(columns("day"), with = "fillfactor = 70", name = "ix_visits_day"))]
        pub struct Visit { pub id: i64, pub day: String }
    }
}

case! {
    /// SQLite has only B-tree indexes: autogenerate refuses a `gin` index with the reason.
    sqlite_refuses_index_method {
        backends: Backends::Sqlite,
        outcome: Outcome::Refused("SQLite has only B-tree indexes"),
    }
    before {
        #[derive(Model)]
        pub struct Member { pub id: i64, pub email: String }
    }
    after {
        #[derive(Model)]
        #[model(index(columns("email"), method = "gin"))]
        pub struct Member { pub id: i64, pub email: String }
    }
}

case! {
    /// A foreign key over two columns to a composite unique constraint is added, deferred to
    /// commit, and a single-column one made DEFERRABLE; the rows that satisfy them stay.
    add_composite_deferrable_foreign_key {
        seed: "INSERT INTO orgs (id, region) VALUES (1, 'eu'); INSERT INTO teams (id) VALUES (5); INSERT INTO members (id, team_id, org_id, org_region) VALUES (1, 5, 1, 'eu');",
    }
    before {
        #[derive(Model)]
        #[model(unique(columns("id", "region")))]
        pub struct Org { pub id: i64, pub region: String }
        #[derive(Model)]
        pub struct Team { pub id: i64 }
        #[derive(Model)]
        pub struct Member { pub id: i64, #[model(references = "teams.id")] pub team_id: i64, pub org_id: i64, pub org_region: String }
    }
    after {
        #[derive(Model)]
        #[model(unique(columns("id", "region")))]
        pub struct Org { pub id: i64, pub region: String }
        #[derive(Model)]
        pub struct Team { pub id: i64 }
        #[derive(Model)]
        #[model(foreign_key(columns("org_id", "org_region"), references = "orgs(id, region)", on_delete = "cascade", name = "fk_members_org", initially_deferred))]
        pub struct Member {
            pub id: i64,
            #[model(references = "teams.id", deferrable)]
            pub team_id: i64,
            pub org_id: i64,
            pub org_region: String,
        }
    }
}

case! {
    /// A composite primary key that another table's foreign key references changes its column
    /// order, and the key with it: PostgreSQL's foreign key depends on the key's index, so it
    /// is dropped before the key (although its table sorts after) and added after; down is
    /// the exact reverse.
    reorder_primary_key_under_a_foreign_key {
        seed: "INSERT INTO regions (country, code, name) VALUES ('fr', 'idf', 'Paris'); \
               INSERT INTO stores (id, country, code) VALUES (1, 'fr', 'idf');",
    }
    before {
        #[derive(Model)]
        pub struct Region {
            #[model(primary_key)] pub country: String,
            #[model(primary_key)] pub code: String,
            pub name: String,
        }
        #[derive(Model)]
        #[model(foreign_key(columns("country", "code"), references = "regions(country, code)"))]
        pub struct Store { pub id: i64, pub country: String, pub code: String }
    }
    after {
        #[derive(Model)]
        pub struct Region {
            #[model(primary_key)] pub code: String,
            #[model(primary_key)] pub country: String,
            pub name: String,
        }
        #[derive(Model)]
        #[model(foreign_key(columns("code", "country"), references = "regions(code, country)"))]
        pub struct Store { pub id: i64, pub country: String, pub code: String }
    }
}

case! {
    /// The referenced primary key gains a column and a unique constraint keeps the old columns
    /// unique: the foreign key (in a table that sorts before and one that sorts after) now
    /// rests on the unique constraint; down drops it again before the unique goes.
    widen_primary_key_under_a_foreign_key {
        seed: "INSERT INTO regions (country, code, version) VALUES ('fr', 'idf', 1); \
               INSERT INTO cities (id, country, code) VALUES (1, 'fr', 'idf'); \
               INSERT INTO stores (id, country, code) VALUES (1, 'fr', 'idf');",
    }
    before {
        #[derive(Model)]
        pub struct Region {
            #[model(primary_key)] pub country: String,
            #[model(primary_key)] pub code: String,
            pub version: i32,
        }
        #[derive(Model)]
        #[model(table = "cities", foreign_key(columns("country", "code"), references = "regions(country, code)"))]
        pub struct City { pub id: i64, pub country: String, pub code: String }
        #[derive(Model)]
        #[model(foreign_key(columns("country", "code"), references = "regions(country, code)"))]
        pub struct Store { pub id: i64, pub country: String, pub code: String }
    }
    after {
        #[derive(Model)]
        #[model(unique(columns("country", "code")))]
        pub struct Region {
            #[model(primary_key)] pub country: String,
            #[model(primary_key)] pub code: String,
            #[model(primary_key)] pub version: i32,
        }
        #[derive(Model)]
        #[model(table = "cities", foreign_key(columns("country", "code"), references = "regions(country, code)"))]
        pub struct City { pub id: i64, pub country: String, pub code: String }
        #[derive(Model)]
        #[model(foreign_key(columns("country", "code"), references = "regions(country, code)"))]
        pub struct Store { pub id: i64, pub country: String, pub code: String }
    }
}
