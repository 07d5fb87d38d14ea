//! What a kept definition creates, read from its text once, where the definition is made
//! ([`crate::schema::Kept`]).

use super::create_table::{tokens, unquote, Tok};
use super::index_def::{constraint_def, index_def};
use super::spelling::{canonical_index_tokens, comparable_tokens};
use crate::schema::{Kept, KeptKind};

/// `sql` as a kept definition, with what it creates read from its text.
pub fn kept(sql: impl Into<String>) -> Kept {
    let sql = sql.into();
    let toks = tokens(&sql);
    let kind = kind(&sql, &toks);
    let key = comparable_tokens(&toks);
    Kept::from_parts(kind, sql, key)
}

impl From<String> for Kept {
    fn from(sql: String) -> Self {
        kept(sql)
    }
}

impl From<&str> for Kept {
    fn from(sql: &str) -> Self {
        kept(sql)
    }
}

/// A trigger the models declare (`retort::trigger!`), `sql` as written, compared by
/// [`super::routine_comparable`]; `None` when `sql` is not a `CREATE TRIGGER`.
pub fn declared_trigger(sql: impl Into<String>) -> Option<Kept> {
    let sql = sql.into();
    let name = super::trigger_header(&sql)?.name;
    // SQLite keeps the statement without `IF NOT EXISTS`.
    let key = super::routine_comparable(&sql).replacen(
        "create trigger if not exists ",
        "create trigger ",
        1,
    );
    Some(Kept::from_parts(
        KeptKind::Trigger {
            name,
            declared: true,
        },
        sql,
        key,
    ))
}

/// Rewrites a kept definition's text with `f` (a rename), reading what it creates again.
pub fn rewrite_kept(definition: &mut Kept, f: impl FnOnce(&str) -> String) {
    *definition = kept(f(definition.sql()));
}

fn kind(sql: &str, toks: &[Tok<'_>]) -> KeptKind {
    if let Some(name) = index_name(toks) {
        // A hand-written SQLite index in any case and layout reads like `pg_get_indexdef`'s.
        let def = index_def(&canonical_index_tokens(sql, toks));
        return KeptKind::Index { name, def };
    }
    if let Some(name) = constraint_name(toks) {
        let def = constraint_def(sql);
        return KeptKind::Constraint { name, def };
    }
    if let Some(column) = sequence_column(toks) {
        return KeptKind::Sequence { column };
    }
    if let Some(h) = super::trigger_header(sql) {
        return KeptKind::Trigger {
            name: h.name,
            declared: false,
        };
    }
    match toks {
        [c, o, ..] if c.is("COMMENT") && o.is("ON") => KeptKind::Comment,
        _ => KeptKind::Other,
    }
}

/// `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] name ...`.
fn index_name(toks: &[Tok<'_>]) -> Option<String> {
    let mut t = toks.iter().peekable();
    if !t.next()?.is("CREATE") {
        return None;
    }
    if t.peek().is_some_and(|k| k.is("UNIQUE")) {
        t.next();
    }
    if !t.next()?.is("INDEX") {
        return None;
    }
    if t.peek().is_some_and(|k| k.is("CONCURRENTLY")) {
        t.next();
    }
    if t.peek().is_some_and(|k| k.is("IF")) {
        t.next();
        t.next();
        t.next();
    }
    let name = t.next()?;
    (!name.is("ON")).then(|| unquote(name.text))
}

/// `ALTER TABLE [ONLY] [schema.]table ADD CONSTRAINT name ...`.
fn constraint_name(toks: &[Tok<'_>]) -> Option<String> {
    let mut t = toks.iter().peekable();
    if !(t.next()?.is("ALTER") && t.next()?.is("TABLE")) {
        return None;
    }
    if t.peek().is_some_and(|k| k.is("ONLY")) {
        t.next();
    }
    t.next()?; // the table
    if t.peek().is_some_and(|k| k.text == ".") {
        // `"schema"."table"`: a table of another schema.
        t.next();
        t.next()?;
    }
    if t.next()?.is("ADD") && t.next()?.is("CONSTRAINT") {
        return Some(unquote(t.next()?.text));
    }
    None
}

/// `CREATE SEQUENCE ...`, with the column `c` of `...; ALTER COLUMN c SET DEFAULT nextval(...)`
/// if it says so.
fn sequence_column(toks: &[Tok<'_>]) -> Option<Option<String>> {
    if !(toks.first()?.is("CREATE") && toks.get(1)?.is("SEQUENCE")) {
        return None;
    }
    Some(toks.windows(6).find_map(|w| {
        (w[0].is("ALTER")
            && w[1].is("COLUMN")
            && w[3].is("SET")
            && w[4].is("DEFAULT")
            && w[5].is("nextval"))
        .then(|| unquote(w[2].text))
    }))
}

/// A serial definition (`CREATE SEQUENCE ...; ALTER SEQUENCE ... OWNED BY ...; ALTER TABLE ...
/// SET DEFAULT nextval(...)`) without its default: the sequence its column owns, as
/// introspection keeps one whose column no longer takes its values.
pub fn owned_only(def: &Kept) -> Kept {
    let sql = owned_only_sql(def.sql());
    if sql.len() == def.sql().len() {
        def.clone()
    } else {
        kept(sql)
    }
}

/// [`owned_only`] of a definition's text.
pub fn owned_only_sql(def: &str) -> &str {
    match def.find(";\nALTER TABLE ") {
        Some(at) => &def[..at],
        None => def,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ConstraintDef, IndexDef, IndexOptions};

    #[test]
    fn reads_indexes_constraints_and_sequences() {
        let kind = |sql: &str| kept(sql).kind().clone();
        let index = |n: &str, unique, keys: &str, predicate: Option<&str>| KeptKind::Index {
            name: n.into(),
            def: Some(IndexDef {
                unique,
                options: IndexOptions {
                    keys: vec![keys.into()],
                    predicate: predicate.map(Into::into),
                    ..IndexOptions::default()
                },
            }),
        };
        assert_eq!(
            kind("CREATE INDEX posts_live ON public.posts USING btree (a) WHERE b"),
            index("posts_live", false, "a", Some("b"))
        );
        assert_eq!(
            kind("create unique index if not exists \"Odd\" on t (lower(x))"),
            index("Odd", true, "lower(x)", None)
        );
        let constraint = KeptKind::Constraint {
            name: "ck".into(),
            def: Some(ConstraintDef::Check {
                expr: "a > 0".into(),
                not_valid: false,
            }),
        };
        assert_eq!(
            kind("ALTER TABLE \"t\" ADD CONSTRAINT \"ck\" CHECK (a > 0)"),
            constraint
        );
        assert_eq!(
            kind("ALTER TABLE \"billing\".\"t\" ADD CONSTRAINT \"ck\" CHECK (a > 0)"),
            constraint
        );
        assert_eq!(
            kind(
                "CREATE SEQUENCE \"Odd_id_seq\" AS integer START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 CACHE 1;\n\
                 ALTER SEQUENCE \"Odd_id_seq\" OWNED BY \"Odd\".\"Id\";\n\
                 ALTER TABLE \"Odd\" ALTER COLUMN \"Id\" SET DEFAULT nextval('\"Odd_id_seq\"'::regclass)"
            ),
            KeptKind::Sequence {
                column: Some("Id".into())
            }
        );
        assert_eq!(
            kind("CREATE SEQUENCE s;\nALTER SEQUENCE s OWNED BY t.id"),
            KeptKind::Sequence { column: None }
        );
        for trigger in [
            "CREATE TRIGGER x BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()",
            "create constraint trigger x after insert on t",
        ] {
            assert!(
                matches!(kind(trigger), KeptKind::Trigger { .. }),
                "{trigger}"
            );
        }
        assert_eq!(kind("COMMENT ON TABLE t IS 'x'"), KeptKind::Comment);
        for other in [
            "ALTER TABLE t ALTER COLUMN id SET START WITH 10",
            "CREATE STATISTICS s ON a, b FROM t",
        ] {
            assert_eq!(kind(other), KeptKind::Other, "{other}");
        }
    }
}
