//! Who may do what with postings. Deny by default.

use chrono::{DateTime, Utc};

use super::invitations::{Invitee, PostingInvitation};
use super::lifecycle::{PostingEvent, PostingStatus};
use super::model::{Posting, PostingVisibility};
use crate::actor::{Actor, Role, UserId};
use crate::agencies::AgencyRole;
use crate::error::{DomainError, DomainResult};

/// Posting takes the client role (chosen with `becomeClient`).
pub fn create(actor: &Actor) -> DomainResult<UserId> {
    match actor {
        Actor::User { id, roles } if roles.contains(&Role::Client) => Ok(*id),
        Actor::User { .. } | Actor::System => Err(DomainError::Forbidden),
        Actor::Anonymous => Err(DomainError::Unauthenticated),
    }
}

/// Only the owning client edits a posting or moves it through its life cycle; only the
/// platform itself expires one (the expiry job) or closes it as FILLED on its own.
pub fn act(actor: &Actor, posting: &Posting, event: Option<PostingEvent>) -> DomainResult<()> {
    match (actor, event) {
        // The platform expires postings, and closes them as FILLED when offers fill
        // every position (contracts, a later issue).
        (
            Actor::System,
            Some(PostingEvent::Expire | PostingEvent::Close(super::lifecycle::CloseReason::Filled)),
        ) => Ok(()),
        (_, Some(PostingEvent::Expire)) => Err(DomainError::Forbidden),
        (Actor::User { id, .. }, _) if *id == posting.client_id => Ok(()),
        (Actor::User { .. } | Actor::System, _) => Err(DomainError::Forbidden),
        (Actor::Anonymous, _) => Err(DomainError::Unauthenticated),
    }
}

/// Drafts only to their owner (and admins); published public postings to everyone;
/// invite-only postings to their owner, admins and, once published, their invitees
/// (`invited`: the invited freelancer, or a member of an invited agency, whatever the
/// invitation's status). Callers that do not know `invited` pass false and ask
/// [`needs_invitation`] whether it could matter.
pub fn can_see(actor: &Actor, posting: &Posting, invited: bool) -> bool {
    let owner = actor.user_id() == Some(posting.client_id);
    let published = posting.status != PostingStatus::Draft;
    let public = published && posting.visibility == PostingVisibility::Public;
    let invitee = published && invited && actor.user_id().is_some();
    public || owner || invitee || actor.has_role(Role::Admin)
}

/// Whether only an invitation could let the actor see the posting: a published
/// invite-only posting that a signed-in user who is neither its owner nor an admin
/// would not see otherwise. Only then is storage asked.
pub fn needs_invitation(actor: &Actor, posting: &Posting) -> bool {
    actor.user_id().is_some()
        && posting.visibility == PostingVisibility::InviteOnly
        && posting.status != PostingStatus::Draft
        && !can_see(actor, posting, false)
}

fn posting_not_found() -> DomainError {
    DomainError::not_found_at("postingId", "no such posting")
}

fn invitation_not_found() -> DomainError {
    DomainError::not_found_at("invitationId", "no such invitation")
}

/// Inviting to a posting: its owning client only. Anonymous callers are
/// `UNAUTHENTICATED`; others who can see the posting (`sees`) `FORBIDDEN`; the rest hear
/// that there is no such posting.
pub fn invite(actor: &Actor, posting: &Posting, sees: bool) -> DomainResult<UserId> {
    match actor {
        Actor::Anonymous => Err(DomainError::Unauthenticated),
        Actor::User { id, .. } if *id == posting.client_id => Ok(*id),
        _ if sees => Err(DomainError::Forbidden),
        _ => Err(posting_not_found()),
    }
}

/// A posting's history (every revision, with the posting as it was) is its client's and
/// admins' only.
pub fn sees_history(actor: &Actor, posting: &Posting) -> bool {
    actor.user_id() == Some(posting.client_id) || actor.has_role(Role::Admin)
}

/// Reading a posting's invitations: its client and admins.
pub fn lists_invitations(actor: &Actor, posting: &Posting) -> bool {
    actor.user_id() == Some(posting.client_id) || actor.has_role(Role::Admin)
}

/// An invitation is seen by its client, its invitee (the freelancer; for an agency,
/// every member: `agency_role` is the actor's role in the invited agency) and admins.
pub fn sees_invitation(
    actor: &Actor,
    invitation: &PostingInvitation,
    agency_role: Option<AgencyRole>,
) -> bool {
    let Some(user) = actor.user_id() else {
        return false;
    };
    let invitee = match invitation.invitee {
        Invitee::Freelancer { user_id, .. } => user_id == user,
        Invitee::Agency(_) => agency_role.is_some(),
    };
    invitee || user == invitation.client_id || actor.has_role(Role::Admin)
}

/// Accepting or declining: the invited freelancer, or an owner of the invited agency
/// (`agency_role`: the actor's role in it). Others hear `FORBIDDEN` when they see the
/// invitation (the client, agency members, admins), that there is no such invitation
/// otherwise; anonymous callers `UNAUTHENTICATED`.
pub fn respond(
    actor: &Actor,
    invitation: &PostingInvitation,
    agency_role: Option<AgencyRole>,
) -> DomainResult<UserId> {
    let user = match actor {
        Actor::Anonymous => return Err(DomainError::Unauthenticated),
        Actor::System => return Err(DomainError::Forbidden),
        Actor::User { id, .. } => *id,
    };
    let answers = match invitation.invitee {
        Invitee::Freelancer { user_id, .. } => user_id == user,
        Invitee::Agency(_) => agency_role == Some(AgencyRole::Owner),
    };
    if answers {
        Ok(user)
    } else if sees_invitation(actor, invitation, agency_role) {
        Err(DomainError::Forbidden)
    } else {
        Err(invitation_not_found())
    }
}

/// Whether the actor may propose on the posting now (for the proposals feature): a
/// freelancer who is not its client, the posting OPEN with its deadline (if any) ahead,
/// and for an INVITE_ONLY posting an invitation that admits proposals (`invited`: one
/// that is pending or accepted, see `PostingInvitationStatus::admits_proposal`).
pub fn may_propose(actor: &Actor, posting: &Posting, invited: bool) -> bool {
    may_propose_at(actor, posting, invited, Utc::now())
}

/// [`may_propose`] as of `now`.
pub fn may_propose_at(actor: &Actor, posting: &Posting, invited: bool, now: DateTime<Utc>) -> bool {
    let freelancer = actor.has_role(Role::Freelancer);
    let not_own = actor.user_id() != Some(posting.client_id);
    let open = posting.takes_proposals_at(now);
    let admitted = match posting.visibility {
        PostingVisibility::Public => true,
        PostingVisibility::InviteOnly => invited,
    };
    freelancer && not_own && open && admitted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postings::lifecycle::CloseReason;
    use uuid::Uuid;

    fn user(n: u128, roles: &[Role]) -> Actor {
        Actor::User {
            id: UserId(Uuid::from_u128(n)),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn the_matrix() {
        let mut p = crate::postings::model::tests_support::draft_of(UserId(Uuid::from_u128(1)));
        let owner = user(1, &[Role::Client]);
        let other_client = user(2, &[Role::Client]);
        let freelancer = user(3, &[Role::Freelancer]);
        let admin = user(4, &[Role::Admin]);
        assert!(create(&owner).is_ok());
        assert!(matches!(create(&freelancer), Err(DomainError::Forbidden)));
        assert!(matches!(
            create(&Actor::Anonymous),
            Err(DomainError::Unauthenticated)
        ));
        assert!(matches!(
            create(&Actor::System),
            Err(DomainError::Forbidden)
        ));
        for event in [
            None,
            Some(PostingEvent::Publish),
            Some(PostingEvent::Pause),
            Some(PostingEvent::Close(CloseReason::Cancelled)),
            Some(PostingEvent::Close(CloseReason::Filled)),
        ] {
            assert!(act(&owner, &p, event).is_ok());
            let platform_may = event == Some(PostingEvent::Close(CloseReason::Filled));
            assert_eq!(
                act(&Actor::System, &p, event).is_ok(),
                platform_may,
                "{event:?}"
            );
            for who in [&other_client, &freelancer, &admin] {
                assert!(
                    matches!(act(who, &p, event), Err(DomainError::Forbidden)),
                    "{who:?} {event:?}"
                );
            }
            assert!(matches!(
                act(&Actor::Anonymous, &p, event),
                Err(DomainError::Unauthenticated)
            ));
        }
        assert!(act(&Actor::System, &p, Some(PostingEvent::Expire)).is_ok());
        assert!(matches!(
            act(&owner, &p, Some(PostingEvent::Expire)),
            Err(DomainError::Forbidden)
        ));

        // Drafts are the owner's; public postings everyone's; invite-only the owner's
        // (and the invitees', below).
        let sees = |a: &Actor, p: &Posting| can_see(a, p, false);
        assert!(sees(&owner, &p) && sees(&admin, &p));
        assert!(!sees(&other_client, &p) && !sees(&Actor::Anonymous, &p));
        p.status = PostingStatus::Open;
        assert!(sees(&Actor::Anonymous, &p) && sees(&freelancer, &p));
        p.visibility = PostingVisibility::InviteOnly;
        assert!(!sees(&freelancer, &p) && sees(&owner, &p) && sees(&admin, &p));
        p.visibility = PostingVisibility::Public;
        p.status = PostingStatus::Closed(CloseReason::Filled);
        assert!(sees(&Actor::Anonymous, &p));
    }

    #[test]
    fn invite_only_postings_show_themselves_to_invitees_once_published() {
        let mut p = crate::postings::model::tests_support::draft_of(UserId(Uuid::from_u128(1)));
        p.visibility = PostingVisibility::InviteOnly;
        let owner = user(1, &[Role::Client]);
        let invitee = user(3, &[Role::Freelancer]);
        let admin = user(4, &[Role::Admin]);
        // A draft: nobody but its owner and admins, invitation or not; nobody asks.
        assert!(!can_see(&invitee, &p, true));
        assert!(!needs_invitation(&invitee, &p));
        for status in [
            PostingStatus::Open,
            PostingStatus::Paused,
            PostingStatus::Closed(CloseReason::Expired),
        ] {
            p.status = status;
            assert!(can_see(&invitee, &p, true), "{status:?}");
            assert!(!can_see(&invitee, &p, false), "{status:?}");
            assert!(needs_invitation(&invitee, &p), "{status:?}");
            // The anonymous cannot be invited; owners and admins need no invitation.
            assert!(!can_see(&Actor::Anonymous, &p, true));
            for who in [&Actor::Anonymous, &owner, &admin, &Actor::System] {
                assert!(!needs_invitation(who, &p), "{who:?}");
            }
        }
        p.visibility = PostingVisibility::Public;
        assert!(!needs_invitation(&invitee, &p), "public: no question");
    }

    fn invitation(invitee: Invitee) -> PostingInvitation {
        PostingInvitation {
            id: crate::postings::PostingInvitationId(Uuid::now_v7()),
            posting_id: crate::postings::PostingId(Uuid::now_v7()),
            client_id: UserId(Uuid::from_u128(1)),
            invitee,
            message: None,
            status: crate::postings::PostingInvitationStatus::Pending,
            decline_reason: None,
            created_at: Utc::now(),
            responded_at: None,
        }
    }

    /// Who may invite, see and answer, for every kind of actor.
    #[test]
    fn the_invitation_matrix() {
        use crate::error::ErrorCode;
        let mut p = crate::postings::model::tests_support::draft_of(UserId(Uuid::from_u128(1)));
        p.status = PostingStatus::Open;
        let client = user(1, &[Role::Client]);
        let other_client = user(2, &[Role::Client]);
        let freelancer = user(3, &[Role::Freelancer]);
        let admin = user(4, &[Role::Admin]);
        let owner = user(5, &[Role::Freelancer]);
        let member = user(6, &[Role::Freelancer]);

        // Inviting: the client; others who see it FORBIDDEN, the rest NOT_FOUND.
        assert_eq!(
            invite(&client, &p, true).unwrap(),
            UserId(Uuid::from_u128(1))
        );
        for who in [&other_client, &freelancer, &admin, &Actor::System] {
            assert!(matches!(invite(who, &p, true), Err(DomainError::Forbidden)));
            let err = invite(who, &p, false).unwrap_err();
            assert_eq!(err.field_errors()[0].code, ErrorCode::NotFound, "{who:?}");
            assert_eq!(err.field_errors()[0].field, ["postingId"]);
        }
        for sees in [true, false] {
            assert!(matches!(
                invite(&Actor::Anonymous, &p, sees),
                Err(DomainError::Unauthenticated)
            ));
        }
        assert!(lists_invitations(&client, &p) && lists_invitations(&admin, &p));
        assert!(!lists_invitations(&other_client, &p) && !lists_invitations(&freelancer, &p));
        assert!(!lists_invitations(&Actor::Anonymous, &p));

        // A freelancer's invitation: (actor, their role in the agency, sees, answers).
        let to_freelancer = invitation(Invitee::Freelancer {
            user_id: UserId(Uuid::from_u128(3)),
            profile_id: crate::profiles::ProfileId(Uuid::from_u128(103)),
        });
        let to_agency = invitation(Invitee::Agency(crate::agencies::AgencyId(Uuid::nil())));
        type Row<'a> = (&'a Actor, Option<AgencyRole>, bool, Result<(), ErrorCode>);
        let freelancer_rows: [Row; 6] = [
            (&freelancer, None, true, Ok(())),
            (&client, None, true, Err(ErrorCode::Forbidden)),
            (&admin, None, true, Err(ErrorCode::Forbidden)),
            (&other_client, None, false, Err(ErrorCode::NotFound)),
            (
                &owner,
                Some(AgencyRole::Owner),
                false,
                Err(ErrorCode::NotFound),
            ),
            (
                &Actor::Anonymous,
                None,
                false,
                Err(ErrorCode::Unauthenticated),
            ),
        ];
        let agency_rows: [Row; 7] = [
            (&owner, Some(AgencyRole::Owner), true, Ok(())),
            (
                &member,
                Some(AgencyRole::Member),
                true,
                Err(ErrorCode::Forbidden),
            ),
            (&client, None, true, Err(ErrorCode::Forbidden)),
            (&admin, None, true, Err(ErrorCode::Forbidden)),
            (&freelancer, None, false, Err(ErrorCode::NotFound)),
            (&Actor::System, None, false, Err(ErrorCode::Forbidden)),
            (
                &Actor::Anonymous,
                None,
                false,
                Err(ErrorCode::Unauthenticated),
            ),
        ];
        for (inv, rows) in [
            (&to_freelancer, &freelancer_rows[..]),
            (&to_agency, &agency_rows[..]),
        ] {
            for (actor, role, sees, answers) in rows {
                assert_eq!(
                    sees_invitation(actor, inv, *role),
                    *sees,
                    "{actor:?} sees {:?}",
                    inv.invitee
                );
                let got = respond(actor, inv, *role)
                    .map(|_| ())
                    .map_err(|e| e.field_errors().first().map_or(e.code(), |f| f.code));
                assert_eq!(got, *answers, "{actor:?} answers {:?}", inv.invitee);
            }
        }
    }

    #[test]
    fn who_may_propose() {
        let now = Utc::now();
        let mut p = crate::postings::model::tests_support::draft_of(UserId(Uuid::from_u128(1)));
        let freelancer = user(3, &[Role::Freelancer]);
        let client = user(2, &[Role::Client]);
        let own = user(1, &[Role::Client, Role::Freelancer]);
        assert!(!may_propose_at(&freelancer, &p, true, now), "a draft");
        p.status = PostingStatus::Open;
        assert!(may_propose_at(&freelancer, &p, false, now));
        assert!(may_propose(&freelancer, &p, false));
        assert!(!may_propose_at(&client, &p, false, now), "not a freelancer");
        assert!(
            !may_propose_at(&own, &p, false, now),
            "not on one's own posting"
        );
        assert!(!may_propose_at(&Actor::Anonymous, &p, true, now));
        p.deadline = Some(now - chrono::TimeDelta::seconds(1));
        assert!(
            !may_propose_at(&freelancer, &p, false, now),
            "deadline passed"
        );
        p.deadline = Some(now + chrono::TimeDelta::days(1));
        assert!(may_propose_at(&freelancer, &p, false, now));
        p.visibility = PostingVisibility::InviteOnly;
        assert!(!may_propose_at(&freelancer, &p, false, now), "not invited");
        assert!(may_propose_at(&freelancer, &p, true, now), "invited");
        for status in [
            PostingStatus::Paused,
            PostingStatus::Closed(CloseReason::Filled),
        ] {
            p.status = status;
            assert!(!may_propose_at(&freelancer, &p, true, now), "{status:?}");
        }
    }
}
