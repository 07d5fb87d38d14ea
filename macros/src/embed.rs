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
    let (revisions, strays) = read_dir(&dir).map_err(|message| syn::Error::new(span, message))?;
    let strays = strays.iter().map(|(name, what)| quote!((#name, #what)));
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
        ::retort::embed::EmbeddedMigrations::__new_with_strays(
            #relative,
            &[#(#entries),*],
            &[#(#strays),*],
        )
    })
}

/// One revision directory: its name and the paths of those of [`FILES`] that exist.
#[derive(Debug)]
struct RevisionDir {
    name: String,
    files: [Option<PathBuf>; 3],
}

/// What an entry that is not a directory is, in the words of the runtime validation
/// (`retort::script::source`), which judges it by its name: one named like a revision is
/// refused, any other is ignored, like diesel does.
fn not_a_directory(path: &Path) -> Option<String> {
    let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => None,
        Ok(meta) if meta.is_file() && link => {
            Some("is a symbolic link to a file, not a revision directory".to_owned())
        }
        Ok(meta) if meta.is_file() => {
            Some("is a regular file, not a revision directory".to_owned())
        }
        Ok(_) => Some("is not a directory (a device, socket or pipe)".to_owned()),
        Err(e) if link => Some(format!("is a symbolic link that cannot be followed ({e})")),
        Err(e) => Some(format!("cannot be read ({e})")),
    }
}

/// Entries that are not revision directories: (name, what it is).
type Strays = Vec<(String, String)>;

/// Revision directories, sorted by name, and the other entries (files, symlinks that are not
/// directories) for the runtime validation to judge; hidden entries are skipped. Missing files
/// are left for the runtime validation to report; a file that exists but cannot be read is an
/// error.
fn read_dir(dir: &Path) -> Result<(Vec<RevisionDir>, Strays), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "cannot read migrations directory {}: {e}; create it with `retort init` or fix the path (relative to the crate's Cargo.toml)",
            dir.display()
        )
    })?;
    let mut out = Vec::new();
    let mut strays = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name.starts_with('.') {
            continue;
        }
        if let Some(what) = not_a_directory(&path) {
            strays.push((name, what));
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
    strays.sort();
    Ok((out, strays))
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
        let (dirs, strays) = read_dir(&tmp).unwrap();
        let found: Vec<String> = dirs.into_iter().map(|r| r.name).collect();
        // Files are handed to the runtime validation, which judges them by their names.
        assert_eq!(
            strays,
            [(
                "README".to_owned(),
                "is a regular file, not a revision directory".to_owned()
            )]
        );
        assert_eq!(
            found,
            [
                "2026-01-01-000000-aaaaaaaaaaaa_a",
                "2026-01-02-000000-bbbbbbbbbbbb_b"
            ]
        );
        let a = tmp.join("2026-01-01-000000-aaaaaaaaaaaa_a");
        std::fs::remove_file(a.join("down.sql")).unwrap();
        let (dirs, _) = read_dir(&tmp).unwrap();
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
