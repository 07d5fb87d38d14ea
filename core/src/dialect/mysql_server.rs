//! Which server a session talks to, MariaDB or MySQL and its version, read once when the
//! session opens (`SELECT VERSION()`: MariaDB says `10.11.14-MariaDB-0+deb12u2`, MySQL
//! `8.0.36` or `8.0.36-0ubuntu0.22.04.1`), and the choices that depend on it. Where MySQL 8
//! and MariaDB differ, the backend asks [`Server`] instead of assuming MariaDB; every choice is
//! a method here, unit-tested (there is no MySQL server in the test runs).

use crate::dialect::mysql::sql_string;
use crate::schema::SqlType;

/// MariaDB or MySQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// MariaDB (`VERSION()` says `-MariaDB`).
    MariaDb,
    /// MySQL (Oracle's), or a server that does not say it is MariaDB.
    MySql,
}

/// The server's flavour and version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Server {
    /// MariaDB or MySQL.
    pub flavour: Flavour,
    /// Major, minor and patch (`10.11.14`, `8.0.36`).
    pub version: (u32, u32, u32),
}

/// Where the `CHECK` constraints of the database are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckSource {
    /// MariaDB (10.2.1+): `information_schema.CHECK_CONSTRAINTS` has `TABLE_NAME` and `LEVEL`
    /// (`Column` for a column's own check, such as JSON's `json_valid`).
    MariaDb,
    /// MySQL 8.0.16+: `CHECK_CONSTRAINTS` has neither; the table comes from `TABLE_CONSTRAINTS`
    /// (`CONSTRAINT_TYPE = 'CHECK'`), and every check is the table's.
    JoinTableConstraints,
    /// A server that does not enforce `CHECK` (MySQL before 8.0.16, MariaDB before 10.2.1): none
    /// to read.
    None,
}

impl Server {
    /// The answer of `SELECT VERSION()`. MariaDB's name is in it (`-MariaDB`); an old MariaDB
    /// behind a replication prefix says `5.5.5-10.11.6-MariaDB`, whose real version follows the
    /// prefix. `None` when no `major.minor` begins it.
    pub fn parse(version: &str) -> Option<Server> {
        let mariadb = version.to_ascii_lowercase().contains("mariadb");
        let text = match version.strip_prefix("5.5.5-") {
            Some(rest) if mariadb => rest,
            _ => version,
        };
        let numbers = text.split(['-', '+', ' ', '~']).next()?;
        let mut parts = numbers.split('.').map(|p| p.parse::<u32>());
        let major = parts.next()?.ok()?;
        let minor = parts.next()?.ok()?;
        let patch = parts.next().and_then(Result::ok).unwrap_or(0);
        Some(Server {
            flavour: if mariadb {
                Flavour::MariaDb
            } else {
                Flavour::MySql
            },
            version: (major, minor, patch),
        })
    }

    /// What Retort assumes when it cannot tell (a connection lent by the application whose
    /// version query failed): the MariaDB it is tested on.
    pub const MARIADB_10_11: Server = Server {
        flavour: Flavour::MariaDb,
        version: (10, 11, 0),
    };

    /// Whether it is MariaDB.
    pub fn is_mariadb(&self) -> bool {
        self.flavour == Flavour::MariaDb
    }

    fn at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        self.version >= (major, minor, patch)
    }

    /// How its name reads in messages: `MariaDB 10.11.14`, `MySQL 8.0.36`.
    pub fn describe(&self) -> String {
        let (a, b, c) = self.version;
        let name = if self.is_mariadb() {
            "MariaDB"
        } else {
            "MySQL"
        };
        format!("{name} {a}.{b}.{c}")
    }

    /// Where `CHECK` constraints are read ([`CheckSource`]).
    pub fn check_source(&self) -> CheckSource {
        match self.flavour {
            Flavour::MariaDb if self.at_least(10, 2, 1) => CheckSource::MariaDb,
            Flavour::MySql if self.at_least(8, 0, 16) => CheckSource::JoinTableConstraints,
            _ => CheckSource::None,
        }
    }

    /// `COLUMN_DEFAULT` as the default expression both sides compare. MariaDB (10.2.7+) reports
    /// it as SQL already: a string quoted (`'draft'`), a number bare, an expression as written,
    /// `NULL` for `DEFAULT NULL`. MySQL 8 reports a literal's bare value (`draft`, and SQL NULL
    /// for `DEFAULT NULL`) and marks an expression default `DEFAULT_GENERATED` in `EXTRA`
    /// (`CURRENT_TIMESTAMP`, `(lower(x))` without its parentheses), so a literal is quoted
    /// here unless the column is numeric.
    pub fn column_default(&self, raw: Option<&str>, extra: &str, ty: &SqlType) -> Option<String> {
        let raw = raw?;
        if self.is_mariadb() {
            return Some(raw.to_owned());
        }
        let expression = extra.to_ascii_lowercase().contains("default_generated");
        if expression || ty.is_numeric() || ty.is_integer() || *ty == SqlType::Boolean {
            Some(raw.to_owned())
        } else {
            Some(sql_string(raw))
        }
    }

    /// `ALTER TABLE ... DROP INDEX IF EXISTS`: MariaDB has it (10.1.4+), MySQL does not.
    pub fn drops_index_if_exists(&self) -> bool {
        self.is_mariadb() && self.at_least(10, 1, 4)
    }

    /// `ALTER TABLE ... RENAME COLUMN a TO b`: MariaDB 10.5.2+, MySQL 8.0+; before, only `CHANGE
    /// COLUMN` with the whole definition.
    pub fn renames_columns(&self) -> bool {
        match self.flavour {
            Flavour::MariaDb => self.at_least(10, 5, 2),
            Flavour::MySql => self.at_least(8, 0, 0),
        }
    }

    /// A `UUID` column type: MariaDB 10.7+; MySQL has none (`CHAR(36)` or `BINARY(16)`).
    pub fn has_uuid_type(&self) -> bool {
        self.is_mariadb() && self.at_least(10, 7, 0)
    }

    /// `JSON` a type of its own (MySQL), rather than `LONGTEXT` with a `json_valid` check
    /// (MariaDB, which reads back as `JSON` through that check).
    pub fn json_is_a_type(&self) -> bool {
        !self.is_mariadb()
    }

    /// Expressions in a `DEFAULT` clause (`DEFAULT (lower(x))`): MariaDB 10.2.1+, MySQL 8.0.13+.
    pub fn expression_defaults(&self) -> bool {
        match self.flavour {
            Flavour::MariaDb => self.at_least(10, 2, 1),
            Flavour::MySql => self.at_least(8, 0, 13),
        }
    }

    /// Whether a column of type `ty` takes a literal default as is (`DEFAULT 'x'`): MySQL
    /// gives a `TEXT`, `BLOB` or `JSON` column only an expression default (`DEFAULT ('x')`,
    /// 8.0.13+); MariaDB takes a literal on any column.
    pub fn literal_default_on(&self, ty: &SqlType) -> bool {
        self.is_mariadb()
            || !matches!(
                ty,
                SqlType::Text | SqlType::Blob | SqlType::Json | SqlType::Jsonb
            )
    }

    /// `ALTER TABLE ... RENAME INDEX a TO b`: MariaDB 10.5.2+, MySQL 5.7+; before, the index is
    /// dropped and added again under its new name.
    pub fn renames_indexes(&self) -> bool {
        match self.flavour {
            Flavour::MariaDb => self.at_least(10, 5, 2),
            Flavour::MySql => self.at_least(5, 7, 0),
        }
    }

    /// The clause that drops a `CHECK` constraint: MariaDB's `DROP CONSTRAINT`; MySQL's `DROP
    /// CHECK` (8.0.16+; `DROP CONSTRAINT` only from 8.0.19).
    pub fn drop_check(&self) -> &'static str {
        if self.is_mariadb() {
            "DROP CONSTRAINT"
        } else {
            "DROP CHECK"
        }
    }

    /// Why this server cannot hold `default` on a column of type `ty`, if it cannot: an
    /// expression default before MariaDB 10.2.1 or MySQL 8.0.13, which also leaves a MySQL
    /// `TEXT`, `BLOB` or `JSON` column without a default at all.
    pub fn default_refusal(&self, default: &str, ty: &SqlType) -> Option<String> {
        if self.expression_defaults() {
            return None;
        }
        let plain = crate::sql::is_literal_default(default)
            || default.trim().eq_ignore_ascii_case("CURRENT_TIMESTAMP");
        if plain && self.literal_default_on(ty) {
            return None;
        }
        Some(format!(
            "{} takes no expression as a default{} (MariaDB 10.2.1 and MySQL 8.0.13 do); \
             remove the default, or set the value in the application",
            self.describe(),
            if plain {
                " and a TEXT, BLOB or JSON column no literal either"
            } else {
                ""
            }
        ))
    }

    /// What of the models this server cannot hold that Retort's MariaDB SQL would write, with
    /// the reason: checked before anything is compared.
    pub fn refusal(&self, ty: &SqlType) -> Option<String> {
        match ty {
            SqlType::Uuid if !self.has_uuid_type() => Some(format!(
                "{} has no UUID type (MariaDB 10.7 has); declare the field `sql_type = \
                 \"CHAR(36)\"` (or `BINARY(16)`)",
                self.describe()
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_as_flavour_and_numbers() {
        let maria = Server::parse("10.11.14-MariaDB-0+deb12u2").unwrap();
        assert_eq!(maria.flavour, Flavour::MariaDb);
        assert_eq!(maria.version, (10, 11, 14));
        assert_eq!(maria.describe(), "MariaDB 10.11.14");
        let prefixed = Server::parse("5.5.5-10.3.39-MariaDB-log").unwrap();
        assert_eq!(prefixed.version, (10, 3, 39));
        assert!(prefixed.is_mariadb());
        let mysql = Server::parse("8.0.36-0ubuntu0.22.04.1").unwrap();
        assert_eq!(mysql.flavour, Flavour::MySql);
        assert_eq!(mysql.version, (8, 0, 36));
        assert_eq!(Server::parse("8.4.0").unwrap().version, (8, 4, 0));
        assert_eq!(Server::parse("11.4").unwrap().version, (11, 4, 0));
        assert_eq!(
            Server::parse("11.4-MariaDB").unwrap().flavour,
            Flavour::MariaDb
        );
        assert_eq!(Server::parse("MariaDB"), None);
        assert_eq!(Server::parse(""), None);
    }

    #[test]
    fn choices_follow_the_flavour_and_version() {
        let v = |s: &str| Server::parse(s).unwrap();
        let maria = v("10.11.6-MariaDB");
        let mysql8 = v("8.0.36");
        assert_eq!(maria.check_source(), CheckSource::MariaDb);
        assert_eq!(mysql8.check_source(), CheckSource::JoinTableConstraints);
        assert_eq!(v("8.0.15").check_source(), CheckSource::None);
        assert_eq!(v("10.1.48-MariaDB").check_source(), CheckSource::None);

        assert!(maria.drops_index_if_exists() && !mysql8.drops_index_if_exists());
        assert!(maria.renames_columns() && mysql8.renames_columns());
        assert!(!v("10.4.30-MariaDB").renames_columns() && !v("5.7.44").renames_columns());
        assert!(maria.has_uuid_type() && !v("10.6.16-MariaDB").has_uuid_type());
        assert!(!mysql8.has_uuid_type());
        assert!(mysql8.json_is_a_type() && !maria.json_is_a_type());
        assert!(mysql8.expression_defaults() && !v("8.0.12").expression_defaults());

        assert!(maria.literal_default_on(&SqlType::Text));
        assert!(!mysql8.literal_default_on(&SqlType::Text));
        assert!(mysql8.literal_default_on(&SqlType::Varchar(10)));
        assert!(maria.renames_indexes() && mysql8.renames_indexes());
        assert!(!v("10.4.30-MariaDB").renames_indexes() && v("5.7.44").renames_indexes());
        assert_eq!(
            (maria.drop_check(), mysql8.drop_check()),
            ("DROP CONSTRAINT", "DROP CHECK")
        );
        let old = v("8.0.12");
        assert_eq!(maria.default_refusal("(lower('A'))", &SqlType::Text), None);
        assert_eq!(old.default_refusal("0", &SqlType::Integer), None);
        assert_eq!(
            old.default_refusal("CURRENT_TIMESTAMP", &SqlType::Timestamp),
            None
        );
        let expression = old
            .default_refusal("lower('A')", &SqlType::Varchar(9))
            .unwrap();
        assert!(
            expression.starts_with("MySQL 8.0.12 takes no expression as a default ("),
            "{expression}"
        );
        let text = old.default_refusal("'x'", &SqlType::Text).unwrap();
        assert!(
            text.contains("and a TEXT, BLOB or JSON column no literal either"),
            "{text}"
        );

        let refused = mysql8.refusal(&SqlType::Uuid).unwrap();
        assert!(
            refused.starts_with("MySQL 8.0.36 has no UUID type"),
            "{refused}"
        );
        assert_eq!(maria.refusal(&SqlType::Uuid), None);
    }

    #[test]
    fn defaults_read_as_sql_on_both() {
        let maria = Server::parse("10.11.6-MariaDB").unwrap();
        let mysql = Server::parse("8.0.36").unwrap();
        let text = SqlType::Varchar(20);
        // MariaDB quotes a string itself; MySQL gives its bare value.
        assert_eq!(
            maria.column_default(Some("'draft'"), "", &text).as_deref(),
            Some("'draft'")
        );
        assert_eq!(
            mysql.column_default(Some("draft"), "", &text).as_deref(),
            Some("'draft'")
        );
        assert_eq!(
            mysql.column_default(Some("it's"), "", &text).as_deref(),
            Some("'it''s'")
        );
        // Numbers stay bare, expressions (DEFAULT_GENERATED) as written.
        assert_eq!(
            mysql
                .column_default(Some("0"), "", &SqlType::Integer)
                .as_deref(),
            Some("0")
        );
        assert_eq!(
            mysql
                .column_default(
                    Some("CURRENT_TIMESTAMP"),
                    "DEFAULT_GENERATED",
                    &SqlType::Timestamp
                )
                .as_deref(),
            Some("CURRENT_TIMESTAMP")
        );
        assert_eq!(mysql.column_default(None, "", &text), None);
    }
}
