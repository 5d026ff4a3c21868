//! Who sees a proposal and who acts on it, deny by default.
//!
//! - **The freelancer's side** sees it and edits or withdraws it: the freelancer it counts
//!   for and, for a proposal an agency submitted, the agency's owners as they are now
//!   (an owner who leaves the agency, or becomes a plain member, no longer acts for it;
//!   the freelancer keeps their proposal if they leave the agency).
//! - **The client's side** sees it and moves it through the life cycle and the pipeline:
//!   the posting's client.
//! - The posting's evaluators see it and score it (the service asks storage who they
//!   are); nobody else sees it: not other freelancers, other clients or admins. Bids
//!   are never public; only a posting's aggregate statistics are.
//!
//! Someone who does not see a proposal learns nothing more than "no such proposal"
//! (`NOT_FOUND` on `proposalId`); one side acting for the other is `FORBIDDEN`.

use crate::actor::{Actor, UserId};
use crate::agencies::{AgencyId, AgencyRole};
use crate::error::{DomainError, DomainResult};
use crate::postings::Posting;

use super::model::Proposal;

/// The side a caller is on for one proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Freelancer,
    Client,
}

/// The caller's agency membership, as (agency, role), when they have one.
pub type Membership = Option<(AgencyId, AgencyRole)>;

/// The side `user` is on for `proposal` of `posting`, if any.
pub fn side_of(
    user: UserId,
    membership: Membership,
    proposal: &Proposal,
    posting: &Posting,
) -> Option<Side> {
    side_for(user, membership, proposal, posting.client_id)
}

/// The side `user` is on for `proposal` of a posting whose client is `client`, if any.
pub fn side_for(
    user: UserId,
    membership: Membership,
    proposal: &Proposal,
    client: UserId,
) -> Option<Side> {
    side_among(
        user,
        membership,
        client,
        proposal.freelancer_id,
        proposal.agency_id,
    )
}

/// The side `user` is on between `client` and `freelancer` (for whom `agency`, if any,
/// acts): a proposal's, an offer's or a contract's parties.
pub fn side_among(
    user: UserId,
    membership: Membership,
    client: UserId,
    freelancer: UserId,
    agency: Option<AgencyId>,
) -> Option<Side> {
    if user == client {
        return Some(Side::Client);
    }
    let owns_agency = matches!(
        (agency, membership),
        (Some(agency), Some((member_of, AgencyRole::Owner))) if agency == member_of
    );
    if user == freelancer || owns_agency {
        return Some(Side::Freelancer);
    }
    None
}

/// Whether the actor sees the proposal at all.
pub fn sees(actor: &Actor, membership: Membership, proposal: &Proposal, posting: &Posting) -> bool {
    sees_for(actor, membership, proposal, posting.client_id)
}

/// Whether the actor sees the proposal of a posting whose client is `client`.
pub fn sees_for(
    actor: &Actor,
    membership: Membership,
    proposal: &Proposal,
    client: UserId,
) -> bool {
    actor
        .user_id()
        .and_then(|user| side_for(user, membership, proposal, client))
        .is_some()
}

/// The actor may act on the proposal from `side`: `Ok`, or `UNAUTHENTICATED`,
/// `NOT_FOUND` on `proposalId` (they do not see it) or `FORBIDDEN` (the other side).
pub fn acts_as(
    actor: &Actor,
    membership: Membership,
    proposal: &Proposal,
    posting: &Posting,
    side: Side,
) -> DomainResult<()> {
    acts_as_for(actor, membership, proposal, posting.client_id, side)
}

/// [`acts_as`] for a proposal of a posting whose client is `client`.
pub fn acts_as_for(
    actor: &Actor,
    membership: Membership,
    proposal: &Proposal,
    client: UserId,
    side: Side,
) -> DomainResult<()> {
    let Some(user) = actor.user_id() else {
        return Err(DomainError::Unauthenticated);
    };
    match side_for(user, membership, proposal, client) {
        Some(s) if s == side => Ok(()),
        Some(_) => Err(DomainError::Forbidden),
        None => Err(not_found()),
    }
}

/// The actor runs the posting's evaluation (lists its proposals, changes its pipeline):
/// its client. Others who see the posting are `FORBIDDEN`; the caller must have seen it
/// (`sees_posting`), else `NOT_FOUND` on `postingId`.
pub fn evaluates(actor: &Actor, posting: &Posting, sees_posting: bool) -> DomainResult<()> {
    let Some(user) = actor.user_id() else {
        return Err(DomainError::Unauthenticated);
    };
    if user == posting.client_id {
        Ok(())
    } else if sees_posting {
        Err(DomainError::Forbidden)
    } else {
        Err(DomainError::not_found_at("postingId", "no such posting"))
    }
}

pub(crate) fn not_found() -> DomainError {
    DomainError::not_found_at("proposalId", "no such proposal")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::actor::Role;
    use crate::money::{Currency, Money};
    use crate::postings::{BudgetKind, PostingId, PostingStatus};
    use crate::proposals::{ProposalId, ProposalStatus, ProposalTerms};
    use chrono::Utc;
    use uuid::Uuid;

    fn user(n: u128, role: Role) -> Actor {
        Actor::User {
            id: UserId(Uuid::from_u128(n)),
            roles: vec![role],
        }
    }

    const AGENCY: AgencyId = AgencyId(Uuid::from_u128(70));

    fn fixture() -> (Posting, Proposal) {
        let mut posting = Posting::blank(
            PostingId(Uuid::now_v7()),
            UserId(Uuid::from_u128(1)),
            Utc::now(),
        );
        posting.status = PostingStatus::Open;
        let proposal = Proposal {
            id: ProposalId(Uuid::now_v7()),
            posting_id: posting.id,
            freelancer_id: UserId(Uuid::from_u128(2)),
            agency_id: Some(AGENCY),
            status: ProposalStatus::Submitted,
            status_reason: None,
            terms: ProposalTerms {
                cover_letter: "x".repeat(60),
                bid: Money {
                    amount_minor: 100,
                    currency: Currency::parse("USD").unwrap(),
                },
                bid_kind: BudgetKind::Fixed,
                duration_days: Some(3),
                answers: vec![],
                milestones: vec![],
            },
            match_score: 50,
            scorecard_score: 0,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            first_viewed_at: None,
        };
        (posting, proposal)
    }

    /// "ok", or the error's code (a user error's own code).
    fn code(r: DomainResult<()>) -> String {
        match r {
            Ok(()) => "ok".to_owned(),
            Err(DomainError::Validation(f)) => f[0].code.as_str().to_owned(),
            Err(e) => e.code().as_str().to_owned(),
        }
    }

    #[test]
    fn each_kind_of_caller_acts_only_on_its_own_side() {
        let (posting, proposal) = fixture();
        let owner = Some((AGENCY, AgencyRole::Owner));
        let plain_member = Some((AGENCY, AgencyRole::Member));
        let other_owner = Some((AgencyId(Uuid::from_u128(71)), AgencyRole::Owner));
        // (who, actor, membership, sees, as freelancer, as client)
        let cases: Vec<(&str, Actor, Membership, bool, &str, &str)> = vec![
            (
                "anonymous",
                Actor::Anonymous,
                None,
                false,
                "UNAUTHENTICATED",
                "UNAUTHENTICATED",
            ),
            (
                "the client",
                user(1, Role::Client),
                None,
                true,
                "FORBIDDEN",
                "ok",
            ),
            (
                "the freelancer",
                user(2, Role::Freelancer),
                plain_member,
                true,
                "ok",
                "FORBIDDEN",
            ),
            (
                "an owner of the agency",
                user(3, Role::Freelancer),
                owner,
                true,
                "ok",
                "FORBIDDEN",
            ),
            (
                "a former owner, now a plain member",
                user(3, Role::Freelancer),
                plain_member,
                false,
                "NOT_FOUND",
                "NOT_FOUND",
            ),
            (
                "a former owner, out of the agency",
                user(3, Role::Freelancer),
                None,
                false,
                "NOT_FOUND",
                "NOT_FOUND",
            ),
            (
                "another owner of the agency",
                user(4, Role::Freelancer),
                owner,
                true,
                "ok",
                "FORBIDDEN",
            ),
            (
                "a plain member of the agency",
                user(5, Role::Freelancer),
                plain_member,
                false,
                "NOT_FOUND",
                "NOT_FOUND",
            ),
            (
                "an owner of another agency",
                user(6, Role::Freelancer),
                other_owner,
                false,
                "NOT_FOUND",
                "NOT_FOUND",
            ),
            (
                "another freelancer",
                user(7, Role::Freelancer),
                None,
                false,
                "NOT_FOUND",
                "NOT_FOUND",
            ),
            (
                "another client",
                user(8, Role::Client),
                None,
                false,
                "NOT_FOUND",
                "NOT_FOUND",
            ),
            (
                "an admin",
                user(9, Role::Admin),
                None,
                false,
                "NOT_FOUND",
                "NOT_FOUND",
            ),
        ];
        for (who, actor, membership, seen, freelancer, client) in cases {
            assert_eq!(
                sees(&actor, membership, &proposal, &posting),
                seen,
                "{who} sees"
            );
            assert_eq!(
                code(acts_as(
                    &actor,
                    membership,
                    &proposal,
                    &posting,
                    Side::Freelancer
                )),
                freelancer,
                "{who} as the freelancer's side"
            );
            assert_eq!(
                code(acts_as(
                    &actor,
                    membership,
                    &proposal,
                    &posting,
                    Side::Client
                )),
                client,
                "{who} as the client's side"
            );
        }
    }

    #[test]
    fn only_the_postings_client_runs_its_evaluation() {
        let (posting, _) = fixture();
        assert_eq!(
            code(evaluates(&user(1, Role::Client), &posting, true)),
            "ok"
        );
        assert_eq!(
            code(evaluates(&user(8, Role::Client), &posting, true)),
            "FORBIDDEN"
        );
        assert_eq!(
            code(evaluates(&user(2, Role::Freelancer), &posting, false)),
            "NOT_FOUND"
        );
        assert_eq!(
            code(evaluates(&Actor::Anonymous, &posting, true)),
            "UNAUTHENTICATED"
        );
    }
}
