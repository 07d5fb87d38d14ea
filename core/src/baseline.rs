//! The baseline of a database that already exists (`init --baseline`): one revision whose
//! up.sql creates every table as it is, with everything the lossless schema model holds
//! (columns, keys, indexes, foreign keys, constraints, triggers, comments, owned sequences),
//! whether the models own it or not, and whose down.sql drops it all again.
//!
//! The up.sql is an ordinary plan from an empty schema to the live one ([`crate::diff`]: tables
//! in dependency order, keys of a cycle added after the tables), rendered by the connection's
//! dialect, so it is the same SQL autogenerate would write. Objects that are not tables
//! (PostgreSQL functions, types, views, sequences no column owns, extensions; SQLite views) are
//! not in the schema model: [`Baseline::not_included`] names them, and the up.sql says so.

use crate::db::Connection;
use crate::ops::reverse_all;
use crate::schema::Schema;
use crate::Error;

/// The SQL of a baseline revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    /// Creates every table of the schema (after a comment saying what it leaves out).
    pub up_sql: String,
    /// Drops every table again, children first.
    pub down_sql: String,
    /// How many tables it creates.
    pub tables: usize,
    /// Objects of the database it does not create, one per line (`function public.f(integer)`),
    /// sorted.
    pub not_included: Vec<String>,
}

/// PostgreSQL objects of the migrated schema that are not tables, extension members excluded:
/// `kind` and qualified name.
const PG_OTHER_OBJECTS: &str = "
SELECT * FROM (
  SELECT 'extension' AS a, e.extname::text AS b FROM pg_extension e WHERE e.extname <> 'plpgsql'
  UNION ALL
  SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
         n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = current_schema()
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                    AND d.objid = p.oid AND d.deptype = 'e')
  UNION ALL
  SELECT CASE t.typtype WHEN 'e' THEN 'enum type' WHEN 'd' THEN 'domain'
                        WHEN 'r' THEN 'range type' ELSE 'type' END,
         n.nspname || '.' || t.typname
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN pg_class c ON c.oid = t.typrelid
  WHERE n.nspname = current_schema()
    AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c'))
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                    AND d.objid = t.oid AND d.deptype = 'e')
  UNION ALL
  SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                        WHEN 'f' THEN 'foreign table' ELSE 'sequence' END,
         n.nspname || '.' || c.relname
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm', 'f', 'S')
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                    AND d.objid = c.oid
                    AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
) o ORDER BY 1, 2";

/// SQLite objects that are not tables (triggers and indexes belong to their table).
const SQLITE_OTHER_OBJECTS: &str =
    "SELECT type AS a, name AS b FROM sqlite_schema WHERE type = 'view' ORDER BY name";

/// The baseline of `current` (the live schema, already normalised and without whatever the
/// caller leaves out), in the dialect of `conn`, which it asks for the objects left out.
pub fn baseline(conn: &mut Connection, current: &Schema) -> Result<Baseline, Error> {
    let dialect = conn.dialect();
    let empty = Schema::default();
    let ops = crate::diff::diff(&empty, current);
    let create = dialect.render(&ops, &empty)?;
    let down_sql = dialect.render(&reverse_all(&ops), current)?;
    let query = match conn.backend().key() {
        "sqlite" => SQLITE_OTHER_OBJECTS,
        _ => PG_OTHER_OBJECTS,
    };
    let not_included: Vec<String> = conn
        .session()
        .text_pairs(query)
        .map_err(crate::db::DbError::query(
            "listing the objects that are not tables",
        ))?
        .into_iter()
        .map(|(kind, name)| format!("{kind} {}", name.unwrap_or_default()))
        .collect();
    let mut up_sql = String::from(
        "-- Baseline: the database's tables as they were when Retort was adopted (`init \
         --baseline`).\n\
         -- Recorded as applied there without running; on a new database it creates every \
         table,\n\
         -- with its columns, keys, indexes, foreign keys, constraints, triggers, comments and \
         owned\n\
         -- sequences. Retort's schema model holds tables only: objects that are not tables \
         are not\n\
         -- created here: on a new database, create them before this revision runs.\n",
    );
    if not_included.is_empty() {
        up_sql.push_str("-- The database held no such object.\n");
    } else {
        up_sql.push_str("-- Not included (the database holds them):\n");
        for object in &not_included {
            up_sql.push_str(&format!("--   {object}\n"));
        }
    }
    up_sql.push('\n');
    up_sql.push_str(&create);
    Ok(Baseline {
        up_sql,
        down_sql,
        tables: current.tables.len(),
        not_included,
    })
}
