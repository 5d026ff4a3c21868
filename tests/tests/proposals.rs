#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Proposals over GraphQL: submitting (for oneself and for an agency's member), editing
//! until the client views, the client's short list, pipeline and decline with history,
//! a posting's close closing its proposals, concurrent duplicates, who may see and do
//! what, bad input that changes nothing, and the cost of a page of proposals.

use serde_json::{Value, json};
use tests::payload::{errors, outcome};
use tests::{Setup, TestApp, setups};

async fn app(setup: &Setup) -> TestApp {
    TestApp::spawn_with(setup, |s| s.dev_login = true).await
}

/// The user errors as `code@path` when the payload came back.
fn errors_or_none(body: &Value, mutation: &str) -> Option<Vec<String>> {
    body["data"][mutation]["userErrors"]
        .is_array()
        .then(|| errors(body, mutation))
}

const PROPOSAL: &str = "id status statusReason coverLetter version viewedAt durationDays
    bid { amountMinor currency } bidKind answers { questionId prompt yes text link }
    milestones { title amount { amountMinor } } stage { id name kind }
    match { score matchedSkills { slug } missingSkills { slug } }
    history { kind status stageName reason by }";

const COVER: &str =
    "I have run Rust payment services for six years and would start with your ledger.";

/// A published hourly posting of `token`'s in USD, requiring rust (level 4) and
/// postgresql, with one yes-or-no question (a draft when `publish` is false): its ID
/// and the question's ID.
async fn posting(app: &TestApp, token: &str, visibility: &str, publish: bool) -> (Value, Value) {
    let category =
        app.query("{ categories { id } }", json!({})).await["categories"][0]["id"].clone();
    let fields = json!({
        "title": "Senior Rust engineer",
        "description": "Build and run our payments API in Rust on PostgreSQL, with care and tests.",
        "categoryId": category,
        "skills": [{ "skill": "rust", "minLevel": 4 }, { "skill": "postgresql" }],
        "hireType": "FREELANCE_LONG_TERM",
        "budget": { "kind": "HOURLY", "min": { "amountMinor": 6000, "currency": "USD" },
                    "max": { "amountMinor": 9000, "currency": "USD" } },
        "experienceLevel": "EXPERT",
        "duration": "THREE_TO_SIX_MONTHS",
        "visibility": visibility,
        "questions": [{ "kind": "YES_NO", "prompt": "Can you overlap four hours with CET?" }],
    });
    let body = app
        .gql(
            Some(token),
            "mutation($p: PostingFields!) { createPosting(input: { posting: $p }) {
                posting { id questions { id } } userErrors { field code message } } }",
            json!({ "p": fields }),
        )
        .await;
    let created = &body["data"]["createPosting"]["posting"];
    assert!(created["id"].is_string(), "{body}");
    if publish {
        let body = app
            .gql(
                Some(token),
                "mutation($id: ID!) { publishPosting(input: { postingId: $id, expectedVersion: 1 }) {
                    posting { status } userErrors { field code message } } }",
                json!({ "id": created["id"] }),
            )
            .await;
        assert_eq!(outcome(&body, "publishPosting"), "OK", "{body}");
    }
    (created["id"].clone(), created["questions"][0]["id"].clone())
}

/// A freelancer with a profile listing rust at level 5: the token and the profile's ID.
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

fn submit_query() -> String {
    format!(
        "mutation($p: ID!, $a: ID, $m: ID, $c: String!, $bid: MoneyInput!, $d: Int, $ans: [ProposalAnswerInput!]!) {{
            submitProposal(input: {{ postingId: $p, agencyId: $a, memberId: $m, coverLetter: $c, bid: $bid,
                durationDays: $d, answers: $ans }}) {{
            proposal {{ {PROPOSAL} }} userErrors {{ field code message }} }} }}"
    )
}

/// The variables of a good submission on `posting` (whose question is `question`).
fn good(posting: &Value, question: &Value) -> Value {
    json!({
        "p": posting, "c": COVER, "bid": { "amountMinor": 8000, "currency": "USD" }, "d": 60,
        "ans": [{ "questionId": question, "yes": true }],
    })
}

async fn submit(app: &TestApp, token: &str, vars: Value) -> Value {
    app.gql(Some(token), &submit_query(), vars).await
}

/// Submits and expects success: the proposal.
async fn submitted(app: &TestApp, token: &str, vars: Value) -> Value {
    let body = submit(app, token, vars).await;
    assert_eq!(outcome(&body, "submitProposal"), "OK", "{body}");
    body["data"]["submitProposal"]["proposal"].clone()
}

fn act_query(mutation: &str, extra: &str) -> String {
    format!(
        "mutation($id: ID!{}) {{ {mutation}(input: {{ proposalId: $id{} }}) {{
            proposal {{ {PROPOSAL} }} userErrors {{ field code message }} }} }}",
        match extra {
            "reason" => ", $r: String!",
            "stage" => ", $s: ID!",
            _ => "",
        },
        match extra {
            "reason" => ", reason: $r",
            "stage" => ", stageId: $s",
            _ => "",
        },
    )
}

async fn act(app: &TestApp, token: &str, mutation: &str, vars: Value) -> Value {
    let extra = if vars.get("r").is_some() {
        "reason"
    } else if vars.get("s").is_some() {
        "stage"
    } else {
        ""
    };
    app.gql(Some(token), &act_query(mutation, extra), vars)
        .await
}

fn update_query() -> String {
    format!(
        "mutation($id: ID!, $v: Int!, $c: String!, $bid: MoneyInput!, $d: Int, $ans: [ProposalAnswerInput!]!) {{
            updateProposal(input: {{ proposalId: $id, expectedVersion: $v, coverLetter: $c, bid: $bid,
                durationDays: $d, answers: $ans }}) {{
            proposal {{ {PROPOSAL} }} userErrors {{ field code message }} }} }}"
    )
}

const PIPELINE: &str =
    "query($id: ID!) { posting(id: $id) { pipeline { id name kind position } } }";
const LIST: &str = "query($p: ID!, $s: ProposalSort, $f: ProposalFilter) {
    proposals(postingId: $p, sort: $s, filter: $f) { totalCount nodes { id status viewedAt } } }";
const VIEWED: &str = "mutation($ids: [ID!]!) { markProposalsViewed(input: { proposalIds: $ids }) {
    proposals { id viewedAt version } userErrors { field code message } } }";
const NODE: &str =
    "query($id: ID!) { node(id: $id) { ... on Proposal { id status coverLetter } } }";

async fn pipeline(app: &TestApp, token: &str, posting: &Value) -> Vec<Value> {
    let body = app
        .gql(Some(token), PIPELINE, json!({ "id": posting }))
        .await;
    body["data"]["posting"]["pipeline"]
        .as_array()
        .unwrap_or_else(|| panic!("no pipeline in {body}"))
        .clone()
}

#[tokio::test]
async fn a_freelancer_proposes_and_the_client_evaluates_it_with_history() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let (posting, question) = posting(&app, &acme, "PUBLIC", true).await;
        let (fay, _) = freelancer(&app, "fay").await;
        let first = submitted(&app, &fay, good(&posting, &question)).await;
        assert_eq!(first["status"], "SUBMITTED", "{setup:?}");
        assert_eq!(first["bidKind"], "HOURLY");
        assert_eq!(
            first["answers"][0]["prompt"],
            "Can you overlap four hours with CET?"
        );
        assert_eq!(first["answers"][0]["yes"], true);
        // rust at 5 covers rust (min 4); postgresql is missing: 30 + 25 + 9.4 = 64.
        assert_eq!(first["match"]["score"], 64, "{first}");
        assert_eq!(first["match"]["matchedSkills"], json!([{ "slug": "rust" }]));
        assert_eq!(
            first["match"]["missingSkills"],
            json!([{ "slug": "postgresql" }])
        );
        let counted = app
            .gql(
                Some(&acme),
                "query($id: ID!) { posting(id: $id) { proposalCount } }",
                json!({ "id": posting }),
            )
            .await;
        assert_eq!(counted["data"]["posting"]["proposalCount"], 1, "{counted}");
        // Edited before the client looks.
        let mut vars = good(&posting, &question);
        vars["id"] = first["id"].clone();
        vars["v"] = json!(1);
        vars["c"] = json!(format!("{COVER} Edited."));
        let body = app.gql(Some(&fay), &update_query(), vars.clone()).await;
        assert_eq!(outcome(&body, "updateProposal"), "OK", "{body}");
        assert_eq!(body["data"]["updateProposal"]["proposal"]["version"], 2);
        // Reading records no view; the client's explicit view does, once. The freelancer
        // can no longer edit.
        let list = app.gql(Some(&acme), LIST, json!({ "p": posting })).await;
        assert_eq!(list["data"]["proposals"]["totalCount"], 1, "{list}");
        assert_eq!(
            list["data"]["proposals"]["nodes"][0]["viewedAt"],
            Value::Null,
            "{list}"
        );
        for _ in 0..2 {
            let body = app
                .gql(Some(&acme), VIEWED, json!({ "ids": [first["id"]] }))
                .await;
            assert_eq!(outcome(&body, "markProposalsViewed"), "OK", "{body}");
            let viewed = &body["data"]["markProposalsViewed"]["proposals"][0];
            assert!(viewed["viewedAt"].is_string(), "{body}");
            assert_eq!(viewed["version"], 3, "{body}: viewed once");
        }
        vars["v"] = json!(3);
        let body = app.gql(Some(&fay), &update_query(), vars).await;
        assert_eq!(
            errors(&body, "updateProposal"),
            ["INVALID_STATE@input.proposalId"],
            "{body}"
        );
        // Short list, a stage of the pipeline, another, then declined with a reason.
        let stages = pipeline(&app, &acme, &posting).await;
        assert_eq!(
            stages
                .iter()
                .map(|s| s["kind"].as_str().unwrap())
                .collect::<Vec<_>>(),
            [
                "SCREENING",
                "TECHNICAL_INTERVIEW",
                "CODING_TASK",
                "PORTFOLIO_REVIEW",
                "BEHAVIORAL_INTERVIEW",
                "CULTURE_FIT"
            ],
            "{setup:?}"
        );
        let id = first["id"].clone();
        let body = act(&app, &acme, "shortlistProposal", json!({ "id": id })).await;
        assert_eq!(outcome(&body, "shortlistProposal"), "OK", "{body}");
        let body = act(
            &app,
            &acme,
            "moveProposal",
            json!({ "id": id, "s": stages[1]["id"] }),
        )
        .await;
        assert_eq!(outcome(&body, "moveProposal"), "OK", "{body}");
        assert_eq!(
            body["data"]["moveProposal"]["proposal"]["stage"]["name"],
            "Technical interview"
        );
        let body = act(
            &app,
            &acme,
            "moveProposal",
            json!({ "id": id, "s": stages[1]["id"] }),
        )
        .await;
        assert_eq!(
            errors(&body, "moveProposal"),
            ["INVALID_STATE@input.proposalId"],
            "{body}: already there"
        );
        let body = act(
            &app,
            &acme,
            "moveProposal",
            json!({ "id": id, "s": stages[2]["id"] }),
        )
        .await;
        assert_eq!(outcome(&body, "moveProposal"), "OK", "{body}");
        // The freelancer sees the stage too, in their own list.
        let mine = app
            .gql(
                Some(&fay),
                "{ viewer { proposals { nodes { id status stage { name } } } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            mine["data"]["viewer"]["proposals"]["nodes"][0]["stage"]["name"], "Coding task",
            "{mine}"
        );
        let body = act(
            &app,
            &acme,
            "declineProposal",
            json!({ "id": id, "r": "We hired someone closer to our time zone." }),
        )
        .await;
        assert_eq!(outcome(&body, "declineProposal"), "OK", "{body}");
        let declined = &body["data"]["declineProposal"]["proposal"];
        assert_eq!(declined["status"], "DECLINED");
        assert_eq!(declined["stage"], Value::Null);
        assert_eq!(
            declined["statusReason"],
            "We hired someone closer to our time zone."
        );
        let history: Vec<(String, String)> = declined["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h["kind"].as_str().unwrap().into(),
                    h["stageName"].as_str().unwrap_or("").into(),
                )
            })
            .collect();
        assert_eq!(
            history,
            [
                ("SUBMITTED".into(), "".into()),
                ("EDITED".into(), "".into()),
                ("SHORTLISTED".into(), "".into()),
                ("MOVED".into(), "Technical interview".into()),
                ("MOVED".into(), "Coding task".into()),
                ("DECLINED".into(), "".into()),
            ],
            "{setup:?}"
        );
        // Final: the freelancer's withdrawal is refused, and nothing changed.
        let body = act(
            &app,
            &fay,
            "withdrawProposal",
            json!({ "id": id, "r": "No longer free." }),
        )
        .await;
        assert_eq!(
            errors(&body, "withdrawProposal"),
            ["INVALID_STATE@input.proposalId"],
            "{body}"
        );
        let read = app.gql(Some(&fay), NODE, json!({ "id": id })).await;
        assert_eq!(read["data"]["node"]["status"], "DECLINED", "{read}");
    }
}

#[tokio::test]
async fn twenty_concurrent_submissions_leave_one_proposal_and_nineteen_already_applied() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let (posting, question) = posting(&app, &acme, "PUBLIC", true).await;
        let (fay, _) = freelancer(&app, "fay").await;
        let attempts = (0..20).map(|_| submit(&app, &fay, good(&posting, &question)));
        let bodies = futures_util::future::join_all(attempts).await;
        let mut outcomes: Vec<String> = bodies
            .iter()
            .map(|b| outcome(b, "submitProposal"))
            .collect();
        outcomes.sort();
        outcomes.dedup_by(|a, b| a == b);
        let ok = bodies
            .iter()
            .filter(|b| outcome(b, "submitProposal") == "OK")
            .count();
        assert_eq!(ok, 1, "{setup:?}: {outcomes:?}");
        assert_eq!(outcomes, ["ALREADY_APPLIED", "OK"], "{setup:?}");
        let duplicate = bodies
            .iter()
            .find(|b| outcome(b, "submitProposal") != "OK")
            .unwrap();
        assert_eq!(
            errors(duplicate, "submitProposal"),
            ["ALREADY_APPLIED@input.postingId"]
        );
        assert_eq!(
            app.database().count("SELECT COUNT(*) FROM proposals").await,
            1
        );
    }
}

#[tokio::test]
async fn an_agency_owner_proposes_for_a_member_and_both_see_it() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let (posting, question) = posting(&app, &acme, "PUBLIC", true).await;
        let (olga, _) = freelancer(&app, "olga").await;
        let (mo, mo_profile) = freelancer(&app, "mo").await;
        let (stranger, stranger_profile) = freelancer(&app, "stranger").await;
        let agency = {
            let body = app
                .gql(Some(&olga), "mutation { createAgency(input: { agency: { name: \"Olga & Co\" } }) { agency { id } } }", json!({}))
                .await;
            body["data"]["createAgency"]["agency"]["id"].clone()
        };
        let body = app
            .gql(
                Some(&olga),
                "mutation($a: ID!, $p: ID!) { inviteAgencyMember(input: { agencyId: $a, profileId: $p, role: MEMBER }) {
                    invitation { id } } }",
                json!({ "a": agency, "p": mo_profile }),
            )
            .await;
        let inv = body["data"]["inviteAgencyMember"]["invitation"]["id"].clone();
        app.gql(
            Some(&mo),
            "mutation($id: ID!) { acceptAgencyInvitation(input: { invitationId: $id }) { invitation { status } } }",
            json!({ "id": inv }),
        )
        .await;
        // Not a member of the agency: NOT_FOUND on memberId; a plain member: FORBIDDEN.
        let mut vars = good(&posting, &question);
        vars["a"] = agency.clone();
        vars["m"] = stranger_profile.clone();
        let body = submit(&app, &olga, vars.clone()).await;
        assert_eq!(
            errors(&body, "submitProposal"),
            ["NOT_FOUND@input.memberId"],
            "{body}"
        );
        vars["m"] = mo_profile.clone();
        let body = submit(&app, &mo, vars.clone()).await;
        assert_eq!(outcome(&body, "submitProposal"), "FORBIDDEN", "{body}");
        let proposal = submitted(&app, &olga, vars).await;
        // The history names the owner who submitted it, as the agency.
        let read = app
            .gql(
                Some(&mo),
                "query($id: ID!) { node(id: $id) { ... on Proposal { history { kind by actorId } } } }",
                json!({ "id": proposal["id"] }),
            )
            .await;
        let olga_id = app.gql(Some(&olga), "{ viewer { id } }", json!({})).await["data"]["viewer"]
            ["id"]
            .clone();
        assert_eq!(
            read["data"]["node"]["history"],
            json!([{ "kind": "SUBMITTED", "by": "AGENCY", "actorId": olga_id }]),
            "{setup:?}: {read}"
        );
        // It counts for the member: he cannot submit another of his own.
        let body = submit(&app, &mo, good(&posting, &question)).await;
        assert_eq!(
            outcome(&body, "submitProposal"),
            "ALREADY_APPLIED",
            "{body}"
        );
        for (who, token) in [("owner", &olga), ("member", &mo)] {
            let read = app
                .gql(Some(token), NODE, json!({ "id": proposal["id"] }))
                .await;
            assert_eq!(
                read["data"]["node"]["id"], proposal["id"],
                "{setup:?} {who}: {read}"
            );
        }
        let read = app
            .gql(Some(&stranger), NODE, json!({ "id": proposal["id"] }))
            .await;
        assert_eq!(read["data"]["node"], Value::Null, "{setup:?}: a stranger");
    }
}

/// An agency founded by `owner` with `members` joined in their roles: its ID.
async fn agency(app: &TestApp, owner: &str, members: &[(&str, &Value, &str)]) -> Value {
    let body = app
        .gql(
            Some(owner),
            "mutation { createAgency(input: { agency: { name: \"Olga & Co\" } }) { agency { id } } }",
            json!({}),
        )
        .await;
    let agency = body["data"]["createAgency"]["agency"]["id"].clone();
    assert!(agency.is_string(), "{body}");
    for (token, profile, role) in members {
        let body = app
            .gql(
                Some(owner),
                "mutation($a: ID!, $p: ID!, $r: AgencyRole!) { inviteAgencyMember(input: { agencyId: $a, profileId: $p, role: $r }) {
                    invitation { id } userErrors { message } } }",
                json!({ "a": agency, "p": profile, "r": role }),
            )
            .await;
        let inv = body["data"]["inviteAgencyMember"]["invitation"]["id"].clone();
        assert!(inv.is_string(), "{body}");
        let body = app
            .gql(
                Some(token),
                "mutation($id: ID!) { acceptAgencyInvitation(input: { invitationId: $id }) { invitation { status } } }",
                json!({ "id": inv }),
            )
            .await;
        assert_eq!(
            body["data"]["acceptAgencyInvitation"]["invitation"]["status"], "ACCEPTED",
            "{body}"
        );
    }
    agency
}

/// What every kind of caller gets from every operation on a proposal an agency
/// submitted for its member: `OK`, or the code that refused it. Reads: `node` (seen or
/// null), the posting's list, the caller's own list. Changes are tried on the proposal
/// as it is, each caller leaving it as they found it (or as the one change allowed).
#[tokio::test]
async fn who_may_see_and_act_on_a_proposal() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let globex = app.dev_token("globex", "client").await;
        let (posting, question) = posting(&app, &acme, "PUBLIC", true).await;
        let (olga, _) = freelancer(&app, "olga").await;
        let (mo, mo_profile) = freelancer(&app, "mo").await;
        let (pat, pat_profile) = freelancer(&app, "pat").await;
        let (vic, vic_profile) = freelancer(&app, "vic").await;
        let (otto, _) = freelancer(&app, "otto").await;
        let admin = app.dev_token("ops", "").await;
        app.database()
            .execute("UPDATE users SET is_admin = TRUE WHERE display_name = 'ops'")
            .await;
        let agency = agency(
            &app,
            &olga,
            &[
                (&mo, &mo_profile, "MEMBER"),
                (&pat, &pat_profile, "MEMBER"),
                (&vic, &vic_profile, "OWNER"),
            ],
        )
        .await;
        // Vic submits for Mo as an owner, then is made a plain member.
        let mut vars = good(&posting, &question);
        vars["a"] = agency.clone();
        vars["m"] = mo_profile.clone();
        let proposal = submitted(&app, &vic, vars).await;
        let id = proposal["id"].clone();
        let body = app
            .gql(
                Some(&olga),
                "mutation($a: ID!, $p: ID!) { changeAgencyMemberRole(input: { agencyId: $a, profileId: $p, role: MEMBER }) {
                    userErrors { message } } }",
                json!({ "a": agency, "p": vic_profile }),
            )
            .await;
        assert_eq!(
            body["data"]["changeAgencyMemberRole"]["userErrors"],
            json!([]),
            "{body}"
        );

        // Eva evaluates the posting; Evan evaluates another one of Acme's.
        let eva = app.dev_token("eva", "client").await;
        let evan = app.dev_token("evan", "client").await;
        let (other_posting, _) = self::posting(&app, &acme, "PUBLIC", true).await;
        for (token, on) in [(&eva, &posting), (&evan, &other_posting)] {
            let user = app.gql(Some(token), "{ viewer { id } }", json!({})).await["data"]["viewer"]
                ["id"]
                .clone();
            let body = app
                .gql(
                    Some(&acme),
                    "mutation($p: ID!, $u: ID!) { addPostingEvaluator(input: { postingId: $p, userId: $u }) {
                        userErrors { message } } }",
                    json!({ "p": on, "u": user }),
                )
                .await;
            assert_eq!(
                body["data"]["addPostingEvaluator"]["userErrors"],
                json!([]),
                "{body}"
            );
        }
        let callers: Vec<(&str, Option<&str>)> = vec![
            ("anonymous", None),
            ("evaluator of another posting", Some(&evan)),
            ("evaluator", Some(&eva)),
            ("other freelancer", Some(&otto)),
            ("other client", Some(&globex)),
            ("admin", Some(&admin)),
            ("plain member", Some(&pat)),
            ("former owner", Some(&vic)),
            ("agency owner", Some(&olga)),
            ("freelancer", Some(&mo)),
            ("client", Some(&acme)),
        ];
        let code = |body: &Value| {
            body["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or("OK")
                .to_owned()
        };
        for (who, token) in callers {
            let mut got: Vec<(&str, String)> = Vec::new();
            let read = app.gql(token, NODE, json!({ "id": id })).await;
            got.push(("reads", (read["data"]["node"]["id"] == id).to_string()));
            let list = app.gql(token, LIST, json!({ "p": posting })).await;
            got.push(("lists the posting's", code(&list)));
            let mine = app
                .gql(
                    token,
                    "{ viewer { proposals { nodes { id } } } }",
                    json!({}),
                )
                .await;
            let listed = mine["data"]["viewer"]["proposals"]["nodes"]
                .as_array()
                .is_some_and(|n| n.iter().any(|p| p["id"] == id));
            got.push(("lists as theirs", listed.to_string()));
            let token = token.unwrap_or("");
            // The client's side: shortlisting, undone at once when it worked.
            let body = act(&app, token, "shortlistProposal", json!({ "id": id })).await;
            let shortlists = outcome(&body, "shortlistProposal");
            if shortlists == "OK" {
                let body = act(&app, token, "unshortlistProposal", json!({ "id": id })).await;
                assert_eq!(outcome(&body, "unshortlistProposal"), "OK", "{body}");
            }
            got.push(("shortlists", shortlists));
            // To a stage that is not the posting's: refused on the stage once allowed.
            let body = act(&app, token, "moveProposal", json!({ "id": id, "s": id })).await;
            let moves = if errors_or_none(&body, "moveProposal")
                .is_some_and(|e| e == ["NOT_FOUND@input.stageId"])
            {
                "OK".to_owned()
            } else {
                outcome(&body, "moveProposal")
            };
            got.push(("moves", moves));
            let body = act(&app, token, "declineProposal", json!({ "id": id, "r": "" })).await;
            got.push(("declines", outcome(&body, "declineProposal")));
            let body = app.gql(Some(token), VIEWED, json!({ "ids": [id] })).await;
            got.push(("marks viewed", outcome(&body, "markProposalsViewed")));
            // The freelancer's side: an edit on a stale version changes nothing.
            let mut vars = good(&posting, &question);
            vars["id"] = id.clone();
            vars["v"] = json!(0);
            let body = app.gql(Some(token), &update_query(), vars).await;
            got.push(("edits", outcome(&body, "updateProposal")));
            let body = act(
                &app,
                token,
                "withdrawProposal",
                json!({ "id": id, "r": "" }),
            )
            .await;
            got.push(("withdraws", outcome(&body, "withdrawProposal")));
            // Empty reasons and a stale version are refused after authorization:
            // VALIDATION, CONFLICT or INVALID_STATE mean "allowed".
            let got: Vec<(&str, String)> = got
                .into_iter()
                .map(|(op, c)| {
                    let c = match c.as_str() {
                        "VALIDATION" | "CONFLICT" | "INVALID_STATE" => "OK".to_owned(),
                        _ => c,
                    };
                    (op, c)
                })
                .collect();
            let want: Vec<(&str, &str)> = match who {
                "anonymous" => vec![
                    ("reads", "false"),
                    ("lists the posting's", "UNAUTHENTICATED"),
                    ("lists as theirs", "false"),
                    ("shortlists", "UNAUTHENTICATED"),
                    ("moves", "UNAUTHENTICATED"),
                    ("declines", "UNAUTHENTICATED"),
                    ("marks viewed", "UNAUTHENTICATED"),
                    ("edits", "UNAUTHENTICATED"),
                    ("withdraws", "UNAUTHENTICATED"),
                ],
                "freelancer" | "agency owner" => vec![
                    ("reads", "true"),
                    ("lists the posting's", "FORBIDDEN"),
                    ("lists as theirs", "true"),
                    ("shortlists", "FORBIDDEN"),
                    ("moves", "FORBIDDEN"),
                    ("declines", "FORBIDDEN"),
                    ("marks viewed", "FORBIDDEN"),
                    ("edits", "OK"),
                    ("withdraws", "OK"),
                ],
                // Evaluators see it and score it (in the evaluation tests), nothing else.
                "evaluator" => vec![
                    ("reads", "true"),
                    ("lists the posting's", "OK"),
                    ("lists as theirs", "false"),
                    ("shortlists", "FORBIDDEN"),
                    ("moves", "FORBIDDEN"),
                    ("declines", "FORBIDDEN"),
                    ("marks viewed", "FORBIDDEN"),
                    ("edits", "FORBIDDEN"),
                    ("withdraws", "FORBIDDEN"),
                ],
                "client" => vec![
                    ("reads", "true"),
                    ("lists the posting's", "OK"),
                    ("lists as theirs", "false"),
                    ("shortlists", "OK"),
                    ("moves", "OK"),
                    ("declines", "OK"),
                    ("marks viewed", "OK"),
                    ("edits", "FORBIDDEN"),
                    ("withdraws", "FORBIDDEN"),
                ],
                // Strangers to the proposal (a former owner included) see the public
                // posting, not the proposal.
                _ => vec![
                    ("reads", "false"),
                    ("lists the posting's", "FORBIDDEN"),
                    ("lists as theirs", "false"),
                    ("shortlists", "NOT_FOUND"),
                    ("moves", "NOT_FOUND"),
                    ("declines", "NOT_FOUND"),
                    ("marks viewed", "NOT_FOUND"),
                    ("edits", "NOT_FOUND"),
                    ("withdraws", "NOT_FOUND"),
                ],
            };
            let want: Vec<(&str, String)> =
                want.into_iter().map(|(op, c)| (op, c.to_owned())).collect();
            assert_eq!(got, want, "{setup:?}: {who}");
        }
        // Nothing any of them did stuck (the client's view aside).
        let read = app.gql(Some(&mo), NODE, json!({ "id": id })).await;
        assert_eq!(
            read["data"]["node"]["status"], "SUBMITTED",
            "{setup:?}: {read}"
        );
        // The pipeline is its client's alone to see and change.
        let body = app.gql(Some(&mo), PIPELINE, json!({ "id": posting })).await;
        assert_eq!(
            body["data"]["posting"]["pipeline"],
            Value::Null,
            "{setup:?}: {body}"
        );
        for (who, token, want) in [
            ("anonymous", None, "UNAUTHENTICATED"),
            ("the freelancer", Some(mo.as_str()), "FORBIDDEN"),
            ("another client", Some(globex.as_str()), "FORBIDDEN"),
            ("the client", Some(acme.as_str()), "OK"),
        ] {
            let body = app
                .gql(
                    token,
                    "mutation($p: ID!) { addPipelineStage(input: { postingId: $p, name: \"Take-home review\", position: -1 }) {
                        pipeline { name } userErrors { field code message } } }",
                    json!({ "p": posting }),
                )
                .await;
            // A negative position is refused only once the caller may change it.
            let want = if want == "OK" { "VALIDATION" } else { want };
            assert_eq!(
                outcome(&body, "addPipelineStage"),
                want,
                "{setup:?} {who}: {body}"
            );
        }
    }
}

/// On an invite-only posting a proposal needs the submitter's own invitation: the
/// freelancer's for themself, the agency's for an agency. A member of an invited agency
/// does not propose for themself, an owner invited in person does not propose for a
/// member, and a declined invitation admits nobody.
#[tokio::test]
async fn an_invite_only_posting_takes_proposals_from_its_invitees_only() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let (olga, olga_profile) = freelancer(&app, "olga").await;
        let (mo, mo_profile) = freelancer(&app, "mo").await;
        let (dee, dee_profile) = freelancer(&app, "dee").await;
        let agency = agency(&app, &olga, &[(&mo, &mo_profile, "MEMBER")]).await;
        let invite = |posting: &Value, vars: Value| {
            let app = &app;
            let acme = acme.clone();
            let mut vars = vars;
            vars["p"] = posting.clone();
            async move {
                let body = app
                    .gql(
                        Some(&acme),
                        "mutation($p: ID!, $f: ID, $a: ID) { invitePostingCandidate(input: { postingId: $p, profileId: $f, agencyId: $a }) {
                            invitation { id } userErrors { field code message } } }",
                        vars,
                    )
                    .await;
                let id = body["data"]["invitePostingCandidate"]["invitation"]["id"].clone();
                assert!(id.is_string(), "{body}");
                id
            }
        };
        // The agency is invited; Olga in person too.
        let (agency_only, q1) = posting(&app, &acme, "INVITE_ONLY", true).await;
        invite(&agency_only, json!({ "a": agency })).await;
        let body = submit(&app, &mo, good(&agency_only, &q1)).await;
        assert_eq!(
            outcome(&body, "submitProposal"),
            "FORBIDDEN",
            "{setup:?}: a member for himself: {body}"
        );
        let mut for_mo = good(&agency_only, &q1);
        for_mo["a"] = agency.clone();
        for_mo["m"] = mo_profile.clone();
        submitted(&app, &olga, for_mo).await;
        let (olga_only, q2) = posting(&app, &acme, "INVITE_ONLY", true).await;
        invite(&olga_only, json!({ "f": olga_profile })).await;
        let mut for_mo = good(&olga_only, &q2);
        for_mo["a"] = agency.clone();
        for_mo["m"] = mo_profile.clone();
        let body = submit(&app, &olga, for_mo).await;
        assert_eq!(
            outcome(&body, "submitProposal"),
            "FORBIDDEN",
            "{setup:?}: an owner's own invitation: {body}"
        );
        submitted(&app, &olga, good(&olga_only, &q2)).await;
        // Dee declines hers: it no longer admits her.
        let (declined, q3) = posting(&app, &acme, "INVITE_ONLY", true).await;
        let inv = invite(&declined, json!({ "f": dee_profile })).await;
        let body = app
            .gql(
                Some(&dee),
                "mutation($id: ID!) { declinePostingInvitation(input: { invitationId: $id }) { userErrors { message } } }",
                json!({ "id": inv }),
            )
            .await;
        assert_eq!(
            body["data"]["declinePostingInvitation"]["userErrors"],
            json!([]),
            "{body}"
        );
        let body = submit(&app, &dee, good(&declined, &q3)).await;
        assert_eq!(
            outcome(&body, "submitProposal"),
            "FORBIDDEN",
            "{setup:?}: declined: {body}"
        );
        assert_eq!(
            app.database().count("SELECT COUNT(*) FROM proposals").await,
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
        let (posting, question) = posting(&app, &acme, "PUBLIC", true).await;
        let (draft, draft_question) = self::posting(&app, &acme, "PUBLIC", false).await;
        let (fay, _) = freelancer(&app, "fay").await;
        let cases: Vec<(&str, Value, Vec<&str>)> = vec![
            (
                "no answer",
                json!({ "ans": [] }),
                vec!["VALIDATION@input.answers"],
            ),
            (
                "another currency",
                json!({ "bid": { "amountMinor": 8000, "currency": "EUR" } }),
                vec!["VALIDATION@input.bid.currency"],
            ),
            (
                "a short letter and no duration",
                json!({ "c": "Hire me.", "d": null }),
                vec![
                    "VALIDATION@input.coverLetter",
                    "VALIDATION@input.durationDays",
                ],
            ),
            (
                "an unknown question",
                json!({ "ans": [{ "questionId": "00000000-0000-7000-8000-000000000000", "yes": true }] }),
                vec![
                    "NOT_FOUND@input.answers.0.questionId",
                    "VALIDATION@input.answers",
                ],
            ),
            (
                "a draft",
                json!({ "p": draft, "ans": [{ "questionId": draft_question, "yes": true }] }),
                vec!["NOT_FOUND@input.postingId"],
            ),
        ];
        for (what, change, want) in cases {
            let mut vars = good(&posting, &question);
            for (k, v) in change.as_object().unwrap() {
                vars[k] = v.clone();
            }
            let body = submit(&app, &fay, vars).await;
            assert_eq!(
                errors(&body, "submitProposal"),
                want,
                "{setup:?} {what}: {body}"
            );
            assert_eq!(body["data"]["submitProposal"]["proposal"], Value::Null);
        }
        assert_eq!(
            app.database().count("SELECT COUNT(*) FROM proposals").await,
            0,
            "{setup:?}"
        );
        // Withdrawn, then edited; and proposing on a closed posting.
        let proposal = submitted(&app, &fay, good(&posting, &question)).await;
        let body = act(
            &app,
            &fay,
            "withdrawProposal",
            json!({ "id": proposal["id"], "r": "" }),
        )
        .await;
        assert_eq!(
            errors(&body, "withdrawProposal"),
            ["VALIDATION@input.reason"],
            "{body}"
        );
        let body = act(
            &app,
            &fay,
            "withdrawProposal",
            json!({ "id": proposal["id"], "r": "Booked." }),
        )
        .await;
        assert_eq!(outcome(&body, "withdrawProposal"), "OK", "{body}");
        let mut vars = good(&posting, &question);
        vars["id"] = proposal["id"].clone();
        vars["v"] = json!(2);
        let body = app.gql(Some(&fay), &update_query(), vars).await;
        assert_eq!(
            errors(&body, "updateProposal"),
            ["INVALID_STATE@input.proposalId"],
            "{body}"
        );
        let body = app
            .gql(
                Some(&acme),
                "mutation($id: ID!) { closePosting(input: { postingId: $id, expectedVersion: 2, reason: CANCELLED }) {
                    posting { status } userErrors { field code message } } }",
                json!({ "id": posting }),
            )
            .await;
        assert_eq!(outcome(&body, "closePosting"), "OK", "{body}");
        let (gus, _) = freelancer(&app, "gus").await;
        let body = submit(&app, &gus, good(&posting, &question)).await;
        assert_eq!(
            errors(&body, "submitProposal"),
            ["INVALID_STATE@input.postingId"],
            "{body}"
        );
        let read = app
            .gql(Some(&fay), NODE, json!({ "id": proposal["id"] }))
            .await;
        assert_eq!(
            read["data"]["node"]["status"], "WITHDRAWN",
            "{setup:?}: a final state stays"
        );
    }
}

#[tokio::test]
async fn closing_a_posting_closes_its_open_proposals() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let (posting, question) = posting(&app, &acme, "PUBLIC", true).await;
        let (fay, _) = freelancer(&app, "fay").await;
        let proposal = submitted(&app, &fay, good(&posting, &question)).await;
        let body = app
            .gql(
                Some(&acme),
                "mutation($id: ID!) { closePosting(input: { postingId: $id, expectedVersion: 2, reason: FILLED }) {
                    posting { status } userErrors { field code message } } }",
                json!({ "id": posting }),
            )
            .await;
        assert_eq!(outcome(&body, "closePosting"), "OK", "{body}");
        let read = app
            .gql(Some(&fay), "query($id: ID!) { node(id: $id) { ... on Proposal { status history { kind by } } } }", json!({ "id": proposal["id"] }))
            .await;
        assert_eq!(
            read["data"]["node"]["status"], "CLOSED",
            "{setup:?}: {read}"
        );
        assert_eq!(
            read["data"]["node"]["history"],
            json!([{ "kind": "SUBMITTED", "by": "FREELANCER" }, { "kind": "CLOSED", "by": "CLIENT" }]),
            "{read}"
        );
    }
}

#[tokio::test]
async fn a_stage_holding_proposals_stays_and_the_pipeline_changes_around_it() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let (posting, question) = posting(&app, &acme, "PUBLIC", true).await;
        let (fay, _) = freelancer(&app, "fay").await;
        let proposal = submitted(&app, &fay, good(&posting, &question)).await;
        let stages = pipeline(&app, &acme, &posting).await;
        let body = act(
            &app,
            &acme,
            "moveProposal",
            json!({ "id": proposal["id"], "s": stages[0]["id"] }),
        )
        .await;
        assert_eq!(outcome(&body, "moveProposal"), "OK", "{body}");
        let change = |m: &str, input: &str, vars: Value| {
            let decl: String = [
                ("$s", ", $s: ID!"),
                ("$n", ", $n: String!"),
                ("$o", ", $o: [ID!]!"),
            ]
            .iter()
            .filter(|(v, _)| input.contains(v))
            .map(|(_, d)| *d)
            .collect();
            let query = format!(
                "mutation($p: ID!{decl}) {{ {m}(input: {{ postingId: $p{input} }}) {{
                    pipeline {{ id name }} userErrors {{ field code message }} }} }}"
            );
            let app = &app;
            let acme = acme.clone();
            async move { app.gql(Some(&acme), &query, vars).await }
        };
        let body = change(
            "removePipelineStage",
            ", stageId: $s",
            json!({ "p": posting, "s": stages[0]["id"] }),
        )
        .await;
        assert_eq!(
            errors(&body, "removePipelineStage"),
            ["INVALID_STATE@input.stageId"],
            "{body}"
        );
        let body = change(
            "renamePipelineStage",
            ", stageId: $s, name: $n",
            json!({ "p": posting, "s": stages[0]["id"], "n": "culture FIT" }),
        )
        .await;
        assert_eq!(
            errors(&body, "renamePipelineStage"),
            ["CONFLICT@input.name"],
            "{body}"
        );
        let body = change(
            "renamePipelineStage",
            ", stageId: $s, name: $n",
            json!({ "p": posting, "s": stages[0]["id"], "n": "Phone screen" }),
        )
        .await;
        assert_eq!(outcome(&body, "renamePipelineStage"), "OK", "{body}");
        let mut order: Vec<Value> = stages.iter().map(|s| s["id"].clone()).collect();
        order.reverse();
        let body = change(
            "reorderPipelineStages",
            ", stageIds: $o",
            json!({ "p": posting, "o": order[1..] }),
        )
        .await;
        assert_eq!(
            errors(&body, "reorderPipelineStages"),
            ["VALIDATION@input.stageIds"],
            "{body}"
        );
        let body = change(
            "reorderPipelineStages",
            ", stageIds: $o",
            json!({ "p": posting, "o": order }),
        )
        .await;
        assert_eq!(outcome(&body, "reorderPipelineStages"), "OK", "{body}");
        let names: Vec<String> = pipeline(&app, &acme, &posting)
            .await
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            names.last().unwrap(),
            "Phone screen",
            "{setup:?}: {names:?}"
        );
        assert_eq!(names.first().unwrap(), "Culture fit");
        // Moved out, the stage can go.
        let body = act(
            &app,
            &acme,
            "moveProposal",
            json!({ "id": proposal["id"], "s": stages[1]["id"] }),
        )
        .await;
        assert_eq!(outcome(&body, "moveProposal"), "OK", "{body}");
        let body = change(
            "removePipelineStage",
            ", stageId: $s",
            json!({ "p": posting, "s": stages[0]["id"] }),
        )
        .await;
        assert_eq!(outcome(&body, "removePipelineStage"), "OK", "{body}");
        assert_eq!(pipeline(&app, &acme, &posting).await.len(), 5);
        let body = act(
            &app,
            &acme,
            "moveProposal",
            json!({ "id": proposal["id"], "s": stages[0]["id"] }),
        )
        .await;
        assert_eq!(
            errors(&body, "moveProposal"),
            ["NOT_FOUND@input.stageId"],
            "{body}"
        );
    }
}

/// A page of proposals with their freelancer, skills, match, stage, history, scorecard
/// summary and last message costs a fixed number of statements, whatever its size.
#[tokio::test]
async fn a_page_of_proposals_with_their_relations_takes_a_fixed_number_of_statements() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let (posting, question) = posting(&app, &acme, "PUBLIC", true).await;
        let stages = pipeline(&app, &acme, &posting).await;
        for i in 0..20 {
            let (token, _) = freelancer(&app, &format!("f{i}")).await;
            let p = submitted(&app, &token, good(&posting, &question)).await;
            if i % 2 == 0 {
                act(
                    &app,
                    &acme,
                    "moveProposal",
                    json!({ "id": p["id"], "s": stages[i % 6]["id"] }),
                )
                .await;
            }
            let body = app
                .gql(
                    Some(&token),
                    "mutation($id: ID!) { sendProposalMessage(input: { proposalId: $id, body: \"Happy to talk this week.\" }) {
                        userErrors { message } } }",
                    json!({ "id": p["id"] }),
                )
                .await;
            assert_eq!(
                body["data"]["sendProposalMessage"]["userErrors"],
                json!([]),
                "{body}"
            );
            if i % 3 == 0 {
                let body = app
                    .gql(
                        Some(&acme),
                        "mutation($id: ID!, $s: ID!) { submitScorecard(input: { proposalId: $id, stageId: $s,
                            recommendation: YES, criteria: [{ name: \"Rust\", rating: YES }] }) { userErrors { message } } }",
                        json!({ "id": p["id"], "s": stages[0]["id"] }),
                    )
                    .await;
                assert_eq!(
                    body["data"]["submitScorecard"]["userErrors"],
                    json!([]),
                    "{body}"
                );
            }
        }
        let query =
            "query($p: ID!, $n: Int!) { proposals(postingId: $p, first: $n, sort: MATCH) { nodes {
            id status freelancer { headline skills { skill { slug } level } }
            match { score matchedSkills { slug } missingSkills { slug } }
            stage { name } history { kind stageName } posting { title }
            scorecardSummary { count average } lastMessage { body } unreadMessageCount } } }";
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
                    assert!(node["freelancer"]["headline"].is_string(), "{node}");
                    assert!(node["match"]["score"].is_number(), "{node}");
                    assert!(!node["history"].as_array().unwrap().is_empty(), "{node}");
                    assert_eq!(
                        node["lastMessage"]["body"], "Happy to talk this week.",
                        "{node}"
                    );
                    assert_eq!(node["unreadMessageCount"], 1, "{node}");
                    assert!(node["scorecardSummary"]["count"].is_number(), "{node}");
                }
                app.statements.get() - before
            }
        };
        count(3).await; // warms the caches
        let three = count(3).await;
        let twenty = count(20).await;
        let again = count(20).await;
        // One more at most: the taxonomy's skill loader may serve the match's skills and
        // the profiles' skills (two depths of the query) in one batch or in two. Rows
        // that cost statements would add seventeen.
        assert!(
            twenty.max(again) <= three + 1,
            "{setup:?}: statements grew with proposals: {three} for 3, {twenty} and {again} for 20"
        );
    }
}
