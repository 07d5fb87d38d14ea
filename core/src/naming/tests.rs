use proptest::prelude::*;

use super::*;
use crate::schema::{Column, FkAction, ForeignKey, Index, SqlType, TableConstraint};

/// A table as the derive builds it: one unnamed index, unique, foreign key and check, and a
/// named index.
fn posts(name: &str) -> Table {
    let mut t = Table::new(name);
    for c in ["id", "author_id", "title"] {
        t.columns.push(Column::new(c, SqlType::BigInt, false));
    }
    t.primary_key = vec!["id".into()];
    let ix = crate::naming::index_name(name, &["author_id", "title"], false);
    let uq = crate::naming::index_name(name, &["title"], true);
    let fk = crate::naming::foreign_key_name(name, &["author_id"], "users");
    let ck = format!("ck_{name}_1");
    t.indexes.push(Index {
        name: ix.clone(),
        columns: vec!["author_id".into(), "title".into()],
        ..Default::default()
    });
    t.indexes.push(Index {
        name: uq.clone(),
        columns: vec!["title".into()],
        unique: true,
        ..Default::default()
    });
    t.indexes.push(Index {
        name: "by_hand".into(),
        columns: vec!["id".into()],
        ..Default::default()
    });
    t.foreign_keys.push(ForeignKey {
        name: fk.clone(),
        columns: vec!["author_id".into()],
        ref_table: "users".into(),
        ref_columns: vec!["id".into()],
        on_delete: FkAction::Cascade,
        on_update: FkAction::NoAction,
        deferrable: Default::default(),
    });
    t.table_constraints
        .push(TableConstraint::check(&ck, "id > 0", false));
    t.table_constraints
        .push(TableConstraint::check("ck_named", "title <> ''", false));
    t.unnamed = vec![
        Unnamed::Index(ix),
        Unnamed::Index(uq),
        Unnamed::ForeignKey(fk),
        Unnamed::Check { name: ck, n: 1 },
    ];
    t
}

fn names(t: &Table) -> Vec<String> {
    let mut all: Vec<String> = t.indexes.iter().map(|i| i.name.clone()).collect();
    all.extend(t.foreign_keys.iter().map(|f| f.name.clone()));
    all.extend(
        t.table_constraints
            .iter()
            .filter_map(|c| c.check_name().map(str::to_owned)),
    );
    all.extend(t.primary_key_name.clone());
    all
}

#[test]
fn the_default_convention_keeps_the_names_retort_always_gave() {
    let mut t = posts("posts");
    let before = {
        let mut b = t.clone();
        b.unnamed.clear();
        b.canonicalize();
        b
    };
    apply_table(&mut t, &Convention::default()).unwrap();
    assert_eq!(t, before);
    assert!(t.unnamed.is_empty());
    assert_eq!(t.primary_key_name, None);
}

#[test]
fn a_custom_convention_renames_only_what_the_models_do_not_name() {
    let convention = Convention::new(
        Some("idx_{column_0}_of_{table}".into()),
        Some("{table}_{columns}_key".into()),
        Some("{table}_{column_0}_to_{referred_table}".into()),
        Some("{table}_check_{n}".into()),
        Some("pk_{table}".into()),
    )
    .unwrap();
    let mut t = posts("posts");
    apply_table(&mut t, &convention).unwrap();
    assert_eq!(
        names(&t),
        [
            "by_hand",
            "idx_author_id_of_posts",
            "posts_title_key",
            "posts_author_id_to_users",
            "posts_check_1",
            "ck_named",
            "pk_posts",
        ]
    );
    assert_eq!(
        t.table_constraints[0],
        TableConstraint::check("posts_check_1", "id > 0", false)
    );
}

#[test]
fn templates_with_unknown_placeholders_or_bad_braces_are_refused_with_the_valid_ones() {
    let err = |ix: &str, ck: &str| {
        Convention::new(Some(ix.into()), None, None, Some(ck.into()), None)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err("ix_{tabel}", "ck_{table}_{n}"),
        "[naming] ix = \"ix_{tabel}\" uses the unknown placeholder `{tabel}`; ix accepts \
         {table}, {columns}, {column_0}"
    );
    assert_eq!(
        err("ix_{table}", "ck_{table}_{columns}"),
        "[naming] ck = \"ck_{table}_{columns}\" uses the unknown placeholder `{columns}`; ck \
         accepts {table}, {n}"
    );
    assert!(err("ix_{table", "ck_{n}").contains("without its `}`"));
    assert!(err("ix_table}", "ck_{n}").contains("without its `{`"));
    assert!(err("", "ck_{n}").contains("[naming] ix is empty"));
    let pk = Convention::new(None, None, None, None, Some("pk_{n}".into())).unwrap_err();
    assert!(pk
        .to_string()
        .contains("pk accepts {table}, {columns}, {column_0}"));
}

#[test]
fn long_names_get_a_hash_suffix_and_stay_within_63_bytes() {
    let table = "a_table_whose_name_is_long_enough_to_push_every_constraint_name_over";
    let mut t = posts(table);
    apply_table(&mut t, &Convention::default()).unwrap();
    for name in names(&t) {
        assert!(name.len() <= MAX_NAME_BYTES, "{name}");
    }
    let ix = &t
        .indexes
        .iter()
        .find(|i| !i.unique && i.name != "by_hand")
        .unwrap()
        .name;
    let full = format!("ix_{table}_author_id_title");
    assert_eq!(ix.len(), 63);
    assert_eq!(&ix[..54], &full[..54]);
    assert_eq!(ix.as_bytes()[54], b'_');
    assert_eq!(*ix, shorten(&full));
    assert_eq!(shorten("short"), "short");
    let exactly = "x".repeat(63);
    assert_eq!(shorten(&exactly), exactly);
}

#[test]
fn shortening_never_cuts_a_character() {
    let name = format!("ix_{}", "é".repeat(40));
    let short = shorten(&name);
    assert!(short.len() <= MAX_NAME_BYTES);
    assert!(short.starts_with("ix_é"));
    assert_eq!(short.rsplit('_').next().unwrap().len(), 8);
}

#[test]
fn names_the_models_give_must_fit() {
    let mut t = posts("posts");
    t.indexes[2].name = "i".repeat(64);
    let err = apply_table(&mut t, &Convention::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("is named by its model with 64 bytes, more than the 63"),
        "{err}"
    );
}

#[test]
fn a_convention_that_makes_names_collide_is_refused() {
    let mut t = posts("posts");
    t.indexes.push(Index {
        name: "ix_posts_title".into(),
        columns: vec!["title".into()],
        ..Default::default()
    });
    t.unnamed.push(Unnamed::Index("ix_posts_title".into()));
    let convention = Convention::new(Some("ix_{table}".into()), None, None, None, None).unwrap();
    let err = apply_table(&mut t, &convention).unwrap_err();
    assert!(
        err.to_string()
            .contains("two constraints or indexes of table 'posts' are both named 'ix_posts'"),
        "{err}"
    );
}

proptest! {
    /// Always within the limit, deterministic, never cut inside a character, and distinct long
    /// names stay distinct.
    #[test]
    fn shortened_names_fit_and_differ(a in "[a-zé_]{1,120}", b in "[a-zé_]{1,120}") {
        let (x, y) = (shorten(&a), shorten(&b));
        prop_assert!(x.len() <= MAX_NAME_BYTES);
        prop_assert_eq!(&x, &shorten(&a));
        if a.len() <= MAX_NAME_BYTES {
            prop_assert_eq!(&x, &a);
        }
        if a != b {
            prop_assert_ne!(x, y);
        }
    }
}

/// A changed convention is a plan of renames: indexes, checks kept as definitions and, with a
/// `pk` template, the primary key; never the foreign keys (compared by content).
#[test]
fn a_changed_convention_diffs_as_renames() {
    use crate::ops::Op;
    let mut current = Schema::new();
    let mut have = posts("posts");
    apply_table(&mut have, &Convention::default()).unwrap();
    have.primary_key_name = Some("posts_pkey".into());
    current.insert(have);
    let convention = Convention::new(
        Some("{table}_{columns}_idx".into()),
        Some("{table}_{columns}_key".into()),
        Some("{table}_{columns}_fkey".into()),
        None,
        Some("pk_{table}".into()),
    )
    .unwrap();
    let mut target = Schema::new();
    let mut want = posts("posts");
    apply_table(&mut want, &convention).unwrap();
    target.insert(want);
    let ops = crate::diff::diff(&current, &target);
    let described: Vec<String> = ops.iter().map(ToString::to_string).collect();
    assert!(
        ops.iter()
            .all(|op| matches!(op, Op::RenameIndex { .. } | Op::RenameConstraint { .. })),
        "{described:#?}"
    );
    assert_eq!(ops.len(), 3, "{described:#?}");
    assert!(described
        .iter()
        .any(|d| d.contains("'posts_pkey' on 'posts' to 'pk_posts'")));
    assert!(described.iter().any(
        |d| d.contains("'ix_posts_author_id_title' on 'posts' to 'posts_author_id_title_idx'")
    ));
    assert!(described
        .iter()
        .any(|d| d.contains("'uq_posts_title' on 'posts' to 'posts_title_key'")));
}

/// The convention's limit fits every backend: no dialect cuts a name the convention gives (so
/// the names are the same on all of them).
#[test]
fn the_name_limit_fits_every_backend() {
    let long = "x".repeat(200);
    for backend in crate::backend::Backend::all() {
        let dialect = backend.dialect();
        if let Some(limit) = dialect.identifier_limit() {
            assert!(MAX_NAME_BYTES <= limit, "{backend}: {limit}");
        }
        let short = shorten(&long);
        assert_eq!(dialect.stored_identifier(&short), short, "{backend}");
    }
    // The shortest limit of a backend that cuts names silently is the convention's own.
    if cfg!(feature = "postgres") {
        assert!(crate::backend::Backend::all()
            .filter_map(|b| b.dialect().identifier_limit())
            .any(|limit| limit == MAX_NAME_BYTES));
    }
}
