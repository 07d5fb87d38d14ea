//! No import cycles between the top-level modules of a crate: dependencies go one way.
//!
//! A module is a top-level file or directory under `src/` (`runner.rs` and `runner/`, or
//! `runner/mod.rs`, with everything they declare, `#[path]` files included). An edge `a -> b`
//! is a path in a file of `a` that names `b`: `crate::b...`, `super::b...` (resolved from the
//! file's place in the module tree, inline modules counted), the groups of
//! `use crate::{b, c::d}`, and a name the crate root re-exports from `b` (`crate::Error` when
//! lib.rs says `pub use error::Error`). Comments and string literals are skipped; glob imports
//! of the crate root (`use super::*` in a top-level file) are not resolved. The crate root
//! itself is not a module.
//!
//! The check reads the source files, not the compiler's output: it is a test of the layout,
//! run with `cargo test -p retort-tests --test architecture`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::source::{collect_files, ident, tokens, workspace, Tok};

/// Core's known cycles: none. Issue 21 found {backend, db, runner} and {schema, dialect, ops,
/// safety, naming, rename, sql}; the layers are now schema (data), sql (parses into it), naming,
/// ops, dialect (renders ops, says what they destroy), safety, and backend (connections, runs,
/// its own errors) below db, runner, offline and error. A cycle added back fails the test; to
/// accept one for a while, list it here (the list may only shrink).
const KNOWN_CORE_CYCLES: &[&[&str]] = &[];

#[test]
fn cli_has_no_module_cycles() {
    let graph = Graph::of_crate(&workspace().join("cli/src"));
    let cycles = graph.cycles();
    for cycle in &cycles {
        eprintln!("{}", graph.describe("cli", cycle));
    }
    assert!(
        cycles.is_empty(),
        "cli has {} import cycle(s) between its top-level modules (printed above): move the \
         shared items to the module that owns them, or to a small new one, so dependencies go \
         one way",
        cycles.len()
    );
}

#[test]
fn core_has_no_new_module_cycles() {
    let graph = Graph::of_crate(&workspace().join("core/src"));
    let cycles = graph.cycles();
    let known: Vec<BTreeSet<String>> = KNOWN_CORE_CYCLES
        .iter()
        .map(|c| c.iter().map(|m| m.to_string()).collect())
        .collect();
    let mut problems = Vec::new();
    for cycle in &cycles {
        eprintln!("{}", graph.describe("core", cycle));
        if !known.contains(cycle) {
            problems.push(match known.iter().find(|k| k.is_subset(cycle)) {
                Some(k) => format!("the known cycle {k:?} grew to {cycle:?}"),
                None if known.iter().any(|k| cycle.is_subset(k)) => {
                    format!("a known cycle shrank to {cycle:?}: shrink KNOWN_CORE_CYCLES to it")
                }
                None => format!("new cycle {cycle:?}"),
            });
        }
    }
    for k in &known {
        if !cycles.iter().any(|c| c.is_subset(k)) {
            problems.push(format!(
                "the known cycle {k:?} is gone: remove it from KNOWN_CORE_CYCLES"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "core's module cycles differ from KNOWN_CORE_CYCLES (which may only shrink):\n  {}",
        problems.join("\n  ")
    );
}

/// Where an edge was seen first: file and line.
type Site = (PathBuf, usize);

#[derive(Debug, Default)]
struct Graph {
    modules: BTreeSet<String>,
    edges: BTreeMap<(String, String), Site>,
}

impl Graph {
    fn of_crate(src: &Path) -> Graph {
        let root = src.join("lib.rs");
        let root_tokens = tokens(&root);
        let mut graph = Graph::default();
        // Every file of the crate with its module path, following `mod x;` from lib.rs.
        let mut files = Vec::new();
        collect_files(&root, &root_tokens, &[], &mut files);
        for (_, path) in &files {
            if let Some(first) = path.first() {
                graph.modules.insert(first.clone());
            }
        }
        let reexports = reexports(&root_tokens, &graph.modules);
        for (file, path) in &files {
            let Some(owner) = path.first() else { continue };
            for (target, line) in references(&tokens(file), path) {
                let target = match target {
                    t if graph.modules.contains(&t) => t,
                    t => match reexports.get(&t) {
                        Some(m) => m.clone(),
                        None => continue,
                    },
                };
                if &target != owner {
                    graph
                        .edges
                        .entry((owner.clone(), target))
                        .or_insert_with(|| (file.clone(), line));
                }
            }
        }
        graph
    }

    /// The strongly connected sets of two or more modules (Tarjan).
    fn cycles(&self) -> Vec<BTreeSet<String>> {
        struct State<'a> {
            graph: &'a Graph,
            index: BTreeMap<&'a str, usize>,
            low: BTreeMap<&'a str, usize>,
            stack: Vec<&'a str>,
            found: Vec<BTreeSet<String>>,
        }
        fn visit<'a>(s: &mut State<'a>, v: &'a str) {
            let i = s.index.len();
            s.index.insert(v, i);
            s.low.insert(v, i);
            s.stack.push(v);
            let next: Vec<&'a str> = s
                .graph
                .edges
                .keys()
                .filter(|(from, _)| from == v)
                .map(|(_, to)| to.as_str())
                .collect();
            for w in next {
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let low = s.low[v].min(s.low[w]);
                    s.low.insert(v, low);
                } else if s.stack.contains(&w) {
                    let low = s.low[v].min(s.index[w]);
                    s.low.insert(v, low);
                }
            }
            if s.low[v] == s.index[v] {
                let mut set = BTreeSet::new();
                while let Some(w) = s.stack.pop() {
                    set.insert(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if set.len() > 1 {
                    s.found.push(set);
                }
            }
        }
        let mut s = State {
            graph: self,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            found: Vec::new(),
        };
        for m in &self.modules {
            if !s.index.contains_key(m.as_str()) {
                visit(&mut s, m);
            }
        }
        s.found.sort();
        s.found
    }

    /// A cycle and the edges inside it, each with the first place it is seen.
    fn describe(&self, krate: &str, cycle: &BTreeSet<String>) -> String {
        let mut out = format!("{krate}: import cycle {cycle:?}");
        for ((from, to), (file, line)) in &self.edges {
            if cycle.contains(from) && cycle.contains(to) {
                let file = file.strip_prefix(workspace()).unwrap_or(file);
                out.push_str(&format!("\n  {from} -> {to}  ({}:{line})", file.display()));
            }
        }
        out
    }
}
/// The names lib.rs re-exports from a module of its own: `pub use error::Error` maps `Error`
/// to `error`.
fn reexports(root: &[(Tok, usize)], modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut depth = 0;
    let mut i = 0;
    while i < root.len() {
        match &root[i].0 {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => depth -= 1,
            Tok::Ident(kw) if kw == "use" && depth == 0 => {
                let end = (i..root.len())
                    .find(|&j| root[j].0 == Tok::Punct(';'))
                    .unwrap_or(root.len());
                if let Some(module) = ident(root.get(i + 1)).filter(|m| modules.contains(*m)) {
                    // Every name the statement binds: an identifier before `,`, `}` or `;`
                    // (after `as`, the alias).
                    for j in i + 2..end {
                        let bound =
                            matches!(root.get(j + 1), Some((Tok::Punct(',' | '}' | ';'), _)));
                        match ident(root.get(j)) {
                            Some(name) if bound && name != "self" => {
                                out.insert(name.to_owned(), module.to_owned());
                            }
                            _ => {}
                        }
                    }
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The crate-root names (a module or a re-exported item) the paths in a file of module path
/// `path` reach, with their lines: `crate::x`, `super::...::x` when the supers climb to the
/// root, and each group entry of `crate::{x, y::z}`.
fn references(toks: &[(Tok, usize)], path: &[String]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    for i in 0..toks.len() {
        match &toks[i].0 {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth -= 1;
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            Tok::Ident(kw) if kw == "mod" => {
                if let (Some(name), Some((Tok::Punct('{'), _))) =
                    (ident(toks.get(i + 1)), toks.get(i + 2))
                {
                    inline.push((name.to_owned(), depth + 1));
                }
            }
            Tok::Ident(kw) if (kw == "crate" || kw == "super") => {
                // The start of a path only: not `a::super`, and `pub(crate)` has no `::`.
                if i > 0 && toks[i - 1].0 == Tok::Colons {
                    continue;
                }
                if toks.get(i + 1).map(|t| &t.0) != Some(&Tok::Colons) {
                    continue;
                }
                let mut here: Vec<&str> = path.iter().map(String::as_str).collect();
                here.extend(inline.iter().map(|(n, _)| n.as_str()));
                let mut j = i;
                if kw == "crate" {
                    here.clear();
                    j += 2;
                } else {
                    while ident(toks.get(j)) == Some("super")
                        && toks.get(j + 1).map(|t| &t.0) == Some(&Tok::Colons)
                    {
                        here.pop();
                        j += 2;
                    }
                }
                if !here.is_empty() {
                    // Still inside a top-level module: `here[0]` is the owner or the target.
                    out.push((here[0].to_owned(), toks[i].1));
                    continue;
                }
                match toks.get(j) {
                    Some((Tok::Ident(name), line)) => out.push((name.clone(), *line)),
                    Some((Tok::Punct('{'), _)) => out.extend(group_heads(toks, j)),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    out
}

/// The first identifier of each entry of the `{...}` group opening at `open`.
fn group_heads(toks: &[(Tok, usize)], open: usize) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut entry_start = true;
    for (tok, line) in &toks[open..] {
        match tok {
            Tok::Punct('{') => {
                depth += 1;
                entry_start = depth == 1;
                continue;
            }
            Tok::Punct('}') => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            Tok::Punct(',') if depth == 1 => {
                entry_start = true;
                continue;
            }
            Tok::Ident(name) if entry_start && depth == 1 && name != "self" => {
                out.push((name.clone(), *line));
            }
            _ => {}
        }
        entry_start = false;
    }
    out
}

#[test]
fn the_checker_sees_paths_groups_supers_and_reexports() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let write = |rel: &str, text: &str| {
        let p = src.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    };
    write(
        "lib.rs",
        "mod a; mod b; mod c; mod d; mod e;\npub use e::Thing;\n// crate::a in a comment\n",
    );
    write("a.rs", "mod inner;\nuse crate::{b::X, self};\n");
    write(
        "a/inner.rs",
        "fn f() { super::super::c::g(); let s = \"crate::d\"; }\n",
    );
    write("b.rs", "fn f() -> crate::Thing { todo!() }\n");
    write(
        "c.rs",
        "#[path = \"c_sub.rs\"]\nmod sub;\n#[cfg(test)]\nmod missing;\n#[cfg(test)]\nmod tests { use crate::b; }\n\
         #[cfg(all(test, feature = \"x\"))]\nfn f() -> [u8; 1] { crate::b::f() }\n",
    );
    write("c_sub.rs", "use super::super::a; mod m { use super::x; }\n");
    write(
        "d.rs",
        "/* crate::b */ // crate::a\nfn f<'a>(x: &'a str) -> char { 'x' } pub(crate) fn g() {}\n",
    );
    write("e.rs", "use crate :: d;\n");
    let graph = Graph::of_crate(src);
    let edges: Vec<_> = graph.edges.keys().cloned().collect();
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        edges,
        pairs(&[("a", "b"), ("a", "c"), ("b", "e"), ("c", "a"), ("e", "d")])
    );
    let cycles = graph.cycles();
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    assert_eq!(
        cycles[0],
        ["a", "c"].iter().map(|s| s.to_string()).collect()
    );
}
