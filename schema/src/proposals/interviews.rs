//! Proposals' interviews in GraphQL: the `Interview` type, `Proposal.interviews`
//! (through the request's loader), and scheduling, rescheduling, cancelling and
//! confirming. The domain decides who may do what.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::UserId;
use domain::proposals::{
    self as d, InterviewId, InterviewTime, ProposalId, RescheduleInterview, ScheduleInterview,
};

use super::assessment_loaders::assessment_loaders;
use super::loaders::ProposalKey;
use super::pipeline::{PipelineStage, stage_id};
use crate::context::{actor, services};
use crate::errors::{UserError, into_payload};
use crate::ids::{NodeKind, decode_kind, encode};
use crate::taxonomy::types::load_error;

/// Where an interview is.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum InterviewStatus {
    /// It is to take place (or took place) at its time.
    Scheduled,
    /// The client cancelled it.
    Cancelled,
}

impl From<d::InterviewStatus> for InterviewStatus {
    fn from(s: d::InterviewStatus) -> Self {
        match s {
            d::InterviewStatus::Scheduled => InterviewStatus::Scheduled,
            d::InterviewStatus::Cancelled => InterviewStatus::Cancelled,
        }
    }
}

/// A stage as an interview or a coding task shows it.
pub(crate) fn stage_of(stage: &d::Stage, position: u32) -> PipelineStage {
    PipelineStage {
        id: encode(NodeKind::PipelineStage, stage.id.0),
        kind: stage.kind.into(),
        name: stage.name.clone(),
        position: i32::try_from(position).unwrap_or(i32::MAX),
        stage_id: stage.id,
    }
}

#[derive(Clone)]
pub struct Interview(pub Arc<d::Interview>);

/// An interview of a proposal, in a stage of its posting's pipeline. Seen by both sides
/// of the proposal and by the posting's evaluators.
#[Object]
impl Interview {
    /// Global ID of the interview; pass it as `interviewId` to reschedule, cancel or
    /// confirm it.
    async fn id(&self) -> ID {
        encode(NodeKind::Interview, self.0.id.0)
    }

    /// The pipeline stage it is held in, as the pipeline names it now.
    async fn stage(&self) -> PipelineStage {
        stage_of(&self.0.stage, self.0.stage_position)
    }

    /// When it starts (UTC; show it in `timeZone`).
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }

    /// When it ends: `startsAt` plus `durationMinutes`.
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at()
    }

    /// How long it takes, 15 to 480 minutes.
    async fn duration_minutes(&self) -> i32 {
        i32::from(self.0.duration_minutes)
    }

    /// The IANA time zone the parties read its time in, e.g. `Europe/Berlin`.
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }

    /// Where to meet: an http(s) URL; null when none was given.
    async fn meeting_link(&self) -> Option<&str> {
        self.0.meeting_link.as_deref()
    }

    /// Whether it is scheduled or cancelled.
    async fn status(&self) -> InterviewStatus {
        self.0.status.into()
    }

    /// When the freelancer's side confirmed its current time; null until they do, and
    /// again after a reschedule.
    async fn confirmed_at(&self) -> Option<DateTime<Utc>> {
        self.0.confirmed_at
    }

    /// How many interviewers it has, 1 to 10.
    async fn interviewer_count(&self) -> i32 {
        i32::try_from(self.0.interviewers.len()).unwrap_or(i32::MAX)
    }

    /// The interviewers' display names, as their accounts have them now, in the order
    /// the client named them.
    async fn interviewer_names(&self) -> Vec<&str> {
        self.0
            .interviewers
            .iter()
            .map(|i| i.display_name.as_str())
            .collect()
    }

    /// Why the client cancelled it, when they said; null otherwise.
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }

    /// When it was cancelled; null while it is scheduled.
    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.0.cancelled_at
    }

    /// When it was scheduled.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// `Proposal.interviews`: earliest first; empty when the caller may not see them.
pub(crate) async fn of_proposal(
    ctx: &Context<'_>,
    proposal: &Arc<d::Proposal>,
) -> Result<Vec<Interview>> {
    Ok(assessment_loaders(ctx)?
        .interviews
        .load_one(ProposalKey(proposal.clone()))
        .await
        .map_err(|e| load_error(ctx, e))?
        .unwrap_or_default()
        .into_iter()
        .map(|i| Interview(Arc::new(i)))
        .collect())
}

/// Input of `scheduleInterview`.
#[derive(InputObject)]
pub struct ScheduleInterviewInput {
    /// The proposal (on one of your postings), open.
    pub proposal_id: ID,
    /// A stage of the posting's pipeline (`Posting.pipeline`).
    pub stage_id: ID,
    /// When it starts: strictly in the future, at most 366 days ahead.
    pub starts_at: DateTime<Utc>,
    /// How long it takes: 15 to 480 minutes.
    pub duration_minutes: i32,
    /// The IANA time zone the parties read its time in, e.g. `Europe/Berlin` or `UTC`.
    pub time_zone: String,
    /// Where to meet: an http(s) URL; none when absent or null.
    pub meeting_link: Option<String>,
    /// Who interviews: 1 to 10 users, each you (`viewer.id`) or one of the posting's
    /// evaluators, each once. None of them may have another scheduled interview at the
    /// same time.
    pub interviewer_ids: Vec<ID>,
}

/// The outcome of `scheduleInterview`.
#[derive(SimpleObject)]
pub struct ScheduleInterviewPayload {
    /// The interview as scheduled; null when `userErrors` is not empty.
    pub interview: Option<Interview>,
    /// Why it was refused (nothing was scheduled); empty on success. Paths start at
    /// `input`, e.g. `["input", "interviewerIds", "1"]`.
    pub user_errors: Vec<UserError>,
}

/// Input of `rescheduleInterview`.
#[derive(InputObject)]
pub struct RescheduleInterviewInput {
    /// The interview (scheduled, of an open proposal on one of your postings).
    pub interview_id: ID,
    /// When it starts now: strictly in the future, at most 366 days ahead.
    pub starts_at: DateTime<Utc>,
    /// How long it takes now: 15 to 480 minutes.
    pub duration_minutes: i32,
    /// The IANA time zone the parties read its time in.
    pub time_zone: String,
    /// A new meeting link (an http(s) URL); absent keeps the one it has, null removes
    /// it.
    pub meeting_link: MaybeUndefined<String>,
}

/// The outcome of `rescheduleInterview`.
#[derive(SimpleObject)]
pub struct RescheduleInterviewPayload {
    /// The interview at its new time, unconfirmed; null when `userErrors` is not empty.
    pub interview: Option<Interview>,
    /// Why it was refused (nothing was changed); empty on success. Paths start at
    /// `input`, e.g. `["input", "startsAt"]`.
    pub user_errors: Vec<UserError>,
}

/// Input of `cancelInterview`.
#[derive(InputObject)]
pub struct CancelInterviewInput {
    /// The interview (scheduled, not yet over, on one of your postings).
    pub interview_id: ID,
    /// Why, for the freelancer: 1 to 500 characters; none when absent or null.
    pub reason: Option<String>,
}

/// The outcome of `cancelInterview`.
#[derive(SimpleObject)]
pub struct CancelInterviewPayload {
    /// The interview, cancelled; null when `userErrors` is not empty.
    pub interview: Option<Interview>,
    /// Why it was refused (nothing was changed); empty on success. Paths start at
    /// `input`.
    pub user_errors: Vec<UserError>,
}

/// Input of `confirmInterview`.
#[derive(InputObject)]
pub struct ConfirmInterviewInput {
    /// The interview (scheduled, not yet started, of your open proposal or your
    /// agency's).
    pub interview_id: ID,
}

/// The outcome of `confirmInterview`.
#[derive(SimpleObject)]
pub struct ConfirmInterviewPayload {
    /// The interview, confirmed; null when `userErrors` is not empty.
    pub interview: Option<Interview>,
    /// Why it was refused (nothing was changed); empty on success. Paths start at
    /// `input`.
    pub user_errors: Vec<UserError>,
}

fn interview_id(id: &ID) -> Option<InterviewId> {
    decode_kind(id, NodeKind::Interview).ok().map(InterviewId)
}

fn time(starts_at: DateTime<Utc>, duration_minutes: i32, time_zone: String) -> InterviewTime {
    InterviewTime {
        starts_at,
        duration_minutes: i64::from(duration_minutes),
        time_zone,
    }
}

fn wrap(interview: Option<d::Interview>) -> Option<Interview> {
    interview.map(|i| Interview(Arc::new(i)))
}

#[derive(Default)]
pub struct InterviewMutation;

#[Object]
impl InterviewMutation {
    /// Schedules an interview of a proposal on one of your postings (while it is open),
    /// in a stage of the posting's pipeline, with 1 to 10 interviewers (you or the
    /// posting's evaluators). An interviewer who has another scheduled interview then
    /// is `CONFLICT` on their `interviewerIds` entry. Both sides and the evaluators see
    /// it on `Proposal.interviews`.
    async fn schedule_interview(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal, the stage, the time and who interviews.")]
        input: ScheduleInterviewInput,
    ) -> Result<ScheduleInterviewPayload> {
        let input = ScheduleInterview {
            proposal: decode_kind(&input.proposal_id, NodeKind::Proposal)
                .ok()
                .map(ProposalId),
            stage: stage_id(&input.stage_id),
            time: time(input.starts_at, input.duration_minutes, input.time_zone),
            meeting_link: input.meeting_link,
            interviewers: input
                .interviewer_ids
                .iter()
                .map(|id| decode_kind(id, NodeKind::User).ok().map(UserId))
                .collect(),
        };
        let result = services(ctx)?.interviews.schedule(actor(ctx), input).await;
        let (interview, user_errors) = into_payload(ctx, result)?;
        Ok(ScheduleInterviewPayload {
            interview: wrap(interview),
            user_errors,
        })
    }

    /// Gives an interview on one of your postings a new time (checked as when
    /// scheduling; `CONFLICT` on `startsAt` when an interviewer has another interview
    /// then). The freelancer's confirmation is reset: they confirm the new time.
    async fn reschedule_interview(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The interview and its new time.")] input: RescheduleInterviewInput,
    ) -> Result<RescheduleInterviewPayload> {
        let change = RescheduleInterview {
            time: time(input.starts_at, input.duration_minutes, input.time_zone),
            meeting_link: match input.meeting_link {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(link) => Some(Some(link)),
            },
        };
        let result = services(ctx)?
            .interviews
            .reschedule(actor(ctx), interview_id(&input.interview_id), change)
            .await;
        let (interview, user_errors) = into_payload(ctx, result)?;
        Ok(RescheduleInterviewPayload {
            interview: wrap(interview),
            user_errors,
        })
    }

    /// Cancels an interview on one of your postings before it ends, with an optional
    /// reason.
    async fn cancel_interview(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The interview and, optionally, why.")] input: CancelInterviewInput,
    ) -> Result<CancelInterviewPayload> {
        let result = services(ctx)?
            .interviews
            .cancel(
                actor(ctx),
                interview_id(&input.interview_id),
                input.reason.as_deref(),
            )
            .await;
        let (interview, user_errors) = into_payload(ctx, result)?;
        Ok(CancelInterviewPayload {
            interview: wrap(interview),
            user_errors,
        })
    }

    /// Confirms an interview of your proposal (or your agency's) before it starts: the
    /// freelancer's side only. Confirming again changes nothing.
    async fn confirm_interview(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The interview to confirm.")] input: ConfirmInterviewInput,
    ) -> Result<ConfirmInterviewPayload> {
        let result = services(ctx)?
            .interviews
            .confirm(actor(ctx), interview_id(&input.interview_id))
            .await;
        let (interview, user_errors) = into_payload(ctx, result)?;
        Ok(ConfirmInterviewPayload {
            interview: wrap(interview),
            user_errors,
        })
    }
}
