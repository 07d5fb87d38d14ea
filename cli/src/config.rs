//! Settings: command-line flags, then the environment, then `Retort.toml`, then defaults.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

/// The contents of `Retort.toml`. Relative paths in it are relative to the file's directory.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// e.g. `sqlite://retort.db` or `postgres://user@localhost/app`.
    pub database_url: Option<String>,
    /// Where revisions live; default `migrations`.
    pub migrations_dir: Option<PathBuf>,
    /// PostgreSQL schema to migrate instead of `public`.
    pub schema: Option<String>,
    /// PostgreSQL: a writable server for what a read-only standby cannot do (`--scratch-url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scratch_url: Option<String>,
    /// PostgreSQL: `database_url` goes through a connection pooler in transaction mode on the
    /// server's own port (`--pooler`); one on another port is detected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pooler: Option<bool>,
    /// diesel's `schema.rs` to keep in step with the models: `autogenerate` rewrites it,
    /// `check` fails while it is stale, `print-schema` writes it.
    pub diesel_schema: Option<PathBuf>,
    /// Globs of tables the models do not own (`["audit_*", "legacy"]`): never created, altered
    /// or dropped by autogenerate, nor reported by check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    /// PostgreSQL: how long a migration statement may wait for another session's lock
    /// (`"10s"`, `"500ms"`, `"2m"`; `"0"`: no limit); `upgrade --lock-timeout` overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_timeout: Option<String>,
    /// PostgreSQL: how many times a statement that gave up waiting for a lock is tried again
    /// (default 4; 0: never); `upgrade --lock-retries` overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_retries: Option<u32>,
    /// PostgreSQL: whether `autogenerate` writes the online forms on existing tables (default
    /// true; `false`: the plain, blocking forms, as `autogenerate --blocking`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online: Option<bool>,
    /// Who owns the views, functions and triggers (on model tables) that no declaration names:
    /// `"declared"` (default: the models own what they declare, the rest is left alone) or
    /// `"owned"` (the models own them all: one they do not declare is dropped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objects: Option<ObjectsPolicy>,
    /// `[naming]`: templates of the names of the constraints the models do not name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naming: Option<NamingConfig>,
    /// `[fleet]`: the databases (or schemas) `--fleet` runs a command on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<FleetConfig>,
}

/// Retort.toml's `objects`: which views, functions and triggers the models own.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ObjectsPolicy {
    /// Those they declare (the default); the others are left alone.
    Declared,
    /// All of them in the migrated schemas: one they do not declare is dropped.
    Owned,
}

/// Retort.toml's `[fleet]` table: the targets of `upgrade --fleet`, `downgrade --fleet`,
/// `current --fleet` and `check --fleet`, listed one way (`urls` and `url_env` together count
/// as one), and how the fleet runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FleetConfig {
    /// Database URLs, in the order the summary lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// Names of environment variables that each hold a database URL (listed after `urls`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub url_env: Vec<String>,
    /// A shell command (`sh -c`, run in the directory of Retort.toml) that prints one database
    /// URL per line (empty lines and lines starting with `#` skipped).
    pub list_command: Option<String>,
    /// A query selecting one text column, a database URL per row, run on `database_url`.
    pub list_query: Option<String>,
    /// A glob (`tenant_*`): every PostgreSQL schema of `database_url` whose name matches it is
    /// a target (sorted by name).
    pub schemas: Option<String>,
    /// The database `list_query` runs on and `schemas` reads; default: the database URL of a
    /// single run (`--database-url`, `DATABASE_URL`, `database_url` above).
    pub database_url: Option<String>,
    /// How many targets run at once (default 4); `--jobs` overrides it.
    pub jobs: Option<u16>,
    /// Where `upgrade --fleet` and `downgrade --fleet` record the targets they finished, for
    /// `--resume` (relative to Retort.toml's directory); default `.retort-fleet.json` there.
    pub state_file: Option<PathBuf>,
}

/// Retort.toml's `[naming]` table (see [`retort::Convention`]); a key left out keeps
/// the default template.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct NamingConfig {
    /// Indexes: default `ix_{table}_{columns}`.
    pub ix: Option<String>,
    /// Unique indexes and constraints: default `uq_{table}_{columns}`.
    pub uq: Option<String>,
    /// Foreign keys: default `fk_{table}_{columns}_{referred_table}`.
    pub fk: Option<String>,
    /// Checks: default `ck_{table}_{n}`.
    pub ck: Option<String>,
    /// Primary keys: by default the backend's own name.
    pub pk: Option<String>,
}

impl NamingConfig {
    /// The convention these templates make, checked.
    pub fn convention(&self) -> Result<retort::naming::Convention, retort::naming::NamingError> {
        retort::naming::Convention::new(
            self.ix.clone(),
            self.uq.clone(),
            self.fk.clone(),
            self.ck.clone(),
            self.pk.clone(),
        )
    }
}

/// The name `init` writes and the CLI reads by default.
pub const DEFAULT_CONFIG: &str = "Retort.toml";
pub const DEFAULT_MIGRATIONS_DIR: &str = "migrations";

impl ConfigFile {
    /// Reads `path`. A missing file is an error only when the user named it explicitly.
    pub fn load(path: &Path, explicit: bool) -> anyhow::Result<ConfigFile> {
        if !path.exists() {
            if explicit {
                anyhow::bail!(
                    "config file {} does not exist; run `{}` or drop --config",
                    retort::shown::path(path),
                    retort::invocation::command("init")
                );
            }
            return Ok(ConfigFile::default());
        }
        // A FIFO would make every command wait for a writer.
        if !path.is_file() {
            anyhow::bail!(
                "config file {} is not a regular file; point --config at a TOML file",
                retort::shown::path(path)
            );
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", retort::shown::path(path)))?;
        let mut config: ConfigFile = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "config file {} is invalid: {} (valid keys: database_url, migrations_dir, schema, scratch_url, pooler, diesel_schema, ignore, lock_timeout, lock_retries, online, objects, [naming] with ix, uq, fk, ck, pk, [fleet] with urls, url_env, list_command, list_query, schemas, database_url, jobs, state_file)",
                retort::shown::path(path),
                e.message()
            )
        })?;
        if let Some(base) = path.parent().filter(|b| !b.as_os_str().is_empty()) {
            let state_file = config.fleet.as_mut().map(|f| &mut f.state_file);
            let files = [&mut config.migrations_dir, &mut config.diesel_schema]
                .into_iter()
                .chain(state_file);
            for file in files {
                if let Some(relative) = file.as_ref().filter(|f| f.is_relative()) {
                    *file = Some(base.join(relative));
                }
            }
        }
        Ok(config)
    }
}

/// A duration as `upgrade --lock-timeout` and Retort.toml's `lock_timeout` take it: a whole
/// number with a unit (`ms`, `s`, `m`, `h`), or `0` (no limit). A bare number is refused, since
/// PostgreSQL would read it as milliseconds and a reader as seconds.
pub(crate) fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    use std::time::Duration;
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let bad = || {
        format!(
            "'{}' is not a duration: write a whole number with a unit, e.g. 500ms, 10s, 2m or 1h \
             (0: no limit)",
            retort::shown::line(text)
        )
    };
    let n: u64 = number.parse().map_err(|_| bad())?;
    let ms_per = match unit.trim() {
        "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ => return Err(bad()),
    };
    let ms = n
        .checked_mul(ms_per)
        .filter(|ms| *ms <= i32::MAX as u64)
        .ok_or_else(|| {
            format!(
            "'{}' is too long: PostgreSQL's lock_timeout is at most {}ms (about 24 days); use 0 \
             for no limit",
            retort::shown::line(text),
            i32::MAX
        )
        })?;
    Ok(Duration::from_millis(ms))
}

/// The command line whose `--help` shows the defaults of the binary that runs: its own
/// [`crate::Defaults`] where it has them (password masked), else Retort's.
pub(crate) fn help_with(command: clap::Command, defaults: &crate::Defaults) -> clap::Command {
    let url = defaults.database_url.as_deref().map_or_else(
        || retort::db::DEFAULT_DATABASE_URL.to_owned(),
        retort::redact::url,
    );
    let dir = defaults
        .migrations_dir
        .as_deref()
        .unwrap_or(Path::new(DEFAULT_MIGRATIONS_DIR))
        .display()
        .to_string();
    command
        .mut_arg("database_url", |arg| {
            arg.help(format!(
                "Database URL: sqlite://PATH, postgres://... or mysql://... [default: from Retort.toml, else {url}]"
            ))
        })
        .mut_arg("migrations_dir", |arg| {
            arg.help(format!(
                "Directory holding the revisions [default: from Retort.toml, else `{dir}`]"
            ))
        })
}

#[cfg(test)]
mod duration_tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_need_a_unit_except_zero() {
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        for bad in ["10", "", "s", "1.5s", "-1s", "10 days"] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.contains("e.g. 500ms, 10s"), "{bad}: {e}");
        }
        assert!(parse_duration("1000h").unwrap_err().contains("too long"));
    }
}
