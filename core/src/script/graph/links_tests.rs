//! Unit tests of branch labels and dependencies.

use super::*;

fn node(id: &str, parents: &[&str], labels: &[&str], deps: &[&str]) -> Node {
    let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    Node {
        id: id.into(),
        parents: owned(parents),
        sort_key: format!("k-{id}"),
        branch_labels: owned(labels),
        depends_on: owned(deps),
        replaces: Vec::new(),
        nested_replaces: Vec::new(),
    }
}

/// `r0` with two branches: `shop` (s1 -> s2 -> s3) and `acct` (a1 -> a2, a2 needing s2).
fn two_branches() -> Graph {
    Graph::new(vec![
        node("r0", &[], &[], &[]),
        node("s1", &["r0"], &["shop"], &[]),
        node("s2", &["s1"], &[], &[]),
        node("s3", &["s2"], &[], &[]),
        node("a1", &["r0"], &["acct"], &[]),
        node("a2", &["a1"], &[], &["s2"]),
    ])
    .unwrap()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn labels_name_their_branch_and_its_descendants_carry_them() {
    let g = two_branches();
    assert_eq!(g.labels_of("r0"), Vec::<&str>::new());
    assert_eq!(g.labels_of("s1"), ["shop"]);
    assert_eq!(g.labels_of("s3"), ["shop"]);
    assert_eq!(g.labels_of("a2"), ["acct"]);
    assert_eq!(
        g.branch_labels().collect::<Vec<_>>(),
        [("acct", "a1"), ("shop", "s1")]
    );
    assert_eq!(g.resolve_one("shop").unwrap(), "s1");
    assert_eq!(g.resolve_one("shop@head").unwrap(), "s3");
    assert_eq!(g.resolve_one("shop@head-1").unwrap(), "s2");
    assert_eq!(g.resolve_one("shop+1").unwrap(), "s2");
    assert_eq!(g.resolve_one("acct@head").unwrap(), "a2");
    assert_eq!(
        g.resolve_one("nope@head").unwrap_err(),
        GraphError::UnknownLabel("nope".into())
    );
    assert!(matches!(
        g.resolve_one("shop@base"),
        Err(GraphError::BadTarget(_))
    ));
}

#[test]
fn a_dependency_is_not_a_parent() {
    let g = two_branches();
    assert_eq!(g.heads(), ["a2", "s3"]);
    assert_eq!(g.branch_points(), ["r0"]);
    assert!(g.merge_points().is_empty());
    assert!(!g.is_branch_point("s2"));
    assert!(!g.is_ancestor("s2", "a2"));
    assert_eq!(g.dependents("s2"), ["a2"]);
    // Dependencies come first in the order all plans follow.
    let order = g.topological();
    let pos = |id: &str| order.iter().position(|o| o == id).unwrap();
    assert!(pos("s2") < pos("a2"));
}

#[test]
fn upgrading_a_branch_applies_it_and_what_it_needs() {
    let g = two_branches();
    let none = BTreeSet::new();
    assert_eq!(
        g.upgrade_plan(&none, "shop@head").unwrap(),
        ["r0", "s1", "s2", "s3"]
    );
    let plan = g.upgrade_plan(&none, "acct@head").unwrap();
    assert_eq!(
        plan.iter().cloned().collect::<BTreeSet<_>>(),
        set(&["r0", "a1", "s1", "s2", "a2"])
    );
    assert_eq!(plan.last().unwrap(), "a2");
    assert_eq!(
        g.applied_at(&none, "a2").unwrap(),
        set(&["r0", "a1", "s1", "s2", "a2"])
    );
    // From shop applied, acct needs only its own revisions.
    let shop = set(&["r0", "s1", "s2", "s3"]);
    assert_eq!(g.upgrade_plan(&shop, "acct@head").unwrap(), ["a1", "a2"]);
}

#[test]
fn downgrading_a_dependency_first_reverts_what_depends_on_it() {
    let g = two_branches();
    let all = set(&["r0", "s1", "s2", "s3", "a1", "a2"]);
    let plan = g.downgrade_plan(&all, "s1").unwrap();
    assert_eq!(
        plan.iter().cloned().collect::<BTreeSet<_>>(),
        set(&["s2", "s3", "a2"])
    );
    let pos = |id: &str| plan.iter().position(|p| p == id).unwrap();
    assert!(pos("a2") < pos("s2"));
    // a2 depends on s2 itself, not on what is built on it: downgrading to s2 keeps it.
    assert_eq!(g.downgrade_plan(&all, "s2").unwrap(), ["s3"]);
    let plan = g.downgrade_plan(&all, "shop@base").unwrap();
    assert_eq!(
        plan.iter().cloned().collect::<BTreeSet<_>>(),
        set(&["s1", "s2", "s3", "a2"])
    );
    assert_eq!(g.applied_at(&all, "shop@base").unwrap(), set(&["r0", "a1"]));
    assert_eq!(g.downgrade_plan(&all, "acct@base").unwrap(), ["a2", "a1"]);
    assert!(g.upgrade_plan(&all, "acct@base").unwrap().is_empty());
}

#[test]
fn refuses_bad_and_duplicate_labels_missing_dependencies_and_cycles() {
    for bad in ["beef", "head", "base", "a-b", "", "x@y"] {
        let err = Graph::new(vec![node("r0", &[], &[bad], &[])]).unwrap_err();
        assert!(matches!(err, GraphError::BadLabel { .. }), "{bad}: {err:?}");
    }
    let err = Graph::new(vec![
        node("r0", &[], &["shop"], &[]),
        node("s1", &["r0"], &["shop"], &[]),
    ])
    .unwrap_err();
    assert_eq!(
        err,
        GraphError::DuplicateLabel {
            label: "shop".into(),
            first: "k-r0".into(),
            second: "k-s1".into()
        }
    );
    assert_eq!(
        Graph::new(vec![node("r0", &[], &[], &["zz"])]).unwrap_err(),
        GraphError::MissingDependency {
            id: "r0".into(),
            dependency: "zz".into()
        }
    );
    let err = Graph::new(vec![
        node("r0", &[], &[], &["s1"]),
        node("s1", &["r0"], &[], &[]),
    ])
    .unwrap_err();
    assert!(matches!(err, GraphError::Cycle { .. }), "{err:?}");
    let err = Graph::new(vec![node("r0", &[], &[], &["r0"])]).unwrap_err();
    assert!(matches!(err, GraphError::Cycle { .. }), "{err:?}");
}
