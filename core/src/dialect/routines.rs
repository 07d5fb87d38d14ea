//! Rendering the ops on functions ([`Op::CreateFunction`], [`Op::DropFunction`],
//! [`Op::ReplaceFunction`]) and the refusal of declared functions on a backend that does not
//! manage them. Triggers are kept definitions of their table: created verbatim
//! ([`Op::CreateDefinition`]) and dropped by [`Dialect::render_drop_trigger`].

use super::{Dialect, OpSql, RenderError, Unsupported};
use crate::ops::Op;
use crate::schema::{Function, Schema};

/// The statement that creates `f`, `OR REPLACE` added when `or_replace` and missing, then its
/// comment.
fn create<D: Dialect + ?Sized>(dialect: &D, f: &Function, or_replace: bool) -> String {
    let (mode, sql) = crate::sql::mode_of(&f.sql);
    let sql = match crate::sql::function_header(sql) {
        Some(h) if or_replace && !h.or_replace.1 => {
            let at = h.or_replace.0;
            // MariaDB takes `OR REPLACE` or `IF NOT EXISTS`, not both.
            let head = &sql[at..h.name_span.0];
            let head = match head.to_ascii_uppercase().find("IF NOT EXISTS") {
                Some(i) => format!("{}{}", &head[..i], &head[i + "IF NOT EXISTS".len()..]),
                None => head.to_owned(),
            };
            format!("{} OR REPLACE{head}{}", &sql[..at], &sql[h.name_span.0..])
        }
        _ => sql.to_owned(),
    };
    let mut out = crate::sql::run_sql(&match mode {
        Some(mode) => crate::sql::under_mode(mode, &sql),
        None => sql,
    });
    if let Some(comment) = &f.comment {
        out.push_str(&format!(
            "COMMENT ON {} {}({}) IS '{}';\n",
            f.kind().to_ascii_uppercase(),
            dialect.quote_table(&f.name),
            f.args,
            comment.replace('\'', "''")
        ));
    }
    out
}

/// `DROP {FUNCTION | PROCEDURE} name(argument types);` (MariaDB: `name` alone, which is enough
/// there).
fn drop<D: Dialect + ?Sized>(dialect: &D, f: &Function) -> String {
    if !dialect.overloads_functions() {
        return format!(
            "DROP {} {};\n",
            f.kind().to_ascii_uppercase(),
            dialect.quote_table(&f.name)
        );
    }
    format!(
        "DROP {} {}({});\n",
        f.kind().to_ascii_uppercase(),
        dialect.quote_table(&f.name),
        f.args
    )
}

/// The SQL of a function's op.
pub(super) fn render<D: Dialect + ?Sized>(dialect: &D, op: &Op) -> OpSql {
    if !dialect.manages_functions() {
        return Err(Unsupported::new(
            "this backend does not manage functions (retort::function! is PostgreSQL's)",
        ));
    }
    match op {
        Op::CreateFunction(f) => Ok(create(dialect, f, false)),
        Op::DropFunction(f) => Ok(drop(dialect, f)),
        Op::ReplaceFunction { to, .. } => Ok(create(dialect, to, true)),
        _ => Err(Unsupported::new("not an op on a function")),
    }
}

/// Refuses the models' functions on a backend that does not manage them.
pub(crate) fn refuse_functions<D: Dialect + ?Sized>(
    dialect: &D,
    schema: &Schema,
) -> Result<(), RenderError> {
    if dialect.manages_functions() {
        return Ok(());
    }
    match schema.functions.values().next() {
        Some(f) => Err(RenderError::Unsupported {
            dialect: dialect.name(),
            what: format!("create {} `{}`", f.kind(), f.key()),
            hint: format!(
                "Retort manages functions on PostgreSQL only: remove the retort::function! \
                 declaring `{}` from the models {} uses",
                f.name,
                dialect.name()
            ),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn or_replace_takes_the_place_of_if_not_exists() {
        let f = Function {
            name: "f".into(),
            args: String::new(),
            procedure: false,
            sql: "CREATE FUNCTION IF NOT EXISTS f(n INT) RETURNS INT RETURN n".into(),
            definition: String::new(),
            interface: "function".into(),
            comment: None,
            used_by: Vec::new(),
        };
        let sql = create(&crate::dialect::MySql, &f, true);
        assert!(
            sql.starts_with("CREATE OR REPLACE FUNCTION")
                && sql.contains(" f(n INT)")
                && !sql.contains("IF NOT EXISTS"),
            "{sql}"
        );
    }
}
