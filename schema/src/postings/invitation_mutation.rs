//! Inviting freelancers and agencies to a posting, and answering invitations.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use domain::DomainError;
use domain::agencies::AgencyId;
use domain::postings::{InvitationInput, PostingId, PostingInvitationId};
use domain::profiles::ProfileId;

use super::invitations::PostingInvitation;
use crate::context::{actor, services};
use crate::errors::{UserError, into_payload};
use crate::ids::{NodeKind, decode_kind};

/// Input of `invitePostingCandidate`: a posting and exactly one of `profileId` and
/// `agencyId`.
#[derive(InputObject)]
pub struct InvitePostingCandidateInput {
    /// The posting (one of yours, open or paused).
    pub posting_id: ID,
    /// The freelancer profile of the freelancer to invite; give this or `agencyId`.
    pub profile_id: Option<ID>,
    /// The agency to invite (its owners answer); give this or `profileId`.
    pub agency_id: Option<ID>,
    /// Plain text for the invitee, at most 1000 characters.
    pub message: Option<String>,
}

/// Input of `acceptPostingInvitation`.
#[derive(InputObject)]
pub struct AcceptPostingInvitationInput {
    /// The pending invitation (to you, or to an agency you own).
    pub invitation_id: ID,
}

/// Input of `declinePostingInvitation`.
#[derive(InputObject)]
pub struct DeclinePostingInvitationInput {
    /// The pending invitation (to you, or to an agency you own).
    pub invitation_id: ID,
    /// Why, if you like: plain text, at most 500 characters; the client sees it.
    pub reason: Option<String>,
}

/// The outcome of `invitePostingCandidate`.
#[derive(SimpleObject)]
pub struct InvitePostingCandidatePayload {
    /// The pending invitation; null when `userErrors` is not empty.
    pub invitation: Option<PostingInvitation>,
    /// Why the invitation was refused; empty on success. Paths start at `input`, e.g.
    /// `["input", "profileId"]`.
    pub user_errors: Vec<UserError>,
}

/// The outcome of `acceptPostingInvitation`.
#[derive(SimpleObject)]
pub struct AcceptPostingInvitationPayload {
    /// The accepted invitation; null when `userErrors` is not empty.
    pub invitation: Option<PostingInvitation>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The outcome of `declinePostingInvitation`.
#[derive(SimpleObject)]
pub struct DeclinePostingInvitationPayload {
    /// The declined invitation; null when `userErrors` is not empty.
    pub invitation: Option<PostingInvitation>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// An ID of `kind` as the domain takes it: `None` when it is not one (it names nothing).
fn id_of<T>(id: &ID, kind: NodeKind, wrap: impl FnOnce(uuid::Uuid) -> T) -> Option<T> {
    decode_kind(id, kind).ok().map(wrap)
}

fn invitation_id(id: &ID) -> Option<PostingInvitationId> {
    id_of(id, NodeKind::PostingInvitation, PostingInvitationId)
}

fn split(
    ctx: &Context<'_>,
    result: Result<domain::postings::PostingInvitation, DomainError>,
) -> Result<(Option<PostingInvitation>, Vec<UserError>)> {
    let (value, errors) = into_payload(ctx, result)?;
    Ok((value.map(PostingInvitation), errors))
}

#[derive(Default)]
pub struct PostingInvitationMutation;

#[Object]
impl PostingInvitationMutation {
    /// Invites a freelancer (by profile) or an agency to propose on one of your postings,
    /// open or paused: the way in to an invite-only posting. The posting's client only.
    /// At most one pending or accepted invitation per posting and invitee (`CONFLICT`),
    /// 200 per posting (`INVALID_STATE`). The freelancer (an agency's owners) get a
    /// notification.
    async fn invite_posting_candidate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The posting, whom to invite and a message.")]
        input: InvitePostingCandidateInput,
    ) -> Result<InvitePostingCandidatePayload> {
        let posting = id_of(&input.posting_id, NodeKind::Posting, PostingId);
        let request = InvitationInput {
            profile_id: input
                .profile_id
                .map(|id| id_of(&id, NodeKind::FreelancerProfile, ProfileId)),
            agency_id: input
                .agency_id
                .map(|id| id_of(&id, NodeKind::Agency, AgencyId)),
            message: input.message,
        };
        let result = services(ctx)?
            .posting_invitations
            .invite(actor(ctx), posting, request)
            .await;
        let (invitation, user_errors) = split(ctx, result)?;
        Ok(InvitePostingCandidatePayload {
            invitation,
            user_errors,
        })
    }

    /// Accepts an invitation to a posting: the invited freelancer, or an owner of the
    /// invited agency. A pending invitation only (`INVALID_STATE` once it was answered or
    /// its posting closed).
    async fn accept_posting_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation.")] input: AcceptPostingInvitationInput,
    ) -> Result<AcceptPostingInvitationPayload> {
        let result = services(ctx)?
            .posting_invitations
            .accept(actor(ctx), invitation_id(&input.invitation_id))
            .await;
        let (invitation, user_errors) = split(ctx, result)?;
        Ok(AcceptPostingInvitationPayload {
            invitation,
            user_errors,
        })
    }

    /// Declines an invitation to a posting, optionally saying why: the invited
    /// freelancer, or an owner of the invited agency. A pending invitation only.
    async fn decline_posting_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation and an optional reason.")]
        input: DeclinePostingInvitationInput,
    ) -> Result<DeclinePostingInvitationPayload> {
        let result = services(ctx)?
            .posting_invitations
            .decline(
                actor(ctx),
                invitation_id(&input.invitation_id),
                input.reason,
            )
            .await;
        let (invitation, user_errors) = split(ctx, result)?;
        Ok(DeclinePostingInvitationPayload {
            invitation,
            user_errors,
        })
    }
}
