//! What a proposal's interviews and coding tasks share: who sees them and who acts on
//! them, the stage of the posting's pipeline they are held in, and the times they take.
//!
//! - They are seen by both sides of the proposal (the posting's client; the freelancer
//!   it counts for and the current owners of the agency that submitted it, exactly as
//!   [`access::side_of`] decides) and by the posting's evaluators. Anybody else learns
//!   only "no such proposal" (or "no such interview / coding task").
//! - Only the client schedules, reschedules and cancels interviews and assigns and
//!   cancels coding tasks; only the freelancer's side confirms interviews and submits
//!   coding tasks. Anyone else who sees them is `FORBIDDEN` (deny by default: a side the
//!   access rules add later acts on nothing here until this module says so).

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::access::{self, Membership, Side};
use super::lifecycle::StageId;
use super::model::{Proposal, ProposalId};
use super::pipeline::Stage;
use super::ports::StoredPipeline;
use super::service::ProposalService;
use crate::actor::{Actor, UserId};
use crate::agencies::AgencyRepository;
use crate::error::{DomainError, DomainResult, ErrorCode, FieldError};
use crate::postings::{Posting, PostingId, PostingService};

/// How far ahead an interview starts or a coding task falls due, at most, in days.
pub const MAX_DAYS_AHEAD: i64 = 366;

/// How the caller stands to a proposal's interviews and coding tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Party {
    /// The posting's client: schedules, reschedules, cancels, assigns.
    Client,
    /// The freelancer's side: confirms interviews, submits coding tasks.
    Freelancer,
    /// One of the posting's evaluators: sees, does nothing.
    Evaluator,
}

impl Party {
    /// The caller acts as `party`: `FORBIDDEN` for anyone else who sees the proposal.
    pub(super) fn must_be(self, party: Party) -> DomainResult<()> {
        if self == party {
            Ok(())
        } else {
            Err(DomainError::Forbidden)
        }
    }
}

/// A stage of the posting's pipeline as an interview or a coding task names it, and
/// whether the pipeline must be stored first (it is still the template).
pub(super) struct StageChoice {
    pub stage: Stage,
    pub position: u32,
    pub pipeline: StoredPipeline,
}

/// Looks up proposals and their parties for the interview and coding task services.
#[derive(Clone)]
pub(super) struct Parties {
    proposals: ProposalService,
    postings: PostingService,
    agencies: Arc<dyn AgencyRepository>,
}

impl Parties {
    pub(super) fn new(
        proposals: ProposalService,
        postings: PostingService,
        agencies: Arc<dyn AgencyRepository>,
    ) -> Self {
        Self {
            proposals,
            postings,
            agencies,
        }
    }

    async fn membership(&self, user: UserId) -> DomainResult<Membership> {
        Ok(self
            .agencies
            .memberships(&[user])
            .await?
            .remove(&user)
            .map(|m| (m.agency_id, m.role)))
    }

    /// Proposals by ID, whoever asks (callers decide visibility).
    pub(super) async fn stored(&self, ids: &[ProposalId]) -> DomainResult<Vec<Proposal>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.proposals.repo.by_ids(ids).await
    }

    /// The proposal `id`, its posting and how the caller stands to it:
    /// `UNAUTHENTICATED` for the anonymous, `missing()` for an ID that names nothing
    /// and for a caller who does not see the proposal.
    pub(super) async fn party(
        &self,
        actor: &Actor,
        id: Option<ProposalId>,
        missing: impl Fn() -> DomainError,
    ) -> DomainResult<(Proposal, Posting, Party)> {
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        let Some(id) = id else {
            return Err(missing());
        };
        let Some(proposal) = self.stored(&[id]).await?.into_iter().next() else {
            return Err(missing());
        };
        let posting = self.postings.fetch(proposal.posting_id).await?;
        // The membership matters only for an agency's proposal the caller is on no side
        // of in their own right.
        let membership = if proposal.agency_id.is_some()
            && access::side_of(user, None, &proposal, &posting).is_none()
        {
            self.membership(user).await?
        } else {
            None
        };
        let party = match access::side_of(user, membership, &proposal, &posting) {
            Some(Side::Client) => Party::Client,
            Some(Side::Freelancer) => Party::Freelancer,
            _ if self.is_evaluator(actor, posting.id).await? => Party::Evaluator,
            _ => return Err(missing()),
        };
        Ok((proposal, posting, party))
    }

    /// The IDs of those of `proposals` whose interviews and coding tasks the caller
    /// sees. A fixed number of statements for any number of proposals: the postings'
    /// clients, the caller's agency membership (only when it could matter) and which
    /// postings they evaluate (only for proposals they are on no side of).
    pub(super) async fn visible(
        &self,
        actor: &Actor,
        proposals: &[Proposal],
    ) -> DomainResult<HashSet<ProposalId>> {
        let Some(user) = actor.user_id() else {
            return Ok(HashSet::new());
        };
        if proposals.is_empty() {
            return Ok(HashSet::new());
        }
        let mut postings: Vec<PostingId> = proposals.iter().map(|p| p.posting_id).collect();
        postings.sort();
        postings.dedup();
        let clients = self.postings.clients_of(&postings).await?;
        let mut seen = HashSet::new();
        let mut pending: Vec<(&Proposal, UserId)> = Vec::new();
        for p in proposals {
            let Some(client) = clients.get(&p.posting_id).copied() else {
                continue;
            };
            if access::side_for(user, None, p, client).is_some() {
                seen.insert(p.id);
            } else {
                pending.push((p, client));
            }
        }
        if pending.iter().any(|(p, _)| p.agency_id.is_some()) {
            let membership = self.membership(user).await?;
            pending.retain(|(p, client)| {
                if access::side_for(user, membership, p, *client).is_some() {
                    seen.insert(p.id);
                    false
                } else {
                    true
                }
            });
        }
        if !pending.is_empty() {
            let mut ids: Vec<PostingId> = pending.iter().map(|(p, _)| p.posting_id).collect();
            ids.sort();
            ids.dedup();
            let evaluated = self.evaluated(actor, &ids).await?;
            seen.extend(
                pending
                    .iter()
                    .filter(|(p, _)| evaluated.contains(&p.posting_id))
                    .map(|(p, _)| p.id),
            );
        }
        Ok(seen)
    }

    /// Whether the actor evaluates `posting`.
    async fn is_evaluator(&self, actor: &Actor, posting: PostingId) -> DomainResult<bool> {
        self.proposals.is_evaluator(actor, posting).await
    }

    /// Which of `postings` the actor evaluates; one statement.
    async fn evaluated(
        &self,
        actor: &Actor,
        postings: &[PostingId],
    ) -> DomainResult<HashSet<PostingId>> {
        self.proposals.evaluated_by(actor, postings).await
    }

    /// Who may interview for `posting`: its client and its evaluators.
    pub(super) async fn interviewers_allowed(
        &self,
        posting: &Posting,
    ) -> DomainResult<HashSet<UserId>> {
        let mut allowed = self.proposals.evaluator_ids(posting.id).await?;
        allowed.insert(posting.client_id);
        Ok(allowed)
    }

    /// The stage `stage` of the posting's pipeline (as stored, or the template), or
    /// `NOT_FOUND` on `stageId`.
    pub(super) async fn stage(
        &self,
        posting: PostingId,
        stage: Option<StageId>,
    ) -> DomainResult<StageChoice> {
        let missing = || DomainError::not_found_at("stageId", "no such stage in this pipeline");
        let stage = stage.ok_or_else(missing)?;
        let pipeline = self.proposals.pipeline_of(posting).await?;
        let (position, found) = pipeline
            .pipeline
            .stages()
            .iter()
            .enumerate()
            .find(|(_, s)| s.id == stage)
            .ok_or_else(missing)?;
        Ok(StageChoice {
            stage: found.clone(),
            position: u32::try_from(position).unwrap_or(u32::MAX),
            pipeline,
        })
    }

    /// Makes sure the chosen stage is stored, so an interview or a coding task can
    /// reference it: a pipeline still on the template is stored first (with the same
    /// stage IDs), unless another change stored one meanwhile.
    pub(super) async fn store_stage(
        &self,
        posting: PostingId,
        choice: &StageChoice,
    ) -> DomainResult<()> {
        if choice.pipeline.version == 0 {
            // `Stale` means another change stored the pipeline first: the stage is
            // there, or it was removed and the foreign key refuses the reference.
            let _ = self
                .proposals
                .repo
                .save_pipeline(posting, 0, &choice.pipeline.pipeline)
                .await?;
        }
        Ok(())
    }
}

/// A time that must be strictly after `now` and at most [`MAX_DAYS_AHEAD`] days later:
/// the error on `field` otherwise.
pub(super) fn future(at: DateTime<Utc>, now: DateTime<Utc>, field: &str) -> Option<FieldError> {
    if at <= now {
        return Some(FieldError::validation(&[field], "must be in the future"));
    }
    if at > now + TimeDelta::days(MAX_DAYS_AHEAD) {
        return Some(FieldError::validation(
            &[field],
            format!("must be at most {MAX_DAYS_AHEAD} days ahead"),
        ));
    }
    None
}

/// An optional reason (for a cancellation): 1 to 500 characters when given.
pub(super) fn optional_reason(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    match raw {
        None => Ok(None),
        Some(r) => crate::text::multi_line(r, 1, 500)
            .map(Some)
            .map_err(|m| FieldError::validation(&["reason"], m)),
    }
}

/// A user error of `code` on `field`.
pub(super) fn at(field: &[&str], code: ErrorCode, message: impl Into<String>) -> FieldError {
    FieldError::new(field, code, message)
}

/// Every collected problem at once, or `Ok`.
pub(super) fn all(errors: Vec<FieldError>) -> DomainResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Validation(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn future_times_are_strictly_ahead_and_within_a_year() {
        let now = Utc::now();
        assert!(future(now, now, "startsAt").is_some(), "now is not ahead");
        assert!(future(now - TimeDelta::minutes(1), now, "startsAt").is_some());
        assert!(future(now + TimeDelta::seconds(1), now, "startsAt").is_none());
        assert!(future(now + TimeDelta::days(MAX_DAYS_AHEAD), now, "startsAt").is_none());
        let far = future(now + TimeDelta::days(MAX_DAYS_AHEAD + 1), now, "dueAt");
        assert_eq!(far.map(|e| e.field), Some(vec!["dueAt".to_owned()]));
    }

    #[test]
    fn reasons_are_optional_but_never_empty() {
        assert_eq!(optional_reason(None), Ok(None));
        assert_eq!(optional_reason(Some(" ok ")), Ok(Some("ok".into())));
        assert!(optional_reason(Some("  ")).is_err());
        assert!(optional_reason(Some(&"x".repeat(501))).is_err());
    }
}
