//! `embed_migrations!`: the migrations directory, compiled into the binary.
//!
//! The macro only captures the raw files of every revision directory (with `include_bytes!`, so
//! editing a migration rebuilds the crate); the runtime loads them through the same pipeline as
//! a directory on disk, so embedded migrations are validated by the same rules and with the same
//! messages. Only a file that exists but cannot be read is a compile error. A proc macro cannot
//! watch a directory for new entries: add `println!("cargo:rerun-if-changed=migrations");` to
//! the crate's build.rs for that.

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

/// The files of a revision directory, in the order of `EmbeddedRevision`'s fields.
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
    let entries = revisions.iter().map(|rev| {
        let name = &rev.name;
        let [meta, up, down] = rev.files.clone().map(|file| match file {
            Some(path) => {
                let path = path.display().to_string();
                quote!(::core::option::Option::Some(::core::include_bytes!(#path)))
            }
            None => quote!(::core::option::Option::None),
        });
        quote! {
            ::retort::embed::EmbeddedRevision {
                dir_name: #name,
                metadata: #meta,
                up_sql: #up,
                down_sql: #down,
            }
        }
    });
    Ok(quote! {
        ::retort::embed::EmbeddedMigrations::__new(#relative, &[#(#entries),*])
    })
}

/// One revision directory: its name and the paths of those of [`FILES`] that exist.
#[derive(Debug)]
struct RevisionDir {
    name: String,
    files: [Option<PathBuf>; 3],
}

/// Revision directories, sorted by name; hidden entries and files are skipped, like diesel
/// does. Missing files are left for the runtime validation to report; a file that exists but
/// cannot be read is an error.
fn read_dir(dir: &Path) -> Result<Vec<RevisionDir>, String> {
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
        let mut files = [None, None, None];
        for (slot, file) in files.iter_mut().zip(FILES) {
            let file = path.join(file);
            match std::fs::read(&file) {
                Ok(_) => *slot = Some(file),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(format!(
                        "cannot read {}: {e}; make it a readable file",
                        file.display()
                    ))
                }
            }
        }
        out.push(RevisionDir { name, files });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_revision_directories_sorted_and_leaves_missing_files_to_validation() {
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
            .map(|r| r.name)
            .collect();
        assert_eq!(
            found,
            [
                "2026-01-01-000000-aaaaaaaaaaaa_a",
                "2026-01-02-000000-bbbbbbbbbbbb_b"
            ]
        );
        let a = tmp.join("2026-01-01-000000-aaaaaaaaaaaa_a");
        std::fs::remove_file(a.join("down.sql")).unwrap();
        let dirs = read_dir(&tmp).unwrap();
        assert_eq!(
            dirs[0].files,
            [Some(a.join("metadata.toml")), Some(a.join("up.sql")), None]
        );
        // A "file" that cannot be read is the only error.
        std::fs::create_dir(a.join("down.sql")).unwrap();
        let err = read_dir(&tmp).unwrap_err();
        assert!(
            err.contains("down.sql") && err.contains("cannot read"),
            "{err}"
        );
        let err = read_dir(&tmp.join("missing")).unwrap_err();
        assert!(err.contains("cannot read migrations directory"), "{err}");
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
