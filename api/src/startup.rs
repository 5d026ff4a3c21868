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
use persistence::{CachedTaxonomyRepository, Db, SeaTaxonomyRepository};
use secrecy::ExposeSecret;

use crate::config::Settings;
use crate::http::{self, AppState};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] persistence::DbErr),
    #[error("configuration: key `redis_url`: {0}")]
    Redis(String),
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

impl Application {
    /// Connects to the database (migrating it when `migrate_on_start`) and binds the port.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let db = Db::connect(&settings.db_settings()).await?;
        Self::build_with_db(settings, db).await
    }

    /// Like [`Application::build`] on a pool the caller opened (tests count its statements).
    pub async fn build_with_db(settings: Settings, db: Db) -> Result<Self, StartupError> {
        if settings.migrate_on_start {
            db.migrate_up().await?;
        }
        let cache = build_cache(&settings)?;
        let taxonomy =
            CachedTaxonomyRepository::new(Arc::new(SeaTaxonomyRepository::new(&db)), cache.clone());
        let services = Services::new(Arc::new(taxonomy));
        let schema = schema::build_schema(services.clone(), &settings.limits);
        let state = web::Data::new(AppState {
            schema,
            services,
            db: db.clone(),
            cache,
            redis_configured: settings.redis_url.is_some(),
            graphiql: settings.graphiql_enabled(),
            max_body_bytes: settings.max_body_bytes,
        });

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
                .wrap(Compress::default())
                .wrap(from_fn(http::request_id::middleware))
                .service(
                    web::resource("/graphql")
                        .route(web::post().to(http::graphql::post))
                        .route(web::get().to(http::graphql::get))
                        .default_service(web::to(method_not_allowed)),
                )
                .route("/graphql/ws", web::get().to(http::ws::subscribe))
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
