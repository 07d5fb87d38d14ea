//! `#[retort::data_migration(revision = "...")]`: a Rust data step of a revision.
//!
//! Parse (the attribute's keys and the function) -> check (the signature a step needs; every
//! error at once, with its span) -> expand: the function unchanged, and its registration with
//! `inventory` under the revision and its name, with a hash of its tokens so that the checksum
//! of an applied revision covers the step's code.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use sha2::{Digest, Sha256};
use syn::{FnArg, ItemFn, LitStr, ReturnType};

use crate::ctxt::Ctxt;

pub fn data_migration_inner(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let revision = parse_args(&cx, args);
    let function = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(function) => Some(function),
        Err(_) => {
            cx.error_spanned_by(
                &item,
                "#[retort::data_migration] goes on a function: \
                 `fn NAME(conn: &mut retort::Conn) -> retort::Result<()>`",
            );
            None
        }
    };
    if let Some(function) = &function {
        check_signature(&cx, function);
    }
    if let Err(e) = cx.check() {
        // The function stays, so the errors are the only ones the user sees.
        let mut out = e.to_compile_error();
        out.extend(item);
        return out;
    }
    let (Some(revision), Some(function)) = (revision, function) else {
        unreachable!("errors were reported");
    };
    expand(&revision, &function)
}

/// `revision = "12 hex digits"`: the only key.
fn parse_args(cx: &Ctxt, args: TokenStream) -> Option<LitStr> {
    let mut revision: Option<LitStr> = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("revision") {
            let value: LitStr = meta.value()?.parse()?;
            if revision.is_some() {
                return Err(meta.error("`revision` is given twice"));
            }
            revision = Some(value);
            Ok(())
        } else {
            Err(meta.error(format!(
                "unknown key `{}`: #[retort::data_migration] takes only `revision = \"...\"`",
                meta.path.to_token_stream().to_string().replace(' ', "")
            )))
        }
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, args) {
        cx.syn_error(e);
        return None;
    }
    let Some(revision) = revision else {
        cx.syn_error(syn::Error::new(
            proc_macro2::Span::call_site(),
            "missing `revision = \"...\"`: the id of the revision whose up.sql or down.sql \
             runs this step (`-- retort: step NAME`)",
        ));
        return None;
    };
    let id = revision.value();
    if id.len() != 12
        || !id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        cx.error_spanned_by(
            &revision,
            format!(
                "`{id}` is not a revision id: write the 12 lowercase hexadecimal digits from \
                 the revision's metadata.toml (`revision = \"...\"`)"
            ),
        );
        return None;
    }
    Some(revision)
}

/// The step is called as `name(conn)`: a plain function of one argument.
fn check_signature(cx: &Ctxt, function: &ItemFn) {
    let sig = &function.sig;
    if let Some(token) = &sig.asyncness {
        cx.error_spanned_by(
            token,
            "a data step cannot be `async`: the run calls it in place",
        );
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            "a data step cannot be generic: the run calls it with `&mut retort::Conn`",
        );
    }
    match sig.inputs.len() {
        1 => {
            if let Some(FnArg::Receiver(receiver)) = sig.inputs.first() {
                cx.error_spanned_by(
                    receiver,
                    "a data step is a free function: take `conn: &mut retort::Conn`, not `self`",
                );
            }
        }
        _ => cx.error_spanned_by(
            &sig.inputs,
            "a data step takes one argument: `conn: &mut retort::Conn`",
        ),
    }
    if let ReturnType::Default = sig.output {
        cx.error_spanned_by(
            &sig.ident,
            "a data step returns `retort::Result<()>` (any `Result<(), E>` whose error converts \
             into a boxed error), so a failure stops the run",
        );
    }
}

fn expand(revision: &LitStr, function: &ItemFn) -> TokenStream {
    let name = &function.sig.ident;
    let name_str = name.to_string();
    let hash = token_hash(&function.to_token_stream());
    quote! {
        #function

        const _: () = {
            fn __retort_step(conn: &mut ::retort::Conn<'_>) -> ::retort::Result<()> {
                ::core::result::Result::map_err(#name(conn), ::core::convert::Into::into)
            }
            ::retort::__private::inventory::submit! {
                ::retort::data::DataStep::__new(
                    #revision,
                    #name_str,
                    #hash,
                    ::core::file!(),
                    ::core::line!(),
                    __retort_step,
                )
            }
        };
    }
}

/// 16 hexadecimal digits of the SHA-256 of the tokens, written one per line by kind (not
/// through `Display`, whose spacing may change between compilers): white space and comments
/// do not change it, any token does.
fn token_hash(tokens: &TokenStream) -> String {
    fn write(tokens: TokenStream, out: &mut String) {
        for tree in tokens {
            match tree {
                TokenTree::Group(group) => {
                    let (open, close) = match group.delimiter() {
                        Delimiter::Parenthesis => ("(", ")"),
                        Delimiter::Brace => ("{", "}"),
                        Delimiter::Bracket => ("[", "]"),
                        Delimiter::None => ("«", "»"),
                    };
                    out.push_str(open);
                    out.push('\n');
                    write(group.stream(), out);
                    out.push_str(close);
                }
                TokenTree::Ident(ident) => out.push_str(&format!("i {ident}")),
                // Not its spacing: `a:&b` and `a: &b` join differently.
                TokenTree::Punct(punct) => out.push_str(&format!("p {}", punct.as_char())),
                TokenTree::Literal(literal) => out.push_str(&format!("l {literal}")),
            }
            out.push('\n');
        }
    }
    let mut text = String::new();
    write(tokens.clone(), &mut text);
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(args: TokenStream, item: TokenStream) -> String {
        data_migration_inner(args, item).to_string()
    }

    #[test]
    fn the_hash_ignores_layout_and_sees_every_token() {
        let a = token_hash(&quote! { fn f(c: &mut Conn) -> Result<()> { g(c, 1) } });
        let b: TokenStream = "fn f(c:&mut Conn)->Result<()>{\n  // a comment\n  g(c,1)\n}"
            .parse()
            .unwrap();
        assert_eq!(a, token_hash(&b));
        assert_eq!(a.len(), 16);
        let c = token_hash(&quote! { fn f(c: &mut Conn) -> Result<()> { g(c, 2) } });
        assert_ne!(a, c);
    }

    #[test]
    fn bad_attributes_and_signatures_are_all_reported() {
        let out = errors(
            quote!(revision = "XYZ", name = "x"),
            quote!(
                async fn f<T>(a: i32, b: i32) {}
            ),
        );
        assert!(out.contains("unknown key `name`"), "{out}");
        let out = errors(
            quote!(revision = "XYZ"),
            quote!(
                async fn f<T>(a: i32, b: i32) {}
            ),
        );
        for expected in [
            "`XYZ` is not a revision id",
            "cannot be `async`",
            "cannot be generic",
            "takes one argument",
            "returns `retort::Result<()>`",
        ] {
            assert!(out.contains(expected), "{expected}: {out}");
        }
        assert!(errors(
            quote!(),
            quote!(
                fn f(c: &mut Conn) -> R {
                    Ok(())
                }
            )
        )
        .contains("missing `revision"));
        assert!(errors(
            quote!(revision = "0a1b2c3d4e5f"),
            quote!(
                struct S;
            )
        )
        .contains("goes on a function"));
    }

    #[test]
    fn a_step_registers_its_revision_name_and_hash() {
        let out = data_migration_inner(
            quote!(revision = "0a1b2c3d4e5f"),
            quote!(
                fn split(conn: &mut retort::Conn) -> retort::Result<()> {
                    Ok(())
                }
            ),
        )
        .to_string();
        assert!(
            out.contains("DataStep :: __new (\"0a1b2c3d4e5f\" , \"split\" ,"),
            "{out}"
        );
        assert!(out.contains("__retort_step"), "{out}");
    }
}
