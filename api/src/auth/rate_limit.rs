//! Per-IP rate limits on the sign-in routes: a fixed one-minute window counted in Redis
//! when configured (shared by every instance), in-process otherwise, and in-process
//! while Redis is unreachable, so an outage never opens the gate.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use persistence::cache::{Cache, MemoryCache};

use super::client_ip;
use crate::http::errors::refuse;
use crate::http::{AppState, request_id};

const WINDOW: Duration = Duration::from_secs(60);

/// Counts requests per client and window.
pub(crate) struct RateLimiter {
    shared: Arc<dyn Cache>,
    local: MemoryCache,
    per_window: u64,
}

/// What the limiter decided for one request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    Allow,
    /// Refuse; the client may try again after this many seconds.
    Limit {
        retry_after: u64,
    },
}

impl RateLimiter {
    pub(crate) fn new(shared: Arc<dyn Cache>, per_minute: u32) -> Self {
        Self {
            shared,
            local: MemoryCache::new(100_000),
            per_window: u64::from(per_minute),
        }
    }

    pub(crate) async fn check(&self, client: &str) -> Decision {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        self.check_at(client, now).await
    }

    /// [`RateLimiter::check`] at `now` (seconds since the epoch).
    async fn check_at(&self, client: &str, now: u64) -> Decision {
        let window = now / WINDOW.as_secs();
        let key = format!("ratelimit:auth:{client}:{window}");
        let count = match self.shared.incr(&key, WINDOW).await {
            Ok(count) => count,
            Err(err) => {
                tracing::warn!(error = %err, "rate-limit store unavailable; counting in-process");
                self.local.incr(&key, WINDOW).await.unwrap_or(0)
            }
        };
        if count <= self.per_window {
            Decision::Allow
        } else {
            Decision::Limit {
                retry_after: (window + 1) * WINDOW.as_secs() - now,
            }
        }
    }
}

/// The bucket a client counts in: its IPv4 address, or its IPv6 /64 (one subscriber
/// usually has a whole /64).
fn bucket(ip: Option<std::net::IpAddr>) -> String {
    match ip {
        Some(std::net::IpAddr::V4(v4)) => v4.to_string(),
        Some(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        None => "unknown".into(),
    }
}

/// Middleware for `/auth/*`: 429 with `Retry-After` past the limit.
pub(crate) async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    if let Some(state) = state
        && let limiter = state.auth.rate_limiter.clone()
        && let client = bucket(client_ip(req.request(), state.auth.trusted_proxy_hops))
        && let Decision::Limit { retry_after } = limiter.check(&client).await
    {
        let rid = request_id::of(req.request());
        let mut res = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            "too many sign-in requests; try again later",
            &rid,
        );
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after.max(1)));
        return Ok(req.into_response(res).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use persistence::cache::CacheError;

    struct DeadCache;

    #[async_trait]
    impl Cache for DeadCache {
        async fn get(&self, _: &str) -> Result<Option<String>, CacheError> {
            Err(CacheError("down".into()))
        }
        async fn set(&self, _: &str, _: &str, _: Duration) -> Result<(), CacheError> {
            Err(CacheError("down".into()))
        }
        async fn delete(&self, _: &[String]) -> Result<(), CacheError> {
            Err(CacheError("down".into()))
        }
        async fn incr(&self, _: &str, _: Duration) -> Result<u64, CacheError> {
            Err(CacheError("down".into()))
        }
        async fn ping(&self) -> Result<(), CacheError> {
            Err(CacheError("down".into()))
        }
        fn backend(&self) -> &'static str {
            "dead"
        }
    }

    async fn limits(limiter: &RateLimiter) {
        let t = 1_800_000_010; // 10 s into a window
        for _ in 0..3 {
            assert_eq!(limiter.check_at("1.2.3.4", t).await, Decision::Allow);
        }
        assert_eq!(
            limiter.check_at("1.2.3.4", t + 5).await,
            Decision::Limit { retry_after: 45 }
        );
        assert_eq!(
            limiter.check_at("5.6.7.8", t).await,
            Decision::Allow,
            "per client"
        );
        assert_eq!(
            limiter.check_at("1.2.3.4", t + 50).await,
            Decision::Allow,
            "next window"
        );
    }

    #[test]
    fn ipv6_clients_count_per_slash_64() {
        let a = bucket("2001:db8:1:2:aaaa::1".parse().ok());
        let b = bucket("2001:db8:1:2:bbbb::9".parse().ok());
        assert_eq!(a, b);
        assert_ne!(a, bucket("2001:db8:1:3::1".parse().ok()));
        assert_eq!(bucket("203.0.113.9".parse().ok()), "203.0.113.9");
    }

    #[tokio::test]
    async fn limits_per_client_and_window() {
        limits(&RateLimiter::new(Arc::new(MemoryCache::default()), 3)).await;
    }

    #[tokio::test]
    async fn still_limits_in_process_when_the_shared_store_is_down() {
        limits(&RateLimiter::new(Arc::new(DeadCache), 3)).await;
    }
}
