//! Who may do what with postings. Deny by default.

use super::lifecycle::{PostingEvent, PostingStatus};
use super::model::{Posting, PostingVisibility};
use crate::actor::{Actor, Role, UserId};
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
/// invite-only postings to their owner and admins (invitees come with invitations).
pub fn can_see(actor: &Actor, posting: &Posting) -> bool {
    let owner = actor.user_id() == Some(posting.client_id);
    let public =
        posting.status != PostingStatus::Draft && posting.visibility == PostingVisibility::Public;
    public || owner || actor.has_role(Role::Admin)
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

        // Drafts are the owner's; public postings everyone's; invite-only the owner's.
        assert!(can_see(&owner, &p) && can_see(&admin, &p));
        assert!(!can_see(&other_client, &p) && !can_see(&Actor::Anonymous, &p));
        p.status = PostingStatus::Open;
        assert!(can_see(&Actor::Anonymous, &p) && can_see(&freelancer, &p));
        p.visibility = PostingVisibility::InviteOnly;
        assert!(!can_see(&freelancer, &p) && can_see(&owner, &p) && can_see(&admin, &p));
        p.visibility = PostingVisibility::Public;
        p.status = PostingStatus::Closed(CloseReason::Filled);
        assert!(can_see(&Actor::Anonymous, &p));
    }
}
