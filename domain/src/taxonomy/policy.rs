//! Who may do what with the taxonomy. Deny by default: each allowed case is spelled out.

use crate::actor::{Actor, Role};
use crate::error::{DomainError, DomainResult};

/// The taxonomy is public: anyone, signed in or not, may read it.
pub fn read(actor: &Actor) -> DomainResult<()> {
    match actor {
        Actor::Anonymous | Actor::User { .. } | Actor::System => Ok(()),
    }
}

/// Only admins and the platform itself curate skills and categories.
pub fn manage(actor: &Actor) -> DomainResult<()> {
    match actor {
        Actor::System => Ok(()),
        Actor::User { .. } if actor.has_role(Role::Admin) => Ok(()),
        Actor::User { .. } => Err(DomainError::Forbidden),
        Actor::Anonymous => Err(DomainError::Unauthenticated),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::UserId;
    use crate::error::ErrorCode;

    fn user(roles: &[Role]) -> Actor {
        Actor::User {
            id: UserId(uuid::Uuid::nil()),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn only_admins_and_system_manage() {
        assert!(manage(&Actor::System).is_ok());
        assert!(manage(&user(&[Role::Admin])).is_ok());
        assert_eq!(
            manage(&user(&[Role::Client, Role::Freelancer]))
                .unwrap_err()
                .code(),
            ErrorCode::Forbidden
        );
        assert_eq!(
            manage(&Actor::Anonymous).unwrap_err().code(),
            ErrorCode::Unauthenticated
        );
    }

    #[test]
    fn everyone_reads() {
        for actor in [Actor::Anonymous, Actor::System, user(&[])] {
            assert!(read(&actor).is_ok());
        }
    }
}
