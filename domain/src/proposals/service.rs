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
    ChangeBy, ChangeKind, Proposal, ProposalChange, ProposalCursor, ProposalFilter, ProposalId,
    ProposalSort,
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
    InvitedParty, Posting, PostingId, PostingInvitationRepository, PostingService,
    PostingVisibility,
};
use crate::profiles::{FreelancerProfile, ProfileId, ProfileRepository};

/// How often a change planned on a proposal read is redone when another change came
/// first, before giving up with `CONFLICT`.
pub(super) const RETRIES: usize = 3;

#[derive(Clone)]
pub struct ProposalService {
    pub(crate) repo: Arc<dyn ProposalRepository>,
    evaluators: Arc<dyn super::evaluators::EvaluatorRepository>,
    pub(super) scorecards: Arc<dyn super::scorecards::ScorecardRepository>,
    postings: PostingService,
    invitations: Arc<dyn PostingInvitationRepository>,
    agencies: Arc<dyn AgencyRepository>,
    profiles: Arc<dyn ProfileRepository>,
    reputation: Arc<dyn crate::reviews::ReputationRepository>,
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
        (profiles, reputation): (
            Arc<dyn ProfileRepository>,
            Arc<dyn crate::reviews::ReputationRepository>,
        ),
        evaluation: (
            Arc<dyn super::evaluators::EvaluatorRepository>,
            Arc<dyn super::scorecards::ScorecardRepository>,
        ),
    ) -> Self {
        Self {
            repo,
            evaluators: evaluation.0,
            scorecards: evaluation.1,
            postings,
            invitations,
            agencies,
            profiles,
            reputation,
        }
    }

    pub(super) fn evaluator_repo(&self) -> &dyn super::evaluators::EvaluatorRepository {
        self.evaluators.as_ref()
    }

    async fn membership_of(&self, user: UserId) -> DomainResult<Membership> {
        Ok(self
            .agencies
            .memberships(&[user])
            .await?
            .remove(&user)
            .map(|m| (m.agency_id, m.role)))
    }

    pub(super) async fn membership(&self, actor: &Actor) -> DomainResult<Membership> {
        match actor.user_id() {
            Some(user) => self.membership_of(user).await,
            None => Ok(None),
        }
    }

    /// The match of a freelancer with `skills` and `reputation` bidding in `proposal` on
    /// `posting`.
    fn score(
        posting: &Posting,
        skills: &[crate::profiles::ProfileSkill],
        reputation: Reputation,
        proposal: &Proposal,
    ) -> Match {
        match_of(
            &posting.skills,
            posting.budget.as_ref(),
            skills,
            (proposal.terms.bid_kind, proposal.terms.bid),
            reputation,
        )
    }

    /// A freelancer's skills and reputation (as a freelancer), for match scores.
    async fn standing_of(
        &self,
        user: UserId,
    ) -> DomainResult<(Vec<crate::profiles::ProfileSkill>, Reputation)> {
        let subject = crate::reviews::Subject::Freelancer(user);
        let skills = self.repo.skills_of(&[user]).await?.remove(&user);
        let reputation = self
            .reputation
            .reputations(&[subject])
            .await?
            .remove(&subject);
        Ok((
            skills.unwrap_or_default(),
            reputation.map(|r| r.for_matching()).unwrap_or_default(),
        ))
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
        // Seeing the posting takes any invitation of the caller's (their own or their
        // agency's); submitting on an invite-only one takes the submitter's own.
        let mut facts = SubmitterFacts {
            sees_posting: self.postings.sees(actor, &posting).await?,
            ..SubmitterFacts::default()
        };
        let invite_only = posting.visibility == PostingVisibility::InviteOnly;
        let (submitter, named_agency) = match submit_as {
            SubmitAs::Freelancer => {
                facts.invited = invite_only
                    && self
                        .invitations
                        .admits(posting.id, InvitedParty::Freelancer(caller))
                        .await?;
                (Submitter::Freelancer, true)
            }
            SubmitAs::Agency { agency, member } => {
                // An ID that names nothing is nobody's: the policy answers in its order.
                let named = agency.is_some();
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
                facts.invited = invite_only
                    && facts.actor_agency_role.is_some()
                    && self
                        .invitations
                        .admits(posting.id, InvitedParty::Agency(agency))
                        .await?;
                let submitter = Submitter::Agency {
                    agency,
                    member: member_user.unwrap_or(UserId(Uuid::nil())),
                };
                (submitter, named)
            }
        };
        // An evaluator of the posting reads its competition: no proposal of theirs.
        if self.is_evaluator(actor, posting.id).await? {
            return Err(DomainError::Forbidden);
        }
        let freelancer = match policy::submit(actor, &posting, submitter, facts) {
            Err(DomainError::Forbidden) if !named_agency => {
                return Err(DomainError::not_found_at("agencyId", "no such agency"));
            }
            other => other?,
        };
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
            status: ProposalStatus::Submitted,
            status_reason: None,
            terms,
            match_score: 0,
            scorecard_score: 0,
            version: 1,
            created_at: now,
            updated_at: now,
            first_viewed_at: None,
        };
        proposal.match_score = {
            let (skills, reputation) = self.standing_of(freelancer).await?;
            Self::score(&posting, &skills, reputation, &proposal).score
        };
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
    pub(super) async fn visible(
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
        if !access::sees(actor, membership, &proposal, &posting)
            && !self.is_evaluator(actor, posting.id).await?
        {
            return Err(access::not_found());
        }
        Ok((proposal, posting, membership))
    }

    /// [`access::acts_as`], where an evaluator of the posting (who sees the proposal but
    /// is on neither side) is `FORBIDDEN` rather than told it does not exist.
    async fn acts(
        &self,
        actor: &Actor,
        membership: Membership,
        proposal: &Proposal,
        posting: &Posting,
        side: Side,
    ) -> DomainResult<()> {
        match access::acts_as(actor, membership, proposal, posting, side) {
            Err(e @ DomainError::Validation(_)) => {
                if self.is_evaluator(actor, posting.id).await? {
                    Err(DomainError::Forbidden)
                } else {
                    Err(e)
                }
            }
            other => other,
        }
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
        self.acts(actor, membership, &before, &posting, Side::Freelancer)
            .await?;
        may_edit(before.status, before.first_viewed_at).map_err(on_proposal)?;
        if before.version != expected {
            return Err(stale());
        }
        let now = Utc::now();
        // A posting that stopped taking proposals stops edits too: said of the proposal,
        // the edit's input having no posting.
        let terms = check(&posting, &input, now).map_err(|e| match e {
            DomainError::Validation(mut errors) => {
                for e in &mut errors {
                    if e.field == ["postingId"] {
                        e.field = vec!["proposalId".into()];
                    }
                }
                DomainError::Validation(errors)
            }
            other => other,
        })?;
        let mut after = Proposal {
            terms,
            updated_at: now,
            ..before.clone()
        };
        let (skills, reputation) = self.standing_of(after.freelancer_id).await?;
        after.match_score = Self::score(&posting, &skills, reputation, &after).score;
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
        self.act(actor, id, Side::Freelancer, || {
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
        self.act(actor, id, Side::Client, move || match &action {
            ClientAction::Shortlist => Ok((ProposalEvent::Shortlist, None)),
            ClientAction::Unshortlist => Ok((ProposalEvent::Unshortlist, None)),
            ClientAction::MoveTo(stage) => Ok((ProposalEvent::MoveTo(*stage), None)),
            ClientAction::Decline(why) => {
                Ok((ProposalEvent::Decline, Some(reason(why, "reason")?)))
            }
        })
        .await
    }

    /// Reads the proposal, checks the side, plans the event on it and stores it on the
    /// version read; redone on a fresh read when another change came first. The
    /// client's side acting on a proposal has seen it: its first view is recorded.
    async fn act(
        &self,
        actor: &Actor,
        id: Option<ProposalId>,
        side: Side,
        plan: impl Fn() -> DomainResult<(ProposalEvent, Option<String>)>,
    ) -> DomainResult<Proposal> {
        for _ in 0..RETRIES {
            let (before, posting, membership) = self.visible(actor, id).await?;
            self.acts(actor, membership, &before, &posting, side)
                .await?;
            let (event, why) = plan()?;
            // Refusals come before any write (storing the template).
            let status = transition(before.status, event).map_err(on_proposal)?;
            let stage_name = match event {
                ProposalEvent::MoveTo(stage) => {
                    let mut pipeline = self.pipeline_of(posting.id).await?;
                    pipeline.pipeline.require(stage)?;
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
                first_viewed_at: match side {
                    Side::Client => before.first_viewed_at.or(Some(now)),
                    Side::Freelancer => before.first_viewed_at,
                },
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
    pub(super) async fn store_template(
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

    /// Proposals by ID that the actor sees. Reading records nothing (see
    /// [`mark_viewed`](Self::mark_viewed)).
    pub async fn by_ids(&self, actor: &Actor, ids: &[ProposalId]) -> DomainResult<Vec<Proposal>> {
        Ok(self.seen(actor, ids).await?.0)
    }

    /// The posting's client records that they viewed these proposals (up to 100; those
    /// viewed before keep their time): from then on the freelancer no longer edits them.
    /// An explicit change, never a side effect of a read. Proposals the caller is not
    /// the client of are `NOT_FOUND` on `proposalIds.<i>` (or `FORBIDDEN` when they see
    /// them from the freelancer's side), and nothing is recorded. The proposals after.
    pub async fn mark_viewed(
        &self,
        actor: &Actor,
        ids: &[Option<ProposalId>],
    ) -> DomainResult<Vec<Proposal>> {
        if actor.user_id().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        if ids.len() > crate::pagination::MAX_PAGE_SIZE as usize {
            return Err(DomainError::validation(
                &["proposalIds"],
                format!("at most {} at once", crate::pagination::MAX_PAGE_SIZE),
            ));
        }
        let known: Vec<ProposalId> = ids.iter().flatten().copied().collect();
        let (found, clients) = self.seen(actor, &known).await?;
        let membership = self.membership(actor).await?;
        let mut unseen = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let proposal = id.and_then(|id| found.iter().find(|p| p.id == id));
            let client = proposal.and_then(|p| clients.get(&p.posting_id));
            let (Some(proposal), Some(client)) = (proposal, client) else {
                return Err(DomainError::Validation(vec![FieldError::new(
                    &["proposalIds", &i.to_string()],
                    ErrorCode::NotFound,
                    "no such proposal",
                )]));
            };
            if let Err(e) = access::acts_as_for(actor, membership, proposal, *client, Side::Client)
            {
                // An evaluator sees the proposal but records no view.
                return Err(if self.is_evaluator(actor, proposal.posting_id).await? {
                    DomainError::Forbidden
                } else {
                    e
                });
            }
            if proposal.first_viewed_at.is_none() {
                unseen.push(proposal.id);
            }
        }
        if !unseen.is_empty() {
            self.repo.mark_viewed(&unseen, Utc::now()).await?;
        }
        Ok(self.seen(actor, &known).await?.0)
    }

    /// The posting, if the actor runs its evaluation: its client, or one of its
    /// evaluators (see [`access::evaluates`]).
    pub(super) async fn evaluated(
        &self,
        actor: &Actor,
        posting: Option<PostingId>,
    ) -> DomainResult<Posting> {
        let posting = self.posting_for(actor, posting).await?;
        if self.is_evaluator(actor, posting.id).await? {
            return Ok(posting);
        }
        let sees = self.postings.sees(actor, &posting).await?;
        access::evaluates(actor, &posting, sees)?;
        Ok(posting)
    }

    /// The posting, if the actor is its client (evaluators are `FORBIDDEN`).
    pub(super) async fn run_by_client(
        &self,
        actor: &Actor,
        posting: Option<PostingId>,
    ) -> DomainResult<Posting> {
        let posting = self.posting_for(actor, posting).await?;
        let sees = self.postings.sees(actor, &posting).await?
            || self.is_evaluator(actor, posting.id).await?;
        access::evaluates(actor, &posting, sees)?;
        Ok(posting)
    }

    async fn posting_for(
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
        self.postings.fetch(id).await
    }

    /// A page of a posting's proposals for its client and evaluators, in `sort` order; a cursor of
    /// another sort is `INVALID_CURSOR`'s business (the caller checks
    /// [`ProposalCursor::fits`]).
    pub async fn of_posting(
        &self,
        actor: &Actor,
        posting: Option<PostingId>,
        filter: &ProposalFilter,
        sort: ProposalSort,
        page: &PageRequest<ProposalCursor>,
    ) -> DomainResult<Page<Proposal>> {
        let posting = self.evaluated(actor, posting).await?;
        // The order by score, and its cursors, tell the scores: the client's alone
        // (evaluators' cards are blind until their own are in).
        if sort == ProposalSort::Score && actor.user_id() != Some(posting.client_id) {
            return Err(DomainError::Forbidden);
        }
        self.repo.of_posting(posting.id, filter, sort, page).await
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

    /// The caller's own proposals (theirs, and, for an agency's owner, those the agency
    /// submitted), newest first.
    pub async fn of_viewer(
        &self,
        actor: &Actor,
        page: &PageRequest<ProposalId>,
    ) -> DomainResult<Page<Proposal>> {
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        let owned = self
            .membership_of(user)
            .await?
            .filter(|(_, role)| *role == crate::agencies::AgencyRole::Owner)
            .map(|(agency, _)| agency);
        self.repo.of_user(user, owned, page).await
    }

    /// The histories of the proposals the actor sees, each oldest first, every change
    /// with who made it.
    pub async fn histories(
        &self,
        actor: &Actor,
        ids: &[ProposalId],
    ) -> DomainResult<HashMap<ProposalId, Vec<(ProposalChange, ChangeBy)>>> {
        let (seen, clients) = self.seen(actor, ids).await?;
        let visible: Vec<ProposalId> = seen.iter().map(|p| p.id).collect();
        if visible.is_empty() {
            return Ok(HashMap::new());
        }
        let mut found = self.repo.histories(&visible).await?;
        Ok(seen
            .iter()
            .filter_map(|p| {
                let client = *clients.get(&p.posting_id)?;
                let changes = found.remove(&p.id)?;
                let by = changes
                    .into_iter()
                    .map(|c| {
                        let by = ChangeBy::of(&c, p, client);
                        (c, by)
                    })
                    .collect();
                Some((p.id, by))
            })
            .collect())
    }

    /// The proposals the actor sees, with their postings' clients.
    async fn seen(
        &self,
        actor: &Actor,
        ids: &[ProposalId],
    ) -> DomainResult<(Vec<Proposal>, HashMap<PostingId, UserId>)> {
        if actor.user_id().is_none() || ids.is_empty() {
            return Ok((Vec::new(), HashMap::new()));
        }
        let found = self.repo.by_ids(ids).await?;
        self.among(actor, &found).await
    }

    /// The clients of the postings of `proposals`: one statement.
    async fn clients_of(&self, proposals: &[Proposal]) -> DomainResult<HashMap<PostingId, UserId>> {
        let mut ids: Vec<PostingId> = proposals.iter().map(|p| p.posting_id).collect();
        ids.sort();
        ids.dedup();
        self.postings.clients_of(&ids).await
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

    /// Those of `proposals` the actor sees, with their postings' clients: the batch
    /// helpers below check again rather than trust their caller: its parties and the
    /// posting's evaluators. Three statements.
    pub(super) async fn among(
        &self,
        actor: &Actor,
        proposals: &[Proposal],
    ) -> DomainResult<(Vec<Proposal>, HashMap<PostingId, UserId>)> {
        if actor.user_id().is_none() || proposals.is_empty() {
            return Ok((Vec::new(), HashMap::new()));
        }
        let clients = self.clients_of(proposals).await?;
        let membership = self.membership(actor).await?;
        let postings: Vec<PostingId> = clients.keys().copied().collect();
        let evaluating = self.evaluated_by(actor, &postings).await?;
        let visible = proposals
            .iter()
            .filter(|p| {
                evaluating.contains(&p.posting_id)
                    || clients
                        .get(&p.posting_id)
                        .is_some_and(|client| access::sees_for(actor, membership, p, *client))
            })
            .cloned()
            .collect();
        Ok((visible, clients))
    }

    /// The match of each of `proposals` the actor sees with its posting: the
    /// freelancer's profile skills now, the bid, the reputation. A fixed number of
    /// statements for any number of proposals.
    pub async fn matches(
        &self,
        actor: &Actor,
        proposals: &[Proposal],
    ) -> DomainResult<HashMap<ProposalId, Match>> {
        let (proposals, _) = self.among(actor, proposals).await?;
        if proposals.is_empty() {
            return Ok(HashMap::new());
        }
        let postings = self.postings_of(&proposals).await?;
        let mut users: Vec<UserId> = proposals.iter().map(|p| p.freelancer_id).collect();
        users.sort_by_key(|u| u.0);
        users.dedup();
        let skills = self.repo.skills_of(&users).await?;
        let subjects: Vec<_> = users
            .iter()
            .map(|u| crate::reviews::Subject::Freelancer(*u))
            .collect();
        let reputations = self.reputation.reputations(&subjects).await?;
        Ok(proposals
            .iter()
            .filter_map(|p| {
                let posting = postings.get(&p.posting_id)?;
                let have = skills.get(&p.freelancer_id).map_or(&[][..], Vec::as_slice);
                let reputation = reputations
                    .get(&crate::reviews::Subject::Freelancer(p.freelancer_id))
                    .map(|r| r.for_matching())
                    .unwrap_or_default();
                Some((p.id, Self::score(posting, have, reputation, p)))
            })
            .collect())
    }

    /// The freelancer profiles of `proposals` the actor sees, by user: a freelancer who
    /// proposes shows their profile to the proposal's parties even when they keep it
    /// off the public listings, but never one under a moderation hold or of a suspended
    /// account (unless the caller is its owner or an admin). A fixed number of
    /// statements for any number.
    pub async fn freelancers(
        &self,
        actor: &Actor,
        proposals: &[Proposal],
    ) -> DomainResult<HashMap<UserId, FreelancerProfile>> {
        let (proposals, _) = self.among(actor, proposals).await?;
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
            .filter(|p| {
                (!p.moderation_hidden && p.owner_active)
                    || crate::profiles::policy::can_see(actor, p)
            })
            .map(|p| (p.user_id, p))
            .collect())
    }

    /// The pipelines of the postings of `proposals` the actor sees: both sides see the
    /// stage a proposal is in.
    pub async fn pipelines_of(
        &self,
        actor: &Actor,
        proposals: &[Proposal],
    ) -> DomainResult<HashMap<PostingId, Pipeline>> {
        let (proposals, _) = self.among(actor, proposals).await?;
        let mut ids: Vec<PostingId> = proposals.iter().map(|p| p.posting_id).collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        self.pipelines_or_templates(ids).await
    }

    /// The pipelines of `postings`: stored, or the template; one statement.
    pub(super) async fn pipelines_or_templates(
        &self,
        postings: Vec<PostingId>,
    ) -> DomainResult<HashMap<PostingId, Pipeline>> {
        let mut stored = self.repo.pipelines(&postings).await?;
        Ok(postings
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
