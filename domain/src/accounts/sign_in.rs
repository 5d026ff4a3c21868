//! Sign-in in progress: the one-time record of a browser's trip to a provider, and the
//! one-time code a native app exchanges for its session token afterwards.

use chrono::{DateTime, Utc};

use super::session::TokenHash;
use crate::actor::UserId;

/// How long a browser may take at the provider before the attempt lapses.
pub const ATTEMPT_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// How long a native app has to exchange its one-time code.
pub const GRANT_LIFETIME: chrono::Duration = chrono::Duration::minutes(2);

/// A sign-in that went to a provider and has not come back. Found by the hash of its
/// `state`, used at most once, and only before `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInAttempt {
    /// Hash of the `state` sent to the provider (and kept in the browser's cookie).
    pub state_hash: TokenHash,
    /// The configured provider's key (`github`, `google`, or an OIDC provider's name).
    pub provider: String,
    /// The PKCE verifier whose S256 challenge went to the provider.
    pub pkce_verifier: String,
    /// The OpenID Connect nonce the ID token must carry.
    pub nonce: Option<String>,
    /// Where the browser goes afterwards (already checked against allowed origins).
    pub return_to: String,
    /// The user who was signed in when the attempt began: the identity links to them.
    pub link_to: Option<UserId>,
    /// A native app's S256 code challenge: the attempt ends with a one-time code for it
    /// instead of a cookie.
    pub app_challenge: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A one-time code a native app exchanges (with its PKCE verifier) for a session token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInGrant {
    pub code_hash: TokenHash,
    pub user_id: UserId,
    /// The app's S256 challenge; the exchange must present its verifier.
    pub app_challenge: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}
