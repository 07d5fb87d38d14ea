//! `#[derive(DbEnum)]` fields: a native enum type on PostgreSQL, checked TEXT on SQLite
//! (issue 13).

use crate::{case, Backends, Outcome};

case! {
    /// A new enum column (and its type, before the column) on a table with rows; down drops
    /// the column, then the type.
    add_enum_column { seed: "INSERT INTO people (id) VALUES (1), (2);" }
    before {
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64 }
    }
    after {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum Mood { Happy, VerySad }
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person {
            pub id: i64,
            #[model(default = "'happy'")]
            pub mood: Mood,
            pub was: Option<Mood>,
        }
    }
}

case! {
    /// A new table whose columns use a new enum type: the type comes first, and goes last.
    new_table_with_enum { seed: "INSERT INTO items (id) VALUES (1);" }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
    }
    after {
        use retort::DbEnum;
        #[derive(DbEnum)]
        #[db_enum(name = "ticket_state")]
        pub enum State { Open, #[db_enum(rename = "on-hold")] OnHold, Closed }
        #[derive(Model)]
        pub struct Item { pub id: i64 }
        #[derive(Model)]
        pub struct Ticket { pub id: i64, pub state: State, pub previous: Option<State> }
    }
}

case! {
    /// A label added in the middle: `ALTER TYPE ... ADD VALUE ... AFTER` on PostgreSQL, a
    /// rebuild with the wider CHECK on SQLite; rows keep their labels; down removes it.
    add_label_in_the_middle {
        seed: "INSERT INTO people (id, mood) VALUES (1, 'happy'), (2, 'sad');",
    }
    before {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum Mood { Happy, Sad }
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64, pub mood: Mood }
    }
    after {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum Mood { Happy, Meh, Sad }
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64, pub mood: Mood }
    }
}

case! {
    /// A label no row holds is removed (the type swapped on PostgreSQL, the table rebuilt on
    /// SQLite), the column's default kept; down brings it back in its place.
    remove_unused_label {
        seed: "INSERT INTO people (id, mood) VALUES (1, 'happy'), (2, 'sad');",
        flags: &["--allow-destructive"],
    }
    before {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum Mood { Happy, Meh, Sad }
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64, #[model(default = "'sad'")] pub mood: Mood }
    }
    after {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum Mood { Happy, Sad }
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64, #[model(default = "'sad'")] pub mood: Mood }
    }
}

case! {
    /// Labels reordered: the type is swapped, rows keep their labels.
    reorder_labels {
        seed: "INSERT INTO people (id, mood) VALUES (1, 'happy'), (2, 'sad');",
    }
    before {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum Mood { Happy, Sad }
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64, pub mood: Option<Mood> }
    }
    after {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum Mood { Sad, Happy }
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64, pub mood: Option<Mood> }
    }
}

case! {
    /// The default moves off a label that goes: the default changes before the label is
    /// removed, and down adds the label back before the default returns to it.
    remove_the_default_label {
        seed: "INSERT INTO people (id, mood) VALUES (1, 'happy');",
        flags: &["--allow-destructive"],
    }
    before {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum Mood { Happy, Meh, Sad }
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64, #[model(default = "'meh'")] pub mood: Mood }
    }
    after {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum Mood { Happy, Sad }
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64, #[model(default = "'happy'")] pub mood: Mood }
    }
}

case! {
    /// A row holds the removed label: the type swap fails and nothing changes.
    remove_held_label_postgres {
        seed: "INSERT INTO people (id, mood) VALUES (1, 'happy'), (2, 'meh');",
        flags: &["--allow-destructive"],
        backends: Backends::Postgres,
        outcome: Outcome::UpgradeFails("invalid input value for enum mood: \"meh\""),
    }
    before {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum Mood { Happy, Meh, Sad }
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64, pub mood: Mood }
    }
    after {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum Mood { Happy, Sad }
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64, pub mood: Mood }
    }
}

case! {
    /// A row holds the removed label: the rebuild's copy fails its CHECK and nothing changes.
    remove_held_label_sqlite {
        seed: "INSERT INTO people (id, mood) VALUES (1, 'happy'), (2, 'meh');",
        flags: &["--allow-destructive"],
        backends: Backends::Sqlite,
        outcome: Outcome::UpgradeFails("CHECK constraint failed"),
    }
    before {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum Mood { Happy, Meh, Sad }
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64, pub mood: Mood }
    }
    after {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum Mood { Happy, Sad }
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64, pub mood: Mood }
    }
}

case! {
    /// The models stop using an enum: the column goes, the PostgreSQL type stays (a type no
    /// model uses is left alone) and `check` is clean; down re-adds the column.
    drop_enum_column {
        seed: "INSERT INTO people (id, mood) VALUES (1, 'happy');",
        flags: &["--allow-destructive"],
        lossy: true,
    }
    before {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum Mood { Happy, Sad }
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64, pub mood: Option<Mood> }
    }
    after {
        #[derive(Model)]
        #[model(table = "people")]
        pub struct Person { pub id: i64 }
    }
}

case! {
    /// A partial index and a check that compare a new enum column with a label: PostgreSQL
    /// spells them with the enum type (normalised with the type created in the rolled-back
    /// transaction), so `check` is clean after upgrade.
    enum_in_index_predicate_and_check { seed: "INSERT INTO tickets (id) VALUES (1);" }
    before {
        #[derive(Model)]
        pub struct Ticket { pub id: i64 }
    }
    after {
        use retort::DbEnum;
        #[derive(DbEnum)]
        #[db_enum(name = "ticket_status")]
        pub enum Status { Open, Closed }
        #[derive(Model)]
        #[model(index(columns("id"), name = "ix_tickets_open", where = "status = 'open'"))]
        #[model(check(name = "ck_tickets_closed_at", expr = "status <> 'closed' OR id > 0"))]
        pub struct Ticket {
            pub id: i64,
            #[model(default = "'open'")]
            pub status: Status,
        }
    }
}

case! {
    /// A label added in the same step as a partial index whose predicate uses it: autogenerate
    /// checks the predicate against the models' labels; PostgreSQL cannot use a label `ADD
    /// VALUE` adds before a commit, so the type is swapped, then the index created; SQLite
    /// rebuilds with the wider CHECK. Down drops the index, then the label.
    new_label_in_a_new_index_predicate {
        seed: "INSERT INTO posts (id, v) VALUES (1, 'public');",
    }
    before {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum Visibility { Public, Team }
        #[derive(Model)]
        pub struct Post { pub id: i64, pub v: Visibility }
    }
    after {
        use retort::DbEnum;
        #[derive(DbEnum)]
        pub enum Visibility { Public, Team, Priv }
        #[derive(Model)]
        #[model(index(columns("v"), where = "v <> 'priv'"))]
        pub struct Post { pub id: i64, pub v: Visibility }
    }
}
