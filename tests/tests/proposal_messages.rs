#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! A proposal's thread and referrals over GraphQL: a thread between the client and the
//! freelancer with pages, unread counts and read marks; an agency owner speaking for
//! the freelancer's side; who may read and send; referrals (once per referrer, seen by
//! the client on the proposal, not by the freelancer); bad input that changes nothing;
//! and the cost of a page of proposals with their last message, unread count and
//! referrals.

use serde_json::{Value, json};
use tests::payload::{errors, outcome};
use tests::{Setup, TestApp, setups};

async fn app(setup: &Setup) -> TestApp {
    TestApp::spawn_with(setup, |s| s.dev_login = true).await
}

/// An hourly posting of `token`'s in USD without screening questions, published unless
/// `publish` is false: its ID.
async fn posting(app: &TestApp, token: &str, publish: bool) -> Value {
    let category =
        app.query("{ categories { id } }", json!({})).await["categories"][0]["id"].clone();
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
        "visibility": "PUBLIC",
    });
    let body = app
        .gql(
            Some(token),
            "mutation($p: PostingFields!) { createPosting(input: { posting: $p }) {
                posting { id } userErrors { field code message } } }",
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

/// A freelancer with a profile: the token and the profile's ID.
async fn freelancer(app: &TestApp, handle: &str) -> (String, Value) {
    let token = app.dev_token(handle, "freelancer").await;
    let body = app
        .gql(
            Some(&token),
            "mutation($h: String!) { createFreelancerProfile(input: { profile: {
                headline: $h, skills: [{ skill: \"rust\", level: 5, years: 6 }] } }) {
                profile { id } userErrors { field message } } }",
            json!({ "h": format!("{handle}, Rust engineer") }),
        )
        .await;
    let id = body["data"]["createFreelancerProfile"]["profile"]["id"].clone();
    assert!(id.is_string(), "{body}");
    (token, id)
}

/// Submits a good proposal on `posting` (for the member `for_member` of `agency` when
/// given): its ID.
async fn propose(
    app: &TestApp,
    token: &str,
    posting: &Value,
    agency: Option<(&Value, &Value)>,
) -> Value {
    let (a, m) = agency.map_or((Value::Null, Value::Null), |(a, m)| (a.clone(), m.clone()));
    let body = app
        .gql(
            Some(token),
            "mutation($p: ID!, $a: ID, $m: ID) { submitProposal(input: { postingId: $p, agencyId: $a,
                memberId: $m, coverLetter: \"I have run Rust payment services for six years and would start with your ledger.\",
                bid: { amountMinor: 8000, currency: \"USD\" }, durationDays: 60, answers: [] }) {
                proposal { id } userErrors { field code message } } }",
            json!({ "p": posting, "a": a, "m": m }),
        )
        .await;
    assert_eq!(outcome(&body, "submitProposal"), "OK", "{body}");
    body["data"]["submitProposal"]["proposal"]["id"].clone()
}

const SEND: &str =
    "mutation($id: ID!, $b: String!) { sendProposalMessage(input: { proposalId: $id, body: $b }) {
    message { id body side mine sentAt } userErrors { field code message } } }";
const MARK: &str = "mutation($id: ID!, $up: ID!) { markProposalMessagesRead(input: { proposalId: $id, upTo: $up }) {
    proposal { id unreadMessageCount } userErrors { field code message } } }";
const THREAD: &str = "query($id: ID!, $n: Int, $after: String) { node(id: $id) { ... on Proposal {
    id unreadMessageCount lastMessage { body side mine }
    messages(first: $n, after: $after) { nodes { id body side mine } pageInfo { hasNextPage endCursor } } } } }";
const REFER: &str = "mutation($p: ID!, $f: ID!, $n: String!) { referFreelancer(input: { postingId: $p, profileId: $f, note: $n }) {
    referral { id note posting { id } freelancer { headline } } userErrors { field code message } } }";

async fn send(app: &TestApp, token: Option<&str>, proposal: &Value, body: &str) -> Value {
    app.gql(token, SEND, json!({ "id": proposal, "b": body }))
        .await
}

/// Sends and expects success: the message.
async fn sent(app: &TestApp, token: &str, proposal: &Value, body: &str) -> Value {
    let answer = send(app, Some(token), proposal, body).await;
    assert_eq!(outcome(&answer, "sendProposalMessage"), "OK", "{answer}");
    answer["data"]["sendProposalMessage"]["message"].clone()
}

async fn thread(
    app: &TestApp,
    token: Option<&str>,
    proposal: &Value,
    n: i64,
    after: Value,
) -> Value {
    let body = app
        .gql(
            token,
            THREAD,
            json!({ "id": proposal, "n": n, "after": after }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["node"].clone()
}

fn bodies(node: &Value) -> Vec<String> {
    node["messages"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect()
}

/// An agency of `owner`'s with `member` (a freelancer's profile) in it: its ID.
async fn agency_with(app: &TestApp, owner: &str, member: (&str, &Value)) -> Value {
    let body = app
        .gql(
            Some(owner),
            "mutation { createAgency(input: { agency: { name: \"Olga & Co\" } }) { agency { id } } }",
            json!({}),
        )
        .await;
    let agency = body["data"]["createAgency"]["agency"]["id"].clone();
    assert!(agency.is_string(), "{body}");
    let body = app
        .gql(
            Some(owner),
            "mutation($a: ID!, $p: ID!) { inviteAgencyMember(input: { agencyId: $a, profileId: $p, role: MEMBER }) {
                invitation { id } } }",
            json!({ "a": agency, "p": member.1 }),
        )
        .await;
    let invitation = body["data"]["inviteAgencyMember"]["invitation"]["id"].clone();
    let body = app
        .gql(
            Some(member.0),
            "mutation($id: ID!) { acceptAgencyInvitation(input: { invitationId: $id }) { invitation { status } } }",
            json!({ "id": invitation }),
        )
        .await;
    assert_eq!(
        body["data"]["acceptAgencyInvitation"]["invitation"]["status"], "ACCEPTED",
        "{body}"
    );
    agency
}

#[tokio::test]
async fn a_thread_between_client_and_freelancer_pages_counts_unread_and_marks_read() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let posting = posting(&app, &acme, true).await;
        let (fay, _) = freelancer(&app, "fay").await;
        let proposal = propose(&app, &fay, &posting, None).await;
        let mut ids = Vec::new();
        for (token, text) in [
            (&acme, "Thanks for applying."),
            (&acme, "Could you start on\nthe 4th of May?"),
            (&fay, "Yes, I can."),
            (&acme, "Great: a call on Monday?"),
            (&fay, "Monday works."),
        ] {
            let m = sent(&app, token, &proposal, text).await;
            ids.push(m["id"].clone());
        }
        // Newest first, in pages of two, the end cursor leading to older ones.
        let mut pages = Vec::new();
        let mut after = Value::Null;
        loop {
            let node = thread(&app, Some(&acme), &proposal, 2, after).await;
            pages.push(bodies(&node));
            if !node["messages"]["pageInfo"]["hasNextPage"]
                .as_bool()
                .unwrap()
            {
                break;
            }
            after = node["messages"]["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(
            pages,
            [
                vec!["Monday works.", "Great: a call on Monday?"],
                vec!["Yes, I can.", "Could you start on\nthe 4th of May?"],
                vec!["Thanks for applying."],
            ],
            "{setup:?}"
        );
        // Each side sees the sides and its own messages; sending marked one's own read.
        let client_view = thread(&app, Some(&acme), &proposal, 5, Value::Null).await;
        let freelancer_view = thread(&app, Some(&fay), &proposal, 5, Value::Null).await;
        let sides = |node: &Value| -> Vec<(String, bool)> {
            node["messages"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    (
                        m["side"].as_str().unwrap().to_owned(),
                        m["mine"].as_bool().unwrap(),
                    )
                })
                .collect()
        };
        assert_eq!(
            sides(&client_view),
            [
                ("FREELANCER".to_owned(), false),
                ("CLIENT".to_owned(), true),
                ("FREELANCER".to_owned(), false),
                ("CLIENT".to_owned(), true),
                ("CLIENT".to_owned(), true),
            ],
            "{setup:?}"
        );
        assert_eq!(sides(&freelancer_view)[0], ("FREELANCER".to_owned(), true));
        assert_eq!(client_view["lastMessage"]["body"], "Monday works.");
        assert_eq!(
            client_view["unreadMessageCount"], 1,
            "{setup:?}: after the client's last message, one of fay's"
        );
        assert_eq!(
            freelancer_view["unreadMessageCount"], 0,
            "{setup:?}: fay wrote last"
        );
        // The client marks the thread read up to fay's last message.
        let body = app
            .gql(Some(&acme), MARK, json!({ "id": proposal, "up": ids[4] }))
            .await;
        assert_eq!(outcome(&body, "markProposalMessagesRead"), "OK", "{body}");
        assert_eq!(
            body["data"]["markProposalMessagesRead"]["proposal"]["unreadMessageCount"], 0,
            "{setup:?}: {body}"
        );
        // Marking an older message never moves the mark back.
        let body = app
            .gql(Some(&acme), MARK, json!({ "id": proposal, "up": ids[0] }))
            .await;
        assert_eq!(outcome(&body, "markProposalMessagesRead"), "OK", "{body}");
        assert_eq!(
            body["data"]["markProposalMessagesRead"]["proposal"]["unreadMessageCount"], 0,
            "{setup:?}: not backwards"
        );
        sent(&app, &fay, &proposal, "See you then.").await;
        let node = thread(&app, Some(&acme), &proposal, 1, Value::Null).await;
        assert_eq!(node["unreadMessageCount"], 1, "{setup:?}");
        // A message of another thread is no mark for this one.
        let (gus, _) = freelancer(&app, "gus").await;
        let other = propose(&app, &gus, &posting, None).await;
        let elsewhere = sent(&app, &gus, &other, "Hello from another thread.").await;
        let body = app
            .gql(
                Some(&acme),
                MARK,
                json!({ "id": proposal, "up": elsewhere["id"] }),
            )
            .await;
        assert_eq!(
            errors(&body, "markProposalMessagesRead"),
            ["NOT_FOUND@input.upTo"],
            "{body}"
        );
        // A cursor of another list is refused.
        let body = app
            .gql(
                Some(&acme),
                THREAD,
                json!({ "id": proposal, "n": 2, "after": "YzE6cG46eA" }),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "INVALID_CURSOR",
            "{body}"
        );
    }
}

#[tokio::test]
async fn an_agency_owner_speaks_for_the_freelancer_side() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let posting = posting(&app, &acme, true).await;
        let (olga, _) = freelancer(&app, "olga").await;
        let (mo, mo_profile) = freelancer(&app, "mo").await;
        let agency = agency_with(&app, &olga, (&mo, &mo_profile)).await;
        let proposal = propose(&app, &olga, &posting, Some((&agency, &mo_profile))).await;
        let m = sent(
            &app,
            &olga,
            &proposal,
            "Mo starts on Monday; I handle the contract.",
        )
        .await;
        assert_eq!(
            (m["side"].as_str(), m["mine"].as_bool()),
            (Some("FREELANCER"), Some(true))
        );
        for (who, token, mine, unread) in [
            ("the member it counts for", &mo, false, 1),
            ("the client", &acme, false, 1),
            ("the owner who wrote it", &olga, true, 0),
        ] {
            let node = thread(&app, Some(token), &proposal, 10, Value::Null).await;
            assert_eq!(
                node["lastMessage"],
                json!({ "body": "Mo starts on Monday; I handle the contract.", "side": "FREELANCER", "mine": mine }),
                "{setup:?} {who}"
            );
            assert_eq!(node["unreadMessageCount"], unread, "{setup:?} {who}");
        }
        // The member answers the client on the same side.
        let reply = sent(&app, &mo, &proposal, "Confirmed.").await;
        assert_eq!(reply["side"], "FREELANCER");
        let node = thread(&app, Some(&olga), &proposal, 10, Value::Null).await;
        assert_eq!(
            bodies(&node),
            ["Confirmed.", "Mo starts on Monday; I handle the contract."]
        );
        assert_eq!(
            node["unreadMessageCount"], 1,
            "{setup:?}: her colleague's reply"
        );
    }
}

/// Sending, reading and marking read, by every kind of caller: only the two sides.
#[tokio::test]
async fn who_may_read_and_send_on_a_thread() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let globex = app.dev_token("globex", "client").await;
        let posting = posting(&app, &acme, true).await;
        let (olga, _) = freelancer(&app, "olga").await;
        let (mo, mo_profile) = freelancer(&app, "mo").await;
        let (otto, _) = freelancer(&app, "otto").await;
        let admin = app.dev_token("ops", "").await;
        app.database()
            .execute("UPDATE users SET is_admin = TRUE WHERE display_name = 'ops'")
            .await;
        let agency = agency_with(&app, &olga, (&mo, &mo_profile)).await;
        let proposal = propose(&app, &olga, &posting, Some((&agency, &mo_profile))).await;
        let first = sent(&app, &acme, &proposal, "Welcome.").await;
        // (caller, sends, reads the thread, marks read)
        let cases: [(&str, Option<&str>, &str, bool, &str); 7] = [
            (
                "anonymous",
                None,
                "UNAUTHENTICATED",
                false,
                "UNAUTHENTICATED",
            ),
            (
                "other freelancer",
                Some(&otto),
                "NOT_FOUND",
                false,
                "NOT_FOUND",
            ),
            (
                "other client",
                Some(&globex),
                "NOT_FOUND",
                false,
                "NOT_FOUND",
            ),
            ("admin", Some(&admin), "NOT_FOUND", false, "NOT_FOUND"),
            ("client", Some(&acme), "OK", true, "OK"),
            ("freelancer", Some(&mo), "OK", true, "OK"),
            ("agency owner", Some(&olga), "OK", true, "OK"),
        ];
        for (who, token, sends, reads, marks) in cases {
            let body = send(&app, token, &proposal, &format!("from the {who}")).await;
            assert_eq!(
                outcome(&body, "sendProposalMessage"),
                sends,
                "{setup:?} {who} sends: {body}"
            );
            if sends == "NOT_FOUND" {
                assert_eq!(
                    errors(&body, "sendProposalMessage"),
                    ["NOT_FOUND@input.proposalId"],
                    "{who}"
                );
            }
            let node = app
                .gql(token, THREAD, json!({ "id": proposal, "n": 20 }))
                .await;
            let seen = node["data"]["node"]["messages"]["nodes"]
                .as_array()
                .map(Vec::len);
            assert_eq!(seen.is_some(), reads, "{setup:?} {who} reads: {node}");
            let body = app
                .gql(token, MARK, json!({ "id": proposal, "up": first["id"] }))
                .await;
            assert_eq!(
                outcome(&body, "markProposalMessagesRead"),
                marks,
                "{setup:?} {who} marks: {body}"
            );
        }
        // Only the parties' messages are there, each once.
        assert_eq!(
            app.database()
                .count("SELECT COUNT(*) FROM proposal_messages")
                .await,
            4,
            "{setup:?}"
        );
        let node = thread(&app, Some(&acme), &proposal, 20, Value::Null).await;
        assert_eq!(
            bodies(&node),
            [
                "from the agency owner",
                "from the freelancer",
                "from the client",
                "Welcome."
            ],
            "{setup:?}"
        );
    }
}

#[tokio::test]
async fn referrals_reach_the_client_on_the_proposal_once_per_referrer() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let posting = posting(&app, &acme, true).await;
        let (fay, fay_profile) = freelancer(&app, "fay").await;
        let (rita, _) = freelancer(&app, "rita").await;
        let globex = app.dev_token("globex", "client").await;
        let refer = |token: &str, note: &str| {
            let vars = json!({ "p": posting, "f": fay_profile, "n": note });
            let token = token.to_owned();
            let app = &app;
            async move { app.gql(Some(&token), REFER, vars).await }
        };
        let body = refer(&rita, "We shipped a ledger together;\nshe is careful.").await;
        assert_eq!(outcome(&body, "referFreelancer"), "OK", "{setup:?}: {body}");
        let made = &body["data"]["referFreelancer"]["referral"];
        assert_eq!(
            made["note"],
            "We shipped a ledger together;\nshe is careful."
        );
        assert_eq!(made["posting"]["id"], posting);
        assert_eq!(made["freelancer"]["headline"], "fay, Rust engineer");
        let body = refer(&rita, "Again.").await;
        assert_eq!(
            errors(&body, "referFreelancer"),
            ["CONFLICT@input.profileId"],
            "{setup:?}: {body}"
        );
        let body = refer(&globex, "A great engineer.").await;
        assert_eq!(outcome(&body, "referFreelancer"), "OK", "{body}");
        // The client refers to their own posting: refused; the freelancer herself too.
        let body = refer(&acme, "Me, the client.").await;
        assert_eq!(outcome(&body, "referFreelancer"), "FORBIDDEN", "{body}");
        let body = refer(&fay, "Hire me.").await;
        assert_eq!(
            errors(&body, "referFreelancer"),
            ["VALIDATION@input.profileId"],
            "{body}"
        );
        // The referrer's own list.
        let mine = app
            .gql(
                Some(&rita),
                "{ viewer { referrals(first: 10) { nodes { note posting { title } freelancer { headline } } pageInfo { hasNextPage } } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            mine["data"]["viewer"]["referrals"]["nodes"],
            json!([{ "note": "We shipped a ledger together;\nshe is careful.",
                     "posting": { "title": "Senior Rust engineer" },
                     "freelancer": { "headline": "fay, Rust engineer" } }]),
            "{setup:?}: {mine}"
        );
        // Fay proposes: the client sees both referrals, newest first; she sees none.
        let proposal = propose(&app, &fay, &posting, None).await;
        let query = "query($id: ID!) { node(id: $id) { ... on Proposal { referrals { note freelancer { headline } createdAt } } } }";
        let seen = app.gql(Some(&acme), query, json!({ "id": proposal })).await;
        let notes: Vec<&str> = seen["data"]["node"]["referrals"]
            .as_array()
            .unwrap_or_else(|| panic!("{seen}"))
            .iter()
            .map(|r| r["note"].as_str().unwrap())
            .collect();
        assert_eq!(
            notes,
            [
                "A great engineer.",
                "We shipped a ledger together;\nshe is careful."
            ],
            "{setup:?}"
        );
        assert_eq!(
            seen["data"]["node"]["referrals"][0]["freelancer"]["headline"],
            "fay, Rust engineer"
        );
        let hers = app.gql(Some(&fay), query, json!({ "id": proposal })).await;
        assert_eq!(
            hers["data"]["node"]["referrals"],
            json!([]),
            "{setup:?}: {hers}"
        );
        // Another freelancer's proposal shows none of fay's referrals.
        let (gus, _) = freelancer(&app, "gus").await;
        let other = propose(&app, &gus, &posting, None).await;
        let theirs = app.gql(Some(&acme), query, json!({ "id": other })).await;
        assert_eq!(theirs["data"]["node"]["referrals"], json!([]), "{setup:?}");
        let anonymous = app
            .gql(
                None,
                REFER,
                json!({ "p": posting, "f": fay_profile, "n": "x" }),
            )
            .await;
        assert_eq!(outcome(&anonymous, "referFreelancer"), "UNAUTHENTICATED");
        assert_eq!(
            app.database().count("SELECT COUNT(*) FROM referrals").await,
            2,
            "{setup:?}"
        );
    }
}

#[tokio::test]
async fn bad_input_is_refused_on_its_field_and_changes_nothing() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let open = posting(&app, &acme, true).await;
        let draft = posting(&app, &acme, false).await;
        let (fay, fay_profile) = freelancer(&app, "fay").await;
        let (rita, _) = freelancer(&app, "rita").await;
        let proposal = propose(&app, &fay, &open, None).await;
        let long_body = "x".repeat(5_001);
        for (what, text, want) in [
            ("empty", " \n\t ", "VALIDATION@input.body"),
            ("too long", long_body.as_str(), "VALIDATION@input.body"),
            ("a control character", "ring\u{7}", "VALIDATION@input.body"),
        ] {
            let body = send(&app, Some(&fay), &proposal, text).await;
            assert_eq!(
                errors(&body, "sendProposalMessage"),
                [want],
                "{setup:?} {what}: {body}"
            );
            assert_eq!(body["data"]["sendProposalMessage"]["message"], Value::Null);
        }
        let body = send(&app, Some(&fay), &json!("x"), "hello").await;
        assert_eq!(
            errors(&body, "sendProposalMessage"),
            ["NOT_FOUND@input.proposalId"],
            "{body}"
        );
        let body = sent(&app, &fay, &proposal, &"y".repeat(5_000)).await;
        assert_eq!(
            body["body"].as_str().unwrap().len(),
            5_000,
            "{setup:?}: the longest"
        );
        let unknown_profile =
            "RnJlZWxhbmNlclByb2ZpbGU6MDE5MmYwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw";
        let long_note = "z".repeat(1_001);
        let cases: Vec<(&str, Value, Value, &str, Vec<&str>)> = vec![
            (
                "a long note",
                open.clone(),
                fay_profile.clone(),
                &long_note,
                vec!["VALIDATION@input.note"],
            ),
            (
                "an empty note",
                open.clone(),
                fay_profile.clone(),
                "  ",
                vec!["VALIDATION@input.note"],
            ),
            (
                "an unknown profile",
                open.clone(),
                json!(unknown_profile),
                "Good.",
                vec!["NOT_FOUND@input.profileId"],
            ),
            (
                "a posting's ID as profile",
                open.clone(),
                open.clone(),
                "Good.",
                vec!["NOT_FOUND@input.profileId"],
            ),
            (
                "a draft",
                draft.clone(),
                fay_profile.clone(),
                "Good.",
                vec!["NOT_FOUND@input.postingId"],
            ),
            (
                "everything at once",
                draft.clone(),
                json!("x"),
                "",
                vec![
                    "NOT_FOUND@input.postingId",
                    "NOT_FOUND@input.profileId",
                    "VALIDATION@input.note",
                ],
            ),
        ];
        for (what, p, f, note, want) in cases {
            let body = app
                .gql(Some(&rita), REFER, json!({ "p": p, "f": f, "n": note }))
                .await;
            assert_eq!(
                errors(&body, "referFreelancer"),
                want,
                "{setup:?} {what}: {body}"
            );
            assert_eq!(body["data"]["referFreelancer"]["referral"], Value::Null);
        }
        // Closed: no referrals to it, and its proposals' threads take no more messages.
        let body = app
            .gql(
                Some(&acme),
                "mutation($id: ID!) { closePosting(input: { postingId: $id, expectedVersion: 2, reason: CANCELLED }) {
                    posting { status } userErrors { field code message } } }",
                json!({ "id": open }),
            )
            .await;
        assert_eq!(outcome(&body, "closePosting"), "OK", "{body}");
        let body = app
            .gql(
                Some(&rita),
                REFER,
                json!({ "p": open, "f": fay_profile, "n": "Good." }),
            )
            .await;
        assert_eq!(
            errors(&body, "referFreelancer"),
            ["INVALID_STATE@input.postingId"],
            "{setup:?}: {body}"
        );
        let body = send(&app, Some(&acme), &proposal, "Sorry, we closed it.").await;
        assert_eq!(
            errors(&body, "sendProposalMessage"),
            ["INVALID_STATE@input.proposalId"],
            "{setup:?}: {body}"
        );
        let body = send(&app, Some(&acme), &proposal, "").await;
        assert_eq!(
            errors(&body, "sendProposalMessage"),
            ["INVALID_STATE@input.proposalId", "VALIDATION@input.body"],
            "{setup:?}: every problem at once"
        );
        // The closed thread still reads.
        let node = thread(&app, Some(&acme), &proposal, 5, Value::Null).await;
        assert_eq!(
            node["messages"]["nodes"].as_array().unwrap().len(),
            1,
            "{setup:?}"
        );
        let db = app.database();
        assert_eq!(
            db.count("SELECT COUNT(*) FROM proposal_messages").await,
            1,
            "{setup:?}"
        );
        assert_eq!(
            db.count("SELECT COUNT(*) FROM referrals").await,
            0,
            "{setup:?}"
        );
    }
}

/// A page of proposals with their last message, unread count, a page of their thread
/// and their referrals (with the referred freelancers) costs a fixed number of
/// statements, whatever its size.
#[tokio::test]
async fn a_page_of_proposals_with_threads_and_referrals_takes_a_fixed_number_of_statements() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let posting = posting(&app, &acme, true).await;
        let rita = app.dev_token("rita", "client").await;
        for i in 0..20 {
            let (token, profile) = freelancer(&app, &format!("f{i}")).await;
            let p = propose(&app, &token, &posting, None).await;
            sent(&app, &token, &p, &format!("hello from f{i}")).await;
            if i % 2 == 0 {
                sent(&app, &acme, &p, &format!("hello f{i}")).await;
            }
            if i % 3 == 0 {
                let vars = json!({ "p": posting, "f": profile, "n": format!("f{i} is good") });
                let body = app.gql(Some(&rita), REFER, vars).await;
                assert_eq!(outcome(&body, "referFreelancer"), "OK", "{body}");
            }
        }
        let query = "query($p: ID!, $n: Int!) { proposals(postingId: $p, first: $n) { nodes {
            id unreadMessageCount lastMessage { body side mine sentAt }
            messages(first: 2) { nodes { body } pageInfo { hasNextPage } }
            referrals { note createdAt freelancer { headline } } } } }";
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
                    assert!(node["lastMessage"]["body"].is_string(), "{node}");
                    assert!(node["unreadMessageCount"].as_i64().unwrap() <= 1, "{node}");
                    assert!(
                        !node["messages"]["nodes"].as_array().unwrap().is_empty(),
                        "{node}"
                    );
                }
                let referred = nodes
                    .iter()
                    .filter(|n| !n["referrals"].as_array().unwrap().is_empty())
                    .count();
                (app.statements.get() - before, referred)
            }
        };
        count(3).await; // warms the caches (and records first views, if listing does)
        count(20).await;
        let (three, _) = count(3).await;
        let (twenty, referred) = count(20).await;
        assert_eq!(referred, 7, "{setup:?}: f0, f3, ... f18 were referred");
        eprintln!("{setup:?}: {three} statements for 3 proposals, {twenty} for 20");
        assert!(
            twenty <= three,
            "{setup:?}: statements grew with proposals: {three} for 3, {twenty} for 20"
        );
    }
}
