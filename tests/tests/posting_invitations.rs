#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Invitations to postings over GraphQL: a client invites a freelancer and an agency,
//! the invitees list and answer them, invitations expire with their posting, invite-only
//! postings show themselves to their invitees; who may do what; bad input that changes
//! nothing; and the cost of a page of invitations.

use serde_json::{Value, json};
use tests::payload::{errors, outcome};
use tests::{Setup, TestApp, setups};

async fn app(setup: &Setup) -> TestApp {
    TestApp::spawn_with(setup, |s| s.dev_login = true).await
}

const INVITATION: &str = "id status message inviteeKind declineReason createdAt respondedAt
    posting { id title } freelancer { headline } agency { name }";

fn invite_query() -> String {
    format!(
        "mutation($p: ID!, $f: ID, $a: ID, $m: String) {{
            invitePostingCandidate(input: {{ postingId: $p, profileId: $f, agencyId: $a, message: $m }}) {{
            invitation {{ {INVITATION} }} userErrors {{ field code message }} }} }}"
    )
}

fn accept_query() -> String {
    format!(
        "mutation($id: ID!) {{ acceptPostingInvitation(input: {{ invitationId: $id }}) {{
            invitation {{ {INVITATION} }} userErrors {{ field code message }} }} }}"
    )
}

fn decline_query() -> String {
    format!(
        "mutation($id: ID!, $r: String) {{ declinePostingInvitation(input: {{ invitationId: $id, reason: $r }}) {{
            invitation {{ {INVITATION} }} userErrors {{ field code message }} }} }}"
    )
}

const MINE: &str =
    "query($s: [PostingInvitationStatus!]) { viewer { postingInvitations(statuses: $s) {
    totalCount nodes { id status declineReason inviteeKind posting { title } } } } }";
const READ: &str = "query($id: ID!) { posting(id: $id) { id title visibility } }";
const OF_POSTING: &str = "query($id: ID!) { posting(id: $id) { inviteCount
    invitations { totalCount nodes { id status inviteeKind } } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { ... on PostingInvitation { id status } } }";

async fn category_id(app: &TestApp) -> Value {
    app.query("{ categories { id slug } }", json!({})).await["categories"][0]["id"].clone()
}

/// A published posting of `token`'s (a draft when `publish` is false): its ID.
async fn posting(app: &TestApp, token: &str, visibility: &str, publish: bool) -> Value {
    let category = category_id(app).await;
    let fields = json!({
        "title": "Senior Rust engineer",
        "description": "Build and run our payments API in Rust on PostgreSQL, with care and tests.",
        "categoryId": category,
        "skills": [{ "skill": "rust", "minLevel": 4 }],
        "hireType": "FREELANCE_LONG_TERM",
        "budget": { "kind": "HOURLY", "min": { "amountMinor": 6000, "currency": "USD" },
                    "max": { "amountMinor": 9000, "currency": "USD" } },
        "experienceLevel": "EXPERT",
        "duration": "THREE_TO_SIX_MONTHS",
        "visibility": visibility,
    });
    let body = app
        .gql(
            Some(token),
            "mutation($p: PostingFields!) { createPosting(input: { posting: $p }) {
                posting { id version } userErrors { field code message } } }",
            json!({ "p": fields }),
        )
        .await;
    let id = body["data"]["createPosting"]["posting"]["id"].clone();
    assert!(id.is_string(), "{body}");
    if publish {
        let body = app
            .gql(
                Some(token),
                "mutation($id: ID!) { publishPosting(input: { postingId: $id, expectedVersion: 1 }) {
                    posting { status } userErrors { field code message } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(outcome(&body, "publishPosting"), "OK", "{body}");
    }
    id
}

async fn close(app: &TestApp, token: &str, id: &Value) {
    let version = app
        .gql(
            Some(token),
            "query($id: ID!) { posting(id: $id) { version } }",
            json!({ "id": id }),
        )
        .await["data"]["posting"]["version"]
        .clone();
    let body = app
        .gql(
            Some(token),
            "mutation($id: ID!, $v: Int!) { closePosting(input: { postingId: $id, expectedVersion: $v, reason: CANCELLED }) {
                posting { status } userErrors { field code message } } }",
            json!({ "id": id, "v": version }),
        )
        .await;
    assert_eq!(outcome(&body, "closePosting"), "OK", "{body}");
}

/// A signed-in freelancer with a profile whose headline is their handle: (token, profile).
async fn freelancer(app: &TestApp, handle: &str, roles: &str) -> (String, Value) {
    let token = app.dev_token(handle, roles).await;
    let body = app
        .gql(
            Some(&token),
            "mutation($h: String!) { createFreelancerProfile(input: { profile: { headline: $h } }) {
                profile { id } userErrors { message } } }",
            json!({ "h": handle }),
        )
        .await;
    let id = body["data"]["createFreelancerProfile"]["profile"]["id"].clone();
    assert!(id.is_string(), "{body}");
    (token, id)
}

/// An agency founded by `owner`, with `members` joined as members: its ID.
async fn agency(app: &TestApp, owner: &str, name: &str, members: &[&(String, Value)]) -> Value {
    let body = app
        .gql(
            Some(owner),
            "mutation($n: String!) { createAgency(input: { agency: { name: $n } }) {
                agency { id } userErrors { field code message } } }",
            json!({ "n": name }),
        )
        .await;
    let id = body["data"]["createAgency"]["agency"]["id"].clone();
    assert!(id.is_string(), "{body}");
    for (token, profile) in members {
        let body = app
            .gql(
                Some(owner),
                "mutation($a: ID!, $p: ID!) { inviteAgencyMember(input: { agencyId: $a, profileId: $p, role: MEMBER }) {
                    invitation { id } userErrors { field code message } } }",
                json!({ "a": id, "p": profile }),
            )
            .await;
        let inv = body["data"]["inviteAgencyMember"]["invitation"]["id"].clone();
        assert!(inv.is_string(), "{body}");
        let body = app
            .gql(
                Some(token),
                "mutation($id: ID!) { acceptAgencyInvitation(input: { invitationId: $id }) {
                    invitation { status } userErrors { field code message } } }",
                json!({ "id": inv }),
            )
            .await;
        assert_eq!(outcome(&body, "acceptAgencyInvitation"), "OK", "{body}");
    }
    id
}

async fn admin(app: &TestApp) -> String {
    let token = app.dev_token("ops", "").await;
    app.database()
        .execute("UPDATE users SET is_admin = TRUE WHERE display_name = 'ops'")
        .await;
    token
}

async fn invite(app: &TestApp, token: &str, vars: Value) -> Value {
    app.gql(Some(token), &invite_query(), vars).await
}

/// Invites and expects it to work: the invitation's ID.
async fn invited(app: &TestApp, token: &str, vars: Value) -> Value {
    let body = invite(app, token, vars).await;
    assert_eq!(outcome(&body, "invitePostingCandidate"), "OK", "{body}");
    body["data"]["invitePostingCandidate"]["invitation"]["id"].clone()
}

/// (invitations, notifications of invitations, invitations counted on postings).
async fn written(app: &TestApp) -> (i64, i64, i64) {
    let db = app.database();
    (
        db.count("SELECT COUNT(*) FROM posting_invitations").await,
        db.count("SELECT COUNT(*) FROM notifications WHERE kind = 'POSTING_INVITATION'")
            .await,
        db.count("SELECT CAST(COALESCE(SUM(invite_count), 0) AS BIGINT) FROM postings")
            .await,
    )
}

fn titles_of(body: &Value) -> Vec<(String, String)> {
    body["data"]["viewer"]["postingInvitations"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no list in {body}"))
        .iter()
        .map(|n| {
            (
                n["status"].as_str().unwrap().to_owned(),
                n["inviteeKind"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_client_invites_a_freelancer_and_an_agency_who_list_and_answer() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let ada = freelancer(&app, "ada", "freelancer").await;
        let bob = freelancer(&app, "bob", "freelancer").await;
        let cat = freelancer(&app, "cat", "freelancer").await;
        let dan = freelancer(&app, "dan", "freelancer").await;
        let bobs = agency(&app, &bob.0, "Bob & Co", &[&cat]).await;
        let p = posting(&app, &acme, "INVITE_ONLY", true).await;

        // Invite-only: nobody but its client sees it yet.
        for who in [&ada.0, &bob.0, &cat.0, &dan.0] {
            let body = app.gql(Some(who), READ, json!({ "id": p })).await;
            assert_eq!(body["data"]["posting"], Value::Null, "{body}");
        }

        let body = invite(
            &app,
            &acme,
            json!({ "p": p, "f": ada.1, "m": "  We liked your Rust work.  " }),
        )
        .await;
        assert_eq!(outcome(&body, "invitePostingCandidate"), "OK", "{body}");
        let to_ada = &body["data"]["invitePostingCandidate"]["invitation"];
        assert_eq!(to_ada["status"], "PENDING");
        assert_eq!(to_ada["message"], "We liked your Rust work.");
        assert_eq!(to_ada["inviteeKind"], "FREELANCER");
        assert_eq!(to_ada["freelancer"]["headline"], "ada");
        assert_eq!(to_ada["agency"], Value::Null);
        assert_eq!(to_ada["posting"]["id"], p);
        assert_eq!(to_ada["respondedAt"], Value::Null);
        let to_ada = to_ada["id"].clone();
        let body = invite(&app, &acme, json!({ "p": p, "a": bobs })).await;
        let to_bobs = &body["data"]["invitePostingCandidate"]["invitation"];
        assert_eq!(to_bobs["inviteeKind"], "AGENCY", "{body}");
        assert_eq!(to_bobs["agency"]["name"], "Bob & Co");
        assert_eq!(to_bobs["message"], Value::Null);
        let to_bobs = to_bobs["id"].clone();
        // Ada and Bob (the agency's owner) were notified, each once.
        assert_eq!(written(&app).await, (2, 2, 2), "{setup:?}");

        // The invitees now see the posting: Ada, and every member of Bob's agency.
        for who in [&ada.0, &bob.0, &cat.0] {
            let body = app.gql(Some(who), READ, json!({ "id": p })).await;
            assert_eq!(
                body["data"]["posting"]["visibility"], "INVITE_ONLY",
                "{body}"
            );
        }
        for who in [Some(dan.0.as_str()), None] {
            let body = app.gql(who, READ, json!({ "id": p })).await;
            assert_eq!(body["data"]["posting"], Value::Null, "{body}");
        }

        // Each lists their own: Ada hers, Bob his agency's; Cat (not an owner) none, but
        // she sees the agency's invitation by ID.
        let mine = |token: &str, statuses: Value| {
            let app = &app;
            let token = token.to_owned();
            async move { app.gql(Some(&token), MINE, json!({ "s": statuses })).await }
        };
        let body = mine(&ada.0, Value::Null).await;
        assert_eq!(
            titles_of(&body),
            [("PENDING".to_owned(), "FREELANCER".to_owned())]
        );
        assert_eq!(
            body["data"]["viewer"]["postingInvitations"]["nodes"][0]["posting"]["title"],
            "Senior Rust engineer"
        );
        assert_eq!(
            titles_of(&mine(&bob.0, Value::Null).await),
            [("PENDING".to_owned(), "AGENCY".to_owned())]
        );
        assert!(titles_of(&mine(&cat.0, Value::Null).await).is_empty());
        let body = app.gql(Some(&cat.0), NODE, json!({ "id": to_bobs })).await;
        assert_eq!(body["data"]["node"]["status"], "PENDING", "{body}");
        // The client lists the posting's.
        let body = app.gql(Some(&acme), OF_POSTING, json!({ "id": p })).await;
        assert_eq!(body["data"]["posting"]["inviteCount"], 2, "{body}");
        assert_eq!(body["data"]["posting"]["invitations"]["totalCount"], 2);
        assert_eq!(
            body["data"]["posting"]["invitations"]["nodes"][0]["id"], to_bobs,
            "newest first"
        );

        // Ada accepts; Bob declines for his agency, saying why.
        let body = app
            .gql(Some(&ada.0), &accept_query(), json!({ "id": to_ada }))
            .await;
        let inv = &body["data"]["acceptPostingInvitation"]["invitation"];
        assert_eq!(inv["status"], "ACCEPTED", "{body}");
        assert!(inv["respondedAt"].is_string());
        let body = app
            .gql(
                Some(&bob.0),
                &decline_query(),
                json!({ "id": to_bobs, "r": "Fully booked until May." }),
            )
            .await;
        let inv = &body["data"]["declinePostingInvitation"]["invitation"];
        assert_eq!(inv["status"], "DECLINED", "{body}");
        assert_eq!(inv["declineReason"], "Fully booked until May.");

        // Filters by state; the total counts the whole list.
        let body = mine(&ada.0, json!(["ACCEPTED"])).await;
        assert_eq!(
            body["data"]["viewer"]["postingInvitations"]["totalCount"],
            1
        );
        assert!(titles_of(&mine(&ada.0, json!(["PENDING", "DECLINED"])).await).is_empty());
        assert_eq!(
            titles_of(&mine(&bob.0, json!(["DECLINED"])).await),
            [("DECLINED".to_owned(), "AGENCY".to_owned())]
        );
        // Declined or not, the invitees still see the posting.
        for who in [&ada.0, &bob.0, &cat.0] {
            let body = app.gql(Some(who), READ, json!({ "id": p })).await;
            assert!(body["data"]["posting"]["id"].is_string(), "{body}");
        }
        // Answered is final; a declined agency may be invited again, an accepted
        // freelancer not.
        let body = app
            .gql(Some(&ada.0), &decline_query(), json!({ "id": to_ada }))
            .await;
        assert_eq!(
            errors(&body, "declinePostingInvitation"),
            ["INVALID_STATE@input.invitationId"]
        );
        invited(&app, &acme, json!({ "p": p, "a": bobs })).await;
        let body = invite(&app, &acme, json!({ "p": p, "f": ada.1 })).await;
        assert_eq!(
            errors(&body, "invitePostingCandidate"),
            ["CONFLICT@input.profileId"]
        );
        assert_eq!(written(&app).await, (3, 3, 3), "{setup:?}");
    }
}

#[tokio::test]
async fn invitations_expire_when_their_posting_closes() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let ada = freelancer(&app, "ada", "freelancer").await;
        let bob = freelancer(&app, "bob", "freelancer").await;
        let cat = freelancer(&app, "cat", "freelancer").await;
        let p = posting(&app, &acme, "PUBLIC", true).await;
        let to_ada = invited(&app, &acme, json!({ "p": p, "f": ada.1 })).await;
        let to_bob = invited(&app, &acme, json!({ "p": p, "f": bob.1 })).await;
        let body = app
            .gql(Some(&bob.0), &accept_query(), json!({ "id": to_bob }))
            .await;
        assert_eq!(outcome(&body, "acceptPostingInvitation"), "OK", "{body}");
        // A paused posting still invites and takes answers.
        let body = app
            .gql(
                Some(&acme),
                "mutation($id: ID!) { pausePosting(input: { postingId: $id, expectedVersion: 2 }) {
                    posting { status } userErrors { field code message } } }",
                json!({ "id": p }),
            )
            .await;
        assert_eq!(outcome(&body, "pausePosting"), "OK", "{body}");
        let to_cat = invited(&app, &acme, json!({ "p": p, "f": cat.1 })).await;

        close(&app, &acme, &p).await;
        // Pending ones read EXPIRED; answered ones stay as they were.
        let body = app.gql(Some(&ada.0), MINE, json!({})).await;
        assert_eq!(
            titles_of(&body),
            [("EXPIRED".to_owned(), "FREELANCER".to_owned())],
            "{setup:?}"
        );
        let body = app
            .gql(Some(&ada.0), MINE, json!({ "s": ["EXPIRED"] }))
            .await;
        assert_eq!(
            body["data"]["viewer"]["postingInvitations"]["totalCount"],
            1
        );
        let body = app
            .gql(Some(&ada.0), MINE, json!({ "s": ["PENDING"] }))
            .await;
        assert_eq!(
            body["data"]["viewer"]["postingInvitations"]["totalCount"],
            0
        );
        let body = app.gql(Some(&bob.0), NODE, json!({ "id": to_bob })).await;
        assert_eq!(body["data"]["node"]["status"], "ACCEPTED", "{body}");

        // An expired invitation takes no answer; a closed posting invites nobody.
        let before = written(&app).await;
        let body = app
            .gql(Some(&ada.0), &accept_query(), json!({ "id": to_ada }))
            .await;
        assert_eq!(
            errors(&body, "acceptPostingInvitation"),
            ["INVALID_STATE@input.invitationId"],
            "{body}"
        );
        let body = app
            .gql(Some(&cat.0), &decline_query(), json!({ "id": to_cat }))
            .await;
        assert_eq!(
            errors(&body, "declinePostingInvitation"),
            ["INVALID_STATE@input.invitationId"]
        );
        let dan = freelancer(&app, "dan", "freelancer").await;
        let body = invite(&app, &acme, json!({ "p": p, "f": dan.1 })).await;
        assert_eq!(
            errors(&body, "invitePostingCandidate"),
            ["INVALID_STATE@input.postingId"]
        );
        assert_eq!(written(&app).await, before);
        let body = app.gql(Some(&cat.0), NODE, json!({ "id": to_cat })).await;
        assert_eq!(body["data"]["node"]["status"], "EXPIRED");
    }
}

#[tokio::test]
async fn who_may_invite_answer_and_see_invitations() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let globex = app.dev_token("globex", "client").await;
        let ops = admin(&app).await;
        let ada = freelancer(&app, "ada", "freelancer").await;
        let bob = freelancer(&app, "bob", "freelancer").await;
        let cat = freelancer(&app, "cat", "freelancer").await;
        let dan = freelancer(&app, "dan", "freelancer").await;
        let bobs = agency(&app, &bob.0, "Bob & Co", &[&cat]).await;
        let public = posting(&app, &acme, "PUBLIC", true).await;
        let hidden = posting(&app, &acme, "INVITE_ONLY", true).await;
        let to_ada = invited(&app, &acme, json!({ "p": hidden, "f": ada.1 })).await;
        let to_bobs = invited(&app, &acme, json!({ "p": hidden, "a": bobs })).await;

        // Inviting: the client only. Others who see the posting hear FORBIDDEN (the
        // invitee of an invite-only posting sees it); those who do not, NOT_FOUND.
        let anonymous = app
            .gql(None, &invite_query(), json!({ "p": public, "f": dan.1 }))
            .await;
        assert_eq!(
            outcome(&anonymous, "invitePostingCandidate"),
            "UNAUTHENTICATED"
        );
        for (who, p, want) in [
            (&globex, &public, "FORBIDDEN"),
            (&globex, &hidden, "NOT_FOUND"),
            (&dan.0, &hidden, "NOT_FOUND"),
            (&ada.0, &hidden, "FORBIDDEN"),
            (&cat.0, &hidden, "FORBIDDEN"),
            (&ops, &hidden, "FORBIDDEN"),
            (&acme, &public, "OK"),
        ] {
            let body = invite(&app, who, json!({ "p": p, "f": dan.1 })).await;
            assert_eq!(
                outcome(&body, "invitePostingCandidate"),
                want,
                "{setup:?} {p}: {body}"
            );
            if want == "NOT_FOUND" {
                assert_eq!(
                    errors(&body, "invitePostingCandidate"),
                    ["NOT_FOUND@input.postingId"]
                );
            }
        }

        // Answering: the invitee (an owner of the invited agency). Others who see the
        // invitation hear FORBIDDEN; the rest NOT_FOUND.
        let none: Option<&str> = None;
        for (invitation, rows) in [
            (
                &to_ada,
                vec![
                    (none, "UNAUTHENTICATED"),
                    (Some(globex.as_str()), "NOT_FOUND"),
                    (Some(dan.0.as_str()), "NOT_FOUND"),
                    (Some(bob.0.as_str()), "NOT_FOUND"),
                    (Some(acme.as_str()), "FORBIDDEN"),
                    (Some(ops.as_str()), "FORBIDDEN"),
                ],
            ),
            (
                &to_bobs,
                vec![
                    (none, "UNAUTHENTICATED"),
                    (Some(ada.0.as_str()), "NOT_FOUND"),
                    (Some(cat.0.as_str()), "FORBIDDEN"),
                    (Some(acme.as_str()), "FORBIDDEN"),
                    (Some(ops.as_str()), "FORBIDDEN"),
                ],
            ),
        ] {
            for (who, want) in rows {
                for (query, mutation) in [
                    (accept_query(), "acceptPostingInvitation"),
                    (decline_query(), "declinePostingInvitation"),
                ] {
                    let body = app
                        .gql(who, &query, json!({ "id": invitation, "r": "no" }))
                        .await;
                    assert_eq!(outcome(&body, mutation), want, "{who:?} {mutation}: {body}");
                }
            }
        }
        // Nothing was answered by anyone of them.
        let body = app
            .gql(Some(&acme), OF_POSTING, json!({ "id": hidden }))
            .await;
        let statuses: Vec<&str> = body["data"]["posting"]["invitations"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["PENDING", "PENDING"], "{body}");

        // Seeing an invitation: the client, the invitee (the agency's members), admins.
        for (who, invitation, sees) in [
            (Some(acme.as_str()), &to_ada, true),
            (Some(ada.0.as_str()), &to_ada, true),
            (Some(ops.as_str()), &to_ada, true),
            (Some(bob.0.as_str()), &to_ada, false),
            (Some(globex.as_str()), &to_ada, false),
            (None, &to_ada, false),
            (Some(bob.0.as_str()), &to_bobs, true),
            (Some(cat.0.as_str()), &to_bobs, true),
            (Some(ada.0.as_str()), &to_bobs, false),
        ] {
            let body = app.gql(who, NODE, json!({ "id": invitation })).await;
            assert_eq!(
                body["data"]["node"]["id"].is_string(),
                sees,
                "{who:?}: {body}"
            );
        }
        // A posting's list: its client and admins; an error for others who see it.
        let body = app
            .gql(Some(&ops), OF_POSTING, json!({ "id": hidden }))
            .await;
        assert_eq!(
            body["data"]["posting"]["invitations"]["totalCount"], 2,
            "{body}"
        );
        for who in [Some(globex.as_str()), Some(ada.0.as_str()), None] {
            let body = app.gql(who, OF_POSTING, json!({ "id": public })).await;
            let code = body["errors"][0]["extensions"]["code"].as_str();
            let want = if who.is_some() {
                "FORBIDDEN"
            } else {
                "UNAUTHENTICATED"
            };
            assert_eq!(code, Some(want), "{who:?}: {body}");
        }
        // The anonymous have no viewer, hence no invitations.
        let body = app.gql(None, MINE, json!({})).await;
        assert_eq!(body["data"]["viewer"], Value::Null, "{body}");

        // The right ones answer.
        let body = app
            .gql(Some(&ada.0), &accept_query(), json!({ "id": to_ada }))
            .await;
        assert_eq!(outcome(&body, "acceptPostingInvitation"), "OK", "{body}");
        let body = app
            .gql(Some(&bob.0), &accept_query(), json!({ "id": to_bobs }))
            .await;
        assert_eq!(outcome(&body, "acceptPostingInvitation"), "OK", "{body}");
    }
}

#[tokio::test]
async fn bad_input_is_refused_on_its_field_and_changes_nothing() {
    for setup in setups() {
        let app = app(&setup).await;
        // Acme is a client and a freelancer with a profile of their own.
        let acme = freelancer(&app, "acme", "client,freelancer").await;
        let ada = freelancer(&app, "ada", "freelancer").await;
        let bob = freelancer(&app, "bob", "freelancer").await;
        let bobs = agency(&app, &bob.0, "Bob & Co", &[]).await;
        let acmes = agency(&app, &acme.0, "Acme Labs", &[]).await;
        let p = posting(&app, &acme.0, "INVITE_ONLY", true).await;
        let draft = posting(&app, &acme.0, "PUBLIC", false).await;
        let closed = posting(&app, &acme.0, "PUBLIC", true).await;
        close(&app, &acme.0, &closed).await;
        let to_ada = invited(&app, &acme.0, json!({ "p": p, "f": ada.1 })).await;
        let before = written(&app).await;
        assert_eq!(before, (1, 1, 1));

        let long = "x".repeat(1001);
        for (vars, want) in [
            (
                json!({ "p": p, "f": ada.1, "a": bobs }),
                vec!["VALIDATION@input.agencyId", "VALIDATION@input.profileId"],
            ),
            (
                json!({ "p": p }),
                vec!["VALIDATION@input.agencyId", "VALIDATION@input.profileId"],
            ),
            (
                json!({ "p": p, "m": long, "a": bobs, "f": ada.1 }),
                vec![
                    "VALIDATION@input.agencyId",
                    "VALIDATION@input.message",
                    "VALIDATION@input.profileId",
                ],
            ),
            (
                json!({ "p": p, "f": bob.1, "m": long }),
                vec!["VALIDATION@input.message"],
            ),
            (
                json!({ "p": p, "f": "nonsense" }),
                vec!["NOT_FOUND@input.profileId"],
            ),
            // An ID of another kind names nothing either.
            (
                json!({ "p": p, "f": bobs }),
                vec!["NOT_FOUND@input.profileId"],
            ),
            (
                json!({ "p": p, "a": ada.1 }),
                vec!["NOT_FOUND@input.agencyId"],
            ),
            (
                json!({ "p": "nonsense", "a": bobs }),
                vec!["NOT_FOUND@input.postingId"],
            ),
            // Oneself: one's own profile, or an agency one is in.
            (
                json!({ "p": p, "f": acme.1 }),
                vec!["VALIDATION@input.profileId"],
            ),
            (
                json!({ "p": p, "a": acmes }),
                vec!["VALIDATION@input.agencyId"],
            ),
            (
                json!({ "p": p, "f": ada.1 }),
                vec!["CONFLICT@input.profileId"],
            ),
            (
                json!({ "p": draft, "f": bob.1 }),
                vec!["INVALID_STATE@input.postingId"],
            ),
            (
                json!({ "p": closed, "a": bobs }),
                vec!["INVALID_STATE@input.postingId"],
            ),
        ] {
            let body = invite(&app, &acme.0, vars.clone()).await;
            assert_eq!(
                errors(&body, "invitePostingCandidate"),
                want,
                "{setup:?} {vars}: {body}"
            );
            assert_eq!(
                body["data"]["invitePostingCandidate"]["invitation"],
                Value::Null
            );
            assert_eq!(written(&app).await, before, "{vars}: nothing changed");
        }
        // A reason that is too long, and an invitation ID that names nothing.
        let body = app
            .gql(
                Some(&ada.0),
                &decline_query(),
                json!({ "id": to_ada, "r": "y".repeat(501) }),
            )
            .await;
        assert_eq!(
            errors(&body, "declinePostingInvitation"),
            ["VALIDATION@input.reason"]
        );
        for id in [json!("nonsense"), p.clone()] {
            let body = app
                .gql(Some(&ada.0), &accept_query(), json!({ "id": id }))
                .await;
            assert_eq!(
                errors(&body, "acceptPostingInvitation"),
                ["NOT_FOUND@input.invitationId"]
            );
        }
        let body = app.gql(Some(&ada.0), NODE, json!({ "id": to_ada })).await;
        assert_eq!(body["data"]["node"]["status"], "PENDING", "unchanged");
        // Pages: at most 100, and cursors of this list only.
        let body = app
            .gql(
                Some(&ada.0),
                "{ viewer { postingInvitations(first: 101) { totalCount } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "VALIDATION",
            "{body}"
        );
        let body = app
            .gql(
                Some(&ada.0),
                "{ viewer { postingInvitations(after: \"bm9wZQ\") { totalCount } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "INVALID_CURSOR",
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_page_of_invitations_with_their_relations_takes_a_fixed_number_of_statements() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let bob = freelancer(&app, "bob", "freelancer").await;
        let cat = freelancer(&app, "cat", "freelancer").await;
        let bobs = agency(&app, &bob.0, "Bob & Co", &[&cat]).await;
        // Ten invite-only postings, each inviting Bob and his agency: twenty invitations.
        for _ in 0..10 {
            let p = posting(&app, &acme, "INVITE_ONLY", true).await;
            invited(&app, &acme, json!({ "p": p, "f": bob.1 })).await;
            invited(&app, &acme, json!({ "p": p, "a": bobs })).await;
        }
        let query = "query($n: Int!) { viewer { postingInvitations(first: $n) { nodes {
            status inviteeKind posting { title visibility inviteCount client { companyName } }
            freelancer { headline skills { skill { slug } } }
            agency { name skills { skill { slug } } } } } } }";
        let count = |n: usize| {
            let app = &app;
            let token = bob.0.clone();
            async move {
                let before = app.statements.get();
                let body = app.gql(Some(&token), query, json!({ "n": n })).await;
                assert!(body.get("errors").is_none(), "{body}");
                let nodes = body["data"]["viewer"]["postingInvitations"]["nodes"]
                    .as_array()
                    .unwrap()
                    .clone();
                assert_eq!(nodes.len(), n);
                for node in &nodes {
                    assert!(node["posting"]["title"].is_string(), "{node}");
                    let named = match node["inviteeKind"].as_str().unwrap() {
                        "FREELANCER" => node["freelancer"]["headline"].is_string(),
                        _ => node["agency"]["name"].is_string(),
                    };
                    assert!(named, "{node}");
                }
                app.statements.get() - before
            }
        };
        count(3).await; // warms the session cache
        let three = count(3).await;
        let twenty = count(20).await;
        assert!(
            twenty <= three,
            "{setup:?}: statements grew with invitations: {three} for 3, {twenty} for 20"
        );
    }
}

/// A client's dashboard with each posting's history and invitations costs a fixed number
/// of statements, whatever the number of postings.
#[tokio::test]
async fn a_dashboard_with_histories_and_invitations_takes_a_fixed_number_of_statements() {
    for setup in setups() {
        let app = app(&setup).await;
        let (_, profile) = freelancer(&app, "ada", "freelancer").await;
        let acme = app.dev_token("acme", "client").await;
        let query = "{ viewer { postings(first: 10) { nodes { title
            history { change changedFields before { title } }
            invitations(first: 5) { totalCount nodes { status freelancer { headline } } } } } } }";
        let mut measured = Vec::new();
        let mut posted = 0;
        for total in [2, 9] {
            while posted < total {
                let id = posting(&app, &acme, "PUBLIC", true).await;
                let body = app
                    .gql(
                        Some(&acme),
                        "mutation($id: ID!, $t: String!) { updatePosting(input: {
                            postingId: $id, expectedVersion: 2, posting: { title: $t } }) {
                            userErrors { field code message } } }",
                        json!({ "id": id, "t": format!("Role {posted}") }),
                    )
                    .await;
                assert_eq!(outcome(&body, "updatePosting"), "OK", "{body}");
                invited(&app, &acme, json!({ "p": id, "f": profile })).await;
                posted += 1;
            }
            let before = app.statements.get();
            let body = app.gql(Some(&acme), query, json!({})).await;
            measured.push(app.statements.get() - before);
            let nodes = body["data"]["viewer"]["postings"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"));
            assert_eq!(nodes.len(), total, "{body}");
            for node in nodes {
                assert_eq!(
                    node["history"],
                    json!([
                        { "change": "PUBLISHED", "changedFields": ["status"],
                          "before": { "title": "Senior Rust engineer" } },
                        { "change": "EDITED", "changedFields": ["title"],
                          "before": { "title": "Senior Rust engineer" } },
                    ]),
                    "{body}"
                );
                assert_eq!(node["invitations"]["totalCount"], 1, "{body}");
                assert_eq!(
                    node["invitations"]["nodes"],
                    json!([{ "status": "PENDING", "freelancer": { "headline": "ada" } }]),
                    "{body}"
                );
            }
        }
        assert_eq!(
            measured[0], measured[1],
            "statements grew with rows: {measured:?}"
        );
    }
}
