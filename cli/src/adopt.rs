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
///
/// It never settles on diesel's own migrations directory (see [`own_directory`]), and when it
/// fails before the revision is written it removes the Retort.toml and directory it created
/// (or restores the Retort.toml it changed), so a second attempt starts afresh.
pub(crate) fn baseline(
    settings: &Settings,
    ignore: &retort::ignore::Ignore,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let config_before = std::fs::read_to_string(&settings.config_path).ok();
    let config_existed = settings.config_path.exists();
    let settings = own_directory(settings, out)?;
    let dir_existed = settings.migrations_dir.is_dir();
    let mut written = false;
    let result = init_and_baseline(&settings, ignore, out, &mut written);
    if result.is_err() && !written {
        undo(&settings, config_existed, config_before, dir_existed);
    }
    result
}

/// Puts back what a failed `init --baseline` changed before it wrote a revision.
fn undo(settings: &Settings, config_existed: bool, before: Option<String>, dir_existed: bool) {
    let mut restored = Vec::new();
    let mut removed = Vec::new();
    let config = &settings.config_path;
    if !config_existed {
        if std::fs::remove_file(config).is_ok() {
            removed.push(retort::shown::path(config));
        }
    } else if let Some(text) = before {
        let changed = std::fs::read_to_string(config).ok().as_deref() != Some(&text);
        if changed && std::fs::write(config, text).is_ok() {
            restored.push(retort::shown::path(config));
        }
    }
    // Only an empty directory this run created (a revision written is never removed).
    let dir = &settings.migrations_dir;
    if !dir_existed && dir.is_dir() && std::fs::remove_dir(dir).is_ok() {
        removed.push(retort::shown::path(dir));
    }
    let mut done = Vec::new();
    if !restored.is_empty() {
        done.push(format!("restored {}", restored.join(" and ")));
    }
    if !removed.is_empty() {
        done.push(format!("removed {}", removed.join(" and ")));
    }
    if !done.is_empty() {
        eprintln!(
            "init --baseline failed, so it {} (nothing is left half-done; run it again once \
             the error is fixed)",
            done.join(" and ")
        );
    }
}

fn init_and_baseline(
    settings: &Settings,
    ignore: &retort::ignore::Ignore,
    out: &mut dyn Write,
    written: &mut bool,
) -> anyhow::Result<u8> {
    crate::authoring::init(settings, out)?;
    let mut scripts = settings.scripts()?;
    let count = scripts.revisions().count();
    if let Some(first) = scripts.revisions().next() {
        anyhow::bail!(
            "init --baseline writes the first revision of a database Retort does not manage yet, \
             but {} already holds {count} revision(s) (e.g. {}); drop --baseline, or point \
             --migrations-dir at a new directory",
            retort::shown::path(scripts.path()),
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
    let base = baseline::baseline_ignoring(&mut conn, &current, ignore)?;
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
    *written = true;
    runner::stamp(&mut conn, &scripts, &rev.id, &settings.run).map_err(|e| {
        let when = match &e {
            // A trigger guarding diesel's table: the error says which and how to set it aside.
            runner::RunError::BookkeepingRefused(_) => "once the trigger is set aside",
            _ => "once the database is reachable",
        };
        anyhow::Error::new(e).context(format!(
            "{} was written but not recorded as applied; run `{}` {when}",
            retort::shown::path(&rev.path),
            retort::invocation::command("stamp head")
        ))
    })?;
    writeln!(
        out,
        "Generated {}: a baseline that creates {} table(s); recorded as applied without running it",
        retort::shown::path(&rev.path),
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

/// The directory Retort's revisions go to when diesel's is the default one.
const OWN_DIRECTORY: &str = "retort_migrations";

/// `settings` with a migrations directory that is not diesel's: diesel's own migrations
/// (`migrations/` holding `2017-08-31-230457_add_x/up.sql`, or diesel.toml's
/// `[migrations_directory] dir`) are not Retort revisions, and a Retort.toml pointing there
/// makes every later command fail. A directory chosen by default moves to
/// `retort_migrations` next to it (written to Retort.toml, and said); one chosen by
/// `--migrations-dir` or Retort.toml is an error naming it and the fix.
fn own_directory(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<Settings> {
    let Some(why) = diesel_directory(settings) else {
        return Ok(settings.clone());
    };
    let dir = &settings.migrations_dir;
    if let Some(set_by) = settings.migrations_dir_set_by {
        let fix = if set_by == "--migrations-dir" {
            format!("pass --migrations-dir {OWN_DIRECTORY} (or another new directory)")
        } else {
            format!(
                "set migrations_dir = \"{OWN_DIRECTORY}\" (or another new directory) in {}",
                retort::shown::path(&settings.config_path)
            )
        };
        anyhow::bail!(
            "{} ({set_by}) is diesel's migrations directory ({why}); Retort keeps its \
             revisions in a directory of its own, next to diesel's: {fix} and run init \
             --baseline again",
            retort::shown::path(dir)
        );
    }
    let own = dir
        .parent()
        .map_or_else(|| OWN_DIRECTORY.into(), |p| p.join(OWN_DIRECTORY));
    let mut settings = settings.clone();
    settings.migrations_dir = own;
    if diesel_directory(&settings).is_some() {
        anyhow::bail!(
            "{} and {} are both diesel's migrations directories; pass --migrations-dir with a \
             new directory for Retort's revisions",
            retort::shown::path(dir),
            retort::shown::path(&settings.migrations_dir)
        );
    }
    writeln!(
        out,
        "{} is diesel's migrations directory ({why}), so Retort's revisions go to {}",
        retort::shown::path(dir),
        retort::shown::path(&settings.migrations_dir)
    )?;
    // An existing Retort.toml that does not name a directory gets one, on its first line (a
    // top-level key must come before any [table]); init writes a new one with it.
    if let Ok(text) = std::fs::read_to_string(&settings.config_path) {
        let relative = settings.migrations_dir_in_config();
        let line = format!(
            "migrations_dir = {}\n",
            toml::Value::String(relative.display().to_string())
        );
        std::fs::write(&settings.config_path, format!("{line}{text}")).with_context(|| {
            format!(
                "cannot write {}",
                retort::shown::path(&settings.config_path)
            )
        })?;
        writeln!(
            out,
            "Set {} in {}",
            line.trim_end(),
            retort::shown::path(&settings.config_path)
        )?;
    }
    Ok(settings)
}

/// Why `settings.migrations_dir` is diesel's, if it is: diesel.toml names it, or it holds
/// diesel's migration directories.
fn diesel_directory(settings: &Settings) -> Option<String> {
    let dir = &settings.migrations_dir;
    let base = settings
        .config_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new(""));
    let diesel_toml = base.join("diesel.toml");
    if let Some(configured) = std::fs::read_to_string(&diesel_toml)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .and_then(|t| {
            t.get("migrations_directory")?
                .get("dir")?
                .as_str()
                .map(|d| base.join(d))
        })
    {
        let same = match (configured.canonicalize(), dir.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => configured.components().eq(dir.components()),
        };
        if same {
            return Some(format!(
                "{}'s migrations_directory",
                retort::shown::path(&diesel_toml)
            ));
        }
    }
    let entries = std::fs::read_dir(dir).ok()?;
    let mut diesel: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().join("up.sql").is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| retort::script::is_diesel_name(name))
        .collect();
    diesel.sort();
    let first = diesel.first()?;
    Some(format!(
        "{} of diesel's migrations, e.g. {first}",
        diesel.len()
    ))
}
