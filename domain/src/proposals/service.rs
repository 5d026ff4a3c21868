//! Proposals through their life: submitted (by a freelancer, or an agency for a member),
//! edited until the client first views them, withdrawn, and moved by the client through
//! the short list, the posting's pipeline and a decline. Every call names its actor; the
//! policies decide, deny by default.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use uuid::Uuid;

use super::access::{self, Membership, Side};
use super::lifecycle::{ProposalEvent, ProposalStatus, may_edit, reason, transition};
use super::matching::{Match, Reputation, match_of};
use super::model::{
    ChangeKind, Proposal, ProposalChange, ProposalCursor, ProposalFilter, ProposalId, ProposalSort,
};
use super::pipeline::Pipeline;
use super::policy::{self, Submitter, SubmitterFacts};
use super::ports::{ProposalRepository, StoredPipeline, SubmitWrite};
use super::submission::{ProposalInput, check};
use crate::actor::{Actor, UserId};
use crate::agencies::{AgencyId, AgencyRepository};
use crate::error::{DomainError, DomainResult, ErrorCode, FieldError};
use crate::pagination::{Page, PageRequest};
use crate::postings::{
    Posting, PostingId, PostingInvitationRepository, PostingService, PostingVisibility,
};
use crate::profiles::{FreelancerProfile, ProfileId, ProfileRepository};

/// How often a change planned on a proposal read is redone when another change came
/// first, before giving up with `CONFLICT`.
pub(super) const RETRIES: usize = 3;

#[derive(Clone)]
pub struct ProposalService {
    pub(super) repo: Arc<dyn ProposalRepository>,
    postings: PostingService,
    invitations: Arc<dyn PostingInvitationRepository>,
    agencies: Arc<dyn AgencyRepository>,
    profiles: Arc<dyn ProfileRepository>,
}

fn stale() -> DomainError {
    DomainError::conflict(
        &["expectedVersion"],
        "the proposal changed since you read it; read it again and redo your change",
    )
}

/// A refusal of the life cycle (a bare `INVALID_STATE`) as a user error on the
/// proposal.
fn on_proposal(e: DomainError) -> DomainError {
    match e {
        DomainError::InvalidState { message } => {
            DomainError::invalid_state_at(&["proposalId"], message)
        }
        other => other,
    }
}

fn busy() -> DomainError {
    DomainError::conflict(&[], "the proposal keeps changing; try again")
}

/// Who a proposal is submitted as, as the caller names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitAs {
    /// The caller, a freelancer, for themself.
    Freelancer,
    /// The caller, an owner of `agency`, for the member whose freelancer profile is
    /// `member`. `None` for an ID that names nothing.
    Agency {
        agency: Option<AgencyId>,
        member: Option<ProfileId>,
    },
}

/// A client-side change: the event, with the reason when it takes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAction {
    Shortlist,
    Unshortlist,
    /// To this stage of the posting's pipeline.
    MoveTo(super::lifecycle::StageId),
    /// With a reason (1 to 500 characters).
    Decline(String),
}

impl ProposalService {
    pub fn new(
        repo: Arc<dyn ProposalRepository>,
        postings: PostingService,
        invitations: Arc<dyn PostingInvitationRepository>,
        agencies: Arc<dyn AgencyRepository>,
        profiles: Arc<dyn ProfileRepository>,
    ) -> Self {
        Self {
            repo,
            postings,
            invitations,
            agencies,
            profiles,
        }
    }

    async fn membership_of(&self, user: UserId) -> DomainResult<Membership> {
        Ok(self
            .agencies
            .memberships(&[user])
            .await?
            .remove(&user)
            .map(|m| (m.agency_id, m.role)))
    }

    async fn membership(&self, actor: &Actor) -> DomainResult<Membership> {
        match actor.user_id() {
            Some(user) => self.membership_of(user).await,
            None => Ok(None),
        }
    }

    /// The match of a freelancer with `skills` bidding in `proposal` on `posting`.
    fn score(
        posting: &Posting,
        skills: &[crate::profiles::ProfileSkill],
        proposal: &Proposal,
    ) -> Match {
        match_of(
            &posting.skills,
            posting.budget.as_ref(),
            skills,
            (proposal.terms.bid_kind, proposal.terms.bid),
            // Reviews come with the reviews feature; until then everyone has the prior.
            Reputation::default(),
        )
    }

    async fn skills_of(&self, user: UserId) -> DomainResult<Vec<crate::profiles::ProfileSkill>> {
        Ok(self
            .repo
            .skills_of(&[user])
            .await?
            .remove(&user)
            .unwrap_or_default())
    }

    /// Submits a proposal on `posting`, for the caller (a freelancer) or, through an
    /// agency's owner, for one of its members (named by their freelancer profile). Who asks comes first (see
    /// [`policy::submit`]), then every problem with the input (see [`check`]), then the
    /// posting's state as storage holds it and the one-per-freelancer rule
    /// (`ALREADY_APPLIED` on `postingId`).
    pub async fn submit(
        &self,
        actor: &Actor,
        posting: Option<PostingId>,
        submit_as: SubmitAs,
        input: ProposalInput,
    ) -> DomainResult<Proposal> {
        let Some(caller) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        let Some(posting) = posting else {
            return Err(DomainError::not_found_at("postingId", "no such posting"));
        };
        let posting = self.postings.fetch(posting).await?;
        let invited = posting.visibility == PostingVisibility::InviteOnly
            && self
                .invitations
                .invited_to(caller, &[posting.id])
                .await?
                .contains(&posting.id);
        let mut facts = SubmitterFacts {
            invited,
            sees_posting: policy::sees(actor, &posting, invited),
            ..SubmitterFacts::default()
        };
        let submitter = match submit_as {
            SubmitAs::Freelancer => Submitter::Freelancer,
            SubmitAs::Agency { agency, member } => {
                // An ID that names nothing is nobody's: the policy answers in its order.
                let agency = agency.unwrap_or(AgencyId(Uuid::nil()));
                facts.actor_agency_role = self
                    .membership_of(caller)
                    .await?
                    .filter(|(a, _)| *a == agency)
                    .map(|(_, role)| role);
                let member_user = match (facts.actor_agency_role, member) {
                    (Some(_), Some(profile)) => self
                        .agencies
                        .members(&[agency])
                        .await?
                        .remove(&agency)
                        .unwrap_or_default()
                        .into_iter()
                        .find(|m| m.profile_id == profile)
                        .map(|m| m.user_id),
                    _ => None,
                };
                facts.member_in_agency = member_user.is_some();
                Submitter::Agency {
                    agency,
                    member: member_user.unwrap_or(UserId(Uuid::nil())),
                }
            }
        };
        let freelancer = policy::submit(actor, &posting, submitter, facts)?;
        let now = Utc::now();
        let terms = check(&posting, &input, now)?;
        let mut proposal = Proposal {
            id: ProposalId(Uuid::now_v7()),
            posting_id: posting.id,
            freelancer_id: freelancer,
            agency_id: match submitter {
                Submitter::Agency { agency, .. } => Some(agency),
                Submitter::Freelancer => None,
            },
            submitted_by: caller,
            status: ProposalStatus::Submitted,
            status_reason: None,
            terms,
            match_score: 0,
            version: 1,
            created_at: now,
            updated_at: now,
            first_viewed_at: None,
        };
        proposal.match_score =
            Self::score(&posting, &self.skills_of(freelancer).await?, &proposal).score;
        let change = ProposalChange {
            proposal_id: proposal.id,
            at: now,
            actor: Some(caller),
            kind: ChangeKind::Submitted,
            status: proposal.status,
            stage_name: None,
            reason: None,
        };
        match self.repo.submit(&proposal, &change).await? {
            SubmitWrite::Written(stored) => Ok(*stored),
            SubmitWrite::AlreadyApplied => Err(DomainError::Conflict(vec![FieldError::new(
                &["postingId"],
                ErrorCode::AlreadyApplied,
                "this freelancer already has a proposal on the posting",
            )])),
            SubmitWrite::PostingNotOpen => Err(DomainError::invalid_state_at(
                &["postingId"],
                "the posting stopped taking proposals",
            )),
        }
    }

    /// The proposal `id` with its posting, if the actor sees it (`NOT_FOUND` on
    /// `proposalId` otherwise, `UNAUTHENTICATED` for the anonymous).
    async fn visible(
        &self,
        actor: &Actor,
        id: Option<ProposalId>,
    ) -> DomainResult<(Proposal, Posting, Membership)> {
        if actor.user_id().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let id = id.ok_or_else(access::not_found)?;
        let proposal = self
            .repo
            .by_ids(&[id])
            .await?
            .into_iter()
            .next()
            .ok_or_else(access::not_found)?;
        let posting = self.postings.fetch(proposal.posting_id).await?;
        let membership = self.membership(actor).await?;
        if !access::sees(actor, membership, &proposal, &posting) {
            return Err(access::not_found());
        }
        Ok((proposal, posting, membership))
    }

    /// The freelancer's side edits the terms while the proposal is open and the client
    /// has not viewed it, based on the version they read (`CONFLICT` on
    /// `expectedVersion` when it moved on). The edit is checked as a submission is.
    pub async fn edit(
        &self,
        actor: &Actor,
        id: Option<ProposalId>,
        expected: i64,
        input: ProposalInput,
    ) -> DomainResult<Proposal> {
        let (before, posting, membership) = self.visible(actor, id).await?;
        access::acts_as(actor, membership, &before, &posting, Side::Freelancer)?;
        may_edit(before.status, before.first_viewed_at).map_err(on_proposal)?;
        if before.version != expected {
            return Err(stale());
        }
        let now = Utc::now();
        let terms = check(&posting, &input, now)?;
        let mut after = Proposal {
            terms,
            updated_at: now,
            ..before.clone()
        };
        after.match_score = Self::score(
            &posting,
            &self.skills_of(after.freelancer_id).await?,
            &after,
        )
        .score;
        let change = ProposalChange {
            proposal_id: after.id,
            at: now,
            actor: actor.user_id(),
            kind: ChangeKind::Edited,
            status: after.status,
            stage_name: None,
            reason: None,
        };
        self.repo
            .save(&after, expected, &change, true)
            .await?
            .ok_or_else(stale)
    }

    /// The freelancer's side withdraws an open proposal, with a reason.
    pub async fn withdraw(
        &self,
        actor: &Actor,
        id: Option<ProposalId>,
        why: &str,
    ) -> DomainResult<Proposal> {
        self.act(actor, id, Side::Freelancer, |_| {
            Ok((ProposalEvent::Withdraw, Some(reason(why, "reason")?)))
        })
        .await
    }

    /// The client's side shortlists, unshortlists, moves (to a stage of the posting's
    /// pipeline) or declines (with a reason) a proposal.
    pub async fn act_as_client(
        &self,
        actor: &Actor,
        id: Option<ProposalId>,
        action: ClientAction,
    ) -> DomainResult<Proposal> {
        self.act(actor, id, Side::Client, move |pipeline| match &action {
            ClientAction::Shortlist => Ok((ProposalEvent::Shortlist, None)),
            ClientAction::Unshortlist => Ok((ProposalEvent::Unshortlist, None)),
            ClientAction::MoveTo(stage) => {
                pipeline.pipeline.require(*stage)?;
                Ok((ProposalEvent::MoveTo(*stage), None))
            }
            ClientAction::Decline(why) => {
                Ok((ProposalEvent::Decline, Some(reason(why, "reason")?)))
            }
        })
        .await
    }

    /// Reads the proposal, checks the side, plans the event on it and stores it on the
    /// version read; redone on a fresh read when another change came first.
    async fn act(
        &self,
        actor: &Actor,
        id: Option<ProposalId>,
        side: Side,
        plan: impl Fn(&StoredPipeline) -> DomainResult<(ProposalEvent, Option<String>)>,
    ) -> DomainResult<Proposal> {
        for _ in 0..RETRIES {
            let (before, posting, membership) = self.visible(actor, id).await?;
            access::acts_as(actor, membership, &before, &posting, side)?;
            let mut pipeline = self.pipeline_of(posting.id).await?;
            let (event, why) = plan(&pipeline)?;
            let status = transition(before.status, event).map_err(on_proposal)?;
            let stage_name = match event {
                ProposalEvent::MoveTo(stage) => {
                    // The stage must exist in storage before a proposal can name it.
                    if pipeline.version == 0 {
                        self.store_template(posting.id, &mut pipeline).await?;
                    }
                    pipeline.pipeline.stage(stage).map(|s| s.name.clone())
                }
                _ => None,
            };
            let now = Utc::now();
            let after = Proposal {
                status,
                status_reason: why.clone().or(if status.is_open() {
                    None
                } else {
                    before.status_reason.clone()
                }),
                updated_at: now,
                ..before.clone()
            };
            let change = ProposalChange {
                proposal_id: before.id,
                at: now,
                actor: actor.user_id(),
                kind: ChangeKind::of(event),
                status,
                stage_name,
                reason: why,
            };
            if let Some(saved) = self
                .repo
                .save(&after, before.version, &change, false)
                .await?
            {
                return Ok(saved);
            }
        }
        Err(busy())
    }

    /// The posting's pipeline as stored, or its template.
    pub(crate) async fn pipeline_of(&self, posting: PostingId) -> DomainResult<StoredPipeline> {
        Ok(self
            .repo
            .pipelines(&[posting])
            .await?
            .remove(&posting)
            .unwrap_or_else(|| StoredPipeline {
                pipeline: Pipeline::template_for(posting),
                version: 0,
            }))
    }

    /// Stores the template (the same stage IDs), unless another change stored a
    /// pipeline first; `pipeline` is what storage holds afterwards.
    async fn store_template(
        &self,
        posting: PostingId,
        pipeline: &mut StoredPipeline,
    ) -> DomainResult<()> {
        let _ = self
            .repo
            .save_pipeline(posting, 0, &pipeline.pipeline)
            .await?;
        *pipeline = self.pipeline_of(posting).await?;
        Ok(())
    }

    /// Proposals by ID that the actor sees. The posting's client viewing proposals for
    /// the first time is recorded (the freelancer edits until then): one statement for
    /// the batch, only when there is something to record.
    pub async fn by_ids(&self, actor: &Actor, ids: &[ProposalId]) -> DomainResult<Vec<Proposal>> {
        let (visible, postings) = self.seen(actor, ids).await?;
        self.record_views(actor, visible, &postings).await
    }

    /// Marks the proposals the posting's client sees for the first time as viewed.
    async fn record_views(
        &self,
        actor: &Actor,
        mut proposals: Vec<Proposal>,
        postings: &HashMap<PostingId, Posting>,
    ) -> DomainResult<Vec<Proposal>> {
        let now = Utc::now();
        let unseen: Vec<ProposalId> = proposals
            .iter()
            .filter(|p| {
                p.first_viewed_at.is_none()
                    && postings
                        .get(&p.posting_id)
                        .is_some_and(|posting| actor.user_id() == Some(posting.client_id))
            })
            .map(|p| p.id)
            .collect();
        if unseen.is_empty() {
            return Ok(proposals);
        }
        self.repo.mark_viewed(&unseen, now).await?;
        for p in proposals.iter_mut().filter(|p| unseen.contains(&p.id)) {
            p.first_viewed_at = Some(now);
            p.version += 1;
        }
        Ok(proposals)
    }

    /// The posting, if the actor runs its evaluation (see [`access::evaluates`]).
    pub(super) async fn evaluated(
        &self,
        actor: &Actor,
        posting: Option<PostingId>,
    ) -> DomainResult<Posting> {
        if actor.user_id().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let Some(id) = posting else {
            return Err(DomainError::not_found_at("postingId", "no such posting"));
        };
        let posting = self.postings.fetch(id).await?;
        let sees = self.postings.sees(actor, &posting).await?;
        access::evaluates(actor, &posting, sees)?;
        Ok(posting)
    }

    /// A page of a posting's proposals for its client, in `sort` order; a cursor of
    /// another sort is `INVALID_CURSOR`'s business (the caller checks
    /// [`ProposalCursor::fits`]). Viewing records the client's first view.
    pub async fn of_posting(
        &self,
        actor: &Actor,
        posting: Option<PostingId>,
        filter: &ProposalFilter,
        sort: ProposalSort,
        page: &PageRequest<ProposalCursor>,
    ) -> DomainResult<Page<Proposal>> {
        let posting = self.evaluated(actor, posting).await?;
        let found = self.repo.of_posting(posting.id, filter, sort, page).await?;
        let postings = HashMap::from([(posting.id, posting)]);
        Ok(Page {
            has_next_page: found.has_next_page,
            items: self.record_views(actor, found.items, &postings).await?,
        })
    }

    /// How many proposals [`of_posting`](Self::of_posting) lists.
    pub async fn count_of_posting(
        &self,
        actor: &Actor,
        posting: Option<PostingId>,
        filter: &ProposalFilter,
    ) -> DomainResult<u64> {
        let posting = self.evaluated(actor, posting).await?;
        self.repo.count_of_posting(posting.id, filter).await
    }

    /// The caller's own proposals (theirs, and those they submitted for an agency),
    /// newest first.
    pub async fn of_viewer(
        &self,
        actor: &Actor,
        page: &PageRequest<ProposalId>,
    ) -> DomainResult<Page<Proposal>> {
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        self.repo.of_user(user, page).await
    }

    /// The histories of the proposals the actor sees, each oldest first.
    pub async fn histories(
        &self,
        actor: &Actor,
        ids: &[ProposalId],
    ) -> DomainResult<HashMap<ProposalId, Vec<ProposalChange>>> {
        let (seen, _) = self.seen(actor, ids).await?;
        let visible: Vec<ProposalId> = seen.iter().map(|p| p.id).collect();
        if visible.is_empty() {
            return Ok(HashMap::new());
        }
        self.repo.histories(&visible).await
    }

    /// The proposals the actor sees, with their postings, without recording a view.
    async fn seen(
        &self,
        actor: &Actor,
        ids: &[ProposalId],
    ) -> DomainResult<(Vec<Proposal>, HashMap<PostingId, Posting>)> {
        if actor.user_id().is_none() || ids.is_empty() {
            return Ok((Vec::new(), HashMap::new()));
        }
        let found = self.repo.by_ids(ids).await?;
        let postings = self.postings_of(&found).await?;
        let membership = self.membership(actor).await?;
        let visible = found
            .into_iter()
            .filter(|p| {
                postings
                    .get(&p.posting_id)
                    .is_some_and(|posting| access::sees(actor, membership, p, posting))
            })
            .collect();
        Ok((visible, postings))
    }

    async fn postings_of(
        &self,
        proposals: &[Proposal],
    ) -> DomainResult<HashMap<PostingId, Posting>> {
        let mut ids: Vec<PostingId> = proposals.iter().map(|p| p.posting_id).collect();
        ids.sort();
        ids.dedup();
        Ok(self
            .postings
            .stored(&ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect())
    }

    /// The match of each of `proposals` (as this service returned them to the caller)
    /// with its posting: the freelancer's profile skills now, the bid, the reputation.
    /// Two statements for any number.
    pub async fn matches(
        &self,
        proposals: &[Proposal],
    ) -> DomainResult<HashMap<ProposalId, Match>> {
        if proposals.is_empty() {
            return Ok(HashMap::new());
        }
        let postings = self.postings_of(proposals).await?;
        let mut users: Vec<UserId> = proposals.iter().map(|p| p.freelancer_id).collect();
        users.sort_by_key(|u| u.0);
        users.dedup();
        let skills = self.repo.skills_of(&users).await?;
        Ok(proposals
            .iter()
            .filter_map(|p| {
                let posting = postings.get(&p.posting_id)?;
                let have = skills.get(&p.freelancer_id).map_or(&[][..], Vec::as_slice);
                Some((p.id, Self::score(posting, have, p)))
            })
            .collect())
    }

    /// The freelancer profiles of `proposals` (as this service returned them to the
    /// caller), by user: a freelancer who proposes shows their profile to the posting's
    /// client even when it is not public. One read for any number.
    pub async fn freelancers(
        &self,
        proposals: &[Proposal],
    ) -> DomainResult<HashMap<UserId, FreelancerProfile>> {
        let mut users: Vec<UserId> = proposals.iter().map(|p| p.freelancer_id).collect();
        users.sort_by_key(|u| u.0);
        users.dedup();
        if users.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(self
            .profiles
            .by_users(&users)
            .await?
            .into_iter()
            .map(|p| (p.user_id, p))
            .collect())
    }

    /// The pipelines of the postings of `proposals` (as this service returned them to
    /// the caller): both sides see the stage a proposal is in. One statement.
    pub async fn pipelines_of(
        &self,
        proposals: &[Proposal],
    ) -> DomainResult<HashMap<PostingId, Pipeline>> {
        let mut ids: Vec<PostingId> = proposals.iter().map(|p| p.posting_id).collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut stored = self.repo.pipelines(&ids).await?;
        Ok(ids
            .into_iter()
            .map(|id| {
                let pipeline = stored
                    .remove(&id)
                    .map_or_else(|| Pipeline::template_for(id), |s| s.pipeline);
                (id, pipeline)
            })
            .collect())
    }
}
