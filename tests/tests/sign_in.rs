//! Signing in with OpenID Connect and GitHub against a stub provider that is a real HTTP
//! server with a real JWKS, the native-app code exchange, and every way a sign-in can go
//! wrong: none of them creates a user or a session.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::time::Duration;

use api::{ProviderKind, ProviderSettings, Settings};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tests::stub_provider::{
    CLIENT_ID, CLIENT_SECRET, StubProvider, StubUser, Tamper, TokenEndpoint,
};
use tests::{Setup, TestApp, setups};

const PUBLIC_URL: &str = "http://app.test";
const FRONT_END: &str = "https://front.example";
const NATIVE: &str = "com.example.hireql:/signed-in";

struct Env {
    app: TestApp,
    stub: StubProvider,
}

fn provider(kind: ProviderKind, stub: &StubProvider) -> ProviderSettings {
    ProviderSettings {
        kind,
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.to_string().into(),
        display_name: None,
        issuer: (kind != ProviderKind::Github).then(|| stub.url.clone()),
        scopes: None,
        redirect_url: None,
        trust_email: None,
        auth_url: (kind == ProviderKind::Github).then(|| format!("{}/authorize", stub.url)),
        token_url: (kind == ProviderKind::Github).then(|| format!("{}/token", stub.url)),
        api_url: (kind == ProviderKind::Github).then(|| stub.url.clone()),
    }
}

async fn env_with(setup: &Setup, customize: impl FnOnce(&mut Settings)) -> Env {
    let stub = StubProvider::start().await;
    // The operator trusts this issuer's verified emails...
    let oidc = ProviderSettings {
        trust_email: Some(true),
        ..provider(ProviderKind::Oidc, &stub)
    };
    // ...and not this one's (the default for OpenID Connect providers).
    let untrusted = provider(ProviderKind::Oidc, &stub);
    // Not Google's own issuer, so not trusted by default.
    let google = provider(ProviderKind::Google, &stub);
    // A GitHub Enterprise server (the stub): trusted because the operator says so.
    let github = ProviderSettings {
        trust_email: Some(true),
        ..provider(ProviderKind::Github, &stub)
    };
    let app = TestApp::spawn_with(setup, |s| {
        s.public_url = PUBLIC_URL.into();
        s.allowed_origins = vec![FRONT_END.into()];
        s.native_redirect_uris = vec![NATIVE.into()];
        s.provider_timeout_ms = 1_000;
        s.auth_rate_limit_per_minute = 1_000;
        s.providers.insert("stub".into(), oidc);
        s.providers.insert("github".into(), github);
        s.providers.insert("google".into(), google);
        s.providers.insert("untrusted".into(), untrusted);
        customize(s);
    })
    .await;
    Env { app, stub }
}

async fn env(setup: &Setup) -> Env {
    env_with(setup, |_| {}).await
}

/// `name=value` of every `Set-Cookie`, with the raw header for attribute checks.
fn set_cookies(res: &reqwest::Response) -> HashMap<String, (String, String)> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|raw| {
            let pair = raw.split(';').next()?;
            let (name, value) = pair.split_once('=')?;
            Some((
                name.trim().to_owned(),
                (value.trim().to_owned(), raw.to_owned()),
            ))
        })
        .collect()
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .unwrap_or_else(|| panic!("no Location on {}", res.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

fn query_of(url: &str) -> HashMap<String, String> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    let query = query.split('#').next().unwrap_or("");
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// The value of the sign-in cookie a response sets (it holds the attempt's `state`).
fn sign_in_cookie_value(res: &reqwest::Response) -> String {
    set_cookies(res)
        .into_iter()
        .find(|(name, _)| name.starts_with("__Host-hireql_signin_"))
        .expect("sign-in cookie")
        .1
        .0
}

/// The `Cookie` header a browser sends back for the sign-in cookie holding `state`.
fn sign_in_cookie(state: &str) -> String {
    format!("__Host-hireql_signin_{}={state}", &state[..16])
}

/// A browser partway through signing in.
struct Trip {
    /// The provider's authorize URL we were sent to.
    authorize: String,
    /// The sign-in cookie that binds the trip to this browser.
    cookie: String,
}

impl Env {
    async fn start(
        &self,
        provider: &str,
        query: &str,
        session_cookie: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self
            .app
            .client
            .get(self.app.url(&format!("/auth/{provider}/login{query}")));
        if let Some(c) = session_cookie {
            req = req.header("cookie", format!("__Host-hireql_session={c}"));
        }
        req.send().await.unwrap()
    }

    async fn begin(&self, provider: &str, query: &str) -> Trip {
        self.begin_as(provider, query, None).await
    }

    async fn begin_as(&self, provider: &str, query: &str, session_cookie: Option<&str>) -> Trip {
        let res = self.start(provider, query, session_cookie).await;
        assert_eq!(
            res.status(),
            303,
            "{}",
            res.text().await.unwrap_or_default()
        );
        let cookie = sign_in_cookie_value(&res);
        Trip {
            authorize: location(&res),
            cookie,
        }
    }

    /// The provider's answer: where it sends the browser back.
    async fn at_provider(&self, trip: &Trip) -> String {
        let res = self.app.client.get(&trip.authorize).send().await.unwrap();
        assert_eq!(res.status(), 302);
        location(&res)
    }

    /// Follows the provider's redirect back to our callback with `cookie`.
    async fn callback(&self, back: &str, cookie: Option<&str>) -> reqwest::Response {
        let url = back.replacen(PUBLIC_URL, &self.app.base_url, 1);
        let mut req = self.app.client.get(url);
        if let Some(c) = cookie {
            req = req.header("cookie", sign_in_cookie(c));
        }
        req.send().await.unwrap()
    }

    /// A whole browser sign-in; returns the session cookie's value.
    async fn sign_in(&self, provider: &str) -> String {
        let trip = self.begin(provider, "").await;
        let back = self.at_provider(&trip).await;
        let res = self.callback(&back, Some(&trip.cookie)).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/");
        set_cookies(&res)
            .remove("__Host-hireql_session")
            .expect("session cookie")
            .0
    }

    async fn viewer_with_cookie(&self, cookie: &str) -> Value {
        let res = self
            .app
            .client
            .post(self.app.url("/graphql"))
            .header("cookie", format!("__Host-hireql_session={cookie}"))
            .json(&json!({ "query": "{ viewer { id email emailVerified displayName } }" }))
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        body["data"]["viewer"].clone()
    }

    async fn viewer_with_bearer(&self, token: &str) -> Value {
        let res = self
            .app
            .client
            .post(self.app.url("/graphql"))
            .bearer_auth(token)
            .json(&json!({ "query": "{ viewer { id email } }" }))
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        body["data"]["viewer"].clone()
    }

    async fn users_and_sessions(&self) -> (i64, i64) {
        let db = self.app.database();
        (
            db.count("SELECT COUNT(*) FROM users").await,
            db.count("SELECT COUNT(*) FROM sessions").await,
        )
    }

    /// A failed callback: back to `return_to` with `auth_error`, no cookie, nothing created.
    async fn expect_failure(&self, res: reqwest::Response, code: &str) {
        assert_eq!(
            res.status(),
            303,
            "{}",
            res.text().await.unwrap_or_default()
        );
        let to = location(&res);
        assert_eq!(
            query_of(&to).get("auth_error").map(String::as_str),
            Some(code),
            "{to}"
        );
        assert!(!set_cookies(&res).contains_key("__Host-hireql_session"));
        assert!(!to.contains("code="), "{to}");
        assert_eq!(self.users_and_sessions().await, (0, 0));
    }
}

#[tokio::test]
async fn oidc_sign_in_sends_pkce_state_and_nonce_and_sets_a_host_cookie() {
    for setup in setups() {
        let env = env(&setup).await;
        let trip = env.begin("stub", "").await;
        let params = query_of(&trip.authorize);
        assert!(
            trip.authorize
                .starts_with(&format!("{}/authorize?", env.stub.url))
        );
        assert_eq!(params["response_type"], "code");
        assert_eq!(params["client_id"], CLIENT_ID);
        assert_eq!(params["redirect_uri"], "http://app.test/auth/stub/callback");
        assert_eq!(params["code_challenge_method"], "S256");
        assert_eq!(params["code_challenge"].len(), 43);
        assert!(
            params["scope"].split(' ').any(|s| s == "openid"),
            "{params:?}"
        );
        assert!(params["nonce"].len() >= 16);
        assert_eq!(
            params["state"], trip.cookie,
            "the state is bound to this browser"
        );

        let back = env.at_provider(&trip).await;
        let res = env.callback(&back, Some(&trip.cookie)).await;
        assert_eq!(res.status(), 303);
        let cookies = set_cookies(&res);
        let (session, raw) = cookies
            .get("__Host-hireql_session")
            .expect("session cookie");
        let attrs = raw.to_lowercase();
        for attr in ["secure", "httponly", "samesite=lax", "path=/"] {
            assert!(attrs.contains(attr), "{raw}");
        }
        assert!(!attrs.contains("domain="), "{raw}");
        assert!(
            cookies[&format!("__Host-hireql_signin_{}", &trip.cookie[..16])]
                .1
                .contains("Max-Age=0"),
            "sign-in cookie cleared"
        );

        let viewer = env.viewer_with_cookie(session).await;
        assert_eq!(viewer["email"], "ada@example.com");
        assert_eq!(viewer["emailVerified"], true);
        assert_eq!(viewer["displayName"], "User 1001");
        assert_eq!(env.users_and_sessions().await, (1, 1));

        // Signing in again: the same user, a new token.
        let again = env.sign_in("stub").await;
        assert_ne!(&again, session);
        assert_eq!(env.viewer_with_cookie(&again).await["id"], viewer["id"]);
        assert_eq!(env.users_and_sessions().await.0, 1);
    }
}

#[tokio::test]
async fn google_sign_in_is_openid_connect_and_identities_are_keyed_by_their_issuer() {
    for setup in setups() {
        let env = env(&setup).await;
        env.stub
            .sign_in_as(StubUser::new("google-sub-7", "kim@example.com"));
        let trip = env.begin("google", "").await;
        assert_eq!(
            query_of(&trip.authorize)["redirect_uri"],
            "http://app.test/auth/google/callback"
        );
        let back = env.at_provider(&trip).await;
        let res = env.callback(&back, Some(&trip.cookie)).await;
        let session = set_cookies(&res)
            .remove("__Host-hireql_session")
            .expect("session")
            .0;
        let viewer = env.viewer_with_cookie(&session).await;
        assert_eq!(viewer["email"], "kim@example.com");
        assert_eq!(
            viewer["emailVerified"], false,
            "only Google's own issuer is trusted by default"
        );
        // This "google" is not Google's issuer: its identities are stored under the
        // issuer they came from, never as Google's.
        let sql = format!(
            "SELECT COUNT(*) FROM identities WHERE provider = 'oidc:{}' AND subject = 'google-sub-7'",
            env.stub.url
        );
        assert_eq!(env.app.database().count(&sql).await, 1);
        let github = format!(
            "SELECT COUNT(*) FROM identities WHERE provider = 'github:{}'",
            env.stub.url.trim_start_matches("http://")
        );
        env.sign_in("github").await;
        assert_eq!(
            env.app.database().count(&github).await,
            1,
            "GitHub Enterprise by host"
        );
    }
}

#[tokio::test]
async fn rotated_signing_keys_are_fetched_again() {
    for setup in setups() {
        let env = env(&setup).await;
        env.sign_in("stub").await;
        env.stub.rotate_keys();
        env.sign_in("stub").await;
    }
}

#[tokio::test]
async fn github_sign_in_reads_the_user_and_its_primary_verified_email() {
    for setup in setups() {
        let env = env(&setup).await;
        env.stub
            .sign_in_as(StubUser::new("4242", "grace@example.com"));
        let trip = env.begin("github", "").await;
        let params = query_of(&trip.authorize);
        assert_eq!(params["code_challenge_method"], "S256");
        assert!(params["scope"].contains("user:email"));
        assert!(!params.contains_key("nonce"), "GitHub is plain OAuth 2.0");
        let back = env.at_provider(&trip).await;
        let res = env.callback(&back, Some(&trip.cookie)).await;
        let session = set_cookies(&res)
            .remove("__Host-hireql_session")
            .expect("session")
            .0;
        let viewer = env.viewer_with_cookie(&session).await;
        assert_eq!(viewer["email"], "grace@example.com");
        assert_eq!(viewer["displayName"], "User 4242");

        // The same verified email through another provider is the same person.
        env.stub
            .sign_in_as(StubUser::new("oidc-sub-9", "grace@example.com"));
        let other = env.sign_in("stub").await;
        assert_eq!(env.viewer_with_cookie(&other).await["id"], viewer["id"]);
        assert_eq!(env.users_and_sessions().await.0, 1);
    }
}

#[tokio::test]
async fn only_verified_emails_from_trusted_providers_link_accounts() {
    for setup in setups() {
        let env = env(&setup).await;
        env.stub.sign_in_as(StubUser::new("5", "lin@example.com"));
        let first = env.sign_in("github").await;
        let me = env.viewer_with_cookie(&first).await["id"].clone();

        let mut unverified = StubUser::new("oidc-lin", "lin@example.com");
        unverified.email_verified = false;
        env.stub.sign_in_as(unverified);
        let stranger = env.sign_in("stub").await;
        assert_ne!(
            env.viewer_with_cookie(&stranger).await["id"],
            me,
            "unverified"
        );

        // An issuer the operator does not trust may claim any address as verified.
        env.stub
            .sign_in_as(StubUser::new("evil-sub", "lin@example.com"));
        let impostor = env.sign_in("untrusted").await;
        let viewer = env.viewer_with_cookie(&impostor).await;
        assert_ne!(viewer["id"], me, "untrusted issuer");
        assert_eq!(viewer["emailVerified"], false);
    }
}

async fn link(env: &Env, provider: &str, session: Option<&str>, origin: &str) -> reqwest::Response {
    let mut req = env
        .app
        .client
        .post(env.app.url(&format!("/auth/{provider}/link")))
        .header("origin", origin);
    if let Some(s) = session {
        req = req.header("cookie", format!("__Host-hireql_session={s}"));
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn linking_another_provider_takes_a_post_from_an_allowed_origin_while_signed_in() {
    for setup in setups() {
        let env = env(&setup).await;
        env.stub.sign_in_as(StubUser::new("5", "lin@example.com"));
        let first = env.sign_in("github").await;
        let me = env.viewer_with_cookie(&first).await["id"].clone();
        let mut other = StubUser::new("oidc-lin-2", "elsewhere@example.com");
        other.email_verified = false;
        env.stub.sign_in_as(other);

        // Merely visiting the login URL while signed in does not link: it is a sign-in.
        let trip = env.begin_as("stub", "", Some(&first)).await;
        let back = env.at_provider(&trip).await;
        let res = env.callback(&back, Some(&trip.cookie)).await;
        let separate = set_cookies(&res)
            .remove("__Host-hireql_session")
            .expect("session")
            .0;
        assert_ne!(env.viewer_with_cookie(&separate).await["id"], me);

        // Linking is refused from other origins and without a session.
        assert_eq!(
            link(&env, "stub", Some(&first), "https://evil.example")
                .await
                .status(),
            403
        );
        assert_eq!(link(&env, "stub", None, FRONT_END).await.status(), 401);

        let mut third = StubUser::new("oidc-lin-3", "third@example.com");
        third.email_verified = false;
        env.stub.sign_in_as(third);
        let res = link(&env, "stub", Some(&first), FRONT_END).await;
        assert_eq!(res.status(), 303);
        let state = sign_in_cookie_value(&res);
        let trip = Trip {
            authorize: location(&res),
            cookie: state,
        };
        let back = env.at_provider(&trip).await;
        let callback = |with_session: bool| {
            let mut cookie = sign_in_cookie(&trip.cookie);
            if with_session {
                cookie.push_str(&format!("; __Host-hireql_session={first}"));
            }
            env.app
                .client
                .get(back.replacen(PUBLIC_URL, &env.app.base_url, 1))
                .header("cookie", cookie)
                .send()
        };
        let res = callback(true).await.unwrap();
        let linked = set_cookies(&res)
            .remove("__Host-hireql_session")
            .expect("session")
            .0;
        assert_eq!(
            env.viewer_with_cookie(&linked).await["id"],
            me,
            "linked to me"
        );
        // The browser's previous session ended when the new one began.
        assert_eq!(env.viewer_with_cookie(&first).await, Value::Null);
        // Signing in with the linked identity now is signing in as me.
        let again = env.sign_in("stub").await;
        assert_eq!(env.viewer_with_cookie(&again).await["id"], me);
    }
}

#[tokio::test]
async fn a_link_whose_session_ended_meanwhile_is_refused() {
    for setup in setups() {
        let env = env(&setup).await;
        let first = env.sign_in("github").await;
        env.stub
            .sign_in_as(StubUser::new("late", "late@example.com"));
        let res = link(&env, "stub", Some(&first), FRONT_END).await;
        let state = sign_in_cookie_value(&res);
        let trip = Trip {
            authorize: location(&res),
            cookie: state,
        };
        let back = env.at_provider(&trip).await;
        // Without the session (signed out, or another browser): nothing is linked.
        let res = env.callback(&back, Some(&trip.cookie)).await;
        assert_eq!(
            query_of(&location(&res))["auth_error"],
            "LINK_SESSION_ENDED"
        );
        assert_eq!(env.users_and_sessions().await, (1, 1));
    }
}

#[tokio::test]
async fn a_state_from_another_browser_or_none_is_refused() {
    for setup in setups() {
        let env = env(&setup).await;
        let mine = env.begin("stub", "").await;
        let theirs = env.begin("stub", "").await;
        let back = env.at_provider(&mine).await;
        for cookie in [Some(theirs.cookie.as_str()), None] {
            let res = env.callback(&back, cookie).await;
            assert_eq!(res.status(), 400);
            assert!(res.text().await.unwrap().contains("INVALID_STATE"));
        }
        let no_state = env
            .app
            .client
            .get(env.app.url("/auth/stub/callback?code=x"))
            .send()
            .await
            .unwrap();
        assert_eq!(no_state.status(), 400);
        assert_eq!(env.stub.token_requests(), 0, "no code was exchanged");
        assert_eq!(env.users_and_sessions().await, (0, 0));
    }
}

#[tokio::test]
async fn a_replayed_callback_finds_nothing() {
    for setup in setups() {
        let env = env(&setup).await;
        let trip = env.begin("stub", "").await;
        let back = env.at_provider(&trip).await;
        let first = env.callback(&back, Some(&trip.cookie)).await;
        assert_eq!(first.status(), 303);
        let replay = env.callback(&back, Some(&trip.cookie)).await;
        assert_eq!(replay.status(), 400);
        assert!(replay.text().await.unwrap().contains("INVALID_STATE"));
        assert_eq!(env.stub.token_requests(), 1);
        assert_eq!(env.users_and_sessions().await, (1, 1));
    }
}

#[tokio::test]
async fn a_code_issued_for_another_pkce_challenge_is_refused_by_the_provider() {
    for setup in setups() {
        let env = env(&setup).await;
        let a = env.begin("stub", "").await;
        let b = env.begin("stub", "").await;
        // The code was issued against A's challenge; B's callback sends B's verifier.
        let code = query_of(&env.at_provider(&a).await)["code"].clone();
        let b_state = query_of(&b.authorize)["state"].clone();
        let forged = format!("{PUBLIC_URL}/auth/stub/callback?code={code}&state={b_state}");
        let res = env.callback(&forged, Some(&b.cookie)).await;
        env.expect_failure(res, "TOKEN_EXCHANGE_FAILED").await;
        assert_eq!(env.stub.token_requests(), 1);
    }
}

#[tokio::test]
async fn a_provider_error_or_a_failing_token_endpoint_ends_cleanly() {
    for setup in setups() {
        let env = env(&setup).await;
        env.stub.deny(true);
        let trip = env.begin("stub", "?return_to=%2Fjobs").await;
        let back = env.at_provider(&trip).await;
        assert!(back.contains("error=access_denied"));
        let res = env.callback(&back, Some(&trip.cookie)).await;
        assert!(location(&res).starts_with("/jobs?"));
        env.expect_failure(res, "ACCESS_DENIED").await;
        env.stub.deny(false);

        env.stub.token_endpoint(TokenEndpoint::Fail(500));
        let trip = env.begin("github", "").await;
        let back = env.at_provider(&trip).await;
        env.expect_failure(
            env.callback(&back, Some(&trip.cookie)).await,
            "TOKEN_EXCHANGE_FAILED",
        )
        .await;

        env.stub
            .token_endpoint(TokenEndpoint::Slow(Duration::from_secs(3)));
        let trip = env.begin("stub", "").await;
        let back = env.at_provider(&trip).await;
        env.expect_failure(
            env.callback(&back, Some(&trip.cookie)).await,
            "PROVIDER_UNAVAILABLE",
        )
        .await;
    }
}

#[tokio::test]
async fn id_tokens_with_a_wrong_nonce_audience_issuer_expiry_or_signature_are_refused() {
    for setup in setups() {
        let env = env(&setup).await;
        for tamper in [
            Tamper::WrongNonce,
            Tamper::WrongAudience,
            Tamper::WrongIssuer,
            Tamper::Expired,
            Tamper::BadSignature,
        ] {
            env.stub.tamper(tamper);
            let trip = env.begin("stub", "").await;
            let back = env.at_provider(&trip).await;
            let res = env.callback(&back, Some(&trip.cookie)).await;
            env.expect_failure(res, "INVALID_ID_TOKEN").await;
        }
        env.stub.tamper(Tamper::None);
        env.sign_in("stub").await;
    }
}

#[tokio::test]
async fn return_to_goes_only_to_this_server_or_an_allowed_front_end() {
    for setup in setups() {
        let env = env(&setup).await;
        for bad in [
            "https://evil.example/x",
            "//evil.example/x",
            "/.//evil.example/x",
            "/%2e%2e//evil.example/x",
            "https://front.example.evil.example/",
            "javascript:alert(1)",
        ] {
            let q = format!(
                "?return_to={}",
                url::form_urlencoded::byte_serialize(bad.as_bytes()).collect::<String>()
            );
            let res = env.start("stub", &q, None).await;
            assert_eq!(res.status(), 400, "{bad}");
            assert!(res.headers().get("location").is_none());
            assert!(res.text().await.unwrap().contains("INVALID_RETURN_TO"));
        }
        let trip = env
            .begin("stub", "?return_to=https%3A%2F%2Ffront.example%2Fdashboard")
            .await;
        let back = env.at_provider(&trip).await;
        let res = env.callback(&back, Some(&trip.cookie)).await;
        assert_eq!(location(&res), "https://front.example/dashboard");

        let unknown = env.start("nope", "", None).await;
        assert_eq!(unknown.status(), 404);
    }
}

fn pkce_pair() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes().repeat(2));
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

async fn exchange(env: &Env, code: &str, verifier: &str) -> reqwest::Response {
    env.app
        .client
        .post(env.app.url("/auth/token"))
        .json(&json!({ "code": code, "code_verifier": verifier }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_native_app_exchanges_a_one_time_code_with_its_verifier_for_a_bearer_token() {
    for setup in setups() {
        let env = env(&setup).await;
        let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
        let (verifier, challenge) = pkce_pair();
        // Only configured native redirect URIs.
        let res = env
            .start(
                "stub",
                &format!(
                    "?return_to={}&app_challenge={challenge}",
                    enc("com.evil:/x")
                ),
                None,
            )
            .await;
        assert_eq!(res.status(), 400);

        let query = format!("?return_to={}&app_challenge={challenge}", enc(NATIVE));
        let trip = env.begin("stub", &query).await;
        let back = env.at_provider(&trip).await;
        let res = env.callback(&back, Some(&trip.cookie)).await;
        assert_eq!(res.status(), 303);
        assert!(
            !set_cookies(&res).contains_key("__Host-hireql_session"),
            "no cookie for apps"
        );
        let to = location(&res);
        assert!(to.starts_with(&format!("{NATIVE}?code=")), "{to}");
        let code = query_of(&to)["code"].clone();
        assert_eq!(env.users_and_sessions().await, (1, 0));

        // A wrong verifier fails, and uses the code up.
        let (wrong, _) = pkce_pair();
        let res = exchange(&env, &code, &wrong).await;
        assert_eq!(res.status(), 400);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_GRANT");
        assert_eq!(exchange(&env, &code, &verifier).await.status(), 400);

        // A fresh sign-in with the right verifier gets a token, once.
        let trip = env.begin("stub", &query).await;
        let back = env.at_provider(&trip).await;
        let code =
            query_of(&location(&env.callback(&back, Some(&trip.cookie)).await))["code"].clone();
        let res = exchange(&env, &code, &verifier).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["cache-control"], "no-store");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["tokenType"], "Bearer");
        let token = body["token"].as_str().unwrap();
        assert_eq!(
            env.viewer_with_bearer(token).await["email"],
            "ada@example.com"
        );
        assert_eq!(
            exchange(&env, &code, &verifier).await.status(),
            400,
            "replayed code"
        );
        let form = env
            .app
            .client
            .post(env.app.url("/auth/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("code={code}&code_verifier={verifier}"))
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), 415);
        let missing = env
            .app
            .client
            .post(env.app.url("/auth/token"))
            .json(&json!({ "code": code }))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 400, "no verifier");
        let huge = env
            .app
            .client
            .post(env.app.url("/auth/token"))
            .json(&json!({ "code": "x".repeat(10_000), "code_verifier": verifier }))
            .send()
            .await
            .unwrap();
        assert_eq!(huge.status(), 413);
        let body: Value = huge.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
    }
}

#[tokio::test]
async fn a_suspended_user_cannot_sign_in_and_their_sessions_stop_working() {
    for setup in setups() {
        let env = env(&setup).await;
        let session = env.sign_in("stub").await;
        env.app
            .database()
            .execute("UPDATE users SET status = 'SUSPENDED'")
            .await;
        assert_eq!(env.viewer_with_cookie(&session).await, Value::Null);
        let trip = env.begin("stub", "").await;
        let back = env.at_provider(&trip).await;
        let res = env.callback(&back, Some(&trip.cookie)).await;
        assert_eq!(query_of(&location(&res))["auth_error"], "ACCOUNT_SUSPENDED");
        assert!(!set_cookies(&res).contains_key("__Host-hireql_session"));
        assert_eq!(env.users_and_sessions().await, (1, 1), "no new session");
    }
}

#[tokio::test]
async fn auth_routes_are_rate_limited_per_ip_with_retry_after() {
    for setup in setups() {
        let env = env_with(&setup, |s| s.auth_rate_limit_per_minute = 1).await;
        let mut statuses = Vec::new();
        let mut retry_after = None;
        // However a window boundary falls, three requests with a limit of one include a 429.
        for _ in 0..3 {
            let res = env.start("stub", "", None).await;
            statuses.push(res.status().as_u16());
            if res.status() == 429 {
                retry_after = res
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_owned());
                let body: Value = res.json().await.unwrap();
                assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
            }
        }
        assert!(
            statuses.iter().filter(|s| **s == 303).count() <= 2,
            "{statuses:?}"
        );
        assert!(statuses.contains(&429), "{statuses:?}");
        let secs: u64 = retry_after.expect("Retry-After").parse().unwrap();
        assert!((1..=60).contains(&secs));
        // GraphQL is not behind the sign-in limit.
        assert_eq!(
            env.app
                .post_graphql("{ authProviders { id } }", json!({}))
                .await
                .0,
            200
        );
    }
}

#[tokio::test]
async fn auth_providers_lists_what_is_configured() {
    for setup in setups() {
        let env = env_with(&setup, |s| s.dev_login = true).await;
        let data = env
            .app
            .query("{ authProviders { id name loginPath } }", json!({}))
            .await;
        assert_eq!(
            data["authProviders"],
            json!([
                { "id": "github", "name": "GitHub", "loginPath": "/auth/github/login" },
                { "id": "google", "name": "Google", "loginPath": "/auth/google/login" },
                { "id": "stub", "name": "stub", "loginPath": "/auth/stub/login" },
                { "id": "untrusted", "name": "untrusted", "loginPath": "/auth/untrusted/login" },
                { "id": "dev", "name": "Development sign-in", "loginPath": "/auth/dev/login" },
            ])
        );
    }
}

#[tokio::test]
async fn an_untrusted_github_server_cannot_vouch_for_emails() {
    for setup in setups() {
        let env = env_with(&setup, |s| {
            if let Some(github) = s.providers.get_mut("github") {
                github.trust_email = None; // GitHub Enterprise: not trusted by default
            }
        })
        .await;
        env.stub.sign_in_as(StubUser::new("9", "boss@example.com"));
        let session = env.sign_in("github").await;
        let viewer = env.viewer_with_cookie(&session).await;
        assert_eq!(viewer["email"], "boss@example.com");
        assert_eq!(viewer["emailVerified"], false);
    }
}

impl Env {
    /// A GraphQL request from the front end with the session cookie.
    async fn as_browser(&self, session: &str, query: &str, variables: Value) -> Value {
        let res = self
            .app
            .client
            .post(self.app.url("/graphql"))
            .header("cookie", format!("__Host-hireql_session={session}"))
            .header("origin", FRONT_END)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap();
        res.json().await.unwrap()
    }

    /// Signs in with `provider` as `user`, becomes a freelancer and creates a profile.
    async fn freelancer(&self, provider: &str, user: StubUser) -> (String, Value) {
        self.stub.sign_in_as(user);
        let session = self.sign_in(provider).await;
        self.as_browser(
            &session,
            "mutation { becomeFreelancer { viewer { id } } }",
            json!({}),
        )
        .await;
        let body = self
            .as_browser(
                &session,
                "mutation { createFreelancerProfile(input: { profile: { headline: \"Backend engineer\" } }) { profile { id } userErrors { code } } }",
                json!({}),
            )
            .await;
        let id = body["data"]["createFreelancerProfile"]["profile"]["id"].clone();
        assert!(id.is_string(), "{body}");
        (session, id)
    }
}

fn repo(name: &str, language: &str, topics: &[&str], stars: u64, fork: bool) -> Value {
    json!({
        "full_name": format!("user4242/{name}"),
        "name": name,
        "description": format!("{name}, described"),
        "html_url": format!("https://github.example/user4242/{name}"),
        "language": language,
        "topics": topics,
        "stargazers_count": stars,
        "fork": fork,
        "archived": false,
    })
}

const IMPORT: &str = "mutation($id: ID!) { importGithubRepositories(input: { profileId: $id }) { items { id title githubRepo stars link skills { slug } } userErrors { field code message } } }";

#[tokio::test]
async fn public_github_repositories_are_imported_once_and_refreshed() {
    for setup in setups() {
        let env = env_with(&setup, |s| {
            s.github_api_url = s.providers["github"].api_url.clone().unwrap_or_default();
        })
        .await;
        let (session, id) = env
            .freelancer("github", StubUser::new("4242", "grace@example.com"))
            .await;
        env.stub.set_repos(vec![
            repo("ledger", "Rust", &["postgresql", "graphql"], 10, false),
            repo("someone-elses", "Go", &[], 99, true),
            repo("billing", "C#", &["docker"], 25, false),
        ]);
        let body = env.as_browser(&session, IMPORT, json!({ "id": id })).await;
        let payload = &body["data"]["importGithubRepositories"];
        assert_eq!(payload["userErrors"], json!([]), "{body}");
        let without_ids: Vec<Value> = payload["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let mut i = i.clone();
                i.as_object_mut().unwrap().remove("id");
                i
            })
            .collect();
        assert_eq!(
            Value::Array(without_ids),
            json!([
                { "title": "billing", "githubRepo": "user4242/billing", "stars": 25,
                  "link": "https://github.example/user4242/billing",
                  "skills": [{ "slug": "c-sharp" }, { "slug": "docker" }] },
                { "title": "ledger", "githubRepo": "user4242/ledger", "stars": 10,
                  "link": "https://github.example/user4242/ledger",
                  "skills": [{ "slug": "rust" }, { "slug": "postgresql" }, { "slug": "graphql" }] },
            ]),
            "forks are left out, most starred first, languages and topics become skills"
        );

        let ids_before: Vec<Value> = payload["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].clone())
            .collect();
        // Running it again refreshes instead of duplicating.
        env.stub.set_repos(vec![
            repo("ledger", "Rust", &["postgresql", "graphql"], 11, false),
            repo("billing", "C#", &["docker"], 25, false),
        ]);
        let again = env.as_browser(&session, IMPORT, json!({ "id": id })).await;
        let ids_after: Vec<Value> = again["data"]["importGithubRepositories"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].clone())
            .collect();
        assert_eq!(ids_after, ids_before, "the same items, refreshed in place");
        let read = env
            .as_browser(
                &session,
                "query($id: ID!) { freelancerProfile(id: $id) { portfolio { githubRepo stars } } }",
                json!({ "id": id }),
            )
            .await;
        let mut portfolio: Vec<(String, i64)> = read["data"]["freelancerProfile"]["portfolio"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["githubRepo"].as_str().unwrap().to_owned(),
                    i["stars"].as_i64().unwrap(),
                )
            })
            .collect();
        portfolio.sort();
        assert_eq!(
            portfolio,
            [
                ("user4242/billing".to_string(), 25),
                ("user4242/ledger".to_string(), 11)
            ]
        );

        // GitHub down: a clear error, nothing changes.
        env.stub.fail_repos(true);
        let body = env.as_browser(&session, IMPORT, json!({ "id": id })).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAVAILABLE",
            "{body}"
        );
        env.stub.fail_repos(false);

        // Without a GitHub identity there is nothing to import from; others may not import.
        let (other, other_id) = env
            .freelancer("stub", StubUser::new("oidc-only", "lin@example.com"))
            .await;
        let body = env
            .as_browser(&other, IMPORT, json!({ "id": other_id }))
            .await;
        assert_eq!(
            body["data"]["importGithubRepositories"]["userErrors"][0]["code"], "INVALID_STATE",
            "{body}"
        );
        let body = env.as_browser(&other, IMPORT, json!({ "id": id })).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
    }
}
