//! PostgreSQL introspection from `pg_catalog`: a fixed number of queries, one per object kind
//! (columns, constraints, indexes, triggers, statistics, comments, owned sequences, enum types;
//! one function each in `catalog`, `sequences` and `statistics`), whatever the number
//! of tables. Reads the current schema (`search_path`), `public` unless the connection chose
//! another.
//!
//! What the schema model describes structurally (columns, keys, foreign keys, plain btree
//! indexes) is read into it; everything else the catalog says about a table is kept as the
//! server's own definition (`pg_get_indexdef`, `pg_get_constraintdef`, `pg_get_triggerdef`,
//! `pg_get_statisticsobjdef`, comments, the sequences of serial columns) in [`Table::unmodeled`], so that a dropped table
//! is re-created with all of it.

use std::collections::BTreeMap;

use diesel::pg::PgConnection;

use super::catalog::{self, ColumnRow, CommentRow, ConstraintRow, DependentRow};
use super::index_catalog::IndexRow;
use super::namespaces::{existing_schemas, user_tables};
use super::statistics::StatisticsRow;
use crate::schema::{
    Column, Deferrable, Dependent, FkAction, ForeignKey, IdentityKind, Index, Schema, SqlType,
    Table,
};

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
    let bare = def
        .strip_suffix(crate::dialect::postgres::NOT_VALID)
        .unwrap_or(def);
    if validated {
        bare.to_owned()
    } else {
        format!("{bare}{}", crate::dialect::postgres::NOT_VALID)
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

/// Reads every user table of the current schema (and of `schemas`).
pub fn introspect(conn: &mut PgConnection, schemas: &[String]) -> diesel::QueryResult<Schema> {
    let first = First::fetch(conn, schemas)?;
    let rest = Rest::fetch(conn, schemas)?;
    Ok(rest.assemble(first))
}

/// The rows of the columns' and the constraints' queries, which [`super::parallel`] reads on
/// a connection of its own while this one reads the [`Rest`] (about half the server's work
/// each at 10,000 tables).
pub(super) struct First {
    columns: Vec<ColumnRow>,
    constraints: Vec<catalog::ConstraintRow>,
}

impl First {
    /// Runs the columns' and the constraints' queries.
    pub(super) fn fetch(conn: &mut PgConnection, schemas: &[String]) -> diesel::QueryResult<First> {
        let user_tables = user_tables(schemas);
        Ok(First {
            columns: catalog::columns(conn, &user_tables)?,
            constraints: catalog::constraints(conn, &user_tables, schemas)?,
        })
    }
}

/// The rows of every catalog query but the columns' and the constraints' ([`First`]).
pub(super) struct Rest {
    indexes: Vec<super::index_catalog::IndexRow>,
    sequences: Vec<super::sequences::SequenceRow>,
    triggers: Vec<catalog::DefinitionRow>,
    statistics: Vec<super::statistics::StatisticsRow>,
    comments: Vec<catalog::CommentRow>,
    occupied: Vec<catalog::RelationRow>,
    dependents: Vec<DependentRow>,
    enums: Vec<catalog::EnumRow>,
    functions: Vec<super::routines::FunctionRow>,
    schemas: std::collections::BTreeSet<String>,
}

impl Rest {
    /// Runs the catalog queries other than the columns'.
    pub(super) fn fetch(conn: &mut PgConnection, schemas: &[String]) -> diesel::QueryResult<Rest> {
        let user_tables = user_tables(schemas);
        Ok(Rest {
            indexes: super::index_catalog::indexes(conn, &user_tables)?,
            sequences: super::sequences::sequences(conn, &user_tables)?,
            triggers: catalog::triggers(conn, &user_tables)?,
            statistics: super::statistics::statistics(conn, &user_tables)?,
            comments: catalog::comments(conn, &user_tables)?,
            occupied: catalog::occupied(conn, schemas)?,
            dependents: catalog::dependents(conn, &user_tables)?,
            enums: catalog::enums(conn)?,
            functions: super::routines::functions(conn, schemas)?,
            schemas: existing_schemas(conn, schemas)?,
        })
    }

    /// The schema these rows and `first`'s describe.
    pub(super) fn assemble(self, first: First) -> Schema {
        let First {
            columns,
            constraints,
        } = first;
        let Rest {
            indexes,
            sequences,
            triggers,
            statistics,
            comments,
            occupied,
            dependents,
            enums,
            functions,
            schemas,
        } = self;
        let (mut tables, numbers) = tables_of(columns);
        // Kept definitions and the columns they use: a column drop would take them silently.
        let mut kept_users: Vec<Dependent> = Vec::new();
        let constraints_kept = add_constraints(&mut tables, &numbers, constraints, &mut kept_users);
        let indexes_kept = add_indexes(&mut tables, indexes, &mut kept_users);
        kept_users.extend(statistics_users(&statistics));
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
        let comments_kept = add_comments(&mut tables, comments);
        // Re-created after the table in this order: owned sequences (the column defaults need
        // them), constraints, indexes, triggers, statistics, comments.
        let kept = sequences
            .into_iter()
            .map(|r| (r.tbl, r.def))
            .chain(constraints_kept)
            .chain(indexes_kept)
            .chain(triggers.into_iter().map(|r| (r.tbl, r.def)))
            .chain(statistics.into_iter().map(|r| (r.tbl, r.def)))
            .chain(comments_kept);
        for (tbl, def) in kept {
            if let Some(table) = tables.get_mut(&tbl) {
                table.unmodeled.push(crate::sql::kept(def));
            }
        }
        let mut schema = Schema::new();
        tables.into_values().for_each(|t| schema.insert(t));
        schema.dependents = dependents_of(dependents).chain(kept_users).collect();
        schema.dependents.sort();
        schema.views = views_of(&occupied);
        schema.occupied = occupied.into_iter().map(|r| (r.name, r.kind)).collect();
        schema.enums = enums.into_iter().map(|e| (e.name, e.labels)).collect();
        schema.functions = super::routines::functions_of(functions);
        schema.schemas = schemas;
        schema
    }
}

/// The views and materialized views among `relations`, as the catalog has them.
fn views_of(relations: &[catalog::RelationRow]) -> BTreeMap<String, crate::schema::View> {
    relations
        .iter()
        .filter_map(|r| {
            let def = r.def.as_deref()?;
            let mut view = crate::sql::view(&r.name, def, r.kind == "materialized view");
            view.definition = view.sql.clone();
            view.indexes = r.idx.clone();
            view.triggers = r.trg.iter().map(|d| crate::sql::kept(d.as_str())).collect();
            view.needs = r.needs.clone();
            view.columns = r
                .cols
                .iter()
                .zip(&r.types)
                .map(|(name, ty)| Column::new(name, SqlType::parse(ty), true))
                .collect();
            Some((r.name.clone(), view))
        })
        .collect()
}

/// The tables with their columns, identity and generated columns.
///
/// The rows come by table (a table's rows together but where two schemas have tables of one
/// name), so the table being filled is kept at hand rather than looked up for every row; and a
/// type is parsed once per distinct spelling (a large schema has a handful).
fn tables_of(columns: Vec<ColumnRow>) -> (BTreeMap<String, Table>, Numbers) {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let mut numbers = Numbers::new();
    let mut types: std::collections::HashMap<String, SqlType> = std::collections::HashMap::new();
    let mut filling: Option<Table> = None;
    for row in columns {
        let table = match filling.take() {
            Some(table) if table.name == row.tbl => filling.insert(table),
            other => {
                if let Some(done) = other {
                    tables.insert(done.name.clone(), done);
                }
                let table = tables
                    .remove(&row.tbl)
                    .unwrap_or_else(|| Table::new(&row.tbl));
                filling.insert(table)
            }
        };
        if let (Some(name), Some(ty)) = (row.name, row.ty) {
            if let Some(num) = row.num {
                match numbers.get_mut(&table.name) {
                    Some(nums) => nums.push(num),
                    None => {
                        numbers.insert(table.name.clone(), vec![num]);
                    }
                }
            }
            let ty = match row.enum_ty {
                // The labels are the schema's (`Schema::enums`), as the dialect keeps them.
                Some(name) => SqlType::Enum {
                    name,
                    labels: Vec::new(),
                },
                None => match types.get(&ty) {
                    Some(parsed) => parsed.clone(),
                    None => {
                        let parsed = SqlType::parse(&ty);
                        types.insert(ty, parsed.clone());
                        parsed
                    }
                },
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
    if let Some(done) = filling {
        tables.insert(done.name.clone(), done);
    }
    (tables, numbers)
}

/// Each table's column numbers (`pg_attribute.attnum`), in the order of its columns.
type Numbers = std::collections::HashMap<String, Vec<i16>>;

/// The names of the columns numbered `keys` of table `tbl`; a number no column has (an
/// exclusion constraint's expression is 0) names none.
fn column_names(
    tables: &BTreeMap<String, Table>,
    numbers: &Numbers,
    tbl: &str,
    keys: &[i16],
) -> Vec<String> {
    let (Some(table), Some(nums)) = (tables.get(tbl), numbers.get(tbl)) else {
        return Vec::new();
    };
    keys.iter()
        .filter_map(|k| nums.iter().position(|n| n == k))
        .filter_map(|i| table.columns.get(i))
        .map(|c| c.name.clone())
        .collect()
}

/// Puts the constraints the model describes (primary keys, plain foreign keys and UNIQUE
/// constraints) on their tables; returns the definitions of the others, to keep, and adds the
/// columns they use to `kept_users`.
fn add_constraints(
    tables: &mut BTreeMap<String, Table>,
    numbers: &Numbers,
    constraints: Vec<ConstraintRow>,
    kept_users: &mut Vec<Dependent>,
) -> Vec<(String, String)> {
    let mut constraints_kept: Vec<(String, String)> = Vec::new();
    for row in constraints {
        let cols = column_names(tables, numbers, &row.tbl, &row.keys);
        // A foreign key's referenced columns: named by the query when the table is not read.
        let ref_cols = match (row.kind.as_str(), row.ref_names) {
            ("f", Some(names)) => names,
            ("f", None) => row
                .ref_table
                .as_deref()
                .map(|t| column_names(tables, numbers, t, &row.ref_keys))
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let Some(table) = tables.get_mut(&row.tbl) else {
            continue;
        };
        match row.kind.as_str() {
            "p" => {
                table.primary_key = cols;
                table.primary_key_name = Some(row.name);
            }
            // A foreign key the model can describe; one it cannot (NOT VALID, MATCH FULL) is
            // kept verbatim, see below.
            "f" if plain_foreign_key(&row.def, row.validated) => {
                table.foreign_keys.push(ForeignKey {
                    name: row.name,
                    columns: cols,
                    ref_table: row.ref_table.unwrap_or_default(),
                    ref_columns: ref_cols,
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
                    crate::dialect::postgres::pg_ident_list(&cols)
                ) =>
            {
                table.indexes.push(Index {
                    name: row.name,
                    columns: cols,
                    unique: true,
                    constraint: true,
                    options: Default::default(),
                    prefixes: Vec::new(),
                })
            }
            // CHECK, EXCLUDE, UNIQUE constraints (and the foreign keys above): as the server
            // defines them. PostgreSQL drops one silently with a column it uses, and re-checks
            // it against a column's new type (see `crate::depend` for which changes pass).
            _ => {
                kept_users.extend(cols.iter().map(|c| Dependent {
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
                    )
                    .sql()
                    .to_owned(),
                ))
            }
        }
    }
    constraints_kept
}

/// Puts the plain indexes on their tables and marks the invalid ones; returns the
/// definitions of the others (expression, partial...), to keep, and adds the columns they use
/// to `kept_users`.
fn add_indexes(
    tables: &mut BTreeMap<String, Table>,
    indexes: Vec<IndexRow>,
    kept_users: &mut Vec<Dependent>,
) -> Vec<(String, String)> {
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
                prefixes: Vec::new(),
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
    indexes_kept
}

/// The columns statistics objects use: PostgreSQL drops a statistics object silently with any
/// column it uses (and rebuilds it for a column's new type).
fn statistics_users(statistics: &[StatisticsRow]) -> impl Iterator<Item = Dependent> + '_ {
    statistics.iter().flat_map(|row| {
        row.used.iter().map(|c| Dependent {
            table: row.tbl.clone(),
            column: Some(c.clone()),
            kind: "statistics".into(),
            name: row.name.clone(),
            blocks_type_change: false,
        })
    })
}

/// Sets the tables' and columns' own comments; returns the statements of the others
/// (constraints', indexes', triggers'), to keep.
fn add_comments(
    tables: &mut BTreeMap<String, Table>,
    comments: Vec<CommentRow>,
) -> Vec<(String, String)> {
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
        .collect()
}

/// The views, rules and triggers that depend on tables and columns.
fn dependents_of(dependents: Vec<DependentRow>) -> impl Iterator<Item = Dependent> {
    dependents.into_iter().map(|r| Dependent {
        table: r.tbl,
        column: r.col,
        // PostgreSQL refuses to retype a column any of them uses, a trigger's included
        // ("cannot alter type of a column used in a trigger definition").
        blocks_type_change: true,
        kind: r.kind,
        name: r.name,
    })
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
