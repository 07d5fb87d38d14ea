//! `inspect`: `#[derive(Model)]` structs from a live database, the first step of adopting one
//! (see README "Adopting an existing database").

mod codegen;
mod generation;
mod names;
mod routines;
mod syntax;
mod table;
mod view;

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
    /// Only the tables (with their triggers), views and functions whose names match GLOB (`*`
    /// any characters, `?` one, `[abc]`); repeatable
    #[arg(long = "table", value_name = "GLOB")]
    pub tables: Vec<String>,
    /// Write no declaration for the views and functions matching GLOB (repeatable; adds to `ignore` in
    /// Retort.toml)
    #[arg(long = "ignore", value_name = "GLOB")]
    pub ignore: Vec<String>,
}

pub(crate) fn inspect(
    settings: &Settings,
    args: &InspectArgs,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let mut conn = settings.connect(false)?;
    let mut schema = conn.introspect()?;
    // Views an `ignore` glob names are not written (tables are: see the README).
    let ignore = settings.ignore(&crate::IgnoreArgs {
        globs: args.ignore.clone(),
    })?;
    schema
        .views
        .retain(|name, _| ignore.matching(name).is_none());
    schema.functions.retain(|_, f| !ignore.matches_function(f));
    if !args.tables.is_empty() {
        // The same glob syntax as `ignore` (`*`, `?`, `[...]`), validated the same way.
        let wanted = retort::ignore::Ignore::new(&args.tables)?;
        let all: Vec<String> = schema.tables.keys().cloned().collect();
        schema
            .tables
            .retain(|name, _| wanted.matching(name).is_some());
        schema
            .views
            .retain(|name, _| wanted.matching(name).is_some());
        schema.functions.retain(|_, f| wanted.matches_function(f));
        if schema.tables.is_empty() {
            anyhow::bail!(
                "no table matches --table {}; the database has: {}",
                args.tables.join(" --table "),
                retort::listing::first_few(&all, 10)
            );
        }
    }
    let unread = conn.fill_view_columns(&mut schema);
    let mut generated = codegen::models(&schema, conn.backend().dialect());
    generated.notes.extend(unread);
    let routines = routine_counts(&schema);
    let mut text = format!(
        "// Models of the {} tables{}{routines} of {}, written by `{}`.\n",
        schema.tables.len(),
        match schema.views.len() {
            0 => String::new(),
            n => format!(" and {n} views"),
        },
        retort::redact::url(&settings.database_url),
        retort::invocation::command("inspect")
    );
    text.push_str(&needs(&generated.crates));
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
            let views = match schema.views.len() {
                0 => String::new(),
                n => format!(" and {n} view(s)"),
            };
            writeln!(
                out,
                "Wrote {} model(s){views}{routines} to {}",
                schema.tables.len(),
                path.display()
            )?;
        }
    }
    Ok(0)
}

/// `, 3 functions and procedures, 2 triggers`: the declarations besides models and views.
fn routine_counts(schema: &retort::schema::Schema) -> String {
    let triggers = schema
        .tables
        .values()
        .flat_map(|t| &t.unmodeled)
        .chain(schema.views.values().flat_map(|v| &v.triggers))
        .filter(|k| k.trigger_name().is_some())
        .count();
    let mut out = String::new();
    if !schema.functions.is_empty() {
        out.push_str(&format!(
            ", {} functions and procedures",
            schema.functions.len()
        ));
    }
    if triggers > 0 {
        out.push_str(&format!(", {triggers} triggers"));
    }
    out
}

/// The header line naming the crates the file needs: retort, and those whose types it uses
/// (each behind the retort feature that maps its types, on by default).
fn needs(crates: &std::collections::BTreeSet<&'static str>) -> String {
    if crates.is_empty() {
        return "// Needs the crate retort.\n".to_owned();
    }
    let features: Vec<String> = crates
        .iter()
        .map(|c| format!("`{}`", if *c == "serde_json" { "json" } else { c }))
        .collect();
    format!(
        "// Needs the crates retort, {} in [dependencies] (and retort's default features {}).\n",
        crates.iter().copied().collect::<Vec<_>>().join(", "),
        features.join(", ")
    )
}
