//! Target expressions (`head`, `heads`, `base`, ids and prefixes, branch labels, relative
//! steps) and how the graph resolves them.

use std::collections::BTreeSet;

use super::{Graph, GraphError};

impl Graph {
    /// Resolves an expression naming one revision: `head` (the single head), a full id, a
    /// unique prefix, a branch label (the revision that carries it first), `LABEL@head` (the
    /// head of that branch), or any of those followed by `+N`/`-N`.
    pub fn resolve_one(&self, text: &str) -> Result<&str, GraphError> {
        match parse_target(text)? {
            Target::Head => self
                .head()?
                .ok_or_else(|| GraphError::Unknown(text.to_owned())),
            Target::Rev(rev, steps) => {
                let id = self.resolve_base(rev)?;
                self.walk(id, steps)
            }
            Target::Heads | Target::Base | Target::Relative(_) | Target::BranchBase(_) => {
                Err(GraphError::BadTarget(text.to_owned()))
            }
        }
    }

    /// Resolves a full id or a unique prefix of at least [`MIN_PREFIX_LEN`] characters (as
    /// Alembic: a shorter prefix could silently pick a revision the user did not mean).
    pub fn resolve(&self, rev: &str) -> Result<&str, GraphError> {
        if let Some((id, _)) = self.index.get_key_value(rev) {
            return Ok(id);
        }
        // The squash that stands for it in this view (an inner squash may be replaced too).
        // (Bounded: written metadata may make a loop of squashes.)
        let mut at = rev;
        for _ in 0..=self.replaced_by.len() {
            let Some(squash) = self.replaced_by(at) else {
                break;
            };
            if self.index.contains_key(squash) {
                return Err(GraphError::Replaced {
                    id: rev.to_owned(),
                    squash: squash.to_owned(),
                });
            }
            at = squash;
        }
        if rev.chars().count() < MIN_PREFIX_LEN {
            return Err(GraphError::ShortPrefix(rev.to_owned()));
        }
        let candidates: Vec<&String> = self
            .index
            .range::<str, _>((std::ops::Bound::Included(rev), std::ops::Bound::Unbounded))
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

    /// The revision a `REV+N`/`REV-N` target starts from: an id or prefix, `head`, a branch
    /// label or `LABEL@head`.
    pub(super) fn resolve_base(&self, rev: &str) -> Result<&str, GraphError> {
        if rev == "head" {
            return self
                .head()?
                .ok_or_else(|| GraphError::Unknown("head (there are no revisions)".into()));
        }
        if let Some(label) = rev.strip_suffix("@head") {
            return self.branch_head(label);
        }
        if let Some(&i) = self.labels.get(rev) {
            return Ok(self.id(i));
        }
        self.resolve(rev)
    }

    /// Moves `steps` along the graph: forward through the only child, backward through the
    /// only parent; a branch or merge point on the way is an error.
    pub(super) fn walk<'a>(&'a self, start: &'a str, steps: i64) -> Result<&'a str, GraphError> {
        let Some(mut i) = self.idx(start) else {
            return Err(GraphError::Unknown(start.to_owned()));
        };
        let total = usize::try_from(steps.unsigned_abs()).unwrap_or(usize::MAX);
        let fail = |reason: String| GraphError::Steps {
            from: start.to_owned(),
            steps: total,
            reason,
        };
        for _ in 0..total {
            let next = if steps > 0 {
                &self.children[i]
            } else {
                &self.parents[i]
            };
            i = match next.as_slice() {
                [one] => *one,
                [] => {
                    return Err(fail(format!(
                        "{} has no {}",
                        self.id(i),
                        if steps > 0 { "child" } else { "parent" }
                    )))
                }
                many => {
                    let mut names: Vec<&str> = many.iter().map(|&m| self.id(m)).collect();
                    names.sort_unstable();
                    return Err(fail(format!(
                        "{} has several {}: {}",
                        self.id(i),
                        if steps > 0 { "children" } else { "parents" },
                        names.join(", ")
                    )));
                }
            };
        }
        Ok(self.id(i))
    }
}

impl Graph {
    /// Checks an upgrade whose plan is empty: the database, at `applied`, is either at `target`
    /// (fine: nothing to do) or already past it, which is an error (as in Alembic), since an
    /// upgrade never reverts. Call it when [`Graph::upgrade_plan`] returned nothing.
    pub fn refuse_upgrade_below(
        &self,
        applied: &BTreeSet<String>,
        target: &str,
    ) -> Result<(), GraphError> {
        // What a downgrade to the target would revert: nothing when the database is there.
        match self.downgrade_plan(applied, target) {
            Ok(reverts) if !reverts.is_empty() => Err(GraphError::UpgradeBelowCurrent {
                target: target.to_owned(),
                current: self.describe_current(applied),
                reverts,
            }),
            _ => Ok(()),
        }
    }

    /// Checks a downgrade whose plan is empty: the database, at `applied`, is either at
    /// `target` or below it, which is an error (as in Alembic), since a downgrade never
    /// applies. Call it when [`Graph::downgrade_plan`] returned nothing.
    pub fn refuse_downgrade_above(
        &self,
        applied: &BTreeSet<String>,
        target: &str,
    ) -> Result<(), GraphError> {
        match self.upgrade_plan(applied, target) {
            Ok(pending) if !pending.is_empty() => Err(GraphError::DowngradeAboveCurrent {
                target: target.to_owned(),
                current: self.describe_current(applied),
                pending,
            }),
            _ => Ok(()),
        }
    }

    /// Where a database at `applied` is, for a message: its current revisions, or `base`.
    fn describe_current(&self, applied: &BTreeSet<String>) -> String {
        let current = self.current_heads(applied);
        if current.is_empty() {
            return "base".to_owned();
        }
        current
            .iter()
            .map(|id| {
                if self.is_head(id) {
                    format!("{id} (head)")
                } else {
                    (*id).to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The fewest characters a revision prefix may have (a full id may be shorter), as in Alembic.
pub const MIN_PREFIX_LEN: usize = 4;

/// A parsed target expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target<'a> {
    Head,
    Heads,
    Base,
    Relative(i64),
    Rev(&'a str, i64),
    /// `LABEL@base`: below the whole branch.
    BranchBase(&'a str),
}

pub(super) fn parse_target(text: &str) -> Result<Target<'_>, GraphError> {
    let bad = || GraphError::BadTarget(text.to_owned());
    let is_name =
        |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let is_rev = |s: &str| is_name(s.strip_suffix("@head").unwrap_or(s));
    match text {
        "head" => return Ok(Target::Head),
        "heads" => return Ok(Target::Heads),
        "base" => return Ok(Target::Base),
        _ => {}
    }
    if let Some(label) = text.strip_suffix("@base").filter(|l| is_name(l)) {
        return Ok(Target::BranchBase(label));
    }
    if let Some(rest) = text.strip_prefix(['+', '-']) {
        let n = steps(rest).ok_or_else(bad)?;
        if n == 0 {
            return Err(GraphError::ZeroStep(text.to_owned()));
        }
        return Ok(Target::Relative(if text.starts_with('-') { -n } else { n }));
    }
    if let Some(pos) = text.find(['+', '-']) {
        let (rev, rel) = text.split_at(pos);
        let n = steps(&rel[1..]).ok_or_else(bad)?;
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

/// The number of steps after a `+` or `-`: digits only (no second sign).
fn steps(digits: &str) -> Option<i64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}
