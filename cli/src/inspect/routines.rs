//! The database's functions and triggers as `retort::function!(r#"..."#);` and
//! `retort::trigger!(r#"..."#);` declarations: the server's own text (PostgreSQL's
//! `pg_get_functiondef` and `pg_get_triggerdef`, SQLite's `CREATE TRIGGER` as stored), as raw
//! strings so that a body's lines stay lines.

use std::str::FromStr;

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use retort::schema::Schema;

/// `text` as a raw string literal with enough `#`s.
fn raw(text: &str) -> Literal {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    Literal::from_str(&format!("r{hashes}\"{text}\"{hashes}")).expect("a raw string literal")
}

/// A declaration per function of `schema` (by key), then per trigger of its tables (by table,
/// then as the database lists them), then per trigger of its views.
pub(super) fn declarations(schema: &Schema) -> Vec<TokenStream> {
    let mut out: Vec<TokenStream> = schema
        .functions
        .values()
        .map(|f| {
            let sql = raw(&f.sql);
            quote!(retort::function!(#sql);)
        })
        .collect();
    for table in schema.tables.values() {
        for k in table
            .unmodeled
            .iter()
            .filter(|k| k.trigger_name().is_some())
        {
            let sql = raw(k.sql().trim_end().trim_end_matches(';'));
            out.push(quote!(retort::trigger!(#sql);));
        }
    }
    // The triggers of its views (`INSTEAD OF`), declared on the `#[derive(View)]` written for
    // each.
    for view in schema.views.values() {
        for k in &view.triggers {
            let sql = raw(k.sql().trim_end().trim_end_matches(';'));
            out.push(quote!(retort::trigger!(#sql);));
        }
    }
    out
}
