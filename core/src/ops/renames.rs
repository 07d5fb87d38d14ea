//! What a rename does to the schema model ([`super::Op::apply`] of the rename ops): the
//! table, column or constraint under its new name, the keys and indexes over it, and the text
//! of kept definitions that names it.

use crate::schema::{ConstraintKind, Schema, Table};

/// Renames table `from` to `to` in `schema`: its name, its kept definitions' text, and the
/// foreign keys (its own and other tables') that reference it.
pub(crate) fn rename_table(schema: &mut Schema, from: &str, to: &str) {
    let Some(mut t) = schema.tables.remove(from) else {
        return;
    };
    t.name = to.to_owned();
    t.written.forget();
    for d in &mut t.unmodeled {
        crate::sql::rewrite_kept(d, |sql| crate::sql::rename_identifier(sql, from, to));
    }
    schema.insert(t);
    for t in schema.tables.values_mut() {
        for fk in &mut t.foreign_keys {
            if fk.ref_table == from {
                fk.ref_table = to.to_owned();
                t.written.forget();
            }
        }
    }
    // Views and triggers that depend on it follow it too (both databases rewrite them).
    for d in schema.dependents.iter_mut().filter(|d| d.table == from) {
        d.table = to.to_owned();
    }
    schema.dependents.sort();
}

/// Renames column `from` of table `name` to `to`: the column, the keys, indexes and foreign
/// keys over it (its table's and those of tables referencing it), and the text that names it.
pub(crate) fn rename_column(schema: &mut Schema, name: &str, from: &str, to: &str) {
    let rename = |cols: &mut Vec<String>| {
        for c in cols.iter_mut().filter(|c| *c == from) {
            *c = to.to_owned();
        }
    };
    let text = |s: &mut String| *s = crate::sql::rename_identifier(s, from, to);
    if let Some(t) = schema.tables.get_mut(name) {
        t.written.forget();
        for c in &mut t.columns {
            if c.name == from {
                c.name = to.to_owned();
            }
            for clause in &mut c.extra {
                crate::sql::rewrite_column_clause(clause, |sql| {
                    crate::sql::rename_identifier(sql, from, to)
                });
            }
        }
        rename(&mut t.primary_key);
        if t.identity.as_deref() == Some(from) {
            t.identity = Some(to.to_owned());
        }
        rename(&mut t.serial);
        t.serial.sort();
        t.indexes.iter_mut().for_each(|i| rename(&mut i.columns));
        t.foreign_keys
            .iter_mut()
            .for_each(|fk| rename(&mut fk.columns));
        for d in &mut t.unmodeled {
            crate::sql::rewrite_kept(d, |sql| crate::sql::rename_identifier(sql, from, to));
        }
        for c in &mut t.table_constraints {
            if let Some(written) = &mut c.written {
                text(written);
            }
            match &mut c.kind {
                ConstraintKind::Check { expr, .. } => text(expr),
                ConstraintKind::Unique { columns } => rename(columns),
                ConstraintKind::Other { sql } => text(sql),
            }
        }
    }
    for t in schema.tables.values_mut() {
        for fk in t.foreign_keys.iter_mut().filter(|fk| fk.ref_table == name) {
            if fk.ref_columns.iter().any(|c| c == from) {
                rename(&mut fk.ref_columns);
                t.written.forget();
            }
        }
        t.canonicalize();
    }
    for d in schema.dependents.iter_mut().filter(|d| d.table == name) {
        if d.column.as_deref() == Some(from) {
            d.column = Some(to.to_owned());
        }
    }
    schema.dependents.sort();
}

/// Renames constraint `from` of `t` to `to`: a foreign key, the primary key, or a kept
/// constraint definition.
pub(crate) fn rename_constraint(t: &mut Table, from: &str, to: &str) {
    for fk in t.foreign_keys.iter_mut().filter(|fk| fk.name == from) {
        fk.name = to.to_owned();
    }
    if t.primary_key_name.as_deref() == Some(from) {
        t.primary_key_name = Some(to.to_owned());
    }
    for d in t
        .unmodeled
        .iter_mut()
        .filter(|d| d.constraint_name() == Some(from))
    {
        crate::sql::rewrite_kept(d, |sql| crate::sql::rename_identifier(sql, from, to));
    }
    t.canonicalize();
}
