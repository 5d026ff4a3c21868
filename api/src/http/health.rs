//! `GET /healthz` (the process is alive) and `GET /readyz` (its dependencies answer).
//!
//! Readiness follows the architecture's rule that the cache is an optimisation: the
//! database gates readiness (503 when it does not answer); a configured Redis that does
//! not answer is reported as `degraded` with 200, since every request is still served from
//! the database. Taking all replicas out of rotation for a cache outage would turn a slower
//! service into none.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::AppState;

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

fn check(name: &str, result: Result<(), String>) -> serde_json::Value {
    match result {
        Ok(()) => json!({ "status": "ok" }),
        Err(error) => {
            tracing::warn!(check = name, %error, "readiness check failed");
            json!({ "status": "error", "error": error })
        }
    }
}

pub(crate) async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = match tokio::time::timeout(CHECK_TIMEOUT, state.db.ping()).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err("timed out".to_owned()),
    };
    let database_ok = database.is_ok();
    let db_name = state.db.backend().as_str();
    let mut checks = serde_json::Map::new();
    checks.insert(db_name.to_owned(), check(db_name, database));
    let mut redis_ok = true;
    if state.redis_configured {
        let redis = match tokio::time::timeout(CHECK_TIMEOUT, state.cache.ping()).await {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(_) => Err("timed out".to_owned()),
        };
        redis_ok = redis.is_ok();
        checks.insert("redis".to_owned(), check("redis", redis));
    }
    let status = match (database_ok, redis_ok) {
        (false, _) => "unavailable",
        (true, false) => "degraded",
        (true, true) => "ready",
    };
    let body = json!({ "status": status, "checks": checks });
    if database_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
