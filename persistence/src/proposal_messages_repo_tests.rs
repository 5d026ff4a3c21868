//! The message repository on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set:
//! keyset pages newest first, many threads' pages and latest messages in one statement,
//! read marks that never move backwards (also when marks race), unread counts of
//! others' messages, messages only on open proposals, each moving its posting's
//! activity on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeDelta, Utc};
use domain::UserId;
use domain::money::{Currency, Money};
use domain::postings::{Budget, Posting, PostingRepository};
use domain::proposals::access::Side;
use domain::proposals::{
    MessageId, MessageRepository, ProposalId, ProposalMessage, SendWrite, ThreadPage, ThreadState,
};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entities::proposal;
use crate::postings_repo_tests::{client, full_posting};
use crate::testing::{TestDatabase, backends};
use crate::{Db, SeaMessageRepository, SeaPostingRepository};

/// An open fixed-price posting of a new client's, with no deadline: it and its client.
pub(crate) async fn open_posting(db: &Db) -> (Posting, UserId) {
    let owner = client(db, "owner").await;
    let budget = Budget::Fixed(Money {
        amount_minor: 500_000,
        currency: Currency::parse("USD").unwrap(),
    });
    let posting = Posting {
        deadline: None,
        ..full_posting(owner, budget)
    };
    let stored = SeaPostingRepository::new(db)
        .create(&posting)
        .await
        .unwrap();
    (stored, owner)
}

/// A SUBMITTED proposal row of `freelancer` on `posting` (the columns later migrations
/// add keep their defaults).
pub(crate) async fn proposal_row(db: &Db, posting: &Posting, freelancer: UserId) -> ProposalId {
    let id = Uuid::now_v7();
    proposal::Entity::insert(proposal::ActiveModel {
        id: Set(id),
        posting_id: Set(posting.id.0),
        freelancer_id: Set(freelancer.0),
        agency_id: Set(None),
        status: Set("SUBMITTED".into()),
        bid_amount_minor: Set(40_000),
        bid_currency: Set("USD".into()),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_without_returning(db.connection())
    .await
    .unwrap();
    ProposalId(id)
}

fn message(proposal: ProposalId, sender: UserId, side: Side, body: &str) -> ProposalMessage {
    ProposalMessage {
        id: MessageId(Uuid::now_v7()),
        proposal_id: proposal,
        sender_id: sender,
        side,
        body: body.into(),
        sent_at: Utc::now(),
    }
}

async fn send(
    repo: &SeaMessageRepository,
    posting: &Posting,
    m: ProposalMessage,
) -> ProposalMessage {
    let state = ThreadState::Open {
        posting: posting.id,
    };
    match repo.send(&m, state).await.unwrap() {
        SendWrite::Sent(stored) => stored,
        other => panic!("not sent: {other:?}"),
    }
}

/// A posting with a proposal: (posting, client, freelancer, proposal).
async fn thread(db: &Db, name: &str) -> (Posting, UserId, UserId, ProposalId) {
    let (posting, owner) = open_posting(db).await;
    let freelancer = client(db, name).await;
    let proposal = proposal_row(db, &posting, freelancer).await;
    (posting, owner, freelancer, proposal)
}

fn bodies(messages: &[ProposalMessage]) -> Vec<&str> {
    messages.iter().map(|m| m.body.as_str()).collect()
}

#[tokio::test]
async fn a_thread_reads_newest_first_in_keyset_pages() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaMessageRepository::new(&db);
        let (posting, owner, fay, p) = thread(&db, "fay").await;
        let mut sent = Vec::new();
        for i in 1..=5 {
            let (who, side) = if i % 2 == 1 {
                (owner, Side::Client)
            } else {
                (fay, Side::Freelancer)
            };
            sent.push(send(&repo, &posting, message(p, who, side, &format!("m{i}"))).await);
        }
        assert_eq!(sent[1].side, Side::Freelancer);
        let page = |after: Option<MessageId>| ThreadPage {
            proposal: p,
            after,
            first: 2,
        };
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let mut found = repo.pages(&[page(after)], 3).await.unwrap();
            let items = found.remove(&page(after)).unwrap();
            // Three fetched for a page of two: the third says that more follow.
            let more = items.len() > 2;
            let shown: Vec<ProposalMessage> = items.into_iter().take(2).collect();
            after = shown.last().map(|m| m.id);
            seen.push(bodies(&shown).join(","));
            if !more {
                break;
            }
        }
        assert_eq!(seen, ["m5,m4", "m3,m2", "m1"], "{backend:?}");
        let stored = repo.message(sent[3].id).await.unwrap().unwrap();
        assert_eq!(stored, sent[3], "{backend:?}: reads back as sent");
    }
}

/// Pages of many threads, their latest messages and their unread counts take one
/// statement each, however many threads; a thread asked for with two cursors takes a
/// second round.
#[tokio::test]
async fn many_threads_are_read_in_a_fixed_number_of_statements() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaMessageRepository::new(&db);
        let (posting, owner) = open_posting(&db).await;
        let mut threads = Vec::new();
        for (i, n) in [0usize, 1, 3, 4].into_iter().enumerate() {
            let freelancer = client(&db, &format!("f{i}")).await;
            let p = proposal_row(&db, &posting, freelancer).await;
            for k in 1..=n {
                let m = message(p, freelancer, Side::Freelancer, &format!("t{i}m{k}"));
                send(&repo, &posting, m).await;
            }
            threads.push((p, n));
        }
        let (counting, statements) = guard.counting_pool().await;
        let counted = SeaMessageRepository::new(&counting);
        let ids: Vec<ProposalId> = threads.iter().map(|(p, _)| *p).collect();
        let first_pages: Vec<ThreadPage> = ids
            .iter()
            .map(|p| ThreadPage {
                proposal: *p,
                after: None,
                first: 2,
            })
            .collect();
        let before = statements.get();
        let found = counted.pages(&first_pages, 3).await.unwrap();
        assert_eq!(statements.get() - before, 1, "{backend:?}: one statement");
        let got: Vec<Vec<&str>> = first_pages.iter().map(|p| bodies(&found[p])).collect();
        assert_eq!(
            got,
            [
                vec![],
                vec!["t1m1"],
                vec!["t2m3", "t2m2", "t2m1"],
                vec!["t3m4", "t3m3", "t3m2"]
            ],
            "{backend:?}"
        );
        // The last thread again, after its first page, beside its first page.
        let second = ThreadPage {
            proposal: ids[3],
            after: Some(found[&first_pages[3]][1].id),
            first: 2,
        };
        let before = statements.get();
        let found = counted
            .pages(&[first_pages[3], second, first_pages[2]], 3)
            .await
            .unwrap();
        assert_eq!(statements.get() - before, 2, "{backend:?}: two rounds");
        assert_eq!(bodies(&found[&second]), ["t3m2", "t3m1"], "{backend:?}");
        assert_eq!(bodies(&found[&first_pages[2]]), ["t2m3", "t2m2", "t2m1"]);
        let before = statements.get();
        let last = counted.last_messages(&ids).await.unwrap();
        assert_eq!(statements.get() - before, 1, "{backend:?}: one statement");
        assert_eq!(last.len(), 3, "{backend:?}: the empty thread has none");
        assert_eq!(last[&ids[1]].body, "t1m1");
        assert_eq!(last[&ids[2]].body, "t2m3");
        assert_eq!(last[&ids[3]].body, "t3m4");
        let before = statements.get();
        let unread = counted.unread_counts(owner, &ids).await.unwrap();
        assert_eq!(statements.get() - before, 1, "{backend:?}: one statement");
        let unread: Vec<u64> = ids
            .iter()
            .map(|p| unread.get(p).copied().unwrap_or(0))
            .collect();
        assert_eq!(unread, [0, 1, 3, 4], "{backend:?}");
        counting.close().await.ok();
    }
}

#[tokio::test]
async fn read_marks_never_move_backwards_and_own_messages_are_never_unread() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaMessageRepository::new(&db);
        let (posting, owner, fay, p) = thread(&db, "fay").await;
        let mut ids = Vec::new();
        for (who, side, body) in [
            (owner, Side::Client, "hello"),
            (owner, Side::Client, "are you free in May?"),
            (fay, Side::Freelancer, "yes"),
            (fay, Side::Freelancer, "from the 4th"),
        ] {
            ids.push(send(&repo, &posting, message(p, who, side, body)).await.id);
        }
        let unread = |user: UserId| {
            let repo = repo.clone();
            async move {
                repo.unread_counts(user, &[p])
                    .await
                    .unwrap()
                    .get(&p)
                    .copied()
                    .unwrap_or(0)
            }
        };
        // Sending moved each sender's mark to their own message.
        assert_eq!(
            (unread(owner).await, unread(fay).await),
            (2, 0),
            "{backend:?}"
        );
        repo.mark_read(p, owner, ids[2], Utc::now()).await.unwrap();
        assert_eq!(unread(owner).await, 1, "{backend:?}");
        repo.mark_read(p, owner, ids[0], Utc::now()).await.unwrap();
        assert_eq!(unread(owner).await, 1, "{backend:?}: not backwards");
        // Marks racing each other, in any order: the latest one wins.
        let marks: Vec<_> = [3usize, 0, 2, 1, 3, 0, 1, 2, 0, 1]
            .into_iter()
            .map(|i| {
                let repo = repo.clone();
                let id = ids[i];
                tokio::spawn(async move { repo.mark_read(p, owner, id, Utc::now()).await })
            })
            .collect();
        for mark in marks {
            mark.await.unwrap().unwrap();
        }
        assert_eq!(unread(owner).await, 0, "{backend:?}");
        assert_eq!(
            guard
                .count("SELECT COUNT(*) FROM proposal_message_reads")
                .await,
            2,
            "{backend:?}: one mark per party"
        );
        let (fresh, _) = guard.counting_pool().await;
        let row = crate::entities::proposal_message_read::Entity::find()
            .filter(crate::entities::proposal_message_read::Column::UserId.eq(owner.0))
            .one(fresh.connection())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.last_read_message_id, ids[3].0, "{backend:?}");
        fresh.close().await.ok();
    }
}

#[tokio::test]
async fn a_message_lands_only_on_an_open_proposal_and_is_posting_activity() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaMessageRepository::new(&db);
        let postings = SeaPostingRepository::new(&db);
        let (posting, owner, _, p) = thread(&db, "fay").await;
        // The posting was last active a day ago.
        let day_ago = Utc::now() - TimeDelta::days(1);
        let idle = crate::entities::posting::ActiveModel {
            id: Set(posting.id.0),
            last_activity_at: Set(day_ago),
            ..Default::default()
        };
        crate::entities::posting::Entity::update(idle)
            .exec(db.connection())
            .await
            .unwrap();
        let sent = send(&repo, &posting, message(p, owner, Side::Client, "hi")).await;
        let after = postings.by_ids(&[posting.id]).await.unwrap().remove(0);
        assert_eq!(
            after.last_activity_at, sent.sent_at,
            "{backend:?}: a message is activity"
        );
        assert_eq!(after.version, posting.version, "{backend:?}: not an edit");
        // An older message (a slow sender) does not move the activity back.
        let mut late = message(p, owner, Side::Client, "late");
        late.sent_at = sent.sent_at - TimeDelta::minutes(5);
        send(&repo, &posting, late).await;
        let after = postings.by_ids(&[posting.id]).await.unwrap().remove(0);
        assert_eq!(after.last_activity_at, sent.sent_at, "{backend:?}");
        // Withdrawn meanwhile: storage refuses, and keeps nothing of it.
        proposal::Entity::update_many()
            .col_expr(proposal::Column::Status, "WITHDRAWN".into())
            .filter(proposal::Column::Id.eq(p.0))
            .exec(db.connection())
            .await
            .unwrap();
        let refused = repo
            .send(
                &message(p, owner, Side::Client, "still there?"),
                ThreadState::Open {
                    posting: posting.id,
                },
            )
            .await
            .unwrap();
        assert_eq!(refused, SendWrite::ProposalNotOpen, "{backend:?}");
        assert_eq!(
            guard.count("SELECT COUNT(*) FROM proposal_messages").await,
            2,
            "{backend:?}"
        );
        let after = postings.by_ids(&[posting.id]).await.unwrap().remove(0);
        assert_eq!(after.last_activity_at, sent.sent_at, "{backend:?}");
    }
}
