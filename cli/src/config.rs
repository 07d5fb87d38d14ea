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
    /// diesel's `schema.rs` to keep in step with the models: `autogenerate` rewrites it,
    /// `check` fails while it is stale, `print-schema` writes it.
    pub diesel_schema: Option<PathBuf>,
    /// Globs of tables the models do not own (`["audit_*", "legacy"]`): never created, altered
    /// or dropped by autogenerate, nor reported by check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    /// `[naming]`: templates of the names of the constraints the models do not name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naming: Option<NamingConfig>,
}

/// Retort.toml's `[naming]` table (see [`retort::naming::Convention`]); a key left out keeps
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
                "config file {} is invalid: {} (valid keys: database_url, migrations_dir, schema, diesel_schema, ignore, [naming] with ix, uq, fk, ck, pk)",
                retort::shown::path(path),
                e.message()
            )
        })?;
        if let Some(base) = path.parent().filter(|b| !b.as_os_str().is_empty()) {
            for file in [&mut config.migrations_dir, &mut config.diesel_schema] {
                if let Some(relative) = file.as_ref().filter(|f| f.is_relative()) {
                    *file = Some(base.join(relative));
                }
            }
        }
        Ok(config)
    }
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
                "Database URL: sqlite://PATH or postgres://... [default: from Retort.toml, else {url}]"
            ))
        })
        .mut_arg("migrations_dir", |arg| {
            arg.help(format!(
                "Directory holding the revisions [default: from Retort.toml, else `{dir}`]"
            ))
        })
}
