//! Shadow databases: replay every migration into a scratch database and read the schema they
//! produce, without trusting (or touching) the developer's own database.
//!
//! SQLite projects replay into an in-memory SQLite database; PostgreSQL projects into a
//! temporary database created on the same server and dropped afterwards (the role needs
//! `CREATEDB`).

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::Connection as _;

use crate::db::{Connection, DatabaseUrl, DbError, OpenOptions};
use crate::schema::Schema;
use crate::script::ScriptDirectory;
use crate::{runner, Error};

/// A scratch database, dropped when this value is.
#[derive(Debug)]
pub struct ShadowDatabase {
    conn: Connection,
    /// PostgreSQL: (server URL, database name) to drop.
    drop: Option<(String, String)>,
}

impl ShadowDatabase {
    /// Creates an empty scratch database of the same backend as `like`.
    pub fn create(like: &DatabaseUrl) -> Result<ShadowDatabase, Error> {
        match like {
            DatabaseUrl::Sqlite { .. } => Ok(ShadowDatabase {
                conn: Connection::open(
                    &DatabaseUrl::Sqlite {
                        path: ":memory:".into(),
                    },
                    true,
                )?,
                drop: None,
            }),
            DatabaseUrl::Postgres(server) => {
                let name = scratch_name();
                let mut admin =
                    PgConnection::establish(server).map_err(|source| DbError::Connect {
                        url: like.to_string(),
                        source,
                    })?;
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .map_err(|source| DbError::Query {
                        what: format!(
                            "creating the shadow database {name} (the role needs CREATEDB)"
                        ),
                        source,
                    })?;
                let url = DatabaseUrl::Postgres(replace_database(server, &name));
                let shadow = ShadowDatabase {
                    conn: Connection::open_with(&url, &OpenOptions::default()).inspect_err(
                        |_| {
                            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"));
                        },
                    )?,
                    drop: Some((server.clone(), name)),
                };
                Ok(shadow)
            }
        }
    }

    pub fn connection(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Applies every revision up to all heads and returns the resulting schema.
    pub fn replay(&mut self, scripts: &ScriptDirectory) -> Result<Schema, Error> {
        runner::upgrade(&mut self.conn, scripts, "heads")?;
        Ok(self.conn.introspect()?)
    }
}

impl Drop for ShadowDatabase {
    fn drop(&mut self) {
        if let Some((server, name)) = self.drop.take() {
            // Close our own session first, then drop from the maintenance connection.
            self.conn = Connection::Sqlite(
                diesel::sqlite::SqliteConnection::establish(":memory:")
                    .expect("an in-memory SQLite connection opens"),
            );
            if let Ok(mut admin) = PgConnection::establish(&server) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// Replays all migrations into a fresh shadow database of `like`'s backend and returns the
/// schema they produce.
pub fn replay(like: &DatabaseUrl, scripts: &ScriptDirectory) -> Result<Schema, Error> {
    ShadowDatabase::create(like)?.replay(scripts)
}

fn scratch_name() -> String {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("retort_shadow_{}_{suffix}", std::process::id())
}

/// `url` with its database name replaced by `db`.
pub fn replace_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{db}{query}", &base[..host_end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            replace_database("postgres://u:p@h:5432/app?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(replace_database("postgres://h", "x"), "postgres://h/x");
    }
}
