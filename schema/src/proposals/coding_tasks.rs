//! Proposals' coding tasks in GraphQL: the `CodingTask` type, `Proposal.codingTasks`
//! (through the request's loader), and assigning, submitting and cancelling. The domain
//! decides who may do what.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::proposals::{self as d, AssignCodingTask, CodingTaskId, ProposalId};

use super::assessment_loaders::assessment_loaders;
use super::interviews::stage_of;
use super::loaders::ProposalKey;
use super::pipeline::{PipelineStage, stage_id};
use crate::context::{actor, services};
use crate::errors::{UserError, into_payload};
use crate::ids::{NodeKind, decode_kind, encode};
use crate::taxonomy::types::load_error;

/// Where a coding task is.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum CodingTaskStatus {
    /// Assigned; nothing submitted yet.
    Assigned,
    /// A link was submitted (see `late`).
    Submitted,
    /// The client cancelled it before anything was submitted.
    Cancelled,
}

impl From<d::CodingTaskStatus> for CodingTaskStatus {
    fn from(s: d::CodingTaskStatus) -> Self {
        match s {
            d::CodingTaskStatus::Assigned => CodingTaskStatus::Assigned,
            d::CodingTaskStatus::Submitted => CodingTaskStatus::Submitted,
            d::CodingTaskStatus::Cancelled => CodingTaskStatus::Cancelled,
        }
    }
}

#[derive(Clone)]
pub struct CodingTask(pub Arc<d::CodingTask>);

/// A coding task of a proposal, in a stage of its posting's pipeline: instructions, a
/// due time, and the link the freelancer's side submits. Seen by both sides of the
/// proposal and by the posting's evaluators.
#[Object]
impl CodingTask {
    /// Global ID of the coding task; pass it as `codingTaskId` to submit or cancel it.
    async fn id(&self) -> ID {
        encode(NodeKind::CodingTask, self.0.id.0)
    }

    /// The pipeline stage it belongs to, as the pipeline names it now.
    async fn stage(&self) -> PipelineStage {
        stage_of(&self.0.stage, self.0.stage_position)
    }

    /// What to do: plain text, 1 to 10,000 characters; line breaks are kept.
    async fn instructions(&self) -> &str {
        &self.0.instructions
    }

    /// When it is due.
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }

    /// The link last submitted (an http(s) URL); null until something is submitted.
    async fn submission_link(&self) -> Option<&str> {
        self.0.submission_link.as_deref()
    }

    /// When the link was last submitted; null until then.
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }

    /// Whether it was submitted after its due time (`submittedAt` later than `dueAt`);
    /// false while nothing is submitted.
    async fn late(&self) -> bool {
        self.0.late()
    }

    /// Where it is.
    async fn status(&self) -> CodingTaskStatus {
        self.0.status.into()
    }

    /// Why the client cancelled it, when they said; null otherwise.
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }

    /// When it was cancelled; null otherwise.
    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.0.cancelled_at
    }

    /// When it was assigned.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// `Proposal.codingTasks`: in the order assigned; empty when the caller may not see
/// them.
pub(crate) async fn of_proposal(
    ctx: &Context<'_>,
    proposal: &Arc<d::Proposal>,
) -> Result<Vec<CodingTask>> {
    Ok(assessment_loaders(ctx)?
        .coding_tasks
        .load_one(ProposalKey(proposal.clone()))
        .await
        .map_err(|e| load_error(ctx, e))?
        .unwrap_or_default()
        .into_iter()
        .map(|t| CodingTask(Arc::new(t)))
        .collect())
}

/// Input of `assignCodingTask`.
#[derive(InputObject)]
pub struct AssignCodingTaskInput {
    /// The proposal (on one of your postings), open.
    pub proposal_id: ID,
    /// A stage of the posting's pipeline (`Posting.pipeline`).
    pub stage_id: ID,
    /// What to do: plain text, 1 to 10,000 characters; line breaks are kept.
    pub instructions: String,
    /// When it is due: strictly in the future, at most 366 days ahead.
    pub due_at: DateTime<Utc>,
}

/// The outcome of `assignCodingTask`.
#[derive(SimpleObject)]
pub struct AssignCodingTaskPayload {
    /// The task as assigned; null when `userErrors` is not empty.
    pub coding_task: Option<CodingTask>,
    /// Why it was refused (nothing was assigned); empty on success. Paths start at
    /// `input`, e.g. `["input", "dueAt"]`.
    pub user_errors: Vec<UserError>,
}

/// Input of `submitCodingTask`.
#[derive(InputObject)]
pub struct SubmitCodingTaskInput {
    /// The coding task (of your open proposal, or your agency's).
    pub coding_task_id: ID,
    /// Where the work is: an http(s) URL, e.g. a repository.
    pub submission_link: String,
}

/// The outcome of `submitCodingTask`.
#[derive(SimpleObject)]
pub struct SubmitCodingTaskPayload {
    /// The task with the submission; null when `userErrors` is not empty.
    pub coding_task: Option<CodingTask>,
    /// Why it was refused (nothing was submitted); empty on success. Paths start at
    /// `input`, e.g. `["input", "submissionLink"]`.
    pub user_errors: Vec<UserError>,
}

/// Input of `cancelCodingTask`.
#[derive(InputObject)]
pub struct CancelCodingTaskInput {
    /// The coding task (nothing submitted yet, on one of your postings).
    pub coding_task_id: ID,
    /// Why, for the freelancer: 1 to 500 characters; none when absent or null.
    pub reason: Option<String>,
}

/// The outcome of `cancelCodingTask`.
#[derive(SimpleObject)]
pub struct CancelCodingTaskPayload {
    /// The task, cancelled; null when `userErrors` is not empty.
    pub coding_task: Option<CodingTask>,
    /// Why it was refused (nothing was changed); empty on success. Paths start at
    /// `input`.
    pub user_errors: Vec<UserError>,
}

fn coding_task_id(id: &ID) -> Option<CodingTaskId> {
    decode_kind(id, NodeKind::CodingTask).ok().map(CodingTaskId)
}

fn wrap(task: Option<d::CodingTask>) -> Option<CodingTask> {
    task.map(|t| CodingTask(Arc::new(t)))
}

#[derive(Default)]
pub struct CodingTaskMutation;

#[Object]
impl CodingTaskMutation {
    /// Assigns a coding task to a proposal on one of your postings (while it is open),
    /// in a stage of the posting's pipeline. Both sides and the evaluators see it on
    /// `Proposal.codingTasks`.
    async fn assign_coding_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal, the stage, the instructions and the due time.")]
        input: AssignCodingTaskInput,
    ) -> Result<AssignCodingTaskPayload> {
        let input = AssignCodingTask {
            proposal: decode_kind(&input.proposal_id, NodeKind::Proposal)
                .ok()
                .map(ProposalId),
            stage: stage_id(&input.stage_id),
            instructions: input.instructions,
            due_at: input.due_at,
        };
        let result = services(ctx)?.coding_tasks.assign(actor(ctx), input).await;
        let (task, user_errors) = into_payload(ctx, result)?;
        Ok(AssignCodingTaskPayload {
            coding_task: wrap(task),
            user_errors,
        })
    }

    /// Submits a link for a coding task of your proposal (or your agency's): the
    /// freelancer's side only. Until the due time a new link replaces the last one;
    /// after it, a task without a submission takes one, marked late, and one with a
    /// submission keeps it (`INVALID_STATE` on `codingTaskId`).
    async fn submit_coding_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The coding task and the link to the work.")] input: SubmitCodingTaskInput,
    ) -> Result<SubmitCodingTaskPayload> {
        let result = services(ctx)?
            .coding_tasks
            .submit(
                actor(ctx),
                coding_task_id(&input.coding_task_id),
                &input.submission_link,
            )
            .await;
        let (task, user_errors) = into_payload(ctx, result)?;
        Ok(SubmitCodingTaskPayload {
            coding_task: wrap(task),
            user_errors,
        })
    }

    /// Cancels a coding task on one of your postings that has no submission yet, with
    /// an optional reason.
    async fn cancel_coding_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The coding task and, optionally, why.")] input: CancelCodingTaskInput,
    ) -> Result<CancelCodingTaskPayload> {
        let result = services(ctx)?
            .coding_tasks
            .cancel(
                actor(ctx),
                coding_task_id(&input.coding_task_id),
                input.reason.as_deref(),
            )
            .await;
        let (task, user_errors) = into_payload(ctx, result)?;
        Ok(CancelCodingTaskPayload {
            coding_task: wrap(task),
            user_errors,
        })
    }
}
