//! Unexpected failures are masked: the client gets `INTERNAL` and the request id, never
//! the cause; the server keeps serving.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails loudly

use serde_json::{Value, json};
use tests::{TestApp, setups};

#[tokio::test]
async fn a_broken_database_is_masked_as_internal_with_the_request_id() {
    for setup in setups() {
        let app = TestApp::spawn(&setup).await;
        // Break the store underneath the running server.
        app.database().execute("DROP TABLE skill_aliases").await;

        let res = app
            .client
            .post(app.url("/graphql"))
            .header("x-request-id", "broken-1")
            .json(&json!({ "query": "{ skill(slug: \"go\") { name aliases } }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let text = res.text().await.unwrap();
        assert!(
            !text.to_lowercase().contains("skill_aliases"),
            "the cause leaked: {text}"
        );
        let body: Value = serde_json::from_str(&text).unwrap();
        let err = &body["errors"][0];
        assert_eq!(err["extensions"]["code"], "INTERNAL", "{body}");
        assert_eq!(err["extensions"]["requestId"], "broken-1");
        assert_eq!(err["message"], "Internal server error");
        assert_eq!(err["path"], json!(["skill", "aliases"]));
        // The failed field carries no value (async-graphql omits it rather than nulling the
        // parent), and the next request is served.
        assert!(body["data"]["skill"]["aliases"].is_null(), "{body}");
        let data = app.query("{ categories { slug } }", json!({})).await;
        assert!(!data["categories"].as_array().unwrap().is_empty());
    }
}
