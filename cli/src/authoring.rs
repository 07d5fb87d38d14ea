//! Commands that write files: `init`, `autogenerate`, `revision`.

use std::collections::BTreeSet;
use std::io::Write;

use anyhow::Context as _;
use retort::db::Connection;
use retort::script::{GraphError, NewRevision, ScriptDirectory};
use retort::{autogen, runner};

use crate::{LinkArgs, Settings};

/// A new revision with the labels and (resolved) dependencies of `links`.
fn with_links(
    scripts: &ScriptDirectory,
    links: &LinkArgs,
    new: NewRevision,
) -> anyhow::Result<NewRevision> {
    let mut depends_on: Vec<String> = Vec::new();
    for rev in &links.depends_on {
        let id = scripts.graph().resolve_one(rev)?.to_owned();
        if new.parents.contains(&id) {
            anyhow::bail!("--depends-on {rev}: {id} is already a parent of the new revision");
        }
        if !depends_on.contains(&id) {
            depends_on.push(id);
        }
    }
    Ok(NewRevision {
        branch_labels: links.branch_labels.clone(),
        depends_on,
        ..new
    })
}

pub(crate) fn init(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<u8> {
    if settings.config_path.exists() {
        writeln!(
            out,
            "{} exists; left unchanged",
            retort::shown::path(&settings.config_path)
        )?;
    } else {
        let quote = |v: &str| toml::Value::String(v.to_owned()).to_string();
        let dir = settings.migrations_dir_in_config();
        let url_line = if has_password(&settings.database_url) {
            "# database_url: not written, the URL in use contains a password; keep it in DATABASE_URL\n"
                .to_owned()
        } else {
            format!("database_url = {}\n", quote(&settings.database_url))
        };
        let text = format!(
            "# Retort settings. DATABASE_URL and --database-url override database_url.\n\
             {url_line}\
             migrations_dir = {}\n",
            quote(&dir.display().to_string())
        );
        std::fs::write(&settings.config_path, text).with_context(|| {
            format!(
                "cannot write {}",
                retort::shown::path(&settings.config_path)
            )
        })?;
        writeln!(
            out,
            "Created {}",
            retort::shown::path(&settings.config_path)
        )?;
    }
    if settings.migrations_dir.is_dir() {
        writeln!(
            out,
            "{} exists; left unchanged",
            retort::shown::path(&settings.migrations_dir)
        )?;
    } else {
        ScriptDirectory::create(&settings.migrations_dir)?;
        writeln!(
            out,
            "Created {}",
            retort::shown::path(&settings.migrations_dir)
        )?;
    }
    Ok(0)
}

/// The single head the next revision builds on; several heads are an error.
pub(crate) fn parent_of_new(scripts: &ScriptDirectory) -> anyhow::Result<Vec<String>> {
    match scripts.graph().head() {
        Ok(head) => Ok(head.map(|h| vec![h.to_owned()]).unwrap_or_default()),
        Err(GraphError::MultipleHeads { heads }) => Err(anyhow::anyhow!(
            "there are several heads ({}), so a new revision has no single parent; \
             run `{}` to join them (or `{}` to extend one branch)",
            heads.join(", "),
            retort::invocation::command("merge -m \"merge heads\""),
            retort::invocation::command("revision --head REV -m MSG")
        )),
        Err(e) => Err(e.into()),
    }
}

/// Revisions between what is applied and head, or an error saying how to get there.
pub(crate) fn ensure_at_head(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
) -> anyhow::Result<BTreeSet<String>> {
    let applied = runner::applied(conn, scripts)?;
    let pending = scripts
        .graph_for(&applied)
        .upgrade_plan(&applied, "heads")?;
    if !pending.is_empty() {
        return Err(retort::Error::NotAtHead {
            pending: pending.len(),
            ids: pending,
        }
        .into());
    }
    Ok(applied)
}

pub(crate) fn autogenerate(
    settings: &Settings,
    message: &str,
    rev_id: Option<&str>,
    links: &LinkArgs,
    ignore: &retort::ignore::Ignore,
    safety: &crate::safety::SafetyArgs,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let target = settings.target()?;
    let mut scripts = settings.scripts()?;
    let parents = parent_of_new(&scripts)?;
    let mut conn = settings.connect(true)?;
    ensure_at_head(&mut conn, &scripts)?;
    let render = settings.render_options(safety.blocking);
    let plan = autogen::plan_converted(
        &mut conn,
        &target,
        ignore,
        &safety.backfills,
        &safety.conversions(),
        &render,
    )?;
    if plan.is_empty() {
        writeln!(out, "No changes detected")?;
        crate::print_schema::refresh(settings, out)?;
        return Ok(0);
    }
    let warnings =
        crate::safety::report_and_vet(&plan, conn.dialect(), safety, render.online, out)?;
    let (up_sql, down_sql) = crate::safety::annotate(&plan, conn.dialect(), &warnings);
    let lint_allow = accepted_lint_rules(&up_sql, &plan, conn.dialect(), safety);
    let new = NewRevision {
        message: message.to_owned(),
        parents,
        up_sql,
        down_sql,
        statement_by_statement: plan.statement_by_statement(),
        lint_allow,
        ..NewRevision::default()
    };
    if !new.lint_allow.is_empty() {
        writeln!(
            out,
            "Accepted by the flags given, so `lint` does not flag them (lint_allow in \
             metadata.toml): {}",
            new.lint_allow.join(", ")
        )?;
    }
    let rev = scripts.write_revision_as(
        with_links(&scripts, links, new)?,
        chrono::Utc::now(),
        Some(conn.backend().key()),
        rev_id,
    )?;
    writeln!(
        out,
        "Generated {}; review it, then run `{}`",
        retort::shown::path(&rev.path),
        retort::invocation::command("upgrade head")
    )?;
    crate::print_schema::refresh(settings, out)?;
    Ok(0)
}

/// The lint rules `up_sql` breaks that the command's flags accepted on purpose: `--blocking`
/// the plain forms' locks, `--allow-rewrite` a rewriting type change, `--allow-destructive` a
/// dropped column. A rule no flag accepted stays for `lint` and `check` to report.
fn accepted_lint_rules(
    up_sql: &str,
    plan: &autogen::Plan,
    dialect: &dyn retort::dialect::Dialect,
    safety: &crate::safety::SafetyArgs,
) -> Vec<String> {
    const BLOCKING: &[&str] = &[
        "require-concurrent-index-creation",
        "require-concurrent-index-deletion",
        "constraint-missing-not-valid",
        "adding-foreign-key-constraint",
        "disallowed-unique-constraint",
        "adding-not-nullable-field",
        "require-lock-none",
    ];
    let accepted = |rule: &str| {
        (safety.blocking && BLOCKING.contains(&rule))
            || (safety.allow_rewrite && rule == "changing-column-type")
            || (safety.allow_destructive && rule == "ban-drop-column")
    };
    let mut rules: Vec<String> = retort::lint::lint_sql(
        up_sql,
        !plan.statement_by_statement(),
        &[],
        std::path::Path::new("up.sql"),
        dialect,
    )
    .into_iter()
    .map(|f| f.rule)
    .filter(|rule| accepted(rule))
    .map(str::to_owned)
    .collect();
    rules.sort();
    rules.dedup();
    rules
}

/// `revision -m MSG [--head REV] [--rev-id ID] [--branch-label NAME] [--depends-on REV]`.
pub(crate) fn empty_revision(
    settings: &Settings,
    message: &str,
    head: Option<&str>,
    rev_id: Option<&str>,
    links: &LinkArgs,
    data: bool,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let mut scripts = settings.scripts()?;
    let parents = match head {
        Some(rev) => crate::workflow::parents_at(&scripts, rev)?,
        None => parent_of_new(&scripts)?,
    };
    let mut up_sql = "-- Write the upgrade SQL of this revision here.\n".to_owned();
    let mut down_sql = "-- Write the SQL that reverts this revision's up.sql here.\n".to_owned();
    let steps = data.then(|| step_names(message));
    if let Some((up, down)) = &steps {
        let place = "-- The Rust data step below runs where its line stands, between the \
                     statements around it:\n";
        up_sql.push_str(&format!("{place}-- retort: step {up}\n"));
        down_sql.push_str(&format!("{place}-- retort: step {down}\n"));
    }
    let new = NewRevision {
        message: message.to_owned(),
        parents,
        up_sql,
        down_sql,
        ..NewRevision::default()
    };
    let rev = scripts.write_revision_as(
        with_links(&scripts, links, new)?,
        chrono::Utc::now(),
        None,
        rev_id,
    )?;
    writeln!(out, "Generated {}", retort::shown::path(&rev.path))?;
    if let Some((up, down)) = &steps {
        writeln!(
            out,
            "Its up.sql and down.sql run two Rust data steps. Write them in a crate this binary \
             links (next to your models), then build it again:\n"
        )?;
        for (name, what) in [
            (up, "the upgrade's data step"),
            (down, "undo what `{up}` did"),
        ] {
            let what = what.replace("{up}", up);
            writeln!(
                out,
                "#[retort::data_migration(revision = \"{}\")]\n\
                 fn {name}(conn: &mut retort::Conn) -> retort::Result<()> {{\n    \
                 let _ = conn; // conn.sqlite()?, conn.pg()? or conn.mysql()?: diesel's connection\n    \
                 todo!(\"{what}\")\n}}\n",
                rev.id
            )?;
        }
    }
    Ok(0)
}

/// The names of a new revision's data steps, from its message: `split_names` and
/// `revert_split_names` (`step_...` when the message does not start a Rust identifier).
fn step_names(message: &str) -> (String, String) {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
        "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
        "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self",
        "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized",
        "use", "virtual", "where", "while", "yield",
    ];
    let slug = retort::script::slugify(message);
    let up = if slug.starts_with(|c: char| c.is_ascii_alphabetic()) && !KEYWORDS.contains(&&*slug) {
        slug
    } else {
        format!("step_{slug}")
    };
    let down = format!("revert_{up}");
    (up, down)
}

/// Whether a database URL holds a password (user info, a `password=` parameter, or a key/value
/// connection string's `password`), which must not be written into a file.
pub(crate) fn has_password(url: &str) -> bool {
    retort::redact::has_password(url)
}
