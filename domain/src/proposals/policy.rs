//! Who may submit a proposal, deny by default. A proposal counts for one freelancer: the
//! one who submits it, or the member an agency's owner submits it for (the product:
//! "an agency proposal counts for the member it names").
//!
//! - Anonymous callers are `UNAUTHENTICATED`.
//! - A posting the caller cannot see (a draft, or invite-only without an invitation) is
//!   `NOT_FOUND` on `postingId`, as if it did not exist.
//! - The posting's client never proposes on it, nor for a member who is its client.
//! - A freelancer submits for themself (the freelancer role); an agency submits through
//!   an owner, for a member of that agency (`NOT_FOUND` on `memberId` otherwise).
//! - On an invite-only posting the invitation must admit the proposal: the freelancer's
//!   own for a freelancer, the agency's for an agency (`FORBIDDEN` otherwise: the caller
//!   sees the posting through another invitation).
//!
//! Whether the posting takes proposals now (open, deadline ahead) is the submission
//! check's (`INVALID_STATE`), after this.

use crate::actor::{Actor, Role, UserId};
use crate::agencies::{AgencyId, AgencyRole};
use crate::error::{DomainError, DomainResult};
use crate::postings::{Posting, PostingVisibility, policy as posting_policy};

/// Who a proposal is submitted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitter {
    /// The signed-in freelancer, for themself.
    Freelancer,
    /// An owner of this agency, for this member.
    Agency { agency: AgencyId, member: UserId },
}

/// What the caller knows about the submitter, read before deciding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SubmitterFacts {
    /// The caller's role in the named agency, if any.
    pub actor_agency_role: Option<AgencyRole>,
    /// Whether the named member belongs to the named agency.
    pub member_in_agency: bool,
    /// Whether an invitation that admits a proposal exists for the submitter: the
    /// freelancer's own, or the agency's.
    pub invited: bool,
    /// Whether the caller sees the posting (see `postings::policy::can_see`).
    pub sees_posting: bool,
}

/// The freelancer the proposal will count for, or why the caller may not submit it.
pub fn submit(
    actor: &Actor,
    posting: &Posting,
    submitter: Submitter,
    facts: SubmitterFacts,
) -> DomainResult<UserId> {
    let Some(caller) = actor.user_id() else {
        return Err(DomainError::Unauthenticated);
    };
    if !facts.sees_posting {
        return Err(DomainError::not_found_at("postingId", "no such posting"));
    }
    if caller == posting.client_id {
        return Err(DomainError::Forbidden);
    }
    let freelancer = match submitter {
        Submitter::Freelancer if actor.has_role(Role::Freelancer) => caller,
        Submitter::Freelancer => return Err(DomainError::Forbidden),
        Submitter::Agency { member, .. } => {
            if facts.actor_agency_role != Some(AgencyRole::Owner) {
                return Err(DomainError::Forbidden);
            }
            if !facts.member_in_agency {
                return Err(DomainError::not_found_at(
                    "memberId",
                    "no such member of the agency",
                ));
            }
            if member == posting.client_id {
                return Err(DomainError::Forbidden);
            }
            member
        }
    };
    if posting.visibility == PostingVisibility::InviteOnly && !facts.invited {
        return Err(DomainError::Forbidden);
    }
    Ok(freelancer)
}

/// Whether the actor sees `posting` (with an invitation of their own when `invited`):
/// what [`SubmitterFacts::sees_posting`] holds.
pub fn sees(actor: &Actor, posting: &Posting, invited: bool) -> bool {
    posting_policy::can_see(actor, posting, invited)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::postings::{PostingId, PostingStatus};
    use chrono::Utc;
    use uuid::Uuid;

    fn user(n: u128, role: Role) -> Actor {
        Actor::User {
            id: UserId(Uuid::from_u128(n)),
            roles: vec![role],
        }
    }

    fn posting(visibility: PostingVisibility) -> Posting {
        let mut p = Posting::blank(
            PostingId(Uuid::now_v7()),
            UserId(Uuid::from_u128(1)),
            Utc::now(),
        );
        p.status = PostingStatus::Open;
        p.visibility = visibility;
        p
    }

    const AGENCY: AgencyId = AgencyId(Uuid::from_u128(50));
    const MEMBER: UserId = UserId(Uuid::from_u128(51));

    /// The outcome as a short word: the freelancer counted, or the error code.
    fn outcome(result: DomainResult<UserId>) -> String {
        match result {
            Ok(id) => format!("ok {}", id.0.as_u128()),
            Err(e) => match e {
                DomainError::Validation(fields) => {
                    format!("{} {}", fields[0].code, fields[0].field.join("."))
                }
                other => other.code().to_string(),
            },
        }
    }

    #[test]
    fn every_kind_of_caller_is_answered_as_the_matrix_says() {
        let client = user(1, Role::Client);
        let freelancer = user(2, Role::Freelancer);
        let other_client = user(3, Role::Client);
        let owner = user(4, Role::Freelancer);
        let admin = user(5, Role::Admin);
        let sees = SubmitterFacts {
            sees_posting: true,
            ..SubmitterFacts::default()
        };
        let as_owner = SubmitterFacts {
            actor_agency_role: Some(AgencyRole::Owner),
            member_in_agency: true,
            ..sees
        };
        let for_member = Submitter::Agency {
            agency: AGENCY,
            member: MEMBER,
        };
        let public = posting(PostingVisibility::Public);
        let invite_only = posting(PostingVisibility::InviteOnly);
        let cases: Vec<(&str, &Actor, &Posting, Submitter, SubmitterFacts, &str)> = vec![
            (
                "anonymous",
                &Actor::Anonymous,
                &public,
                Submitter::Freelancer,
                sees,
                "UNAUTHENTICATED",
            ),
            (
                "freelancer",
                &freelancer,
                &public,
                Submitter::Freelancer,
                sees,
                "ok 2",
            ),
            (
                "the posting's client",
                &client,
                &public,
                Submitter::Freelancer,
                sees,
                "FORBIDDEN",
            ),
            (
                "another client",
                &other_client,
                &public,
                Submitter::Freelancer,
                sees,
                "FORBIDDEN",
            ),
            (
                "an admin",
                &admin,
                &public,
                Submitter::Freelancer,
                sees,
                "FORBIDDEN",
            ),
            (
                "a posting not seen",
                &freelancer,
                &invite_only,
                Submitter::Freelancer,
                SubmitterFacts::default(),
                "NOT_FOUND postingId",
            ),
            (
                "invited freelancer",
                &freelancer,
                &invite_only,
                Submitter::Freelancer,
                SubmitterFacts {
                    invited: true,
                    ..sees
                },
                "ok 2",
            ),
            (
                "seen through another invitation",
                &freelancer,
                &invite_only,
                Submitter::Freelancer,
                sees,
                "FORBIDDEN",
            ),
            (
                "agency owner for a member",
                &owner,
                &public,
                for_member,
                as_owner,
                "ok 51",
            ),
            (
                "agency member, not owner",
                &owner,
                &public,
                for_member,
                SubmitterFacts {
                    actor_agency_role: Some(AgencyRole::Member),
                    ..as_owner
                },
                "FORBIDDEN",
            ),
            (
                "not in the agency",
                &owner,
                &public,
                for_member,
                SubmitterFacts {
                    actor_agency_role: None,
                    ..as_owner
                },
                "FORBIDDEN",
            ),
            (
                "owner for a stranger",
                &owner,
                &public,
                for_member,
                SubmitterFacts {
                    member_in_agency: false,
                    ..as_owner
                },
                "NOT_FOUND memberId",
            ),
            (
                "owner for the posting's client",
                &owner,
                &public,
                Submitter::Agency {
                    agency: AGENCY,
                    member: UserId(Uuid::from_u128(1)),
                },
                as_owner,
                "FORBIDDEN",
            ),
            (
                "agency invited",
                &owner,
                &invite_only,
                for_member,
                SubmitterFacts {
                    invited: true,
                    ..as_owner
                },
                "ok 51",
            ),
            (
                "agency not invited",
                &owner,
                &invite_only,
                for_member,
                as_owner,
                "FORBIDDEN",
            ),
        ];
        for (who, actor, posting, submitter, facts, want) in cases {
            assert_eq!(
                outcome(submit(actor, posting, submitter, facts)),
                want,
                "{who}"
            );
        }
    }

    #[test]
    fn seeing_follows_the_posting_rules() {
        let freelancer = user(2, Role::Freelancer);
        assert!(sees(
            &freelancer,
            &posting(PostingVisibility::Public),
            false
        ));
        assert!(!sees(
            &freelancer,
            &posting(PostingVisibility::InviteOnly),
            false
        ));
        assert!(sees(
            &freelancer,
            &posting(PostingVisibility::InviteOnly),
            true
        ));
        let mut draft = posting(PostingVisibility::Public);
        draft.status = PostingStatus::Draft;
        assert!(!sees(&freelancer, &draft, true));
    }
}
