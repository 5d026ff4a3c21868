//! Freelancer profiles over GraphQL: creating, changing, validating, hiding, and who sees
//! what.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use tests::{Setup, TestApp, setups};

async fn app(setup: &Setup) -> TestApp {
    TestApp::spawn_with(setup, |s| s.dev_login = true).await
}

async fn gql(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    app.gql(token, query, variables).await
}

const FIELDS: &str = "id headline overview hourlyRate { amountMinor currency }
    availability { hoursPerWeek availableFrom } location { country city timeZone }
    languages { code level } skills { skill { slug name } level years }
    externalProfiles { site url } completeness missing visibility";

fn create_mutation() -> String {
    format!(
        "mutation($p: FreelancerProfileFields!) {{ createFreelancerProfile(input: {{ profile: $p }}) {{
            profile {{ {FIELDS} }} userErrors {{ field code message }} }} }}"
    )
}

fn update_mutation() -> String {
    format!(
        "mutation($id: ID!, $p: FreelancerProfileFields!) {{ updateFreelancerProfile(input: {{ profileId: $id, profile: $p }}) {{
            profile {{ {FIELDS} }} userErrors {{ field code message }} }} }}"
    )
}

const VISIBILITY: &str = "mutation($id: ID!, $v: ProfileVisibility!) { setFreelancerProfileVisibility(input: { profileId: $id, visibility: $v }) { profile { visibility } userErrors { field code } } }";

fn full_profile() -> Value {
    json!({
        "headline": "  Rust & PostgreSQL backend engineer ",
        "overview": "I build APIs.\nTen years of backend work.",
        "hourlyRate": { "amountMinor": 9500, "currency": "eur" },
        "hoursPerWeek": 30,
        "availableFrom": "2027-01-04",
        "country": "de",
        "city": "Berlin",
        "timeZone": "Europe/Berlin",
        "languages": [{ "code": "DE", "level": "NATIVE" }, { "code": "en", "level": "FLUENT" }],
        "skills": [
            { "skill": "rust", "level": 5, "years": 8 },
            { "skill": "postgresql", "level": 4, "years": 10 },
            { "skill": "graphql", "level": 4, "years": 5 }
        ],
        "externalProfiles": [{ "site": "GITHUB", "url": "https://github.com/ada" }]
    })
}

fn field_paths(errors: &Value) -> Vec<String> {
    let mut paths: Vec<String> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["field"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect();
    paths.sort();
    paths
}

#[tokio::test]
async fn a_freelancer_creates_reads_and_changes_their_profile() {
    for setup in setups() {
        let app = app(&setup).await;
        let ada = app.dev_token("ada", "freelancer").await;
        let body = gql(
            &app,
            Some(&ada),
            &create_mutation(),
            json!({ "p": full_profile() }),
        )
        .await;
        let payload = &body["data"]["createFreelancerProfile"];
        assert_eq!(payload["userErrors"], json!([]), "{body}");
        let p = &payload["profile"];
        assert_eq!(p["headline"], "Rust & PostgreSQL backend engineer");
        assert_eq!(
            p["hourlyRate"],
            json!({ "amountMinor": 9500, "currency": "EUR" })
        );
        assert_eq!(
            p["availability"],
            json!({ "hoursPerWeek": 30, "availableFrom": "2027-01-04" })
        );
        assert_eq!(
            p["location"],
            json!({ "country": "DE", "city": "Berlin", "timeZone": "Europe/Berlin" })
        );
        assert_eq!(
            p["languages"][0],
            json!({ "code": "de", "level": "NATIVE" })
        );
        assert_eq!(
            p["skills"][1],
            json!({ "skill": { "slug": "postgresql", "name": "PostgreSQL" }, "level": 4, "years": 10 })
        );
        assert_eq!(p["completeness"], 80, "the overview is short");
        assert_eq!(p["missing"], json!(["overview"]));
        assert_eq!(p["visibility"], "VISIBLE");
        let id = p["id"].clone();

        // One profile per account.
        let again = gql(
            &app,
            Some(&ada),
            &create_mutation(),
            json!({ "p": { "headline": "x" } }),
        )
        .await;
        assert_eq!(
            again["data"]["createFreelancerProfile"]["userErrors"][0]["code"],
            "CONFLICT"
        );

        // Everyone reads it; only Ada sees what is missing and its visibility.
        let read = "query($id: ID!) { freelancerProfile(id: $id) { headline completeness missing visibility } node(id: $id) { id } }";
        let anon = gql(&app, None, read, json!({ "id": id })).await;
        assert_eq!(
            anon["data"]["freelancerProfile"]["headline"],
            "Rust & PostgreSQL backend engineer"
        );
        assert_eq!(anon["data"]["freelancerProfile"]["missing"], Value::Null);
        assert_eq!(anon["data"]["freelancerProfile"]["visibility"], Value::Null);
        assert_eq!(anon["data"]["node"]["id"], id);
        let mine = gql(
            &app,
            Some(&ada),
            "{ viewer { freelancerProfile { id } } }",
            json!({}),
        )
        .await;
        assert_eq!(mine["data"]["viewer"]["freelancerProfile"]["id"], id);

        // A partial change: absent fields stay, null clears, lists replace.
        let change = json!({ "id": id, "p": { "hourlyRate": null, "skills": [{ "skill": "go", "level": 3, "years": 2 }] } });
        let body = gql(&app, Some(&ada), &update_mutation(), change).await;
        let p = &body["data"]["updateFreelancerProfile"]["profile"];
        assert_eq!(p["hourlyRate"], Value::Null, "{body}");
        assert_eq!(
            p["skills"],
            json!([{ "skill": { "slug": "go", "name": "Go" }, "level": 3, "years": 2 }])
        );
        assert_eq!(p["headline"], "Rust & PostgreSQL backend engineer");
        assert_eq!(p["languages"].as_array().unwrap().len(), 2);
    }
}

#[tokio::test]
async fn only_freelancers_create_and_only_owners_edit() {
    for setup in setups() {
        let app = app(&setup).await;
        let client = app.dev_token("acme", "client").await;
        let body = gql(
            &app,
            Some(&client),
            &create_mutation(),
            json!({ "p": { "headline": "x" } }),
        )
        .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );

        let ada = app.dev_token("ada", "freelancer").await;
        let body = gql(
            &app,
            Some(&ada),
            &create_mutation(),
            json!({ "p": full_profile() }),
        )
        .await;
        let id = body["data"]["createFreelancerProfile"]["profile"]["id"].clone();
        let eve = app.dev_token("eve", "freelancer").await;
        let body = gql(
            &app,
            Some(&eve),
            &update_mutation(),
            json!({ "id": id, "p": { "headline": "mine now" } }),
        )
        .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        let body = gql(
            &app,
            Some(&eve),
            VISIBILITY,
            json!({ "id": id, "v": "HIDDEN" }),
        )
        .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        let read = gql(
            &app,
            None,
            "query($id: ID!) { freelancerProfile(id: $id) { headline } }",
            json!({ "id": id }),
        )
        .await;
        assert_eq!(
            read["data"]["freelancerProfile"]["headline"],
            "Rust & PostgreSQL backend engineer"
        );
        // An ID that is not a profile's is "not found" on profileId.
        let body = gql(
            &app,
            Some(&eve),
            &update_mutation(),
            json!({ "id": "bm9wZQ", "p": {} }),
        )
        .await;
        assert_eq!(
            body["data"]["updateFreelancerProfile"]["userErrors"],
            json!([{ "field": ["input", "profileId"], "code": "NOT_FOUND", "message": "no such profile" }])
        );
    }
}

#[tokio::test]
async fn bad_input_is_reported_field_by_field_and_changes_nothing() {
    for setup in setups() {
        let app = app(&setup).await;
        let ada = app.dev_token("ada", "freelancer").await;
        let body = gql(
            &app,
            Some(&ada),
            &create_mutation(),
            json!({ "p": full_profile() }),
        )
        .await;
        let id = body["data"]["createFreelancerProfile"]["profile"]["id"].clone();
        let bad = json!({
            "headline": "x".repeat(121),
            "overview": "x".repeat(5001),
            "hourlyRate": { "amountMinor": 0, "currency": "EUR" },
            "hoursPerWeek": 81,
            "country": "Germany",
            "timeZone": "Mars Base",
            "languages": [{ "code": "english", "level": "FLUENT" }],
            "skills": [
                { "skill": "rust", "level": 0, "years": 31 },
                { "skill": "cobol-on-mars", "level": 3, "years": 1 },
                { "skill": "Not A Slug", "level": 3, "years": 1 }
            ],
            "externalProfiles": [{ "site": "LINKED_IN", "url": "https://evil.example/in/ada" }]
        });
        let body = gql(
            &app,
            Some(&ada),
            &update_mutation(),
            json!({ "id": id, "p": bad }),
        )
        .await;
        let payload = &body["data"]["updateFreelancerProfile"];
        assert_eq!(payload["profile"], Value::Null);
        let errors = &payload["userErrors"];
        assert_eq!(
            field_paths(errors),
            [
                "input.profile.country",
                "input.profile.externalProfiles.0.url",
                "input.profile.headline",
                "input.profile.hourlyRate.amountMinor",
                "input.profile.hoursPerWeek",
                "input.profile.languages.0.code",
                "input.profile.overview",
                "input.profile.skills.0.level",
                "input.profile.skills.0.years",
                "input.profile.skills.1.skill",
                "input.profile.skills.2.skill",
                "input.profile.timeZone",
            ]
        );
        let unknown = errors
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"][3] == "1")
            .unwrap();
        assert_eq!(unknown["code"], "NOT_FOUND");
        assert!(
            unknown["message"]
                .as_str()
                .unwrap()
                .contains("cobol-on-mars")
        );

        let read = gql(&app, None, "query($id: ID!) { freelancerProfile(id: $id) { headline skills { level } hourlyRate { amountMinor } } }", json!({ "id": id })).await;
        assert_eq!(
            read["data"]["freelancerProfile"]["headline"],
            "Rust & PostgreSQL backend engineer"
        );
        assert_eq!(
            read["data"]["freelancerProfile"]["skills"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
        assert_eq!(
            read["data"]["freelancerProfile"]["hourlyRate"]["amountMinor"],
            9500
        );

        let many: Vec<Value> = (0..51)
            .map(|_| json!({ "skill": "rust", "level": 3, "years": 1 }))
            .collect();
        let body = gql(
            &app,
            Some(&ada),
            &update_mutation(),
            json!({ "id": id, "p": { "skills": many } }),
        )
        .await;
        let errors = &body["data"]["updateFreelancerProfile"]["userErrors"];
        assert!(
            field_paths(errors).contains(&"input.profile.skills".to_string()),
            "{errors}"
        );
    }
}

#[tokio::test]
async fn hidden_profiles_are_seen_only_by_their_owner_and_admins() {
    for setup in setups() {
        let app = app(&setup).await;
        let ada = app.dev_token("ada", "freelancer").await;
        let body = gql(
            &app,
            Some(&ada),
            &create_mutation(),
            json!({ "p": full_profile() }),
        )
        .await;
        let id = body["data"]["createFreelancerProfile"]["profile"]["id"].clone();
        let body = gql(
            &app,
            Some(&ada),
            VISIBILITY,
            json!({ "id": id, "v": "HIDDEN" }),
        )
        .await;
        assert_eq!(
            body["data"]["setFreelancerProfileVisibility"]["profile"]["visibility"],
            "HIDDEN"
        );

        let read = "query($id: ID!) { freelancerProfile(id: $id) { headline visibility } node(id: $id) { id } }";
        let eve = app.dev_token("eve", "client").await;
        for who in [None, Some(eve.as_str())] {
            let body = gql(&app, who, read, json!({ "id": id })).await;
            assert_eq!(body["data"]["freelancerProfile"], Value::Null, "{body}");
            assert_eq!(body["data"]["node"], Value::Null);
        }
        let mine = gql(&app, Some(&ada), read, json!({ "id": id })).await;
        assert_eq!(mine["data"]["freelancerProfile"]["visibility"], "HIDDEN");
        // Someone else cannot even find it to change it.
        let body = gql(
            &app,
            Some(&eve),
            VISIBILITY,
            json!({ "id": id, "v": "VISIBLE" }),
        )
        .await;
        assert_eq!(
            body["data"]["setFreelancerProfileVisibility"]["userErrors"][0]["code"],
            "NOT_FOUND"
        );

        let admin = app.dev_token("ops", "").await;
        app.database()
            .execute("UPDATE users SET is_admin = TRUE WHERE display_name = 'ops'")
            .await;
        let seen = gql(&app, Some(&admin), read, json!({ "id": id })).await;
        assert_eq!(seen["data"]["freelancerProfile"]["visibility"], "HIDDEN");

        // An admin's hold is the admin's to lift: the owner showing the profile does not.
        gql(
            &app,
            Some(&ada),
            VISIBILITY,
            json!({ "id": id, "v": "VISIBLE" }),
        )
        .await;
        let body = gql(
            &app,
            Some(&admin),
            VISIBILITY,
            json!({ "id": id, "v": "HIDDEN" }),
        )
        .await;
        assert_eq!(
            body["data"]["setFreelancerProfileVisibility"]["userErrors"],
            json!([]),
            "{body}"
        );
        let body = gql(
            &app,
            Some(&ada),
            VISIBILITY,
            json!({ "id": id, "v": "VISIBLE" }),
        )
        .await;
        assert_eq!(
            body["data"]["setFreelancerProfileVisibility"]["userErrors"],
            json!([])
        );
        let anon = gql(&app, None, read, json!({ "id": id })).await;
        assert_eq!(anon["data"]["freelancerProfile"], Value::Null, "still held");
        let mine = gql(
            &app,
            Some(&ada),
            "query($id: ID!) { freelancerProfile(id: $id) { hiddenByModeration } }",
            json!({ "id": id }),
        )
        .await;
        assert_eq!(
            mine["data"]["freelancerProfile"]["hiddenByModeration"],
            true
        );
        // Lifting the hold does not publish a profile its owner hid.
        gql(
            &app,
            Some(&ada),
            VISIBILITY,
            json!({ "id": id, "v": "HIDDEN" }),
        )
        .await;
        gql(
            &app,
            Some(&admin),
            VISIBILITY,
            json!({ "id": id, "v": "VISIBLE" }),
        )
        .await;
        let anon = gql(&app, None, read, json!({ "id": id })).await;
        assert_eq!(
            anon["data"]["freelancerProfile"],
            Value::Null,
            "the owner's choice stands"
        );
        gql(
            &app,
            Some(&ada),
            VISIBILITY,
            json!({ "id": id, "v": "VISIBLE" }),
        )
        .await;
        let anon = gql(&app, None, read, json!({ "id": id })).await;
        assert_eq!(
            anon["data"]["freelancerProfile"]["headline"],
            "Rust & PostgreSQL backend engineer"
        );

        // A suspended user's profile is not public.
        app.database()
            .execute("UPDATE users SET status = 'SUSPENDED' WHERE display_name = 'ada'")
            .await;
        let anon = gql(&app, None, read, json!({ "id": id })).await;
        assert_eq!(anon["data"]["freelancerProfile"], Value::Null);
    }
}

const ADD_ITEM: &str = "mutation($id: ID!, $item: PortfolioItemFields!) { addPortfolioItem(input: { profileId: $id, item: $item }) { item { id title link skills { slug } imageLinks } userErrors { field code message } } }";
const UPDATE_ITEM: &str = "mutation($id: ID!, $item: PortfolioItemFields!) { updatePortfolioItem(input: { itemId: $id, item: $item }) { item { title skills { slug } } userErrors { field code } } }";
const REMOVE_ITEM: &str = "mutation($id: ID!) { removePortfolioItem(input: { itemId: $id }) { removedItemId userErrors { field code } } }";
const ADD_JOB: &str = "mutation($id: ID!, $job: EmploymentFields!) { addEmployment(input: { profileId: $id, employment: $job }) { employment { id company startedOn endedOn } userErrors { field code } } }";

async fn profile_id(app: &TestApp, token: &str) -> Value {
    let body = gql(
        app,
        Some(token),
        &create_mutation(),
        json!({ "p": full_profile() }),
    )
    .await;
    body["data"]["createFreelancerProfile"]["profile"]["id"].clone()
}

#[tokio::test]
async fn portfolio_items_and_employment_are_kept_by_their_owner() {
    for setup in setups() {
        let app = app(&setup).await;
        let ada = app.dev_token("ada", "freelancer").await;
        let id = profile_id(&app, &ada).await;
        let item = json!({
            "title": "Payments API",
            "description": "Idempotent payments in Rust.",
            "link": "https://github.com/ada/payments",
            "skills": ["rust", "postgresql"],
            "imageLinks": ["https://img.example/p1.png"]
        });
        let body = gql(
            &app,
            Some(&ada),
            ADD_ITEM,
            json!({ "id": id, "item": item }),
        )
        .await;
        let added = &body["data"]["addPortfolioItem"];
        assert_eq!(added["userErrors"], json!([]), "{body}");
        assert_eq!(
            added["item"]["skills"],
            json!([{ "slug": "rust" }, { "slug": "postgresql" }])
        );
        let item_id = added["item"]["id"].clone();

        let bad = json!({ "title": "", "link": "ftp://x", "skills": ["nope"], "imageLinks": ["http://a"] });
        let body = gql(&app, Some(&ada), ADD_ITEM, json!({ "id": id, "item": bad })).await;
        assert_eq!(
            field_paths(&body["data"]["addPortfolioItem"]["userErrors"]),
            [
                "input.item.imageLinks.0",
                "input.item.link",
                "input.item.skills.0",
                "input.item.title",
            ]
        );

        let job = json!({ "company": "Acme", "title": "Backend engineer", "startedOn": "2019-03-01", "endedOn": "2023-06-30" });
        let body = gql(&app, Some(&ada), ADD_JOB, json!({ "id": id, "job": job })).await;
        assert_eq!(
            body["data"]["addEmployment"]["employment"]["company"], "Acme",
            "{body}"
        );
        let backwards = json!({ "company": "Acme", "title": "x", "startedOn": "2023-01-01", "endedOn": "2022-01-01" });
        let body = gql(
            &app,
            Some(&ada),
            ADD_JOB,
            json!({ "id": id, "job": backwards }),
        )
        .await;
        assert_eq!(
            field_paths(&body["data"]["addEmployment"]["userErrors"]),
            ["input.employment.endedOn"]
        );

        // Everyone reads them through the profile.
        let read = "query($id: ID!) { freelancerProfile(id: $id) { portfolio { title githubRepo } employmentHistory { company endedOn } } }";
        let anon = gql(&app, None, read, json!({ "id": id })).await;
        assert_eq!(
            anon["data"]["freelancerProfile"]["portfolio"],
            json!([{ "title": "Payments API", "githubRepo": null }])
        );
        assert_eq!(
            anon["data"]["freelancerProfile"]["employmentHistory"],
            json!([{ "company": "Acme", "endedOn": "2023-06-30" }])
        );

        // Someone else can neither change nor remove them.
        let eve = app.dev_token("eve", "freelancer").await;
        let body = gql(
            &app,
            Some(&eve),
            UPDATE_ITEM,
            json!({ "id": item_id, "item": { "title": "stolen" } }),
        )
        .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        let body = gql(&app, Some(&eve), REMOVE_ITEM, json!({ "id": item_id })).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        let body = gql(
            &app,
            Some(&eve),
            ADD_ITEM,
            json!({ "id": id, "item": { "title": "spam" } }),
        )
        .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );

        // The owner changes them: absent fields stay, null clears the link.
        let body = gql(
            &app,
            Some(&ada),
            UPDATE_ITEM,
            json!({ "id": item_id, "item": { "title": "Payments API v2", "skills": ["go"] } }),
        )
        .await;
        assert_eq!(
            body["data"]["updatePortfolioItem"]["item"],
            json!({ "title": "Payments API v2", "skills": [{ "slug": "go" }] }),
            "{body}"
        );
        let full = "query($id: ID!) { freelancerProfile(id: $id) { portfolio { description link imageLinks } employmentHistory { title company endedOn description } } }";
        let read = gql(&app, None, full, json!({ "id": id })).await;
        assert_eq!(
            read["data"]["freelancerProfile"]["portfolio"][0],
            json!({ "description": "Idempotent payments in Rust.", "link": "https://github.com/ada/payments", "imageLinks": ["https://img.example/p1.png"] }),
            "unsent fields survive an update"
        );
        let body = gql(
            &app,
            Some(&ada),
            UPDATE_ITEM,
            json!({ "id": item_id, "item": { "link": null } }),
        )
        .await;
        assert_eq!(
            body["data"]["updatePortfolioItem"]["userErrors"],
            json!([]),
            "{body}"
        );
        let body = gql(
            &app,
            Some(&ada),
            UPDATE_ITEM,
            json!({ "id": item_id, "item": { "title": null } }),
        )
        .await;
        assert_eq!(
            field_paths(&body["data"]["updatePortfolioItem"]["userErrors"]),
            ["input.item.title"]
        );
        let job_id = gql(
            &app,
            None,
            "query($id: ID!) { freelancerProfile(id: $id) { employmentHistory { id } } }",
            json!({ "id": id }),
        )
        .await["data"]["freelancerProfile"]["employmentHistory"][0]["id"]
            .clone();
        let update_job = "mutation($id: ID!, $job: EmploymentFields!) { updateEmployment(input: { employmentId: $id, employment: $job }) { employment { title company endedOn } userErrors { field code } } }";
        let body = gql(
            &app,
            Some(&ada),
            update_job,
            json!({ "id": job_id, "job": { "title": "Staff engineer", "endedOn": null } }),
        )
        .await;
        assert_eq!(
            body["data"]["updateEmployment"]["employment"],
            json!({ "title": "Staff engineer", "company": "Acme", "endedOn": null }),
            "{body}"
        );

        let body = gql(&app, Some(&ada), REMOVE_ITEM, json!({ "id": item_id })).await;
        assert_eq!(
            body["data"]["removePortfolioItem"]["removedItemId"],
            item_id
        );
        let body = gql(&app, Some(&ada), REMOVE_ITEM, json!({ "id": item_id })).await;
        assert_eq!(
            body["data"]["removePortfolioItem"]["userErrors"][0]["code"],
            "NOT_FOUND"
        );
        // A removed item stays removed: changing it finds nothing.
        let body = gql(
            &app,
            Some(&ada),
            UPDATE_ITEM,
            json!({ "id": item_id, "item": { "title": "back" } }),
        )
        .await;
        assert_eq!(
            body["data"]["updatePortfolioItem"]["userErrors"][0]["code"],
            "NOT_FOUND"
        );
        let read = gql(
            &app,
            None,
            "query($id: ID!) { freelancerProfile(id: $id) { portfolio { title } } }",
            json!({ "id": id }),
        )
        .await;
        assert_eq!(read["data"]["freelancerProfile"]["portfolio"], json!([]));
    }
}

#[tokio::test]
async fn reading_many_profiles_with_their_lists_takes_a_fixed_number_of_statements() {
    for setup in setups() {
        let app = app(&setup).await;
        let mut ids = Vec::new();
        for n in 0..6 {
            let t = app.dev_token(&format!("dev-{n}"), "freelancer").await;
            let id = profile_id(&app, &t).await;
            let item = json!({ "title": format!("Work {n}"), "skills": ["rust", "docker"] });
            gql(&app, Some(&t), ADD_ITEM, json!({ "id": id, "item": item })).await;
            let job = json!({ "company": "Acme", "title": "Engineer", "startedOn": "2020-01-01" });
            gql(&app, Some(&t), ADD_JOB, json!({ "id": id, "job": job })).await;
            ids.push(id);
        }
        let query = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on FreelancerProfile {
            headline skills { skill { name category { name } } level }
            portfolio { title skills { name } } employmentHistory { company } } } }";
        let count = |ids: Vec<Value>| {
            let app = &app;
            async move {
                let before = app.statements.get();
                let body = gql(app, None, query, json!({ "ids": ids })).await;
                assert!(body.get("errors").is_none(), "{body}");
                app.statements.get() - before
            }
        };
        let two = count(ids[..2].to_vec()).await;
        let six = count(ids.clone()).await;
        assert!(
            six <= two,
            "statements grew with profiles: {two} for 2, {six} for 6"
        );
    }
}

#[tokio::test]
async fn concurrent_partial_changes_all_land_and_one_profile_per_account_holds() {
    for setup in setups() {
        let app = app(&setup).await;
        let ada = app.dev_token("ada", "freelancer").await;
        // Racing creates: exactly one profile, the others a CONFLICT at `input`.
        let create = create_mutation();
        let creates: Vec<_> = (0..4)
            .map(|_| {
                gql(
                    &app,
                    Some(&ada),
                    &create,
                    json!({ "p": { "headline": "Racer" } }),
                )
            })
            .collect();
        let results = futures_util::future::join_all(creates).await;
        let created: Vec<&Value> = results
            .iter()
            .filter(|b| !b["data"]["createFreelancerProfile"]["profile"].is_null())
            .collect();
        assert_eq!(created.len(), 1, "{results:?}");
        for b in &results {
            if b["data"]["createFreelancerProfile"]["profile"].is_null() {
                assert_eq!(
                    b["data"]["createFreelancerProfile"]["userErrors"],
                    json!([{ "field": ["input"], "code": "CONFLICT", "message": "you already have a freelancer profile" }])
                );
            }
        }
        let id = created[0]["data"]["createFreelancerProfile"]["profile"]["id"].clone();
        let update = update_mutation();
        for round in 0..5 {
            let headline = format!("Round {round}");
            let a = gql(
                &app,
                Some(&ada),
                &update,
                json!({ "id": id, "p": { "headline": headline } }),
            );
            let b = gql(
                &app,
                Some(&ada),
                &update,
                json!({ "id": id, "p": { "hoursPerWeek": round } }),
            );
            let (a, b) = tokio::join!(a, b);
            assert_eq!(
                a["data"]["updateFreelancerProfile"]["userErrors"],
                json!([]),
                "{a}"
            );
            assert_eq!(
                b["data"]["updateFreelancerProfile"]["userErrors"],
                json!([]),
                "{b}"
            );
            let read = gql(&app, None, "query($id: ID!) { freelancerProfile(id: $id) { headline availability { hoursPerWeek } } }", json!({ "id": id })).await;
            let p = &read["data"]["freelancerProfile"];
            assert_eq!(p["headline"], format!("Round {round}"), "a change was lost");
            assert_eq!(
                p["availability"]["hoursPerWeek"], round,
                "a change was lost"
            );
        }
    }
}

#[tokio::test]
async fn input_that_databases_cannot_hold_is_refused_not_failed() {
    for setup in setups() {
        let app = app(&setup).await;
        let ada = app.dev_token("ada", "freelancer").await;
        let id = profile_id(&app, &ada).await;
        for (p, path) in [
            (
                json!({ "externalProfiles": [{ "site": "GITHUB", "url": "https://github.com/a\u{0}b" }] }),
                "input.profile.externalProfiles.0.url",
            ),
            (
                json!({ "availableFrom": "-200000-01-01" }),
                "input.profile.availableFrom",
            ),
            (
                json!({ "availableFrom": "+200000-01-01" }),
                "input.profile.availableFrom",
            ),
            (json!({ "headline": null }), "input.profile.headline"),
            (json!({ "skills": null }), "input.profile.skills"),
            (
                json!({ "city": "Berlin\u{2028}Mitte" }),
                "input.profile.city",
            ),
        ] {
            let body = gql(
                &app,
                Some(&ada),
                &update_mutation(),
                json!({ "id": id, "p": p }),
            )
            .await;
            if body["errors"].is_array() {
                // Values GraphQL itself cannot read are refused before the domain runs.
                assert_eq!(
                    body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
                    "{p}: {body}"
                );
                continue;
            }
            let errors = &body["data"]["updateFreelancerProfile"]["userErrors"];
            assert_eq!(field_paths(errors), [path], "{p}: {body}");
        }
    }
}

const CREATE_CLIENT: &str = "mutation($p: ClientProfileFields!) { createClientProfile(input: { profile: $p }) { profile { id companyName size industry website country city description stats { postings hires hireRatePercent } } userErrors { field code message } } }";
const UPDATE_CLIENT: &str = "mutation($id: ID!, $p: ClientProfileFields!) { updateClientProfile(input: { profileId: $id, profile: $p }) { profile { companyName website size } userErrors { field code } } }";

#[tokio::test]
async fn clients_keep_a_public_company_profile_with_computed_stats() {
    for setup in setups() {
        let app = app(&setup).await;
        let freelancer = app.dev_token("ada", "freelancer").await;
        let body = gql(
            &app,
            Some(&freelancer),
            CREATE_CLIENT,
            json!({ "p": { "companyName": "Acme" } }),
        )
        .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "clients only: {body}"
        );

        let acme = app.dev_token("acme", "client").await;
        let bad =
            json!({ "website": "http://acme.example", "country": "Atlantis", "companyName": null });
        let body = gql(&app, Some(&acme), CREATE_CLIENT, json!({ "p": bad })).await;
        assert_eq!(
            field_paths(&body["data"]["createClientProfile"]["userErrors"]),
            [
                "input.profile.companyName",
                "input.profile.country",
                "input.profile.website"
            ]
        );
        let good = json!({
            "companyName": " Acme GmbH ", "size": "FROM_11_TO_50", "industry": "Fintech",
            "website": "https://acme.example", "country": "de", "city": "Hamburg",
            "description": "We build payment rails."
        });
        let body = gql(&app, Some(&acme), CREATE_CLIENT, json!({ "p": good })).await;
        let p = &body["data"]["createClientProfile"]["profile"];
        assert_eq!(p["companyName"], "Acme GmbH", "{body}");
        assert_eq!(p["country"], "DE");
        assert_eq!(
            p["stats"],
            json!({ "postings": 0, "hires": 0, "hireRatePercent": 0 })
        );
        let id = p["id"].clone();

        let again = gql(
            &app,
            Some(&acme),
            CREATE_CLIENT,
            json!({ "p": { "companyName": "Acme 2" } }),
        )
        .await;
        assert_eq!(
            again["data"]["createClientProfile"]["userErrors"][0]["code"],
            "CONFLICT"
        );

        let anon = gql(
            &app,
            None,
            "query($id: ID!) { clientProfile(id: $id) { companyName } node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
        assert_eq!(anon["data"]["clientProfile"]["companyName"], "Acme GmbH");
        assert_eq!(anon["data"]["node"]["id"], id);
        let mine = gql(
            &app,
            Some(&acme),
            "{ viewer { clientProfile { id } } }",
            json!({}),
        )
        .await;
        assert_eq!(mine["data"]["viewer"]["clientProfile"]["id"], id);

        let other = app.dev_token("globex", "client").await;
        let body = gql(
            &app,
            Some(&other),
            UPDATE_CLIENT,
            json!({ "id": id, "p": { "companyName": "Mine" } }),
        )
        .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        let body = gql(
            &app,
            Some(&acme),
            UPDATE_CLIENT,
            json!({ "id": id, "p": { "website": null, "size": "OVER_1000" } }),
        )
        .await;
        assert_eq!(
            body["data"]["updateClientProfile"]["profile"],
            json!({ "companyName": "Acme GmbH", "website": null, "size": "OVER_1000" })
        );

        // A suspended client's profile is no longer public.
        app.database()
            .execute("UPDATE users SET status = 'SUSPENDED' WHERE display_name = 'acme'")
            .await;
        let anon = gql(
            &app,
            None,
            "query($id: ID!) { clientProfile(id: $id) { companyName } node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
        assert_eq!(anon["data"]["clientProfile"], Value::Null);
        assert_eq!(anon["data"]["node"], Value::Null);
    }
}
