//! `embed_migrations!`: the migrations directory, compiled into the binary.
//!
//! Every file is embedded with `include_str!`, so editing a migration rebuilds the crate. A
//! proc macro cannot watch a directory for new entries: add
//! `println!("cargo:rerun-if-changed=migrations");` to the crate's build.rs for that.

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

const FILES: [&str; 3] = ["metadata.toml", "up.sql", "down.sql"];

pub fn embed_migrations_inner(input: TokenStream) -> TokenStream {
    match expand(input) {
        Ok(tokens) => tokens,
        Err(e) => e.to_compile_error(),
    }
}

fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let lit: Option<LitStr> = if input.is_empty() {
        None
    } else {
        Some(syn::parse2(input)?)
    };
    let relative = lit
        .as_ref()
        .map_or_else(|| "migrations".to_owned(), LitStr::value);
    let span = lit
        .as_ref()
        .map_or_else(proc_macro2::Span::call_site, LitStr::span);
    let manifest = std::env::var("CARGO_MANIFEST_DIR").map_err(|_| {
        syn::Error::new(
            span,
            "embed_migrations! needs CARGO_MANIFEST_DIR; build with cargo",
        )
    })?;
    let dir = Path::new(&manifest).join(&relative);
    let revisions = read_dir(&dir).map_err(|message| syn::Error::new(span, message))?;
    let entries = revisions.iter().map(|(name, path)| {
        let [meta, up, down] = FILES.map(|f| path.join(f).display().to_string());
        quote! {
            ::retort::embed::EmbeddedRevision {
                dir_name: #name,
                metadata: ::core::include_str!(#meta),
                up_sql: ::core::include_str!(#up),
                down_sql: ::core::include_str!(#down),
            }
        }
    });
    Ok(quote! {
        ::retort::embed::EmbeddedMigrations::__new(#relative, &[#(#entries),*])
    })
}

/// Revision directories (name, path), sorted by name; hidden entries and files are skipped,
/// like diesel does. Every revision must have its three files.
fn read_dir(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "cannot read migrations directory {}: {e}; create it with `retort init` or fix the path (relative to the crate's Cargo.toml)",
            dir.display()
        )
    })?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name.starts_with('.') || !path.is_dir() {
            continue;
        }
        for file in FILES {
            if !path.join(file).is_file() {
                return Err(format!(
                    "migration {} has no {file}; every revision needs up.sql, down.sql and metadata.toml",
                    path.display()
                ));
            }
        }
        out.push((name, path));
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_revision_directories_sorted_and_checks_their_files() {
        let tmp = std::env::temp_dir().join(format!("retort-embed-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        for name in [
            "2026-01-02-000000-bbbbbbbbbbbb_b",
            "2026-01-01-000000-aaaaaaaaaaaa_a",
        ] {
            let d = tmp.join(name);
            std::fs::create_dir_all(&d).unwrap();
            for f in FILES {
                std::fs::write(d.join(f), "").unwrap();
            }
        }
        std::fs::create_dir_all(tmp.join(".hidden")).unwrap();
        std::fs::write(tmp.join("README"), "not a revision").unwrap();
        let found: Vec<String> = read_dir(&tmp)
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            found,
            [
                "2026-01-01-000000-aaaaaaaaaaaa_a",
                "2026-01-02-000000-bbbbbbbbbbbb_b"
            ]
        );
        std::fs::remove_file(tmp.join("2026-01-01-000000-aaaaaaaaaaaa_a/down.sql")).unwrap();
        let err = read_dir(&tmp).unwrap_err();
        assert!(err.contains("has no down.sql"), "{err}");
        let err = read_dir(&tmp.join("missing")).unwrap_err();
        assert!(err.contains("cannot read migrations directory"), "{err}");
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
