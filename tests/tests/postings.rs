#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Postings over GraphQL: drafting, publishing, pausing, resuming, closing and deleting;
//! versions and history; who may do what; and bad input that changes nothing.

use serde_json::{Value, json};
use tests::payload::{errors, outcome};
use tests::{Setup, TestApp, setups};

async fn app(setup: &Setup) -> TestApp {
    TestApp::spawn_with(setup, |s| s.dev_login = true).await
}

const POSTING: &str = "id title description category { slug } skills { skill { slug } minLevel }
    hireType budget { kind min { amountMinor currency } max { amountMinor currency } }
    experienceLevel duration hoursPerWeek location { workplace countries timeZones }
    positions visibility questions { id kind prompt } deadline status closeReason
    acceptsProposals version publishedAt lastActivityAt expiresAt viewerIsOwner
    client { companyName }";

fn create() -> String {
    format!(
        "mutation($p: PostingFields!) {{ createPosting(input: {{ posting: $p }}) {{
            posting {{ {POSTING} }} userErrors {{ field code message }} }} }}"
    )
}

fn update() -> String {
    format!(
        "mutation($id: ID!, $v: Int!, $p: PostingFields!) {{
            updatePosting(input: {{ postingId: $id, expectedVersion: $v, posting: $p }}) {{
            posting {{ {POSTING} }} userErrors {{ field code message }} }} }}"
    )
}

fn step(mutation: &str) -> String {
    format!(
        "mutation($id: ID!, $v: Int!) {{ {mutation}(input: {{ postingId: $id, expectedVersion: $v }}) {{
            posting {{ {POSTING} }} userErrors {{ field code message }} }} }}"
    )
}

fn close() -> String {
    format!(
        "mutation($id: ID!, $v: Int!, $r: ClosePostingReason!) {{
            closePosting(input: {{ postingId: $id, expectedVersion: $v, reason: $r }}) {{
            posting {{ {POSTING} }} userErrors {{ field code message }} }} }}"
    )
}

const DELETE: &str = "mutation($id: ID!, $v: Int!) { deletePostingDraft(input: { postingId: $id, expectedVersion: $v }) {
    deletedPostingId userErrors { field code message } } }";
const READ: &str = "query($id: ID!) { posting(id: $id) { id title status version } }";
const HISTORY: &str = "query($id: ID!) { posting(id: $id) { history { version change byPlatform changedFields before { title status version } } } }";

async fn category_id(app: &TestApp) -> Value {
    app.query("{ categories { id slug } }", json!({})).await["categories"][0]["id"].clone()
}

/// Everything publishing needs, for an hourly freelance role.
fn complete(category: &Value) -> Value {
    json!({
        "title": "Senior Rust engineer",
        "description": "Build and run our payments API in Rust on PostgreSQL, with care and tests.",
        "categoryId": category,
        "skills": [{ "skill": "rust", "minLevel": 4 }, { "skill": "postgresql" }],
        "hireType": "FREELANCE_LONG_TERM",
        "budget": { "kind": "HOURLY", "min": { "amountMinor": 6000, "currency": "USD" },
                    "max": { "amountMinor": 9000, "currency": "USD" } },
        "experienceLevel": "EXPERT",
        "duration": "THREE_TO_SIX_MONTHS",
        "hoursPerWeek": 30,
        "workplace": "REMOTE",
        "countries": ["de", "PL"],
        "timeZones": ["Europe/Berlin"],
        "positions": 2,
        "questions": [
            { "kind": "LINK", "prompt": "A code sample you are proud of" },
            { "kind": "YES_NO", "prompt": "Have you run PostgreSQL in production?" }
        ]
    })
}

#[tokio::test]
async fn a_posting_goes_from_draft_to_closed_with_versions_and_history() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let category = category_id(&app).await;

        // A draft needs only a title; publishing names everything still missing.
        let body = app
            .gql(
                Some(&acme),
                &create(),
                json!({ "p": { "title": "Rust engineer" } }),
            )
            .await;
        let draft = &body["data"]["createPosting"]["posting"];
        assert_eq!(draft["status"], "DRAFT", "{body}");
        assert_eq!(draft["version"], 1);
        assert_eq!(draft["viewerIsOwner"], true);
        assert_eq!(draft["acceptsProposals"], false);
        let id = draft["id"].clone();
        let body = app
            .gql(
                Some(&acme),
                &step("publishPosting"),
                json!({ "id": id, "v": 1 }),
            )
            .await;
        assert_eq!(
            errors(&body, "publishPosting"),
            [
                "VALIDATION@input.posting.categoryId",
                "VALIDATION@input.posting.description",
                "VALIDATION@input.posting.experienceLevel",
                "VALIDATION@input.posting.hireType",
                "VALIDATION@input.posting.skills",
            ]
        );
        // Nobody else sees a draft.
        let body = app.gql(None, READ, json!({ "id": id })).await;
        assert_eq!(body["data"]["posting"], Value::Null, "{body}");

        // Fill it in, then publish.
        let body = app
            .gql(
                Some(&acme),
                &update(),
                json!({ "id": id, "v": 1, "p": complete(&category) }),
            )
            .await;
        let p = &body["data"]["updatePosting"]["posting"];
        assert_eq!(p["version"], 2, "{body}");
        assert_eq!(p["location"]["countries"], json!(["DE", "PL"]));
        assert_eq!(
            p["budget"],
            json!({ "kind": "HOURLY", "min": { "amountMinor": 6000, "currency": "USD" },
                    "max": { "amountMinor": 9000, "currency": "USD" } })
        );
        assert_eq!(
            p["skills"][0],
            json!({ "skill": { "slug": "rust" }, "minLevel": 4 })
        );
        assert_eq!(p["skills"][1]["minLevel"], Value::Null);
        let question_ids: Vec<Value> = p["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["id"].clone())
            .collect();
        let body = app
            .gql(
                Some(&acme),
                &step("publishPosting"),
                json!({ "id": id, "v": 2 }),
            )
            .await;
        let open = &body["data"]["publishPosting"]["posting"];
        assert_eq!(open["status"], "OPEN", "{body}");
        assert_eq!(open["acceptsProposals"], true);
        assert!(open["publishedAt"].is_string() && open["expiresAt"].is_string());
        assert_eq!(open["version"], 3);

        // Everyone sees it now, without the owner's view.
        let body = app.gql(None, READ, json!({ "id": id })).await;
        assert_eq!(body["data"]["posting"]["status"], "OPEN", "{body}");

        // An edit based on a stale version changes nothing.
        let body = app
            .gql(
                Some(&acme),
                &update(),
                json!({ "id": id, "v": 2, "p": { "title": "Staff Rust engineer" } }),
            )
            .await;
        assert_eq!(
            errors(&body, "updatePosting"),
            ["CONFLICT@input.expectedVersion"]
        );
        // A published posting must stay publishable, and keeps question ids it is sent.
        let body = app
            .gql(
                Some(&acme),
                &update(),
                json!({ "id": id, "v": 3, "p": { "skills": [] } }),
            )
            .await;
        assert_eq!(
            errors(&body, "updatePosting"),
            ["VALIDATION@input.posting.skills"]
        );
        let body = app
            .gql(
                Some(&acme),
                &update(),
                json!({ "id": id, "v": 3, "p": {
                    "title": "Staff Rust engineer",
                    "questions": [{ "id": question_ids[1], "kind": "YES_NO",
                                    "prompt": "Have you run PostgreSQL in production?" }]
                } }),
            )
            .await;
        let edited = &body["data"]["updatePosting"]["posting"];
        assert_eq!(edited["version"], 4, "{body}");
        assert_eq!(edited["questions"][0]["id"], question_ids[1]);

        // Pause, resume, close.
        let body = app
            .gql(
                Some(&acme),
                &step("pausePosting"),
                json!({ "id": id, "v": 4 }),
            )
            .await;
        let paused = &body["data"]["pausePosting"]["posting"];
        assert_eq!(
            (paused["status"].clone(), paused["expiresAt"].clone()),
            (json!("PAUSED"), Value::Null),
            "a paused posting does not expire: {body}"
        );
        let body = app
            .gql(
                Some(&acme),
                &step("resumePosting"),
                json!({ "id": id, "v": 5 }),
            )
            .await;
        assert_eq!(
            body["data"]["resumePosting"]["posting"]["status"], "OPEN",
            "{body}"
        );
        let body = app
            .gql(
                Some(&acme),
                &close(),
                json!({ "id": id, "v": 6, "r": "FILLED" }),
            )
            .await;
        let closed = &body["data"]["closePosting"]["posting"];
        assert_eq!(
            (closed["status"].clone(), closed["closeReason"].clone()),
            (json!("CLOSED"), json!("FILLED")),
            "{body}"
        );
        assert_eq!(closed["acceptsProposals"], false);

        // History: every event, and the edit after publishing; not the draft's edit.
        let body = app.gql(Some(&acme), HISTORY, json!({ "id": id })).await;
        let history = body["data"]["posting"]["history"].as_array().unwrap();
        let changes: Vec<&str> = history
            .iter()
            .map(|h| h["change"].as_str().unwrap())
            .collect();
        assert_eq!(
            changes,
            ["PUBLISHED", "EDITED", "PAUSED", "RESUMED", "CLOSED"],
            "{body}"
        );
        assert_eq!(history[1]["version"], 3);
        assert_eq!(history[1]["before"]["title"], "Senior Rust engineer");
        assert_eq!(history[1]["changedFields"], json!(["title", "questions"]));
        assert_eq!(history[4]["changedFields"], json!(["status"]));
        assert!(history.iter().all(|h| h["byPlatform"] == false));
        // Others may see the posting but not its history.
        let other = app.dev_token("globex", "client").await;
        let body = app.gql(Some(&other), HISTORY, json!({ "id": id })).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        let body = app.gql(None, HISTORY, json!({ "id": id })).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{body}"
        );

        // Closed is final.
        for (mutation, vars) in [
            (
                "updatePosting",
                json!({ "id": id, "v": 7, "p": { "title": "Again please" } }),
            ),
            ("resumePosting", json!({ "id": id, "v": 7 })),
            ("pausePosting", json!({ "id": id, "v": 7 })),
            ("publishPosting", json!({ "id": id, "v": 7 })),
        ] {
            let q = if mutation == "updatePosting" {
                update()
            } else {
                step(mutation)
            };
            let body = app.gql(Some(&acme), &q, vars).await;
            assert_eq!(
                errors(&body, mutation),
                ["INVALID_STATE@input.postingId"],
                "{mutation}"
            );
        }
        let body = app
            .gql(
                Some(&acme),
                &close(),
                json!({ "id": id, "v": 7, "r": "CANCELLED" }),
            )
            .await;
        assert_eq!(outcome(&body, "closePosting"), "INVALID_STATE");
        let body = app
            .gql(Some(&acme), DELETE, json!({ "id": id, "v": 7 }))
            .await;
        assert_eq!(outcome(&body, "deletePostingDraft"), "INVALID_STATE");
        let body = app.gql(None, READ, json!({ "id": id })).await;
        assert_eq!(body["data"]["posting"]["version"], 7, "nothing changed");
    }
}

#[tokio::test]
async fn every_transition_that_does_not_exist_is_refused() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let category = category_id(&app).await;
        let body = app
            .gql(Some(&acme), &create(), json!({ "p": complete(&category) }))
            .await;
        let id = body["data"]["createPosting"]["posting"]["id"].clone();
        // From DRAFT: pause, resume and close do not exist.
        for mutation in ["pausePosting", "resumePosting"] {
            let body = app
                .gql(Some(&acme), &step(mutation), json!({ "id": id, "v": 1 }))
                .await;
            assert_eq!(
                outcome(&body, mutation),
                "INVALID_STATE",
                "{mutation} {body}"
            );
        }
        let body = app
            .gql(
                Some(&acme),
                &close(),
                json!({ "id": id, "v": 1, "r": "CANCELLED" }),
            )
            .await;
        assert_eq!(outcome(&body, "closePosting"), "INVALID_STATE");
        app.gql(
            Some(&acme),
            &step("publishPosting"),
            json!({ "id": id, "v": 1 }),
        )
        .await;
        // From OPEN: publish and resume do not exist.
        for mutation in ["publishPosting", "resumePosting"] {
            let body = app
                .gql(Some(&acme), &step(mutation), json!({ "id": id, "v": 2 }))
                .await;
            assert_eq!(
                outcome(&body, mutation),
                "INVALID_STATE",
                "{mutation} {body}"
            );
        }
        // An open posting is closed, not deleted.
        let body = app
            .gql(Some(&acme), DELETE, json!({ "id": id, "v": 2 }))
            .await;
        assert_eq!(outcome(&body, "deletePostingDraft"), "INVALID_STATE");
        app.gql(
            Some(&acme),
            &step("pausePosting"),
            json!({ "id": id, "v": 2 }),
        )
        .await;
        // From PAUSED: pause and publish do not exist; closing does.
        for mutation in ["pausePosting", "publishPosting"] {
            let body = app
                .gql(Some(&acme), &step(mutation), json!({ "id": id, "v": 3 }))
                .await;
            assert_eq!(
                outcome(&body, mutation),
                "INVALID_STATE",
                "{mutation} {body}"
            );
        }
        let body = app
            .gql(
                Some(&acme),
                &close(),
                json!({ "id": id, "v": 3, "r": "CANCELLED" }),
            )
            .await;
        assert_eq!(
            body["data"]["closePosting"]["posting"]["closeReason"], "CANCELLED",
            "{body}"
        );

        // A draft can be deleted, at the version read.
        let body = app
            .gql(
                Some(&acme),
                &create(),
                json!({ "p": { "title": "Short-lived draft" } }),
            )
            .await;
        let draft = body["data"]["createPosting"]["posting"]["id"].clone();
        let body = app
            .gql(Some(&acme), DELETE, json!({ "id": draft, "v": 2 }))
            .await;
        assert_eq!(
            errors(&body, "deletePostingDraft"),
            ["CONFLICT@input.expectedVersion"]
        );
        let body = app
            .gql(Some(&acme), DELETE, json!({ "id": draft, "v": 1 }))
            .await;
        assert_eq!(
            body["data"]["deletePostingDraft"]["deletedPostingId"], draft,
            "{body}"
        );
        let body = app.gql(Some(&acme), READ, json!({ "id": draft })).await;
        assert_eq!(body["data"]["posting"], Value::Null);
    }
}

#[tokio::test]
async fn only_the_owning_client_acts_on_a_posting() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let globex = app.dev_token("globex", "client").await;
        let ada = app.dev_token("ada", "freelancer").await;
        let admin = app.dev_token("ops", "").await;
        app.database()
            .execute("UPDATE users SET is_admin = TRUE WHERE display_name = 'ops'")
            .await;
        let category = category_id(&app).await;

        let body = app
            .gql(Some(&ada), &create(), json!({ "p": complete(&category) }))
            .await;
        assert_eq!(outcome(&body, "createPosting"), "FORBIDDEN", "clients only");
        let body = app
            .gql(None, &create(), json!({ "p": complete(&category) }))
            .await;
        assert_eq!(outcome(&body, "createPosting"), "UNAUTHENTICATED");

        let body = app
            .gql(Some(&acme), &create(), json!({ "p": complete(&category) }))
            .await;
        let id = body["data"]["createPosting"]["posting"]["id"].clone();

        // On a draft, others learn nothing: it is not found.
        let calls = |v: i64| {
            vec![
                (
                    "updatePosting",
                    update(),
                    json!({ "id": id, "v": v, "p": { "title": "Mine now" } }),
                ),
                (
                    "publishPosting",
                    step("publishPosting"),
                    json!({ "id": id, "v": v }),
                ),
                (
                    "pausePosting",
                    step("pausePosting"),
                    json!({ "id": id, "v": v }),
                ),
                (
                    "resumePosting",
                    step("resumePosting"),
                    json!({ "id": id, "v": v }),
                ),
                (
                    "closePosting",
                    close(),
                    json!({ "id": id, "v": v, "r": "CANCELLED" }),
                ),
                (
                    "deletePostingDraft",
                    DELETE.to_owned(),
                    json!({ "id": id, "v": v }),
                ),
            ]
        };
        for (mutation, q, vars) in calls(1) {
            for who in [&globex, &ada] {
                let body = app.gql(Some(who), &q, vars.clone()).await;
                assert_eq!(
                    errors(&body, mutation),
                    ["NOT_FOUND@input.postingId"],
                    "{mutation}: {body}"
                );
            }
            // Admins see drafts, but change nothing they do not own.
            let body = app.gql(Some(&admin), &q, vars.clone()).await;
            assert_eq!(outcome(&body, mutation), "FORBIDDEN", "{mutation}: {body}");
            let body = app.gql(None, &q, vars).await;
            assert_eq!(outcome(&body, mutation), "UNAUTHENTICATED", "{mutation}");
        }
        app.gql(
            Some(&acme),
            &step("publishPosting"),
            json!({ "id": id, "v": 1 }),
        )
        .await;
        // Published, others see it but may not act on it; admins neither.
        for (mutation, q, vars) in calls(2) {
            for who in [&globex, &ada, &admin] {
                let body = app.gql(Some(who), &q, vars.clone()).await;
                assert_eq!(outcome(&body, mutation), "FORBIDDEN", "{mutation}: {body}");
            }
        }
        let body = app.gql(None, READ, json!({ "id": id })).await;
        assert_eq!(
            body["data"]["posting"]["version"], 2,
            "nothing changed: {body}"
        );
        // An ID that is not a posting's is not found, for the signed in.
        let body = app
            .gql(
                Some(&acme),
                &step("pausePosting"),
                json!({ "id": "bm9wZQ", "v": 2 }),
            )
            .await;
        assert_eq!(errors(&body, "pausePosting"), ["NOT_FOUND@input.postingId"]);

        // Invite-only postings are their client's (and admins') to see.
        let body = app
            .gql(
                Some(&acme),
                &update(),
                json!({ "id": id, "v": 2, "p": { "visibility": "INVITE_ONLY" } }),
            )
            .await;
        assert_eq!(outcome(&body, "updatePosting"), "OK", "{body}");
        for (who, sees) in [
            (Some(&acme), true),
            (Some(&admin), true),
            (Some(&ada), false),
            (None, false),
        ] {
            let body = app
                .gql(who.map(String::as_str), READ, json!({ "id": id }))
                .await;
            assert_eq!(body["data"]["posting"].is_object(), sees, "{body}");
        }
    }
}

#[tokio::test]
async fn bad_input_is_named_field_by_field_and_changes_nothing() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let category = category_id(&app).await;
        let body = app
            .gql(Some(&acme), &create(), json!({ "p": complete(&category) }))
            .await;
        let id = body["data"]["createPosting"]["posting"]["id"].clone();

        let sixteen: Vec<Value> = [
            "rust",
            "go",
            "python",
            "java",
            "kotlin",
            "swift",
            "typescript",
            "javascript",
            "postgresql",
            "mysql",
            "redis",
            "docker",
            "kubernetes",
            "terraform",
            "graphql",
            "react",
        ]
        .iter()
        .map(|s| json!({ "skill": s }))
        .collect();
        let cases = [
            (
                json!({ "budget": { "kind": "HOURLY", "min": { "amountMinor": 9000, "currency": "USD" },
                                    "max": { "amountMinor": 6000, "currency": "USD" } } }),
                vec!["VALIDATION@input.posting.budget.min"],
            ),
            (
                json!({ "budget": { "kind": "FIXED", "min": { "amountMinor": -5, "currency": "USD" } } }),
                vec!["VALIDATION@input.posting.budget.min.amountMinor"],
            ),
            (
                json!({ "budget": { "kind": "FIXED", "min": { "amountMinor": 2_000_000_000, "currency": "USD" } } }),
                vec!["VALIDATION@input.posting.budget.min.amountMinor"],
            ),
            (
                json!({ "budget": { "kind": "HOURLY", "min": { "amountMinor": 100, "currency": "XXQ" },
                                    "max": { "amountMinor": 200, "currency": "XXQ" } } }),
                vec![
                    "VALIDATION@input.posting.budget.max.currency",
                    "VALIDATION@input.posting.budget.min.currency",
                ],
            ),
            (
                json!({ "skills": sixteen }),
                vec!["VALIDATION@input.posting.skills"],
            ),
            (
                json!({ "deadline": "2020-01-01T00:00:00Z" }),
                vec!["VALIDATION@input.posting.deadline"],
            ),
            (
                json!({ "title": null, "skills": null, "positions": 0 }),
                vec![
                    "VALIDATION@input.posting.positions",
                    "VALIDATION@input.posting.skills",
                    "VALIDATION@input.posting.title",
                ],
            ),
            (
                json!({ "categoryId": "bm9wZQ", "countries": ["Atlantis"], "timeZones": ["Mars/Olympus"] }),
                vec!["NOT_FOUND@input.posting.categoryId"],
            ),
            (
                json!({ "countries": ["Atlantis"], "timeZones": ["Mars/Olympus"], "hoursPerWeek": 81 }),
                vec![
                    "VALIDATION@input.posting.countries.0",
                    "VALIDATION@input.posting.hoursPerWeek",
                    "VALIDATION@input.posting.timeZones.0",
                ],
            ),
            (
                json!({ "questions": [{ "id": "not-a-question", "kind": "TEXT", "prompt": "Why us?" }] }),
                vec!["NOT_FOUND@input.posting.questions.0.id"],
            ),
            (
                json!({ "hireType": "FULL_TIME" }),
                vec!["VALIDATION@input.posting.budget"],
            ),
        ];
        for (fields, expected) in cases {
            let body = app
                .gql(
                    Some(&acme),
                    &update(),
                    json!({ "id": id, "v": 1, "p": fields }),
                )
                .await;
            assert_eq!(errors(&body, "updatePosting"), expected, "{fields}: {body}");
        }
        let body = app.gql(Some(&acme), READ, json!({ "id": id })).await;
        assert_eq!(
            body["data"]["posting"]["version"], 1,
            "nothing changed: {body}"
        );
        // Creating without a title says so.
        let body = app
            .gql(
                Some(&acme),
                &create(),
                json!({ "p": { "description": "No title" } }),
            )
            .await;
        assert_eq!(
            errors(&body, "createPosting"),
            ["VALIDATION@input.posting.title"]
        );
    }
}
