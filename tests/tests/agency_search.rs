//! Agency search over GraphQL: `agencies(filter, sort, first, after)` on both back ends.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use serde_json::{Value, json};
use tests::{Setup, TestApp, setups};

async fn app(setup: &Setup) -> TestApp {
    TestApp::spawn_with(setup, |s| s.dev_login = true).await
}

async fn gql(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    app.gql(token, query, variables).await
}

const PROFILE: &str = "mutation($p: FreelancerProfileFields!) { createFreelancerProfile(input: { profile: $p }) { userErrors { field code message } } }";
const FOUND: &str = "mutation($a: AgencyFields!) { createAgency(input: { agency: $a }) { agency { id } userErrors { field code message } } }";
const SEARCH: &str = "query($f: AgencyFilter, $s: AgencySort, $first: Int, $after: String) {
    agencies(filter: $f, sort: $s, first: $first, after: $after) {
        totalCount
        edges { cursor node { id name } }
        pageInfo { hasNextPage hasPreviousPage endCursor }
    } }";

/// A freelancer with a profile founds an agency; returns its ID and the founder's token.
async fn found(app: &TestApp, handle: &str, agency: Value) -> (String, String) {
    let token = app.dev_token(handle, "freelancer").await;
    let body = gql(
        app,
        Some(&token),
        PROFILE,
        json!({ "p": { "headline": format!("{handle} the engineer") } }),
    )
    .await;
    assert_eq!(
        body["data"]["createFreelancerProfile"]["userErrors"],
        json!([]),
        "{body}"
    );
    let body = gql(app, Some(&token), FOUND, json!({ "a": agency })).await;
    assert_eq!(
        body["data"]["createAgency"]["userErrors"],
        json!([]),
        "{body}"
    );
    let id = body["data"]["createAgency"]["agency"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Distinct creation times for NEWEST.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    (id, token)
}

async fn populated(setup: &Setup) -> TestApp {
    let app = app(setup).await;
    found(&app, "ada", json!({ "name": "Rustacean Labs", "headline": "Rust and PostgreSQL backends", "country": "DE",
        "skills": [{ "skill": "rust" }, { "skill": "postgresql", "level": 5 }] })).await;
    found(&app, "grace", json!({ "name": "Gopher Works", "headline": "Go microservices", "country": "US",
        "overview": "We also tune PostgreSQL.", "skills": [{ "skill": "go" }, { "skill": "kubernetes" }] })).await;
    let (hidden, token) = found(
        &app,
        "linus",
        json!({ "name": "Pixel Studio", "headline": "Rust design systems", "country": "DE",
        "skills": [{ "skill": "rust" }] }),
    )
    .await;
    let hide = "mutation($id: ID!) { setAgencyVisibility(input: { agencyId: $id, visibility: HIDDEN }) { userErrors { code } } }";
    let body = gql(&app, Some(&token), hide, json!({ "id": hidden })).await;
    assert_eq!(
        body["data"]["setAgencyVisibility"]["userErrors"],
        json!([]),
        "{body}"
    );
    found(
        &app,
        "jose",
        json!({ "name": "Quiet Collective", "country": "PL", "skills": [{ "skill": "elixir" }] }),
    )
    .await;
    app
}

fn names(body: &Value) -> Vec<String> {
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["agencies"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn search(app: &TestApp, filter: Value, sort: &str) -> Vec<String> {
    names(&gql(app, None, SEARCH, json!({ "f": filter, "s": sort })).await)
}

#[tokio::test]
async fn agencies_are_found_by_text_skills_and_country_and_hidden_ones_never() {
    for setup in setups() {
        let app = populated(&setup).await;
        let set = |v: Vec<String>| v.into_iter().collect::<HashSet<_>>();
        let of = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<HashSet<_>>();
        assert_eq!(
            search(&app, json!({}), "NEWEST").await,
            vec!["Quiet Collective", "Gopher Works", "Rustacean Labs"]
        );
        // Without text, RELEVANCE is NEWEST.
        assert_eq!(
            search(&app, json!({}), "RELEVANCE").await,
            vec!["Quiet Collective", "Gopher Works", "Rustacean Labs"]
        );
        // Name, headline and skills rank above the overview.
        assert_eq!(
            search(&app, json!({ "text": "postgres" }), "RELEVANCE").await,
            vec!["Rustacean Labs", "Gopher Works"]
        );
        for (filter, expected) in [
            (json!({ "text": "golang" }), vec!["Gopher Works"]),
            (json!({ "text": "rustac" }), vec!["Rustacean Labs"]),
            (json!({ "text": "design" }), vec![]),
            (
                json!({ "skills": { "allOf": ["rust"] } }),
                vec!["Rustacean Labs"],
            ),
            (
                json!({ "skills": { "anyOf": ["go", "elixir"] } }),
                vec!["Gopher Works", "Quiet Collective"],
            ),
            (json!({ "skills": { "allOf": ["rust", "go"] } }), vec![]),
            (
                json!({ "countries": ["de", "PL"] }),
                vec!["Rustacean Labs", "Quiet Collective"],
            ),
            (
                json!({ "text": "microservices", "countries": ["US"] }),
                vec!["Gopher Works"],
            ),
        ] {
            assert_eq!(
                set(search(&app, filter.clone(), "NEWEST").await),
                of(&expected),
                "{setup:?} {filter}"
            );
        }
        // Page by page, one at a time, the same list as one big page.
        for (sort, filter) in [
            ("NEWEST", json!({})),
            ("RELEVANCE", json!({ "text": "postgresql" })),
        ] {
            let whole = search(&app, filter.clone(), sort).await;
            let mut walked = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let body = gql(
                    &app,
                    None,
                    SEARCH,
                    json!({ "f": filter, "s": sort, "first": 1, "after": after }),
                )
                .await;
                walked.extend(names(&body));
                let conn = &body["data"]["agencies"];
                assert_eq!(conn["totalCount"], whole.len());
                if conn["pageInfo"]["hasNextPage"] != true {
                    break;
                }
                after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
                assert!(walked.len() <= whole.len(), "pages repeat");
            }
            assert_eq!(walked, whole, "{setup:?} {sort}");
        }
    }
}

#[tokio::test]
async fn bad_agency_filters_and_foreign_cursors_are_refused() {
    for setup in setups() {
        let app = populated(&setup).await;
        let body = gql(
            &app,
            None,
            SEARCH,
            json!({ "f": { "skills": { "anyOf": ["cobol-on-rails"] }, "countries": ["ZZ"] } }),
        )
        .await;
        let e = &body["errors"][0];
        assert_eq!(e["extensions"]["code"], "VALIDATION", "{body}");
        let fields = e["extensions"]["fields"].as_array().unwrap();
        assert!(
            fields.contains(&json!(["filter", "skills", "anyOf", "0"])),
            "{body}"
        );
        assert!(
            fields.contains(&json!(["filter", "countries", "0"])),
            "{body}"
        );
        assert!(
            e["message"].as_str().unwrap().contains("cobol-on-rails"),
            "{body}"
        );
        // A cursor of talent search, or of another agency search, is not an agency cursor.
        let talent = gql(
            &app,
            None,
            "{ freelancers(first: 1, sort: NEWEST) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
        let foreign = talent["data"]["freelancers"]["pageInfo"]["endCursor"]
            .as_str()
            .unwrap()
            .to_owned();
        let body = gql(
            &app,
            None,
            SEARCH,
            json!({ "s": "NEWEST", "after": foreign }),
        )
        .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "INVALID_CURSOR",
            "{body}"
        );
        let page = gql(&app, None, SEARCH, json!({ "s": "NEWEST", "first": 1 })).await;
        let cursor = page["data"]["agencies"]["pageInfo"]["endCursor"]
            .as_str()
            .unwrap()
            .to_owned();
        let body = gql(
            &app,
            None,
            SEARCH,
            json!({ "f": { "countries": ["DE"] }, "s": "NEWEST", "after": cursor }),
        )
        .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "INVALID_CURSOR",
            "{body}"
        );
        let body = gql(&app, None, SEARCH, json!({ "first": 101 })).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "VALIDATION",
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_page_of_agencies_with_skills_and_members_takes_a_fixed_number_of_statements() {
    for setup in setups() {
        let app = app(&setup).await;
        // `members` is priced at 50 rows (see docs/agencies.md), so a page of 10.
        let query = "{ agencies(first: 10, sort: NEWEST) { totalCount edges { node {
            name skills { skill { slug } level } members { role joinedAt } } } } }";
        let mut measured = Vec::new();
        let mut made = 0;
        for total in [2, 6] {
            while made < total {
                found(&app, &format!("founder{made}"), json!({ "name": format!("Agency {made}"), "skills": [{ "skill": "rust" }, { "skill": "go" }] })).await;
                made += 1;
            }
            let before = app.statements.get();
            let body = gql(&app, None, query, json!({})).await;
            let after = app.statements.get();
            assert!(body.get("errors").is_none(), "{body}");
            assert_eq!(
                body["data"]["agencies"]["edges"].as_array().unwrap().len(),
                total
            );
            assert_eq!(
                body["data"]["agencies"]["edges"][0]["node"]["members"][0]["role"],
                "OWNER"
            );
            measured.push(after - before);
        }
        assert_eq!(
            measured[0], measured[1],
            "statements grew with rows: {measured:?}"
        );
    }
}
