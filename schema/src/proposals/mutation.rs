//! Submitting, editing and withdrawing proposals (the freelancer's side), and moving
//! them through the evaluation (the client's side).

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use domain::DomainError;
use domain::agencies::AgencyId;
use domain::postings::PostingId;
use domain::profiles::ProfileId;
use domain::proposals::{self as d, ClientAction, ProposalId, StageId, SubmitAs};
use uuid::Uuid;

use super::inputs::{
    DeclineProposalInput, MoveProposalInput, ShortlistProposalInput, SubmitProposalInput,
    UnshortlistProposalInput, UpdateProposalInput, WithdrawProposalInput, terms,
};
use super::pipeline::stage_id;
use super::types::Proposal;
use crate::context::{actor, services};
use crate::errors::{UserError, into_payload};
use crate::ids::{NodeKind, decode_kind};

macro_rules! proposal_payload {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(SimpleObject)]
        pub struct $name {
            /// The proposal after the change; null when `userErrors` is not empty.
            pub proposal: Option<Proposal>,
            /// Why the change was refused (nothing was changed); empty on success. Paths
            /// start at `input`, e.g. `["input", "answers", "0", "text"]`.
            pub user_errors: Vec<UserError>,
        }

        impl From<(Option<Proposal>, Vec<UserError>)> for $name {
            fn from((proposal, user_errors): (Option<Proposal>, Vec<UserError>)) -> Self {
                Self {
                    proposal,
                    user_errors,
                }
            }
        }
    };
}

proposal_payload!(SubmitProposalPayload, "The outcome of `submitProposal`.");
proposal_payload!(UpdateProposalPayload, "The outcome of `updateProposal`.");
proposal_payload!(
    WithdrawProposalPayload,
    "The outcome of `withdrawProposal`."
);
proposal_payload!(
    ShortlistProposalPayload,
    "The outcome of `shortlistProposal`."
);
proposal_payload!(
    UnshortlistProposalPayload,
    "The outcome of `unshortlistProposal`."
);
proposal_payload!(MoveProposalPayload, "The outcome of `moveProposal`.");
proposal_payload!(DeclineProposalPayload, "The outcome of `declineProposal`.");

fn proposal_id(id: &ID) -> Option<ProposalId> {
    decode_kind(id, NodeKind::Proposal).ok().map(ProposalId)
}

/// Who submits: the caller for themself, or an agency they own for a member (given as
/// the member's freelancer profile). An ID that is not one, or a missing half of the
/// pair, names nobody: the domain answers in its order (who asks first).
fn submit_as(agency: Option<&ID>, member: Option<&ID>) -> SubmitAs {
    if agency.is_none() && member.is_none() {
        return SubmitAs::Freelancer;
    }
    SubmitAs::Agency {
        agency: agency
            .and_then(|a| decode_kind(a, NodeKind::Agency).ok())
            .map(AgencyId),
        member: member
            .and_then(|m| decode_kind(m, NodeKind::FreelancerProfile).ok())
            .map(ProfileId),
    }
}

/// Splits a mutation's outcome into the payload's parts.
fn split(
    ctx: &Context<'_>,
    result: Result<d::Proposal, DomainError>,
) -> Result<(Option<Proposal>, Vec<UserError>)> {
    let (proposal, errors) = into_payload(ctx, result)?;
    Ok((proposal.map(Proposal::new), errors))
}

#[derive(Default)]
pub struct ProposalMutation;

impl ProposalMutation {
    async fn client_action(
        &self,
        ctx: &Context<'_>,
        id: &ID,
        action: ClientAction,
    ) -> Result<(Option<Proposal>, Vec<UserError>)> {
        let result = services(ctx)?
            .proposals
            .act_as_client(actor(ctx), proposal_id(id), action)
            .await;
        split(ctx, result)
    }
}

#[Object]
impl ProposalMutation {
    /// Submits a proposal on a posting: as a freelancer, for yourself; as an owner of
    /// an agency, for one of its members. One proposal per freelancer and posting
    /// (`ALREADY_APPLIED` on `postingId`); never on your own posting. An invite-only
    /// posting needs an invitation for you (or your agency). Every problem with the
    /// terms is reported at once.
    async fn submit_proposal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The posting, who submits, and the terms.")] input: SubmitProposalInput,
    ) -> Result<SubmitProposalPayload> {
        let actor = actor(ctx);
        let posting = decode_kind(&input.posting_id, NodeKind::Posting)
            .ok()
            .map(PostingId);
        let submitter = submit_as(input.agency_id.as_ref(), input.member_id.as_ref());
        let terms = terms(
            input.cover_letter,
            input.bid,
            input.duration_days,
            input.answers,
            input.milestones,
        );
        let result = services(ctx)?
            .proposals
            .submit(actor, posting, submitter, terms)
            .await;
        Ok(split(ctx, result)?.into())
    }

    /// Changes the terms of a proposal of yours (or your agency's) while it is open and
    /// the client has not viewed it (`viewedAt` is null), based on the version you
    /// read. The terms are given whole and checked as a submission is.
    async fn update_proposal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal, the version you read, and the new terms.")]
        input: UpdateProposalInput,
    ) -> Result<UpdateProposalPayload> {
        let terms = terms(
            input.cover_letter,
            input.bid,
            input.duration_days,
            input.answers,
            input.milestones,
        );
        let result = services(ctx)?
            .proposals
            .edit(
                actor(ctx),
                proposal_id(&input.proposal_id),
                input.expected_version,
                terms,
            )
            .await;
        Ok(split(ctx, result)?.into())
    }

    /// Withdraws an open proposal of yours (or your agency's), saying why. Final.
    async fn withdraw_proposal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal and why.")] input: WithdrawProposalInput,
    ) -> Result<WithdrawProposalPayload> {
        let result = services(ctx)?
            .proposals
            .withdraw(actor(ctx), proposal_id(&input.proposal_id), &input.reason)
            .await;
        Ok(split(ctx, result)?.into())
    }

    /// Puts a SUBMITTED proposal on one of your postings on your short list.
    async fn shortlist_proposal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal.")] input: ShortlistProposalInput,
    ) -> Result<ShortlistProposalPayload> {
        let id = &input.proposal_id;
        Ok(self
            .client_action(ctx, id, ClientAction::Shortlist)
            .await?
            .into())
    }

    /// Takes a proposal on one of your postings off your short list: it is SUBMITTED
    /// again.
    async fn unshortlist_proposal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal.")] input: UnshortlistProposalInput,
    ) -> Result<UnshortlistProposalPayload> {
        let id = &input.proposal_id;
        Ok(self
            .client_action(ctx, id, ClientAction::Unshortlist)
            .await?
            .into())
    }

    /// Moves a proposal on one of your postings to a stage of the posting's pipeline,
    /// forwards or back (not while an offer is pending): it is IN_EVALUATION there.
    async fn move_proposal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal and the stage.")] input: MoveProposalInput,
    ) -> Result<MoveProposalPayload> {
        // An ID that is no stage's names no stage of the pipeline: NOT_FOUND on it.
        let stage = stage_id(&input.stage_id).unwrap_or(StageId(Uuid::max()));
        let id = &input.proposal_id;
        Ok(self
            .client_action(ctx, id, ClientAction::MoveTo(stage))
            .await?
            .into())
    }

    /// Declines a proposal on one of your postings, saying why. Final.
    async fn decline_proposal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal and why.")] input: DeclineProposalInput,
    ) -> Result<DeclineProposalPayload> {
        let action = ClientAction::Decline(input.reason);
        Ok(self
            .client_action(ctx, &input.proposal_id, action)
            .await?
            .into())
    }

    /// Records that you, the posting's client, viewed these proposals (up to 100): call
    /// it when you open one. From then on the freelancer can no longer edit it
    /// (`viewedAt` is set; viewed ones keep their first time). Reading proposals never
    /// records a view; shortlisting, moving or declining one does.
    async fn mark_proposals_viewed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposals you viewed.")] input: MarkProposalsViewedInput,
    ) -> Result<MarkProposalsViewedPayload> {
        let ids: Vec<Option<ProposalId>> = input.proposal_ids.iter().map(proposal_id).collect();
        let result = services(ctx)?.proposals.mark_viewed(actor(ctx), &ids).await;
        let (proposals, user_errors) = into_payload(ctx, result)?;
        Ok(MarkProposalsViewedPayload {
            proposals: proposals.map(|ps| ps.into_iter().map(Proposal::new).collect()),
            user_errors,
        })
    }
}

/// Input of `markProposalsViewed`.
#[derive(async_graphql::InputObject)]
pub struct MarkProposalsViewedInput {
    /// Proposals on your postings, at most 100.
    pub proposal_ids: Vec<ID>,
}

/// The outcome of `markProposalsViewed`.
#[derive(SimpleObject)]
pub struct MarkProposalsViewedPayload {
    /// The proposals, viewed; null when `userErrors` is not empty.
    pub proposals: Option<Vec<Proposal>>,
    /// Why nothing was recorded; empty on success. Paths start at `input`, e.g.
    /// `["input", "proposalIds", "3"]`.
    pub user_errors: Vec<UserError>,
}
