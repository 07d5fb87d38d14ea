//! The revision graph: pure, with no files and no database.
//!
//! Each revision names its parents. The graph knows its heads (revisions nobody builds on), its
//! bases (revisions without parents), a deterministic topological order, and resolves the targets
//! that `upgrade`, `downgrade` and friends accept.

use std::collections::{BTreeMap, BTreeSet};

/// What the graph needs to know about one revision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// The revision id (12 hexadecimal digits).
    pub id: String,
    /// The ids of the revisions it builds on; empty for a root.
    pub parents: Vec<String>,
    /// Orders revisions that the graph leaves unordered (siblings): the directory name, whose
    /// timestamp prefix makes it chronological.
    pub sort_key: String,
    /// The branch labels it declares (`branch_labels`): each names the branch starting here.
    pub branch_labels: Vec<String>,
    /// The revisions it needs applied first without building on them (`depends_on`).
    pub depends_on: Vec<String>,
    /// The revisions this squash stands for (`replaces`), oldest first; empty for every other
    /// revision.
    pub replaces: Vec<String>,
    /// For a squash over squashes: the revisions its inner squashes replaced
    /// (`nested_replaces`), known by their ids once those squashes are gone.
    pub nested_replaces: Vec<String>,
}

mod error;
mod links;
mod squash;
mod target;

pub use error::GraphError;
pub use links::check_label;
pub use target::MIN_PREFIX_LEN;

use target::{parse_target, Target};

/// A validated revision graph.
///
/// Revisions are held by index, with their children and topological positions computed once, so
/// every query is linear in the size of the graph (or better) and building it is `n log n`.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Id -> index into `nodes`.
    index: BTreeMap<String, usize>,
    nodes: Vec<Node>,
    /// The parents of each node, as indices.
    parents: Vec<Vec<usize>>,
    /// The children of each node, as indices sorted by id.
    children: Vec<Vec<usize>>,
    /// The parents and dependencies of each node: what must be applied before it.
    requires: Vec<Vec<usize>>,
    /// The children and dependents of each node: what must be reverted before it.
    required_by: Vec<Vec<usize>>,
    /// Branch label -> the node that declares it.
    labels: BTreeMap<String, usize>,
    /// All ids in a deterministic topological order (parents before children).
    order: Vec<String>,
    /// Node indices in topological order.
    order_idx: Vec<usize>,
    /// Each node's position in `order`.
    position: Vec<usize>,
    /// Replaced revision -> the squash that replaces it (see [`Graph::with_expanded`]).
    replaced_by: BTreeMap<String, String>,
}

impl Graph {
    /// Builds and validates a graph: duplicate ids, a parent named twice, missing parents or
    /// dependencies, invalid or duplicate branch labels and cycles (through parents and
    /// dependencies) are errors. No input makes it panic.
    ///
    /// Every squash whose replaced revisions exist takes their place (it is *collapsed*): the
    /// replaced revisions are left out, and parents and dependencies naming them name the
    /// squash.
    pub fn new(nodes: Vec<Node>) -> Result<Graph, GraphError> {
        Graph::with_expanded(nodes, &BTreeSet::new())
    }

    /// Like [`Graph::new`], with the squashes of `expanded` *expanded* instead: the squash is
    /// left out and its replaced revisions stay, as a database that applied some of them needs
    /// (parents and dependencies naming the squash name its last replaced revision).
    pub fn with_expanded(
        nodes: Vec<Node>,
        expanded: &BTreeSet<String>,
    ) -> Result<Graph, GraphError> {
        let squash::View { nodes, replaced_by } = squash::view(nodes, expanded)?;
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        for (i, node) in nodes.iter().enumerate() {
            if let Some(&prev) = index.get(&node.id) {
                return Err(GraphError::Duplicate {
                    id: node.id.clone(),
                    first: nodes[prev].sort_key.clone(),
                    second: node.sort_key.clone(),
                });
            }
            index.insert(node.id.clone(), i);
        }
        let mut parents = vec![Vec::new(); nodes.len()];
        let mut children = vec![Vec::new(); nodes.len()];
        // In id order, so errors do not depend on the input order and children come sorted.
        for &i in index.values() {
            let node = &nodes[i];
            let mut seen = BTreeSet::new();
            for parent in &node.parents {
                if !seen.insert(parent.as_str()) {
                    return Err(GraphError::DuplicateParent {
                        id: node.id.clone(),
                        parent: parent.clone(),
                    });
                }
                let Some(&p) = index.get(parent) else {
                    return Err(GraphError::MissingParent {
                        id: node.id.clone(),
                        parent: parent.clone(),
                    });
                };
                parents[i].push(p);
                children[p].push(i);
            }
        }
        let links::Links {
            requires,
            required_by,
            labels,
        } = links::link(&nodes, &index, &parents)?;
        let order_idx = topo_order(&nodes, &requires, &required_by)?;
        let mut position = vec![0; nodes.len()];
        for (pos, &i) in order_idx.iter().enumerate() {
            position[i] = pos;
        }
        let order = order_idx.iter().map(|&i| nodes[i].id.clone()).collect();
        Ok(Graph {
            index,
            nodes,
            parents,
            children,
            requires,
            required_by,
            labels,
            order,
            order_idx,
            position,
            replaced_by,
        })
    }

    /// The squash that replaces `id`, when a squash lists it in `replaces` (whether `id`
    /// still exists or was finalized away).
    pub fn replaced_by(&self, id: &str) -> Option<&str> {
        self.replaced_by.get(id).map(String::as_str)
    }

    fn idx(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    fn id(&self, i: usize) -> &str {
        &self.nodes[i].id
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
        self.idx(id).map(|i| &self.nodes[i])
    }

    /// Every revision, parents before children.
    pub fn topological(&self) -> &[String] {
        &self.order
    }

    /// The position of `id` in [`Graph::topological`].
    pub fn position(&self, id: &str) -> Option<usize> {
        self.idx(id).map(|i| self.position[i])
    }

    /// Revisions that no other revision names as parent, in topological order.
    pub fn heads(&self) -> Vec<&str> {
        self.order_idx
            .iter()
            .filter(|&&i| self.children[i].is_empty())
            .map(|&i| self.id(i))
            .collect()
    }

    /// Whether `id` is a head: a revision no other revision names as parent.
    pub fn is_head(&self, id: &str) -> bool {
        self.idx(id).is_some_and(|i| self.children[i].is_empty())
    }

    /// Revisions without parents.
    pub fn bases(&self) -> Vec<&str> {
        self.order_idx
            .iter()
            .filter(|&&i| self.parents[i].is_empty())
            .map(|&i| self.id(i))
            .collect()
    }

    /// The revisions that name `id` as a parent, sorted by id.
    pub fn children(&self, id: &str) -> impl Iterator<Item = &str> {
        self.idx(id)
            .into_iter()
            .flat_map(|i| self.children[i].iter().map(|&c| self.id(c)))
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

    /// Marks the nodes reached from `start` by following `edges` (parents, children,
    /// `requires` or `required_by`), including `start` itself.
    fn reach(&self, start: impl IntoIterator<Item = usize>, edges: &[Vec<usize>]) -> Vec<bool> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack: Vec<usize> = start.into_iter().collect();
        while let Some(i) = stack.pop() {
            if !std::mem::replace(&mut seen[i], true) {
                stack.extend(edges[i].iter().copied().filter(|&n| !seen[n]));
            }
        }
        seen
    }

    /// The ids marked in `mask`, in topological order.
    fn marked(&self, mask: &[bool]) -> impl DoubleEndedIterator<Item = &str> + '_ {
        let mask = mask.to_vec();
        self.order_idx
            .iter()
            .filter(move |&&i| mask[i])
            .map(|&i| self.id(i))
    }

    /// `ids` and all their ancestors.
    pub fn ancestors_inclusive<'a>(
        &'a self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> BTreeSet<&'a str> {
        let start: Vec<usize> = ids.into_iter().filter_map(|id| self.idx(id)).collect();
        self.marked(&self.reach(start, &self.parents)).collect()
    }

    /// Revisions with several children (where branches split), in topological order.
    pub fn branch_points(&self) -> Vec<&str> {
        self.order_idx
            .iter()
            .filter(|&&i| self.children[i].len() > 1)
            .map(|&i| self.id(i))
            .collect()
    }

    /// Revisions with several parents (where branches join), in topological order.
    pub fn merge_points(&self) -> Vec<&str> {
        self.order_idx
            .iter()
            .filter(|&&i| self.parents[i].len() > 1)
            .map(|&i| self.id(i))
            .collect()
    }

    /// Whether several revisions build on `id`.
    pub fn is_branch_point(&self, id: &str) -> bool {
        self.idx(id).is_some_and(|i| self.children[i].len() > 1)
    }

    /// Whether `id` joins several parents.
    pub fn is_merge_point(&self, id: &str) -> bool {
        self.idx(id).is_some_and(|i| self.parents[i].len() > 1)
    }

    /// Whether `ancestor` is a strict ancestor of `id`.
    pub fn is_ancestor(&self, ancestor: &str, id: &str) -> bool {
        match (self.idx(ancestor), self.idx(id)) {
            (Some(a), Some(i)) if a != i => self.reach([i], &self.parents)[a],
            _ => false,
        }
    }

    /// The revisions that are applied once the database, now at `applied`, is at `target`:
    /// exactly `target`, its ancestors and their dependencies (`base`: none, `heads`: every
    /// branch, `LABEL@base`: `applied` without that branch and what depends on it); relative
    /// targets (`+N`, `-N`) move from `applied`.
    pub fn applied_at(
        &self,
        applied: &BTreeSet<String>,
        target: &str,
    ) -> Result<BTreeSet<String>, GraphError> {
        let needed = |ids: Vec<&str>| -> BTreeSet<String> {
            let mask = self.reach(
                ids.into_iter().filter_map(|id| self.idx(id)),
                &self.requires,
            );
            self.marked(&mask).map(str::to_owned).collect()
        };
        Ok(match parse_target(target)? {
            Target::Head => needed(self.head()?.into_iter().collect()),
            Target::Heads => needed(self.heads()),
            Target::Base => BTreeSet::new(),
            Target::BranchBase(_) => {
                let gone: BTreeSet<String> =
                    self.downgrade_plan(applied, target)?.into_iter().collect();
                applied.difference(&gone).cloned().collect()
            }
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
                let id = self.resolve_base(rev)?;
                needed(vec![self.walk(id, steps)?])
            }
        })
    }

    /// Which nodes are in `applied`.
    fn applied_mask(&self, applied: &BTreeSet<String>) -> Vec<bool> {
        let mut mask = vec![false; self.nodes.len()];
        for i in applied.iter().filter_map(|id| self.idx(id)) {
            mask[i] = true;
        }
        mask
    }

    /// The applied revisions that no other applied revision builds on.
    pub fn current_heads<'a>(&'a self, applied: &BTreeSet<String>) -> Vec<&'a str> {
        let mask = self.applied_mask(applied);
        self.order_idx
            .iter()
            .filter(|&&i| mask[i] && !self.children[i].iter().any(|&c| mask[c]))
            .map(|&i| self.id(i))
            .collect()
    }

    /// Revisions to apply, in order, to reach `target` from `applied`.
    pub fn upgrade_plan(
        &self,
        applied: &BTreeSet<String>,
        target: &str,
    ) -> Result<Vec<String>, GraphError> {
        let done = self.applied_mask(applied);
        let goal: Vec<&str> = match parse_target(target)? {
            Target::Head => self.head()?.into_iter().collect(),
            Target::Heads => self.heads(),
            Target::Base | Target::BranchBase(_) => Vec::new(),
            Target::Relative(n) if n >= 0 => {
                let pending: Vec<usize> = self
                    .order_idx
                    .iter()
                    .copied()
                    .filter(|&i| !done[i])
                    .collect();
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                if pending.len() < n {
                    return Err(GraphError::Steps {
                        from: "the current revision".into(),
                        steps: n,
                        reason: format!("only {} revision(s) are pending", pending.len()),
                    });
                }
                return Ok(pending[..n]
                    .iter()
                    .map(|&i| self.id(i).to_owned())
                    .collect());
            }
            Target::Relative(_) => return Err(GraphError::BadTarget(target.to_owned())),
            Target::Rev(rev, steps) => {
                let id = self.resolve_base(rev)?;
                vec![self.walk(id, steps)?]
            }
        };
        let goal = goal.into_iter().filter_map(|id| self.idx(id));
        let mut wanted = self.reach(goal, &self.requires);
        for (w, d) in wanted.iter_mut().zip(&done) {
            *w &= !d;
        }
        Ok(self.marked(&wanted).map(str::to_owned).collect())
    }

    /// Revisions to revert, in order, to go back to `target` from `applied`.
    pub fn downgrade_plan(
        &self,
        applied: &BTreeSet<String>,
        target: &str,
    ) -> Result<Vec<String>, GraphError> {
        let done = self.applied_mask(applied);
        let applied_rev = || self.marked(&done).rev().map(str::to_owned);
        let keep: Vec<bool> = match parse_target(target)? {
            Target::Base => vec![false; self.nodes.len()],
            Target::Relative(n) if n <= 0 => {
                let n = usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX);
                let count = done.iter().filter(|d| **d).count();
                if count < n {
                    return Err(GraphError::Steps {
                        from: "the current revision".into(),
                        steps: n,
                        reason: format!("only {count} revision(s) are applied"),
                    });
                }
                return Ok(applied_rev().take(n).collect());
            }
            Target::Head => self.reach(self.head()?.and_then(|h| self.idx(h)), &self.requires),
            Target::Heads => {
                let heads = self.heads().into_iter().filter_map(|h| self.idx(h));
                self.reach(heads, &self.requires)
            }
            Target::BranchBase(label) => {
                // The branch and everything that depends on it go; the rest stays.
                let branch = self.branch_mask(label)?;
                let start = (0..branch.len()).filter(|&i| branch[i]);
                let mut keep = self.reach(start, &self.required_by);
                keep.iter_mut().for_each(|k| *k = !*k);
                keep
            }
            Target::Relative(_) => return Err(GraphError::BadTarget(target.to_owned())),
            Target::Rev(rev, steps) => {
                let id = self.resolve_base(rev)?;
                let id = self.walk(id, steps)?;
                // Only what was built on the target goes: another branch stays applied, and a
                // target that is not applied is a mistake, not a reason to revert anything.
                if !applied.contains(id) {
                    return Err(GraphError::NotApplied { id: id.to_owned() });
                }
                // What is built on it goes, with what depends on that; what depends on the
                // target itself stays, as the target does.
                let built_on = self.idx(id).into_iter().flat_map(|i| &self.children[i]);
                let mut keep = self.reach(built_on.copied(), &self.required_by);
                keep.iter_mut().for_each(|k| *k = !*k);
                keep
            }
        };
        let mut gone = done;
        for (g, k) in gone.iter_mut().zip(&keep) {
            *g &= !k;
        }
        Ok(self.marked(&gone).rev().map(str::to_owned).collect())
    }

    /// Revisions built on `id`, directly or not (excluding `id`).
    pub fn descendants(&self, id: &str) -> BTreeSet<&str> {
        let Some(i) = self.idx(id) else {
            return BTreeSet::new();
        };
        let mut mask = self.reach([i], &self.children);
        mask[i] = false;
        self.marked(&mask).collect()
    }
}

/// Kahn's algorithm over node indices; ready nodes are taken by (sort_key, id) so the order
/// never depends on the input order.
fn topo_order(
    nodes: &[Node],
    parents: &[Vec<usize>],
    children: &[Vec<usize>],
) -> Result<Vec<usize>, GraphError> {
    let mut indegree: Vec<usize> = parents.iter().map(Vec::len).collect();
    let key = |i: usize| (nodes[i].sort_key.as_str(), nodes[i].id.as_str(), i);
    let mut ready: BTreeSet<(&str, &str, usize)> = (0..nodes.len())
        .filter(|&i| indegree[i] == 0)
        .map(key)
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some((_, _, i)) = ready.pop_first() {
        order.push(i);
        for &child in &children[i] {
            indegree[child] -= 1;
            if indegree[child] == 0 {
                ready.insert(key(child));
            }
        }
    }
    if order.len() < nodes.len() {
        return Err(GraphError::Cycle {
            cycle: find_cycle(nodes, parents, &indegree),
        });
    }
    Ok(order)
}

/// Finds one cycle among the nodes left with parents after Kahn's algorithm: each of them has
/// a parent that is left too, so walking such parents from the smallest id must come back.
fn find_cycle(nodes: &[Node], parents: &[Vec<usize>], indegree: &[usize]) -> Vec<String> {
    let stuck = |i: &usize| indegree[*i] > 0;
    let Some(start) = (0..nodes.len())
        .filter(stuck)
        .min_by(|a, b| nodes[*a].id.cmp(&nodes[*b].id))
    else {
        return Vec::new();
    };
    let mut on_path: Vec<Option<usize>> = vec![None; nodes.len()];
    let mut path = vec![start];
    on_path[start] = Some(0);
    let mut i = start;
    // At most one step per node before a node repeats.
    while let Some(&parent) = parents[i].iter().find(|p| stuck(p)) {
        if let Some(pos) = on_path[parent] {
            let mut cycle: Vec<String> = path[pos..]
                .iter()
                .rev()
                .map(|&n| nodes[n].id.clone())
                .collect();
            cycle.push(cycle[0].clone());
            return cycle;
        }
        on_path[parent] = Some(path.len());
        path.push(parent);
        i = parent;
    }
    // Unreachable for a graph without duplicate parents; still an error, never a panic.
    path.iter().rev().map(|&n| nodes[n].id.clone()).collect()
}

#[cfg(test)]
mod links_tests;
#[cfg(test)]
mod tests;
