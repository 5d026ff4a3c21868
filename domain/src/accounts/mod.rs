//! Users, their linked sign-in identities, roles, and server-side sessions.

mod model;
mod policy;
mod ports;
mod service;
mod session;
mod sign_in;

pub use model::{
    ExternalIdentity, NewUser, ProfileUpdate, Provider, User, UserStatus, normalise_email,
};
pub use ports::{SessionRepository, SignInRepository, UserRepository};
pub use service::{AccountService, ClientInfo};
pub use session::{NewSession, Session, SessionId, SessionLimits, TokenHash};
pub use sign_in::{ATTEMPT_LIFETIME, GRANT_LIFETIME, SignInAttempt, SignInGrant};
