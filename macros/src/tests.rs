//! Expansion snapshots (`src/snapshots/`) and error messages, calling the derive directly.
//! Spans are checked by the trybuild UI tests in `tests/ui/`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand::derive_model_inner;

/// The expansion, pretty-printed.
pub(crate) fn expand(input: TokenStream) -> String {
    let output = derive_model_inner(input);
    let file: syn::File = syn::parse2(output.clone())
        .unwrap_or_else(|err| panic!("expansion does not parse: {err}\n{output}"));
    prettyplease::unparse(&file)
}

/// The messages of the `compile_error!`s in the expansion, in order.
pub(crate) fn errors(input: TokenStream) -> Vec<String> {
    let file: syn::File = syn::parse2(derive_model_inner(input)).expect("expansion parses");
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Macro(m) if m.mac.path.segments.last().unwrap().ident == "compile_error" => {
                Some(m.mac.parse_body::<syn::LitStr>().unwrap().value())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn full_model() {
    insta::assert_snapshot!(expand(quote! {
        /// The people who sign in.
        ///
        /// One row per person.
        #[model(table = "users")]
        #[model(index(columns("last_name", "first_name"), name = "ix_users_name"))]
        #[model(check(expr = "age >= 0"), check(name = "ck_users_names", expr = "first_name <> last_name"))]
        pub struct User {
            #[model(primary_key)]
            pub id: i64,
            /// Where we write to them; it's unique.
            #[model(max_length = 255, unique)]
            pub email: String,
            #[doc = "   "]
            pub bio: Option<String>,
            #[model(default = "0")]
            pub age: i32,
            #[model(references = "orgs.id", on_delete = "cascade")]
            pub org_id: i64,
            #[model(column = "created", index)]
            pub created_at: chrono::NaiveDateTime,
            #[model(sql_type = "NUMERIC(10,2)")]
            pub balance: String,
            pub first_name: String,
            pub last_name: String,
            #[model(skip)]
            pub cache: Option<String>,
        }
    }));
}

#[test]
fn doc_comments_are_trimmed_and_blank_ones_are_none() {
    let attrs = |input: TokenStream| syn::parse2::<syn::DeriveInput>(input).unwrap().attrs;
    let doc = |input| crate::attr::doc_comment(&attrs(input));
    assert_eq!(
        doc(quote! {
            ///
            #[doc = " First line.  "]
            ///   indented
            ///
            #[model(table = "t")]
            struct T;
        }),
        Some("First line.\n  indented".to_owned())
    );
    assert_eq!(
        doc(quote!(
            #[doc = " \n "]
            struct T;
        )),
        None
    );
    assert_eq!(
        doc(quote!(
            struct T;
        )),
        None
    );
}

#[test]
fn check_names_follow_the_convention_and_must_differ() {
    let errors = errors(quote! {
        #[model(check(expr = "id > 0"), check(expr = "id < 9", name = "ck_things_1"))]
        #[model(check(name = "ck_x"), check(expr = ""), check(expr = "1", name = ""))]
        pub struct Thing {
            pub id: i64,
        }
    });
    assert_eq!(
        errors,
        [
            "`check(...)` needs `expr = \"...\"`: `check(name = \"ck_users_age\", expr = \"age >= 0\")`",
            "`expr` needs an SQL expression: `expr = \"age >= 0\"`",
            "`name` takes a constraint name, not empty and without NUL characters: `name = \"ck_users_age\"`",
            "duplicate check constraint name `ck_things_1`; give each check its own `name = \"...\"`",
        ]
    );
}

#[test]
fn constraints_and_index_properties() {
    insta::assert_snapshot!(expand(quote! {
        #[model(table = "members")]
        #[model(unique(columns("org_id", "email")), unique(columns("org_id", "nick"), name = "uq_nick", include("email"), nulls_not_distinct))]
        #[model(index(columns("email"), where = "deleted_at IS NULL", method = "btree"))]
        #[model(index(columns("org_region", "email"), prefix(email = 20, "org_region" = 4)))]
        #[model(index(keys("lower(email)", "created_at DESC NULLS LAST"), name = "ix_members_lower", unique, nulls_not_distinct, include("nick"), method = "gin"))]
        #[model(foreign_key(columns("org_id", "org_region"), references = "orgs(id, region)", on_delete = "cascade", name = "fk_members_org", initially_deferred))]
        pub struct Member {
            pub id: i64,
            #[model(references = "teams.id", deferrable)]
            pub team_id: i64,
            pub org_id: i64,
            pub org_region: String,
            pub email: String,
            pub nick: Option<String>,
            pub created_at: i64,
            pub deleted_at: Option<i64>,
        }
    }));
}

#[test]
fn constraint_and_index_property_errors() {
    let errors = errors(quote! {
        #[model(unique, unique(name = "x"), unique(columns("nope"), colour = 1))]
        #[model(index(columns("a"), keys("lower(a)")), index(keys("lower(a)")), index(keys()))]
        #[model(index(columns("a"), nulls_not_distinct), index(columns("a"), method = "gim"))]
        #[model(index(columns("a"), where = " ", include("zz")), index(keys("", 3), name = "k"))]
        #[model(foreign_key(columns("a")), foreign_key(references = "t(x)"))]
        #[model(foreign_key(columns("a", "b"), references = "t(x)"), foreign_key(columns("a"), references = "t.x"))]
        #[model(foreign_key(columns("q"), references = "t(x)", on_delete = "boom"))]
        pub struct Thing {
            pub id: i64,
            pub a: i64,
            pub b: i64,
            #[model(deferrable, initially_deferred)]
            pub c: i64,
        }
    });
    insta::assert_debug_snapshot!(errors);
}

#[test]
fn index_names_must_differ() {
    let errors = errors(quote! {
        #[model(unique(columns("email")), index(columns("org_id", "email"), unique))]
        #[model(unique(columns("org_id", "email")), unique(columns("id"), name = "ix_things_org_id"))]
        pub struct Thing {
            pub id: i64,
            #[model(index)]
            pub org_id: i64,
            #[model(unique)]
            pub email: String,
        }
    });
    let dup = |name: &str| {
        format!(
            "duplicate index name `{name}`: another index or unique constraint of this model has \
             it; give one of them its own `name = \"...\"` (or drop the duplicate)"
        )
    };
    assert_eq!(
        errors,
        [
            dup("uq_things_email"),
            dup("uq_things_org_id_email"),
            dup("ix_things_org_id"),
        ]
    );
}

#[test]
fn composite_key() {
    insta::assert_snapshot!(expand(quote! {
        #[model(table = "post_tags", index(columns("tag_id"), unique))]
        pub struct PostTag {
            #[model(primary_key, references = "posts.id", on_delete = "CASCADE")]
            pub post_id: i64,
            #[model(primary_key)]
            #[model(references = "tags.id", on_delete = "set_null", on_update = "Set Default")]
            pub tag_id: i64,
            #[model(max_length = 40, default = "'x'")]
            pub note: Option<String>,
            #[model(sql_type = "citext")]
            pub label: Option<Label>,
        }
    }));
}

#[test]
fn default_table_name() {
    insta::assert_snapshot!(expand(quote! {
        #[derive(Debug)]
        #[serde(rename_all = "camelCase")]
        struct HTTPLog {
            id: i64,
            #[serde(default)]
            r#type: String,
        }
    }));
}

#[test]
fn errors_keep_a_placeholder_impl() {
    insta::assert_snapshot!(expand(quote! {
        #[model(tabel = "users")]
        struct User {
            #[model(primary_key, primary_key)]
            id: i64,
            #[model(references = "orgs")]
            org_id: i64,
        }
    }));
}

#[test]
fn generic_placeholder_impl_keeps_generics() {
    insta::assert_snapshot!(expand(quote! {
        struct Wrapper<'a, T: Clone> where T: Default {
            id: i64,
            value: &'a T,
        }
    }));
}

#[test]
fn unknown_keys_list_the_expected_ones() {
    assert_eq!(
        errors(quote! {
            #[model(abc)]
            struct User { #[model(abc = 1, table = "x")] id: i64 }
        }),
        [
            "unknown model attribute `abc`; expected one of: `table`, `schema`, `index`, `unique`, \
             `foreign_key`, `check`, `renamed_from`, `primary_key`, `primary_key_name`, \
             `no_primary_key`",
            "unknown model attribute `abc`; expected one of: `primary_key`, `unique`, `index`, \
             `max_length`, `default`, `references`, `on_delete`, `on_update`, `column`, \
             `sql_type`, `skip`, `renamed_from`, `generated`, `stored`, `deferrable`, \
             `initially_deferred`, `identity`, `serial`, `autoincrement`, `check`",
            "unknown model attribute `table`; expected one of: `primary_key`, `unique`, `index`, \
             `max_length`, `default`, `references`, `on_delete`, `on_update`, `column`, \
             `sql_type`, `skip`, `renamed_from`, `generated`, `stored`, `deferrable`, \
             `initially_deferred`, `identity`, `serial`, `autoincrement`, `check`; `table` belongs on the struct, not on a field",
        ]
    );
}

#[test]
fn every_error_is_reported() {
    let errors = errors(quote! {
        #[model(table = "users", table = "people")]
        #[model(table)]
        #[model(index(columns()), index(name = "x"), index(columns("nope", "id", "id")))]
        struct User {
            #[model(max_length = 0)]
            a: String,
            #[model(skip, unique, default = "1")]
            b: String,
            #[model(sql_type = "TEXT", max_length = 3)]
            c: String,
            #[model(on_update = "cascade")]
            d: i64,
            #[model(on_delete = "explode", references = "a.b.c.d")]
            e: i64,
            #[model(column = "a")]
            f: i64,
            #[model(default = "", column = "9x", sql_type = " ")]
            g: i64,
            #[model(primary_key = true)]
            h: i64,
        }
    });
    insta::assert_debug_snapshot!(errors);
}

#[test]
fn no_primary_key() {
    assert_eq!(
        errors(quote! { struct Foo { name: String, #[model(skip)] id: i64 } }),
        [
            "model `Foo` has no primary key; mark a field with `#[model(primary_key)]`, add an \
          `id` field, or say the table has none with `#[model(no_primary_key)]` on the struct"
        ]
    );
    assert_eq!(
        errors(quote! {
            #[model(no_primary_key)]
            struct Foo { #[model(primary_key, identity = false)] id: i64, #[model(identity = true)] n: i64 }
        }),
        [
            "`identity = true` is the default (PostgreSQL gives a single integer key an \
             identity); remove it, or write `identity = false`, `identity = \"always\"` or \
             `identity = \"by_default\"`",
            "`primary_key` contradicts `no_primary_key` on `Foo`: remove one of them",
            "`identity = false` applies to the primary key, and `id` is not part of it: mark the \
             field `#[model(primary_key, identity = false)]` or remove `identity`",
        ]
    );
    assert_eq!(
        errors(quote! {
            struct Pair { #[model(primary_key, identity = false)] a: i64, #[model(primary_key)] b: i64, #[model(identity = 5)] c: i64 }
        }),
        [
            "`identity` takes `false`, `\"always\"` or `\"by_default\"`: `#[model(primary_key, \
             identity = false)]` says the application assigns the key's values, `identity = \
             \"always\"` that the database always does",
            "`identity = false` applies to a single-column primary key; a composite key never \
             gets an identity: remove `identity`",
        ]
    );
    assert!(errors(quote! {
        #[model(no_primary_key)]
        struct Follow { id: i64, user_id: i64 }
    })
    .is_empty());
}

#[test]
fn autoincrement_and_column_checks() {
    assert_eq!(
        errors(quote! {
            struct Pair {
                #[model(primary_key, autoincrement)] a: i64,
                #[model(primary_key)] b: i64,
                #[model(autoincrement, check = "")] c: i64,
                #[model(check(expr = "c > 0"))] d: i64,
            }
        }),
        [
            "`check` needs an SQL expression: `check = \"age >= 0\"`",
            "`check` takes a string literal: `check = \"age >= 0\"`",
            "`autoincrement` applies to a single-column integer primary key (SQLite allows no \
             other): remove `autoincrement`",
            "`autoincrement` applies to the primary key, and `c` is not part of it: mark the \
             field `#[model(primary_key, autoincrement)]` or remove `autoincrement`",
        ]
    );
    insta::assert_snapshot!(expand(quote! {
        #[model(table = "counters")]
        struct Counter {
            #[model(autoincrement)]
            id: i64,
            #[model(check = "n >= 0", unique)]
            n: i32,
        }
    }));
}

#[test]
fn shapes() {
    let shape = "#[derive(Model)] supports only structs with named fields";
    assert_eq!(errors(quote! { enum E { A } }), [shape]);
    assert_eq!(errors(quote! { union U { a: u8 } }), [shape]);
    assert_eq!(
        errors(quote! { struct T(i64); }),
        [format!(
            "{shape}; name the fields: `struct T {{ id: i64, ... }}`"
        )]
    );
    assert_eq!(
        errors(quote! { struct U; }),
        [format!("{shape}; `U` has no fields")]
    );
    assert_eq!(
        errors(quote! { struct G<T> { id: T } }),
        ["generic models are not supported"]
    );
}

#[test]
fn malformed_attributes() {
    assert_eq!(
        errors(quote! { #[model(table)] #[model = "x"] struct A { id: i64 } }),
        [
            "`table` takes a string literal: `table = \"users\"`",
            "expected `#[model(...)]`, e.g. `#[model(table = \"users\")]`",
        ]
    );
    assert_eq!(
        errors(quote! { #[model(table = 5)] struct A { #[model] id: i64 } }),
        [
            "`table` takes a string literal: `table = \"users\"`",
            "expected `#[model(...)]`, e.g. `#[model(primary_key)]`",
        ]
    );
    // Tokens that cannot be read end that attribute, but not the others.
    assert_eq!(
        errors(quote! {
            #[model(table = , index)]
            struct A { #[model(unique, index)] #[model(nope)] id: i64 }
        }),
        [
            "expected an expression",
            "unknown model attribute `nope`; expected one of: `primary_key`, `unique`, `index`, \
             `max_length`, `default`, `references`, `on_delete`, `on_update`, `column`, \
             `sql_type`, `skip`, `renamed_from`, `generated`, `stored`, `deferrable`, \
             `initially_deferred`, `identity`, `serial`, `autoincrement`, `check`",
        ]
    );
}

#[test]
fn renamed_from_on_the_struct_and_a_field() {
    insta::assert_snapshot!(expand(quote! {
        #[model(table = "accounts", renamed_from = "users")]
        pub struct Account {
            pub id: i64,
            #[model(renamed_from = "name")]
            pub fullname: String,
        }
    }));
    assert_eq!(
        errors(quote! {
            #[model(renamed_from = "accounts")]
            pub struct Account {
                pub id: i64,
                #[model(renamed_from = "email")]
                pub email: String,
            }
        }),
        [
            "`renamed_from` names the table's previous name, but `accounts` is its name; remove the key, or give the name it had",
            "`renamed_from` names the column's previous name, but `email` is its name; remove the key, or give the name it had",
        ]
    );
}

#[test]
fn generated_columns() {
    insta::assert_snapshot!(expand(quote! {
        pub struct Line {
            pub id: i64,
            pub price: i64,
            pub qty: i64,
            #[model(generated = "price * qty", stored)]
            pub total: i64,
            #[model(generated = "price > 100")]
            pub dear: Option<bool>,
        }
    }));
    assert_eq!(
        errors(quote! {
            pub struct Line {
                #[model(primary_key, generated = "1")]
                pub id: i64,
                #[model(stored)]
                pub qty: i64,
                #[model(generated = "qty * 2", default = "0")]
                pub twice: i64,
                #[model(generated = "")]
                pub empty: i64,
            }
        }),
        [
            "`generated` needs an SQL expression: `generated = \"price * qty\"`",
            "`primary_key` cannot be combined with `generated`: a key column holds the values it is given; remove one of them",
            "`stored` qualifies a generated column: add `generated = \"...\"` or remove `stored`",
            "`default` cannot be combined with `generated`: a generated column computes its values; remove one of them",
        ]
    );
}

#[test]
fn adoption_contract() {
    insta::assert_snapshot!(expand(quote! {
        /// No key, as some real tables are.
        #[model(table = "Follows", no_primary_key)]
        #[model(check(name = "ck follows", expr = "\"User Id\" > 0", not_valid))]
        #[model(foreign_key(columns("id", "e-mail"), references = "\"Other (Things)\"(\"Thing Id\", \"e,mail\")"))]
        pub struct Follow {
            pub id: i64,
            #[model(column = "User Id", references = "\"Crate Owners\".\"Owner Id\"")]
            pub user_id: i64,
            #[model(column = "e-mail", index)]
            pub email: String,
        }
    }));
    insta::assert_snapshot!(expand(quote! {
        pub struct CrateDownload {
            #[model(primary_key, identity = false)]
            pub crate_id: i32,
            pub downloads: i64,
        }
    }));
}

#[test]
fn quoted_names_in_references() {
    use crate::attr::split_names;
    let names = |text: &str, sep| split_names(text, sep);
    assert_eq!(names("users.id", '.').unwrap(), ["users", "id"]);
    assert_eq!(
        names(r#""Order Items". "Item ""x"" Id""#, '.').unwrap(),
        ["Order Items", r#"Item "x" Id"#]
    );
    assert_eq!(names(r#""a.b".c"#, '.').unwrap(), ["a.b", "c"]);
    assert_eq!(names(r#" a , "b c" "#, ',').unwrap(), ["a", "b c"]);
    for bad in [
        "",
        "a..b",
        "9x.y",
        "a b.c",
        r#""".c"#,
        r#""open.c"#,
        r#""a"x.c"#,
    ] {
        assert_eq!(names(bad, '.'), None, "{bad}");
    }
}

#[test]
fn identity_kinds_and_serial() {
    assert_eq!(
        errors(quote! {
            struct T {
                #[model(primary_key, identity = "always")] id: i64,
                #[model(serial)] user_id: i64,
                #[model(serial)] other_id: Option<i32>,
            }
        }),
        Vec::<String>::new()
    );
    assert_eq!(
        errors(quote! {
            struct T {
                #[model(primary_key, identity = "sometimes")] id: i64,
                #[model(identity = "always", serial)] a: i64,
                #[model(identity = "by_default")] b: Option<i64>,
                #[model(identity = "always")] c: i64,
                #[model(serial, default = "1")] d: i64,
                #[model(serial, sql_type = "TEXT")] e: String,
                #[model(serial, identity = false)] f: i64,
            }
        }),
        [
            "`identity = \"sometimes\"` is not a kind of identity: write `identity = \"always\"` \
             (GENERATED ALWAYS) or `identity = \"by_default\"` (GENERATED BY DEFAULT), `serial` for \
             a sequence and a nextval default, or `identity = false`",
            "`identity = false` applies to the primary key, and `f` is not part of it: mark the \
             field `#[model(primary_key, identity = false)]` or remove `identity`",
            "`a` cannot be both an identity and `serial`: keep `identity = \"...\"` (GENERATED ... \
             AS IDENTITY) or `serial` (a sequence and a nextval default)",
            "an identity column is NOT NULL, and `b` is an Option: make it a plain integer, or use \
             `serial` for a nullable column with a sequence",
            "`d` is `serial`: its default is the sequence's next value; remove `default`",
            "`e` is `serial`, which needs an integer column, and its `sql_type` is `TEXT`: use \
             SMALLINT, INTEGER or BIGINT",
            "`identity = false` says the application assigns `f`'s values and `serial` that a \
             sequence does: remove one of them",
            "model `T` has more than one `identity = \"...\"` field: a table has one identity \
             column; make the others `serial`, or plain columns",
        ]
    );
    assert_eq!(
        errors(quote! {
            struct T {
                id: i64,
                #[model(serial = "t_a_seq")] a: i64,
                #[model(serial(name = "t_b_seq", ty = "bigint"))] b: i32,
                #[model(serial(ty = "text"))] c: i32,
                #[model(serial(nope = 1))] d: i32,
                #[model(serial = 5)] e: i32,
            }
        }),
        [
            "`ty` is the sequence's type: `\"smallint\"`, `\"integer\"` or `\"bigint\"`",
            "unknown key in `serial(...)`; expected `name` or `ty`: `serial(name = \"users_id_seq\", \
             ty = \"bigint\")`",
            "`serial` takes a string literal: `serial = \"users_id_seq\"`",
        ]
    );
}
