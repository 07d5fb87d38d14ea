//! `retort::function!` and `retort::trigger!`: functions (PostgreSQL) and triggers the models
//! declare, created, replaced, and dropped and created again around what changes under them
//! (issue 27).

use crate::{case, Backends, Outcome};

case! {
    /// A new function and a trigger executing it on an existing table (PostgreSQL): the
    /// function before the tables change, the trigger after; down drops both.
    add_function_and_trigger { seed: "INSERT INTO items (id, price, touched) VALUES (1, 5, 0);", backends: Backends::Postgres }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
        retort::function!(r#"CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.touched := OLD.touched + 1;
    RETURN NEW;
END
$$"#);
        retort::trigger!("CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch()");
    }
}

case! {
    /// The same function and trigger spelled otherwise (spacing, keyword case, a comment in
    /// the body, `EXECUTE PROCEDURE`): no change.
    routine_spacing_is_no_change { outcome: Outcome::Unchanged, backends: Backends::Postgres }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
        retort::function!("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched := OLD.touched + 1; RETURN NEW; END $$");
        retort::trigger!("CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch()");
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
        retort::function!(r#"create or replace function touch()
    returns trigger
    language plpgsql
as $body$
begin
    -- count the updates
    new.touched := old.touched + 1;
    return new;
end
$body$;"#);
        retort::trigger!("create trigger items_touch before update on public.items for each row execute procedure touch();");
    }
}

case! {
    /// A changed body with the same interface: `CREATE OR REPLACE FUNCTION` in place (the
    /// trigger stays); down puts the old body back the same way.
    replace_function_body { seed: "INSERT INTO items (id, price, touched) VALUES (1, 5, 0);", backends: Backends::Postgres }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
        retort::function!("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched := OLD.touched + 1; RETURN NEW; END $$");
        retort::trigger!("CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch()");
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
        retort::function!("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched := OLD.touched + 10; RETURN NEW; END $$");
        retort::trigger!("CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch()");
    }
}

case! {
    /// A function whose result type changes, which `CREATE OR REPLACE` cannot do: dropped and
    /// created, and the index expression using it with it (kept definitions are re-created).
    function_result_changes { seed: "INSERT INTO items (id, price, touched) VALUES (1, 5, 0);", backends: Backends::Postgres }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
        retort::function!("CREATE FUNCTION doubled(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$");
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
        retort::function!("CREATE FUNCTION doubled(x integer) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT x::bigint * 2 $$");
    }
}

case! {
    /// A type change of a column a declared trigger's `UPDATE OF` names, which PostgreSQL
    /// refuses under a trigger: the trigger is dropped before and created again after (no
    /// refusal).
    retype_column_under_trigger { seed: "INSERT INTO items (id, price, touched) VALUES (1, 5, 0);", backends: Backends::Postgres, flags: &["--allow-rewrite"] }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
        retort::function!("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched := OLD.touched + 1; RETURN NEW; END $$");
        retort::trigger!("CREATE TRIGGER items_touch BEFORE UPDATE OF price ON items FOR EACH ROW EXECUTE FUNCTION touch()");
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i64, pub touched: i32 }
        retort::function!("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched := OLD.touched + 1; RETURN NEW; END $$");
        retort::trigger!("CREATE TRIGGER items_touch BEFORE UPDATE OF price ON items FOR EACH ROW EXECUTE FUNCTION touch()");
    }
}

case! {
    /// A new table with a declared trigger: created with its table.
    new_table_with_trigger { backends: Backends::Sqlite }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        #[derive(Model)]
        pub struct Log { pub id: i64, pub item_id: i64 }
        retort::trigger!("CREATE TRIGGER logs_no_update BEFORE UPDATE ON logs BEGIN SELECT RAISE(ABORT, 'logs are append-only'); END");
    }
}

case! {
    /// A SQLite trigger on an existing table, then a change of its body: dropped and created.
    change_sqlite_trigger { seed: "INSERT INTO items (id, price, n) VALUES (1, 5, 0);", backends: Backends::Sqlite }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub n: i32 }
        retort::trigger!("CREATE TRIGGER items_count AFTER UPDATE OF price ON items BEGIN UPDATE items SET n = n + 1 WHERE id = NEW.id; END");
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub n: i32 }
        retort::trigger!("CREATE TRIGGER items_count AFTER UPDATE OF price ON items BEGIN UPDATE items SET n = n + 2 WHERE id = NEW.id; END");
    }
}

case! {
    /// The same SQLite trigger spelled otherwise (`IF NOT EXISTS`, which SQLite does not keep):
    /// no change.
    sqlite_trigger_spacing_is_no_change { outcome: Outcome::Unchanged, backends: Backends::Sqlite }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub n: i32 }
        retort::trigger!("CREATE TRIGGER items_count AFTER UPDATE OF price ON items BEGIN UPDATE items SET n = n + 1 WHERE id = NEW.id; END");
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub n: i32 }
        retort::trigger!("create trigger if not exists items_count\n  after update of price on items\nbegin\n  update items set n = n + 1 where id = new.id;\nend;");
    }
}

case! {
    /// A function declared for SQLite, which has none: refused, naming it.
    sqlite_refuses_functions {
        backends: Backends::Sqlite,
        outcome: Outcome::Refused("Retort manages functions on PostgreSQL only"),
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
        retort::function!("CREATE FUNCTION f() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$");
    }
}

case! {
    /// `objects = "owned"`: the models own every view, function and trigger; those made by
    /// hand are dropped (readers and triggers first, functions last), and down.sql brings each
    /// back as the database had it.
    owned_objects_drop_what_is_not_declared {
        seed: "CREATE FUNCTION hand_made() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
               CREATE TRIGGER items_hand BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION hand_made();\n\
               CREATE VIEW cheap AS SELECT id FROM items WHERE price < 10;\n\
               CREATE VIEW cheapest AS SELECT min(id) AS id FROM cheap;\n\
               INSERT INTO items (id, price) VALUES (1, 5);",
        backends: Backends::Postgres,
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
    /// The same on SQLite: a hand-made view and trigger are dropped under `objects = "owned"`.
    owned_objects_on_sqlite {
        seed: "CREATE VIEW cheap AS SELECT id FROM items WHERE price < 10;\n\
               CREATE TRIGGER items_hand AFTER UPDATE ON items BEGIN SELECT 1; END;\n\
               INSERT INTO items (id, price) VALUES (1, 5);",
        backends: Backends::Sqlite,
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
    /// A function that must be dropped to change its result type, while a view made by hand
    /// calls it: PostgreSQL would refuse the `DROP FUNCTION`, so autogenerate refuses first,
    /// naming the view (`pg_depend`).
    function_in_use_refuses_its_drop {
        seed: "CREATE VIEW doubled_prices AS SELECT doubled(price) AS d FROM items;",
        backends: Backends::Postgres,
        outcome: Outcome::Refused("removed function 'doubled(integer)': view 'doubled_prices' uses function 'doubled(integer)'"),
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        retort::function!("CREATE FUNCTION doubled(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$");
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        retort::function!("CREATE FUNCTION doubled(x integer) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT x::bigint * 2 $$");
    }
}

case! {
    /// Overloads with named arguments: each is its own function (`nm(integer)`, `nm(text)`).
    overloaded_functions { backends: Backends::Postgres }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
        retort::function!("CREATE FUNCTION nm(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT x'");
        retort::function!("CREATE FUNCTION nm(x text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT x'");
    }
}

case! {
    /// A table in a schema the same migration creates, with a function of that schema and a
    /// trigger (with a `WHEN`) executing it: created in order, and compared by the server's
    /// text (check is clean after the upgrade).
    trigger_in_another_schema { backends: Backends::Postgres }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
        #[derive(Model)]
        #[model(schema = "billing")]
        pub struct Invoice { pub id: i64, pub total: i64 }
        retort::function!("CREATE FUNCTION billing.touch_inv() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.total := abs(NEW.total); RETURN NEW; END $$");
        retort::trigger!("create trigger inv_abs before insert on billing.invoices for each row when (new.total < 0) execute procedure billing.touch_inv()");
    }
}

case! {
    /// A renamed table under a declared trigger (which also changes) and a declared view: the
    /// view goes before the rename and comes back after, the trigger is dropped and created by
    /// the table's new name; down.sql is the exact reverse.
    rename_table_under_declared_objects { seed: "INSERT INTO items (id, price, touched) VALUES (1, 5, 0);", backends: Backends::Postgres }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
        retort::function!("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched := 1; RETURN NEW; END $$");
        retort::trigger!("CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch()");
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM items")]
        pub struct ItemPrice { pub id: i64, pub price: i32 }
    }
    after {
        use retort::View;
        #[derive(Model)]
        #[model(table = "products", renamed_from = "items")]
        pub struct Item { pub id: i64, pub price: i32, pub touched: i32 }
        retort::function!("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched := 1; RETURN NEW; END $$");
        retort::trigger!("CREATE TRIGGER items_touch BEFORE INSERT OR UPDATE ON products FOR EACH ROW EXECUTE FUNCTION touch()");
        #[derive(View)]
        #[view(sql = "SELECT id, price FROM products")]
        pub struct ItemPrice { pub id: i64, pub price: i32 }
    }
}

case! {
    /// A column the models drop while their declared trigger still names it: refused (SQLite
    /// would keep a trigger that fails on the next update), naming the trigger.
    drop_column_a_declared_trigger_names {
        backends: Backends::Sqlite,
        flags: &["--allow-destructive"],
        outcome: Outcome::Refused("the models' trigger 'items_touch on items' (retort::trigger!) names column 'items.updated_at'"),
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32, pub updated_at: Option<String> }
        retort::trigger!("CREATE TRIGGER items_touch AFTER UPDATE OF price ON items BEGIN UPDATE items SET updated_at = datetime('now') WHERE id = NEW.id; END");
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        retort::trigger!("CREATE TRIGGER items_touch AFTER UPDATE OF price ON items BEGIN UPDATE items SET updated_at = datetime('now') WHERE id = NEW.id; END");
    }
}

case! {
    /// A PL/pgSQL body with a syntax error: refused before anything is written, naming the
    /// function and PostgreSQL's message.
    plpgsql_syntax_error_is_refused {
        backends: Backends::Postgres,
        outcome: Outcome::Refused("function `broken()`: PostgreSQL rejects its statement"),
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
        retort::function!("CREATE FUNCTION broken() RETURNS integer LANGUAGE plpgsql AS $$ BEGIN RETURN 1 +; END $$");
    }
}

case! {
    /// A function whose result type changes while a declared view calls it: the view is
    /// dropped before the function and created again after it (no refusal).
    function_under_declared_view { seed: "INSERT INTO items (id, price) VALUES (1, 5);", backends: Backends::Postgres }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        retort::function!("CREATE FUNCTION doubled(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$");
        #[derive(View)]
        #[view(sql = "SELECT id, doubled(price) AS d FROM items")]
        pub struct ItemDouble { pub id: i64, pub d: i32 }
    }
    after {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        retort::function!("CREATE FUNCTION doubled(x integer) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT x::bigint * 2 $$");
        #[derive(View)]
        #[view(sql = "SELECT id, doubled(price) AS d FROM items")]
        pub struct ItemDouble { pub id: i64, pub d: i64 }
    }
}

case! {
    /// A SQL function whose body PostgreSQL cannot parse: refused at autogenerate, naming the
    /// function (its body is checked against the tables as the models have them).
    sql_body_error_is_refused {
        backends: Backends::Postgres,
        outcome: Outcome::Refused("function `total()`: PostgreSQL rejects its statement"),
    }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        retort::function!("CREATE FUNCTION total() RETURNS bigint LANGUAGE sql AS $$ SELEC sum(price) FROM items $$");
    }
}

case! {
    /// A SQL function reading a column the same migration adds: its body is checked against
    /// the table as the models have it, and it is created after the column.
    sql_body_reads_a_new_column { backends: Backends::Postgres }
    before {
        #[derive(Model)]
        pub struct Item { pub id: i64 }
    }
    after {
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: Option<i32> }
        retort::function!("CREATE FUNCTION total() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT sum(price) FROM items $$");
    }
}

case! {
    /// A function whose result type changes (dropped and created) while the models' column
    /// default, expression index and check call it: each is dropped before the `DROP
    /// FUNCTION` and created again after the `CREATE FUNCTION`; down.sql the exact reverse.
    function_under_model_default_index_check { seed: "INSERT INTO items (id, price) VALUES (1, 5);", backends: Backends::Postgres }
    before {
        #[derive(Model)]
        #[model(index(keys("doubled(price)"), name = "ix_items_doubled"))]
        #[model(check(name = "ck_items_doubled", expr = "doubled(price) >= 0"))]
        pub struct Item {
            pub id: i64,
            pub price: i32,
            #[model(default = "doubled(21)")]
            pub score: i64,
        }
        retort::function!("CREATE FUNCTION doubled(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$");
    }
    after {
        #[derive(Model)]
        #[model(index(keys("doubled(price)"), name = "ix_items_doubled"))]
        #[model(check(name = "ck_items_doubled", expr = "doubled(price) >= 0"))]
        pub struct Item {
            pub id: i64,
            pub price: i32,
            #[model(default = "doubled(21)")]
            pub score: i64,
        }
        retort::function!("CREATE FUNCTION doubled(x integer) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT x::bigint * 2 $$");
    }
}

case! {
    /// The same while the models also change the default and drop the index: the index's drop
    /// and the default's removal move before the `DROP FUNCTION`, the new default is set after
    /// the `CREATE FUNCTION`.
    function_under_changing_model_default { seed: "INSERT INTO items (id, price) VALUES (1, 5);", backends: Backends::Postgres }
    before {
        #[derive(Model)]
        #[model(index(keys("doubled(price)"), name = "ix_items_doubled"))]
        pub struct Item {
            pub id: i64,
            pub price: i32,
            #[model(default = "doubled(21)")]
            pub score: i64,
        }
        retort::function!("CREATE FUNCTION doubled(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$");
    }
    after {
        #[derive(Model)]
        pub struct Item {
            pub id: i64,
            pub price: i32,
            #[model(default = "doubled(5)")]
            pub score: i64,
        }
        retort::function!("CREATE FUNCTION doubled(x integer) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT x::bigint * 2 $$");
    }
}

case! {
    /// A SQL function (its body checked by PostgreSQL when created) changed in the migration
    /// that renames the table its body reads, and a declared view calling it: the view and the
    /// function go before the rename, the function comes back after it with the new body, the
    /// view after the function; down.sql, the exact reverse, creates the old body once the
    /// table has its old name back.
    sql_function_reads_a_renamed_table { seed: "INSERT INTO items (id, price) VALUES (1, 5);", backends: Backends::Postgres }
    before {
        use retort::View;
        #[derive(Model)]
        pub struct Item { pub id: i64, pub price: i32 }
        retort::function!("CREATE FUNCTION total() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT sum(price) FROM items $$");
        #[derive(View)]
        #[view(sql = "SELECT total() AS t", name = "totals")]
        pub struct Total { pub t: i64 }
    }
    after {
        use retort::View;
        #[derive(Model)]
        #[model(table = "products", renamed_from = "items")]
        pub struct Item { pub id: i64, pub price: i32 }
        retort::function!("CREATE FUNCTION total() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT coalesce(sum(price), 0) FROM products $$");
        #[derive(View)]
        #[view(sql = "SELECT total() AS t", name = "totals")]
        pub struct Total { pub t: i64 }
    }
}
