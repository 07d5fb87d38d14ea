//! The struct's `primary_key(columns(...))`: a key in another order than the fields, and the
//! rules around it.

use quote::quote;

use crate::tests::{errors, expand};

#[test]
fn key_in_another_order_than_the_fields() {
    insta::assert_snapshot!(expand(quote! {
        #[model(primary_key(columns("tag", "post_id")), primary_key_name = "post_tags_pk")]
        pub struct PostTag {
            #[model(references = "posts.id")]
            pub post_id: i64,
            #[model(column = "tag")]
            pub label: String,
            pub id: i64,
        }
    }));
}

#[test]
fn a_struct_key_of_one_column_is_the_key_like_a_marked_field() {
    let expansion = expand(quote! {
        #[model(primary_key(columns("code")))]
        pub struct Tag {
            pub id: i64,
            #[model(identity = false)]
            pub code: i64,
        }
    });
    assert!(
        expansion.contains(".primary_key(&[\"code\"])") && expansion.contains(".no_identity()"),
        "{expansion}"
    );
}

#[test]
fn struct_key_errors() {
    let errors = |input| errors(input);
    assert_eq!(
        errors(quote! {
            #[model(primary_key(columns("b", "nope", "b")), primary_key(columns("a")))]
            struct Pair { #[model(primary_key)] a: i64, b: i64, #[model(generated = "a + b")] c: i64 }
        }),
        [
            "column `b` is listed twice in this index",
            "duplicate model attribute `primary_key`",
            "`primary_key` on field `a` and `primary_key(columns(...))` on the struct both \
             declare the key of `Pair`: list every key column, in order, in the struct's \
             `primary_key(columns(...))` and remove the field's `primary_key`",
            "unknown column `nope` in primary key; the columns of `Pair` are: `a`, `b`, `c`",
        ]
    );
    assert_eq!(
        errors(quote! {
            #[model(no_primary_key, primary_key(columns("a")))]
            struct Log { a: i64 }
        }),
        ["`primary_key(columns(...))` contradicts `no_primary_key` on `Log`: remove one of them"]
    );
    assert_eq!(
        errors(quote! {
            #[model(primary_key(columns("a", "c")))]
            struct Sum { a: i64, #[model(generated = "a * 2", stored)] c: i64 }
        }),
        [
            "`c` is a generated column and cannot be part of the primary key: a key column \
             holds the values it is given; remove it from `primary_key(columns(...))` or \
             remove its `generated`"
        ]
    );
    let malformed = [
        (
            quote!(#[model(primary_key)]),
            "`primary_key` on a struct takes the key's columns, in the key's order: \
             `primary_key(columns(\"tag\", \"post_id\"))` (on a field, `primary_key` alone)",
        ),
        (
            quote!(#[model(primary_key(name = "pk", columns("id")))]),
            "unknown primary_key attribute `name`; expected one of: `columns`",
        ),
        (
            quote!(#[model(primary_key())]),
            "`primary_key(...)` needs `columns(...)`: `primary_key(columns(\"tag\", \"post_id\"))`",
        ),
        (
            quote!(#[model(primary_key(columns()))]),
            "`columns(...)` needs at least one column: `columns(\"last_name\", \"first_name\")`",
        ),
    ];
    for (attr, message) in malformed {
        assert_eq!(errors(quote!(#attr struct Bad { id: i64 })), [message]);
    }
    // A key field that is skipped has no column.
    assert_eq!(
        errors(quote! {
            #[model(primary_key(columns("b", "a")))]
            struct Skip { a: i64, #[model(skip)] b: i64 }
        }),
        ["unknown column `b` in primary key: field `b` is `#[model(skip)]` and has no column"]
    );
}
