//! `print-schema`: diesel's `schema.rs` from the models (see [`retort::diesel_schema`]), and
//! keeping the file Retort.toml names (`diesel_schema = "src/schema.rs"`) in step.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use retort::db::DatabaseUrl;
use retort::diesel_schema::{self, Flavor};

use crate::Settings;

/// Options of `print-schema`.
#[derive(Debug, Args)]
pub struct PrintSchemaArgs {
    /// Write the file here instead of standard output (default: Retort.toml's
    /// `diesel_schema`, when set)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write nothing: exit 0 if the file is up to date, 1 if not
    #[arg(long)]
    pub check: bool,
}

/// The schema.rs text for the models this binary manages, in the database's flavor.
pub(crate) fn render(settings: &Settings) -> anyhow::Result<String> {
    let target = settings.target()?;
    let url: DatabaseUrl = settings.database_url.parse()?;
    let backend = url.backend();
    let key = backend.key();
    let flavor = Flavor::of(backend.dialect()).with_context(|| {
        format!("diesel's schema.rs conventions cover SQLite, PostgreSQL and MariaDB, not `{key}`")
    })?;
    Ok(diesel_schema::render(
        &target,
        flavor,
        &retort::invocation::command("print-schema"),
    ))
}

pub(crate) fn print_schema(
    settings: &Settings,
    args: &PrintSchemaArgs,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let text = render(settings)?;
    let path = args
        .output
        .clone()
        .or_else(|| settings.diesel_schema.clone());
    let Some(path) = path else {
        if args.check {
            anyhow::bail!(
                "print-schema --check needs a file: pass --output FILE or set diesel_schema in {}",
                retort::shown::path(&settings.config_path)
            );
        }
        write!(out, "{text}")?;
        return Ok(0);
    };
    if args.check {
        if !path.exists() {
            writeln!(
                out,
                "diesel schema {} does not exist; write it with `{}`",
                retort::shown::path(&path),
                retort::invocation::command(&format!(
                    "print-schema --output {}",
                    retort::shown::path(&path)
                ))
            )?;
            return Ok(1);
        }
        return Ok(if is_current(&path, &text) {
            writeln!(out, "{} is up to date", retort::shown::path(&path))?;
            0
        } else {
            writeln!(out, "{}", stale(&path))?;
            1
        });
    }
    write_if_changed(&path, &text, out)?;
    Ok(0)
}

fn is_current(path: &Path, text: &str) -> bool {
    std::fs::read_to_string(path).is_ok_and(|old| old == text)
}

fn stale(path: &Path) -> String {
    format!(
        "diesel schema {} is not up to date with the models; run `{}`",
        retort::shown::path(path),
        retort::invocation::command("print-schema")
    )
}

fn write_if_changed(path: &Path, text: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    if is_current(path, text) {
        return Ok(());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create directory {}", retort::shown::path(dir)))?;
    }
    std::fs::write(path, text)
        .with_context(|| format!("cannot write {}", retort::shown::path(path)))?;
    writeln!(out, "Wrote diesel schema {}", retort::shown::path(path))?;
    Ok(())
}

/// After autogenerate: refresh Retort.toml's `diesel_schema` file, if set.
pub(crate) fn refresh(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<()> {
    if let Some(path) = &settings.diesel_schema {
        write_if_changed(path, &render(settings)?, out)?;
    }
    Ok(())
}

/// For `check`: a line saying Retort.toml's `diesel_schema` file is stale, if it is.
pub(crate) fn check(settings: &Settings) -> anyhow::Result<Option<String>> {
    let Some(path) = &settings.diesel_schema else {
        return Ok(None);
    };
    let text = render(settings)?;
    Ok((!is_current(path, &text)).then(|| stale(path)))
}
