//! Splitting a script into its statements, so the runner can execute them one at a time: each
//! failure then names its statement and line, and a revision that runs outside a transaction
//! runs exactly as `psql` runs the offline script (one statement, one implicit transaction).

use super::{Lexer, Statements, Token};

/// One statement of a script, or one of its Rust data step markers: a line
/// `-- retort: step NAME` between statements (see [`crate::data`]) is a unit of its own, so a
/// revision's progress counts it, and its `text` is that comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statement<'a> {
    /// The statement as written, from its first token to its `;` (included when present);
    /// comments before it are left out, comments inside it kept. For a step marker, the
    /// comment from its `--` to the end of its line.
    pub text: &'a str,
    /// 1-based line of its first token in the script.
    pub line: usize,
}

impl<'a> Statement<'a> {
    /// The name of the Rust data step this unit runs, when it is a step marker (what follows
    /// `step`, trimmed: possibly empty or not an identifier, which validation reports).
    pub fn step(&self) -> Option<&'a str> {
        step_marker(self.text)
    }

    /// The 1-based line in the script of the 1-based character `position` of the statement's
    /// text (as PostgreSQL reports an error's position).
    pub fn line_of(&self, position: usize) -> usize {
        self.line
            + self
                .text
                .chars()
                .take(position.saturating_sub(1))
                .filter(|c| *c == '\n')
                .count()
    }

    /// The statement on one line (white space collapsed), shortened to about `max` characters,
    /// for messages.
    pub fn summary(&self, max: usize) -> String {
        let one_line = self.text.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() <= max {
            one_line
        } else {
            let cut: String = one_line.chars().take(max).collect();
            format!("{}...", cut.trim_end())
        }
    }
}

/// The step name of a line comment `-- retort: step NAME` (`text` starts at its `--`).
fn step_marker(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("--")?.trim_start();
    let rest = rest.strip_prefix("retort:")?.trim_start();
    let name = rest.strip_prefix("step")?;
    if !(name.is_empty() || name.starts_with(char::is_whitespace)) {
        return None;
    }
    Some(name.trim())
}

/// The step markers among the comments of `gap` (text between two statements: white space,
/// comments and stray `;`), which starts at byte `offset` and line `line` of the script.
fn markers_in<'a>(sql: &'a str, offset: usize, end: usize, mut line: usize) -> Vec<Statement<'a>> {
    let bytes = sql.as_bytes();
    let mut found = Vec::new();
    let mut i = offset;
    while i < end {
        if bytes[i..end].starts_with(b"--") {
            let stop = bytes[i..end]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(end, |p| i + p);
            let text = sql[i..stop].trim_end();
            if step_marker(text).is_some() {
                found.push(Statement { text, line });
            }
            i = stop;
        } else if bytes[i..end].starts_with(b"/*") {
            let mut lexer = Lexer::new(&sql[..end]);
            lexer.pos = i;
            lexer.skip_block_comment();
            line += sql[i..lexer.pos].matches('\n').count();
            i = lexer.pos;
        } else {
            if bytes[i] == b'\n' {
                line += 1;
            }
            i += 1;
        }
    }
    found
}

/// The statements of `sql`, in order. A `;` ends a statement unless it is inside a string, a
/// quoted identifier, a comment, a dollar-quoted body, parentheses (PostgreSQL's multi-action
/// `CREATE RULE`), a SQLite trigger body (`BEGIN ... END`) or a `BEGIN ATOMIC ... END` body.
/// Empty statements (`;;`) and comment-only text are dropped; a last statement without `;`
/// is kept. A Rust data step marker (`-- retort: step NAME` between statements) is a unit in
/// its place; one inside a statement is only a comment there ([`misplaced_steps`] finds it).
pub fn statements(sql: &str) -> Vec<Statement<'_>> {
    let mut found = Vec::new();
    let mut lexer = Lexer::new(sql);
    let mut state = Statements::default();
    // Start offset and line of the statement being read.
    let mut current: Option<(usize, usize)> = None;
    let mut depth = 0usize;
    let mut end = 0;
    // Where the text after the last statement starts, and its line: markers live there.
    let mut gap = (0usize, 1usize);
    let steps = sql.contains("retort:");
    while let Some(token) = lexer.next() {
        if token == Token::Semicolon && current.is_none() {
            state.feed(token);
            continue;
        }
        if current.is_none() && steps {
            found.extend(markers_in(sql, gap.0, lexer.start, gap.1));
        }
        let (start, line) = *current.get_or_insert((lexer.start, lexer.start_line));
        end = lexer.pos;
        match &sql[lexer.start..lexer.pos] {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            _ => {}
        }
        let ends = token == Token::Semicolon && !state.in_body() && depth == 0;
        // A `;` inside parentheses does not end the statement for the keyword state either.
        let fed = if token == Token::Semicolon && !state.in_body() && depth > 0 {
            Token::Other
        } else {
            token
        };
        state.feed(fed);
        if ends {
            found.push(Statement {
                text: &sql[start..end],
                line,
            });
            current = None;
            depth = 0;
            gap = (lexer.pos, lexer.line);
        }
    }
    if let Some((start, line)) = current {
        found.push(Statement {
            text: &sql[start..end],
            line,
        });
    } else if steps {
        found.extend(markers_in(sql, gap.0, sql.len(), gap.1));
    }
    found
}

/// `sql` for the `mariadb` (`mysql`) command-line client, which ends a statement at every `;`
/// outside quotes and comments: each statement holding a `;` of its own (a routine's or
/// trigger's `BEGIN ... END` body) is put between `DELIMITER` lines and ended by a delimiter its
/// text does not contain (`//`, else `$$`, ...). The rest of `sql`, comments included, is kept
/// as it is.
pub fn client_delimited(sql: &str) -> String {
    let mut out = String::new();
    let mut copied = 0;
    for statement in statements(sql) {
        if statement.step().is_some() {
            continue;
        }
        let text = statement.text;
        let body = text.strip_suffix(';').unwrap_or(text);
        if !Lexer::new(body).any(|t| t == Token::Semicolon) {
            continue;
        }
        let start = text.as_ptr() as usize - sql.as_ptr() as usize;
        let delimiter = ["//", "$$", "@@@@", "~~~~"]
            .into_iter()
            .find(|d| !text.contains(d))
            .unwrap_or("#retort#end#");
        out.push_str(&sql[copied..start]);
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("DELIMITER ");
        out.push_str(delimiter);
        out.push('\n');
        out.push_str(body.trim_end());
        out.push_str(delimiter);
        out.push_str("\nDELIMITER ;");
        copied = start + text.len();
    }
    out.push_str(&sql[copied..]);
    out
}

/// Lines `-- retort: step NAME` inside a statement of `sql` (1-based line, name): they do not
/// run there. (Also one inside a string or a body, which is rare enough to be worth the
/// question.)
pub fn misplaced_steps(sql: &str) -> Vec<(usize, String)> {
    if !sql.contains("retort:") {
        return Vec::new();
    }
    let mut found = Vec::new();
    for statement in statements(sql).iter().filter(|s| s.step().is_none()) {
        for (n, text) in statement.text.lines().enumerate() {
            if let Some(name) = step_marker(text.trim_start()) {
                found.push((statement.line + n, name.to_owned()));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(sql: &str) -> Vec<(&str, usize)> {
        statements(sql).iter().map(|s| (s.text, s.line)).collect()
    }

    #[test]
    fn compound_bodies_get_client_delimiters() {
        let sql = "-- added procedure 'p()'\nCREATE PROCEDURE p()\nBEGIN\n    UPDATE t SET n = 0;\nEND;\n\
                   SET @m = 1; CREATE TRIGGER g BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.n = 1; END;\n\
                   CREATE FUNCTION f() RETURNS INT RETURN 1;\n";
        assert_eq!(
            client_delimited(sql),
            "-- added procedure 'p()'\nDELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n    UPDATE t SET n = 0;\nEND//\nDELIMITER ;\n\
             SET @m = 1; \nDELIMITER //\nCREATE TRIGGER g BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.n = 1; END//\nDELIMITER ;\n\
             CREATE FUNCTION f() RETURNS INT RETURN 1;\n"
        );
        // A body holding `//` ends with another delimiter; a script without bodies is as it was.
        assert_eq!(
            client_delimited("CREATE PROCEDURE q() BEGIN SELECT '//'; END"),
            "DELIMITER $$\nCREATE PROCEDURE q() BEGIN SELECT '//'; END$$\nDELIMITER ;"
        );
        let plain = "CREATE TABLE t (id INT);\n-- a; comment\nINSERT INTO t VALUES (';');\n";
        assert_eq!(client_delimited(plain), plain);
    }

    #[test]
    fn splits_at_semicolons_with_lines() {
        assert_eq!(
            split(
                "-- head\nCREATE TABLE t (id INTEGER);\n\nINSERT INTO t\n  VALUES (1); SELECT 2\n"
            ),
            [
                ("CREATE TABLE t (id INTEGER);", 2),
                ("INSERT INTO t\n  VALUES (1);", 4),
                ("SELECT 2", 5)
            ]
        );
        assert_eq!(split(""), []);
        assert_eq!(split("-- only a comment\n;;\n/* x */"), []);
        assert_eq!(
            split("SELECT 1;;SELECT 2; -- done\n"),
            [("SELECT 1;", 1), ("SELECT 2;", 1)]
        );
    }

    #[test]
    fn semicolons_inside_quotes_comments_and_bodies_do_not_split() {
        let sql = "INSERT INTO t VALUES ('a;b', \"c;d\", E'e\\';f');\n\
                   SELECT 1 /* ; */ -- ;\n + 1;\n\
                   CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;\n\
                   DO $x$ BEGIN PERFORM 1; END $x$;\n\
                   CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN\n\
                     UPDATE t SET end = CASE WHEN 1 THEN 2 END;\n\
                     DELETE FROM log;\n\
                   END;\n\
                   CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END;\n\
                   CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\n\
                   SELECT 'last';";
        let lines: Vec<usize> = statements(sql).iter().map(|s| s.line).collect();
        assert_eq!(lines, [1, 2, 4, 5, 6, 10, 11, 12], "{:#?}", statements(sql));
        let texts: Vec<&str> = statements(sql).iter().map(|s| s.text).collect();
        assert!(texts[4].ends_with("DELETE FROM log;\nEND;"), "{}", texts[4]);
        assert!(texts[6].ends_with("(2));"), "{}", texts[6]);
    }

    /// MariaDB's compound statements need no DELIMITER: each `CREATE ... END;` is one statement.
    #[test]
    fn mariadb_trigger_and_routine_bodies_are_one_statement() {
        let sql = "CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW\n\
                   BEGIN\n\
                     IF NEW.n IS NULL THEN\n\
                       SET NEW.n = add_one(0);\n\
                     ELSEIF NEW.n < 0 THEN SET NEW.n = 0;\n\
                     ELSE BEGIN SET NEW.end = CASE WHEN NEW.n > 9 THEN 9 ELSE NEW.n END; END;\n\
                     END IF;\n\
                     INSERT INTO log (msg) VALUES (CONCAT('end; ', IF(NEW.n > 1, 'a', 'b')));\n\
                   END;\n\
                   CREATE DEFINER=`root`@`localhost` FUNCTION add_one(x INT) RETURNS INT DETERMINISTIC\n\
                   BEGIN\n\
                     DECLARE y INT DEFAULT 0;\n\
                     DECLARE CONTINUE HANDLER FOR SQLSTATE '22003', NOT FOUND BEGIN SET y = -1; END;\n\
                     DECLARE EXIT HANDLER FOR 1062 SET y = -2;\n\
                     outer_loop: LOOP\n\
                       SET y = y + 1;\n\
                       IF y > 10 THEN LEAVE outer_loop; END IF;\n\
                     END LOOP outer_loop;\n\
                     WHILE y < 20 DO SET y = y + REPEAT('1', 1); END WHILE;\n\
                     REPEAT SET y = y - 1; UNTIL y < 5 END REPEAT;\n\
                     CASE y WHEN 1 THEN SET y = 2; ELSE SET y = 3; END CASE;\n\
                     RETURN x + y;\n\
                   END;\n\
                   CREATE PROCEDURE note(IN m VARCHAR(50)) BEGIN NOT ATOMIC IF m IS NULL THEN SET m = ''; END IF; INSERT INTO log (msg) VALUES (m); END;\n\
                   CREATE TRIGGER t_bu BEFORE UPDATE ON t FOR EACH ROW FOLLOWS t_bi IF NEW.n < 0 THEN SET NEW.n = 0; END IF;\n\
                   CREATE TRIGGER t_bd BEFORE DELETE ON t FOR EACH ROW SET @deleted = OLD.id;\n\
                   CREATE PROCEDURE empty() BEGIN END;\n\
                   SELECT 'last';";
        let found = statements(sql);
        let lines: Vec<usize> = found.iter().map(|s| s.line).collect();
        assert_eq!(lines, [1, 10, 24, 25, 26, 27, 28], "{found:#?}");
        assert!(found[0]
            .text
            .ends_with("msg) VALUES (CONCAT('end; ', IF(NEW.n > 1, 'a', 'b')));\nEND;"));
        assert!(
            found[1].text.ends_with("RETURN x + y;\nEND;"),
            "{}",
            found[1].text
        );
        assert!(found[2].text.ends_with("VALUES (m); END;"));
        assert!(found[3].text.ends_with("END IF;"));
        // No transaction control inside (a body's BEGIN and END are not).
        assert!(crate::sql::transaction_control(sql).is_empty());
    }

    #[test]
    fn unterminated_constructs_run_to_the_end() {
        assert_eq!(split("SELECT 'abc; COMMIT;"), [("SELECT 'abc; COMMIT;", 1)]);
        assert_eq!(
            split("SELECT 1;\nSELECT (2;"),
            [("SELECT 1;", 1), ("SELECT (2;", 2)]
        );
    }

    #[test]
    fn step_markers_are_units_between_statements() {
        let sql = "ALTER TABLE p ADD first TEXT;\n-- Fill it in Rust:\n-- retort: step split_names\n\
                   /* -- retort: step hidden */\n-- retort:step   spaced  \nALTER TABLE p DROP name;\n\
                   -- retort: stepper\n-- retort: step last\n";
        let units = statements(sql);
        let shown: Vec<(Option<&str>, usize)> = units.iter().map(|s| (s.step(), s.line)).collect();
        assert_eq!(
            shown,
            [
                (None, 1),
                (Some("split_names"), 3),
                (Some("spaced"), 5),
                (None, 6),
                (Some("last"), 8)
            ]
        );
        assert_eq!(units[1].text, "-- retort: step split_names");
        assert_eq!(split("-- retort: step only"), [("-- retort: step only", 1)]);
        assert!(misplaced_steps(sql).is_empty());
        // Inside a statement (no `;` before it) it is only a comment, and reported.
        let inside = "UPDATE p SET a = 1\n-- retort: step fill\nWHERE id = 2;\n";
        assert_eq!(statements(inside).len(), 1);
        assert_eq!(misplaced_steps(inside), [(2, "fill".to_owned())]);
    }

    #[test]
    fn positions_become_lines_and_statements_summaries() {
        let statement = statements("SELECT 1;\n\nINSERT INTO t\nVALUES (x);")[1];
        assert_eq!(statement.line, 3);
        assert_eq!(statement.line_of(1), 3);
        assert_eq!(statement.line_of(22), 4);
        assert_eq!(statement.summary(100), "INSERT INTO t VALUES (x);");
        assert_eq!(statement.summary(8), "INSERT I...");
    }
}
