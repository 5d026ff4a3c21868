//! The reputation repository, reports and moderation on SQLite, and on PostgreSQL when
//! `TEST_DATABASE_URL` is set: a freelancer's, a client's and an agency's reputation
//! recomputed from a hand-built set of contracts (hidden and not yet public reviews left
//! out, completed, counted and good contracts, totals in two currencies, earned or
//! spent), the profiles' rating columns written (and left alone by profile saves), the
//! marks every writer leaves and a recomputation deletes (only those it read: not one
//! committed while it ran), the marked subjects oldest first, stored reputations read
//! back in two statements, concurrent recomputations, reports once per user (also
//! concurrently), the moderation state rules and audit trail (also with admins acting at
//! once), the cached repository (a stale fill does not overwrite a recomputation), and
//! the migration going down and up again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use domain::UserId;
use domain::agencies::AgencyId;
use domain::contracts::{
    Contract, ContractChange, ContractChangeKind, ContractRepository, ContractStatus,
    ContractWrite, FeeRate, MoneyWrite, TransactionKind,
};
use domain::money::{Currency, Money};
use domain::pagination::PageRequest;
use domain::profiles::{
    ClientProfile, ClientProfileId, ClientProfileRepository, FreelancerProfile, ProfileId,
    ProfileRepository,
};
use domain::reviews::{
    ModerationAction, ModerationEvent, ReportId, ReportReason, Reputation, ReputationRepository,
    Resolution, Review, ReviewId, ReviewReport, ReviewRepository, ReviewWrite, ReviewerSide,
    Subject,
};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait, Statement,
    TransactionTrait,
};
use uuid::Uuid;

use crate::cache::{Cache, CacheError, MemoryCache, RedisCache, RedisSettings};
use crate::contracts_repo_tests::{hired, key, movement};
use crate::entities::{agency, client_profile, contract, freelancer_profile, reputation_mark};
use crate::posting_rows::at_rest;
use crate::postings_repo_tests::client;
use crate::testing::{TestDatabase, backends, redis_url};
use crate::{
    Backend, CachedReputationRepository, Db, SeaClientProfileRepository, SeaContractRepository,
    SeaProfileRepository, SeaReputationRepository, SeaReviewRepository,
};

fn money(amount_minor: i64, code: &str) -> Money {
    Money {
        amount_minor,
        currency: Currency::parse(code).unwrap(),
    }
}

/// A user with a freelancer profile: the user and the profile as created.
async fn freelancer(db: &Db, name: &str) -> (UserId, FreelancerProfile) {
    let user = client(db, name).await;
    let profile = FreelancerProfile {
        headline: format!("{name} builds backends"),
        ..FreelancerProfile::blank(ProfileId(Uuid::now_v7()), user, Utc::now())
    };
    SeaProfileRepository::new(db)
        .create(&profile)
        .await
        .unwrap();
    (user, profile)
}

/// A user with a client profile.
async fn client_with_profile(db: &Db, name: &str) -> UserId {
    let user = client(db, name).await;
    client_profile_of(db, user).await;
    user
}

/// Creates `user`'s client profile.
async fn client_profile_of(db: &Db, user: UserId) {
    let now = Utc::now();
    SeaClientProfileRepository::new(db)
        .create(&ClientProfile {
            id: ClientProfileId(Uuid::now_v7()),
            user_id: user,
            company_name: "Cleo Ltd".into(),
            size: None,
            industry: None,
            website: None,
            country: None,
            city: None,
            description: String::new(),
            owner_active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        })
        .await
        .unwrap();
}

async fn new_agency(db: &Db) -> AgencyId {
    let now = Utc::now();
    let id = Uuid::now_v7();
    agency::Entity::insert(agency::ActiveModel {
        id: Set(id),
        name: Set("Acme Backends".into()),
        headline: Set(String::new()),
        overview: Set(String::new()),
        website: Set(None),
        country: Set(None),
        visibility: Set("VISIBLE".into()),
        version: Set(1),
        skills_text: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(db.connection())
    .await
    .unwrap();
    AgencyId(id)
}

/// An ACTIVE contract between `client` and `freelancer` (through `agency`): one hired
/// as usual, its parties set afterwards.
async fn contract_of(
    db: &Db,
    client: UserId,
    freelancer: UserId,
    agency: Option<AgencyId>,
) -> Contract {
    let (c, _) = hired(db, &[10_000]).await;
    contract::Entity::update_many()
        .col_expr(contract::Column::ClientId, Expr::value(client.0))
        .col_expr(contract::Column::FreelancerId, Expr::value(freelancer.0))
        .col_expr(contract::Column::AgencyId, Expr::value(agency.map(|a| a.0)))
        .filter(contract::Column::Id.eq(c.id.0))
        .exec(db.connection())
        .await
        .unwrap();
    SeaContractRepository::new(db)
        .contracts(&[c.id])
        .await
        .unwrap()
        .remove(0)
}

/// The client pays `c`'s freelancer `amount` directly, as a transaction of `kind`.
async fn pay(db: &Db, c: &Contract, kind: TransactionKind, amount: Money) {
    let t = movement(c, None).pay(
        kind,
        c.client_id,
        c.freelancer_id,
        amount,
        FeeRate::default(),
    );
    let k = key(c.client_id, &format!("pay-{}", t.id.0.simple()), c.id.0, &t);
    let paid = SeaContractRepository::new(db)
        .record_payment(&t, &k, &[ContractStatus::Active])
        .await
        .unwrap();
    assert_eq!(paid, MoneyWrite::Written);
}

/// Ends `c` as the contract service stores it: the contract as stored.
async fn end(db: &Db, c: &Contract) -> Contract {
    let now = Utc::now();
    let ended = Contract {
        status: ContractStatus::Ended,
        end_reason: Some("done".into()),
        ended_by: Some(c.client_id),
        ended_at: Some(now),
        updated_at: now,
        ..c.clone()
    };
    let change = ContractChange {
        contract_id: c.id,
        at: now,
        actor: Some(c.client_id),
        kind: ContractChangeKind::Ended,
        status: ContractStatus::Ended,
        detail: None,
    };
    match SeaContractRepository::new(db)
        .save_contract(&ended, c.version, &change)
        .await
        .unwrap()
    {
        ContractWrite::Written(c) => *c,
        other => panic!("not ended: {other:?}"),
    }
}

/// `side`'s review of `c` rating it `rating`, public from `public_from` at the latest.
fn review_of(c: &Contract, side: ReviewerSide, rating: u8, public_from: DateTime<Utc>) -> Review {
    Review {
        rating,
        ..crate::reviews_repo_tests::review(c, side, public_from)
    }
}

/// A hired contract and its client's review rated 4, public by its window (an hour
/// ago), as stored.
async fn public_review(db: &Db) -> (Contract, Review) {
    let (c, _) = hired(db, &[10_000]).await;
    let past = Utc::now() - TimeDelta::hours(1);
    let r = written(db, &review_of(&c, ReviewerSide::Client, 4, past)).await;
    (c, r)
}

/// Stores `r` (it must be written): the review as stored.
async fn written(db: &Db, r: &Review) -> Review {
    match SeaReviewRepository::new(db).create(r).await.unwrap() {
        ReviewWrite::Written(stored) => *stored,
        other => panic!("not written ({other:?}): {r:?}"),
    }
}

fn event(review: ReviewId, action: ModerationAction, by: UserId) -> ModerationEvent {
    ModerationEvent {
        id: Uuid::now_v7(),
        review_id: review,
        action,
        reason: format!("{} it", action.key()),
        by,
        at: Utc::now(),
    }
}

/// Reports by ID, as stored.
async fn reports_by_ids(db: &Db, ids: &[ReportId]) -> Vec<ReviewReport> {
    crate::review_reports::reports_by_ids(db.connection(), ids)
        .await
        .unwrap()
}

fn report_of(review: ReviewId, reporter: UserId) -> ReviewReport {
    ReviewReport {
        id: ReportId(Uuid::now_v7()),
        review_id: review,
        reporter_id: reporter,
        reason: ReportReason::Spam,
        details: Some("Advertises another site".into()),
        created_at: Utc::now(),
        resolution: None,
    }
}

/// When the window of a contract that ended now closes (14 days).
fn window() -> DateTime<Utc> {
    Utc::now() + TimeDelta::days(14)
}

/// The marks: ID and subject, oldest first.
async fn marks(db: &Db) -> Vec<(i64, Subject)> {
    reputation_mark::Entity::find()
        .order_by_asc(reputation_mark::Column::Id)
        .all(db.connection())
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.id, Subject::parse(&m.role, m.subject_id).unwrap()))
        .collect()
}

/// The subjects marked, oldest mark first (once per mark).
async fn marked(db: &Db) -> Vec<Subject> {
    marks(db).await.into_iter().map(|(_, s)| s).collect()
}

/// The IDs of `subject`'s marks.
async fn marks_of(db: &Db, subject: Subject) -> Vec<i64> {
    marks(db)
        .await
        .into_iter()
        .filter(|(_, s)| *s == subject)
        .map(|(id, _)| id)
        .collect()
}

/// Marks `subject` (as a writer would, in its own transaction): the mark's ID.
async fn mark(db: &Db, subject: Subject) -> i64 {
    let txn = db.connection().begin().await.unwrap();
    crate::reputation_marks::mark_subject(&txn, subject)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    *marks_of(db, subject).await.last().unwrap()
}

/// The subjects marked, each once, sorted.
async fn marked_set(db: &Db) -> Vec<Subject> {
    let mut all = marked(db).await;
    all.sort_by_key(|s| (s.role(), s.id()));
    all.dedup();
    all
}

fn parties(c: &Contract) -> Vec<Subject> {
    let mut all = Subject::parties(c.client_id, c.freelancer_id, c.agency_id);
    all.sort_by_key(|s| (s.role(), s.id()));
    all
}

async fn clear_marks(db: &Db) {
    reputation_mark::Entity::delete_many()
        .exec(db.connection())
        .await
        .unwrap();
}

/// The freelancer profile's rating columns: average, count, job success.
async fn freelancer_columns(db: &Db, user: UserId) -> (Option<f64>, i64, Option<i16>) {
    let p = freelancer_profile::Entity::find()
        .filter(freelancer_profile::Column::UserId.eq(user.0))
        .one(db.connection())
        .await
        .unwrap()
        .unwrap();
    (p.rating_avg, p.review_count, p.job_success)
}

async fn client_columns(db: &Db, user: UserId) -> (Option<f64>, i32) {
    let p = client_profile::Entity::find()
        .filter(client_profile::Column::UserId.eq(user.0))
        .one(db.connection())
        .await
        .unwrap()
        .unwrap();
    (p.rating_avg, p.review_count)
}

/// The hand-built set of contracts the reputation tests count (see `recomputes_...`).
struct Fixture {
    freelancer: UserId,
    profile: FreelancerProfile,
    client: UserId,
    agency: AgencyId,
    admin: UserId,
    /// The client's hidden review (on the agency's contract `k3`).
    hidden: Review,
    /// The freelancer's blind review (about the client, on `k5`).
    blind: Review,
}

/// A freelancer and a client with six contracts (k3 and k4 through an agency):
///
/// | | money (fee 10%) | ended | client's review (about the freelancer) | freelancer's review |
/// |---|---|---|---|---|
/// | k1 | HOURS 100.00 USD | yes | 5, published | 2, published |
/// | k2 | HOURS 200.00 EUR | yes | 3, window closed | — |
/// | k3 | HOURS 50.00 + BONUS 10.00 USD | yes | 1, hidden | — |
/// | k4 | BONUS 20.00 USD | yes | — | — |
/// | k5 | HOURS 30.00 USD | no | — | 5, blind (window open) |
/// | k6 | — | yes | — | — |
async fn fixture(db: &Db) -> Fixture {
    let (freelancer, profile) = freelancer(db, "fran").await;
    let client = client_with_profile(db, "cleo").await;
    let agency = new_agency(db).await;
    let admin = crate::postings_repo_tests::client(db, "admin").await;
    let hours = TransactionKind::Hours;
    let bonus = TransactionKind::Bonus;
    let past = Utc::now() - TimeDelta::hours(1);

    let k1 = contract_of(db, client, freelancer, None).await;
    pay(db, &k1, hours, money(10_000, "USD")).await;
    let k1 = end(db, &k1).await;
    written(db, &review_of(&k1, ReviewerSide::Client, 5, window())).await;
    let second = written(db, &review_of(&k1, ReviewerSide::Freelancer, 2, window())).await;
    assert!(second.published_at.is_some(), "both published");

    let k2 = contract_of(db, client, freelancer, None).await;
    pay(db, &k2, hours, money(20_000, "EUR")).await;
    let k2 = end(db, &k2).await;
    written(db, &review_of(&k2, ReviewerSide::Client, 3, past)).await;

    let k3 = contract_of(db, client, freelancer, Some(agency)).await;
    pay(db, &k3, hours, money(5_000, "USD")).await;
    pay(db, &k3, bonus, money(1_000, "USD")).await;
    let k3 = end(db, &k3).await;
    let hidden = written(db, &review_of(&k3, ReviewerSide::Client, 1, past)).await;
    let hide = event(hidden.id, ModerationAction::Hide, admin);
    assert!(SeaReviewRepository::new(db).moderate(&hide).await.unwrap());
    // The job records k2's and k3's reviews as published (their windows closed).
    let published = SeaReviewRepository::new(db)
        .publish_due(Utc::now(), 100)
        .await
        .unwrap();
    assert_eq!(published.len(), 2);

    let k4 = contract_of(db, client, freelancer, Some(agency)).await;
    pay(db, &k4, bonus, money(2_000, "USD")).await;
    end(db, &k4).await;

    let k5 = contract_of(db, client, freelancer, None).await;
    pay(db, &k5, hours, money(3_000, "USD")).await;
    let blind = written(db, &review_of(&k5, ReviewerSide::Freelancer, 5, window())).await;

    let k6 = contract_of(db, client, freelancer, None).await;
    end(db, &k6).await;

    Fixture {
        freelancer,
        profile,
        client,
        agency,
        admin,
        hidden,
        blind,
    }
}

fn reputation(
    subject: Subject,
    [
        rating_sum,
        review_count,
        completed_contracts,
        counted_contracts,
        good_outcomes,
    ]: [u32; 5],
    totals: Vec<Money>,
) -> Reputation {
    Reputation {
        subject,
        rating_sum,
        review_count,
        completed_contracts,
        counted_contracts,
        good_outcomes,
        totals,
    }
}

#[tokio::test]
async fn reputation_recomputes_a_freelancer_a_client_and_an_agency_from_their_contracts() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let f = fixture(&db).await;
        let repo = SeaReputationRepository::new(&db);
        let now = Utc::now();
        let freelancer = Subject::Freelancer(f.freelancer);
        let client = Subject::Client(f.client);
        let agency = Subject::Agency(f.agency);

        // The freelancer: the clients' reviews 5 (k1) and 3 (k2), not the hidden 1;
        // completed k1-k3; counted k1-k4, good k1 (5) and k3 (no visible review);
        // earned 90 + 45 + 9 + 18 + 27 USD and 180 EUR.
        let (counting, counter) = guard.counting_pool().await;
        assert!(!marks_of(&db, freelancer).await.is_empty());
        let start = counter.get();
        let got = SeaReputationRepository::new(&counting)
            .recompute(freelancer, now)
            .await
            .unwrap();
        let statements = counter.get() - start;
        assert_eq!(
            got,
            reputation(
                freelancer,
                [8, 2, 3, 4, 2],
                vec![money(18_000, "EUR"), money(18_900, "USD")]
            ),
            "{backend:?}"
        );
        assert_eq!(got.job_success(), Some(50));
        // Hold, marks, contracts, totals, the row, totals out and in, the profile, the
        // marks' delete (`BEGIN` and `COMMIT` are not counted): the most there are.
        assert_eq!(statements, 9, "{backend:?}");
        assert!(marks_of(&db, freelancer).await.is_empty(), "{backend:?}");
        // The least: a subject with no marks, no contracts, no totals and no profile.
        let start = counter.get();
        let nobody = Subject::Agency(AgencyId(Uuid::now_v7()));
        let got = SeaReputationRepository::new(&counting)
            .recompute(nobody, now)
            .await
            .unwrap();
        assert_eq!(got, Reputation::empty(nobody));
        assert_eq!(counter.get() - start, 6, "{backend:?}");
        assert_eq!(
            freelancer_columns(&db, f.freelancer).await,
            (Some(4.0), 2, Some(50)),
            "{backend:?}: the profile's columns"
        );

        // The client: the freelancers' review 2 (k1), not the blind 5 (k5); good k2 and
        // k3 (paid, no review), not k1 (rated 2) or k4 (no work paid); spent gross.
        let got = repo.recompute(client, now).await.unwrap();
        assert_eq!(
            got,
            reputation(
                client,
                [2, 1, 3, 4, 2],
                vec![money(20_000, "EUR"), money(21_000, "USD")]
            ),
            "{backend:?}"
        );
        assert_eq!(client_columns(&db, f.client).await, (Some(2.0), 1));

        // The agency: k3 and k4 only; the hidden review does not count for it either.
        let got = repo.recompute(agency, now).await.unwrap();
        assert_eq!(
            got,
            reputation(agency, [0, 0, 1, 2, 1], vec![money(7_200, "USD")]),
            "{backend:?}"
        );
        assert_eq!(got.job_success(), Some(50));

        // Once the blind review's window closed, it counts for the client when its
        // publication is recorded (the job), not by the clock alone: two recomputations
        // never disagree on it.
        let later = f.blind.public_from + TimeDelta::seconds(1);
        let got = repo.recompute(client, later).await.unwrap();
        assert_eq!((got.rating_sum, got.review_count), (2, 1), "{backend:?}");
        let published = SeaReviewRepository::new(&db)
            .publish_due(later, 100)
            .await
            .unwrap();
        assert_eq!(published, [f.blind.id], "{backend:?}");
        let got = repo.recompute(client, later).await.unwrap();
        assert_eq!((got.rating_sum, got.review_count), (7, 2), "{backend:?}");
        assert_eq!(client_columns(&db, f.client).await, (Some(3.5), 2));

        // Restored, the hidden review counts again: rated 1, k3 is no longer good.
        let restore = event(f.hidden.id, ModerationAction::Restore, f.admin);
        assert!(
            SeaReviewRepository::new(&db)
                .moderate(&restore)
                .await
                .unwrap()
        );
        let got = repo.recompute(freelancer, now).await.unwrap();
        assert_eq!(
            (got.rating_sum, got.review_count, got.good_outcomes),
            (9, 3, 1),
            "{backend:?}"
        );
        assert_eq!(
            freelancer_columns(&db, f.freelancer).await,
            (Some(3.0), 3, Some(25))
        );

        // A profile save leaves the reputation columns alone.
        let saved = SeaProfileRepository::new(&db)
            .save(&FreelancerProfile {
                headline: "Fran builds ledgers".into(),
                ..f.profile.clone()
            })
            .await
            .unwrap();
        assert!(saved.is_some(), "{backend:?}: saved");
        assert_eq!(
            freelancer_columns(&db, f.freelancer).await,
            (Some(3.0), 3, Some(25)),
            "{backend:?}"
        );

        // What was stored reads back, in two statements for any number of subjects; a
        // subject never computed (the freelancer as a client) is left out.
        let stored: HashMap<Subject, Reputation> = [
            repo.recompute(freelancer, now).await.unwrap(),
            repo.recompute(client, now).await.unwrap(),
            repo.recompute(agency, now).await.unwrap(),
        ]
        .into_iter()
        .map(|r| (r.subject, r))
        .collect();
        let never = Subject::Client(f.freelancer);
        let start = counter.get();
        let read = SeaReputationRepository::new(&counting)
            .reputations(&[freelancer, client, agency, never, freelancer])
            .await
            .unwrap();
        assert_eq!(counter.get() - start, 2, "{backend:?}: two statements");
        assert_eq!(read, stored, "{backend:?}");
        assert!(repo.reputations(&[]).await.unwrap().is_empty());
        assert!(repo.reputations(&[never]).await.unwrap().is_empty());
        // A recomputation replaces the totals: none left from an earlier one.
        assert_eq!(
            guard.count("SELECT COUNT(*) FROM reputation_totals").await,
            5
        );
    }
}

#[tokio::test]
async fn reputation_marks_come_from_every_writer_and_go_only_when_recomputed() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let (freelancer, _) = freelancer(&db, "fran").await;
        let client = client_with_profile(&db, "cleo").await;
        let agency = new_agency(&db).await;
        let admin = crate::postings_repo_tests::client(&db, "admin").await;
        let c = contract_of(&db, client, freelancer, Some(agency)).await;
        let all = parties(&c);
        clear_marks(&db).await;

        // A ledger transaction marks the contract's three parties.
        pay(&db, &c, TransactionKind::Hours, money(5_000, "USD")).await;
        assert_eq!(marked_set(&db).await, all, "{backend:?}: a ledger append");
        clear_marks(&db).await;

        // The contract's end.
        let c = end(&db, &c).await;
        assert_eq!(marked_set(&db).await, all, "{backend:?}: the end");
        clear_marks(&db).await;

        // A blind review marks nobody; the second side's, publishing both, does.
        written(&db, &review_of(&c, ReviewerSide::Client, 5, window())).await;
        assert!(marked(&db).await.is_empty(), "{backend:?}: blind");
        written(&db, &review_of(&c, ReviewerSide::Freelancer, 4, window())).await;
        assert_eq!(marked_set(&db).await, all, "{backend:?}: published");
        clear_marks(&db).await;

        // The publication job marks the contracts of the reviews it publishes.
        let other = contract_of(&db, client, freelancer, None).await;
        let due = written(
            &db,
            &review_of(
                &other,
                ReviewerSide::Client,
                4,
                Utc::now() - TimeDelta::hours(1),
            ),
        )
        .await;
        assert!(marked(&db).await.is_empty());
        let reviews = SeaReviewRepository::new(&db);
        assert_eq!(
            reviews.publish_due(Utc::now(), 10).await.unwrap(),
            vec![due.id]
        );
        assert_eq!(
            marked_set(&db).await,
            parties(&other),
            "{backend:?}: the job"
        );
        clear_marks(&db).await;
        assert!(
            reviews
                .publish_due(Utc::now(), 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            marked(&db).await.is_empty(),
            "{backend:?}: nothing published"
        );

        // Hiding and restoring mark the contract's parties; dismissing does not.
        let reporter = crate::postings_repo_tests::client(&db, "rita").await;
        assert!(reviews.report(&report_of(due.id, reporter)).await.unwrap());
        let dismiss = event(due.id, ModerationAction::Dismiss, admin);
        assert!(reviews.moderate(&dismiss).await.unwrap());
        assert!(marked(&db).await.is_empty(), "{backend:?}: a dismissal");
        let hide = event(due.id, ModerationAction::Hide, admin);
        assert!(reviews.moderate(&hide).await.unwrap());
        assert_eq!(
            marked_set(&db).await,
            parties(&other),
            "{backend:?}: hidden"
        );
        let restore = event(due.id, ModerationAction::Restore, admin);
        assert!(reviews.moderate(&restore).await.unwrap());
        assert_eq!(marked(&db).await.len(), 4, "{backend:?}: restored too");

        // A recomputation deletes its subject's marks (both), no other's.
        let repo = SeaReputationRepository::new(&db);
        let mine = Subject::Client(client);
        let before = marks(&db).await;
        assert_eq!(marks_of(&db, mine).await.len(), 2, "{backend:?}");
        repo.recompute(mine, Utc::now()).await.unwrap();
        assert_eq!(
            marks(&db).await,
            before
                .into_iter()
                .filter(|(_, s)| *s != mine)
                .collect::<Vec<_>>(),
            "{backend:?}: the subject's marks went"
        );
        // One committed after it stays for the next run.
        let later = mark(&db, mine).await;
        assert_eq!(marks_of(&db, mine).await, vec![later], "{backend:?}");

        // A new profile marks its owner, a reputation computed or not.
        clear_marks(&db).await;
        let fresh = crate::postings_repo_tests::client(&db, "finn").await;
        assert!(marked(&db).await.is_empty());
        SeaProfileRepository::new(&db)
            .create(&FreelancerProfile::blank(
                ProfileId(Uuid::now_v7()),
                fresh,
                Utc::now(),
            ))
            .await
            .unwrap();
        assert_eq!(marked(&db).await, vec![Subject::Freelancer(fresh)]);
        client_profile_of(&db, fresh).await;
        assert_eq!(
            marked(&db).await,
            vec![Subject::Freelancer(fresh), Subject::Client(fresh)],
            "{backend:?}: a profile created"
        );
    }
}

/// The job's list: each marked subject once, the one with the oldest mark first, at
/// most as many as asked; one statement.
#[tokio::test]
async fn reputation_marked_subjects_come_once_oldest_mark_first() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaReputationRepository::new(&db);
        assert!(repo.marked(10).await.unwrap().is_empty());
        let a = Subject::Freelancer(UserId(Uuid::now_v7()));
        // The same ID in another role is another subject.
        let b = Subject::Client(UserId(a.id()));
        let c = Subject::Agency(AgencyId(Uuid::now_v7()));
        for s in [a, b, a, c, b, c] {
            mark(&db, s).await;
        }
        let (counting, counter) = guard.counting_pool().await;
        let start = counter.get();
        let all = SeaReputationRepository::new(&counting)
            .marked(10)
            .await
            .unwrap();
        assert_eq!(counter.get() - start, 1, "{backend:?}: one statement");
        assert_eq!(all, vec![a, b, c], "{backend:?}");
        assert_eq!(repo.marked(2).await.unwrap(), vec![a, b]);
        assert!(repo.marked(0).await.unwrap().is_empty());
        // Recomputed, a subject leaves the list; marked again, it is the newest.
        repo.recompute(a, Utc::now()).await.unwrap();
        assert_eq!(repo.marked(10).await.unwrap(), vec![b, c], "{backend:?}");
        mark(&db, a).await;
        assert_eq!(repo.marked(10).await.unwrap(), vec![b, c, a], "{backend:?}");
    }
}

/// A mark committed while a recomputation runs, after it read the subject's marks, is
/// not deleted: its change may not be in the facts the recomputation read. PostgreSQL
/// only: on SQLite the recomputation holds the write lock from `BEGIN`, so nothing
/// commits while it runs (a mark committed after it is kept: see the test above).
#[tokio::test]
async fn reputation_a_mark_committed_while_a_recomputation_runs_stays() {
    for backend in backends() {
        if backend != Backend::Postgres {
            continue;
        }
        let (guard, db) = TestDatabase::migrated(backend).await;
        let (user, _) = freelancer(&db, "fran").await;
        let subject = Subject::Freelancer(user);
        let read = marks_of(&db, subject).await;
        assert_eq!(read.len(), 1, "the profile's mark");

        // Another connection holds the profile's row: the recomputation reads the marks
        // and the facts, then waits to write the profile's columns.
        let blocker = Db::connect(&guard.settings).await.unwrap();
        let txn = blocker.connection().begin().await.unwrap();
        let pid: i32 = txn
            .query_one_raw(Statement::from_string(
                db.connection().get_database_backend(),
                "SELECT pg_backend_pid() AS pid",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get("", "pid")
            .unwrap();
        txn.execute_unprepared(&format!(
            "SELECT id FROM freelancer_profiles WHERE user_id = '{}' FOR UPDATE",
            user.0
        ))
        .await
        .unwrap();
        let repo = SeaReputationRepository::new(&db);
        let running = tokio::spawn(async move { repo.recompute(subject, Utc::now()).await });
        let waiting = format!(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE {pid} = ANY(pg_blocking_pids(pid))"
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while guard.count(&waiting).await == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the recomputation never waited"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }

        // Meanwhile a writer commits a mark; then the profile's row is let go.
        let meanwhile = mark(&db, subject).await;
        txn.rollback().await.unwrap();
        running.await.unwrap().unwrap();
        assert_eq!(
            marks_of(&db, subject).await,
            vec![meanwhile],
            "only the mark read went"
        );
        blocker.close().await.ok();
    }
}

/// Recomputations of one subject at once take turns on its row: all succeed (the first
/// ones insert it concurrently) and store one row.
#[tokio::test]
async fn reputation_concurrent_recomputations_of_one_subject_all_succeed() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let (freelancer, _) = freelancer(&db, "fran").await;
        let client = client_with_profile(&db, "cleo").await;
        let c = contract_of(&db, client, freelancer, None).await;
        pay(&db, &c, TransactionKind::Hours, money(5_000, "USD")).await;
        end(&db, &c).await;
        let repo = SeaReputationRepository::new(&db);
        let subject = Subject::Freelancer(freelancer);
        let start = Arc::new(tokio::sync::Barrier::new(6));
        let racers: Vec<_> = (0..6)
            .map(|_| {
                let (repo, start) = (repo.clone(), start.clone());
                tokio::spawn(async move {
                    start.wait().await;
                    repo.recompute(subject, Utc::now()).await
                })
            })
            .collect();
        for racer in racers {
            let r = racer.await.unwrap().unwrap();
            assert_eq!(
                (r.completed_contracts, r.counted_contracts, r.good_outcomes),
                (1, 1, 1),
                "{backend:?}"
            );
            assert_eq!(r.totals, vec![money(4_500, "USD")]);
        }
        assert_eq!(guard.count("SELECT COUNT(*) FROM reputations").await, 1);
        assert_eq!(
            guard.count("SELECT COUNT(*) FROM reputation_totals").await,
            1
        );
    }
}

#[tokio::test]
async fn reviews_reports_are_once_per_user_and_listed_newest_first() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaReviewRepository::new(&db);
        let (_, r) = public_review(&db).await;
        let rita = crate::postings_repo_tests::client(&db, "rita").await;
        let first = report_of(r.id, rita);
        assert!(repo.report(&first).await.unwrap());
        let again = report_of(r.id, rita);
        assert!(
            !repo.report(&again).await.unwrap(),
            "{backend:?}: a duplicate"
        );
        assert!(reports_by_ids(&db, &[again.id]).await.is_empty());
        let stored = reports_by_ids(&db, &[first.id]).await;
        assert_eq!(
            stored,
            vec![ReviewReport {
                created_at: at_rest(first.created_at),
                ..first.clone()
            }],
            "{backend:?}: read back whole"
        );

        // Concurrent reports by one user: one row.
        let sam = crate::postings_repo_tests::client(&db, "sam").await;
        let start = Arc::new(tokio::sync::Barrier::new(6));
        let racers: Vec<_> = (0..6)
            .map(|_| {
                let (repo, start) = (repo.clone(), start.clone());
                let report = report_of(r.id, sam);
                tokio::spawn(async move {
                    start.wait().await;
                    repo.report(&report).await
                })
            })
            .collect();
        let mut stored_ones = 0;
        for racer in racers {
            if racer.await.unwrap().unwrap() {
                stored_ones += 1;
            }
        }
        assert_eq!(stored_ones, 1, "{backend:?}");
        assert_eq!(guard.count("SELECT COUNT(*) FROM review_reports").await, 2);

        // Newest first, in pages; open ones only when asked.
        let tom = crate::postings_repo_tests::client(&db, "tom").await;
        let third = report_of(r.id, tom);
        assert!(repo.report(&third).await.unwrap());
        let page = |first: i64, after: Option<ReportId>| PageRequest::new(Some(first), after);
        let all = repo
            .reports(false, &page(100, None).unwrap())
            .await
            .unwrap();
        let ids: Vec<ReportId> = all.items.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), 3);
        assert_eq!((ids[0], ids[2]), (third.id, first.id), "{backend:?}");
        let two = repo.reports(false, &page(2, None).unwrap()).await.unwrap();
        assert!(two.has_next_page);
        let rest = repo
            .reports(false, &page(2, Some(ids[1])).unwrap())
            .await
            .unwrap();
        assert_eq!(
            rest.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            [first.id]
        );
        assert!(!rest.has_next_page);
        // Dismissed, they leave the open queue but stay in the list, resolved.
        let admin = crate::postings_repo_tests::client(&db, "admin").await;
        let dismiss = event(r.id, ModerationAction::Dismiss, admin);
        assert!(repo.moderate(&dismiss).await.unwrap());
        let open = repo.reports(true, &page(100, None).unwrap()).await.unwrap();
        assert!(open.items.is_empty(), "{backend:?}");
        let resolved = reports_by_ids(&db, &[first.id]).await.remove(0);
        assert_eq!(
            resolved.resolution,
            Some(Resolution {
                action: ModerationAction::Dismiss,
                by: admin,
                at: at_rest(dismiss.at),
            })
        );
        let newer = report_of(r.id, admin);
        assert!(repo.report(&newer).await.unwrap());
        let open = repo.reports(true, &page(100, None).unwrap()).await.unwrap();
        assert_eq!(
            open.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            [newer.id]
        );
        // A new report is stored open, whatever resolution it comes with.
        let tess = crate::postings_repo_tests::client(&db, "tess").await;
        let resolved = ReviewReport {
            resolution: Some(Resolution {
                action: ModerationAction::Hide,
                by: admin,
                at: Utc::now(),
            }),
            ..report_of(r.id, tess)
        };
        assert!(repo.report(&resolved).await.unwrap());
        assert_eq!(
            reports_by_ids(&db, &[resolved.id]).await[0].resolution,
            None
        );
        let open = repo.reports(true, &page(100, None).unwrap()).await.unwrap();
        assert_eq!(
            open.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            [resolved.id, newer.id],
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn reviews_moderation_follows_the_stored_state_and_is_kept() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaReviewRepository::new(&db);
        let (_, r) = public_review(&db).await;
        let admin = crate::postings_repo_tests::client(&db, "admin").await;
        let rita = crate::postings_repo_tests::client(&db, "rita").await;

        // Nothing to dismiss, nothing to restore: refused, nothing kept.
        let dismiss = event(r.id, ModerationAction::Dismiss, admin);
        assert!(!repo.moderate(&dismiss).await.unwrap(), "{backend:?}");
        let restore = event(r.id, ModerationAction::Restore, admin);
        assert!(!repo.moderate(&restore).await.unwrap(), "{backend:?}");
        assert_eq!(
            guard.count("SELECT COUNT(*) FROM review_moderations").await,
            0
        );

        // Hidden: the reason, admin and time on the review; its open report resolved.
        // Four statements: the review, its reports, the event, the marks.
        let report = report_of(r.id, rita);
        assert!(repo.report(&report).await.unwrap());
        let hide = event(r.id, ModerationAction::Hide, admin);
        let (counting, counter) = guard.counting_pool().await;
        let start = counter.get();
        assert!(
            SeaReviewRepository::new(&counting)
                .moderate(&hide)
                .await
                .unwrap()
        );
        assert_eq!(counter.get() - start, 4, "{backend:?}");
        let stored = repo.reviews(&[r.id]).await.unwrap().remove(0);
        let moderation = stored.hidden.expect("hidden");
        assert_eq!(
            (moderation.reason.as_str(), moderation.by, moderation.at),
            ("HIDE it", admin, at_rest(hide.at)),
            "{backend:?}"
        );
        let resolved = reports_by_ids(&db, &[report.id]).await.remove(0);
        assert_eq!(
            resolved.resolution.map(|r| (r.action, r.by)),
            Some((ModerationAction::Hide, admin))
        );
        // Hidden again: refused; the first hiding stays as it was.
        let twice = event(r.id, ModerationAction::Hide, rita);
        assert!(!repo.moderate(&twice).await.unwrap(), "{backend:?}");
        let stored = repo.reviews(&[r.id]).await.unwrap().remove(0);
        assert_eq!(stored.hidden.map(|m| m.by), Some(admin));
        // No open report left to dismiss.
        assert!(!repo.moderate(&dismiss).await.unwrap());

        // Restored: public again (three statements); restoring twice is refused.
        let restore = event(r.id, ModerationAction::Restore, admin);
        let start = counter.get();
        assert!(
            SeaReviewRepository::new(&counting)
                .moderate(&restore)
                .await
                .unwrap()
        );
        assert_eq!(counter.get() - start, 3, "{backend:?}");
        assert_eq!(repo.reviews(&[r.id]).await.unwrap()[0].hidden, None);
        let again = event(r.id, ModerationAction::Restore, admin);
        assert!(!repo.moderate(&again).await.unwrap(), "{backend:?}");
        // An unknown review: refused.
        let unknown = event(ReviewId(Uuid::now_v7()), ModerationAction::Hide, admin);
        assert!(!repo.moderate(&unknown).await.unwrap());
        let unknown = event(unknown.review_id, ModerationAction::Dismiss, admin);
        assert!(!repo.moderate(&unknown).await.unwrap());
        // A new report dismissed: three statements (the hold, the reports, the event).
        let sam = crate::postings_repo_tests::client(&db, "sam").await;
        assert!(repo.report(&report_of(r.id, sam)).await.unwrap());
        let dismissed = event(r.id, ModerationAction::Dismiss, admin);
        let start = counter.get();
        assert!(
            SeaReviewRepository::new(&counting)
                .moderate(&dismissed)
                .await
                .unwrap()
        );
        assert_eq!(counter.get() - start, 3, "{backend:?}");

        // The audit trail: the actions carried out, in order, in one statement; every
        // review asked for has a list.
        let other = ReviewId(Uuid::now_v7());
        let start = counter.get();
        let history = SeaReviewRepository::new(&counting)
            .moderation_history(&[r.id, other])
            .await
            .unwrap();
        assert_eq!(counter.get() - start, 1, "{backend:?}: one statement");
        let at_rest_event = |e: &ModerationEvent| ModerationEvent {
            at: at_rest(e.at),
            ..e.clone()
        };
        assert_eq!(
            history[&r.id],
            vec![
                at_rest_event(&hide),
                at_rest_event(&restore),
                at_rest_event(&dismissed)
            ],
            "{backend:?}"
        );
        assert_eq!(history[&other], vec![]);
        assert!(repo.moderation_history(&[]).await.unwrap().is_empty());
    }
}

/// Carries out `events` at once (each from its own task): whether each was.
async fn race(repo: &SeaReviewRepository, events: Vec<ModerationEvent>) -> Vec<bool> {
    let start = Arc::new(tokio::sync::Barrier::new(events.len()));
    let racers: Vec<_> = events
        .into_iter()
        .map(|e| {
            let (repo, start) = (repo.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                repo.moderate(&e).await
            })
        })
        .collect();
    let mut done = Vec::new();
    for racer in racers {
        done.push(racer.await.unwrap().unwrap());
    }
    done
}

/// Two admins acting on one review at once: storage decides by the state it finds, so
/// two HIDEs hide it once, and HIDE racing RESTORE (from either state, either event the
/// older) leaves a trail that holds exactly the actions carried out, in the order they
/// were, and replays to the review's state.
#[tokio::test]
async fn reviews_concurrent_moderation_of_one_review_stays_consistent() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaReviewRepository::new(&db);
        let (_, r) = public_review(&db).await;
        let ann = crate::postings_repo_tests::client(&db, "ann").await;
        let bob = crate::postings_repo_tests::client(&db, "bob").await;
        let history = |repo: SeaReviewRepository| async move {
            repo.moderation_history(&[r.id])
                .await
                .unwrap()
                .remove(&r.id)
                .unwrap()
        };

        // Two HIDEs: one is carried out, by its admin.
        let hides = vec![
            event(r.id, ModerationAction::Hide, ann),
            event(r.id, ModerationAction::Hide, bob),
        ];
        let done = race(&repo, hides.clone()).await;
        assert_eq!(done.iter().filter(|d| **d).count(), 1, "{backend:?}");
        let winner = if done[0] { &hides[0] } else { &hides[1] };
        let trail = history(repo.clone()).await;
        assert_eq!(
            trail.iter().map(|e| e.id).collect::<Vec<_>>(),
            vec![winner.id],
            "{backend:?}: one HIDE kept"
        );
        let stored = repo.reviews(&[r.id]).await.unwrap().remove(0);
        assert_eq!(stored.hidden.map(|h| h.by), Some(winner.by));

        for round in 0..8 {
            let hide = event(r.id, ModerationAction::Hide, ann);
            let restore = event(r.id, ModerationAction::Restore, bob);
            // Either event the older, either task first.
            let events = if round % 2 == 0 {
                vec![hide, restore]
            } else {
                vec![restore, hide]
            };
            let before = history(repo.clone()).await;
            let done = race(&repo, events.clone()).await;
            let trail = history(repo.clone()).await;
            assert_eq!(trail[..before.len()], before[..], "{backend:?}: kept");
            let mut added: Vec<Uuid> = trail[before.len()..].iter().map(|e| e.id).collect();
            let mut carried_out: Vec<Uuid> = events
                .iter()
                .zip(&done)
                .filter(|(_, d)| **d)
                .map(|(e, _)| e.id)
                .collect();
            added.sort();
            carried_out.sort();
            assert_eq!(added, carried_out, "{backend:?} round {round}");
            // HIDE and RESTORE alternate in the trail, and its last one is the state.
            assert!(
                trail.windows(2).all(|w| w[0].action != w[1].action),
                "{backend:?} round {round}: {:?}",
                trail.iter().map(|e| e.action).collect::<Vec<_>>()
            );
            let stored = repo.reviews(&[r.id]).await.unwrap().remove(0);
            let last = trail.last().unwrap();
            assert_eq!(
                stored.hidden.is_some(),
                last.action == ModerationAction::Hide,
                "{backend:?} round {round}"
            );
            if let Some(hidden) = stored.hidden {
                assert_eq!((hidden.by, hidden.at), (last.by, last.at));
            }
        }
    }
}

/// A cache to test with: its name, the cache, and the Redis cache to clear after.
type TestCache = (&'static str, Arc<dyn Cache>, Option<Arc<RedisCache>>);

/// A cache that is down.
fn dead_cache() -> Arc<dyn Cache> {
    Arc::new(RedisCache::new(RedisSettings::new("redis://127.0.0.1:1/")).unwrap())
}

#[tokio::test]
async fn reputation_reads_come_from_the_cache_and_a_recomputation_overwrites() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let (freelancer, _) = freelancer(&db, "fran").await;
        let client = client_with_profile(&db, "cleo").await;
        let c = contract_of(&db, client, freelancer, None).await;
        pay(&db, &c, TransactionKind::Hours, money(5_000, "USD")).await;
        let f = Subject::Freelancer(freelancer);
        let cl = Subject::Client(client);
        let never = Subject::Agency(AgencyId(Uuid::now_v7()));
        let mut caches: Vec<TestCache> = vec![("memory", Arc::new(MemoryCache::default()), None)];
        if let Some(url) = redis_url() {
            let mut settings = RedisSettings::new(url);
            settings.key_prefix = format!("test:{}:", Uuid::now_v7().simple());
            let redis = Arc::new(RedisCache::new(settings).unwrap());
            caches.push(("redis", redis.clone(), Some(redis)));
        }
        for (name, cache, redis) in caches {
            let (counting, counter) = guard.counting_pool().await;
            let sea = SeaReputationRepository::new(&counting);
            sea.recompute(f, Utc::now()).await.unwrap();
            sea.recompute(cl, Utc::now()).await.unwrap();
            let repo = CachedReputationRepository::new(Arc::new(sea.clone()), cache.clone());

            let start = counter.get();
            let first = repo.reputations(&[f, cl, never]).await.unwrap();
            assert_eq!(counter.get() - start, 2, "{backend:?} {name}: loaded");
            assert_eq!(first, sea.reputations(&[f, cl, never]).await.unwrap());
            assert_eq!(first.len(), 2);
            let start = counter.get();
            let again = repo.reputations(&[f, cl, never, f]).await.unwrap();
            assert_eq!(counter.get() - start, 0, "{backend:?} {name}: cached");
            assert_eq!(again, first);
            // Never computed is remembered too.
            let start = counter.get();
            assert!(repo.reputations(&[never]).await.unwrap().is_empty());
            assert_eq!(
                counter.get() - start,
                0,
                "{backend:?} {name}: a cached miss"
            );

            // A reader misses the freelancer (the entry expired) and loads the row; the
            // contract ends and a recomputation commits and writes its value; then the
            // reader fills its miss with what it loaded: the recomputed value stays.
            cache.delete(&[reputation_key(f)]).await.unwrap();
            let loaded = sea.reputations(&[f]).await.unwrap();
            assert_eq!(loaded[&f], first[&f]);
            let ended = end(&db, &repo_contract(&db, c.id).await).await;
            assert_eq!(ended.status, ContractStatus::Ended);
            let recomputed = repo.recompute(f, Utc::now()).await.unwrap();
            assert_eq!(recomputed.completed_contracts, 1);
            repo.fill(&[f], &loaded).await;
            let start = counter.get();
            let read = repo.reputations(&[f]).await.unwrap();
            assert_eq!(counter.get() - start, 0, "{backend:?} {name}: cached");
            assert_eq!(
                read[&f], recomputed,
                "{backend:?} {name}: not the stale fill"
            );
            // A recomputation overwrites an entry that is there (the client's).
            let recomputed_client = repo.recompute(cl, Utc::now()).await.unwrap();
            assert_ne!(recomputed_client, first[&cl]);
            let start = counter.get();
            let read = repo.reputations(&[f, cl]).await.unwrap();
            assert_eq!(counter.get() - start, 0, "{backend:?} {name}");
            assert_eq!(read[&cl], recomputed_client, "{backend:?} {name}");
            // Where the entry is absent, a fill stores what it loaded (the window the
            // recomputation's write closes).
            cache.delete(&[reputation_key(f)]).await.unwrap();
            repo.fill(&[f], &loaded).await;
            assert_eq!(repo.reputations(&[f]).await.unwrap(), loaded);
            if let Some(redis) = redis {
                redis.clear_prefix().await.unwrap();
            }
            // Back to ACTIVE for the next cache.
            contract::Entity::update_many()
                .col_expr(
                    contract::Column::Status,
                    Expr::value(ContractStatus::Active.key()),
                )
                .filter(contract::Column::Id.eq(c.id.0))
                .exec(db.connection())
                .await
                .unwrap();
        }

        // A cache whose writes fail: a recomputation deletes the entry instead.
        let (counting, counter) = guard.counting_pool().await;
        let cache = Arc::new(SetFails(MemoryCache::default()));
        let repo = CachedReputationRepository::new(
            Arc::new(SeaReputationRepository::new(&counting)),
            cache.clone(),
        );
        repo.reputations(&[f]).await.unwrap();
        assert!(cache.get(&reputation_key(f)).await.unwrap().is_some());
        repo.recompute(f, Utc::now()).await.unwrap();
        assert_eq!(cache.get(&reputation_key(f)).await.unwrap(), None);
        let start = counter.get();
        repo.reputations(&[f]).await.unwrap();
        assert_eq!(counter.get() - start, 2, "{backend:?}: reloaded");

        // A cache that is down: every read goes to the database, none fails.
        let repo = CachedReputationRepository::new(
            Arc::new(SeaReputationRepository::new(&db)),
            dead_cache(),
        );
        let read = repo.reputations(&[f, never]).await.unwrap();
        assert_eq!(read.len(), 1, "{backend:?}");
        repo.recompute(f, Utc::now()).await.unwrap();
    }
}

/// The cache key of `subject`'s reputation.
fn reputation_key(subject: Subject) -> String {
    crate::cached_reputation::key(subject)
}

/// An in-process cache whose plain writes fail (its fills, `set_if_absent`, work).
struct SetFails(MemoryCache);

#[async_trait::async_trait]
impl Cache for SetFails {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        self.0.get(key).await
    }
    async fn set(&self, _: &str, _: &str, _: Duration) -> Result<(), CacheError> {
        Err(CacheError("writes fail".into()))
    }
    async fn set_if_absent(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, CacheError> {
        self.0.set_if_absent(key, value, ttl).await
    }
    async fn delete(&self, keys: &[String]) -> Result<(), CacheError> {
        self.0.delete(keys).await
    }
    async fn incr(&self, key: &str, ttl: Duration) -> Result<u64, CacheError> {
        self.0.incr(key, ttl).await
    }
    async fn ping(&self) -> Result<(), CacheError> {
        Ok(())
    }
    fn backend(&self) -> &'static str {
        "set-fails"
    }
}

async fn repo_contract(db: &Db, id: domain::contracts::ContractId) -> Contract {
    SeaContractRepository::new(db)
        .contracts(&[id])
        .await
        .unwrap()
        .remove(0)
}

/// Down to before 000026 drops its tables, index and column with their rows (the
/// reviews, contracts and profiles stay); up again, reputations are recomputed as before.
#[tokio::test]
async fn reputation_migration_goes_down_and_up_again() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let f = fixture(&db).await;
        let repo = SeaReputationRepository::new(&db);
        let subject = Subject::Freelancer(f.freelancer);
        let before = repo.recompute(subject, Utc::now()).await.unwrap();
        let reviews = SeaReviewRepository::new(&db);
        assert!(
            reviews
                .report(&report_of(f.hidden.id, f.client))
                .await
                .unwrap()
        );
        db.migrate_down(1).await.unwrap();
        let conn = db.connection();
        for sql in [
            "SELECT COUNT(*) FROM reputations",
            "SELECT COUNT(*) FROM reputation_marks",
            "SELECT COUNT(*) FROM review_reports",
            "SELECT COUNT(*) FROM review_moderations",
            "SELECT job_success FROM freelancer_profiles",
        ] {
            assert!(
                conn.execute_unprepared(sql).await.is_err(),
                "{backend:?}: {sql} after down"
            );
        }
        assert_eq!(guard.count("SELECT COUNT(*) FROM reviews").await, 5);
        db.migrate_up().await.unwrap();
        assert_eq!(
            repo.recompute(subject, Utc::now()).await.unwrap(),
            before,
            "{backend:?}: the same facts (the moderation columns are 000025's)"
        );
    }
}

/// The reviews about a user in one role read their index in order (no sort step); the
/// admins' queue of open reports reads the partial index of open ones (PostgreSQL may
/// sort what a bitmap scan of it found: few rows, an empty table here); a recomputation
/// finds its subject's marks by their index.
#[tokio::test]
async fn reviews_by_side_and_open_reports_read_their_indexes() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let conn = db.connection();
        let db_backend = conn.get_database_backend();
        let page = PageRequest::new(Some(20), Some(ReviewId(Uuid::now_v7()))).unwrap();
        let reports = PageRequest::new(Some(20), None).unwrap();
        for (statement, index, ordered) in [
            (
                crate::reviews_repo::about_query(
                    UserId(Uuid::now_v7()),
                    Some(ReviewerSide::Client),
                    Utc::now(),
                    &page,
                )
                .build(db_backend),
                "ix_reviews_reviewee_side",
                true,
            ),
            (
                crate::review_reports::reports_query(true, &reports).build(db_backend),
                "ix_review_reports_open",
                false,
            ),
            (
                crate::reputation_repo::marks_query(Subject::Client(UserId(Uuid::now_v7())))
                    .build(db_backend),
                "ix_reputation_marks_subject",
                false,
            ),
        ] {
            let plan = crate::talent_search::explain_indexed(conn, statement)
                .await
                .unwrap();
            let text = plan.join("\n");
            assert!(text.contains(index), "{backend:?}:\n{text}");
            assert!(
                !ordered || !(text.contains("TEMP B-TREE") || text.contains("Sort")),
                "{backend:?}:\n{text}"
            );
        }
    }
}
