//! Scheduling, rescheduling, cancelling and confirming interviews (see
//! [`super::interviews`] for the rules and [`super::assessments`] for who sees and acts).
//! Every call names its actor; who asks comes first (`UNAUTHENTICATED`, then
//! `NOT_FOUND` for those who do not see the proposal, then `FORBIDDEN` for the wrong
//! party), then every problem with the input at once, then what storage decides
//! (overlaps, a proposal that stopped being open).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use uuid::Uuid;

use super::access;
use super::assessments::{Parties, Party, all, at, optional_reason};
use super::interviews::{
    Interview, InterviewId, InterviewRepository, InterviewStatus, InterviewTime, InterviewWrite,
    Interviewer, MAX_INTERVIEWERS, check_meeting_link, check_time,
};
use super::lifecycle::StageId;
use super::model::{Proposal, ProposalId};
use super::service::{ProposalService, RETRIES};
use crate::actor::{Actor, UserId};
use crate::agencies::AgencyRepository;
use crate::error::{DomainError, DomainResult, ErrorCode, FieldError};
use crate::postings::{Posting, PostingService};

/// `scheduleInterview`'s input as the domain takes it (an ID that names nothing is
/// `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleInterview {
    pub proposal: Option<ProposalId>,
    pub stage: Option<StageId>,
    pub time: InterviewTime,
    pub meeting_link: Option<String>,
    /// In the order given; `None` for an ID that is not a user's.
    pub interviewers: Vec<Option<UserId>>,
}

/// `rescheduleInterview`'s input: the new time, and the meeting link (`None` keeps it,
/// `Some(None)` removes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RescheduleInterview {
    pub time: InterviewTime,
    pub meeting_link: Option<Option<String>>,
}

#[derive(Clone)]
pub struct InterviewService {
    repo: Arc<dyn InterviewRepository>,
    parties: Parties,
}

fn no_interview() -> DomainError {
    DomainError::not_found_at("interviewId", "no such interview")
}

fn busy() -> DomainError {
    DomainError::conflict(&[], "the interview keeps changing; try again")
}

fn not_open(proposal: &Proposal, field: &str) -> FieldError {
    at(
        &[field],
        ErrorCode::InvalidState,
        format!(
            "the proposal is {}: interviews are for open proposals",
            proposal.status.key()
        ),
    )
}

impl InterviewService {
    pub fn new(
        repo: Arc<dyn InterviewRepository>,
        proposals: ProposalService,
        postings: PostingService,
        agencies: Arc<dyn AgencyRepository>,
    ) -> Self {
        Self {
            repo,
            parties: Parties::new(proposals, postings, agencies),
        }
    }

    /// The posting's client schedules an interview of an open proposal in a stage of
    /// the posting's pipeline. Every problem is reported at once: the proposal's state
    /// (`INVALID_STATE` on `proposalId`), the stage (`NOT_FOUND` on `stageId`), the time
    /// (`startsAt`, `durationMinutes`, `timeZone`), the link (`meetingLink`) and the
    /// interviewers (1 to 10 on `interviewerIds`; each the client or an evaluator of
    /// the posting, else `NOT_FOUND` on `interviewerIds.<i>`; named once). An
    /// interviewer who has another interview then is `CONFLICT` on their
    /// `interviewerIds.<i>`.
    pub async fn schedule(
        &self,
        actor: &Actor,
        input: ScheduleInterview,
    ) -> DomainResult<Interview> {
        let (proposal, posting, party) = self
            .parties
            .party(actor, input.proposal, access::not_found)
            .await?;
        party.must_be(Party::Client)?;
        let client = posting.client_id;
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
        let time = check_time(&input.time, now, &mut errors);
        let meeting_link = check_meeting_link(input.meeting_link.as_deref(), &mut errors);
        let interviewers = self
            .interviewers(&posting, &input.interviewers, &mut errors)
            .await?;
        all(errors)?;
        let (Some(stage), Some((duration_minutes, time_zone))) = (stage, time) else {
            return Err(DomainError::internal("checked input without its values"));
        };
        self.parties.store_stage(posting.id, &stage).await?;
        let interview = Interview {
            id: InterviewId(Uuid::now_v7()),
            proposal_id: proposal.id,
            stage: stage.stage,
            stage_position: stage.position,
            starts_at: input.time.starts_at,
            duration_minutes,
            time_zone,
            meeting_link,
            interviewers: interviewers
                .into_iter()
                .map(|user_id| Interviewer {
                    user_id,
                    display_name: String::new(),
                })
                .collect(),
            status: InterviewStatus::Scheduled,
            confirmed_at: None,
            cancel_reason: None,
            cancelled_at: None,
            scheduled_by: client,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        match self.repo.schedule(&interview).await? {
            InterviewWrite::Written(stored) => Ok(*stored),
            InterviewWrite::Busy(users) => Err(DomainError::Conflict(
                input
                    .interviewers
                    .iter()
                    .enumerate()
                    .filter(|(_, u)| u.is_some_and(|u| users.contains(&u)))
                    .map(|(i, _)| {
                        at(
                            &["interviewerIds", &i.to_string()],
                            ErrorCode::Conflict,
                            "this interviewer has another interview at that time",
                        )
                    })
                    .collect(),
            )),
            InterviewWrite::ProposalNotOpen => Err(DomainError::invalid_state_at(
                &["proposalId"],
                "the proposal stopped being open",
            )),
            InterviewWrite::StageGone => Err(DomainError::invalid_state_at(
                &["stageId"],
                "the stage was removed from the pipeline meanwhile",
            )),
            InterviewWrite::Stale => Err(DomainError::internal("a new interview was stale")),
        }
    }

    /// The interviewers named, checked: 1 to [`MAX_INTERVIEWERS`], each the posting's
    /// client or one of its evaluators (`NOT_FOUND` on `interviewerIds.<i>`), each once.
    async fn interviewers(
        &self,
        posting: &Posting,
        named: &[Option<UserId>],
        errors: &mut Vec<FieldError>,
    ) -> DomainResult<Vec<UserId>> {
        if named.is_empty() || named.len() > MAX_INTERVIEWERS {
            errors.push(FieldError::validation(
                &["interviewerIds"],
                format!("name 1 to {MAX_INTERVIEWERS} interviewers"),
            ));
            return Ok(Vec::new());
        }
        // The evaluators are asked for only when someone but the client is named.
        let allowed = if named.iter().all(|u| *u == Some(posting.client_id)) {
            [posting.client_id].into_iter().collect()
        } else {
            self.parties.interviewers_allowed(posting).await?
        };
        let mut out: Vec<UserId> = Vec::with_capacity(named.len());
        for (i, user) in named.iter().enumerate() {
            let index = i.to_string();
            match user {
                Some(u) if allowed.contains(u) => {
                    if out.contains(u) {
                        errors.push(FieldError::validation(
                            &["interviewerIds", &index],
                            "is named twice",
                        ));
                    } else {
                        out.push(*u);
                    }
                }
                _ => errors.push(at(
                    &["interviewerIds", &index],
                    ErrorCode::NotFound,
                    "no such interviewer: name the posting's client or one of its evaluators",
                )),
            }
        }
        Ok(out)
    }

    /// The interview `id`, its proposal and how the caller stands to it:
    /// `NOT_FOUND` on `interviewId` for those who do not see it.
    async fn interview(
        &self,
        actor: &Actor,
        id: Option<InterviewId>,
    ) -> DomainResult<(Interview, Proposal, Party)> {
        if actor.user_id().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let interview = match id {
            Some(id) => self.repo.by_ids(&[id]).await?.into_iter().next(),
            None => None,
        }
        .ok_or_else(no_interview)?;
        let (proposal, _, party) = self
            .parties
            .party(actor, Some(interview.proposal_id), no_interview)
            .await?;
        Ok((interview, proposal, party))
    }

    /// The client gives a scheduled interview of an open proposal a new time (checked
    /// as when scheduling; the meeting link changes only when given), which resets the
    /// freelancer's confirmation. An interviewer who has another interview then is
    /// `CONFLICT` on `startsAt`.
    pub async fn reschedule(
        &self,
        actor: &Actor,
        id: Option<InterviewId>,
        input: RescheduleInterview,
    ) -> DomainResult<Interview> {
        for _ in 0..RETRIES {
            let (before, proposal, party) = self.interview(actor, id).await?;
            party.must_be(Party::Client)?;
            let now = Utc::now();
            let mut errors = Vec::new();
            if before.status == InterviewStatus::Cancelled {
                errors.push(at(
                    &["interviewId"],
                    ErrorCode::InvalidState,
                    "the interview was cancelled: schedule a new one",
                ));
            }
            if !proposal.status.is_open() {
                errors.push(not_open(&proposal, "interviewId"));
            }
            let time = check_time(&input.time, now, &mut errors);
            let meeting_link = match &input.meeting_link {
                None => before.meeting_link.clone(),
                Some(link) => check_meeting_link(link.as_deref(), &mut errors),
            };
            all(errors)?;
            let Some((duration_minutes, time_zone)) = time else {
                return Err(DomainError::internal("checked input without its values"));
            };
            let after = Interview {
                starts_at: input.time.starts_at,
                duration_minutes,
                time_zone,
                meeting_link,
                confirmed_at: None,
                updated_at: now,
                ..before.clone()
            };
            match self.repo.reschedule(&after, before.version).await? {
                InterviewWrite::Written(stored) => return Ok(*stored),
                InterviewWrite::Stale => {}
                InterviewWrite::Busy(users) => {
                    return Err(DomainError::conflict(
                        &["startsAt"],
                        format!(
                            "{} of the interviewers ha{} another interview at that time",
                            users.len(),
                            if users.len() == 1 { "s" } else { "ve" }
                        ),
                    ));
                }
                InterviewWrite::ProposalNotOpen => {
                    return Err(DomainError::invalid_state_at(
                        &["interviewId"],
                        "the proposal stopped being open",
                    ));
                }
                InterviewWrite::StageGone => {
                    return Err(DomainError::internal(
                        "a rescheduled interview lost its stage",
                    ));
                }
            }
        }
        Err(busy())
    }

    /// The client cancels a scheduled interview that has not ended, with an optional
    /// reason (1 to 500 characters). Interviews of proposals that are no longer open
    /// can be cancelled too.
    pub async fn cancel(
        &self,
        actor: &Actor,
        id: Option<InterviewId>,
        reason: Option<&str>,
    ) -> DomainResult<Interview> {
        for _ in 0..RETRIES {
            let (before, _, party) = self.interview(actor, id).await?;
            party.must_be(Party::Client)?;
            let now = Utc::now();
            let mut errors = Vec::new();
            let reason = optional_reason(reason).map_err(|e| errors.push(e)).ok();
            if before.status == InterviewStatus::Cancelled {
                errors.push(at(
                    &["interviewId"],
                    ErrorCode::InvalidState,
                    "the interview is cancelled already",
                ));
            } else if before.ends_at() <= now {
                errors.push(at(
                    &["interviewId"],
                    ErrorCode::InvalidState,
                    "the interview has taken place: it can no longer be cancelled",
                ));
            }
            all(errors)?;
            let after = Interview {
                status: InterviewStatus::Cancelled,
                cancel_reason: reason.flatten(),
                cancelled_at: Some(now),
                updated_at: now,
                ..before.clone()
            };
            if let Some(saved) = self.repo.save(&after, before.version).await? {
                return Ok(saved);
            }
        }
        Err(busy())
    }

    /// The freelancer's side confirms a scheduled interview of an open proposal before
    /// it starts. Confirming again keeps the first confirmation.
    pub async fn confirm(&self, actor: &Actor, id: Option<InterviewId>) -> DomainResult<Interview> {
        for _ in 0..RETRIES {
            let (before, proposal, party) = self.interview(actor, id).await?;
            party.must_be(Party::Freelancer)?;
            let now = Utc::now();
            let mut errors = Vec::new();
            if before.status == InterviewStatus::Cancelled {
                errors.push(at(
                    &["interviewId"],
                    ErrorCode::InvalidState,
                    "the interview was cancelled",
                ));
            } else if before.starts_at <= now {
                errors.push(at(
                    &["interviewId"],
                    ErrorCode::InvalidState,
                    "the interview has started: it is no longer confirmed",
                ));
            }
            if !proposal.status.is_open() {
                errors.push(not_open(&proposal, "interviewId"));
            }
            all(errors)?;
            if before.confirmed_at.is_some() {
                return Ok(before);
            }
            let after = Interview {
                confirmed_at: Some(now),
                updated_at: now,
                ..before.clone()
            };
            if let Some(saved) = self.repo.save(&after, before.version).await? {
                return Ok(saved);
            }
        }
        Err(busy())
    }

    /// The interviews of those of `proposals` (as a service returned them to the
    /// caller) whose interviews the caller sees, each list earliest first; the others
    /// are left out. A fixed number of statements for any number of proposals.
    pub async fn of_proposals(
        &self,
        actor: &Actor,
        proposals: &[Proposal],
    ) -> DomainResult<HashMap<ProposalId, Vec<Interview>>> {
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
