//! `retort::trigger!` on a `#[derive(View)]` view (`INSTEAD OF` triggers, issue 27): created
//! after the view, dropped with it, created again when the view is, compared like a table's.

use crate::{case, Backends, Outcome};

case! {
    /// An `INSTEAD OF INSERT` trigger (and its function) on a declared view: the function
    /// before the tables, the trigger after the view; down drops both.
    add_view_trigger { seed: "INSERT INTO items (id, price) VALUES (1, 5);", backends: Backends::Postgres }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items")]
        pub struct ItemPrice { pub id: i64, pub price: i32 }
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items")]
        pub struct ItemPrice { pub id: i64, pub price: i32 }
        retort::function!("CREATE FUNCTION item_prices_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO items (id, price) VALUES (NEW.id, NEW.price); RETURN NEW; END $$");
        retort::trigger!("CREATE TRIGGER item_prices_ins INSTEAD OF INSERT ON item_prices FOR EACH ROW EXECUTE FUNCTION item_prices_insert()");
    }
}

case! {
    /// The same trigger spelled otherwise (keyword case, `EXECUTE PROCEDURE`, the schema named):
    /// no change.
    view_trigger_spacing_is_no_change { outcome: Outcome::Unchanged, backends: Backends::Postgres }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items")]
        pub struct ItemPrice { pub id: i64, pub price: i32 }
        retort::function!("CREATE FUNCTION item_prices_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO items (id, price) VALUES (NEW.id, NEW.price); RETURN NEW; END $$");
        retort::trigger!("CREATE TRIGGER item_prices_ins INSTEAD OF INSERT ON item_prices FOR EACH ROW EXECUTE FUNCTION item_prices_insert()");
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items")]
        pub struct ItemPrice { pub id: i64, pub price: i32 }
        retort::function!("CREATE FUNCTION item_prices_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO items (id, price) VALUES (NEW.id, NEW.price); RETURN NEW; END $$");
        retort::trigger!("create trigger item_prices_ins\n  instead of insert on public.item_prices\n  for each row execute procedure item_prices_insert();");
    }
}

case! {
    /// A view whose query loses a column (dropped and created: `CREATE OR REPLACE VIEW` cannot)
    /// while its trigger stays, and a second trigger that changes: the view comes back with the
    /// unchanged trigger, the changed one is dropped first and created after; down the reverse.
    view_rebuilt_under_its_triggers { seed: "INSERT INTO items (id, price) VALUES (1, 5);", backends: Backends::Postgres }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price, price * 2 AS doubled FROM items")]
        pub struct ItemPrice { pub id: i64, pub price: i32, pub doubled: i32 }
        retort::function!("CREATE FUNCTION item_prices_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO items (id, price) VALUES (NEW.id, NEW.price); RETURN NEW; END $$");
        retort::function!("CREATE FUNCTION item_prices_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM items WHERE id = OLD.id; RETURN OLD; END $$");
        retort::trigger!("CREATE TRIGGER item_prices_ins INSTEAD OF INSERT ON item_prices FOR EACH ROW EXECUTE FUNCTION item_prices_insert()");
        retort::trigger!("CREATE TRIGGER item_prices_del INSTEAD OF DELETE ON item_prices FOR EACH ROW EXECUTE FUNCTION item_prices_delete()");
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items")]
        pub struct ItemPrice { pub id: i64, pub price: i32 }
        retort::function!("CREATE FUNCTION item_prices_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO items (id, price) VALUES (NEW.id, NEW.price); RETURN NEW; END $$");
        retort::function!("CREATE FUNCTION item_prices_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM items WHERE id = OLD.id; RETURN OLD; END $$");
        retort::trigger!("CREATE TRIGGER item_prices_ins INSTEAD OF INSERT ON item_prices FOR EACH ROW EXECUTE FUNCTION item_prices_insert()");
        retort::trigger!("CREATE TRIGGER item_prices_del INSTEAD OF DELETE OR UPDATE ON item_prices FOR EACH ROW EXECUTE FUNCTION item_prices_delete()");
    }
}

case! {
    /// SQLite: an `INSTEAD OF` trigger on a declared view, created after it.
    add_sqlite_view_trigger { seed: "INSERT INTO items (id, price) VALUES (1, 5);", backends: Backends::Sqlite }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items")]
        pub struct ItemPrice { pub id: i64, pub price: i32 }
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items")]
        pub struct ItemPrice { pub id: i64, pub price: i32 }
        retort::trigger!("CREATE TRIGGER item_prices_ins INSTEAD OF INSERT ON item_prices BEGIN INSERT INTO items (id, price) VALUES (NEW.id, NEW.price); END");
    }
}

case! {
    /// SQLite: a view whose query changes (SQLite drops and creates it) under a trigger that
    /// stays and one that changes: the view comes back with the first, the second is dropped
    /// before and created after.
    sqlite_view_rebuilt_under_its_triggers { seed: "INSERT INTO items (id, price) VALUES (1, 5);", backends: Backends::Sqlite }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items")]
        pub struct ItemPrice { pub id: i64, pub price: i32 }
        retort::trigger!("CREATE TRIGGER item_prices_ins INSTEAD OF INSERT ON item_prices BEGIN INSERT INTO items (id, price) VALUES (NEW.id, NEW.price); END");
        retort::trigger!("CREATE TRIGGER item_prices_del INSTEAD OF DELETE ON item_prices BEGIN DELETE FROM items WHERE id = OLD.id; END");
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items WHERE price > 0")]
        pub struct ItemPrice { pub id: i64, pub price: i32 }
        retort::trigger!("CREATE TRIGGER item_prices_ins INSTEAD OF INSERT ON item_prices BEGIN INSERT INTO items (id, price) VALUES (NEW.id, NEW.price); END");
        retort::trigger!("CREATE TRIGGER item_prices_del INSTEAD OF DELETE ON item_prices BEGIN DELETE FROM items WHERE id = OLD.id AND price > 0; END");
    }
}

case! {
    /// `objects = "owned"`: a hand-made trigger on a declared view is dropped, and down.sql
    /// brings it back (PostgreSQL).
    owned_objects_drop_an_undeclared_view_trigger {
        seed: "CREATE FUNCTION hand_made() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
               CREATE TRIGGER item_prices_hand INSTEAD OF INSERT ON item_prices FOR EACH ROW EXECUTE FUNCTION hand_made();\n\
               INSERT INTO items (id, price) VALUES (1, 5);",
        backends: Backends::Postgres,
        config_after: "objects = \"owned\"\n",
    }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items")]
        pub struct ItemPrice { pub id: i64, pub price: i32 }
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items")]
        pub struct ItemPrice { pub id: i64, pub price: i32 }
    }
}

case! {
    /// The same on SQLite.
    owned_objects_drop_an_undeclared_sqlite_view_trigger {
        seed: "CREATE TRIGGER item_prices_hand INSTEAD OF INSERT ON item_prices BEGIN SELECT 1; END;\n\
               INSERT INTO items (id, price) VALUES (1, 5);",
        backends: Backends::Sqlite,
        config_after: "objects = \"owned\"\n",
    }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items")]
        pub struct ItemPrice { pub id: i64, pub price: i32 }
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items")]
        pub struct ItemPrice { pub id: i64, pub price: i32 }
    }
}
