#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Reputation and moderation over GraphQL: what counts (public, not hidden reviews; paid
//! work; money moved), when it is recomputed (at once when reviews turn public or are
//! hidden; by the job for money and contract ends), where it is used (talent search,
//! match scores), reports and the admins' actions, and the statements of a profile page.

use serde_json::{Value, json};
use tests::payload::{errors, outcome};
use tests::reviewing::{finished_between, review_input, submit, user_id};
use tests::{Setup, TestApp, setups};

async fn app(setup: &Setup) -> TestApp {
    TestApp::spawn_with(setup, |s| s.dev_login = true).await
}

const FIELDS: &str = "reputation { role ratingAvg reviewCount completedContracts jobSuccess
    jobSuccessContracts totals { amountMinor currency } }";

/// `token`'s new freelancer profile (Rust, level 5): its ID.
async fn freelancer_profile(app: &TestApp, token: &str) -> Value {
    let body = app
        .gql(
            Some(token),
            "mutation($p: FreelancerProfileFields!) { createFreelancerProfile(input: { profile: $p }) {
                profile { id } userErrors { field code message } } }",
            json!({ "p": {
                "headline": "Rust payments engineer",
                "overview": "Ledgers and APIs.",
                "hourlyRate": { "amountMinor": 9000, "currency": "USD" },
                "skills": [{ "skill": "rust", "level": 5, "years": 6 }]
            } }),
        )
        .await;
    let id = body["data"]["createFreelancerProfile"]["profile"]["id"].clone();
    assert!(id.is_string(), "{body}");
    id
}

/// `token`'s new client profile: its ID.
async fn client_profile(app: &TestApp, token: &str) -> Value {
    let body = app
        .gql(
            Some(token),
            "mutation($p: ClientProfileFields!) { createClientProfile(input: { profile: $p }) {
                profile { id } userErrors { field code message } } }",
            json!({ "p": { "companyName": "Initech" } }),
        )
        .await;
    let id = body["data"]["createClientProfile"]["profile"]["id"].clone();
    assert!(id.is_string(), "{body}");
    id
}

/// The reputation on a profile (`freelancerProfile` or `clientProfile`), anonymously.
async fn reputation(app: &TestApp, field: &str, profile: &Value) -> Value {
    let body = app
        .gql(
            None,
            &format!("query($p: ID!) {{ {field}(id: $p) {{ {FIELDS} }} }}"),
            json!({ "p": profile }),
        )
        .await;
    let r = body["data"][field]["reputation"].clone();
    assert!(r.is_object(), "{body}");
    r
}

/// (ratingAvg, reviewCount, completedContracts, jobSuccess, jobSuccessContracts)
fn summary(r: &Value) -> (Value, i64, i64, Value, i64) {
    (
        r["ratingAvg"].clone(),
        r["reviewCount"].as_i64().unwrap(),
        r["completedContracts"].as_i64().unwrap(),
        r["jobSuccess"].clone(),
        r["jobSuccessContracts"].as_i64().unwrap(),
    )
}

/// The headlines talent search finds with `filter`.
async fn found(app: &TestApp, filter: Value) -> Vec<String> {
    let body = app
        .gql(
            None,
            "query($f: FreelancerFilter) { freelancers(filter: $f, first: 10) { nodes { headline } } }",
            json!({ "f": filter }),
        )
        .await;
    body["data"]["freelancers"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|n| n["headline"].as_str().unwrap().to_owned())
        .collect()
}

/// The match score of `proposal` now, as its client reads it.
async fn match_score(app: &TestApp, client: &str, proposal: &Value) -> i64 {
    let body = app
        .gql(
            Some(client),
            "query($p: ID!) { node(id: $p) { ... on Proposal { match { score } } } }",
            json!({ "p": proposal }),
        )
        .await;
    body["data"]["node"]["match"]["score"]
        .as_i64()
        .unwrap_or_else(|| panic!("{body}"))
}

async fn moderate(
    app: &TestApp,
    token: Option<&str>,
    mutation: &str,
    review: &Value,
    reason: &str,
) -> Value {
    app.gql(
        token,
        &format!(
            "mutation($i: ModerateReviewInput!) {{ {mutation}(input: $i) {{
                review {{ id hidden {{ reason }} moderationHistory {{ action reason }} }}
                userErrors {{ field code message }} }} }}"
        ),
        json!({ "i": { "reviewId": review, "reason": reason } }),
    )
    .await
}

async fn report(
    app: &TestApp,
    token: Option<&str>,
    review: &Value,
    reason: &str,
    details: Option<&str>,
) -> Value {
    app.gql(
        token,
        "mutation($i: ReportReviewInput!) { reportReview(input: $i) {
            report { id reason details resolution { action } } userErrors { field code message } } }",
        json!({ "i": { "reviewId": review, "reason": reason, "details": details } }),
    )
    .await
}

#[tokio::test]
async fn reputation_counts_public_reviews_and_paid_work_and_follows_moderation() {
    for setup in setups() {
        let app = app(&setup).await;
        let dev = app.dev_token("rx-dev", "freelancer").await;
        let client = app.dev_token("rx-client", "client").await;
        let dev_profile = freelancer_profile(&app, &dev).await;
        let admin = app.dev_token("rx-ops", "").await;
        app.database()
            .execute("UPDATE users SET is_admin = TRUE WHERE display_name = 'rx-ops'")
            .await;
        let stranger = app.dev_token("rx-stranger", "freelancer").await;
        // Two contracts paid (100.00 and 200.00 USD), one refunded without paid work.
        let one = finished_between(&app, "rx-client", "rx-dev", 10_000, true).await;
        let two = finished_between(&app, "rx-client", "rx-dev", 20_000, true).await;
        finished_between(&app, "rx-client", "rx-dev", 5_000, false).await;
        let prior = match_score(&app, &client, &one.proposal).await;

        // Money and contract ends left marks; the job recomputes them, once.
        let before = reputation(&app, "freelancerProfile", &dev_profile).await;
        assert_eq!(summary(&before), (Value::Null, 0, 0, Value::Null, 0));
        let services = app.services().await;
        let run = services
            .reviews
            .run_reputation(chrono::Utc::now())
            .await
            .unwrap();
        assert_eq!(
            (run.recomputed, run.failed.len()),
            (2, 0),
            "the dev and the client"
        );
        let again = services
            .reviews
            .run_reputation(chrono::Utc::now())
            .await
            .unwrap();
        assert_eq!(again.recomputed, 0, "the marks were deleted");
        // A profile made after the reputation: the job copies it onto the profile's
        // search columns.
        let client_profile = client_profile(&app, &client).await;
        let again = services
            .reviews
            .run_reputation(chrono::Utc::now())
            .await
            .unwrap();
        assert_eq!(again.recomputed, 1, "the client, for their new profile");
        let r = reputation(&app, "freelancerProfile", &dev_profile).await;
        // 2 of 3 counted contracts good (the refunded one is not): 67 %.
        assert_eq!(summary(&r), (Value::Null, 0, 2, json!(67), 3), "{r}");
        assert_eq!(r["role"], "FREELANCER");
        // Earned net of the 10 % fee: 90.00 + 180.00.
        assert_eq!(
            r["totals"],
            json!([{ "amountMinor": 27_000, "currency": "USD" }])
        );
        let r = reputation(&app, "clientProfile", &client_profile).await;
        assert_eq!(summary(&r), (Value::Null, 0, 2, json!(67), 3), "{r}");
        // Spent: what the freelancer earned plus the fee; the refund is not spending.
        assert_eq!(
            r["totals"],
            json!([{ "amountMinor": 30_000, "currency": "USD" }])
        );

        // Both sides of the first contract review: public, counted at once.
        for (token, side, rating) in [(&client, "client", 5), (&dev, "freelancer", 4)] {
            let body = submit(&app, token, review_input(&one.contract, side, rating)).await;
            assert_eq!(outcome(&body, "submitReview"), "OK", "{body}");
        }
        let r = reputation(&app, "freelancerProfile", &dev_profile).await;
        assert_eq!(summary(&r), (json!(5.0), 1, 2, json!(67), 3), "{r}");
        let r = reputation(&app, "clientProfile", &client_profile).await;
        assert_eq!(summary(&r), (json!(4.0), 1, 2, json!(67), 3), "{r}");
        // The match score follows: 60 (skills) + 25 (bid) + reputation; one 5-star
        // review smoothed with five of 3.5 gives 10.3 points instead of the prior 9.4.
        assert_eq!(prior, 94);
        assert_eq!(match_score(&app, &client, &one.proposal).await, 95);

        // A blind review does not count; the other side's makes both count.
        let body = submit(&app, &client, review_input(&two.contract, "client", 2)).await;
        assert_eq!(outcome(&body, "submitReview"), "OK", "{body}");
        let low = body["data"]["submitReview"]["review"]["id"].clone();
        // Blind: nobody moderates (or reads) it yet, admins included.
        let body = moderate(&app, Some(&admin), "hideReview", &low, "Early").await;
        assert_eq!(outcome(&body, "hideReview"), "NOT_FOUND", "{body}");
        let r = reputation(&app, "freelancerProfile", &dev_profile).await;
        assert_eq!(summary(&r), (json!(5.0), 1, 2, json!(67), 3), "{r}");
        let body = submit(&app, &dev, review_input(&two.contract, "freelancer", 5)).await;
        assert_eq!(outcome(&body, "submitReview"), "OK", "{body}");
        let r = reputation(&app, "freelancerProfile", &dev_profile).await;
        // 5 and 2; the contract rated 2 is no good outcome: 1 of 3.
        assert_eq!(summary(&r), (json!(3.5), 2, 2, json!(33), 3), "{r}");
        assert_eq!(match_score(&app, &client, &one.proposal).await, 94);

        // Talent search filters on what was stored.
        let headline = vec!["Rust payments engineer".to_owned()];
        assert_eq!(found(&app, json!({ "minRating": 3.5 })).await, headline);
        assert!(found(&app, json!({ "minRating": 3.6 })).await.is_empty());
        assert_eq!(found(&app, json!({ "minJobSuccess": 33 })).await, headline);
        assert!(found(&app, json!({ "minJobSuccess": 34 })).await.is_empty());
        let body = app
            .gql(
                None,
                "{ freelancers(filter: { minJobSuccess: 101 }) { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "VALIDATION",
            "{body}"
        );

        // Reports: anybody who reads the review, once; not its author; OTHER needs words.
        let body = report(&app, None, &low, "OFFENSIVE", None).await;
        assert_eq!(outcome(&body, "reportReview"), "UNAUTHENTICATED", "{body}");
        let body = report(&app, Some(&client), &low, "OFFENSIVE", None).await;
        assert_eq!(outcome(&body, "reportReview"), "FORBIDDEN", "{body}");
        let body = report(&app, Some(&stranger), &low, "OTHER", Some("  ")).await;
        assert_eq!(
            errors(&body, "reportReview"),
            ["VALIDATION@input.details"],
            "{body}"
        );
        let body = report(&app, Some(&stranger), &low, "OFFENSIVE", Some("Insulting")).await;
        assert_eq!(outcome(&body, "reportReview"), "OK", "{body}");
        let body = report(&app, Some(&stranger), &low, "SPAM", None).await;
        assert_eq!(
            errors(&body, "reportReview"),
            ["CONFLICT@input.reviewId"],
            "{body}"
        );
        let body = report(&app, Some(&dev), &low, "FALSE_STATEMENTS", None).await;
        assert_eq!(
            outcome(&body, "reportReview"),
            "OK",
            "the reviewee reports: {body}"
        );

        // The admins' queue.
        let queue = "query($open: Boolean) { reviewReports(open: $open, first: 10) {
            nodes { reason review { rating } resolution { action } } } }";
        let body = app.gql(Some(&stranger), queue, json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        let body = app.gql(Some(&admin), queue, json!({})).await;
        let open = body["data"]["reviewReports"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(open.len(), 2, "{body}");
        assert_eq!(open[0]["reason"], "FALSE_STATEMENTS", "newest first");
        assert_eq!(open[1]["review"]["rating"], 2);

        // Hiding: admins only, with a reason; the review leaves lists and reputation.
        let body = moderate(&app, Some(&dev), "hideReview", &low, "Abusive").await;
        assert_eq!(outcome(&body, "hideReview"), "FORBIDDEN", "{body}");
        // Nor does an admin who is the review's reviewee.
        let grant = |admin: bool| {
            format!("UPDATE users SET is_admin = {admin} WHERE display_name = 'rx-dev'")
        };
        app.database().execute(&grant(true)).await;
        let body = moderate(&app, Some(&dev), "hideReview", &low, "Abusive").await;
        assert_eq!(outcome(&body, "hideReview"), "FORBIDDEN", "{body}");
        app.database().execute(&grant(false)).await;
        // Nor an admin of the agency the review counts for (the contract ran through it).
        let admin_at_work = app.dev_token("rx-ops", "freelancer").await;
        freelancer_profile(&app, &admin_at_work).await;
        let body = app
            .gql(
                Some(&admin_at_work),
                "mutation { createAgency(input: { agency: { name: \"Ops Agency\", skills: [{ skill: \"rust\" }] } }) {
                    agency { id } userErrors { field code message } } }",
                json!({}),
            )
            .await;
        assert_eq!(outcome(&body, "createAgency"), "OK", "{body}");
        let agency = app.sql_uuid(tests::uuid_of(
            &body["data"]["createAgency"]["agency"]["id"],
        ));
        let review = app.sql_uuid(tests::uuid_of(&low));
        let set_agency =
            |agency: &str| format!("UPDATE reviews SET agency_id = {agency} WHERE id = {review}");
        app.database().execute(&set_agency(&agency)).await;
        let body = moderate(&app, Some(&admin), "hideReview", &low, "Abusive").await;
        assert_eq!(outcome(&body, "hideReview"), "FORBIDDEN", "{body}");
        app.database().execute(&set_agency("NULL")).await;
        let body = moderate(&app, Some(&admin), "hideReview", &low, " ").await;
        assert_eq!(
            errors(&body, "hideReview"),
            ["VALIDATION@input.reason"],
            "{body}"
        );
        let body = moderate(&app, Some(&admin), "hideReview", &low, "Abusive").await;
        assert_eq!(outcome(&body, "hideReview"), "OK", "{body}");
        let review = &body["data"]["hideReview"]["review"];
        assert_eq!(review["hidden"]["reason"], "Abusive");
        assert_eq!(
            review["moderationHistory"],
            json!([{ "action": "HIDE", "reason": "Abusive" }])
        );
        let r = reputation(&app, "freelancerProfile", &dev_profile).await;
        // Left with the 5; the contract has no public review now and work was paid: good.
        assert_eq!(summary(&r), (json!(5.0), 1, 2, json!(67), 3), "{r}");
        let dev_user = user_id(&app, &dev).await;
        let listed = app
            .gql(
                None,
                "query($u: ID!) { reviews(of: $u, as: FREELANCER) { nodes { rating } } }",
                json!({ "u": dev_user }),
            )
            .await;
        assert_eq!(
            listed["data"]["reviews"]["nodes"],
            json!([{ "rating": 5 }]),
            "{listed}"
        );
        let body = moderate(&app, Some(&admin), "hideReview", &low, "Again").await;
        assert_eq!(
            errors(&body, "hideReview"),
            ["INVALID_STATE@input.reviewId"],
            "{body}"
        );
        // The reports were resolved by the hiding; dismissing finds none open.
        let body = app.gql(Some(&admin), queue, json!({})).await;
        assert_eq!(body["data"]["reviewReports"]["nodes"], json!([]), "{body}");
        let body = app.gql(Some(&admin), queue, json!({ "open": false })).await;
        let all = body["data"]["reviewReports"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        assert!(
            all.iter().all(|r| r["resolution"]["action"] == "HIDE"),
            "{body}"
        );
        let body = moderate(&app, Some(&admin), "dismissReviewReports", &low, "Fine").await;
        assert_eq!(
            errors(&body, "dismissReviewReports"),
            ["INVALID_STATE@input.reviewId"],
            "{body}"
        );
        // Its author still reads it, and why it was hidden, but not the trail.
        let body = app
            .gql(
                Some(&client),
                "query($c: ID!) { contract(id: $c) { reviews { side hidden { reason } moderationHistory { action } } } }",
                json!({ "c": two.contract }),
            )
            .await;
        let reviews = body["data"]["contract"]["reviews"].as_array().unwrap();
        let mine = reviews.iter().find(|r| r["side"] == "CLIENT").unwrap();
        assert_eq!(mine["hidden"]["reason"], "Abusive", "{body}");
        assert_eq!(mine["moderationHistory"], json!([]), "{body}");
        // The reviewee no longer reads it.
        let body = app
            .gql(
                Some(&dev),
                "query($c: ID!) { contract(id: $c) { reviews { side } } }",
                json!({ "c": two.contract }),
            )
            .await;
        assert_eq!(
            body["data"]["contract"]["reviews"],
            json!([{ "side": "FREELANCER" }]),
            "{body}"
        );

        // Restoring counts it again; the trail keeps both.
        let body = moderate(&app, Some(&admin), "restoreReview", &low, "On appeal").await;
        assert_eq!(outcome(&body, "restoreReview"), "OK", "{body}");
        assert_eq!(
            body["data"]["restoreReview"]["review"]["moderationHistory"],
            json!([{ "action": "HIDE", "reason": "Abusive" }, { "action": "RESTORE", "reason": "On appeal" }])
        );
        let r = reputation(&app, "freelancerProfile", &dev_profile).await;
        assert_eq!(summary(&r), (json!(3.5), 2, 2, json!(33), 3), "{r}");
        let body = moderate(&app, Some(&admin), "restoreReview", &low, "Again").await;
        assert_eq!(
            errors(&body, "restoreReview"),
            ["INVALID_STATE@input.reviewId"],
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_profile_page_and_a_talent_page_with_reputations_take_the_same_statements_for_more() {
    for setup in setups() {
        let app = TestApp::spawn_with(&setup, |s| {
            s.dev_login = true;
            s.auth_rate_limit_per_minute = 1_000;
        })
        .await;
        // Four freelancers, each with a profile and contracts reviewed by both sides:
        // freelancer i has i + 1 of them.
        let mut devs = Vec::new();
        for i in 0..4 {
            let handle = format!("pp-dev-{i}");
            let token = app.dev_token(&handle, "freelancer").await;
            let profile = freelancer_profile(&app, &token).await;
            for k in 0..=i {
                let h =
                    finished_between(&app, &format!("pp-client-{k}"), &handle, 10_000, true).await;
                for (token, side) in [(&h.client, "client"), (&h.freelancer, "freelancer")] {
                    let body = submit(&app, token, review_input(&h.contract, side, 4)).await;
                    assert_eq!(outcome(&body, "submitReview"), "OK", "{body}");
                }
            }
            let user = user_id(&app, &token).await;
            let key = format!("reputation:v1:FREELANCER:{}", tests::uuid_of(&user));
            devs.push((profile, user, key));
        }
        let keys: Vec<String> = devs.iter().map(|d| d.2.clone()).collect();

        // A profile page: the profile, its reputation and its reviews, with the
        // reputation read from the database (the cache emptied first).
        let page = "query($p: ID!, $u: ID!) {
            freelancerProfile(id: $p) { headline reputation { ratingAvg reviewCount jobSuccess totals { amountMinor } } }
            reviews(of: $u, as: FREELANCER, first: 10) { nodes { rating comment reply scores { criterion score } } } }";
        let mut profile_page = Vec::new();
        for (profile, user, _) in [&devs[0], &devs[3]] {
            app.forget_cached(&keys).await;
            let before = app.statements.get();
            let body = app
                .gql(None, page, json!({ "p": profile, "u": user }))
                .await;
            assert!(body.get("errors").is_none(), "{body}");
            let reviews = body["data"]["reviews"]["nodes"].as_array().unwrap().len();
            assert_eq!(
                body["data"]["freelancerProfile"]["reputation"]["reviewCount"],
                json!(reviews),
                "{body}"
            );
            profile_page.push((reviews, app.statements.get() - before));
        }
        assert_eq!((profile_page[0].0, profile_page[1].0), (1, 4));
        assert!(
            profile_page[1].1 <= profile_page[0].1,
            "statements grew with reviews: {profile_page:?}"
        );

        // A page of freelancers, each with their reputation, cache empty: one batch.
        let list = "query($n: Int) { freelancers(first: $n) { nodes {
            headline reputation { ratingAvg reviewCount completedContracts } } } }";
        let mut talent_page = Vec::new();
        for n in [1, 4] {
            app.forget_cached(&keys).await;
            let before = app.statements.get();
            let body = app.gql(None, list, json!({ "n": n })).await;
            assert!(body.get("errors").is_none(), "{body}");
            let nodes = body["data"]["freelancers"]["nodes"].as_array().unwrap();
            assert_eq!(nodes.len(), n);
            assert!(
                nodes
                    .iter()
                    .all(|n| n["reputation"]["reviewCount"].as_i64() > Some(0))
            );
            talent_page.push(app.statements.get() - before);
        }
        assert!(
            talent_page[1] <= talent_page[0],
            "statements grew with freelancers: {talent_page:?}"
        );
    }
}
