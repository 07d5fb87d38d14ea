//! The objects of a PostgreSQL database that are not tables, for a baseline
//! ([`crate::baseline`]): extensions, functions and procedures (`pg_get_functiondef`), enum,
//! domain, range and composite types, views and materialized views (`pg_get_viewdef`, with their
//! indexes, triggers and rules), sequences no column owns; each with the SQL that creates it
//! (with its comments) when Retort can write it, the SQL that drops it, and what it needs
//! (other such objects and tables, from `pg_depend`). Every schema but the system's; objects
//! that belong to an extension are the extension's. One catalog query.

use diesel::pg::PgConnection;
use diesel::sql_types::{Array, Bool, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::backend::object::Object;

#[derive(QueryableByName)]
struct ObjectRow {
    /// A letter for the catalog (`e`xtension, `p`roc, `t`ype, `c`lass) and the oid.
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    nsp: String,
    /// Whether its schema is the connection's own.
    #[diesel(sql_type = Bool)]
    cur: bool,
    #[diesel(sql_type = Nullable<Text>)]
    create_sql: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    drop_sql: Option<String>,
    /// Keys of the objects it needs, and `T<table>` for a table (named as introspection keys
    /// it).
    #[diesel(sql_type = Array<Text>)]
    needs: Vec<String>,
}

/// Every object that is not a table, in creation (oid) order.
pub(super) fn objects(conn: &mut PgConnection) -> diesel::QueryResult<Vec<Object>> {
    let rows: Vec<ObjectRow> = diesel::sql_query(OBJECTS).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (tables, needs): (Vec<String>, Vec<String>) =
                r.needs.into_iter().partition(|k| k.starts_with('T'));
            Object {
                key: r.key,
                kind: r.kind,
                name: r.name,
                schema: (!r.cur).then_some(r.nsp),
                create: r.create_sql,
                drop: r.drop_sql,
                needs,
                tables: tables.into_iter().map(|t| t[1..].to_owned()).collect(),
            }
        })
        .collect())
}

/// The query: `obj` lists the objects, `member` what stands for each of them (and for each
/// table) in `pg_depend` (a composite type's relation, a domain's constraints, a view's rewrite
/// rule, indexes and triggers, array types...), `needs` their normal dependencies on each other.
const OBJECTS: &str = r#"
WITH nsp AS (
  SELECT n.oid, n.nspname, quote_ident(n.nspname) AS q, n.nspname = current_schema() AS cur
  FROM pg_namespace n
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
),
-- Members of an extension, and parts of another object (a range type's constructors).
part AS (
  SELECT d.classid, d.objid FROM pg_depend d WHERE d.deptype IN ('e', 'i')
),
obj AS (
  -- Extensions (plpgsql aside), created when missing; never dropped.
  SELECT 'pg_extension'::regclass AS classid, e.oid, 'e' || e.oid AS key, e.oid::bigint AS ord,
         'extension' AS kind, e.extname::text AS name, n.nspname::text AS nsp, n.cur,
         format(E'CREATE EXTENSION IF NOT EXISTS %s WITH SCHEMA %s;\n',
                '"' || replace(e.extname, '"', '""') || '"',
                '"' || replace(n.nspname, '"', '""') || '"') AS create_sql,
         NULL AS drop_sql
  FROM pg_extension e JOIN nsp n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'
  UNION ALL
  -- Functions, procedures, aggregates.
  SELECT 'pg_proc'::regclass, p.oid, 'p' || p.oid, p.oid::bigint,
         CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
         n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
         n.nspname::text, n.cur,
         CASE WHEN p.prokind <> 'a' THEN
           rtrim(pg_get_functiondef(p.oid), E'\n') || E';\n'
           || COALESCE((SELECT format(E'COMMENT ON %s %s.%s(%s) IS %L;\n',
                                      CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
                                      n.q, quote_ident(p.proname),
                                      pg_get_function_identity_arguments(p.oid), d.description)
                        FROM pg_description d WHERE d.objoid = p.oid
                        AND d.classoid = 'pg_proc'::regclass AND d.objsubid = 0), '')
         END,
         format(E'DROP %s %s.%s(%s);\n', CASE p.prokind WHEN 'p' THEN 'PROCEDURE'
                WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
                n.q, quote_ident(p.proname), pg_get_function_identity_arguments(p.oid))
  FROM pg_proc p JOIN nsp n ON n.oid = p.pronamespace
  WHERE (p.tableoid, p.oid) NOT IN (SELECT * FROM part)
  UNION ALL
  -- Enum, domain, range and composite types.
  SELECT 'pg_type'::regclass, t.oid, 't' || t.oid, t.oid::bigint,
         CASE t.typtype WHEN 'e' THEN 'enum type' WHEN 'd' THEN 'domain'
                        WHEN 'r' THEN 'range type' ELSE 'type' END,
         n.nspname || '.' || t.typname, n.nspname::text, n.cur,
         CASE t.typtype
         WHEN 'e' THEN format(E'CREATE TYPE %s.%s AS ENUM (%s);\n', n.q, quote_ident(t.typname),
                (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                 FROM pg_enum e WHERE e.enumtypid = t.oid))
         WHEN 'd' THEN format(E'CREATE DOMAIN %s.%s AS %s%s%s%s;\n', n.q, quote_ident(t.typname),
                format_type(t.typbasetype, t.typtypmod),
                CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation
                     THEN ' COLLATE ' || t.typcollation::regcollation::text ELSE '' END,
                CASE WHEN t.typdefaultbin IS NOT NULL
                     THEN ' DEFAULT ' || pg_get_expr(t.typdefaultbin, 0) ELSE '' END,
                CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END)
              || COALESCE((SELECT string_agg(format(E'ALTER DOMAIN %s.%s ADD CONSTRAINT %I %s;\n',
                                       n.q, quote_ident(t.typname), con.conname,
                                       pg_get_constraintdef(con.oid)), '' ORDER BY con.conname)
                           FROM pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c'), '')
         WHEN 'r' THEN CASE WHEN rg.rngcanonical = 0 THEN
                format(E'CREATE TYPE %s.%s AS RANGE (subtype = %s%s%s%s, multirange_type_name = %s);\n',
                n.q, quote_ident(t.typname), format_type(rg.rngsubtype, NULL),
                CASE WHEN NOT opc.opcdefault THEN ', subtype_opclass = '
                     || quote_ident(opcn.nspname) || '.' || quote_ident(opc.opcname) ELSE '' END,
                CASE WHEN rg.rngcollation <> 0 AND rg.rngcollation <> st.typcollation
                     THEN ', collation = ' || rg.rngcollation::regcollation::text ELSE '' END,
                CASE WHEN rg.rngsubdiff <> 0 THEN ', subtype_diff = '
                     || (SELECT quote_ident(fn.nspname) || '.' || quote_ident(f.proname)
                         FROM pg_proc f JOIN pg_namespace fn ON fn.oid = f.pronamespace
                         WHERE f.oid = rg.rngsubdiff) ELSE '' END,
                (SELECT quote_ident(mn.nspname) || '.' || quote_ident(m.typname)
                 FROM pg_type m JOIN pg_namespace mn ON mn.oid = m.typnamespace
                 WHERE m.oid = rg.rngmultitypid)) END
         ELSE format(E'CREATE TYPE %s.%s AS (%s);\n', n.q, quote_ident(t.typname),
                (SELECT string_agg(format('%I %s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                          CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation
                               THEN ' COLLATE ' || a.attcollation::regcollation::text ELSE '' END),
                          ', ' ORDER BY a.attnum)
                 FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
                 WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped))
         END
         || COALESCE((SELECT format(E'COMMENT ON %s %s.%s IS %L;\n',
                                    CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
                                    n.q, quote_ident(t.typname), d.description)
                      FROM pg_description d WHERE d.objoid = t.oid
                      AND d.classoid = 'pg_type'::regclass), '')
         || COALESCE((SELECT string_agg(format(E'COMMENT ON COLUMN %s.%s.%I IS %L;\n',
                                    n.q, quote_ident(t.typname), a.attname, d.description), ''
                                    ORDER BY a.attnum)
                      FROM pg_description d JOIN pg_attribute a ON a.attrelid = d.objoid
                      AND a.attnum = d.objsubid
                      WHERE t.typtype = 'c' AND d.objoid = t.typrelid
                      AND d.classoid = 'pg_class'::regclass), ''),
         format(E'DROP %s %s.%s;\n', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
                n.q, quote_ident(t.typname))
  FROM pg_type t JOIN nsp n ON n.oid = t.typnamespace
  LEFT JOIN pg_class c ON c.oid = t.typrelid
  LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
  LEFT JOIN pg_range rg ON rg.rngtypid = t.oid
  LEFT JOIN pg_type st ON st.oid = rg.rngsubtype
  LEFT JOIN pg_opclass opc ON opc.oid = rg.rngsubopc
  LEFT JOIN pg_namespace opcn ON opcn.oid = opc.opcnamespace
  WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c'))
    AND (t.tableoid, t.oid) NOT IN (SELECT * FROM part)
  UNION ALL
  -- Views, materialized views, foreign tables, sequences no column owns.
  SELECT 'pg_class'::regclass, c.oid, 'c' || c.oid, c.oid::bigint,
         CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                        WHEN 'f' THEN 'foreign table' ELSE 'sequence' END,
         n.nspname || '.' || c.relname, n.nspname::text, n.cur,
         CASE c.relkind
         WHEN 'S' THEN format(E'CREATE SEQUENCE %s.%s AS %s START WITH %s INCREMENT BY %s MINVALUE %s MAXVALUE %s CACHE %s%s;\n',
                n.q, quote_ident(c.relname), format_type(sq.seqtypid, NULL), sq.seqstart,
                sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqcache,
                CASE WHEN sq.seqcycle THEN ' CYCLE' ELSE '' END)
         WHEN 'f' THEN NULL
         ELSE format(E'CREATE %sVIEW %s.%s%s AS\n%s%s;\n',
                CASE c.relkind WHEN 'm' THEN 'MATERIALIZED ' ELSE '' END,
                n.q, quote_ident(c.relname),
                CASE WHEN c.reloptions IS NOT NULL
                     THEN ' WITH (' || array_to_string(c.reloptions, ', ') || ')' ELSE '' END,
                regexp_replace(pg_get_viewdef(c.oid), ';\s*$', ''),
                CASE WHEN c.relkind = 'm' AND NOT c.relispopulated THEN E'\nWITH NO DATA' ELSE '' END)
              || COALESCE((SELECT string_agg(format(E'ALTER VIEW %s.%s ALTER COLUMN %I SET DEFAULT %s;\n',
                                   n.q, quote_ident(c.relname), a.attname, pg_get_expr(ad.adbin, ad.adrelid)),
                                   '' ORDER BY a.attnum)
                           FROM pg_attrdef ad JOIN pg_attribute a ON a.attrelid = ad.adrelid
                           AND a.attnum = ad.adnum WHERE ad.adrelid = c.oid), '')
              || COALESCE((SELECT string_agg(pg_get_indexdef(ix.indexrelid) || E';\n', ''
                                   ORDER BY ix.indexrelid)
                           FROM pg_index ix WHERE ix.indrelid = c.oid), '')
              || COALESCE((SELECT string_agg(pg_get_triggerdef(tg.oid) || E';\n', '' ORDER BY tg.tgname)
                           FROM pg_trigger tg WHERE tg.tgrelid = c.oid AND NOT tg.tgisinternal), '')
              || COALESCE((SELECT string_agg(pg_get_ruledef(r.oid) || E'\n', '' ORDER BY r.rulename)
                           FROM pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN'), '')
         END
         || COALESCE((SELECT string_agg(CASE WHEN d.objsubid = 0
                        THEN format(E'COMMENT ON %s %s.%s IS %L;\n',
                               CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                                    ELSE 'MATERIALIZED VIEW' END,
                               n.q, quote_ident(c.relname), d.description)
                        ELSE format(E'COMMENT ON COLUMN %s.%s.%I IS %L;\n', n.q, quote_ident(c.relname),
                               (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid
                                AND a.attnum = d.objsubid), d.description) END,
                        '' ORDER BY d.objsubid)
                      FROM pg_description d WHERE d.objoid = c.oid
                      AND d.classoid = 'pg_class'::regclass), '')
         || COALESCE((SELECT string_agg(format(E'COMMENT ON INDEX %s.%I IS %L;\n', n.q, i.relname,
                                               d.description), '' ORDER BY i.relname)
                      FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid
                      JOIN pg_description d ON d.objoid = i.oid AND d.classoid = 'pg_class'::regclass
                      WHERE ix.indrelid = c.oid), ''),
         format(E'DROP %s %s.%s;\n', CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'SEQUENCE' END, n.q, quote_ident(c.relname))
  FROM pg_class c JOIN nsp n ON n.oid = c.relnamespace
  LEFT JOIN pg_sequence sq ON sq.seqrelid = c.oid
  WHERE c.relkind IN ('v', 'm', 'f', 'S')
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                    AND d.objid = c.oid
                    AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
),
-- What stands for each object (or table) in pg_depend: itself, and its parts.
member AS (
  SELECT classid, oid AS objid, key FROM obj
  UNION ALL SELECT 'pg_class'::regclass, t.typrelid, o.key FROM obj o
    JOIN pg_type t ON t.oid = o.oid WHERE o.classid = 'pg_type'::regclass AND t.typrelid <> 0
  UNION ALL SELECT 'pg_type'::regclass, t.typarray, o.key FROM obj o
    JOIN pg_type t ON t.oid = o.oid WHERE o.classid = 'pg_type'::regclass AND t.typarray <> 0
  UNION ALL SELECT 'pg_type'::regclass, rg.rngmultitypid, o.key FROM obj o
    JOIN pg_range rg ON rg.rngtypid = o.oid WHERE o.classid = 'pg_type'::regclass
  UNION ALL SELECT 'pg_constraint'::regclass, con.oid, o.key FROM obj o
    JOIN pg_constraint con ON con.contypid = o.oid WHERE o.classid = 'pg_type'::regclass
  UNION ALL SELECT 'pg_type'::regclass, c.reltype, o.key FROM obj o
    JOIN pg_class c ON c.oid = o.oid WHERE o.classid = 'pg_class'::regclass AND c.reltype <> 0
  UNION ALL SELECT 'pg_rewrite'::regclass, r.oid, o.key FROM obj o
    JOIN pg_rewrite r ON r.ev_class = o.oid WHERE o.classid = 'pg_class'::regclass
  UNION ALL SELECT 'pg_class'::regclass, ix.indexrelid, o.key FROM obj o
    JOIN pg_index ix ON ix.indrelid = o.oid WHERE o.classid = 'pg_class'::regclass
  UNION ALL SELECT 'pg_trigger'::regclass, tg.oid, o.key FROM obj o
    JOIN pg_trigger tg ON tg.tgrelid = o.oid WHERE o.classid = 'pg_class'::regclass
  UNION ALL SELECT 'pg_attrdef'::regclass, ad.oid, o.key FROM obj o
    JOIN pg_attrdef ad ON ad.adrelid = o.oid WHERE o.classid = 'pg_class'::regclass
  -- Tables: their row types too (a function returning SETOF a table).
  UNION ALL SELECT 'pg_class'::regclass, c.oid, 'T' || (CASE WHEN n.cur THEN c.relname::text
                   ELSE n.nspname::text || '.' || c.relname::text END)
    FROM pg_class c JOIN nsp n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p')
  UNION ALL SELECT 'pg_type'::regclass, t.oid, 'T' || (CASE WHEN n.cur THEN c.relname::text
                   ELSE n.nspname::text || '.' || c.relname::text END)
    FROM pg_class c JOIN nsp n ON n.oid = c.relnamespace
    JOIN pg_type t ON t.oid IN (c.reltype, (SELECT typarray FROM pg_type WHERE oid = c.reltype))
    WHERE c.relkind IN ('r', 'p')
),
needs AS (
  SELECT DISTINCT m.key, r.key AS needed
  FROM pg_depend d
  JOIN member m ON m.classid = d.classid AND m.objid = d.objid
  JOIN member r ON r.classid = d.refclassid AND r.objid = d.refobjid
  WHERE d.deptype = 'n' AND m.key <> r.key AND m.key NOT LIKE 'T%'
)
SELECT o.key, o.kind, o.name, o.nsp, o.cur, o.create_sql, o.drop_sql,
       ARRAY(SELECT needed FROM needs WHERE needs.key = o.key ORDER BY 1) AS needs
FROM obj o ORDER BY o.ord
"#;
