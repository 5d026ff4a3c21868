//! The proposals repository on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is
//! set: concurrent duplicates, the posting's state as the last word, compare-and-set
//! changes with their history, a posting's close closing its proposals, keyset lists in
//! every sort, and pipelines whose stages cannot go while proposals are in them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeDelta, Utc};
use domain::UserId;
use domain::money::{Currency, Money};
use domain::pagination::PageRequest;
use domain::postings::{
    Budget, BudgetKind, CloseReason, Posting, PostingEvent, PostingRepository, PostingStatus,
    Revision,
};
use domain::proposals::{
    Answer, AnswerValue, ChangeKind, Milestone, Pipeline, PipelineWrite, Proposal, ProposalChange,
    ProposalCursor, ProposalFilter, ProposalId, ProposalRepository, ProposalSort, ProposalStatus,
    ProposalTerms, StageId, StageKind, SubmitWrite,
};
use uuid::Uuid;

use crate::postings_repo_tests::{client, full_posting};
use crate::testing::{TestDatabase, backends};
use crate::{Db, SeaPostingRepository, SeaProposalRepository};

fn usd(amount_minor: i64) -> Money {
    Money {
        amount_minor,
        currency: Currency::parse("USD").unwrap(),
    }
}

/// A fixed-price proposal of `freelancer` on `posting` bidding `bid`, with an answer
/// and two milestones.
fn proposal(posting: &Posting, freelancer: UserId, bid: i64) -> Proposal {
    let now = Utc::now();
    Proposal {
        id: ProposalId(Uuid::now_v7()),
        posting_id: posting.id,
        freelancer_id: freelancer,
        agency_id: None,
        status: ProposalStatus::Submitted,
        status_reason: None,
        terms: ProposalTerms {
            cover_letter: "I built a payments ledger in Rust and ran it for three years.".into(),
            bid: usd(bid),
            bid_kind: BudgetKind::Fixed,
            duration_days: Some(30),
            answers: vec![Answer {
                question_id: posting.questions[0].id,
                prompt: posting.questions[0].prompt.clone(),
                value: AnswerValue::Link("https://example.com/ledger".into()),
            }],
            milestones: vec![
                Milestone {
                    title: "Design".into(),
                    amount: usd(bid / 2),
                },
                Milestone {
                    title: "Build".into(),
                    amount: usd(bid - bid / 2),
                },
            ],
        },
        match_score: 50,
        scorecard_score: 0,
        version: 1,
        created_at: now,
        updated_at: now,
        first_viewed_at: None,
    }
}

fn submitted(p: &Proposal) -> ProposalChange {
    ProposalChange {
        proposal_id: p.id,
        at: p.created_at,
        actor: Some(p.freelancer_id),
        kind: ChangeKind::Submitted,
        status: p.status,
        stage_name: None,
        reason: None,
    }
}

/// An open fixed-price posting of a new client's, with no deadline.
async fn open_posting(db: &Db) -> Posting {
    let owner = client(db, "owner").await;
    let posting = Posting {
        deadline: None,
        ..full_posting(owner, Budget::Fixed(usd(500_000)))
    };
    SeaPostingRepository::new(db)
        .create(&posting)
        .await
        .unwrap()
}

/// A submitted proposal of `freelancer` on `posting` (which asks no questions).
pub(crate) async fn submitted_proposal(
    repo: &SeaProposalRepository,
    posting: &Posting,
    freelancer: UserId,
) -> Proposal {
    let now = Utc::now();
    let p = Proposal {
        id: ProposalId(Uuid::now_v7()),
        posting_id: posting.id,
        freelancer_id: freelancer,
        agency_id: None,
        status: ProposalStatus::Submitted,
        status_reason: None,
        terms: ProposalTerms {
            cover_letter: "I built a payments ledger in Rust and ran it for three years.".into(),
            bid: usd(100_000),
            bid_kind: BudgetKind::Fixed,
            duration_days: Some(30),
            answers: vec![],
            milestones: vec![],
        },
        match_score: 50,
        scorecard_score: 0,
        version: 1,
        created_at: now,
        updated_at: now,
        first_viewed_at: None,
    };
    submit(repo, &p).await
}

/// Saves `event` of `before` (the posting as read) moving it to `status`, by `actor`
/// (`None`: the platform), with its revision: the posting as stored, or `None` when it
/// changed since it was read.
async fn save_event(
    postings: &SeaPostingRepository,
    before: &Posting,
    status: PostingStatus,
    event: PostingEvent,
    actor: Option<UserId>,
) -> Option<Posting> {
    let after = Posting {
        status,
        updated_at: Utc::now(),
        ..before.clone()
    };
    let revision = Revision {
        posting_id: before.id,
        version: before.version,
        at: Utc::now(),
        actor,
        event: Some(event),
        before: before.clone(),
    };
    postings
        .save(&after, before.version, Some(&revision))
        .await
        .unwrap()
}

async fn submit(repo: &SeaProposalRepository, p: &Proposal) -> Proposal {
    match repo.submit(p, &submitted(p)).await.unwrap() {
        SubmitWrite::Written(stored) => *stored,
        other => panic!("not written: {other:?}"),
    }
}

#[tokio::test]
async fn twenty_concurrent_submissions_of_one_freelancer_leave_one_proposal() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let posting = open_posting(&db).await;
        let freelancer = client(&db, "fay").await;
        let repo = SeaProposalRepository::new(&db);
        let attempts: Vec<_> = (0..20)
            .map(|i| {
                let repo = repo.clone();
                let p = proposal(&posting, freelancer, 100_000 + i);
                tokio::spawn(async move { repo.submit(&p, &submitted(&p)).await.unwrap() })
            })
            .collect();
        let mut written = 0;
        let mut duplicates = 0;
        for attempt in attempts {
            match attempt.await.unwrap() {
                SubmitWrite::Written(_) => written += 1,
                SubmitWrite::AlreadyApplied => duplicates += 1,
                SubmitWrite::PostingNotOpen => panic!("{backend:?}: the posting is open"),
            }
        }
        assert_eq!((written, duplicates), (1, 19), "{backend:?}");
        assert_eq!(
            guard.count("SELECT COUNT(*) FROM proposals").await,
            1,
            "{backend:?}"
        );
        assert_eq!(
            guard.count("SELECT COUNT(*) FROM proposal_changes").await,
            1,
            "{backend:?}: one history entry"
        );
        assert_eq!(
            guard
                .count("SELECT CAST(SUM(proposal_count) AS BIGINT) FROM postings")
                .await,
            1,
            "{backend:?}: counted once"
        );
        assert_eq!(
            guard
                .count("SELECT COUNT(*) FROM proposal_milestones")
                .await,
            2,
            "{backend:?}: one plan"
        );
    }
}

#[tokio::test]
async fn a_proposal_reads_back_as_submitted_and_marks_its_posting_active() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let posting = open_posting(&db).await;
        let freelancer = client(&db, "fay").await;
        let repo = SeaProposalRepository::new(&db);
        let p = proposal(&posting, freelancer, 120_000);
        let stored = submit(&repo, &p).await;
        assert_eq!(stored.terms, p.terms, "{backend:?}");
        assert_eq!(
            (stored.status, stored.version, stored.freelancer_id),
            (ProposalStatus::Submitted, 1, freelancer)
        );
        let after = SeaPostingRepository::new(&db)
            .by_ids(&[posting.id])
            .await
            .unwrap()
            .remove(0);
        assert!(
            after.last_activity_at > posting.last_activity_at,
            "{backend:?}: a proposal is activity"
        );
        assert_eq!(after.version, posting.version, "{backend:?}: not an edit");
    }
}

#[tokio::test]
async fn the_posting_state_in_storage_has_the_last_word() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let postings = SeaPostingRepository::new(&db);
        let repo = SeaProposalRepository::new(&db);
        let posting = open_posting(&db).await;
        let early = submit(&repo, &proposal(&posting, client(&db, "a").await, 90_000)).await;
        let late = client(&db, "b").await;
        // Past its deadline in storage (the service's own check was passed earlier).
        let past = Posting {
            deadline: Some(Utc::now() - TimeDelta::minutes(1)),
            ..posting.clone()
        };
        let past = postings
            .save(&past, posting.version, None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            repo.submit(
                &proposal(&posting, late, 1),
                &submitted(&proposal(&posting, late, 1))
            )
            .await
            .unwrap(),
            SubmitWrite::PostingNotOpen,
            "{backend:?}: past the deadline"
        );
        // Closing the posting closes its open proposals, with their history.
        let cancelled = CloseReason::Cancelled;
        save_event(
            &postings,
            &past,
            PostingStatus::Closed(cancelled),
            PostingEvent::Close(cancelled),
            Some(past.client_id),
        )
        .await
        .expect("nothing else edits the posting");
        let now = repo.by_ids(&[early.id]).await.unwrap().remove(0);
        assert_eq!(now.status, ProposalStatus::Closed, "{backend:?}");
        assert_eq!(now.version, early.version + 1);
        let history = repo
            .histories(&[early.id])
            .await
            .unwrap()
            .remove(&early.id)
            .unwrap();
        let kinds: Vec<_> = history.iter().map(|c| (c.kind, c.actor)).collect();
        assert_eq!(
            kinds,
            vec![
                (ChangeKind::Submitted, Some(early.freelancer_id)),
                (ChangeKind::Closed, Some(past.client_id))
            ],
            "{backend:?}"
        );
        assert_eq!(
            repo.submit(
                &proposal(&posting, late, 1),
                &submitted(&proposal(&posting, late, 1))
            )
            .await
            .unwrap(),
            SubmitWrite::PostingNotOpen,
            "{backend:?}: closed"
        );
    }
}

#[tokio::test]
async fn an_expiry_does_not_close_a_posting_that_had_a_proposal_since_it_was_read() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let postings = SeaPostingRepository::new(&db);
        let repo = SeaProposalRepository::new(&db);
        let read = open_posting(&db).await;
        submit(&repo, &proposal(&read, client(&db, "a").await, 90_000)).await;
        assert_eq!(
            save_event(
                &postings,
                &read,
                PostingStatus::Closed(CloseReason::Expired),
                PostingEvent::Expire,
                None,
            )
            .await,
            None,
            "{backend:?}: the proposal came after the expiry job read the posting"
        );
    }
}

#[tokio::test]
async fn changes_are_compare_and_set_with_their_history() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let posting = open_posting(&db).await;
        let freelancer = client(&db, "fay").await;
        let repo = SeaProposalRepository::new(&db);
        let first = submit(&repo, &proposal(&posting, freelancer, 100_000)).await;
        let mut edited = first.clone();
        edited.terms.cover_letter = "Edited: I also ran the on-call rotation for it.".into();
        edited.terms.answers.clear();
        edited.terms.milestones.truncate(0);
        let change = ProposalChange {
            kind: ChangeKind::Edited,
            ..submitted(&first)
        };
        let saved = repo.save(&edited, 1, &change, true).await.unwrap().unwrap();
        assert_eq!(
            (saved.version, &saved.terms),
            (2, &edited.terms),
            "{backend:?}"
        );
        assert_eq!(
            repo.save(&edited, 1, &change, true).await.unwrap(),
            None,
            "{backend:?}: stale"
        );
        // A view moves the version on once: an edit planned before it is stale.
        repo.mark_viewed(&[first.id], Utc::now()).await.unwrap();
        repo.mark_viewed(&[first.id], Utc::now()).await.unwrap();
        let viewed = repo.by_ids(&[first.id]).await.unwrap().remove(0);
        assert_eq!(viewed.version, 3, "{backend:?}");
        assert!(viewed.first_viewed_at.is_some());
        let history = repo
            .histories(&[first.id])
            .await
            .unwrap()
            .remove(&first.id)
            .unwrap();
        assert_eq!(history.len(), 2, "{backend:?}");
    }
}

#[tokio::test]
async fn a_stage_that_holds_proposals_is_not_removed() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let posting = open_posting(&db).await;
        let repo = SeaProposalRepository::new(&db);
        let template = Pipeline::template_for(posting.id);
        assert!(repo.pipelines(&[posting.id]).await.unwrap().is_empty());
        assert_eq!(
            repo.save_pipeline(posting.id, 0, &template).await.unwrap(),
            PipelineWrite::Written
        );
        assert_eq!(
            repo.save_pipeline(posting.id, 0, &template).await.unwrap(),
            PipelineWrite::Stale,
            "{backend:?}: the template was stored once"
        );
        let stored = repo
            .pipelines(&[posting.id])
            .await
            .unwrap()
            .remove(&posting.id)
            .unwrap();
        assert_eq!(
            (stored.version, &stored.pipeline),
            (1, &template),
            "{backend:?}"
        );
        let coding = template.stages()[2].id;
        assert_eq!(template.stages()[2].kind, StageKind::CodingTask);
        let p = submit(&repo, &proposal(&posting, client(&db, "fay").await, 1_000)).await;
        let moved = Proposal {
            status: ProposalStatus::InEvaluation(coding),
            ..p.clone()
        };
        let change = ProposalChange {
            kind: ChangeKind::Moved,
            status: moved.status,
            stage_name: Some("Coding task".into()),
            ..submitted(&p)
        };
        let moved = repo.save(&moved, 1, &change, false).await.unwrap().unwrap();
        assert_eq!(
            moved.status,
            ProposalStatus::InEvaluation(coding),
            "{backend:?}"
        );
        assert_eq!(repo.count_in_stage(coding).await.unwrap(), 1);
        let mut without = template.clone();
        without.remove(coding, 0).unwrap();
        assert_eq!(
            repo.save_pipeline(posting.id, 1, &without).await.unwrap(),
            PipelineWrite::StageInUse(1),
            "{backend:?}"
        );
        let still = repo
            .pipelines(&[posting.id])
            .await
            .unwrap()
            .remove(&posting.id)
            .unwrap();
        assert_eq!(
            (still.version, &still.pipeline),
            (1, &template),
            "{backend:?}: unchanged"
        );
        // Moving to a stage that is gone is refused by the key, and changes nothing.
        let mut reordered = template.clone();
        let mut order: Vec<StageId> = template.stages().iter().map(|s| s.id).collect();
        order.reverse();
        reordered.reorder(&order).unwrap();
        reordered.remove(template.stages()[0].id, 0).unwrap();
        assert_eq!(
            repo.save_pipeline(posting.id, 1, &reordered).await.unwrap(),
            PipelineWrite::Written
        );
        let gone = template.stages()[0].id;
        let to_gone = Proposal {
            status: ProposalStatus::InEvaluation(gone),
            ..moved.clone()
        };
        let err = repo
            .save(&to_gone, moved.version, &change, false)
            .await
            .unwrap_err();
        assert_eq!(err.field_errors()[0].field, ["stageId"], "{backend:?}");
        let after = repo.by_ids(&[p.id]).await.unwrap().remove(0);
        assert_eq!(after, moved, "{backend:?}: nothing changed");
        let stored = repo
            .pipelines(&[posting.id])
            .await
            .unwrap()
            .remove(&posting.id)
            .unwrap();
        assert_eq!(
            (stored.version, &stored.pipeline),
            (2, &reordered),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn a_postings_proposals_page_in_every_sort_and_a_users_newest_first() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let posting = open_posting(&db).await;
        let repo = SeaProposalRepository::new(&db);
        let mut all = Vec::new();
        // Bids and scores with ties, so the ID breaks them.
        for (i, (bid, score)) in [(300, 70), (100, 90), (200, 70), (100, 40), (500, 90)]
            .into_iter()
            .enumerate()
        {
            let freelancer = client(&db, &format!("f{i}")).await;
            let p = Proposal {
                match_score: score,
                ..proposal(&posting, freelancer, bid * 100)
            };
            all.push(submit(&repo, &p).await);
        }
        let expected = |sort: ProposalSort| -> Vec<ProposalId> {
            let mut v = all.clone();
            match sort {
                ProposalSort::Newest => v.sort_by_key(|p| std::cmp::Reverse(p.id)),
                ProposalSort::Match => {
                    v.sort_by_key(|p| std::cmp::Reverse((p.match_score, p.id)));
                }
                ProposalSort::Bid => v.sort_by(|a, b| {
                    (a.terms.bid.amount_minor, a.id).cmp(&(b.terms.bid.amount_minor, b.id))
                }),
                // No cards: every score is 0, so newest first.
                ProposalSort::Score => v.sort_by_key(|p| std::cmp::Reverse(p.id)),
            }
            v.into_iter().map(|p| p.id).collect()
        };
        for sort in [
            ProposalSort::Newest,
            ProposalSort::Match,
            ProposalSort::Bid,
            ProposalSort::Score,
        ] {
            let mut seen = Vec::new();
            let mut after = None;
            loop {
                let page = repo
                    .of_posting(
                        posting.id,
                        &ProposalFilter::default(),
                        sort,
                        &PageRequest::new(Some(2), after).unwrap(),
                    )
                    .await
                    .unwrap();
                seen.extend(page.items.iter().map(|p| p.id));
                match page.items.last() {
                    Some(last) if page.has_next_page => {
                        after = Some(ProposalCursor::after(sort, last));
                    }
                    _ => break,
                }
            }
            assert_eq!(seen, expected(sort), "{backend:?} {sort:?}");
        }
        let shortlisted = Proposal {
            status: ProposalStatus::Shortlisted,
            ..all[1].clone()
        };
        let change = ProposalChange {
            kind: ChangeKind::Shortlisted,
            status: shortlisted.status,
            ..submitted(&all[1])
        };
        repo.save(&shortlisted, 1, &change, false)
            .await
            .unwrap()
            .unwrap();
        let only = ProposalFilter {
            statuses: vec!["SHORTLISTED"],
            stage: None,
        };
        let page = repo
            .of_posting(
                posting.id,
                &only,
                ProposalSort::Newest,
                &PageRequest::new(None, None).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(
            page.items.iter().map(|p| p.id).collect::<Vec<_>>(),
            vec![all[1].id],
            "{backend:?}"
        );
        assert_eq!(repo.count_of_posting(posting.id, &only).await.unwrap(), 1);
        assert_eq!(
            repo.count_of_posting(posting.id, &ProposalFilter::default())
                .await
                .unwrap(),
            5
        );
        let mine = repo
            .of_user(
                all[3].freelancer_id,
                None,
                &PageRequest::new(None, None).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(
            mine.items.iter().map(|p| p.id).collect::<Vec<_>>(),
            vec![all[3].id],
            "{backend:?}"
        );
    }
}

/// Withdrawals racing with the posting's close (on several threads, so they overlap on
/// PostgreSQL): each proposal ends either withdrawn or closed, its history ending with
/// the one final change that won, never both.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_close_racing_with_withdrawals_leaves_final_states_final() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let postings = SeaPostingRepository::new(&db);
        let repo = SeaProposalRepository::new(&db);
        let posting = open_posting(&db).await;
        let mut all = Vec::new();
        for i in 0..8 {
            let freelancer = client(&db, &format!("f{i}")).await;
            all.push(submit(&repo, &proposal(&posting, freelancer, 1_000 + i)).await);
        }
        let withdrawals: Vec<_> = all
            .iter()
            .map(|p| {
                let repo = repo.clone();
                let withdrawn = Proposal {
                    status: ProposalStatus::Withdrawn,
                    status_reason: Some("Booked elsewhere.".into()),
                    ..p.clone()
                };
                let change = ProposalChange {
                    kind: ChangeKind::Withdrawn,
                    status: ProposalStatus::Withdrawn,
                    reason: withdrawn.status_reason.clone(),
                    ..submitted(p)
                };
                tokio::spawn(async move { repo.save(&withdrawn, 1, &change, false).await })
            })
            .collect();
        let filled = CloseReason::Filled;
        save_event(
            &postings,
            &posting,
            PostingStatus::Closed(filled),
            PostingEvent::Close(filled),
            Some(posting.client_id),
        )
        .await
        .expect("nothing else edits the posting");
        for w in withdrawals {
            w.await.unwrap().unwrap();
        }
        let ids: Vec<ProposalId> = all.iter().map(|p| p.id).collect();
        let histories = repo.histories(&ids).await.unwrap();
        for p in repo.by_ids(&ids).await.unwrap() {
            let kinds: Vec<ChangeKind> = histories[&p.id].iter().map(|c| c.kind).collect();
            let finals = kinds
                .iter()
                .filter(|k| matches!(k, ChangeKind::Withdrawn | ChangeKind::Closed))
                .count();
            assert_eq!(finals, 1, "{backend:?}: {kinds:?}");
            let last = histories[&p.id].last().unwrap();
            assert_eq!(last.status, p.status, "{backend:?}: {kinds:?}");
            assert!(
                matches!(p.status, ProposalStatus::Withdrawn | ProposalStatus::Closed),
                "{backend:?}: {:?}",
                p.status
            );
        }
    }
}

/// Every sort of a posting's proposals, first page and after a cursor, is read in
/// index order: no full scan and no sort of the rows.
#[tokio::test]
async fn every_sort_of_a_postings_proposals_reads_an_index_in_order() {
    use sea_orm::{QuerySelect, QueryTrait};
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let posting = open_posting(&db).await;
        let id = ProposalId(Uuid::now_v7());
        for (sort, after) in [
            (ProposalSort::Newest, ProposalCursor::Newest(id)),
            (ProposalSort::Match, ProposalCursor::Match { score: 50, id }),
            (
                ProposalSort::Bid,
                ProposalCursor::Bid {
                    amount_minor: 5_000,
                    id,
                },
            ),
            (
                ProposalSort::Score,
                ProposalCursor::Score { score: 300, id },
            ),
        ] {
            for after in [None, Some(after)] {
                let statement = crate::proposals_repo::of_posting_query(
                    posting.id,
                    &ProposalFilter::default(),
                    sort,
                    after,
                )
                .limit(21)
                .build(db.connection().get_database_backend());
                let plan = crate::talent_search::explain_indexed(db.connection(), statement)
                    .await
                    .unwrap();
                let label = format!("{backend:?} {sort:?} after {after:?}");
                crate::talent_search::assert_no_full_scan(&label, &plan);
                assert!(
                    !plan
                        .iter()
                        .any(|l| l.trim_start().starts_with("Sort") || l.contains("TEMP B-TREE")),
                    "{label}: the rows are sorted, not read in order:\n{}",
                    plan.join("\n")
                );
            }
        }
    }
}
