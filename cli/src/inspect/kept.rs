//! The definitions introspection keeps as the server's text (PostgreSQL `pg_get_indexdef` /
//! `pg_get_constraintdef`, SQLite's stored `CREATE INDEX`), read back into what a model
//! declares: indexes with their properties, unique constraints, checks.

/// An index or unique constraint as the models declare it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct KeptIndex {
    pub name: String,
    pub unique: bool,
    /// `ALTER TABLE ... ADD CONSTRAINT ... UNIQUE`, not `CREATE UNIQUE INDEX`.
    pub constraint: bool,
    /// The keys as SQL: columns, expressions, with order and operator class.
    pub keys: Vec<String>,
    /// `None` for B-tree, the default.
    pub method: Option<String>,
    pub include: Vec<String>,
    pub nulls_not_distinct: bool,
    /// Storage parameters (`WITH (...)`), inside the parentheses.
    pub with: Option<String>,
    pub predicate: Option<String>,
}

/// What a kept definition is, for the models.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Kept {
    Index(KeptIndex),
    /// A CHECK constraint (`not_valid`: added `NOT VALID`, not checked against existing rows).
    Check {
        name: String,
        expr: String,
        not_valid: bool,
    },
    /// Triggers, comments, sequences: never compared, so nothing to declare.
    NotOwned,
    /// Anything else (EXCLUDE, storage parameters, MATCH FULL keys): the models cannot say it.
    Other,
}

pub(crate) fn classify(definition: &str) -> Kept {
    // A hand-written SQLite index in any case and layout reads like `pg_get_indexdef`'s.
    let canonical;
    let mut text = definition.trim();
    if text
        .get(..6)
        .is_some_and(|w| w.eq_ignore_ascii_case("create"))
        && retort::sql::kept(text).is_owned()
    {
        canonical = retort::sql::canonical_index_statement(text);
        text = &canonical;
    }
    if text.starts_with("CREATE TRIGGER")
        || text.starts_with("CREATE CONSTRAINT TRIGGER")
        || text.starts_with("COMMENT ON")
        || text.starts_with("CREATE SEQUENCE")
    {
        return Kept::NotOwned;
    }
    if let Some(rest) = text.strip_prefix("ALTER TABLE ") {
        return constraint(rest).unwrap_or(Kept::Other);
    }
    if text.starts_with("CREATE INDEX") || text.starts_with("CREATE UNIQUE INDEX") {
        return index(text).map_or(Kept::Other, Kept::Index);
    }
    Kept::Other
}

/// `"t" ADD CONSTRAINT "name" <pg_get_constraintdef>`.
fn constraint(rest: &str) -> Option<Kept> {
    let at = rest.find(" ADD CONSTRAINT ")?;
    let (name, def) = identifier(&rest[at + " ADD CONSTRAINT ".len()..])?;
    let def = def.trim_start();
    if let Some(check) = def.strip_prefix("CHECK ") {
        let (expr, after) = group(check)?;
        let not_valid = match after.trim() {
            "" => false,
            "NOT VALID" => true,
            _ => return None,
        };
        return Some(Kept::Check {
            name,
            expr: expr.to_owned(),
            not_valid,
        });
    }
    let mut def = def.strip_prefix("UNIQUE")?.trim_start();
    let mut out = KeptIndex {
        name,
        unique: true,
        constraint: true,
        ..KeptIndex::default()
    };
    if let Some(rest) = def.strip_prefix("NULLS NOT DISTINCT") {
        out.nulls_not_distinct = true;
        def = rest.trim_start();
    }
    let (keys, after) = group(def)?;
    out.keys = split(keys);
    let after = after.trim();
    if let Some(include) = after.strip_prefix("INCLUDE ") {
        let (cols, rest) = group(include)?;
        if !rest.trim().is_empty() {
            return None;
        }
        out.include = split(cols);
    } else if !after.is_empty() {
        return None;
    }
    Some(Kept::Index(out))
}

/// `CREATE [UNIQUE] INDEX name ON table [USING method] (keys) [INCLUDE (...)]
/// [NULLS NOT DISTINCT] [WHERE predicate]`; `None` for anything more (storage parameters,
/// tablespaces).
fn index(text: &str) -> Option<KeptIndex> {
    let (unique, rest) = match text.strip_prefix("CREATE UNIQUE INDEX ") {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix("CREATE INDEX ")?),
    };
    let rest = rest.strip_prefix("IF NOT EXISTS ").unwrap_or(rest);
    let (name, rest) = identifier(rest)?;
    let rest = rest.trim_start().strip_prefix("ON ")?;
    // The table, possibly qualified: up to the method or the key list.
    let open = rest.find(" USING ").or_else(|| rest.find('('))?;
    let mut rest = &rest[open..];
    let mut method = None;
    if let Some(after) = rest.trim_start().strip_prefix("USING ") {
        let end = after.find([' ', '('])?;
        let m = after[..end].to_ascii_lowercase();
        method = (m != "btree").then_some(m);
        rest = &after[end..];
    }
    let (keys, after) = group(rest.trim_start())?;
    let mut out = KeptIndex {
        name,
        unique,
        keys: split(keys),
        method,
        ..KeptIndex::default()
    };
    let mut after = after.trim_start();
    if let Some(include) = after.strip_prefix("INCLUDE ") {
        let (cols, rest) = group(include)?;
        out.include = split(cols);
        after = rest.trim_start();
    }
    if let Some(rest) = after.strip_prefix("NULLS NOT DISTINCT") {
        out.nulls_not_distinct = true;
        after = rest.trim_start();
    }
    if let Some(with) = after.strip_prefix("WITH ") {
        let (parameters, rest) = group(with)?;
        out.with = Some(parameters.to_owned());
        after = rest.trim_start();
    }
    if let Some(predicate) = after.strip_prefix("WHERE ") {
        out.predicate = Some(predicate.trim().to_owned());
    } else if !after.is_empty() {
        return None;
    }
    Some(out)
}

/// A column name as SQL writes it (`"select"`, `"Last ""Name"""`, `email`), unquoted.
pub(crate) fn unquote(name: &str) -> String {
    match identifier(name) {
        Some((plain, rest)) if rest.trim().is_empty() => plain,
        _ => name.to_owned(),
    }
}

/// A leading identifier, quoted or not, unquoted; and the rest.
fn identifier(text: &str) -> Option<(String, &str)> {
    let text = text.trim_start();
    if let Some(quoted) = text.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if quoted[i + 1..].starts_with('"') {
                    name.push('"');
                    chars.next();
                    continue;
                }
                return Some((name, &quoted[i + 1..]));
            }
            name.push(c);
        }
        return None;
    }
    let end = text
        .find(|c: char| c.is_whitespace() || c == '(')
        .unwrap_or(text.len());
    (end > 0).then(|| (text[..end].to_owned(), &text[end..]))
}

/// `(inner) rest` -> (`inner`, `rest`), parentheses balanced, quotes respected.
fn group(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start();
    if !text.starts_with('(') {
        return None;
    }
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some((&text[1..i], &text[i + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits at the commas outside parentheses and quotes; each item trimmed.
fn split(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in list.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                out.push(list[start..i].trim().to_owned());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = list[start..].trim();
    if !last.is_empty() {
        out.push(last.to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_indexes_read_back() {
        let Kept::Index(i) = classify(
            "CREATE UNIQUE INDEX crate_owners_not_deleted ON public.crate_owners USING btree (crate_id, owner_id, owner_kind) WHERE (NOT deleted)",
        ) else {
            panic!()
        };
        assert_eq!(i.name, "crate_owners_not_deleted");
        assert!(i.unique && !i.constraint);
        assert_eq!(i.keys, ["crate_id", "owner_id", "owner_kind"]);
        assert_eq!(i.method, None);
        assert_eq!(i.predicate.as_deref(), Some("(NOT deleted)"));

        let Kept::Index(i) = classify(
            "CREATE INDEX index_crates_name_tgrm ON public.crates USING gin (canon_crate_name((name)::text) gin_trgm_ops)",
        ) else {
            panic!()
        };
        assert_eq!(i.keys, ["canon_crate_name((name)::text) gin_trgm_ops"]);
        assert_eq!(i.method.as_deref(), Some("gin"));

        let Kept::Index(i) = classify(
            "CREATE INDEX ix ON public.t USING btree (a DESC NULLS LAST, \"B c\") INCLUDE (d) NULLS NOT DISTINCT",
        ) else {
            panic!()
        };
        assert_eq!(i.keys, ["a DESC NULLS LAST", "\"B c\""]);
        assert_eq!(i.include, ["d"]);
        assert!(i.nulls_not_distinct);

        let Kept::Index(i) = classify("CREATE INDEX index_version_downloads_date ON public.version_downloads USING brin (date) WITH (pages_per_range='1')") else {
            panic!()
        };
        assert_eq!(i.with.as_deref(), Some("pages_per_range='1'"));
        assert_eq!(
            classify("CREATE INDEX i ON public.t USING btree (a) TABLESPACE fast"),
            Kept::Other
        );
    }

    #[test]
    fn constraints_read_back() {
        assert_eq!(
            classify(
                r#"ALTER TABLE "versions" ADD CONSTRAINT "versions_tar_sha256_len" CHECK ((octet_length(tar_sha256) = 32)) NOT VALID"#
            ),
            Kept::Check {
                name: "versions_tar_sha256_len".into(),
                expr: "(octet_length(tar_sha256) = 32)".into(),
                not_valid: true
            }
        );
        let Kept::Index(u) = classify(
            r#"ALTER TABLE "t" ADD CONSTRAINT "uq" UNIQUE NULLS NOT DISTINCT (a, b) INCLUDE (c)"#,
        ) else {
            panic!()
        };
        assert!(u.unique && u.constraint && u.nulls_not_distinct);
        assert_eq!(
            (u.keys, u.include),
            (vec!["a".into(), "b".into()], vec!["c".into()])
        );
        assert_eq!(
            classify(r#"ALTER TABLE "t" ADD CONSTRAINT "x" EXCLUDE USING gist (r WITH &&)"#),
            Kept::Other
        );
        assert_eq!(
            classify("CREATE TRIGGER t AFTER INSERT ON x"),
            Kept::NotOwned
        );
    }

    #[test]
    fn sqlite_indexes_read_back() {
        let Kept::Index(i) = classify(
            "CREATE INDEX \"ix_books_lower\" ON \"books\" (lower(title), \"pages\" DESC) WHERE pages > 0",
        ) else {
            panic!()
        };
        assert_eq!(i.name, "ix_books_lower");
        assert_eq!(i.keys, ["lower(title)", "\"pages\" DESC"]);
        assert_eq!(i.predicate.as_deref(), Some("pages > 0"));
    }
}
