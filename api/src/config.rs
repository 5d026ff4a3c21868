//! Layered, typed configuration: defaults < optional TOML file < environment.
//!
//! Environment: `HIREQL_<KEY>` for every key (nested keys with `__`, e.g.
//! `HIREQL_LIMITS__MAX_DEPTH`), plus the conventional `DATABASE_URL` and `REDIS_URL`
//! (the `HIREQL_` forms win when both are set).

use std::collections::BTreeMap;
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
    /// Front-end origins (`https://app.example.com`) allowed to act with the session
    /// cookie; the server's own origin always is.
    pub allowed_origins: Vec<String>,
    /// A session unused this long ends.
    pub session_idle_secs: u64,
    /// No session lives longer than this.
    pub session_absolute_secs: u64,
    /// Enables `GET /auth/dev/login` for local use; refused in the production profile.
    pub dev_login: bool,
    /// This server's public base URL (scheme, host, port), from which providers'
    /// default callback URLs are made: `{public_url}/auth/{provider}/callback`.
    pub public_url: String,
    /// Sign-in providers by key: the key is the URL segment (`/auth/{key}/login`).
    pub providers: BTreeMap<String, ProviderSettings>,
    /// Where native apps may ask to be sent back after signing in (exact match), e.g.
    /// `com.example.hireql:/signed-in`; they get a one-time code there.
    pub native_redirect_uris: Vec<String>,
    /// How long a call to a provider (token, user info, discovery) may take.
    pub provider_timeout_ms: u64,
    /// Requests to `/auth/*` allowed per client IP per minute.
    pub auth_rate_limit_per_minute: u32,
    /// GitHub's REST API, for importing repositories into portfolios (an Enterprise
    /// server's `https://host/api/v3` works too).
    pub github_api_url: String,
    /// Optional token for GitHub's API (raises its rate limit; public data only).
    pub github_api_token: Option<SecretString>,
    /// How many reverse proxies in front of the server append to `X-Forwarded-For`; the
    /// client address is then read from there (rate limits, session IPs). 0: the TCP peer.
    pub trusted_proxy_hops: usize,
    /// How often each server runs the posting expiry job, in seconds; 0 turns it off here
    /// (run `hireql jobs expire-postings` from a scheduler instead). Several servers may
    /// run it at once: each posting is closed and warned once.
    pub posting_expiry_interval_secs: u64,
    /// How often each server runs the saved-search alert job, in seconds; 0 turns it off
    /// here (run `hireql jobs saved-search-alerts` from a scheduler instead). Several
    /// servers may run it at once: each match is notified once.
    pub saved_search_alert_interval_secs: u64,
    /// How long an offer stays open before it expires, in days (default 7).
    pub offer_expiry_days: u32,
    /// How long after the work is submitted a milestone is released to the freelancer
    /// when the client does not act, in days (default 14).
    pub milestone_auto_release_days: u32,
    /// How long after a contract ended its parties may review it, in days (default 14);
    /// reviews are blind until both sides reviewed or this window closed.
    pub review_window_days: u32,
    /// The platform's fee on what freelancers earn, in basis points (1000 = 10%, the
    /// default; at most 5000).
    pub platform_fee_basis_points: u32,
    /// How often each server runs the contract jobs (offer expiry, automatic milestone
    /// release, approval of weeks of hours nobody reviewed), in seconds; 0 turns them off
    /// here (run `hireql jobs contracts` from a scheduler instead). Several servers may
    /// run them at once: each offer expires, each milestone is released and each week is
    /// paid once.
    pub contract_jobs_interval_secs: u64,
    /// The only payment provider built in is a sandbox that moves no real money: the
    /// production profile refuses to start on it unless this says so (a pilot, a demo).
    pub payments_sandbox_in_production: bool,
    /// The built-in payment provider (moves no real money). Not a setting: tests hold a
    /// clone to make it fail.
    #[serde(skip)]
    pub payments_sandbox: domain::contracts::SandboxProvider,
}

/// What a provider is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// GitHub OAuth 2.0 plus its user and emails API.
    Github,
    /// Google, through OpenID Connect.
    Google,
    /// Any OpenID Connect provider, found from its issuer's discovery document.
    Oidc,
}

/// One sign-in provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSettings {
    pub kind: ProviderKind,
    pub client_id: String,
    pub client_secret: SecretString,
    /// The button label; defaults to GitHub, Google, or the key.
    pub display_name: Option<String>,
    /// OIDC issuer URL (required for `oidc`; Google's is the default for `google`).
    pub issuer: Option<String>,
    /// Scopes to ask for; defaults: `read:user user:email` (GitHub), `openid email
    /// profile` (OIDC). `openid` is always added for OIDC.
    pub scopes: Option<Vec<String>>,
    /// The exact callback URL registered with the provider; default
    /// `{public_url}/auth/{key}/callback`.
    pub redirect_url: Option<String>,
    /// Whether emails this provider calls verified may link to (and claim) accounts.
    /// Default: true for github.com and Google's own issuer, false for anything else
    /// (GitHub Enterprise, other issuers): whoever runs an issuer can vouch for any
    /// address, so trust only one you control.
    pub trust_email: Option<bool>,
    /// GitHub endpoints, for GitHub Enterprise: authorize and token URLs and the REST API.
    pub auth_url: Option<String>,
    pub token_url: Option<String>,
    pub api_url: Option<String>,
}

impl ProviderSettings {
    pub fn issuer_url(&self) -> Option<String> {
        match self.kind {
            ProviderKind::Google => Some(
                self.issuer
                    .clone()
                    .unwrap_or_else(|| "https://accounts.google.com".into()),
            ),
            ProviderKind::Oidc => self.issuer.clone(),
            ProviderKind::Github => None,
        }
    }
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
            allowed_origins: Vec::new(),
            session_idle_secs: 7 * 24 * 3600,
            session_absolute_secs: 30 * 24 * 3600,
            dev_login: false,
            public_url: "http://localhost:8080".into(),
            providers: BTreeMap::new(),
            native_redirect_uris: Vec::new(),
            provider_timeout_ms: 10_000,
            auth_rate_limit_per_minute: 30,
            trusted_proxy_hops: 0,
            posting_expiry_interval_secs: 300,
            saved_search_alert_interval_secs: 60,
            offer_expiry_days: 7,
            milestone_auto_release_days: 14,
            review_window_days: 14,
            platform_fee_basis_points: 1_000,
            contract_jobs_interval_secs: 300,
            payments_sandbox_in_production: false,
            payments_sandbox: domain::contracts::SandboxProvider::default(),
            github_api_url: "https://api.github.com".into(),
            github_api_token: None,
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
        if !(1..=365).contains(&self.offer_expiry_days) {
            return bad("offer_expiry_days", "must be between 1 and 365");
        }
        if !(1..=365).contains(&self.milestone_auto_release_days) {
            return bad("milestone_auto_release_days", "must be between 1 and 365");
        }
        if !(1..=90).contains(&self.review_window_days) {
            return bad("review_window_days", "must be between 1 and 90");
        }
        if let Err(why) = domain::contracts::FeeRate::new(self.platform_fee_basis_points) {
            return bad("platform_fee_basis_points", &why);
        }
        if self.dev_login && self.profile == Profile::Production {
            return bad(
                "dev_login",
                "the development sign-in is refused in the production profile",
            );
        }
        for origin in &self.allowed_origins {
            let ok = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin.trim_end_matches('/').contains(['?', '#'])
                && origin.matches('/').count() == 2;
            if !ok {
                return bad(
                    "allowed_origins",
                    "each must be an origin like https://app.example.com (no path)",
                );
            }
        }
        if url::Url::parse(&self.public_url).map(|u| u.path() == "/" && u.query().is_none())
            != Ok(true)
            || !(self.public_url.starts_with("https://") || self.public_url.starts_with("http://"))
        {
            return bad(
                "public_url",
                "must be a base URL like https://api.example.com",
            );
        }
        for (key, p) in &self.providers {
            let path = format!("providers.{key}");
            let key_ok = !key.is_empty()
                && key.len() <= 32
                && key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && key != "dev";
            if !key_ok {
                return bad(
                    &path,
                    "provider keys are 1 to 32 lowercase letters, digits or -, and not `dev`",
                );
            }
            if p.client_id.is_empty() || p.client_secret.expose_secret().is_empty() {
                return bad(&path, "client_id and client_secret are required");
            }
            if p.kind == ProviderKind::Oidc && p.issuer.is_none() {
                return bad(
                    &format!("{path}.issuer"),
                    "an OpenID Connect provider needs its issuer URL",
                );
            }
            for (name, value) in [
                ("issuer", p.issuer_url()),
                ("redirect_url", p.redirect_url.clone()),
                ("auth_url", p.auth_url.clone()),
                ("token_url", p.token_url.clone()),
                ("api_url", p.api_url.clone()),
            ] {
                if let Some(v) = value
                    && url::Url::parse(&v).map(|u| matches!(u.scheme(), "https" | "http"))
                        != Ok(true)
                {
                    return bad(&format!("{path}.{name}"), "must be an http(s) URL");
                }
            }
        }
        let kinds = |k| self.providers.values().filter(|p| p.kind == k).count();
        if kinds(ProviderKind::Github) > 1 || kinds(ProviderKind::Google) > 1 {
            return bad("providers", "configure GitHub and Google at most once each");
        }
        for uri in &self.native_redirect_uris {
            if url::Url::parse(uri).is_err() || uri.contains('#') {
                return bad(
                    "native_redirect_uris",
                    "each must be an absolute URI without a fragment",
                );
            }
        }
        if self.provider_timeout_ms == 0 {
            return bad("provider_timeout_ms", "must be at least 1");
        }
        if self.auth_rate_limit_per_minute == 0 {
            return bad("auth_rate_limit_per_minute", "must be at least 1");
        }
        if self.profile == Profile::Production && !self.public_url.starts_with("https://") {
            return bad("public_url", "must be https:// in the production profile");
        }
        if url::Url::parse(&self.github_api_url).map(|u| matches!(u.scheme(), "https" | "http"))
            != Ok(true)
        {
            return bad("github_api_url", "must be an http(s) URL");
        }
        if self.profile == Profile::Production && !self.github_api_url.starts_with("https://") {
            return bad(
                "github_api_url",
                "must be https:// in the production profile",
            );
        }
        if self.trusted_proxy_hops > 10 {
            return bad("trusted_proxy_hops", "must be at most 10");
        }
        const YEAR: u64 = 365 * 24 * 3600;
        if self.session_absolute_secs > YEAR {
            return bad("session_absolute_secs", "must be at most a year (31536000)");
        }
        if self.session_idle_secs == 0 || self.session_absolute_secs < self.session_idle_secs {
            return bad(
                "session_absolute_secs",
                "must be at least session_idle_secs, which must be positive",
            );
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

    pub fn session_limits(&self) -> domain::accounts::SessionLimits {
        domain::accounts::SessionLimits {
            idle: std::time::Duration::from_secs(self.session_idle_secs),
            absolute: std::time::Duration::from_secs(self.session_absolute_secs),
        }
    }

    /// Whether payments may run: the production profile serves (and runs the contract
    /// jobs) on the sandbox provider only when `payments_sandbox_in_production` says so.
    /// Other commands (migrate, seed, admin) move no money and are not held to it.
    pub fn payments_allowed(&self) -> Result<(), (String, String)> {
        if self.profile == Profile::Production && !self.payments_sandbox_in_production {
            return Err((
                "payments_sandbox_in_production".into(),
                "the production profile runs on the sandbox payment provider (no real money \
                 moves) only when this is set to true"
                    .into(),
            ));
        }
        Ok(())
    }

    pub fn contract_settings(&self) -> domain::contracts::ContractSettings {
        domain::contracts::ContractSettings {
            offer_expiry: chrono::TimeDelta::days(i64::from(self.offer_expiry_days)),
            auto_release_after: chrono::TimeDelta::days(i64::from(
                self.milestone_auto_release_days,
            )),
            fee: domain::contracts::FeeRate::new(self.platform_fee_basis_points)
                .unwrap_or_default(),
            review_window: chrono::TimeDelta::days(i64::from(self.review_window_days)),
        }
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
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(
                err.contains("public_url"),
                "production needs an https public URL: {err}"
            );
            jail.set_env("HIREQL_PUBLIC_URL", "https://api.example.com");
            let s = Settings::load(None).unwrap();
            let (key, _) = s.payments_allowed().unwrap_err();
            assert_eq!(
                key, "payments_sandbox_in_production",
                "production does not run on the sandbox by accident"
            );
            jail.set_env("HIREQL_PAYMENTS_SANDBOX_IN_PRODUCTION", "true");
            let s = Settings::load(None).unwrap();
            assert!(s.payments_allowed().is_ok());
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
            jail.set_env("HIREQL_PROFILE", "production");
            jail.set_env("HIREQL_DEV_LOGIN", "true");
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.contains("dev_login"), "{err}");
            jail.set_env("HIREQL_PROFILE", "development");
            jail.set_env(
                "HIREQL_ALLOWED_ORIGINS",
                "[\"https://app.example.com/path\"]",
            );
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.contains("allowed_origins"), "{err}");
            jail.set_env("HIREQL_ALLOWED_ORIGINS", "[\"https://app.example.com\"]");
            assert_eq!(
                Settings::load(None).unwrap().allowed_origins,
                vec!["https://app.example.com"]
            );
            jail.set_env("HIREQL_NO_SUCH_KEY", "1");
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.to_lowercase().contains("no_such_key"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn providers_come_from_the_file_or_nested_environment_keys() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "hireql.toml",
                r#"
                [providers.acme]
                kind = "oidc"
                issuer = "https://login.acme.example"
                client_id = "hireql"
                client_secret = "from-file"
                "#,
            )?;
            jail.set_env("HIREQL_PROVIDERS__GITHUB__KIND", "github");
            jail.set_env("HIREQL_PROVIDERS__GITHUB__CLIENT_ID", "Iv1.abc");
            jail.set_env("HIREQL_PROVIDERS__GITHUB__CLIENT_SECRET", "s3cret-value");
            let s = Settings::load(None).unwrap();
            assert_eq!(s.providers.len(), 2);
            assert_eq!(s.providers["github"].kind, ProviderKind::Github);
            assert_eq!(
                s.providers["acme"].issuer_url().as_deref(),
                Some("https://login.acme.example")
            );
            assert!(
                !format!("{s:?}").contains("s3cret-value"),
                "secrets do not print"
            );

            jail.set_env("HIREQL_PROVIDERS__OKTA__KIND", "oidc");
            jail.set_env("HIREQL_PROVIDERS__OKTA__CLIENT_ID", "x");
            jail.set_env("HIREQL_PROVIDERS__OKTA__CLIENT_SECRET", "y");
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.contains("providers.okta.issuer"), "{err}");
            jail.set_env("HIREQL_PROVIDERS__OKTA__ISSUER", "ftp://okta.example");
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.contains("providers.okta.issuer"), "{err}");
            jail.set_env("HIREQL_PROVIDERS__OKTA__KIND", "github");
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.contains("`providers`"), "one GitHub only: {err}");
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
