use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use domain::DomainError;
use domain::agencies::{self, AgencyId, AgencyInput, InvitationId};
use domain::profiles::ProfileId;

use super::types::{Agency, AgencyInvitation, AgencyRole, AgencyVisibility};
use crate::context::{actor, services};
use crate::errors::{UserError, into_payload};
use crate::ids::{NodeKind, decode_kind};
use crate::profiles::fields::{change, kept, nest};

/// A skill the agency offers.
#[derive(InputObject)]
pub struct AgencySkillInput {
    /// The skill's slug from the taxonomy, e.g. `postgresql` (see `skills`).
    pub skill: String,
    /// 1 (beginner) to 5 (expert); leave out for none.
    pub level: Option<i64>,
}

/// The parts of an agency's profile. Absent fields stay as they are; `null` clears a
/// clearable field; a list, when given, replaces the whole list. Text is plain text.
#[derive(InputObject)]
pub struct AgencyFields {
    /// One line, 2 to 100 characters (required when creating; cannot be null).
    pub name: MaybeUndefined<String>,
    /// One line, at most 120 characters (empty to clear; cannot be null).
    pub headline: MaybeUndefined<String>,
    /// Plain text, at most 5000 characters (empty to clear; cannot be null).
    pub overview: MaybeUndefined<String>,
    /// An http or https URL.
    pub website: MaybeUndefined<String>,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: MaybeUndefined<String>,
    /// At most 30 skills from the taxonomy, each once (an empty list clears; null is
    /// refused).
    pub skills: MaybeUndefined<Vec<AgencySkillInput>>,
}

impl From<AgencyFields> for AgencyInput {
    fn from(f: AgencyFields) -> Self {
        let mut nulls = Vec::new();
        let name = kept(f.name, "name", &mut nulls);
        let headline = kept(f.headline, "headline", &mut nulls);
        let overview = kept(f.overview, "overview", &mut nulls);
        let skills = kept(f.skills, "skills", &mut nulls);
        AgencyInput {
            name,
            headline,
            overview,
            website: change(f.website, |w| w),
            country: change(f.country, |c| c),
            skills: skills.map(|list| {
                list.into_iter()
                    .map(|s| agencies::AgencySkillInput {
                        skill: s.skill,
                        level: s.level,
                    })
                    .collect()
            }),
            nulls,
        }
    }
}

/// Input of `createAgency`.
#[derive(InputObject)]
pub struct CreateAgencyInput {
    /// The agency's profile; `name` is required.
    pub agency: AgencyFields,
}

/// Input of `updateAgency`.
#[derive(InputObject)]
pub struct UpdateAgencyInput {
    /// The agency to change (one you own).
    pub agency_id: ID,
    /// The changes.
    pub agency: AgencyFields,
}

/// Input of `setAgencyVisibility`.
#[derive(InputObject)]
pub struct SetAgencyVisibilityInput {
    /// The agency (one you own).
    pub agency_id: ID,
    /// Who may see it.
    pub visibility: AgencyVisibility,
}

/// Input of `inviteAgencyMember`.
#[derive(InputObject)]
pub struct InviteAgencyMemberInput {
    /// The agency (one you own).
    pub agency_id: ID,
    /// The freelancer profile of the person to invite.
    pub profile_id: ID,
    /// The role they get on accepting.
    pub role: AgencyRole,
    /// Plain text for the invitee, at most 1000 characters.
    pub message: Option<String>,
}

/// Input of `revokeAgencyInvitation`.
#[derive(InputObject)]
pub struct RevokeAgencyInvitationInput {
    /// The pending invitation (sent by an agency you own).
    pub invitation_id: ID,
}

/// Input of `acceptAgencyInvitation`.
#[derive(InputObject)]
pub struct AcceptAgencyInvitationInput {
    /// The pending invitation (one sent to you).
    pub invitation_id: ID,
}

/// Input of `declineAgencyInvitation`.
#[derive(InputObject)]
pub struct DeclineAgencyInvitationInput {
    /// The invitation (one sent to you).
    pub invitation_id: ID,
    /// Why, if you like: plain text, at most 500 characters; the agency's owners see it.
    pub reason: Option<String>,
}

/// Input of `removeAgencyMember`.
#[derive(InputObject)]
pub struct RemoveAgencyMemberInput {
    /// The agency (one you own).
    pub agency_id: ID,
    /// The freelancer profile of the member to remove.
    pub profile_id: ID,
}

/// Input of `leaveAgency`.
#[derive(InputObject)]
pub struct LeaveAgencyInput {
    /// The agency you are in.
    pub agency_id: ID,
}

/// Input of `changeAgencyMemberRole`.
#[derive(InputObject)]
pub struct ChangeAgencyMemberRoleInput {
    /// The agency (one you own).
    pub agency_id: ID,
    /// The freelancer profile of the member.
    pub profile_id: ID,
    /// Their new role.
    pub role: AgencyRole,
}

/// The outcome of `createAgency`.
#[derive(SimpleObject)]
pub struct CreateAgencyPayload {
    /// The new agency, with you as its owner; null when `userErrors` is not empty.
    pub agency: Option<Agency>,
    /// Why the input was refused; empty on success. Paths start at `input`, e.g.
    /// `["input", "agency", "skills", "2", "skill"]`.
    pub user_errors: Vec<UserError>,
}

/// The outcome of `updateAgency`.
#[derive(SimpleObject)]
pub struct UpdateAgencyPayload {
    /// The agency after the change; null when `userErrors` is not empty.
    pub agency: Option<Agency>,
    /// Why the input was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The outcome of `setAgencyVisibility`.
#[derive(SimpleObject)]
pub struct SetAgencyVisibilityPayload {
    /// The agency after the change; null when `userErrors` is not empty.
    pub agency: Option<Agency>,
    /// Why the input was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The outcome of `inviteAgencyMember`.
#[derive(SimpleObject)]
pub struct InviteAgencyMemberPayload {
    /// The pending invitation; null when `userErrors` is not empty.
    pub invitation: Option<AgencyInvitation>,
    /// Why the invitation was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The outcome of `revokeAgencyInvitation`.
#[derive(SimpleObject)]
pub struct RevokeAgencyInvitationPayload {
    /// The revoked invitation; null when `userErrors` is not empty.
    pub invitation: Option<AgencyInvitation>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The outcome of `acceptAgencyInvitation`.
#[derive(SimpleObject)]
pub struct AcceptAgencyInvitationPayload {
    /// The accepted invitation (its `agency` is now yours); null when `userErrors` is
    /// not empty.
    pub invitation: Option<AgencyInvitation>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The outcome of `declineAgencyInvitation`.
#[derive(SimpleObject)]
pub struct DeclineAgencyInvitationPayload {
    /// The declined invitation; null when `userErrors` is not empty.
    pub invitation: Option<AgencyInvitation>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The outcome of `removeAgencyMember`.
#[derive(SimpleObject)]
pub struct RemoveAgencyMemberPayload {
    /// The agency after the change; null when `userErrors` is not empty.
    pub agency: Option<Agency>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The outcome of `leaveAgency`.
#[derive(SimpleObject)]
pub struct LeaveAgencyPayload {
    /// The agency you left, as you now see it (null when it is hidden, or when
    /// `userErrors` is not empty).
    pub agency: Option<Agency>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The outcome of `changeAgencyMemberRole`.
#[derive(SimpleObject)]
pub struct ChangeAgencyMemberRolePayload {
    /// The agency after the change; null when `userErrors` is not empty.
    pub agency: Option<Agency>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

fn agency_id(id: &ID) -> Option<AgencyId> {
    decode_kind(id, NodeKind::Agency).ok().map(AgencyId)
}

fn profile_id(id: &ID) -> Option<ProfileId> {
    decode_kind(id, NodeKind::FreelancerProfile)
        .ok()
        .map(ProfileId)
}

fn invitation_id(id: &ID) -> Option<InvitationId> {
    decode_kind(id, NodeKind::AgencyInvitation)
        .ok()
        .map(InvitationId)
}

/// Profile field errors live under `input.agency` in this API.
fn nested<T>(result: Result<T, DomainError>) -> Result<T, DomainError> {
    result.map_err(|e| nest(e, "agency", "agencyId"))
}

type Split<T> = (Option<T>, Vec<UserError>);

fn split<T, U>(
    ctx: &Context<'_>,
    result: Result<T, DomainError>,
    wrap: impl FnOnce(T) -> U,
) -> Result<Split<U>> {
    let (value, errors) = into_payload(ctx, result)?;
    Ok((value.map(wrap), errors))
}

#[derive(Default)]
pub struct AgencyMutation;

#[Object]
impl AgencyMutation {
    /// Founds an agency with you as its first owner. Freelancers with a profile who are
    /// in no agency yet (a freelancer belongs to at most one).
    async fn create_agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency's profile.")] input: CreateAgencyInput,
    ) -> Result<CreateAgencyPayload> {
        let result = services(ctx)?
            .agencies
            .create(actor(ctx), input.agency.into())
            .await;
        let (agency, user_errors) = split(ctx, nested(result), Agency)?;
        Ok(CreateAgencyPayload {
            agency,
            user_errors,
        })
    }

    /// Changes an agency's profile. Owners only.
    async fn update_agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency and the changes.")] input: UpdateAgencyInput,
    ) -> Result<UpdateAgencyPayload> {
        let result = services(ctx)?
            .agencies
            .update(actor(ctx), agency_id(&input.agency_id), input.agency.into())
            .await;
        let (agency, user_errors) = split(ctx, nested(result), Agency)?;
        Ok(UpdateAgencyPayload {
            agency,
            user_errors,
        })
    }

    /// Shows or hides an agency. Owners only. A hidden agency is seen by its members,
    /// the freelancers it invited, and admins.
    async fn set_agency_visibility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency and who may see it.")] input: SetAgencyVisibilityInput,
    ) -> Result<SetAgencyVisibilityPayload> {
        let result = services(ctx)?
            .agencies
            .set_visibility(
                actor(ctx),
                agency_id(&input.agency_id),
                input.visibility.into(),
            )
            .await;
        let (agency, user_errors) = split(ctx, result, Agency)?;
        Ok(SetAgencyVisibilityPayload {
            agency,
            user_errors,
        })
    }

    /// Invites a freelancer to join an agency. Owners only. At most one pending
    /// invitation per freelancer and agency, and 100 per agency; a member, or a
    /// freelancer in another agency, is a `CONFLICT`.
    async fn invite_agency_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency, the freelancer and the role.")]
        input: InviteAgencyMemberInput,
    ) -> Result<InviteAgencyMemberPayload> {
        let result = services(ctx)?
            .agencies
            .invite(
                actor(ctx),
                agency_id(&input.agency_id),
                profile_id(&input.profile_id),
                input.role.into(),
                input.message,
            )
            .await;
        let (invitation, user_errors) = split(ctx, result, AgencyInvitation)?;
        Ok(InviteAgencyMemberPayload {
            invitation,
            user_errors,
        })
    }

    /// Takes back a pending invitation. Owners of the inviting agency only.
    async fn revoke_agency_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation.")] input: RevokeAgencyInvitationInput,
    ) -> Result<RevokeAgencyInvitationPayload> {
        let result = services(ctx)?
            .agencies
            .revoke(actor(ctx), invitation_id(&input.invitation_id))
            .await;
        let (invitation, user_errors) = split(ctx, result, AgencyInvitation)?;
        Ok(RevokeAgencyInvitationPayload {
            invitation,
            user_errors,
        })
    }

    /// Joins the agency that invited you, with the invited role. Only the invitee; a
    /// `CONFLICT` while you are in an agency.
    async fn accept_agency_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation.")] input: AcceptAgencyInvitationInput,
    ) -> Result<AcceptAgencyInvitationPayload> {
        let result = services(ctx)?
            .agencies
            .accept(actor(ctx), invitation_id(&input.invitation_id))
            .await;
        let (invitation, user_errors) = split(ctx, result, AgencyInvitation)?;
        Ok(AcceptAgencyInvitationPayload {
            invitation,
            user_errors,
        })
    }

    /// Declines an invitation, optionally saying why. Only the invitee.
    async fn decline_agency_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation and an optional reason.")]
        input: DeclineAgencyInvitationInput,
    ) -> Result<DeclineAgencyInvitationPayload> {
        let result = services(ctx)?
            .agencies
            .decline(
                actor(ctx),
                invitation_id(&input.invitation_id),
                input.reason,
            )
            .await;
        let (invitation, user_errors) = split(ctx, result, AgencyInvitation)?;
        Ok(DeclineAgencyInvitationPayload {
            invitation,
            user_errors,
        })
    }

    /// Removes a member (or another owner) from an agency. Owners only; the last owner
    /// cannot be removed (`INVALID_STATE`).
    async fn remove_agency_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency and the member.")] input: RemoveAgencyMemberInput,
    ) -> Result<RemoveAgencyMemberPayload> {
        let result = services(ctx)?
            .agencies
            .remove_member(
                actor(ctx),
                agency_id(&input.agency_id),
                profile_id(&input.profile_id),
            )
            .await;
        let (agency, user_errors) = split(ctx, result, |a| a.map(Agency))?;
        Ok(RemoveAgencyMemberPayload {
            agency: agency.flatten(),
            user_errors,
        })
    }

    /// Leaves an agency you are in. The last owner cannot (`INVALID_STATE`): make
    /// another member an owner first.
    async fn leave_agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency.")] input: LeaveAgencyInput,
    ) -> Result<LeaveAgencyPayload> {
        let result = services(ctx)?
            .agencies
            .leave(actor(ctx), agency_id(&input.agency_id))
            .await;
        let (agency, user_errors) = split(ctx, result, |a| a.map(Agency))?;
        Ok(LeaveAgencyPayload {
            agency: agency.flatten(),
            user_errors,
        })
    }

    /// Makes a member an owner, or an owner a member. Owners only; the last owner
    /// cannot become a member (`INVALID_STATE`).
    async fn change_agency_member_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency, the member and the new role.")]
        input: ChangeAgencyMemberRoleInput,
    ) -> Result<ChangeAgencyMemberRolePayload> {
        let result = services(ctx)?
            .agencies
            .change_role(
                actor(ctx),
                agency_id(&input.agency_id),
                profile_id(&input.profile_id),
                input.role.into(),
            )
            .await;
        let (agency, user_errors) = split(ctx, result, |a| a.map(Agency))?;
        Ok(ChangeAgencyMemberRolePayload {
            agency: agency.flatten(),
            user_errors,
        })
    }
}
