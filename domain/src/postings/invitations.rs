//! An invitation to a posting: the client asks a freelancer, or an agency, to propose
//! (required on an INVITE_ONLY posting). Its life cycle:
//!
//! ```text
//! PENDING --accept (the invitee)--> ACCEPTED
//! PENDING --decline(reason) (the invitee)--> DECLINED
//! PENDING --the posting closes--> EXPIRED
//! ```
//!
//! Only a pending invitation changes; the others are final.
//!
//! **EXPIRED is computed, never written.** A posting closes in one place (its own
//! compare-and-set save, by the client or the expiry job); writing every pending
//! invitation of it in that transaction would tie the posting store to this feature and
//! turn one row write into many. Instead storage keeps PENDING and returns, with every
//! invitation, whether its posting is closed; [`PostingInvitationStatus::as_read`] turns
//! "pending on a closed posting" into EXPIRED (through [`transition`], so the life cycle
//! stays in one function). A CLOSED posting never reopens, so an expired invitation stays
//! expired; the answer's conditional write (`... WHERE status = 'PENDING'` and the
//! posting not closed) refuses to answer one. Who may fire which event is decided by
//! `policy`; this file only knows which transitions exist.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::PostingId;
use crate::actor::UserId;
use crate::agencies::AgencyId;
use crate::error::{DomainError, DomainResult, ErrorCode, FieldError};
use crate::pagination::{Page, PageRequest};
use crate::profiles::ProfileId;

/// Longest invitation message, in characters.
pub const MAX_INVITATION_MESSAGE: usize = 1_000;
/// Longest reason for declining, in characters.
pub const MAX_INVITATION_DECLINE_REASON: usize = 500;
/// Most invitations one posting may send, whatever their answers.
pub const MAX_INVITATIONS_PER_POSTING: u32 = 200;

/// Time-ordered (UUID v7): newer invitations have greater IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PostingInvitationId(pub Uuid);

/// Who is invited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Invitee {
    /// A freelancer, by their account and the profile the client chose them by.
    Freelancer {
        user_id: UserId,
        profile_id: ProfileId,
    },
    /// An agency; its owners answer, its members see the invitation.
    Agency(AgencyId),
}

/// Where an invitation stands, as read (see the module: EXPIRED is computed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostingInvitationStatus {
    Pending,
    Accepted,
    Declined,
    /// Was pending when its posting closed.
    Expired,
}

impl PostingInvitationStatus {
    pub const ALL: [PostingInvitationStatus; 4] = [
        PostingInvitationStatus::Pending,
        PostingInvitationStatus::Accepted,
        PostingInvitationStatus::Declined,
        PostingInvitationStatus::Expired,
    ];

    /// The stable storage and API key.
    pub fn key(self) -> &'static str {
        match self {
            PostingInvitationStatus::Pending => "PENDING",
            PostingInvitationStatus::Accepted => "ACCEPTED",
            PostingInvitationStatus::Declined => "DECLINED",
            PostingInvitationStatus::Expired => "EXPIRED",
        }
    }

    /// The status stored as `key`: never EXPIRED, which storage does not write.
    pub fn from_stored_key(key: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| *s != PostingInvitationStatus::Expired && s.key() == key)
    }

    /// The status as read: a pending invitation whose posting is closed has expired.
    pub fn as_read(stored: Self, posting_closed: bool) -> Self {
        if posting_closed {
            transition(stored, &InvitationEvent::PostingClosed).unwrap_or(stored)
        } else {
            stored
        }
    }

    /// Whether an invitation in this state still lets its invitee propose on an
    /// INVITE_ONLY posting: pending or accepted (not declined, not expired).
    pub fn admits_proposal(self) -> bool {
        matches!(
            self,
            PostingInvitationStatus::Pending | PostingInvitationStatus::Accepted
        )
    }
}

/// What can happen to an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvitationEvent {
    Accept,
    /// The reason is already validated plain text (at most 500 characters), or none.
    Decline {
        reason: Option<String>,
    },
    /// Its posting closed (computed when read, never written).
    PostingClosed,
}

/// The one transition function: the status after `event`, or `INVALID_STATE` (a user
/// error on `invitationId`) when the invitation is no longer pending.
pub fn transition(
    from: PostingInvitationStatus,
    event: &InvitationEvent,
) -> Result<PostingInvitationStatus, DomainError> {
    use InvitationEvent as E;
    use PostingInvitationStatus as S;
    match (from, event) {
        (S::Pending, E::Accept) => Ok(S::Accepted),
        (S::Pending, E::Decline { .. }) => Ok(S::Declined),
        (S::Pending, E::PostingClosed) => Ok(S::Expired),
        (S::Accepted | S::Declined | S::Expired, _) => {
            let why = if from == S::Expired {
                "its posting is closed"
            } else {
                "it was already answered"
            };
            Err(DomainError::Validation(vec![FieldError::new(
                &["invitationId"],
                ErrorCode::InvalidState,
                format!(
                    "the invitation is {} and can no longer change: {why}",
                    from.key().to_ascii_lowercase()
                ),
            )]))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingInvitation {
    pub id: PostingInvitationId,
    pub posting_id: PostingId,
    /// The posting's client, who sent it.
    pub client_id: UserId,
    pub invitee: Invitee,
    /// Plain text, at most 1000 characters; `None` when the client wrote nothing.
    pub message: Option<String>,
    /// As read: EXPIRED when pending on a closed posting.
    pub status: PostingInvitationStatus,
    /// Why the invitee declined, when they said.
    pub decline_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When it was accepted or declined.
    pub responded_at: Option<DateTime<Utc>>,
}

impl PostingInvitation {
    /// Applies an answer at `at`: the invitation after it, or the refusal.
    pub fn apply(&self, event: InvitationEvent, at: DateTime<Utc>) -> Result<Self, DomainError> {
        let status = transition(self.status, &event)?;
        let (decline_reason, responded_at) = match event {
            InvitationEvent::Decline { reason } => (reason, Some(at)),
            InvitationEvent::Accept => (None, Some(at)),
            // Expiry is read, not answered: nothing else changes.
            InvitationEvent::PostingClosed => (self.decline_reason.clone(), self.responded_at),
        };
        Ok(Self {
            status,
            decline_reason,
            responded_at,
            ..self.clone()
        })
    }

    /// The agency it invites, if it invites one.
    pub fn agency(&self) -> Option<AgencyId> {
        match self.invitee {
            Invitee::Agency(a) => Some(a),
            Invitee::Freelancer { .. } => None,
        }
    }
}

/// Who an invitation names, for [`PostingInvitationRepository::admits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitedParty {
    Freelancer(UserId),
    Agency(AgencyId),
}

/// What storage did with a new invitation (see [`PostingInvitationRepository::create`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteWrite {
    /// Stored; the invitation as storage keeps it (timestamps at its precision).
    Written(PostingInvitation),
    /// The posting is no longer OPEN or PAUSED.
    PostingNotOpen,
    /// The posting has sent its [`MAX_INVITATIONS_PER_POSTING`] invitations.
    PostingFull,
}

/// Storage of posting invitations. Every invitation read comes with its status as read
/// (EXPIRED when pending on a closed posting).
#[async_trait]
pub trait PostingInvitationRepository: Send + Sync {
    /// In one transaction: counts the invitation on its posting (`postings.invite_count`)
    /// only if the posting is OPEN or PAUSED and has sent fewer than `max`, stores it (at
    /// most one PENDING or ACCEPTED invitation per posting and invitee: a unique index,
    /// a `CONFLICT` on `profileId` or `agencyId`), and writes a `POSTING_INVITATION`
    /// notification for each of `notify`. Nothing is written unless all of it is.
    async fn create(
        &self,
        invitation: &PostingInvitation,
        notify: &[UserId],
        max: u32,
    ) -> DomainResult<InviteWrite>;
    async fn by_ids(&self, ids: &[PostingInvitationId]) -> DomainResult<Vec<PostingInvitation>>;
    /// Stores an answer (`answered` carries the new status, reason and time) only if the
    /// invitation is still PENDING, its posting is not closed, and `responder` may still
    /// answer it (the invited freelancer, or an owner of the invited agency): the
    /// invitation as stored, or `None` when nothing changed.
    async fn answer(
        &self,
        answered: &PostingInvitation,
        responder: UserId,
    ) -> DomainResult<Option<PostingInvitation>>;
    /// Which of `postings` invite `user`, themselves or an agency they are a member of,
    /// whatever the invitation's status: one statement.
    async fn invited_to(
        &self,
        user: UserId,
        postings: &[PostingId],
    ) -> DomainResult<HashSet<PostingId>>;
    /// Whether a PENDING or ACCEPTED invitation to `posting` names `invitee` itself: the
    /// freelancer (by user), or the agency. What admits a proposal to an invite-only
    /// posting; one statement.
    async fn admits(&self, posting: PostingId, invitee: InvitedParty) -> DomainResult<bool>;
    /// Invitations to `user` and (when given) to `agency`, newest first, only those in
    /// `statuses` (as read) when it is not empty.
    async fn of_invitee(
        &self,
        user: UserId,
        agency: Option<AgencyId>,
        statuses: &[PostingInvitationStatus],
        page: &PageRequest<PostingInvitationId>,
    ) -> DomainResult<Page<PostingInvitation>>;
    /// How many invitations `of_invitee` lists in all.
    async fn count_of_invitee(
        &self,
        user: UserId,
        agency: Option<AgencyId>,
        statuses: &[PostingInvitationStatus],
    ) -> DomainResult<u64>;
    /// A page of each posting's invitations, newest first, every page as `page` asks
    /// (its cursor applies to each posting); one statement for them all. Every posting
    /// asked for has an entry.
    async fn of_postings(
        &self,
        postings: &[PostingId],
        page: &PageRequest<PostingInvitationId>,
    ) -> DomainResult<std::collections::HashMap<PostingId, Page<PostingInvitation>>>;
    /// How many invitations each posting has sent; one statement. Every posting asked
    /// for has an entry.
    async fn count_of_postings(
        &self,
        postings: &[PostingId],
    ) -> DomainResult<std::collections::HashMap<PostingId, u64>>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use PostingInvitationStatus as S;

    fn events() -> [InvitationEvent; 3] {
        [
            InvitationEvent::Accept,
            InvitationEvent::Decline {
                reason: Some("busy".into()),
            },
            InvitationEvent::PostingClosed,
        ]
    }

    #[test]
    fn every_allowed_and_refused_transition() {
        let expected = |from: S, e: &InvitationEvent| match (from, e) {
            (S::Pending, InvitationEvent::Accept) => Some(S::Accepted),
            (S::Pending, InvitationEvent::Decline { .. }) => Some(S::Declined),
            (S::Pending, InvitationEvent::PostingClosed) => Some(S::Expired),
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
                        assert!(err.is_user_error());
                        assert_eq!(err.field_errors()[0].code, ErrorCode::InvalidState);
                        assert_eq!(err.field_errors()[0].field, ["invitationId"]);
                    }
                    (got, want) => panic!("{from:?} {e:?}: got {got:?}, want {want:?}"),
                }
            }
        }
        assert_eq!(allowed, 3, "only a pending invitation changes");
    }

    #[test]
    fn expired_is_read_not_stored() {
        for s in S::ALL {
            let read = S::as_read(s, true);
            let want = if s == S::Pending { S::Expired } else { s };
            assert_eq!(read, want, "{s:?} on a closed posting");
            assert_eq!(S::as_read(s, false), s, "{s:?} on an open posting");
        }
        assert_eq!(S::from_stored_key("EXPIRED"), None, "never stored");
        for s in [S::Pending, S::Accepted, S::Declined] {
            assert_eq!(S::from_stored_key(s.key()), Some(s));
        }
        assert!(S::Pending.admits_proposal() && S::Accepted.admits_proposal());
        assert!(!S::Declined.admits_proposal() && !S::Expired.admits_proposal());
    }

    #[test]
    fn answers_record_the_reason_and_the_time_and_are_final() {
        let now = Utc::now();
        let pending = PostingInvitation {
            id: PostingInvitationId(Uuid::now_v7()),
            posting_id: PostingId(Uuid::now_v7()),
            client_id: UserId(Uuid::from_u128(1)),
            invitee: Invitee::Agency(AgencyId(Uuid::from_u128(2))),
            message: None,
            status: S::Pending,
            decline_reason: None,
            created_at: now,
            responded_at: None,
        };
        let declined = pending
            .apply(
                InvitationEvent::Decline {
                    reason: Some("booked until May".into()),
                },
                now,
            )
            .unwrap();
        assert_eq!(declined.status, S::Declined);
        assert_eq!(declined.decline_reason.as_deref(), Some("booked until May"));
        assert_eq!(declined.responded_at, Some(now));
        assert!(declined.apply(InvitationEvent::Accept, now).is_err());
        let accepted = pending.apply(InvitationEvent::Accept, now).unwrap();
        assert_eq!(
            (accepted.status, accepted.decline_reason),
            (S::Accepted, None)
        );
        let expired = pending.apply(InvitationEvent::PostingClosed, now).unwrap();
        assert_eq!((expired.status, expired.responded_at), (S::Expired, None));
        let err = expired.apply(InvitationEvent::Accept, now).unwrap_err();
        assert!(err.to_string().contains("closed"), "{err}");
        assert_eq!(pending.agency(), Some(AgencyId(Uuid::from_u128(2))));
    }
}
