//! `retort::function!("CREATE FUNCTION ...")` and `retort::trigger!("CREATE TRIGGER ...")`:
//! an object declared as the SQL that creates it, registered with `inventory`.
//!
//! parse (one string literal) -> check (the statement's first words say what the macro
//! declares, and it names the object) -> expand (a `retort::model::Declaration`). The statement
//! itself is the database's to read: the registry reads its name and table again at run time,
//! and the server (PostgreSQL) normalises it before anything is compared.

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

/// Which macro.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Function,
    Trigger,
}

pub fn sql_object_inner(kind: Kind, input: TokenStream) -> TokenStream {
    match expand(kind, input) {
        Ok(tokens) => tokens,
        Err(e) => e.to_compile_error(),
    }
}

fn expand(kind: Kind, input: TokenStream) -> syn::Result<TokenStream> {
    let (macro_name, example) = match kind {
        Kind::Function => (
            "function",
            "retort::function!(\"CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ ... $$\")",
        ),
        Kind::Trigger => (
            "trigger",
            "retort::trigger!(\"CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION f()\")",
        ),
    };
    let lit: LitStr = syn::parse2(input.clone()).map_err(|_| {
        syn::Error::new_spanned(
            &input,
            format!("retort::{macro_name}! takes one string literal, the SQL statement that creates it: {example}"),
        )
    })?;
    let sql = lit.value();
    check(kind, &sql).map_err(|problem| {
        syn::Error::new(
            lit.span(),
            format!("retort::{macro_name}!: {problem}; write it as {example}"),
        )
    })?;
    let kind = match kind {
        Kind::Function => quote!(::retort::model::DeclarationKind::Function),
        Kind::Trigger => quote!(::retort::model::DeclarationKind::Trigger),
    };
    Ok(quote! {
        ::retort::__private::inventory::submit! {
            ::retort::model::Declaration::new(#kind, #lit, ::core::module_path!(), ::core::file!(), ::core::line!())
        }
    })
}

/// The statement's first words (upper case), comments and white space skipped; quoted names
/// count as words.
fn words(sql: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = sql;
    while out.len() < n {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, after)| after);
        } else if let Some(q) = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '`' | '\''))
        {
            // A quoted name (MariaDB's in backticks), or a definer's user in quotes.
            let r = &rest[1..];
            let end = r.find(q).unwrap_or(r.len());
            out.push(format!("{q}{}{q}", &r[..end]));
            rest = r.get(end + 1..).unwrap_or("");
        } else if let Some(c) = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '=' | '@' | '(' | ')'))
        {
            out.push(c.to_string());
            rest = &rest[1..];
        } else {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '$'))
                .unwrap_or(rest.len());
            if end == 0 {
                break;
            }
            out.push(rest[..end].to_ascii_uppercase());
            rest = &rest[end..];
        }
    }
    out
}

fn check(kind: Kind, sql: &str) -> Result<(), String> {
    let w = words(sql, 12);
    let at = |i: usize| w.get(i).map_or("", String::as_str);
    if at(0) != "CREATE" {
        return Err("the statement must start with CREATE".to_owned());
    }
    let mut i = 1;
    if at(1) == "OR" && at(2) == "REPLACE" {
        i = 3;
    }
    // MariaDB's `DEFINER = user`, `'user'@'host'` or `CURRENT_USER()`.
    if at(i) == "DEFINER" && at(i + 1) == "=" {
        i += 3;
        if at(i) == "@" || at(i) == "(" {
            i += 2;
        }
    }
    if kind == Kind::Function && at(i) == "AGGREGATE" {
        i += 1;
    }
    match kind {
        Kind::Function => {
            if !matches!(at(i), "FUNCTION" | "PROCEDURE") {
                return Err(format!(
                    "expected CREATE [OR REPLACE] FUNCTION or PROCEDURE, found `{}`",
                    w[..=i.min(w.len().saturating_sub(1))].join(" ")
                ));
            }
            if at(i + 1).is_empty() {
                return Err("the function has no name".to_owned());
            }
        }
        Kind::Trigger => {
            while matches!(at(i), "CONSTRAINT" | "TEMP" | "TEMPORARY") {
                i += 1;
            }
            if at(i) != "TRIGGER" {
                return Err(format!(
                    "expected CREATE [OR REPLACE] [CONSTRAINT] TRIGGER, found `{}`",
                    w[..=i.min(w.len().saturating_sub(1))].join(" ")
                ));
            }
            if at(i + 1).is_empty() {
                return Err("the trigger has no name".to_owned());
            }
            let upper = sql.to_ascii_uppercase();
            if !upper.split_whitespace().any(|t| t == "ON") {
                return Err("the trigger names no table (`ON table`)".to_owned());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_the_first_words() {
        assert!(check(
            Kind::Function,
            "-- touch\ncreate or replace function f() returns int"
        )
        .is_ok());
        assert!(check(Kind::Function, "CREATE PROCEDURE p() LANGUAGE sql AS ''").is_ok());
        assert!(check(Kind::Function, "CREATE TABLE t ()")
            .unwrap_err()
            .contains("found `CREATE TABLE`"));
        assert!(check(Kind::Function, "SELECT 1")
            .unwrap_err()
            .contains("start with CREATE"));
        assert!(check(
            Kind::Trigger,
            "CREATE CONSTRAINT TRIGGER t AFTER INSERT ON x"
        )
        .is_ok());
        assert!(check(Kind::Trigger, "CREATE TRIGGER t AFTER INSERT")
            .unwrap_err()
            .contains("ON table"));
        assert!(check(
            Kind::Function,
            "create definer = 'app'@'%' function `f`() returns int return 1"
        )
        .is_ok());
        assert!(check(
            Kind::Trigger,
            "CREATE DEFINER=CURRENT_USER() TRIGGER `t` BEFORE INSERT ON `x` FOR EACH ROW SET NEW.a = 1"
        )
        .is_ok());
        assert!(check(Kind::Trigger, "CREATE FUNCTION f()")
            .unwrap_err()
            .contains("TRIGGER"));
    }
}
