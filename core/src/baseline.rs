//! The baseline of a database that already exists (`init --baseline`): one revision whose
//! up.sql creates every table as it is, with everything the lossless schema model holds
//! (columns, keys, indexes, foreign keys, constraints, triggers, comments, owned sequences),
//! whether the models own it or not, and whose down.sql drops it all again.
//!
//! The up.sql is an ordinary plan from an empty schema to the live one ([`crate::diff`]: tables
//! in dependency order, keys of a cycle added after the tables), rendered by the connection's
//! dialect, so it is the same SQL autogenerate would write. PostgreSQL extensions come first
//! (`CREATE EXTENSION IF NOT EXISTS`; down.sql leaves them). Other objects that are not tables
//! (PostgreSQL functions, types, views, sequences no column owns; SQLite views) are not in the
//! schema model: [`Baseline::not_included`] names them, and the up.sql says so.

use crate::db::Connection;
use crate::ops::reverse_all;
use crate::schema::Schema;
use crate::Error;

/// `name` as a double-quoted SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

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
  SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END
           AS a,
         n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
           AS b
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

/// PostgreSQL extensions (name, schema), which a baseline creates when missing: a table's
/// column types, defaults and indexes may need them.
const PG_EXTENSIONS: &str =
    "SELECT e.extname::text AS a, n.nspname::text AS b FROM pg_extension e \
     JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' ORDER BY 1";

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
    let postgres = conn.backend().key() != "sqlite";
    let query = if postgres {
        PG_OTHER_OBJECTS
    } else {
        SQLITE_OTHER_OBJECTS
    };
    let extensions = if postgres {
        conn.session()
            .text_pairs(PG_EXTENSIONS)
            .map_err(crate::db::DbError::query("listing the extensions"))?
    } else {
        Vec::new()
    };
    let not_included: Vec<String> = conn
        .session()
        .text_pairs(query)
        .map_err(crate::db::DbError::query(
            "listing the objects that are not tables",
        ))?
        .into_iter()
        // Enum types a table uses are in the schema model: the plan creates them.
        .filter(|(kind, name)| {
            let bare = name
                .as_deref()
                .and_then(|n| n.rsplit_once('.'))
                .map(|(_, n)| n);
            !(kind == "enum type" && bare.is_some_and(|n| current.enums.contains_key(n)))
        })
        .map(|(kind, name)| format!("{kind} {}", name.unwrap_or_default()))
        .collect();
    let mut up_sql = String::from(
        "-- Baseline: the database's tables as they were when Retort was adopted (`init \
         --baseline`).\n\
         -- Recorded as applied there without running; on a new database it creates every \
         table,\n\
         -- with its columns, keys, indexes, foreign keys, constraints, triggers, comments and \
         owned\n\
         -- sequences, and the enum types they use. Other objects (extensions aside) are\n\
         -- not created here: on a new database, create them before this revision runs.\n",
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
    if !extensions.is_empty() {
        up_sql.push_str(
            "-- Extensions the tables may need (types, operator classes, functions), created when \
             missing;\n-- down.sql leaves them in place.\n",
        );
        for (name, schema) in &extensions {
            up_sql.push_str(&format!(
                "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {};\n",
                quote(name),
                quote(schema.as_deref().unwrap_or("public"))
            ));
        }
        up_sql.push('\n');
    }
    up_sql.push_str(&create);
    Ok(Baseline {
        up_sql,
        down_sql,
        tables: current.tables.len(),
        not_included,
    })
}
