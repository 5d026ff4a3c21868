//! The interview repository on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is
//! set: overlapping interviews of an interviewer refused (back-to-back ones are not),
//! cancelled interviews and those of final proposals not counting, ten concurrent
//! overlapping schedules leaving one, reschedules checked without themselves and
//! resetting the confirmation, open proposals only, stages kept while they have
//! interviews or coding tasks, and the migration going down and up again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use domain::UserId;
use domain::postings::Posting;
use domain::proposals::{
    AssignWrite, CodingTask, CodingTaskId, CodingTaskRepository, CodingTaskStatus, Interview,
    InterviewId, InterviewRepository, InterviewStatus, InterviewWrite, Interviewer, Pipeline,
    PipelineWrite, ProposalId, ProposalRepository, Stage, StageKind,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entities::proposal;
use crate::postings_repo_tests::client;
use crate::proposal_messages_repo_tests::{open_posting, proposal_row};
use crate::testing::{TestDatabase, backends};
use crate::{Db, SeaCodingTaskRepository, SeaInterviewRepository, SeaProposalRepository};

/// The posting's pipeline, stored (the template): its stages.
pub(crate) async fn stored_stages(db: &Db, posting: &Posting) -> Vec<Stage> {
    let pipeline = Pipeline::template_for(posting.id);
    let written = SeaProposalRepository::new(db)
        .save_pipeline(posting.id, 0, &pipeline)
        .await
        .unwrap();
    assert_eq!(written, PipelineWrite::Written);
    pipeline.stages().to_vec()
}

/// Tomorrow at `hour`:`minute` UTC, on whole minutes.
fn tomorrow_at(hour: i64, minute: i64) -> DateTime<Utc> {
    (Utc::now() + TimeDelta::days(1))
        .duration_trunc(TimeDelta::days(1))
        .unwrap()
        + TimeDelta::hours(hour)
        + TimeDelta::minutes(minute)
}

pub(crate) fn interview(
    proposal: ProposalId,
    stage: &Stage,
    interviewers: &[UserId],
    starts_at: DateTime<Utc>,
    minutes: u16,
) -> Interview {
    let now = Utc::now();
    Interview {
        id: InterviewId(Uuid::now_v7()),
        proposal_id: proposal,
        stage: stage.clone(),
        stage_position: 1,
        starts_at,
        duration_minutes: minutes,
        time_zone: "Europe/Berlin".into(),
        meeting_link: Some("https://meet.example.com/abc".into()),
        interviewers: interviewers
            .iter()
            .map(|u| Interviewer {
                user_id: *u,
                display_name: String::new(),
            })
            .collect(),
        status: InterviewStatus::Scheduled,
        confirmed_at: None,
        cancel_reason: None,
        cancelled_at: None,
        scheduled_by: interviewers[0],
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// Schedules and expects it stored.
async fn scheduled(repo: &SeaInterviewRepository, i: Interview) -> Interview {
    match repo.schedule(&i).await.unwrap() {
        InterviewWrite::Written(stored) => *stored,
        other => panic!("not scheduled: {other:?}"),
    }
}

/// A posting with a stored pipeline and a proposal: (posting, client, stages,
/// proposal).
async fn setting(db: &Db) -> (Posting, UserId, Vec<Stage>, ProposalId) {
    let (posting, owner) = open_posting(db).await;
    let stages = stored_stages(db, &posting).await;
    let fay = client(db, "fay").await;
    let proposal = proposal_row(db, &posting, fay).await;
    (posting, owner, stages, proposal)
}

async fn set_status(db: &Db, proposal: ProposalId, status: &str) {
    proposal::Entity::update_many()
        .col_expr(proposal::Column::Status, Expr::value(status))
        .filter(proposal::Column::Id.eq(proposal.0))
        .exec(db.connection())
        .await
        .unwrap();
}

#[tokio::test]
async fn an_interviewer_has_one_interview_at_a_time_and_back_to_back_is_fine() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaInterviewRepository::new(&db);
        let (posting, owner, stages, p) = setting(&db).await;
        let eve = client(&db, "eve").await;
        let other = proposal_row(&db, &posting, client(&db, "gus").await).await;
        let first = scheduled(
            &repo,
            interview(p, &stages[1], &[owner], tomorrow_at(10, 0), 60),
        )
        .await;
        assert_eq!(first.interviewers[0].display_name, "owner");
        assert_eq!(first.stage.name, "Technical interview");
        // Overlapping for the owner, on another proposal: refused, naming the owner only.
        let clash = interview(other, &stages[1], &[eve, owner], tomorrow_at(10, 30), 60);
        assert_eq!(
            repo.schedule(&clash).await.unwrap(),
            InterviewWrite::Busy(vec![owner]),
            "{backend:?}"
        );
        // Inside it, and around it.
        for (start, minutes) in [(tomorrow_at(10, 15), 15), (tomorrow_at(9, 0), 180)] {
            let i = interview(other, &stages[1], &[owner], start, minutes);
            assert!(
                matches!(repo.schedule(&i).await.unwrap(), InterviewWrite::Busy(_)),
                "{backend:?}: {start} for {minutes}"
            );
        }
        // Back to back (before and after), and eve alone at the same time: fine.
        scheduled(
            &repo,
            interview(other, &stages[1], &[owner, eve], tomorrow_at(11, 0), 30),
        )
        .await;
        scheduled(
            &repo,
            interview(other, &stages[0], &[owner], tomorrow_at(9, 30), 30),
        )
        .await;
        scheduled(
            &repo,
            interview(p, &stages[4], &[eve], tomorrow_at(10, 0), 60),
        )
        .await;
        let found = repo.of_proposals(&[p, other]).await.unwrap();
        let starts = |id: ProposalId| -> Vec<DateTime<Utc>> {
            found[&id].iter().map(|i| i.starts_at).collect()
        };
        assert_eq!(starts(p), [tomorrow_at(10, 0), tomorrow_at(10, 0)]);
        assert_eq!(starts(other), [tomorrow_at(9, 30), tomorrow_at(11, 0)]);
        let pair = &found[&other][1];
        assert_eq!(
            pair.interviewers
                .iter()
                .map(|i| i.display_name.as_str())
                .collect::<Vec<_>>(),
            ["owner", "eve"],
            "in the order named"
        );
        assert_eq!(
            found[&p].iter().map(|i| i.stage.kind).collect::<Vec<_>>(),
            [
                StageKind::TechnicalInterview,
                StageKind::BehavioralInterview
            ],
            "the same start: in the order scheduled"
        );
        let stored = repo.by_ids(&[first.id]).await.unwrap();
        assert_eq!(stored, vec![first], "{backend:?}: read as written");
    }
}

#[tokio::test]
async fn cancelled_interviews_and_those_of_final_proposals_do_not_block() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaInterviewRepository::new(&db);
        let (posting, owner, stages, p) = setting(&db).await;
        let other = proposal_row(&db, &posting, client(&db, "gus").await).await;
        let first = scheduled(
            &repo,
            interview(p, &stages[1], &[owner], tomorrow_at(10, 0), 60),
        )
        .await;
        let clash = interview(other, &stages[1], &[owner], tomorrow_at(10, 0), 60);
        assert!(matches!(
            repo.schedule(&clash).await.unwrap(),
            InterviewWrite::Busy(_)
        ));
        let cancelled = Interview {
            status: InterviewStatus::Cancelled,
            cancel_reason: Some("moved on".into()),
            cancelled_at: Some(Utc::now()),
            ..first.clone()
        };
        let saved = repo.save(&cancelled, 1).await.unwrap().unwrap();
        assert_eq!(
            (saved.status, saved.version),
            (InterviewStatus::Cancelled, 2)
        );
        assert_eq!(
            repo.save(&cancelled, 1).await.unwrap(),
            None,
            "a stale version"
        );
        let second = scheduled(&repo, clash).await;
        // The other proposal is withdrawn: its interview no longer holds the owner.
        set_status(&db, other, "WITHDRAWN").await;
        scheduled(
            &repo,
            interview(p, &stages[1], &[owner], tomorrow_at(10, 0), 60),
        )
        .await;
        // ... and nothing new is scheduled on it, nor moved.
        let on_final = interview(other, &stages[1], &[owner], tomorrow_at(15, 0), 60);
        assert_eq!(
            repo.schedule(&on_final).await.unwrap(),
            InterviewWrite::ProposalNotOpen,
            "{backend:?}"
        );
        let moved = Interview {
            starts_at: tomorrow_at(16, 0),
            ..second.clone()
        };
        assert_eq!(
            repo.reschedule(&moved, second.version).await.unwrap(),
            InterviewWrite::ProposalNotOpen
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_overlapping_schedules_for_one_interviewer_leave_one() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaInterviewRepository::new(&db);
        let (posting, owner, stages, _) = setting(&db).await;
        let mut attempts = Vec::new();
        for i in 0..10 {
            let p = proposal_row(&db, &posting, client(&db, &format!("f{i}")).await).await;
            // Each overlaps every other: starts 10:00 to 10:27, an hour long.
            attempts.push(interview(
                p,
                &stages[1],
                &[owner],
                tomorrow_at(10, 3 * i),
                60,
            ));
        }
        // All released at once, on a multi-threaded runtime: each on its own connection.
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(attempts.len()));
        let racers: Vec<_> = attempts
            .into_iter()
            .map(|i| {
                let (repo, start) = (repo.clone(), start.clone());
                tokio::spawn(async move {
                    start.wait().await;
                    repo.schedule(&i).await
                })
            })
            .collect();
        let mut results = Vec::new();
        for racer in racers {
            results.push(racer.await.unwrap());
        }
        let written = results
            .iter()
            .filter(|r| matches!(r, Ok(InterviewWrite::Written(_))))
            .count();
        let busy = results
            .iter()
            .filter(|r| matches!(r, Ok(InterviewWrite::Busy(u)) if *u == vec![owner]))
            .count();
        assert_eq!((written, busy), (1, 9), "{backend:?}: {results:?}");
        assert_eq!(
            guard.count("SELECT COUNT(*) FROM interviews").await,
            1,
            "{backend:?}"
        );
        assert_eq!(
            guard
                .count("SELECT COUNT(*) FROM interview_interviewers")
                .await,
            1
        );
    }
}

#[tokio::test]
async fn a_reschedule_is_checked_without_itself_and_resets_the_confirmation() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaInterviewRepository::new(&db);
        let (_, owner, stages, p) = setting(&db).await;
        let first = scheduled(
            &repo,
            interview(p, &stages[1], &[owner], tomorrow_at(10, 0), 60),
        )
        .await;
        let later = scheduled(
            &repo,
            interview(p, &stages[4], &[owner], tomorrow_at(14, 0), 60),
        )
        .await;
        let confirmed = Interview {
            confirmed_at: Some(Utc::now()),
            ..first.clone()
        };
        let confirmed = repo.save(&confirmed, 1).await.unwrap().unwrap();
        assert!(confirmed.confirmed_at.is_some());
        // Fifteen minutes later, overlapping only itself.
        let moved = Interview {
            starts_at: tomorrow_at(10, 15),
            duration_minutes: 90,
            time_zone: "America/New_York".into(),
            meeting_link: None,
            ..confirmed.clone()
        };
        let InterviewWrite::Written(after) = repo.reschedule(&moved, 2).await.unwrap() else {
            panic!("{backend:?}: not rescheduled");
        };
        let after = *after;
        assert_eq!(
            (
                after.starts_at,
                after.ends_at(),
                after.time_zone.as_str(),
                after.meeting_link.clone(),
                after.confirmed_at,
                after.version
            ),
            (
                tomorrow_at(10, 15),
                tomorrow_at(11, 45),
                "America/New_York",
                None,
                None,
                3
            ),
            "{backend:?}"
        );
        assert_eq!(
            repo.reschedule(&moved, 2).await.unwrap(),
            InterviewWrite::Stale,
            "{backend:?}: planned on an old version"
        );
        // Onto the later one's hour: busy.
        let onto = Interview {
            starts_at: tomorrow_at(13, 30),
            ..after.clone()
        };
        assert_eq!(
            repo.reschedule(&onto, 3).await.unwrap(),
            InterviewWrite::Busy(vec![owner])
        );
        assert_eq!(
            repo.by_ids(&[after.id]).await.unwrap()[0].starts_at,
            tomorrow_at(10, 15),
            "nothing changed"
        );
        assert_eq!(later.version, 1);
    }
}

pub(crate) fn task(
    proposal: ProposalId,
    stage: &Stage,
    by: UserId,
    due_at: DateTime<Utc>,
) -> CodingTask {
    let now = Utc::now();
    CodingTask {
        id: CodingTaskId(Uuid::now_v7()),
        proposal_id: proposal,
        stage: stage.clone(),
        stage_position: 2,
        instructions: "Build a small ledger.\nTests included.".into(),
        due_at,
        submission_link: None,
        submitted_at: None,
        status: CodingTaskStatus::Assigned,
        cancel_reason: None,
        cancelled_at: None,
        assigned_by: by,
        created_at: now,
        updated_at: now,
    }
}

#[tokio::test]
async fn a_stage_with_interviews_or_coding_tasks_is_not_removed() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaInterviewRepository::new(&db);
        let tasks = SeaCodingTaskRepository::new(&db);
        let proposals = SeaProposalRepository::new(&db);
        let (posting, owner, stages, p) = setting(&db).await;
        let held = scheduled(
            &repo,
            interview(p, &stages[1], &[owner], tomorrow_at(10, 0), 60),
        )
        .await;
        let cancelled = Interview {
            status: InterviewStatus::Cancelled,
            cancelled_at: Some(Utc::now()),
            ..held.clone()
        };
        repo.save(&cancelled, 1).await.unwrap().unwrap();
        let assigned = tasks
            .assign(&task(p, &stages[2], owner, tomorrow_at(18, 0)))
            .await
            .unwrap();
        assert!(matches!(assigned, AssignWrite::Written(_)));
        for (stage, held) in [(&stages[1], 1), (&stages[2], 1)] {
            let mut without = Pipeline::from_stored(stages.clone());
            without.remove(stage.id, 0).unwrap();
            assert_eq!(
                proposals
                    .save_pipeline(posting.id, 1, &without)
                    .await
                    .unwrap(),
                PipelineWrite::StageHasInterviewsOrTasks(held),
                "{backend:?}: {} (a cancelled interview keeps it too)",
                stage.name
            );
        }
        // A stage without any goes.
        let mut without = Pipeline::from_stored(stages.clone());
        without.remove(stages[5].id, 0).unwrap();
        assert_eq!(
            proposals
                .save_pipeline(posting.id, 1, &without)
                .await
                .unwrap(),
            PipelineWrite::Written
        );
        // The foreign keys have the last word, whatever counted before.
        for sql in [
            format!(
                "DELETE FROM pipeline_stages WHERE name = '{}'",
                stages[1].name
            ),
            format!(
                "DELETE FROM pipeline_stages WHERE name = '{}'",
                stages[2].name
            ),
        ] {
            let db2 = Db::connect(&guard.settings).await.unwrap();
            let refused = db2.connection().execute_unprepared(&sql).await;
            assert!(refused.is_err(), "{backend:?}: {sql}");
            assert!(
                crate::errors::is_foreign_key_violation(&refused.unwrap_err()),
                "{backend:?}"
            );
            db2.close().await.unwrap();
        }
        // A stage removed meanwhile (not stored any more) takes nothing new.
        let gone = interview(p, &stages[5], &[owner], tomorrow_at(16, 0), 60);
        assert_eq!(
            repo.schedule(&gone).await.unwrap(),
            InterviewWrite::StageGone,
            "{backend:?}"
        );
        assert_eq!(
            tasks
                .assign(&task(p, &stages[5], owner, tomorrow_at(18, 0)))
                .await
                .unwrap(),
            AssignWrite::StageGone
        );
        assert_eq!(guard.count("SELECT COUNT(*) FROM interviews").await, 1);
    }
}

/// The PostgreSQL race the count cannot see: an interview added to a stage between the
/// pipeline's count and its delete is refused by the named foreign key, and reported
/// as such (not as a proposal moving in).
#[tokio::test]
async fn an_interview_foreign_key_refusal_is_told_apart() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaInterviewRepository::new(&db);
        let (_, owner, stages, p) = setting(&db).await;
        scheduled(
            &repo,
            interview(p, &stages[1], &[owner], tomorrow_at(10, 0), 60),
        )
        .await;
        let refused = db
            .connection()
            .execute_unprepared(&format!(
                "DELETE FROM pipeline_stages WHERE name = '{}'",
                stages[1].name
            ))
            .await
            .unwrap_err();
        // PostgreSQL names the constraint; SQLite does not (and needs not: its write
        // lock from `BEGIN` means the count saw every reference).
        assert_eq!(
            crate::pipeline_assessments::refused_by_assessment(&refused),
            backend == crate::Backend::Postgres,
            "{backend:?}: {refused}"
        );
    }
}

#[tokio::test]
async fn the_migration_goes_down_and_up_again() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let status = db.migration_status().await.unwrap();
        assert!(status.iter().all(|(_, done)| *done), "{backend:?}");
        // Down to before it: it and the migrations registered after it.
        let at = status
            .iter()
            .position(|(name, _)| name == "m20261130_000022_interviews_coding_tasks")
            .expect("registered");
        let steps = u32::try_from(status.len() - at).unwrap();
        db.migrate_down(steps).await.unwrap();
        let tables = match backend {
            crate::Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN \
                 ('interviews', 'interview_interviewers', 'coding_tasks')"
            }
            crate::Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = \
                 current_schema() AND table_name IN \
                 ('interviews', 'interview_interviewers', 'coding_tasks')"
            }
        };
        assert_eq!(guard.count(tables).await, 0, "{backend:?}: down drops them");
        db.migrate_up().await.unwrap();
        assert_eq!(guard.count(tables).await, 3, "{backend:?}: up makes them");
        // And they work after the round trip.
        let repo = SeaInterviewRepository::new(&db);
        let (_, owner, stages, p) = setting(&db).await;
        scheduled(
            &repo,
            interview(p, &stages[1], &[owner], tomorrow_at(10, 0), 60),
        )
        .await;
    }
}
