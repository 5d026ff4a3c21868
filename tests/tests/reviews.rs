#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Reviews over GraphQL: double blind for every actor before either side reviewed,
//! after one, after both and after the window; no review without an ended contract with
//! paid work; bad input refused on its field; one review per side under a race; one
//! reply; the viewer's pending reviews.

use serde_json::{Value, json};
use tests::hiring::{hire, hire_with, hourly, log_back_then, started_days_ago, today};
use tests::payload::{errors, outcome};
use tests::reviewing::{finished, review_input, run, submit, user_id};
use tests::{Setup, TestApp, setups};

async fn app(setup: &Setup) -> TestApp {
    TestApp::spawn_with(setup, |s| s.dev_login = true).await
}

/// The comments of the public reviews about `user`, as `token` (or anonymous) reads them.
async fn public_about(app: &TestApp, token: Option<&str>, user: &Value) -> Vec<String> {
    let body = app
        .gql(
            token,
            "query($u: ID!) { reviews(of: $u, first: 10) { nodes { comment isPublic } } }",
            json!({ "u": user }),
        )
        .await;
    body["data"]["reviews"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|n| {
            assert_eq!(n["isPublic"], true, "{body}");
            n["comment"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// The comments of the contract's reviews `token` reads (none when not a party).
async fn on_contract(app: &TestApp, token: &str, contract: &Value) -> Vec<String> {
    let body = app
        .gql(
            Some(token),
            "query($c: ID!) { contract(id: $c) { reviews { comment } } }",
            json!({ "c": contract }),
        )
        .await;
    let mut out: Vec<String> = body["data"]["contract"]["reviews"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| r["comment"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[tokio::test]
async fn reviews_are_blind_until_both_sides_reviewed_or_the_window_closed() {
    for setup in setups() {
        let app = app(&setup).await;
        let h = finished(&app, "bl").await;
        let stranger = app.dev_token("bl-stranger", "freelancer").await;
        let admin = app.dev_token("bl-ops", "").await;
        app.database()
            .execute("UPDATE users SET is_admin = TRUE WHERE display_name = 'bl-ops'")
            .await;
        let client_user = user_id(&app, &h.client).await;
        let dev_user = user_id(&app, &h.freelancer).await;
        let readers: [(&str, Option<&str>); 5] = [
            ("anonymous", None),
            ("stranger", Some(&stranger)),
            ("admin", Some(&admin)),
            ("client", Some(&h.client)),
            ("freelancer", Some(&h.freelancer)),
        ];
        let (by_client, by_dev) = ("Review by the client", "Review by the freelancer");
        // Before either: nothing anywhere.
        for (who, token) in readers {
            assert!(
                public_about(&app, token, &dev_user).await.is_empty(),
                "{who}"
            );
            assert!(
                public_about(&app, token, &client_user).await.is_empty(),
                "{who}"
            );
        }
        // After one: its author alone reads it.
        let body = submit(&app, &h.client, review_input(&h.contract, "client", 5)).await;
        assert_eq!(outcome(&body, "submitReview"), "OK", "{body}");
        assert_eq!(body["data"]["submitReview"]["review"]["isPublic"], false);
        for (who, token) in readers {
            assert!(
                public_about(&app, token, &dev_user).await.is_empty(),
                "{who}"
            );
        }
        assert_eq!(on_contract(&app, &h.client, &h.contract).await, [by_client]);
        assert!(
            on_contract(&app, &h.freelancer, &h.contract)
                .await
                .is_empty()
        );
        assert!(on_contract(&app, &stranger, &h.contract).await.is_empty());
        // After both: public, for everybody.
        let body = submit(
            &app,
            &h.freelancer,
            review_input(&h.contract, "freelancer", 4),
        )
        .await;
        assert_eq!(outcome(&body, "submitReview"), "OK", "{body}");
        assert_eq!(body["data"]["submitReview"]["review"]["isPublic"], true);
        for (who, token) in readers {
            assert_eq!(
                public_about(&app, token, &dev_user).await,
                [by_client],
                "{who}"
            );
            assert_eq!(
                public_about(&app, token, &client_user).await,
                [by_dev],
                "{who}"
            );
        }
        for token in [&h.client, &h.freelancer] {
            assert_eq!(
                on_contract(&app, token, &h.contract).await,
                [by_client, by_dev]
            );
        }

        // After the window: one side's review is public without the other's, and the
        // job records it once.
        let w = finished(&app, "bw").await;
        let body = submit(
            &app,
            &w.freelancer,
            review_input(&w.contract, "freelancer", 2),
        )
        .await;
        assert_eq!(outcome(&body, "submitReview"), "OK", "{body}");
        let w_client = user_id(&app, &w.client).await;
        assert!(public_about(&app, None, &w_client).await.is_empty());
        app.backdate("reviews", "public_from", "published_at IS NULL", 15)
            .await;
        // The first review's window decides (say the configured window grew meanwhile):
        // its author's counterpart can no longer review after it turned public.
        let body = submit(&app, &w.client, review_input(&w.contract, "client", 5)).await;
        assert_eq!(
            errors(&body, "submitReview"),
            ["INVALID_STATE@input.contractId"],
            "{body}"
        );
        let message = body["data"]["submitReview"]["userErrors"][0]["message"]
            .as_str()
            .unwrap();
        assert!(message.contains("public"), "{message}");
        for (who, token) in readers {
            assert_eq!(
                public_about(&app, token, &w_client).await,
                [by_dev],
                "{who}"
            );
        }
        let services = app.services().await;
        let now = chrono::Utc::now();
        assert_eq!(services.reviews.run_publication(now).await.unwrap(), 1);
        assert_eq!(services.reviews.run_publication(now).await.unwrap(), 0);
        assert_eq!(public_about(&app, None, &w_client).await, [by_dev]);
        // The window closed: the client may no longer review.
        app.backdate("contracts", "ended_at", "status = 'ENDED'", 15)
            .await;
        let body = submit(&app, &w.client, review_input(&w.contract, "client", 5)).await;
        assert_eq!(
            errors(&body, "submitReview"),
            ["INVALID_STATE@input.contractId"],
            "{body}"
        );
    }
}

#[tokio::test]
async fn only_parties_of_ended_paid_work_review_and_bad_input_stores_nothing() {
    for setup in setups() {
        let app = app(&setup).await;
        // Still active.
        let active = hire(&app, "na", &[5_000]).await;
        let body = submit(
            &app,
            &active.client,
            review_input(&active.contract, "client", 5),
        )
        .await;
        assert_eq!(
            errors(&body, "submitReview"),
            ["INVALID_STATE@input.contractId"],
            "{body}"
        );
        // Ended without paid work.
        run(
            &app,
            &active.client,
            "endContract",
            "EndContractInput",
            json!({ "contractId": active.contract, "reason": "Cancelled" }),
        )
        .await;
        let body = submit(
            &app,
            &active.client,
            review_input(&active.contract, "client", 5),
        )
        .await;
        assert_eq!(
            errors(&body, "submitReview"),
            ["INVALID_STATE@input.contractId"],
            "{body}"
        );
        let message = body["data"]["submitReview"]["userErrors"][0]["message"]
            .as_str()
            .unwrap();
        assert!(message.contains("no work was paid"), "{message}");

        let h = finished(&app, "bi").await;
        let stranger = app.dev_token("bi-stranger", "client").await;
        let body = submit(&app, &stranger, review_input(&h.contract, "client", 5)).await;
        assert_eq!(
            errors(&body, "submitReview"),
            ["NOT_FOUND@input.contractId"],
            "{body}"
        );
        let body = app
            .gql(None, "mutation($i: SubmitReviewInput!) { submitReview(input: $i) { userErrors { code } } }",
                json!({ "i": review_input(&h.contract, "client", 5) }))
            .await;
        assert_eq!(outcome(&body, "submitReview"), "UNAUTHENTICATED", "{body}");
        let mut zero = review_input(&h.contract, "client", 0);
        zero["scores"]["deadlines"] = Value::Null;
        zero["scores"]["clarity"] = json!(3);
        zero["comment"] = json!("x".repeat(5_001));
        let body = submit(&app, &h.client, zero).await;
        assert_eq!(
            errors(&body, "submitReview"),
            [
                "VALIDATION@input.comment",
                "VALIDATION@input.rating",
                "VALIDATION@input.scores.clarity",
                "VALIDATION@input.scores.deadlines"
            ],
            "{body}"
        );
        let body = submit(
            &app,
            &h.freelancer,
            review_input(&h.contract, "freelancer", 6),
        )
        .await;
        assert_eq!(
            errors(&body, "submitReview"),
            ["VALIDATION@input.rating"],
            "{body}"
        );
        // Nothing was stored: both sides still have it pending.
        for token in [&h.client, &h.freelancer] {
            let body = app
                .gql(
                    Some(token),
                    "{ viewer { pendingReviews { side deadline contract { id } } } }",
                    json!({}),
                )
                .await;
            let pending = body["data"]["viewer"]["pendingReviews"]
                .as_array()
                .unwrap()
                .clone();
            assert_eq!(pending.len(), 1, "{body}");
            assert_eq!(pending[0]["contract"]["id"], h.contract);
        }
        let body = submit(&app, &h.client, review_input(&h.contract, "client", 5)).await;
        assert_eq!(outcome(&body, "submitReview"), "OK", "{body}");
        let body = app
            .gql(
                Some(&h.client),
                "{ viewer { pendingReviews { side } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            body["data"]["viewer"]["pendingReviews"],
            json!([]),
            "{body}"
        );
        let body = app
            .gql(
                Some(&h.freelancer),
                "{ viewer { pendingReviews { side } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            body["data"]["viewer"]["pendingReviews"],
            json!([{ "side": "FREELANCER" }])
        );
    }
}

#[tokio::test]
async fn concurrent_reviews_by_one_side_leave_one() {
    for setup in setups() {
        let app = app(&setup).await;
        let h = finished(&app, "dup").await;
        let tries = (0..5).map(|i| {
            let (app, h) = (&app, &h);
            async move {
                submit(
                    app,
                    &h.client,
                    review_input(&h.contract, "client", 1 + i % 5),
                )
                .await
            }
        });
        let bodies = futures_util::future::join_all(tries).await;
        let mut outcomes: Vec<String> = bodies.iter().map(|b| outcome(b, "submitReview")).collect();
        outcomes.sort();
        assert_eq!(
            outcomes,
            ["CONFLICT", "CONFLICT", "CONFLICT", "CONFLICT", "OK"],
            "{bodies:?}"
        );
        assert_eq!(on_contract(&app, &h.client, &h.contract).await.len(), 1);
    }
}

#[tokio::test]
async fn the_reviewee_replies_once_to_a_public_review() {
    for setup in setups() {
        let app = app(&setup).await;
        let h = finished(&app, "rp").await;
        let body = submit(&app, &h.client, review_input(&h.contract, "client", 3)).await;
        let review = body["data"]["submitReview"]["review"]["id"].clone();
        let reply = |token: String, text: &'static str| {
            let (app, review) = (&app, review.clone());
            async move {
                app.gql(
                    Some(&token),
                    "mutation($r: ID!, $t: String!) { replyToReview(input: { reviewId: $r, reply: $t }) {
                        review { reply repliedAt } userErrors { field code message } } }",
                    json!({ "r": review, "t": text }),
                )
                .await
            }
        };
        // Blind: the reviewee does not see it yet.
        let body = reply(h.freelancer.clone(), "Thanks!").await;
        assert_eq!(
            errors(&body, "replyToReview"),
            ["NOT_FOUND@input.reviewId"],
            "{body}"
        );
        let body = submit(
            &app,
            &h.freelancer,
            review_input(&h.contract, "freelancer", 5),
        )
        .await;
        assert_eq!(outcome(&body, "submitReview"), "OK", "{body}");
        let body = reply(h.client.clone(), "My own").await;
        assert_eq!(outcome(&body, "replyToReview"), "FORBIDDEN", "{body}");
        let body = reply(h.freelancer.clone(), "  ").await;
        assert_eq!(
            errors(&body, "replyToReview"),
            ["VALIDATION@input.reply"],
            "{body}"
        );
        let body = reply(h.freelancer.clone(), "Thanks, it was a pleasure.").await;
        assert_eq!(outcome(&body, "replyToReview"), "OK", "{body}");
        assert_eq!(
            body["data"]["replyToReview"]["review"]["reply"],
            "Thanks, it was a pleasure."
        );
        let body = reply(h.freelancer.clone(), "And another thing").await;
        assert_eq!(
            errors(&body, "replyToReview"),
            ["INVALID_STATE@input.reviewId"],
            "{body}"
        );
        let dev_user = user_id(&app, &h.freelancer).await;
        let body = app
            .gql(
                None,
                "query($u: ID!) { reviews(of: $u) { nodes { reply } } }",
                json!({ "u": dev_user }),
            )
            .await;
        assert_eq!(
            body["data"]["reviews"]["nodes"][0]["reply"],
            "Thanks, it was a pleasure."
        );
    }
}

#[tokio::test]
async fn approved_hours_are_paid_work_and_a_bonus_alone_is_not() {
    for setup in setups() {
        let app = app(&setup).await;
        // Hourly: a week of last week approved (paid), then the contract ended.
        let h = hire_with(&app, "rh", hourly(6_000, 40, true)).await;
        started_days_ago(&app, &h, 14).await;
        let last_monday = domain::contracts::week_start(today()) - chrono::TimeDelta::days(7);
        log_back_then(&app, &h, last_monday, 60).await;
        run(
            &app,
            &h.client,
            "endContract",
            "EndContractInput",
            json!({ "contractId": h.contract, "reason": "Done" }),
        )
        .await;
        let body = submit(
            &app,
            &h.freelancer,
            review_input(&h.contract, "freelancer", 5),
        )
        .await;
        assert_eq!(
            errors(&body, "submitReview"),
            ["INVALID_STATE@input.contractId"],
            "{body}"
        );
        run(
            &app,
            &h.client,
            "approveTimesheet",
            "ApproveTimesheetInput",
            json!({ "contractId": h.contract, "weekStart": last_monday, "idempotencyKey": "rh-week-0001" }),
        )
        .await;
        let body = submit(
            &app,
            &h.freelancer,
            review_input(&h.contract, "freelancer", 5),
        )
        .await;
        assert_eq!(outcome(&body, "submitReview"), "OK", "{body}");

        // Fixed price with only a bonus paid: no work was paid.
        let b = hire(&app, "rb", &[5_000]).await;
        run(
            &app,
            &b.client,
            "payBonus",
            "PayBonusInput",
            json!({ "contractId": b.contract, "amount": { "amountMinor": 1000, "currency": "USD" },
                    "idempotencyKey": "rb-bonus-001" }),
        )
        .await;
        run(
            &app,
            &b.client,
            "endContract",
            "EndContractInput",
            json!({ "contractId": b.contract, "reason": "Cancelled" }),
        )
        .await;
        let body = submit(&app, &b.client, review_input(&b.contract, "client", 5)).await;
        assert_eq!(
            errors(&body, "submitReview"),
            ["INVALID_STATE@input.contractId"],
            "{body}"
        );
    }
}
