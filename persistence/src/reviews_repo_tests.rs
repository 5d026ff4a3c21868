//! The review repository on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set:
//! a review read back whole and blind until the other side's publishes both, a side's
//! second review (sequential or concurrent) a duplicate writing nothing, concurrent
//! first reviews of both sides publishing both, the public reviews about a user paged
//! newest first, one reply, the publication job publishing due reviews once at their
//! window's close, paid and unreviewed contracts, the database's own CHECKs, and stored
//! values the domain cannot take back reported as errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};
use domain::actor::UserId;
use domain::contracts::{
    Contract, ContractId, ContractRepository, ContractStatus, FeeRate, MoneyWrite, TransactionKind,
};
use domain::pagination::PageRequest;
use domain::reviews::{
    Criterion, Moderation, PAID_WORK, Review, ReviewId, ReviewRepository, ReviewWrite, ReviewerSide,
};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

use crate::contracts_repo_tests::{hired, key, movement, usd};
use crate::entities::{contract, review};
use crate::posting_rows::at_rest;
use crate::reviews_repo::{review_at_rest, review_row, to_review};
use crate::search_sql::Sql;
use crate::testing::{TestDatabase, backends};
use crate::{Db, SeaContractRepository, SeaReviewRepository};

/// `side`'s review of `c`, public from `public_from` at the latest, with every
/// criterion of the side scored (5, 4, 3, ...).
pub(crate) fn review(c: &Contract, side: ReviewerSide, public_from: DateTime<Utc>) -> Review {
    let (author_id, reviewee_id) = match side {
        ReviewerSide::Client => (c.client_id, c.freelancer_id),
        ReviewerSide::Freelancer => (c.freelancer_id, c.client_id),
    };
    Review {
        id: ReviewId(Uuid::now_v7()),
        contract_id: c.id,
        side,
        author_id,
        reviewee_id,
        // Only the client's review names the agency the contract ran through.
        agency_id: c.agency_id.filter(|_| side == ReviewerSide::Client),
        rating: 4,
        scores: side
            .criteria()
            .iter()
            .zip([5, 4, 3, 2, 1, 5])
            .map(|(c, v)| (*c, v))
            .collect(),
        comment: Some(format!("The {} side's review", side.key())),
        would_recommend: side == ReviewerSide::Client,
        created_at: Utc::now(),
        public_from,
        published_at: None,
        reply: None,
        replied_at: None,
        hidden: None,
    }
}

/// When the window of a contract that ended now closes (14 days).
fn window() -> DateTime<Utc> {
    Utc::now() + TimeDelta::days(14)
}

/// Stores `r` (it must be written): the review as stored.
async fn written(repo: &SeaReviewRepository, r: &Review) -> Review {
    match repo.create(r).await.unwrap() {
        ReviewWrite::Written(stored) => *stored,
        other => panic!("not written ({other:?}): {r:?}"),
    }
}

/// The client's review of `c`, stored (for other modules' tests).
pub(crate) async fn reviewed(db: &Db, c: &Contract) -> Review {
    written(
        &SeaReviewRepository::new(db),
        &review(c, ReviewerSide::Client, window()),
    )
    .await
}

async fn stored(repo: &SeaReviewRepository, id: ReviewId) -> Review {
    repo.reviews(&[id]).await.unwrap().remove(0)
}

/// Ends `c` at `at`, as the contract's end stores it.
async fn end(db: &Db, c: ContractId, at: DateTime<Utc>) {
    contract::Entity::update_many()
        .col_expr(
            contract::Column::Status,
            Expr::value(ContractStatus::Ended.key()),
        )
        .col_expr(contract::Column::EndedAt, Expr::value(at_rest(at)))
        .filter(contract::Column::Id.eq(c.0))
        .exec(db.connection())
        .await
        .unwrap();
}

/// The client pays `c`'s freelancer 50.00 directly, as a transaction of `kind`.
async fn pay(db: &Db, c: &Contract, kind: TransactionKind) {
    let t = movement(c, None).pay(
        kind,
        c.client_id,
        c.freelancer_id,
        usd(5_000),
        FeeRate::default(),
    );
    let k = key(c.client_id, &format!("pay-{}", t.id.0.simple()), c.id.0, &t);
    let repo = SeaContractRepository::new(db);
    let paid = repo
        .record_payment(&t, &k, &[ContractStatus::Active])
        .await
        .unwrap();
    assert_eq!(paid, MoneyWrite::Written);
}

#[tokio::test]
async fn reviews_the_second_side_publishes_both_and_a_side_reviews_once() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaReviewRepository::new(&db);
        let (c, _) = hired(&db, &[10_000]).await;
        let (other, _) = hired(&db, &[10_000]).await;

        // The client's review: stored whole, blind (not published).
        let by_client = review(&c, ReviewerSide::Client, window());
        let first = written(&repo, &by_client).await;
        assert_eq!(first, review_at_rest(&by_client), "{backend:?}");
        assert_eq!(first.published_at, None);
        assert_eq!(stored(&repo, first.id).await, first, "{backend:?}");
        assert_eq!(
            first.scores.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
            ReviewerSide::Client.criteria(),
            "in the side's order"
        );

        // A second review by the client is a duplicate and writes nothing.
        let again = review(&c, ReviewerSide::Client, window());
        assert_eq!(repo.create(&again).await.unwrap(), ReviewWrite::Duplicate);
        assert!(repo.reviews(&[again.id]).await.unwrap().is_empty());
        assert_eq!(guard.count("SELECT COUNT(*) FROM reviews").await, 1);

        // A review of another contract does not publish it.
        let elsewhere = written(&repo, &review(&other, ReviewerSide::Freelancer, window())).await;
        assert_eq!(stored(&repo, first.id).await.published_at, None);

        // The freelancer's review publishes both at its creation.
        let by_freelancer = review(&c, ReviewerSide::Freelancer, window());
        let second = written(&repo, &by_freelancer).await;
        let at = at_rest(by_freelancer.created_at);
        assert_eq!(
            second,
            Review {
                published_at: Some(at),
                public_from: first.public_from,
                ..review_at_rest(&by_freelancer)
            },
            "{backend:?}: published, sharing the first review's window"
        );
        assert_eq!(
            second.scores.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
            [
                Criterion::Clarity,
                Criterion::Communication,
                Criterion::PaymentPromptness
            ]
        );
        assert_eq!(
            stored(&repo, first.id).await,
            Review {
                published_at: Some(at),
                ..first.clone()
            }
        );
        assert_eq!(stored(&repo, elsewhere.id).await.published_at, None);

        // A contract's reviews in one statement; every contract asked for has a list.
        let (counting, counter) = guard.counting_pool().await;
        let counted = SeaReviewRepository::new(&counting);
        let unknown = ContractId(Uuid::now_v7());
        let start = counter.get();
        let of = counted
            .of_contracts(&[c.id, other.id, unknown])
            .await
            .unwrap();
        assert_eq!(counter.get() - start, 1, "{backend:?}: one statement");
        assert_eq!(
            of[&c.id],
            vec![stored(&repo, first.id).await, second.clone()]
        );
        assert_eq!(of[&other.id], vec![elsewhere.clone()]);
        assert_eq!(of[&unknown], vec![]);
        assert!(repo.of_contracts(&[]).await.unwrap().is_empty());
        let both = repo
            .reviews(&[second.id, first.id, ReviewId(Uuid::now_v7())])
            .await
            .unwrap();
        assert_eq!(both.len(), 2, "unknown IDs left out");
        assert_eq!(guard.count("SELECT COUNT(*) FROM reviews").await, 3);
    }
}

/// A review the domain never writes is an error before anything is written.
#[tokio::test]
async fn reviews_a_malformed_review_is_refused_before_it_is_written() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaReviewRepository::new(&db);
        let (c, _) = hired(&db, &[10_000]).await;
        let good = review(&c, ReviewerSide::Client, window());
        let mut missing = good.clone();
        missing.scores.pop();
        let mut foreign = good.clone();
        foreign.scores.push((Criterion::Clarity, 3));
        let mut twice = good.clone();
        twice.scores.push(twice.scores[0]);
        for bad in [
            Review {
                rating: 6,
                ..good.clone()
            },
            Review {
                rating: 0,
                ..good.clone()
            },
            Review {
                scores: vec![(Criterion::Skills, 9)],
                ..good.clone()
            },
            missing,
            foreign,
            twice,
        ] {
            let err = repo.create(&bad).await.unwrap_err();
            assert!(err.to_string().contains("review write"), "{bad:?}: {err}");
        }
        assert_eq!(guard.count("SELECT COUNT(*) FROM reviews").await, 0);
    }
}

/// Both sides' first reviews at once: whichever commits second sees the first's and
/// publishes both, on both back ends (the contract's row serialises them on
/// PostgreSQL).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reviews_concurrent_first_reviews_of_both_sides_publish_both() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaReviewRepository::new(&db);
        for round in 0..5 {
            let (c, _) = hired(&db, &[10_000]).await;
            let a = review(&c, ReviewerSide::Client, window());
            let b = review(&c, ReviewerSide::Freelancer, window());
            let (ra, rb) = tokio::join!(repo.create(&a), repo.create(&b));
            let (ra, rb) = (ra.unwrap(), rb.unwrap());
            let (ReviewWrite::Written(ra), ReviewWrite::Written(rb)) = (ra, rb) else {
                panic!("{backend:?}: both are written");
            };
            // The one written second was published in its transaction.
            assert!(
                ra.published_at.is_some() || rb.published_at.is_some(),
                "{backend:?} round {round}"
            );
            let now = repo.reviews(&[a.id, b.id]).await.unwrap();
            assert_eq!(now.len(), 2);
            let at: HashSet<_> = now.iter().map(|r| r.published_at).collect();
            assert_eq!(at.len(), 1, "{backend:?} round {round}: one time: {now:?}");
            let published = now[0].published_at;
            assert!(published.is_some(), "{backend:?} round {round}: {now:?}");
            assert!(
                [ra.created_at, rb.created_at].contains(&published.unwrap()),
                "at the second one's creation"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reviews_concurrent_duplicates_of_a_side_store_one() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaReviewRepository::new(&db);
        let (c, _) = hired(&db, &[10_000]).await;
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(8));
        let racers: Vec<_> = (0..8)
            .map(|_| {
                let (repo, start) = (repo.clone(), start.clone());
                let r = review(&c, ReviewerSide::Freelancer, window());
                tokio::spawn(async move {
                    start.wait().await;
                    repo.create(&r).await
                })
            })
            .collect();
        let mut results = Vec::new();
        for racer in racers {
            results.push(racer.await.unwrap().unwrap());
        }
        let written = results
            .iter()
            .filter(|r| matches!(r, ReviewWrite::Written(_)))
            .count();
        assert_eq!(written, 1, "{backend:?}: {results:?}");
        assert_eq!(guard.count("SELECT COUNT(*) FROM reviews").await, 1);
    }
}

#[tokio::test]
async fn reviews_about_a_user_are_the_public_unhidden_ones_newest_first_in_pages() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaReviewRepository::new(&db);
        let now = Utc::now();
        let mut contracts = Vec::new();
        for _ in 0..6 {
            contracts.push(hired(&db, &[10_000]).await.0);
        }
        // Every client's review is about one freelancer (the first contract's).
        let about = contracts[0].freelancer_id;
        let of = |i: usize, public_from: DateTime<Utc>| Review {
            reviewee_id: about,
            ..review(&contracts[i], ReviewerSide::Client, public_from)
        };
        // Published (both sides reviewed), its window still open.
        let published = written(&repo, &of(0, window())).await;
        written(
            &repo,
            &review(&contracts[0], ReviewerSide::Freelancer, window()),
        )
        .await;
        // Not published, but its window closed: public.
        let closed = written(&repo, &of(1, now - TimeDelta::hours(1))).await;
        // Blind: its window is open and the other side has not reviewed.
        let blind = written(&repo, &of(2, window())).await;
        // Public, then hidden by a moderator.
        let hidden = written(&repo, &of(3, now - TimeDelta::hours(2))).await;
        let moderator = contracts[3].client_id;
        let hidden_at = at_rest(now);
        review::Entity::update_many()
            .set(review::ActiveModel {
                hidden_reason: Set(Some("abuse".into())),
                hidden_by: Set(Some(moderator.0)),
                hidden_at: Set(Some(hidden_at)),
                ..Default::default()
            })
            .filter(review::Column::Id.eq(hidden.id.0))
            .exec(db.connection())
            .await
            .unwrap();
        assert_eq!(
            stored(&repo, hidden.id).await.hidden,
            Some(Moderation {
                reason: "abuse".into(),
                by: moderator,
                at: hidden_at,
            })
        );
        // Public too, newest.
        let newest = written(&repo, &of(4, now - TimeDelta::minutes(1))).await;
        // Public, about somebody else.
        written(
            &repo,
            &review(
                &contracts[5],
                ReviewerSide::Client,
                now - TimeDelta::hours(1),
            ),
        )
        .await;

        let page = |first: i64, after: Option<ReviewId>| PageRequest::new(Some(first), after);
        let all = repo
            .about(about, None, now, &page(100, None).unwrap())
            .await
            .unwrap();
        let ids: Vec<ReviewId> = all.items.iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            [newest.id, closed.id, published.id],
            "{backend:?}: newest first, blind and hidden ones left out"
        );
        assert!(!all.has_next_page);
        assert!(!ids.contains(&blind.id));
        // Once the blind one's window closes, it is public too.
        let later = repo
            .about(about, None, blind.public_from, &page(100, None).unwrap())
            .await
            .unwrap();
        assert_eq!(later.items.len(), 4, "{backend:?}");
        assert_eq!(later.items[0].id, newest.id);
        assert!(later.items.iter().any(|r| r.id == blind.id));

        // Pages of two: the keyset follows the last ID read.
        let first = repo
            .about(about, None, now, &page(2, None).unwrap())
            .await
            .unwrap();
        assert_eq!(
            first.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            [newest.id, closed.id]
        );
        assert!(first.has_next_page);
        let next = repo
            .about(about, None, now, &page(2, Some(closed.id)).unwrap())
            .await
            .unwrap();
        assert_eq!(
            next.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            [published.id]
        );
        assert!(!next.has_next_page);
        assert_eq!(next.items[0], stored(&repo, published.id).await);
        let nobody = repo
            .about(UserId(Uuid::now_v7()), None, now, &page(2, None).unwrap())
            .await
            .unwrap();
        assert!(nobody.items.is_empty() && !nobody.has_next_page);

        // A review about the user as a client (by a freelancer): listed with the others,
        // and the side filter tells the two roles apart.
        let (elsewhere, _) = hired(&db, &[10_000]).await;
        let as_client = written(
            &repo,
            &Review {
                reviewee_id: about,
                ..review(
                    &elsewhere,
                    ReviewerSide::Freelancer,
                    now - TimeDelta::hours(1),
                )
            },
        )
        .await;
        let by_side = |side: Option<ReviewerSide>| {
            let repo = repo.clone();
            async move {
                repo.about(about, side, now, &page(100, None).unwrap())
                    .await
                    .unwrap()
                    .items
                    .iter()
                    .map(|r| r.id)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            by_side(None).await,
            [as_client.id, newest.id, closed.id, published.id],
            "{backend:?}"
        );
        assert_eq!(
            by_side(Some(ReviewerSide::Client)).await,
            [newest.id, closed.id, published.id],
            "{backend:?}: the clients' reviews, about the user as a freelancer"
        );
        assert_eq!(
            by_side(Some(ReviewerSide::Freelancer)).await,
            [as_client.id],
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn reviews_a_reply_is_stored_once() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaReviewRepository::new(&db);
        let (c, _) = hired(&db, &[10_000]).await;
        // Blind (its window open, the other side silent): no reply yet.
        let r = written(&repo, &review(&c, ReviewerSide::Client, window())).await;
        assert!(!repo.reply(r.id, "Too soon", Utc::now()).await.unwrap());
        let (c, _) = hired(&db, &[10_000]).await;
        let r = written(
            &repo,
            &review(&c, ReviewerSide::Client, Utc::now() - TimeDelta::hours(1)),
        )
        .await;
        let at = Utc::now();
        assert!(repo.reply(r.id, "Thank you!", at).await.unwrap());
        assert!(
            !repo
                .reply(r.id, "Second thoughts", Utc::now())
                .await
                .unwrap(),
            "{backend:?}: one reply"
        );
        assert!(
            !repo
                .reply(ReviewId(Uuid::now_v7()), "Nobody's", at)
                .await
                .unwrap()
        );
        assert_eq!(
            stored(&repo, r.id).await,
            Review {
                reply: Some("Thank you!".into()),
                replied_at: Some(at_rest(at)),
                ..r
            },
            "{backend:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_the_publication_job_publishes_due_reviews_once_at_their_window_close() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaReviewRepository::new(&db);
        let now = Utc::now();
        let mut contracts = Vec::new();
        for _ in 0..6 {
            contracts.push(hired(&db, &[10_000]).await.0);
        }
        let client =
            |i: usize, public_from| review(&contracts[i], ReviewerSide::Client, public_from);
        let oldest = written(&repo, &client(0, now - TimeDelta::hours(3))).await;
        let older = written(&repo, &client(1, now - TimeDelta::hours(2))).await;
        let at_now = written(&repo, &client(2, now)).await;
        let open = written(&repo, &client(3, now + TimeDelta::seconds(1))).await;
        // Published by both sides before its window closed: it keeps its time.
        let both = written(&repo, &client(4, now + TimeDelta::hours(1))).await;
        let second = written(
            &repo,
            &review(
                &contracts[4],
                ReviewerSide::Freelancer,
                now + TimeDelta::hours(1),
            ),
        )
        .await;

        // At most `limit`, the earliest window first.
        assert_eq!(repo.publish_due(now, 1).await.unwrap(), [oldest.id]);
        assert!(repo.publish_due(now, 0).await.unwrap().is_empty());
        let mut rest = vec![older.id, at_now.id];
        rest.sort();
        assert_eq!(
            repo.publish_due(now, 10).await.unwrap(),
            rest,
            "{backend:?}"
        );
        // Idempotent: nothing left to publish.
        assert!(repo.publish_due(now, 10).await.unwrap().is_empty());
        for r in [&oldest, &older, &at_now] {
            assert_eq!(
                stored(&repo, r.id).await.published_at,
                Some(r.public_from),
                "{backend:?}: at the window's close"
            );
        }
        assert_eq!(stored(&repo, open.id).await.published_at, None);
        assert_eq!(
            stored(&repo, both.id).await.published_at,
            second.published_at
        );

        // Two runs at once publish each due review once between them.
        let mut expected = Vec::new();
        for _ in 0..4 {
            let (c, _) = hired(&db, &[10_000]).await;
            let r = review(&c, ReviewerSide::Client, now - TimeDelta::minutes(5));
            expected.push(written(&repo, &r).await.id);
        }
        let r = review(
            &contracts[5],
            ReviewerSide::Freelancer,
            now - TimeDelta::minutes(5),
        );
        expected.push(written(&repo, &r).await.id);
        expected.sort();
        let (a, b) = tokio::join!(repo.publish_due(now, 100), repo.publish_due(now, 100));
        let mut runs = [a.unwrap(), b.unwrap()].concat();
        runs.sort();
        assert_eq!(runs, expected, "{backend:?}: each once");
        assert!(repo.publish_due(now, 100).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn reviews_paid_and_unreviewed_contracts() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaReviewRepository::new(&db);
        let now = Utc::now();
        let mut cs = Vec::new();
        for _ in 0..6 {
            cs.push(hired(&db, &[10_000]).await.0);
        }
        // One client for all of them.
        let client = cs[0].client_id;
        contract::Entity::update_many()
            .col_expr(contract::Column::ClientId, Expr::value(client.0))
            .exec(db.connection())
            .await
            .unwrap();
        for c in &mut cs {
            c.client_id = client;
        }
        // 0: hours paid, ended two days ago; 1: only a bonus, ended; 2: hours paid,
        // still active; 3: hours paid, ended before the window; 4: hours paid, ended a
        // day ago, reviewed by the client; 5: a release, ended three days ago.
        for (i, kind) in [
            (0, TransactionKind::Hours),
            (1, TransactionKind::Bonus),
            (2, TransactionKind::Hours),
            (3, TransactionKind::Hours),
            (4, TransactionKind::Hours),
            (5, TransactionKind::Release),
        ] {
            if kind == TransactionKind::Release {
                // Released from escrow: funded first.
                let c = &cs[i];
                let fund = movement(c, None).fund(c.client_id, usd(5_000));
                let release = movement(c, None).release(
                    kind,
                    c.freelancer_id,
                    usd(5_000),
                    FeeRate::default(),
                );
                let contracts = SeaContractRepository::new(&db);
                for t in [fund, release] {
                    let k = key(c.client_id, &format!("k-{}", t.id.0.simple()), c.id.0, &t);
                    let paid = contracts
                        .record_payment(&t, &k, &[ContractStatus::Active])
                        .await
                        .unwrap();
                    assert_eq!(paid, MoneyWrite::Written);
                }
            } else {
                pay(&db, &cs[i], kind).await;
            }
        }
        for (i, days) in [(0, 2), (1, 2), (3, 20), (4, 1), (5, 3)] {
            end(&db, cs[i].id, now - TimeDelta::days(days)).await;
        }
        written(&repo, &review(&cs[4], ReviewerSide::Client, window())).await;

        let ids: Vec<ContractId> = cs.iter().map(|c| c.id).collect();
        let (counting, counter) = guard.counting_pool().await;
        let counted = SeaReviewRepository::new(&counting);
        let start = counter.get();
        let paid = counted.paid(&ids, &PAID_WORK).await.unwrap();
        assert_eq!(counter.get() - start, 1, "{backend:?}: one statement");
        let expected: HashSet<ContractId> = [0, 2, 3, 4, 5].iter().map(|i| ids[*i]).collect();
        assert_eq!(
            paid, expected,
            "{backend:?}: a bonus alone is not paid work"
        );
        let bonus = repo.paid(&ids, &[TransactionKind::Bonus]).await.unwrap();
        assert_eq!(bonus, HashSet::from([ids[1]]));
        assert!(repo.paid(&ids, &[]).await.unwrap().is_empty());
        assert!(repo.paid(&[], &PAID_WORK).await.unwrap().is_empty());

        // The client: ended in the window, paid, not reviewed by the client's side;
        // oldest ending first.
        let after = now - TimeDelta::days(14);
        let start = counter.get();
        let pending = counted
            .unreviewed(client, after, &PAID_WORK, 100)
            .await
            .unwrap();
        assert_eq!(counter.get() - start, 1, "{backend:?}: one statement");
        let ended = |i: usize, days: i64| {
            (
                ids[i],
                ReviewerSide::Client,
                at_rest(now - TimeDelta::days(days)),
            )
        };
        assert_eq!(pending, [ended(5, 3), ended(0, 2)], "{backend:?}");
        assert_eq!(
            repo.unreviewed(client, after, &PAID_WORK, 1).await.unwrap(),
            [ended(5, 3)]
        );
        assert_eq!(
            repo.unreviewed(client, now - TimeDelta::days(30), &PAID_WORK, 100)
                .await
                .unwrap()
                .len(),
            3,
            "an earlier window finds the contract that ended 20 days ago"
        );
        // The freelancer of contract 4: the client's review is not theirs.
        assert_eq!(
            repo.unreviewed(cs[4].freelancer_id, after, &PAID_WORK, 100)
                .await
                .unwrap(),
            [(
                ids[4],
                ReviewerSide::Freelancer,
                at_rest(now - TimeDelta::days(1))
            )]
        );
        assert!(
            repo.unreviewed(cs[1].freelancer_id, after, &PAID_WORK, 100)
                .await
                .unwrap()
                .is_empty(),
            "a bonus alone"
        );
        assert!(
            repo.unreviewed(cs[2].freelancer_id, after, &PAID_WORK, 100)
                .await
                .unwrap()
                .is_empty(),
            "not ended"
        );
        assert!(
            repo.unreviewed(client, after, &[], 100)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn reviews_the_database_refuses_ratings_and_criteria_out_of_shape() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let (c, _) = hired(&db, &[10_000]).await;
        let conn = db.connection();
        // A client's review with `set` columns changed, as raw SQL.
        let insert = |changes: &[(&str, Option<i32>)]| {
            let mut scores: Vec<(&str, Option<i32>)> = vec![
                ("rating", Some(4)),
                ("skills", Some(5)),
                ("quality", Some(4)),
                ("availability", Some(3)),
                ("deadlines", Some(2)),
                ("communication", Some(1)),
                ("cooperation", Some(5)),
                ("clarity", None),
                ("payment_promptness", None),
            ];
            for (col, value) in changes {
                if let Some(s) = scores.iter_mut().find(|(c, _)| c == col) {
                    s.1 = *value;
                }
            }
            let side = if changes.iter().any(|(c, _)| *c == "side") {
                "FREELANCER"
            } else {
                "CLIENT"
            };
            let mut sql = Sql::new(conn.get_database_backend());
            let mut values = vec![
                sql.bind(Uuid::now_v7()),
                sql.bind(c.id.0),
                sql.bind(side),
                sql.bind(c.client_id.0),
                sql.bind(c.freelancer_id.0),
            ];
            for (_, v) in &scores {
                values.push(sql.bind(*v));
            }
            values.extend([sql.bind(true), sql.bind(Utc::now()), sql.bind(Utc::now())]);
            let cols: Vec<&str> = scores.iter().map(|(c, _)| *c).collect();
            sql.push(&format!(
                "INSERT INTO reviews (id, contract_id, side, author_id, reviewee_id, {}, \
                 would_recommend, created_at, public_from) VALUES ({})",
                cols.join(", "),
                values.join(", ")
            ));
            sql.statement()
        };
        // As the domain writes it, it goes in (and is rolled back).
        let txn = conn.begin().await.unwrap();
        txn.execute_raw(insert(&[])).await.unwrap();
        txn.rollback().await.unwrap();
        for changes in [
            vec![("rating", Some(6))],
            vec![("rating", Some(0))],
            vec![("skills", Some(6))],
            vec![("quality", Some(0))],
            // A client's review missing a criterion, or with a freelancer's.
            vec![("deadlines", None)],
            vec![("clarity", Some(3))],
            // A freelancer's review with the client's criteria.
            vec![
                ("side", None),
                ("clarity", Some(3)),
                ("payment_promptness", Some(3)),
            ],
        ] {
            let err = conn
                .execute_raw(insert(&changes))
                .await
                .unwrap_err()
                .to_string()
                .to_lowercase();
            assert!(err.contains("check"), "{backend:?}: {changes:?}: {err}");
        }
        // A freelancer's review with exactly the freelancer's criteria goes in.
        let freelancer = [
            ("side", None),
            ("skills", None),
            ("quality", None),
            ("availability", None),
            ("deadlines", None),
            ("communication", Some(2)),
            ("cooperation", None),
            ("clarity", Some(3)),
            ("payment_promptness", Some(4)),
        ];
        conn.execute_raw(insert(&freelancer)).await.unwrap();
        // A reply without its time, an unknown side: refused.
        for set in ["reply = 'Thanks'", "side = 'AGENCY'", "rating = NULL"] {
            let err = conn
                .execute_unprepared(&format!("UPDATE reviews SET {set}"))
                .await
                .unwrap_err()
                .to_string()
                .to_lowercase();
            assert!(
                err.contains("check") || err.contains("null"),
                "{backend:?}: {set}: {err}"
            );
        }
        assert_eq!(guard.count("SELECT COUNT(*) FROM reviews").await, 1);
        // Still one per side.
        let err = conn.execute_raw(insert(&freelancer)).await.unwrap_err();
        assert!(
            crate::errors::is_unique_violation(&err),
            "{backend:?}: {err}"
        );
    }
}

/// Rows the CHECKs would refuse (written before them, or by hand) come back as errors.
#[test]
fn reviews_stored_values_the_domain_cannot_take_back_are_errors() {
    let now = Utc::now();
    let row = review::Model {
        id: Uuid::now_v7(),
        contract_id: Uuid::now_v7(),
        side: "FREELANCER".into(),
        author_id: Uuid::now_v7(),
        reviewee_id: Uuid::now_v7(),
        agency_id: None,
        rating: 5,
        skills: None,
        quality: None,
        availability: None,
        deadlines: None,
        communication: Some(4),
        cooperation: None,
        clarity: Some(5),
        payment_promptness: Some(3),
        comment: None,
        would_recommend: false,
        created_at: now,
        public_from: now,
        published_at: None,
        reply: None,
        replied_at: None,
        hidden_reason: None,
        hidden_by: None,
        hidden_at: None,
    };
    let ok = to_review(row.clone()).unwrap();
    assert_eq!(
        ok.scores,
        [
            (Criterion::Clarity, 5),
            (Criterion::Communication, 4),
            (Criterion::PaymentPromptness, 3)
        ],
        "in the side's order"
    );
    // The row written for it is the row read.
    let written = review_row(&ok).unwrap();
    assert_eq!(written.clarity, Set(Some(5)));
    assert_eq!(written.skills, Set(None));
    for bad in [
        review::Model {
            side: "AGENCY".into(),
            ..row.clone()
        },
        review::Model {
            rating: 6,
            ..row.clone()
        },
        review::Model {
            rating: 0,
            ..row.clone()
        },
        review::Model {
            clarity: None,
            ..row.clone()
        },
        review::Model {
            payment_promptness: Some(7),
            ..row.clone()
        },
        review::Model {
            skills: Some(3),
            ..row.clone()
        },
        review::Model {
            side: "CLIENT".into(),
            ..row.clone()
        },
        review::Model {
            hidden_at: Some(now),
            ..row.clone()
        },
    ] {
        let err = to_review(bad.clone()).unwrap_err();
        assert!(err.to_string().contains("invalid"), "{bad:?}: {err}");
    }
}

#[tokio::test]
async fn reviews_the_first_reviews_window_decides_for_the_second() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaReviewRepository::new(&db);
        // The first review's window is later than the second one's would be (say the
        // configured window was longer then): the second takes the first's.
        let (c, _) = hired(&db, &[10_000]).await;
        let later = window() + TimeDelta::days(5);
        let first = written(&repo, &review(&c, ReviewerSide::Client, later)).await;
        let second = written(&repo, &review(&c, ReviewerSide::Freelancer, window())).await;
        assert_eq!(second.public_from, first.public_from, "{backend:?}");
        assert_eq!(
            stored(&repo, second.id).await.public_from,
            first.public_from
        );
        // The first review is public by its window already: the other side comes too
        // late and nothing is written.
        let (c, _) = hired(&db, &[10_000]).await;
        written(
            &repo,
            &review(
                &c,
                ReviewerSide::Freelancer,
                Utc::now() - TimeDelta::hours(1),
            ),
        )
        .await;
        let late = review(&c, ReviewerSide::Client, window());
        assert_eq!(
            repo.create(&late).await.unwrap(),
            ReviewWrite::WindowClosed,
            "{backend:?}"
        );
        assert!(repo.reviews(&[late.id]).await.unwrap().is_empty());
        assert_eq!(guard.count("SELECT COUNT(*) FROM reviews").await, 3);
    }
}
