//! Who may do what with accounts. Deny by default.

use crate::actor::{Actor, UserId};
use crate::error::{DomainError, DomainResult};

/// Acting on one's own account needs a signed-in user.
pub fn own_account(actor: &Actor) -> DomainResult<UserId> {
    match actor {
        Actor::User { id, .. } => Ok(*id),
        Actor::Anonymous => Err(DomainError::Unauthenticated),
        Actor::System => Err(DomainError::Forbidden),
    }
}

/// Admins are made only by an operator at the command line (the system actor).
pub fn grant_admin(actor: &Actor) -> DomainResult<()> {
    match actor {
        Actor::System => Ok(()),
        Actor::User { .. } => Err(DomainError::Forbidden),
        Actor::Anonymous => Err(DomainError::Unauthenticated),
    }
}

/// Signing in: anyone may; a signed-in user who signs in with another provider links it to
/// their account. The platform itself never signs in.
pub fn sign_in(actor: &Actor) -> DomainResult<Option<UserId>> {
    match actor {
        Actor::Anonymous => Ok(None),
        Actor::User { id, .. } => Ok(Some(*id)),
        Actor::System => Err(DomainError::Forbidden),
    }
}
