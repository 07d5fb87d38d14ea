//! The settings of a run, resolved from the command line, the environment, Retort.toml and the
//! binary's built-in [`Defaults`], and what they open: the connection, the migrations
//! directory, the models' schema.

use std::path::PathBuf;

use retort::db::{Connection, DatabaseUrl, OpenOptions, DEFAULT_DATABASE_URL};
use retort::runner;
use retort::script::ScriptDirectory;

use crate::config::{self, ConfigFile, DEFAULT_CONFIG, DEFAULT_MIGRATIONS_DIR};
use crate::{Defaults, GlobalOpts, IgnoreArgs};

/// Resolved settings.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) database_url: String,
    pub(crate) migrations_dir: PathBuf,
    /// Who chose `migrations_dir`: `--migrations-dir`, Retort.toml, or `None` for the default.
    pub(crate) migrations_dir_set_by: Option<&'static str>,
    pub(crate) config_path: PathBuf,
    pub(crate) schema: Option<String>,
    /// A writable PostgreSQL server for what a read-only standby cannot do.
    pub(crate) scratch_url: Option<String>,
    /// `--pooler`, Retort.toml's `pooler`.
    pub(crate) pooler: bool,
    /// Retort.toml's `objects = "owned"`: the models own every view, function and trigger.
    pub(crate) owns_objects: bool,
    /// `ignore` globs of Retort.toml.
    pub(crate) ignore: Vec<String>,
    pub(crate) run: runner::RunOptions,
    pub(crate) models: Option<fn(&retort::ModelRegistration) -> bool>,
    /// Retort.toml's `diesel_schema`.
    pub(crate) diesel_schema: Option<PathBuf>,
    /// Retort.toml's `[naming]` convention (the default when absent).
    pub(crate) naming: retort::naming::Convention,
    /// Retort.toml's `online` (default true): `autogenerate` writes the online forms.
    pub(crate) online: bool,
    /// Retort.toml's `[fleet]` table.
    pub(crate) fleet: Option<config::FleetConfig>,
}

impl Settings {
    /// How `autogenerate` (and `check`, which shows what it would write) renders: the online
    /// forms unless Retort.toml says `online = false` or the command says `--blocking`.
    pub(crate) fn render_options(&self, blocking: bool) -> retort::dialect::RenderOptions {
        if self.online && !blocking {
            retort::dialect::RenderOptions::online()
        } else {
            retort::dialect::RenderOptions::default()
        }
    }

    /// The migrations directory as Retort.toml says it: relative to the file's own directory.
    pub(crate) fn migrations_dir_in_config(&self) -> &std::path::Path {
        let base = self
            .config_path
            .parent()
            .filter(|p| !p.as_os_str().is_empty());
        base.and_then(|b| self.migrations_dir.strip_prefix(b).ok())
            .unwrap_or(&self.migrations_dir)
    }

    pub(crate) fn resolve(
        global: &GlobalOpts,
        defaults: &Defaults,
        for_init: bool,
    ) -> anyhow::Result<Settings> {
        let config_path = global
            .config
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
        // `init` creates the file, so an explicit --config need not exist yet.
        let file = ConfigFile::load(&config_path, global.config.is_some() && !for_init)?;
        let naming = match &file.naming {
            None => retort::naming::Convention::default(),
            Some(naming) => naming.convention().map_err(|e| {
                anyhow::anyhow!(
                    "config file {} is invalid: {e}",
                    retort::shown::path(&config_path)
                )
            })?,
        };
        let lock_timeout = match &file.lock_timeout {
            None => runner::DEFAULT_LOCK_TIMEOUT,
            Some(text) => config::parse_duration(text).map_err(|e| {
                anyhow::anyhow!(
                    "config file {} is invalid: lock_timeout: {e}",
                    retort::shown::path(&config_path)
                )
            })?,
        };
        Ok(Settings {
            database_url: global
                .database_url
                .clone()
                .or(file.database_url)
                .or_else(|| defaults.database_url.clone())
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            migrations_dir_set_by: if global.migrations_dir.is_some() {
                Some("--migrations-dir")
            } else if file.migrations_dir.is_some() {
                Some("migrations_dir in the config file")
            } else {
                None
            },
            migrations_dir: global
                .migrations_dir
                .clone()
                .or(file.migrations_dir)
                .or_else(|| defaults.migrations_dir.clone())
                .unwrap_or_else(|| PathBuf::from(DEFAULT_MIGRATIONS_DIR)),
            config_path,
            schema: global.schema.clone().or(file.schema),
            scratch_url: global.scratch_url.clone().or(file.scratch_url),
            pooler: global.pooler.or(file.pooler).unwrap_or(false),
            ignore: file.ignore,
            run: runner::RunOptions {
                lock_wait: std::time::Duration::from_secs(
                    global.deprecated_lock_timeout.unwrap_or(global.lock_wait),
                ),
                allow_edited: false,
                lock_timeout,
                lock_retries: file.lock_retries.unwrap_or(runner::DEFAULT_LOCK_RETRIES),
                notify: Some(crate::events::notify),
                end_on_signal: true,
            },
            models: defaults.models,
            diesel_schema: file.diesel_schema,
            naming,
            online: file.online.unwrap_or(true),
            owns_objects: file.objects == Some(crate::config::ObjectsPolicy::Owned),
            fleet: file.fleet,
        })
    }

    /// The schema the models this binary manages describe (see [`Defaults::models`]).
    pub(crate) fn target(&self) -> anyhow::Result<retort::schema::Schema> {
        let models = retort::registry::models();
        let mut schema = match self.models {
            None => retort::registry::schema_with(&models, &self.naming)?,
            Some(keep) => {
                let kept: Vec<_> = models.into_iter().filter(|m| keep(m)).collect();
                // A view is kept with the models of its module.
                let module = |path: &str| path.rsplit_once("::").map_or("", |(m, _)| m).to_owned();
                let modules: Vec<String> = kept.iter().map(|m| module(m.rust_path)).collect();
                let views: Vec<_> = retort::registry::views()
                    .into_iter()
                    .filter(|v| modules.iter().any(|m| m == v.module()))
                    .collect();
                retort::registry::schema_with_views(&kept, &views, &self.naming)?
            }
        };
        schema.owns_objects = self.owns_objects;
        Ok(schema)
    }

    pub(crate) fn connect(&self, create: bool) -> anyhow::Result<Connection> {
        let url: DatabaseUrl = self.database_url.parse()?;
        Ok(Connection::open_with(
            &url,
            &OpenOptions {
                create,
                schema: self.schema.clone(),
                scratch_url: self.scratch_url.clone(),
                pooler: self.pooler,
            },
        )?)
    }

    /// The `ignore` globs of Retort.toml and the command line's `--ignore`.
    pub(crate) fn ignore(&self, args: &IgnoreArgs) -> anyhow::Result<retort::ignore::Ignore> {
        let globs: Vec<&String> = self.ignore.iter().chain(&args.globs).collect();
        Ok(retort::ignore::Ignore::new(&globs)?)
    }

    pub(crate) fn scripts(&self) -> anyhow::Result<ScriptDirectory> {
        Ok(ScriptDirectory::open(&self.migrations_dir)?)
    }
}
