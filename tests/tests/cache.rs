//! The cache is an optimisation, never a dependency.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails loudly

use serde_json::json;
use tests::{Setup, TestApp, setups};

#[tokio::test]
async fn a_redis_that_is_not_there_leaves_the_service_ready_but_degraded() {
    for setup in setups() {
        // Port 1 on loopback: nothing listens there.
        let dead = Setup {
            backend: setup.backend,
            redis: Some("redis://127.0.0.1:1/".into()),
        };
        let app = TestApp::spawn(&dead).await;
        for _ in 0..3 {
            let data = app
                .query(
                    "{ categories { slug } skill(slug: \"redis\") { name } }",
                    json!({}),
                )
                .await;
            assert_eq!(data["skill"]["name"], "Redis");
            assert!(!data["categories"].as_array().unwrap().is_empty());
        }
        let res = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(res.status(), 200, "the database still serves every request");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["status"], "degraded", "{body}");
        assert_eq!(body["checks"]["redis"]["status"], "error", "{body}");
        assert_eq!(
            body["checks"][setup.backend.as_str()]["status"],
            "ok",
            "{body}"
        );
    }
}

#[tokio::test]
async fn repeated_reads_are_served_from_the_cache() {
    for setup in setups() {
        let app = TestApp::spawn(&setup).await;
        let q = "{ skill(slug: \"rust\") { name } }";
        app.query(q, json!({})).await;
        let before = app.statements.get();
        for _ in 0..5 {
            assert_eq!(app.query(q, json!({})).await["skill"]["name"], "Rust");
        }
        assert_eq!(
            app.statements.get(),
            before,
            "{setup:?}: cached reads touch no database"
        );
    }
}

#[tokio::test]
async fn a_redis_that_accepts_but_never_answers_is_bypassed() {
    // A hung Redis: connections are accepted, nothing is ever said.
    let (port, held) = persistence::testing::hung_server().await;
    for setup in setups() {
        let hung = Setup {
            backend: setup.backend,
            redis: Some(format!("redis://127.0.0.1:{port}/")),
        };
        let app = TestApp::spawn(&hung).await;
        for _ in 0..3 {
            let data = app
                .query("{ skill(slug: \"docker\") { name } }", json!({}))
                .await;
            assert_eq!(data["skill"]["name"], "Docker");
        }
    }
    held.abort();
}
