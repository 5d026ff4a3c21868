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

/// Only the owner edits a profile.
pub fn edit(actor: &Actor, profile: &FreelancerProfile) -> DomainResult<()> {
    match actor {
        Actor::User { id, .. } if *id == profile.user_id => Ok(()),
        Actor::User { .. } | Actor::System => Err(DomainError::Forbidden),
        Actor::Anonymous => Err(DomainError::Unauthenticated),
    }
}

/// The owner shows or hides a profile; admins may hide (moderation) but not show.
pub fn set_visibility(
    actor: &Actor,
    profile: &FreelancerProfile,
    to: Visibility,
) -> DomainResult<()> {
    match actor {
        Actor::User { id, .. } if *id == profile.user_id => Ok(()),
        a if a.has_role(Role::Admin) && to == Visibility::Hidden => Ok(()),
        Actor::User { .. } | Actor::System => Err(DomainError::Forbidden),
        Actor::Anonymous => Err(DomainError::Unauthenticated),
    }
}

/// Visible profiles are public; hidden ones only to their owner and admins.
pub fn can_see(actor: &Actor, profile: &FreelancerProfile) -> bool {
    profile.visibility == Visibility::Visible
        || actor.user_id() == Some(profile.user_id)
        || actor.has_role(Role::Admin)
}

/// Private parts (completeness hints, visibility) only to the owner and admins.
pub fn sees_private(actor: &Actor, profile: &FreelancerProfile) -> bool {
    actor.user_id() == Some(profile.user_id) || actor.has_role(Role::Admin)
}
