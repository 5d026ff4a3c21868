//! The saved-searches repository on SQLite, and on PostgreSQL when `TEST_DATABASE_URL`
//! is set: round trips of every filter field, names unique per user without case, the
//! limit, owners only, and two alert runs racing on one database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use domain::notifications::{NotificationKind, NotificationRepository, SavedSearchId};
use domain::pagination::PageRequest;
use domain::postings::{
    AlertRun, Budget, BudgetKind, BudgetRangeInput, ExperienceLevel, HireType, Posting, PostingId,
    PostingRepository, PostingSearch, PostingSearchService, PostingStatus, PostingVisibility,
    RequiredSkill, SavedSearch, SavedSearchName, SavedSearchRepository, SavedSearchService,
    Workplace,
};
use domain::taxonomy::{CategoryId, SkillId};
use domain::{ErrorCode, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::entities::{notification, saved_search};
use crate::posting_rows::at_rest;
use crate::postings_repo_tests::{client, full_posting};
use crate::testing::{TestDatabase, backends};
use crate::{
    Db, SeaNotificationRepository, SeaPostingIndex, SeaPostingRepository, SeaSavedSearchRepository,
    SeaTaxonomyRepository,
};

fn every_field() -> PostingSearch {
    PostingSearch {
        text: Some("payments api".into()),
        skills_all: vec!["rust".into()],
        skills_any: vec!["postgresql".into(), "go".into()],
        category_id: Some(CategoryId(crate::migration::category_id(
            "backend-development",
        ))),
        hire_types: vec![HireType::FreelanceLongTerm, HireType::ContractToHire],
        budget: Some(BudgetRangeInput {
            kind: Some(BudgetKind::YearlySalary),
            currency: "EUR".into(),
            min_minor: Some(1),
            max_minor: None,
        }),
        experience_levels: vec![ExperienceLevel::Expert, ExperienceLevel::Entry],
        workplaces: vec![Workplace::OnSite, Workplace::Hybrid, Workplace::Remote],
        countries: vec!["DE".into()],
        time_zone: Some("Europe/Berlin".into()),
        posted_within_days: Some(7),
        client_min_rating: Some(4.5),
        proposals_fewer_than: Some(5),
    }
}

fn saved(user: UserId, name: &str, search: PostingSearch, since: DateTime<Utc>) -> SavedSearch {
    SavedSearch {
        id: SavedSearchId(Uuid::now_v7()),
        user_id: user,
        name: SavedSearchName::parse(name).unwrap(),
        search,
        created_at: at_rest(since),
        updated_at: at_rest(since),
        checked_until: at_rest(since),
        alerts_since: at_rest(since),
    }
}

#[tokio::test]
async fn saved_searches_read_back_keep_names_unique_and_the_limit() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaSavedSearchRepository::new(&db);
        let ada = client(&db, "ada").await;
        let bob = client(&db, "bob").await;
        let now = Utc::now();
        let full = saved(ada, "Everything at once", every_field(), now);
        assert!(repo.create(&full, 3).await.unwrap());
        let empty = saved(ada, "Anything", PostingSearch::default(), now);
        assert!(repo.create(&empty, 3).await.unwrap());
        assert_eq!(
            repo.by_ids(&[full.id]).await.unwrap(),
            std::slice::from_ref(&full),
            "{backend:?}"
        );
        assert_eq!(
            repo.of_user(ada).await.unwrap(),
            [full.clone(), empty.clone()]
        );
        assert!(repo.of_user(bob).await.unwrap().is_empty());
        // The same name in another case is taken; in another user's list it is not.
        let err = repo
            .create(&saved(ada, "ANYTHING", PostingSearch::default(), now), 3)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Conflict, "{backend:?}");
        assert_eq!(err.field_errors()[0].field, ["name"]);
        assert!(
            repo.create(&saved(bob, "anything", PostingSearch::default(), now), 3)
                .await
                .unwrap()
        );
        // The limit: a third fits, a fourth does not (and nothing is written).
        assert!(
            repo.create(&saved(ada, "Third", PostingSearch::default(), now), 3)
                .await
                .unwrap()
        );
        assert!(
            !repo
                .create(&saved(ada, "Fourth", PostingSearch::default(), now), 3)
                .await
                .unwrap()
        );
        assert_eq!(repo.of_user(ada).await.unwrap().len(), 3);
        // Only the owner renames, changes or deletes.
        let later = now + TimeDelta::minutes(1);
        let name = SavedSearchName::parse("Rust only").unwrap();
        assert!(!repo.rename(bob, full.id, &name, later).await.unwrap());
        assert!(
            !repo
                .update_search(bob, full.id, &PostingSearch::default(), later)
                .await
                .unwrap()
        );
        assert!(!repo.delete(bob, full.id).await.unwrap());
        let taken = SavedSearchName::parse("third").unwrap();
        let err = repo.rename(ada, full.id, &taken, later).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Conflict);
        assert!(repo.rename(ada, full.id, &name, later).await.unwrap());
        // Changing one's own name's case is no conflict.
        let upper = SavedSearchName::parse("RUST ONLY").unwrap();
        assert!(repo.rename(ada, full.id, &upper, later).await.unwrap());
        assert!(
            repo.update_search(ada, empty.id, &every_field(), later)
                .await
                .unwrap()
        );
        let mine = repo.of_user(ada).await.unwrap();
        assert_eq!(mine[0].name, upper);
        assert_eq!(mine[0].updated_at, at_rest(later));
        assert_eq!(
            mine[0].checked_until, full.checked_until,
            "a rename is no restart"
        );
        assert_eq!(mine[1].search, every_field());
        assert_eq!(mine[1].checked_until, at_rest(later));
        assert_eq!(mine[1].alerts_since, at_rest(later));
        assert!(repo.delete(ada, full.id).await.unwrap());
        assert!(!repo.delete(ada, full.id).await.unwrap());
        // Keyset over everyone's (Ada's two and Bob's one), by ID.
        let all = repo.batch_after(None, 2).await.unwrap();
        assert_eq!(all.len(), 2);
        let rest = repo.batch_after(Some(all[1].id), 10).await.unwrap();
        assert_eq!(rest.len(), 1);
        assert!(rest.iter().all(|s| s.id > all[1].id));
        // A row the domain cannot read is an internal error, not a panic.
        guard
            .execute("UPDATE saved_searches SET search = '{\"hire_types\":[\"NOPE\"]}'")
            .await;
        let err = repo.of_user(ada).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Internal, "{backend:?}");
        // Deleting the user deletes their searches.
        crate::entities::user::Entity::delete_by_id(bob.0)
            .exec(db.connection())
            .await
            .unwrap();
        assert_eq!(guard.count("SELECT COUNT(*) FROM saved_searches").await, 2);
    }
}

/// A public open posting by `client` that asks for these skills, published at `at`.
fn published(client: UserId, skills: &[&str], at: DateTime<Utc>) -> Posting {
    Posting {
        id: PostingId(Uuid::now_v7()),
        visibility: PostingVisibility::Public,
        skills: skills
            .iter()
            .map(|s| RequiredSkill {
                skill_id: SkillId(crate::migration::skill_id(s)),
                min_level: None,
            })
            .collect(),
        published_at: Some(at),
        last_activity_at: at,
        ..full_posting(
            client,
            Budget::Fixed(domain::money::Money {
                amount_minor: 100_000,
                currency: domain::money::Currency::parse("USD").unwrap(),
            }),
        )
    }
}

fn alerts(db: &Db) -> SavedSearchService {
    let taxonomy = Arc::new(SeaTaxonomyRepository::new(db));
    SavedSearchService::new(
        Arc::new(SeaSavedSearchRepository::new(db)),
        PostingSearchService::new(Arc::new(SeaPostingIndex::new(db)), taxonomy),
    )
}

/// Two alert jobs racing on one database (two pools, as two processes would have): each
/// (search, posting) is notified once, only for public open postings published since
/// the search was saved and not by its user; a later run writes nothing new, though its
/// window overlaps the last one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_alert_runs_notify_each_match_exactly_once() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaSavedSearchRepository::new(&db);
        let postings = SeaPostingRepository::new(&db);
        let ada = client(&db, "ada").await;
        let bob = client(&db, "bob").await;
        let carol = client(&db, "carol").await;
        let now = Utc::now();
        let saved_at = now - TimeDelta::hours(2);
        let rust = saved(
            ada,
            "Rust",
            PostingSearch {
                skills_any: vec!["rust".into()],
                ..PostingSearch::default()
            },
            saved_at,
        );
        let anything = saved(carol, "Anything", PostingSearch::default(), saved_at);
        let gone = saved(
            carol,
            "Gone skill",
            PostingSearch {
                skills_any: vec!["rust".into()],
                ..PostingSearch::default()
            },
            saved_at,
        );
        for s in [&rust, &anything, &gone] {
            assert!(repo.create(s, 20).await.unwrap());
        }
        // A skill that left the taxonomy since: the search is skipped, not an error.
        saved_search::Entity::update_many()
            .col_expr(
                saved_search::Column::Search,
                Expr::value(r#"{"skills_any":["no-such-skill"]}"#),
            )
            .filter(saved_search::Column::Id.eq(gone.id.0))
            .exec(db.connection())
            .await
            .unwrap();
        let mut rust_matches = Vec::new();
        let mut all_matches = Vec::new();
        // Matches, the newest within the last five minutes (the next run sees them again).
        for i in 0..30 {
            let p = published(bob, &["rust", "go"], now - TimeDelta::seconds(240 - i * 5));
            let p = postings.create(&p).await.unwrap();
            rust_matches.push(p.id);
            all_matches.push(p.id);
        }
        for i in 0..5 {
            let p = published(bob, &["python"], now - TimeDelta::minutes(30 + i));
            all_matches.push(postings.create(&p).await.unwrap().id);
        }
        // Never: published before the search was saved; a draft, a paused, an
        // invite-only posting; and, for Ada, her own.
        postings
            .create(&published(
                bob,
                &["rust"],
                saved_at - TimeDelta::minutes(10),
            ))
            .await
            .unwrap();
        for p in [
            Posting {
                status: PostingStatus::Draft,
                published_at: None,
                ..published(bob, &["rust"], now - TimeDelta::minutes(2))
            },
            Posting {
                status: PostingStatus::Paused,
                ..published(bob, &["rust"], now - TimeDelta::minutes(2))
            },
            Posting {
                visibility: PostingVisibility::InviteOnly,
                ..published(bob, &["rust"], now - TimeDelta::minutes(2))
            },
        ] {
            postings.create(&p).await.unwrap();
        }
        let adas_own = postings
            .create(&published(ada, &["rust"], now - TimeDelta::minutes(2)))
            .await
            .unwrap();
        all_matches.push(adas_own.id);
        let expected = rust_matches.len() + all_matches.len();

        let second_pool = Db::connect(&guard.settings).await.unwrap();
        second_pool.ping().await.unwrap();
        let start = Arc::new(tokio::sync::Barrier::new(2));
        let race = |service: SavedSearchService| {
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                service.run_alerts(now).await
            })
        };
        let (a, b) = tokio::join!(race(alerts(&db)), race(alerts(&second_pool)));
        let (a, b): (AlertRun, AlertRun) = (a.unwrap().unwrap(), b.unwrap().unwrap());
        assert_eq!(
            (a.notified + b.notified) as usize,
            expected,
            "{backend:?}: {a:?} {b:?}"
        );
        assert_eq!((a.searches, b.searches), (3, 3));
        assert_eq!(a.invalid, [gone.id]);
        let rows = guard.count("SELECT COUNT(*) FROM notifications").await;
        assert_eq!(rows as usize, expected, "{backend:?}");
        let pairs: HashSet<(Option<Uuid>, Option<Uuid>)> = notification::Entity::find()
            .all(db.connection())
            .await
            .unwrap()
            .into_iter()
            .map(|n| (n.saved_search_id, n.posting_id))
            .collect();
        assert_eq!(pairs.len(), expected, "one per (search, posting)");
        // Ada's, as she reads them: one per Rust posting, none of her own.
        let notifications = SeaNotificationRepository::new(&db);
        let page = notifications
            .list(ada, false, &PageRequest::new(Some(100), None).unwrap())
            .await
            .unwrap();
        let mut seen: Vec<PostingId> = page
            .items
            .iter()
            .map(|n| match n.kind {
                NotificationKind::SavedSearchMatch {
                    saved_search_id,
                    posting_id,
                } => {
                    assert_eq!(saved_search_id, rust.id);
                    posting_id
                }
                other => panic!("{other:?}"),
            })
            .collect();
        seen.sort();
        rust_matches.sort();
        assert_eq!(seen, rust_matches, "{backend:?}");
        assert_eq!(
            notifications.unread_count(carol).await.unwrap() as usize,
            all_matches.len()
        );
        // Every watermark moved to `now`.
        for s in repo.of_user(carol).await.unwrap() {
            assert_eq!(s.checked_until, at_rest(now));
        }
        // A later run looks five minutes back again and finds the newest matches, but
        // writes nothing twice.
        let later = alerts(&db)
            .run_alerts(now + TimeDelta::minutes(1))
            .await
            .unwrap();
        assert_eq!(later.notified, 0, "{backend:?}");
        assert_eq!(
            guard.count("SELECT COUNT(*) FROM notifications").await as usize,
            expected
        );
        // A new match after that is notified once.
        let fresh = postings
            .create(&published(bob, &["rust"], now + TimeDelta::seconds(90)))
            .await
            .unwrap();
        let next = alerts(&db)
            .run_alerts(now + TimeDelta::minutes(2))
            .await
            .unwrap();
        assert_eq!(next.notified, 2, "{backend:?}: Ada's and Carol's");
        // A run that read a watermark since moved writes nothing at all.
        let other = published(bob, &["rust"], now + TimeDelta::seconds(100));
        let other = postings.create(&other).await.unwrap();
        assert_eq!(
            repo.record_matches(&rust, &[other.id], now).await.unwrap(),
            None,
            "{backend:?}"
        );
        assert_eq!(
            notification::Entity::find()
                .filter(notification::Column::PostingId.eq(fresh.id.0))
                .count(db.connection())
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            notification::Entity::find()
                .filter(notification::Column::PostingId.eq(other.id.0))
                .count(db.connection())
                .await
                .unwrap(),
            0
        );
    }
}

/// A backlog of more matches than one run notifies (the job was stopped for months):
/// runs take it in windows, oldest first, each at most the cap, until every match was
/// notified exactly once and the watermark reached `now`.
#[tokio::test]
async fn a_backlog_is_notified_over_several_runs_without_losing_one() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaSavedSearchRepository::new(&db);
        crate::seed_postings::seed_postings(&db, 1_200, 11, &|_| {})
            .await
            .unwrap();
        let carol = client(&db, "carol").await;
        let now = Utc::now();
        let anything = saved(
            carol,
            "Anything",
            PostingSearch::default(),
            now - TimeDelta::days(120),
        );
        assert!(repo.create(&anything, 20).await.unwrap());
        let matching = guard
            .count("SELECT COUNT(*) FROM postings WHERE status = 'OPEN' AND visibility = 'PUBLIC'")
            .await;
        assert!(matching > domain::postings::ALERT_CAP as i64, "{matching}");
        let mut runs = Vec::new();
        loop {
            let run = alerts(&db).run_alerts(now).await.unwrap();
            assert!(run.notified as usize <= domain::postings::ALERT_CAP);
            let watermark = repo.of_user(carol).await.unwrap()[0].checked_until;
            runs.push((run.notified, run.behind, watermark));
            if run.behind == 0 {
                break;
            }
            assert!(runs.len() < 10, "{backend:?}: no progress {runs:?}");
        }
        assert!(runs.len() >= 2, "{backend:?}: {runs:?}");
        assert!(runs.windows(2).all(|w| w[0].2 < w[1].2), "{runs:?}");
        assert_eq!(runs.last().unwrap().2, at_rest(now));
        let notified: i64 = runs.iter().map(|r| i64::from(r.0)).sum();
        assert_eq!(notified, matching, "{backend:?}: {runs:?}");
        assert_eq!(
            guard
                .count("SELECT COUNT(DISTINCT posting_id) FROM notifications")
                .await,
            matching
        );
    }
}
