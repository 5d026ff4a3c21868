//! Builds the application from settings: the database, the cache, the domain services,
//! the schema and the HTTP server. The only place where persistence meets the domain.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use domain::Services;
use persistence::cache::{Cache, MemoryCache, RedisCache, RedisSettings};
use persistence::{
    CachedSessionRepository, CachedTaxonomyRepository, Db, SeaAgencyIndex, SeaAgencyRepository,
    SeaClientProfileRepository, SeaNotificationRepository, SeaPostingBoard, SeaPostingIndex,
    SeaPostingInvitationRepository, SeaPostingRepository, SeaProfileRepository,
    SeaSavedSearchRepository, SeaSessionRepository, SeaSignInRepository, SeaTalentIndex,
    SeaTaxonomyRepository, SeaUserRepository,
};
use secrecy::ExposeSecret;

use std::collections::BTreeMap;

use crate::auth::AuthState;
use crate::auth::http_client::ProviderHttp;
use crate::auth::providers::SignInProvider;
use crate::auth::rate_limit::RateLimiter;
use crate::config::Settings;
use crate::http::{self, AppState};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] persistence::DbErr),
    #[error("configuration: key `redis_url`: {0}")]
    Redis(String),
    #[error("configuration: key `{key}`: {message}")]
    Config { key: String, message: String },
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: String,
        source: std::io::Error,
    },
}

/// A server bound to its port, not yet running.
pub struct Application {
    port: u16,
    server: Server,
}

/// The cache the settings ask for: Redis when `redis_url` is set, in-process otherwise.
pub fn build_cache(settings: &Settings) -> Result<Arc<dyn Cache>, StartupError> {
    Ok(match &settings.redis_url {
        Some(url) => {
            let mut redis = RedisSettings::new(url.expose_secret());
            redis.key_prefix = settings.redis_key_prefix.clone();
            redis.connect_timeout = Duration::from_millis(settings.redis_connect_timeout_ms);
            redis.command_timeout = Duration::from_millis(settings.redis_command_timeout_ms);
            Arc::new(RedisCache::new(redis).map_err(|e| StartupError::Redis(e.0))?)
        }
        None => Arc::new(MemoryCache::default()),
    })
}

/// The domain services on this database and cache.
fn wire_services(settings: &Settings, db: &Db, cache: Arc<dyn Cache>) -> Services {
    if settings.profile == crate::config::Profile::Production {
        tracing::warn!(
            "payments run on the built-in sandbox provider: no real money moves \
             (payments_sandbox_in_production = true)"
        );
    }
    let code_host: Option<Arc<dyn domain::profiles::CodeHost>> = match (
        url::Url::parse(&settings.github_api_url),
        ProviderHttp::new(Duration::from_millis(settings.provider_timeout_ms)),
    ) {
        (Ok(api), Ok(http)) => Some(Arc::new(crate::integrations::github::GithubCodeHost::new(
            http,
            api,
            settings.github_api_token.clone(),
        ))),
        _ => None,
    };
    let taxonomy =
        CachedTaxonomyRepository::new(Arc::new(SeaTaxonomyRepository::new(db)), cache.clone());
    let reputation = persistence::CachedReputationRepository::new(
        Arc::new(persistence::SeaReputationRepository::new(db)),
        cache.clone(),
    );
    let sessions = CachedSessionRepository::new(Arc::new(SeaSessionRepository::new(db)), cache);
    let postings: Arc<dyn domain::postings::PostingRepository> =
        Arc::new(SeaPostingRepository::new(db));
    Services::new(
        domain::Ports {
            taxonomy: Arc::new(taxonomy),
            users: Arc::new(SeaUserRepository::new(db)),
            sessions: Arc::new(sessions),
            sign_ins: Arc::new(SeaSignInRepository::new(db)),
            profiles: Arc::new(SeaProfileRepository::new(db)),
            clients: Arc::new(SeaClientProfileRepository::new(db)),
            talent: Arc::new(SeaTalentIndex::new(db)),
            agency_index: Arc::new(SeaAgencyIndex::new(db)),
            agencies: Arc::new(SeaAgencyRepository::new(db)),
            postings: postings.clone(),
            posting_invitations: Arc::new(SeaPostingInvitationRepository::new(db)),
            posting_index: Arc::new(SeaPostingIndex::new(db)),
            posting_board: Arc::new(SeaPostingBoard::new(db, postings)),
            saved_searches: Arc::new(SeaSavedSearchRepository::new(db)),
            proposals: Arc::new(persistence::SeaProposalRepository::new(db)),
            evaluators: Arc::new(persistence::SeaEvaluationRepository::new(db)),
            scorecards: Arc::new(persistence::SeaEvaluationRepository::new(db)),
            messages: Arc::new(persistence::SeaMessageRepository::new(db)),
            referrals: Arc::new(persistence::SeaReferralRepository::new(db)),
            interviews: Arc::new(persistence::SeaInterviewRepository::new(db)),
            coding_tasks: Arc::new(persistence::SeaCodingTaskRepository::new(db)),
            notifications: Arc::new(SeaNotificationRepository::new(db)),
            contracts: Arc::new(persistence::SeaContractRepository::new(db)),
            timesheets: Arc::new(persistence::SeaContractRepository::new(db)),
            reviews: Arc::new(persistence::SeaReviewRepository::new(db)),
            reputation: Arc::new(reputation),
            payments: Arc::new(settings.payments_sandbox.clone()),
            code_host,
        },
        settings.session_limits(),
        settings.contract_settings(),
    )
}

/// The configured sign-in providers and the rest of the sign-in settings.
fn build_auth(settings: &Settings, cache: Arc<dyn Cache>) -> Result<AuthState, StartupError> {
    let mut providers = BTreeMap::new();
    for (key, p) in &settings.providers {
        let provider = SignInProvider::new(key, p, &settings.public_url).map_err(|message| {
            StartupError::Config {
                key: format!("providers.{key}"),
                message,
            }
        })?;
        providers.insert(key.clone(), provider);
    }
    let http = ProviderHttp::new(Duration::from_millis(settings.provider_timeout_ms)).map_err(
        |message| StartupError::Config {
            key: "provider_timeout_ms".into(),
            message,
        },
    )?;
    Ok(AuthState {
        providers,
        http,
        public_origin: url::Url::parse(&settings.public_url)
            .map(|u| u.origin().ascii_serialization())
            .map_err(|e| StartupError::Config {
                key: "public_url".into(),
                message: e.to_string(),
            })?,
        allowed_origins: settings.allowed_origins.clone(),
        same_host_is_own_origin: settings.profile == crate::config::Profile::Development,
        trusted_proxy_hops: settings.trusted_proxy_hops,
        native_redirect_uris: settings.native_redirect_uris.clone(),
        dev_login: settings.dev_login,
        rate_limiter: Arc::new(RateLimiter::new(cache, settings.auth_rate_limit_per_minute)),
    })
}

/// CORS: only the configured front-end origins, with credentials; none by default.
/// Other origins are not blocked here (same-origin pages such as GraphiQL send `Origin`
/// too); they just get no CORS headers, so browsers keep the response from them, and
/// cookie-authenticated changes are refused by the Origin check.
fn cors(origins: &[String]) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .block_on_origin_mismatch(false)
        .allowed_methods(["GET", "POST"])
        .allowed_headers([
            actix_web::http::header::AUTHORIZATION,
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::ACCEPT,
            crate::http::request_id::HEADER,
        ])
        .expose_headers([crate::http::request_id::HEADER])
        .supports_credentials()
        .max_age(600);
    for origin in origins {
        cors = cors.allowed_origin(origin.trim_end_matches('/'));
    }
    cors
}

impl Application {
    /// The domain services for a command-line task: the database (migrated when
    /// `migrate_on_start`, as [`Db::migrate_for_task`] allows) and the configured cache,
    /// without a server.
    pub async fn services(settings: &Settings) -> Result<Services, StartupError> {
        Self::services_with_cache(settings, None).await
    }

    /// Like [`Application::services`] on `cache` when given (tests share a server's
    /// in-process cache with the jobs they run, as one process would).
    pub async fn services_with_cache(
        settings: &Settings,
        cache: Option<Arc<dyn Cache>>,
    ) -> Result<Services, StartupError> {
        let db = Db::connect(&settings.db_settings()).await?;
        if settings.migrate_on_start {
            db.migrate_for_task().await?;
        }
        let cache = match cache {
            Some(cache) => cache,
            None => build_cache(settings)?,
        };
        Ok(wire_services(settings, &db, cache))
    }

    /// Connects to the database (migrating it when `migrate_on_start`) and binds the port.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let db = Db::connect(&settings.db_settings()).await?;
        Self::build_with_db(settings, db).await
    }

    /// Like [`Application::build`] on a pool the caller opened (tests count its statements).
    pub async fn build_with_db(settings: Settings, db: Db) -> Result<Self, StartupError> {
        Self::build_with_cache(settings, db, None).await
    }

    /// Like [`Application::build_with_db`] on `cache` when given, rather than the one
    /// the settings ask for.
    pub async fn build_with_cache(
        settings: Settings,
        db: Db,
        cache: Option<Arc<dyn Cache>>,
    ) -> Result<Self, StartupError> {
        settings
            .payments_allowed()
            .map_err(|(key, message)| StartupError::Config { key, message })?;
        if settings.migrate_on_start {
            db.migrate_up().await?;
        }
        let cache = match cache {
            Some(cache) => cache,
            None => build_cache(&settings)?,
        };
        let services = wire_services(&settings, &db, cache.clone());
        let auth = build_auth(&settings, cache.clone())?;
        if settings.posting_expiry_interval_secs > 0 {
            crate::jobs::spawn_posting_expiry(
                &services,
                Duration::from_secs(settings.posting_expiry_interval_secs),
            );
        }
        if settings.saved_search_alert_interval_secs > 0 {
            crate::jobs::spawn_saved_search_alerts(
                &services,
                Duration::from_secs(settings.saved_search_alert_interval_secs),
            );
        }
        if settings.contract_jobs_interval_secs > 0 {
            crate::jobs::spawn_contract_jobs(
                &services,
                Duration::from_secs(settings.contract_jobs_interval_secs),
            );
        }
        if settings.dev_login {
            tracing::warn!(
                "the development sign-in is enabled: anyone who reaches /auth/dev/login can \
                 sign in as any development user; never enable it on a public server"
            );
        }
        let mut providers: Vec<schema::AuthProviderInfo> = auth
            .providers
            .values()
            .map(|p| schema::AuthProviderInfo {
                id: p.key.clone(),
                name: p.display_name.clone(),
                login_path: format!("/auth/{}/login", p.key),
            })
            .collect();
        if settings.dev_login {
            providers.push(schema::AuthProviderInfo {
                id: "dev".into(),
                name: "Development sign-in".into(),
                login_path: "/auth/dev/login".into(),
            });
        }
        let schema = schema::build_schema(services.clone(), &settings.limits, providers);
        let state = web::Data::new(AppState {
            schema,
            services,
            db: db.clone(),
            cache,
            redis_configured: settings.redis_url.is_some(),
            graphiql: settings.graphiql_enabled(),
            max_body_bytes: settings.max_body_bytes,
            auth,
        });
        let cors_origins = settings.allowed_origins.clone();

        let address = format!("{}:{}", settings.host, settings.port);
        let listener = TcpListener::bind(&address).map_err(|source| StartupError::Listen {
            address: address.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Listen { address, source })?
            .port();

        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .wrap(cors(&cors_origins))
                .wrap(Compress::default())
                .wrap(from_fn(http::request_id::middleware))
                .service(
                    web::resource("/graphql")
                        .route(web::post().to(http::graphql::post))
                        .route(web::get().to(http::graphql::get))
                        .default_service(web::to(method_not_allowed)),
                )
                .route("/graphql/ws", web::get().to(http::ws::subscribe))
                .service(
                    web::scope("/auth")
                        .wrap(from_fn(crate::auth::rate_limit::middleware))
                        .route("/dev/login", web::get().to(crate::auth::dev::login))
                        .route("/logout", web::post().to(crate::auth::dev::logout))
                        .route("/token", web::post().to(crate::auth::flow::exchange))
                        .route("/{provider}/login", web::get().to(crate::auth::flow::login))
                        .route("/{provider}/link", web::post().to(crate::auth::flow::link))
                        .route(
                            "/{provider}/callback",
                            web::get().to(crate::auth::flow::callback),
                        ),
                )
                .route("/healthz", web::get().to(http::health::healthz))
                .route("/readyz", web::get().to(http::health::readyz))
                .default_service(web::to(not_found))
        })
        .shutdown_timeout(settings.shutdown_timeout_secs)
        .listen(listener)
        .map_err(|source| StartupError::Listen {
            address: format!("{}:{port}", settings.host),
            source,
        })?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        tracing::info!(
            port,
            database = db.backend().as_str(),
            cache = if settings.redis_url.is_some() {
                "redis"
            } else {
                "memory"
            },
            graphiql = settings.graphiql_enabled(),
            "hireql listening on http://{}:{port}/graphql",
            settings.host
        );
        Ok(Self {
            port,
            server: server.run(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (gracefully, when asked) from elsewhere.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM / SIGINT (or the handle stops it); in-flight requests get
    /// `shutdown_timeout_secs` to finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

async fn not_found(req: actix_web::HttpRequest) -> HttpResponse {
    http::errors::refuse(
        actix_web::http::StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "no such endpoint; GraphQL is served at /graphql",
        &http::request_id::of(&req),
    )
}

async fn method_not_allowed(req: actix_web::HttpRequest) -> HttpResponse {
    let mut res = http::errors::refuse(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "use GET or POST",
        &http::request_id::of(&req),
    );
    res.headers_mut().insert(
        actix_web::http::header::ALLOW,
        actix_web::http::header::HeaderValue::from_static("GET, POST"),
    );
    res
}
