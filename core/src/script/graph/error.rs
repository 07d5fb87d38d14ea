//! Why revisions do not form a graph, or a target cannot be resolved.

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
    /// A revision names the same parent twice.
    #[error("revision {id} names parent {parent} twice; list each parent once in `parents` of {id}'s metadata.toml")]
    DuplicateParent {
        /// The revision that names the parent.
        id: String,
        /// The parent named twice.
        parent: String,
    },
    /// A revision depends on a revision that does not exist.
    #[error("revision {id} depends on {dependency}, which does not exist; restore the missing migration or fix `depends_on` in {id}'s metadata.toml")]
    MissingDependency {
        /// The revision that names the dependency.
        id: String,
        /// The dependency id that no revision has.
        dependency: String,
    },
    /// A branch label that cannot be one.
    #[error("revision {id} declares branch label `{label}`, which cannot be a label: {reason}; rename it in `branch_labels` of {id}'s metadata.toml")]
    BadLabel {
        /// The revision that declares it.
        id: String,
        /// The label as written.
        label: String,
        /// Why it cannot be a label.
        reason: String,
    },
    /// Two revisions (or one, twice) declare the same branch label.
    #[error("branch label `{label}` is declared twice: in {first} and in {second}; a label names one branch, so rename one of them")]
    DuplicateLabel {
        /// The label.
        label: String,
        /// Where it is declared first (a directory name).
        first: String,
        /// Where it is declared again.
        second: String,
    },
    /// No revision declares this branch label.
    #[error("unknown branch label `{0}`; `{history}` shows the labels", history = crate::invocation::command("history"))]
    UnknownLabel(
        /// The label as given.
        String,
    ),
    /// Revisions are their own ancestors.
    #[error("the revision graph has a cycle: {}; fix `parents` or `depends_on` in the metadata.toml of one of them", cycle.join(" -> "))]
    Cycle {
        /// The revisions of the cycle (through parents and dependencies), in parent-to-child order, the first repeated at the end.
        cycle: Vec<String>,
    },
    /// A squash's `replaces` cannot stand.
    #[error("squash {id}: {problem}")]
    Squash {
        /// The squash.
        id: String,
        /// What is wrong, and the fix.
        problem: String,
    },
    /// A target names a revision that a squash replaces, in a view where the squash stands
    /// for it.
    #[error("revision {id} is replaced by squash {squash}, which this database applies (or reverts) as a whole; name {squash} or a revision outside the squashed range")]
    Replaced {
        /// The replaced revision.
        id: String,
        /// The squash.
        squash: String,
    },
    /// No revision has this id or prefix.
    #[error("unknown revision `{0}`; `{history}` lists the revisions", history = crate::invocation::command("history"))]
    Unknown(
        /// The id or prefix as given.
        String,
    ),
    /// A prefix shorter than [`super::MIN_PREFIX_LEN`] characters that is not a full id.
    #[error("revision prefix `{0}` is too short: a prefix needs at least {min} characters (a full id, `head`, `heads`, `base`, `+N` or `-N` need none); `{history}` lists the revisions", min = super::MIN_PREFIX_LEN, history = crate::invocation::command("history"))]
    ShortPrefix(
        /// The prefix as given.
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
    /// An upgrade to a target the database is already past: upgrading never reverts.
    #[error("cannot upgrade to {target}: the database is at {current}, past it, and upgrade only applies revisions; to revert the {} revision(s) applied after it, run `{}`", reverts.len(), crate::invocation::command(&format!("downgrade {target}")))]
    UpgradeBelowCurrent {
        /// The target as given.
        target: String,
        /// Where the database is (its current revisions, or `base`).
        current: String,
        /// What a downgrade to the target would revert.
        reverts: Vec<String>,
    },
    /// A downgrade to a target the database has not reached: downgrading never applies.
    #[error("cannot downgrade to {target}: the database is at {current}, below it, and downgrade only reverts revisions; to apply the {} revision(s) it lacks, run `{}`", pending.len(), crate::invocation::command(&format!("upgrade {target}")))]
    DowngradeAboveCurrent {
        /// The target as given.
        target: String,
        /// Where the database is (its current revisions, or `base`).
        current: String,
        /// What an upgrade to the target would apply.
        pending: Vec<String>,
    },
    /// A relative target of zero steps (`+0`, `-0`).
    #[error("invalid target `{0}`: a step of 0 moves nothing; give +N (upgrade) or -N (downgrade) with N of 1 or more, or a revision")]
    ZeroStep(
        /// The target as given.
        String,
    ),
    /// A target that is no known form.
    #[error("invalid target `{}`: expected head, heads, base, a revision id or unique prefix, a branch label, LABEL@head, LABEL@base, +N, -N or REV+N/REV-N", crate::shown::line(.0))]
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
