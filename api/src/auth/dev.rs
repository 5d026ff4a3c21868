//! The development sign-in, `GET /auth/dev/login?as=NAME&roles=client,freelancer`, and
//! `POST /auth/logout`. The development sign-in exists only when `dev_login` is enabled,
//! which the production profile refuses at start-up.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use domain::accounts::{ExternalIdentity, Provider};
use domain::{Actor, Role};

use super::flow::{end_browser_session, internal_json};
use serde::Deserialize;

use super::{
    COOKIE, Credential, all_presented_tokens, client_info, expired_cookie, origin, session_cookie,
    token,
};
use crate::http::errors::refuse;
use crate::http::{AppState, request_id};

#[derive(Deserialize)]
pub(crate) struct DevLogin {
    /// A handle for the development user, e.g. `demo-client`.
    #[serde(rename = "as")]
    handle: String,
    /// Comma-separated roles to take: `client`, `freelancer`.
    roles: Option<String>,
}

fn wants_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"))
}

/// `GET /auth/dev/login`: signs in (creating on first use) the development user `as`,
/// gives it the asked roles, and starts a session. Browsers get the session cookie and
/// a redirect to GraphiQL; `Accept: application/json` gets `{ "token": ... }` for use as
/// `Authorization: Bearer`.
pub(crate) async fn login(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let rid = request_id::of(&req);
    if !state.auth.dev_login {
        return refuse(StatusCode::NOT_FOUND, "NOT_FOUND", "no such endpoint", &rid);
    }
    let params = match web::Query::<DevLogin>::from_query(req.query_string()) {
        Ok(p) => p.into_inner(),
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("bad query: {e}"),
                &rid,
            );
        }
    };
    let handle_ok = !params.handle.is_empty()
        && params.handle.len() <= 64
        && params
            .handle
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !handle_ok {
        return refuse(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "`as` must be 1 to 64 letters, digits, - or _",
            &rid,
        );
    }
    let mut roles = Vec::new();
    for role in params
        .roles
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        match role {
            "client" => roles.push(Role::Client),
            "freelancer" => roles.push(Role::Freelancer),
            _ => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "`roles` takes client and freelancer",
                    &rid,
                );
            }
        }
    }
    let accounts = &state.services.accounts;
    let identity = ExternalIdentity {
        provider: Provider::Dev,
        subject: params.handle.clone(),
        email: None,
        email_verified: false,
        display_name: Some(params.handle.clone()),
        avatar_url: None,
    };
    let user = match accounts.sign_in(&Actor::Anonymous, identity).await {
        Ok(user) => user,
        Err(e) if e.code() == domain::ErrorCode::Forbidden => {
            return refuse(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "this account is suspended",
                &rid,
            );
        }
        Err(e) => return internal_json(&req, e),
    };
    let actor = user.actor();
    for role in roles {
        if let Err(e) = accounts.add_own_role(&actor, role).await {
            return internal_json(&req, e);
        }
    }
    let (token, hash) = match token::generate() {
        Ok(t) => t,
        Err(e) => return internal_json(&req, e),
    };
    let session = match accounts
        .start_session(&user, hash, client_info(&req, &state), chrono::Utc::now())
        .await
    {
        Ok(s) => s,
        Err(e) => return internal_json(&req, e),
    };
    tracing::info!(user = %user.id.0, "development sign-in");
    if wants_json(&req) {
        return HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({ "token": token, "expiresAt": session.expires_at }));
    }
    end_browser_session(&req, &state).await;
    let max_age = (session.expires_at - chrono::Utc::now()).num_seconds();
    HttpResponse::SeeOther()
        .cookie(session_cookie(token, max_age))
        .insert_header((header::LOCATION, "/graphql"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// `POST /auth/logout`: ends every session the request presents (bearer and cookie)
/// and clears the cookie. With the cookie, only from an allowed origin.
pub(crate) async fn logout(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let rid = request_id::of(&req);
    let tokens = all_presented_tokens(&req);
    if tokens.iter().any(|(_, c)| *c == Credential::Cookie) && !origin::allowed(&req, &state.auth) {
        return refuse(
            StatusCode::FORBIDDEN,
            "FORBIDDEN_ORIGIN",
            "this origin may not act with the session cookie",
            &rid,
        );
    }
    for (token, _) in tokens {
        if let Some(hash) = token::hash(&token)
            && let Err(e) = state
                .services
                .accounts
                .sign_out(&hash, chrono::Utc::now())
                .await
        {
            return internal_json(&req, e);
        }
    }
    HttpResponse::NoContent()
        .cookie(expired_cookie(COOKIE))
        .finish()
}
