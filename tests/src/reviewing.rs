//! Fixtures of the review suites: a contract whose work was paid and which ended, review
//! inputs, submitting one, and running a mutation that must work.

use serde_json::{Value, json};

use crate::TestApp;
use crate::hiring::{Hire, fixed, hire_between};
use crate::payload::outcome;

/// Runs `mutation` taking `input` (of the GraphQL type `input_type`) and asserts it
/// worked.
pub async fn run(
    app: &TestApp,
    token: &str,
    mutation: &str,
    input_type: &str,
    input: Value,
) -> Value {
    let body = app
        .gql(
            Some(token),
            &format!(
                "mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ userErrors {{ field code message }} }} }}"
            ),
            json!({ "i": input }),
        )
        .await;
    assert_eq!(outcome(&body, mutation), "OK", "{mutation}: {body}");
    body
}

/// A fixed-price contract of `<prefix>-client` with `<prefix>-dev` whose one milestone
/// (100.00 USD) was paid and which then ended.
pub async fn finished(app: &TestApp, prefix: &str) -> Hire {
    finished_between(
        app,
        &format!("{prefix}-client"),
        &format!("{prefix}-dev"),
        10_000,
        true,
    )
    .await
}

/// A fixed-price contract of `client` with `dev` (dev sign-in handles) on one milestone
/// of `amount` (USD minor units), funded, then released when `paid` (or refunded by the
/// freelancer), then ended by the client.
pub async fn finished_between(
    app: &TestApp,
    client: &str,
    dev: &str,
    amount: i64,
    paid: bool,
) -> Hire {
    let h = hire_between(app, client, dev, fixed(&[amount])).await;
    let m = h.milestones[0].clone();
    let tag = crate::uuid_of(&h.contract).simple().to_string();
    run(
        app,
        &h.client,
        "fundMilestone",
        "MilestonePaymentInput",
        json!({ "milestoneId": m, "idempotencyKey": format!("fund-{tag}") }),
    )
    .await;
    if paid {
        run(
            app,
            &h.freelancer,
            "submitMilestone",
            "SubmitMilestoneInput",
            json!({ "milestoneId": m }),
        )
        .await;
        run(
            app,
            &h.client,
            "approveMilestone",
            "MilestonePaymentInput",
            json!({ "milestoneId": m, "idempotencyKey": format!("approve-{tag}") }),
        )
        .await;
    } else {
        run(
            app,
            &h.freelancer,
            "refundMilestone",
            "RefundMilestoneInput",
            json!({ "milestoneId": m, "idempotencyKey": format!("refund-{tag}"),
                    "reason": "Not needed" }),
        )
        .await;
    }
    run(
        app,
        &h.client,
        "endContract",
        "EndContractInput",
        json!({ "contractId": h.contract, "reason": "Done" }),
    )
    .await;
    h
}

/// A review of `contract` by its `side` ("client" or "freelancer") with this rating and
/// the side's sub-scores.
pub fn review_input(contract: &Value, side: &str, rating: i32) -> Value {
    let scores = if side == "client" {
        json!({ "skills": 5, "quality": 4, "availability": 5, "deadlines": 4, "communication": 5, "cooperation": 5 })
    } else {
        json!({ "clarity": 4, "communication": 5, "paymentPromptness": 5 })
    };
    json!({ "contractId": contract, "rating": rating, "scores": scores,
            "comment": format!("Review by the {side}"), "wouldRecommend": true })
}

/// `submitReview` as `token`: the whole answer.
pub async fn submit(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        "mutation($i: SubmitReviewInput!) { submitReview(input: $i) {
            review { id side rating isPublic comment scores { criterion score } }
            userErrors { field code message } } }",
        json!({ "i": input }),
    )
    .await
}

/// The global user ID of `token`'s user.
pub async fn user_id(app: &TestApp, token: &str) -> Value {
    app.gql(Some(token), "{ viewer { id } }", json!({})).await["data"]["viewer"]["id"].clone()
}
