//! Talent search over GraphQL: `freelancers(filter, sort, first, after)` on both back ends.
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

const CREATE: &str = "mutation($p: FreelancerProfileFields!) { createFreelancerProfile(input: { profile: $p }) { profile { id } userErrors { field code message } } }";

const SEARCH: &str =
    "query($f: FreelancerFilter, $s: FreelancerSort, $first: Int, $after: String) {
    freelancers(filter: $f, sort: $s, first: $first, after: $after) {
        totalCount
        edges { cursor node { id headline } }
        pageInfo { hasNextPage hasPreviousPage endCursor }
    } }";

/// A rating: average and number of reviews.
type Rating = Option<(f64, i64)>;

/// The people of these tests: handle, profile fields, rating.
fn people() -> Vec<(&'static str, Value, Rating)> {
    vec![
        (
            "ada",
            json!({
                "headline": "Rust and PostgreSQL backend engineer",
                "overview": "I build payment APIs.",
                "hourlyRate": { "amountMinor": 9500, "currency": "EUR" },
                "hoursPerWeek": 30,
                "country": "DE", "timeZone": "Europe/Berlin",
                "languages": [{ "code": "de", "level": "NATIVE" }, { "code": "en", "level": "FLUENT" }],
                "skills": [
                    { "skill": "rust", "level": 5, "years": 8 },
                    { "skill": "postgresql", "level": 4, "years": 10 }
                ]
            }),
            Some((4.9, 40)),
        ),
        (
            "grace",
            json!({
                "headline": "Go microservices developer",
                "overview": "Kubernetes, gRPC and a lot of PostgreSQL tuning.",
                "hourlyRate": { "amountMinor": 7000, "currency": "EUR" },
                "hoursPerWeek": 40,
                "availableFrom": "2027-06-01",
                "country": "US", "timeZone": "America/New_York",
                "languages": [{ "code": "en", "level": "NATIVE" }],
                "skills": [
                    { "skill": "go", "level": 5, "years": 6 },
                    { "skill": "kubernetes", "level": 3, "years": 4 }
                ]
            }),
            Some((4.2, 3)),
        ),
        (
            "linus",
            json!({
                "headline": "Python data engineer",
                "overview": "Pipelines and warehouses.",
                "hourlyRate": { "amountMinor": 12000, "currency": "USD" },
                "hoursPerWeek": 20,
                "country": "IN", "timeZone": "Asia/Kolkata",
                "languages": [{ "code": "en", "level": "CONVERSATIONAL" }],
                "skills": [{ "skill": "python", "level": 4, "years": 5 }]
            }),
            None,
        ),
        (
            "hidden",
            json!({
                "headline": "Rust engineer who hides",
                "skills": [{ "skill": "rust", "level": 5, "years": 3 }]
            }),
            Some((5.0, 100)),
        ),
        (
            "held",
            json!({
                "headline": "Rust engineer under moderation",
                "skills": [{ "skill": "rust", "level": 5, "years": 3 }]
            }),
            Some((5.0, 100)),
        ),
        (
            "suspended",
            json!({
                "headline": "Rust engineer, suspended",
                "skills": [{ "skill": "rust", "level": 5, "years": 3 }]
            }),
            Some((5.0, 100)),
        ),
    ]
}

/// Creates everyone; hides one profile, suspends one user; returns the app.
async fn populated(setup: &Setup) -> TestApp {
    let app = app(setup).await;
    for (handle, fields, rating) in people() {
        let token = app.dev_token(handle, "freelancer").await;
        let body = gql(&app, Some(&token), CREATE, json!({ "p": fields })).await;
        let id = body["data"]["createFreelancerProfile"]["profile"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned();
        if handle == "hidden" {
            let hide = "mutation($id: ID!) { setFreelancerProfileVisibility(input: { profileId: $id, visibility: HIDDEN }) { userErrors { code } } }";
            gql(&app, Some(&token), hide, json!({ "id": id })).await;
        }
        if let Some((avg, n)) = rating {
            app.database()
                .execute(&format!(
                    "UPDATE freelancer_profiles SET rating_avg = {avg}, review_count = {n} \
                     WHERE headline = '{}'",
                    fields["headline"].as_str().unwrap()
                ))
                .await;
        }
        // Distinct creation times for NEWEST.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    app.database()
        .execute("UPDATE users SET status = 'SUSPENDED' WHERE display_name = 'suspended'")
        .await;
    app.database()
        .execute(
            "UPDATE freelancer_profiles SET moderation_hidden = true \
             WHERE headline = 'Rust engineer under moderation'",
        )
        .await;
    app
}

fn headlines(body: &Value) -> Vec<String> {
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["freelancers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let h = e["node"]["headline"].as_str().unwrap();
            h.split_whitespace().next().unwrap().to_owned()
        })
        .collect()
}

async fn search(app: &TestApp, filter: Value, sort: &str) -> Vec<String> {
    let body = gql(app, None, SEARCH, json!({ "f": filter, "s": sort })).await;
    headlines(&body)
}

#[tokio::test]
async fn filters_find_exactly_the_matching_public_profiles() {
    for setup in setups() {
        let app = populated(&setup).await;
        let set = |v: Vec<String>| v.into_iter().collect::<HashSet<_>>();
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<HashSet<_>>();

        // Everyone public; the hidden, the moderated and the suspended never appear.
        assert_eq!(
            set(search(&app, json!({}), "NEWEST").await),
            names(&["Rust", "Go", "Python"])
        );
        // Free text over headline, skills (names and aliases) and overview; prefixes.
        for (text, expected) in [
            ("postgresql", vec!["Rust", "Go"]),
            ("postgr", vec!["Rust", "Go"]),
            ("golang", vec!["Go"]),
            ("payment apis", vec!["Rust"]),
            ("pipelines", vec!["Python"]),
            ("cobol", vec![]),
            ("%' OR 1=1 --", vec![]),
        ] {
            assert_eq!(
                set(search(&app, json!({ "text": text }), "RELEVANCE").await),
                names(&expected),
                "{setup:?} text {text}"
            );
        }
        // A headline match ranks above an overview-only match.
        assert_eq!(
            search(&app, json!({ "text": "postgresql" }), "RELEVANCE").await,
            vec!["Rust", "Go"]
        );
        for (filter, expected) in [
            (
                json!({ "skills": { "allOf": ["rust", "postgresql"] } }),
                vec!["Rust"],
            ),
            (
                json!({ "skills": { "anyOf": ["rust", "go"] } }),
                vec!["Rust", "Go"],
            ),
            (
                json!({ "skills": { "anyOf": ["go", "kubernetes"], "minLevel": 4 } }),
                vec!["Go"],
            ),
            (
                json!({ "skills": { "allOf": ["kubernetes"], "minLevel": 4 } }),
                vec![],
            ),
            (
                json!({ "hourlyRate": { "currency": "EUR", "minMinor": 7000, "maxMinor": 9000 } }),
                vec!["Go"],
            ),
            (
                json!({ "hourlyRate": { "currency": "eur" } }),
                vec!["Rust", "Go"],
            ),
            (
                json!({ "availability": { "minHoursPerWeek": 30 } }),
                vec!["Rust", "Go"],
            ),
            (
                json!({ "availability": { "availableBy": "2027-01-01" } }),
                vec!["Rust", "Python"],
            ),
            (
                json!({ "utcOffset": { "minMinutes": -360, "maxMinutes": 0 } }),
                vec!["Go"],
            ),
            (
                json!({ "utcOffset": { "minMinutes": 0 } }),
                vec!["Rust", "Python"],
            ),
            (
                json!({ "languages": [{ "code": "en", "minLevel": "FLUENT" }] }),
                vec!["Rust", "Go"],
            ),
            (
                json!({ "languages": [{ "code": "DE" }, { "code": "en" }] }),
                vec!["Rust"],
            ),
            (json!({ "countries": ["in", "US"] }), vec!["Go", "Python"]),
            (json!({ "minRating": 4.5 }), vec!["Rust"]),
            (
                json!({ "text": "engineer", "skills": { "anyOf": ["python"] } }),
                vec!["Python"],
            ),
        ] {
            assert_eq!(
                set(search(&app, filter.clone(), "NEWEST").await),
                names(&expected),
                "{setup:?} {filter}"
            );
        }
    }
}

#[tokio::test]
async fn sorts_order_results_and_pages_walk_them_without_gaps() {
    for setup in setups() {
        let app = populated(&setup).await;
        assert_eq!(
            search(&app, json!({}), "NEWEST").await,
            vec!["Python", "Go", "Rust"]
        );
        assert_eq!(
            search(&app, json!({}), "RATING").await,
            vec!["Rust", "Go", "Python"]
        );
        // Without text, RELEVANCE is RATING.
        assert_eq!(
            search(&app, json!({}), "RELEVANCE").await,
            vec!["Rust", "Go", "Python"]
        );
        // Cheapest first within a currency; without a currency, grouped by currency code.
        assert_eq!(
            search(&app, json!({ "hourlyRate": { "currency": "EUR" } }), "RATE").await,
            vec!["Go", "Rust"]
        );
        assert_eq!(
            search(&app, json!({}), "RATE").await,
            vec!["Go", "Rust", "Python"]
        );

        // Page by page, one at a time, every order gives the same list as one big page.
        for (sort, filter) in [
            ("NEWEST", json!({})),
            ("RATING", json!({})),
            ("RATE", json!({})),
            (
                "RELEVANCE",
                json!({ "text": "postgresql engineer developer" }),
            ),
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
                walked.extend(headlines(&body));
                let conn = &body["data"]["freelancers"];
                assert_eq!(conn["totalCount"], whole.len());
                assert_eq!(conn["pageInfo"]["hasPreviousPage"], after.is_some());
                if conn["pageInfo"]["hasNextPage"] != true {
                    break;
                }
                after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
                assert!(walked.len() <= whole.len(), "{sort}: pages repeat");
            }
            assert_eq!(walked, whole, "{setup:?} {sort} {filter}");
        }
    }
}

#[tokio::test]
async fn bad_filters_are_refused_with_field_paths() {
    for setup in setups() {
        let app = populated(&setup).await;
        let refused = |filter: Value, first: Option<i64>, after: Option<&str>, sort: &str| {
            let app = &app;
            let sort = sort.to_owned();
            let after = after.map(str::to_owned);
            async move {
                let body = gql(
                    app,
                    None,
                    SEARCH,
                    json!({ "f": filter, "s": sort, "first": first, "after": after }),
                )
                .await;
                assert!(
                    body["data"].is_null() || body["data"]["freelancers"].is_null(),
                    "{body}"
                );
                body["errors"][0].clone()
            }
        };
        let e = refused(
            json!({ "skills": { "allOf": ["rust", "cobol-on-rails"] }, "hourlyRate": { "currency": "XXX", "minMinor": 900, "maxMinor": 100 } }),
            None,
            None,
            "NEWEST",
        )
        .await;
        assert_eq!(e["extensions"]["code"], "VALIDATION", "{e}");
        let fields: Vec<Value> = e["extensions"]["fields"].as_array().unwrap().clone();
        // Every problem at once, each on its path; the unknown skill named.
        let has = |path: Value| fields.contains(&path);
        assert!(has(json!(["filter", "skills", "allOf", "1"])), "{e}");
        assert!(
            e["message"].as_str().unwrap().contains("cobol-on-rails"),
            "{e}"
        );
        assert!(has(json!(["filter", "hourlyRate", "currency"])), "{e}");
        assert!(has(json!(["filter", "hourlyRate", "min"])), "{e}");

        for (filter, path) in [
            (
                json!({ "utcOffset": { "minMinutes": 900 } }),
                json!(["filter", "utcOffset", "minMinutes"]),
            ),
            (
                json!({ "utcOffset": { "minMinutes": 60, "maxMinutes": -60 } }),
                json!(["filter", "utcOffset", "minMinutes"]),
            ),
            (json!({ "minRating": 6 }), json!(["filter", "minRating"])),
            (
                json!({ "skills": { "minLevel": 0 } }),
                json!(["filter", "skills", "minLevel"]),
            ),
            (
                json!({ "availability": { "minHoursPerWeek": 100 } }),
                json!(["filter", "availability", "minHoursPerWeek"]),
            ),
            (
                json!({ "languages": [{ "code": "xx" }] }),
                json!(["filter", "languages", "0", "code"]),
            ),
            (
                json!({ "countries": ["ZZ"] }),
                json!(["filter", "countries", "0"]),
            ),
            (
                json!({ "text": "x".repeat(201) }),
                json!(["filter", "text"]),
            ),
            (
                json!({ "hourlyRate": { "currency": "EUR", "minMinor": -1 } }),
                json!(["filter", "hourlyRate", "min"]),
            ),
        ] {
            let e = refused(filter.clone(), None, None, "NEWEST").await;
            assert_eq!(e["extensions"]["code"], "VALIDATION", "{filter}: {e}");
            assert_eq!(e["extensions"]["fields"][0], path, "{filter}: {e}");
        }
        let e = refused(json!({}), Some(101), None, "NEWEST").await;
        assert_eq!(e["extensions"]["code"], "VALIDATION");
        let e = refused(json!({}), None, Some("not-a-cursor"), "NEWEST").await;
        assert_eq!(e["extensions"]["code"], "INVALID_CURSOR");
        // A cursor of another order is refused, not misread.
        let body = gql(&app, None, SEARCH, json!({ "s": "RATING", "first": 1 })).await;
        let cursor = body["data"]["freelancers"]["pageInfo"]["endCursor"]
            .as_str()
            .unwrap()
            .to_owned();
        let e = refused(json!({}), None, Some(&cursor), "NEWEST").await;
        assert_eq!(e["extensions"]["code"], "INVALID_CURSOR");
        // So is one of another filter: ranks and keys of another search do not compare.
        let e = refused(json!({ "minRating": 4 }), None, Some(&cursor), "RATING").await;
        assert_eq!(e["extensions"]["code"], "INVALID_CURSOR");
        let body = gql(
            &app,
            None,
            SEARCH,
            json!({ "s": "RATING", "first": 1, "after": cursor }),
        )
        .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
}

#[tokio::test]
async fn profiles_change_in_search_when_they_change() {
    for setup in setups() {
        let app = populated(&setup).await;
        let ada = app.dev_token("ada", "freelancer").await;
        let me = gql(
            &app,
            Some(&ada),
            "{ viewer { freelancerProfile { id } } }",
            json!({}),
        )
        .await;
        let id = me["data"]["viewer"]["freelancerProfile"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let update = "mutation($id: ID!, $p: FreelancerProfileFields!) { updateFreelancerProfile(input: { profileId: $id, profile: $p }) { userErrors { field code } } }";
        let body = gql(
            &app,
            Some(&ada),
            update,
            json!({ "id": id, "p": { "headline": "Elixir consultant", "skills": [{ "skill": "elixir", "level": 4, "years": 2 }], "timeZone": "Asia/Tokyo" } }),
        )
        .await;
        assert_eq!(
            body["data"]["updateFreelancerProfile"]["userErrors"],
            json!([]),
            "{body}"
        );
        assert_eq!(
            search(&app, json!({ "text": "postgresql" }), "RELEVANCE").await,
            vec!["Go"]
        );
        assert_eq!(
            search(&app, json!({ "text": "elixir" }), "RELEVANCE").await,
            vec!["Elixir"]
        );
        assert_eq!(
            search(
                &app,
                json!({ "utcOffset": { "minMinutes": 540, "maxMinutes": 540 } }),
                "NEWEST"
            )
            .await,
            vec!["Elixir"]
        );
        // Hidden from search as soon as it is hidden.
        let hide = "mutation($id: ID!) { setFreelancerProfileVisibility(input: { profileId: $id, visibility: HIDDEN }) { userErrors { code } } }";
        gql(&app, Some(&ada), hide, json!({ "id": id })).await;
        assert!(
            search(&app, json!({ "text": "elixir" }), "RELEVANCE")
                .await
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_page_of_50_with_skills_portfolio_and_agency_takes_a_fixed_number_of_statements() {
    for setup in setups() {
        let app = app(&setup).await;
        let query = "query($first: Int) { freelancers(first: $first, sort: NEWEST) { totalCount edges { node {
            headline skills { skill { slug name } level } portfolio { title skills { slug } }
            languages { code } agency { name headline } } } } }";
        let found_agency = "mutation($name: String!) { createAgency(input: { agency: { name: $name, skills: [{ skill: \"rust\" }] } }) { userErrors { field code message } } }";
        let add_item = "mutation($id: ID!) { addPortfolioItem(input: { profileId: $id, item: { title: \"Shop\", skills: [\"rust\"] } }) { userErrors { field code message } } }";
        let mut measured = Vec::new();
        for total in [3, 12] {
            while count_profiles(&app).await < total {
                let n = count_profiles(&app).await;
                let token = app.dev_token(&format!("dev{n}"), "freelancer").await;
                let body = gql(
                    &app,
                    Some(&token),
                    CREATE,
                    json!({ "p": { "headline": format!("Engineer {n}"), "skills": [{ "skill": "rust", "level": 3, "years": 2 }, { "skill": "go", "level": 2, "years": 1 }] } }),
                )
                .await;
                let id = body["data"]["createFreelancerProfile"]["profile"]["id"].clone();
                let added = gql(&app, Some(&token), add_item, json!({ "id": id })).await;
                assert!(added.get("errors").is_none(), "{added}");
                // Every other freelancer runs an agency.
                if n % 2 == 0 {
                    let founded = gql(
                        &app,
                        Some(&token),
                        found_agency,
                        json!({ "name": format!("Studio {n}") }),
                    )
                    .await;
                    assert_eq!(
                        founded["data"]["createAgency"]["userErrors"],
                        json!([]),
                        "{founded}"
                    );
                }
            }
            let before = app.statements.get();
            let body = gql(&app, None, query, json!({ "first": 50 })).await;
            let after = app.statements.get();
            assert_eq!(headlines(&body).len(), total);
            let agencies = body["data"]["freelancers"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["node"]["agency"]["name"].is_string())
                .count();
            assert_eq!(agencies, total.div_ceil(2), "{body}");
            measured.push(after - before);
        }
        assert_eq!(
            measured[0], measured[1],
            "statements grew with rows: {measured:?}"
        );
    }
}

async fn count_profiles(app: &TestApp) -> usize {
    usize::try_from(
        app.database()
            .count("SELECT COUNT(*) FROM freelancer_profiles")
            .await,
    )
    .unwrap()
}

#[tokio::test]
async fn ties_and_missing_keys_page_without_gaps_or_repeats() {
    for setup in setups() {
        let app = app(&setup).await;
        // Seven profiles: equal ratings, equal rates, some without a rate or a rating.
        for n in 0..7 {
            let token = app.dev_token(&format!("twin{n}"), "freelancer").await;
            let mut p = json!({ "headline": format!("Twin {n}") });
            if n % 3 != 0 {
                p["hourlyRate"] = json!({ "amountMinor": 5000, "currency": if n % 2 == 0 { "EUR" } else { "USD" } });
            }
            let body = gql(&app, Some(&token), CREATE, json!({ "p": p })).await;
            assert_eq!(
                body["data"]["createFreelancerProfile"]["userErrors"],
                json!([]),
                "{body}"
            );
        }
        app.database()
            .execute(
                "UPDATE freelancer_profiles SET rating_avg = 4.5, review_count = 2 \
                 WHERE headline IN ('Twin 1', 'Twin 2', 'Twin 3', 'Twin 4')",
            )
            .await;
        let ids = |body: &Value| -> Vec<String> {
            assert!(body.get("errors").is_none(), "{body}");
            body["data"]["freelancers"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
                .collect()
        };
        for sort in ["RATE", "RATING", "NEWEST", "RELEVANCE"] {
            for filter in [json!({}), json!({ "text": "twin" })] {
                let whole = ids(&gql(
                    &app,
                    None,
                    SEARCH,
                    json!({ "f": filter, "s": sort, "first": 100 }),
                )
                .await);
                assert_eq!(whole.len(), 7, "{sort} {filter}");
                let mut walked: Vec<String> = Vec::new();
                let mut after: Option<String> = None;
                loop {
                    let body = gql(
                        &app,
                        None,
                        SEARCH,
                        json!({ "f": filter, "s": sort, "first": 2, "after": after }),
                    )
                    .await;
                    walked.extend(ids(&body));
                    let info = &body["data"]["freelancers"]["pageInfo"];
                    if info["hasNextPage"] != true {
                        break;
                    }
                    after = info["endCursor"].as_str().map(str::to_owned);
                    assert!(walked.len() < 20, "{sort}: endless pages");
                }
                assert_eq!(walked, whole, "{setup:?} {sort} {filter}");
            }
        }
        // One currency with equal rates (Twin 2 and Twin 4 both ask EUR 50.00): the
        // currency-filtered RATE order walks them one per page, each once.
        let eur = json!({ "hourlyRate": { "currency": "EUR" } });
        let whole = ids(&gql(
            &app,
            None,
            SEARCH,
            json!({ "f": eur, "s": "RATE", "first": 100 }),
        )
        .await);
        assert_eq!(whole.len(), 2);
        let first = gql(
            &app,
            None,
            SEARCH,
            json!({ "f": eur, "s": "RATE", "first": 1 }),
        )
        .await;
        let cursor = first["data"]["freelancers"]["pageInfo"]["endCursor"]
            .as_str()
            .unwrap()
            .to_owned();
        let second = gql(
            &app,
            None,
            SEARCH,
            json!({ "f": eur, "s": "RATE", "first": 1, "after": cursor }),
        )
        .await;
        assert_eq!([ids(&first), ids(&second)].concat(), whole, "{setup:?}");
        assert_eq!(
            second["data"]["freelancers"]["pageInfo"]["hasNextPage"],
            false
        );
        // Rates: the cheapest group first by currency code, no rate last.
        let body = gql(&app, None, SEARCH, json!({ "s": "RATE", "first": 100 })).await;
        let names: Vec<&str> = body["data"]["freelancers"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["headline"].as_str().unwrap())
            .collect();
        let within = |range: std::ops::Range<usize>, allowed: &[&str]| {
            names[range].iter().all(|h| allowed.contains(h))
        };
        assert!(within(0..2, &["Twin 2", "Twin 4"]), "EUR first: {names:?}");
        assert!(within(2..4, &["Twin 1", "Twin 5"]), "then USD: {names:?}");
        assert!(
            within(4..7, &["Twin 0", "Twin 3", "Twin 6"]),
            "no rate last: {names:?}"
        );
    }
}
