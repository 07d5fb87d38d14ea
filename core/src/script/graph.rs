//! The revision graph: pure, with no files and no database.
//!
//! Each revision names its parents. The graph knows its heads (revisions nobody builds on), its
//! bases (revisions without parents), a deterministic topological order, and resolves the targets
//! that `upgrade`, `downgrade` and friends accept.

use std::collections::{BTreeMap, BTreeSet};

/// What the graph needs to know about one revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The revision id (12 hexadecimal digits).
    pub id: String,
    /// The ids of the revisions it builds on; empty for a root.
    pub parents: Vec<String>,
    /// Orders revisions that the graph leaves unordered (siblings): the directory name, whose
    /// timestamp prefix makes it chronological.
    pub sort_key: String,
}

/// Why a set of revisions does not form a valid graph, or a target cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// Two revisions share an id.
    #[error("revision {id} appears twice: in {first} and in {second}; give one of them a new revision id")]
    Duplicate {
        /// The shared id.
        id: String,
        /// Where it appears first (a directory name).
        first: String,
        /// Where it appears again.
        second: String,
    },
    /// A revision names a parent that does not exist.
    #[error("revision {id} names parent {parent}, which does not exist; restore the missing migration or fix `parents` in {id}'s metadata.toml")]
    MissingParent {
        /// The revision that names the parent.
        id: String,
        /// The parent id that no revision has.
        parent: String,
    },
    /// Revisions are their own ancestors.
    #[error("the revision graph has a cycle: {}; fix `parents` in the metadata.toml of one of them", cycle.join(" -> "))]
    Cycle {
        /// The revisions of the cycle, in parent-to-child order, the first repeated at the end.
        cycle: Vec<String>,
    },
    /// No revision has this id or prefix.
    #[error("unknown revision `{0}`; `{history}` lists the revisions", history = crate::invocation::command("history"))]
    Unknown(
        /// The id or prefix as given.
        String,
    ),
    /// A prefix matches several revisions.
    #[error("revision prefix `{prefix}` is ambiguous: it matches {}; give more digits", candidates.join(", "))]
    Ambiguous {
        /// The prefix as given.
        prefix: String,
        /// Every revision it matches.
        candidates: Vec<String>,
    },
    /// `head` was asked for, but the graph has several.
    #[error("there are several heads ({}); name one, use `heads`, or join them with `{}`", heads.join(", "), crate::invocation::command("merge"))]
    MultipleHeads {
        /// The heads.
        heads: Vec<String>,
    },
    /// A downgrade target that is not applied.
    #[error("cannot downgrade to {id}: it is not applied; `{}` shows where the database is (to switch branches, downgrade to a revision both branches share, then upgrade)", crate::invocation::command("current"))]
    NotApplied {
        /// The target revision.
        id: String,
    },
    /// A target that is no known form.
    #[error("invalid target `{0}`: expected head, heads, base, a revision id or unique prefix, +N, -N or REV+N/REV-N")]
    BadTarget(
        /// The target as given.
        String,
    ),
    /// A relative target (`+N`, `-N`, `REV+N`) that cannot be reached.
    #[error("cannot move {steps} step(s) from {from}: {reason}")]
    Steps {
        /// Where the steps start.
        from: String,
        /// How many steps were asked for.
        steps: usize,
        /// Why they cannot be taken.
        reason: String,
    },
}

/// A validated revision graph.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    nodes: BTreeMap<String, Node>,
    children: BTreeMap<String, BTreeSet<String>>,
    /// All ids in a deterministic topological order (parents before children).
    order: Vec<String>,
}

impl Graph {
    /// Builds and validates a graph: duplicate ids, missing parents and cycles are errors.
    pub fn new(nodes: Vec<Node>) -> Result<Graph, GraphError> {
        let mut map: BTreeMap<String, Node> = BTreeMap::new();
        for node in nodes {
            if let Some(prev) = map.get(&node.id) {
                return Err(GraphError::Duplicate {
                    id: node.id.clone(),
                    first: prev.sort_key.clone(),
                    second: node.sort_key.clone(),
                });
            }
            map.insert(node.id.clone(), node);
        }
        let mut children: BTreeMap<String, BTreeSet<String>> =
            map.keys().map(|k| (k.clone(), BTreeSet::new())).collect();
        for node in map.values() {
            for parent in &node.parents {
                match children.get_mut(parent) {
                    Some(set) => {
                        set.insert(node.id.clone());
                    }
                    None => {
                        return Err(GraphError::MissingParent {
                            id: node.id.clone(),
                            parent: parent.clone(),
                        })
                    }
                }
            }
        }
        let order = topo_order(&map, &children)?;
        Ok(Graph {
            nodes: map,
            children,
            order,
        })
    }

    /// Whether the graph has no revision.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The number of revisions.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The revision with exactly this id.
    pub fn get(&self, id: &str) -> Option<&Node> {
        self.nodes.get(id)
    }

    /// Every revision, parents before children.
    pub fn topological(&self) -> &[String] {
        &self.order
    }

    /// Revisions that no other revision names as parent, in topological order.
    pub fn heads(&self) -> Vec<&str> {
        self.order
            .iter()
            .filter(|id| self.children[*id].is_empty())
            .map(String::as_str)
            .collect()
    }

    /// Revisions without parents.
    pub fn bases(&self) -> Vec<&str> {
        self.order
            .iter()
            .filter(|id| self.nodes[*id].parents.is_empty())
            .map(String::as_str)
            .collect()
    }

    /// The revisions that name `id` as a parent.
    pub fn children(&self, id: &str) -> impl Iterator<Item = &str> {
        self.children
            .get(id)
            .into_iter()
            .flat_map(|s| s.iter().map(String::as_str))
    }

    /// The single head, or an error naming the heads when there are several. `None` when empty.
    pub fn head(&self) -> Result<Option<&str>, GraphError> {
        let heads = self.heads();
        match heads.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            _ => Err(GraphError::MultipleHeads {
                heads: heads.iter().map(|h| h.to_string()).collect(),
            }),
        }
    }

    /// `ids` and all their ancestors.
    pub fn ancestors_inclusive<'a>(
        &'a self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> BTreeSet<&'a str> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&str> = ids.into_iter().collect();
        while let Some(id) = stack.pop() {
            if let Some(node) = self.nodes.get(id) {
                if seen.insert(node.id.as_str()) {
                    stack.extend(node.parents.iter().map(String::as_str));
                }
            }
        }
        seen
    }

    /// Revisions with several children (where branches split), in topological order.
    pub fn branch_points(&self) -> Vec<&str> {
        self.order
            .iter()
            .filter(|id| self.is_branch_point(id))
            .map(String::as_str)
            .collect()
    }

    /// Revisions with several parents (where branches join), in topological order.
    pub fn merge_points(&self) -> Vec<&str> {
        self.order
            .iter()
            .filter(|id| self.is_merge_point(id))
            .map(String::as_str)
            .collect()
    }

    /// Whether several revisions build on `id`.
    pub fn is_branch_point(&self, id: &str) -> bool {
        self.children.get(id).is_some_and(|c| c.len() > 1)
    }

    /// Whether `id` joins several parents.
    pub fn is_merge_point(&self, id: &str) -> bool {
        self.nodes.get(id).is_some_and(|n| n.parents.len() > 1)
    }

    /// Whether `ancestor` is a strict ancestor of `id`.
    pub fn is_ancestor(&self, ancestor: &str, id: &str) -> bool {
        ancestor != id && self.ancestors_inclusive([id]).contains(ancestor)
    }

    /// Resolves an expression naming one revision: `head` (the single head), a full id, a
    /// unique prefix, or `REV+N`/`REV-N`.
    pub fn resolve_one(&self, text: &str) -> Result<&str, GraphError> {
        match parse_target(text)? {
            Target::Head => self
                .head()?
                .ok_or_else(|| GraphError::Unknown(text.to_owned())),
            Target::Rev(rev, steps) => {
                let id = self.resolve(rev)?;
                self.walk(id, steps)
            }
            Target::Heads | Target::Base | Target::Relative(_) => {
                Err(GraphError::BadTarget(text.to_owned()))
            }
        }
    }

    /// The revisions that are applied once the database, now at `applied`, is at `target`:
    /// exactly `target` and its ancestors (`base`: none, `heads`: every branch); relative
    /// targets (`+N`, `-N`) move from `applied`.
    pub fn applied_at(
        &self,
        applied: &BTreeSet<String>,
        target: &str,
    ) -> Result<BTreeSet<String>, GraphError> {
        let owned = |set: BTreeSet<&str>| set.into_iter().map(str::to_owned).collect();
        Ok(match parse_target(target)? {
            Target::Head => owned(self.ancestors_inclusive(self.head()?)),
            Target::Heads => owned(self.ancestors_inclusive(self.heads())),
            Target::Base => BTreeSet::new(),
            Target::Relative(n) if n >= 0 => {
                let mut set = applied.clone();
                set.extend(self.upgrade_plan(applied, target)?);
                set
            }
            Target::Relative(_) => {
                let gone: BTreeSet<String> =
                    self.downgrade_plan(applied, target)?.into_iter().collect();
                applied.difference(&gone).cloned().collect()
            }
            Target::Rev(rev, steps) => {
                let id = self.resolve(rev)?;
                owned(self.ancestors_inclusive([self.walk(id, steps)?]))
            }
        })
    }

    /// Resolves a full id or a unique prefix.
    pub fn resolve(&self, rev: &str) -> Result<&str, GraphError> {
        if let Some((id, _)) = self.nodes.get_key_value(rev) {
            return Ok(id);
        }
        let candidates: Vec<&String> = self
            .nodes
            .range(rev.to_owned()..)
            .take_while(|(k, _)| k.starts_with(rev))
            .map(|(k, _)| k)
            .collect();
        match candidates.as_slice() {
            [] => Err(GraphError::Unknown(rev.to_owned())),
            [one] if !rev.is_empty() => Ok(one),
            _ => Err(GraphError::Ambiguous {
                prefix: rev.to_owned(),
                candidates: candidates.iter().map(|c| c.to_string()).collect(),
            }),
        }
    }

    /// The applied revisions that no other applied revision builds on.
    pub fn current_heads<'a>(&'a self, applied: &BTreeSet<String>) -> Vec<&'a str> {
        self.order
            .iter()
            .filter(|id| applied.contains(*id))
            .filter(|id| !self.children[*id].iter().any(|c| applied.contains(c)))
            .map(String::as_str)
            .collect()
    }

    /// Revisions to apply, in order, to reach `target` from `applied`.
    pub fn upgrade_plan(
        &self,
        applied: &BTreeSet<String>,
        target: &str,
    ) -> Result<Vec<String>, GraphError> {
        let goal: BTreeSet<&str> = match parse_target(target)? {
            Target::Head => self.head()?.into_iter().collect(),
            Target::Heads => self.heads().into_iter().collect(),
            Target::Base => BTreeSet::new(),
            Target::Relative(n) if n >= 0 => {
                let pending: Vec<String> = self
                    .order
                    .iter()
                    .filter(|id| !applied.contains(*id))
                    .cloned()
                    .collect();
                let n = n as usize;
                if pending.len() < n {
                    return Err(GraphError::Steps {
                        from: "the current revision".into(),
                        steps: n,
                        reason: format!("only {} revision(s) are pending", pending.len()),
                    });
                }
                return Ok(pending.into_iter().take(n).collect());
            }
            Target::Relative(_) => return Err(GraphError::BadTarget(target.to_owned())),
            Target::Rev(rev, steps) => {
                let id = self.resolve_base(rev)?;
                let id = self.walk(id, steps)?;
                std::iter::once(id).collect()
            }
        };
        let wanted = self.ancestors_inclusive(goal);
        Ok(self
            .order
            .iter()
            .filter(|id| wanted.contains(id.as_str()) && !applied.contains(*id))
            .cloned()
            .collect())
    }

    /// Revisions to revert, in order, to go back to `target` from `applied`.
    pub fn downgrade_plan(
        &self,
        applied: &BTreeSet<String>,
        target: &str,
    ) -> Result<Vec<String>, GraphError> {
        let applied_rev: Vec<&String> = self
            .order
            .iter()
            .rev()
            .filter(|id| applied.contains(*id))
            .collect();
        let keep: BTreeSet<&str> = match parse_target(target)? {
            Target::Base => BTreeSet::new(),
            Target::Relative(n) if n <= 0 => {
                let n = n.unsigned_abs() as usize;
                if applied_rev.len() < n {
                    return Err(GraphError::Steps {
                        from: "the current revision".into(),
                        steps: n,
                        reason: format!("only {} revision(s) are applied", applied_rev.len()),
                    });
                }
                return Ok(applied_rev.into_iter().take(n).cloned().collect());
            }
            Target::Head => self.ancestors_inclusive(self.head()?),
            Target::Heads => self.ancestors_inclusive(self.heads()),
            Target::Relative(_) => return Err(GraphError::BadTarget(target.to_owned())),
            Target::Rev(rev, steps) => {
                let id = self.resolve_base(rev)?;
                let id = self.walk(id, steps)?;
                // Only what was built on the target goes: another branch stays applied, and a
                // target that is not applied is a mistake, not a reason to revert anything.
                if !applied.contains(id) {
                    return Err(GraphError::NotApplied { id: id.to_owned() });
                }
                let above = self.descendants(id);
                return Ok(applied_rev
                    .into_iter()
                    .filter(|r| above.contains(r.as_str()))
                    .cloned()
                    .collect());
            }
        };
        Ok(applied_rev
            .into_iter()
            .filter(|id| !keep.contains(id.as_str()))
            .cloned()
            .collect())
    }

    /// Revisions built on `id`, directly or not (excluding `id`).
    pub fn descendants(&self, id: &str) -> BTreeSet<&str> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&str> = self.children(id).collect();
        while let Some(next) = stack.pop() {
            if seen.insert(next) {
                stack.extend(self.children(next));
            }
        }
        seen
    }

    /// The revision a `REV+N`/`REV-N` target starts from: an id or prefix, or `head`.
    fn resolve_base(&self, rev: &str) -> Result<&str, GraphError> {
        if rev == "head" {
            return self
                .head()?
                .ok_or_else(|| GraphError::Unknown("head (there are no revisions)".into()));
        }
        self.resolve(rev)
    }

    /// Moves `steps` along the graph: forward through the only child, backward through the
    /// only parent; a branch or merge point on the way is an error.
    fn walk<'a>(&'a self, start: &'a str, steps: i64) -> Result<&'a str, GraphError> {
        let mut id = start;
        for _ in 0..steps.unsigned_abs() {
            let next: Vec<&str> = if steps > 0 {
                self.children(id).collect()
            } else {
                self.nodes[id].parents.iter().map(String::as_str).collect()
            };
            id = match next.as_slice() {
                [one] => one,
                [] => {
                    return Err(GraphError::Steps {
                        from: start.to_owned(),
                        steps: steps.unsigned_abs() as usize,
                        reason: format!(
                            "{id} has no {}",
                            if steps > 0 { "child" } else { "parent" }
                        ),
                    })
                }
                many => {
                    return Err(GraphError::Steps {
                        from: start.to_owned(),
                        steps: steps.unsigned_abs() as usize,
                        reason: format!(
                            "{id} has several {}: {}",
                            if steps > 0 { "children" } else { "parents" },
                            many.join(", ")
                        ),
                    })
                }
            };
        }
        Ok(id)
    }
}

/// A parsed target expression.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target<'a> {
    Head,
    Heads,
    Base,
    Relative(i64),
    Rev(&'a str, i64),
}

fn parse_target(text: &str) -> Result<Target<'_>, GraphError> {
    let bad = || GraphError::BadTarget(text.to_owned());
    let is_rev = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric());
    match text {
        "head" => return Ok(Target::Head),
        "heads" => return Ok(Target::Heads),
        "base" => return Ok(Target::Base),
        _ => {}
    }
    if let Some(rest) = text.strip_prefix(['+', '-']) {
        let n: i64 = rest.parse().map_err(|_| bad())?;
        return Ok(Target::Relative(if text.starts_with('-') { -n } else { n }));
    }
    if let Some(pos) = text.find(['+', '-']) {
        let (rev, rel) = text.split_at(pos);
        let n: i64 = rel[1..].parse().map_err(|_| bad())?;
        if !is_rev(rev) {
            return Err(bad());
        }
        return Ok(Target::Rev(rev, if rel.starts_with('-') { -n } else { n }));
    }
    if is_rev(text) {
        Ok(Target::Rev(text, 0))
    } else {
        Err(bad())
    }
}

fn topo_order(
    nodes: &BTreeMap<String, Node>,
    children: &BTreeMap<String, BTreeSet<String>>,
) -> Result<Vec<String>, GraphError> {
    let mut indegree: BTreeMap<&str, usize> = nodes
        .values()
        .map(|n| (n.id.as_str(), n.parents.len()))
        .collect();
    // Ready nodes ordered by (sort_key, id) so the order never depends on input order.
    let mut ready: BTreeSet<(&str, &str)> = nodes
        .values()
        .filter(|n| n.parents.is_empty())
        .map(|n| (n.sort_key.as_str(), n.id.as_str()))
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(first) = ready.pop_first() {
        let id = first.1;
        order.push(id.to_owned());
        for child in &children[id] {
            let d = indegree.get_mut(child.as_str()).expect("child is a node");
            *d -= 1;
            if *d == 0 {
                ready.insert((nodes[child].sort_key.as_str(), child.as_str()));
            }
        }
    }
    if order.len() < nodes.len() {
        return Err(GraphError::Cycle {
            cycle: find_cycle(nodes, &indegree),
        });
    }
    Ok(order)
}

/// Finds one cycle among the nodes left with parents after Kahn's algorithm.
fn find_cycle(nodes: &BTreeMap<String, Node>, indegree: &BTreeMap<&str, usize>) -> Vec<String> {
    let start = indegree
        .iter()
        .find(|(_, d)| **d > 0)
        .map(|(id, _)| *id)
        .expect("a node in a cycle");
    // Walk parents that are themselves stuck; the walk must revisit a node.
    let mut path: Vec<&str> = vec![start];
    let mut id = start;
    loop {
        let parent = nodes[id]
            .parents
            .iter()
            .map(String::as_str)
            .find(|p| indegree.get(p).is_some_and(|d| *d > 0))
            .expect("a stuck node has a stuck parent");
        if let Some(pos) = path.iter().position(|p| *p == parent) {
            let mut cycle: Vec<String> = path[pos..].iter().rev().map(|s| s.to_string()).collect();
            cycle.push(cycle[0].clone());
            return cycle;
        }
        path.push(parent);
        id = parent;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, parents: &[&str]) -> Node {
        Node {
            id: id.into(),
            parents: parents.iter().map(|p| p.to_string()).collect(),
            sort_key: format!("k-{id}"),
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
        let g = Graph::new(vec![node("abc1", &[]), node("abd2", &["abc1"])]).unwrap();
        assert_eq!(g.resolve("abc").unwrap(), "abc1");
        assert_eq!(g.resolve("abd2").unwrap(), "abd2");
        assert!(
            matches!(g.resolve("ab"), Err(GraphError::Ambiguous { candidates, .. }) if candidates.len() == 2)
        );
        assert_eq!(g.resolve("x").unwrap_err(), GraphError::Unknown("x".into()));
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
        assert!(matches!(g.resolve_one("q"), Err(GraphError::Unknown(_))));

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
            node("ab1", &["a0"]),
            node("ab2", &["a0"]),
        ])
        .unwrap();
        let err = g.upgrade_plan(&set(&[]), "ab").unwrap_err();
        assert_eq!(
            err,
            GraphError::Ambiguous {
                prefix: "ab".into(),
                candidates: vec!["ab1".into(), "ab2".into()]
            }
        );
        assert!(err.to_string().contains("matches ab1, ab2"), "{err}");
        assert!(g.downgrade_plan(&set(&["a0", "ab1"]), "ab-1").is_err());
    }
}
