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

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
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

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Colons,
    Punct(char),
    Str(String),
}

/// The tokens of a file with their line numbers: identifiers, `::`, punctuation and string
/// contents; comments, numbers, characters and lifetimes left out.
fn tokens(file: &Path) -> Vec<(Tok, usize)> {
    let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let c: Vec<char> = text.chars().collect();
    let (mut i, mut line, mut out) = (0, 1, Vec::new());
    let newlines = |s: &[char]| s.iter().filter(|&&ch| ch == '\n').count();
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            let (start, mut depth) = (i, 0);
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            line += newlines(&c[start..i]);
        } else if let Some(len) = raw_string_start(&c[i..]) {
            // r"..", r#".."#, br#".."#: ends at a quote followed by as many #.
            let hashes = len - if ch == 'b' { 3 } else { 2 };
            let start = i + len;
            let mut j = start;
            while j < c.len()
                && !(c[j] == '"' && c[j + 1..].iter().take_while(|&&h| h == '#').count() >= hashes)
            {
                j += 1;
            }
            out.push((Tok::Str(c[start..j].iter().collect()), line));
            line += newlines(&c[i..j]);
            i = j + 1 + hashes;
        } else if ch == '"' || (ch == 'b' && next == Some('"')) {
            let start = if ch == 'b' { i + 2 } else { i + 1 };
            let mut j = start;
            while j < c.len() && c[j] != '"' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            out.push((Tok::Str(c[start..j].iter().collect()), line));
            line += newlines(&c[i..j.min(c.len())]);
            i = j + 1;
        } else if ch == '\'' || (ch == 'b' && next == Some('\'')) {
            // A character literal ('x', '\n', '\u{..}', b'x') or a lifetime ('a).
            let q = if ch == 'b' { i + 1 } else { i };
            if c.get(q + 1) == Some(&'\\') {
                let mut j = q + 2;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
            } else if c.get(q + 2) == Some(&'\'') {
                i = q + 3;
            } else {
                i = q + 1;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
            }
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            if ch.is_alphabetic() || ch == '_' {
                out.push((Tok::Ident(c[start..i].iter().collect()), line));
            }
        } else if ch == ':' && next == Some(':') {
            out.push((Tok::Colons, line));
            i += 2;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    without_test_items(out)
}

/// The tokens without the items under `#[cfg(test)]` (or `cfg(all(test, ...))`): test code
/// may use any module, as a dev-dependency may.
fn without_test_items(toks: Vec<(Tok, usize)>) -> Vec<(Tok, usize)> {
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let Some(after) = test_cfg_end(&toks, i) else {
            out.push(toks[i].clone());
            i += 1;
            continue;
        };
        // Skip the item: up to its `;` or the brace closing its body, at its own depth.
        let mut depth = 0i32;
        i = after;
        while i < toks.len() {
            match toks[i].0 {
                Tok::Punct('(' | '[' | '{') => depth += 1,
                Tok::Punct(')' | ']') => depth -= 1,
                Tok::Punct('}') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Tok::Punct(';') if depth == 0 => break,
                _ => {}
            }
            i += 1;
        }
        i += 1;
    }
    out
}

/// If `#[cfg(...)]` at `i` enables what follows only in tests, the index after it.
fn test_cfg_end(toks: &[(Tok, usize)], i: usize) -> Option<usize> {
    let is = |k: usize, t: Tok| toks.get(k).map(|x| &x.0) == Some(&t);
    if !(is(i, Tok::Punct('#'))
        && is(i + 1, Tok::Punct('['))
        && ident(toks.get(i + 2)) == Some("cfg"))
    {
        return None;
    }
    let end = (i + 3..toks.len()).find(|&k| is(k, Tok::Punct(']')))?;
    let words: Vec<&str> = (i + 3..end).filter_map(|k| ident(toks.get(k))).collect();
    (words.contains(&"test") && !words.contains(&"not")).then_some(end + 1)
}

/// The length of a raw string's opening (`r"`, `r#"`, `br##"`...) at the start of `c`.
fn raw_string_start(c: &[char]) -> Option<usize> {
    let mut j = match c {
        ['r', ..] => 1,
        ['b', 'r', ..] => 2,
        _ => return None,
    };
    while c.get(j) == Some(&'#') {
        j += 1;
    }
    (c.get(j) == Some(&'"')).then_some(j + 1)
}

fn ident(t: Option<&(Tok, usize)>) -> Option<&str> {
    match t {
        Some((Tok::Ident(s), _)) => Some(s),
        _ => None,
    }
}

/// Follows the `mod x;` declarations of `file` (module path `path`), collecting every file of
/// the crate with its module path.
fn collect_files(
    file: &Path,
    toks: &[(Tok, usize)],
    path: &[String],
    out: &mut Vec<(PathBuf, Vec<String>)>,
) {
    out.push((file.to_path_buf(), path.to_vec()));
    let dir = file.parent().expect("a source file has a directory");
    let mod_rs = matches!(
        file.file_name().and_then(|n| n.to_str()),
        Some("lib.rs" | "main.rs" | "mod.rs")
    );
    // The directory of the submodules a non-mod.rs file declares: `x.rs` -> `x/`.
    let own_dir = if mod_rs {
        dir.to_path_buf()
    } else {
        dir.join(file.file_stem().expect("a .rs file"))
    };
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut path_attr: Option<String> = None;
    for (i, (tok, _)) in toks.iter().enumerate() {
        match tok {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth -= 1;
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            Tok::Ident(kw)
                if kw == "path" && matches!(toks.get(i + 1), Some((Tok::Punct('='), _))) =>
            {
                if let Some((Tok::Str(p), _)) = toks.get(i + 2) {
                    path_attr = Some(p.clone());
                }
            }
            Tok::Ident(kw) if kw == "mod" => {
                let Some(name) = ident(toks.get(i + 1)) else {
                    continue;
                };
                let mut sub: Vec<String> = path.to_vec();
                sub.extend(inline.iter().map(|(n, _)| n.clone()));
                sub.push(name.to_owned());
                match toks.get(i + 2) {
                    Some((Tok::Punct('{'), _)) => {
                        inline.push((name.to_owned(), depth + 1));
                        path_attr = None;
                    }
                    Some((Tok::Punct(';'), _)) => {
                        let found = match path_attr.take() {
                            Some(p) => dir.join(p),
                            None => {
                                let base =
                                    inline.iter().fold(own_dir.clone(), |d, (n, _)| d.join(n));
                                let flat = base.join(format!("{name}.rs"));
                                if flat.exists() {
                                    flat
                                } else {
                                    base.join(name).join("mod.rs")
                                }
                            }
                        };
                        let sub_toks = tokens(&found);
                        collect_files(&found, &sub_toks, &sub, out);
                    }
                    _ => {}
                }
            }
            Tok::Punct(';') => path_attr = None,
            _ => {}
        }
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
