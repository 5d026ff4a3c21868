//! An agency with its members, read together at one version, and the membership rules
//! that need both: at least one owner always, one agency per freelancer, bounded sizes.
//! A change planned here is written only if the agency is still at the version it was
//! read at (see `RosterChange`), so two owners removing each other at the same moment
//! cannot both succeed.

use super::model::{Agency, AgencyRole, Member};
use super::ports::RosterChange;
use crate::actor::UserId;
use crate::error::{DomainError, DomainResult};

/// Most members an agency has.
pub const MAX_MEMBERS: usize = 500;
/// Most invitations an agency has pending at once.
pub const MAX_PENDING_INVITATIONS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    pub agency: Agency,
    pub members: Vec<Member>,
}

impl Roster {
    pub fn member(&self, user: UserId) -> Option<&Member> {
        self.members.iter().find(|m| m.user_id == user)
    }

    pub fn owners(&self) -> usize {
        self.members
            .iter()
            .filter(|m| m.role == AgencyRole::Owner)
            .count()
    }

    fn is_last_owner(&self, member: &Member) -> bool {
        member.role == AgencyRole::Owner && self.owners() <= 1
    }

    /// `user` leaves (or is removed, `by_other`); refused for the last owner.
    pub fn removal(&self, user: UserId, field: &str, by_other: bool) -> DomainResult<RosterChange> {
        let member = self
            .member(user)
            .ok_or_else(|| DomainError::not_found_at(field, "not a member of this agency"))?;
        if self.is_last_owner(member) {
            let message = if by_other {
                "the last owner cannot be removed; make another member an owner first"
            } else {
                "the last owner cannot leave; make another member an owner first"
            };
            return Err(DomainError::invalid_state_at(&[field], message));
        }
        Ok(RosterChange::Remove(user))
    }

    /// Gives `user` a new role; demoting the last owner is refused.
    pub fn role_change(
        &self,
        user: UserId,
        role: AgencyRole,
        field: &str,
    ) -> DomainResult<RosterChange> {
        let member = self
            .member(user)
            .ok_or_else(|| DomainError::not_found_at(field, "not a member of this agency"))?;
        if role == AgencyRole::Member && self.is_last_owner(member) {
            return Err(DomainError::invalid_state_at(
                &[field],
                "the last owner cannot become a member; make another member an owner first",
            ));
        }
        Ok(RosterChange::SetRole(user, role))
    }

    /// Whether one more member fits.
    pub fn has_room(&self, field: &str) -> DomainResult<()> {
        if self.members.len() >= MAX_MEMBERS {
            return Err(DomainError::invalid_state_at(
                &[field],
                format!("an agency has at most {MAX_MEMBERS} members"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use crate::agencies::model::AgencyId;
    use crate::profiles::{ProfileId, Visibility};
    use uuid::Uuid;

    fn member(n: u128, role: AgencyRole) -> Member {
        Member {
            agency_id: AgencyId(Uuid::nil()),
            user_id: UserId(Uuid::from_u128(n)),
            profile_id: ProfileId(Uuid::from_u128(100 + n)),
            role,
            joined_at: chrono::Utc::now(),
            active: true,
        }
    }

    fn roster(members: Vec<Member>) -> Roster {
        Roster {
            agency: Agency {
                id: AgencyId(Uuid::nil()),
                name: "Acme".into(),
                headline: String::new(),
                overview: String::new(),
                website: None,
                country: None,
                skills: vec![],
                visibility: Visibility::Visible,
                version: 1,
                created_at: chrono::Utc::now(),
                updated_at: chrono::Utc::now(),
            },
            members,
        }
    }

    fn user(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    fn is_invalid_state(r: DomainResult<RosterChange>) -> bool {
        matches!(r, Err(e) if e.field_errors().first().map(|f| f.code) == Some(ErrorCode::InvalidState))
    }

    #[test]
    fn the_last_owner_cannot_leave_be_removed_or_be_demoted() {
        let r = roster(vec![
            member(1, AgencyRole::Owner),
            member(2, AgencyRole::Member),
        ]);
        assert!(is_invalid_state(r.removal(user(1), "agencyId", false)));
        assert!(is_invalid_state(r.removal(user(1), "profileId", true)));
        assert!(is_invalid_state(r.role_change(
            user(1),
            AgencyRole::Member,
            "profileId"
        )));
        assert_eq!(
            r.role_change(user(1), AgencyRole::Owner, "profileId").ok(),
            Some(RosterChange::SetRole(user(1), AgencyRole::Owner)),
            "an owner staying owner is fine"
        );
        assert_eq!(
            r.removal(user(2), "agencyId", false).ok(),
            Some(RosterChange::Remove(user(2)))
        );
        assert!(matches!(
            r.removal(user(9), "profileId", true),
            Err(e) if e.field_errors()[0].code == ErrorCode::NotFound
        ));
        // With two owners either may go.
        let two = roster(vec![
            member(1, AgencyRole::Owner),
            member(2, AgencyRole::Owner),
        ]);
        assert!(two.removal(user(1), "agencyId", false).is_ok());
        assert!(
            two.role_change(user(2), AgencyRole::Member, "profileId")
                .is_ok()
        );
        assert_eq!(two.owners(), 2);
    }

    #[test]
    fn room_is_bounded() {
        let full = roster(
            (0..MAX_MEMBERS as u128)
                .map(|n| member(n, AgencyRole::Member))
                .collect(),
        );
        assert!(is_invalid_state(
            full.has_room("invitationId")
                .map(|()| RosterChange::Remove(user(0)))
        ));
        assert!(roster(vec![]).has_room("invitationId").is_ok());
    }
}
