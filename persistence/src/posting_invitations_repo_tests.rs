//! The posting invitations repository on SQLite, and on PostgreSQL when
//! `TEST_DATABASE_URL` is set: a new invitation is counted, stored and notified together
//! or not at all; EXPIRED is read from the posting; answers settle once; and who is
//! invited where is one statement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Utc;
use domain::agencies::{Agency, AgencyId, AgencyRepository, AgencyRole, AgencySkill, Member};
use domain::notifications::{NotificationKind, NotificationRepository};
use domain::pagination::PageRequest;
use domain::postings::{
    Budget, CloseReason, InviteWrite, Invitee, Posting, PostingInvitation, PostingInvitationEvent,
    PostingInvitationId, PostingInvitationRepository, PostingInvitationStatus as S,
    PostingRepository, PostingStatus,
};
use domain::profiles::{FreelancerProfile, ProfileId, ProfileRepository, Visibility};
use domain::taxonomy::SkillId;
use domain::{ErrorCode, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::entities::{agency_member, user};
use crate::postings_repo_tests::{client, full_posting};
use crate::testing::{TestDatabase, backends};
use crate::{
    Db, SeaAgencyRepository, SeaNotificationRepository, SeaPostingInvitationRepository,
    SeaPostingRepository,
};

/// A user with a freelancer profile.
async fn freelancer(db: &Db, name: &str) -> (UserId, ProfileId) {
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
        is_freelancer: Set(true),
        is_client: Set(false),
        is_admin: Set(false),
        status: Set("ACTIVE".into()),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(db.connection())
    .await
    .unwrap();
    let profile = FreelancerProfile {
        headline: format!("{name} builds backends"),
        ..FreelancerProfile::blank(ProfileId(Uuid::now_v7()), UserId(id), now)
    };
    crate::SeaProfileRepository::new(db)
        .create(&profile)
        .await
        .unwrap();
    (UserId(id), profile.id)
}

/// An agency owned by `owner`, with `members` as members.
async fn agency(db: &Db, owner: (UserId, ProfileId), members: &[(UserId, ProfileId)]) -> AgencyId {
    let now = Utc::now();
    let a = Agency {
        id: AgencyId(Uuid::now_v7()),
        name: "Acme Backends".into(),
        headline: String::new(),
        overview: String::new(),
        website: None,
        country: None,
        skills: vec![AgencySkill {
            skill_id: SkillId(crate::migration::skill_id("rust")),
            level: None,
        }],
        visibility: Visibility::Visible,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let first = Member {
        agency_id: a.id,
        user_id: owner.0,
        profile_id: owner.1,
        role: AgencyRole::Owner,
        joined_at: now,
        active: true,
        profile_public: true,
    };
    SeaAgencyRepository::new(db)
        .create(&a, &first)
        .await
        .unwrap();
    for (user, profile) in members {
        agency_member::Entity::insert(agency_member::ActiveModel {
            agency_id: Set(a.id.0),
            user_id: Set(user.0),
            profile_id: Set(profile.0),
            role: Set("MEMBER".into()),
            joined_at: Set(now),
        })
        .exec_without_returning(db.connection())
        .await
        .unwrap();
    }
    a.id
}

async fn open_posting(db: &Db, client: UserId) -> Posting {
    let budget = Budget::Fixed(domain::money::Money {
        amount_minor: 100_000,
        currency: domain::money::Currency::parse("EUR").unwrap(),
    });
    SeaPostingRepository::new(db)
        .create(&full_posting(client, budget))
        .await
        .unwrap()
}

async fn close(db: &Db, p: &Posting) {
    let repo = SeaPostingRepository::new(db);
    let now = repo.by_ids(&[p.id]).await.unwrap().remove(0);
    let closed = Posting {
        status: PostingStatus::Closed(CloseReason::Cancelled),
        ..now.clone()
    };
    assert!(
        repo.save(&closed, now.version, None)
            .await
            .unwrap()
            .is_some()
    );
}

fn invitation(p: &Posting, invitee: Invitee) -> PostingInvitation {
    PostingInvitation {
        id: PostingInvitationId(Uuid::now_v7()),
        posting_id: p.id,
        client_id: p.client_id,
        invitee,
        message: Some("We would love your proposal.".into()),
        status: S::Pending,
        decline_reason: None,
        created_at: Utc::now(),
        responded_at: None,
    }
}

fn to((user_id, profile_id): (UserId, ProfileId)) -> Invitee {
    Invitee::Freelancer {
        user_id,
        profile_id,
    }
}

fn written(w: InviteWrite) -> PostingInvitation {
    match w {
        InviteWrite::Written(i) => i,
        other => panic!("not written: {other:?}"),
    }
}

fn page(first: i64, after: Option<PostingInvitationId>) -> PageRequest<PostingInvitationId> {
    PageRequest::new(Some(first), after).unwrap()
}

/// (invitations counted on postings, invitation rows, notifications).
async fn counts(guard: &TestDatabase) -> (i64, i64, i64) {
    (
        guard
            .count("SELECT CAST(COALESCE(SUM(invite_count), 0) AS BIGINT) FROM postings")
            .await,
        guard
            .count("SELECT COUNT(*) FROM posting_invitations")
            .await,
        guard.count("SELECT COUNT(*) FROM notifications").await,
    )
}

#[tokio::test]
async fn an_invitation_is_counted_stored_and_notified_together_or_not_at_all() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaPostingInvitationRepository::new(&db);
        let notifications = SeaNotificationRepository::new(&db);
        let acme = client(&db, "acme").await;
        let ada = freelancer(&db, "ada").await;
        let bob = freelancer(&db, "bob").await;
        let cat = freelancer(&db, "cat").await;
        let agency_id = agency(&db, bob, &[cat]).await;
        let p = open_posting(&db, acme).await;
        let counts = || counts(&guard);

        let sent = written(
            repo.create(&invitation(&p, to(ada)), &[ada.0], 200)
                .await
                .unwrap(),
        );
        assert_eq!(counts().await, (1, 1, 1), "{backend:?}");
        assert_eq!(
            repo.by_ids(&[sent.id]).await.unwrap(),
            std::slice::from_ref(&sent)
        );
        let mine = notifications
            .list(ada.0, false, &PageRequest::new(Some(10), None).unwrap())
            .await
            .unwrap();
        assert_eq!(
            mine.items[0].kind,
            NotificationKind::PostingInvitation {
                posting_id: p.id,
                invitation_id: sent.id
            }
        );

        // A second live invitation for the same freelancer: refused, nothing written.
        let err = repo
            .create(&invitation(&p, to(ada)), &[ada.0], 200)
            .await
            .unwrap_err();
        assert_eq!(
            err.field_errors()[0].code,
            ErrorCode::Conflict,
            "{backend:?}"
        );
        assert_eq!(err.field_errors()[0].field, ["profileId"]);
        assert_eq!(counts().await, (1, 1, 1), "{backend:?}: rolled back");

        // An agency: its owners hear of it (here: Bob); then the same agency again.
        let to_agency = written(
            repo.create(&invitation(&p, Invitee::Agency(agency_id)), &[bob.0], 200)
                .await
                .unwrap(),
        );
        assert_eq!(counts().await, (2, 2, 2));
        let err = repo
            .create(&invitation(&p, Invitee::Agency(agency_id)), &[bob.0], 200)
            .await
            .unwrap_err();
        assert_eq!(err.field_errors()[0].field, ["agencyId"]);
        assert_eq!(counts().await, (2, 2, 2));

        // Full: the limit counts every invitation sent, whatever its answer.
        assert_eq!(
            repo.create(&invitation(&p, to(cat)), &[cat.0], 2)
                .await
                .unwrap(),
            InviteWrite::PostingFull
        );
        assert_eq!(counts().await, (2, 2, 2));

        // Once declined, the agency may be invited again (history stays).
        let declined = to_agency
            .apply(
                PostingInvitationEvent::Decline {
                    reason: Some("fully booked".into()),
                },
                Utc::now(),
            )
            .unwrap();
        assert!(repo.answer(&declined, bob.0).await.unwrap().is_some());
        written(
            repo.create(&invitation(&p, Invitee::Agency(agency_id)), &[bob.0], 200)
                .await
                .unwrap(),
        );
        assert_eq!(counts().await, (3, 3, 3));

        // A closed posting invites nobody.
        close(&db, &p).await;
        assert_eq!(
            repo.create(&invitation(&p, to(cat)), &[cat.0], 200)
                .await
                .unwrap(),
            InviteWrite::PostingNotOpen,
            "{backend:?}"
        );
        assert_eq!(counts().await, (3, 3, 3));
    }
}

#[tokio::test]
async fn expiry_is_read_from_the_posting_and_answers_settle_once() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaPostingInvitationRepository::new(&db);
        let acme = client(&db, "acme").await;
        let ada = freelancer(&db, "ada").await;
        let bob = freelancer(&db, "bob").await;
        let cat = freelancer(&db, "cat").await;
        let agency_id = agency(&db, bob, &[cat]).await;
        let p = open_posting(&db, acme).await;
        let q = open_posting(&db, acme).await;
        let to_ada = written(
            repo.create(&invitation(&p, to(ada)), &[], 200)
                .await
                .unwrap(),
        );
        let to_agency = written(
            repo.create(&invitation(&p, Invitee::Agency(agency_id)), &[], 200)
                .await
                .unwrap(),
        );
        let later = written(
            repo.create(&invitation(&q, to(ada)), &[], 200)
                .await
                .unwrap(),
        );

        // Only the invitee answers a freelancer's invitation; only an owner an agency's.
        let accept =
            |i: &PostingInvitation| i.apply(PostingInvitationEvent::Accept, Utc::now()).unwrap();
        assert!(
            repo.answer(&accept(&to_ada), bob.0)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            repo.answer(&accept(&to_agency), cat.0)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            repo.answer(&accept(&to_agency), ada.0)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            repo.by_ids(&[to_agency.id]).await.unwrap()[0].status,
            S::Pending
        );

        // Two answers at once: exactly one is stored.
        let decline = to_ada
            .apply(PostingInvitationEvent::Decline { reason: None }, Utc::now())
            .unwrap();
        let accepted = accept(&to_ada);
        let (x, y) = tokio::join!(repo.answer(&accepted, ada.0), repo.answer(&decline, ada.0));
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(
            usize::from(x.is_some()) + usize::from(y.is_some()),
            1,
            "{backend:?}"
        );
        let stored = repo.by_ids(&[to_ada.id]).await.unwrap().remove(0);
        assert_eq!(
            Some(stored.clone()),
            x.or(y),
            "what was stored is what is read"
        );
        assert!(stored.responded_at.is_some());

        // The posting closes: its pending invitation reads EXPIRED and takes no answer;
        // the answered one stays as it was; the other posting's is still pending.
        close(&db, &p).await;
        let after = repo
            .by_ids(&[to_ada.id, to_agency.id, later.id])
            .await
            .unwrap();
        let status_of = |id| after.iter().find(|i| i.id == id).unwrap().status;
        assert_eq!(status_of(to_agency.id), S::Expired, "{backend:?}");
        assert_eq!(status_of(to_ada.id), stored.status);
        assert_eq!(status_of(later.id), S::Pending);
        assert!(
            repo.answer(&accept(&to_agency), bob.0)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            repo.by_ids(&[to_agency.id]).await.unwrap()[0].status,
            S::Expired
        );

        // Listing by status as read.
        let listed = |statuses: Vec<S>| {
            let repo = &repo;
            async move {
                repo.of_invitee(bob.0, Some(agency_id), &statuses, &page(10, None))
                    .await
                    .unwrap()
                    .items
                    .iter()
                    .map(|i| i.id)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(listed(vec![S::Expired]).await, [to_agency.id]);
        assert!(listed(vec![S::Pending]).await.is_empty());
        assert_eq!(
            repo.count_of_invitee(ada.0, None, &[S::Pending])
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            repo.count_of_invitee(ada.0, None, &[]).await.unwrap(),
            2,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn who_is_invited_where_is_one_statement_and_lists_page_newest_first() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaPostingInvitationRepository::new(&db);
        let acme = client(&db, "acme").await;
        let ada = freelancer(&db, "ada").await;
        let bob = freelancer(&db, "bob").await;
        let cat = freelancer(&db, "cat").await;
        let dan = freelancer(&db, "dan").await;
        let agency_id = agency(&db, bob, &[cat]).await;
        let mut postings = Vec::new();
        for _ in 0..4 {
            postings.push(open_posting(&db, acme).await);
        }
        // Ada on 0 and 1; the agency on 1 and 2; nobody on 3.
        let mut sent = Vec::new();
        for (n, invitee) in [
            (0, to(ada)),
            (1, to(ada)),
            (1, Invitee::Agency(agency_id)),
            (2, Invitee::Agency(agency_id)),
        ] {
            sent.push(written(
                repo.create(&invitation(&postings[n], invitee), &[], 200)
                    .await
                    .unwrap(),
            ));
        }
        let ids: Vec<_> = postings.iter().map(|p| p.id).collect();
        let (counting, statements) = guard.counting_pool().await;
        let counted = SeaPostingInvitationRepository::new(&counting);
        let invited = |user: UserId| {
            let counted = &counted;
            let ids = &ids;
            async move {
                let mut found: Vec<usize> = counted
                    .invited_to(user, ids)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|p| ids.iter().position(|i| *i == p).unwrap())
                    .collect();
                found.sort_unstable();
                found
            }
        };
        let before = statements.get();
        assert_eq!(invited(ada.0).await, [0, 1], "{backend:?}");
        assert_eq!(statements.get() - before, 1, "one statement for the batch");
        // Members of the agency, owners or not, are invited with it.
        assert_eq!(invited(bob.0).await, [1, 2]);
        assert_eq!(invited(cat.0).await, [1, 2]);
        assert!(invited(dan.0).await.is_empty());
        assert!(counted.invited_to(ada.0, &[]).await.unwrap().is_empty());

        // Bob's own invitations and his agency's, newest first, two at a time.
        let first = repo
            .of_invitee(bob.0, Some(agency_id), &[], &page(1, None))
            .await
            .unwrap();
        assert_eq!(first.items, [sent[3].clone()], "{backend:?}");
        assert!(first.has_next_page);
        let second = repo
            .of_invitee(bob.0, Some(agency_id), &[], &page(5, Some(sent[3].id)))
            .await
            .unwrap();
        assert_eq!(second.items, [sent[2].clone()]);
        assert!(!second.has_next_page);
        // Without the agency (he does not own it), Bob has none.
        assert!(
            repo.of_invitee(bob.0, None, &[], &page(5, None))
                .await
                .unwrap()
                .items
                .is_empty()
        );
        // Each posting's, newest first, pages of one for all four in one statement.
        let before = statements.get();
        let pages = counted.of_postings(&ids, &page(1, None)).await.unwrap();
        assert_eq!(statements.get() - before, 1, "one statement for the batch");
        assert_eq!(pages.len(), 4, "{backend:?}");
        assert_eq!(pages[&ids[0]].items, [sent[0].clone()]);
        assert!(!pages[&ids[0]].has_next_page);
        assert_eq!(pages[&ids[1]].items, [sent[2].clone()]);
        assert!(pages[&ids[1]].has_next_page);
        assert_eq!(pages[&ids[2]].items, [sent[3].clone()]);
        assert!(pages[&ids[3]].items.is_empty() && !pages[&ids[3]].has_next_page);
        // The next page of posting 1, after its newest.
        let next = repo
            .of_postings(&[ids[1]], &page(10, Some(sent[2].id)))
            .await
            .unwrap();
        assert_eq!(next[&ids[1]].items, [sent[1].clone()]);
        assert!(!next[&ids[1]].has_next_page);
        let all = repo.of_postings(&ids, &page(10, None)).await.unwrap();
        assert_eq!(all[&ids[1]].items, [sent[2].clone(), sent[1].clone()]);
        let none = repo.of_postings(&ids, &page(0, None)).await.unwrap();
        assert!(none[&ids[1]].items.is_empty() && none[&ids[1]].has_next_page);
        assert!(
            repo.of_postings(&[], &page(5, None))
                .await
                .unwrap()
                .is_empty()
        );
        let before = statements.get();
        let counts = counted.count_of_postings(&ids).await.unwrap();
        assert_eq!(statements.get() - before, 1);
        assert_eq!(
            ids.iter().map(|i| counts[i]).collect::<Vec<_>>(),
            [1, 2, 1, 0],
            "{backend:?}"
        );
        counting.close().await.ok();
    }
}

/// Two invitations of the same freelancer at once: exactly one is written, and counted.
#[tokio::test]
async fn concurrent_duplicate_invitations_end_with_one_row() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let acme = client(&db, "acme").await;
        let ada = freelancer(&db, "ada").await;
        let p = open_posting(&db, acme).await;
        let second_pool = Db::connect(&guard.settings).await.unwrap();
        let one = SeaPostingInvitationRepository::new(&db);
        let two = SeaPostingInvitationRepository::new(&second_pool);
        let (a, b) = (invitation(&p, to(ada)), invitation(&p, to(ada)));
        let notify = [ada.0];
        let (x, y) = tokio::join!(one.create(&a, &notify, 200), two.create(&b, &notify, 200));
        let outcomes = [x, y];
        let won = outcomes
            .iter()
            .filter(|o| matches!(o, Ok(InviteWrite::Written(_))))
            .count();
        let conflicts = outcomes
            .iter()
            .filter(|o| {
                o.as_ref()
                    .err()
                    .is_some_and(|e| e.field_errors()[0].code == ErrorCode::Conflict)
            })
            .count();
        assert_eq!((won, conflicts), (1, 1), "{backend:?}: {outcomes:?}");
        assert_eq!(counts(&guard).await, (1, 1, 1), "{backend:?}");
        second_pool.close().await.ok();
    }
}

/// An answer racing the posting's close: the close, taken first, holds the posting; the
/// answer waits for it and then finds the posting closed, so no invitation is accepted
/// on a posting closed before the acceptance was stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_waits_for_a_close_in_progress_and_then_fails() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let acme = client(&db, "acme").await;
        let ada = freelancer(&db, "ada").await;
        let p = open_posting(&db, acme).await;
        let repo = SeaPostingInvitationRepository::new(&db);
        let sent = written(
            repo.create(&invitation(&p, to(ada)), &[], 200)
                .await
                .unwrap(),
        );
        let accepted = sent
            .apply(PostingInvitationEvent::Accept, Utc::now())
            .unwrap();

        if backend == crate::Backend::Postgres {
            // Only the invitation's own posting is locked: a write in progress on
            // another posting does not hold up the answer.
            let bob = freelancer(&db, "bob").await;
            let to_bob = written(
                repo.create(&invitation(&p, to(bob)), &[], 200)
                    .await
                    .unwrap(),
            );
            let other = open_posting(&db, acme).await;
            let busy_pool = Db::connect(&guard.settings).await.unwrap();
            let busy = busy_pool.connection().begin().await.unwrap();
            busy.execute_unprepared(&format!(
                "UPDATE postings SET title = 'Busy' WHERE id = '{}'",
                other.id.0
            ))
            .await
            .unwrap();
            let declined = to_bob
                .apply(PostingInvitationEvent::Decline { reason: None }, Utc::now())
                .unwrap();
            let answered = tokio::time::timeout(
                std::time::Duration::from_secs(3),
                repo.answer(&declined, bob.0),
            )
            .await
            .expect("held up by another posting's lock")
            .unwrap();
            assert!(answered.is_some());
            busy.rollback().await.unwrap();
            busy_pool.close().await.ok();
        }

        let closing_pool = Db::connect(&guard.settings).await.unwrap();
        let closing = closing_pool.connection().begin().await.unwrap();
        let id = match backend {
            crate::Backend::Postgres => format!("'{}'", p.id.0),
            crate::Backend::Sqlite => format!("X'{}'", p.id.0.simple()),
        };
        closing
            .execute_unprepared(&format!(
                "UPDATE postings SET status = 'CLOSED', close_reason = 'CANCELLED' WHERE id = {id}"
            ))
            .await
            .unwrap();
        let answering = tokio::spawn(async move { repo.answer(&accepted, ada.0).await });
        match backend {
            // A statement is seen waiting on the close's transaction.
            crate::Backend::Postgres => {
                let closer: i32 = closing
                    .query_one_raw(sea_orm::Statement::from_string(
                        sea_orm::DbBackend::Postgres,
                        "SELECT pg_backend_pid() AS pid",
                    ))
                    .await
                    .unwrap()
                    .unwrap()
                    .try_get("", "pid")
                    .unwrap();
                let watcher = Db::connect(&guard.settings).await.unwrap();
                let waiting = sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    format!(
                        "SELECT COUNT(*) AS n FROM pg_stat_activity \
                         WHERE {closer} = ANY(pg_blocking_pids(pid))"
                    ),
                );
                let started = std::time::Instant::now();
                loop {
                    let row = watcher
                        .connection()
                        .query_one_raw(waiting.clone())
                        .await
                        .unwrap()
                        .unwrap();
                    if row.try_get::<i64>("", "n").unwrap() > 0 {
                        break;
                    }
                    assert!(
                        !answering.is_finished(),
                        "{backend:?}: the answer did not wait for the close"
                    );
                    assert!(
                        started.elapsed() < std::time::Duration::from_secs(10),
                        "{backend:?}: the answer never waited on the close"
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
                watcher.close().await.ok();
            }
            // SQLite's one writer: the answer waits for the write lock (busy timeout).
            crate::Backend::Sqlite => {
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            }
        }
        assert!(
            !answering.is_finished(),
            "{backend:?}: the answer did not wait for the close"
        );
        closing.commit().await.unwrap();
        let answered = answering.await.unwrap().unwrap();
        assert!(
            answered.is_none(),
            "{backend:?}: accepted on a closed posting"
        );
        closing_pool.close().await.ok();
    }
}
