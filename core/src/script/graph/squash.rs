//! Squashes: a revision that stands for a linear range of others (`replaces`).
//!
//! The graph shows one of two views of each squash whose replaced revisions still exist:
//! *collapsed* (the default), where the squash takes the place of the revisions it replaces
//! and every parent or dependency naming one of them names the squash instead; or *expanded*
//! (for a database that applied some but not all of them), where the squash is left out and
//! a parent or dependency naming it names the last revision it replaces. Once the replaced
//! revisions are gone (`squash --finalize`), the squash is an ordinary revision.

use std::collections::{BTreeMap, BTreeSet};

use super::{GraphError, Node};

/// The nodes of one view, and which revision each replaced one is replaced by.
pub(super) struct View {
    /// The nodes the graph is built from.
    pub nodes: Vec<Node>,
    /// Replaced id -> the squash that replaces it (whether the replaced revision exists).
    pub replaced_by: BTreeMap<String, String>,
}

/// The view of `nodes` with the squashes of `expanded` expanded and every other collapsed.
///
/// A squash may replace another squash (a squash over a squash): collapsed, the outer one
/// stands for everything inside it; expanded, each inner one is collapsed or expanded on its
/// own (an inner squash expanded expands the squashes around it).
pub(super) fn view(nodes: Vec<Node>, expanded: &BTreeSet<String>) -> Result<View, GraphError> {
    let present: BTreeSet<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
    let mut replaced_by: BTreeMap<String, String> = BTreeMap::new();
    let mut ordered: Vec<&Node> = nodes.iter().filter(|n| !n.replaces.is_empty()).collect();
    ordered.sort_by(|a, b| a.id.cmp(&b.id));
    // The squashes whose replaced revisions exist (the others are plain revisions here).
    let mut live: Vec<&Node> = Vec::new();
    for node in &ordered {
        let bad = |problem: String| GraphError::Squash {
            id: node.id.clone(),
            problem,
        };
        for r in &node.replaces {
            if r == &node.id {
                return Err(bad("it lists itself in `replaces`".into()));
            }
            if let Some(other) = replaced_by.insert(r.clone(), node.id.clone()) {
                return Err(bad(format!(
                    "revision {r} is listed in `replaces` twice (here or by squash {other})"
                )));
            }
        }
        let (here, gone): (Vec<&String>, Vec<&String>) = node
            .replaces
            .iter()
            .partition(|r| present.contains(r.as_str()));
        if here.is_empty() {
            continue;
        }
        if !gone.is_empty() {
            return Err(bad(format!(
                "it replaces {}, which exist, and {}, which do not: a squash keeps all its \
                 replaced revisions until `squash --finalize` removes them all; restore the \
                 missing ones (git) or remove the rest",
                join(&here),
                join(&gone)
            )));
        }
        live.push(node);
    }
    // What inner squashes that are gone replaced is known by the squash around them.
    for node in &ordered {
        for r in &node.nested_replaces {
            replaced_by
                .entry(r.clone())
                .or_insert_with(|| node.id.clone());
        }
    }
    // An inner squash expanded expands the squashes around it (its replaced revisions stay).
    let mut expanded = expanded.clone();
    loop {
        let more: Vec<String> = live
            .iter()
            .filter(|n| !expanded.contains(&n.id))
            .filter(|n| n.replaces.iter().any(|r| expanded.contains(r)))
            .map(|n| n.id.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        expanded.extend(more);
    }
    // Dropped id -> the id that stands for it in this view (one step; followed below).
    let mut remap: BTreeMap<String, String> = BTreeMap::new();
    for node in &live {
        if expanded.contains(&node.id) {
            let last = node.replaces.last().expect("not empty");
            remap.insert(node.id.clone(), last.clone());
        } else {
            for r in &node.replaces {
                remap.insert(r.clone(), node.id.clone());
            }
        }
    }
    let resolve = |id: &str| -> Option<String> {
        let mut at = remap.get(id)?;
        // Each step goes to another squash or out of one; never more steps than squashes.
        for _ in 0..=remap.len() {
            match remap.get(at) {
                Some(next) => at = next,
                None => break,
            }
        }
        Some(at.clone())
    };
    let remap: BTreeMap<String, String> = remap
        .keys()
        .map(|id| (id.clone(), resolve(id).expect("in the map")))
        .collect();
    // Only remapped ids change: one that now repeats another, or names the node itself, goes
    // (what was written stays as it is, for the graph to judge).
    let map = |ids: &[String], own: &str| -> Vec<String> {
        let mut out: Vec<String> = Vec::with_capacity(ids.len());
        for id in ids {
            match remap.get(id) {
                Some(to) if to == own || out.contains(to) || ids.contains(to) => {}
                Some(to) => out.push(to.clone()),
                None => out.push(id.clone()),
            }
        }
        out
    };
    let nodes = nodes
        .iter()
        .filter(|n| !remap.contains_key(&n.id))
        .map(|n| Node {
            parents: map(&n.parents, &n.id),
            depends_on: map(&n.depends_on, &n.id),
            ..n.clone()
        })
        .collect();
    Ok(View { nodes, replaced_by })
}

fn join(ids: &[&String]) -> String {
    ids.iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::Graph;
    use super::*;

    fn node(id: &str, parents: &[&str], replaces: &[&str]) -> Node {
        Node {
            id: id.into(),
            parents: parents.iter().map(|p| p.to_string()).collect(),
            sort_key: id.into(),
            replaces: replaces.iter().map(|p| p.to_string()).collect(),
            ..Node::default()
        }
    }

    /// a <- b <- c <- d, and s (parent a) replacing b and c.
    fn nodes() -> Vec<Node> {
        vec![
            node("a", &[], &[]),
            node("b", &["a"], &[]),
            node("c", &["b"], &[]),
            node("d", &["c"], &[]),
            node("s", &["a"], &["b", "c"]),
        ]
    }

    #[test]
    fn collapsed_the_squash_takes_the_place_of_its_range() {
        let g = Graph::new(nodes()).unwrap();
        assert_eq!(g.topological(), ["a", "s", "d"]);
        assert_eq!(g.heads(), ["d"]);
        assert_eq!(g.replaced_by("c"), Some("s"));
        assert_eq!(g.replaced_by("d"), None);
        let applied = ["a", "s"].iter().map(|s| s.to_string()).collect();
        assert_eq!(g.upgrade_plan(&applied, "head").unwrap(), ["d"]);
        assert_eq!(g.downgrade_plan(&applied, "base").unwrap(), ["s", "a"]);
    }

    #[test]
    fn expanded_the_range_stays_and_the_squash_is_left_out() {
        let expanded = ["s".to_string()].into_iter().collect();
        let g = Graph::with_expanded(nodes(), &expanded).unwrap();
        assert_eq!(g.topological(), ["a", "b", "c", "d"]);
        let applied = ["a", "b"].iter().map(|s| s.to_string()).collect();
        assert_eq!(g.upgrade_plan(&applied, "head").unwrap(), ["c", "d"]);
        // A child written on the squash builds on the last replaced revision here.
        let mut more = nodes();
        more.push(node("e", &["s"], &[]));
        more[3].parents = vec!["s".into()];
        let g = Graph::with_expanded(more, &expanded).unwrap();
        assert_eq!(g.get("e").unwrap().parents, ["c"]);
        assert_eq!(g.get("d").unwrap().parents, ["c"]);
    }

    /// `nodes()` with t (parent a) replacing s and d: a squash over a squash.
    fn nested() -> Vec<Node> {
        let mut nodes = nodes();
        nodes.push(node("e", &["d"], &[]));
        nodes.push(Node {
            nested_replaces: vec!["b".into(), "c".into()],
            ..node("t", &["a"], &["s", "d"])
        });
        nodes
    }

    #[test]
    fn a_squash_over_a_squash_stands_for_both_ranges_or_expands_level_by_level() {
        let g = Graph::new(nested()).unwrap();
        assert_eq!(g.topological(), ["a", "t", "e"]);
        assert_eq!(g.get("e").unwrap().parents, ["t"]);
        let err = g.resolve("b").unwrap_err().to_string();
        assert!(err.contains("replaced by squash t"), "{err}");
        // Inside the outer range, at the inner squash.
        let expanded = ["t".to_string()].into_iter().collect();
        let g = Graph::with_expanded(nested(), &expanded).unwrap();
        assert_eq!(g.topological(), ["a", "s", "d", "e"]);
        // Inside the inner range: the inner squash expanded expands the outer one.
        let expanded = ["s".to_string()].into_iter().collect();
        let g = Graph::with_expanded(nested(), &expanded).unwrap();
        assert_eq!(g.topological(), ["a", "b", "c", "d", "e"]);
        // Finalized: what the inner squash replaced is known by the outer one.
        let finalized = vec![
            node("a", &[], &[]),
            Node {
                nested_replaces: vec!["b".into(), "c".into()],
                ..node("t", &["a"], &["s", "d"])
            },
            node("e", &["t"], &[]),
        ];
        let g = Graph::new(finalized).unwrap();
        assert_eq!(g.replaced_by("b"), Some("t"));
        assert_eq!(g.replaced_by("s"), Some("t"));
    }

    #[test]
    fn finalized_squashes_are_plain_revisions_and_half_finalized_ones_an_error() {
        let finalized = vec![
            node("a", &[], &[]),
            node("s", &["a"], &["b", "c"]),
            node("d", &["s"], &[]),
        ];
        let g = Graph::new(finalized).unwrap();
        assert_eq!(g.topological(), ["a", "s", "d"]);
        assert_eq!(g.replaced_by("b"), Some("s"));
        let mut half = nodes();
        half.remove(1);
        half[1].parents = vec!["a".into()];
        let err = Graph::new(half).unwrap_err().to_string();
        assert!(
            err.contains("it replaces c, which exist, and b, which do not"),
            "{err}"
        );
    }
}
