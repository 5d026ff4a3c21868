//! Invitations to postings: the client invites a freelancer or an agency; the invitee
//! accepts or declines; invitees and clients list them. Every call names its actor;
//! `policy` decides.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use uuid::Uuid;

use super::invitations::{
    InvitationEvent, InviteWrite, Invitee, MAX_INVITATION_DECLINE_REASON, MAX_INVITATION_MESSAGE,
    MAX_INVITATIONS_PER_POSTING, PostingInvitation, PostingInvitationId,
    PostingInvitationRepository, PostingInvitationStatus,
};
use super::lifecycle::PostingStatus;
use super::model::{Posting, PostingId};
use super::policy;
use super::service::PostingService;
use crate::actor::{Actor, UserId};
use crate::agencies::{AgencyId, AgencyRepository, AgencyRole, AgencyService};
use crate::error::{DomainError, DomainResult, FieldError};
use crate::pagination::{Page, PageRequest};
use crate::profiles::{ProfileId, ProfileRepository};
use crate::text;

/// Whom the client invites, as the input named them: a freelancer profile or an agency.
/// `Some(None)` is an ID that was given but is not one of that kind (it names nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvitationInput {
    pub profile_id: Option<Option<ProfileId>>,
    pub agency_id: Option<Option<AgencyId>>,
    /// Plain text, at most 1000 characters.
    pub message: Option<String>,
}

/// Whom the input names, once exactly one was given.
enum Target {
    Freelancer(Option<ProfileId>),
    Agency(Option<AgencyId>),
}

fn invitation_not_found() -> DomainError {
    DomainError::not_found_at("invitationId", "no such invitation")
}

fn signed_in(actor: &Actor) -> DomainResult<UserId> {
    match actor {
        Actor::User { id, .. } => Ok(*id),
        Actor::Anonymous => Err(DomainError::Unauthenticated),
        Actor::System => Err(DomainError::Forbidden),
    }
}

/// Posting invitations; reads postings through [`PostingService`] (so invitees see the
/// invite-only postings they were invited to), agencies through [`AgencyService`].
#[derive(Clone)]
pub struct PostingInvitationService {
    repo: Arc<dyn PostingInvitationRepository>,
    postings: PostingService,
    profiles: Arc<dyn ProfileRepository>,
    agencies: AgencyService,
    agency_repo: Arc<dyn AgencyRepository>,
}

impl PostingInvitationService {
    pub fn new(
        repo: Arc<dyn PostingInvitationRepository>,
        postings: PostingService,
        profiles: Arc<dyn ProfileRepository>,
        agencies: AgencyService,
        agency_repo: Arc<dyn AgencyRepository>,
    ) -> Self {
        Self {
            repo,
            postings,
            profiles,
            agencies,
            agency_repo,
        }
    }

    /// The actor's membership, as (agency, role); `None` for the anonymous and for users
    /// in no agency.
    async fn membership(&self, actor: &Actor) -> DomainResult<Option<(AgencyId, AgencyRole)>> {
        let Some(user) = actor.user_id() else {
            return Ok(None);
        };
        Ok(self
            .agency_repo
            .memberships(&[user])
            .await?
            .remove(&user)
            .map(|m| (m.agency_id, m.role)))
    }

    /// The actor's role in the agency `invitation` invites, if it invites one and they
    /// are in it. Looked up only for agency invitations.
    async fn role_for(
        &self,
        actor: &Actor,
        invitation: &PostingInvitation,
    ) -> DomainResult<Option<AgencyRole>> {
        let Some(agency) = invitation.agency() else {
            return Ok(None);
        };
        Ok(self
            .membership(actor)
            .await?
            .filter(|(a, _)| *a == agency)
            .map(|(_, role)| role))
    }

    /// The client invites a freelancer (by profile) or an agency to one of their postings,
    /// OPEN or PAUSED, with an optional message. Who asks comes first (anonymous:
    /// `UNAUTHENTICATED`; not the client: `FORBIDDEN`, or "no such posting" to someone
    /// who cannot see it), then every problem with the input at once, then the posting's
    /// state, then whom it names. At most one pending or accepted invitation per posting
    /// and invitee (`CONFLICT`), 200 per posting (`INVALID_STATE`). The invitee (an
    /// agency's owners) get a notification in the same transaction.
    pub async fn invite(
        &self,
        actor: &Actor,
        posting: Option<PostingId>,
        input: InvitationInput,
    ) -> DomainResult<PostingInvitation> {
        if matches!(actor, Actor::Anonymous) {
            return Err(DomainError::Unauthenticated);
        }
        let not_found = || DomainError::not_found_at("postingId", "no such posting");
        let posting = self.postings.fetch(posting.ok_or_else(not_found)?).await?;
        let sees = self.postings.sees(actor, &posting).await?;
        let client = policy::invite(actor, &posting, sees)?;

        let mut problems = Vec::new();
        let message = match input
            .message
            .as_deref()
            .map(|m| text::multi_line(m, 0, MAX_INVITATION_MESSAGE))
        {
            None => None,
            Some(Ok(m)) => Some(m).filter(|m| !m.is_empty()),
            Some(Err(why)) => {
                problems.push(FieldError::validation(&["message"], why));
                None
            }
        };
        let target = match (input.profile_id, input.agency_id) {
            (Some(p), None) => Some(Target::Freelancer(p)),
            (None, Some(a)) => Some(Target::Agency(a)),
            (given_profile, given_agency) => {
                let why = if given_profile.is_some() && given_agency.is_some() {
                    "give a profileId or an agencyId, not both"
                } else {
                    "give a profileId (a freelancer) or an agencyId (an agency)"
                };
                for field in ["profileId", "agencyId"] {
                    problems.push(FieldError::validation(&[field], why));
                }
                None
            }
        };
        let Some(target) = target.filter(|_| problems.is_empty()) else {
            return Err(DomainError::Validation(problems));
        };
        if !matches!(posting.status, PostingStatus::Open | PostingStatus::Paused) {
            return Err(DomainError::invalid_state_at(
                &["postingId"],
                format!(
                    "only an open or paused posting invites; this one is {}",
                    posting.status.key().to_ascii_lowercase()
                ),
            ));
        }
        let (invitee, notify) = self.invitee(actor, client, target).await?;
        let invitation = PostingInvitation {
            id: PostingInvitationId(Uuid::now_v7()),
            posting_id: posting.id,
            client_id: client,
            invitee,
            message,
            status: PostingInvitationStatus::Pending,
            decline_reason: None,
            created_at: Utc::now(),
            responded_at: None,
        };
        match self
            .repo
            .create(&invitation, &notify, MAX_INVITATIONS_PER_POSTING)
            .await?
        {
            InviteWrite::Written(stored) => Ok(stored),
            InviteWrite::PostingNotOpen => Err(DomainError::invalid_state_at(
                &["postingId"],
                "the posting closed meanwhile; only an open or paused posting invites",
            )),
            InviteWrite::PostingFull => Err(DomainError::invalid_state_at(
                &["postingId"],
                format!(
                    "a posting sends at most {MAX_INVITATIONS_PER_POSTING} invitations, \
                     whatever their answers"
                ),
            )),
        }
    }

    /// Whom `target` names, if the actor may see it, and who hears about the invitation
    /// (the freelancer, or the agency's owners). Inviting oneself (one's own profile, or
    /// an agency one is in) is refused.
    async fn invitee(
        &self,
        actor: &Actor,
        client: UserId,
        target: Target,
    ) -> DomainResult<(Invitee, Vec<UserId>)> {
        match target {
            Target::Freelancer(id) => {
                let not_found =
                    || DomainError::not_found_at("profileId", "no such freelancer profile");
                let profile = self
                    .profiles
                    .by_ids(&[id.ok_or_else(not_found)?])
                    .await?
                    .into_iter()
                    .next()
                    .filter(|p| crate::profiles::policy::can_see(actor, p))
                    .ok_or_else(not_found)?;
                if profile.user_id == client {
                    return Err(DomainError::validation(
                        &["profileId"],
                        "you cannot invite yourself",
                    ));
                }
                Ok((
                    Invitee::Freelancer {
                        user_id: profile.user_id,
                        profile_id: profile.id,
                    },
                    vec![profile.user_id],
                ))
            }
            Target::Agency(id) => {
                let not_found = || DomainError::not_found_at("agencyId", "no such agency");
                let agency = self
                    .agencies
                    .by_ids(actor, &[id.ok_or_else(not_found)?])
                    .await?
                    .into_iter()
                    .next()
                    .ok_or_else(not_found)?;
                let members = self
                    .agency_repo
                    .members(&[agency.id])
                    .await?
                    .remove(&agency.id)
                    .unwrap_or_default();
                if members.iter().any(|m| m.user_id == client) {
                    return Err(DomainError::validation(
                        &["agencyId"],
                        "you are in this agency: you cannot invite yourself",
                    ));
                }
                let owners = members
                    .iter()
                    .filter(|m| m.role == AgencyRole::Owner)
                    .map(|m| m.user_id)
                    .collect();
                Ok((Invitee::Agency(agency.id), owners))
            }
        }
    }

    /// Answers an invitation: reads it, lets `policy` decide who answers, checks the
    /// answer (`event` may still refuse, e.g. a reason that is too long), applies it and
    /// writes it only if it is still pending on a posting that is not closed.
    async fn answer(
        &self,
        actor: &Actor,
        id: Option<PostingInvitationId>,
        event: impl FnOnce() -> DomainResult<InvitationEvent>,
    ) -> DomainResult<PostingInvitation> {
        if matches!(actor, Actor::Anonymous) {
            return Err(DomainError::Unauthenticated);
        }
        let id = id.ok_or_else(invitation_not_found)?;
        let read = |id| async move {
            self.repo
                .by_ids(&[id])
                .await?
                .into_iter()
                .next()
                .ok_or_else(invitation_not_found)
        };
        let invitation = read(id).await?;
        let role = self.role_for(actor, &invitation).await?;
        let responder = policy::respond(actor, &invitation, role)?;
        let event = event()?;
        let answered = invitation.apply(event.clone(), Utc::now())?;
        if let Some(stored) = self.repo.answer(&answered, responder).await? {
            return Ok(stored);
        }
        // Something changed since we read it: say what, if it is the state.
        read(id).await?.apply(event, Utc::now())?;
        Err(DomainError::conflict(
            &["invitationId"],
            "the invitation changed meanwhile; read it again",
        ))
    }

    /// The invited freelancer (or an owner of the invited agency) accepts.
    pub async fn accept(
        &self,
        actor: &Actor,
        id: Option<PostingInvitationId>,
    ) -> DomainResult<PostingInvitation> {
        self.answer(actor, id, || Ok(InvitationEvent::Accept)).await
    }

    /// The invited freelancer (or an owner of the invited agency) declines, optionally
    /// saying why (at most 500 characters). The reason is checked only once the actor is
    /// known to be one who answers: anyone else hears who they are, whatever the reason.
    pub async fn decline(
        &self,
        actor: &Actor,
        id: Option<PostingInvitationId>,
        reason: Option<String>,
    ) -> DomainResult<PostingInvitation> {
        self.answer(actor, id, || {
            let reason = match reason.as_deref() {
                None => None,
                Some(r) => Some(
                    text::multi_line(r, 0, MAX_INVITATION_DECLINE_REASON)
                        .map_err(|m| DomainError::validation(&["reason"], m))?,
                )
                .filter(|r| !r.is_empty()),
            };
            Ok(InvitationEvent::Decline { reason })
        })
        .await
    }

    /// Invitations by ID, as far as the actor may see them (the client, the invitee, an
    /// invited agency's members, admins).
    pub async fn by_ids(
        &self,
        actor: &Actor,
        ids: &[PostingInvitationId],
    ) -> DomainResult<Vec<PostingInvitation>> {
        if actor.user_id().is_none() || ids.is_empty() {
            return Ok(Vec::new());
        }
        let found = self.repo.by_ids(ids).await?;
        let mine = if found.iter().any(|i| i.agency().is_some()) {
            self.membership(actor).await?
        } else {
            None
        };
        Ok(found
            .into_iter()
            .filter(|i| {
                let role = mine
                    .filter(|(a, _)| Some(*a) == i.agency())
                    .map(|(_, role)| role);
                policy::sees_invitation(actor, i, role)
            })
            .collect())
    }

    /// Who the actor's own invitations are to: themselves, and the agency they own.
    async fn invitee_of(&self, actor: &Actor) -> DomainResult<(UserId, Option<AgencyId>)> {
        let user = signed_in(actor)?;
        let owned = self
            .membership(actor)
            .await?
            .filter(|(_, role)| *role == AgencyRole::Owner)
            .map(|(agency, _)| agency);
        Ok((user, owned))
    }

    /// The actor's invitations: to them as a freelancer and to the agency they own,
    /// newest first, only those in `statuses` when it is not empty.
    pub async fn of_viewer(
        &self,
        actor: &Actor,
        statuses: &[PostingInvitationStatus],
        page: &PageRequest<PostingInvitationId>,
    ) -> DomainResult<Page<PostingInvitation>> {
        let (user, agency) = self.invitee_of(actor).await?;
        self.repo.of_invitee(user, agency, statuses, page).await
    }

    /// How many invitations [`Self::of_viewer`] lists in all.
    pub async fn count_of_viewer(
        &self,
        actor: &Actor,
        statuses: &[PostingInvitationStatus],
    ) -> DomainResult<u64> {
        let (user, agency) = self.invitee_of(actor).await?;
        self.repo.count_of_invitee(user, agency, statuses).await
    }

    /// Refuses everyone but the posting's client and admins. `posting` is one the actor
    /// was allowed to see, so the others hear `FORBIDDEN`.
    pub fn lists(actor: &Actor, posting: &Posting) -> DomainResult<()> {
        match actor {
            Actor::Anonymous => Err(DomainError::Unauthenticated),
            _ if policy::lists_invitations(actor, posting) => Ok(()),
            _ => Err(DomainError::Forbidden),
        }
    }

    /// The postings among `ids` whose invitations the actor may list (their client's,
    /// and all for admins), read through [`PostingService::by_ids`].
    async fn listable(&self, actor: &Actor, ids: &[PostingId]) -> DomainResult<Vec<PostingId>> {
        if matches!(actor, Actor::Anonymous) {
            return Err(DomainError::Unauthenticated);
        }
        Ok(self
            .postings
            .by_ids(actor, ids)
            .await?
            .into_iter()
            .filter(|p| policy::lists_invitations(actor, p))
            .map(|p| p.id)
            .collect())
    }

    /// A page of each posting's invitations, newest first, for a page of postings at
    /// once: their clients and admins only (other postings are left out). Costs the
    /// same for one posting or many.
    pub async fn of_postings(
        &self,
        actor: &Actor,
        ids: &[PostingId],
        page: &PageRequest<PostingInvitationId>,
    ) -> DomainResult<HashMap<PostingId, Page<PostingInvitation>>> {
        let allowed = self.listable(actor, ids).await?;
        if allowed.is_empty() {
            return Ok(HashMap::new());
        }
        self.repo.of_postings(&allowed, page).await
    }

    /// How many invitations each posting sent: their clients and admins only (other
    /// postings are left out).
    pub async fn count_of_postings(
        &self,
        actor: &Actor,
        ids: &[PostingId],
    ) -> DomainResult<HashMap<PostingId, u64>> {
        let allowed = self.listable(actor, ids).await?;
        if allowed.is_empty() {
            return Ok(HashMap::new());
        }
        self.repo.count_of_postings(&allowed).await
    }
}
