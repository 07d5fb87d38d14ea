//! `check`: models vs migrations vs database.

use std::io::Write;

use retort::{autogen, runner};

use retort::db::DatabaseUrl;
use retort::schema::Schema;
use retort::script::ScriptDirectory;

use crate::{CheckArgs, Settings};

pub(crate) fn check(
    settings: &Settings,
    args: &CheckArgs,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let target = settings.target()?;
    let ignore = settings.ignore(&args.ignore)?;
    ignore.check_models(&target)?;
    let scripts = settings.scripts()?;
    // Several heads: `upgrade head`, `autogenerate` and start-up upgrades all refuse, so the
    // history is not ready to merge into the main line.
    let heads = scripts.graph().heads();
    if heads.len() > 1 {
        writeln!(
            out,
            "The migrations have {} heads ({}); join them with `{}`",
            heads.len(),
            heads.join(", "),
            retort::invocation::command("merge -m \"merge heads\"")
        )?;
        return Ok(1);
    }
    other_dialect(settings, &scripts)?;
    if report_data_steps(&scripts, out)? {
        return Ok(1);
    }
    if args.shadow {
        return shadow(settings, &scripts, &target, &ignore, out);
    }
    let mut conn = settings.connect(false)?;
    let applied = runner::applied(&mut conn, &scripts)?;
    if !args.allow_edited && crate::workflow::report_edited(&mut conn, &scripts, out)? {
        return Ok(1);
    }
    let pending = scripts
        .graph_for(&applied)
        .upgrade_plan(&applied, "heads")?;
    // A revision a run left partly done is not at any revision: say how far it got.
    let partly = runner::partly_run(&mut conn, &scripts)?;
    for (id, row) in &partly {
        writeln!(
            out,
            "Revision {id} is partly {}: {} statement(s) of its {} took effect before a run \
             stopped; run `{}` to go on from there",
            match row.direction {
                runner::Direction::Upgrade => "applied",
                runner::Direction::Downgrade => "reverted",
            },
            row.done,
            row.direction.file(),
            retort::invocation::command(&row.direction.to_string())
        )?;
    }
    if !partly.is_empty() && pending.is_empty() {
        return Ok(1);
    }
    if !pending.is_empty() {
        writeln!(
            out,
            "Database is not at head: {} revision(s) not applied ({}); run `{}`",
            pending.len(),
            retort::listing::first_few(&pending, retort::listing::SHOWN),
            retort::invocation::command("upgrade head")
        )?;
        // What `upgrade` would then run on busy tables: the lint of those revisions.
        let found = crate::lint::print_findings(&scripts, &pending, conn.dialect(), out)?;
        if found > 0 {
            writeln!(
                out,
                "{found} lint finding(s) in the revisions not applied (see `{}`)",
                retort::invocation::command("lint")
            )?;
        }
        return Ok(1);
    }
    let plan = autogen::plan_rendered(
        &mut conn,
        &target,
        &ignore,
        &[],
        &settings.render_options(false),
    )?;
    if plan.is_empty() {
        let heads = scripts.graph().heads();
        let at = if heads.is_empty() {
            "base".to_owned()
        } else {
            heads.join(", ")
        };
        writeln!(
            out,
            "No changes detected: the database is at {at} and matches the models"
        )?;
        if let Some(stale) = crate::print_schema::check(settings)? {
            writeln!(out, "{stale}")?;
            return Ok(1);
        }
        return Ok(0);
    }
    writeln!(
        out,
        "The models differ from the database; a new migration would contain:"
    )?;
    for line in &plan.invalid {
        writeln!(out, "  {line}")?;
    }
    for op in &plan.ops {
        writeln!(out, "  {}", crate::style::op(op))?;
    }
    for hint in &plan.hints {
        eprintln!("{hint}");
    }
    writeln!(
        out,
        "Run `{}` to write it.",
        retort::invocation::command("autogenerate -m \"...\"")
    )?;
    Ok(1)
}

/// Migrations written for another backend cannot run on this database (`upgrade` refuses
/// them), so `check` says that, and what to do, instead of suggesting `upgrade head`.
fn other_dialect(settings: &Settings, scripts: &ScriptDirectory) -> anyhow::Result<()> {
    let url: DatabaseUrl = settings.database_url.parse()?;
    let backend = url.backend();
    let others: Vec<_> = scripts
        .revisions()
        .filter(|r| r.dialect.as_deref().is_some_and(|d| d != backend.key()))
        .collect();
    let Some(first) = others.first() else {
        return Ok(());
    };
    let dialect = first.dialect.as_deref().unwrap_or_default();
    let written_for = retort::backend::Backend::by_key(dialect).map_or(dialect, |b| b.name());
    anyhow::bail!(
        "the migrations in {dir} were generated for {written_for} ({count} of {total} revision(s) \
         record `dialect = \"{dialect}\"`, e.g. {path}), but the database URL names a {this} \
         database, where they cannot run (`upgrade` refuses them). Point --database-url (or \
         DATABASE_URL, or database_url in Retort.toml) at a {written_for} database, the kind \
         these migrations are for; to deploy to {this}, generate migrations against {this} in \
         a migrations directory of their own (--migrations-dir)",
        dir = retort::shown::path(&settings.migrations_dir),
        count = others.len(),
        total = scripts.graph().len(),
        path = retort::shown::path(&first.path.join("metadata.toml")),
        this = backend.name(),
    )
}

/// `check --shadow`: the migrations, replayed into a scratch database, must produce the models.
fn shadow(
    settings: &Settings,
    scripts: &ScriptDirectory,
    target: &Schema,
    ignore: &retort::ignore::Ignore,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    // The scratch database goes on the --scratch-url server when one is named (a read-only
    // standby cannot create one), else on the database's own server.
    let url: DatabaseUrl = settings
        .scratch_url
        .as_deref()
        .unwrap_or(&settings.database_url)
        .parse()?;
    let mut shadow = retort::shadow::ShadowDatabase::create(&url)?;
    let mut replayed = shadow.replay_for(scripts, target)?;
    ignore.remove_from(&mut replayed);
    let target = autogen::server_normalized(shadow.connection(), target)?;
    let target = ignore.keep_objects(&replayed, &target);
    let plan = autogen::plan_between(shadow.connection().dialect(), &replayed, &target)?;
    if plan.is_empty() {
        writeln!(
            out,
            "No changes detected: replaying {} revision(s) gives exactly the models",
            scripts.graph().len()
        )?;
        return Ok(0);
    }
    writeln!(
        out,
        "The migrations do not produce the models; a new migration would contain:"
    )?;
    for op in &plan.ops {
        writeln!(out, "  {}", crate::style::op(op))?;
    }
    writeln!(
        out,
        "Run `{}` against an up-to-date database to write it.",
        retort::invocation::command("autogenerate -m \"...\"")
    )?;
    Ok(1)
}

/// Reports the Rust data steps of any revision (either direction) that this binary cannot run
/// (not compiled in, registered twice, or a marker that cannot run), and those registered for a
/// revision here that no marker runs. Returns whether there were any.
fn report_data_steps(scripts: &ScriptDirectory, out: &mut dyn Write) -> anyhow::Result<bool> {
    let problems: Vec<retort::data::StepError> = scripts
        .revisions()
        .flat_map(|rev| {
            [runner::Direction::Upgrade, runner::Direction::Downgrade]
                .into_iter()
                .flat_map(move |d| retort::data::missing(rev, d))
        })
        .collect();
    if !problems.is_empty() {
        writeln!(out, "Rust data steps this binary cannot run:")?;
        for problem in &problems {
            writeln!(out, "  {problem}")?;
        }
    }
    let unmarked: Vec<String> = scripts
        .revisions()
        .flat_map(|rev| {
            retort::data::unmarked(rev)
                .into_iter()
                .map(move |step| retort::data::unmarked_message(rev, step))
        })
        .collect();
    if !unmarked.is_empty() {
        writeln!(out, "Rust data steps that no marker runs:")?;
        for line in &unmarked {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(!problems.is_empty() || !unmarked.is_empty())
}
