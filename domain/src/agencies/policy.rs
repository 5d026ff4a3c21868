//! Who may do what with agencies. Deny by default: anonymous callers are
//! `UNAUTHENTICATED`, everyone not named here is `FORBIDDEN`. Admins see hidden agencies
//! and pending invitations but change nothing they are not an owner of.

use super::invitation::Invitation;
use super::model::{Agency, AgencyRole, Member};
use super::roster::Roster;
use crate::actor::{Actor, Role, UserId};
use crate::error::{DomainError, DomainResult};
use crate::profiles::Visibility;

/// Where the actor stands in one agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Outsider,
    Member,
    Owner,
}

pub fn standing(actor: &Actor, roster: &Roster) -> Standing {
    match actor.user_id().and_then(|u| roster.member(u)) {
        Some(m) if m.role == AgencyRole::Owner => Standing::Owner,
        Some(_) => Standing::Member,
        None => Standing::Outsider,
    }
}

fn signed_in(actor: &Actor) -> DomainResult<UserId> {
    match actor {
        Actor::User { id, .. } => Ok(*id),
        Actor::System => Err(DomainError::Forbidden),
        Actor::Anonymous => Err(DomainError::Unauthenticated),
    }
}

/// Founding an agency takes the freelancer role (and, checked by the service, a
/// freelancer profile and no agency yet).
pub fn create(actor: &Actor) -> DomainResult<UserId> {
    match actor {
        Actor::User { id, roles } if roles.contains(&Role::Freelancer) => Ok(*id),
        Actor::User { .. } | Actor::System => Err(DomainError::Forbidden),
        Actor::Anonymous => Err(DomainError::Unauthenticated),
    }
}

/// Editing the profile, visibility, inviting, revoking, removing members and changing
/// roles: owners only.
pub fn manage(actor: &Actor, standing: Standing) -> DomainResult<UserId> {
    let user = signed_in(actor)?;
    match standing {
        Standing::Owner => Ok(user),
        Standing::Member | Standing::Outsider => Err(DomainError::Forbidden),
    }
}

/// Any member (owners included) may leave.
pub fn leave(actor: &Actor, standing: Standing) -> DomainResult<UserId> {
    let user = signed_in(actor)?;
    match standing {
        Standing::Owner | Standing::Member => Ok(user),
        Standing::Outsider => Err(DomainError::Forbidden),
    }
}

/// Only the invitee accepts or declines.
pub fn respond(actor: &Actor, invitation: &Invitation) -> DomainResult<UserId> {
    let user = signed_in(actor)?;
    if user == invitation.invitee {
        Ok(user)
    } else {
        Err(DomainError::Forbidden)
    }
}

/// A visible agency is public; a hidden one is seen by its members, admins, and
/// freelancers it has invited (so they can decide).
pub fn can_see(actor: &Actor, agency: &Agency, standing: Standing, invited: bool) -> bool {
    agency.visibility == Visibility::Visible
        || standing != Standing::Outsider
        || invited
        || actor.has_role(Role::Admin)
}

/// The agency's private parts (its visibility, its pending invitations): owners and
/// admins.
pub fn sees_private(actor: &Actor, standing: Standing) -> bool {
    standing == Standing::Owner || actor.has_role(Role::Admin)
}

/// Suspended members, and members whose freelancer profile is not public, are listed
/// only to the agency's own members and admins.
pub fn lists_member(actor: &Actor, standing: Standing, member: &Member) -> bool {
    (member.active && member.profile_public)
        || standing != Standing::Outsider
        || actor.has_role(Role::Admin)
}

/// An invitation is seen by its invitee, the owners of its agency, and admins.
pub fn sees_invitation(actor: &Actor, invitation: &Invitation, standing: Standing) -> bool {
    actor.user_id() == Some(invitation.invitee)
        || standing == Standing::Owner
        || actor.has_role(Role::Admin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agencies::invitation::{InvitationId, InvitationStatus};
    use crate::agencies::model::AgencyId;
    use crate::profiles::ProfileId;
    use uuid::Uuid;

    fn user(id: u128, roles: Vec<Role>) -> Actor {
        Actor::User {
            id: UserId(Uuid::from_u128(id)),
            roles,
        }
    }

    fn member(n: u128, role: AgencyRole, active: bool) -> Member {
        Member {
            agency_id: AgencyId(Uuid::nil()),
            user_id: UserId(Uuid::from_u128(n)),
            profile_id: ProfileId(Uuid::from_u128(100 + n)),
            role,
            joined_at: chrono::Utc::now(),
            active,
            profile_public: true,
        }
    }

    fn roster(visibility: Visibility) -> Roster {
        Roster {
            agency: Agency {
                id: AgencyId(Uuid::nil()),
                name: "Acme".into(),
                headline: String::new(),
                overview: String::new(),
                website: None,
                country: None,
                skills: vec![],
                visibility,
                version: 1,
                created_at: chrono::Utc::now(),
                updated_at: chrono::Utc::now(),
            },
            members: vec![
                member(1, AgencyRole::Owner, true),
                member(2, AgencyRole::Member, true),
            ],
        }
    }

    #[test]
    fn policy_matrix() {
        let owner = user(1, vec![Role::Freelancer]);
        let member_ = user(2, vec![Role::Freelancer]);
        let outsider = user(3, vec![Role::Freelancer]);
        let admin = user(4, vec![Role::Admin]);
        let client = user(5, vec![Role::Client]);
        let invitee = user(6, vec![Role::Freelancer]);
        let visible = roster(Visibility::Visible);
        let hidden = roster(Visibility::Hidden);
        let st = |a: &Actor| standing(a, &visible);
        assert_eq!(st(&owner), Standing::Owner);
        assert_eq!(st(&member_), Standing::Member);
        assert_eq!(st(&outsider), Standing::Outsider);
        assert_eq!(st(&Actor::Anonymous), Standing::Outsider);

        // (actor, manage, leave, create, sees hidden, sees private)
        let matrix: [(&Actor, bool, bool, bool, bool, bool); 7] = [
            (&owner, true, true, true, true, true),
            (&member_, false, true, true, true, false),
            (&outsider, false, false, true, false, false),
            (&admin, false, false, false, true, true),
            (&client, false, false, false, false, false),
            (&Actor::Anonymous, false, false, false, false, false),
            (&Actor::System, false, false, false, false, false),
        ];
        for (actor, manages, leaves, creates, sees_hidden, private) in matrix {
            let s = st(actor);
            assert_eq!(manage(actor, s).is_ok(), manages, "manage {actor:?}");
            assert_eq!(leave(actor, s).is_ok(), leaves, "leave {actor:?}");
            assert_eq!(create(actor).is_ok(), creates, "create {actor:?}");
            assert!(
                can_see(actor, &visible.agency, s, false),
                "visible is public"
            );
            assert_eq!(
                can_see(actor, &hidden.agency, standing(actor, &hidden), false),
                sees_hidden,
                "hidden {actor:?}"
            );
            assert_eq!(sees_private(actor, s), private, "private {actor:?}");
        }
        for refused in [
            manage(&Actor::Anonymous, Standing::Outsider),
            leave(&Actor::Anonymous, Standing::Outsider),
            create(&Actor::Anonymous),
        ] {
            assert!(matches!(refused, Err(DomainError::Unauthenticated)));
        }
        assert!(matches!(
            manage(&member_, Standing::Member),
            Err(DomainError::Forbidden)
        ));
        assert!(
            can_see(&invitee, &hidden.agency, Standing::Outsider, true),
            "an invitee sees the agency that invited them"
        );

        // Suspended members: listed to the agency and admins only.
        let suspended = member(7, AgencyRole::Member, false);
        assert!(!lists_member(&outsider, Standing::Outsider, &suspended));
        assert!(!lists_member(
            &Actor::Anonymous,
            Standing::Outsider,
            &suspended
        ));
        assert!(lists_member(&member_, Standing::Member, &suspended));
        assert!(lists_member(&admin, Standing::Outsider, &suspended));
        assert!(lists_member(
            &outsider,
            Standing::Outsider,
            &visible.members[0]
        ));
        // Members whose profile is hidden: likewise.
        let private = Member {
            profile_public: false,
            ..member(8, AgencyRole::Member, true)
        };
        assert!(!lists_member(&outsider, Standing::Outsider, &private));
        assert!(!lists_member(
            &Actor::Anonymous,
            Standing::Outsider,
            &private
        ));
        assert!(!lists_member(&client, Standing::Outsider, &private));
        assert!(lists_member(&member_, Standing::Member, &private));
        assert!(lists_member(&owner, Standing::Owner, &private));
        assert!(lists_member(&admin, Standing::Outsider, &private));

        // Invitations: the invitee responds; owners, the invitee and admins see it.
        let inv = Invitation {
            id: InvitationId(Uuid::nil()),
            agency_id: AgencyId(Uuid::nil()),
            invitee: UserId(Uuid::from_u128(6)),
            invitee_profile: ProfileId(Uuid::from_u128(106)),
            invited_by: UserId(Uuid::from_u128(1)),
            role: AgencyRole::Member,
            message: String::new(),
            status: InvitationStatus::Pending,
            decline_reason: None,
            created_at: chrono::Utc::now(),
            responded_at: None,
        };
        assert!(respond(&invitee, &inv).is_ok());
        assert!(matches!(respond(&owner, &inv), Err(DomainError::Forbidden)));
        assert!(matches!(respond(&admin, &inv), Err(DomainError::Forbidden)));
        assert!(matches!(
            respond(&Actor::Anonymous, &inv),
            Err(DomainError::Unauthenticated)
        ));
        assert!(sees_invitation(&invitee, &inv, Standing::Outsider));
        assert!(sees_invitation(&owner, &inv, Standing::Owner));
        assert!(sees_invitation(&admin, &inv, Standing::Outsider));
        assert!(!sees_invitation(&member_, &inv, Standing::Member));
        assert!(!sees_invitation(&outsider, &inv, Standing::Outsider));
    }
}
