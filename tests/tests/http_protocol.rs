//! GraphQL over HTTP as the spec and our conventions require, including every kind of bad
//! input: each gets a 4xx or a coded GraphQL error, and the server keeps serving.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails loudly

use serde_json::{Value, json};
use tests::{TestApp, setups};

const OK_QUERY: &str = "{ skill(slug: \"go\") { slug } }";

async fn still_serving(app: &TestApp) {
    let data = app.query(OK_QUERY, json!({})).await;
    assert_eq!(data["skill"]["slug"], "go");
}

async fn raw_post(
    app: &TestApp,
    content_type: &str,
    accept: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (u16, String, Value) {
    let mut req = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", content_type)
        .body(body);
    if let Some(accept) = accept {
        req = req.header("accept", accept);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = res.text().await.unwrap();
    (
        status,
        ct,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn post_answers_in_the_media_type_asked_for() {
    for setup in setups() {
        let app = TestApp::spawn(&setup).await;
        let body = json!({ "query": OK_QUERY }).to_string();
        let (status, ct, json) = raw_post(&app, "application/json", None, body.clone()).await;
        assert_eq!((status, ct.as_str()), (200, "application/json"));
        assert_eq!(json["data"]["skill"]["slug"], "go");

        let (status, ct, _) = raw_post(
            &app,
            "application/json; charset=utf-8",
            Some("application/graphql-response+json"),
            body,
        )
        .await;
        assert_eq!(
            (status, ct.as_str()),
            (200, "application/graphql-response+json")
        );
    }
}

#[tokio::test]
async fn protocol_errors_are_4xx_with_codes() {
    for setup in setups() {
        let app = TestApp::spawn_with(&setup, |s| s.max_body_bytes = 4096).await;
        let cases: Vec<(&str, Option<&str>, String, u16, &str)> = vec![
            (
                "application/json",
                None,
                "{\"query\": ".into(),
                400,
                "BAD_REQUEST",
            ),
            (
                "application/json",
                None,
                "[{\"query\": \"{ categories { slug } }\"}]".into(),
                400,
                "BAD_REQUEST",
            ),
            (
                "application/json",
                None,
                "{\"variables\": {}}".into(),
                400,
                "BAD_REQUEST",
            ),
            (
                "application/json",
                None,
                "{\"query\": 5}".into(),
                400,
                "BAD_REQUEST",
            ),
            (
                "application/json",
                None,
                json!({"query": OK_QUERY, "variables": [1]}).to_string(),
                400,
                "BAD_REQUEST",
            ),
            (
                "text/plain",
                None,
                json!({"query": OK_QUERY}).to_string(),
                415,
                "UNSUPPORTED_MEDIA_TYPE",
            ),
            (
                "application/x-www-form-urlencoded",
                None,
                "query=%7Ba%7D".into(),
                415,
                "UNSUPPORTED_MEDIA_TYPE",
            ),
            (
                "application/json",
                Some("text/plain"),
                json!({"query": OK_QUERY}).to_string(),
                406,
                "NOT_ACCEPTABLE",
            ),
            (
                "application/json",
                None,
                json!({"query": format!("{{ {} }}", "a ".repeat(5000))}).to_string(),
                413,
                "PAYLOAD_TOO_LARGE",
            ),
        ];
        for (ct, accept, body, want_status, want_code) in cases {
            let (status, _, json) = raw_post(&app, ct, accept, body.clone()).await;
            assert_eq!(
                (status, code(&json)),
                (want_status, want_code),
                "{ct} {body:.60}"
            );
            assert!(json["errors"][0]["extensions"]["requestId"].is_string());
            still_serving(&app).await;
        }
    }
}

#[tokio::test]
async fn invalid_graphql_is_refused_before_execution() {
    for setup in setups() {
        let app = TestApp::spawn(&setup).await;
        let cases = [
            ("{ skills(first: 3 { id } }", "GRAPHQL_PARSE_FAILED"),
            ("{ noSuchField }", "GRAPHQL_VALIDATION_FAILED"),
            (
                "{ skills { edges { node { noSuchField } } } }",
                "GRAPHQL_VALIDATION_FAILED",
            ),
            ("{ skill(slug: 5) { id } }", "GRAPHQL_VALIDATION_FAILED"),
            (
                "query A { categories { slug } } query B { categories { name } }",
                "GRAPHQL_VALIDATION_FAILED",
            ),
        ];
        for (query, want) in cases {
            // application/json: 200 with the error.
            let (status, body) = app.post_graphql(query, json!({})).await;
            assert_eq!((status, code(&body)), (200, want), "{query}");
            // application/graphql-response+json: 400 and no `data` at all.
            let (status, _, body) = raw_post(
                &app,
                "application/json",
                Some("application/graphql-response+json"),
                json!({ "query": query }).to_string(),
            )
            .await;
            assert_eq!((status, code(&body)), (400, want), "{query}");
            assert!(body.get("data").is_none(), "{body}");
        }
        still_serving(&app).await;
    }
}

#[tokio::test]
async fn limits_on_depth_complexity_aliases_and_page_size() {
    for setup in setups() {
        let app = TestApp::spawn(&setup).await;
        let deep = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }";
        assert_eq!(app.error_code(deep, json!({})).await, "QUERY_TOO_DEEP");

        let heavy = "{ a: skills(first: 100) { nodes { id slug name description aliases category { id name slug skillCount description } } } b: skills(first: 100) { nodes { id slug name description aliases category { id name slug skillCount description } } } }";
        assert_eq!(app.error_code(heavy, json!({})).await, "QUERY_TOO_COMPLEX");

        let aliases: String = (0..31)
            .map(|i| format!("a{i}: skill(slug: \"go\") {{ id }} "))
            .collect();
        assert_eq!(
            app.error_code(&format!("{{ {aliases} }}"), json!({})).await,
            "TOO_MANY_ALIASES"
        );

        let (status, body) = app
            .post_graphql("{ skills(first: 100000) { nodes { id } } }", json!({}))
            .await;
        assert_eq!((status, code(&body)), (200, "VALIDATION"));
        assert_eq!(body["errors"][0]["path"], json!(["skills"]));
        assert_eq!(
            body["errors"][0]["extensions"]["fields"],
            json!([["first"]])
        );
        assert_eq!(
            app.error_code("{ skills(first: -1) { nodes { id } } }", json!({}))
                .await,
            "VALIDATION"
        );

        let nul = "post\u{0}gres";
        assert_eq!(
            app.error_code(
                "query($s: String) { skills(search: $s) { nodes { id } } }",
                json!({"s": nul})
            )
            .await,
            "VALIDATION"
        );
        let long = "x".repeat(101);
        assert_eq!(
            app.error_code(
                "query($s: String) { skills(search: $s) { nodes { id } } }",
                json!({"s": long})
            )
            .await,
            "VALIDATION"
        );
        still_serving(&app).await;
    }
}

#[tokio::test]
async fn configured_limits_apply() {
    for setup in setups() {
        let app = TestApp::spawn_with(&setup, |s| {
            s.limits.max_depth = 4;
            s.limits.max_aliases = 1;
        })
        .await;
        let q = "{ skills { edges { node { category { name } } } } }";
        assert_eq!(app.error_code(q, json!({})).await, "QUERY_TOO_DEEP");
        assert_eq!(
            app.error_code(
                "{ a: categories { slug } b: categories { slug } }",
                json!({})
            )
            .await,
            "TOO_MANY_ALIASES"
        );
    }
}

#[tokio::test]
async fn garbage_ids_and_cursors_have_codes() {
    for setup in setups() {
        let app = TestApp::spawn(&setup).await;
        for id in ["garbage", "", "U2tpbGw6bm90LWEtdXVpZA", "!!!!"] {
            let (_, body) = app
                .post_graphql(
                    "query($id: ID!) { node(id: $id) { id } }",
                    json!({ "id": id }),
                )
                .await;
            assert_eq!(code(&body), "INVALID_ID", "{id}: {body}");
            assert_eq!(body["data"]["node"], Value::Null);
        }
        assert_eq!(
            app.error_code("{ skills(after: \"nope\") { nodes { id } } }", json!({}))
                .await,
            "INVALID_CURSOR"
        );
        still_serving(&app).await;
    }
}

#[tokio::test]
async fn get_runs_queries_but_never_mutations() {
    for setup in setups() {
        let app = TestApp::spawn(&setup).await;
        let res = app
            .client
            .get(app.url("/graphql"))
            .query(&[
                ("query", "query($s: String!) { skill(slug: $s) { slug } }"),
                ("variables", "{\"s\":\"rust\"}"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["data"]["skill"]["slug"], "rust");

        let mutation = "mutation { createSkill(input: {slug: \"x\", name: \"X\", categoryId: \"x\"}) { skill { id } } }";
        let res = app
            .client
            .get(app.url("/graphql"))
            .query(&[("query", mutation)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405);
        assert_eq!(res.headers()["allow"], "POST");
        let body: Value = res.json().await.unwrap();
        assert_eq!(code(&body), "METHOD_NOT_ALLOWED");

        let res = app
            .client
            .get(app.url("/graphql"))
            .query(&[("query", OK_QUERY), ("variables", "{nope")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        let res = app
            .client
            .get(app.url("/graphql"))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
    }
}

#[tokio::test]
async fn browsers_get_graphiql_unless_switched_off() {
    for setup in setups() {
        let app = TestApp::spawn(&setup).await;
        let res = app
            .client
            .get(app.url("/graphql"))
            .header("accept", "text/html,application/xhtml+xml")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(
            res.text()
                .await
                .unwrap()
                .to_lowercase()
                .contains("graphiql")
        );
        drop(app);

        let app = TestApp::spawn_with(&setup, |s| s.graphiql = Some(false)).await;
        let res = app
            .client
            .get(app.url("/graphql"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 406);
    }
}

#[tokio::test]
async fn request_ids_are_honoured_or_created() {
    for setup in setups() {
        let app = TestApp::spawn(&setup).await;
        let res = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", "abc-123")
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["x-request-id"], "abc-123");
        let res = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", "bad id with spaces")
            .send()
            .await
            .unwrap();
        let created = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(uuid::Uuid::parse_str(&created).is_ok(), "{created}");

        let res = app
            .client
            .post(app.url("/graphql"))
            .header("x-request-id", "req-42")
            .header("content-type", "text/plain")
            .body("x")
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["requestId"], "req-42");

        let res = app.client.get(app.url("/nowhere")).send().await.unwrap();
        assert_eq!(res.status(), 404);
        let res = app.client.put(app.url("/graphql")).send().await.unwrap();
        assert_eq!(res.status(), 405);
    }
}

#[tokio::test]
async fn health_and_readiness() {
    for setup in setups() {
        let app = TestApp::spawn(&setup).await;
        let res = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let res = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], "ready");
        let db = setup.backend.as_str();
        assert_eq!(body["checks"][db]["status"], "ok", "{body}");
        if setup.redis.is_some() {
            assert_eq!(body["checks"]["redis"]["status"], "ok", "{body}");
        }
    }
}
