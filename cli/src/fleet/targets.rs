//! The targets of a fleet, from Retort.toml's `[fleet]` table ([`FleetConfig`]): database URLs
//! written there or held by environment variables, the URLs a command prints or a query
//! returns, or the PostgreSQL schemas of one database whose names match a glob. A bad table is
//! refused before anything runs, naming the key and the fix.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{anyhow, bail};
use retort::db::{Connection, DatabaseUrl, OpenOptions};

use crate::config::FleetConfig;
use crate::Settings;

/// One database (or one schema of a database) of the fleet.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// How the summary names it: the schema, `$VARIABLE`, or the URL with its password hidden.
    pub(crate) label: String,
    /// The database URL (with its password: never shown).
    pub(crate) url: String,
    /// The PostgreSQL schema the target migrates (`--schema`), if any.
    pub(crate) schema: Option<String>,
}

impl Target {
    /// A stable key of the target that holds no password: the SHA-256 of its URL and schema.
    pub(crate) fn key(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        hash.update(self.url.as_bytes());
        hash.update([0]);
        hash.update(self.schema.as_deref().unwrap_or("").as_bytes());
        hash.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

const SOURCES: &str = "urls (and/or url_env), list_command, list_query or schemas";

/// The targets `[fleet]` lists, in its order (`urls` then `url_env`, the lines a command
/// prints, the rows of a query) or sorted by name (`schemas`). `schema_flag`: `--schema` was
/// given on the command line.
pub(crate) fn list(settings: &Settings, schema_flag: bool) -> anyhow::Result<Vec<Target>> {
    let config = settings.config_path.as_path();
    let Some(fleet) = &settings.fleet else {
        bail!(
            "--fleet needs a [fleet] table in {} listing the targets: {SOURCES} (see README, \
             \"Many databases\")",
            retort::shown::path(config)
        );
    };
    let explicit = !fleet.urls.is_empty() || !fleet.url_env.is_empty();
    let mut given: Vec<&str> = Vec::new();
    if explicit {
        given.push("urls/url_env");
    }
    for (key, set) in [
        ("list_command", fleet.list_command.is_some()),
        ("list_query", fleet.list_query.is_some()),
        ("schemas", fleet.schemas.is_some()),
    ] {
        if set {
            given.push(key);
        }
    }
    match given.len() {
        0 => bail!(
            "[fleet] in {} lists no target: set one of {SOURCES}",
            retort::shown::path(config)
        ),
        1 => {}
        _ => bail!(
            "[fleet] in {} lists its targets in {} ways ({}): keep one of them",
            retort::shown::path(config),
            given.len(),
            given.join(", ")
        ),
    }
    if fleet.jobs == Some(0) {
        bail!("[fleet] jobs = 0 runs nothing: set it to 1 or more, or remove it (default 4)");
    }
    if fleet.database_url.is_some() && fleet.list_query.is_none() && fleet.schemas.is_none() {
        bail!(
            "[fleet] database_url is the database list_query runs on or schemas reads: remove it, \
             or list the targets with one of those"
        );
    }
    let schema = settings.schema.clone();
    let targets = if explicit {
        explicit_urls(fleet, schema)?
    } else if let Some(command) = &fleet.list_command {
        let dir = config.parent().filter(|d| !d.as_os_str().is_empty());
        from_lines(&run_list_command(command, dir)?, "list_command", schema)?
    } else if let Some(query) = &fleet.list_query {
        let rows = open(fleet, settings, None)?
            .query_texts(query)
            .map_err(|e| anyhow!(e).context("[fleet] list_query"))?;
        from_lines(&rows, "list_query", schema)?
    } else {
        let pattern = fleet.schemas.as_deref().unwrap_or_default();
        if schema_flag {
            bail!(
                "--schema names one schema, and [fleet] schemas = \"{}\" names every target's: \
                 drop --schema",
                retort::shown::line(pattern)
            );
        }
        schemas(fleet, settings, pattern)?
    };
    if targets.is_empty() {
        bail!("[fleet] lists no target: its {} gave none", given[0]);
    }
    let mut seen = BTreeSet::new();
    for target in &targets {
        if !seen.insert((&target.url, &target.schema)) {
            bail!(
                "[fleet] lists {} twice: a target runs once per command; remove the duplicate",
                target.label
            );
        }
    }
    Ok(targets)
}

fn explicit_urls(fleet: &FleetConfig, schema: Option<String>) -> anyhow::Result<Vec<Target>> {
    let mut targets = Vec::new();
    for (i, url) in fleet.urls.iter().enumerate() {
        check_url(url, &format!("[fleet] urls[{i}]"))?;
        targets.push(Target {
            label: retort::redact::url(url),
            url: url.clone(),
            schema: schema.clone(),
        });
    }
    for name in &fleet.url_env {
        let url = match std::env::var(name) {
            Ok(url) if !url.trim().is_empty() => url.trim().to_owned(),
            Ok(_) | Err(std::env::VarError::NotPresent) => bail!(
                "[fleet] url_env names {}, which is not set (or empty): set it to the target's \
                 database URL, or remove it from url_env",
                retort::shown::line(name)
            ),
            Err(std::env::VarError::NotUnicode(_)) => bail!(
                "[fleet] url_env names {}, which does not hold UTF-8 text: set it to a database URL",
                retort::shown::line(name)
            ),
        };
        check_url(
            &url,
            &format!("environment variable {}", retort::shown::line(name)),
        )?;
        targets.push(Target {
            label: format!("${}", retort::shown::line(name)),
            url,
            schema: schema.clone(),
        });
    }
    Ok(targets)
}

fn check_url(url: &str, whose: &str) -> anyhow::Result<()> {
    url.parse::<DatabaseUrl>()
        .map(drop)
        .map_err(|e| anyhow!("{whose}: {e}"))
}

/// The URLs of a listing, one per line (empty ones and `#` comments skipped).
fn from_lines(
    lines: &[String],
    source: &str,
    schema: Option<String>,
) -> anyhow::Result<Vec<Target>> {
    let mut targets = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let url = line.trim();
        if url.is_empty() || url.starts_with('#') {
            continue;
        }
        check_url(url, &format!("[fleet] {source}, line {}", i + 1))?;
        targets.push(Target {
            label: retort::redact::url(url),
            url: url.to_owned(),
            schema: schema.clone(),
        });
    }
    Ok(targets)
}

fn run_list_command(command: &str, dir: Option<&Path>) -> anyhow::Result<Vec<String>> {
    let mut sh = std::process::Command::new("sh");
    sh.arg("-c").arg(command);
    if let Some(dir) = dir {
        sh.current_dir(dir);
    }
    let shown = retort::shown::line(command).into_owned();
    let output = sh
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| anyhow!("[fleet] list_command `{shown}` could not start: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let said = stderr.lines().rev().find(|l| !l.trim().is_empty());
        bail!(
            "[fleet] list_command `{shown}` failed ({}){}; fix it, or list the targets another way",
            output.status,
            said.map(|l| format!(": {}", retort::shown::line(l.trim())))
                .unwrap_or_default()
        );
    }
    let text = String::from_utf8(output.stdout)
        .map_err(|_| anyhow!("[fleet] list_command `{shown}` printed text that is not UTF-8"))?;
    Ok(text.lines().map(str::to_owned).collect())
}

/// A connection to the database `list_query` and `schemas` read.
fn open(
    fleet: &FleetConfig,
    settings: &Settings,
    schema: Option<String>,
) -> anyhow::Result<Connection> {
    let url = fleet
        .database_url
        .as_ref()
        .unwrap_or(&settings.database_url);
    let parsed: DatabaseUrl = url
        .parse()
        .map_err(|e| anyhow!("[fleet] database_url: {e}"))?;
    Ok(Connection::open_with(
        &parsed,
        &OpenOptions {
            create: false,
            schema,
            ..OpenOptions::default()
        },
    )?)
}

fn schemas(fleet: &FleetConfig, settings: &Settings, pattern: &str) -> anyhow::Result<Vec<Target>> {
    let glob = glob::Pattern::new(pattern).map_err(|e| {
        anyhow!(
            "[fleet] schemas = \"{}\" is not a glob: {}; use `*`, `?` and `[...]`",
            retort::shown::line(pattern),
            e.msg
        )
    })?;
    let url = fleet
        .database_url
        .clone()
        .unwrap_or_else(|| settings.database_url.clone());
    let all = open(fleet, settings, None)?
        .schemas()
        .map_err(|e| anyhow!(e).context(format!("[fleet] schemas = \"{pattern}\"")))?;
    let targets: Vec<Target> = all
        .into_iter()
        .filter(|name| glob.matches(name))
        .map(|name| Target {
            label: retort::shown::line(&name).into_owned(),
            url: url.clone(),
            schema: Some(name),
        })
        .collect();
    if targets.is_empty() {
        bail!(
            "[fleet] schemas = \"{}\": no schema of {} matches it; create the tenants' schemas, \
             or fix the glob",
            retort::shown::line(pattern),
            retort::redact::url(&url)
        );
    }
    Ok(targets)
}
