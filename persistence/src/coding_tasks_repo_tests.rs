//! The coding task repository on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is
//! set: submissions replaced until the due time and taken once late after it,
//! cancellation only before a submission (and a submission racing a cancellation: one
//! wins), open proposals only, lists in the order assigned.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, TimeDelta, Utc};
use domain::proposals::{
    AssignWrite, CodingTask, CodingTaskRepository, CodingTaskStatus, ProposalId, SubmissionWrite,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::entities::proposal;
use crate::interviews_repo_tests::{stored_stages, task};
use crate::postings_repo_tests::client;
use crate::proposal_messages_repo_tests::{open_posting, proposal_row};
use crate::testing::{TestDatabase, backends};
use crate::{Db, SeaCodingTaskRepository};

async fn assigned(repo: &SeaCodingTaskRepository, t: CodingTask) -> CodingTask {
    match repo.assign(&t).await.unwrap() {
        AssignWrite::Written(stored) => *stored,
        other => panic!("not assigned: {other:?}"),
    }
}

async fn submitted(
    repo: &SeaCodingTaskRepository,
    t: &CodingTask,
    link: &str,
    at: DateTime<Utc>,
) -> CodingTask {
    match repo.submit(t.id, link, at).await.unwrap() {
        SubmissionWrite::Submitted(stored) => *stored,
        other => panic!("not submitted: {other:?}"),
    }
}

async fn setting(
    db: &Db,
) -> (
    domain::UserId,
    Vec<domain::proposals::Stage>,
    ProposalId,
    domain::postings::Posting,
) {
    let (posting, owner) = open_posting(db).await;
    let stages = stored_stages(db, &posting).await;
    let fay = client(db, "fay").await;
    let p = proposal_row(db, &posting, fay).await;
    (owner, stages, p, posting)
}

#[tokio::test]
async fn submissions_are_replaced_until_the_due_time_and_taken_once_late() {
    // The repository decides by the time it is given: a submission "now" and one "a
    // minute after the due time".
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaCodingTaskRepository::new(&db);
        let (owner, stages, p, _) = setting(&db).await;
        let due = Utc::now() + TimeDelta::days(2);
        let on_time = assigned(&repo, task(p, &stages[2], owner, due)).await;
        assert_eq!(on_time.stage.name, "Coding task");
        assert_eq!(
            on_time.instructions,
            "Build a small ledger.\nTests included."
        );
        let first = submitted(&repo, &on_time, "https://github.com/fay/ledger", Utc::now()).await;
        assert_eq!(first.status, CodingTaskStatus::Submitted);
        assert!(!first.late());
        let second = submitted(
            &repo,
            &on_time,
            "https://github.com/fay/ledger2",
            Utc::now(),
        )
        .await;
        assert_eq!(
            second.submission_link.as_deref(),
            Some("https://github.com/fay/ledger2"),
            "{backend:?}: replaced before the due time"
        );
        // The due time passes: the submission stands.
        let after_due = due + TimeDelta::minutes(1);
        assert_eq!(
            repo.submit(on_time.id, "https://github.com/fay/ledger3", after_due)
                .await
                .unwrap(),
            SubmissionWrite::Refused,
            "{backend:?}"
        );
        let stored = &repo.by_ids(&[on_time.id]).await.unwrap()[0];
        assert_eq!(
            stored.submission_link.as_deref(),
            Some("https://github.com/fay/ledger2")
        );
        assert!(!stored.late(), "{backend:?}: submitted before the due time");
        // A task with nothing submitted by its due time takes one late submission.
        let overdue = assigned(&repo, task(p, &stages[2], owner, due)).await;
        let late = submitted(&repo, &overdue, "https://gitlab.com/fay/x", after_due).await;
        assert!(late.late(), "{backend:?}");
        assert_eq!(
            repo.submit(overdue.id, "https://gitlab.com/fay/y", after_due)
                .await
                .unwrap(),
            SubmissionWrite::Refused
        );
        let listed = repo.of_proposals(&[p]).await.unwrap();
        assert_eq!(
            listed[&p].iter().map(|t| t.id).collect::<Vec<_>>(),
            [on_time.id, overdue.id],
            "in the order assigned"
        );
    }
}

#[tokio::test]
async fn a_task_is_cancelled_only_before_a_submission() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaCodingTaskRepository::new(&db);
        let (owner, stages, p, _) = setting(&db).await;
        let due = Utc::now() + TimeDelta::days(2);
        let open = assigned(&repo, task(p, &stages[2], owner, due)).await;
        let cancelled = repo
            .cancel(open.id, Some("We filled the role"), Utc::now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (cancelled.status, cancelled.cancel_reason.as_deref()),
            (CodingTaskStatus::Cancelled, Some("We filled the role"))
        );
        assert_eq!(repo.cancel(open.id, None, Utc::now()).await.unwrap(), None);
        assert_eq!(
            repo.submit(open.id, "https://github.com/fay/x", Utc::now())
                .await
                .unwrap(),
            SubmissionWrite::Refused,
            "{backend:?}: a cancelled task takes nothing"
        );
        let done = assigned(&repo, task(p, &stages[2], owner, due)).await;
        submitted(&repo, &done, "https://github.com/fay/y", Utc::now()).await;
        assert_eq!(
            repo.cancel(done.id, None, Utc::now()).await.unwrap(),
            None,
            "{backend:?}: a submitted task stays"
        );
        // A submission racing a cancellation: exactly one of them lands.
        for _ in 0..5 {
            let raced = assigned(&repo, task(p, &stages[2], owner, due)).await;
            let (submission, cancellation) = tokio::join!(
                repo.submit(raced.id, "https://github.com/fay/z", Utc::now()),
                repo.cancel(raced.id, None, Utc::now())
            );
            let submitted = matches!(submission.unwrap(), SubmissionWrite::Submitted(_));
            let cancelled = cancellation.unwrap().is_some();
            assert!(submitted ^ cancelled, "{backend:?}: one wins");
            let stored = &repo.by_ids(&[raced.id]).await.unwrap()[0];
            let want = if submitted {
                CodingTaskStatus::Submitted
            } else {
                CodingTaskStatus::Cancelled
            };
            assert_eq!(stored.status, want);
        }
    }
}

#[tokio::test]
async fn coding_tasks_are_for_open_proposals() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaCodingTaskRepository::new(&db);
        let (owner, stages, p, _) = setting(&db).await;
        let due = Utc::now() + TimeDelta::days(2);
        let before = assigned(&repo, task(p, &stages[2], owner, due)).await;
        proposal::Entity::update_many()
            .col_expr(proposal::Column::Status, Expr::value("DECLINED"))
            .filter(proposal::Column::Id.eq(p.0))
            .exec(db.connection())
            .await
            .unwrap();
        assert_eq!(
            repo.assign(&task(p, &stages[2], owner, due)).await.unwrap(),
            AssignWrite::ProposalNotOpen,
            "{backend:?}"
        );
        assert_eq!(
            repo.submit(before.id, "https://github.com/fay/x", Utc::now())
                .await
                .unwrap(),
            SubmissionWrite::ProposalNotOpen
        );
        assert_eq!(guard.count("SELECT COUNT(*) FROM coding_tasks").await, 1);
    }
}
