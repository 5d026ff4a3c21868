//! Signing in with a provider.
//!
//! - `GET /auth/{provider}/login` sends the browser to the provider with a one-time
//!   `state` (also kept in a cookie of this browser), a PKCE S256 challenge and, for
//!   OpenID Connect, a nonce.
//! - `POST /auth/{provider}/link` does the same for a signed-in browser that wants to add
//!   this provider to its account (a POST, from an allowed origin: linking is never
//!   triggered by merely following a link).
//! - `GET /auth/{provider}/callback` takes the attempt (once), exchanges the code, signs
//!   the user in and sets the session cookie, or, for native apps, hands back a one-time
//!   code that `POST /auth/token` exchanges for a bearer token.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use domain::accounts::{ATTEMPT_LIFETIME, SignInAttempt};
use domain::{Actor, DomainError, ErrorCode};
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::Url;

use super::{
    COOKIE, Credential, authenticate, client_info, expired_cookie, internal_page, origin, page,
    session_cookie, sign_in_cookie, sign_in_cookie_name, token,
};
use crate::http::errors::refuse;
use crate::http::{AppState, request_id};

/// The largest `POST /auth/token` body.
const MAX_TOKEN_REQUEST: usize = 4 * 1024;

#[derive(Deserialize)]
pub(crate) struct LoginQuery {
    return_to: Option<String>,
    /// Native apps: the S256 challenge of a verifier the app keeps; the sign-in then ends
    /// at `return_to` (a configured native redirect URI) with a one-time `code`.
    app_challenge: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Where a browser may be sent after signing in, normalised (percent-encoded): a path on
/// this server, or a URL on a configured front-end origin. `None` for anything else (no
/// open redirect).
pub(crate) fn checked_return_to(value: &str, allowed_origins: &[String]) -> Option<String> {
    if value.len() > 2048 || value.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    if value.starts_with('/') {
        if value.starts_with("//") {
            return None;
        }
        // Resolve against a placeholder origin, so the result is a clean path.
        let base = Url::parse("http://placeholder.invalid").ok()?;
        let url = base.join(value).ok()?;
        if url.host_str() != Some("placeholder.invalid") {
            return None;
        }
        let mut out = url.path().to_owned();
        // Dot segments can turn `/.//evil.example` into `//evil.example`.
        if out.starts_with("//") {
            return None;
        }
        if let Some(q) = url.query() {
            out.push('?');
            out.push_str(q);
        }
        if let Some(f) = url.fragment() {
            out.push('#');
            out.push_str(f);
        }
        return Some(out);
    }
    let url = Url::parse(value).ok()?;
    if !matches!(url.scheme(), "https" | "http")
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return None;
    }
    let origin = url.origin().ascii_serialization();
    allowed_origins
        .iter()
        .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(&origin))
        .then(|| url.to_string())
}

/// `return_to` with one more query parameter.
fn with_param(return_to: &str, name: &str, value: &str) -> String {
    let encoded: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair(name, value)
        .finish();
    let (base, fragment) = match return_to.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (return_to, None),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    match fragment {
        Some(f) => format!("{base}{sep}{encoded}#{f}"),
        None => format!("{base}{sep}{encoded}"),
    }
}

fn redirect(to: &str) -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::SeeOther();
    res.insert_header((header::LOCATION, to.to_owned()))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    res
}

/// Sends the browser back with `auth_error=CODE`, forgetting this attempt's cookie.
fn fail_to(return_to: &str, state: &str, code: &str) -> HttpResponse {
    redirect(&with_param(return_to, "auth_error", code))
        .cookie(expired_cookie(&sign_in_cookie_name(state)))
        .finish()
}

fn well_formed_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `GET /auth/{provider}/login`: sign in (or up).
pub(crate) async fn login(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    start(&req, path.as_str(), &state, None).await
}

/// `POST /auth/{provider}/link`: a signed-in browser adds this provider to its account.
pub(crate) async fn link(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    if !origin::allowed(&req, &state.auth) {
        return page(
            StatusCode::FORBIDDEN,
            "FORBIDDEN_ORIGIN",
            "linking must be started from this site or an allowed front end",
        );
    }
    let me = match authenticate(&req, &state).await {
        Ok(auth) if auth.credential == Credential::Cookie => auth.actor.user_id(),
        Ok(_) => None,
        Err(e) => return internal_page(&req, e),
    };
    let Some(me) = me else {
        return page(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "sign in first, then link another account",
        );
    };
    start(&req, path.as_str(), &state, Some(me)).await
}

async fn start(
    req: &HttpRequest,
    provider_key: &str,
    state: &AppState,
    link_to: Option<domain::UserId>,
) -> HttpResponse {
    let Some(provider) = state.auth.providers.get(provider_key) else {
        return page(
            StatusCode::NOT_FOUND,
            "UNKNOWN_PROVIDER",
            "no such sign-in provider",
        );
    };
    let query = match web::Query::<LoginQuery>::from_query(req.query_string()) {
        Ok(q) => q.into_inner(),
        Err(e) => return page(StatusCode::BAD_REQUEST, "BAD_REQUEST", &e.to_string()),
    };
    let raw_return_to = query.return_to.unwrap_or_else(|| "/".into());
    let return_to = if let Some(challenge) = &query.app_challenge {
        if !well_formed_challenge(challenge) {
            return page(
                StatusCode::BAD_REQUEST,
                "INVALID_APP_CHALLENGE",
                "app_challenge must be a base64url S256 challenge (43 characters)",
            );
        }
        if !state.auth.native_redirect_uris.contains(&raw_return_to) {
            return page(
                StatusCode::BAD_REQUEST,
                "INVALID_RETURN_TO",
                "return_to is not a configured native redirect URI",
            );
        }
        raw_return_to
    } else {
        match checked_return_to(&raw_return_to, &state.auth.allowed_origins) {
            Some(r) => r,
            None => {
                return page(
                    StatusCode::BAD_REQUEST,
                    "INVALID_RETURN_TO",
                    "return_to must be a path here or a URL on an allowed front-end origin",
                );
            }
        }
    };
    let (state_token, state_hash) = match token::generate() {
        Ok(t) => t,
        Err(e) => return internal_page(req, e),
    };
    let authorization = match provider.authorize(&state.auth.http, &state_token).await {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(provider = %provider.key, error = %e, "cannot start sign-in");
            return page(
                StatusCode::BAD_GATEWAY,
                e.code(),
                "the sign-in provider is not available; try again later",
            );
        }
    };
    let now = Utc::now();
    let attempt = SignInAttempt {
        state_hash,
        provider: provider.key.clone(),
        pkce_verifier: authorization.pkce_verifier,
        nonce: authorization.nonce,
        return_to,
        link_to,
        app_challenge: query.app_challenge,
        created_at: now,
        expires_at: now + ATTEMPT_LIFETIME,
    };
    if let Err(e) = state.services.accounts.begin_sign_in(&attempt).await {
        return internal_page(req, e);
    }
    redirect(authorization.url.as_str())
        .cookie(sign_in_cookie(state_token))
        .finish()
}

/// `GET /auth/{provider}/callback`.
pub(crate) async fn callback(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(provider) = state.auth.providers.get(path.as_str()) else {
        return page(
            StatusCode::NOT_FOUND,
            "UNKNOWN_PROVIDER",
            "no such sign-in provider",
        );
    };
    let query = match web::Query::<CallbackQuery>::from_query(req.query_string()) {
        Ok(q) => q.into_inner(),
        Err(_) => {
            return page(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "unreadable callback",
            );
        }
    };
    let Some(state_token) = query.state.filter(|s| !s.is_empty()) else {
        return page(
            StatusCode::BAD_REQUEST,
            "INVALID_STATE",
            "the callback carries no state",
        );
    };
    let Some(state_hash) = token::hash(&state_token) else {
        return page(
            StatusCode::BAD_REQUEST,
            "INVALID_STATE",
            "the state is malformed",
        );
    };
    // The state must be one this browser was sent off with (login CSRF). A mismatch
    // leaves the browser's own sign-in in progress alone.
    let bound = req
        .cookie(&sign_in_cookie_name(&state_token))
        .and_then(|c| token::hash(c.value()));
    if bound.as_ref() != Some(&state_hash) {
        return page(
            StatusCode::BAD_REQUEST,
            "INVALID_STATE",
            "this sign-in was not started in this browser; start again",
        );
    }
    let now = Utc::now();
    let attempt = match state.services.accounts.take_sign_in(&state_hash, now).await {
        Ok(Some(a)) if a.provider == provider.key => a,
        Ok(_) => {
            return page(
                StatusCode::BAD_REQUEST,
                "INVALID_STATE",
                "this sign-in has expired or was already used; start again",
            );
        }
        Err(e) => return internal_page(&req, e),
    };
    let fail = |code: &str| fail_to(&attempt.return_to, &state_token, code);
    if let Some(error) = query.error {
        let code = if error == "access_denied" {
            "ACCESS_DENIED"
        } else {
            "PROVIDER_ERROR"
        };
        let error: String = error
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(64)
            .collect();
        tracing::info!(provider = %provider.key, error, "the provider ended the sign-in");
        return fail(code);
    }
    let Some(code) = query.code.filter(|c| !c.is_empty()) else {
        return fail("PROVIDER_ERROR");
    };
    // Linking needs the account that asked for it to be still signed in here.
    let actor = match attempt.link_to {
        None => Actor::Anonymous,
        Some(me) => match authenticate(&req, &state).await {
            Ok(auth)
                if auth.credential == Credential::Cookie && auth.actor.user_id() == Some(me) =>
            {
                auth.actor
            }
            Ok(_) => return fail("LINK_SESSION_ENDED"),
            Err(e) => {
                tracing::error!(error = %e, "cannot check the linking session");
                return fail("INTERNAL");
            }
        },
    };
    let identity = match provider
        .identify(
            &state.auth.http,
            &code,
            &attempt.pkce_verifier,
            attempt.nonce.as_deref(),
        )
        .await
    {
        Ok(identity) => identity,
        Err(e) => {
            tracing::warn!(provider = %provider.key, error = %e, "sign-in failed at the provider");
            return fail(e.code());
        }
    };
    let accounts = &state.services.accounts;
    let user = match accounts.sign_in(&actor, identity).await {
        Ok(user) => user,
        Err(DomainError::Forbidden) => return fail("ACCOUNT_SUSPENDED"),
        Err(e) if e.code() == ErrorCode::Conflict => return fail("IDENTITY_CONFLICT"),
        Err(e) if e.is_user_error() => {
            tracing::warn!(provider = %provider.key, error = %e, "the provider's claims were refused");
            return fail("PROFILE_UNAVAILABLE");
        }
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            return fail("INTERNAL");
        }
    };
    let (secret, hash) = match token::generate() {
        Ok(t) => t,
        Err(e) => return internal_page(&req, e),
    };
    if let Some(challenge) = attempt.app_challenge.clone() {
        // A native app: a one-time code for its `POST /auth/token`.
        if let Err(e) = accounts.issue_grant(&user, hash, challenge, now).await {
            tracing::error!(error = %e, "cannot issue a sign-in code");
            return fail("INTERNAL");
        }
        tracing::info!(user = %user.id.0, provider = %provider.key, "signed in (native app)");
        return redirect(&with_param(&attempt.return_to, "code", &secret))
            .cookie(expired_cookie(&sign_in_cookie_name(&state_token)))
            .finish();
    }
    let session = match accounts
        .start_session(&user, hash, client_info(&req, &state), now)
        .await
    {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot start a session");
            return fail("INTERNAL");
        }
    };
    // The browser's previous session, if any, ends: one browser, one session.
    end_browser_session(&req, &state).await;
    tracing::info!(user = %user.id.0, provider = %provider.key, "signed in");
    let max_age = (session.expires_at - now).num_seconds();
    redirect(&attempt.return_to)
        .cookie(session_cookie(secret, max_age))
        .cookie(expired_cookie(&sign_in_cookie_name(&state_token)))
        .finish()
}

/// Ends the session of the cookie this request carries, if any (before a new one is set).
pub(crate) async fn end_browser_session(req: &HttpRequest, state: &AppState) {
    if let Some(old) = req.cookie(COOKIE).and_then(|c| token::hash(c.value()))
        && let Err(e) = state.services.accounts.sign_out(&old, Utc::now()).await
    {
        tracing::warn!(error = %e, "could not end the previous session");
    }
}

#[derive(Deserialize)]
pub(crate) struct TokenRequest {
    code: String,
    code_verifier: String,
}

/// Whether `verifier` is the PKCE (RFC 7636) S256 verifier of `challenge`.
fn s256_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    well_formed && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

/// `POST /auth/token` with `{"code", "code_verifier"}`: a native app exchanges its
/// one-time code for a bearer token.
pub(crate) async fn exchange(
    req: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let rid = request_id::of(&req);
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
    if !json {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "send application/json",
            &rid,
        );
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return refuse(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "unreadable body",
                &rid,
            );
        };
        if body.len() + chunk.len() > MAX_TOKEN_REQUEST {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "the body is too large",
                &rid,
            );
        }
        body.extend_from_slice(&chunk);
    }
    let Ok(request) = serde_json::from_slice::<TokenRequest>(&body) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "expected {\"code\": ..., \"code_verifier\": ...}",
            &rid,
        );
    };
    let invalid = || {
        refuse(
            StatusCode::BAD_REQUEST,
            "INVALID_GRANT",
            "the code is unknown, used or expired, or the verifier does not match",
            &rid,
        )
    };
    let Some(code_hash) = token::hash(&request.code) else {
        return invalid();
    };
    let (secret, hash) = match token::generate() {
        Ok(t) => t,
        Err(e) => return internal_json(&req, e),
    };
    let verifier = request.code_verifier;
    let redeemed = state
        .services
        .accounts
        .redeem_grant(
            &code_hash,
            |challenge| s256_matches(&verifier, challenge),
            hash,
            client_info(&req, &state),
            Utc::now(),
        )
        .await;
    match redeemed {
        Ok(Some(session)) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({
                "token": secret,
                "tokenType": "Bearer",
                "expiresAt": session.expires_at,
            })),
        Ok(None) => invalid(),
        Err(e) => internal_json(&req, e),
    }
}

/// A failure of ours on an API route: logged with the request id, answered as JSON.
pub(crate) fn internal_json(req: &HttpRequest, err: impl std::fmt::Display) -> HttpResponse {
    let rid = request_id::of(req);
    tracing::error!(error = %err, request_id = rid, "sign-in failed");
    refuse(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "Internal server error",
        &rid,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_is_a_local_path_or_an_allowed_origin() {
        let allowed = vec!["https://app.example.com".to_string()];
        for (given, kept) in [
            ("/", "/"),
            ("/jobs?x=1", "/jobs?x=1"),
            ("/a b/é", "/a%20b/%C3%A9"),
            ("/../etc", "/etc"),
            (
                "https://app.example.com/after",
                "https://app.example.com/after",
            ),
            ("https://APP.example.com", "https://app.example.com/"),
        ] {
            assert_eq!(
                checked_return_to(given, &allowed).as_deref(),
                Some(kept),
                "{given}"
            );
        }
        for bad in [
            "//evil.example/x",
            "/\\evil.example",
            "https://evil.example/",
            "https://app.example.com.evil.example/",
            "https://user@app.example.com/",
            "http://app.example.com/",
            "javascript:alert(1)",
            "app.example.com",
            "/\nSet-Cookie: x",
            "/.//evil.example/x",
            "/..//evil.example",
            "/%2e//evil.example",
            "/a/..//evil.example",
        ] {
            assert_eq!(checked_return_to(bad, &allowed), None, "{bad}");
        }
    }

    #[test]
    fn parameters_are_added_before_the_fragment() {
        assert_eq!(with_param("/a", "code", "x y"), "/a?code=x+y");
        assert_eq!(
            with_param("/a?b=1#top", "auth_error", "E"),
            "/a?b=1&auth_error=E#top"
        );
    }

    #[test]
    fn s256_verifier() {
        // RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(s256_matches(verifier, challenge));
        assert!(!s256_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(!s256_matches("short", challenge));
    }
}
