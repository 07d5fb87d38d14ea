//! `inspect`: `#[derive(Model)]` structs from a live database, the first step of adopting one
//! (see README "Adopting an existing database").

mod codegen;
mod kept;

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::Settings;

/// Options of `inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Write the models here instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only the tables whose names match GLOB (`*` any characters, `?` one); repeatable
    #[arg(long = "table", value_name = "GLOB")]
    pub tables: Vec<String>,
}

pub(crate) fn inspect(
    settings: &Settings,
    args: &InspectArgs,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let mut conn = settings.connect(false)?;
    let mut schema = conn.introspect()?;
    if !args.tables.is_empty() {
        schema
            .tables
            .retain(|name, _| args.tables.iter().any(|glob| glob_match(glob, name)));
        if schema.tables.is_empty() {
            anyhow::bail!(
                "no table matches --table {}; the database has {} table(s)",
                args.tables.join(" --table "),
                conn.introspect()?.tables.len()
            );
        }
    }
    let generated = codegen::models(&schema);
    let mut text = format!(
        "// Models of the {} tables of {}, written by `{}`.\n",
        schema.tables.len(),
        retort::redact::url(&settings.database_url),
        retort::invocation::command("inspect")
    );
    if !generated.notes.is_empty() {
        text.push_str(
            "//\n// Not declared, as the models cannot say it yet (check will report it):\n",
        );
        for note in &generated.notes {
            text.push_str(&format!("// - {note}\n"));
        }
    }
    text.push('\n');
    text.push_str(&generated.source);
    for note in &generated.notes {
        eprintln!(
            "{}",
            crate::style::warning(&format!("not declared: {note}"))
        );
    }
    match &args.output {
        None => write!(out, "{text}")?,
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create directory {}", dir.display()))?;
            }
            std::fs::write(path, &text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(
                out,
                "Wrote {} model(s) to {}",
                schema.tables.len(),
                path.display()
            )?;
        }
    }
    Ok(0)
}

/// `*` matches any characters, `?` one; everything else itself.
fn glob_match(glob: &str, name: &str) -> bool {
    fn go(g: &[char], n: &[char]) -> bool {
        match g.split_first() {
            None => n.is_empty(),
            Some(('*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some(('?', rest)) => !n.is_empty() && go(rest, &n[1..]),
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    let g: Vec<char> = glob.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&g, &n)
}

#[cfg(test)]
mod tests {
    #[test]
    fn globs() {
        assert!(super::glob_match("crate*", "crates_keywords"));
        assert!(super::glob_match("?sers", "users"));
        assert!(!super::glob_match("user", "users"));
        assert!(super::glob_match("*", ""));
    }
}
