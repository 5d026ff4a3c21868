//! The skill taxonomy as a front end sees it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails loudly

use std::collections::HashSet;

use serde_json::{Value, json};
use tests::{TestApp, setups};

const PAGE: &str = "query($after: String, $search: String, $category: String) {
  skills(first: 10, after: $after, search: $search, category: $category) {
    totalCount
    edges { cursor node { id slug name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}";

async fn walk(app: &TestApp, vars: Value) -> (Vec<String>, i64) {
    let mut slugs = Vec::new();
    let mut after = Value::Null;
    let mut total = -1;
    loop {
        let mut v = vars.clone();
        v["after"] = after.clone();
        let data = app.query(PAGE, v).await;
        let conn = &data["skills"];
        total = conn["totalCount"].as_i64().unwrap_or(total);
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], !after.is_null());
        for edge in conn["edges"].as_array().unwrap() {
            slugs.push(edge["node"]["slug"].as_str().unwrap().to_owned());
        }
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            return (slugs, total);
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn pages_through_every_skill_exactly_once() {
    for setup in setups() {
        let app = TestApp::spawn(&setup).await;
        let (slugs, total) = walk(&app, json!({})).await;
        assert_eq!(slugs.len() as i64, total);
        assert!(total > 80, "a useful taxonomy is seeded: {total}");
        assert_eq!(slugs.iter().collect::<HashSet<_>>().len(), slugs.len());
        for needed in [
            "rust",
            "postgresql",
            "graphql",
            "kubernetes",
            "oauth",
            "jwt",
            "c-sharp",
        ] {
            assert!(slugs.iter().any(|s| s == needed), "{needed}");
        }
    }
}

#[tokio::test]
async fn search_matches_names_slugs_and_aliases() {
    for setup in setups() {
        let app = TestApp::spawn(&setup).await;
        let (slugs, _) = walk(&app, json!({ "search": "GOLANG" })).await;
        assert_eq!(slugs, vec!["go"]);
        let (slugs, _) = walk(&app, json!({ "search": "k8s" })).await;
        assert_eq!(slugs, vec!["kubernetes"]);
        let (slugs, total) = walk(&app, json!({ "search": "   " })).await;
        assert_eq!(slugs.len() as i64, total, "a blank search is no filter");
        let (slugs, total) = walk(&app, json!({ "category": "databases" })).await;
        assert!(slugs.contains(&"redis".to_string()) && !slugs.contains(&"rust".to_string()));
        let data = app
            .query(
                "{ category(slug: \"databases\") { skillCount } }",
                json!({}),
            )
            .await;
        assert_eq!(data["category"]["skillCount"].as_i64().unwrap(), total);
        let (slugs, total) = walk(&app, json!({ "category": "no-such-category" })).await;
        assert!(slugs.is_empty() && total == 0);
    }
}

#[tokio::test]
async fn skill_category_and_node_lookups() {
    for setup in setups() {
        let app = TestApp::spawn(&setup).await;
        let data = app
            .query(
                "{ skill(slug: \"postgresql\") { id name aliases category { id slug } }
                   missing: skill(slug: \"no-such-skill\") { id }
                   malformed: skill(slug: \"NOT A SLUG\") { id }
                   categories { id slug name position skillCount } }",
                json!({}),
            )
            .await;
        let skill = &data["skill"];
        assert_eq!(skill["name"], "PostgreSQL");
        assert!(
            skill["aliases"]
                .as_array()
                .unwrap()
                .contains(&json!("postgres"))
        );
        assert!(data["missing"].is_null() && data["malformed"].is_null());
        let categories = data["categories"].as_array().unwrap();
        let positions: Vec<i64> = categories
            .iter()
            .map(|c| c["position"].as_i64().unwrap())
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]));

        let ids = json!([
            skill["id"],
            skill["category"]["id"],
            "U2tpbGw6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw"
        ]);
        let data = app
            .query(
                "query($ids: [ID!]!, $one: ID!) {
                   nodes(ids: $ids) { __typename id ... on Skill { slug } ... on Category { slug } }
                   node(id: $one) { id ... on Skill { name } } }",
                json!({ "ids": ids, "one": skill["id"] }),
            )
            .await;
        assert_eq!(data["nodes"][0]["slug"], "postgresql");
        assert_eq!(data["nodes"][0]["__typename"], "Skill");
        assert_eq!(data["nodes"][1]["slug"], "databases");
        assert_eq!(data["nodes"][1]["__typename"], "Category");
        assert!(
            data["nodes"][2].is_null(),
            "a well-formed but unknown ID is null"
        );
        assert_eq!(data["node"]["name"], "PostgreSQL");

        let many: Vec<Value> = (0..101).map(|_| skill["id"].clone()).collect();
        let code = app
            .error_code(
                "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                json!({ "ids": many }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT");
    }
}

#[tokio::test]
async fn anonymous_visitors_cannot_curate_skills() {
    for setup in setups() {
        let app = TestApp::spawn(&setup).await;
        let data = app
            .query("{ category(slug: \"databases\") { id } }", json!({}))
            .await;
        let (_, body) = app
            .post_graphql(
                "mutation($input: CreateSkillInput!) { createSkill(input: $input) { skill { id } userErrors { field code message } } }",
                json!({ "input": { "slug": "tidb", "name": "TiDB", "categoryId": data["category"]["id"] } }),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{body}"
        );
        assert_eq!(body["errors"][0]["path"], json!(["createSkill"]));
        let data = app
            .query("{ skill(slug: \"tidb\") { id } }", json!({}))
            .await;
        assert!(data["skill"].is_null(), "nothing was written");
    }
}
