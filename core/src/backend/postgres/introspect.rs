//! PostgreSQL introspection from `pg_catalog`: a fixed number of queries, one per object kind
//! (columns, constraints, indexes, triggers, statistics, comments, owned sequences, enum types), whatever the number of
//! tables. Reads the current schema (`search_path`), `public` unless the connection chose
//! another.
//!
//! What the schema model describes structurally (columns, keys, foreign keys, plain btree
//! indexes) is read into it; everything else the catalog says about a table is kept as the
//! server's own definition (`pg_get_indexdef`, `pg_get_constraintdef`, `pg_get_triggerdef`,
//! `pg_get_statisticsobjdef`, comments, the sequences of serial columns) in [`Table::unmodeled`], so that a dropped table
//! is re-created with all of it.

use std::collections::BTreeMap;

use diesel::pg::PgConnection;
use diesel::sql_types::{Array, Bool, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};

use super::namespaces::{existing_schemas, user_relations, user_tables, QTBL, TBL};
use crate::schema::{
    Column, Deferrable, Dependent, FkAction, ForeignKey, IdentityKind, Index, Schema, SqlType,
    Table,
};

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    ty: Option<String>,
    #[diesel(sql_type = Nullable<Bool>)]
    notnull: Option<bool>,
    #[diesel(sql_type = Nullable<Text>)]
    dflt: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    identity: Option<String>,
    /// `s` for a stored generated column, whose expression `dflt` holds.
    #[diesel(sql_type = Nullable<Text>)]
    generated: Option<String>,
    /// The name of the column's type when it is an enum type of the current schema.
    #[diesel(sql_type = Nullable<Text>)]
    enum_ty: Option<String>,
}

/// An enum type of the current schema and its labels, in order.
#[derive(QueryableByName)]
struct EnumRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Array<Text>)]
    labels: Vec<String>,
}

#[derive(QueryableByName)]
struct ConstraintRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Array<Text>)]
    cols: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    ref_table: Option<String>,
    #[diesel(sql_type = Array<Text>)]
    ref_cols: Vec<String>,
    #[diesel(sql_type = Text)]
    on_delete: String,
    #[diesel(sql_type = Text)]
    on_update: String,
    /// `pg_get_constraintdef`, for constraints kept verbatim (empty for primary keys and the
    /// foreign keys the model describes: the costly part of the query, not asked of them).
    #[diesel(sql_type = Text)]
    def: String,
    /// `pg_constraint.condeferrable` and `condeferred`.
    #[diesel(sql_type = Bool)]
    deferrable: bool,
    #[diesel(sql_type = Bool)]
    deferred: bool,
    /// `pg_constraint.convalidated`: false for a constraint added `NOT VALID` and not
    /// validated since (the rows already there were never checked).
    #[diesel(sql_type = Bool)]
    validated: bool,
}

/// A trigger, comment or owned sequence: SQL that re-creates it, for [`Table::unmodeled`].
#[derive(QueryableByName)]
struct DefinitionRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    def: String,
}

/// A comment: a table's or a column's own text (`kind` 0), or the statement that re-creates
/// any other.
#[derive(QueryableByName)]
struct CommentRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    kind: i32,
    #[diesel(sql_type = Nullable<Text>)]
    col: Option<String>,
    #[diesel(sql_type = Text)]
    def: String,
}

/// A relation's name and what it is.
#[derive(QueryableByName)]
struct NameKindRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
}

/// A view, materialized view, rule or trigger that depends on a table or a column.
#[derive(QueryableByName)]
struct DependentRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Nullable<Text>)]
    col: Option<String>,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    name: String,
}

fn action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// Whether a foreign key is one the schema model describes: validated (not `NOT VALID`), not
/// `MATCH FULL`.
fn plain_foreign_key(def: &str, validated: bool) -> bool {
    validated && !def.contains(" MATCH FULL")
}

/// A constraint's definition as the catalog says it holds: ending in ` NOT VALID` exactly when
/// `pg_constraint.convalidated` is false, whatever the text.
fn with_validity(def: &str, validated: bool) -> String {
    let bare = def.strip_suffix(crate::schema::NOT_VALID).unwrap_or(def);
    if validated {
        bare.to_owned()
    } else {
        format!("{bare}{}", crate::schema::NOT_VALID)
    }
}

/// When a foreign key is checked (`pg_constraint.condeferrable`, `condeferred`).
fn deferrable(deferrable: bool, deferred: bool) -> Deferrable {
    match (deferrable, deferred) {
        (true, true) => Deferrable::InitiallyDeferred,
        (true, false) => Deferrable::Deferrable,
        _ => Deferrable::No,
    }
}

/// Reads every user table of the current schema.
pub fn introspect(conn: &mut PgConnection, schemas: &[String]) -> diesel::QueryResult<Schema> {
    let user_tables = user_tables(schemas);
    // Tables without columns still appear (LEFT JOIN), with one all-NULL row.
    let columns: Vec<ColumnRow> = diesel::sql_query(format!(
        "SELECT {TBL} AS tbl, a.attname::text AS name, \
                format_type(a.atttypid, a.atttypmod) AS ty, a.attnotnull AS notnull, \
                pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attidentity::text AS identity, \
                a.attgenerated::text AS generated, \
                CASE WHEN ty.typtype = 'e' AND ty.typnamespace = current_schema()::text::regnamespace THEN ty.typname::text END AS enum_ty \
         FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         LEFT JOIN pg_type ty ON ty.oid = a.atttypid \
         WHERE {user_tables} \
         ORDER BY c.relname, a.attnum"
    ))
    .load(conn)?;
    let constraints: Vec<ConstraintRow> = diesel::sql_query(format!(
        "SELECT {TBL} AS tbl, con.conname::text AS name, con.contype::text AS kind, \
                ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(num, ord) \
                      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num \
                      ORDER BY k.ord) AS cols, \
                CASE WHEN rn.nspname = current_schema() THEN rc.relname::text \
                     ELSE rn.nspname::text || '.' || rc.relname::text END AS ref_table, \
                ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(num, ord) \
                      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num \
                      ORDER BY k.ord) AS ref_cols, \
                con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update, \
                CASE WHEN con.contype = 'p' OR (con.contype = 'f' AND con.convalidated \
                          AND con.confmatchtype <> 'f') THEN '' \
                     ELSE pg_get_constraintdef(con.oid) END AS def, \
                con.convalidated AS validated, con.condeferrable AS deferrable, \
                con.condeferred AS deferred \
         FROM pg_constraint con \
         JOIN pg_class c ON c.oid = con.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_class rc ON rc.oid = con.confrelid \
         LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace \
         WHERE {user_tables} AND con.contype IN ('p', 'f', 'u', 'c', 'x') AND con.conislocal \
         ORDER BY c.relname, con.conname"
    ))
    .load(conn)?;
    let indexes = super::index_catalog::indexes(conn, &user_tables)?;
    let sequences = super::sequences::sequences(conn, &user_tables)?;
    let triggers: Vec<DefinitionRow> = diesel::sql_query(format!(
        "SELECT {TBL} AS tbl, pg_get_triggerdef(t.oid) AS def \
         FROM pg_trigger t \
         JOIN pg_class c ON c.oid = t.tgrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE {user_tables} AND NOT t.tgisinternal \
         ORDER BY c.relname, t.tgname"
    ))
    .load(conn)?;
    let statistics = super::statistics::statistics(conn, &user_tables)?;
    // Comments on the table, its columns, its constraints, its indexes and its triggers.
    // The table's and a column's comment are theirs (`kind` 0, `col` set for a column, `def`
    // the text); the others are kept as statements.
    let comments: Vec<CommentRow> = diesel::sql_query(format!(
        "SELECT tbl, kind, col, def FROM ( \
           SELECT {TBL} AS tbl, 0 AS kind, d.objsubid::text AS ord, a.attname::text AS col, \
                  d.description AS def \
           FROM pg_description d \
           JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass \
           JOIN pg_namespace n ON n.oid = c.relnamespace \
           LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid \
           WHERE {user_tables} AND (d.objsubid = 0 OR a.attnum IS NOT NULL) \
         UNION ALL \
           SELECT {TBL}, 1, con.conname::text, NULL, \
                  format('COMMENT ON CONSTRAINT %I ON %s IS %L', con.conname, {QTBL}, d.description) \
           FROM pg_description d \
           JOIN pg_constraint con ON con.oid = d.objoid AND d.classoid = 'pg_constraint'::regclass \
           JOIN pg_class c ON c.oid = con.conrelid \
           JOIN pg_namespace n ON n.oid = c.relnamespace \
           WHERE {user_tables} \
         UNION ALL \
           SELECT {TBL}, 2, i.relname::text, NULL, \
                  format('COMMENT ON INDEX %s IS %L', CASE WHEN n.nspname = current_schema() \
                         THEN quote_ident(i.relname) \
                         ELSE quote_ident(n.nspname) || '.' || quote_ident(i.relname) END, d.description) \
           FROM pg_description d \
           JOIN pg_class i ON i.oid = d.objoid AND d.classoid = 'pg_class'::regclass AND i.relkind = 'i' \
           JOIN pg_index ix ON ix.indexrelid = i.oid \
           JOIN pg_class c ON c.oid = ix.indrelid \
           JOIN pg_namespace n ON n.oid = c.relnamespace \
           WHERE {user_tables} \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.oid) \
         UNION ALL \
           SELECT {TBL}, 3, t.tgname::text, NULL, \
                  format('COMMENT ON TRIGGER %I ON %s IS %L', t.tgname, {QTBL}, d.description) \
           FROM pg_description d \
           JOIN pg_trigger t ON t.oid = d.objoid AND d.classoid = 'pg_trigger'::regclass \
           JOIN pg_class c ON c.oid = t.tgrelid \
           JOIN pg_namespace n ON n.oid = c.relnamespace \
           WHERE {user_tables} \
         ) comments ORDER BY tbl, kind, ord"
    ))
    .load(conn)?;

    // Names that views, materialized views and foreign tables take: no table can have them.
    let occupied: Vec<NameKindRow> = diesel::sql_query(format!(
        "SELECT {TBL} AS name, CASE c.relkind WHEN 'v' THEN 'view' \
                WHEN 'm' THEN 'materialized view' ELSE 'foreign table' END AS kind \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE {} ORDER BY 1",
        user_relations(schemas, "'v', 'm', 'f'")
    ))
    .load(conn)?;

    // What depends on the tables and columns, from pg_depend: views, materialized views and
    // rules through their rewrite rules, triggers through their column references.
    let dependents: Vec<DependentRow> = diesel::sql_query(format!(
        "SELECT DISTINCT {TBL} AS tbl, a.attname::text AS col, \
                CASE v.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' \
                               ELSE 'rule' END AS kind, \
                CASE WHEN v.relkind IN ('v', 'm') THEN v.relname::text \
                     ELSE r.rulename::text || ' on ' || v.relname::text END AS name \
         FROM pg_depend dep \
         JOIN pg_rewrite r ON r.oid = dep.objid AND dep.classid = 'pg_rewrite'::regclass \
         JOIN pg_class v ON v.oid = r.ev_class \
         JOIN pg_class c ON c.oid = dep.refobjid AND dep.refclassid = 'pg_class'::regclass \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = dep.refobjsubid \
                                  AND dep.refobjsubid > 0 \
         WHERE {user_tables} AND v.oid <> c.oid \
         UNION \
         SELECT {TBL}, a.attname::text, 'trigger', t.tgname::text || ' on ' || {TBL} \
         FROM pg_depend dep \
         JOIN pg_trigger t ON t.oid = dep.objid AND dep.classid = 'pg_trigger'::regclass \
         JOIN pg_class c ON c.oid = dep.refobjid AND dep.refclassid = 'pg_class'::regclass \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = dep.refobjsubid \
         WHERE {user_tables} AND dep.refobjsubid > 0 AND NOT t.tgisinternal \
         ORDER BY 1, 2, 3, 4"
    ))
    .load(conn)?;

    // Enum types: one query, labels in their sort order.
    let enums: Vec<EnumRow> = diesel::sql_query(
        "SELECT t.typname::text AS name, \
                ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid \
                      ORDER BY e.enumsortorder) AS labels \
         FROM pg_type t \
         JOIN pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname = current_schema() AND t.typtype = 'e' \
         ORDER BY 1",
    )
    .load(conn)?;

    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for row in columns {
        let table = tables
            .entry(row.tbl.clone())
            .or_insert_with(|| Table::new(&row.tbl));
        if let (Some(name), Some(ty)) = (row.name, row.ty) {
            let ty = match row.enum_ty {
                // The labels are the schema's (`Schema::enums`), as the dialect keeps them.
                Some(name) => SqlType::Enum {
                    name,
                    labels: Vec::new(),
                },
                None => SqlType::parse(&ty),
            };
            let mut column = Column::new(name, ty, !row.notnull.unwrap_or(false));
            if row.generated.as_deref() == Some("s") {
                // Not a default: the column's generation expression, as the server renders it.
                column.generated = Some(crate::schema::Generated {
                    expr: row.dflt.unwrap_or_default(),
                    stored: true,
                });
            } else {
                column.default = row.dflt;
            }
            match row.identity.as_deref() {
                Some("a") => {
                    table.identity = Some(column.name.clone());
                    table.identity_kind = IdentityKind::Always;
                }
                Some("d") => table.identity = Some(column.name.clone()),
                _ => {}
            }
            table.columns.push(column);
        }
    }
    let mut constraints_kept: Vec<(String, String)> = Vec::new();
    // Kept definitions and the columns they use: a column drop would take them silently.
    let mut kept_users: Vec<Dependent> = Vec::new();
    for row in constraints {
        let Some(table) = tables.get_mut(&row.tbl) else {
            continue;
        };
        match row.kind.as_str() {
            "p" => {
                table.primary_key = row.cols;
                table.primary_key_name = Some(row.name);
            }
            // A foreign key the model can describe; one it cannot (NOT VALID, MATCH FULL) is
            // kept verbatim, see below.
            "f" if plain_foreign_key(&row.def, row.validated) => {
                table.foreign_keys.push(ForeignKey {
                    name: row.name,
                    columns: row.cols,
                    ref_table: row.ref_table.unwrap_or_default(),
                    ref_columns: row.ref_cols,
                    on_delete: action(&row.on_delete),
                    on_update: action(&row.on_update),
                    deferrable: deferrable(row.deferrable, row.deferred),
                })
            }
            // A plain UNIQUE constraint: a unique index the model can describe, created and
            // dropped as the constraint it is.
            "u" if row.def
                == format!(
                    "UNIQUE ({})",
                    crate::dialect::postgres::pg_ident_list(&row.cols)
                ) =>
            {
                table.indexes.push(Index {
                    name: row.name,
                    columns: row.cols,
                    unique: true,
                    constraint: true,
                    options: Default::default(),
                })
            }
            // CHECK, EXCLUDE, UNIQUE constraints (and the foreign keys above): as the server
            // defines them. PostgreSQL drops one silently with a column it uses, and re-checks
            // it against a column's new type (see `crate::depend` for which changes pass).
            _ => {
                kept_users.extend(row.cols.iter().map(|c| Dependent {
                    table: row.tbl.clone(),
                    column: Some(c.clone()),
                    kind: "constraint".into(),
                    name: row.name.clone(),
                    blocks_type_change: true,
                }));
                // A NOT VALID check or foreign key is declared so (`convalidated` decides).
                constraints_kept.push((
                    row.tbl.clone(),
                    crate::dialect::postgres::constraint_definition(
                        &row.tbl,
                        &row.name,
                        &with_validity(&row.def, row.validated),
                    ),
                ))
            }
        }
    }
    let mut indexes_kept: Vec<(String, String)> = Vec::new();
    for row in indexes {
        let Some(table) = tables.get_mut(&row.tbl) else {
            continue;
        };
        // An INVALID index is read as what it was meant to be, and marked: the diff rebuilds it.
        if !row.valid && !row.owned {
            table.invalid_indexes.push(row.idx.clone());
        }
        if row.owned {
            // Its constraint re-creates it.
        } else if row.plain {
            table.indexes.push(Index {
                name: row.idx,
                columns: row.cols,
                unique: row.is_unique,
                constraint: false,
                options: Default::default(),
            });
        } else {
            // Expression, partial, non-btree, INCLUDE, operator classes, DESC...: verbatim.
            // PostgreSQL drops one silently with a column it uses, and rebuilds it for a
            // column's new type, which fails where its expression or operator class does not
            // apply to that type (see `crate::depend` for which changes pass).
            kept_users.extend(row.used.iter().map(|c| Dependent {
                table: row.tbl.clone(),
                column: Some(c.clone()),
                kind: "index".into(),
                name: row.idx.clone(),
                blocks_type_change: true,
            }));
            indexes_kept.push((row.tbl, row.def.unwrap_or_default()));
        }
    }
    // PostgreSQL drops a statistics object silently with any column it uses (and rebuilds it
    // for a column's new type).
    kept_users.extend(statistics.iter().flat_map(|row| {
        row.used.iter().map(|c| Dependent {
            table: row.tbl.clone(),
            column: Some(c.clone()),
            kind: "statistics".into(),
            name: row.name.clone(),
            blocks_type_change: false,
        })
    }));
    // Re-created after the table in this order: owned sequences (the column defaults need them),
    // constraints, indexes, triggers, statistics, comments.
    // Serial columns (a sequence they own and its `nextval` default); a serial key is the
    // database assigning ids, as an identity is (`Table::settle_serial_key`).
    for row in &sequences {
        if let Some(table) = tables.get_mut(&row.tbl) {
            if row.kind == "a" {
                table.serial.push(row.col.clone());
            }
        }
    }
    for table in tables.values_mut() {
        table.settle_serial_key();
    }
    let kept = sequences
        .into_iter()
        .map(|r| (r.tbl, r.def))
        .chain(constraints_kept)
        .chain(indexes_kept)
        .chain(triggers.into_iter().map(|r| (r.tbl, r.def)))
        .chain(statistics.into_iter().map(|r| (r.tbl, r.def)))
        .chain(
            comments
                .into_iter()
                .filter_map(|r| match (r.kind, r.col) {
                    (0, Some(col)) => {
                        if let Some(c) = tables
                            .get_mut(&r.tbl)
                            .and_then(|t| t.columns.iter_mut().find(|c| c.name == col))
                        {
                            c.comment = Some(r.def);
                        }
                        None
                    }
                    (0, None) => {
                        if let Some(t) = tables.get_mut(&r.tbl) {
                            t.comment = Some(r.def);
                        }
                        None
                    }
                    _ => Some((r.tbl, r.def)),
                })
                .collect::<Vec<_>>(),
        );
    for (tbl, def) in kept {
        if let Some(table) = tables.get_mut(&tbl) {
            table.unmodeled.push(def);
        }
    }
    let mut schema = Schema::new();
    tables.into_values().for_each(|t| schema.insert(t));
    schema.dependents = dependents
        .into_iter()
        .map(|r| Dependent {
            table: r.tbl,
            column: r.col,
            // PostgreSQL refuses to retype a column any of them uses, a trigger's included
            // ("cannot alter type of a column used in a trigger definition").
            blocks_type_change: true,
            kind: r.kind,
            name: r.name,
        })
        .chain(kept_users)
        .collect();
    schema.dependents.sort();
    schema.occupied = occupied.into_iter().map(|r| (r.name, r.kind)).collect();
    schema.enums = enums.into_iter().map(|e| (e.name, e.labels)).collect();
    schema.schemas = existing_schemas(conn, schemas)?;
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn convalidated_decides_not_valid() {
        let check = "CHECK ((age >= 0))";
        let not_valid = "CHECK ((age >= 0)) NOT VALID";
        assert_eq!(with_validity(check, true), check);
        assert_eq!(with_validity(not_valid, true), check);
        assert_eq!(with_validity(check, false), not_valid);
        assert_eq!(with_validity(not_valid, false), not_valid);
        let fk = "FOREIGN KEY (a) REFERENCES t(id)";
        assert!(plain_foreign_key(fk, true));
        assert!(!plain_foreign_key(fk, false));
        assert!(!plain_foreign_key(&format!("{fk} MATCH FULL"), true));
    }
}
