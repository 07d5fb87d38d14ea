//! The rules of branch labels and dependencies across revisions: every label valid and
//! declared once, every dependency a revision that exists. Cycles through dependencies are
//! found with the parent cycles (see [`validate`](super::validate)).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::error::{Violation, ViolationKind};
use super::graph::check_label;
use super::source::Metadata;

/// Reports invalid and duplicate labels and unknown dependencies of `revisions` (path of the
/// revision directory, metadata), in id order; `known` holds every revision id that exists,
/// broken ones included. Returns whether every dependency exists.
pub(super) fn check_refs(
    revisions: &[(&Path, &Metadata)],
    known: &BTreeSet<&str>,
    violations: &mut Vec<Violation>,
) -> bool {
    let mut deps_ok = true;
    let mut declared: BTreeMap<&str, (&Path, &Metadata)> = BTreeMap::new();
    // A squash carries the labels of the first revision it replaces: both declare them.
    let replaces = |a: &Metadata, b: &Metadata| {
        a.replaces
            .iter()
            .chain(a.nested_replaces.values().flatten())
            .any(|r| *r == b.revision)
    };
    for &(path, meta) in revisions {
        let file = path.join("metadata.toml");
        for label in &meta.branch_labels {
            if let Err(reason) = check_label(label) {
                violations.push(Violation {
                    kind: ViolationKind::BadLabel,
                    path: file.clone(),
                    problem: format!("branch label `{label}` cannot be a label: {reason}"),
                    fix: "rename it in `branch_labels`".to_owned(),
                });
            } else if let Some(&(first, first_meta)) = declared.get(label.as_str()) {
                if first != path && (replaces(meta, first_meta) || replaces(first_meta, meta)) {
                    continue;
                }
                let other = if first == path {
                    "this revision, which lists it twice".to_owned()
                } else {
                    crate::shown::path(first)
                };
                violations.push(Violation {
                    kind: ViolationKind::DuplicateLabel,
                    path: file.clone(),
                    problem: format!("branch label `{label}` is also declared by {other}"),
                    fix: "a label names one branch: rename one of them in `branch_labels`"
                        .to_owned(),
                });
            } else {
                declared.insert(label, (path, meta));
            }
        }
        for dep in &meta.depends_on {
            if !known.contains(dep.as_str()) {
                deps_ok = false;
                violations.push(Violation {
                    kind: ViolationKind::MissingDependency,
                    path: file.clone(),
                    problem: format!("dependency {dep} does not exist"),
                    fix: "restore the missing migration or fix `depends_on`".to_owned(),
                });
            }
        }
    }
    deps_ok
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::validate::check;
    use super::super::{RevisionSource, ScriptDirectory, ViolationKind};

    fn source(n: u8, parents: &[u8], extra: &str) -> RevisionSource {
        let id = |n: &u8| format!("{n:012x}");
        let parents: Vec<String> = parents.iter().map(|p| format!("\"{}\"", id(p))).collect();
        RevisionSource::new(
            format!("2026-01-01-0000{n:02}-{}_r", id(&n)),
            format!(
                "revision = \"{}\"\nparents = [{}]\ncreated = \"x\"\n{extra}",
                id(&n),
                parents.join(", ")
            ),
            "",
            "",
        )
    }

    #[test]
    fn bad_and_duplicate_labels_and_missing_dependencies_name_their_files() {
        let sources = vec![
            source(1, &[], "branch_labels = [\"shop\", \"beef\"]\n"),
            source(2, &[1], "branch_labels = [\"shop\"]\n"),
            source(3, &[1], "depends_on = [\"0000000000ff\"]\n"),
        ];
        let v = check(Path::new("m"), &sources);
        let kinds: Vec<ViolationKind> = v.iter().map(|v| v.kind).collect();
        assert_eq!(
            kinds,
            [
                ViolationKind::BadLabel,
                ViolationKind::DuplicateLabel,
                ViolationKind::MissingDependency
            ],
            "{v:#?}"
        );
        let text: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert!(
            text[0].contains("000000000001_r/metadata.toml"),
            "{}",
            text[0]
        );
        assert!(text[0].contains("`beef`"), "{}", text[0]);
        assert!(
            text[1].contains("000000000002_r/metadata.toml"),
            "{}",
            text[1]
        );
        assert!(text[1].contains("000000000001_r"), "{}", text[1]);
        assert!(
            text[2].contains("dependency 0000000000ff does not exist"),
            "{}",
            text[2]
        );
        assert!(ScriptDirectory::from_sources("m", sources).is_err());
    }

    #[test]
    fn a_cycle_through_dependencies_is_reported_on_each_member() {
        let sources = vec![
            source(1, &[], "depends_on = [\"000000000002\"]\n"),
            source(2, &[1], ""),
        ];
        let v = check(Path::new("m"), &sources);
        assert!(
            v.iter().all(|v| v.kind == ViolationKind::Cycle) && v.len() == 2,
            "{v:#?}"
        );
        assert!(v[0].to_string().contains("depends_on"), "{}", v[0]);
        let ok = vec![
            source(1, &[], ""),
            source(2, &[], "depends_on = [\"000000000001\"]\n"),
        ];
        assert_eq!(check(Path::new("m"), &ok), vec![]);
        let dir = ScriptDirectory::from_sources("m", ok).unwrap();
        assert_eq!(dir.graph().heads().len(), 2);
    }
}
