//! A stub sign-in provider: a real HTTP server that plays an OpenID Connect issuer
//! (discovery, JWKS, authorize, token with PKCE checks, RS256-signed ID tokens) and GitHub
//! (authorize, token, `/user`, `/user/emails`). Tests choose who signs in next and how the
//! provider misbehaves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{
    CoreIdToken, CoreIdTokenClaims, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
    CoreRsaPrivateSigningKey,
};
use openidconnect::{
    Audience, EmptyAdditionalClaims, EndUserEmail, EndUserName, IssuerUrl, JsonWebKeyId,
    LocalizedClaim, Nonce, PrivateSigningKey, StandardClaims, SubjectIdentifier,
};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "hireql-test-client";
pub const CLIENT_SECRET: &str = "hireql-test-secret";

const KEY: &str = include_str!("../fixtures/stub-provider-key.pem");
const IMPOSTOR_KEY: &str = include_str!("../fixtures/impostor-key.pem");

/// Who signs in at the provider next.
#[derive(Debug, Clone)]
pub struct StubUser {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: String,
}

impl StubUser {
    pub fn new(subject: &str, email: &str) -> Self {
        Self {
            subject: subject.into(),
            email: Some(email.into()),
            email_verified: true,
            name: format!("User {subject}"),
        }
    }
}

/// How the ID token is spoiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    None,
    WrongNonce,
    WrongAudience,
    WrongIssuer,
    Expired,
    BadSignature,
}

/// How the token endpoint behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenEndpoint {
    Normal,
    /// Answers with this status and an OAuth error body.
    Fail(u16),
    /// Answers only after this long.
    Slow(Duration),
}

#[derive(Debug, Clone)]
struct IssuedCode {
    challenge: String,
    method: String,
    nonce: Option<String>,
    redirect_uri: String,
    user: StubUser,
}

struct State {
    issuer: String,
    next_user: StubUser,
    deny: bool,
    tamper: Tamper,
    token_endpoint: TokenEndpoint,
    codes: HashMap<String, IssuedCode>,
    access_tokens: HashMap<String, StubUser>,
    token_requests: u32,
    counter: u64,
    rotated: bool,
    /// Public repositories `GET /users/{login}/repos` lists (GitHub's shape).
    repos: Vec<serde_json::Value>,
    repos_fail: bool,
}

/// A running stub provider.
pub struct StubProvider {
    pub url: String,
    state: Arc<Mutex<State>>,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    client_id: String,
    redirect_uri: String,
    state: String,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    nonce: Option<String>,
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    code: String,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

fn oauth_error(status: u16, error: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default())
        .json(json!({ "error": error }))
}

fn client_authenticated(req: &HttpRequest, form: &TokenForm) -> bool {
    let basic = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let expected = format!("{CLIENT_ID}:{CLIENT_SECRET}");
    basic.as_deref() == Some(expected.as_str())
        || (form.client_id.as_deref() == Some(CLIENT_ID)
            && form.client_secret.as_deref() == Some(CLIENT_SECRET))
}

fn signing_key(pem: &str, kid: &str) -> CoreRsaPrivateSigningKey {
    CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new(kid.into())))
        .expect("fixture key")
}

/// The key the provider signs with now: the first, or after a rotation the second (which
/// is the impostor key under a new key id, now published).
fn current_key(rotated: bool) -> CoreRsaPrivateSigningKey {
    if rotated {
        signing_key(IMPOSTOR_KEY, "stub-key-2")
    } else {
        signing_key(KEY, "stub-key-1")
    }
}

fn id_token(issuer: &str, issued: &IssuedCode, tamper: Tamper, rotated: bool) -> String {
    let now = chrono::Utc::now();
    let user = &issued.user;
    let mut standard = StandardClaims::new(SubjectIdentifier::new(user.subject.clone())).set_name(
        Some(LocalizedClaim::from(EndUserName::new(user.name.clone()))),
    );
    if let Some(email) = &user.email {
        standard = standard
            .set_email(Some(EndUserEmail::new(email.clone())))
            .set_email_verified(Some(user.email_verified));
    }
    let issuer = match tamper {
        Tamper::WrongIssuer => "https://impostor.example".to_string(),
        _ => issuer.to_string(),
    };
    let audience = match tamper {
        Tamper::WrongAudience => "someone-else".to_string(),
        _ => CLIENT_ID.to_string(),
    };
    let (issued_at, expires) = match tamper {
        Tamper::Expired => (
            now - chrono::Duration::hours(2),
            now - chrono::Duration::hours(1),
        ),
        _ => (now, now + chrono::Duration::minutes(5)),
    };
    let nonce = match tamper {
        Tamper::WrongNonce => Some("not-the-nonce".to_string()),
        _ => issued.nonce.clone(),
    };
    let claims = CoreIdTokenClaims::new(
        IssuerUrl::new(issuer).expect("issuer"),
        vec![Audience::new(audience)],
        expires,
        issued_at,
        standard,
        EmptyAdditionalClaims {},
    )
    .set_nonce(nonce.map(Nonce::new));
    let key = match tamper {
        // Signed by a key that is not published, under the published key's id.
        Tamper::BadSignature => signing_key(IMPOSTOR_KEY, "stub-key-1"),
        _ => current_key(rotated),
    };
    let token = CoreIdToken::new(
        claims,
        &key,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        None,
        None,
    )
    .expect("signs");
    serde_json::to_value(&token)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .expect("compact JWT")
}

async fn discovery(state: web::Data<Arc<Mutex<State>>>) -> HttpResponse {
    let issuer = state.lock().unwrap().issuer.clone();
    HttpResponse::Ok().json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn jwks(state: web::Data<Arc<Mutex<State>>>) -> HttpResponse {
    let rotated = state.lock().unwrap().rotated;
    let set = CoreJsonWebKeySet::new(vec![current_key(rotated).as_verification_key()]);
    HttpResponse::Ok().json(set)
}

async fn authorize(req: HttpRequest, state: web::Data<Arc<Mutex<State>>>) -> HttpResponse {
    let Ok(q) = web::Query::<AuthorizeQuery>::from_query(req.query_string()) else {
        return HttpResponse::BadRequest().body("bad authorize request");
    };
    if q.client_id != CLIENT_ID {
        return HttpResponse::BadRequest().body("unknown client");
    }
    let mut s = state.lock().unwrap();
    let sep = if q.redirect_uri.contains('?') {
        '&'
    } else {
        '?'
    };
    let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    if s.deny {
        let to = format!(
            "{}{sep}error=access_denied&state={}",
            q.redirect_uri,
            enc(&q.state)
        );
        return HttpResponse::Found()
            .insert_header(("location", to))
            .finish();
    }
    s.counter += 1;
    let code = format!("code-{}", s.counter);
    let issued = IssuedCode {
        challenge: q.code_challenge.clone().unwrap_or_default(),
        method: q.code_challenge_method.clone().unwrap_or_default(),
        nonce: q.nonce.clone(),
        redirect_uri: q.redirect_uri.clone(),
        user: s.next_user.clone(),
    };
    s.codes.insert(code.clone(), issued);
    let to = format!(
        "{}{sep}code={}&state={}",
        q.redirect_uri,
        enc(&code),
        enc(&q.state)
    );
    HttpResponse::Found()
        .insert_header(("location", to))
        .finish()
}

async fn token(
    req: HttpRequest,
    form: web::Form<TokenForm>,
    state: web::Data<Arc<Mutex<State>>>,
) -> HttpResponse {
    let behaviour = {
        let mut s = state.lock().unwrap();
        s.token_requests += 1;
        s.token_endpoint
    };
    match behaviour {
        TokenEndpoint::Normal => {}
        TokenEndpoint::Fail(status) => return oauth_error(status, "server_error"),
        TokenEndpoint::Slow(delay) => actix_web::rt::time::sleep(delay).await,
    }
    if form.grant_type != "authorization_code" {
        return oauth_error(400, "unsupported_grant_type");
    }
    if !client_authenticated(&req, &form) {
        return oauth_error(401, "invalid_client");
    }
    let mut s = state.lock().unwrap();
    // A code is good once.
    let Some(issued) = s.codes.remove(&form.code) else {
        return oauth_error(400, "invalid_grant");
    };
    if form.redirect_uri.as_deref() != Some(issued.redirect_uri.as_str()) {
        return oauth_error(400, "invalid_grant");
    }
    let verifier_ok = form.code_verifier.as_deref().is_some_and(|v| {
        issued.method == "S256"
            && URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())) == issued.challenge
    });
    if !verifier_ok {
        return oauth_error(400, "invalid_grant");
    }
    s.counter += 1;
    let access_token = format!("access-{}", s.counter);
    s.access_tokens
        .insert(access_token.clone(), issued.user.clone());
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 3600,
    });
    if issued.nonce.is_some() {
        body["id_token"] = json!(id_token(&s.issuer, &issued, s.tamper, s.rotated));
    }
    HttpResponse::Ok().json(body)
}

fn github_user(req: &HttpRequest, state: &Mutex<State>) -> Option<StubUser> {
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))?;
    state.lock().unwrap().access_tokens.get(token).cloned()
}

async fn user(req: HttpRequest, state: web::Data<Arc<Mutex<State>>>) -> HttpResponse {
    match github_user(&req, &state) {
        Some(u) => HttpResponse::Ok().json(json!({
            "id": u.subject.parse::<u64>().unwrap_or(1),
            "login": u.name.replace(' ', "-").to_lowercase(),
            "name": u.name,
            "avatar_url": "https://avatars.example/u.png",
        })),
        None => HttpResponse::Unauthorized().json(json!({ "message": "Bad credentials" })),
    }
}

async fn emails(req: HttpRequest, state: web::Data<Arc<Mutex<State>>>) -> HttpResponse {
    match github_user(&req, &state) {
        Some(u) => HttpResponse::Ok().json(match u.email {
            Some(email) => json!([
                { "email": "other@users.noreply.example", "primary": false, "verified": true },
                { "email": email, "primary": true, "verified": u.email_verified },
            ]),
            None => json!([]),
        }),
        None => HttpResponse::Unauthorized().json(json!({ "message": "Bad credentials" })),
    }
}

async fn account_by_id(path: web::Path<String>) -> HttpResponse {
    match path.parse::<u64>() {
        Ok(id) => HttpResponse::Ok().json(json!({ "id": id, "login": format!("user{id}") })),
        Err(_) => HttpResponse::NotFound().json(json!({ "message": "Not Found" })),
    }
}

async fn repos(state: web::Data<Arc<Mutex<State>>>) -> HttpResponse {
    let s = state.lock().unwrap();
    if s.repos_fail {
        return HttpResponse::ServiceUnavailable().json(json!({ "message": "unavailable" }));
    }
    HttpResponse::Ok().json(&s.repos)
}

impl StubProvider {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State {
            issuer: String::new(),
            next_user: StubUser::new("1001", "ada@example.com"),
            deny: false,
            tamper: Tamper::None,
            token_endpoint: TokenEndpoint::Normal,
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            token_requests: 0,
            counter: 0,
            rotated: false,
            repos: Vec::new(),
            repos_fail: false,
        }));
        let shared = state.clone();
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let data = web::Data::new(shared);
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .route(
                            "/.well-known/openid-configuration",
                            web::get().to(discovery),
                        )
                        .route("/jwks", web::get().to(jwks))
                        .route("/authorize", web::get().to(authorize))
                        .route("/token", web::post().to(token))
                        .route("/user", web::get().to(user))
                        .route("/user/emails", web::get().to(emails))
                        .route("/user/{id}", web::get().to(account_by_id))
                        .route("/users/{login}/repos", web::get().to(repos))
                })
                .workers(1)
                .disable_signals()
                .bind(("127.0.0.1", 0));
                let server = match server {
                    Ok(s) => s,
                    Err(e) => {
                        tx.send(Err(e.to_string())).ok();
                        return;
                    }
                };
                let port = server.addrs()[0].port();
                let server = server.run();
                tx.send(Ok((port, server.handle()))).ok();
                server.await.ok();
            });
        });
        let (port, handle) = tokio::task::spawn_blocking(move || rx.recv())
            .await
            .expect("join")
            .expect("stub reports")
            .expect("stub starts");
        let url = format!("http://127.0.0.1:{port}");
        state.lock().unwrap().issuer = url.clone();
        Self {
            url,
            state,
            handle,
            thread: Some(thread),
        }
    }

    pub fn sign_in_as(&self, user: StubUser) {
        self.state.lock().unwrap().next_user = user;
    }

    /// The user refuses consent at the provider.
    pub fn deny(&self, deny: bool) {
        self.state.lock().unwrap().deny = deny;
    }

    pub fn tamper(&self, tamper: Tamper) {
        self.state.lock().unwrap().tamper = tamper;
    }

    pub fn token_endpoint(&self, behaviour: TokenEndpoint) {
        self.state.lock().unwrap().token_endpoint = behaviour;
    }

    /// The public repositories the GitHub API lists (GitHub's JSON shape).
    pub fn set_repos(&self, repos: Vec<serde_json::Value>) {
        self.state.lock().unwrap().repos = repos;
    }

    /// Makes the repository listing answer 503.
    pub fn fail_repos(&self, fail: bool) {
        self.state.lock().unwrap().repos_fail = fail;
    }

    /// Replaces the signing key (and the published JWKS) with a new one.
    pub fn rotate_keys(&self) {
        self.state.lock().unwrap().rotated = true;
    }

    pub fn token_requests(&self) -> u32 {
        self.state.lock().unwrap().token_requests
    }
}

impl Drop for StubProvider {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
