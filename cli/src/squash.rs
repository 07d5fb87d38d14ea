//! `squash FROM:TO -m MSG`: one revision for a linear range; `squash --finalize [REV]`.

use std::io::Write;

use clap::Args;

use crate::Settings;

/// Options of `squash`.
#[derive(Debug, Args)]
pub struct SquashArgs {
    /// The range to replace, oldest first, both included: FROM:TO, each as `show` takes it (an
    /// id or prefix, a branch label, `LABEL@head`, `head`, `-N`, `+N`, `REV-N`...); a linear
    /// range on one branch (`+1:-10`: all but the last ten)
    #[arg(
        allow_hyphen_values = true,
        required_unless_present = "finalize",
        conflicts_with = "finalize"
    )]
    pub range: Option<String>,
    /// What the squash stands for; also names its directory
    #[arg(short, long, value_parser = clap::builder::NonEmptyStringValueParser::new(),
          required_unless_present = "finalize", conflicts_with = "finalize")]
    pub message: Option<String>,
    /// Write the squash even when its up.sql drops tables or columns that exist before the
    /// range (a database below the range runs the squash instead of the range)
    #[arg(long, conflicts_with = "finalize")]
    pub allow_destructive: bool,
    /// Leave the range's Rust data steps out of the squash (a new database has no rows for
    /// them) instead of refusing the range; keep their code until `--finalize`
    #[arg(long, conflicts_with = "finalize")]
    pub elide_data_steps: bool,
    /// Remove the directories of the revisions squashes replace (of squash REV only, when
    /// given), once every database is past them; revisions built on them then name the squash
    #[arg(long, value_name = "REV", num_args = 0..=1, default_missing_value = "")]
    pub finalize: Option<String>,
}

pub(crate) fn squash(
    settings: &Settings,
    args: &SquashArgs,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let mut scripts = settings.scripts()?;
    if let Some(rev) = &args.finalize {
        let rev = (!rev.is_empty()).then_some(rev.as_str());
        let done = retort::squash::finalize(&scripts, rev)?;
        if done.removed.is_empty() {
            writeln!(
                out,
                "Nothing to finalize: no squash has replaced revisions left"
            )?;
        }
        for path in &done.removed {
            writeln!(out, "Removed {}", retort::shown::path(path))?;
        }
        for id in &done.rewritten {
            writeln!(out, "Rewrote {id}: its parents name the squash")?;
        }
        return Ok(0);
    }
    let (range, message) = match (&args.range, &args.message) {
        (Some(range), Some(message)) => (range, message),
        _ => anyhow::bail!("squash takes FROM:TO and -m MESSAGE (or --finalize)"),
    };
    let Some((from, to)) = range.split_once(':') else {
        anyhow::bail!(
            "squash takes a range FROM:TO (oldest first, both included), not `{range}`; \
             `{}` lists the revisions",
            retort::invocation::command("history")
        );
    };
    // Each end as `show` reads it: an id or prefix, a branch label, `LABEL@head`, `head`,
    // `-N` (N below the head), `+N` (the Nth from base), `REV+N`, `REV-N`, `head-N`.
    let end = |text: &str, which: &str| -> anyhow::Result<String> {
        crate::verbs::named_revision(scripts.graph(), text)
            .map(str::to_owned)
            .map_err(|e| anyhow::anyhow!("the range's {which} `{text}`: {e}"))
    };
    let (from, to) = (end(from, "start")?, end(to, "end")?);
    let url: retort::db::DatabaseUrl = settings.database_url.parse()?;
    let done = retort::squash::squash(
        &url,
        &mut scripts,
        &from,
        &to,
        message,
        args.allow_destructive,
        args.elide_data_steps,
        chrono::Utc::now(),
    )?;
    for warning in &done.warnings {
        eprintln!("warning: {warning}");
    }
    if !done.elided.is_empty() {
        eprintln!(
            "note: left out the Rust data steps {} (new databases run the squash, with no rows              for them); databases inside the range still run them: keep their code until              `{}` has removed the replaced revisions",
            done.elided.join(", "),
            retort::invocation::command("squash --finalize")
        );
    }
    writeln!(
        out,
        "Generated {} replacing {} revisions ({})",
        done.revision.path.display(),
        done.replaces.len(),
        done.replaces.join(", ")
    )?;
    Ok(0)
}
