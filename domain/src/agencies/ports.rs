use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::invitation::{Invitation, InvitationId};
use super::model::{Agency, AgencyId, AgencyRole, Member};
use crate::actor::UserId;
use crate::error::DomainResult;

/// One membership change, written only if the agency is still at the version it was
/// planned on (see [`AgencyRepository::change`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterChange {
    /// A new pending invitation (at most one pending per agency and invitee: a unique
    /// index).
    Invite(Invitation),
    /// A pending invitation answered or revoked (`invitation` carries the new state);
    /// with `join`, the invitee becomes that member (one agency per user: a unique index).
    Resolve {
        invitation: Invitation,
        join: Option<Member>,
    },
    /// The member leaves or is removed. In the same transaction every invitation of
    /// this agency they sent that is still pending becomes `REVOKED`: only current
    /// owners' invitations stand (an owner removed by the others cannot bring anyone in
    /// afterwards).
    Remove(UserId),
    /// The member gets a new role. Becoming a `MEMBER` revokes the invitations they sent
    /// that are still pending, in the same transaction, as for `Remove`.
    SetRole(UserId, AgencyRole),
}

/// Storage of agencies, their skills, members and invitations.
#[async_trait]
pub trait AgencyRepository: Send + Sync {
    /// Stores a new agency with its first owner in one transaction; an owner who is
    /// already in an agency is a `Conflict`.
    async fn create(&self, agency: &Agency, owner: &Member) -> DomainResult<Agency>;
    /// Replaces the agency's profile (row and skills) if it is still at
    /// `agency.version`, storing it at the next; `None` when another write came first.
    async fn save(&self, agency: &Agency) -> DomainResult<Option<Agency>>;
    /// Agencies with their skills.
    async fn by_ids(&self, ids: &[AgencyId]) -> DomainResult<Vec<Agency>>;
    /// Members of many agencies, owners first, then by joining time (with whether each
    /// member's account is active).
    async fn members(&self, ids: &[AgencyId]) -> DomainResult<HashMap<AgencyId, Vec<Member>>>;
    /// The memberships of many users (each has at most one).
    async fn memberships(&self, users: &[UserId]) -> DomainResult<HashMap<UserId, Member>>;
    async fn invitations(&self, ids: &[InvitationId]) -> DomainResult<Vec<Invitation>>;
    /// Pending invitations of many agencies, oldest first.
    async fn pending_of_agencies(
        &self,
        ids: &[AgencyId],
    ) -> DomainResult<HashMap<AgencyId, Vec<Invitation>>>;
    /// A user's pending invitations, oldest first.
    async fn pending_for_user(&self, user: UserId) -> DomainResult<Vec<Invitation>>;
    /// In one transaction: bumps the agency's version from `expected` (nothing happens
    /// and the answer is `false` when it moved on: the caller redoes its plan on a fresh
    /// read), applies `change` (with what it implies, such as revoking a former owner's
    /// pending invitations, at `at`), and checks that the agency still has an owner (an
    /// `INVALID_STATE` refusal otherwise, rolling everything back).
    async fn change(
        &self,
        agency: AgencyId,
        expected: i64,
        change: &RosterChange,
        at: DateTime<Utc>,
    ) -> DomainResult<bool>;
}
