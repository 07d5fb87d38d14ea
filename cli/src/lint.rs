//! `retort lint [REV...]`: the lint rules of the database's dialect ([`retort::lint`]) on the
//! named revisions, or on those the database has not applied.

use std::io::Write;

use anyhow::Context as _;
use retort::db::DbError;
use retort::dialect::Dialect;
use retort::script::ScriptDirectory;
use retort::{runner, DatabaseUrl};

use crate::settings::Settings;
use crate::verbs::named_revision;

/// Options of `lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Revisions to check (id, prefix, head, -N...); default: those the database has not
    /// applied (all of them when it does not exist yet)
    #[arg(allow_hyphen_values = true)]
    pub revs: Vec<String>,
}

/// Prints the findings of `dialect`'s rules on the revisions `ids`, each as
/// `file:line: rule: message` and the statement; returns how many there were.
pub(crate) fn print_findings(
    scripts: &ScriptDirectory,
    ids: &[impl AsRef<str>],
    dialect: &dyn Dialect,
    out: &mut dyn Write,
) -> anyhow::Result<usize> {
    let mut found = 0;
    for id in ids {
        let revision = scripts
            .revision(id.as_ref())
            .context("a listed revision exists")?;
        for finding in retort::lint::lint(revision, dialect)? {
            found += 1;
            writeln!(
                out,
                "{}:{}: {}: {}\n    {}",
                finding.file.display(),
                finding.line,
                finding.rule,
                finding.message,
                finding.statement
            )?;
        }
    }
    Ok(found)
}

/// Prints each finding (`file:line: rule: message`, then the statement) and exits 1 when there
/// is one, 0 when the revisions break no rule.
pub(crate) fn lint(
    settings: &Settings,
    args: &LintArgs,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let url: DatabaseUrl = settings.database_url.parse()?;
    let dialect = url.backend().dialect();
    let scripts = settings.scripts()?;
    let ids: Vec<String> = if args.revs.is_empty() {
        let applied = match settings.connect(false) {
            Ok(mut conn) => runner::applied(&mut conn, &scripts)?,
            Err(e) if matches!(e.downcast_ref(), Some(DbError::MissingFile { .. })) => {
                Default::default()
            }
            Err(e) => return Err(e),
        };
        scripts
            .graph()
            .topological()
            .iter()
            .filter(|id| !applied.contains(*id))
            .cloned()
            .collect()
    } else {
        args.revs
            .iter()
            .map(|rev| named_revision(scripts.graph(), rev).map(str::to_owned))
            .collect::<anyhow::Result<_>>()?
    };
    let found = print_findings(&scripts, &ids, dialect, out)?;
    let checked = ids.len();
    let revisions = if checked == 1 {
        "revision"
    } else {
        "revisions"
    };
    if found == 0 {
        writeln!(out, "{checked} {revisions} checked: no lint findings")?;
        return Ok(0);
    }
    writeln!(
        out,
        "{found} finding(s) in {checked} {revisions}; fix them, or accept a rule for one revision \
         with `lint_allow = [\"RULE\"]` in its metadata.toml"
    )?;
    Ok(1)
}
