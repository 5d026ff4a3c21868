#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Offers, contracts and escrowed milestones over GraphQL: an offer accepted once (also
//! under 20 concurrent accepts) filling its posting; offers withdrawn, declined and
//! ended with their proposal or posting; milestone money through escrow exactly once
//! under repeated keys, with a balanced ledger; provider failures that leave nothing
//! behind; bad input refused on its field with nothing changed; who may do what; and
//! the cost of a page of contracts.

use domain::contracts::SandboxFailure;
use serde_json::{Value, json};
use tests::hiring::{accept, fixed, hire, into_pipeline, make_offer, posting, proposal, refused};
use tests::payload::{errors, outcome};
use tests::{Setup, TestApp, setups};

async fn app(setup: &Setup) -> TestApp {
    TestApp::spawn_with(setup, |s| s.dev_login = true).await
}

const MILESTONE: &str = "milestone { id status amount { amountMinor currency } submissionNote
    changesRequested refundReason fundedAt submittedAt autoReleaseAt releasedAt }";

async fn pay(app: &TestApp, token: &str, mutation: &str, milestone: &Value, key: &str) -> Value {
    let extra = if mutation == "refundMilestone" {
        ", reason: \"The client changed plans\""
    } else {
        ""
    };
    app.gql(
        Some(token),
        &format!(
            "mutation($m: ID!, $k: String!) {{ {mutation}(input: {{ milestoneId: $m,
                idempotencyKey: $k{extra} }}) {{ {MILESTONE} transactionId
                userErrors {{ field code message }} }} }}"
        ),
        json!({ "m": milestone, "k": key }),
    )
    .await
}

async fn step(app: &TestApp, token: &str, mutation: &str, milestone: &Value) -> Value {
    let extra = match mutation {
        "submitMilestone" => ", note: \"Deployed to staging: see the README\"",
        "requestMilestoneChanges" => ", reason: \"Please add the migration tests\"",
        _ => "",
    };
    app.gql(
        Some(token),
        &format!(
            "mutation($m: ID!) {{ {mutation}(input: {{ milestoneId: $m{extra} }}) {{
                {MILESTONE} userErrors {{ field code message }} }} }}"
        ),
        json!({ "m": milestone }),
    )
    .await
}

const CONTRACT: &str = "id status title endReason viewerIsClient escrow { amountMinor currency }
    terms { kind total { amountMinor } } milestones { id position title status amount { amountMinor } }
    history { kind status detail actorId }
    payments(first: 50) { nodes { id kind amount { amountMinor } milestoneId memo providerReference
        entries { account yours amount { amountMinor currency } } } }";

async fn contract(app: &TestApp, token: &str, id: &Value) -> Value {
    let body = app
        .gql(
            Some(token),
            &format!("query($id: ID!) {{ contract(id: $id) {{ {CONTRACT} }} }}"),
            json!({ "id": id }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["contract"].clone()
}

async fn balances(app: &TestApp, token: &str) -> Vec<(String, i64)> {
    let body = app
        .gql(
            Some(token),
            "{ viewer { balances { account balance { amountMinor currency } } } }",
            json!({}),
        )
        .await;
    let mut out: Vec<(String, i64)> = body["data"]["viewer"]["balances"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|b| {
            (
                b["account"].as_str().unwrap().to_owned(),
                b["balance"]["amountMinor"].as_i64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Every transaction of the contract balances: its entries sum to zero.
fn assert_balanced(contract: &Value) {
    for t in contract["payments"]["nodes"].as_array().unwrap() {
        let sum: i64 = t["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["amount"]["amountMinor"].as_i64().unwrap())
            .sum();
        assert_eq!(sum, 0, "unbalanced: {t}");
    }
}

#[tokio::test]
async fn an_offer_becomes_one_contract_and_fills_the_posting() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let posting = posting(&app, &acme, 1).await;
        let (ana, ana_proposal) = proposal(&app, "ana", &posting).await;
        let (bo, bo_proposal) = proposal(&app, "bo", &posting).await;
        // An offer is made from a stage of the pipeline.
        let body = make_offer(&app, &acme, &ana_proposal, fixed(&[100_000, 200_000])).await;
        assert_eq!(
            errors(&body, "makeOffer"),
            ["INVALID_STATE@input.proposalId"],
            "{body}"
        );
        into_pipeline(&app, &acme, &posting, &ana_proposal).await;
        into_pipeline(&app, &acme, &posting, &bo_proposal).await;
        let body = make_offer(&app, &acme, &ana_proposal, fixed(&[100_000, 200_000])).await;
        assert_eq!(outcome(&body, "makeOffer"), "OK", "{body}");
        let offer = &body["data"]["makeOffer"]["offer"];
        assert_eq!(offer["status"], "PENDING");
        assert_eq!(offer["terms"]["kind"], "FIXED");
        assert_eq!(offer["terms"]["total"]["amountMinor"], 300_000);
        assert_eq!(offer["milestones"][1]["amount"]["amountMinor"], 200_000);
        let offer = offer["id"].clone();
        // A second offer on the same proposal: it is OFFERED already.
        let body = make_offer(&app, &acme, &ana_proposal, fixed(&[5_000])).await;
        assert_eq!(
            errors(&body, "makeOffer"),
            ["INVALID_STATE@input.proposalId"]
        );
        // Both parties see it on the proposal; a bystander sees nothing.
        let q =
            "query($id: ID!) { node(id: $id) { ... on Proposal { status offers { id status } } } }";
        for token in [&acme, &ana] {
            let body = app.gql(Some(token), q, json!({ "id": ana_proposal })).await;
            assert_eq!(body["data"]["node"]["status"], "OFFERED", "{body}");
            assert_eq!(body["data"]["node"]["offers"][0]["id"], offer);
        }
        let body = app
            .gql(
                Some(&bo),
                "query($id: ID!) { offer(id: $id) { id } }",
                json!({ "id": offer }),
            )
            .await;
        assert_eq!(body["data"]["offer"], Value::Null, "{body}");
        // The client cannot accept their own offer; the freelancer can.
        let body = accept(&app, &acme, &offer).await;
        assert_eq!(outcome(&body, "acceptOffer"), "FORBIDDEN", "{body}");
        let body = accept(&app, &ana, &offer).await;
        assert_eq!(outcome(&body, "acceptOffer"), "OK", "{body}");
        let created = body["data"]["acceptOffer"]["contract"].clone();
        assert_eq!(created["status"], "ACTIVE");
        assert_eq!(created["title"], "Ledger, phase one");
        assert_eq!(created["milestones"].as_array().unwrap().len(), 2);
        // Accepting again returns the same contract.
        let body = accept(&app, &ana, &offer).await;
        assert_eq!(body["data"]["acceptOffer"]["contract"]["id"], created["id"]);
        // The proposal is HIRED; the posting, its one position filled, closed as FILLED
        // and took bo's open proposal with it.
        let body = app.gql(Some(&acme), q, json!({ "id": ana_proposal })).await;
        assert_eq!(body["data"]["node"]["status"], "HIRED");
        assert_eq!(body["data"]["node"]["offers"][0]["status"], "ACCEPTED");
        let body = app.gql(Some(&bo), q, json!({ "id": bo_proposal })).await;
        assert_eq!(body["data"]["node"]["status"], "CLOSED", "{body}");
        let body = app
            .gql(
                Some(&acme),
                "query($id: ID!) { posting(id: $id) { status closeReason } }",
                json!({ "id": posting }),
            )
            .await;
        assert_eq!(body["data"]["posting"]["status"], "CLOSED", "{body}");
        assert_eq!(body["data"]["posting"]["closeReason"], "FILLED");
        // Both parties list it; the client's side sees it as theirs.
        for (token, is_client) in [(&acme, true), (&ana, false)] {
            let body = app
                .gql(
                    Some(token),
                    "{ viewer { contracts(first: 5) { nodes { id viewerIsClient status
                        history { kind status actorId } } } } }",
                    json!({}),
                )
                .await;
            let nodes = &body["data"]["viewer"]["contracts"]["nodes"];
            assert_eq!(nodes.as_array().unwrap().len(), 1, "{body}");
            assert_eq!(nodes[0]["id"], created["id"]);
            assert_eq!(nodes[0]["viewerIsClient"], is_client);
            assert_eq!(nodes[0]["history"][0]["kind"], "STARTED");
        }
        let body = app
            .gql(
                Some(&bo),
                "{ viewer { contracts { nodes { id } } } }",
                json!({}),
            )
            .await;
        assert_eq!(body["data"]["viewer"]["contracts"]["nodes"], json!([]));
        assert_eq!(contract(&app, &bo, &created["id"]).await, Value::Null);
    }
}

#[tokio::test]
async fn twenty_concurrent_accepts_create_one_contract() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let posting = posting(&app, &acme, 2).await;
        let (ana, prop) = proposal(&app, "ana", &posting).await;
        into_pipeline(&app, &acme, &posting, &prop).await;
        let body = make_offer(&app, &acme, &prop, fixed(&[50_000])).await;
        let offer = body["data"]["makeOffer"]["offer"]["id"].clone();
        let attempts = (0..20).map(|_| accept(&app, &ana, &offer));
        let bodies = futures_util::future::join_all(attempts).await;
        let ids: std::collections::HashSet<String> = bodies
            .iter()
            .map(|b| {
                assert_eq!(outcome(b, "acceptOffer"), "OK", "{b}");
                b["data"]["acceptOffer"]["contract"]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(ids.len(), 1, "every accept answers with the one contract");
        let body = app
            .gql(
                Some(&ana),
                "{ viewer { contracts { nodes { id } } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            body["data"]["viewer"]["contracts"]["nodes"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        // Two positions: one filled, the posting stays open.
        let body = app
            .gql(
                Some(&acme),
                "query($id: ID!) { posting(id: $id) { status } }",
                json!({ "id": posting }),
            )
            .await;
        assert_eq!(body["data"]["posting"]["status"], "OPEN", "{body}");
    }
}

#[tokio::test]
async fn offers_end_with_their_proposal_or_posting_and_return_it_to_its_stage() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let posting = posting(&app, &acme, 3).await;
        let (ana, ana_p) = proposal(&app, "ana", &posting).await;
        let (bo, bo_p) = proposal(&app, "bo", &posting).await;
        let (_cy, cy_p) = proposal(&app, "cy", &posting).await;
        for p in [&ana_p, &bo_p, &cy_p] {
            into_pipeline(&app, &acme, &posting, p).await;
        }
        let offer_of = |body: &Value| body["data"]["makeOffer"]["offer"]["id"].clone();
        let end = |token: String, mutation: &'static str, offer: Value| {
            let app = &app;
            async move {
                app.gql(
                    Some(&token),
                    &format!(
                        "mutation($o: ID!) {{ {mutation}(input: {{ offerId: $o, reason: \"Budget moved\" }}) {{
                            offer {{ status statusReason }} userErrors {{ field code message }} }} }}"
                    ),
                    json!({ "o": offer }),
                )
                .await
            }
        };
        // The client withdraws; the freelancer may not; the proposal is back in its stage.
        let hourly = json!({ "hourly": { "rate": { "amountMinor": 9000, "currency": "USD" },
            "weeklyLimitHours": 30, "manualTimeAllowed": true } });
        let body = make_offer(&app, &acme, &ana_p, hourly.clone()).await;
        assert_eq!(
            body["data"]["makeOffer"]["offer"]["terms"]["weeklyLimitHours"], 30,
            "{body}"
        );
        let offer = offer_of(&body);
        let body = end(ana.clone(), "withdrawOffer", offer.clone()).await;
        assert_eq!(outcome(&body, "withdrawOffer"), "FORBIDDEN");
        let body = end(acme.clone(), "withdrawOffer", offer.clone()).await;
        assert_eq!(
            body["data"]["withdrawOffer"]["offer"]["status"], "WITHDRAWN",
            "{body}"
        );
        assert_eq!(
            body["data"]["withdrawOffer"]["offer"]["statusReason"],
            "Budget moved"
        );
        let body = accept(&app, &ana, &offer).await;
        assert_eq!(
            errors(&body, "acceptOffer"),
            ["INVALID_STATE@input.offerId"]
        );
        let q = "query($id: ID!) { node(id: $id) { ... on Proposal { status stage { name }
            history { kind } offers { status } } } }";
        let body = app.gql(Some(&acme), q, json!({ "id": ana_p })).await;
        assert_eq!(body["data"]["node"]["status"], "IN_EVALUATION", "{body}");
        let kinds: Vec<&str> = body["data"]["node"]["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["kind"].as_str().unwrap())
            .collect();
        assert!(kinds.ends_with(&["OFFERED", "OFFER_ENDED"]), "{kinds:?}");
        // The freelancer declines a second offer.
        let offer = offer_of(&make_offer(&app, &acme, &ana_p, hourly.clone()).await);
        let body = end(acme.clone(), "declineOffer", offer.clone()).await;
        assert_eq!(outcome(&body, "declineOffer"), "FORBIDDEN");
        let body = end(ana.clone(), "declineOffer", offer.clone()).await;
        assert_eq!(
            body["data"]["declineOffer"]["offer"]["status"], "DECLINED",
            "{body}"
        );
        // Withdrawing the proposal declines its live offer in the same change.
        let offer = offer_of(&make_offer(&app, &acme, &bo_p, hourly.clone()).await);
        let body = app
            .gql(
                Some(&bo),
                "mutation($id: ID!) { withdrawProposal(input: { proposalId: $id, reason: \"Took another job\" }) {
                    userErrors { field code message } } }",
                json!({ "id": bo_p }),
            )
            .await;
        assert_eq!(outcome(&body, "withdrawProposal"), "OK", "{body}");
        let body = app
            .gql(
                Some(&acme),
                "query($id: ID!) { offer(id: $id) { status statusReason } }",
                json!({ "id": offer }),
            )
            .await;
        assert_eq!(body["data"]["offer"]["status"], "DECLINED", "{body}");
        // Closing the posting withdraws the live offer on cy's proposal.
        let offer = offer_of(&make_offer(&app, &acme, &cy_p, hourly).await);
        let body = app
            .gql(
                Some(&acme),
                "mutation($id: ID!) { closePosting(input: { postingId: $id, reason: CANCELLED, expectedVersion: 2 }) {
                    userErrors { field code message } } }",
                json!({ "id": posting }),
            )
            .await;
        assert_eq!(outcome(&body, "closePosting"), "OK", "{body}");
        let body = app
            .gql(
                Some(&acme),
                "query($id: ID!) { offer(id: $id) { status } }",
                json!({ "id": offer }),
            )
            .await;
        assert_eq!(body["data"]["offer"]["status"], "WITHDRAWN", "{body}");
    }
}

#[tokio::test]
async fn milestones_move_money_through_escrow_exactly_once() {
    for setup in setups() {
        let app = app(&setup).await;
        let h = hire(&app, "m", &[100_000, 50_000, 25_000]).await;
        let (m1, m2, m3) = (&h.milestones[0], &h.milestones[1], &h.milestones[2]);
        // Fund: held in escrow; the same key again returns the first result.
        let body = pay(&app, &h.client, "fundMilestone", m1, "fund-m1-0001").await;
        assert_eq!(outcome(&body, "fundMilestone"), "OK", "{body}");
        let first = body["data"]["fundMilestone"].clone();
        assert_eq!(first["milestone"]["status"], "FUNDED");
        let again = pay(&app, &h.client, "fundMilestone", m1, "fund-m1-0001").await;
        assert_eq!(
            again["data"]["fundMilestone"]["transactionId"],
            first["transactionId"]
        );
        // The same key for another milestone is refused; so is funding twice.
        let body = pay(&app, &h.client, "fundMilestone", m2, "fund-m1-0001").await;
        assert_eq!(
            errors(&body, "fundMilestone"),
            ["CONFLICT@input.idempotencyKey"]
        );
        let body = pay(&app, &h.client, "fundMilestone", m1, "fund-m1-0002").await;
        assert_eq!(
            errors(&body, "fundMilestone"),
            ["INVALID_STATE@input.milestoneId"]
        );
        let c = contract(&app, &h.client, &h.contract).await;
        assert_eq!(c["escrow"]["amountMinor"], 100_000, "{c}");
        assert_eq!(c["payments"]["nodes"].as_array().unwrap().len(), 1, "{c}");
        // The work goes back and forth, then is approved and released less the fee.
        let body = step(&app, &h.client, "submitMilestone", m1).await;
        assert_eq!(outcome(&body, "submitMilestone"), "FORBIDDEN");
        let body = step(&app, &h.freelancer, "submitMilestone", m1).await;
        assert_eq!(
            body["data"]["submitMilestone"]["milestone"]["status"], "SUBMITTED",
            "{body}"
        );
        assert!(body["data"]["submitMilestone"]["milestone"]["autoReleaseAt"].is_string());
        let body = step(&app, &h.client, "requestMilestoneChanges", m1).await;
        assert_eq!(
            body["data"]["requestMilestoneChanges"]["milestone"]["status"], "FUNDED",
            "{body}"
        );
        let body = pay(&app, &h.client, "approveMilestone", m1, "approve-m1-01").await;
        assert_eq!(
            errors(&body, "approveMilestone"),
            ["INVALID_STATE@input.milestoneId"]
        );
        step(&app, &h.freelancer, "submitMilestone", m1).await;
        let body = pay(&app, &h.freelancer, "approveMilestone", m1, "approve-m1-01").await;
        assert_eq!(outcome(&body, "approveMilestone"), "FORBIDDEN");
        let body = pay(&app, &h.client, "approveMilestone", m1, "approve-m1-02").await;
        assert_eq!(
            body["data"]["approveMilestone"]["milestone"]["status"], "RELEASED",
            "{body}"
        );
        let again = pay(&app, &h.client, "approveMilestone", m1, "approve-m1-02").await;
        assert_eq!(
            again["data"]["approveMilestone"]["transactionId"],
            body["data"]["approveMilestone"]["transactionId"]
        );
        // Cancel before funding; a cancelled milestone is not funded.
        let body = step(&app, &h.client, "cancelMilestone", m3).await;
        assert_eq!(
            body["data"]["cancelMilestone"]["milestone"]["status"], "CANCELLED",
            "{body}"
        );
        let body = pay(&app, &h.client, "fundMilestone", m3, "fund-m3-0001").await;
        assert_eq!(
            errors(&body, "fundMilestone"),
            ["INVALID_STATE@input.milestoneId"]
        );
        // Refund with the freelancer's consent: only they give it.
        pay(&app, &h.client, "fundMilestone", m2, "fund-m2-0001").await;
        let body = pay(&app, &h.client, "refundMilestone", m2, "refund-m2-01").await;
        assert_eq!(outcome(&body, "refundMilestone"), "FORBIDDEN");
        let body = pay(&app, &h.freelancer, "refundMilestone", m2, "refund-m2-01").await;
        assert_eq!(
            body["data"]["refundMilestone"]["milestone"]["status"], "REFUNDED",
            "{body}"
        );
        assert_eq!(
            body["data"]["refundMilestone"]["milestone"]["refundReason"],
            "The client changed plans"
        );
        // A bonus, once per key.
        let bonus = "mutation($c: ID!, $k: String!, $a: Int!) { payBonus(input: { contractId: $c,
            amount: { amountMinor: $a, currency: \"USD\" }, note: \"Great work\", idempotencyKey: $k }) {
            transaction { id kind amount { amountMinor } } userErrors { field code message } } }";
        let body = app
            .gql(
                Some(&h.client),
                bonus,
                json!({ "c": h.contract, "k": "bonus-00001", "a": 10_000 }),
            )
            .await;
        assert_eq!(outcome(&body, "payBonus"), "OK", "{body}");
        let again = app
            .gql(
                Some(&h.client),
                bonus,
                json!({ "c": h.contract, "k": "bonus-00001", "a": 10_000 }),
            )
            .await;
        assert_eq!(
            again["data"]["payBonus"]["transaction"]["id"],
            body["data"]["payBonus"]["transaction"]["id"]
        );
        let body = app
            .gql(
                Some(&h.client),
                bonus,
                json!({ "c": h.contract, "k": "bonus-00001", "a": 20_000 }),
            )
            .await;
        assert_eq!(errors(&body, "payBonus"), ["CONFLICT@input.idempotencyKey"]);
        // The books: fund 100,000 + 50,000, bonus 10,000 in; 100,000 and 10,000 earned
        // less 10%; 50,000 back; nothing held.
        let c = contract(&app, &h.client, &h.contract).await;
        assert_eq!(c["escrow"]["amountMinor"], 0, "{c}");
        assert_eq!(c["payments"]["nodes"].as_array().unwrap().len(), 5, "{c}");
        assert_balanced(&c);
        let kinds: Vec<&str> = c["payments"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["BONUS", "REFUND", "FUND", "RELEASE", "FUND"]);
        assert_eq!(
            balances(&app, &h.client).await,
            [("CLIENT_FUNDING".to_owned(), -110_000)]
        );
        assert_eq!(
            balances(&app, &h.freelancer).await,
            [("EARNINGS".to_owned(), 99_000)]
        );
        let body = app
            .gql(
                Some(&h.freelancer),
                "{ viewer { ledger(first: 1) { nodes { kind entries { yours account } }
                pageInfo { hasNextPage endCursor } } } }",
                json!({}),
            )
            .await;
        let ledger = &body["data"]["viewer"]["ledger"];
        assert_eq!(ledger["nodes"][0]["kind"], "BONUS", "{body}");
        assert_eq!(ledger["pageInfo"]["hasNextPage"], true);
        let body = app
            .gql(
                Some(&h.freelancer),
                "query($a: String) { viewer { ledger(after: $a) { nodes { kind } pageInfo { hasNextPage } } } }",
                json!({ "a": ledger["pageInfo"]["endCursor"] }),
            )
            .await;
        assert_eq!(
            body["data"]["viewer"]["ledger"]["nodes"],
            json!([{ "kind": "RELEASE" }]),
            "the freelancer's accounts saw the bonus and the release, not the refund: {body}"
        );
        assert_eq!(
            body["data"]["viewer"]["ledger"]["pageInfo"]["hasNextPage"],
            false
        );
        // A milestone added later; the contract ends only with nothing held.
        let body = app
            .gql(
                Some(&h.client),
                "mutation($c: ID!) { addMilestone(input: { contractId: $c, milestone: { title: \"Phase two\",
                    amount: { amountMinor: 30000, currency: \"USD\" } } }) { milestone { id position status }
                    userErrors { field code message } } }",
                json!({ "c": h.contract }),
            )
            .await;
        assert_eq!(
            body["data"]["addMilestone"]["milestone"]["position"], 4,
            "{body}"
        );
        let m4 = body["data"]["addMilestone"]["milestone"]["id"].clone();
        pay(&app, &h.client, "fundMilestone", &m4, "fund-m4-0001").await;
        let end = "mutation($c: ID!) { endContract(input: { contractId: $c, reason: \"Project done\" }) {
            contract { status endReason milestones { status } } userErrors { field code message } } }";
        let body = app
            .gql(Some(&h.freelancer), end, json!({ "c": h.contract }))
            .await;
        assert_eq!(
            errors(&body, "endContract"),
            ["INVALID_STATE@input.contractId"],
            "{body}"
        );
        pay(&app, &h.freelancer, "refundMilestone", &m4, "refund-m4-01").await;
        let body = app
            .gql(Some(&h.freelancer), end, json!({ "c": h.contract }))
            .await;
        assert_eq!(
            body["data"]["endContract"]["contract"]["status"], "ENDED",
            "{body}"
        );
        assert_eq!(
            body["data"]["endContract"]["contract"]["endReason"],
            "Project done"
        );
        let body = pay(&app, &h.client, "fundMilestone", &m4, "fund-m4-0002").await;
        assert_eq!(
            errors(&body, "fundMilestone"),
            ["INVALID_STATE@input.milestoneId"]
        );
    }
}

#[tokio::test]
async fn a_provider_failure_leaves_nothing_and_a_retry_with_the_key_completes_once() {
    for setup in setups() {
        let sandbox = domain::contracts::SandboxProvider::default();
        let handle = sandbox.clone();
        let app = TestApp::spawn_with(&setup, move |s| {
            s.dev_login = true;
            s.payments_sandbox = handle;
        })
        .await;
        let h = hire(&app, "p", &[70_000]).await;
        let m = &h.milestones[0];
        sandbox.fail_next(&[SandboxFailure::Decline]);
        let body = pay(&app, &h.client, "fundMilestone", m, "fund-try-0001").await;
        assert_eq!(
            errors(&body, "fundMilestone"),
            ["INVALID_STATE@input"],
            "{body}"
        );
        sandbox.fail_next(&[SandboxFailure::TimeoutAfterCharging]);
        let body = pay(&app, &h.client, "fundMilestone", m, "fund-try-0002").await;
        assert_eq!(outcome(&body, "fundMilestone"), "UNAVAILABLE", "{body}");
        let c = contract(&app, &h.client, &h.contract).await;
        assert_eq!(c["milestones"][0]["status"], "PENDING", "{c}");
        assert_eq!(c["payments"]["nodes"], json!([]));
        assert_eq!(
            sandbox.payments().len(),
            1,
            "the provider charged before timing out"
        );
        // The retry with the same key finds the provider's charge and records it once.
        let body = pay(&app, &h.client, "fundMilestone", m, "fund-try-0002").await;
        assert_eq!(
            body["data"]["fundMilestone"]["milestone"]["status"], "FUNDED",
            "{body}"
        );
        let c = contract(&app, &h.client, &h.contract).await;
        assert_eq!(c["payments"]["nodes"].as_array().unwrap().len(), 1);
        assert!(
            c["payments"]["nodes"][0]["providerReference"]
                .as_str()
                .unwrap()
                .starts_with("sandbox_charge_")
        );
        assert_eq!(sandbox.payments().len(), 1, "charged once");
        assert_eq!(c["escrow"]["amountMinor"], 70_000);
        // Another client's key that happens to be the same string is another payment:
        // keys belong to their user.
        let other = hire(&app, "q", &[30_000]).await;
        let body = pay(
            &app,
            &other.client,
            "fundMilestone",
            &other.milestones[0],
            "fund-try-0002",
        )
        .await;
        assert_eq!(outcome(&body, "fundMilestone"), "OK", "{body}");
        let amounts: Vec<i64> = sandbox
            .payments()
            .iter()
            .map(|(_, m)| m.amount_minor)
            .collect();
        assert_eq!(amounts.len(), 2, "{amounts:?}");
        assert!(
            amounts.contains(&30_000) && amounts.contains(&70_000),
            "{amounts:?}"
        );
    }
}

#[tokio::test]
async fn bad_input_is_refused_on_its_field_and_moves_nothing() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let posting = posting(&app, &acme, 1).await;
        let (_ana, prop) = proposal(&app, "ana", &posting).await;
        into_pipeline(&app, &acme, &posting, &prop).await;
        let mut not_adding_up = fixed(&[100, 200]);
        not_adding_up["fixed"]["total"]["amountMinor"] = json!(500);
        let mut zero = fixed(&[0, 100]);
        zero["fixed"]["total"]["amountMinor"] = json!(100);
        let mut euro = fixed(&[100]);
        euro["fixed"]["milestones"][0]["amount"]["currency"] = json!("EUR");
        let mut both = fixed(&[100]);
        both["hourly"] = json!({ "rate": { "amountMinor": 100, "currency": "USD" },
            "weeklyLimitHours": 200, "manualTimeAllowed": false });
        let mut hours = json!({});
        hours["hourly"] = both["hourly"].clone();
        for (terms, expected) in [
            (not_adding_up, vec!["VALIDATION@input.fixed.milestones"]),
            (
                zero,
                vec!["VALIDATION@input.fixed.milestones.0.amount.amountMinor"],
            ),
            (
                euro,
                vec!["VALIDATION@input.fixed.milestones.0.amount.currency"],
            ),
            (both, vec!["VALIDATION@input"]),
            (hours, vec!["VALIDATION@input.hourly.weeklyLimitHours"]),
        ] {
            let body = make_offer(&app, &acme, &prop, terms).await;
            assert_eq!(errors(&body, "makeOffer"), expected, "{body}");
        }
        let body = app
            .gql(
                Some(&acme),
                "query($id: ID!) { node(id: $id) { ... on Proposal { status offers { id } } } }",
                json!({ "id": prop }),
            )
            .await;
        assert_eq!(
            body["data"]["node"]["status"], "IN_EVALUATION",
            "nothing changed: {body}"
        );
        assert_eq!(body["data"]["node"]["offers"], json!([]));
        // Money: a bad key, another currency, zero.
        let h = hire(&app, "b", &[10_000]).await;
        let body = pay(&app, &h.client, "fundMilestone", &h.milestones[0], "short").await;
        assert_eq!(
            errors(&body, "fundMilestone"),
            ["VALIDATION@input.idempotencyKey"]
        );
        for (amount, currency, expected) in [
            (0, "USD", "VALIDATION@input.amount.amountMinor"),
            (-5, "USD", "VALIDATION@input.amount.amountMinor"),
            (100, "EUR", "VALIDATION@input.amount.currency"),
        ] {
            let body = app
                .gql(
                    Some(&h.client),
                    "mutation($c: ID!, $a: Int!, $cur: String!) { payBonus(input: { contractId: $c,
                        amount: { amountMinor: $a, currency: $cur }, idempotencyKey: \"bonus-bad-1\" }) {
                        transaction { id } userErrors { field code message } } }",
                    json!({ "c": h.contract, "a": amount, "cur": currency }),
                )
                .await;
            assert_eq!(errors(&body, "payBonus"), [expected], "{body}");
        }
        let c = contract(&app, &h.client, &h.contract).await;
        assert_eq!(c["payments"]["nodes"], json!([]), "no money moved");
        // At most 20 milestones a contract: it has 1, 19 more fit, the next does not.
        let add = "mutation($c: ID!) { addMilestone(input: { contractId: $c, milestone: {
            title: \"More\", amount: { amountMinor: 100, currency: \"USD\" } } }) {
            milestone { position } userErrors { field code message } } }";
        for _ in 0..19 {
            let body = app
                .gql(Some(&h.client), add, json!({ "c": h.contract }))
                .await;
            assert_eq!(outcome(&body, "addMilestone"), "OK", "{body}");
        }
        let body = app
            .gql(Some(&h.client), add, json!({ "c": h.contract }))
            .await;
        assert_eq!(
            errors(&body, "addMilestone"),
            ["INVALID_STATE@input.contractId"],
            "{body}"
        );
        let c = contract(&app, &h.client, &h.contract).await;
        assert_eq!(c["milestones"].as_array().unwrap().len(), 20);
    }
}

#[tokio::test]
async fn who_may_act_on_offers_contracts_and_milestones() {
    for setup in setups() {
        let app = app(&setup).await;
        let h = hire(&app, "w", &[10_000, 10_000, 10_000]).await;
        let stranger = app.dev_token("stranger", "freelancer").await;
        let other_client = app.dev_token("other-client", "client").await;
        let admin = app.dev_token("ops", "").await;
        app.database()
            .execute("UPDATE users SET is_admin = TRUE WHERE display_name = 'ops'")
            .await;
        // Fund two milestones and submit one, so approve and refund have something to do.
        for (m, key) in [(1, "fund-w-0001"), (2, "fund-w-0002")] {
            let body = pay(&app, &h.client, "fundMilestone", &h.milestones[m], key).await;
            assert_eq!(outcome(&body, "fundMilestone"), "OK", "{body}");
        }
        let body = step(&app, &h.freelancer, "submitMilestone", &h.milestones[2]).await;
        assert_eq!(outcome(&body, "submitMilestone"), "OK", "{body}");
        let callers: [(&str, Option<&str>); 5] = [
            ("anonymous", None),
            ("stranger", Some(&stranger)),
            ("other client", Some(&other_client)),
            ("admin", Some(&admin)),
            ("freelancer", Some(&h.freelancer)),
        ];
        // What the client alone may do: everyone else is refused, parties with
        // FORBIDDEN, others with NOT_FOUND (they learn nothing).
        let client_only: [(&str, String, Value); 11] = [
            ("fundMilestone", "milestoneId: $id, idempotencyKey: \"auth-key-01\"".into(), h.milestones[0].clone()),
            ("approveMilestone", "milestoneId: $id, idempotencyKey: \"auth-key-02\"".into(), h.milestones[2].clone()),
            ("cancelMilestone", "milestoneId: $id".into(), h.milestones[0].clone()),
            ("requestMilestoneChanges", "milestoneId: $id, reason: \"More\"".into(), h.milestones[2].clone()),
            ("pauseContract", "contractId: $id".into(), h.contract.clone()),
            ("resumeContract", "contractId: $id".into(), h.contract.clone()),
            ("withdrawOffer", "offerId: $id".into(), h.offer.clone()),
            (
                "makeOffer",
                "proposalId: $id, title: \"T\", hourly: { rate: { amountMinor: 100, currency: \"USD\" }, weeklyLimitHours: 5, manualTimeAllowed: true }".into(),
                h.proposal.clone(),
            ),
            (
                "addMilestone",
                "contractId: $id, milestone: { title: \"X\", amount: { amountMinor: 100, currency: \"USD\" } }".into(),
                h.contract.clone(),
            ),
            ("changeContractTerms", "contractId: $id, weeklyLimitHours: 10".into(), h.contract.clone()),
            ("payBonus", "contractId: $id, amount: { amountMinor: 100, currency: \"USD\" }, idempotencyKey: \"auth-key-03\"".into(), h.contract.clone()),
        ];
        refused(&app, &client_only, &callers, "freelancer").await;
        // What the freelancer's side alone may do.
        let freelancer_only: [(&str, String, Value); 4] = [
            (
                "submitMilestone",
                "milestoneId: $id".into(),
                h.milestones[1].clone(),
            ),
            (
                "refundMilestone",
                "milestoneId: $id, reason: \"Sorry\", idempotencyKey: \"auth-key-04\"".into(),
                h.milestones[1].clone(),
            ),
            ("acceptOffer", "offerId: $id".into(), h.offer.clone()),
            ("declineOffer", "offerId: $id".into(), h.offer.clone()),
        ];
        let callers: [(&str, Option<&str>); 5] = [
            ("anonymous", None),
            ("stranger", Some(&stranger)),
            ("other client", Some(&other_client)),
            ("admin", Some(&admin)),
            ("client", Some(&h.client)),
        ];
        refused(&app, &freelancer_only, &callers, "client").await;
        // Either party ends a contract; nobody else.
        let end_only = [(
            "endContract",
            "contractId: $id, reason: \"Done\"".to_owned(),
            h.contract.clone(),
        )];
        refused(&app, &end_only, &callers[..4], "").await;
        // Reads: parties only.
        for (who, token, sees) in [
            ("stranger", Some(stranger.as_str()), false),
            ("other client", Some(other_client.as_str()), false),
            ("admin", Some(admin.as_str()), false),
            ("client", Some(h.client.as_str()), true),
            ("freelancer", Some(h.freelancer.as_str()), true),
        ] {
            let body = app
                .gql(
                    token,
                    "query($c: ID!, $o: ID!) { contract(id: $c) { id } offer(id: $o) { id } }",
                    json!({ "c": h.contract, "o": h.offer }),
                )
                .await;
            assert_eq!(body["data"]["contract"].is_object(), sees, "{who}: {body}");
            assert_eq!(body["data"]["offer"].is_object(), sees, "{who}: {body}");
        }
        // Nothing moved for the refused callers: two fundings only.
        let c = contract(&app, &h.client, &h.contract).await;
        assert_eq!(c["payments"]["nodes"].as_array().unwrap().len(), 2, "{c}");
        assert_eq!(c["status"], "ACTIVE");
    }
}

#[tokio::test]
async fn a_page_of_contracts_with_milestones_and_counterparts_takes_a_fixed_number_of_statements() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let query = "{ viewer { contracts(first: 20) { nodes { id status escrow { amountMinor }
            milestones { id status amount { amountMinor } } history { kind }
            client { id } freelancer { id } proposal { id status } posting { id title }
            reviews { rating } } } } }";
        let mut costs = Vec::new();
        let mut hired = 0;
        for target in [3, 8] {
            while hired < target {
                let posting = posting(&app, &acme, 1).await;
                let (dev, prop) = proposal(&app, &format!("dev{hired}"), &posting).await;
                into_pipeline(&app, &acme, &posting, &prop).await;
                let body = make_offer(&app, &acme, &prop, fixed(&[1_000, 2_000])).await;
                let offer = body["data"]["makeOffer"]["offer"]["id"].clone();
                let body = accept(&app, &dev, &offer).await;
                assert_eq!(outcome(&body, "acceptOffer"), "OK", "{body}");
                hired += 1;
            }
            // Warm the taxonomy cache the same way for both runs.
            app.gql(Some(&acme), query, json!({})).await;
            let before = app.statements.get();
            let body = app.gql(Some(&acme), query, json!({})).await;
            let cost = app.statements.get() - before;
            let nodes = body["data"]["viewer"]["contracts"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"));
            assert_eq!(nodes.len(), target, "{body}");
            assert!(
                nodes
                    .iter()
                    .all(|n| n["milestones"].as_array().unwrap().len() == 2)
            );
            assert!(nodes.iter().all(|n| n["proposal"]["status"] == "HIRED"));
            costs.push(cost);
        }
        assert_eq!(
            costs[0], costs[1],
            "statements for 3 and 8 contracts: {costs:?}"
        );
    }
}

#[tokio::test]
async fn the_jobs_expire_offers_and_release_submitted_work_once() {
    use chrono::{TimeDelta, Utc};
    for setup in setups() {
        let app = app(&setup).await;
        let services = app.services().await;
        let acme = app.dev_token("acme", "client").await;
        let posting = posting(&app, &acme, 2).await;
        let (ana, prop) = proposal(&app, "ana", &posting).await;
        into_pipeline(&app, &acme, &posting, &prop).await;
        let body = make_offer(&app, &acme, &prop, fixed(&[40_000])).await;
        let offer = body["data"]["makeOffer"]["offer"]["id"].clone();
        // Not yet: nothing expires before its time.
        let run = services
            .contracts
            .run_offer_expiry(Utc::now())
            .await
            .unwrap();
        assert_eq!(run.expired, 0);
        let later = Utc::now() + TimeDelta::days(8);
        let run = services.contracts.run_offer_expiry(later).await.unwrap();
        assert_eq!(run.expired, 1);
        let again = services.contracts.run_offer_expiry(later).await.unwrap();
        assert_eq!(again.expired, 0, "an offer expires once");
        let body = app
            .gql(
                Some(&ana),
                "query($id: ID!) { offer(id: $id) { status } }",
                json!({ "id": offer }),
            )
            .await;
        assert_eq!(body["data"]["offer"]["status"], "EXPIRED", "{body}");
        let body = accept(&app, &ana, &offer).await;
        assert_eq!(
            errors(&body, "acceptOffer"),
            ["INVALID_STATE@input.offerId"]
        );
        let body = app
            .gql(
                Some(&acme),
                "query($id: ID!) { node(id: $id) { ... on Proposal { status } } }",
                json!({ "id": prop }),
            )
            .await;
        assert_eq!(body["data"]["node"]["status"], "IN_EVALUATION", "{body}");
        // Submitted work is released 14 days later unless the client acts; twice, and
        // from two processes at once, it pays once.
        let h = hire(&app, "r", &[40_000, 20_000]).await;
        pay(
            &app,
            &h.client,
            "fundMilestone",
            &h.milestones[0],
            "fund-r-00001",
        )
        .await;
        pay(
            &app,
            &h.client,
            "fundMilestone",
            &h.milestones[1],
            "fund-r-00002",
        )
        .await;
        step(&app, &h.freelancer, "submitMilestone", &h.milestones[0]).await;
        let run = services
            .contracts
            .run_auto_release(Utc::now() + TimeDelta::days(13))
            .await
            .unwrap();
        assert_eq!(run.released, 0, "13 days are not enough");
        let other = app.services().await;
        let at = Utc::now() + TimeDelta::days(15);
        let (a, b) = tokio::join!(
            services.contracts.run_auto_release(at),
            other.contracts.run_auto_release(at)
        );
        assert_eq!(
            a.unwrap().released + b.unwrap().released,
            1,
            "released once"
        );
        let c = contract(&app, &h.client, &h.contract).await;
        assert_eq!(c["milestones"][0]["status"], "RELEASED", "{c}");
        assert_eq!(c["milestones"][1]["status"], "FUNDED");
        assert_eq!(c["escrow"]["amountMinor"], 20_000);
        assert_eq!(c["payments"]["nodes"][0]["kind"], "AUTO_RELEASE");
        assert_balanced(&c);
        assert_eq!(
            balances(&app, &h.freelancer).await,
            [("EARNINGS".to_owned(), 36_000)]
        );
    }
}

#[tokio::test]
async fn hourly_terms_change_with_history_and_a_lower_limit_waits_for_next_week() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let posting = posting(&app, &acme, 1).await;
        let (ana, prop) = proposal(&app, "ana", &posting).await;
        into_pipeline(&app, &acme, &posting, &prop).await;
        let hourly = json!({ "hourly": { "rate": { "amountMinor": 9000, "currency": "USD" },
            "weeklyLimitHours": 30, "manualTimeAllowed": true } });
        let body = make_offer(&app, &acme, &prop, hourly).await;
        let offer = body["data"]["makeOffer"]["offer"]["id"].clone();
        let body = accept(&app, &ana, &offer).await;
        let id = body["data"]["acceptOffer"]["contract"]["id"].clone();
        let change = |token: String, vars: Value| {
            let app = &app;
            async move {
                app.gql(
                    Some(&token),
                    "mutation($c: ID!, $r: MoneyInput, $h: Int) { changeContractTerms(input: {
                        contractId: $c, hourlyRate: $r, weeklyLimitHours: $h }) {
                        contract { terms { hourlyRate { amountMinor } weeklyLimitHours }
                            pendingWeeklyLimit { hours from } history { kind detail } }
                        userErrors { field code message } } }",
                    vars,
                )
                .await
            }
        };
        let body = change(ana.clone(), json!({ "c": id, "h": 40 })).await;
        assert_eq!(outcome(&body, "changeContractTerms"), "FORBIDDEN");
        for (vars, expected) in [
            (json!({ "c": id }), "VALIDATION@input"),
            (
                json!({ "c": id, "h": 169 }),
                "VALIDATION@input.weeklyLimitHours",
            ),
            (
                json!({ "c": id, "r": { "amountMinor": 100, "currency": "EUR" } }),
                "VALIDATION@input.hourlyRate.currency",
            ),
            (
                json!({ "c": id, "r": { "amountMinor": 0, "currency": "USD" } }),
                "VALIDATION@input.hourlyRate.amountMinor",
            ),
        ] {
            let body = change(acme.clone(), vars).await;
            assert_eq!(errors(&body, "changeContractTerms"), [expected], "{body}");
        }
        // A higher limit and a new rate apply at once.
        let body = change(
            acme.clone(),
            json!({ "c": id, "h": 40, "r": { "amountMinor": 10000, "currency": "USD" } }),
        )
        .await;
        let c = &body["data"]["changeContractTerms"]["contract"];
        assert_eq!(c["terms"]["weeklyLimitHours"], 40, "{body}");
        assert_eq!(c["terms"]["hourlyRate"]["amountMinor"], 10_000);
        assert_eq!(c["pendingWeeklyLimit"], Value::Null);
        assert_eq!(c["history"][1]["kind"], "TERMS_CHANGED");
        assert_eq!(
            c["history"][1]["detail"],
            "hourly rate 90.00 USD → 100.00 USD; weekly limit 30 → 40 hours"
        );
        // A lower one waits for next Monday.
        let body = change(acme.clone(), json!({ "c": id, "h": 10 })).await;
        let c = &body["data"]["changeContractTerms"]["contract"];
        assert_eq!(c["terms"]["weeklyLimitHours"], 40, "{body}");
        let monday = domain::contracts::next_week(chrono::Utc::now().date_naive());
        assert_eq!(
            c["pendingWeeklyLimit"],
            json!({ "hours": 10, "from": monday.to_string() })
        );
        assert_eq!(c["history"].as_array().unwrap().len(), 3);
        // The same lower limit again changes nothing; the current limit again cancels
        // the waiting one, and the history says so.
        let body = change(acme.clone(), json!({ "c": id, "h": 10 })).await;
        let c = &body["data"]["changeContractTerms"]["contract"];
        assert_eq!(c["history"].as_array().unwrap().len(), 3, "{body}");
        let body = change(acme.clone(), json!({ "c": id, "h": 40 })).await;
        let c = &body["data"]["changeContractTerms"]["contract"];
        assert_eq!(c["pendingWeeklyLimit"], Value::Null, "{body}");
        assert_eq!(
            c["history"][3]["detail"],
            format!("the weekly limit of 10 hours from {monday} cancelled")
        );
        // Fixed-price contracts have no hourly terms.
        let h = hire(&app, "fx", &[1_000]).await;
        let body = change(h.client.clone(), json!({ "c": h.contract, "h": 10 })).await;
        assert_eq!(
            errors(&body, "changeContractTerms"),
            ["INVALID_STATE@input.contractId"]
        );
    }
}
