//! Black-box test harness: the real server on port 0, in its own thread and runtime,
//! on a fresh database that is removed afterwards; spoken to over HTTP and WebSocket
//! like a front end would.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
// a test helper fails loudly
// The server's future holds the merged GraphQL root, a deep type: laying it out needs more
// than the default 128 levels. It is laid out here, once (see `TestApp::start`).
#![recursion_limit = "256"]

pub mod hiring;
pub mod payload;
pub mod reviewing;
pub mod stub_provider;

use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;

use actix_web::dev::ServerHandle;
use api::{Application, Settings};
use persistence::testing::{TestDatabase, backends, redis_url};
use persistence::{Backend, Db, StatementCounter};
use serde_json::{Value, json};

/// One combination of back ends to run a suite against.
#[derive(Debug, Clone)]
pub struct Setup {
    pub backend: Backend,
    pub redis: Option<String>,
}

/// SQLite with the in-process cache always; PostgreSQL (with Redis when
/// `TEST_REDIS_URL` is set) when `TEST_DATABASE_URL` is set; SQLite with Redis when only
/// `TEST_REDIS_URL` is.
pub fn setups() -> Vec<Setup> {
    let mut out = vec![Setup {
        backend: Backend::Sqlite,
        redis: None,
    }];
    let redis = redis_url();
    if backends().contains(&Backend::Postgres) {
        out.push(Setup {
            backend: Backend::Postgres,
            redis,
        });
    } else if redis.is_some() {
        out.push(Setup {
            backend: Backend::Sqlite,
            redis,
        });
    }
    out
}

/// A running server and a client for it.
pub struct TestApp {
    pub base_url: String,
    pub client: reqwest::Client,
    pub setup: Setup,
    /// Statements run by the server's database pool so far.
    pub statements: StatementCounter,
    pub redis_key_prefix: String,
    /// The server's payment provider (the sandbox of its settings), shared with
    /// [`TestApp::services`].
    pub sandbox: domain::contracts::SandboxProvider,
    /// The server's in-process cache when it runs without Redis, shared with
    /// [`TestApp::services`].
    memory_cache: Option<Arc<dyn persistence::cache::Cache>>,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
    _db: TestDatabase,
}

impl TestApp {
    /// Starts a server for `setup` with default test settings.
    pub async fn spawn(setup: &Setup) -> Self {
        Self::spawn_with(setup, |_| {}).await
    }

    /// Starts a server for `setup`; `customize` may change any setting first. With
    /// `TEST_LOG` set (e.g. `TEST_LOG=warn`), the servers' logs at that level go to
    /// standard output (run with `--nocapture` to see them with the tests').
    pub async fn spawn_with(setup: &Setup, customize: impl FnOnce(&mut Settings)) -> Self {
        static LOGS: std::sync::Once = std::sync::Once::new();
        if let Some(level) = std::env::var("TEST_LOG").ok().filter(|l| !l.is_empty()) {
            LOGS.call_once(|| {
                let settings = Settings {
                    log_level: level,
                    log_format: api::config::LogFormat::Pretty,
                    ..Settings::default()
                };
                // The guard lives as long as the test process.
                if let Ok(guard) = api::telemetry::init(&settings) {
                    std::mem::forget(guard);
                }
            });
        }
        let db = TestDatabase::create(setup.backend).await;
        let redis_key_prefix = format!("hireql-test:{}:", uuid::Uuid::new_v4().simple());
        let mut settings = Settings {
            port: 0,
            workers: Some(1),
            database_url: db.settings.url.clone().into(),
            database_schema: db.settings.schema.clone(),
            database_max_connections: 4,
            redis_url: setup.redis.clone().map(Into::into),
            redis_key_prefix: redis_key_prefix.clone(),
            graphiql: Some(true),
            // Tests run the expiry and alert jobs themselves, when they mean to.
            posting_expiry_interval_secs: 0,
            saved_search_alert_interval_secs: 0,
            contract_jobs_interval_secs: 0,
            ..Settings::default()
        };
        customize(&mut settings);
        Self::start(setup.clone(), db, settings, redis_key_prefix).await
    }

    /// Starts the server on `db` with `settings`. Not generic, so the server's future is
    /// compiled (and laid out) in this crate only, not in every test binary.
    fn start(
        setup: Setup,
        db: TestDatabase,
        settings: Settings,
        redis_key_prefix: String,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Self> + Send>> {
        Box::pin(Self::started(setup, db, settings, redis_key_prefix))
    }

    async fn started(
        setup: Setup,
        db: TestDatabase,
        settings: Settings,
        redis_key_prefix: String,
    ) -> Self {
        let statements = StatementCounter::default();
        let counter = statements.clone();
        let sandbox = settings.payments_sandbox.clone();
        let db_settings = settings.db_settings();
        // Without Redis the jobs a test runs share the server's in-process cache, as
        // the server's own job loop does (with Redis both reach the same one).
        let memory_cache: Option<Arc<dyn persistence::cache::Cache>> = settings
            .redis_url
            .is_none()
            .then(|| Arc::new(persistence::cache::MemoryCache::default()) as _);
        let server_cache = memory_cache.clone();
        let (tx, rx) = mpsc::channel();
        // The server gets its own thread and runtime (as in production), and the database
        // pool is opened there so it lives and dies with the server.
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let started = match Db::connect_counting(&db_settings, counter).await {
                    Ok(db) => Application::build_with_cache(settings, db, server_cache)
                        .await
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                match started {
                    Ok(app) => {
                        tx.send(Ok((app.port(), app.handle()))).ok();
                        app.run_until_stopped().await.ok();
                    }
                    Err(e) => {
                        tx.send(Err(e)).ok();
                    }
                }
            });
        });
        let (port, handle) = tokio::task::spawn_blocking(move || rx.recv())
            .await
            .expect("join")
            .expect("server thread reports")
            .expect("server starts");
        api::install_tls_provider();
        Self {
            base_url: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            setup,
            statements,
            redis_key_prefix,
            sandbox,
            memory_cache,
            handle,
            thread: Some(thread),
            _db: db,
        }
    }

    /// The database behind the server, for tests that need to reach past the API.
    pub fn database(&self) -> &TestDatabase {
        &self._db
    }

    /// `id` as an SQL literal of this back end's UUID columns (text on PostgreSQL, a
    /// 16-byte blob on SQLite).
    pub fn sql_uuid(&self, id: uuid::Uuid) -> String {
        match self.setup.backend {
            persistence::Backend::Postgres => format!("'{id}'"),
            persistence::Backend::Sqlite => format!("X'{}'", id.simple()),
        }
    }

    /// Moves `column` (a timestamp) of the rows of `table` matching `condition` `days`
    /// into the past, on either back end.
    pub async fn backdate(&self, table: &str, column: &str, condition: &str, days: u32) {
        let earlier = match self.setup.backend {
            persistence::Backend::Postgres => format!("{column} - INTERVAL '{days} days'"),
            persistence::Backend::Sqlite => {
                format!("strftime('%Y-%m-%dT%H:%M:%S', {column}, '-{days} days') || '+00:00'")
            }
        };
        self.database()
            .execute(&format!(
                "UPDATE {table} SET {column} = {earlier} WHERE {condition}"
            ))
            .await;
    }

    /// The domain actor `token` signs in as (its user and roles), for calling the
    /// domain services directly (see [`TestApp::services`]).
    pub async fn actor_of(&self, token: &str) -> domain::Actor {
        let body = self
            .gql(Some(token), "{ viewer { id roles } }", json!({}))
            .await;
        let id = uuid_of(&body["data"]["viewer"]["id"]);
        let roles = body["data"]["viewer"]["roles"]
            .as_array()
            .expect("the viewer's roles")
            .iter()
            .filter_map(|r| match r.as_str() {
                Some("CLIENT") => Some(domain::Role::Client),
                Some("FREELANCER") => Some(domain::Role::Freelancer),
                Some("ADMIN") => Some(domain::Role::Admin),
                _ => None,
            })
            .collect();
        domain::Actor::User {
            id: domain::UserId(id),
            roles,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn ws_url(&self) -> String {
        format!(
            "ws://{}/graphql/ws",
            self.base_url.trim_start_matches("http://")
        )
    }

    /// POSTs a GraphQL request and returns the status and JSON body.
    pub async fn post_graphql(&self, query: &str, variables: Value) -> (u16, Value) {
        let res = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request is sent");
        let status = res.status().as_u16();
        (status, res.json().await.expect("JSON body"))
    }

    /// POSTs a GraphQL request as the holder of `token` (anonymous when `None`); the
    /// answer must be HTTP 200. Returns the JSON body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request is sent");
        assert_eq!(res.status(), 200);
        res.json().await.expect("JSON body")
    }

    /// The `User-Agent` the development sign-in is asked with (sessions record it).
    pub const USER_AGENT: &'static str = "hireql-tests/1.0";

    /// Signs in with the development sign-in (the server must have `dev_login`) as
    /// `handle`, taking `roles` (comma-separated), and returns the bearer token.
    pub async fn dev_token(&self, handle: &str, roles: &str) -> String {
        let res = self
            .client
            .get(self.url(&format!("/auth/dev/login?as={handle}&roles={roles}")))
            .header("accept", "application/json")
            .header("user-agent", Self::USER_AGENT)
            .send()
            .await
            .expect("request is sent");
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["cache-control"], "no-store");
        let body: Value = res.json().await.expect("JSON body");
        body["token"].as_str().expect("a token").to_owned()
    }

    /// The domain services on the server's database, through a pool of their own, with
    /// the server's payment sandbox: for tests that run background jobs at a chosen time
    /// (as another process would).
    pub async fn services(&self) -> domain::Services {
        let db = &self._db.settings;
        let settings = Settings {
            database_url: db.url.clone().into(),
            database_schema: db.schema.clone(),
            database_max_connections: 2,
            migrate_on_start: false,
            payments_sandbox: self.sandbox.clone(),
            redis_url: self.setup.redis.clone().map(Into::into),
            redis_key_prefix: self.redis_key_prefix.clone(),
            ..Settings::default()
        };
        api::Application::services_with_cache(&settings, self.memory_cache.clone())
            .await
            .expect("services on the test database")
    }

    /// Deletes `keys` from the server's cache (its in-process one, or Redis under its
    /// key prefix): for tests that measure reads the cache would otherwise answer.
    pub async fn forget_cached(&self, keys: &[String]) {
        let cache = match &self.memory_cache {
            Some(cache) => cache.clone(),
            None => {
                let settings = Settings {
                    redis_url: self.setup.redis.clone().map(Into::into),
                    redis_key_prefix: self.redis_key_prefix.clone(),
                    ..Settings::default()
                };
                api::startup::build_cache(&settings).expect("the server's cache")
            }
        };
        cache.delete(keys).await.expect("cache keys deleted");
    }

    /// Runs a query that must succeed and returns its `data`.
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self.post_graphql(query, variables).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// Runs a query that must fail and returns the first error's code.
    pub async fn error_code(&self, query: &str, variables: Value) -> String {
        let (_, body) = self.post_graphql(query, variables).await;
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code in {body}"))
            .to_owned()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop the server and wait for its thread, so its pool is closed before the
        // database is removed.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // Remove what the test left in a shared Redis.
        if let Some(url) = self.setup.redis.clone() {
            let mut settings = persistence::cache::RedisSettings::new(url);
            settings.key_prefix = self.redis_key_prefix.clone();
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                if let Ok(cache) = persistence::cache::RedisCache::new(settings) {
                    let _ = rt.block_on(cache.clear_prefix());
                }
            })
            .join();
        }
    }
}

/// The UUID inside a global ID of this API (`Kind:uuid`, base64 without padding).
pub fn uuid_of(id: &Value) -> uuid::Uuid {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id.as_str().expect("a global ID"))
        .expect("base64");
    let text = String::from_utf8(raw).expect("UTF-8");
    let (_, uuid) = text.split_once(':').expect("Kind:uuid");
    uuid::Uuid::parse_str(uuid).expect("a UUID")
}

/// The global ID this API gives a `kind` (e.g. `TimeEntry`) with this UUID.
pub fn global_id(kind: &str, id: uuid::Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}
