//! HTTP endpoints.

pub(crate) mod errors;
pub(crate) mod graphql;
pub(crate) mod health;
pub(crate) mod request_id;
pub(crate) mod ws;

use std::sync::Arc;

use domain::Services;
use persistence::Db;
use persistence::cache::Cache;
use schema::HireqlSchema;

/// What every handler shares.
pub(crate) struct AppState {
    pub schema: HireqlSchema,
    pub services: Services,
    pub db: Db,
    pub cache: Arc<dyn Cache>,
    pub redis_configured: bool,
    pub graphiql: bool,
    pub max_body_bytes: usize,
    pub auth: crate::auth::AuthState,
}
