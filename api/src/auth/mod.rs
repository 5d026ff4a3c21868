//! Sign-in and sessions at the HTTP edge: session tokens (cookie or bearer), the
//! request's actor, the Origin check for cookie-authenticated changes, provider sign-in,
//! the development sign-in, logout, and rate limits.

pub(crate) mod dev;
pub(crate) mod flow;
pub(crate) mod http_client;
pub(crate) mod origin;
pub(crate) mod providers;
pub(crate) mod rate_limit;
pub(crate) mod token;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use domain::Actor;
use domain::accounts::{ClientInfo, SessionId, TokenHash};

use crate::http::AppState;
use crate::http::request_id;

/// Sign-in settings and providers, shared by every request.
pub(crate) struct AuthState {
    pub providers: BTreeMap<String, providers::SignInProvider>,
    pub http: http_client::ProviderHttp,
    /// This server's own origin (from `public_url`).
    pub public_origin: String,
    /// Front-end origins that may act with the session cookie and be returned to.
    pub allowed_origins: Vec<String>,
    /// Development only: an `Origin` naming the `Host` the request was sent to counts as
    /// this server's own (so GraphiQL works on 127.0.0.1 and localhost alike).
    pub same_host_is_own_origin: bool,
    pub native_redirect_uris: Vec<String>,
    pub dev_login: bool,
    /// How many reverse proxies in front of us append to `X-Forwarded-For`.
    pub trusted_proxy_hops: usize,
    pub rate_limiter: Arc<rate_limit::RateLimiter>,
}

/// The session cookie: `__Host-` binds it to this exact host, over HTTPS (browsers treat
/// `localhost` as secure), with no `Domain` and `Path=/`.
pub(crate) const COOKIE: &str = "__Host-hireql_session";

/// The prefix of the cookies that bind a sign-in's `state` to the browser that started
/// it; each attempt has its own, so sign-ins in two tabs do not disturb each other.
const SIGN_IN_COOKIE_PREFIX: &str = "__Host-hireql_signin_";

/// The sign-in cookie's name for this `state`.
pub(crate) fn sign_in_cookie_name(state: &str) -> String {
    let tag: String = state.chars().take(16).collect();
    format!("{SIGN_IN_COOKIE_PREFIX}{tag}")
}

fn host_cookie(name: String, value: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

/// The session cookie, living as long as the session may.
pub(crate) fn session_cookie(token: String, max_age_secs: i64) -> Cookie<'static> {
    host_cookie(COOKIE.to_owned(), token, max_age_secs)
}

/// The sign-in cookie for `state`, living as long as the attempt.
pub(crate) fn sign_in_cookie(state: String) -> Cookie<'static> {
    host_cookie(
        sign_in_cookie_name(&state),
        state,
        domain::accounts::ATTEMPT_LIFETIME.num_seconds(),
    )
}

/// Tells the browser to forget a cookie.
pub(crate) fn expired_cookie(name: &str) -> Cookie<'static> {
    host_cookie(name.to_owned(), String::new(), 0)
}

/// The client's address: the TCP peer, or, behind `trusted_proxy_hops` reverse proxies,
/// the address the outermost of them saw (taken from the right of `X-Forwarded-For`, so
/// a client cannot choose it by sending the header itself).
pub(crate) fn client_ip(req: &HttpRequest, trusted_proxy_hops: usize) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip().to_canonical());
    if trusted_proxy_hops == 0 {
        return peer;
    }
    // Count entries as the proxies wrote them, before parsing: dropping one that does
    // not parse would shift the index onto an entry the client wrote.
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let chosen = match forwarded.len().checked_sub(trusted_proxy_hops) {
        Some(i) => forwarded.get(i).copied(),
        None => forwarded.first().copied(),
    };
    chosen.and_then(parse_forwarded).or(peer)
}

/// An `X-Forwarded-For` entry: `ip`, `ip:port`, `[v6]` or `[v6]:port`.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let ip = if let Some(rest) = entry.strip_prefix('[') {
        rest.split(']').next()?.parse().ok()?
    } else if let Ok(ip) = entry.parse::<IpAddr>() {
        ip
    } else {
        let (host, _port) = entry.rsplit_once(':')?;
        host.parse().ok()?
    };
    Some(IpAddr::to_canonical(&ip))
}

/// Who the client says it is, for `viewer { sessions }`.
pub(crate) fn client_info(req: &HttpRequest, state: &AppState) -> ClientInfo {
    ClientInfo {
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        ip: client_ip(req, state.auth.trusted_proxy_hops).map(|ip| ip.to_string()),
    }
}

/// A plain page for a browser (sign-in routes are visited by browsers, not scripts).
pub(crate) fn page(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(format!("Sign-in failed ({code}): {message}\n"))
}

/// A failure of ours on a browser route: logged with the request id, answered without
/// details.
pub(crate) fn internal_page(req: &HttpRequest, err: impl std::fmt::Display) -> HttpResponse {
    let rid = request_id::of(req);
    tracing::error!(error = %err, request_id = rid, "sign-in failed");
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        &format!("something went wrong on our side (request {rid}); try again"),
    )
}

/// How the request presented its session token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Credential {
    None,
    Bearer,
    Cookie,
}

/// Who is asking, as established from the request's credentials.
#[derive(Debug, Clone)]
pub(crate) struct Authenticated {
    pub actor: Actor,
    pub session: Option<SessionId>,
    /// The hash of the token that authenticated, for re-checking long connections.
    pub token: Option<TokenHash>,
    pub credential: Credential,
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(|t| t.trim().to_owned())
}

/// The token the request carries: `Authorization: Bearer` first, then the cookie.
pub(crate) fn presented_token(req: &HttpRequest) -> Option<(String, Credential)> {
    if let Some(token) = bearer(req) {
        return Some((token, Credential::Bearer));
    }
    req.cookie(COOKIE)
        .map(|c| (c.value().to_owned(), Credential::Cookie))
}

/// Every token the request carries (bearer and cookie), for logout.
pub(crate) fn all_presented_tokens(req: &HttpRequest) -> Vec<(String, Credential)> {
    let mut out = Vec::new();
    if let Some(token) = bearer(req) {
        out.push((token, Credential::Bearer));
    }
    if let Some(c) = req.cookie(COOKIE) {
        out.push((c.value().to_owned(), Credential::Cookie));
    }
    out
}

/// Resolves the request's actor. A missing, malformed, unknown, expired or revoked token
/// is simply anonymous; only a storage failure is an error.
pub(crate) async fn authenticate(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Authenticated, domain::DomainError> {
    let anonymous = |credential| Authenticated {
        actor: Actor::Anonymous,
        session: None,
        token: None,
        credential,
    };
    let Some((token, credential)) = presented_token(req) else {
        return Ok(anonymous(Credential::None));
    };
    let Some(hash) = token::hash(&token) else {
        return Ok(anonymous(credential));
    };
    match state
        .services
        .accounts
        .authenticate(&hash, chrono::Utc::now())
        .await?
    {
        Some((actor, session)) => Ok(Authenticated {
            actor,
            session: Some(session),
            token: Some(hash),
            credential,
        }),
        None => Ok(anonymous(credential)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_client_ip_comes_from_trusted_proxies_only() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.2:4000".parse().unwrap())
            .insert_header(("x-forwarded-for", "6.6.6.6, 203.0.113.7"))
            .to_http_request();
        assert_eq!(client_ip(&req, 0), Some("10.0.0.2".parse().unwrap()));
        // One proxy: the address it saw is the last entry; the client-sent one is ignored.
        assert_eq!(client_ip(&req, 1), Some("203.0.113.7".parse().unwrap()));
        assert_eq!(client_ip(&req, 2), Some("6.6.6.6".parse().unwrap()));
        let no_header = TestRequest::default()
            .peer_addr("10.0.0.2:4000".parse().unwrap())
            .to_http_request();
        assert_eq!(client_ip(&no_header, 1), Some("10.0.0.2".parse().unwrap()));
        // A proxy that writes ports does not let the client's own entry through.
        let with_port = TestRequest::default()
            .peer_addr("10.0.0.2:4000".parse().unwrap())
            .insert_header(("x-forwarded-for", "6.6.6.6, 203.0.113.7:4711"))
            .to_http_request();
        assert_eq!(
            client_ip(&with_port, 1),
            Some("203.0.113.7".parse().unwrap())
        );
        let v6 = TestRequest::default()
            .peer_addr("10.0.0.2:4000".parse().unwrap())
            .insert_header(("x-forwarded-for", "[2001:db8::1]:443"))
            .to_http_request();
        assert_eq!(client_ip(&v6, 1), Some("2001:db8::1".parse().unwrap()));
        // Garbage in the proxy's slot: the TCP peer, never the client's claim.
        let garbage = TestRequest::default()
            .peer_addr("10.0.0.2:4000".parse().unwrap())
            .insert_header(("x-forwarded-for", "6.6.6.6, unknown"))
            .to_http_request();
        assert_eq!(client_ip(&garbage, 1), Some("10.0.0.2".parse().unwrap()));
        // IPv4 clients of a dual-stack listener are IPv4 addresses, each its own bucket.
        let mapped = TestRequest::default()
            .peer_addr("[::ffff:198.51.100.4]:4000".parse().unwrap())
            .to_http_request();
        assert_eq!(client_ip(&mapped, 0), Some("198.51.100.4".parse().unwrap()));
    }
}
