//! Deny by default: every mutation the schema has, found by introspection, refuses an
//! anonymous caller with `UNAUTHENTICATED` unless the domain marks it public, whatever
//! its input. And roles decide the rest: admin-only changes refuse other users.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use tests::{TestApp, setups};

const TYPE_REF: &str = "kind name ofType { kind name ofType { kind name ofType { kind name } } }";

/// The type as GraphQL writes it, e.g. `[ID!]!`.
fn type_string(t: &Value) -> String {
    match t["kind"].as_str().unwrap() {
        "NON_NULL" => format!("{}!", type_string(&t["ofType"])),
        "LIST" => format!("[{}]", type_string(&t["ofType"])),
        _ => t["name"].as_str().unwrap().to_owned(),
    }
}

/// A well-typed value for `t` (content is nonsense on purpose: authorization comes first).
fn sample(t: &Value, types: &HashMap<String, Value>) -> Value {
    match t["kind"].as_str().unwrap() {
        "NON_NULL" => sample(&t["ofType"], types),
        "LIST" => json!([sample(&t["ofType"], types)]),
        _ => {
            let name = t["name"].as_str().unwrap();
            let def = &types[name];
            match def["kind"].as_str().unwrap() {
                "ENUM" => def["enumValues"][0]["name"].clone(),
                "INPUT_OBJECT" => {
                    let mut obj = Map::new();
                    for field in def["inputFields"].as_array().unwrap() {
                        obj.insert(
                            field["name"].as_str().unwrap().to_owned(),
                            sample(&field["type"], types),
                        );
                    }
                    Value::Object(obj)
                }
                _ => match name {
                    "Int" => json!(1),
                    "Float" => json!(1.5),
                    "Boolean" => json!(true),
                    "DateTime" => json!("2026-01-01T00:00:00Z"),
                    "NaiveDate" => json!("2026-01-01"),
                    _ => json!("x"),
                },
            }
        }
    }
}

#[tokio::test]
async fn every_mutation_refuses_anonymous_callers_unless_the_domain_marks_it_public() {
    for setup in setups() {
        let app = TestApp::spawn(&setup).await;
        let query = format!(
            "{{ __schema {{ mutationType {{ fields {{ name args {{ name type {{ {TYPE_REF} }} }} }} }}
               types {{ name kind enumValues {{ name }} inputFields {{ name type {{ {TYPE_REF} }} }} }} }} }}"
        );
        let schema = app.query(&query, json!({})).await["__schema"].clone();
        let types: HashMap<String, Value> = schema["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
            .collect();
        let mutations = schema["mutationType"]["fields"].as_array().unwrap();
        assert!(mutations.len() >= 5, "introspection found the mutations");
        let mut checked = 0;
        for m in mutations {
            let name = m["name"].as_str().unwrap();
            let args = m["args"].as_array().unwrap();
            let defs: Vec<String> = args
                .iter()
                .map(|a| {
                    format!(
                        "${}: {}",
                        a["name"].as_str().unwrap(),
                        type_string(&a["type"])
                    )
                })
                .collect();
            let uses: Vec<String> = args
                .iter()
                .map(|a| format!("{0}: ${0}", a["name"].as_str().unwrap()))
                .collect();
            let vars: Map<String, Value> = args
                .iter()
                .map(|a| {
                    (
                        a["name"].as_str().unwrap().to_owned(),
                        sample(&a["type"], &types),
                    )
                })
                .collect();
            let (open, close) = if defs.is_empty() {
                ("", "")
            } else {
                ("(", ")")
            };
            let doc = format!(
                "mutation{open}{}{close} {{ {name}{open}{}{close} {{ __typename }} }}",
                defs.join(", "),
                uses.join(", ")
            );
            let (status, body) = app.post_graphql(&doc, Value::Object(vars)).await;
            assert_eq!(status, 200, "{name}: {body}");
            if domain::PUBLIC_OPERATIONS.contains(&name) {
                continue;
            }
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
                "{name} must refuse anonymous callers: {body}"
            );
            assert_eq!(body["data"], Value::Null, "{name}: {body}");
            checked += 1;
        }
        assert_eq!(checked + domain::PUBLIC_OPERATIONS.len(), mutations.len());
    }
}

#[tokio::test]
async fn admin_only_changes_refuse_other_roles() {
    for setup in setups() {
        let app = TestApp::spawn_with(&setup, |s| s.dev_login = true).await;
        let client = app.dev_token("demo-client", "client,freelancer").await;
        let admin = app.dev_token("ops", "").await;
        app.database()
            .execute("UPDATE users SET is_admin = TRUE WHERE display_name = 'ops'")
            .await;
        let category =
            app.query("{ categories { id } }", json!({})).await["categories"][0]["id"].clone();
        let create = "mutation($input: CreateSkillInput!) { createSkill(input: $input) { skill { slug } userErrors { code } } }";
        let input =
            json!({ "input": { "slug": "tla-plus", "name": "TLA+", "categoryId": category } });
        let call = |t: String| {
            let app = &app;
            let input = input.clone();
            async move {
                let res = app
                    .client
                    .post(app.url("/graphql"))
                    .bearer_auth(t)
                    .json(&json!({ "query": create, "variables": input }))
                    .send()
                    .await
                    .unwrap();
                res.json::<Value>().await.unwrap()
            }
        };
        let refused = call(client).await;
        assert_eq!(
            refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{refused}"
        );
        let created = call(admin).await;
        assert_eq!(
            created["data"]["createSkill"]["skill"]["slug"], "tla-plus",
            "{created}"
        );
    }
}
