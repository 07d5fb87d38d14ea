//! Adopting a database that already exists: `init --baseline`.

use std::io::Write;

use anyhow::Context as _;
use retort::listing::{first_few, SHOWN};
use retort::script::NewRevision;
use retort::{baseline, runner};

use crate::Settings;

/// `init --baseline`: `init`, then a first revision that creates the database's tables as they
/// are, recorded as applied without running it; the versions diesel recorded before are listed
/// in its metadata.toml (`adopted_versions`), so they are history, not missing revisions.
pub(crate) fn baseline(
    settings: &Settings,
    ignore: &retort::ignore::Ignore,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    crate::authoring::init(settings, out)?;
    let mut scripts = settings.scripts()?;
    let count = scripts.revisions().count();
    if let Some(first) = scripts.revisions().next() {
        anyhow::bail!(
            "init --baseline writes the first revision of a database Retort does not manage yet, \
             but {} already holds {count} revision(s) (e.g. {}); drop --baseline, or point \
             --migrations-dir at a new directory",
            scripts.path().display(),
            first.dir_name
        );
    }
    let mut conn = settings.connect(false)?;
    let mut current = conn.introspect()?;
    let ignored = ignore.remove_from(&mut current);
    if current.tables.is_empty() {
        anyhow::bail!(
            "the database has no tables, so there is nothing to baseline; write the first \
             revision from the models with `{}`",
            retort::invocation::command("autogenerate -m \"...\"")
        );
    }
    let adopted: Vec<String> = runner::recorded(&mut conn)?.into_iter().collect();
    let base = baseline::baseline(&mut conn, &current)?;
    let rev = scripts.write_revision_as(
        NewRevision {
            message: "baseline".to_owned(),
            up_sql: base.up_sql,
            down_sql: base.down_sql,
            adopted_versions: adopted.clone(),
            ..NewRevision::default()
        },
        chrono::Utc::now(),
        Some(conn.backend().key()),
        None,
    )?;
    runner::stamp(&mut conn, &scripts, &rev.id, &settings.run).with_context(|| {
        format!(
            "{} was written but not recorded as applied; run `{}` once the database is reachable",
            rev.path.display(),
            retort::invocation::command("stamp head")
        )
    })?;
    writeln!(
        out,
        "Generated {}: a baseline that creates {} table(s); recorded as applied without running it",
        rev.path.display(),
        base.tables
    )?;
    if !ignored.is_empty() {
        writeln!(
            out,
            "Left out {} ignored table(s): {}",
            ignored.len(),
            first_few(&ignored, SHOWN)
        )?;
    }
    if !adopted.is_empty() {
        writeln!(
            out,
            "Kept {} version(s) recorded before it as history (adopted_versions in its \
             metadata.toml): {}",
            adopted.len(),
            first_few(&adopted, SHOWN)
        )?;
    }
    if let Some(later) = adopted.iter().filter(|v| **v > rev.version).max() {
        eprintln!(
            "{}",
            crate::style::warning(&format!(
                "version {later} sorts after the baseline's {} (diesel orders versions as \
                 strings), so diesel's own tools would list the baseline first",
                rev.version
            ))
        );
    }
    if !base.created.is_empty() {
        writeln!(
            out,
            "It also creates {} object(s) that are not tables: {}",
            base.created.len(),
            first_few(&base.created, SHOWN)
        )?;
    }
    if !base.not_included.is_empty() {
        writeln!(
            out,
            "Not included (listed at the top of up.sql; add them to it by hand before it is \
             applied anywhere else): {}",
            first_few(&base.not_included, SHOWN)
        )?;
    }
    Ok(0)
}
