//! Evaluators and scorecards on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is
//! set: concurrent additions never pass the limit, a card replaces the evaluator's own
//! for its proposal and stage, and the proposal's score follows its cards.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Utc;
use domain::UserId;
use domain::money::{Currency, Money};
use domain::pagination::PageRequest;
use domain::postings::{Budget, Posting, PostingRepository};
use domain::proposals::{
    Criterion, EvaluatorRepository, EvaluatorWrite, Pipeline, PipelineWrite, ProposalCursor,
    ProposalFilter, ProposalRepository, ProposalSort, Rating, Scorecard, ScorecardId,
    ScorecardRepository,
};
use uuid::Uuid;

use crate::postings_repo_tests::{client, full_posting};
use crate::testing::{TestDatabase, backends};
use crate::{SeaEvaluationRepository, SeaPostingRepository, SeaProposalRepository};

async fn open_posting(db: &crate::Db) -> Posting {
    let owner = client(db, "owner").await;
    let usd = Currency::parse("USD").unwrap();
    let posting = Posting {
        deadline: None,
        questions: vec![],
        ..full_posting(
            owner,
            Budget::Fixed(Money {
                amount_minor: 500_000,
                currency: usd,
            }),
        )
    };
    SeaPostingRepository::new(db)
        .create(&posting)
        .await
        .unwrap()
}

#[tokio::test]
async fn concurrent_additions_never_pass_the_limit_and_each_user_is_added_once() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let posting = open_posting(&db).await;
        let repo = SeaEvaluationRepository::new(&db);
        let mut users = Vec::new();
        for i in 0..8 {
            users.push(client(&db, &format!("e{i}")).await);
        }
        let adds: Vec<_> = users
            .iter()
            .map(|u| {
                let repo = repo.clone();
                let (p, u) = (posting.id, *u);
                tokio::spawn(async move { repo.add(p, u, Utc::now(), 3).await.unwrap() })
            })
            .collect();
        let mut added = 0;
        for a in adds {
            match a.await.unwrap() {
                EvaluatorWrite::Added => added += 1,
                EvaluatorWrite::Full => {}
                other => panic!("{backend:?}: {other:?}"),
            }
        }
        assert_eq!(added, 3, "{backend:?}");
        assert_eq!(
            guard.count("SELECT COUNT(*) FROM posting_evaluators").await,
            3
        );
        let listed = repo
            .of_postings(&[posting.id])
            .await
            .unwrap()
            .remove(&posting.id)
            .unwrap();
        assert_eq!(listed.len(), 3, "{backend:?}");
        assert_eq!(
            repo.add(posting.id, listed[0].user_id, Utc::now(), 10)
                .await
                .unwrap(),
            EvaluatorWrite::Already
        );
        assert_eq!(
            repo.add(posting.id, UserId(Uuid::now_v7()), Utc::now(), 10)
                .await
                .unwrap(),
            EvaluatorWrite::NoSuchUser
        );
        let evaluating = repo
            .evaluating(listed[0].user_id, &[posting.id])
            .await
            .unwrap();
        assert!(evaluating.contains(&posting.id), "{backend:?}");
        assert!(repo.remove(posting.id, listed[0].user_id).await.unwrap());
        assert!(!repo.remove(posting.id, listed[0].user_id).await.unwrap());
    }
}

#[tokio::test]
async fn a_card_replaces_its_evaluators_own_and_the_score_follows_the_cards() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let posting = open_posting(&db).await;
        let proposals = SeaProposalRepository::new(&db);
        let repo = SeaEvaluationRepository::new(&db);
        let pipeline = Pipeline::template_for(posting.id);
        assert_eq!(
            proposals
                .save_pipeline(posting.id, 0, &pipeline)
                .await
                .unwrap(),
            PipelineWrite::Written
        );
        let stage = pipeline.stages()[1].id;
        let freelancer = client(&db, "fay").await;
        let p =
            crate::proposals_repo_tests::submitted_proposal(&proposals, &posting, freelancer).await;
        let (eva, ben) = (client(&db, "eva").await, client(&db, "ben").await);
        let card = |by: UserId, r: Rating| Scorecard {
            id: ScorecardId(Uuid::now_v7()),
            proposal_id: p.id,
            stage_id: stage,
            evaluator_id: by,
            criteria: vec![Criterion {
                name: "Rust".into(),
                rating: r,
                notes: None,
            }],
            recommendation: r,
            notes: None,
            submitted_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let first = repo.save(&card(eva, Rating::StrongYes)).await.unwrap();
        repo.save(&card(ben, Rating::No)).await.unwrap();
        let again = repo.save(&card(eva, Rating::Yes)).await.unwrap();
        assert_eq!(again.id, first.id, "{backend:?}: replaced, not added");
        assert_eq!(again.submitted_at, first.submitted_at);
        assert_eq!(again.recommendation, Rating::Yes);
        assert_eq!(guard.count("SELECT COUNT(*) FROM scorecards").await, 2);
        assert_eq!(
            guard.count("SELECT COUNT(*) FROM scorecard_criteria").await,
            2
        );
        let stored = proposals.by_ids(&[p.id]).await.unwrap().remove(0);
        assert_eq!(
            stored.scorecard_score, 300,
            "{backend:?}: (4 + 2) / 2 × 100"
        );
        assert_eq!(
            stored.version, p.version,
            "{backend:?}: not a change of the proposal"
        );
        // The stage with cards stays.
        let mut without = pipeline.clone();
        without.remove(stage, 0).unwrap();
        assert_eq!(
            proposals
                .save_pipeline(posting.id, 1, &without)
                .await
                .unwrap(),
            PipelineWrite::StageInUse(0),
            "{backend:?}"
        );
        let page = proposals
            .of_posting(
                posting.id,
                &ProposalFilter::default(),
                ProposalSort::Score,
                &PageRequest::<ProposalCursor>::new(None, None).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1);
    }
}

/// Cards of six evaluators saved at once (on several threads): the proposal's score is
/// the average of all six, none lost to a concurrent recomputation.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_cards_all_count_in_the_score() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let posting = open_posting(&db).await;
        let proposals = SeaProposalRepository::new(&db);
        let repo = SeaEvaluationRepository::new(&db);
        let pipeline = Pipeline::template_for(posting.id);
        proposals
            .save_pipeline(posting.id, 0, &pipeline)
            .await
            .unwrap();
        let stage = pipeline.stages()[0].id;
        let freelancer = client(&db, "fay").await;
        let p =
            crate::proposals_repo_tests::submitted_proposal(&proposals, &posting, freelancer).await;
        let ratings = [
            Rating::StrongYes,
            Rating::StrongYes,
            Rating::Yes,
            Rating::Mixed,
            Rating::No,
            Rating::StrongNo,
        ];
        let mut saves = Vec::new();
        for (i, r) in ratings.into_iter().enumerate() {
            let by = client(&db, &format!("e{i}")).await;
            let repo = repo.clone();
            let card = Scorecard {
                id: ScorecardId(Uuid::now_v7()),
                proposal_id: p.id,
                stage_id: stage,
                evaluator_id: by,
                criteria: vec![],
                recommendation: r,
                notes: None,
                submitted_at: Utc::now(),
                updated_at: Utc::now(),
            };
            saves.push(tokio::spawn(async move { repo.save(&card).await.unwrap() }));
        }
        for s in saves {
            s.await.unwrap();
        }
        let stored = proposals.by_ids(&[p.id]).await.unwrap().remove(0);
        // (5 + 5 + 4 + 3 + 2 + 1) / 6 = 3.33
        assert_eq!(stored.scorecard_score, 333, "{backend:?}");
    }
}
