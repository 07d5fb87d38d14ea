//! Rendering the ops on views ([`Op::CreateView`], [`Op::DropView`], [`Op::ReplaceView`]),
//! shared by the dialects: `CREATE [MATERIALIZED] VIEW`, `DROP [MATERIALIZED] VIEW`, and a
//! replacement that is `CREATE OR REPLACE VIEW` where the backend has it and the columns allow
//! it ([`crate::schema::View::columns_kept_by`]), a drop and a create otherwise.

use super::{Dialect, OpSql, RenderError, Unsupported};
use crate::ops::Op;
use crate::schema::{Schema, View};

/// `CREATE [MATERIALIZED] VIEW name AS query;`, then the view's indexes, then its triggers
/// (not when it is replaced in place: they stay).
pub(super) fn create<D: Dialect + ?Sized>(dialect: &D, view: &View, or_replace: bool) -> String {
    let kind = if view.materialized {
        "MATERIALIZED VIEW"
    } else if or_replace {
        "OR REPLACE VIEW"
    } else {
        "VIEW"
    };
    let kind = if view.options.is_empty() {
        kind.to_owned()
    } else {
        // `CREATE OR REPLACE ALGORITHM = MERGE VIEW` (MariaDB).
        let (head, view_word) = kind.rsplit_once(' ').unwrap_or(("", kind));
        format!("{head} {} {view_word}", view.options)
            .trim_start()
            .to_owned()
    };
    let mut out = format!(
        "CREATE {kind} {} AS\n{};\n",
        dialect.quote_table(&view.name),
        view.sql
    );
    for index in &view.indexes {
        out.push_str(index.trim_end().trim_end_matches(';'));
        out.push_str(";\n");
    }
    // A view replaced in place keeps its triggers; a new one gets those it carries.
    if !or_replace || view.materialized {
        for trigger in &view.triggers {
            out.push_str(trigger.sql().trim_end().trim_end_matches(';'));
            out.push_str(";\n");
        }
    }
    out
}

/// `DROP [MATERIALIZED] VIEW name;`
pub(super) fn drop<D: Dialect + ?Sized>(dialect: &D, view: &View) -> String {
    let kind = if view.materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    };
    format!("DROP {kind} {};\n", dialect.quote_table(&view.name))
}

/// The SQL of a view's op.
pub(super) fn render<D: Dialect + ?Sized>(dialect: &D, op: &Op) -> OpSql {
    let refuse = |view: &View| -> Result<(), Unsupported> {
        if view.materialized && !dialect.replaces_views() {
            return Err(Unsupported::new(format!(
                "this backend has no materialized views: remove `materialized` from the \
                 #[view(...)] of `{}`",
                view.name
            )));
        }
        Ok(())
    };
    match op {
        Op::CreateView(v) => {
            refuse(v)?;
            Ok(create(dialect, v, false))
        }
        Op::DropView(v) => {
            refuse(v)?;
            Ok(drop(dialect, v))
        }
        Op::ReplaceView { from, to } => {
            refuse(from)?;
            refuse(to)?;
            let in_place = !from.materialized
                && !to.materialized
                && (dialect.replaces_any_view()
                    || (dialect.replaces_views() && from.columns_kept_by(to)));
            if in_place {
                Ok(create(dialect, to, true))
            } else {
                Ok(format!(
                    "{}{}",
                    drop(dialect, from),
                    create(dialect, to, false)
                ))
            }
        }
        _ => Err(Unsupported::new("not an op on a view")),
    }
}

/// Refuses the models' materialized views on a backend that has none, and the options of a
/// view (`#[view(options = "...")]`) on a backend that takes none.
pub(crate) fn refuse_materialized<D: Dialect + ?Sized>(
    dialect: &D,
    schema: &Schema,
) -> Result<(), RenderError> {
    if !dialect.replaces_any_view() {
        if let Some(view) = schema.views.values().find(|v| !v.options.is_empty()) {
            return Err(RenderError::Unsupported {
                dialect: dialect.name(),
                what: format!("create view `{}` with `{}`", view.name, view.options),
                hint: format!(
                    "`options` are MariaDB's (`ALGORITHM`, `SQL SECURITY`): remove it from \
                     the #[view(...)] of `{}` for {}",
                    view.name,
                    dialect.name()
                ),
            });
        }
    }
    if dialect.replaces_views() {
        return Ok(());
    }
    match schema.views.values().find(|v| v.materialized) {
        Some(view) => Err(RenderError::Unsupported {
            dialect: dialect.name(),
            what: format!("create materialized view `{}`", view.name),
            hint: format!(
                "{} has no materialized views: remove `materialized` from its #[view(...)] (a \
                 plain view computes the same rows on each read)",
                dialect.name()
            ),
        }),
        None => Ok(()),
    }
}
