//! Coding tasks of a proposal, in a stage of its posting's pipeline.
//!
//! - The posting's client assigns one while the proposal is open: instructions
//!   (multi-line plain text, 1 to 10,000 characters) and a due time strictly in the
//!   future (at most a year ahead).
//! - The freelancer's side submits a link (an http(s) URL) while the proposal is open.
//!   Until the due time a submission may be replaced (the last one counts, with its
//!   time); once the due time has passed a task that has a submission keeps it, and one
//!   without takes a single late submission. A submission is late when it came after
//!   the due time.
//! - The client cancels a task, with an optional reason, until it is submitted; a
//!   submitted task stays as the record of the work.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::ProposalId;
use super::pipeline::Stage;
use crate::actor::UserId;
use crate::error::DomainResult;

/// The longest instructions, in characters.
pub const MAX_INSTRUCTIONS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CodingTaskId(pub Uuid);

/// Where a coding task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodingTaskStatus {
    /// Assigned, nothing submitted yet.
    Assigned,
    /// A link was submitted (on time or late).
    Submitted,
    /// The client cancelled it before anything was submitted.
    Cancelled,
}

impl CodingTaskStatus {
    /// The stable storage and API key.
    pub fn key(self) -> &'static str {
        match self {
            CodingTaskStatus::Assigned => "ASSIGNED",
            CodingTaskStatus::Submitted => "SUBMITTED",
            CodingTaskStatus::Cancelled => "CANCELLED",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [
            CodingTaskStatus::Assigned,
            CodingTaskStatus::Submitted,
            CodingTaskStatus::Cancelled,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }
}

/// A coding task of a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodingTask {
    pub id: CodingTaskId,
    pub proposal_id: ProposalId,
    /// The stage it belongs to, as the pipeline has it now.
    pub stage: Stage,
    /// The stage's place in the pipeline, 0 first.
    pub stage_position: u32,
    /// Multi-line plain text, 1 to 10,000 characters.
    pub instructions: String,
    pub due_at: DateTime<Utc>,
    /// The link last submitted.
    pub submission_link: Option<String>,
    /// When the link was last submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    pub status: CodingTaskStatus,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The client who assigned it.
    pub assigned_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CodingTask {
    /// Whether it was submitted after its due time.
    pub fn late(&self) -> bool {
        self.submitted_at.is_some_and(|at| at > self.due_at)
    }

    /// Whether a submission at `now` is taken: the task is not cancelled, and it has no
    /// submission yet or its due time is still ahead.
    pub fn takes_submission(&self, now: DateTime<Utc>) -> bool {
        match self.status {
            CodingTaskStatus::Assigned => true,
            CodingTaskStatus::Submitted => now < self.due_at,
            CodingTaskStatus::Cancelled => false,
        }
    }
}

/// What storage did with a new coding task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignWrite {
    /// Stored, as storage keeps it.
    Written(Box<CodingTask>),
    /// The proposal stopped being open.
    ProposalNotOpen,
    /// The stage was removed from the pipeline meanwhile.
    StageGone,
}

/// What storage did with a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmissionWrite {
    /// Stored, as storage keeps it.
    Submitted(Box<CodingTask>),
    /// The task no longer takes a submission (see [`CodingTask::takes_submission`]).
    Refused,
    /// The proposal stopped being open.
    ProposalNotOpen,
}

/// Storage of coding tasks.
#[async_trait]
pub trait CodingTaskRepository: Send + Sync {
    /// In one transaction: checks the proposal is open (holding its row), then stores
    /// the task.
    async fn assign(&self, task: &CodingTask) -> DomainResult<AssignWrite>;
    /// In one transaction: checks the proposal is open, then stores `link` as the
    /// task's submission at `at` if the task takes one then (one conditional update,
    /// so a cancellation or the due time decides atomically).
    async fn submit(
        &self,
        id: CodingTaskId,
        link: &str,
        at: DateTime<Utc>,
    ) -> DomainResult<SubmissionWrite>;
    /// Cancels the task if nothing was submitted and it is not cancelled; `None`
    /// otherwise.
    async fn cancel(
        &self,
        id: CodingTaskId,
        reason: Option<&str>,
        at: DateTime<Utc>,
    ) -> DomainResult<Option<CodingTask>>;
    /// Coding tasks by ID; unknown IDs are left out.
    async fn by_ids(&self, ids: &[CodingTaskId]) -> DomainResult<Vec<CodingTask>>;
    /// The coding tasks of these proposals, each list in the order they were
    /// assigned; one statement.
    async fn of_proposals(
        &self,
        proposals: &[ProposalId],
    ) -> DomainResult<HashMap<ProposalId, Vec<CodingTask>>>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proposals::{StageId, StageKind};
    use chrono::TimeDelta;

    fn task(status: CodingTaskStatus, due_in_minutes: i64) -> CodingTask {
        let now = Utc::now();
        CodingTask {
            id: CodingTaskId(Uuid::now_v7()),
            proposal_id: ProposalId(Uuid::now_v7()),
            stage: Stage {
                id: StageId(Uuid::now_v7()),
                kind: StageKind::CodingTask,
                name: "Coding task".into(),
            },
            stage_position: 2,
            instructions: "Build a ledger".into(),
            due_at: now + TimeDelta::minutes(due_in_minutes),
            submission_link: None,
            submitted_at: None,
            status,
            cancel_reason: None,
            cancelled_at: None,
            assigned_by: UserId(Uuid::now_v7()),
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_submission_is_late_only_after_the_due_time() {
        let mut t = task(CodingTaskStatus::Submitted, 60);
        assert!(!t.late(), "nothing submitted");
        t.submitted_at = Some(t.due_at - TimeDelta::seconds(1));
        assert!(!t.late());
        t.submitted_at = Some(t.due_at);
        assert!(!t.late(), "at the due time is on time");
        t.submitted_at = Some(t.due_at + TimeDelta::seconds(1));
        assert!(t.late());
    }

    #[test]
    fn submissions_are_replaced_until_the_due_time_and_taken_once_late() {
        let now = Utc::now();
        // (status, due in minutes, taken now)
        for (status, due, taken) in [
            (CodingTaskStatus::Assigned, 60, true),
            (CodingTaskStatus::Assigned, -60, true),
            (CodingTaskStatus::Submitted, 60, true),
            (CodingTaskStatus::Submitted, -60, false),
            (CodingTaskStatus::Cancelled, 60, false),
            (CodingTaskStatus::Cancelled, -60, false),
        ] {
            let t = task(status, due);
            assert_eq!(t.takes_submission(now), taken, "{status:?}, due in {due}");
        }
        for s in [
            CodingTaskStatus::Assigned,
            CodingTaskStatus::Submitted,
            CodingTaskStatus::Cancelled,
        ] {
            assert_eq!(CodingTaskStatus::from_key(s.key()), Some(s));
        }
    }
}
