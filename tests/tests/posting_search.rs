//! Posting search over GraphQL: `postings(filter, sort, first, after)` on both back ends.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use tests::{Setup, TestApp, setups};

async fn app(setup: &Setup) -> TestApp {
    TestApp::spawn_with(setup, |s| s.dev_login = true).await
}

const CREATE: &str = "mutation($p: PostingFields!) { createPosting(input: { posting: $p }) {
    posting { id version } userErrors { field code message } } }";
const PUBLISH: &str = "mutation($id: ID!, $v: Int!) { publishPosting(input: { postingId: $id, expectedVersion: $v }) {
    posting { id version } userErrors { field code message } } }";
const PAUSE: &str =
    "mutation($id: ID!, $v: Int!) { pausePosting(input: { postingId: $id, expectedVersion: $v }) {
    posting { id version } userErrors { field code message } } }";
const SEARCH: &str = "query($f: PostingFilter, $s: PostingSort, $first: Int, $after: String) {
    postings(filter: $f, sort: $s, first: $first, after: $after) {
        totalCount
        edges { cursor node { id title } }
        pageInfo { hasNextPage hasPreviousPage endCursor }
    } }";

fn hourly(min: i64, max: i64, currency: &str) -> Value {
    json!({ "kind": "HOURLY", "min": { "amountMinor": min, "currency": currency },
            "max": { "amountMinor": max, "currency": currency } })
}

/// A complete posting with these fields on top.
fn posting(title: &str, extra: Value) -> Value {
    let mut p = json!({
        "title": title,
        "description": "A role on a small team building backend services with care and tests.",
        "skills": [{ "skill": "go" }],
        "hireType": "FREELANCE_LONG_TERM",
        "budget": hourly(5000, 8000, "USD"),
        "experienceLevel": "INTERMEDIATE",
        "duration": "THREE_TO_SIX_MONTHS",
    });
    for (k, v) in extra.as_object().unwrap() {
        p[k] = v.clone();
    }
    p
}

/// Creates and (unless `draft`) publishes a posting as `token`; its ID.
async fn post(app: &TestApp, token: &str, category: &Value, fields: Value, draft: bool) -> String {
    let mut fields = fields;
    fields["categoryId"] = category.clone();
    let body = app.gql(Some(token), CREATE, json!({ "p": fields })).await;
    assert_eq!(
        body["data"]["createPosting"]["userErrors"],
        json!([]),
        "{body}"
    );
    let id = body["data"]["createPosting"]["posting"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    if !draft {
        let body = app
            .gql(Some(token), PUBLISH, json!({ "id": id, "v": 1 }))
            .await;
        assert_eq!(
            body["data"]["publishPosting"]["userErrors"],
            json!([]),
            "{body}"
        );
    }
    // Distinct publication times for NEWEST.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    id
}

async fn titles(app: &TestApp, filter: Value, sort: &str) -> Vec<String> {
    let data = app
        .query(SEARCH, json!({ "f": filter, "s": sort, "first": 50 }))
        .await;
    let conn = &data["postings"];
    let titles: Vec<String> = conn["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(conn["totalCount"], titles.len(), "{filter}");
    titles
}

async fn populated(setup: &Setup) -> TestApp {
    let app = app(setup).await;
    let acme = app.dev_token("acme", "client").await;
    let globex = app.dev_token("globex", "client").await;
    let categories = app.query("{ categories { id slug } }", json!({})).await;
    let category = |slug: &str| {
        categories["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["slug"] == slug)
            .unwrap()["id"]
            .clone()
    };
    let backend = category("backend-development");
    let data = category("data-engineering");
    post(
        &app,
        &acme,
        &backend,
        posting(
            "Rust payments engineer",
            json!({ "skills": [{ "skill": "rust" }, { "skill": "postgresql" }],
                    "budget": hourly(9000, 15000, "USD"), "experienceLevel": "EXPERT",
                    "countries": ["DE", "PL"], "timeZones": ["Europe/Berlin"] }),
        ),
        false,
    )
    .await;
    post(
        &app,
        &acme,
        &backend,
        posting(
            "Go API developer",
            json!({ "workplace": "HYBRID", "countries": ["US"],
                    "timeZones": ["America/New_York", "America/Chicago"] }),
        ),
        false,
    )
    .await;
    post(
        &app,
        &globex,
        &data,
        posting(
            "Data platform lead",
            json!({ "hireType": "FULL_TIME", "skills": [{ "skill": "python" }, { "skill": "postgresql" }],
                    "budget": { "kind": "YEARLY_SALARY", "min": { "amountMinor": 9_000_000, "currency": "EUR" },
                                "max": { "amountMinor": 12_000_000, "currency": "EUR" } },
                    "duration": null, "experienceLevel": "EXPERT" }),
        ),
        false,
    )
    .await;
    post(
        &app,
        &globex,
        &backend,
        posting(
            "Fixed price API audit",
            json!({ "hireType": "FREELANCE_SHORT_TERM",
                    "budget": { "kind": "FIXED", "min": { "amountMinor": 300_000, "currency": "USD" } },
                    "duration": "LESS_THAN_ONE_MONTH", "experienceLevel": "ENTRY" }),
        ),
        false,
    )
    .await;
    // Never found: a draft, a paused posting, an invite-only one.
    post(
        &app,
        &acme,
        &backend,
        posting("Draft Rust role", json!({})),
        true,
    )
    .await;
    let paused = post(
        &app,
        &acme,
        &backend,
        posting("Paused Rust role", json!({})),
        false,
    )
    .await;
    let body = app
        .gql(Some(&acme), PAUSE, json!({ "id": paused, "v": 2 }))
        .await;
    assert_eq!(
        body["data"]["pausePosting"]["userErrors"],
        json!([]),
        "{body}"
    );
    post(
        &app,
        &acme,
        &backend,
        posting("Invited Rust role", json!({ "visibility": "INVITE_ONLY" })),
        false,
    )
    .await;
    app
}

#[tokio::test]
async fn postings_are_found_by_every_filter_and_sorted_three_ways() {
    for setup in setups() {
        let app = populated(&setup).await;
        let everything = titles(&app, json!(null), "NEWEST").await;
        assert_eq!(
            everything,
            [
                "Fixed price API audit",
                "Data platform lead",
                "Go API developer",
                "Rust payments engineer"
            ],
            "only public open postings, newest first"
        );
        let cases = [
            (
                json!({ "text": "payments" }),
                vec!["Rust payments engineer"],
            ),
            // Skill names are searchable too, and the last word is a prefix.
            (
                json!({ "text": "postgr" }),
                vec!["Data platform lead", "Rust payments engineer"],
            ),
            (
                json!({ "skills": { "allOf": ["rust", "postgresql"] } }),
                vec!["Rust payments engineer"],
            ),
            (
                json!({ "skills": { "anyOf": ["python", "rust"] } }),
                vec!["Data platform lead", "Rust payments engineer"],
            ),
            (
                json!({ "hireTypes": ["FULL_TIME"] }),
                vec!["Data platform lead"],
            ),
            (
                json!({ "experienceLevels": ["ENTRY", "INTERMEDIATE"] }),
                vec!["Fixed price API audit", "Go API developer"],
            ),
            (
                json!({ "workplaces": ["HYBRID"] }),
                vec!["Go API developer"],
            ),
            // Ranges overlap; other currencies never match.
            (
                json!({ "budget": { "currency": "USD", "minMinor": 10000 } }),
                vec!["Fixed price API audit", "Rust payments engineer"],
            ),
            (
                json!({ "budget": { "currency": "USD", "kind": "HOURLY", "maxMinor": 6000 } }),
                vec!["Go API developer"],
            ),
            (
                json!({ "budget": { "currency": "EUR" } }),
                vec!["Data platform lead"],
            ),
            // Postings naming no country are open to all.
            (
                json!({ "countries": ["PL"] }),
                vec![
                    "Fixed price API audit",
                    "Data platform lead",
                    "Rust payments engineer",
                ],
            ),
            // Chicago is UTC-6 and New York UTC-5: the range spans -5 hours.
            (
                json!({ "timeZone": "America/Bogota" }),
                vec![
                    "Fixed price API audit",
                    "Data platform lead",
                    "Go API developer",
                ],
            ),
            // Nobody is rated yet.
            (json!({ "clientMinRating": 1 }), vec![]),
        ];
        for (filter, expected) in cases {
            assert_eq!(
                titles(&app, filter.clone(), "NEWEST").await,
                expected,
                "{filter}"
            );
        }
        // The filters on time, proposals and client rating, each seen both to let postings
        // through and to keep others out.
        backdate(&app, "Data platform lead", 3).await;
        for handle in ["p1", "p2", "p3", "p4", "p5"] {
            app.dev_token(handle, "freelancer").await;
            propose(&app, "Rust payments engineer", handle, "SUBMITTED", 10_000).await;
        }
        // A withdrawn proposal still counts, as on the posting itself.
        propose(&app, "Go API developer", "p1", "WITHDRAWN", 9_000).await;
        // Ratings as reputation recomputation writes them, straight into the profile.
        for (handle, company) in [("globex", "Globex"), ("acme", "Acme")] {
            let token = app.dev_token(handle, "client").await;
            let body = app
                .gql(
                    Some(&token),
                    CLIENT_PROFILE,
                    json!({ "p": { "companyName": company } }),
                )
                .await;
            assert_eq!(
                body["data"]["createClientProfile"]["userErrors"],
                json!([]),
                "{body}"
            );
        }
        app.database()
            .execute(
                "UPDATE client_profiles SET rating_avg = 4.6, review_count = 3 \
                 WHERE user_id = (SELECT id FROM users WHERE display_name = 'globex')",
            )
            .await;
        // Backdated, the data platform lead is now the oldest.
        let all = [
            "Fixed price API audit",
            "Go API developer",
            "Rust payments engineer",
            "Data platform lead",
        ];
        let cases = [
            (
                json!({ "postedWithinDays": 1 }),
                vec![
                    "Fixed price API audit",
                    "Go API developer",
                    "Rust payments engineer",
                ],
            ),
            (json!({ "postedWithinDays": 4 }), all.to_vec()),
            (
                json!({ "proposalsFewerThan": 5 }),
                vec![
                    "Fixed price API audit",
                    "Go API developer",
                    "Data platform lead",
                ],
            ),
            (
                json!({ "proposalsFewerThan": 1 }),
                vec!["Fixed price API audit", "Data platform lead"],
            ),
            (json!({ "proposalsFewerThan": 6 }), all.to_vec()),
            (
                json!({ "clientMinRating": 4.5 }),
                vec!["Fixed price API audit", "Data platform lead"],
            ),
            (json!({ "clientMinRating": 4.7 }), vec![]),
        ];
        for (filter, expected) in cases {
            assert_eq!(
                titles(&app, filter.clone(), "NEWEST").await,
                expected,
                "{filter}"
            );
        }
        // BUDGET: highest first within a currency.
        assert_eq!(
            titles(&app, json!({ "budget": { "currency": "USD" } }), "BUDGET").await,
            [
                "Fixed price API audit",
                "Rust payments engineer",
                "Go API developer"
            ]
        );
        // RELEVANCE: the title match ranks above a description-only one.
        let found = titles(&app, json!({ "text": "api" }), "RELEVANCE").await;
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.contains(&"Go API developer".to_owned()));
    }
}

#[tokio::test]
async fn pages_follow_each_other_and_cursors_belong_to_their_search() {
    for setup in setups() {
        let app = populated(&setup).await;
        // RELEVANCE without text runs as NEWEST; with text it ranks.
        for (sort, filter) in [
            ("NEWEST", json!(null)),
            ("BUDGET", json!(null)),
            ("RELEVANCE", json!(null)),
            ("RELEVANCE", json!({ "text": "api" })),
        ] {
            let whole = titles(&app, filter.clone(), sort).await;
            assert!(whole.len() > 1, "{sort} {filter}: more than a page");
            let mut seen = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let data = app
                    .query(
                        SEARCH,
                        json!({ "f": filter, "s": sort, "first": 1, "after": after }),
                    )
                    .await;
                let conn = &data["postings"];
                for e in conn["edges"].as_array().unwrap() {
                    seen.push(e["node"]["title"].as_str().unwrap().to_owned());
                }
                if conn["pageInfo"]["hasNextPage"] != true {
                    break;
                }
                after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
            }
            assert_eq!(seen, whole, "{sort} {filter}");
        }
        let data = app
            .query(SEARCH, json!({ "s": "NEWEST", "first": 1 }))
            .await;
        let cursor = data["postings"]["pageInfo"]["endCursor"].clone();
        let body = app
            .gql(
                None,
                SEARCH,
                json!({ "s": "BUDGET", "first": 1, "after": cursor }),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "INVALID_CURSOR",
            "{body}"
        );
        // Bad filters are named.
        let body = app
            .gql(
                None,
                SEARCH,
                json!({ "f": { "budget": { "currency": "XXQ", "minMinor": -1 }, "timeZone": "Mars/Olympus",
                               "postedWithinDays": 0, "proposalsFewerThan": 0, "clientMinRating": 9,
                               "categoryId": "bm9wZQ" } }),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "VALIDATION",
            "{body}"
        );
        let mut fields: Vec<String> = body["errors"][0]["extensions"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                f.as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(".")
            })
            .collect();
        fields.sort();
        assert_eq!(
            fields,
            [
                "filter.budget.currency",
                "filter.budget.minMinor",
                "filter.categoryId",
                "filter.clientMinRating",
                "filter.postedWithinDays",
                "filter.proposalsFewerThan",
                "filter.timeZone",
            ],
            "{body}"
        );
    }
}

const CLIENT_PROFILE: &str = "mutation($p: ClientProfileFields!) { createClientProfile(input: { profile: $p }) { userErrors { field code message } } }";

/// Moves the publication of the posting titled `title` `days` into the past.
async fn backdate(app: &TestApp, title: &str, days: u32) {
    app.backdate(
        "postings",
        "published_at",
        &format!("title = '{title}'"),
        days,
    )
    .await;
}

/// A proposal on the posting titled `title` by the user `handle`, straight into the
/// table the proposals feature fills (its API comes with that feature).
async fn propose(app: &TestApp, title: &str, handle: &str, status: &str, bid: i64) {
    let id = match app.setup.backend {
        persistence::Backend::Postgres => "gen_random_uuid()",
        persistence::Backend::Sqlite => "randomblob(16)",
    };
    app.database()
        .execute(&format!(
            "INSERT INTO proposals (id, posting_id, freelancer_id, status, bid_amount_minor, \
             bid_currency, created_at, updated_at) \
             SELECT {id}, p.id, u.id, '{status}', {bid}, 'USD', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP \
             FROM postings p, users u WHERE p.title = '{title}' AND u.display_name = '{handle}'"
        ))
        .await;
}

#[tokio::test]
async fn a_posting_shows_its_client_proposals_and_bids_and_its_client_sees_the_pipeline() {
    for setup in setups() {
        let app = populated(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let body = app
            .gql(
                Some(&acme),
                CLIENT_PROFILE,
                json!({ "p": { "companyName": "Acme GmbH" } }),
            )
            .await;
        assert_eq!(
            body["data"]["createClientProfile"]["userErrors"],
            json!([]),
            "{body}"
        );
        for (handle, status, bid) in [
            ("ada", "SUBMITTED", 9000),
            ("grace", "SHORTLISTED", 12001),
            ("linus", "WITHDRAWN", 100),
            ("margaret", "HIRED", 11000),
        ] {
            app.dev_token(handle, "freelancer").await;
            propose(&app, "Rust payments engineer", handle, status, bid).await;
        }
        let query = "query($f: PostingFilter) { postings(filter: $f) { nodes { title client { companyName stats { postings hires hireRatePercent } }
            proposalCount bidStats { count min { amountMinor currency } average { amountMinor } max { amountMinor } }
            inviteCount clientLastActiveAt proposalCounts { total submitted shortlisted withdrawn hired } } } }";
        let filter = json!({ "f": { "text": "payments" } });
        let body = app.gql(None, query, filter.clone()).await;
        let p = &body["data"]["postings"]["nodes"][0];
        assert_eq!(p["client"]["companyName"], "Acme GmbH", "{body}");
        // Three public published postings (not the draft, not the invite-only one), one
        // hire on one of them.
        assert_eq!(
            p["client"]["stats"],
            json!({ "postings": 3, "hires": 1, "hireRatePercent": 33 })
        );
        assert_eq!(p["proposalCount"], 4);
        assert_eq!(
            p["bidStats"],
            json!({ "count": 3, "min": { "amountMinor": 9000, "currency": "USD" },
                    "average": { "amountMinor": 10667 }, "max": { "amountMinor": 12001 } }),
            "withdrawn bids do not count; the average rounds"
        );
        assert_eq!(p["inviteCount"], 0);
        // To the hour, and not in the future.
        let active = p["clientLastActiveAt"].as_str().unwrap();
        assert!(active.contains(":00:00"), "{active}");
        assert_eq!(
            p["proposalCounts"],
            Value::Null,
            "the pipeline is the client's"
        );
        let body = app.gql(Some(&acme), query, filter).await;
        assert_eq!(
            body["data"]["postings"]["nodes"][0]["proposalCounts"],
            json!({ "total": 4, "submitted": 1, "shortlisted": 1, "withdrawn": 1, "hired": 1 }),
            "{body}"
        );
        // Globex has no company profile: no client to show, no error.
        let body = app
            .gql(None, query, json!({ "f": { "hireTypes": ["FULL_TIME"] } }))
            .await;
        let p = &body["data"]["postings"]["nodes"][0];
        assert_eq!(p["client"], Value::Null, "{body}");
        assert_eq!(
            (p["proposalCount"].clone(), p["bidStats"].clone()),
            (json!(0), Value::Null)
        );
    }
}

#[tokio::test]
async fn a_page_of_postings_with_client_skills_and_stats_takes_a_fixed_number_of_statements() {
    for setup in setups() {
        let app = app(&setup).await;
        let category =
            app.query("{ categories { id } }", json!({})).await["categories"][0]["id"].clone();
        let query = "query($first: Int) { postings(first: $first, sort: NEWEST) { totalCount edges { node {
            title category { slug } skills { skill { slug name } minLevel } client { companyName stats { postings } }
            proposalCount bidStats { count } inviteCount clientLastActiveAt proposalCounts { total } } } } }";
        let mut measured = Vec::new();
        let mut posted = 0;
        for total in [3, 12] {
            while posted < total {
                // A client with a company profile for every other posting.
                let token = app
                    .dev_token(&format!("client{}", posted / 2), "client")
                    .await;
                if posted % 2 == 0 {
                    let body = app
                        .gql(
                            Some(&token),
                            CLIENT_PROFILE,
                            json!({ "p": { "companyName": format!("Company {posted}") } }),
                        )
                        .await;
                    assert_eq!(
                        body["data"]["createClientProfile"]["userErrors"],
                        json!([]),
                        "{body}"
                    );
                }
                post(
                    &app,
                    &token,
                    &category,
                    posting(
                        &format!("Role {posted}"),
                        json!({ "skills": [{ "skill": "rust", "minLevel": 3 }, { "skill": "go" }] }),
                    ),
                    false,
                )
                .await;
                posted += 1;
            }
            let before = app.statements.get();
            let body = app.gql(None, query, json!({ "first": 50 })).await;
            let after = app.statements.get();
            let edges = body["data"]["postings"]["edges"].as_array().unwrap();
            assert_eq!(edges.len(), total, "{body}");
            assert!(
                edges
                    .iter()
                    .all(|e| e["node"]["client"]["companyName"].is_string())
            );
            measured.push(after - before);
        }
        assert_eq!(
            measured[0], measured[1],
            "statements grew with rows: {measured:?}"
        );
    }
}

#[tokio::test]
async fn a_client_sees_their_own_postings_newest_first_by_state() {
    for setup in setups() {
        let app = populated(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let query = "query($s: [PostingStatus!], $first: Int, $after: String) { viewer { postings(statuses: $s, first: $first, after: $after) {
            totalCount nodes { title status proposalCounts { total } } pageInfo { hasNextPage endCursor } } } }";
        let body = app.gql(Some(&acme), query, json!({})).await;
        let conn = &body["data"]["viewer"]["postings"];
        let titles: Vec<&str> = conn["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["title"].as_str().unwrap())
            .collect();
        assert_eq!(
            titles,
            [
                "Invited Rust role",
                "Paused Rust role",
                "Draft Rust role",
                "Go API developer",
                "Rust payments engineer"
            ],
            "{body}"
        );
        assert_eq!(conn["totalCount"], 5);
        assert!(
            conn["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|n| n["proposalCounts"]["total"] == 0)
        );
        let body = app
            .gql(Some(&acme), query, json!({ "s": ["DRAFT", "PAUSED"] }))
            .await;
        assert_eq!(
            body["data"]["viewer"]["postings"]["totalCount"], 2,
            "{body}"
        );
        // Pages of two follow each other.
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let body = app
                .gql(Some(&acme), query, json!({ "first": 2, "after": after }))
                .await;
            let conn = &body["data"]["viewer"]["postings"];
            for n in conn["nodes"].as_array().unwrap() {
                seen.push(n["title"].as_str().unwrap().to_owned());
            }
            if conn["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        }
        assert_eq!(seen, titles);
        // Another client's dashboard holds only their own; the anonymous have none.
        let globex = app.dev_token("globex", "client").await;
        let body = app.gql(Some(&globex), query, json!({})).await;
        assert_eq!(
            body["data"]["viewer"]["postings"]["totalCount"], 2,
            "{body}"
        );
        let body = app.gql(None, query, json!({})).await;
        assert_eq!(body["data"]["viewer"], Value::Null, "{body}");
    }
}
