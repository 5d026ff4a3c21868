//! Layered, typed configuration: defaults < optional TOML file < environment.
//!
//! Environment: `HIREQL_<KEY>` for every key (nested keys with `__`, e.g.
//! `HIREQL_LIMITS__MAX_DEPTH`), plus the conventional `DATABASE_URL` and `REDIS_URL`
//! (the `HIREQL_` forms win when both are set).

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use schema::Limits;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Development serves GraphiQL by default; production does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Every setting of the server. Secrets (URLs that may hold passwords) never print.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub profile: Profile,
    pub host: String,
    pub port: u16,
    /// HTTP worker threads; default: one per CPU core.
    pub workers: Option<usize>,
    pub database_url: SecretString,
    pub database_max_connections: u32,
    /// PostgreSQL only: the schema (search_path) that holds HireQL's tables.
    pub database_schema: Option<String>,
    /// Apply pending migrations when `serve` starts.
    pub migrate_on_start: bool,
    pub redis_url: Option<SecretString>,
    pub redis_key_prefix: String,
    pub redis_connect_timeout_ms: u64,
    pub redis_command_timeout_ms: u64,
    /// `None`: on in development, off in production.
    pub graphiql: Option<bool>,
    pub log_format: LogFormat,
    /// A `tracing` filter, e.g. `info,hireql=debug`. `RUST_LOG` overrides it.
    pub log_level: String,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Seconds that in-flight requests get to finish after SIGTERM / SIGINT.
    pub shutdown_timeout_secs: u64,
    pub limits: Limits,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            profile: Profile::Development,
            host: "127.0.0.1".into(),
            port: 8080,
            workers: None,
            database_url: SecretString::from("sqlite://hireql.db?mode=rwc"),
            database_max_connections: 10,
            database_schema: None,
            migrate_on_start: true,
            redis_url: None,
            redis_key_prefix: "hireql:".into(),
            redis_connect_timeout_ms: 500,
            redis_command_timeout_ms: 250,
            graphiql: None,
            log_format: LogFormat::Json,
            log_level: "info".into(),
            max_body_bytes: 256 * 1024,
            shutdown_timeout_secs: 30,
            limits: Limits::default(),
        }
    }
}

/// A configuration problem, worded as one line that names the key.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Loads settings: defaults, then `file` (or `hireql.toml` when it exists), then the
    /// environment. `file` given explicitly must exist.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::new();
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!("file {} not found", path.display())));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None => {
                let default = PathBuf::from("hireql.toml");
                if default.exists() {
                    figment = figment.merge(Toml::file_exact(default));
                }
            }
        }
        let figment = figment
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL", "REDIS_URL"])
                    .map(|k| k.as_str().to_lowercase().into()),
            )
            .merge(Env::prefixed("HIREQL_").split("__").ignore(&["CONFIG"]));
        Self::from_figment(figment)
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let settings: Settings = figment.extract().map_err(|e| {
            // figment names the key and where the value came from; keep it to one line.
            let first = e
                .into_iter()
                .next()
                .map(|e| e.to_string())
                .unwrap_or_default();
            ConfigError(first.replace('\n', " "))
        })?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, why: &str| Err(ConfigError(format!("key `{key}`: {why}")));
        if persistence::Backend::from_url(self.database_url.expose_secret()).is_none() {
            return bad("database_url", "must start with sqlite: or postgres://");
        }
        if let Some(url) = &self.redis_url {
            let url = url.expose_secret();
            if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                return bad("redis_url", "must start with redis:// or rediss://");
            }
        }
        if self.database_max_connections == 0 {
            return bad("database_max_connections", "must be at least 1");
        }
        if self.workers == Some(0) {
            return bad("workers", "must be at least 1");
        }
        if self.max_body_bytes < 1024 {
            return bad("max_body_bytes", "must be at least 1024");
        }
        if let Some(schema) = &self.database_schema
            && (schema.is_empty()
                || !schema
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return bad("database_schema", "must be letters, digits and underscores");
        }
        if self.limits.max_depth == 0 || self.limits.max_complexity == 0 {
            return bad("limits", "max_depth and max_complexity must be at least 1");
        }
        Ok(())
    }

    pub fn graphiql_enabled(&self) -> bool {
        self.graphiql
            .unwrap_or(self.profile == Profile::Development)
    }

    pub fn db_settings(&self) -> persistence::DbSettings {
        let mut db = persistence::DbSettings::new(self.database_url.expose_secret());
        db.max_connections = self.database_max_connections;
        db.schema = self.database_schema.clone();
        db
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures return its own error type
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn defaults_need_nothing() {
        Jail::expect_with(|_| {
            let s = Settings::load(None).unwrap();
            assert_eq!((s.host.as_str(), s.port), ("127.0.0.1", 8080));
            assert!(s.database_url.expose_secret().starts_with("sqlite:"));
            assert!(s.redis_url.is_none());
            assert!(s.graphiql_enabled());
            Ok(())
        });
    }

    #[test]
    fn file_then_environment_win_over_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "hireql.toml",
                "port = 9000\nprofile = \"production\"\n[limits]\nmax_depth = 5\n",
            )?;
            let s = Settings::load(None).unwrap();
            assert_eq!(s.port, 9000);
            assert_eq!(s.limits.max_depth, 5);
            assert!(!s.graphiql_enabled());
            jail.set_env("HIREQL_PORT", "9100");
            jail.set_env("HIREQL_LIMITS__MAX_DEPTH", "7");
            jail.set_env("DATABASE_URL", "postgres://db/hireql");
            jail.set_env("REDIS_URL", "redis://cache:6379");
            let s = Settings::load(None).unwrap();
            assert_eq!((s.port, s.limits.max_depth), (9100, 7));
            assert_eq!(s.database_url.expose_secret(), "postgres://db/hireql");
            assert!(s.redis_url.is_some());
            jail.set_env("HIREQL_DATABASE_URL", "sqlite://other.db");
            let s = Settings::load(None).unwrap();
            assert_eq!(s.database_url.expose_secret(), "sqlite://other.db");
            Ok(())
        });
    }

    #[test]
    fn a_bad_value_is_one_line_naming_the_key() {
        Jail::expect_with(|jail| {
            jail.set_env("HIREQL_PORT", "eighty");
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(
                err.to_lowercase().contains("\"port\"") && !err.contains('\n'),
                "{err}"
            );
            jail.set_env("HIREQL_PORT", "8080");
            jail.set_env("DATABASE_URL", "mysql://x");
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.contains("database_url"), "{err}");
            jail.set_env("DATABASE_URL", "sqlite://x.db");
            jail.set_env("HIREQL_NO_SUCH_KEY", "1");
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.to_lowercase().contains("no_such_key"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn secrets_do_not_print() {
        Jail::expect_with(|jail| {
            jail.set_env("DATABASE_URL", "postgres://user:hunter2@db/hireql");
            let s = Settings::load(None).unwrap();
            assert!(!format!("{s:?}").contains("hunter2"));
            Ok(())
        });
    }
}
