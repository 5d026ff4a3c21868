//! Accounts over HTTP: the development sign-in, cookie vs bearer sessions, the viewer
//! and its changes, roles, listing and revoking sessions, logout, session expiry, and the
//! CSRF and CORS rules for browsers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use serde_json::{Value, json};
use tests::{Setup, TestApp, setups};

const FRONT_END: &str = "https://front.example";

async fn app(setup: &Setup) -> TestApp {
    TestApp::spawn_with(setup, |s| {
        s.dev_login = true;
        s.allowed_origins = vec![FRONT_END.into()];
    })
    .await
}

async fn gql(app: &TestApp, auth: Auth<'_>, query: &str, variables: Value) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    req = match auth {
        Auth::None => req,
        Auth::Bearer(t) => req.bearer_auth(t),
        Auth::Cookie(t, origin) => {
            let req = req.header("cookie", format!("__Host-hireql_session={t}"));
            match origin {
                Some(o) => req.header("origin", o),
                None => req,
            }
        }
    };
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

#[derive(Clone, Copy)]
enum Auth<'a> {
    None,
    Bearer(&'a str),
    /// The cookie, and the `Origin` the browser sends.
    Cookie(&'a str, Option<&'a str>),
}

const BECOME_CLIENT: &str = "mutation { becomeClient(input: { clientMutationId: \"c1\" }) { viewer { roles } userErrors { code } clientMutationId } }";

#[tokio::test]
async fn the_development_sign_in_exists_only_when_enabled() {
    for setup in setups() {
        let off = TestApp::spawn(&setup).await;
        let res = off
            .client
            .get(off.url("/auth/dev/login?as=x"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404);
        let data = off.query("{ authProviders { id } }", json!({})).await;
        assert_eq!(data["authProviders"], json!([]));

        let on = app(&setup).await;
        let res = on
            .client
            .get(on.url("/auth/dev/login?as=demo-client&roles=client"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/graphql");
        let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(cookie.starts_with("__Host-hireql_session="), "{cookie}");
        for bad in ["?as=", "?as=a%20b", "?as=x&roles=admin", ""] {
            let res = on
                .client
                .get(on.url(&format!("/auth/dev/login{bad}")))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 400, "{bad}");
        }
    }
}

#[tokio::test]
async fn viewer_is_null_when_anonymous_and_yours_when_signed_in() {
    for setup in setups() {
        let app = app(&setup).await;
        let (_, body) = gql(&app, Auth::None, "{ viewer { id } }", json!({})).await;
        assert_eq!(body["data"]["viewer"], Value::Null);
        // An unknown or malformed token is anonymous too.
        for bad in ["x", &"A".repeat(43)] {
            let (_, body) = gql(&app, Auth::Bearer(bad), "{ viewer { id } }", json!({})).await;
            assert_eq!(body["data"]["viewer"], Value::Null);
        }

        let t = app.dev_token("demo-freelancer", "freelancer").await;
        let (_, body) = gql(
            &app,
            Auth::Bearer(&t),
            "{ viewer { displayName roles email } }",
            json!({}),
        )
        .await;
        assert_eq!(
            body["data"]["viewer"],
            json!({ "displayName": "demo-freelancer", "roles": ["FREELANCER"], "email": null })
        );

        let (_, body) = gql(&app, Auth::Bearer(&t), BECOME_CLIENT, json!({})).await;
        assert_eq!(
            body["data"]["becomeClient"]["viewer"]["roles"],
            json!(["FREELANCER", "CLIENT"])
        );
        assert_eq!(body["data"]["becomeClient"]["clientMutationId"], "c1");
        let (_, again) = gql(&app, Auth::Bearer(&t), BECOME_CLIENT, json!({})).await;
        assert_eq!(
            again["data"]["becomeClient"]["viewer"]["roles"],
            json!(["FREELANCER", "CLIENT"]),
            "idempotent"
        );
    }
}

#[tokio::test]
async fn update_viewer_reports_every_bad_field_and_changes_nothing_then() {
    for setup in setups() {
        let app = app(&setup).await;
        let t = app.dev_token("ada", "").await;
        let m = "mutation($input: UpdateViewerInput!) { updateViewer(input: $input) { viewer { displayName avatarUrl timeZone } userErrors { field code message } } }";
        let bad = json!({ "input": { "displayName": "", "avatarUrl": "http://insecure.example/a.png", "timeZone": "Mars/Olympus Mons" } });
        let (status, body) = gql(&app, Auth::Bearer(&t), m, bad).await;
        assert_eq!(status, 200);
        let payload = &body["data"]["updateViewer"];
        assert_eq!(payload["viewer"], Value::Null);
        let mut fields: Vec<String> = payload["userErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                assert_eq!(e["code"], "VALIDATION");
                e["field"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(".")
            })
            .collect();
        fields.sort();
        assert_eq!(
            fields,
            ["input.avatarUrl", "input.displayName", "input.timeZone"]
        );

        let good = json!({ "input": { "displayName": "  Ada Lovelace ", "avatarUrl": "https://img.example/ada.png", "timeZone": "Europe/London" } });
        let (_, body) = gql(&app, Auth::Bearer(&t), m, good).await;
        assert_eq!(
            body["data"]["updateViewer"],
            json!({ "viewer": { "displayName": "Ada Lovelace", "avatarUrl": "https://img.example/ada.png", "timeZone": "Europe/London" }, "userErrors": [] })
        );
        let (_, body) = gql(
            &app,
            Auth::None,
            m,
            json!({ "input": { "displayName": "x" } }),
        )
        .await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
}

const SESSIONS: &str =
    "{ viewer { sessions { id current userAgent ip createdAt lastSeenAt expiresAt } } }";
const REVOKE: &str = "mutation($id: ID!) { revokeSession(input: { sessionId: $id }) { revokedSessionId userErrors { field code } } }";

#[tokio::test]
async fn sessions_are_listed_and_one_can_be_revoked_but_not_someone_elses() {
    for setup in setups() {
        let app = app(&setup).await;
        let phone = app.dev_token("ada", "").await;
        let laptop = app.dev_token("ada", "").await;
        assert_ne!(phone, laptop, "a new token at every sign-in");
        let (_, body) = gql(&app, Auth::Bearer(&laptop), SESSIONS, json!({})).await;
        let sessions = body["data"]["viewer"]["sessions"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(sessions.len(), 2);
        assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
        assert_eq!(sessions[0]["userAgent"], TestApp::USER_AGENT);
        assert_eq!(sessions[0]["ip"], "127.0.0.1");
        let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"].clone();

        // Someone else cannot end Ada's session, and learns nothing about it.
        let eve = app.dev_token("eve", "").await;
        let (_, body) = gql(&app, Auth::Bearer(&eve), REVOKE, json!({ "id": other })).await;
        assert_eq!(
            body["data"]["revokeSession"]["userErrors"],
            json!([{ "field": ["input", "sessionId"], "code": "NOT_FOUND" }])
        );
        let (_, body) = gql(
            &app,
            Auth::Bearer(&eve),
            REVOKE,
            json!({ "id": "not-an-id" }),
        )
        .await;
        assert_eq!(
            body["data"]["revokeSession"]["userErrors"][0]["code"],
            "NOT_FOUND"
        );

        let (_, body) = gql(&app, Auth::Bearer(&laptop), REVOKE, json!({ "id": other })).await;
        assert_eq!(body["data"]["revokeSession"]["revokedSessionId"], other);
        let (_, body) = gql(&app, Auth::Bearer(&phone), "{ viewer { id } }", json!({})).await;
        assert_eq!(
            body["data"]["viewer"],
            Value::Null,
            "the revoked session no longer works"
        );
        let (_, body) = gql(&app, Auth::Bearer(&laptop), SESSIONS, json!({})).await;
        assert_eq!(
            body["data"]["viewer"]["sessions"].as_array().unwrap().len(),
            1
        );
    }
}

#[tokio::test]
async fn logout_ends_the_session_server_side() {
    for setup in setups() {
        let app = app(&setup).await;
        let t = app.dev_token("ada", "").await;
        let res = app
            .client
            .post(app.url("/auth/logout"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        let (_, body) = gql(&app, Auth::Bearer(&t), "{ viewer { id } }", json!({})).await;
        assert_eq!(body["data"]["viewer"], Value::Null);

        // With the cookie, only from an allowed origin.
        let c = app.dev_token("ada", "").await;
        let cookie = format!("__Host-hireql_session={c}");
        let res = app
            .client
            .post(app.url("/auth/logout"))
            .header("cookie", &cookie)
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        let (_, body) = gql(&app, Auth::Cookie(&c, None), "{ viewer { id } }", json!({})).await;
        assert_ne!(body["data"]["viewer"], Value::Null, "still signed in");
        let res = app
            .client
            .post(app.url("/auth/logout"))
            .header("cookie", &cookie)
            .header("origin", FRONT_END)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        assert!(
            res.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
        let (_, body) = gql(&app, Auth::Cookie(&c, None), "{ viewer { id } }", json!({})).await;
        assert_eq!(body["data"]["viewer"], Value::Null);

        // A request with both a bearer token and the cookie ends both sessions.
        let bearer = app.dev_token("ada", "").await;
        let cookie = app.dev_token("ada", "").await;
        let res = app
            .client
            .post(app.url("/auth/logout"))
            .bearer_auth(&bearer)
            .header("cookie", format!("__Host-hireql_session={cookie}"))
            .header("origin", FRONT_END)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        for t in [&bearer, &cookie] {
            let (_, body) = gql(&app, Auth::Bearer(t), "{ viewer { id } }", json!({})).await;
            assert_eq!(body["data"]["viewer"], Value::Null);
        }
    }
}

#[tokio::test]
async fn a_new_sign_in_in_the_same_browser_ends_its_previous_session() {
    for setup in setups() {
        let app = app(&setup).await;
        let old = app.dev_token("ada", "").await;
        let res = app
            .client
            .get(app.url("/auth/dev/login?as=bob"))
            .header("cookie", format!("__Host-hireql_session={old}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let (_, body) = gql(&app, Auth::Bearer(&old), "{ viewer { id } }", json!({})).await;
        assert_eq!(body["data"]["viewer"], Value::Null);
    }
}

#[tokio::test]
async fn sessions_end_when_idle_or_at_their_absolute_limit() {
    for setup in setups() {
        for (idle, absolute) in [(1, 3600), (1, 1)] {
            let app = TestApp::spawn_with(&setup, |s| {
                s.dev_login = true;
                s.session_idle_secs = idle;
                s.session_absolute_secs = absolute;
            })
            .await;
            let t = app.dev_token("ada", "").await;
            let (_, body) = gql(&app, Auth::Bearer(&t), "{ viewer { id } }", json!({})).await;
            assert_ne!(body["data"]["viewer"], Value::Null);
            tokio::time::sleep(Duration::from_millis(1_300)).await;
            let (_, body) = gql(&app, Auth::Bearer(&t), "{ viewer { id } }", json!({})).await;
            assert_eq!(
                body["data"]["viewer"],
                Value::Null,
                "idle {idle}s, absolute {absolute}s"
            );
        }
    }
}

#[tokio::test]
async fn cookie_sessions_change_things_only_from_allowed_origins_bearer_tokens_anywhere() {
    for setup in setups() {
        let app = app(&setup).await;
        let t = app.dev_token("ada", "").await;
        let own_origin = app.base_url.clone();
        for (origin, allowed) in [
            (None, false),
            (Some("https://evil.example"), false),
            (Some("null"), false),
            (Some(FRONT_END), true),
            (Some(own_origin.as_str()), true),
        ] {
            let (status, body) =
                gql(&app, Auth::Cookie(&t, origin), BECOME_CLIENT, json!({})).await;
            if allowed {
                assert_eq!(status, 200, "{origin:?}: {body}");
                assert_eq!(body["data"]["becomeClient"]["userErrors"], json!([]));
            } else {
                assert_eq!(status, 403, "{origin:?}");
                assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN_ORIGIN");
            }
            // Reads are fine from anywhere (CORS keeps other sites from seeing them).
            let (status, body) = gql(
                &app,
                Auth::Cookie(&t, origin),
                "{ viewer { displayName } }",
                json!({}),
            )
            .await;
            assert_eq!(status, 200);
            assert_eq!(body["data"]["viewer"]["displayName"], "ada");
        }
        // Bearer tokens are not sent by browsers on their own: no Origin needed.
        let (status, _) = gql(&app, Auth::Bearer(&t), BECOME_CLIENT, json!({})).await;
        assert_eq!(status, 200);
        // Forms cannot post GraphQL at all, whatever they claim to send.
        for content_type in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            let res = app
                .client
                .post(app.url("/graphql"))
                .header("cookie", format!("__Host-hireql_session={t}"))
                .header("origin", FRONT_END)
                .header("content-type", content_type)
                .body(json!({ "query": BECOME_CLIENT }).to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 415, "{content_type}");
        }
    }
}

#[tokio::test]
async fn cors_answers_only_configured_origins_with_credentials() {
    for setup in setups() {
        let app = app(&setup).await;
        let preflight = |origin: &'static str| {
            app.client
                .request(reqwest::Method::OPTIONS, app.url("/graphql"))
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type")
                .send()
        };
        let ok = preflight(FRONT_END).await.unwrap();
        assert_eq!(ok.status(), 200);
        assert_eq!(ok.headers()["access-control-allow-origin"], FRONT_END);
        assert_eq!(ok.headers()["access-control-allow-credentials"], "true");
        let evil = preflight("https://evil.example").await.unwrap();
        assert!(evil.headers().get("access-control-allow-origin").is_none());

        let res = app
            .client
            .post(app.url("/graphql"))
            .header("origin", "https://evil.example")
            .json(&json!({ "query": "{ categories { slug } }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            200,
            "same data as without CORS; the browser withholds it"
        );
        assert!(res.headers().get("access-control-allow-origin").is_none());
        let res = app
            .client
            .post(app.url("/graphql"))
            .header("origin", FRONT_END)
            .json(&json!({ "query": "{ categories { slug } }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["access-control-allow-origin"], FRONT_END);
    }
}

#[tokio::test]
async fn an_authenticated_request_reads_its_session_from_the_cache() {
    for setup in setups() {
        let app = app(&setup).await;
        let t = app.dev_token("ada", "").await;
        let count = |query: &'static str| {
            let app = &app;
            let t = t.clone();
            async move {
                let before = app.statements.get();
                let (status, _) = gql(app, Auth::Bearer(&t), query, json!({})).await;
                assert_eq!(status, 200);
                app.statements.get() - before
            }
        };
        count("{ categories { slug } }").await; // warms the caches
        // The session comes from the cache; the user is read once to see it is still
        // active (suspension is immediate); the taxonomy is cached too.
        assert_eq!(count("{ categories { slug } }").await, 1);
        // `viewer` reads the user once more.
        assert_eq!(count("{ viewer { id } }").await, 2);
    }
}
