use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::model::{ExternalIdentity, NewUser, ProfileUpdate, Provider, User};
use super::session::{NewSession, Session, SessionId, TokenHash};
use super::sign_in::{SignInAttempt, SignInGrant};
use crate::actor::{Role, UserId};
use crate::error::DomainResult;

/// Storage of users and their linked identities.
#[async_trait]
pub trait UserRepository: Send + Sync {
    async fn find_by_id(&self, id: UserId) -> DomainResult<Option<User>>;
    async fn find_by_identity(
        &self,
        provider: &Provider,
        subject: &str,
    ) -> DomainResult<Option<User>>;
    /// The identities linked to a user: (provider, subject).
    async fn identities_of(&self, user: UserId) -> DomainResult<Vec<(Provider, String)>>;
    /// The user whose (normalised) email this is.
    async fn find_by_email(&self, email: &str) -> DomainResult<Option<User>>;
    /// Creates the user and links the identity, atomically.
    async fn create_with_identity(
        &self,
        user: &NewUser,
        identity: &ExternalIdentity,
    ) -> DomainResult<User>;
    /// Links another identity; one already linked to anyone is a `Conflict`.
    async fn link_identity(&self, user: UserId, identity: &ExternalIdentity) -> DomainResult<()>;
    async fn update_profile(&self, user: UserId, update: &ProfileUpdate) -> DomainResult<User>;
    /// Adds a role (idempotent).
    async fn add_role(&self, user: UserId, role: Role) -> DomainResult<User>;
}

/// Storage of sessions, found by the hash of their token.
#[async_trait]
pub trait SessionRepository: Send + Sync {
    async fn create(&self, session: &NewSession) -> DomainResult<Session>;
    async fn find_by_token(&self, hash: &TokenHash) -> DomainResult<Option<Session>>;
    /// Records use of the session.
    async fn touch(&self, hash: &TokenHash, id: SessionId, at: DateTime<Utc>) -> DomainResult<()>;
    /// Ends a session of `user`, returning its token hash; `None` when the user has no
    /// such unrevoked session.
    async fn revoke(
        &self,
        user: UserId,
        id: SessionId,
        at: DateTime<Utc>,
    ) -> DomainResult<Option<TokenHash>>;
    /// Ends the session with this token (logout); false when there is none.
    async fn revoke_token(&self, hash: &TokenHash, at: DateTime<Utc>) -> DomainResult<bool>;
    /// The user's sessions that are neither revoked nor past `expires_at` at `now`,
    /// newest first, at most 100.
    async fn list_for_user(&self, user: UserId, now: DateTime<Utc>) -> DomainResult<Vec<Session>>;
}

/// Storage of sign-ins in progress. Each record is taken at most once: `take_*` removes it
/// atomically, so a replayed callback or code finds nothing.
#[async_trait]
pub trait SignInRepository: Send + Sync {
    /// Stores an attempt (and drops attempts and grants that have lapsed).
    async fn save_attempt(&self, attempt: &SignInAttempt) -> DomainResult<()>;
    /// Removes and returns the attempt with this state hash, if any.
    async fn take_attempt(&self, state_hash: &TokenHash) -> DomainResult<Option<SignInAttempt>>;
    async fn save_grant(&self, grant: &SignInGrant) -> DomainResult<()>;
    /// Removes and returns the grant with this code hash, if any.
    async fn take_grant(&self, code_hash: &TokenHash) -> DomainResult<Option<SignInGrant>>;
}
