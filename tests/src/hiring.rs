//! Fixtures of the hiring suites: a published posting, a proposal on it moved into the
//! pipeline, an offer made and accepted. Each helper asserts its own step worked.

use chrono::{DateTime, NaiveDate, Utc};
use domain::contracts::{ContractId, TimeEntryInput};
use serde_json::{Value, json};

use crate::payload::outcome;
use crate::{TestApp, uuid_of};

/// A published fixed-price USD posting of `token`'s with `positions` positions and no
/// screening questions: its ID.
pub async fn posting(app: &TestApp, token: &str, positions: u16) -> Value {
    let category =
        app.query("{ categories { id } }", json!({})).await["categories"][0]["id"].clone();
    let fields = json!({
        "title": "Payments ledger in Rust",
        "description": "Build and run our payments ledger in Rust on PostgreSQL, with care and tests.",
        "categoryId": category,
        "skills": [{ "skill": "rust" }],
        "hireType": "FREELANCE_SHORT_TERM",
        "budget": { "kind": "FIXED", "min": { "amountMinor": 500000, "currency": "USD" } },
        "experienceLevel": "EXPERT",
        "duration": "ONE_TO_THREE_MONTHS",
        "positions": positions,
    });
    let body = app
        .gql(
            Some(token),
            "mutation($p: PostingFields!) { createPosting(input: { posting: $p }) { posting { id } } }",
            json!({ "p": fields }),
        )
        .await;
    let id = body["data"]["createPosting"]["posting"]["id"].clone();
    assert!(id.is_string(), "{body}");
    let body = app
        .gql(
            Some(token),
            "mutation($id: ID!) { publishPosting(input: { postingId: $id, expectedVersion: 1 }) {
                userErrors { message } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(outcome(&body, "publishPosting"), "OK", "{body}");
    id
}

/// A new freelancer `handle`'s proposal on `posting` (bid 4,500.00 USD): their token
/// and the proposal's ID.
pub async fn proposal(app: &TestApp, handle: &str, posting: &Value) -> (String, Value) {
    let token = app.dev_token(handle, "freelancer").await;
    let body = app
        .gql(
            Some(&token),
            "mutation($p: ID!) { submitProposal(input: { postingId: $p,
                bid: { amountMinor: 450000, currency: \"USD\" }, durationDays: 40,
                coverLetter: \"I have built payment ledgers in Rust for six years; here is how I would start.\" }) {
                proposal { id } userErrors { field code message } } }",
            json!({ "p": posting }),
        )
        .await;
    let id = body["data"]["submitProposal"]["proposal"]["id"].clone();
    assert!(id.is_string(), "{body}");
    (token, id)
}

/// Moves `proposal` into the first stage of `posting`'s pipeline (its client asks).
pub async fn into_pipeline(app: &TestApp, client: &str, posting: &Value, proposal: &Value) {
    let body = app
        .gql(
            Some(client),
            "query($id: ID!) { posting(id: $id) { pipeline { id } } }",
            json!({ "id": posting }),
        )
        .await;
    let stage = body["data"]["posting"]["pipeline"][0]["id"].clone();
    assert!(stage.is_string(), "{body}");
    let body = app
        .gql(
            Some(client),
            "mutation($id: ID!, $s: ID!) { moveProposal(input: { proposalId: $id, stageId: $s }) {
                userErrors { field code message } } }",
            json!({ "id": proposal, "s": stage }),
        )
        .await;
    assert_eq!(outcome(&body, "moveProposal"), "OK", "{body}");
}

/// `makeOffer` with these terms (a JSON object holding `fixed` or `hourly`): the body.
pub async fn make_offer(app: &TestApp, client: &str, proposal: &Value, terms: Value) -> Value {
    let mut input = json!({ "proposalId": proposal, "title": "Ledger, phase one" });
    if let (Some(input), Some(terms)) = (input.as_object_mut(), terms.as_object()) {
        for (k, v) in terms {
            input.insert(k.clone(), v.clone());
        }
    }
    app.gql(
        Some(client),
        "mutation($i: MakeOfferInput!) { makeOffer(input: $i) {
            offer { id status title expiresAt terms { kind total { amountMinor currency }
                hourlyRate { amountMinor } weeklyLimitHours manualTimeAllowed }
                milestones { title amount { amountMinor currency } dueOn } }
            userErrors { field code message } } }",
        json!({ "i": input }),
    )
    .await
}

/// Fixed-price terms in USD with milestones of these amounts (the total their sum).
pub fn fixed(amounts: &[i64]) -> Value {
    let milestones: Vec<Value> = amounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            json!({ "title": format!("Milestone {}", i + 1),
                    "amount": { "amountMinor": a, "currency": "USD" } })
        })
        .collect();
    json!({ "fixed": {
        "total": { "amountMinor": amounts.iter().sum::<i64>(), "currency": "USD" },
        "milestones": milestones,
    } })
}

/// `acceptOffer` by `token`: the body.
pub async fn accept(app: &TestApp, token: &str, offer: &Value) -> Value {
    app.gql(
        Some(token),
        "mutation($o: ID!) { acceptOffer(input: { offerId: $o }) {
            contract { id status title milestones { id status amount { amountMinor } } }
            userErrors { field code message } } }",
        json!({ "o": offer }),
    )
    .await
}

/// A fixed-price contract between a new client and a new freelancer.
pub struct Hire {
    pub client: String,
    pub freelancer: String,
    pub posting: Value,
    pub proposal: Value,
    pub offer: Value,
    pub contract: Value,
    /// The milestones' IDs, in order.
    pub milestones: Vec<Value>,
}

/// Hourly terms in USD: `rate` minor units an hour, up to `limit` hours a week, manual
/// time allowed or not.
pub fn hourly(rate: i64, limit: i32, manual_time: bool) -> Value {
    json!({ "hourly": {
        "rate": { "amountMinor": rate, "currency": "USD" },
        "weeklyLimitHours": limit,
        "manualTimeAllowed": manual_time,
    } })
}

/// A client `<prefix>-client` hires freelancer `<prefix>-dev` on a fixed price with
/// milestones of these amounts (USD minor units).
pub async fn hire(app: &TestApp, prefix: &str, amounts: &[i64]) -> Hire {
    hire_with(app, prefix, fixed(amounts)).await
}

/// A client `<prefix>-client` hires freelancer `<prefix>-dev` on these terms (see
/// [`fixed`] and [`hourly`]).
pub async fn hire_with(app: &TestApp, prefix: &str, terms: Value) -> Hire {
    hire_between(
        app,
        &format!("{prefix}-client"),
        &format!("{prefix}-dev"),
        terms,
    )
    .await
}

/// Client `client` hires freelancer `dev` (dev sign-in handles) on these terms: each
/// call is a new posting and a new contract, so a pair may have several.
pub async fn hire_between(app: &TestApp, client: &str, dev: &str, terms: Value) -> Hire {
    let client = app.dev_token(client, "client").await;
    let posting = posting(app, &client, 1).await;
    let (freelancer, proposal) = proposal(app, dev, &posting).await;
    into_pipeline(app, &client, &posting, &proposal).await;
    let body = make_offer(app, &client, &proposal, terms).await;
    assert_eq!(outcome(&body, "makeOffer"), "OK", "{body}");
    let offer = body["data"]["makeOffer"]["offer"]["id"].clone();
    let body = accept(app, &freelancer, &offer).await;
    assert_eq!(outcome(&body, "acceptOffer"), "OK", "{body}");
    let contract = &body["data"]["acceptOffer"]["contract"];
    Hire {
        client,
        freelancer,
        posting,
        proposal,
        offer,
        contract: contract["id"].clone(),
        milestones: contract["milestones"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|m| m["id"].clone())
            .collect(),
    }
}

/// Each operation (mutation, its input with `$id`, the ID) refused to each caller:
/// `UNAUTHENTICATED` for the anonymous, `FORBIDDEN` for `other_party` (who sees it but
/// is on the other side), `NOT_FOUND` for anyone else (they learn nothing).
pub async fn refused(
    app: &TestApp,
    operations: &[(&str, String, Value)],
    callers: &[(&str, Option<&str>)],
    other_party: &str,
) {
    for (mutation, args, id) in operations {
        for (who, token) in callers {
            let body = app
                .gql(
                    *token,
                    &format!(
                        "mutation($id: ID!) {{ {mutation}(input: {{ {args} }}) {{ userErrors {{ code }} }} }}"
                    ),
                    json!({ "id": id }),
                )
                .await;
            let expected = match *who {
                "anonymous" => "UNAUTHENTICATED",
                w if w == other_party => "FORBIDDEN",
                _ => "NOT_FOUND",
            };
            assert_eq!(
                outcome(&body, mutation),
                expected,
                "{who} {mutation}: {body}"
            );
        }
    }
}

/// Today (UTC).
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Noon (UTC) of `day`.
pub fn noon(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(12, 0, 0).unwrap().and_utc()
}

/// Lets the contract have started `days` ago, so past weeks may hold its time.
pub async fn started_days_ago(app: &TestApp, h: &Hire, days: u32) {
    app.backdate(
        "contracts",
        "started_at",
        &format!("id = {}", app.sql_uuid(uuid_of(&h.contract))),
        days,
    )
    .await;
}

/// Logs time as at noon of `day` (in a week that has ended since) through the domain.
pub async fn log_back_then(
    app: &TestApp,
    h: &Hire,
    day: NaiveDate,
    minutes: i32,
) -> domain::contracts::TimeEntry {
    log_back_then_as(app, &h.freelancer, &h.contract, day, minutes).await
}

/// [`log_back_then`] as the freelancer signed in with `token` on `contract`.
pub async fn log_back_then_as(
    app: &TestApp,
    token: &str,
    contract: &Value,
    day: NaiveDate,
    minutes: i32,
) -> domain::contracts::TimeEntry {
    let services = app.services().await;
    let actor = app.actor_of(token).await;
    let input = TimeEntryInput {
        date: day,
        minutes,
        memo: format!("Work of {day}"),
    };
    let (entry, _) = services
        .contracts
        .log_time_at(
            &actor,
            Some(ContractId(uuid_of(contract))),
            &input,
            noon(day),
        )
        .await
        .unwrap();
    entry
}
