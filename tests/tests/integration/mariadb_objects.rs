//! The objects of a MariaDB database that are not tables (views, triggers, functions,
//! procedures): `init --baseline` creates them (without their `DEFINER`, each trigger and
//! routine under its own `sql_mode`), its `down.sql` drops them, the baseline replays in
//! another database, and autogenerate and `check` leave them alone.

use crate::mariadb_support::MyProject;
use crate::support::Models;

/// The example blog's models (`retort::link_models!`).
const BLOG: &str = env!("CARGO_BIN_EXE_retort_custom");

/// Every view, trigger and routine of the database as the server describes it (a view's
/// definition without the database's name), sorted.
fn objects(p: &MyProject) -> Vec<String> {
    p.strings(
        "SELECT CONCAT_WS(' | ', 'VIEW', TABLE_NAME, \
           REPLACE(VIEW_DEFINITION, CONCAT('`', DATABASE(), '`.'), ''), CHECK_OPTION, \
           SECURITY_TYPE, ALGORITHM) AS v \
         FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() \
         UNION ALL SELECT CONCAT_WS(' | ', 'TRIGGER', TRIGGER_NAME, EVENT_OBJECT_TABLE, \
           ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER, ACTION_STATEMENT, SQL_MODE) \
         FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() \
         UNION ALL SELECT CONCAT_WS(' | ', ROUTINE_TYPE, ROUTINE_NAME, DTD_IDENTIFIER, \
           ROUTINE_DEFINITION, IS_DETERMINISTIC, SQL_DATA_ACCESS, SECURITY_TYPE, ROUTINE_COMMENT, \
           SQL_MODE, (SELECT GROUP_CONCAT(CONCAT_WS(' ', PARAMETER_MODE, PARAMETER_NAME, \
             DTD_IDENTIFIER, CHARACTER_SET_NAME, COLLATION_NAME) ORDER BY ORDINAL_POSITION) \
            FROM information_schema.PARAMETERS p WHERE p.SPECIFIC_SCHEMA = r.ROUTINE_SCHEMA \
            AND p.SPECIFIC_NAME = r.SPECIFIC_NAME)) \
         FROM information_schema.ROUTINES r WHERE ROUTINE_SCHEMA = DATABASE() \
         ORDER BY 1",
    )
    .into_iter()
    .map(Option::unwrap_or_default)
    .collect()
}

/// The objects at work: the triggers (two on one event, in order), the function (whose body
/// has strings in double quotes, created without `ANSI_QUOTES`), the view over the view, the
/// procedure (a labelled loop and a handler).
fn works(p: &MyProject) {
    p.execute(
        "DELETE FROM post_log; DELETE FROM posts; \
         INSERT INTO posts (id, title) VALUES (1, 'one'), (2, NULL); \
         CALL log_count(@n); INSERT INTO post_log (msg) VALUES (CONCAT('count ', @n))",
    );
    let rows = |sql: &str| -> Vec<String> {
        p.strings(sql)
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect()
    };
    assert_eq!(
        rows("SELECT CONCAT_WS(',', id, title, words) AS v FROM posts ORDER BY id"),
        ["1,ONE,2", "2,untitled,1"]
    );
    assert_eq!(
        rows("SELECT CONCAT_WS(',', id, label) AS v FROM long_posts ORDER BY id"),
        ["1,#1: ONE", "2,#2: untitled"]
    );
    assert_eq!(
        rows("SELECT msg AS v FROM post_log ORDER BY id"),
        ["post 1", "post 2", "count 2"]
    );
}

const OBJECTS: &str = "
CREATE TABLE posts (id INT PRIMARY KEY, title VARCHAR(50), words INT);
CREATE TABLE post_log (id INT AUTO_INCREMENT PRIMARY KEY, msg TEXT NOT NULL);
CREATE SEQUENCE ticket_numbers;
CREATE FUNCTION label(n INT, t VARCHAR(50) CHARACTER SET latin1) RETURNS VARCHAR(80)
    DETERMINISTIC COMMENT 'a post''s label; for views'
BEGIN
  DECLARE out_text VARCHAR(80) DEFAULT '';
  IF t IS NULL THEN
    SET t = \"untitled\";
  END IF;
  SET out_text = CONCAT('#', n, \": \", t);
  RETURN out_text;
END;
CREATE PROCEDURE log_count(OUT n INT)
    READS SQL DATA SQL SECURITY INVOKER
BEGIN
  DECLARE done INT DEFAULT 0;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1;
  counting: WHILE done = 0 DO
    SELECT COUNT(*) INTO n FROM post_log;
    LEAVE counting;
  END WHILE counting;
END;
CREATE TRIGGER posts_bi BEFORE INSERT ON posts FOR EACH ROW
BEGIN
  IF NEW.title IS NULL THEN
    SET NEW.title = 'untitled';
  ELSE
    SET NEW.title = UPPER(NEW.title);
  END IF;
  SET NEW.words = CHAR_LENGTH(NEW.title) - CHAR_LENGTH(REPLACE(NEW.title, 'N', '')) + 1;
END;
CREATE TRIGGER posts_ai AFTER INSERT ON posts FOR EACH ROW
  INSERT INTO post_log (msg) VALUES (CONCAT('post ', NEW.id));
CREATE TRIGGER posts_bi_later BEFORE INSERT ON posts FOR EACH ROW FOLLOWS posts_bi
  SET NEW.words = NEW.words + 0;
CREATE ALGORITHM = MERGE VIEW titled AS SELECT id, title FROM posts WHERE title IS NOT NULL;
CREATE SQL SECURITY INVOKER VIEW long_posts AS
  SELECT t.id, label(t.id, t.title) AS label, l.msg FROM titled t JOIN post_log l ON l.msg = CONCAT('post ', t.id)
  WITH CASCADED CHECK OPTION;
";

/// A database with views (one over the other, one calling a function), triggers (two on one
/// event, in order), a function, a procedure and a sequence is baselined; the baseline's
/// `down.sql` drops what it created, `up.sql` creates it again exactly, and it replays in
/// another database, all of it working.
#[test]
fn a_baseline_keeps_views_triggers_and_routines() {
    let Some(p) = MyProject::new() else {
        return;
    };
    let none = Models::None.exe();
    p.execute(OBJECTS);
    works(&p);
    let tables = p.schema();
    let before = objects(&p);
    assert_eq!(before.len(), 7, "{before:#?}");

    let init = p.run(none, &["init", "--baseline"]).expect(0);
    let said = format!("{}{}", init.stdout, init.stderr);
    assert!(
        said.contains("It also creates 4 object(s) that are not tables: function label, procedure log_count, view titled, view long_posts"),
        "{said}"
    );
    assert!(said.contains("sequence ticket_numbers"), "{said}");
    let up = std::fs::read_to_string(p.revision_dirs()[0].join("up.sql")).unwrap();
    assert!(!up.contains("DEFINER="), "{up}");
    assert!(up.contains("--   sequence ticket_numbers\n"), "{up}");
    // Each body is one statement, without DELIMITER, after the sql_mode it was created with.
    assert!(
        up.contains("SET SESSION sql_mode = 'STRICT_TRANS_TABLES,")
            && up.contains("CREATE FUNCTION `label`(`n` int(11), `t` varchar(50) CHARACTER SET latin1 COLLATE latin1_swedish_ci) RETURNS varchar(80)"),
        "{up}"
    );
    // The triggers are created with their table, in their order, each under its sql_mode.
    let bi = up.find("CREATE TRIGGER `posts_bi` ").expect(&up);
    let later = up.find("CREATE TRIGGER `posts_bi_later` ").expect(&up);
    assert!(
        up.find("CREATE TABLE `posts`").expect(&up) < bi && bi < later,
        "{up}"
    );
    // inspect writes the tables' models, and declarations of the views, routines and
    // triggers.
    let inspected = p.run(none, &["inspect"]).expect(0).stdout;
    assert!(
        inspected.contains("#[model(table = \"posts\")]") || inspected.contains("pub struct Post "),
        "{inspected}"
    );
    for declared in [
        "pub struct Titled",
        "pub struct LongPost",
        "CREATE FUNCTION `label`",
        "CREATE PROCEDURE `log_count`",
        "CREATE TRIGGER `posts_bi_later`",
        "options = \"ALGORITHM = MERGE\"",
        "options = \"SQL SECURITY INVOKER\"",
    ] {
        assert!(
            inspected.contains(declared),
            "{declared} not in:\n{inspected}"
        );
    }
    // A view's fields are its columns as the server lists them (information_schema.COLUMNS),
    // nullability included: a struct without fields would not compile.
    assert!(
        inspected.contains("pub struct Titled {\n    pub id: i32,\n")
            && inspected.contains("pub struct LongPost {\n    pub id: i32,\n"),
        "{inspected}"
    );
    // Made under the server's default mode (without ANSI_QUOTES), each says so, so that it is
    // created again under it.
    assert_eq!(
        inspected
            .matches("r#\"/*retort:sql_mode=STRICT_TRANS_TABLES,")
            .count(),
        5,
        "{inspected}"
    );

    // down.sql drops every object it creates (the sequence, not created, stays), up.sql
    // creates them again.
    p.run(none, &["downgrade", "base"]).expect(0);
    assert_eq!(objects(&p), Vec::<String>::new());
    assert_eq!(
        p.strings("SELECT TABLE_NAME AS v FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE '\\_\\_%'"),
        [Some("ticket_numbers".to_owned())]
    );
    p.run(none, &["upgrade", "head"]).expect(0);
    assert_eq!(objects(&p), before);
    assert_eq!(p.schema().tables, tables.tables);
    works(&p);

    // Another database replays it: no name of the first one is left in it.
    let Some(q) = MyProject::new() else {
        return;
    };
    let copy = q.path().join("migrations");
    std::fs::remove_dir_all(&copy).ok();
    std::fs::create_dir_all(&copy).unwrap();
    for dir in p.revision_dirs() {
        let to = copy.join(dir.file_name().unwrap());
        std::fs::create_dir_all(&to).unwrap();
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            std::fs::copy(&file, to.join(file.file_name().unwrap())).unwrap();
        }
    }
    q.run(none, &["upgrade", "head"]).expect(0);
    assert_eq!(objects(&q), before);
    works(&q);
}

/// Models own the tables, not the objects on them: with views, a trigger and routines over the
/// models' tables, `check` is clean and autogenerate writes nothing; a migration that changes a
/// table they use neither drops nor re-creates them, and they stay through its upgrade,
/// downgrade and upgrade again.
#[test]
fn autogenerate_and_check_leave_views_triggers_and_routines_alone() {
    let Some(p) = MyProject::new() else {
        return;
    };
    p.run(BLOG, &["autogenerate", "-m", "blog"]).expect(0);
    p.run(BLOG, &["upgrade", "head"]).expect(0);
    p.execute(
        "CREATE FUNCTION shout(s TEXT) RETURNS TEXT DETERMINISTIC RETURN UPPER(s);
         CREATE PROCEDURE publish_all() BEGIN UPDATE posts SET published = 1; END;
         CREATE VIEW authors AS SELECT id, shout(display_name) AS name FROM users;
         CREATE VIEW counted AS SELECT COUNT(*) AS n FROM authors;
         CREATE TRIGGER users_bi BEFORE INSERT ON users FOR EACH ROW
         BEGIN IF NEW.bio IS NULL THEN SET NEW.bio = 'none'; END IF; END;",
    );
    let before = objects(&p);
    assert_eq!(before.len(), 5, "{before:#?}");
    let check = p.run(BLOG, &["check"]).expect(0);
    assert!(
        check.stdout.contains("No changes detected"),
        "{}",
        check.stdout
    );
    p.run(BLOG, &["autogenerate", "-m", "nothing"]).expect(0);
    assert_eq!(p.revision_dirs().len(), 1);

    // A column the models lack, and one narrower than theirs, on the table under the view.
    p.execute(
        "ALTER TABLE users ADD COLUMN nickname VARCHAR(20), \
         MODIFY display_name VARCHAR(50) NOT NULL",
    );
    p.run(
        BLOG,
        &["autogenerate", "-m", "users", "--allow-destructive"],
    )
    .expect(0);
    let dir = p.revision_dirs().pop().unwrap();
    for file in ["up.sql", "down.sql"] {
        let sql = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(sql.contains("nickname"), "{file}:\n{sql}");
        let upper = sql.to_uppercase();
        for kind in ["VIEW", "TRIGGER", "FUNCTION", "PROCEDURE"] {
            assert!(!upper.contains(kind), "{file} names a {kind}:\n{sql}");
        }
    }
    p.run(BLOG, &["upgrade", "head"]).expect(0);
    assert_eq!(objects(&p), before);
    p.run(BLOG, &["check"]).expect(0);
    p.run(BLOG, &["downgrade", "-1"]).expect(0);
    assert_eq!(objects(&p), before);
    p.run(BLOG, &["upgrade", "head"]).expect(0);
    assert_eq!(objects(&p), before);
    p.execute("INSERT INTO users (email, display_name) VALUES ('a@b', 'Ann'); CALL publish_all()");
    assert_eq!(
        p.strings("SELECT CONCAT_WS(' ', name, (SELECT n FROM counted), bio) AS v FROM authors JOIN users USING (id)"),
        [Some("ANN 1 none".to_owned())]
    );
}

/// The `mariadb` command-line client on the project's database (`mysql://user[:password]@
/// host:port/db`), reading `script` on its standard input.
fn mariadb_client(p: &MyProject, script: &str) -> std::process::Output {
    use std::io::Write;
    let rest = p.url.split_once("://").map_or(p.url.as_str(), |(_, r)| r);
    let (login, place) = rest.rsplit_once('@').expect("a user in the URL");
    let (user, password) = login.split_once(':').unwrap_or((login, ""));
    let (address, db) = place.split_once('/').expect("a database in the URL");
    let (host, port) = address.split_once(':').unwrap_or((address, "3306"));
    let mut command = std::process::Command::new("mariadb");
    command.args(["--no-defaults", "-h", host, "-P", port, "-u", user, db]);
    if !password.is_empty() {
        command.arg(format!("-p{password}"));
    }
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the mariadb client runs (Debian: apt-get install mariadb-client)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The offline script of a function and a trigger with `BEGIN ... END` bodies (a `;` inside)
/// runs in the `mariadb` client, which ends a statement at every `;`: each such statement
/// comes between `DELIMITER` lines. The database it leaves checks clean, and the objects work.
#[test]
fn offline_script_with_compound_bodies_runs_in_the_mariadb_client() {
    let Some(p) = MyProject::new() else {
        return;
    };
    let cases = |args: &[&str]| {
        crate::support::Run::from(
            p.command(Models::Cases.exe(), args)
                .env(
                    "RETORT_CASE",
                    "mariadb_routines::mariadb_add_function_and_trigger/after",
                )
                .output()
                .expect("the CLI runs"),
        )
    };
    cases(&["autogenerate", "-m", "objects"]).expect(0);
    let script = cases(&["upgrade", "base:head", "--sql"]).expect(0).stdout;
    assert!(
        script.contains("DELIMITER //\nCREATE FUNCTION bumped(n INT)")
            && script.contains("    RETURN m;\nEND//\nDELIMITER ;\n"),
        "{script}"
    );
    let run = mariadb_client(&p, &script);
    assert!(
        run.status.success(),
        "the mariadb client failed on:\n{script}\n--- stderr\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    cases(&["check"]).expect(0);
    p.execute(
        "INSERT INTO items (id, price, touched) VALUES (1, 5, 0); UPDATE items SET price = 6",
    );
    assert_eq!(
        p.strings("SELECT CAST(touched AS CHAR) AS v FROM items"),
        [Some("1".to_owned())]
    );
    // And back: the offline downgrade drops them in the client too.
    let down = cases(&["downgrade", "head:base", "--sql"]).expect(0).stdout;
    let run = mariadb_client(&p, &down);
    assert!(
        run.status.success(),
        "{down}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(objects(&p), Vec::<String>::new());
}
