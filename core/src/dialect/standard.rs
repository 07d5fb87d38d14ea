//! Standard SQL that both dialects write alike: identifiers in double quotes, a table of
//! another schema qualified, a model index's full `CREATE INDEX`, a foreign key's actions. The
//! schema model renders none of it; a dialect reaches these through [`Dialect::quote`] and
//! [`Dialect::quote_table`], the seam where a backend quoting otherwise (MySQL's backticks)
//! overrides.

use super::Dialect;
use crate::schema::{qualified_name, split_qualified, Deferrable, FkAction, Index};

/// An identifier in double quotes, doubling any inside (`a"b` becomes `"a""b"`).
pub fn quote_ident(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// A table key quoted with `quote`: `"billing"."invoices"`, or `"invoices"` in the default
/// schema (see [`split_qualified`]).
pub fn quote_table_with(quote: impl Fn(&str) -> String, name: &str) -> String {
    match split_qualified(name) {
        (Some(schema), table) => format!("{}.{}", quote(schema), quote(table)),
        (None, table) => quote(table),
    }
}

/// An object of `table`'s schema (an index) quoted by `dialect`: qualified like the table.
pub fn quote_in_schema_of<D: Dialect + ?Sized>(dialect: &D, table: &str, object: &str) -> String {
    dialect.quote_table(&qualified_name(split_qualified(table).0, object))
}

/// The action as SQL writes it after `ON DELETE` / `ON UPDATE` (`SET NULL`).
pub fn fk_action(action: FkAction) -> &'static str {
    match action {
        FkAction::NoAction => "NO ACTION",
        FkAction::Restrict => "RESTRICT",
        FkAction::Cascade => "CASCADE",
        FkAction::SetNull => "SET NULL",
        FkAction::SetDefault => "SET DEFAULT",
    }
}

/// The clause after a foreign key's actions (empty for [`Deferrable::No`]).
pub fn deferrable(deferrable: Deferrable) -> &'static str {
    match deferrable {
        Deferrable::No => "",
        Deferrable::Deferrable => " DEFERRABLE",
        Deferrable::InitiallyDeferred => " DEFERRABLE INITIALLY DEFERRED",
    }
}

/// The statement that creates a non-plain model index `index` on `table`, quoted by
/// `dialect`, each part in the order PostgreSQL's grammar takes it: `CREATE [UNIQUE] INDEX
/// "name" ON "table" [USING m] (keys) [INCLUDE (...)] [NULLS NOT DISTINCT] [WITH (...)]
/// [WHERE predicate]`, or, for a unique constraint, `ALTER TABLE "table" ADD CONSTRAINT "name"
/// UNIQUE [NULLS NOT DISTINCT] (...) [INCLUDE (...)]`. Deterministic: SQLite keeps this text
/// verbatim; PostgreSQL's is replaced by the server's rendering when connected.
pub fn index_statement<D: Dialect + ?Sized>(dialect: &D, table: &str, index: &Index) -> String {
    let o = &index.options;
    let keys = if o.keys.is_empty() {
        dialect.quote_list(&index.columns)
    } else {
        o.keys
            .iter()
            .map(|k| k.trim())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let include = if o.include.is_empty() {
        String::new()
    } else {
        format!(" INCLUDE ({})", dialect.quote_list(&o.include))
    };
    let nnd = if o.nulls_not_distinct {
        " NULLS NOT DISTINCT"
    } else {
        ""
    };
    if index.constraint {
        return format!(
            "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE{nnd} ({keys}){include}",
            dialect.quote_table(table),
            dialect.quote(&index.name)
        );
    }
    let clause = |keyword: &str, text: &Option<String>, wrap: bool| {
        text.as_ref()
            .map(|t| match wrap {
                true => format!(" {keyword} ({})", t.trim()),
                false => format!(" {keyword} {}", t.trim()),
            })
            .unwrap_or_default()
    };
    format!(
        "CREATE {}INDEX {} ON {}{} ({keys}){include}{nnd}{}{}",
        if index.unique { "UNIQUE " } else { "" },
        dialect.quote(&index.name),
        dialect.quote_table(table),
        clause("USING", &o.method, false),
        clause("WITH", &o.with, true),
        clause("WHERE", &o.predicate, false),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{Postgres, Sqlite};
    use crate::schema::IndexOptions;

    #[test]
    fn statements_put_each_property_where_the_grammar_takes_it() {
        let index = Index {
            name: "ix".into(),
            unique: true,
            options: IndexOptions {
                keys: vec![" lower(email) ".into(), "\"Org\" DESC".into()],
                method: Some("btree".into()),
                include: vec!["Org".into()],
                predicate: Some("email <> ''".into()),
                nulls_not_distinct: true,
                with: Some("fillfactor = 70".into()),
            },
            ..Default::default()
        };
        assert_eq!(
            index_statement(&Postgres, "users", &index),
            "CREATE UNIQUE INDEX \"ix\" ON \"users\" USING btree (lower(email), \"Org\" DESC) \
             INCLUDE (\"Org\") NULLS NOT DISTINCT WITH (fillfactor = 70) WHERE email <> ''"
        );
        let constraint = Index {
            name: "uq".into(),
            columns: vec!["email".into(), "Org".into()],
            unique: true,
            constraint: true,
            options: IndexOptions {
                nulls_not_distinct: true,
                ..Default::default()
            },
            prefixes: Vec::new(),
        };
        assert_eq!(
            index_statement(&Sqlite, "billing.users", &constraint),
            "ALTER TABLE \"billing\".\"users\" ADD CONSTRAINT \"uq\" UNIQUE NULLS NOT DISTINCT \
             (\"email\", \"Org\")"
        );
    }

    #[test]
    fn qualified_names_quote_each_part() {
        assert_eq!(
            Postgres.quote_table("billing.in\"v"),
            "\"billing\".\"in\"\"v\""
        );
        assert_eq!(
            quote_in_schema_of(&Postgres, "billing.t", "ix"),
            "\"billing\".\"ix\""
        );
        assert_eq!(quote_in_schema_of(&Sqlite, "t", "ix"), "\"ix\"");
        // The quote character is the dialect's: a backtick dialect quotes every part its way.
        let backtick = |s: &str| format!("`{}`", s.replace('`', "``"));
        assert_eq!(quote_table_with(backtick, "a.b`c"), "`a`.`b``c`");
    }

    #[test]
    fn actions_render_as_sql_writes_them() {
        assert_eq!(fk_action(FkAction::SetNull), "SET NULL");
        assert_eq!(fk_action(FkAction::NoAction), "NO ACTION");
        assert_eq!(deferrable(Deferrable::No), "");
        assert_eq!(
            deferrable(Deferrable::InitiallyDeferred),
            " DEFERRABLE INITIALLY DEFERRED"
        );
    }
}
