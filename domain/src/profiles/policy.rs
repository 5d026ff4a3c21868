//! Who may do what with profiles. Deny by default.

use super::model::{FreelancerProfile, Visibility};
use crate::actor::{Actor, Role, UserId};
use crate::error::{DomainError, DomainResult};

/// Keeping a freelancer profile takes the freelancer role (chosen with `becomeFreelancer`).
pub fn create(actor: &Actor) -> DomainResult<UserId> {
    match actor {
        Actor::User { id, roles } if roles.contains(&Role::Freelancer) => Ok(*id),
        Actor::User { .. } | Actor::System => Err(DomainError::Forbidden),
        Actor::Anonymous => Err(DomainError::Unauthenticated),
    }
}

/// Talent search is a public read: anyone, signed in or not, may search, because it only
/// ever returns public profiles (the search adapter filters them).
pub fn search(actor: &Actor) -> DomainResult<()> {
    match actor {
        Actor::Anonymous | Actor::User { .. } | Actor::System => Ok(()),
    }
}

/// Only the owner edits a profile.
pub fn edit(actor: &Actor, profile: &FreelancerProfile) -> DomainResult<()> {
    match actor {
        Actor::User { id, .. } if *id == profile.user_id => Ok(()),
        Actor::User { .. } | Actor::System => Err(DomainError::Forbidden),
        Actor::Anonymous => Err(DomainError::Unauthenticated),
    }
}

/// A change of visibility: the owner's own choice, or an admin's moderation hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisibilityChange {
    Owner(Visibility),
    Moderation { hidden: bool },
}

/// The owner shows or hides their profile; an admin (who is not the owner) places or
/// lifts a moderation hold, which the owner cannot lift and which does not publish a
/// profile its owner hid.
pub fn set_visibility(
    actor: &Actor,
    profile: &FreelancerProfile,
    to: Visibility,
) -> DomainResult<VisibilityChange> {
    match actor {
        Actor::User { id, .. } if *id == profile.user_id => Ok(VisibilityChange::Owner(to)),
        a if a.has_role(Role::Admin) => Ok(VisibilityChange::Moderation {
            hidden: to == Visibility::Hidden,
        }),
        Actor::User { .. } | Actor::System => Err(DomainError::Forbidden),
        Actor::Anonymous => Err(DomainError::Unauthenticated),
    }
}

/// Whether everyone may see the profile.
pub fn is_public(profile: &FreelancerProfile) -> bool {
    profile.visibility == Visibility::Visible && !profile.moderation_hidden && profile.owner_active
}

/// Public profiles to everyone; the others only to their owner and admins.
pub fn can_see(actor: &Actor, profile: &FreelancerProfile) -> bool {
    is_public(profile) || actor.user_id() == Some(profile.user_id) || actor.has_role(Role::Admin)
}

/// Private parts (completeness hints, visibility) only to the owner and admins.
pub fn sees_private(actor: &Actor, profile: &FreelancerProfile) -> bool {
    actor.user_id() == Some(profile.user_id) || actor.has_role(Role::Admin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::model::ProfileId;
    use uuid::Uuid;

    fn profile(owner: u128) -> FreelancerProfile {
        FreelancerProfile {
            headline: "h".into(),
            ..FreelancerProfile::blank(
                ProfileId(Uuid::nil()),
                UserId(Uuid::from_u128(owner)),
                chrono::Utc::now(),
            )
        }
    }

    fn user(id: u128, roles: Vec<Role>) -> Actor {
        Actor::User {
            id: UserId(Uuid::from_u128(id)),
            roles,
        }
    }

    #[test]
    fn who_sees_and_who_changes_what() {
        let owner = user(1, vec![Role::Freelancer]);
        let other = user(2, vec![Role::Client, Role::Freelancer]);
        let admin = user(3, vec![Role::Admin]);
        let everyone = [
            Actor::Anonymous,
            other.clone(),
            owner.clone(),
            admin.clone(),
        ];
        let mut p = profile(1);
        assert!(everyone.iter().all(|a| can_see(a, &p)));
        for hide in [
            |p: &mut FreelancerProfile| p.visibility = Visibility::Hidden,
            |p: &mut FreelancerProfile| p.moderation_hidden = true,
            |p: &mut FreelancerProfile| p.owner_active = false,
        ] {
            p = profile(1);
            hide(&mut p);
            assert!(!can_see(&Actor::Anonymous, &p) && !can_see(&other, &p));
            assert!(can_see(&owner, &p) && can_see(&admin, &p));
        }
        assert!(!sees_private(&other, &p) && sees_private(&owner, &p) && sees_private(&admin, &p));

        assert_eq!(edit(&owner, &p).ok(), Some(()));
        assert!(matches!(edit(&other, &p), Err(DomainError::Forbidden)));
        assert!(matches!(edit(&admin, &p), Err(DomainError::Forbidden)));
        assert!(matches!(
            edit(&Actor::System, &p),
            Err(DomainError::Forbidden)
        ));
        assert!(matches!(
            edit(&Actor::Anonymous, &p),
            Err(DomainError::Unauthenticated)
        ));

        assert_eq!(
            set_visibility(&admin, &p, Visibility::Hidden).ok(),
            Some(VisibilityChange::Moderation { hidden: true })
        );
        assert_eq!(
            set_visibility(&owner, &p, Visibility::Visible).ok(),
            Some(VisibilityChange::Owner(Visibility::Visible))
        );
        assert!(matches!(
            set_visibility(&other, &p, Visibility::Hidden),
            Err(DomainError::Forbidden)
        ));

        assert!(create(&other).is_ok());
        assert!(matches!(
            create(&user(4, vec![Role::Client])),
            Err(DomainError::Forbidden)
        ));
        assert!(matches!(
            create(&Actor::Anonymous),
            Err(DomainError::Unauthenticated)
        ));
    }
}
