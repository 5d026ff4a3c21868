//! Assigning, submitting and cancelling coding tasks (see [`super::coding_tasks`] for
//! the rules and [`super::assessments`] for who sees and acts). Who asks comes first,
//! then every problem with the input at once, then what storage decides.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::access;
use super::assessments::{Parties, Party, all, at, future, optional_reason};
use super::coding_tasks::{
    AssignWrite, CodingTask, CodingTaskId, CodingTaskRepository, CodingTaskStatus,
    MAX_INSTRUCTIONS, SubmissionWrite,
};
use super::lifecycle::StageId;
use super::model::{Proposal, ProposalId};
use super::service::ProposalService;
use crate::actor::Actor;
use crate::agencies::AgencyRepository;
use crate::error::{DomainError, DomainResult, ErrorCode, FieldError};
use crate::postings::PostingService;

/// `assignCodingTask`'s input as the domain takes it (an ID that names nothing is
/// `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignCodingTask {
    pub proposal: Option<ProposalId>,
    pub stage: Option<StageId>,
    pub instructions: String,
    pub due_at: DateTime<Utc>,
}

#[derive(Clone)]
pub struct CodingTaskService {
    repo: Arc<dyn CodingTaskRepository>,
    parties: Parties,
}

fn no_task() -> DomainError {
    DomainError::not_found_at("codingTaskId", "no such coding task")
}

fn not_open(proposal: &Proposal, field: &str) -> FieldError {
    at(
        &[field],
        ErrorCode::InvalidState,
        format!(
            "the proposal is {}: coding tasks are for open proposals",
            proposal.status.key()
        ),
    )
}

/// Why `task` takes no submission at `now`.
fn refusal(task: &CodingTask) -> FieldError {
    let message = match task.status {
        CodingTaskStatus::Cancelled => "the coding task was cancelled",
        _ => "the due time has passed: the submission stands as it is",
    };
    at(&["codingTaskId"], ErrorCode::InvalidState, message)
}

impl CodingTaskService {
    pub fn new(
        repo: Arc<dyn CodingTaskRepository>,
        proposals: ProposalService,
        postings: PostingService,
        agencies: Arc<dyn AgencyRepository>,
    ) -> Self {
        Self {
            repo,
            parties: Parties::new(proposals, postings, agencies),
        }
    }

    /// The posting's client assigns a coding task to an open proposal, in a stage of
    /// the posting's pipeline. Every problem is reported at once: the proposal's state
    /// (`INVALID_STATE` on `proposalId`), the stage (`NOT_FOUND` on `stageId`), the
    /// instructions (1 to 10,000 characters) and the due time (`dueAt`, in the future).
    pub async fn assign(&self, actor: &Actor, input: AssignCodingTask) -> DomainResult<CodingTask> {
        let (proposal, posting, party) = self
            .parties
            .party(actor, input.proposal, access::not_found)
            .await?;
        party.must_be(Party::Client)?;
        let now = Utc::now();
        let mut errors = Vec::new();
        if !proposal.status.is_open() {
            errors.push(not_open(&proposal, "proposalId"));
        }
        let stage = match self.parties.stage(posting.id, input.stage).await {
            Ok(choice) => Some(choice),
            Err(DomainError::Validation(mut e)) => {
                errors.append(&mut e);
                None
            }
            Err(e) => return Err(e),
        };
        let instructions = crate::text::multi_line(&input.instructions, 1, MAX_INSTRUCTIONS)
            .map_err(|m| errors.push(FieldError::validation(&["instructions"], m)))
            .ok();
        errors.extend(future(input.due_at, now, "dueAt"));
        all(errors)?;
        let (Some(stage), Some(instructions)) = (stage, instructions) else {
            return Err(DomainError::internal("checked input without its values"));
        };
        self.parties.store_stage(posting.id, &stage).await?;
        let task = CodingTask {
            id: CodingTaskId(Uuid::now_v7()),
            proposal_id: proposal.id,
            stage: stage.stage,
            stage_position: stage.position,
            instructions,
            due_at: input.due_at,
            submission_link: None,
            submitted_at: None,
            status: CodingTaskStatus::Assigned,
            cancel_reason: None,
            cancelled_at: None,
            assigned_by: posting.client_id,
            created_at: now,
            updated_at: now,
        };
        match self.repo.assign(&task).await? {
            AssignWrite::Written(stored) => Ok(*stored),
            AssignWrite::ProposalNotOpen => Err(DomainError::invalid_state_at(
                &["proposalId"],
                "the proposal stopped being open",
            )),
            AssignWrite::StageGone => Err(DomainError::invalid_state_at(
                &["stageId"],
                "the stage was removed from the pipeline meanwhile",
            )),
        }
    }

    /// The coding task `id`, its proposal and how the caller stands to it:
    /// `NOT_FOUND` on `codingTaskId` for those who do not see it.
    async fn task(
        &self,
        actor: &Actor,
        id: Option<CodingTaskId>,
    ) -> DomainResult<(CodingTask, Proposal, Party)> {
        if actor.user_id().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let task = match id {
            Some(id) => self.repo.by_ids(&[id]).await?.into_iter().next(),
            None => None,
        }
        .ok_or_else(no_task)?;
        let (proposal, _, party) = self
            .parties
            .party(actor, Some(task.proposal_id), no_task)
            .await?;
        Ok((task, proposal, party))
    }

    /// The freelancer's side submits a link (http(s), on `submissionLink`) for a task
    /// of an open proposal: replacing an earlier one until the due time, or late when
    /// nothing was submitted by then.
    pub async fn submit(
        &self,
        actor: &Actor,
        id: Option<CodingTaskId>,
        link: &str,
    ) -> DomainResult<CodingTask> {
        let (before, proposal, party) = self.task(actor, id).await?;
        party.must_be(Party::Freelancer)?;
        let now = Utc::now();
        let mut errors = Vec::new();
        let link = link.trim();
        if let Err(m) = crate::text::web_url(link) {
            errors.push(FieldError::validation(&["submissionLink"], m));
        }
        if !before.takes_submission(now) {
            errors.push(refusal(&before));
        }
        if !proposal.status.is_open() {
            errors.push(not_open(&proposal, "codingTaskId"));
        }
        all(errors)?;
        match self.repo.submit(before.id, link, now).await? {
            SubmissionWrite::Submitted(stored) => Ok(*stored),
            SubmissionWrite::Refused => {
                // Cancelled, or the due time passed, since it was read.
                let now_stored = self.repo.by_ids(&[before.id]).await?;
                let task = now_stored.first().unwrap_or(&before);
                Err(DomainError::Validation(vec![refusal(task)]))
            }
            SubmissionWrite::ProposalNotOpen => Err(DomainError::invalid_state_at(
                &["codingTaskId"],
                "the proposal stopped being open",
            )),
        }
    }

    /// The client cancels a task that has no submission, with an optional reason (1 to
    /// 500 characters).
    pub async fn cancel(
        &self,
        actor: &Actor,
        id: Option<CodingTaskId>,
        reason: Option<&str>,
    ) -> DomainResult<CodingTask> {
        let (before, _, party) = self.task(actor, id).await?;
        party.must_be(Party::Client)?;
        let mut errors = Vec::new();
        let reason = optional_reason(reason)
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let refused = |status: CodingTaskStatus| {
            let message = match status {
                CodingTaskStatus::Cancelled => "the coding task is cancelled already",
                _ => "the coding task was submitted: it stays as the record of the work",
            };
            at(&["codingTaskId"], ErrorCode::InvalidState, message)
        };
        if before.status != CodingTaskStatus::Assigned {
            errors.push(refused(before.status));
        }
        all(errors)?;
        match self
            .repo
            .cancel(before.id, reason.as_deref(), Utc::now())
            .await?
        {
            Some(task) => Ok(task),
            None => {
                let status = self
                    .repo
                    .by_ids(&[before.id])
                    .await?
                    .first()
                    .map_or(CodingTaskStatus::Cancelled, |t| t.status);
                Err(DomainError::Validation(vec![refused(status)]))
            }
        }
    }

    /// The coding tasks of those of `proposals` (as a service returned them to the
    /// caller) whose tasks the caller sees, each list in the order they were
    /// assigned; the others are left out. A fixed number of statements for any number.
    pub async fn of_proposals(
        &self,
        actor: &Actor,
        proposals: &[Proposal],
    ) -> DomainResult<HashMap<ProposalId, Vec<CodingTask>>> {
        let visible = self.parties.visible(actor, proposals).await?;
        if visible.is_empty() {
            return Ok(HashMap::new());
        }
        let mut ids: Vec<ProposalId> = visible.into_iter().collect();
        ids.sort();
        let mut found = self.repo.of_proposals(&ids).await?;
        Ok(ids
            .into_iter()
            .map(|id| (id, found.remove(&id).unwrap_or_default()))
            .collect())
    }
}
