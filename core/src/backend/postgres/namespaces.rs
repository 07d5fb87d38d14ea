//! The namespaces introspection reads: the current schema (`search_path`) and the other
//! schemas the models name (`#[model(schema = "...")]`), whose tables are keyed `schema.table`
//! (see [`crate::schema::split_qualified`]). The catalog queries stay as many whatever the
//! number of schemas.

use diesel::pg::PgConnection;
use diesel::sql_types::{Array, Text};
use diesel::{QueryableByName, RunQueryDsl};

/// The condition on `n` (namespace) and `c` (table) that selects the user tables: those of the
/// current schema, except the bookkeeping tables, and every table of `schemas` (the other
/// schemas the models name).
pub(super) fn user_tables(schemas: &[String]) -> String {
    user_relations(schemas, "'r', 'p'")
}

/// [`user_tables`] on other aliases: `class` for the table (`pg_class`), `namespace` for its
/// namespace.
pub(super) fn user_tables_as(schemas: &[String], class: &str, namespace: &str) -> String {
    relations_as(schemas, "'r', 'p'", class, namespace)
}

/// Like [`user_tables`], for the relations of the given `pg_class.relkind`s (`'v', 'm'`).
pub(super) fn user_relations(schemas: &[String], kinds: &str) -> String {
    relations_as(schemas, kinds, "c", "n")
}

fn relations_as(schemas: &[String], kinds: &str, c: &str, n: &str) -> String {
    let others = if schemas.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = schemas
            .iter()
            .map(|s| format!("'{}'", s.replace('\'', "''")))
            .collect();
        // The current schema among them is read once, without its bookkeeping tables.
        format!(
            " OR ({n}.nspname IN ({}) AND {n}.nspname <> current_schema())",
            list.join(", ")
        )
    };
    format!(
        "{c}.relkind IN ({kinds}) AND (({n}.nspname = current_schema() \
         AND {c}.relname NOT IN ('__diesel_schema_migrations', '__retort_checksums', '__retort_progress', '__retort_lock')){others})"
    )
}

/// The table's key (see [`crate::schema::split_qualified`]): its name in the current schema,
/// `schema.name` in another.
pub(super) const TBL: &str = "(CASE WHEN n.nspname = current_schema() THEN c.relname::text \
     ELSE n.nspname::text || '.' || c.relname::text END)";

/// The table's name quoted for SQL, qualified outside the current schema.
pub(super) const QTBL: &str =
    "(CASE WHEN n.nspname = current_schema() THEN quote_ident(c.relname) \
     ELSE quote_ident(n.nspname) || '.' || quote_ident(c.relname) END)";

/// An owned sequence's name quoted for SQL, qualified outside the current schema.
pub(super) const QSEQ: &str =
    "(CASE WHEN n.nspname = current_schema() THEN quote_ident(s.relname) \
     ELSE quote_ident(n.nspname) || '.' || quote_ident(s.relname) END)";

/// Which of `schemas` exist: one query, none when there are none.
pub(super) fn existing_schemas(
    conn: &mut PgConnection,
    schemas: &[String],
) -> diesel::QueryResult<std::collections::BTreeSet<String>> {
    #[derive(QueryableByName)]
    struct NameRow {
        #[diesel(sql_type = Text)]
        name: String,
    }
    if schemas.is_empty() {
        return Ok(Default::default());
    }
    let existing: Vec<NameRow> =
        diesel::sql_query("SELECT nspname::text AS name FROM pg_namespace WHERE nspname = ANY($1)")
            .bind::<Array<Text>, _>(schemas)
            .load(conn)?;
    Ok(existing.into_iter().map(|r| r.name).collect())
}

/// Re-keys the model tables of `target` that name the connection's own schema
/// (`#[model(schema = "public")]` on a `public` connection) as tables of the default schema,
/// which is how introspection keys them; their foreign keys and `renamed_from` follow.
pub(super) fn unqualify_current(
    conn: &mut PgConnection,
    target: &mut crate::schema::Schema,
) -> diesel::QueryResult<()> {
    #[derive(QueryableByName)]
    struct Current {
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        name: Option<String>,
    }
    if target.other_schemas().is_empty() {
        return Ok(());
    }
    let current: Current =
        diesel::sql_query("SELECT current_schema()::text AS name").get_result(conn)?;
    let Some(current) = current.name else {
        return Ok(());
    };
    let prefix = format!("{current}.");
    let strip = |name: &mut String| {
        if crate::schema::split_qualified(name).0 == Some(current.as_str()) {
            *name = name[prefix.len()..].to_owned();
        }
    };
    let tables = std::mem::take(&mut target.tables);
    for mut table in tables.into_values() {
        strip(&mut table.name);
        if let Some(old) = &mut table.renamed_from {
            strip(old);
        }
        for fk in &mut table.foreign_keys {
            strip(&mut fk.ref_table);
        }
        target.tables.insert(table.name.clone(), table);
    }
    Ok(())
}
