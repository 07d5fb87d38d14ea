//! `retort squash` on MariaDB (`TEST_MYSQL_URL`) over a range that creates and replaces a
//! function with a compound body, a trigger calling it, a view, a procedure created and dropped
//! inside the range, and a trigger created under another `sql_mode` (issue 27): the squash
//! creates them as the range leaves them, the trigger under its mode, and a database below the
//! range gets the same schema from it. Also objects of before the range replaced and dropped in
//! it, trigger order, view options, and the refusal of a view of another database.

use crate::mariadb_support::MyProject;

const CLI: &str = env!("CARGO_BIN_EXE_retort_custom");

fn moved(stdout: &str, verb: &str) -> Vec<String> {
    crate::squash::moved(stdout, verb)
}

use crate::squash_mariadb::{generated, revision};

/// `p`'s schema equals `want`: tables (their triggers with them), views and routines.
#[track_caller]
fn same_schema(p: &MyProject, want: &retort::schema::Schema) {
    let got = p.schema();
    for (name, table) in &want.tables {
        assert_eq!(Some(table), got.tables.get(name), "table {name}");
    }
    assert_eq!(got.views, want.views, "views");
    assert_eq!(got.functions, want.functions, "functions and procedures");
    assert_eq!(&got, want);
}

const BUMP_V1: &str = "CREATE FUNCTION sq_bump(n INT) RETURNS INT DETERMINISTIC\n\
BEGIN\n  DECLARE x INT DEFAULT 100;\n  RETURN x;\nEND;\n";
const BUMP_V2: &str = "CREATE OR REPLACE FUNCTION sq_bump(n INT) RETURNS INT DETERMINISTIC\n\
BEGIN\n  DECLARE x INT;\n  SET x = n + 1;\n  RETURN x;\nEND;\n";
const CHEAP_V1: &str = "CREATE VIEW sq_cheap AS SELECT id FROM sq_items WHERE price < 5;\n";
const CHEAP_V2: &str =
    "CREATE OR REPLACE VIEW sq_cheap AS SELECT id, price FROM sq_items WHERE price < 10;\n";
/// Created with a `DEFINER` clause (as `mysqldump` writes them) and dropped inside the range.
const TMP: &str = "CREATE DEFINER = CURRENT_USER PROCEDURE sq_tmp(IN k INT) \
BEGIN UPDATE sq_items SET price = price * k; END;\n";
/// Under `STRICT_TRANS_TABLES` (no `ANSI_QUOTES`), `"!"` is a string; under Retort's session
/// mode it would name a column.
const NOTE: &str = "SET @sq_mode = @@SESSION.sql_mode;\n\
SET SESSION sql_mode = 'STRICT_TRANS_TABLES';\n\
CREATE TRIGGER sq_items_note BEFORE INSERT ON sq_items FOR EACH ROW \
SET NEW.note = CONCAT(IFNULL(NEW.note, ''), \"!\");\n\
SET SESSION sql_mode = @sq_mode;\n";

/// A second trigger on the same event, after the first in the server's order (its name sorts
/// before it): the squash must keep that order.
const AGAIN: &str = "CREATE TRIGGER sq_items_again BEFORE UPDATE ON sq_items FOR EACH ROW \
SET NEW.touched = NEW.touched * 10;\n";

/// models -> items -> (the range: objects -> replaced) -> label.
fn history(p: &MyProject) -> Vec<String> {
    p.configure("ignore = [\"sq_*\"]");
    p.run(CLI, &["autogenerate", "-m", "models"]).expect(0);
    let models = p.revision_dirs()[0].file_name().unwrap().to_str().unwrap()[18..30].to_owned();
    let items = revision(
        p,
        "items",
        "CREATE TABLE sq_items (id INTEGER PRIMARY KEY, price INTEGER NOT NULL, \
         touched INTEGER NOT NULL DEFAULT 0, note VARCHAR(50));\n",
        "DROP TABLE sq_items;\n",
    );
    let objects = revision(
        p,
        "objects",
        &format!(
            "{BUMP_V1}CREATE TRIGGER sq_items_touch BEFORE UPDATE ON sq_items FOR EACH ROW \
             SET NEW.touched = sq_bump(OLD.touched);\n{CHEAP_V1}{TMP}"
        ),
        "DROP PROCEDURE sq_tmp;\nDROP VIEW sq_cheap;\nDROP TRIGGER sq_items_touch;\n\
         DROP FUNCTION sq_bump;\n",
    );
    let replaced = revision(
        p,
        "replaced",
        &format!("{BUMP_V2}{CHEAP_V2}DROP PROCEDURE sq_tmp;\n{NOTE}{AGAIN}"),
        &format!(
            "DROP TRIGGER sq_items_again;\nDROP TRIGGER sq_items_note;\n{TMP}{}{}",
            CHEAP_V1.replace("CREATE VIEW", "CREATE OR REPLACE VIEW"),
            BUMP_V1.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
        ),
    );
    let label = revision(
        p,
        "label",
        "ALTER TABLE sq_items ADD COLUMN label TEXT;\n",
        "ALTER TABLE sq_items DROP COLUMN label;\n",
    );
    vec![models, items, objects, replaced, label]
}

/// What the objects do: the trigger counts updates with the range's last function body, the
/// other trigger appends `!` (a string under its mode), the view is the range's last.
fn objects_work(q: &MyProject) {
    q.execute("INSERT INTO sq_items (id, price, note) VALUES (1, 3, 'a'), (2, 30, NULL);");
    q.execute("UPDATE sq_items SET price = 4 WHERE id = 1;");
    q.execute("UPDATE sq_items SET price = 5 WHERE id = 1;");
    let got =
        q.strings("SELECT CONCAT(CAST(touched AS CHAR), ' ', note) AS v FROM sq_items ORDER BY id");
    assert_eq!(
        got,
        [Some("110 a!".to_owned()), Some("0 !".to_owned())],
        "the range's last function body counts updates; the note trigger appends a string"
    );
    let cheap = q.strings("SELECT CAST(price AS CHAR) AS v FROM sq_cheap ORDER BY id");
    assert_eq!(cheap, [Some("5".to_owned())], "the range's last view");
    q.execute("DELETE FROM sq_items;");
}

#[test]
fn mariadb_squash_reproduces_views_routines_and_triggers() {
    let (Some(p), Some(q)) = (MyProject::new(), MyProject::new()) else {
        return;
    };
    let ids = history(&p);
    let [r0, r1, r2, r3, r4] = &ids[..] else {
        unreachable!()
    };
    let on_q = |args: &[&str]| p.run(CLI, &[&["--database-url", &q.url][..], args].concat());
    // p through the range, revision by revision: what the squash must give.
    p.run(CLI, &["upgrade", r3]).expect(0);
    let at_end = p.schema();
    p.run(CLI, &["downgrade", r1, "-y"]).expect(0);
    let at_start = p.schema();
    assert!(at_start.views.is_empty() && at_start.functions.is_empty());
    p.run(CLI, &["upgrade"]).expect(0);
    objects_work(&p);

    let run = p
        .run(CLI, &["squash", &format!("{r2}:{r3}"), "-m", "objects"])
        .expect(0);
    let s = generated(&run);
    let dir = p
        .revision_dirs()
        .into_iter()
        .find(|d| d.to_str().unwrap().contains(&s))
        .unwrap();
    let up = std::fs::read_to_string(dir.join("up.sql")).unwrap();
    let down = std::fs::read_to_string(dir.join("down.sql")).unwrap();
    assert!(
        up.contains("sq_items_touch") && up.contains("sq_cheap") && up.contains("sq_bump"),
        "{up}"
    );
    assert!(
        !up.contains("sq_tmp") && !down.contains("sq_tmp"),
        "created and dropped inside the range: {up}\n{down}"
    );
    // The function's last body, not its first; the function before the trigger calling it.
    assert!(
        up.contains("SET x = n + 1") && !up.contains("DEFAULT 100"),
        "{up}"
    );
    assert!(
        up.find("sq_bump").unwrap() < up.find("CREATE TRIGGER `sq_items_touch`").expect(&up),
        "{up}"
    );
    // The trigger made under another sql_mode is created under it.
    let note = up.find("CREATE TRIGGER `sq_items_note`").expect(&up);
    let mode = up[..note]
        .rfind("SET SESSION sql_mode = 'STRICT_TRANS_TABLES'")
        .expect(&up);
    assert!(
        up[mode..].contains("SET SESSION sql_mode = @retort_sql_mode"),
        "{up}"
    );
    assert!(up[note..].contains("\"!\""), "{up}");
    assert!(
        down.contains("DROP FUNCTION") && down.contains("DROP VIEW"),
        "{down}"
    );

    // Below the range, a database runs the squash instead: the same schema, objects that work,
    // then the revision after the range; reverting the squash gives the schema before it.
    let run = on_q(&["upgrade", &s]).expect(0);
    assert_eq!(
        moved(&run.stdout, "Applied"),
        [r0.clone(), r1.clone(), s.clone()]
    );
    same_schema(&q, &at_end);
    objects_work(&q);
    on_q(&["upgrade"]).expect(0);
    same_schema(&q, &p.schema());
    on_q(&["check"]).expect(0);
    let run = on_q(&["downgrade", r1, "-y"]).expect(0);
    assert_eq!(moved(&run.stdout, "Reverted"), [r4.clone(), s.clone()]);
    same_schema(&q, &at_start);
    // And forward again: the squash runs again after its down.sql.
    on_q(&["upgrade"]).expect(0);
    same_schema(&q, &p.schema());
    objects_work(&q);

    // A view of another database is not read: a range creating one is refused, naming it,
    // whatever clauses come before VIEW.
    let other = q.url.rsplit('/').next().unwrap().to_owned();
    let r5 = revision(
        &p,
        "far",
        &format!("CREATE ALGORITHM = MERGE VIEW `{other}`.sq_far AS SELECT 1 AS one;\n"),
        &format!("DROP VIEW `{other}`.sq_far;\n"),
    );
    let before = p.revision_dirs().len();
    let run = p
        .run(CLI, &["squash", &format!("{s}:{r5}"), "-m", "no"])
        .expect(2);
    assert!(
        run.stderr.contains(&format!(
            "revision {r5} (migrations/{}/up.sql:1) holds `CREATE ALGORITHM = MERGE VIEW",
            p.revision_dirs()
                .last()
                .unwrap()
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
        )) && run.stderr.contains(&format!(
            "on view '{other}.sq_far', which the squash does not read"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(p.revision_dirs().len(), before, "nothing written");
}

/// Objects of before the range replaced or dropped in it, a view over a view (its name sorting
/// first), and a table created in the range with its trigger: the squash gives the same schema
/// on a database below the range, and its down.sql the schema before.
#[test]
fn mariadb_squash_over_objects_of_before_the_range() {
    let (Some(p), Some(q)) = (MyProject::new(), MyProject::new()) else {
        return;
    };
    p.configure("ignore = [\"sq_*\"]");
    p.run(CLI, &["autogenerate", "-m", "models"]).expect(0);
    let r1 = revision(
        &p,
        "before",
        "CREATE TABLE sq_items (id INTEGER PRIMARY KEY, price INTEGER NOT NULL);\n\
         CREATE VIEW sq_all AS SELECT id FROM sq_items;\n\
         CREATE PROCEDURE sq_keep() BEGIN END;\n\
         CREATE FUNCTION sq_gone() RETURNS INT DETERMINISTIC RETURN 1;\n\
         CREATE TRIGGER sq_items_old BEFORE DELETE ON sq_items FOR EACH ROW SET @sq_x = OLD.id;\n",
        "DROP TRIGGER sq_items_old;\nDROP FUNCTION sq_gone;\nDROP PROCEDURE sq_keep;\n\
         DROP VIEW sq_all;\nDROP TABLE sq_items;\n",
    );
    let r2 = revision(
        &p,
        "replace",
        "CREATE OR REPLACE VIEW sq_all AS SELECT id, price FROM sq_items;\n\
         CREATE OR REPLACE PROCEDURE sq_keep(IN k INT) BEGIN UPDATE sq_items SET price = k; END;\n\
         DROP TRIGGER sq_items_old;\nDROP FUNCTION sq_gone;\n",
        "CREATE FUNCTION sq_gone() RETURNS INT DETERMINISTIC RETURN 1;\n\
         CREATE TRIGGER sq_items_old BEFORE DELETE ON sq_items FOR EACH ROW SET @sq_x = OLD.id;\n\
         CREATE OR REPLACE PROCEDURE sq_keep() BEGIN END;\n\
         CREATE OR REPLACE VIEW sq_all AS SELECT id FROM sq_items;\n",
    );
    let r3 = revision(
        &p,
        "more",
        "CREATE VIEW sq_a_min AS SELECT min(price) AS m FROM sq_all;\n\
         CREATE TABLE sq_logs (id INTEGER PRIMARY KEY AUTO_INCREMENT, msg VARCHAR(50));\n\
         CREATE TRIGGER sq_items_log AFTER INSERT ON sq_items FOR EACH ROW \
         INSERT INTO sq_logs (msg) VALUES (CONCAT('item ', NEW.id));\n\
         CREATE TRIGGER sq_items_zlog AFTER INSERT ON sq_items FOR EACH ROW PRECEDES sq_items_log \
         INSERT INTO sq_logs (msg) VALUES (CONCAT('first ', NEW.id));\n\
         CREATE ALGORITHM = MERGE SQL SECURITY INVOKER VIEW sq_invoker AS SELECT id FROM sq_items;\n\
         SET @sq_mode = @@SESSION.sql_mode;\nSET SESSION sql_mode = 'STRICT_TRANS_TABLES';\n\
         CREATE FUNCTION sq_bang(s VARCHAR(10)) RETURNS VARCHAR(11) DETERMINISTIC \
         RETURN CONCAT(s, \"!\");\nSET SESSION sql_mode = @sq_mode;\n",
        "DROP FUNCTION sq_bang;\nDROP VIEW sq_invoker;\nDROP TRIGGER sq_items_zlog;\nDROP TRIGGER sq_items_log;\n\
         DROP TABLE sq_logs;\nDROP VIEW sq_a_min;\n",
    );
    p.run(CLI, &["upgrade"]).expect(0);
    let at_end = p.schema();
    p.run(CLI, &["downgrade", &r1, "-y"]).expect(0);
    let at_start = p.schema();
    p.run(CLI, &["upgrade"]).expect(0);
    let run = p
        .run(CLI, &["squash", &format!("{r2}:{r3}"), "-m", "objects"])
        .expect(0);
    let s = generated(&run);
    let dir = p
        .revision_dirs()
        .into_iter()
        .find(|d| d.to_str().unwrap().contains(&s))
        .unwrap();
    let up = std::fs::read_to_string(dir.join("up.sql")).unwrap();
    let bang = up.find("CREATE FUNCTION `sq_bang`").expect(&up);
    assert!(
        up[..bang].ends_with("SET SESSION sql_mode = 'STRICT_TRANS_TABLES';\n"),
        "the function made under another sql_mode is created under it: {up}"
    );
    let on_q = |args: &[&str]| p.run(CLI, &[&["--database-url", &q.url][..], args].concat());
    on_q(&["upgrade", &r1]).expect(0);
    same_schema(&q, &at_start);
    on_q(&["upgrade"]).expect(0);
    same_schema(&q, &at_end);
    q.execute("INSERT INTO sq_items (id, price) VALUES (1, 7), (2, 3);");
    q.execute("CALL sq_keep(4);");
    assert_eq!(
        q.strings("SELECT CAST(m AS CHAR) AS v FROM sq_a_min"),
        [Some("4".to_owned())]
    );
    assert_eq!(
        q.strings("SELECT msg AS v FROM sq_logs ORDER BY id"),
        ["first 1", "item 1", "first 2", "item 2"].map(|m| Some(m.to_owned()))
    );
    assert_eq!(
        q.strings("SELECT sq_bang('a') AS v"),
        [Some("a!".to_owned())]
    );
    // Kept though not compared: made again as the range made it.
    assert_eq!(
        q.strings(
            "SELECT CONCAT(SECURITY_TYPE, ' ', ALGORITHM) AS v FROM information_schema.VIEWS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'sq_invoker'"
        ),
        [Some("INVOKER MERGE".to_owned())]
    );
    q.execute("DELETE FROM sq_items; DELETE FROM sq_logs;");
    let run = on_q(&["downgrade", &r1, "-y"]).expect(0);
    assert_eq!(moved(&run.stdout, "Reverted"), [s]);
    same_schema(&q, &at_start);
}
