//! `retort squash` over a range that creates, replaces and drops views, functions and triggers
//! (issue 27): the squash creates them as the range leaves them, and its verification proves
//! it; a statement on one the squash does not read (a trigger on a view) is refused.

use crate::squash::{moved, same_schema};
use crate::support::{generate, on_both_backends, revision, Backend, Models, Project};

on_both_backends!(views_functions_and_triggers_squash);

/// The revisions: models, then `sq_items` (with a function on PostgreSQL), the range (two
/// revisions of views, functions and triggers), and one after it.
fn history(p: &Project) -> Vec<String> {
    let toml = std::fs::read_to_string(p.path().join("Retort.toml")).unwrap();
    std::fs::write(
        p.path().join("Retort.toml"),
        format!("{toml}ignore = [\"sq_*\"]\n"),
    )
    .unwrap();
    let (r1, _) = generate(p, Models::V1, &["autogenerate", "-m", "models"]);
    match p.backend {
        Backend::Postgres => postgres(p, r1),
        Backend::Sqlite => sqlite(p, r1),
    }
}

const TOUCH_V1: &str = "CREATE OR REPLACE FUNCTION sq_touch() RETURNS trigger LANGUAGE plpgsql \
    AS $$ BEGIN NEW.touched := 100; RETURN NEW; END $$;\n";
const TOUCH_V2: &str = "CREATE OR REPLACE FUNCTION sq_touch() RETURNS trigger LANGUAGE plpgsql \
    AS $$ BEGIN NEW.touched := OLD.touched + 1; RETURN NEW; END $$;\n";
const DOUBLED_V1: &str = "CREATE OR REPLACE FUNCTION sq_doubled(n integer) RETURNS integer \
    LANGUAGE sql AS $$ SELECT n * 2 $$;\n";
const DOUBLED_V2: &str = "CREATE OR REPLACE FUNCTION sq_doubled(n integer) RETURNS integer \
    LANGUAGE sql AS $$ SELECT n + n $$;\n";

fn postgres(p: &Project, r1: String) -> Vec<String> {
    let r2 = revision(
        p,
        "items",
        &format!(
            "CREATE TABLE sq_items (id INTEGER PRIMARY KEY, price INTEGER NOT NULL, \
             touched INTEGER NOT NULL DEFAULT 0);\n{DOUBLED_V1}\
             CREATE MATERIALIZED VIEW sq_counts AS SELECT count(*) AS n FROM sq_items;\n"
        ),
        "DROP MATERIALIZED VIEW sq_counts;\nDROP FUNCTION sq_doubled(integer);\n\
         DROP TABLE sq_items;\n",
    );
    // The range: a trigger and its function (replaced in the next revision), a function
    // created and dropped inside the range, a function of before the range replaced, views,
    // an index on a materialized view of before the range.
    let r3 = revision(
        p,
        "touch",
        &format!(
            "{TOUCH_V1}CREATE TRIGGER sq_items_touch BEFORE UPDATE ON sq_items FOR EACH ROW \
             EXECUTE FUNCTION sq_touch();\nCREATE FUNCTION sq_tmp() RETURNS integer LANGUAGE \
             sql AS $$ SELECT 1 $$;\n"
        ),
        "DROP FUNCTION sq_tmp();\nDROP TRIGGER sq_items_touch ON sq_items;\n\
         DROP FUNCTION sq_touch();\n",
    );
    let r4 = revision(
        p,
        "views",
        &format!(
            "{TOUCH_V2}{DOUBLED_V2}DROP FUNCTION sq_tmp();\n\
             CREATE VIEW sq_cheap AS SELECT id, price FROM sq_items WHERE price < 10;\n\
             CREATE MATERIALIZED VIEW sq_totals AS SELECT count(*) AS n, \
             coalesce(sum(price), 0) AS total FROM sq_items;\n\
             CREATE UNIQUE INDEX sq_totals_n ON sq_totals (n);\n\
             CREATE INDEX sq_counts_n ON sq_counts (n);\n"
        ),
        &format!(
            "DROP INDEX sq_counts_n;\nDROP MATERIALIZED VIEW sq_totals;\nDROP VIEW sq_cheap;\nCREATE FUNCTION sq_tmp() \
             RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;\n{DOUBLED_V1}{TOUCH_V1}"
        ),
    );
    let r5 = revision(
        p,
        "label",
        "ALTER TABLE sq_items ADD COLUMN label TEXT;\n",
        "ALTER TABLE sq_items DROP COLUMN label;\n",
    );
    vec![r1, r2, r3, r4, r5]
}

fn sqlite(p: &Project, r1: String) -> Vec<String> {
    let r2 = revision(
        p,
        "items",
        "CREATE TABLE sq_items (id INTEGER PRIMARY KEY, price INTEGER NOT NULL, \
         touched INTEGER NOT NULL DEFAULT 0);\n",
        "DROP TABLE sq_items;\n",
    );
    // The range: a trigger on a table of before the range, replaced in the next revision; a
    // view, replaced too.
    let r3 = revision(
        p,
        "touch",
        "CREATE TRIGGER sq_items_touch AFTER UPDATE OF price ON sq_items BEGIN \
         UPDATE sq_items SET touched = 100 WHERE id = NEW.id; END;\n\
         CREATE VIEW sq_cheap AS SELECT id FROM sq_items WHERE price < 5;\n",
        "DROP VIEW sq_cheap;\nDROP TRIGGER sq_items_touch;\n",
    );
    let r4 = revision(
        p,
        "views",
        "DROP TRIGGER sq_items_touch;\nCREATE TRIGGER sq_items_touch AFTER UPDATE OF price ON \
         sq_items BEGIN UPDATE sq_items SET touched = touched + 1 WHERE id = NEW.id; END;\n\
         DROP VIEW sq_cheap;\nCREATE VIEW sq_cheap AS SELECT id, price FROM sq_items WHERE \
         price < 10;\n",
        "DROP VIEW sq_cheap;\nCREATE VIEW sq_cheap AS SELECT id FROM sq_items WHERE price < 5;\n\
         DROP TRIGGER sq_items_touch;\nCREATE TRIGGER sq_items_touch AFTER UPDATE OF price ON \
         sq_items BEGIN UPDATE sq_items SET touched = 100 WHERE id = NEW.id; END;\n",
    );
    let r5 = revision(
        p,
        "label",
        "ALTER TABLE sq_items ADD COLUMN label TEXT;\n",
        "ALTER TABLE sq_items DROP COLUMN label;\n",
    );
    vec![r1, r2, r3, r4, r5]
}

/// What the objects do: the trigger (with the range's last function) counts updates, the view
/// filters, the materialized view is refreshed and has its index.
fn objects_work(q: &Project) {
    q.execute("INSERT INTO sq_items (id, price) VALUES (1, 3), (2, 30);");
    q.execute("UPDATE sq_items SET price = 4 WHERE id = 1;");
    q.execute("UPDATE sq_items SET price = 5 WHERE id = 1;");
    let touched = q.strings("SELECT CAST(touched AS TEXT) AS v FROM sq_items WHERE id = 1");
    assert_eq!(
        touched,
        ["2"],
        "the range's last trigger body counts updates"
    );
    let cheap = q.strings("SELECT CAST(price AS TEXT) AS v FROM sq_cheap ORDER BY id");
    assert_eq!(cheap, ["5"], "the range's last view");
    if q.backend == Backend::Postgres {
        q.execute("REFRESH MATERIALIZED VIEW sq_totals;");
        let total = q.strings("SELECT CAST(total AS TEXT) AS v FROM sq_totals");
        assert_eq!(total, ["35"]);
        let index = q.strings(
            "SELECT indexdef AS v FROM pg_indexes WHERE tablename LIKE 'sq\\_%' ORDER BY 1",
        );
        assert_eq!(index.len(), 3, "{index:?}");
        assert!(
            index[0].contains("INDEX sq_counts_n ON public.sq_counts"),
            "{index:?}"
        );
        assert!(index[2].contains("UNIQUE INDEX sq_totals_n"), "{index:?}");
        let doubled = q.strings("SELECT CAST(sq_doubled(21) AS TEXT) AS v");
        assert_eq!(doubled, ["42"]);
        let def = q.strings("SELECT pg_get_functiondef('sq_doubled(integer)'::regprocedure) AS v");
        assert!(def[0].contains("n + n"), "{def:?}");
    }
    q.execute("DELETE FROM sq_items;");
}

fn views_functions_and_triggers_squash(backend: Backend) {
    let (Some(p), Some(q)) = (Project::on(backend), Project::on(backend)) else {
        return;
    };
    let ids = history(&p);
    let [r1, r2, r3, r4, r5] = &ids[..] else {
        unreachable!()
    };
    let q_url = match backend {
        Backend::Sqlite => format!("sqlite://{}", q.db_path().display()),
        Backend::Postgres => q.url.clone(),
    };
    let on_q = |args: &[&str]| {
        p.run(
            Models::V1,
            &[&["--database-url", &q_url][..], args].concat(),
        )
    };
    // p through the range, revision by revision: what the squash must give.
    p.run(Models::V1, &["upgrade", r4]).expect(0);
    let at_end = p.schema();
    p.run(Models::V1, &["downgrade", r2, "-y"]).expect(0);
    let at_start = p.schema();
    p.run(Models::V1, &["upgrade"]).expect(0);
    objects_work(&p);

    let (s, dir) = generate(
        &p,
        Models::V1,
        &["squash", &format!("{r3}:{r4}"), "-m", "objects"],
    );
    let up = std::fs::read_to_string(dir.join("up.sql")).unwrap();
    let down = std::fs::read_to_string(dir.join("down.sql")).unwrap();
    assert!(
        up.contains("sq_items_touch") && up.contains("sq_cheap"),
        "{up}"
    );
    assert!(
        !up.contains("sq_tmp"),
        "created and dropped inside the range: {up}"
    );
    if backend == Backend::Postgres {
        // The range's last body of each function, not its first.
        assert!(
            up.contains("OLD.touched + 1") && !up.contains(":= 100"),
            "{up}"
        );
        assert!(up.contains("n + n") && up.contains("sq_totals_n"), "{up}");
        assert!(down.contains("n * 2") && down.contains("DROP FUNCTION \"sq_touch\"()"));
        // The materialized view of before the range is created again with the index the
        // range gave it (up), and without it (down).
        assert!(
            up.contains("sq_counts_n") && down.contains("sq_counts"),
            "{up}"
        );
    }

    // Below the range, a database runs the squash instead: the same schema, objects that work,
    // then the revision after the range; reverting the squash gives the schema before it.
    let run = on_q(&["upgrade", &s]).expect(0);
    assert_eq!(
        moved(&run.stdout, "Applied"),
        [r1.clone(), r2.clone(), s.clone()]
    );
    same_schema(&q, &at_end);
    objects_work(&q);
    on_q(&["upgrade"]).expect(0);
    same_schema(&q, &p.schema());
    on_q(&["check"]).expect(0);
    let run = on_q(&["downgrade", r2, "-y"]).expect(0);
    assert_eq!(moved(&run.stdout, "Reverted"), [r5.clone(), s.clone()]);
    same_schema(&q, &at_start);

    // A trigger on a view is not read: a range creating one is refused, naming it.
    let instead = match backend {
        Backend::Postgres => (
            "CREATE FUNCTION sq_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             INSERT INTO sq_items (id, price) VALUES (NEW.id, NEW.price); RETURN NEW; END $$;\n\
             CREATE TRIGGER sq_cheap_insert INSTEAD OF INSERT ON sq_cheap FOR EACH ROW \
             EXECUTE FUNCTION sq_insert();\n",
            "DROP TRIGGER sq_cheap_insert ON sq_cheap;\nDROP FUNCTION sq_insert();\n",
        ),
        Backend::Sqlite => (
            "CREATE TRIGGER sq_cheap_insert INSTEAD OF INSERT ON sq_cheap BEGIN \
             INSERT INTO sq_items (id, price) VALUES (NEW.id, NEW.price); END;\n",
            "DROP TRIGGER sq_cheap_insert;\n",
        ),
    };
    let r6 = revision(&p, "instead", instead.0, instead.1);
    let before = p.revision_dirs().len();
    let run = p
        .run(Models::V1, &["squash", &format!("{s}:{r6}"), "-m", "no"])
        .expect(2);
    let line = if backend == Backend::Postgres { 2 } else { 1 };
    assert!(
        run.stderr.contains(&format!(
            "revision {r6} (migrations/{}/up.sql:{line}) holds `CREATE TRIGGER sq_cheap_insert",
            p.revision_dirs()
                .last()
                .unwrap()
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
        )) && run
            .stderr
            .contains("on trigger 'sq_cheap_insert' on 'sq_cheap', which the squash does not read")
            && run.stderr.contains("`retort::trigger!`"),
        "{}",
        run.stderr
    );
    assert_eq!(p.revision_dirs().len(), before, "nothing written");
}
