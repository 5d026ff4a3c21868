//! An invitation to join an agency, and its life cycle:
//!
//! ```text
//! PENDING --accept (invitee)--> ACCEPTED
//! PENDING --decline(reason) (invitee)--> DECLINED
//! PENDING --revoke (an owner)--> REVOKED
//! ```
//!
//! Only a pending invitation changes; the others are final. Who may fire which event is
//! decided by `policy`; this file only knows which transitions exist.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::model::{AgencyId, AgencyRole};
use crate::actor::UserId;
use crate::error::{DomainError, ErrorCode, FieldError};
use crate::profiles::ProfileId;

/// Longest invitation message, in characters.
pub const MAX_MESSAGE: usize = 1_000;
/// Longest reason for declining, in characters.
pub const MAX_DECLINE_REASON: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InvitationId(pub Uuid);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Declined,
    Revoked,
}

impl InvitationStatus {
    pub const ALL: [InvitationStatus; 4] = [
        InvitationStatus::Pending,
        InvitationStatus::Accepted,
        InvitationStatus::Declined,
        InvitationStatus::Revoked,
    ];

    pub fn key(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "PENDING",
            InvitationStatus::Accepted => "ACCEPTED",
            InvitationStatus::Declined => "DECLINED",
            InvitationStatus::Revoked => "REVOKED",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// What can happen to an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvitationEvent {
    Accept,
    /// The reason is already validated plain text (at most 500 characters).
    Decline {
        reason: Option<String>,
    },
    Revoke,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: InvitationId,
    pub agency_id: AgencyId,
    pub invitee: UserId,
    pub invitee_profile: ProfileId,
    pub invited_by: UserId,
    /// The role the invitee gets on accepting.
    pub role: AgencyRole,
    /// Plain text, at most 1000 characters; may be empty.
    pub message: String,
    pub status: InvitationStatus,
    /// Why the invitee declined, when they said.
    pub decline_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When it stopped being pending.
    pub responded_at: Option<DateTime<Utc>>,
}

/// The one transition function: the status after `event`, or `INVALID_STATE` (a user
/// error on `invitationId`) when the invitation is no longer pending.
pub fn transition(
    from: InvitationStatus,
    event: &InvitationEvent,
) -> Result<InvitationStatus, DomainError> {
    use InvitationEvent as E;
    use InvitationStatus as S;
    match (from, event) {
        (S::Pending, E::Accept) => Ok(S::Accepted),
        (S::Pending, E::Decline { .. }) => Ok(S::Declined),
        (S::Pending, E::Revoke) => Ok(S::Revoked),
        (S::Accepted | S::Declined | S::Revoked, _) => {
            Err(DomainError::Validation(vec![FieldError::new(
                &["invitationId"],
                ErrorCode::InvalidState,
                format!(
                    "the invitation is {} and can no longer change",
                    from.key().to_ascii_lowercase()
                ),
            )]))
        }
    }
}

impl Invitation {
    /// Applies `event` at `at`: the invitation after it, or the refusal.
    pub fn apply(&self, event: InvitationEvent, at: DateTime<Utc>) -> Result<Self, DomainError> {
        let status = transition(self.status, &event)?;
        let decline_reason = match event {
            InvitationEvent::Decline { reason } => reason,
            InvitationEvent::Accept | InvitationEvent::Revoke => None,
        };
        Ok(Self {
            status,
            decline_reason,
            responded_at: Some(at),
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use InvitationStatus as S;

    fn events() -> [InvitationEvent; 3] {
        [
            InvitationEvent::Accept,
            InvitationEvent::Decline {
                reason: Some("busy".into()),
            },
            InvitationEvent::Revoke,
        ]
    }

    #[test]
    fn every_allowed_and_refused_transition() {
        let expected = |from: S, e: &InvitationEvent| match (from, e) {
            (S::Pending, InvitationEvent::Accept) => Some(S::Accepted),
            (S::Pending, InvitationEvent::Decline { .. }) => Some(S::Declined),
            (S::Pending, InvitationEvent::Revoke) => Some(S::Revoked),
            _ => None,
        };
        let mut allowed = 0;
        for from in S::ALL {
            for e in events() {
                match (transition(from, &e), expected(from, &e)) {
                    (Ok(to), Some(want)) => {
                        assert_eq!(to, want, "{from:?} {e:?}");
                        allowed += 1;
                    }
                    (Err(err), None) => {
                        assert_eq!(err.field_errors()[0].code, ErrorCode::InvalidState);
                        assert_eq!(err.field_errors()[0].field, ["invitationId"]);
                        assert!(err.is_user_error());
                    }
                    (got, want) => panic!("{from:?} {e:?}: got {got:?}, want {want:?}"),
                }
            }
        }
        assert_eq!(allowed, 3, "only a pending invitation changes");
    }

    #[test]
    fn applying_records_the_reason_and_the_time_and_finality_holds() {
        let now = Utc::now();
        let pending = Invitation {
            id: InvitationId(Uuid::nil()),
            agency_id: AgencyId(Uuid::nil()),
            invitee: UserId(Uuid::from_u128(1)),
            invitee_profile: ProfileId(Uuid::from_u128(2)),
            invited_by: UserId(Uuid::from_u128(3)),
            role: AgencyRole::Member,
            message: String::new(),
            status: S::Pending,
            decline_reason: None,
            created_at: now,
            responded_at: None,
        };
        let declined = pending
            .apply(
                InvitationEvent::Decline {
                    reason: Some("busy".into()),
                },
                now,
            )
            .unwrap();
        assert_eq!(declined.status, S::Declined);
        assert_eq!(declined.decline_reason.as_deref(), Some("busy"));
        assert_eq!(declined.responded_at, Some(now));
        assert!(declined.apply(InvitationEvent::Accept, now).is_err());
        let accepted = pending.apply(InvitationEvent::Accept, now).unwrap();
        assert_eq!(
            (accepted.status, accepted.decline_reason.clone()),
            (S::Accepted, None)
        );
        assert!(accepted.apply(InvitationEvent::Revoke, now).is_err());
        for key in S::ALL.map(S::key) {
            assert_eq!(S::from_key(key).map(S::key), Some(key));
        }
    }
}
