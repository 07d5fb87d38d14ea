//! Branch labels and dependencies: the links between revisions that are not parents.
//!
//! A branch label names the branch that starts at the revision declaring it: that revision and
//! everything built on it carry the label. A dependency (`depends_on`) must be applied before
//! the revision that names it and reverted after it, but it is not a parent: it neither joins
//! branches nor counts for heads, branch points or merge points.

use std::collections::BTreeMap;

use super::{Graph, GraphError, Node};

/// Names that targets already mean, so no label may take them.
const RESERVED: [&str; 4] = ["head", "heads", "base", "current"];

/// Whether `label` may be a branch label; the error says why not. A label is ASCII letters,
/// digits and `_`, is not a word targets already use (`head`, `heads`, `base`, `current`),
/// and holds at least one character that is not a hexadecimal digit, so it can never be taken
/// for a revision id or prefix.
pub fn check_label(label: &str) -> Result<(), String> {
    if label.is_empty() {
        return Err("a branch label cannot be empty".into());
    }
    if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err("a branch label holds only ASCII letters, digits and `_`".into());
    }
    if RESERVED.contains(&label) {
        return Err(format!(
            "`{label}` is already a target ({})",
            RESERVED.join(", ")
        ));
    }
    if label.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(
            "it looks like a revision id or prefix (only hexadecimal digits); add a \
                    letter past `f` or a `_`"
                .into(),
        );
    }
    Ok(())
}

/// What [`link`] computes for [`Graph::new`].
pub(super) struct Links {
    /// Per node: its parents and its dependencies, as indices, each once.
    pub requires: Vec<Vec<usize>>,
    /// Per node: its children and the revisions that depend on it.
    pub required_by: Vec<Vec<usize>>,
    /// Label -> the node that declares it.
    pub labels: BTreeMap<String, usize>,
}

/// Checks labels and dependencies (in id order, so errors do not depend on the input order)
/// and links them: unknown dependencies, invalid and duplicate labels are errors.
pub(super) fn link(
    nodes: &[Node],
    index: &BTreeMap<String, usize>,
    parents: &[Vec<usize>],
) -> Result<Links, GraphError> {
    let mut requires = parents.to_vec();
    let mut required_by = vec![Vec::new(); nodes.len()];
    let mut labels: BTreeMap<String, usize> = BTreeMap::new();
    for (id, &i) in index {
        for dep in &nodes[i].depends_on {
            let Some(&d) = index.get(dep) else {
                return Err(GraphError::MissingDependency {
                    id: id.clone(),
                    dependency: dep.clone(),
                });
            };
            if !requires[i].contains(&d) {
                requires[i].push(d);
            }
        }
        for label in &nodes[i].branch_labels {
            check_label(label).map_err(|reason| GraphError::BadLabel {
                id: id.clone(),
                label: label.clone(),
                reason,
            })?;
            if let Some(&first) = labels.get(label) {
                return Err(GraphError::DuplicateLabel {
                    label: label.clone(),
                    first: nodes[first].sort_key.clone(),
                    second: nodes[i].sort_key.clone(),
                });
            }
            labels.insert(label.clone(), i);
        }
    }
    for (i, reqs) in requires.iter().enumerate() {
        for &r in reqs {
            required_by[r].push(i);
        }
    }
    Ok(Links {
        requires,
        required_by,
        labels,
    })
}

impl Graph {
    /// The branch labels `id` carries, sorted: those it declares and those of the revisions
    /// it is built on.
    pub fn labels_of(&self, id: &str) -> Vec<&str> {
        let Some(i) = self.idx(id) else {
            return Vec::new();
        };
        self.labels
            .iter()
            .filter(|&(_, &l)| l == i || self.reach([i], &self.parents)[l])
            .map(|(label, _)| label.as_str())
            .collect()
    }

    /// Every branch label and the revision that declares it, by label.
    pub fn branch_labels(&self) -> impl Iterator<Item = (&str, &str)> {
        self.labels.iter().map(|(l, &i)| (l.as_str(), self.id(i)))
    }

    /// The revisions that name `id` in `depends_on`, sorted by id.
    pub fn dependents(&self, id: &str) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .nodes
            .iter()
            .filter(|n| n.depends_on.iter().any(|d| d == id))
            .map(|n| n.id.as_str())
            .collect();
        out.sort_unstable();
        out
    }

    /// The nodes of the branch `label` names: the revision that declares it and everything
    /// built on it.
    pub(super) fn branch_mask(&self, label: &str) -> Result<Vec<bool>, GraphError> {
        let &i = self
            .labels
            .get(label)
            .ok_or_else(|| GraphError::UnknownLabel(label.to_owned()))?;
        Ok(self.reach([i], &self.children))
    }

    /// The single head of the branch `label` names.
    pub(super) fn branch_head(&self, label: &str) -> Result<&str, GraphError> {
        let mask = self.branch_mask(label)?;
        let heads: Vec<&str> = self
            .order_idx
            .iter()
            .filter(|&&i| mask[i] && self.children[i].is_empty())
            .map(|&i| self.id(i))
            .collect();
        match heads.as_slice() {
            [one] => Ok(one),
            _ => Err(GraphError::MultipleHeads {
                heads: heads.iter().map(|h| h.to_string()).collect(),
            }),
        }
    }
}
