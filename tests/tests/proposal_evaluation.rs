#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Evaluation over GraphQL: the client's evaluators see a posting's proposals and fill
//! scorecards and nothing else; scorecards are blind until one's own is in; summaries
//! and the SCORE sort; bad input; and the cost of a page of proposals with scorecards.

use serde_json::{Value, json};
use tests::payload::{errors, outcome};
use tests::{Setup, TestApp, setups};

async fn app(setup: &Setup) -> TestApp {
    TestApp::spawn_with(setup, |s| s.dev_login = true).await
}

/// A published fixed-price posting of `token`'s with no questions: its ID.
async fn posting(app: &TestApp, token: &str) -> Value {
    let category =
        app.query("{ categories { id } }", json!({})).await["categories"][0]["id"].clone();
    let fields = json!({
        "title": "Senior Rust engineer",
        "description": "Build and run our payments API in Rust on PostgreSQL, with care and tests.",
        "categoryId": category,
        "skills": [{ "skill": "rust" }],
        "hireType": "FREELANCE_SHORT_TERM",
        "budget": { "kind": "FIXED", "min": { "amountMinor": 500000, "currency": "USD" } },
        "experienceLevel": "EXPERT",
        "duration": "ONE_TO_THREE_MONTHS",
    });
    let body = app
        .gql(
            Some(token),
            "mutation($p: PostingFields!) { createPosting(input: { posting: $p }) { posting { id } } }",
            json!({ "p": fields }),
        )
        .await;
    let id = body["data"]["createPosting"]["posting"]["id"].clone();
    let body = app
        .gql(
            Some(token),
            "mutation($id: ID!) { publishPosting(input: { postingId: $id, expectedVersion: 1 }) {
                userErrors { message } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        body["data"]["publishPosting"]["userErrors"],
        json!([]),
        "{body}"
    );
    id
}

/// A freelancer's proposal on `posting`: its ID.
async fn proposal(app: &TestApp, handle: &str, posting: &Value) -> (String, Value) {
    let token = app.dev_token(handle, "freelancer").await;
    let body = app
        .gql(
            Some(&token),
            "mutation($p: ID!) { submitProposal(input: { postingId: $p, bid: { amountMinor: 450000, currency: \"USD\" },
                durationDays: 40,
                coverLetter: \"I have built payment ledgers in Rust for six years; here is how I would start.\" }) {
                proposal { id } userErrors { field code message } } }",
            json!({ "p": posting }),
        )
        .await;
    let id = body["data"]["submitProposal"]["proposal"]["id"].clone();
    assert!(id.is_string(), "{body}");
    (token, id)
}

async fn user_id(app: &TestApp, token: &str) -> Value {
    app.gql(Some(token), "{ viewer { id } }", json!({})).await["data"]["viewer"]["id"].clone()
}

const ADD: &str =
    "mutation($p: ID!, $u: ID!) { addPostingEvaluator(input: { postingId: $p, userId: $u }) {
    evaluators { userId displayName } userErrors { field code message } } }";
const REMOVE: &str =
    "mutation($p: ID!, $u: ID!) { removePostingEvaluator(input: { postingId: $p, userId: $u }) {
    evaluators { userId } userErrors { field code message } } }";
const SCORE: &str = "mutation($id: ID!, $s: ID!, $r: ScorecardRating!, $c: [ScorecardCriterionInput!]!) {
    submitScorecard(input: { proposalId: $id, stageId: $s, recommendation: $r, criteria: $c, notes: \"Clear thinker.\" }) {
    scorecard { id mine recommendation criteria { name rating } } userErrors { field code message } } }";
const CARDS: &str = "query($id: ID!) { node(id: $id) { ... on Proposal {
    scorecards { recommendation mine } scorecardSummary { count yes strongYes no average } } } }";
const PIPELINE: &str =
    "query($id: ID!) { posting(id: $id) { pipeline { id name } evaluators { displayName } } }";

fn criteria(rating: &str) -> Value {
    json!([{ "name": "Rust", "rating": rating }, { "name": "System design", "rating": "MIXED", "notes": "Solid." }])
}

async fn score(app: &TestApp, token: &str, proposal: &Value, stage: &Value, r: &str) -> Value {
    app.gql(
        Some(token),
        SCORE,
        json!({ "id": proposal, "s": stage, "r": r, "c": criteria(r) }),
    )
    .await
}

#[tokio::test]
async fn evaluators_see_the_proposals_and_score_them_but_do_nothing_else() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let eva = app.dev_token("eva", "client").await;
        let stranger = app.dev_token("stan", "client").await;
        let posting = posting(&app, &acme).await;
        let other_posting = self::posting(&app, &stranger).await;
        let (fay, proposal) = proposal(&app, "fay", &posting).await;
        // Stan evaluates another posting only.
        let body = app
            .gql(
                Some(&stranger),
                ADD,
                json!({ "p": other_posting, "u": user_id(&app, &eva).await }),
            )
            .await;
        assert_eq!(outcome(&body, "addPostingEvaluator"), "OK", "{body}");
        let read = app
            .gql(
                Some(&eva),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": proposal }),
            )
            .await;
        assert_eq!(
            read["data"]["node"],
            Value::Null,
            "{setup:?}: not yet an evaluator here"
        );
        let body = app
            .gql(
                Some(&acme),
                ADD,
                json!({ "p": posting, "u": user_id(&app, &eva).await }),
            )
            .await;
        assert_eq!(outcome(&body, "addPostingEvaluator"), "OK", "{body}");
        assert_eq!(
            body["data"]["addPostingEvaluator"]["evaluators"][0]["displayName"],
            "eva"
        );
        // Eva sees the proposal, the list and the pipeline, not the evaluators.
        let read = app
            .gql(
                Some(&eva),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": proposal }),
            )
            .await;
        assert_eq!(read["data"]["node"]["id"], proposal, "{setup:?}: {read}");
        let list = app
            .gql(
                Some(&eva),
                "query($p: ID!) { proposals(postingId: $p) { totalCount } }",
                json!({ "p": posting }),
            )
            .await;
        assert_eq!(
            list["data"]["proposals"]["totalCount"], 1,
            "{setup:?}: {list}"
        );
        let p = app
            .gql(Some(&eva), PIPELINE, json!({ "id": posting }))
            .await;
        assert_eq!(
            p["data"]["posting"]["pipeline"].as_array().unwrap().len(),
            6,
            "{p}"
        );
        assert_eq!(p["data"]["posting"]["evaluators"], Value::Null, "{p}");
        // Nothing else: no short list, no decline, no view, no pipeline change, no
        // evaluators of their own.
        for (mutation, query, vars) in [
            (
                "shortlistProposal",
                "mutation($id: ID!) { shortlistProposal(input: { proposalId: $id }) { userErrors { code } } }",
                json!({ "id": proposal }),
            ),
            (
                "declineProposal",
                "mutation($id: ID!) { declineProposal(input: { proposalId: $id, reason: \"No.\" }) { userErrors { code } } }",
                json!({ "id": proposal }),
            ),
            (
                "markProposalsViewed",
                "mutation($id: ID!) { markProposalsViewed(input: { proposalIds: [$id] }) { userErrors { code } } }",
                json!({ "id": proposal }),
            ),
            (
                "addPipelineStage",
                "mutation($p: ID!) { addPipelineStage(input: { postingId: $p, name: \"Mine\" }) { userErrors { code } } }",
                json!({ "p": posting }),
            ),
            (
                "addPostingEvaluator",
                ADD,
                json!({ "p": posting, "u": user_id(&app, &stranger).await }),
            ),
            (
                "sendProposalMessage",
                "mutation($id: ID!) { sendProposalMessage(input: { proposalId: $id, body: \"Hi\" }) { userErrors { code } } }",
                json!({ "id": proposal }),
            ),
            (
                "submitProposal",
                "mutation($p: ID!) { submitProposal(input: { postingId: $p, bid: { amountMinor: 1000, currency: \"USD\" },
                    durationDays: 3, coverLetter: \"An evaluator reads the competition, so she never proposes here.\" }) {
                    userErrors { code } } }",
                json!({ "p": posting }),
            ),
        ] {
            let body = app.gql(Some(&eva), query, vars).await;
            assert_eq!(
                outcome(&body, mutation),
                "FORBIDDEN",
                "{setup:?}: eva {mutation}: {body}"
            );
        }
        // Removed, she sees nothing again.
        let body = app
            .gql(
                Some(&acme),
                REMOVE,
                json!({ "p": posting, "u": user_id(&app, &eva).await }),
            )
            .await;
        assert_eq!(
            body["data"]["removePostingEvaluator"]["evaluators"],
            json!([]),
            "{body}"
        );
        let read = app
            .gql(
                Some(&eva),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": proposal }),
            )
            .await;
        assert_eq!(read["data"]["node"], Value::Null, "{setup:?}: removed");
        // The freelancer never sees scores.
        let read = app.gql(Some(&fay), CARDS, json!({ "id": proposal })).await;
        assert_eq!(read["data"]["node"]["scorecards"], json!([]), "{read}");
        assert_eq!(
            read["data"]["node"]["scorecardSummary"],
            Value::Null,
            "{read}"
        );
    }
}

#[tokio::test]
async fn scorecards_are_blind_until_ones_own_is_in_and_summaries_rank_the_proposals() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let eva = app.dev_token("eva", "client").await;
        let ben = app.dev_token("ben", "client").await;
        let posting = posting(&app, &acme).await;
        for who in [&eva, &ben] {
            let body = app
                .gql(
                    Some(&acme),
                    ADD,
                    json!({ "p": posting, "u": user_id(&app, who).await }),
                )
                .await;
            assert_eq!(outcome(&body, "addPostingEvaluator"), "OK", "{body}");
        }
        let (fay, first) = proposal(&app, "fay", &posting).await;
        let (_, second) = proposal(&app, "gus", &posting).await;
        let stages = app
            .gql(Some(&acme), PIPELINE, json!({ "id": posting }))
            .await["data"]["posting"]["pipeline"]
            .clone();
        let technical = &stages[1]["id"];
        // Ben scores first: Eva, who has not, sees no card and no summary.
        let body = score(&app, &ben, &first, technical, "YES").await;
        assert_eq!(outcome(&body, "submitScorecard"), "OK", "{body}");
        assert_eq!(body["data"]["submitScorecard"]["scorecard"]["mine"], true);
        let read = app.gql(Some(&eva), CARDS, json!({ "id": first })).await;
        assert_eq!(
            read["data"]["node"]["scorecards"],
            json!([]),
            "{setup:?}: blind: {read}"
        );
        assert_eq!(
            read["data"]["node"]["scorecardSummary"],
            Value::Null,
            "{read}"
        );
        // Her card in, she sees both.
        let body = score(&app, &eva, &first, technical, "STRONG_YES").await;
        assert_eq!(outcome(&body, "submitScorecard"), "OK", "{body}");
        let read = app.gql(Some(&eva), CARDS, json!({ "id": first })).await;
        let cards = read["data"]["node"]["scorecards"].as_array().unwrap();
        assert_eq!(cards.len(), 2, "{setup:?}: {read}");
        assert_eq!(
            read["data"]["node"]["scorecardSummary"],
            json!({ "count": 2, "yes": 1, "strongYes": 1, "no": 0, "average": 4.5 }),
            "{read}"
        );
        // Submitting again replaces hers: still two cards.
        let body = score(&app, &eva, &first, technical, "NO").await;
        assert_eq!(outcome(&body, "submitScorecard"), "OK", "{body}");
        let read = app.gql(Some(&acme), CARDS, json!({ "id": first })).await;
        assert_eq!(
            read["data"]["node"]["scorecardSummary"],
            json!({ "count": 2, "yes": 1, "strongYes": 0, "no": 1, "average": 3.0 }),
            "{setup:?}: the client sees all: {read}"
        );
        // A card of another stage is blind again for Ben until he scores that stage.
        let body = score(&app, &eva, &first, &stages[2]["id"], "MIXED").await;
        assert_eq!(outcome(&body, "submitScorecard"), "OK", "{body}");
        let read = app
            .gql(
                Some(&ben),
                "query($id: ID!, $s: ID) { node(id: $id) { ... on Proposal { scorecards(stageId: $s) { mine }
                    scorecardSummary { count } } } }",
                json!({ "id": first, "s": stages[2]["id"] }),
            )
            .await;
        assert_eq!(
            read["data"]["node"]["scorecards"],
            json!([]),
            "{setup:?}: {read}"
        );
        assert_eq!(
            read["data"]["node"]["scorecardSummary"]["count"], 2,
            "{setup:?}: his summary counts the stage he scored only: {read}"
        );
        // Sorting by score tells the scores: the client's alone.
        let list = app
            .gql(
                Some(&ben),
                "query($p: ID!) { proposals(postingId: $p, sort: SCORE) { nodes { id } } }",
                json!({ "p": posting }),
            )
            .await;
        assert_eq!(
            list["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{setup:?}: {list}"
        );
        // The second proposal scores better: first by SCORE; unscored ones last.
        let body = score(&app, &ben, &second, technical, "STRONG_YES").await;
        assert_eq!(outcome(&body, "submitScorecard"), "OK", "{body}");
        let (_, third) = proposal(&app, "hal", &posting).await;
        let list = app
            .gql(
                Some(&acme),
                "query($p: ID!) { proposals(postingId: $p, sort: SCORE, first: 2) { nodes { id } pageInfo { endCursor } } }",
                json!({ "p": posting }),
            )
            .await;
        let page = &list["data"]["proposals"];
        assert_eq!(
            page["nodes"],
            json!([{ "id": second }, { "id": first }]),
            "{setup:?}: {list}"
        );
        let rest = app
            .gql(
                Some(&acme),
                "query($p: ID!, $a: String) { proposals(postingId: $p, sort: SCORE, after: $a) { nodes { id } } }",
                json!({ "p": posting, "a": page["pageInfo"]["endCursor"] }),
            )
            .await;
        assert_eq!(
            rest["data"]["proposals"]["nodes"],
            json!([{ "id": third }]),
            "{rest}"
        );
        // The freelancer never scores, nor sees scores.
        let body = score(&app, &fay, &first, technical, "STRONG_YES").await;
        assert_eq!(outcome(&body, "submitScorecard"), "FORBIDDEN", "{body}");
        let read = app.gql(Some(&fay), CARDS, json!({ "id": first })).await;
        assert_eq!(read["data"]["node"]["scorecards"], json!([]), "{read}");
    }
}

#[tokio::test]
async fn bad_evaluation_input_is_refused_on_its_field_and_changes_nothing() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let eva = app.dev_token("eva", "client").await;
        let posting = posting(&app, &acme).await;
        let (fay, proposal) = proposal(&app, "fay", &posting).await;
        let eva_id = user_id(&app, &eva).await;
        let cases: Vec<(&str, Value, &str)> = vec![
            (
                "the client",
                json!({ "p": posting, "u": user_id(&app, &acme).await }),
                "VALIDATION@input.userId",
            ),
            (
                "no user",
                json!({ "p": posting, "u": proposal }),
                "NOT_FOUND@input.userId",
            ),
        ];
        for (what, vars, want) in cases {
            let body = app.gql(Some(&acme), ADD, vars).await;
            assert_eq!(
                errors(&body, "addPostingEvaluator"),
                [want],
                "{setup:?} {what}: {body}"
            );
        }
        let body = app
            .gql(Some(&acme), ADD, json!({ "p": posting, "u": eva_id }))
            .await;
        assert_eq!(outcome(&body, "addPostingEvaluator"), "OK", "{body}");
        let body = app
            .gql(Some(&acme), ADD, json!({ "p": posting, "u": eva_id }))
            .await;
        assert_eq!(
            errors(&body, "addPostingEvaluator"),
            ["CONFLICT@input.userId"],
            "{body}"
        );
        let body = app
            .gql(
                Some(&acme),
                REMOVE,
                json!({ "p": posting, "u": user_id(&app, &fay).await }),
            )
            .await;
        assert_eq!(
            errors(&body, "removePostingEvaluator"),
            ["NOT_FOUND@input.userId"],
            "{body}"
        );
        let body = app
            .gql(Some(&fay), ADD, json!({ "p": posting, "u": eva_id }))
            .await;
        assert_eq!(outcome(&body, "addPostingEvaluator"), "FORBIDDEN", "{body}");
        // A candidate never evaluates the competition.
        let body = app
            .gql(
                Some(&acme),
                ADD,
                json!({ "p": posting, "u": user_id(&app, &fay).await }),
            )
            .await;
        assert_eq!(
            errors(&body, "addPostingEvaluator"),
            ["CONFLICT@input.userId"],
            "{body}"
        );

        let stage = app
            .gql(Some(&acme), PIPELINE, json!({ "id": posting }))
            .await["data"]["posting"]["pipeline"][0]["id"]
            .clone();
        let card = |c: Value, s: &Value, r: &str| json!({ "id": proposal, "s": s, "r": r, "c": c });
        for (what, vars, want) in [
            (
                "no criteria",
                card(json!([]), &stage, "YES"),
                vec!["VALIDATION@input.criteria"],
            ),
            (
                "a criterion twice and one unnamed",
                card(
                    json!([{ "name": "Rust", "rating": "YES" }, { "name": "rust", "rating": "NO" }, { "name": " ", "rating": "NO" }]),
                    &stage,
                    "YES",
                ),
                vec![
                    "VALIDATION@input.criteria.1.name",
                    "VALIDATION@input.criteria.2.name",
                ],
            ),
            (
                "a stage of no pipeline",
                card(criteria("YES"), &proposal, "YES"),
                vec!["NOT_FOUND@input.stageId"],
            ),
        ] {
            let body = app.gql(Some(&eva), SCORE, vars).await;
            assert_eq!(
                errors(&body, "submitScorecard"),
                want,
                "{setup:?} {what}: {body}"
            );
        }
        // A rating outside the scale is not a rating: refused before anything runs.
        let body = app
            .gql(Some(&eva), SCORE, card(criteria("YES"), &stage, "MAYBE"))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
            "{setup:?}: {body}"
        );
        // A withdrawn proposal is no longer scored.
        let body = app
            .gql(
                Some(&fay),
                "mutation($id: ID!) { withdrawProposal(input: { proposalId: $id, reason: \"Booked.\" }) { userErrors { code } } }",
                json!({ "id": proposal }),
            )
            .await;
        assert_eq!(outcome(&body, "withdrawProposal"), "OK", "{body}");
        let body = app
            .gql(Some(&eva), SCORE, card(criteria("YES"), &stage, "YES"))
            .await;
        assert_eq!(
            errors(&body, "submitScorecard"),
            ["INVALID_STATE@input.proposalId"],
            "{body}"
        );
        let read = app.gql(Some(&acme), CARDS, json!({ "id": proposal })).await;
        assert_eq!(
            read["data"]["node"]["scorecards"],
            json!([]),
            "{setup:?}: nothing stored"
        );
    }
}

/// A page of proposals with scorecards and summaries costs a fixed number of
/// statements, whatever its size.
#[tokio::test]
async fn a_page_of_proposals_with_scorecards_takes_a_fixed_number_of_statements() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let posting = posting(&app, &acme).await;
        let stage = app
            .gql(Some(&acme), PIPELINE, json!({ "id": posting }))
            .await["data"]["posting"]["pipeline"][1]["id"]
            .clone();
        for i in 0..20 {
            let (_, id) = proposal(&app, &format!("f{i}"), &posting).await;
            let body = score(
                &app,
                &acme,
                &id,
                &stage,
                if i % 2 == 0 { "YES" } else { "NO" },
            )
            .await;
            assert_eq!(outcome(&body, "submitScorecard"), "OK", "{body}");
        }
        let query = "query($p: ID!, $n: Int!) { proposals(postingId: $p, first: $n, sort: SCORE) { nodes {
            id scorecards { recommendation criteria { name rating } } scorecardSummary { count average } } } }";
        let count = |n: usize| {
            let app = &app;
            let acme = acme.clone();
            let posting = posting.clone();
            async move {
                let before = app.statements.get();
                let body = app
                    .gql(Some(&acme), query, json!({ "p": posting, "n": n }))
                    .await;
                assert!(body.get("errors").is_none(), "{body}");
                let nodes = body["data"]["proposals"]["nodes"]
                    .as_array()
                    .unwrap()
                    .clone();
                assert_eq!(nodes.len(), n);
                for node in &nodes {
                    assert_eq!(node["scorecardSummary"]["count"], 1, "{node}");
                    assert_eq!(
                        node["scorecards"][0]["criteria"].as_array().unwrap().len(),
                        2
                    );
                }
                app.statements.get() - before
            }
        };
        count(3).await; // warms the caches
        let three = count(3).await;
        let twenty = count(20).await;
        assert!(
            twenty <= three,
            "{setup:?}: statements grew with proposals: {three} for 3, {twenty} for 20"
        );
    }
}
