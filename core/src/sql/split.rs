//! Splitting a script into its statements, so the runner can execute them one at a time: each
//! failure then names its statement and line, and a revision that runs outside a transaction
//! runs exactly as `psql` runs the offline script (one statement, one implicit transaction).

use super::{Lexer, Statements, Token};

/// One statement of a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statement<'a> {
    /// The statement as written, from its first token to its `;` (included when present);
    /// comments before it are left out, comments inside it kept.
    pub text: &'a str,
    /// 1-based line of its first token in the script.
    pub line: usize,
}

impl Statement<'_> {
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

/// The statements of `sql`, in order. A `;` ends a statement unless it is inside a string, a
/// quoted identifier, a comment, a dollar-quoted body, parentheses (PostgreSQL's multi-action
/// `CREATE RULE`), a SQLite trigger body (`BEGIN ... END`) or a `BEGIN ATOMIC ... END` body.
/// Empty statements (`;;`) and comment-only text are dropped; a last statement without `;`
/// is kept.
pub fn statements(sql: &str) -> Vec<Statement<'_>> {
    let mut found = Vec::new();
    let mut lexer = Lexer::new(sql);
    let mut state = Statements::default();
    // Start offset and line of the statement being read.
    let mut current: Option<(usize, usize)> = None;
    let mut depth = 0usize;
    let mut end = 0;
    while let Some(token) = lexer.next() {
        if token == Token::Semicolon && current.is_none() {
            state.feed(token);
            continue;
        }
        let (start, line) = *current.get_or_insert((lexer.start, lexer.start_line));
        end = lexer.pos;
        match &sql[lexer.start..lexer.pos] {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            _ => {}
        }
        let ends = token == Token::Semicolon && !state.in_body && depth == 0;
        // A `;` inside parentheses does not end the statement for the keyword state either.
        let fed = if token == Token::Semicolon && !state.in_body && depth > 0 {
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
        }
    }
    if let Some((start, line)) = current {
        found.push(Statement {
            text: &sql[start..end],
            line,
        });
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

    #[test]
    fn unterminated_constructs_run_to_the_end() {
        assert_eq!(split("SELECT 'abc; COMMIT;"), [("SELECT 'abc; COMMIT;", 1)]);
        assert_eq!(
            split("SELECT 1;\nSELECT (2;"),
            [("SELECT 1;", 1), ("SELECT (2;", 2)]
        );
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
