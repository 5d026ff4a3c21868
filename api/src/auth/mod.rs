//! Sign-in and sessions at the HTTP edge: session tokens (cookie or bearer), the
//! request's actor, the Origin check for cookie-authenticated changes, the development
//! sign-in, and logout.

pub(crate) mod dev;
pub(crate) mod flow;
pub(crate) mod http_client;
pub(crate) mod origin;
pub(crate) mod providers;
pub(crate) mod rate_limit;
pub(crate) mod token;

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use domain::Actor;
use domain::accounts::{ClientInfo, SessionId};

use crate::http::errors::refuse;
use crate::http::{AppState, request_id};

/// Sign-in settings and providers, shared by every request.
pub(crate) struct AuthState {
    pub providers: BTreeMap<String, providers::SignInProvider>,
    pub http: http_client::ProviderHttp,
    /// Front-end origins that may act with the session cookie and be returned to.
    pub allowed_origins: Vec<String>,
    pub native_redirect_uris: Vec<String>,
    pub dev_login: bool,
    pub rate_limiter: Arc<rate_limit::RateLimiter>,
}

/// The cookie that binds a sign-in's `state` to the browser that started it.
pub(crate) const SIGN_IN_COOKIE: &str = "__Host-hireql_signin";

fn host_cookie(name: &'static str, value: String, max_age_secs: i64) -> Cookie<'static> {
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
    host_cookie(COOKIE, token, max_age_secs)
}

/// The sign-in cookie, living as long as the attempt.
pub(crate) fn sign_in_cookie(state: String) -> Cookie<'static> {
    host_cookie(
        SIGN_IN_COOKIE,
        state,
        domain::accounts::ATTEMPT_LIFETIME.num_seconds(),
    )
}

/// Tells the browser to forget a cookie.
pub(crate) fn expired_cookie(name: &'static str) -> Cookie<'static> {
    host_cookie(name, String::new(), 0)
}

/// Who the client says it is, for `viewer { sessions }`.
pub(crate) fn client_info(req: &HttpRequest) -> ClientInfo {
    ClientInfo {
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        ip: req.peer_addr().map(|a| a.ip().to_string()),
    }
}

/// A failure of ours: logged with the request id, answered without details.
pub(crate) fn internal(req: &HttpRequest, err: impl std::fmt::Display) -> HttpResponse {
    let rid = request_id::of(req);
    tracing::error!(error = %err, request_id = rid, "sign-in failed");
    refuse(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "Internal server error",
        &rid,
    )
}

/// The session cookie: `__Host-` binds it to this exact host, over HTTPS (browsers treat
/// `localhost` as secure), with no `Domain` and `Path=/`.
pub(crate) const COOKIE: &str = "__Host-hireql_session";

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
    pub credential: Credential,
}

/// The token the request carries: `Authorization: Bearer` first, then the cookie.
pub(crate) fn presented_token(req: &HttpRequest) -> Option<(String, Credential)> {
    if let Some(value) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        && let Some(token) = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
    {
        return Some((token.trim().to_owned(), Credential::Bearer));
    }
    req.cookie(COOKIE)
        .map(|c| (c.value().to_owned(), Credential::Cookie))
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
            credential,
        }),
        None => Ok(anonymous(credential)),
    }
}
