//! Reading the crate's source as the architecture tests need it: the files of a crate with their
//! module paths (following `mod x;` from lib.rs), and each file's tokens without comments and
//! without the items under `#[cfg(test)]`.

use std::fs;
use std::path::{Path, PathBuf};

pub(crate) fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    /// `::`
    Colons,
    Punct(char),
    Str(String),
}

/// The tokens of a file with their line numbers: identifiers, `::`, punctuation and string
/// contents; comments, numbers, characters and lifetimes left out.
pub(crate) fn tokens(file: &Path) -> Vec<(Tok, usize)> {
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

pub(crate) fn ident(t: Option<&(Tok, usize)>) -> Option<&str> {
    match t {
        Some((Tok::Ident(s), _)) => Some(s),
        _ => None,
    }
}

/// Follows the `mod x;` declarations of `file` (module path `path`), collecting every file of
/// the crate with its module path.
pub(crate) fn collect_files(
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
