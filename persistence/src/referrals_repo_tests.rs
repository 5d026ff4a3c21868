//! The referral repository on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is
//! set: one referral per referrer, freelancer and posting under concurrency, a
//! referrer's list newest first in keyset pages, and a proposal's referrals by
//! (posting, freelancer) in one statement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Utc;
use domain::UserId;
use domain::pagination::PageRequest;
use domain::postings::Posting;
use domain::proposals::{Referral, ReferralId, ReferralRepository, ReferralWrite};
use uuid::Uuid;

use crate::SeaReferralRepository;
use crate::postings_repo_tests::client;
use crate::proposal_messages_repo_tests::open_posting;
use crate::testing::{TestDatabase, backends};

fn referral(posting: &Posting, freelancer: UserId, referrer: UserId, note: &str) -> Referral {
    Referral {
        id: ReferralId(Uuid::now_v7()),
        posting_id: posting.id,
        freelancer_id: freelancer,
        referrer_id: referrer,
        note: note.into(),
        created_at: Utc::now(),
    }
}

#[tokio::test]
async fn ten_concurrent_identical_referrals_leave_one() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaReferralRepository::new(&db);
        let (posting, _) = open_posting(&db).await;
        let fay = client(&db, "fay").await;
        let rita = client(&db, "rita").await;
        let attempts: Vec<_> = (0..10)
            .map(|i| {
                let repo = repo.clone();
                let r = referral(&posting, fay, rita, &format!("attempt {i}"));
                tokio::spawn(async move { repo.create(&r).await.unwrap() })
            })
            .collect();
        let (mut written, mut duplicates) = (0, 0);
        for attempt in attempts {
            match attempt.await.unwrap() {
                ReferralWrite::Written(_) => written += 1,
                ReferralWrite::Duplicate => duplicates += 1,
            }
        }
        assert_eq!((written, duplicates), (1, 9), "{backend:?}");
        assert_eq!(
            guard.count("SELECT COUNT(*) FROM referrals").await,
            1,
            "{backend:?}"
        );
        // Another referrer, or another freelancer, is another referral.
        let otto = client(&db, "otto").await;
        for r in [
            referral(&posting, fay, otto, "from otto"),
            referral(&posting, otto, rita, "rita on otto"),
        ] {
            let outcome = repo.create(&r).await.unwrap();
            assert!(
                matches!(outcome, ReferralWrite::Written(ref w) if w.note == r.note),
                "{backend:?}: {outcome:?}"
            );
        }
    }
}

#[tokio::test]
async fn referrals_list_newest_first_and_are_found_by_candidate() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaReferralRepository::new(&db);
        let (first, _) = open_posting(&db).await;
        let (second, _) = open_posting(&db).await;
        let rita = client(&db, "rita").await;
        let otto = client(&db, "otto").await;
        let fay = client(&db, "fay").await;
        let gus = client(&db, "gus").await;
        let mut made = Vec::new();
        for (posting, freelancer, referrer, note) in [
            (&first, fay, rita, "r1"),
            (&first, gus, rita, "r2"),
            (&second, fay, rita, "r3"),
            (&first, fay, otto, "o1"),
        ] {
            match repo
                .create(&referral(posting, freelancer, referrer, note))
                .await
                .unwrap()
            {
                ReferralWrite::Written(r) => made.push(r),
                other => panic!("{other:?}"),
            }
        }
        let mut notes = Vec::new();
        let mut after = None;
        loop {
            let page = PageRequest::new(Some(2), after).unwrap();
            let found = repo.of_referrer(rita, &page).await.unwrap();
            notes.push(
                found
                    .items
                    .iter()
                    .map(|r| r.note.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            );
            after = found.items.last().map(|r| r.id);
            if !found.has_next_page {
                break;
            }
        }
        assert_eq!(notes, ["r3,r2", "r1"], "{backend:?}: rita's, newest first");
        let found = repo
            .of_candidates(&[(first.id, fay), (second.id, gus)])
            .await
            .unwrap();
        let notes: Vec<&str> = found.iter().map(|r| r.note.as_str()).collect();
        assert_eq!(
            notes,
            ["o1", "r1"],
            "{backend:?}: fay's on the first posting only"
        );
        assert_eq!(found[1], made[0], "{backend:?}: reads back as made");
    }
}
