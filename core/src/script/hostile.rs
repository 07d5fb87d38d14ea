//! Property tests over hostile revision graphs: duplicate ids, self-loops, cycles, missing and
//! duplicate parents, fed both to [`Graph::new`] and to the validator. Either an error comes
//! back or a valid graph does; nothing panics.

use std::collections::BTreeSet;
use std::path::Path;

use proptest::prelude::*;

use super::graph::{Graph, Node};
use super::validate::check;
use super::{RevisionSource, ScriptDirectory};

/// Ids are drawn from a small range so that duplicates, self-loops and cycles are common;
/// parents may name ids no revision has.
const IDS: u8 = 8;

fn id(n: u8) -> String {
    format!("{n:012x}")
}

/// (id, parents, timestamp second) per revision: either anything at all, or a valid graph
/// with a few mutations (a parent named twice or itself, a later or missing parent, an id used
/// twice) so that the hostile case is often the only problem.
fn graph() -> impl Strategy<Value = Vec<(u8, Vec<u8>, u8)>> {
    let anything = prop::collection::vec(
        (0..IDS, prop::collection::vec(0..IDS + 2, 0..4), 0u8..60),
        0..10,
    );
    let mutated = prop::collection::vec((prop::collection::vec(any::<u8>(), 0..3), 0u8..24), 1..12)
        .prop_map(|picks| {
            picks
                .into_iter()
                .enumerate()
                .map(|(k, (picks, mutation))| {
                    let k = k as u8;
                    let mut parents: Vec<u8> =
                        picks.iter().filter(|_| k > 0).map(|p| p % k).collect();
                    parents.sort_unstable();
                    parents.dedup();
                    let mut id = k;
                    match mutation {
                        0 => parents.push(k),
                        1 => parents.push(k + 1),
                        2 if k > 0 => id = k - 1,
                        3 if k > 0 => parents.push(parents.first().copied().unwrap_or(0)),
                        4 => parents.push(k + 40),
                        _ => {}
                    }
                    (id, parents, k)
                })
                .collect()
        });
    prop_oneof![anything, mutated]
}

fn nodes(spec: &[(u8, Vec<u8>, u8)]) -> Vec<Node> {
    spec.iter()
        .enumerate()
        .map(|(k, (n, parents, _))| Node {
            id: id(*n),
            parents: parents.iter().map(|p| id(*p)).collect(),
            sort_key: format!("{k:03}"),
        })
        .collect()
}

fn sources(spec: &[(u8, Vec<u8>, u8)]) -> Vec<RevisionSource> {
    spec.iter()
        .enumerate()
        .map(|(k, (n, parents, second))| {
            let parents: Vec<String> = parents.iter().map(|p| format!("\"{}\"", id(*p))).collect();
            RevisionSource::new(
                format!("2026-01-01-0000{second:02}-{}_r{k}", id(*n)),
                format!(
                    "revision = \"{}\"\nparents = [{}]\ncreated = \"x\"\n",
                    id(*n),
                    parents.join(", ")
                ),
                "",
                "",
            )
        })
        .collect()
}

/// Everything a valid graph promises.
fn assert_valid(g: &Graph, nodes: &[Node]) {
    let order = g.topological();
    assert_eq!(order.len(), nodes.len());
    let unique: BTreeSet<&String> = order.iter().collect();
    assert_eq!(unique.len(), order.len());
    for node in nodes {
        let pos = g.position(&node.id).unwrap();
        assert_eq!(order[pos], node.id);
        for parent in &node.parents {
            assert!(g.position(parent).unwrap() < pos);
            assert!(g.is_ancestor(parent, &node.id));
        }
        assert_eq!(g.is_head(&node.id), g.children(&node.id).next().is_none());
    }
    let none = BTreeSet::new();
    let all = g.upgrade_plan(&none, "heads").unwrap();
    assert_eq!(all.len(), nodes.len());
    let applied: BTreeSet<String> = all.into_iter().collect();
    assert_eq!(
        g.downgrade_plan(&applied, "base").unwrap().len(),
        nodes.len()
    );
    assert_eq!(g.current_heads(&applied), g.heads());
    for target in ["head", "+1", "-1", "base"] {
        let _ = g.upgrade_plan(&none, target);
        let _ = g.downgrade_plan(&applied, target);
        let _ = g.applied_at(&applied, target);
    }
    for node in nodes {
        let _ = g.resolve_one(&format!("{}+1", node.id));
        let _ = g.resolve_one(&format!("{}-2", node.id));
        let _ = g.downgrade_plan(&applied, &node.id);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_graph_never_panics(spec in graph()) {
        let nodes = nodes(&spec);
        if let Ok(g) = Graph::new(nodes.clone()) {
            assert_valid(&g, &nodes);
        }
    }

    #[test]
    fn the_validator_never_panics_and_agrees_with_loading(spec in graph()) {
        let sources = sources(&spec);
        let violations = check(Path::new("m"), &sources);
        let blocking = violations.iter().any(|v| v.kind.blocks_loading());
        match ScriptDirectory::from_sources("m", sources) {
            Ok(dir) => {
                prop_assert!(!blocking, "{violations:?}");
                let nodes: Vec<Node> = dir
                    .revisions()
                    .map(|r| Node {
                        id: r.id.clone(),
                        parents: r.parents.clone(),
                        sort_key: r.dir_name.clone(),
                    })
                    .collect();
                assert_valid(dir.graph(), &nodes);
            }
            Err(e) => prop_assert!(blocking, "loading failed without a violation: {e}"),
        }
    }
}
