//! Saved searches and their alerts over GraphQL, on both back ends: saving, listing,
//! renaming, changing and deleting; the alert job (run as `hireql jobs
//! saved-search-alerts` runs it, on the server's database) writing one notification per
//! matching posting; reading and marking notifications; bad input and who may do what.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use tests::{Setup, TestApp, setups};

async fn app(setup: &Setup) -> TestApp {
    TestApp::spawn_with(setup, |s| s.dev_login = true).await
}

const CREATE_POSTING: &str =
    "mutation($p: PostingFields!) { createPosting(input: { posting: $p }) {
    posting { id version } userErrors { field code message } } }";
const PUBLISH: &str = "mutation($id: ID!, $v: Int!) { publishPosting(input: { postingId: $id, expectedVersion: $v }) {
    posting { id version } userErrors { field code message } } }";
const SAVED_FIELDS: &str = "id name createdAt updatedAt filter { text skills { allOf anyOf }
    categoryId hireTypes budget { kind currency minMinor maxMinor } experienceLevels workplaces
    countries timeZone postedWithinDays clientMinRating proposalsFewerThan }";

fn create_saved() -> String {
    format!(
        "mutation($name: String!, $f: PostingFilter!) {{ createSavedSearch(input: {{ name: $name, filter: $f }}) {{
            savedSearch {{ {SAVED_FIELDS} }} userErrors {{ field code message }} }} }}"
    )
}

fn rename_saved() -> String {
    format!(
        "mutation($id: ID!, $name: String!) {{ renameSavedSearch(input: {{ savedSearchId: $id, name: $name }}) {{
            savedSearch {{ {SAVED_FIELDS} }} userErrors {{ field code message }} }} }}"
    )
}

fn update_filter() -> String {
    format!(
        "mutation($id: ID!, $f: PostingFilter!) {{ updateSavedSearchFilter(input: {{ savedSearchId: $id, filter: $f }}) {{
            savedSearch {{ {SAVED_FIELDS} }} userErrors {{ field code message }} }} }}"
    )
}

const DELETE_SAVED: &str = "mutation($id: ID!) { deleteSavedSearch(input: { savedSearchId: $id }) {
    deletedSavedSearchId userErrors { field code message } } }";
const MY_SAVED: &str = "{ viewer { savedSearches { id name } } }";
const NOTIFICATIONS: &str = "query($unread: Boolean, $first: Int, $after: String) { viewer {
    unreadNotificationCount
    notifications(unreadOnly: $unread, first: $first, after: $after) {
        totalCount
        nodes { id kind createdAt readAt expiresAt posting { id title } savedSearch { id name } }
        pageInfo { hasNextPage endCursor }
    } } }";
const MARK_READ: &str =
    "mutation($ids: [ID!]!) { markNotificationsRead(input: { notificationIds: $ids }) {
    markedCount unreadNotificationCount userErrors { field code message } } }";
const MATCHES: &str =
    "{ viewer { savedSearches { name matches(first: 50) { totalCount nodes { title } } } } }";

/// A complete posting with these fields on top.
fn posting(title: &str, extra: Value) -> Value {
    let mut p = json!({
        "title": title,
        "description": "A role on a small team building backend services with care and tests.",
        "skills": [{ "skill": "go" }],
        "hireType": "FREELANCE_LONG_TERM",
        "budget": { "kind": "HOURLY", "min": { "amountMinor": 5000, "currency": "USD" },
                    "max": { "amountMinor": 8000, "currency": "USD" } },
        "experienceLevel": "INTERMEDIATE",
        "duration": "THREE_TO_SIX_MONTHS",
    });
    for (k, v) in extra.as_object().unwrap() {
        p[k] = v.clone();
    }
    p
}

/// Creates and (unless `draft`) publishes a posting as `token`; its ID.
async fn post(app: &TestApp, token: &str, fields: Value, draft: bool) -> String {
    let categories = app.query("{ categories { id slug } }", json!({})).await;
    let mut fields = fields;
    fields["categoryId"] = categories["categories"][0]["id"].clone();
    let body = app
        .gql(Some(token), CREATE_POSTING, json!({ "p": fields }))
        .await;
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
    id
}

/// Runs the alert job once on the server's database, as `hireql jobs
/// saved-search-alerts` does (the same services, on another pool). What it did.
async fn run_alerts(app: &TestApp) -> domain::postings::AlertRun {
    let db = &app.database().settings;
    let settings = api::Settings {
        database_url: db.url.clone().into(),
        database_schema: db.schema.clone(),
        database_max_connections: 2,
        migrate_on_start: false,
        ..api::Settings::default()
    };
    let services = api::Application::services(&settings).await.unwrap();
    api::jobs::saved_search_alerts_once(&services.saved_searches)
        .await
        .unwrap()
}

async fn save(app: &TestApp, token: &str, name: &str, filter: Value) -> Value {
    let body = app
        .gql(
            Some(token),
            &create_saved(),
            json!({ "name": name, "f": filter }),
        )
        .await;
    body["data"]["createSavedSearch"].clone()
}

fn errors(payload: &Value) -> Vec<(String, String)> {
    payload["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("no userErrors in {payload}"))
        .iter()
        .map(|e| {
            let path: Vec<&str> = e["field"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            (e["code"].as_str().unwrap().to_owned(), path.join("."))
        })
        .collect()
}

async fn my_names(app: &TestApp, token: &str) -> Vec<String> {
    let body = app.gql(Some(token), MY_SAVED, json!({})).await;
    body["data"]["viewer"]["savedSearches"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn each_new_matching_posting_notifies_once_and_notifications_are_read_and_marked() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let ada = app.dev_token("ada", "freelancer,client").await;
        let bob = app.dev_token("bob", "freelancer").await;
        // Published before the search is saved: found by its matches, never alerted.
        post(
            &app,
            &acme,
            posting(
                "Earlier Rust role",
                json!({ "skills": [{ "skill": "rust" }] }),
            ),
            false,
        )
        .await;
        let saved = save(
            &app,
            &ada,
            "Rust anywhere",
            json!({ "skills": { "anyOf": ["rust"] } }),
        )
        .await;
        assert_eq!(saved["userErrors"], json!([]), "{saved}");
        let saved_id = saved["savedSearch"]["id"].as_str().unwrap().to_owned();
        // Bob saves everything; he hears of every public open posting from now on.
        let everything = save(&app, &bob, "Everything", json!({})).await;
        assert_eq!(everything["userErrors"], json!([]));

        let rust = json!({ "skills": [{ "skill": "rust" }, { "skill": "postgresql" }] });
        let matching = post(
            &app,
            &acme,
            posting("Rust payments engineer", rust.clone()),
            false,
        )
        .await;
        post(&app, &acme, posting("Go API developer", json!({})), false).await;
        post(&app, &acme, posting("Draft Rust role", rust.clone()), true).await;
        let mut invited = rust.clone();
        invited["visibility"] = json!("INVITE_ONLY");
        post(&app, &acme, posting("Invited Rust role", invited), false).await;
        // Ada's own posting matches her filter, but she is not told of it.
        post(
            &app,
            &ada,
            posting("Ada's own Rust role", rust.clone()),
            false,
        )
        .await;

        let run = run_alerts(&app).await;
        // Ada: the Rust posting; Bob: the three public open ones.
        assert_eq!(run.notified, 4, "{:?}: {run:?}", setup.backend);
        assert_eq!(run.searches, 2);
        assert!(run.invalid.is_empty());
        // Running again writes nothing (the window overlaps, the notifications are unique).
        assert_eq!(run_alerts(&app).await.notified, 0);

        let data = app.gql(Some(&ada), NOTIFICATIONS, json!({})).await;
        let viewer = &data["data"]["viewer"];
        assert_eq!(viewer["unreadNotificationCount"], 1, "{data}");
        let list = &viewer["notifications"];
        assert_eq!(list["totalCount"], 1);
        let n = &list["nodes"][0];
        assert_eq!(n["kind"], "SAVED_SEARCH_MATCH");
        assert_eq!(n["posting"]["id"], matching.as_str());
        assert_eq!(n["posting"]["title"], "Rust payments engineer");
        assert_eq!(n["savedSearch"]["id"], saved_id.as_str());
        assert_eq!(n["savedSearch"]["name"], "Rust anywhere");
        assert_eq!(n["readAt"], Value::Null);
        assert_eq!(n["expiresAt"], Value::Null);
        let notification = n["id"].as_str().unwrap().to_owned();

        let bobs = app
            .gql(Some(&bob), NOTIFICATIONS, json!({ "first": 2 }))
            .await;
        let bobs = &bobs["data"]["viewer"]["notifications"];
        assert_eq!(bobs["totalCount"], 3, "{bobs}");
        assert_eq!(bobs["nodes"].as_array().unwrap().len(), 2);
        assert_eq!(bobs["pageInfo"]["hasNextPage"], true);
        let rest = app
            .gql(
                Some(&bob),
                NOTIFICATIONS,
                json!({ "first": 2, "after": bobs["pageInfo"]["endCursor"] }),
            )
            .await;
        let rest = &rest["data"]["viewer"]["notifications"];
        assert_eq!(rest["nodes"].as_array().unwrap().len(), 1, "{rest}");
        assert_eq!(rest["pageInfo"]["hasNextPage"], false);

        // Relations are batched: a page of three notifications with their postings (and
        // their clients) and saved searches costs what a page of one does.
        let nested = "query($first: Int) { viewer { notifications(first: $first) {
            nodes { kind posting { title client { id } } savedSearch { name } } } } }";
        let mut costs = Vec::new();
        // (The first request warms the session cache.)
        for first in [3, 1, 3] {
            let before = app.statements.get();
            let body = app.gql(Some(&bob), nested, json!({ "first": first })).await;
            assert!(body.get("errors").is_none(), "{body}");
            costs.push(app.statements.get() - before);
        }
        assert_eq!(costs[1], costs[2], "statements grew with rows: {costs:?}");

        // What the saved search finds now: both public Rust postings, not Ada's own.
        let matches = app.gql(Some(&ada), MATCHES, json!({})).await;
        let found = &matches["data"]["viewer"]["savedSearches"][0]["matches"];
        assert_eq!(
            found["nodes"],
            json!([{ "title": "Rust payments engineer" }, { "title": "Earlier Rust role" }]),
            "{matches}"
        );
        assert_eq!(found["totalCount"], 2);

        // Only the owner sees a saved search by ID.
        let node = "query($id: ID!) { node(id: $id) { ... on SavedSearch { name } } }";
        let mine = app.gql(Some(&ada), node, json!({ "id": saved_id })).await;
        assert_eq!(mine["data"]["node"]["name"], "Rust anywhere", "{mine}");
        for token in [Some(bob.as_str()), None] {
            let other = app.gql(token, node, json!({ "id": saved_id })).await;
            assert_eq!(other["data"]["node"], Value::Null, "{other}");
        }

        // Marking read: Bob marking Ada's changes nothing; Ada's own, once.
        let by_bob = app
            .gql(Some(&bob), MARK_READ, json!({ "ids": [notification] }))
            .await;
        assert_eq!(by_bob["data"]["markNotificationsRead"]["markedCount"], 0);
        assert_eq!(
            by_bob["data"]["markNotificationsRead"]["unreadNotificationCount"],
            3
        );
        let marked = app
            .gql(Some(&ada), MARK_READ, json!({ "ids": [notification] }))
            .await;
        let marked = &marked["data"]["markNotificationsRead"];
        assert_eq!(marked["userErrors"], json!([]), "{marked}");
        assert_eq!(marked["markedCount"], 1);
        assert_eq!(marked["unreadNotificationCount"], 0);
        let again = app
            .gql(Some(&ada), MARK_READ, json!({ "ids": [notification] }))
            .await;
        assert_eq!(again["data"]["markNotificationsRead"]["markedCount"], 0);
        let unread = app
            .gql(Some(&ada), NOTIFICATIONS, json!({ "unread": true }))
            .await;
        assert_eq!(
            unread["data"]["viewer"]["notifications"]["nodes"],
            json!([]),
            "{unread}"
        );
        let all = app.gql(Some(&ada), NOTIFICATIONS, json!({})).await;
        assert!(all["data"]["viewer"]["notifications"]["nodes"][0]["readAt"].is_string());
        // An ID that is no notification is refused, and nothing is marked.
        let bad = app
            .gql(Some(&bob), MARK_READ, json!({ "ids": [saved_id, "x"] }))
            .await;
        let bad = &bad["data"]["markNotificationsRead"];
        assert_eq!(
            errors(bad),
            [
                ("NOT_FOUND".into(), "input.notificationIds.0".into()),
                ("NOT_FOUND".into(), "input.notificationIds.1".into())
            ]
        );
        assert_eq!(bad["markedCount"], Value::Null);

        // Deleting the search keeps its notifications; they no longer name it.
        let deleted = app
            .gql(Some(&ada), DELETE_SAVED, json!({ "id": saved_id }))
            .await;
        assert_eq!(
            deleted["data"]["deleteSavedSearch"]["deletedSavedSearchId"],
            saved_id.as_str()
        );
        let after = app.gql(Some(&ada), NOTIFICATIONS, json!({})).await;
        let nodes = &after["data"]["viewer"]["notifications"]["nodes"];
        assert_eq!(nodes.as_array().unwrap().len(), 1);
        assert_eq!(nodes[0]["savedSearch"], Value::Null, "{after}");
        assert_eq!(nodes[0]["posting"]["title"], "Rust payments engineer");

        // The anonymous have no notifications to read.
        let anonymous = app.gql(None, NOTIFICATIONS, json!({})).await;
        assert_eq!(anonymous["data"]["viewer"], Value::Null, "{anonymous}");
    }
}

#[tokio::test]
async fn saved_searches_are_listed_renamed_changed_and_deleted_and_bad_input_changes_nothing() {
    for setup in setups() {
        let app = app(&setup).await;
        let ada = app.dev_token("ada", "freelancer").await;
        let bob = app.dev_token("bob", "freelancer").await;

        // Bad input: every problem at once, on its path; nothing saved.
        let bad = save(
            &app,
            &ada,
            "",
            json!({ "skills": { "anyOf": ["cobol-on-mars"] }, "timeZone": "Mars/Olympus",
                    "postedWithinDays": 0, "budget": { "currency": "DOLLARS" } }),
        )
        .await;
        let got = errors(&bad);
        for expected in [
            ("VALIDATION", "input.name"),
            ("NOT_FOUND", "input.filter.skills.anyOf.0"),
            ("VALIDATION", "input.filter.timeZone"),
            ("VALIDATION", "input.filter.postedWithinDays"),
            ("VALIDATION", "input.filter.budget.currency"),
        ] {
            assert!(
                got.contains(&(expected.0.to_owned(), expected.1.to_owned())),
                "{expected:?} in {got:?}"
            );
        }
        assert_eq!(bad["savedSearch"], Value::Null);
        let long = save(&app, &ada, &"x".repeat(81), json!({})).await;
        assert_eq!(errors(&long), [("VALIDATION".into(), "input.name".into())]);
        let two_lines = save(&app, &ada, "two\nlines", json!({})).await;
        assert_eq!(
            errors(&two_lines),
            [("VALIDATION".into(), "input.name".into())]
        );
        assert!(my_names(&app, &ada).await.is_empty());

        // A full filter is kept as given and read back.
        let categories = app.query("{ categories { id slug } }", json!({})).await;
        let category = categories["categories"][0]["id"].clone();
        let filter = json!({
            "text": "payments api", "skills": { "allOf": ["rust"], "anyOf": ["postgresql", "go"] },
            "categoryId": category, "hireTypes": ["FULL_TIME", "CONTRACT_TO_HIRE"],
            "budget": { "kind": "YEARLY_SALARY", "currency": "EUR", "minMinor": 1000, "maxMinor": null },
            "experienceLevels": ["EXPERT"], "workplaces": ["REMOTE", "HYBRID"], "countries": ["DE"],
            "timeZone": "Europe/Berlin", "postedWithinDays": 7, "clientMinRating": 4.5,
            "proposalsFewerThan": 5
        });
        let rust = save(&app, &ada, " Rust, remote ", filter.clone()).await;
        assert_eq!(rust["userErrors"], json!([]), "{rust}");
        let rust = rust["savedSearch"].clone();
        assert_eq!(rust["name"], "Rust, remote");
        assert_eq!(rust["filter"], filter, "{rust}");
        let rust_id = rust["id"].as_str().unwrap().to_owned();
        // What the save returned is what a later read returns.
        let listed = app
            .gql(
                Some(&ada),
                "{ viewer { savedSearches { createdAt updatedAt } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            listed["data"]["viewer"]["savedSearches"][0]["createdAt"],
            rust["createdAt"]
        );

        // Names are unique per user without regard to case; another user may reuse one.
        let dup = save(&app, &ada, "RUST, REMOTE", json!({})).await;
        assert_eq!(errors(&dup), [("CONFLICT".into(), "input.name".into())]);
        assert_eq!(
            save(&app, &bob, "Rust, remote", json!({})).await["userErrors"],
            json!([])
        );
        let other = save(&app, &ada, "Anything", json!({})).await;
        let other_id = other["savedSearch"]["id"].as_str().unwrap().to_owned();
        assert_eq!(my_names(&app, &ada).await, ["Rust, remote", "Anything"]);

        // Rename: to a name taken is a conflict; to a free one works.
        let body = app
            .gql(
                Some(&ada),
                &rename_saved(),
                json!({ "id": other_id, "name": "rust, Remote" }),
            )
            .await;
        assert_eq!(
            errors(&body["data"]["renameSavedSearch"]),
            [("CONFLICT".into(), "input.name".into())]
        );
        let body = app
            .gql(
                Some(&ada),
                &rename_saved(),
                json!({ "id": other_id, "name": "Everything new" }),
            )
            .await;
        let renamed = &body["data"]["renameSavedSearch"];
        assert_eq!(renamed["userErrors"], json!([]), "{body}");
        assert_eq!(renamed["savedSearch"]["name"], "Everything new");
        assert_eq!(renamed["savedSearch"]["filter"]["hireTypes"], json!([]));
        let body = app
            .gql(
                Some(&ada),
                &rename_saved(),
                json!({ "id": other_id, "name": " " }),
            )
            .await;
        assert_eq!(
            errors(&body["data"]["renameSavedSearch"]),
            [("VALIDATION".into(), "input.name".into())]
        );

        // A new filter replaces the old one whole; a bad one changes nothing.
        let body = app
            .gql(
                Some(&ada),
                &update_filter(),
                json!({ "id": other_id, "f": { "skills": { "anyOf": ["nope"] } } }),
            )
            .await;
        assert_eq!(
            errors(&body["data"]["updateSavedSearchFilter"]),
            [("NOT_FOUND".into(), "input.filter.skills.anyOf.0".into())]
        );
        let body = app
            .gql(
                Some(&ada),
                &update_filter(),
                json!({ "id": other_id, "f": { "workplaces": ["ON_SITE"] } }),
            )
            .await;
        let changed = &body["data"]["updateSavedSearchFilter"]["savedSearch"];
        assert_eq!(
            changed["filter"]["workplaces"],
            json!(["ON_SITE"]),
            "{body}"
        );
        assert_eq!(
            changed["filter"]["skills"],
            json!({ "allOf": [], "anyOf": [] })
        );

        // Someone else's saved search does not exist for them; the anonymous must sign in.
        for (doc, vars, field) in [
            (
                rename_saved(),
                json!({ "id": rust_id, "name": "Mine now" }),
                "renameSavedSearch",
            ),
            (
                update_filter(),
                json!({ "id": rust_id, "f": {} }),
                "updateSavedSearchFilter",
            ),
            (
                DELETE_SAVED.to_owned(),
                json!({ "id": rust_id }),
                "deleteSavedSearch",
            ),
        ] {
            let body = app.gql(Some(&bob), &doc, vars.clone()).await;
            assert_eq!(
                errors(&body["data"][field]),
                [("NOT_FOUND".into(), "input.savedSearchId".into())],
                "{field}"
            );
            let mut garbage = vars.clone();
            garbage["id"] = json!("x");
            let body = app.gql(Some(&ada), &doc, garbage.clone()).await;
            assert_eq!(
                errors(&body["data"][field]),
                [("NOT_FOUND".into(), "input.savedSearchId".into())],
                "{field}"
            );
            let body = app.gql(None, &doc, vars).await;
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
                "{body}"
            );
        }
        let body = app
            .gql(None, &create_saved(), json!({ "name": "x", "f": {} }))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        let mine = app.gql(Some(&ada), MY_SAVED, json!({})).await;
        assert_eq!(
            mine["data"]["viewer"]["savedSearches"][0]["name"], "Rust, remote",
            "untouched"
        );
        assert_eq!(my_names(&app, &bob).await, ["Rust, remote"]);

        // At most 20: the 21st is refused and nothing is written.
        for i in 2..20 {
            let body = save(&app, &ada, &format!("Search {i}"), json!({})).await;
            assert_eq!(body["userErrors"], json!([]), "{body}");
        }
        let full = save(&app, &ada, "One too many", json!({})).await;
        assert_eq!(errors(&full), [("INVALID_STATE".into(), "input".into())]);
        assert_eq!(my_names(&app, &ada).await.len(), 20);

        // Delete, once.
        let body = app
            .gql(Some(&ada), DELETE_SAVED, json!({ "id": rust_id }))
            .await;
        assert_eq!(
            body["data"]["deleteSavedSearch"]["deletedSavedSearchId"],
            rust_id.as_str()
        );
        let body = app
            .gql(Some(&ada), DELETE_SAVED, json!({ "id": rust_id }))
            .await;
        assert_eq!(
            errors(&body["data"]["deleteSavedSearch"]),
            [("NOT_FOUND".into(), "input.savedSearchId".into())]
        );
        let names = my_names(&app, &ada).await;
        assert_eq!(names.len(), 19);
        assert_eq!(names[0], "Everything new", "oldest first");
        // Room again for one more.
        assert_eq!(
            save(&app, &ada, "One too many", json!({})).await["userErrors"],
            json!([])
        );
    }
}
