//! Relations are batched: the statements a nested query runs do not grow with its rows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails loudly

use serde_json::json;
use tests::{TestApp, setups};

const NESTED: &str = "query($first: Int!) {
  skills(first: $first) {
    edges { node { slug aliases category { name skillCount } } }
  }
}";

async fn statements_for(app: &TestApp, first: i64) -> u64 {
    let before = app.statements.get();
    let data = app.query(NESTED, json!({ "first": first })).await;
    assert_eq!(
        data["skills"]["edges"].as_array().unwrap().len() as i64,
        first
    );
    app.statements.get() - before
}

#[tokio::test]
async fn nested_queries_run_a_constant_number_of_statements() {
    for setup in setups() {
        let app = TestApp::spawn(&setup).await;
        let small = statements_for(&app, 2).await;
        let large = statements_for(&app, 60).await;
        // One page query, then one batched statement each for aliases, categories and
        // skill counts: four however many skills the page holds.
        assert_eq!(
            small, large,
            "statements grew with rows ({small} for 2, {large} for 60)"
        );
        assert_eq!(large, 4, "{setup:?}");
    }
}
