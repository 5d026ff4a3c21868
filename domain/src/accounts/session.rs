use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::UserId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionId(pub Uuid);

/// The SHA-256 of a session token, hex-encoded. The token itself is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TokenHash(pub String);

/// How long sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// A session unused for this long ends.
    pub idle: Duration,
    /// No session lives longer than this, however active.
    pub absolute: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(7 * 24 * 3600),
            absolute: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// A signed-in device or browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Session {
    /// Whether the session still authenticates at `now`.
    pub fn is_live(&self, now: DateTime<Utc>, limits: &SessionLimits) -> bool {
        let idle_ends = chrono::Duration::from_std(limits.idle)
            .ok()
            .and_then(|idle| self.last_seen_at.checked_add_signed(idle))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        self.revoked_at.is_none() && now < self.expires_at && now < idle_ends
    }
}

/// A session to store at sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub id: SessionId,
    pub user_id: UserId,
    pub token_hash: TokenHash,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(now: DateTime<Utc>) -> Session {
        Session {
            id: SessionId(Uuid::nil()),
            user_id: UserId(Uuid::nil()),
            created_at: now,
            last_seen_at: now,
            expires_at: now + chrono::Duration::days(30),
            user_agent: None,
            ip: None,
            revoked_at: None,
        }
    }

    #[test]
    fn idle_absolute_and_revoked() {
        let limits = SessionLimits::default();
        let now = Utc::now();
        let s = session(now);
        assert!(s.is_live(now + chrono::Duration::days(6), &limits));
        assert!(!s.is_live(now + chrono::Duration::days(8), &limits), "idle");
        let mut active = s.clone();
        active.last_seen_at = now + chrono::Duration::days(29);
        assert!(
            !active.is_live(now + chrono::Duration::days(31), &limits),
            "absolute"
        );
        let mut revoked = s;
        revoked.revoked_at = Some(now);
        assert!(!revoked.is_live(now, &limits));
    }
}
