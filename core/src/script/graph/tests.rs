//! Unit tests of the revision graph.

use super::*;

fn node(id: &str, parents: &[&str]) -> Node {
    Node {
        id: id.into(),
        parents: parents.iter().map(|p| p.to_string()).collect(),
        sort_key: format!("k-{id}"),
        ..Node::default()
    }
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

fn linear() -> Graph {
    Graph::new(vec![
        node("c3", &["b2"]),
        node("a1", &[]),
        node("b2", &["a1"]),
    ])
    .unwrap()
}

#[test]
fn orders_parents_first_and_finds_heads() {
    let g = linear();
    assert_eq!(g.topological(), ["a1", "b2", "c3"]);
    assert_eq!(g.heads(), ["c3"]);
    assert_eq!(g.bases(), ["a1"]);
    assert_eq!(g.head().unwrap(), Some("c3"));
}

#[test]
fn rejects_duplicates_missing_parents_and_cycles() {
    assert!(matches!(
        Graph::new(vec![node("a", &[]), node("a", &[])]),
        Err(GraphError::Duplicate { .. })
    ));
    assert_eq!(
        Graph::new(vec![node("a", &["zz"])]).unwrap_err(),
        GraphError::MissingParent {
            id: "a".into(),
            parent: "zz".into()
        }
    );
    let err = Graph::new(vec![
        node("r", &[]),
        node("a", &["c", "r"]),
        node("b", &["a"]),
        node("c", &["b"]),
    ])
    .unwrap_err();
    match err {
        GraphError::Cycle { cycle } => {
            assert_eq!(cycle.first(), cycle.last());
            assert_eq!(cycle.len(), 4, "{cycle:?}");
        }
        other => panic!("expected a cycle, got {other:?}"),
    }
}

#[test]
fn resolves_prefixes() {
    let g = Graph::new(vec![
        node("abcd1", &[]),
        node("abcd2", &["abcd1"]),
        node("x", &["abcd2"]),
    ])
    .unwrap();
    assert_eq!(g.resolve("abcd1").unwrap(), "abcd1");
    assert!(
        matches!(g.resolve("abcd"), Err(GraphError::Ambiguous { candidates, .. }) if candidates.len() == 2)
    );
    // A full id may be short; a prefix may not.
    assert_eq!(g.resolve("x").unwrap(), "x");
    assert_eq!(
        g.resolve("zzzz").unwrap_err(),
        GraphError::Unknown("zzzz".into())
    );
}

#[test]
fn prefixes_need_four_characters() {
    let g = Graph::new(vec![
        node("3f2a9c0d1e4b", &[]),
        node("9b1c0e7a2d3f", &["3f2a9c0d1e4b"]),
    ])
    .unwrap();
    assert_eq!(g.resolve("3f2a").unwrap(), "3f2a9c0d1e4b");
    for short in ["3", "3f", "3f2"] {
        let err = g.resolve(short).unwrap_err();
        assert_eq!(err, GraphError::ShortPrefix(short.into()));
        assert!(err.to_string().contains("at least 4 characters"), "{err}");
    }
    assert!(g.resolve_one("3f2+1").is_err());
    assert_eq!(g.resolve_one("3f2a+1").unwrap(), "9b1c0e7a2d3f");
    assert_eq!(g.resolve_one("head-1").unwrap(), "3f2a9c0d1e4b");
    assert!(g.applied_at(&set(&[]), "9b1-1").is_err());
    assert_eq!(g.applied_at(&set(&[]), "base").unwrap(), set(&[]));
    assert_eq!(
        g.downgrade_plan(&set(&["3f2a9c0d1e4b", "9b1c0e7a2d3f"]), "9")
            .unwrap_err(),
        GraphError::ShortPrefix("9".into())
    );
}

#[test]
fn plans_upgrades_and_downgrades() {
    let g = linear();
    assert_eq!(
        g.upgrade_plan(&set(&[]), "head").unwrap(),
        ["a1", "b2", "c3"]
    );
    assert_eq!(g.upgrade_plan(&set(&["a1"]), "+1").unwrap(), ["b2"]);
    assert_eq!(g.upgrade_plan(&set(&[]), "b2").unwrap(), ["a1", "b2"]);
    assert_eq!(g.upgrade_plan(&set(&[]), "a1+1").unwrap(), ["a1", "b2"]);
    assert!(g.upgrade_plan(&set(&["a1", "b2"]), "+2").is_err());
    let all = set(&["a1", "b2", "c3"]);
    assert_eq!(g.downgrade_plan(&all, "-1").unwrap(), ["c3"]);
    assert_eq!(g.downgrade_plan(&all, "base").unwrap(), ["c3", "b2", "a1"]);
    assert_eq!(g.downgrade_plan(&all, "a1").unwrap(), ["c3", "b2"]);
    assert_eq!(g.downgrade_plan(&all, "c3-2").unwrap(), ["c3", "b2"]);
    assert!(g.downgrade_plan(&set(&["a1"]), "-2").is_err());
    assert_eq!(g.upgrade_plan(&set(&["a1"]), "head-1").unwrap(), ["b2"]);
    assert_eq!(g.downgrade_plan(&all, "head-2").unwrap(), ["c3", "b2"]);
    assert!(matches!(
        g.upgrade_plan(&all, "bogus!"),
        Err(GraphError::BadTarget(_))
    ));
    for zero in ["+0", "-0", "-000"] {
        assert!(matches!(
            g.downgrade_plan(&all, zero),
            Err(GraphError::ZeroStep(_))
        ));
    }
    // One sign only.
    for signs in ["+-1", "-+1", "c3--1"] {
        assert!(
            matches!(g.downgrade_plan(&all, signs), Err(GraphError::BadTarget(_))),
            "{signs}"
        );
    }
}

#[test]
fn downgrading_to_a_revision_reverts_only_what_was_built_on_it() {
    let g = Graph::new(vec![node("r", &[]), node("b", &["r"]), node("c", &["r"])]).unwrap();
    // Another branch's revision that is not applied is not a target.
    assert_eq!(
        g.downgrade_plan(&set(&["r", "b"]), "c").unwrap_err(),
        GraphError::NotApplied { id: "c".into() }
    );
    // A current head on one branch: the other branch stays.
    assert!(g
        .downgrade_plan(&set(&["r", "b", "c"]), "b")
        .unwrap()
        .is_empty());
    let mut both = g.downgrade_plan(&set(&["r", "b", "c"]), "r").unwrap();
    both.sort();
    assert_eq!(both, ["b", "c"]);
}

#[test]
fn branches_have_several_heads() {
    let g = Graph::new(vec![node("a", &[]), node("b", &["a"]), node("c", &["a"])]).unwrap();
    assert_eq!(g.heads(), ["b", "c"]);
    assert!(matches!(g.head(), Err(GraphError::MultipleHeads { .. })));
    assert_eq!(g.upgrade_plan(&set(&[]), "heads").unwrap(), ["a", "b", "c"]);
    let m = Graph::new(vec![
        node("a", &[]),
        node("b", &["a"]),
        node("c", &["a"]),
        node("m", &["b", "c"]),
    ])
    .unwrap();
    assert_eq!(m.head().unwrap(), Some("m"));
    assert_eq!(m.current_heads(&set(&["a", "b"])), ["b"]);
}

/// a -> (b1 -> b2), (c1) -> m(b2, c1) -> z
fn diamond() -> Graph {
    Graph::new(vec![
        node("z", &["m"]),
        node("m", &["b2", "c1"]),
        node("c1", &["a"]),
        node("b2", &["b1"]),
        node("b1", &["a"]),
        node("a", &[]),
    ])
    .unwrap()
}

#[test]
fn finds_branch_and_merge_points() {
    let g = diamond();
    assert_eq!(g.branch_points(), ["a"]);
    assert_eq!(g.merge_points(), ["m"]);
    assert!(g.is_branch_point("a") && !g.is_branch_point("b1"));
    assert!(g.is_merge_point("m") && !g.is_merge_point("z"));
    assert_eq!(g.children("a").collect::<Vec<_>>(), ["b1", "c1"]);
    assert!(g.is_ancestor("b1", "m"));
    assert!(g.is_ancestor("a", "z"));
    assert!(!g.is_ancestor("b1", "c1"));
    assert!(!g.is_ancestor("m", "m"));
    assert_eq!(linear().branch_points(), Vec::<&str>::new());
    assert_eq!(linear().merge_points(), Vec::<&str>::new());
}

#[test]
fn topological_order_puts_every_parent_first() {
    let g = diamond();
    let order = g.topological();
    let pos = |id: &str| order.iter().position(|o| o == id).unwrap();
    for id in order {
        for parent in &g.get(id).unwrap().parents {
            assert!(pos(parent) < pos(id), "{parent} before {id} in {order:?}");
        }
    }
    assert_eq!(g.heads(), ["z"]);
}

#[test]
fn upgrades_every_branch_and_downgrades_to_the_branch_point() {
    let g = Graph::new(vec![
        node("a", &[]),
        node("b1", &["a"]),
        node("b2", &["b1"]),
        node("c1", &["a"]),
    ])
    .unwrap();
    assert_eq!(g.heads(), ["b2", "c1"]);
    let all = g.upgrade_plan(&set(&[]), "heads").unwrap();
    assert_eq!(all, ["a", "b1", "b2", "c1"]);
    assert!(matches!(
        g.upgrade_plan(&set(&[]), "head"),
        Err(GraphError::MultipleHeads { .. })
    ));
    // One branch only.
    assert_eq!(g.upgrade_plan(&set(&["a"]), "c1").unwrap(), ["c1"]);
    // Down to the branch point: both branches go, children first.
    let applied = set(&["a", "b1", "b2", "c1"]);
    assert_eq!(g.downgrade_plan(&applied, "a").unwrap(), ["c1", "b2", "b1"]);
    // Walking forward through the branch point is ambiguous.
    let err = g.upgrade_plan(&set(&[]), "a+1").unwrap_err().to_string();
    assert!(err.contains("a has several children: b1, c1"), "{err}");
    // With a merge the whole diamond is one head again.
    let d = diamond();
    assert_eq!(
        d.downgrade_plan(&set(&["a", "b1", "b2", "c1", "m", "z"]), "a")
            .unwrap(),
        ["z", "m", "c1", "b2", "b1"]
    );
    let err = d.upgrade_plan(&set(&[]), "z-2").unwrap_err().to_string();
    assert!(err.contains("m has several parents: b2, c1"), "{err}");
}

#[test]
fn resolves_single_revisions_and_applied_sets() {
    let g = diamond();
    assert_eq!(g.resolve_one("head").unwrap(), "z");
    assert_eq!(g.resolve_one("b1+1").unwrap(), "b2");
    assert_eq!(g.resolve_one("z-1").unwrap(), "m");
    assert!(matches!(
        g.resolve_one("heads"),
        Err(GraphError::BadTarget(_))
    ));
    assert!(matches!(g.resolve_one("qqqq"), Err(GraphError::Unknown(_))));
    assert!(matches!(
        g.resolve_one("q"),
        Err(GraphError::ShortPrefix(_))
    ));

    assert_eq!(
        g.applied_at(&set(&[]), "b2").unwrap(),
        set(&["a", "b1", "b2"])
    );
    assert_eq!(g.applied_at(&set(&["a", "b1"]), "base").unwrap(), set(&[]));
    assert_eq!(g.applied_at(&set(&[]), "head").unwrap().len(), 6);
    assert_eq!(
        g.applied_at(&set(&["a"]), "+2").unwrap(),
        set(&["a", "b1", "b2"])
    );
    assert_eq!(
        g.applied_at(&set(&["a", "b1", "b2"]), "-1").unwrap(),
        set(&["a", "b1"])
    );
    // Several heads.
    let split = Graph::new(vec![node("a", &[]), node("b", &["a"]), node("c", &["a"])]).unwrap();
    assert_eq!(
        split.applied_at(&set(&[]), "heads").unwrap(),
        set(&["a", "b", "c"])
    );
    assert!(split.applied_at(&set(&[]), "head").is_err());
}

#[test]
fn ambiguous_prefixes_name_the_candidates_across_branches() {
    let g = Graph::new(vec![
        node("a0", &[]),
        node("abcd1", &["a0"]),
        node("abcd2", &["a0"]),
    ])
    .unwrap();
    let err = g.upgrade_plan(&set(&[]), "abcd").unwrap_err();
    assert_eq!(
        err,
        GraphError::Ambiguous {
            prefix: "abcd".into(),
            candidates: vec!["abcd1".into(), "abcd2".into()]
        }
    );
    assert!(err.to_string().contains("matches abcd1, abcd2"), "{err}");
    assert!(g.downgrade_plan(&set(&["a0", "abcd1"]), "abcd-1").is_err());
}

#[test]
fn a_parent_named_twice_or_itself_is_an_error_not_a_panic() {
    assert_eq!(
        Graph::new(vec![node("a", &[]), node("b", &["a", "a"])]).unwrap_err(),
        GraphError::DuplicateParent {
            id: "b".into(),
            parent: "a".into()
        }
    );
    assert_eq!(
        Graph::new(vec![node("a", &["a"])]).unwrap_err(),
        GraphError::Cycle {
            cycle: vec!["a".into(), "a".into()]
        }
    );
}

#[test]
fn a_target_the_other_way_is_refused_when_nothing_would_run() {
    let g = linear();
    let at_b2 = set(&["a1", "b2"]);
    // At the target: nothing to do, no error.
    assert!(g.refuse_upgrade_below(&at_b2, "b2").is_ok());
    assert!(g.refuse_downgrade_above(&at_b2, "b2").is_ok());
    // An upgrade to a target below the database: it would have to revert.
    for target in ["base", "a1"] {
        assert!(g.upgrade_plan(&at_b2, target).unwrap().is_empty());
        let err = g.refuse_upgrade_below(&at_b2, target).unwrap_err();
        assert!(
            matches!(&err, GraphError::UpgradeBelowCurrent { current, reverts, .. }
                if current == "b2" && reverts.contains(&"b2".to_owned())),
            "{err:?}"
        );
    }
    // A downgrade to a target above the database: it would have to apply.
    assert!(g.downgrade_plan(&at_b2, "head").unwrap().is_empty());
    let err = g.refuse_downgrade_above(&at_b2, "head").unwrap_err();
    assert_eq!(
        err,
        GraphError::DowngradeAboveCurrent {
            target: "head".into(),
            current: "b2".into(),
            pending: vec!["c3".into()],
        }
    );
    let err = g.refuse_downgrade_above(&set(&[]), "heads").unwrap_err();
    assert!(
        err.to_string().starts_with(
            "cannot downgrade to heads: the database is at base, below it, and downgrade only reverts revisions; to apply the 3 revision(s) it lacks, run `"
        ),
        "{err}"
    );
    // At head, upgrade head and downgrade head both have nothing to do.
    let all = set(&["a1", "b2", "c3"]);
    assert!(g.refuse_upgrade_below(&all, "head").is_ok());
    assert!(g.refuse_downgrade_above(&all, "head").is_ok());
    let err = g.refuse_upgrade_below(&all, "base").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot upgrade to base: the database is at c3 (head), past it"),
        "{err}"
    );
}
