#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Property test of reputation: random sequences of reviews (either side, any rating,
//! repeats), review windows closing, admins hiding and restoring reviews, bonuses paid
//! after the end, and job runs, over two clients and two freelancers sharing five
//! contracts (one refunded without paid work). After every step each answer is the one
//! the model expects, and each stored reputation, and the rating columns of the
//! profiles search reads, equal the model's recomputation from scratch as of the
//! subject's last recomputation: at once for the parties of reviews made public and
//! the reviewees of reviews hidden or restored; by the job for everything else (a
//! bonus leaves the totals stale until the job runs). Ratings of public, not hidden
//! reviews; completed contracts; job success's counted and good contracts; earned and
//! spent totals.

use domain::reviews::Subject;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};
use tests::payload::outcome;
use tests::reviewing::{finished_between, review_input, submit};
use tests::{TestApp, setups, uuid_of};

/// The contracts: (client, freelancer, amount, paid).
const CONTRACTS: [(usize, usize, i64, bool); 5] = [
    (0, 0, 10_000, true),
    (0, 1, 20_000, true),
    (1, 0, 30_000, true),
    (1, 1, 40_000, true),
    (0, 0, 5_000, false),
];
const SIDES: [&str; 2] = ["client", "freelancer"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Review(usize, usize, u8),
    CloseWindow(usize),
    Hide(usize, usize),
    Restore(usize, usize),
    Bonus(usize),
    Job,
}

/// A bonus: 10.00 USD, 9.00 of it earned.
const BONUS: i64 = 1_000;

fn op() -> impl Strategy<Value = Op> {
    let c = 0..CONTRACTS.len();
    let side = 0_usize..2;
    prop_oneof![
        6 => (c.clone(), side.clone(), 1_u8..=5).prop_map(|(c, s, r)| Op::Review(c, s, r)),
        1 => c.clone().prop_map(Op::CloseWindow),
        3 => (c.clone(), side.clone()).prop_map(|(c, s)| Op::Hide(c, s)),
        3 => (c.clone(), side).prop_map(|(c, s)| Op::Restore(c, s)),
        1 => c.prop_map(Op::Bonus),
        1 => Just(Op::Job),
    ]
}

#[derive(Debug, Clone, Default)]
struct Written {
    id: Value,
    rating: u8,
    hidden: bool,
}

#[derive(Debug, Default)]
struct Model {
    /// By contract, by side (0: the client's, about the freelancer; 1: the other).
    reviews: [[Option<Written>; 2]; CONTRACTS.len()],
    closed: [bool; CONTRACTS.len()],
    bonuses: [i64; CONTRACTS.len()],
}

/// (rating sum, reviews, completed, counted, good, paid total)
type Expected = (u32, u32, u32, u32, u32, i64);

impl Model {
    fn public(&self, c: usize, side: usize) -> Option<&Written> {
        let both = self.reviews[c].iter().all(Option::is_some);
        self.reviews[c][side]
            .as_ref()
            .filter(|_| both || self.closed[c])
    }

    /// (rating sum, reviews, completed, counted, good, paid total) of `person` (index)
    /// as a client (`side` 1 reviews them) or a freelancer (`side` 0 does).
    fn expected(&self, freelancer: bool, person: usize) -> Expected {
        let mut e = (0, 0, 0, 0, 0, 0);
        for (c, (client, dev, amount, paid)) in CONTRACTS.iter().enumerate() {
            if (if freelancer { *dev } else { *client }) != person {
                continue;
            }
            let about = if freelancer { 0 } else { 1 };
            let rating = self
                .public(c, about)
                .filter(|w| !w.hidden)
                .map(|w| u32::from(w.rating));
            if let Some(r) = rating {
                e.0 += r;
                e.1 += 1;
            }
            // Every contract ended with money moved (funded at least).
            e.3 += 1;
            if *paid {
                e.2 += 1;
                if rating.is_none_or(|r| r >= 4) {
                    e.4 += 1;
                }
                // Earned net of the 10 % fee; spent in full.
                e.5 += if freelancer {
                    amount - amount / 10
                } else {
                    *amount
                };
            }
            let bonuses = self.bonuses[c] * BONUS;
            e.5 += if freelancer {
                bonuses - bonuses / 10
            } else {
                bonuses
            };
        }
        e
    }
}

async fn moderate(app: &TestApp, admin: &str, mutation: &str, review: &Value) -> String {
    let body = app
        .gql(
            Some(admin),
            &format!(
                "mutation($i: ModerateReviewInput!) {{ {mutation}(input: $i) {{ userErrors {{ code }} }} }}"
            ),
            json!({ "i": { "reviewId": review, "reason": "Property test" } }),
        )
        .await;
    outcome(&body, mutation)
}

#[tokio::test]
async fn reputation_equals_a_recomputation_from_scratch_after_random_sequences() {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[11; 32]),
    );
    let sequences: Vec<Vec<Op>> = (0..6)
        .map(|_| {
            proptest::collection::vec(op(), 15..30)
                .new_tree(&mut runner)
                .unwrap()
                .current()
        })
        .collect();
    for setup in setups() {
        let app = TestApp::spawn_with(&setup, |s| {
            s.dev_login = true;
            // Every contract signs its two parties in again.
            s.auth_rate_limit_per_minute = 1_000;
        })
        .await;
        let services = app.services().await;
        let admin = app.dev_token("rp-ops", "").await;
        app.database()
            .execute("UPDATE users SET is_admin = TRUE WHERE display_name = 'rp-ops'")
            .await;
        // What the sequences did, so a change of strategy cannot quietly test less.
        let mut done: std::collections::BTreeMap<&str, usize> = Default::default();
        for (n, ops) in sequences.iter().enumerate() {
            let clients = [format!("rp{n}-c0"), format!("rp{n}-c1")];
            let devs = [format!("rp{n}-d0"), format!("rp{n}-d1")];
            for handle in &clients {
                let token = app.dev_token(handle, "client").await;
                let body = app
                    .gql(
                        Some(&token),
                        "mutation { createClientProfile(input: { profile: { companyName: \"Initech\" } }) { userErrors { code } } }",
                        json!({}),
                    )
                    .await;
                assert_eq!(outcome(&body, "createClientProfile"), "OK", "{body}");
            }
            for handle in &devs {
                let token = app.dev_token(handle, "freelancer").await;
                let body = app
                    .gql(
                        Some(&token),
                        "mutation { createFreelancerProfile(input: { profile: { headline: \"Rust engineer\", overview: \"Ledgers.\" } }) { userErrors { code } } }",
                        json!({}),
                    )
                    .await;
                assert_eq!(outcome(&body, "createFreelancerProfile"), "OK", "{body}");
            }
            let mut hires = Vec::new();
            for (client, dev, amount, paid) in CONTRACTS {
                hires
                    .push(finished_between(&app, &clients[client], &devs[dev], amount, paid).await);
            }
            let user = |token: &str| {
                let app = &app;
                let token = token.to_owned();
                async move { app.actor_of(&token).await.user_id().unwrap() }
            };
            let mut subjects = Vec::new();
            for person in 0..2 {
                let c = hires
                    .iter()
                    .zip(CONTRACTS)
                    .find(|(_, k)| k.0 == person)
                    .unwrap()
                    .0;
                subjects.push((false, person, Subject::Client(user(&c.client).await)));
                let d = hires
                    .iter()
                    .zip(CONTRACTS)
                    .find(|(_, k)| k.1 == person)
                    .unwrap()
                    .0;
                subjects.push((true, person, Subject::Freelancer(user(&d.freelancer).await)));
            }
            let run = services
                .reviews
                .run_reputation(chrono::Utc::now())
                .await
                .unwrap();
            assert!(run.failed.is_empty(), "{run:?}");
            let mut model = Model::default();
            // What each subject's stored reputation should be: the model as of its last
            // recomputation (all of them just now).
            let mut stored_as: Vec<Expected> = subjects
                .iter()
                .map(|(freelancer, person, _)| model.expected(*freelancer, *person))
                .collect();
            let index = |freelancer: bool, person: usize| {
                subjects
                    .iter()
                    .position(|s| s.0 == freelancer && s.1 == person)
                    .unwrap()
            };
            for (step, op) in ops.iter().enumerate() {
                // The subjects this step recomputes at once, or all of them (a job run).
                let mut fresh: Vec<usize> = Vec::new();
                let at = format!("sequence {n}, step {step}: {op:?}");
                match *op {
                    Op::Review(c, side, rating) => {
                        let h = &hires[c];
                        let token = if side == 0 { &h.client } else { &h.freelancer };
                        let body = submit(
                            &app,
                            token,
                            review_input(&h.contract, SIDES[side], i32::from(rating)),
                        )
                        .await;
                        let expected = if !CONTRACTS[c].3 || model.closed[c] {
                            "INVALID_STATE"
                        } else if model.reviews[c][side].is_some() {
                            "CONFLICT"
                        } else {
                            "OK"
                        };
                        assert_eq!(outcome(&body, "submitReview"), expected, "{at}: {body}");
                        *done
                            .entry(if expected == "OK" {
                                "review"
                            } else {
                                "refused review"
                            })
                            .or_default() += 1;
                        if expected == "OK" {
                            model.reviews[c][side] = Some(Written {
                                id: body["data"]["submitReview"]["review"]["id"].clone(),
                                rating,
                                hidden: false,
                            });
                            if model.reviews[c].iter().all(Option::is_some) {
                                // Both public: the contract's parties, at once.
                                fresh.push(index(false, CONTRACTS[c].0));
                                fresh.push(index(true, CONTRACTS[c].1));
                            }
                        }
                    }
                    Op::CloseWindow(c) => {
                        let id = app.sql_uuid(uuid_of(&hires[c].contract));
                        app.backdate("contracts", "ended_at", &format!("id = {id}"), 15)
                            .await;
                        app.backdate("reviews", "public_from", &format!("contract_id = {id}"), 15)
                            .await;
                        model.closed[c] = true;
                        fresh.extend(0..subjects.len());
                        *done.entry("window closed").or_default() += 1;
                        let now = chrono::Utc::now();
                        services.reviews.run_publication(now).await.unwrap();
                        let run = services.reviews.run_reputation(now).await.unwrap();
                        assert!(run.failed.is_empty(), "{at}: {run:?}");
                    }
                    Op::Hide(c, side) | Op::Restore(c, side) => {
                        let hide = matches!(op, Op::Hide(..));
                        // A restore aims at a hidden review when there is one (else
                        // random aims would rarely find one).
                        let hidden: Vec<(usize, usize)> = (0..CONTRACTS.len())
                            .flat_map(|c| [(c, 0), (c, 1)])
                            .filter(|(c, s)| {
                                model.reviews[*c][*s].as_ref().is_some_and(|w| w.hidden)
                            })
                            .collect();
                        let (c, side) = if hide || hidden.is_empty() {
                            (c, side)
                        } else {
                            hidden[(c * 2 + side) % hidden.len()]
                        };
                        let target = model.public(c, side).map(|w| (w.id.clone(), w.hidden));
                        let (expected, id) = match target {
                            None => (
                                "NOT_FOUND",
                                json!(tests::global_id("Review", uuid::Uuid::now_v7())),
                            ),
                            Some((id, hidden)) if hidden == hide => ("INVALID_STATE", id),
                            Some((id, _)) => ("OK", id),
                        };
                        let id = model.reviews[c][side].as_ref().map_or(id, |w| w.id.clone());
                        let mutation = if hide { "hideReview" } else { "restoreReview" };
                        assert_eq!(
                            moderate(&app, &admin, mutation, &id).await,
                            expected,
                            "{at}"
                        );
                        if expected == "OK" {
                            model.reviews[c][side].as_mut().unwrap().hidden = hide;
                            // The reviewee, at once.
                            fresh.push(if side == 0 {
                                index(true, CONTRACTS[c].1)
                            } else {
                                index(false, CONTRACTS[c].0)
                            });
                            *done.entry(mutation).or_default() += 1;
                        }
                    }
                    Op::Bonus(c) => {
                        let body = app
                            .gql(
                                Some(&hires[c].client),
                                "mutation($c: ID!, $k: String!, $a: Int!) { payBonus(input: { contractId: $c,
                                    amount: { amountMinor: $a, currency: \"USD\" }, idempotencyKey: $k }) {
                                    userErrors { code } } }",
                                json!({ "c": hires[c].contract, "a": BONUS, "k": format!("bonus-{n}-{step}") }),
                            )
                            .await;
                        assert_eq!(outcome(&body, "payBonus"), "OK", "{at}: {body}");
                        model.bonuses[c] += 1;
                        *done.entry("bonus").or_default() += 1;
                    }
                    Op::Job => {
                        let now = chrono::Utc::now();
                        services.reviews.run_publication(now).await.unwrap();
                        let run = services.reviews.run_reputation(now).await.unwrap();
                        assert!(run.failed.is_empty(), "{at}: {run:?}");
                        fresh.extend(0..subjects.len());
                    }
                }
                for i in fresh {
                    stored_as[i] = model.expected(subjects[i].0, subjects[i].1);
                }
                let keys: Vec<Subject> = subjects.iter().map(|s| s.2).collect();
                let stored = services.reviews.reputations(&keys).await.unwrap();
                for (i, (freelancer, _, subject)) in subjects.iter().enumerate() {
                    let r = &stored[subject];
                    let total: i64 = r.totals.iter().map(|m| m.amount_minor).sum();
                    assert!(r.totals.iter().all(|m| m.currency.code() == "USD"));
                    assert_eq!(
                        (
                            r.rating_sum,
                            r.review_count,
                            r.completed_contracts,
                            r.counted_contracts,
                            r.good_outcomes,
                            total
                        ),
                        stored_as[i],
                        "{at}: {subject:?}"
                    );
                    // The search columns say the same.
                    let (sum, reviews, _, counted, good, _) = stored_as[i];
                    let avg = if reviews > 0 {
                        format!(
                            "ABS(rating_avg - {}) < 0.000001",
                            f64::from(sum) / f64::from(reviews)
                        )
                    } else {
                        "rating_avg IS NULL".to_owned()
                    };
                    let user = app.sql_uuid(subject.id());
                    let sql = if *freelancer {
                        let job = if counted > 0 {
                            format!("job_success = {}", (200 * good + counted) / (2 * counted))
                        } else {
                            "job_success IS NULL".to_owned()
                        };
                        format!(
                            "SELECT COUNT(*) FROM freelancer_profiles WHERE user_id = {user} \
                             AND review_count = {reviews} AND {avg} AND {job}"
                        )
                    } else {
                        format!(
                            "SELECT COUNT(*) FROM client_profiles WHERE user_id = {user} \
                             AND review_count = {reviews} AND {avg}"
                        )
                    };
                    assert_eq!(
                        app.database().count(&sql).await,
                        1,
                        "{at}: {subject:?} {sql}"
                    );
                }
            }
        }
        for kind in [
            "review",
            "refused review",
            "window closed",
            "hideReview",
            "restoreReview",
            "bonus",
        ] {
            assert!(
                done.get(kind).is_some_and(|n| *n > 0),
                "no {kind} in {done:?}"
            );
        }
    }
}
