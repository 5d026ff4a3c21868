use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use domain::agencies;
use domain::profiles;

use super::loaders::agency_loaders;
use crate::context::{actor, services};
use crate::errors::gql_error;
use crate::ids::{NodeKind, encode};
use crate::profiles::portfolio::profile_loaders;
use crate::profiles::types::FreelancerProfile;
use crate::taxonomy::types::{Skill, load_error, loaders};

/// What a member may do in their agency.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum AgencyRole {
    /// Edits the agency, invites, removes members and changes roles. An agency always
    /// has at least one.
    Owner,
    /// Belongs to the agency and may leave it.
    Member,
}

impl From<agencies::AgencyRole> for AgencyRole {
    fn from(r: agencies::AgencyRole) -> Self {
        match r {
            agencies::AgencyRole::Owner => AgencyRole::Owner,
            agencies::AgencyRole::Member => AgencyRole::Member,
        }
    }
}

impl From<AgencyRole> for agencies::AgencyRole {
    fn from(r: AgencyRole) -> Self {
        match r {
            AgencyRole::Owner => agencies::AgencyRole::Owner,
            AgencyRole::Member => agencies::AgencyRole::Member,
        }
    }
}

/// Who sees an agency.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum AgencyVisibility {
    /// Everyone, signed in or not.
    Visible,
    /// Only its members, the freelancers it invited, and admins.
    Hidden,
}

impl From<profiles::Visibility> for AgencyVisibility {
    fn from(v: profiles::Visibility) -> Self {
        match v {
            profiles::Visibility::Visible => AgencyVisibility::Visible,
            profiles::Visibility::Hidden => AgencyVisibility::Hidden,
        }
    }
}

impl From<AgencyVisibility> for profiles::Visibility {
    fn from(v: AgencyVisibility) -> Self {
        match v {
            AgencyVisibility::Visible => profiles::Visibility::Visible,
            AgencyVisibility::Hidden => profiles::Visibility::Hidden,
        }
    }
}

/// Where an invitation to an agency stands.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum AgencyInvitationStatus {
    /// Waiting for the invitee; the only state that changes.
    Pending,
    /// The invitee joined the agency.
    Accepted,
    /// The invitee said no.
    Declined,
    /// An owner took it back.
    Revoked,
}

impl From<agencies::InvitationStatus> for AgencyInvitationStatus {
    fn from(s: agencies::InvitationStatus) -> Self {
        match s {
            agencies::InvitationStatus::Pending => AgencyInvitationStatus::Pending,
            agencies::InvitationStatus::Accepted => AgencyInvitationStatus::Accepted,
            agencies::InvitationStatus::Declined => AgencyInvitationStatus::Declined,
            agencies::InvitationStatus::Revoked => AgencyInvitationStatus::Revoked,
        }
    }
}

pub struct AgencySkill(agencies::AgencySkill);

/// A skill an agency offers, with an optional level.
#[Object]
impl AgencySkill {
    /// The skill from the taxonomy.
    async fn skill(&self, ctx: &Context<'_>) -> Result<Skill> {
        loaders(ctx)?
            .skill
            .load_one(self.0.skill_id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(Skill)
            .ok_or_else(|| {
                gql_error(
                    ctx,
                    &domain::DomainError::internal("agency skill without its skill"),
                )
            })
    }

    /// 1 (beginner) to 5 (expert); null when not given.
    async fn level(&self) -> Option<i32> {
        self.0.level.map(i32::from)
    }
}

pub struct AgencyMember(agencies::Member);

/// A freelancer in an agency.
#[Object]
impl AgencyMember {
    /// The member's freelancer profile; null when it is hidden from you.
    async fn profile(&self, ctx: &Context<'_>) -> Result<Option<FreelancerProfile>> {
        Ok(profile_loaders(ctx)?
            .profile
            .load_one(self.0.profile_id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(FreelancerProfile))
    }

    /// Owner or member.
    async fn role(&self) -> AgencyRole {
        self.0.role.into()
    }

    /// When they joined.
    async fn joined_at(&self) -> DateTime<Utc> {
        self.0.joined_at
    }
}

/// What `Agency.members` counts as towards the query complexity limit, in members (each
/// costing its selection). An agency may have up to `MAX_MEMBERS` (500), but charging
/// that would refuse an agency page that shows its members' profiles (500 × 4 fields is
/// already over the default limit of 2000); 50 lets one agency (or a few) list members
/// with their profiles and refuses the same for a page of 100 search results (100 ×
/// 50 × …). At the default limit a query therefore reaches the members of at most about
/// a dozen agencies (each at most 500 members); see `docs/agencies.md`.
pub const MEMBERS_COMPLEXITY: usize = 50;

#[derive(Clone)]
pub struct Agency(pub agencies::Agency);

impl Agency {
    async fn members_of(&self, ctx: &Context<'_>) -> Result<Vec<agencies::Member>> {
        Ok(agency_loaders(ctx)?
            .members
            .load_one(self.0.id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .unwrap_or_default())
    }
}

/// An agency: an outsourcing firm with member freelancers. A freelancer belongs to at
/// most one agency. Text is plain text.
#[Object]
impl Agency {
    /// Global ID of the agency.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Agency, self.0.id.0)
    }

    /// The agency's reputation: its contracts, and its clients' public reviews of them.
    async fn reputation(
        &self,
        ctx: &Context<'_>,
    ) -> Result<crate::reviews::reputation::Reputation> {
        crate::reviews::reputation_of(ctx, domain::reviews::Subject::Agency(self.0.id)).await
    }

    /// 2 to 100 characters.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// One line, at most 120 characters; may be empty.
    async fn headline(&self) -> &str {
        &self.0.headline
    }

    /// Plain text, at most 5000 characters, paragraphs separated by line breaks.
    async fn overview(&self) -> &str {
        &self.0.overview
    }

    /// An http or https URL.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }

    /// ISO 3166-1 alpha-2, e.g. `DE`.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }

    /// Skills offered (at most 30), in the order the owners listed them.
    async fn skills(&self) -> Vec<AgencySkill> {
        self.0.skills.iter().copied().map(AgencySkill).collect()
    }

    /// Members, owners first, then by joining time: a plain list, since an agency has at
    /// most 500. Suspended members, and members whose freelancer profile is hidden, are
    /// listed only to the agency's members and admins. For the query complexity limit
    /// the list counts as 50 members times its selection (like a page of 50), so listing
    /// the members of many agencies at once (say, of a page of search results) is
    /// refused as `QUERY_TOO_COMPLEX`.
    #[graphql(complexity = "MEMBERS_COMPLEXITY * child_complexity + 1")]
    async fn members(&self, ctx: &Context<'_>) -> Result<Vec<AgencyMember>> {
        Ok(self
            .members_of(ctx)
            .await?
            .into_iter()
            .map(AgencyMember)
            .collect())
    }

    /// Who may see the agency. Only its owners (and admins) see it; null for others.
    async fn visibility(&self, ctx: &Context<'_>) -> Result<Option<AgencyVisibility>> {
        let members = self.members_of(ctx).await?;
        let sees = services(ctx)?.agencies.sees_private(actor(ctx), &members);
        Ok(sees.then(|| self.0.visibility.into()))
    }

    /// Invitations waiting for an answer (at most 100), oldest first. Only the agency's
    /// owners (and admins) see them; null for everyone else.
    async fn pending_invitations(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<AgencyInvitation>>> {
        Ok(agency_loaders(ctx)?
            .pending
            .load_one(self.0.id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(|list| list.into_iter().map(AgencyInvitation).collect()))
    }

    /// Bumped by every change to the agency, its members and its invitations.
    async fn version(&self) -> i64 {
        self.0.version
    }

    /// When the agency was founded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the agency's profile last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(Clone)]
pub struct AgencyInvitation(pub agencies::Invitation);

/// An invitation to join an agency. Seen by the invitee, the agency's owners and admins.
#[Object]
impl AgencyInvitation {
    /// Global ID of the invitation.
    pub async fn id(&self) -> ID {
        encode(NodeKind::AgencyInvitation, self.0.id.0)
    }

    /// The inviting agency (the invitee sees it even when it is hidden).
    async fn agency(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        Ok(agency_loaders(ctx)?
            .agency
            .load_one(self.0.agency_id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(Agency))
    }

    /// The invited freelancer's profile; null when it is hidden from you.
    async fn invitee(&self, ctx: &Context<'_>) -> Result<Option<FreelancerProfile>> {
        Ok(profile_loaders(ctx)?
            .profile
            .load_one(self.0.invitee_profile)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(FreelancerProfile))
    }

    /// The role the invitee gets on accepting.
    async fn role(&self) -> AgencyRole {
        self.0.role.into()
    }

    /// Plain text from the inviting owner, at most 1000 characters; may be empty.
    async fn message(&self) -> &str {
        &self.0.message
    }

    /// Where it stands.
    async fn status(&self) -> AgencyInvitationStatus {
        self.0.status.into()
    }

    /// Why the invitee declined, if they said (plain text, at most 500 characters).
    async fn decline_reason(&self) -> Option<&str> {
        self.0.decline_reason.as_deref()
    }

    /// When it was sent.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was accepted, declined or revoked; null while pending.
    async fn responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.responded_at
    }
}
