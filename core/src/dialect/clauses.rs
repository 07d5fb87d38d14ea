//! The default clauses of `CREATE TABLE` and `CREATE INDEX` ([`Dialect::create_table`],
//! [`Dialect::column_definition`], [`Dialect::foreign_key_clause`],
//! [`Dialect::table_constraint_clause`], [`Dialect::create_index`],
//! [`Dialect::index_key_list`]): standard SQL that a dialect overrides where it differs.

use super::{generated_clause, standard, Dialect};
use crate::schema::{Column, ConstraintKind, ForeignKey, Index, Table, TableConstraint};

/// [`Dialect::column_definition`]'s default.
pub(super) fn column_definition<D: Dialect + ?Sized>(d: &D, column: &Column) -> String {
    let mut s = format!("{} {}", d.quote(&column.name), d.render_type(column));
    if !column.nullable {
        s.push_str(" NOT NULL");
    }
    if let Some(default) = &column.default {
        s.push_str(" DEFAULT ");
        s.push_str(&d.render_default(default));
    }
    if let Some(generated) = &column.generated {
        // An introspected column's verbatim clause (in `extra`) wins.
        if !column.extra.iter().any(|c| c.is_generated()) {
            s.push(' ');
            s.push_str(&generated_clause(generated));
        }
    }
    for clause in &column.extra {
        s.push(' ');
        s.push_str(clause.sql());
    }
    s
}

/// [`Dialect::foreign_key_clause`]'s default.
pub(super) fn foreign_key_clause<D: Dialect + ?Sized>(d: &D, fk: &ForeignKey) -> String {
    let mut s = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        d.quote(&fk.name),
        d.quote_list(&fk.columns),
        d.quote_table(&fk.ref_table),
        d.quote_list(&fk.ref_columns)
    );
    if fk.on_delete != Default::default() {
        s.push_str(" ON DELETE ");
        s.push_str(standard::fk_action(fk.on_delete));
    }
    if fk.on_update != Default::default() {
        s.push_str(" ON UPDATE ");
        s.push_str(standard::fk_action(fk.on_update));
    }
    s.push_str(standard::deferrable(fk.deferrable));
    s
}

/// [`Dialect::table_constraint_clause`]'s default.
pub(super) fn table_constraint_clause<D: Dialect + ?Sized>(
    d: &D,
    constraint: &TableConstraint,
) -> String {
    if let Some(written) = &constraint.written {
        return written.clone();
    }
    let named = constraint
        .name
        .as_ref()
        .map(|n| format!("CONSTRAINT {} ", d.quote(n)))
        .unwrap_or_default();
    match &constraint.kind {
        ConstraintKind::Check { expr, not_valid } => format!(
            "{named}CHECK ({expr}){}",
            if *not_valid { " NOT VALID" } else { "" }
        ),
        ConstraintKind::Unique { columns } => {
            format!("{named}UNIQUE ({})", d.quote_list(columns))
        }
        ConstraintKind::Other { sql } => sql.clone(),
    }
}

/// [`Dialect::create_table`]'s default.
pub(super) fn create_table<D: Dialect + ?Sized>(d: &D, table: &Table, name: &str) -> String {
    let mut lines: Vec<String> = table
        .columns
        .iter()
        .map(|c| d.create_table_column(table, c))
        .collect();
    if !table.primary_key.is_empty() {
        lines.push(d.create_table_primary_key(table, name));
    }
    lines.extend(table.foreign_keys.iter().map(|fk| d.foreign_key_clause(fk)));
    lines.extend(
        table
            .table_constraints
            .iter()
            .map(|c| d.table_constraint_clause(c)),
    );
    let options = match d.table_options_clause(&table.options) {
        clause if clause.is_empty() => clause,
        clause => format!(" {clause}"),
    };
    format!(
        "CREATE TABLE {} (\n    {}\n){options};\n",
        d.quote_table(name),
        lines.join(",\n    ")
    )
}

/// [`Dialect::create_index`]'s default.
pub(super) fn create_index<D: Dialect + ?Sized>(d: &D, table: &str, index: &Index) -> String {
    if index.constraint {
        return format!(
            "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({});\n",
            d.quote_table(table),
            d.quote(&index.name),
            d.index_key_list(index)
        );
    }
    format!(
        "CREATE {}INDEX {} ON {} ({});\n",
        if index.unique { "UNIQUE " } else { "" },
        d.quote(&index.name),
        d.quote_table(table),
        d.index_key_list(index)
    )
}

/// [`Dialect::index_key_list`]'s default.
pub(super) fn index_key_list<D: Dialect + ?Sized>(d: &D, index: &Index) -> String {
    index
        .columns
        .iter()
        .enumerate()
        .map(|(i, column)| match index.prefix(i) {
            Some(length) => format!("{}({length})", d.quote(column)),
            None => d.quote(column),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
