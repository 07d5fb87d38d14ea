//! Views, triggers, functions and procedures as managed objects on MariaDB (issue 27): created
//! and replaced from their declarations (`CREATE OR REPLACE`), compared by the server's text
//! (normalised in a scratch database), the database's own kept through a table drop, and
//! under `objects = "owned"` dropped and restored as they were (each under its `sql_mode`).

use crate::{case, Backends, Outcome};

case! {
    /// A new function and a trigger calling it on an existing table, both with compound
    /// bodies: the function before the tables change, the trigger after; down drops both.
    mariadb_add_function_and_trigger { seed: "INSERT INTO items (id, price, touched) VALUES (1, 5, 0);", backends: Backends::Mariadb }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
        retort::function!(r#"CREATE FUNCTION bumped(n INT) RETURNS INT DETERMINISTIC
BEGIN
    DECLARE m INT;
    SET m = n + 1;
    RETURN m;
END"#);
        retort::trigger!(r#"CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW
BEGIN
    SET NEW.touched = bumped(OLD.touched);
END"#);
    }
}

case! {
    /// The same function and trigger spelled otherwise (keyword case, spacing, quoted names,
    /// `INT` for `int(11)`, a definer): no change.
    mariadb_routine_spacing_is_no_change { outcome: Outcome::Unchanged, backends: Backends::Mariadb }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
        retort::function!("CREATE FUNCTION bumped(n INT) RETURNS INT DETERMINISTIC RETURN n + 1");
        retort::trigger!("CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW SET NEW.touched = bumped(OLD.touched)");
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items WHERE price > 0")]
        pub struct PricedItem { pub id: i64, pub price: i32 }
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
        retort::function!("create definer = current_user function `bumped`(`n` int(11))\n  returns int(11)\n  deterministic\nreturn n + 1;");
        retort::trigger!("create trigger `items_touch`\n  before update on `items`\n  for each row\nset NEW.touched = bumped(OLD.touched);");
        #[derive(View)]
        #[view(sql = "select `id`, `price`\n  from `items`\n where price > 0")]
        pub struct PricedItem { pub id: i64, pub price: i32 }
    }
}

case! {
    /// A changed body, and a parameter renamed and retyped: `CREATE OR REPLACE FUNCTION` in
    /// place (MariaDB changes anything of a routine so); down puts the old one back the same way.
    mariadb_replace_function { seed: "INSERT INTO items (id, price, touched) VALUES (1, 5, 0);", backends: Backends::Mariadb }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
        retort::function!("CREATE FUNCTION bumped(n INT) RETURNS INT DETERMINISTIC RETURN n + 1");
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
        retort::function!("CREATE FUNCTION bumped(amount BIGINT) RETURNS BIGINT DETERMINISTIC COMMENT 'adds two' RETURN amount + 2");
    }
}

case! {
    /// A changed trigger body: dropped and created again; a procedure added with it.
    mariadb_change_trigger { seed: "INSERT INTO items (id, price, touched) VALUES (1, 5, 0);", backends: Backends::Mariadb }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
        retort::trigger!("CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW SET NEW.touched = OLD.touched + 1");
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
        retort::trigger!("CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW SET NEW.touched = OLD.touched + 10");
        retort::function!("CREATE PROCEDURE reprice(IN factor INT) MODIFIES SQL DATA UPDATE items SET price = price * factor");
    }
}

case! {
    /// A table dropped with a trigger made by hand (MariaDB drops it with the table): down.sql
    /// creates the table and the trigger again, under the `sql_mode` it was made with (without
    /// `ANSI_QUOTES`, `"x"` is a string in its body).
    mariadb_drop_table_keeps_its_trigger {
        seed: "INSERT INTO logs (id, note) VALUES (1, 'a');\n\
               SET SESSION sql_mode = 'STRICT_TRANS_TABLES';\n\
               CREATE TRIGGER logs_note BEFORE INSERT ON logs FOR EACH ROW SET NEW.note = CONCAT(NEW.note, \"!\");",
        backends: Backends::Mariadb,
        lossy: true,
        flags: &["--allow-destructive"],
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
        #[derive(Model)]
        pub struct Log { pub id: i64, pub note: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
    }
}

case! {
    /// `objects = "owned"`: a view, a function, a procedure and a trigger made by hand (the
    /// trigger under another `sql_mode`) are dropped, and down.sql brings each back as it was.
    mariadb_owned_objects {
        seed: "CREATE VIEW cheap AS SELECT id FROM items WHERE price < 10;\n\
               CREATE VIEW cheapest AS SELECT min(id) AS id FROM cheap;\n\
               CREATE FUNCTION halved(n INT) RETURNS INT DETERMINISTIC RETURN n DIV 2;\n\
               CREATE PROCEDURE noop() BEGIN END;\n\
               SET SESSION sql_mode = 'STRICT_TRANS_TABLES';\n\
               CREATE TRIGGER items_hand BEFORE INSERT ON items FOR EACH ROW SET NEW.price = IF(NEW.price IS NULL, \"0\", NEW.price);\n\
               INSERT INTO items (id, price) VALUES (1, 5);",
        backends: Backends::Mariadb,
        config_after: "objects = \"owned\"\n",
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
    }
}

case! {
    /// A column that a trigger made by hand reads (`NEW.price`) cannot be dropped: MariaDB
    /// would leave the trigger failing every insert.
    mariadb_trigger_blocks_column_drop {
        seed: "CREATE TRIGGER items_hand BEFORE INSERT ON items FOR EACH ROW SET NEW.price = NEW.price + 1;",
        backends: Backends::Mariadb,
        outcome: Outcome::Refused("removed column 'items.price': trigger 'items_hand on items' depends on column 'items.price'"),
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
    }
}

case! {
    /// A declared trigger MariaDB refuses (`NEW` has no such column) is refused by
    /// autogenerate, naming it.
    mariadb_bad_trigger_is_refused {
        backends: Backends::Mariadb,
        outcome: Outcome::Refused("trigger `items_touch` on `items`: MariaDB rejects"),
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        retort::trigger!("CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW SET NEW.missing = 1");
    }
}

case! {
    /// A declared view over a table the models do not declare (made by hand, ignored): the
    /// scratch database copies it to read the view's text.
    mariadb_view_over_an_ignored_table {
        seed: "CREATE TABLE legacy (id BIGINT PRIMARY KEY, label TEXT);",
        backends: Backends::Mariadb,
        config_before: "ignore = [\"legacy\"]\n",
        config_after: "ignore = [\"legacy\"]\n",
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64 }
        #[derive(View)]
        #[view(sql = "SELECT i.id, l.label FROM items i JOIN legacy l ON l.id = i.id")]
        pub struct LabelledItem { pub id: i64, pub label: String }
    }
}

case! {
    /// Triggers of one table and time fire in the order they are declared (MariaDB keeps it,
    /// `ACTION_ORDER`): declared the other way round, both are dropped and created again in
    /// the new order; down.sql puts the old order back.
    mariadb_trigger_order_follows_the_declarations { seed: "INSERT INTO items (id, n) VALUES (1, 0);", backends: Backends::Mariadb }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub n: i32 }
        retort::trigger!("CREATE TRIGGER items_double BEFORE INSERT ON items FOR EACH ROW SET NEW.n = NEW.n * 2");
        retort::trigger!("CREATE TRIGGER items_add BEFORE INSERT ON items FOR EACH ROW SET NEW.n = NEW.n + 1");
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub n: i32 }
        retort::trigger!("CREATE TRIGGER items_add BEFORE INSERT ON items FOR EACH ROW SET NEW.n = NEW.n + 1");
        retort::trigger!("CREATE TRIGGER items_double BEFORE INSERT ON items FOR EACH ROW SET NEW.n = NEW.n * 2");
    }
}

case! {
    /// The first of three triggers changes: it would fire last once created again, so the
    /// two after it are created again after it; a trigger of another time stays.
    mariadb_changed_trigger_keeps_its_place { seed: "INSERT INTO items (id, n) VALUES (1, 0);", backends: Backends::Mariadb }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub n: i32 }
        retort::trigger!("CREATE TRIGGER items_a BEFORE INSERT ON items FOR EACH ROW SET NEW.n = NEW.n + 1");
        retort::trigger!("CREATE TRIGGER items_b BEFORE INSERT ON items FOR EACH ROW SET NEW.n = NEW.n * 2");
        retort::trigger!("CREATE TRIGGER items_c BEFORE INSERT ON items FOR EACH ROW SET NEW.n = NEW.n + 3");
        retort::trigger!("CREATE TRIGGER items_u BEFORE UPDATE ON items FOR EACH ROW SET NEW.n = NEW.n + 5");
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub n: i32 }
        retort::trigger!("CREATE TRIGGER items_a BEFORE INSERT ON items FOR EACH ROW SET NEW.n = NEW.n + 10");
        retort::trigger!("CREATE TRIGGER items_b BEFORE INSERT ON items FOR EACH ROW SET NEW.n = NEW.n * 2");
        retort::trigger!("CREATE TRIGGER items_c BEFORE INSERT ON items FOR EACH ROW SET NEW.n = NEW.n + 3");
        retort::trigger!("CREATE TRIGGER items_u BEFORE UPDATE ON items FOR EACH ROW SET NEW.n = NEW.n + 5");
    }
}

case! {
    /// A double-quoted string in a declaration: Retort creates declarations under
    /// `ANSI_QUOTES`, where `"!"` names a column (MariaDB would create the trigger and fail
    /// every insert); refused with the fix.
    mariadb_double_quoted_string_is_refused {
        backends: Backends::Mariadb,
        outcome: Outcome::Refused("`\"!\"` is a quoted name, not a string, under the sql_mode Retort creates declarations with (ANSI_QUOTES)"),
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub note: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub note: String }
        retort::trigger!(r#"CREATE TRIGGER items_bang BEFORE INSERT ON items FOR EACH ROW SET NEW.note = CONCAT(NEW.note, "!")"#);
    }
}

case! {
    /// The same trigger marked to be created under a mode without `ANSI_QUOTES`: created so
    /// (its mode is part of what is compared, so `check` is clean after).
    mariadb_marked_mode_creates_under_it { seed: "INSERT INTO items (id, note) VALUES (1, 'a');", backends: Backends::Mariadb }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub note: String }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub note: String }
        retort::trigger!(r#"/*retort:sql_mode=STRICT_TRANS_TABLES*/ CREATE TRIGGER items_bang BEFORE INSERT ON items FOR EACH ROW SET NEW.note = CONCAT(NEW.note, "!")"#);
    }
}

case! {
    /// A declared view still reading a table the models rename: refused, naming the rename
    /// (the scratch database would otherwise copy the old table from the database).
    mariadb_view_over_the_old_name_is_refused {
        backends: Backends::Mariadb,
        outcome: Outcome::Refused("it reads `items`, which the models rename to `products` (renamed_from)"),
    }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64 }
        #[derive(View)]
        #[view(sql = "SELECT id FROM items")]
        pub struct ItemId { pub id: i64 }
    }
    after {
        use retort::View;
        #[derive(Model)]
        #[model(table = "products", renamed_from = "items")]
        pub struct Product { pub id: i64 }
        #[derive(View)]
        #[view(sql = "SELECT id FROM items")]
        pub struct ItemId { pub id: i64 }
    }
}

case! {
    /// `#[view(options = "...")]`: a view's `SQL SECURITY` and `ALGORITHM` (MariaDB), compared
    /// as the server writes them; changed in place, and down.sql puts the old ones back.
    mariadb_view_options { seed: "INSERT INTO items (id, price) VALUES (1, 5);", backends: Backends::Mariadb }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items", options = "sql security invoker")]
        pub struct PricedItem { pub id: i64, pub price: i32 }
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items", options = "ALGORITHM = MERGE SQL SECURITY DEFINER")]
        pub struct PricedItem { pub id: i64, pub price: i32 }
    }
}

case! {
    /// A declared default (`SQL SECURITY DEFINER`) is compared too: a view made `INVOKER` is
    /// put back to `DEFINER`.
    mariadb_declared_default_view_option { backends: Backends::Mariadb }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64 }
        #[derive(View)]
        #[view(sql = "SELECT id FROM items", options = "SQL SECURITY INVOKER")]
        pub struct ItemId { pub id: i64 }
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64 }
        #[derive(View)]
        #[view(sql = "SELECT id FROM items", options = "SQL SECURITY DEFINER")]
        pub struct ItemId { pub id: i64 }
    }
}
