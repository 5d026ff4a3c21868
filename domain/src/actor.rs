//! Who is acting. Every service call names its actor; policies decide from it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The identity of a signed-in user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserId(pub Uuid);

/// A role a user holds. Freelancer and client are chosen by the user; admin is granted only
/// by an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Freelancer,
    Client,
    Admin,
}

/// Operations, by the name the API gives them, that anonymous callers may perform.
/// Everything else refuses an anonymous actor (deny by default): a test lists every
/// mutation of the GraphQL schema by introspection and fails when one not named here
/// succeeds, or fails with anything but `UNAUTHENTICATED`, for an anonymous caller.
/// Signing in itself happens over HTTP redirects (`/auth/...`), not mutations.
pub const PUBLIC_OPERATIONS: &[&str] = &[];

/// The party on whose behalf a service call runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Nobody is signed in.
    Anonymous,
    /// A signed-in user with the roles they hold.
    User { id: UserId, roles: Vec<Role> },
    /// The platform itself: migrations, scheduled jobs, operator commands.
    System,
}

impl Actor {
    pub fn has_role(&self, role: Role) -> bool {
        matches!(self, Actor::User { roles, .. } if roles.contains(&role))
    }

    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Actor::User { id, .. } => Some(*id),
            Actor::Anonymous | Actor::System => None,
        }
    }
}
