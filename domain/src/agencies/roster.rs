//! An agency with its members, read together at one version, and the membership rules
//! that need both: at least one owner always, one agency per freelancer, bounded sizes.
//! A change planned here is written only if the agency is still at the version it was
//! read at (see `RosterChange`), so two owners removing each other at the same moment
//! cannot both succeed.

use super::invitation::Invitation;
use super::model::{Agency, AgencyRole, Member};
use super::ports::RosterChange;
use crate::actor::UserId;
use crate::error::{DomainError, DomainResult};

/// Most members an agency has.
pub const MAX_MEMBERS: usize = 500;
/// Most invitations an agency has pending at once.
pub const MAX_PENDING_INVITATIONS: usize = 100;

/// "Already in an agency" (`CONFLICT`), on `field` when there is one.
pub(super) fn in_an_agency(field: Option<&str>, whom: &str) -> DomainError {
    let field: Vec<&str> = field.into_iter().collect();
    DomainError::conflict(
        &field,
        format!(
            "{whom} already in an agency (a freelancer belongs to at most one); leave it first"
        ),
    )
}

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

    /// Whether `invitee` may be invited now, given the agency's `pending` invitations and
    /// whether the invitee is in an agency (`elsewhere`, read on the same attempt): not
    /// a member here, in no agency, not invited by this agency already, fewer than
    /// [`MAX_PENDING_INVITATIONS`] pending, and room for one more member.
    pub fn invitation_check(
        &self,
        pending: &[Invitation],
        invitee: UserId,
        elsewhere: bool,
    ) -> DomainResult<()> {
        if self.member(invitee).is_some() {
            return Err(DomainError::conflict(
                &["profileId"],
                "is already a member of this agency",
            ));
        }
        if elsewhere {
            return Err(in_an_agency(Some("profileId"), "this freelancer is"));
        }
        if pending.iter().any(|i| i.invitee == invitee) {
            return Err(DomainError::conflict(
                &["profileId"],
                "already has a pending invitation from this agency",
            ));
        }
        if pending.len() >= MAX_PENDING_INVITATIONS {
            return Err(DomainError::invalid_state_at(
                &["agencyId"],
                format!(
                    "an agency has at most {MAX_PENDING_INVITATIONS} pending invitations; \
                     revoke some first"
                ),
            ));
        }
        self.has_room("agencyId")
    }

    /// Whether `invitation` may still be accepted as far as the roster goes: an
    /// invitation to become an `OWNER` holds only while whoever sent it is still an
    /// owner (an owner who was removed or demoted cannot bring in an owner afterwards);
    /// and one more member must fit.
    pub fn acceptance(&self, invitation: &Invitation) -> DomainResult<()> {
        if invitation.role == AgencyRole::Owner
            && self.member(invitation.invited_by).map(|m| m.role) != Some(AgencyRole::Owner)
        {
            return Err(DomainError::invalid_state_at(
                &["invitationId"],
                "whoever sent this invitation to become an owner is no longer an owner; \
                 ask a current owner to invite you again",
            ));
        }
        self.has_room("invitationId")
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
            profile_public: true,
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

    fn pending(n: u128, invitee: u128, by: u128, role: AgencyRole) -> Invitation {
        use crate::agencies::invitation::{InvitationId, InvitationStatus};
        Invitation {
            id: InvitationId(Uuid::from_u128(n)),
            agency_id: AgencyId(Uuid::nil()),
            invitee: user(invitee),
            invitee_profile: ProfileId(Uuid::from_u128(100 + invitee)),
            invited_by: user(by),
            role,
            message: String::new(),
            status: InvitationStatus::Pending,
            decline_reason: None,
            created_at: chrono::Utc::now(),
            responded_at: None,
        }
    }

    fn code_and_field(r: DomainResult<()>) -> Option<(ErrorCode, Vec<String>)> {
        r.err().map(|e| {
            let f = &e.field_errors()[0];
            (f.code, f.field.clone())
        })
    }

    #[test]
    fn at_most_a_hundred_invitations_are_pending() {
        let r = roster(vec![member(1, AgencyRole::Owner)]);
        // Invitees 1000.. are pending; 5000 is a new freelancer.
        let list = |n: usize| -> Vec<Invitation> {
            (0..n as u128)
                .map(|i| pending(i, 1000 + i, 1, AgencyRole::Member))
                .collect()
        };
        assert!(
            r.invitation_check(&list(MAX_PENDING_INVITATIONS - 1), user(5000), false)
                .is_ok(),
            "the hundredth fits"
        );
        assert_eq!(
            code_and_field(r.invitation_check(&list(MAX_PENDING_INVITATIONS), user(5000), false)),
            Some((ErrorCode::InvalidState, vec!["agencyId".to_owned()])),
            "the hundred-and-first does not"
        );
        // The other refusals, each on its field.
        assert_eq!(
            code_and_field(r.invitation_check(&list(3), user(1001), false)),
            Some((ErrorCode::Conflict, vec!["profileId".to_owned()])),
            "already invited"
        );
        assert_eq!(
            code_and_field(r.invitation_check(&[], user(1), false)),
            Some((ErrorCode::Conflict, vec!["profileId".to_owned()])),
            "already a member"
        );
        assert_eq!(
            code_and_field(r.invitation_check(&[], user(5000), true)),
            Some((ErrorCode::Conflict, vec!["profileId".to_owned()])),
            "in another agency"
        );
    }

    #[test]
    fn an_owner_invitation_needs_its_sender_to_still_be_an_owner() {
        let r = roster(vec![
            member(1, AgencyRole::Owner),
            member(2, AgencyRole::Member),
        ]);
        let invalid = Some((ErrorCode::InvalidState, vec!["invitationId".to_owned()]));
        assert!(r.acceptance(&pending(1, 9, 1, AgencyRole::Owner)).is_ok());
        assert_eq!(
            code_and_field(r.acceptance(&pending(2, 9, 2, AgencyRole::Owner))),
            invalid,
            "sent by an owner since demoted"
        );
        assert_eq!(
            code_and_field(r.acceptance(&pending(3, 9, 7, AgencyRole::Owner))),
            invalid,
            "sent by an owner since removed"
        );
        // A member invitation stays valid (the sender's pending ones are revoked when
        // they stop being an owner; see `RosterChange`).
        assert!(r.acceptance(&pending(4, 9, 7, AgencyRole::Member)).is_ok());
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
