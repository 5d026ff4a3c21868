//! Referrals: a signed-in user puts a freelancer forward for a posting, with a note.
//!
//! - **Who refers**: any signed-in user, for a posting they can see and a freelancer
//!   profile they can see. The posting's client does not refer to their own posting
//!   (`FORBIDDEN`: they invite instead); nobody refers themself, and the posting's
//!   client is not referred to it (`VALIDATION` on `profileId`).
//! - **To which postings**: OPEN or PAUSED ones. A posting the caller cannot see (a
//!   draft of someone else's, an invite-only posting without an invitation) is
//!   `NOT_FOUND` on `postingId`; a closed one, or a draft an admin sees, is
//!   `INVALID_STATE` on `postingId`.
//! - **The note**: plain text, 1 to 1,000 characters, multi-line.
//! - **Once**: one referral per referrer, freelancer and posting, a unique index; a
//!   second is `CONFLICT` on `profileId`.
//! - **Who sees them**: the referrer (`viewer.referrals`, newest first) and the
//!   posting's client, on the proposal of the referred freelancer (when they propose);
//!   not the freelancer, nor anybody else.
//!
//! Every problem with the input is reported at once, after the caller is known to be
//! signed in and allowed to refer to the posting.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::actor::{Actor, UserId};
use crate::error::{DomainError, DomainResult, ErrorCode, FieldError};
use crate::pagination::{Page, PageRequest};
use crate::postings::{Posting, PostingId, PostingStatus};
use crate::text;

/// The longest note, in characters.
pub const MAX_REFERRAL_NOTE: usize = 1_000;

/// A referral's ID: a UUID v7, so IDs order referrals by the time they were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReferralId(pub Uuid);

/// A freelancer put forward for a posting by someone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    pub id: ReferralId,
    pub posting_id: PostingId,
    /// The freelancer referred (the user whose freelancer profile was named).
    pub freelancer_id: UserId,
    /// Who referred them.
    pub referrer_id: UserId,
    /// Plain text, 1 to 1,000 characters.
    pub note: String,
    pub created_at: DateTime<Utc>,
}

/// What storage did with a new referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferralWrite {
    Written(Referral),
    /// The referrer already referred this freelancer to this posting.
    Duplicate,
}

/// Storage of referrals.
#[async_trait]
pub trait ReferralRepository: Send + Sync {
    /// Stores a referral; one per referrer, freelancer and posting (a unique index:
    /// concurrent duplicates leave one, the others are `Duplicate`).
    async fn create(&self, referral: &Referral) -> DomainResult<ReferralWrite>;
    /// A page of `referrer`'s referrals, newest first.
    async fn of_referrer(
        &self,
        referrer: UserId,
        page: &PageRequest<ReferralId>,
    ) -> DomainResult<Page<Referral>>;
    /// The referrals of these (posting, freelancer) pairs, newest first; one statement.
    async fn of_candidates(
        &self,
        candidates: &[(PostingId, UserId)],
    ) -> DomainResult<Vec<Referral>>;
}

/// What the service found of a referral's targets, as the caller may see them.
#[derive(Debug, Clone, Copy)]
pub struct ReferralTargets<'a> {
    /// The posting, when it exists and the caller sees it.
    pub posting: Option<&'a Posting>,
    /// The user of the named freelancer profile, when it exists and the caller sees it.
    pub freelancer: Option<UserId>,
}

/// Decides a referral (deny by default) and checks its input: the referral to store
/// (its ID and time from `now`), or why not. The anonymous are `UNAUTHENTICATED` and the
/// platform itself `FORBIDDEN` before anything else; the posting's client is
/// `FORBIDDEN`; every problem with the input is then reported at once.
pub fn referral(
    actor: &Actor,
    targets: ReferralTargets<'_>,
    note: &str,
    now: DateTime<Utc>,
) -> DomainResult<Referral> {
    let referrer = match actor {
        Actor::User { id, .. } => *id,
        Actor::Anonymous => return Err(DomainError::Unauthenticated),
        Actor::System => return Err(DomainError::Forbidden),
    };
    let mut errors = Vec::new();
    match targets.posting {
        None => errors.push(FieldError::new(
            &["postingId"],
            ErrorCode::NotFound,
            "no such posting",
        )),
        Some(posting) if posting.client_id == referrer => return Err(DomainError::Forbidden),
        Some(posting) => match posting.status {
            PostingStatus::Open | PostingStatus::Paused => {}
            PostingStatus::Draft | PostingStatus::Closed(_) => errors.push(FieldError::new(
                &["postingId"],
                ErrorCode::InvalidState,
                "only open or paused postings take referrals",
            )),
        },
    }
    match targets.freelancer {
        None => errors.push(FieldError::new(
            &["profileId"],
            ErrorCode::NotFound,
            "no such freelancer profile",
        )),
        Some(user) if user == referrer => errors.push(FieldError::validation(
            &["profileId"],
            "you cannot refer yourself",
        )),
        Some(user) if targets.posting.is_some_and(|p| p.client_id == user) => errors.push(
            FieldError::validation(&["profileId"], "this is the posting's client"),
        ),
        Some(_) => {}
    }
    let note = match text::multi_line(note, 1, MAX_REFERRAL_NOTE) {
        Ok(note) => note,
        Err(m) => {
            errors.push(FieldError::validation(&["note"], m));
            String::new()
        }
    };
    match (targets.posting, targets.freelancer) {
        (Some(posting), Some(freelancer)) if errors.is_empty() => Ok(Referral {
            id: ReferralId(Uuid::now_v7()),
            posting_id: posting.id,
            freelancer_id: freelancer,
            referrer_id: referrer,
            note,
            created_at: now,
        }),
        _ => Err(DomainError::Validation(errors)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::actor::Role;
    use crate::postings::CloseReason;

    fn user(n: u128, role: Role) -> Actor {
        Actor::User {
            id: UserId(Uuid::from_u128(n)),
            roles: vec![role],
        }
    }

    fn id(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    fn posting(status: PostingStatus) -> Posting {
        let mut p = Posting::blank(PostingId(Uuid::now_v7()), id(1), Utc::now());
        p.status = status;
        p
    }

    /// "ok", or the error's code and the user errors as `code@field`.
    fn outcome(r: DomainResult<Referral>) -> String {
        match r {
            Ok(_) => "ok".to_owned(),
            Err(DomainError::Validation(f)) => {
                let mut all: Vec<String> = f
                    .iter()
                    .map(|e| format!("{}@{}", e.code.as_str(), e.field.join(".")))
                    .collect();
                all.sort();
                all.join(" ")
            }
            Err(e) => e.code().as_str().to_owned(),
        }
    }

    #[test]
    fn who_may_refer_and_what_is_refused() {
        let open = posting(PostingStatus::Open);
        let paused = posting(PostingStatus::Paused);
        let closed = posting(PostingStatus::Closed(CloseReason::Filled));
        let draft = posting(PostingStatus::Draft);
        let note = "Worked with her on a ledger; she is careful.";
        let long = "x".repeat(MAX_REFERRAL_NOTE + 1);
        // (who, actor, posting, freelancer, note, outcome)
        type Case<'a> = (
            &'a str,
            Actor,
            Option<&'a Posting>,
            Option<UserId>,
            &'a str,
            &'a str,
        );
        let cases: Vec<Case> = vec![
            (
                "anonymous",
                Actor::Anonymous,
                Some(&open),
                Some(id(2)),
                note,
                "UNAUTHENTICATED",
            ),
            (
                "anonymous, bad input",
                Actor::Anonymous,
                None,
                None,
                "",
                "UNAUTHENTICATED",
            ),
            (
                "the platform",
                Actor::System,
                Some(&open),
                Some(id(2)),
                note,
                "FORBIDDEN",
            ),
            (
                "a freelancer",
                user(3, Role::Freelancer),
                Some(&open),
                Some(id(2)),
                note,
                "ok",
            ),
            (
                "another client",
                user(4, Role::Client),
                Some(&open),
                Some(id(2)),
                note,
                "ok",
            ),
            (
                "an admin",
                user(5, Role::Admin),
                Some(&open),
                Some(id(2)),
                note,
                "ok",
            ),
            (
                "to a paused posting",
                user(3, Role::Freelancer),
                Some(&paused),
                Some(id(2)),
                note,
                "ok",
            ),
            (
                "the posting's client",
                user(1, Role::Client),
                Some(&open),
                Some(id(2)),
                note,
                "FORBIDDEN",
            ),
            (
                "a closed posting",
                user(3, Role::Freelancer),
                Some(&closed),
                Some(id(2)),
                note,
                "INVALID_STATE@postingId",
            ),
            (
                "a draft an admin sees",
                user(5, Role::Admin),
                Some(&draft),
                Some(id(2)),
                note,
                "INVALID_STATE@postingId",
            ),
            (
                "an unseen posting",
                user(3, Role::Freelancer),
                None,
                Some(id(2)),
                note,
                "NOT_FOUND@postingId",
            ),
            (
                "oneself",
                user(2, Role::Freelancer),
                Some(&open),
                Some(id(2)),
                note,
                "VALIDATION@profileId",
            ),
            (
                "the client to their posting",
                user(3, Role::Freelancer),
                Some(&open),
                Some(id(1)),
                note,
                "VALIDATION@profileId",
            ),
            (
                "an unseen profile",
                user(3, Role::Freelancer),
                Some(&open),
                None,
                note,
                "NOT_FOUND@profileId",
            ),
            (
                "an empty note",
                user(3, Role::Freelancer),
                Some(&open),
                Some(id(2)),
                " \n ",
                "VALIDATION@note",
            ),
            (
                "a long note",
                user(3, Role::Freelancer),
                Some(&open),
                Some(id(2)),
                &long,
                "VALIDATION@note",
            ),
            (
                "everything at once",
                user(3, Role::Freelancer),
                Some(&closed),
                None,
                "",
                "INVALID_STATE@postingId NOT_FOUND@profileId VALIDATION@note",
            ),
        ];
        for (who, actor, posting, freelancer, note, want) in cases {
            let targets = ReferralTargets {
                posting,
                freelancer,
            };
            assert_eq!(
                outcome(referral(&actor, targets, note, Utc::now())),
                want,
                "{who}"
            );
        }
    }

    #[test]
    fn a_referral_keeps_its_note_as_plain_text() {
        let open = posting(PostingStatus::Open);
        let targets = ReferralTargets {
            posting: Some(&open),
            freelancer: Some(id(2)),
        };
        let r = referral(
            &user(3, Role::Freelancer),
            targets,
            "  Two years together.\r\nShe ships.  ",
            Utc::now(),
        )
        .unwrap();
        assert_eq!(r.note, "Two years together.\nShe ships.");
        assert_eq!(
            (r.posting_id, r.freelancer_id, r.referrer_id),
            (open.id, id(2), id(3))
        );
    }
}
