//! The backend seam: outside `core/src/backend/` and `core/src/dialect/`, no code names a
//! backend, nor compares a backend's key with a literal (`key() == "sqlite"`). What differs
//! between database systems is asked of the `Dialect` trait (and its `DialectFacts`) or of the
//! backend's `Driver` and `Session`, so adding a backend is what README's "Adding a backend"
//! lists and nothing else.
//!
//! A backend is named by an identifier that is one of its modules or types: `postgres`,
//! `sqlite`, `mysql`, `Postgres`, `Sqlite`, `MySql`, `PgConnection`, `SqliteConnection`,
//! `MysqlConnection`, and any identifier that starts with `postgres`, `sqlite`, `mysql`,
//! `mariadb` or `pg_` (any case), or with `Pg` and another capital (`PgDriver`); and by the
//! string literals `"sqlite"`, `"postgres"`, `"postgresql"` and `"mysql"` (a key), except as a
//! cargo feature (`#[cfg(feature = "postgres")]`). Comments and other string
//! literals (messages) are not code that names one; test code (`#[cfg(test)]` items and the
//! `*_tests.rs` files declared under it) may name any backend.

use std::path::{Path, PathBuf};

use crate::source::{collect_files, tokens, workspace, Tok};

/// Uses outside the seam that are allowed, each with its reason: (file relative to the
/// workspace, identifier, why). None today; an entry no longer needed fails the test.
const ALLOWED: &[(&str, &str, &str)] = &[];

/// The backends' keys (and feature names) as string literals: code that compares a key with
/// one of them picks a backend by name.
const KEYS: &[&str] = &["sqlite", "postgres", "postgresql", "mysql"];

/// Whether `ident` names a backend's module or type.
fn names_a_backend(ident: &str) -> bool {
    let lower = ident.to_ascii_lowercase();
    let pg_type = ident
        .strip_prefix("Pg")
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| c.is_ascii_uppercase());
    lower.starts_with("postgres")
        || lower.starts_with("sqlite")
        || lower.starts_with("mysql")
        || lower.starts_with("mariadb")
        || lower.starts_with("pg_")
        || pg_type
}

/// Every place in the crate at `src` (skipping the top-level modules `inside`) whose code names
/// a backend: (file, line, identifier).
fn named_backends(src: &Path, inside: &[&str]) -> Vec<(PathBuf, usize, String)> {
    let root = src.join(if src.join("lib.rs").exists() {
        "lib.rs"
    } else {
        "main.rs"
    });
    let mut files = Vec::new();
    collect_files(&root, &tokens(&root), &[], &mut files);
    let mut found = Vec::new();
    for (file, path) in files {
        if path.first().is_some_and(|m| inside.contains(&m.as_str())) {
            continue;
        }
        let toks = tokens(&file);
        for (i, (tok, line)) in toks.iter().enumerate() {
            let feature = i >= 2
                && toks[i - 2].0 == Tok::Ident("feature".into())
                && toks[i - 1].0 == Tok::Punct('=');
            match tok {
                Tok::Ident(name) if names_a_backend(name) => {
                    found.push((file.clone(), *line, name.clone()));
                }
                // A backend's key compared or matched (`key() == "postgresql"`).
                Tok::Str(text) if KEYS.contains(&text.as_str()) && !feature => {
                    found.push((file.clone(), *line, format!("\"{text}\"")));
                }
                _ => {}
            }
        }
    }
    found
}

#[test]
fn no_code_outside_backend_and_dialect_names_a_backend() {
    let ws = workspace();
    let mut found = named_backends(&ws.join("core/src"), &["backend", "dialect"]);
    found.extend(named_backends(&ws.join("cli/src"), &[]));
    let found: Vec<(String, usize, String)> = found
        .into_iter()
        .map(|(file, line, name)| {
            let rel = file
                .strip_prefix(&ws)
                .unwrap_or(&file)
                .display()
                .to_string();
            (rel, line, name)
        })
        .collect();
    let outside: Vec<String> = found
        .iter()
        .filter(|(rel, _, name)| !ALLOWED.iter().any(|(f, n, _)| f == rel && n == name))
        .map(|(rel, line, name)| format!("{rel}:{line}: `{name}`"))
        .collect();
    assert!(
        outside.is_empty(),
        "code outside core/src/backend/ and core/src/dialect/ names a backend: ask the \
         `Dialect` (or `DialectFacts`) trait or the backend's `Driver`/`Session` instead, with a \
         default method each backend overrides where it differs (README: \"Adding a \
         backend\"):\n  {}",
        outside.join("\n  ")
    );
    for (file, name, why) in ALLOWED {
        assert!(
            found.iter().any(|(f, _, n)| f == file && n == name),
            "ALLOWED lists `{name}` in {file} ({why}), which no longer names it: remove the entry"
        );
    }
}

#[test]
fn the_check_sees_backend_names_in_code_only() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let write = |rel: &str, text: &str| {
        let p = src.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "lib.rs",
        "mod a; mod backend; mod b;\n#[cfg(test)]\nmod b_tests;\n#[cfg(feature = \"postgres\")]\nmod c;\n",
    );
    write(
        "a.rs",
        "// crate::dialect::postgres in a comment\nfn f() { let s = \"sqlite://x\"; }\n\
         fn g() -> crate::dialect::Postgres { todo!() }\n\
         #[cfg(test)]\nmod tests { use crate::dialect::Sqlite; }\n",
    );
    write("backend.rs", "pub mod sqlite; pub struct PgDriver;\n");
    write("backend/sqlite.rs", "pub struct SqliteConnection;\n");
    write(
        "b.rs",
        "fn f(_: diesel::PgConnection, _: crate::PgDriver) {}\n",
    );
    write("b_tests.rs", "use crate::dialect::Sqlite;\n");
    write(
        "c.rs",
        "fn interrupted() { crate::backend::sqlite::f(); }\nfn k(b: &str) -> bool { b == \"postgresql\" }\n",
    );
    let found: Vec<(String, usize, String)> = named_backends(src, &["backend"])
        .into_iter()
        .map(|(f, l, n)| (f.file_name().unwrap().to_string_lossy().into_owned(), l, n))
        .collect();
    let at = |f: &str, l: usize, n: &str| (f.to_owned(), l, n.to_owned());
    assert_eq!(
        found,
        [
            at("a.rs", 3, "Postgres"),
            at("b.rs", 1, "PgConnection"),
            at("b.rs", 1, "PgDriver"),
            at("c.rs", 1, "sqlite"),
            at("c.rs", 2, "\"postgresql\""),
        ]
    );
    assert!(!names_a_backend("Page") && !names_a_backend("pgettext") && names_a_backend("pg_enum"));
    assert!(
        names_a_backend("MySqlDriver")
            && names_a_backend("mariadb_url")
            && !names_a_backend("my_sql")
    );
}
