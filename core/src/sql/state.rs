//! Statement-level state of the lexer's tokens: which statement they belong to, whether it is
//! transaction control, and whether a `;` ends it or stands inside a body.
//!
//! Bodies whose `;` do not end the statement: SQLite's `CREATE TRIGGER ... BEGIN ... END`,
//! PostgreSQL's `BEGIN ATOMIC ... END`, and MariaDB's (MySQL's) compound statements in
//! triggers, functions, procedures and events: `BEGIN ... END` with nested blocks, `IF ... END
//! IF`, `CASE ... END CASE`, `LOOP`, `WHILE` and `REPEAT ... UNTIL ... END REPEAT`, labels
//! (`l: LOOP ... END LOOP l`) and handlers (`DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ...
//! END`). So a MariaDB routine needs no `DELIMITER` (a client's command, not SQL): the whole
//! `CREATE PROCEDURE ... END;` is one statement, which the server reads as one.

use super::{Token, TransactionControl};

/// A block open inside a body, closed by an `END` (`END IF`, `END LOOP`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    /// `BEGIN ... END` (the body itself, or a nested block).
    Begin,
    /// `CASE` where an expression stands (closed by `END` wherever it stands).
    CaseExpression,
    /// `CASE` where a statement starts (`END CASE`).
    CaseStatement,
    /// `IF`, `LOOP`, `WHILE` (closed by an `END` where a statement starts).
    Control,
    /// `REPEAT ... UNTIL cond END REPEAT`: its `END` follows the condition.
    Repeat,
}

/// Where a MariaDB handler declaration (`DECLARE ... HANDLER FOR cond, ... statement`) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Handler {
    #[default]
    None,
    /// The body statement starts with `DECLARE`.
    Declare,
    /// `HANDLER` seen: its conditions follow `FOR`.
    Named,
    /// In the conditions; `true` when a condition (or a word of one) comes next.
    Conditions(bool),
}

/// Statement-level state: which statement the tokens belong to and where it stands.
#[derive(Debug, Default)]
pub(super) struct Statements {
    /// Some token of the current statement was seen (the next word is not its first).
    started: bool,
    /// The statement starts with `CREATE`.
    create: bool,
    /// `CREATE TRIGGER`.
    trigger: bool,
    /// The trigger's `ON table` was seen: its `BEGIN` opens the body.
    trigger_on: bool,
    /// Right after the trigger's `FOR EACH ROW` (and `FOLLOWS`/`PRECEDES other`): MariaDB's
    /// action may be a compound statement (`IF ... END IF`) without `BEGIN`.
    trigger_action: bool,
    /// `FOLLOWS`/`PRECEDES` was the last word: the next one names a trigger.
    trigger_order: bool,
    /// `CREATE FUNCTION`/`PROCEDURE`/`EVENT`: a `BEGIN` opens its body (PostgreSQL's `BEGIN
    /// ATOMIC` or MariaDB's `BEGIN`).
    routine: bool,
    /// A routine's `BEGIN` was the last word.
    begin_seen: bool,
    /// Open parentheses of the statement's header (a `begin` there is a name).
    parens: usize,
    /// The last token was `.`: a word after it is a name (`NEW.end`).
    after_dot: bool,
    /// The last word, upper case (outside a body).
    last_word: String,
    /// The body's open blocks, innermost last; the body is open while there is one.
    blocks: Vec<Block>,
    /// At the start of a statement inside the body: an `END` here closes a block; elsewhere
    /// `end` is a column name (SQLite allows it unquoted), and `IF`, `REPEAT` are functions.
    body_statement_start: bool,
    /// The last word was a block's `END`: the word after it (`IF`, `LOOP`, a label) is its.
    after_end: bool,
    /// The last word started a body statement: a `:` after it makes it a label.
    label_candidate: bool,
    /// The last word opened a `BEGIN` block (`BEGIN NOT ATOMIC` still starts statements).
    after_begin: bool,
    /// `UNTIL` started a statement: the next `END` closes its `REPEAT`.
    until: bool,
    handler: Handler,
    /// `START` or `PREPARE` at statement start, waiting for `TRANSACTION`.
    pending: Option<(&'static str, usize)>,
}

impl Statements {
    /// Inside a body, where `;` ends a statement of the body, not this one.
    pub(super) fn in_body(&self) -> bool {
        !self.blocks.is_empty()
    }

    fn open_body(&mut self, block: Block) {
        self.blocks = vec![block];
        self.body_statement_start = block == Block::Begin;
        self.after_begin = block == Block::Begin;
        self.after_end = false;
        self.until = false;
        self.handler = Handler::None;
    }

    pub(super) fn feed(&mut self, token: Token<'_>) -> Option<TransactionControl> {
        let pending = self.pending.take();
        if self.in_body() {
            self.feed_body(token);
            return None;
        }
        let after_dot = std::mem::replace(&mut self.after_dot, false);
        let begin_seen = std::mem::replace(&mut self.begin_seen, false);
        if begin_seen {
            let atomic = matches!(token, Token::Word(w, _) if w.eq_ignore_ascii_case("ATOMIC"));
            self.open_body(Block::Begin);
            if atomic {
                return None;
            }
            // MariaDB: the body's first token.
            self.feed_body(token);
            return None;
        }
        match token {
            Token::Semicolon => {
                *self = Statements::default();
                None
            }
            Token::Punct(b) => {
                self.started = true;
                match b {
                    b'(' => self.parens += 1,
                    b')' => self.parens = self.parens.saturating_sub(1),
                    b'.' => self.after_dot = true,
                    _ => {}
                }
                None
            }
            Token::Other => {
                self.started = true;
                None
            }
            Token::Word(word, line) => {
                let up = word.to_ascii_uppercase();
                let last = std::mem::replace(&mut self.last_word, up.clone());
                if !self.started {
                    self.started = true;
                    let found = |keyword: &str| {
                        Some(TransactionControl {
                            keyword: keyword.to_owned(),
                            line,
                        })
                    };
                    return match up.as_str() {
                        "BEGIN" | "COMMIT" | "END" | "ROLLBACK" | "ABORT" | "SAVEPOINT"
                        | "RELEASE" => found(&up),
                        "START" => {
                            self.pending = Some(("START TRANSACTION", line));
                            None
                        }
                        "PREPARE" => {
                            self.pending = Some(("PREPARE TRANSACTION", line));
                            None
                        }
                        "CREATE" => {
                            self.create = true;
                            None
                        }
                        _ => None,
                    };
                }
                if let Some((keyword, line)) = pending {
                    if up == "TRANSACTION" {
                        return Some(TransactionControl {
                            keyword: keyword.to_owned(),
                            line,
                        });
                    }
                }
                if self.create && !after_dot && self.parens == 0 {
                    self.header_word(&up, &last);
                }
                None
            }
        }
    }

    /// A word of a `CREATE` statement's header (outside parentheses, not after a `.`).
    fn header_word(&mut self, up: &str, last: &str) {
        if self.trigger_action {
            self.trigger_action = false;
            match up {
                "FOLLOWS" | "PRECEDES" => self.trigger_order = true,
                "BEGIN" => self.open_body(Block::Begin),
                "IF" | "LOOP" | "WHILE" => self.open_body(Block::Control),
                "REPEAT" => {
                    self.open_body(Block::Repeat);
                    self.body_statement_start = true;
                }
                "CASE" => self.open_body(Block::CaseStatement),
                _ => {}
            }
            return;
        }
        if std::mem::take(&mut self.trigger_order) {
            self.trigger_action = true;
            return;
        }
        match up {
            "TRIGGER" if !self.routine => self.trigger = true,
            "FUNCTION" | "PROCEDURE" | "EVENT" if !self.trigger => self.routine = true,
            "ON" if self.trigger => self.trigger_on = true,
            "ROW" if self.trigger_on => self.trigger_action = true,
            "BEGIN" if self.trigger && self.trigger_on => self.open_body(Block::Begin),
            // A routine named `begin` is not its body.
            "BEGIN"
                if self.routine
                    && !matches!(last, "FUNCTION" | "PROCEDURE" | "EVENT" | "EXISTS") =>
            {
                self.begin_seen = true
            }
            _ => {}
        }
    }

    /// A token inside a body.
    fn feed_body(&mut self, token: Token<'_>) {
        let at_start = std::mem::replace(&mut self.body_statement_start, false);
        let after_end = std::mem::replace(&mut self.after_end, false);
        let after_dot = std::mem::replace(&mut self.after_dot, false);
        let label = std::mem::replace(&mut self.label_candidate, false);
        let after_begin = std::mem::replace(&mut self.after_begin, false);
        let word = match token {
            Token::Semicolon => {
                self.body_statement_start = true;
                self.handler = Handler::None;
                return;
            }
            Token::Punct(b':') if label => {
                self.body_statement_start = true;
                return;
            }
            Token::Punct(b) => {
                self.after_dot = b == b'.';
                if let Handler::Conditions(_) = self.handler {
                    self.handler = Handler::Conditions(b == b',');
                }
                return;
            }
            Token::Other => {
                if let Handler::Conditions(_) = self.handler {
                    self.handler = Handler::Conditions(false);
                }
                return;
            }
            Token::Word(word, _) => word.to_ascii_uppercase(),
        };
        if after_dot || after_end {
            return;
        }
        // A handler's conditions, then its statement.
        let at_start = match self.handler {
            Handler::Declare if word == "HANDLER" => {
                self.handler = Handler::Named;
                return;
            }
            Handler::Named if word == "FOR" => {
                self.handler = Handler::Conditions(true);
                return;
            }
            Handler::Conditions(true) => {
                self.handler =
                    Handler::Conditions(matches!(word.as_str(), "SQLSTATE" | "VALUE" | "NOT"));
                return;
            }
            Handler::Conditions(false) => {
                self.handler = Handler::None;
                true
            }
            _ => at_start,
        };
        self.label_candidate = at_start;
        let top = self.blocks.last().copied();
        match word.as_str() {
            "NOT" | "ATOMIC" if after_begin && at_start => {
                self.body_statement_start = true;
                self.after_begin = true;
            }
            "DECLARE" if at_start => self.handler = Handler::Declare,
            "CASE" if at_start => self.blocks.push(Block::CaseStatement),
            "CASE" => self.blocks.push(Block::CaseExpression),
            "END" => {
                let closes = match top {
                    Some(Block::CaseExpression | Block::CaseStatement) => true,
                    Some(Block::Repeat) if self.until => true,
                    _ => at_start,
                };
                if closes {
                    self.blocks.pop();
                    self.until = false;
                    self.after_end = true;
                }
            }
            "BEGIN" if at_start => {
                self.blocks.push(Block::Begin);
                self.body_statement_start = true;
                self.after_begin = true;
            }
            "IF" | "WHILE" if at_start => self.blocks.push(Block::Control),
            "LOOP" if at_start => {
                self.blocks.push(Block::Control);
                self.body_statement_start = true;
            }
            "REPEAT" if at_start => {
                self.blocks.push(Block::Repeat);
                self.body_statement_start = true;
            }
            "UNTIL" if at_start => self.until = true,
            // Statements follow; in a CASE expression, values do.
            "THEN" | "ELSE" | "DO" if top != Some(Block::CaseExpression) => {
                self.body_statement_start = true
            }
            _ => {}
        }
    }
}
