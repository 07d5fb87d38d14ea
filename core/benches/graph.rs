//! Benchmark: the revision graph of N revisions (default 10,000): loading (validation and graph
//! building), what `history` computes for every revision (heads, branch and merge points, in
//! topological order), `heads`, and upgrade and downgrade planning. The revisions form a main
//! line with a two-revision branch and its merge every hundred revisions. Prints one line per
//! measurement, in seconds; run several sizes to see how each grows.
//!
//! Then the same history with a squash of each hundred's linear stretch (96 revisions, between
//! a merge and the next branch point; 96% of the revisions replaced): loading, `history`, the
//! plans in the collapsed view, what the runner does with the versions of a database that ran
//! every replaced revision (`settle_applied`), and the expanded view of a database inside the
//! last squash.
//!
//! ```sh
//! cargo bench -p retort --bench graph -- 1000 10000 20000
//! ```

use std::collections::BTreeSet;
use std::time::Instant;

use retort::script::{RevisionSource, ScriptDirectory};

fn id(i: usize) -> String {
    format!("{i:012x}")
}

fn name(i: usize, label: &str) -> String {
    let (day, second) = (i / 86_400, i % 86_400);
    format!(
        "2026-{:02}-{:02}-{:02}{:02}{:02}-{}_{label}",
        1 + day / 28,
        1 + day % 28,
        second / 3600,
        second / 60 % 60,
        second % 60,
        id(i)
    )
}

/// For each full hundred of `n` revisions, a squash replacing its revisions 3 to 98 (a linear
/// stretch: 2 merges the side branch, 99 is the next branch point); ids from `n` up.
fn squashes(n: usize) -> Vec<RevisionSource> {
    (0..n / 100)
        .filter(|b| b * 100 + 99 < n)
        .enumerate()
        .map(|(k, b)| {
            let first = b * 100 + 3;
            let replaced: Vec<String> = (first..b * 100 + 99)
                .map(|r| format!("\"{}\"", id(r)))
                .collect();
            let sid = n + k;
            RevisionSource::new(
                name(first, &format!("squash{k}")).replace(&id(first), &id(sid)),
                format!(
                    "revision = \"{}\"\nparents = [\"{}\"]\nmessage = \"squash {k}\"\n\
                     created = \"x\"\nreplaces = [{}]\n",
                    id(sid),
                    id(first - 1),
                    replaced.join(", ")
                ),
                "CREATE TABLE s (id INTEGER);\n",
                "DROP TABLE s;\n",
            )
        })
        .collect()
}

/// `n` revisions: i builds on i-1, except that every hundredth revision starts a side branch
/// (i+1 builds on i-1 too) that i+2 merges.
fn sources(n: usize) -> Vec<RevisionSource> {
    (0..n)
        .map(|i| {
            let parents: Vec<usize> = match i {
                0 => vec![],
                _ if i % 100 == 1 && i >= 2 => vec![i - 2],
                _ if i % 100 == 2 && i >= 3 => vec![i - 2, i - 1],
                _ => vec![i - 1],
            };
            let parents: Vec<String> = parents.iter().map(|p| format!("\"{}\"", id(*p))).collect();
            RevisionSource::new(
                name(i, &format!("r{i}")),
                format!(
                    "revision = \"{}\"\nparents = [{}]\nmessage = \"revision {i}\"\ncreated = \"x\"\n",
                    id(i),
                    parents.join(", ")
                ),
                format!("CREATE TABLE t{i} (id INTEGER);\n"),
                format!("DROP TABLE t{i};\n"),
            )
        })
        .collect()
}

fn time<T>(label: &str, n: usize, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    println!(
        "revisions={n} {label}={:.6}s",
        start.elapsed().as_secs_f64()
    );
    out
}

fn run(n: usize) {
    let sources = sources(n);
    let dir = time("load", n, || {
        ScriptDirectory::from_sources("bench", sources).expect("a valid graph")
    });
    let graph = dir.graph();
    let lines = time("history", n, || {
        // What `history` computes: every revision, newest first, with its tags.
        let revisions: Vec<_> = dir.revisions().collect();
        revisions
            .iter()
            .rev()
            .filter(|r| {
                graph.is_head(&r.id) || graph.is_branch_point(&r.id) || graph.is_merge_point(&r.id)
            })
            .count()
    });
    assert!(lines > 0);
    let heads = time("heads", n, || graph.heads().len());
    assert_eq!(heads, 1);
    let none = BTreeSet::new();
    let plan = time("upgrade_plan_base_to_head", n, || {
        graph.upgrade_plan(&none, "head").expect("a plan")
    });
    assert_eq!(plan.len(), n);
    let half: BTreeSet<String> = plan[..n / 2].iter().cloned().collect();
    time("upgrade_plan_half_to_head", n, || {
        graph.upgrade_plan(&half, "head").expect("a plan")
    });
    let all: BTreeSet<String> = plan.iter().cloned().collect();
    time("current_heads", n, || graph.current_heads(&all));
    time("downgrade_plan_to_middle", n, || {
        graph.downgrade_plan(&all, &plan[n / 2]).expect("a plan")
    });
    time("downgrade_plan_to_base", n, || {
        graph.downgrade_plan(&all, "base").expect("a plan")
    });
    time("applied_versions", n, || {
        // What the runner does with the versions recorded in the database.
        dir.revisions()
            .filter(|r| dir.by_version(&r.version).is_some())
            .count()
    });
}

fn run_squashed(n: usize) {
    let mut sources = sources(n);
    let squashes = squashes(n);
    let count = squashes.len();
    sources.extend(squashes);
    let dir = time("squashed_load", n, || {
        ScriptDirectory::from_sources("bench", sources).expect("a valid graph")
    });
    let graph = dir.graph();
    let shown = time("squashed_history", n, || {
        dir.revisions()
            .filter(|r| graph.is_head(&r.id) || graph.is_merge_point(&r.id))
            .count()
    });
    assert!(shown > 0);
    let none = BTreeSet::new();
    let plan = time("squashed_upgrade_plan_base_to_head", n, || {
        graph.upgrade_plan(&none, "head").expect("a plan")
    });
    assert_eq!(plan.len(), n + count - 96 * count);
    // A database that ran every revision the squashes replace: each counts as its squash.
    let ran: BTreeSet<String> = (0..n).map(id).collect();
    let settled = time("squashed_settle_applied", n, || {
        dir.settle_applied(ran.clone()).expect("settled")
    });
    assert_eq!(settled.len(), plan.len());
    // A database inside the last squash: its expanded view, and the plan to the head there.
    let inside: BTreeSet<String> = (0..(count - 1) * 100 + 50).map(id).collect();
    let inside = dir.settle_applied(inside).expect("settled");
    let view = time("squashed_graph_for_inside", n, || dir.graph_for(&inside));
    let pending = time("squashed_upgrade_plan_inside_to_head", n, || {
        view.upgrade_plan(&inside, "head").expect("a plan")
    });
    assert!(pending.len() > 48, "{}", pending.len());
    println!("revisions={n} squashes={count} replaced={}", 96 * count);
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    for n in if sizes.is_empty() {
        vec![10_000]
    } else {
        sizes
    } {
        run(n);
        run_squashed(n);
    }
}
