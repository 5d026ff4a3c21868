//! The postings repository on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set:
//! round trips of every field, compare-and-set saves with their history, the expiry
//! job's reads and its once-only warning, and two expiry runs racing on one database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use domain::UserId;
use domain::money::{Currency, Money};
use domain::notifications::{NotificationKind, NotificationRepository};
use domain::pagination::PageRequest;
use domain::postings::{
    Budget, CloseReason, ExpectedDuration, ExperienceLevel, ExpiryRun, HireType, Posting,
    PostingEvent, PostingId, PostingRepository, PostingService, PostingStatus, PostingVisibility,
    QuestionKind, RequiredSkill, Revision, ScreeningQuestion, WorkLocation, Workplace,
};
use domain::taxonomy::{CategoryId, SkillId};
use sea_orm::ActiveValue::Set;
use sea_orm::{DbBackend, EntityTrait, QueryTrait};
use uuid::Uuid;

use crate::entities::user;
use crate::posting_rows::at_rest;
use crate::postings_repo::{idle_open_query, unwarned_idle_open_query};
use crate::testing::{TestDatabase, backends};
use crate::{Backend, Db, SeaNotificationRepository, SeaPostingRepository};

/// Saves `after` as `actor`'s edit of `before` (the version it was read at), with its
/// revision: the posting as stored.
pub(crate) async fn save_edit(
    repo: &SeaPostingRepository,
    before: &Posting,
    after: &Posting,
    actor: UserId,
) -> Posting {
    let revision = Revision {
        posting_id: before.id,
        version: before.version,
        at: Utc::now(),
        actor: Some(actor),
        event: None,
        before: before.clone(),
    };
    repo.save(after, before.version, Some(&revision))
        .await
        .unwrap()
        .expect("the version it was read at is current")
}

/// A signed-up client.
pub(crate) async fn client(db: &Db, name: &str) -> UserId {
    let now = Utc::now();
    let id = Uuid::now_v7();
    user::Entity::insert(user::ActiveModel {
        id: Set(id),
        email: Set(None),
        email_key: Set(None),
        email_verified: Set(false),
        display_name: Set(name.into()),
        avatar_url: Set(None),
        time_zone: Set(None),
        is_freelancer: Set(false),
        is_client: Set(true),
        is_admin: Set(false),
        status: Set("ACTIVE".into()),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(db.connection())
    .await
    .unwrap();
    UserId(id)
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
}

fn usd(amount_minor: i64) -> Money {
    Money {
        amount_minor,
        currency: Currency::parse("USD").unwrap(),
    }
}

/// A published posting with every field filled in, timestamps to the nanosecond.
pub(crate) fn full_posting(client: UserId, budget: Budget) -> Posting {
    Posting {
        id: PostingId(Uuid::now_v7()),
        client_id: client,
        title: "Senior Rust engineer for payments".into(),
        description: "Build and run our payments API in Rust on PostgreSQL; on call \
                      one week in six. ünïcode ✓"
            .into(),
        category_id: Some(CategoryId(crate::migration::category_id(
            "backend-development",
        ))),
        skills: vec![
            RequiredSkill {
                skill_id: SkillId(crate::migration::skill_id("rust")),
                min_level: Some(4),
            },
            RequiredSkill {
                skill_id: SkillId(crate::migration::skill_id("postgresql")),
                min_level: None,
            },
        ],
        hire_type: Some(HireType::FreelanceLongTerm),
        budget: Some(budget),
        experience: Some(ExperienceLevel::Expert),
        duration: Some(ExpectedDuration::ThreeToSixMonths),
        hours_per_week: Some(30),
        location: WorkLocation {
            workplace: Workplace::Hybrid,
            countries: vec!["PL".into(), "DE".into(), "AT".into()],
            time_zones: vec![
                "Europe/Warsaw".into(),
                "America/New_York".into(),
                "Asia/Kolkata".into(),
            ],
        },
        positions: 2,
        visibility: PostingVisibility::InviteOnly,
        questions: vec![
            ScreeningQuestion {
                id: Uuid::now_v7(),
                kind: QuestionKind::Link,
                prompt: "A Rust service you are proud of".into(),
            },
            ScreeningQuestion {
                id: Uuid::now_v7(),
                kind: QuestionKind::YesNo,
                prompt: "Can you overlap four hours with CET?".into(),
            },
        ],
        deadline: Some(at("2027-01-31T17:00:00.123456789Z")),
        status: PostingStatus::Open,
        version: 1,
        created_at: at("2026-11-01T09:00:00.987654321Z"),
        updated_at: at("2026-11-02T09:00:00.5Z"),
        published_at: Some(at("2026-11-02T09:00:00.000000999Z")),
        last_activity_at: at("2026-11-02T09:00:00.000001Z"),
    }
}

/// An OPEN posting of `client`'s last active at `last`.
fn open_since(client: UserId, last: DateTime<Utc>) -> Posting {
    Posting {
        last_activity_at: last,
        ..full_posting(client, Budget::Fixed(usd(100_000)))
    }
}

fn budgets() -> [Budget; 3] {
    [
        Budget::Fixed(usd(500_000)),
        Budget::Hourly {
            min: usd(5_000),
            max: usd(9_000),
        },
        Budget::YearlySalary {
            min: usd(9_000_000),
            max: usd(12_000_000),
        },
    ]
}

/// `p` as storage returns it: every timestamp to the microsecond.
fn at_rest_posting(p: &Posting) -> Posting {
    crate::posting_rows::posting_at_rest(p)
}

#[tokio::test]
async fn a_full_posting_reads_back_as_created() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaPostingRepository::new(&db);
        let ada = client(&db, "ada").await;
        let mut created = Vec::new();
        for budget in budgets() {
            let p = full_posting(ada, budget);
            let stored = repo.create(&p).await.unwrap();
            assert_eq!(stored, at_rest_posting(&p), "{backend:?}");
            assert_ne!(stored.created_at, p.created_at, "nanoseconds are not kept");
            created.push(stored);
        }
        // A bare draft: no budget, no time zones, no lists.
        let blank = Posting {
            title: "Just a title".into(),
            ..Posting::blank(PostingId(Uuid::now_v7()), ada, Utc::now())
        };
        created.push(repo.create(&blank).await.unwrap());
        // In the order asked, unknown ids skipped.
        let missing = PostingId(Uuid::now_v7());
        let asked = [
            created[3].id,
            missing,
            created[1].id,
            created[0].id,
            created[2].id,
        ];
        let got = repo.by_ids(&asked).await.unwrap();
        assert_eq!(
            got,
            [
                created[3].clone(),
                created[1].clone(),
                created[0].clone(),
                created[2].clone()
            ],
            "{backend:?}"
        );
        assert!(repo.by_ids(&[]).await.unwrap().is_empty());
        assert!(repo.by_ids(&[missing]).await.unwrap().is_empty());
        // The columns search will filter on: a fixed amount is both ends of the range;
        // the time zones span -300 (New York) to +330 (Kolkata); none means NULL.
        let fixed = uuid_literal(backend, created[0].id.0);
        for (sql, want) in [
            (
                format!(
                    "SELECT COUNT(*) FROM postings WHERE budget_kind = 'FIXED' \
                     AND budget_min_minor = 500000 AND budget_max_minor = 500000 \
                     AND budget_currency = 'USD' AND id = {fixed}"
                ),
                1,
            ),
            (
                "SELECT COUNT(*) FROM postings WHERE budget_kind = 'YEARLY_SALARY' \
                 AND budget_min_minor = 9000000 AND budget_max_minor = 12000000"
                    .into(),
                1,
            ),
            (
                "SELECT COUNT(*) FROM postings WHERE tz_offset_min = -300 \
                 AND tz_offset_max = 330"
                    .into(),
                3,
            ),
            (
                "SELECT COUNT(*) FROM postings WHERE tz_offset_min IS NULL \
                 AND tz_offset_max IS NULL AND time_zones = '[]' AND budget_kind IS NULL"
                    .into(),
                1,
            ),
            (
                "SELECT COUNT(*) FROM postings WHERE time_zones = \
                 '[\"Europe/Warsaw\",\"America/New_York\",\"Asia/Kolkata\"]'"
                    .into(),
                3,
            ),
            (
                "SELECT COUNT(*) FROM postings WHERE skills_text LIKE 'Rust %' \
                 AND skills_text LIKE '%PostgreSQL%' AND skills_text LIKE '%postgres%'"
                    .into(),
                3,
            ),
            ("SELECT COUNT(*) FROM posting_countries".into(), 9),
            (
                "SELECT COUNT(*) FROM posting_countries WHERE country = 'PL' AND position = 0"
                    .into(),
                3,
            ),
            ("SELECT COUNT(*) FROM posting_questions".into(), 6),
            ("SELECT COUNT(*) FROM posting_skills".into(), 6),
        ] {
            assert_eq!(guard.count(&sql).await, want, "{backend:?}: {sql}");
        }
    }
}

#[tokio::test]
async fn save_is_a_compare_and_set_that_writes_nothing_when_stale() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaPostingRepository::new(&db);
        let ada = client(&db, "ada").await;
        let p = repo
            .create(&full_posting(ada, Budget::Fixed(usd(100_000))))
            .await
            .unwrap();
        // An edit of every list, with its revision.
        let mut edited = p.clone();
        edited.title = "Staff Rust engineer".into();
        edited.skills.reverse();
        edited.skills[0].min_level = Some(3);
        edited.questions.pop();
        edited.questions[0].prompt = "A service you are proud of".into();
        edited.location.countries = vec!["DE".into()];
        edited.location.time_zones = vec!["Europe/Dublin".into()];
        edited.updated_at = Utc::now();
        edited.last_activity_at = edited.updated_at;
        let revision = Revision {
            posting_id: p.id,
            version: 1,
            at: edited.updated_at,
            actor: Some(ada),
            event: None,
            before: p.clone(),
        };
        let v2 = repo
            .save(&edited, 1, Some(&revision))
            .await
            .unwrap()
            .expect("current version");
        assert_eq!(v2.version, 2);
        assert_eq!(
            v2,
            Posting {
                version: 2,
                ..at_rest_posting(&edited)
            }
        );
        assert_eq!(
            repo.by_ids(&[p.id]).await.unwrap(),
            std::slice::from_ref(&v2),
            "{backend:?}"
        );
        assert_eq!(
            guard
                .count(
                    "SELECT COUNT(*) FROM postings WHERE skills_text LIKE 'PostgreSQL%' \
                     AND tz_offset_min = 0 AND tz_offset_max = 0"
                )
                .await,
            1,
            "skills text and offsets follow the edit"
        );
        // Stale: based on version 1 again. Nothing changes, no revision is kept.
        let mut stale = p.clone();
        stale.title = "Lost update".into();
        stale.skills.clear();
        let stale_revision = Revision {
            event: Some(PostingEvent::Pause),
            ..revision.clone()
        };
        assert_eq!(
            repo.save(&stale, 1, Some(&stale_revision)).await.unwrap(),
            None
        );
        assert_eq!(repo.save(&stale, 1, None).await.unwrap(), None);
        assert_eq!(
            repo.by_ids(&[p.id]).await.unwrap(),
            std::slice::from_ref(&v2)
        );
        assert_eq!(
            repo.revisions(&[p.id]).await.unwrap()[&p.id],
            [revision.clone_at_rest()]
        );
        assert_eq!(
            guard.count("SELECT COUNT(*) FROM posting_revisions").await,
            1
        );
        assert_eq!(guard.count("SELECT COUNT(*) FROM posting_skills").await, 2);
        // A save without a revision (a draft's edit) rewrites every list.
        let mut again = v2.clone();
        again.skills.truncate(1);
        let v3 = repo.save(&again, 2, None).await.unwrap().unwrap();
        assert_eq!(v3.version, 3);
        assert_eq!(repo.by_ids(&[p.id]).await.unwrap(), [v3]);
        assert_eq!(
            guard.count("SELECT COUNT(*) FROM posting_revisions").await,
            1
        );
        // An unknown posting is never "saved".
        let ghost = full_posting(ada, Budget::Fixed(usd(1)));
        assert_eq!(repo.save(&ghost, 1, None).await.unwrap(), None);
    }
}

trait AtRest {
    fn clone_at_rest(&self) -> Self;
}

impl AtRest for Revision {
    /// The revision as storage returns it: its time to the microsecond (the posting it
    /// keeps is returned exactly).
    fn clone_at_rest(&self) -> Self {
        Revision {
            at: at_rest(self.at),
            ..self.clone()
        }
    }
}

#[tokio::test]
async fn revisions_keep_the_posting_exactly_as_it_was_oldest_first() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaPostingRepository::new(&db);
        let ada = client(&db, "ada").await;
        let draft = Posting {
            status: PostingStatus::Draft,
            published_at: None,
            ..full_posting(
                ada,
                Budget::Hourly {
                    min: usd(5_000),
                    max: usd(9_000),
                },
            )
        };
        let v1 = repo.create(&draft).await.unwrap();
        let mut history = Vec::new();
        let mut current = v1;
        // Publish (by the client), edit, then the platform closes it; the snapshot of
        // the first is the unpublished draft with its nanosecond-free timestamps, the
        // last one carries a question list and budget of its own.
        let steps: [(Option<PostingEvent>, Option<UserId>); 4] = [
            (Some(PostingEvent::Publish), Some(ada)),
            (None, Some(ada)),
            (Some(PostingEvent::Pause), Some(ada)),
            (Some(PostingEvent::Close(CloseReason::Filled)), None),
        ];
        for (i, (event, actor)) in steps.into_iter().enumerate() {
            let now = Utc::now();
            let mut after = current.clone();
            match event {
                Some(PostingEvent::Publish) => {
                    after.status = PostingStatus::Open;
                    after.published_at = Some(now);
                }
                Some(PostingEvent::Pause) => after.status = PostingStatus::Paused,
                Some(PostingEvent::Close(r)) => after.status = PostingStatus::Closed(r),
                _ => {
                    after.budget = Some(Budget::YearlySalary {
                        min: usd(9_000_000),
                        max: usd(12_000_000),
                    });
                    after.questions.push(ScreeningQuestion {
                        id: Uuid::now_v7(),
                        kind: QuestionKind::Text,
                        prompt: format!("Question {i}"),
                    });
                }
            }
            after.updated_at = now;
            after.last_activity_at = now;
            let revision = Revision {
                posting_id: current.id,
                version: current.version,
                at: now,
                actor,
                event,
                before: current.clone(),
            };
            current = repo
                .save(&after, current.version, Some(&revision))
                .await
                .unwrap()
                .unwrap();
            history.push(revision.clone_at_rest());
        }
        assert_eq!(current.status, PostingStatus::Closed(CloseReason::Filled));
        assert_eq!(current.version, 5);
        // Asked with a posting that has none: only the one with history answers.
        let nowhere = PostingId(Uuid::now_v7());
        let mut all = repo.revisions(&[nowhere, current.id]).await.unwrap();
        assert_eq!(all.len(), 1, "{backend:?}");
        let stored = all.remove(&current.id).unwrap();
        assert_eq!(stored, history, "{backend:?}");
        assert_eq!(
            stored.iter().map(|r| r.version).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        assert!(repo.revisions(&[nowhere]).await.unwrap().is_empty());
        assert!(repo.revisions(&[]).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn only_a_draft_at_that_version_is_deleted_with_its_lists() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaPostingRepository::new(&db);
        let ada = client(&db, "ada").await;
        let draft = repo
            .create(&Posting {
                status: PostingStatus::Draft,
                published_at: None,
                ..full_posting(ada, Budget::Fixed(usd(1_000)))
            })
            .await
            .unwrap();
        let open = repo
            .create(&full_posting(ada, Budget::Fixed(usd(1_000))))
            .await
            .unwrap();
        assert!(
            !repo.delete_draft(draft.id, 2).await.unwrap(),
            "{backend:?}"
        );
        assert!(!repo.delete_draft(open.id, 1).await.unwrap(), "not a draft");
        assert!(repo.delete_draft(draft.id, 1).await.unwrap(), "{backend:?}");
        assert!(
            !repo.delete_draft(draft.id, 1).await.unwrap(),
            "already gone"
        );
        assert!(repo.by_ids(&[draft.id]).await.unwrap().is_empty());
        assert_eq!(repo.by_ids(&[open.id]).await.unwrap(), [open]);
        // Only the open posting's rows are left: the draft's went with it.
        for (table, left) in [
            ("posting_skills", 2),
            ("posting_questions", 2),
            ("posting_countries", 3),
        ] {
            assert_eq!(
                guard.count(&format!("SELECT COUNT(*) FROM {table}")).await,
                left,
                "{backend:?}: {table}"
            );
        }
    }
}

#[tokio::test]
async fn the_idle_reads_draw_their_boundaries_to_the_microsecond() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaPostingRepository::new(&db);
        let ada = client(&db, "ada").await;
        let micro = TimeDelta::microseconds(1);
        let t = at("2026-10-01T12:00:00.250000Z");
        let make = async |last: DateTime<Utc>, status: PostingStatus| {
            repo.create(&Posting {
                status,
                ..open_since(ada, last)
            })
            .await
            .unwrap()
        };
        let before = make(t - micro, PostingStatus::Open).await;
        let exactly = make(t, PostingStatus::Open).await;
        let exactly_too = make(t, PostingStatus::Open).await;
        let after = make(t + micro, PostingStatus::Open).await;
        let whole_second = make(at("2026-10-01T12:00:00Z"), PostingStatus::Open).await;
        make(t - TimeDelta::days(9), PostingStatus::Paused).await;
        make(t - TimeDelta::days(9), PostingStatus::Draft).await;
        make(
            t - TimeDelta::days(9),
            PostingStatus::Closed(CloseReason::Cancelled),
        )
        .await;
        let ids = |ps: Vec<Posting>| ps.into_iter().map(|p| p.id).collect::<Vec<_>>();
        // At or before, OPEN only, longest idle first, ties by id; a nanosecond-precise
        // bound reads as the microsecond it falls in.
        let (first, second) = if exactly.id < exactly_too.id {
            (exactly.id, exactly_too.id)
        } else {
            (exactly_too.id, exactly.id)
        };
        for since in [t, t + TimeDelta::nanoseconds(999)] {
            assert_eq!(
                ids(repo.idle_open(since, 10).await.unwrap()),
                [whole_second.id, before.id, first, second],
                "{backend:?} {since:?}"
            );
        }
        assert_eq!(
            ids(repo.idle_open(t - micro, 10).await.unwrap()),
            [whole_second.id, before.id]
        );
        assert_eq!(
            ids(repo.idle_open(t + micro, 2).await.unwrap()),
            [whole_second.id, before.id],
            "limited"
        );
        // (after, until]: after is excluded, until included.
        assert_eq!(
            ids(repo.unwarned_idle_open(t - micro, t, 10).await.unwrap()),
            [first, second],
            "{backend:?}"
        );
        assert_eq!(
            ids(repo
                .unwarned_idle_open(t - micro * 2, t + micro, 10)
                .await
                .unwrap()),
            [before.id, first, second, after.id]
        );
        assert_eq!(
            ids(repo.unwarned_idle_open(t, t + micro, 1).await.unwrap()),
            [after.id]
        );
        // Warned for its current period: left out (an earlier period's warning does not
        // count, see the warning test).
        let exactly_stored = repo.by_ids(&[exactly.id]).await.unwrap().remove(0);
        assert!(
            repo.record_expiry_warning(&exactly_stored, t + TimeDelta::days(30), Utc::now())
                .await
                .unwrap()
        );
        assert_eq!(
            ids(repo.unwarned_idle_open(t - micro, t, 10).await.unwrap()),
            [exactly_too.id]
        );
        // The other readings of the warned one stay as they were.
        assert_eq!(
            ids(repo.idle_open(t, 10).await.unwrap()),
            [whole_second.id, before.id, first, second]
        );
    }
}

/// A UUID as an SQL literal of the back end's storage (SQLite keeps 16-byte blobs).
fn uuid_literal(backend: Backend, id: Uuid) -> String {
    match backend {
        Backend::Postgres => format!("'{id}'"),
        Backend::Sqlite => format!("X'{}'", id.simple()),
    }
}

#[tokio::test]
async fn an_expiry_warning_is_written_once_per_idle_period() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaPostingRepository::new(&db);
        let notifications = SeaNotificationRepository::new(&db);
        let ada = client(&db, "ada").await;
        // Given with nanoseconds, as the domain makes it: storage keeps microseconds,
        // and the warning still finds the stored last activity equal to the given one.
        let last = Utc::now() - TimeDelta::days(26) + TimeDelta::nanoseconds(123);
        let given = open_since(ada, last);
        let stored = repo.create(&given).await.unwrap();
        assert_eq!(stored.last_activity_at, at_rest(last));
        assert_eq!(
            repo.by_ids(&[given.id]).await.unwrap(),
            std::slice::from_ref(&stored)
        );
        let expires = domain::postings::expires_at(stored.last_activity_at);
        let now = Utc::now();
        assert!(
            repo.record_expiry_warning(&given, expires, now)
                .await
                .unwrap(),
            "{backend:?}"
        );
        assert!(
            !repo
                .record_expiry_warning(&given, expires, now)
                .await
                .unwrap()
        );
        assert!(
            !repo
                .record_expiry_warning(&stored, expires, now)
                .await
                .unwrap()
        );
        assert_eq!(
            guard
                .count("SELECT COUNT(*) FROM postings WHERE expiry_warned_for = last_activity_at")
                .await,
            1
        );
        // A warning is not an edit: the version stays.
        assert_eq!(
            repo.by_ids(&[given.id]).await.unwrap(),
            std::slice::from_ref(&stored)
        );
        let page = notifications
            .list(ada, true, &PageRequest::new(None, None).unwrap())
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1, "{backend:?}");
        let n = &page.items[0];
        assert_eq!(n.user_id, ada);
        assert_eq!(
            n.kind,
            NotificationKind::PostingExpiring {
                posting_id: given.id,
                expires_at: expires,
            }
        );
        assert_eq!(n.created_at, at_rest(now));
        assert_eq!(n.read_at, None);
        // Activity starts a new period: the old reading no longer matches, the new one
        // is warned once more.
        let later = Posting {
            last_activity_at: Utc::now() - TimeDelta::days(25),
            ..stored.clone()
        };
        let v2 = repo.save(&later, 1, None).await.unwrap().unwrap();
        let unwarned = async || {
            let from = v2.last_activity_at - TimeDelta::seconds(1);
            let ids: Vec<PostingId> = repo
                .unwarned_idle_open(from, v2.last_activity_at, 10)
                .await
                .unwrap()
                .into_iter()
                .map(|p| p.id)
                .collect();
            ids
        };
        assert_eq!(
            unwarned().await,
            [v2.id],
            "warned for an earlier period only"
        );
        assert!(
            !repo
                .record_expiry_warning(&stored, expires, now)
                .await
                .unwrap()
        );
        let expires2 = domain::postings::expires_at(v2.last_activity_at);
        assert!(
            repo.record_expiry_warning(&v2, expires2, now)
                .await
                .unwrap()
        );
        assert!(
            !repo
                .record_expiry_warning(&v2, expires2, now)
                .await
                .unwrap()
        );
        assert!(unwarned().await.is_empty());
        assert_eq!(notifications.unread_count(ada).await.unwrap(), 2);
        let keys = guard
            .count(&format!(
                "SELECT COUNT(*) FROM notifications WHERE dedupe_key = \
                 'posting-expiring:{}:{}'",
                given.id.0,
                v2.last_activity_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            ))
            .await;
        assert_eq!(keys, 1);
        // Only OPEN postings are warned.
        let paused = repo
            .create(&Posting {
                status: PostingStatus::Paused,
                ..open_since(ada, last)
            })
            .await
            .unwrap();
        assert!(
            !repo
                .record_expiry_warning(&paused, expires, now)
                .await
                .unwrap()
        );
        assert_eq!(guard.count("SELECT COUNT(*) FROM notifications").await, 2);
    }
}

#[tokio::test]
async fn the_expiry_reads_are_served_by_the_partial_index() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let conn = db.connection();
        let db_backend = match backend {
            Backend::Postgres => DbBackend::Postgres,
            Backend::Sqlite => DbBackend::Sqlite,
        };
        let now = Utc::now();
        for statement in [
            idle_open_query(now, 500).build(db_backend),
            unwarned_idle_open_query(now - TimeDelta::days(30), now, 500).build(db_backend),
        ] {
            let plan = crate::talent_search::explain_indexed(conn, statement)
                .await
                .unwrap();
            let text = plan.join("\n");
            assert!(
                text.contains("ix_postings_open_idle"),
                "{backend:?}:\n{text}"
            );
            // Read in index order: no sort step.
            assert!(
                !text.contains("TEMP B-TREE") && !text.contains("Sort"),
                "{backend:?}:\n{text}"
            );
        }
    }
}

#[tokio::test]
async fn by_ids_takes_four_statements_for_one_posting_or_fifty() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaPostingRepository::new(&db);
        let ada = client(&db, "ada").await;
        let mut ids = Vec::new();
        for i in 0..50 {
            let budget = budgets()[i % 3];
            ids.push(repo.create(&full_posting(ada, budget)).await.unwrap().id);
        }
        let (counting, statements) = guard.counting_pool().await;
        let counted = SeaPostingRepository::new(&counting);
        let before = statements.get();
        assert_eq!(counted.by_ids(&ids[..1]).await.unwrap().len(), 1);
        let one = statements.get() - before;
        let before = statements.get();
        let all = counted.by_ids(&ids).await.unwrap();
        let fifty = statements.get() - before;
        assert_eq!(all.iter().map(|p| p.id).collect::<Vec<_>>(), ids);
        assert!(
            all.iter()
                .all(|p| p.skills.len() == 2 && p.questions.len() == 2)
        );
        assert_eq!((one, fifty), (4, 4), "{backend:?}");
    }
}

/// Two expiry jobs racing on one database (two pools, as two processes would have):
/// each due posting is closed once, with one EXPIRE revision, and each client warned
/// once; nothing else is touched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_expiry_runs_close_and_warn_each_posting_exactly_once() {
    const DUE_TO_EXPIRE: u32 = 40;
    const DUE_FOR_WARNING: u32 = 30;
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaPostingRepository::new(&db);
        let ada = client(&db, "ada").await;
        let bob = client(&db, "bob").await;
        let now = Utc::now();
        let days = TimeDelta::days;
        let mut expected_closed = Vec::new();
        for i in 0..DUE_TO_EXPIRE {
            let who = if i % 2 == 0 { ada } else { bob };
            let last = now - days(30) - TimeDelta::minutes(i64::from(i));
            expected_closed.push(repo.create(&open_since(who, last)).await.unwrap().id);
        }
        for i in 0..DUE_FOR_WARNING {
            let who = if i % 2 == 0 { ada } else { bob };
            let last = now - days(27) + TimeDelta::minutes(i64::from(i));
            repo.create(&open_since(who, last)).await.unwrap();
        }
        // Not due: recent, paused or draft however old, and one already warned.
        repo.create(&open_since(ada, now - days(1))).await.unwrap();
        for status in [PostingStatus::Paused, PostingStatus::Draft] {
            repo.create(&Posting {
                status,
                ..open_since(bob, now - days(45))
            })
            .await
            .unwrap();
        }
        let warned = repo.create(&open_since(bob, now - days(26))).await.unwrap();
        assert!(
            repo.record_expiry_warning(&warned, now + days(4), now)
                .await
                .unwrap()
        );
        let taxonomy = |db: &Db| Arc::new(crate::SeaTaxonomyRepository::new(db));
        let second_pool = Db::connect(&guard.settings).await.unwrap();
        let invitations = |db: &Db| Arc::new(crate::SeaPostingInvitationRepository::new(db));
        let one = PostingService::new(Arc::new(repo.clone()), invitations(&db), taxonomy(&db));
        let two = PostingService::new(
            Arc::new(SeaPostingRepository::new(&second_pool)),
            invitations(&second_pool),
            taxonomy(&second_pool),
        );
        // Both pools connected, both jobs released at once.
        second_pool.ping().await.unwrap();
        let start = Arc::new(tokio::sync::Barrier::new(2));
        let race = |service: PostingService| {
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                service.run_expiry(now).await
            })
        };
        let (a, b) = tokio::join!(race(one), race(two));
        let (a, b) = (a.unwrap().unwrap(), b.unwrap().unwrap());
        assert_eq!(
            a.expired + b.expired,
            DUE_TO_EXPIRE,
            "{backend:?}: {a:?} {b:?}"
        );
        assert_eq!(
            a.warned + b.warned,
            DUE_FOR_WARNING,
            "{backend:?}: {a:?} {b:?}"
        );
        // Exactly the due ones closed, each once, each with one EXPIRE revision of the
        // OPEN posting it replaced.
        let closed = repo.by_ids(&expected_closed).await.unwrap();
        assert!(
            closed
                .iter()
                .all(|p| p.status == PostingStatus::Closed(CloseReason::Expired) && p.version == 2)
        );
        assert_eq!(
            guard
                .count("SELECT COUNT(*) FROM postings WHERE close_reason = 'EXPIRED'")
                .await,
            i64::from(DUE_TO_EXPIRE)
        );
        assert_eq!(
            guard
                .count("SELECT COUNT(*) FROM posting_revisions WHERE event = 'EXPIRE'")
                .await,
            i64::from(DUE_TO_EXPIRE)
        );
        let ids: Vec<PostingId> = closed.iter().map(|p| p.id).collect();
        let histories = repo.revisions(&ids).await.unwrap();
        assert_eq!(histories.len(), closed.len());
        for p in &closed {
            let history = &histories[&p.id];
            assert_eq!(history.len(), 1);
            assert_eq!(history[0].event, Some(PostingEvent::Expire));
            assert_eq!(history[0].actor, None);
            assert_eq!(history[0].before.status, PostingStatus::Open);
            assert_eq!(history[0].before.version, 1);
        }
        // One warning per warned posting: the ones due, plus the one warned before.
        assert_eq!(
            guard
                .count("SELECT COUNT(*) FROM notifications WHERE kind = 'POSTING_EXPIRING'")
                .await,
            i64::from(DUE_FOR_WARNING) + 1
        );
        assert_eq!(
            guard
                .count(
                    "SELECT COUNT(*) FROM (SELECT posting_id FROM notifications \
                     GROUP BY posting_id HAVING COUNT(*) > 1) twice"
                )
                .await,
            0
        );
        assert_eq!(
            guard
                .count(
                    "SELECT COUNT(*) FROM postings WHERE expiry_warned_for IS NOT NULL \
                     AND status = 'OPEN'"
                )
                .await,
            i64::from(DUE_FOR_WARNING) + 1
        );
        // Nothing else moved: not-due postings are still at version 1, unclosed.
        assert_eq!(
            guard
                .count("SELECT COUNT(*) FROM postings WHERE version <> 1")
                .await,
            i64::from(DUE_TO_EXPIRE)
        );
        // Run again: nothing left to do.
        let three = PostingService::new(Arc::new(repo.clone()), invitations(&db), taxonomy(&db));
        assert_eq!(three.run_expiry(now).await.unwrap(), ExpiryRun::default());
        second_pool.close().await.ok();
    }
}

#[tokio::test]
async fn the_database_keeps_each_postings_proposal_count() {
    use crate::entities::proposal;
    // A proposal row as the proposals feature will write one.
    let submitted = |id: Uuid, posting: PostingId, freelancer: UserId| proposal::ActiveModel {
        id: Set(id),
        posting_id: Set(posting.0),
        freelancer_id: Set(freelancer.0),
        agency_id: Set(None),
        status: Set("SUBMITTED".into()),
        bid_amount_minor: Set(40_000),
        bid_currency: Set("USD".into()),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        // The columns of 000019 keep their defaults, so the row fits the tables both
        // before and after it.
        ..Default::default()
    };
    use sea_orm::{ColumnTrait, QueryFilter};
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaPostingRepository::new(&db);
        let ada = client(&db, "ada").await;
        let budget = Budget::Fixed(usd(50_000));
        let first = repo.create(&full_posting(ada, budget)).await.unwrap();
        let second = repo.create(&full_posting(ada, budget)).await.unwrap();
        let first_id = uuid_literal(backend, first.id.0);
        let counts = || async {
            let a = guard
                .count(&format!(
                    "SELECT CAST(proposal_count AS BIGINT) FROM postings WHERE id = {}",
                    first_id
                ))
                .await;
            let total = guard
                .count("SELECT CAST(SUM(proposal_count) AS BIGINT) FROM postings")
                .await;
            (a, total)
        };
        let mut ids = Vec::new();
        for name in ["bo", "cy", "di"] {
            let freelancer = client(&db, name).await;
            let id = Uuid::now_v7();
            ids.push(id);
            proposal::Entity::insert(submitted(id, first.id, freelancer))
                .exec_without_returning(db.connection())
                .await
                .unwrap();
        }
        assert_eq!(counts().await, (3, 3), "{backend:?}: three written");
        // A change of state (withdrawn ones still count) leaves the count alone.
        proposal::Entity::update_many()
            .col_expr(proposal::Column::Status, "WITHDRAWN".into())
            .filter(proposal::Column::Id.eq(ids[0]))
            .exec(db.connection())
            .await
            .unwrap();
        assert_eq!(
            counts().await,
            (3, 3),
            "{backend:?}: withdrawn still counts"
        );
        proposal::Entity::update_many()
            .col_expr(proposal::Column::PostingId, second.id.0.into())
            .filter(proposal::Column::Id.eq(ids[1]))
            .exec(db.connection())
            .await
            .unwrap();
        assert_eq!(
            counts().await,
            (2, 3),
            "{backend:?}: one moved to the other"
        );
        proposal::Entity::delete_many()
            .filter(proposal::Column::Id.eq(ids[2]))
            .exec(db.connection())
            .await
            .unwrap();
        assert_eq!(counts().await, (1, 2), "{backend:?}: one deleted");
        // Statements of many rows: two written at once, then every proposal swapped
        // between the two postings in one update.
        let mut more = Vec::new();
        for name in ["ed", "fa"] {
            let freelancer = client(&db, name).await;
            more.push(submitted(Uuid::now_v7(), second.id, freelancer));
        }
        proposal::Entity::insert_many(more)
            .exec_without_returning(db.connection())
            .await
            .unwrap();
        assert_eq!(counts().await, (1, 4), "{backend:?}: two written at once");
        let swap = sea_orm::sea_query::CaseStatement::new()
            .case(proposal::Column::PostingId.eq(first.id.0), second.id.0)
            .finally(first.id.0);
        proposal::Entity::update_many()
            .col_expr(proposal::Column::PostingId, swap.into())
            .exec(db.connection())
            .await
            .unwrap();
        assert_eq!(
            counts().await,
            (3, 4),
            "{backend:?}: swapped in one statement"
        );
        // The triggers of the migration before (000018 down, with every migration after
        // it) count as well.
        let after_17 = db
            .migration_status()
            .await
            .unwrap()
            .iter()
            .rev()
            .take_while(|(name, _)| !name.contains("_000017_"))
            .count();
        db.migrate_down(u32::try_from(after_17).unwrap())
            .await
            .unwrap();
        let freelancer = client(&db, "gu").await;
        proposal::Entity::insert(submitted(Uuid::now_v7(), first.id, freelancer))
            .exec_without_returning(db.connection())
            .await
            .unwrap();
        assert_eq!(
            counts().await,
            (4, 5),
            "{backend:?}: counted after going down"
        );
        db.migrate_up().await.unwrap();
        // Emptied at once (PostgreSQL: TRUNCATE, which no row trigger sees).
        let empty = match backend {
            Backend::Postgres => "TRUNCATE proposals CASCADE",
            _ => "DELETE FROM proposals",
        };
        sea_orm::ConnectionTrait::execute_unprepared(db.connection(), empty)
            .await
            .unwrap();
        assert_eq!(counts().await, (0, 0), "{backend:?}: {empty}");
    }
}

/// Editing the questions keeps the row of each question that stays (so an answer that
/// refers to it, as proposals' answers will, survives the edit), updates it in place,
/// and deletes only the questions taken off.
#[tokio::test]
async fn questions_that_stay_keep_their_rows_across_edits() {
    for backend in backends() {
        // Answers to questions, whose rows may not go while answered. Made before the
        // pool below opens: a schema changed under an open SQLite connection is one it
        // must reload (see `Db`).
        let (guard, migrated) = TestDatabase::migrated(backend).await;
        migrated.close().await.unwrap();
        guard
            .execute(
                "CREATE TABLE answers (question_id UUID NOT NULL \
                 REFERENCES posting_questions (id) ON DELETE RESTRICT)",
            )
            .await;
        let db = Db::connect(&guard.settings).await.unwrap();
        let repo = SeaPostingRepository::new(&db);
        let ada = client(&db, "ada").await;
        let v1 = repo
            .create(&full_posting(ada, Budget::Fixed(usd(90_000))))
            .await
            .unwrap();
        let (kept, dropped) = (v1.questions[1].clone(), v1.questions[0].clone());
        let id = match backend {
            Backend::Postgres => format!("'{}'", kept.id),
            Backend::Sqlite => format!("X'{}'", kept.id.simple()),
        };
        guard
            .execute(&format!("INSERT INTO answers VALUES ({id})"))
            .await;
        let added = ScreeningQuestion {
            id: Uuid::now_v7(),
            kind: QuestionKind::Text,
            prompt: "Your notice period?".into(),
        };
        let mut after = v1.clone();
        after.questions = vec![
            ScreeningQuestion {
                prompt: "Can you overlap three hours with CET?".into(),
                ..kept.clone()
            },
            added.clone(),
        ];
        let v2 = save_edit(&repo, &v1, &after, ada).await;
        let stored = repo.by_ids(&[v1.id]).await.unwrap().remove(0);
        assert_eq!(stored.questions, v2.questions, "{backend:?}");
        assert_eq!(stored.questions[0].id, kept.id);
        assert_eq!(
            stored.questions[0].prompt,
            "Can you overlap three hours with CET?"
        );
        assert_eq!(stored.questions[1].id, added.id);
        assert!(!stored.questions.iter().any(|q| q.id == dropped.id));
        assert_eq!(
            guard.count("SELECT COUNT(*) FROM posting_questions").await,
            2,
            "{backend:?}"
        );
        // Without the answer, every question can go.
        guard.execute("DELETE FROM answers").await;
        let mut none = v2.clone();
        none.questions.clear();
        save_edit(&repo, &v2, &none, ada).await;
        assert_eq!(
            guard.count("SELECT COUNT(*) FROM posting_questions").await,
            0,
            "{backend:?}"
        );
    }
}
