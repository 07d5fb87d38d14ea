//! Property tests over hostile revision graphs: duplicate ids, self-loops, cycles, missing and
//! duplicate parents, dependencies (missing, on itself, through cycles) and branch labels
//! (invalid, duplicate), fed both to [`Graph::new`] and to the validator. Either an error comes
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

/// One revision: id, parents, timestamp second, dependencies, label pick (see [`label`]).
type Spec = (u8, Vec<u8>, u8, Vec<u8>, u8);

/// The branch label a pick means: mostly none, else one of its own, a label several revisions
/// may declare, or one that looks like a revision id.
fn label(pick: u8, k: usize) -> Option<String> {
    match pick {
        4 | 7 => Some(format!("l{k}")),
        5 => Some("shop".into()),
        6 => Some("beef".into()),
        _ => None,
    }
}

/// Per revision: either anything at all, or a valid graph with a few mutations (a parent named
/// twice or itself, a later or missing parent, an id used twice, a dependency on itself, on a
/// later or a missing revision) so that the hostile case is often the only problem.
fn graph() -> impl Strategy<Value = Vec<Spec>> {
    let anything = prop::collection::vec(
        (
            0..IDS,
            prop::collection::vec(0..IDS + 2, 0..4),
            0u8..60,
            prop::collection::vec(0..IDS + 2, 0..2),
            0u8..24,
        ),
        0..10,
    );
    let picks = (
        prop::collection::vec(any::<u8>(), 0..3),
        0u8..30,
        prop::collection::vec(any::<u8>(), 0..2),
        0u8..24,
    );
    let mutated = prop::collection::vec(picks, 1..12).prop_map(|picks| {
        picks
            .into_iter()
            .enumerate()
            .map(|(k, (picks, mutation, dep_picks, label))| {
                let k = k as u8;
                let mut parents: Vec<u8> = picks.iter().filter(|_| k > 0).map(|p| p % k).collect();
                parents.sort_unstable();
                parents.dedup();
                let mut deps: Vec<u8> = dep_picks.iter().filter(|_| k > 0).map(|p| p % k).collect();
                let mut id = k;
                match mutation {
                    5 => deps.push(k),
                    6 => deps.push(k + 1),
                    7 => deps.push(k + 40),
                    0 => parents.push(k),
                    1 => parents.push(k + 1),
                    2 if k > 0 => id = k - 1,
                    3 if k > 0 => parents.push(parents.first().copied().unwrap_or(0)),
                    4 => parents.push(k + 40),
                    _ => {}
                }
                (id, parents, k, deps, label)
            })
            .collect()
    });
    prop_oneof![anything, mutated]
}

fn nodes(spec: &[Spec]) -> Vec<Node> {
    spec.iter()
        .enumerate()
        .map(|(k, (n, parents, _, deps, pick))| Node {
            id: id(*n),
            parents: parents.iter().map(|p| id(*p)).collect(),
            sort_key: format!("{k:03}"),
            branch_labels: label(*pick, k).into_iter().collect(),
            depends_on: deps.iter().map(|p| id(*p)).collect(),
            replaces: Vec::new(),
            nested_replaces: Vec::new(),
        })
        .collect()
}

fn sources(spec: &[Spec]) -> Vec<RevisionSource> {
    let list = |ids: Vec<String>| {
        let quoted: Vec<String> = ids.iter().map(|i| format!("\"{i}\"")).collect();
        quoted.join(", ")
    };
    spec.iter()
        .enumerate()
        .map(|(k, (n, parents, second, deps, pick))| {
            RevisionSource::new(
                format!("2026-01-01-0000{second:02}-{}_r{k}", id(*n)),
                format!(
                    "revision = \"{}\"\nparents = [{}]\ncreated = \"x\"\n\
                     depends_on = [{}]\nbranch_labels = [{}]\n",
                    id(*n),
                    list(parents.iter().map(|p| id(*p)).collect()),
                    list(deps.iter().map(|p| id(*p)).collect()),
                    list(label(*pick, k).into_iter().collect()),
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
        for dep in &node.depends_on {
            assert!(g.position(dep).unwrap() < pos);
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
    // Whatever stays applied after a downgrade still has its parents and dependencies.
    let closed = |left: &BTreeSet<String>| {
        nodes.iter().filter(|n| left.contains(&n.id)).all(|n| {
            n.parents
                .iter()
                .chain(&n.depends_on)
                .all(|p| left.contains(p))
        })
    };
    let after = |plan: Vec<String>| -> BTreeSet<String> {
        let gone: BTreeSet<String> = plan.into_iter().collect();
        applied.difference(&gone).cloned().collect()
    };
    for node in nodes {
        let _ = g.resolve_one(&format!("{}+1", node.id));
        let _ = g.resolve_one(&format!("{}-2", node.id));
        assert!(closed(&after(
            g.downgrade_plan(&applied, &node.id).unwrap()
        )));
        let up = g.upgrade_plan(&none, &node.id).unwrap();
        assert!(closed(&up.into_iter().collect()));
    }
    for (label, declared) in g.branch_labels() {
        let _ = g.resolve_one(&format!("{label}@head"));
        assert_eq!(g.resolve_one(label).unwrap(), declared);
        let left = after(
            g.downgrade_plan(&applied, &format!("{label}@base"))
                .unwrap(),
        );
        assert!(closed(&left) && !left.contains(declared));
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
                        branch_labels: r.branch_labels.clone(),
                        depends_on: r.depends_on.clone(),
                        replaces: r.replaces.clone(),
                        nested_replaces: r.nested_replaces.values().flatten().cloned().collect(),
                    })
                    .collect();
                assert_valid(dir.graph(), &nodes);
            }
            Err(e) => prop_assert!(blocking, "loading failed without a violation: {e}"),
        }
    }
}
