use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::Utc;
use uuid::Uuid;

use super::input::AgencyInput;
use super::invitation::{Invitation, InvitationEvent, InvitationId, InvitationStatus};
use super::invitation::{MAX_DECLINE_REASON, MAX_MESSAGE};
use super::model::{Agency, AgencyId, AgencyRole, Member};
use super::policy::{self, Standing};
use super::ports::{AgencyRepository, RosterChange};
use super::roster::{Roster, in_an_agency};
use crate::actor::{Actor, Role, UserId};
use crate::error::{DomainError, DomainResult};
use crate::profiles::service::MAX_ATTEMPTS;
use crate::profiles::{ProfileId, ProfileRepository, Visibility};
use crate::taxonomy::{SkillId, TaxonomyRepository};
use crate::text;

/// An agency, its members and its pending invitations, read at one version.
struct Snapshot {
    roster: Roster,
    pending: Vec<Invitation>,
    standing: Standing,
    /// The membership (in any agency) of the user the change is about, when it names
    /// one: read again on every attempt, like the rest.
    watched: Option<Member>,
}

fn busy() -> DomainError {
    DomainError::conflict(
        &["agencyId"],
        "the agency is being changed elsewhere; try again",
    )
}

/// Agencies: founding one, its profile, invitations and membership. Every call names
/// its actor; `policy` decides.
#[derive(Clone)]
pub struct AgencyService {
    repo: Arc<dyn AgencyRepository>,
    profiles: Arc<dyn ProfileRepository>,
    taxonomy: Arc<dyn TaxonomyRepository>,
}

impl AgencyService {
    pub fn new(
        repo: Arc<dyn AgencyRepository>,
        profiles: Arc<dyn ProfileRepository>,
        taxonomy: Arc<dyn TaxonomyRepository>,
    ) -> Self {
        Self {
            repo,
            profiles,
            taxonomy,
        }
    }

    async fn known_skills(&self, input: &AgencyInput) -> DomainResult<HashMap<String, SkillId>> {
        let found = self.taxonomy.skills_by_slugs(&input.skill_slugs()).await?;
        Ok(found.into_iter().map(|s| (s.slug, s.id)).collect())
    }

    /// Whether the actor has a pending invitation from `agency` (invitees see the
    /// agency that invited them, hidden or not).
    async fn invited_to(&self, actor: &Actor) -> DomainResult<HashSet<AgencyId>> {
        Ok(match actor.user_id() {
            Some(user) => self
                .repo
                .pending_for_user(user)
                .await?
                .into_iter()
                .map(|i| i.agency_id)
                .collect(),
            None => HashSet::new(),
        })
    }

    /// The agency a change names with its members and pending invitations (and the
    /// membership of `watch`, when given), if the actor may see it. Anonymous callers
    /// are refused first, so they learn nothing; an unknown or hidden agency is "not
    /// found" on `field`.
    async fn snapshot(
        &self,
        actor: &Actor,
        id: Option<AgencyId>,
        field: &str,
        watch: Option<UserId>,
    ) -> DomainResult<Snapshot> {
        if matches!(actor, Actor::Anonymous) {
            return Err(DomainError::Unauthenticated);
        }
        let not_found = || DomainError::not_found_at(field, "no such agency");
        let id = id.ok_or_else(not_found)?;
        // The version is read before the members: a change committed in between moves
        // the version on, and the write below then finds it stale and starts over.
        let agency = self
            .repo
            .by_ids(&[id])
            .await?
            .into_iter()
            .next()
            .ok_or_else(not_found)?;
        let members = self
            .repo
            .members(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let pending = self
            .repo
            .pending_of_agencies(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let roster = Roster { agency, members };
        let standing = policy::standing(actor, &roster);
        let invited = actor
            .user_id()
            .is_some_and(|u| pending.iter().any(|i| i.invitee == u));
        if !policy::can_see(actor, &roster.agency, standing, invited) {
            return Err(not_found());
        }
        let watched = match watch {
            Some(user) => self.membership_of(user).await?,
            None => None,
        };
        Ok(Snapshot {
            roster,
            pending,
            standing,
            watched,
        })
    }

    /// Plans a membership change on a fresh snapshot (with the membership of `watch`)
    /// and writes it if the agency did not change meanwhile; otherwise plans again (up
    /// to `MAX_ATTEMPTS`), then `CONFLICT`.
    async fn commit<T>(
        &self,
        actor: &Actor,
        id: Option<AgencyId>,
        watch: Option<UserId>,
        plan: impl Fn(&Snapshot) -> DomainResult<(RosterChange, T)>,
    ) -> DomainResult<T> {
        for _ in 0..MAX_ATTEMPTS {
            let snap = self.snapshot(actor, id, "agencyId", watch).await?;
            let (change, out) = plan(&snap)?;
            let agency = &snap.roster.agency;
            if self
                .repo
                .change(agency.id, agency.version, &change, Utc::now())
                .await?
            {
                return Ok(out);
            }
        }
        Err(busy())
    }

    /// The actor's own agency, if they are in one.
    async fn membership_of(&self, user: UserId) -> DomainResult<Option<Member>> {
        Ok(self.repo.memberships(&[user]).await?.remove(&user))
    }

    /// Founds an agency; the founder (a freelancer with a profile, in no agency yet)
    /// becomes its first owner in the same transaction.
    pub async fn create(&self, actor: &Actor, input: AgencyInput) -> DomainResult<Agency> {
        let founder = policy::create(actor)?;
        let profile = self.profiles.by_user(founder).await?.ok_or_else(|| {
            DomainError::invalid_state_at(&[], "create your freelancer profile first")
        })?;
        let now = Utc::now();
        let mut agency = Agency {
            id: AgencyId(Uuid::now_v7()),
            name: String::new(),
            headline: String::new(),
            overview: String::new(),
            website: None,
            country: None,
            skills: Vec::new(),
            visibility: Visibility::Visible,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let known = self.known_skills(&input).await?;
        input
            .apply(&mut agency, &known, true)
            .map_err(DomainError::Validation)?;
        if self.membership_of(founder).await?.is_some() {
            return Err(in_an_agency(None, "you are"));
        }
        let owner = Member {
            agency_id: agency.id,
            user_id: founder,
            profile_id: profile.id,
            role: AgencyRole::Owner,
            joined_at: now,
            active: true,
            profile_public: crate::profiles::policy::is_public(&profile),
        };
        // Two founders racing past the check meet the unique index; both hear the same.
        self.repo
            .create(&agency, &owner)
            .await
            .map_err(|e| match e {
                DomainError::Conflict(_) => in_an_agency(None, "you are"),
                other => other,
            })
    }

    /// Reads, changes and writes the profile, again from a fresh read when another
    /// write came in between; owners only.
    async fn change_profile(
        &self,
        actor: &Actor,
        id: Option<AgencyId>,
        apply: impl Fn(&mut Agency) -> DomainResult<()>,
    ) -> DomainResult<Agency> {
        for _ in 0..MAX_ATTEMPTS {
            let snap = self.snapshot(actor, id, "agencyId", None).await?;
            policy::manage(actor, snap.standing)?;
            let mut agency = snap.roster.agency;
            apply(&mut agency)?;
            agency.updated_at = Utc::now();
            if let Some(saved) = self.repo.save(&agency).await? {
                return Ok(saved);
            }
        }
        Err(busy())
    }

    /// Changes the agency's profile (partial: absent fields stay); owners only.
    pub async fn update(
        &self,
        actor: &Actor,
        id: Option<AgencyId>,
        input: AgencyInput,
    ) -> DomainResult<Agency> {
        if matches!(actor, Actor::Anonymous) {
            return Err(DomainError::Unauthenticated);
        }
        let known = self.known_skills(&input).await?;
        self.change_profile(actor, id, |agency| {
            input
                .clone()
                .apply(agency, &known, false)
                .map_err(DomainError::Validation)
        })
        .await
    }

    /// Shows or hides the agency; owners only. A hidden agency is seen by its members,
    /// the freelancers it invited, and admins.
    pub async fn set_visibility(
        &self,
        actor: &Actor,
        id: Option<AgencyId>,
        visibility: Visibility,
    ) -> DomainResult<Agency> {
        self.change_profile(actor, id, |agency| {
            agency.visibility = visibility;
            Ok(())
        })
        .await
    }

    /// Invites a freelancer (by profile) to join with `role`; owners only. At most one
    /// pending invitation per agency and freelancer, at most 100 pending per agency.
    pub async fn invite(
        &self,
        actor: &Actor,
        id: Option<AgencyId>,
        invitee: Option<ProfileId>,
        role: AgencyRole,
        message: Option<String>,
    ) -> DomainResult<Invitation> {
        // Authorised first (an outsider learns nothing about what input would pass).
        let snap = self.snapshot(actor, id, "agencyId", None).await?;
        let inviter = policy::manage(actor, snap.standing)?;
        let message = text::multi_line(message.as_deref().unwrap_or(""), 0, MAX_MESSAGE)
            .map_err(|m| DomainError::validation(&["message"], m))?;
        let not_found = || DomainError::not_found_at("profileId", "no such freelancer profile");
        let profile = self
            .profiles
            .by_ids(&[invitee.ok_or_else(not_found)?])
            .await?
            .into_iter()
            .next()
            .filter(|p| crate::profiles::policy::can_see(actor, p))
            .ok_or_else(not_found)?;
        let invitation = Invitation {
            id: InvitationId(Uuid::now_v7()),
            agency_id: snap.roster.agency.id,
            invitee: profile.user_id,
            invitee_profile: profile.id,
            invited_by: inviter,
            role,
            message,
            status: InvitationStatus::Pending,
            decline_reason: None,
            created_at: Utc::now(),
            responded_at: None,
        };
        // The invitee's membership elsewhere is read on every attempt, with the snapshot
        // (`watch`), not once before: an attempt that is redone sees it afresh.
        self.commit(actor, id, Some(profile.user_id), |snap| {
            policy::manage(actor, snap.standing)?;
            snap.roster
                .invitation_check(&snap.pending, profile.user_id, snap.watched.is_some())?;
            Ok((RosterChange::Invite(invitation.clone()), invitation.clone()))
        })
        .await
    }

    /// Answers or revokes an invitation: reads it with its agency (and the actor's own
    /// membership, with `watch_actor`), lets `plan` decide (with the actor's standing in
    /// that agency), writes on the version it read.
    async fn resolve(
        &self,
        actor: &Actor,
        id: Option<InvitationId>,
        watch_actor: bool,
        plan: impl Fn(&Invitation, &Snapshot) -> DomainResult<RosterChange>,
    ) -> DomainResult<Invitation> {
        if matches!(actor, Actor::Anonymous) {
            return Err(DomainError::Unauthenticated);
        }
        let not_found = || DomainError::not_found_at("invitationId", "no such invitation");
        let id = id.ok_or_else(not_found)?;
        for _ in 0..MAX_ATTEMPTS {
            let invitation = self
                .repo
                .invitations(&[id])
                .await?
                .into_iter()
                .next()
                .ok_or_else(not_found)?;
            let watch = actor.user_id().filter(|_| watch_actor);
            let snap = self
                .snapshot(actor, Some(invitation.agency_id), "invitationId", watch)
                .await
                .map_err(|e| match e {
                    DomainError::Validation(_) => not_found(),
                    other => other,
                })?;
            if !policy::sees_invitation(actor, &invitation, snap.standing) {
                return Err(not_found());
            }
            let change = plan(&invitation, &snap)?;
            let agency = &snap.roster.agency;
            if self
                .repo
                .change(agency.id, agency.version, &change, Utc::now())
                .await?
            {
                if let RosterChange::Resolve { invitation, .. } = change {
                    return Ok(invitation);
                }
                return Err(DomainError::internal(
                    "an invitation change resolved nothing",
                ));
            }
        }
        Err(busy())
    }

    /// The invitee joins the agency with the invited role. Refused (`CONFLICT`) while
    /// they are in an agency, and (`INVALID_STATE`) for an invitation to become an owner
    /// whose sender is no longer an owner.
    pub async fn accept(
        &self,
        actor: &Actor,
        id: Option<InvitationId>,
    ) -> DomainResult<Invitation> {
        self.resolve(actor, id, true, |invitation, snap| {
            let user = policy::respond(actor, invitation)?;
            let now = Utc::now();
            let next = invitation.apply(InvitationEvent::Accept, now)?;
            if snap.watched.is_some() {
                return Err(in_an_agency(Some("invitationId"), "you are"));
            }
            snap.roster.acceptance(invitation)?;
            let join = Member {
                agency_id: invitation.agency_id,
                user_id: user,
                profile_id: invitation.invitee_profile,
                role: invitation.role,
                joined_at: now,
                // Neither is stored with the membership; both are read when listed.
                active: true,
                profile_public: true,
            };
            Ok(RosterChange::Resolve {
                invitation: next,
                join: Some(join),
            })
        })
        .await
    }

    /// The invitee says no, optionally with a reason (at most 500 characters). The
    /// reason is checked only once the actor is known to be the invitee: anyone else
    /// hears `UNAUTHENTICATED`, `FORBIDDEN` or "not found", whatever the reason.
    pub async fn decline(
        &self,
        actor: &Actor,
        id: Option<InvitationId>,
        reason: Option<String>,
    ) -> DomainResult<Invitation> {
        self.resolve(actor, id, false, |invitation, _| {
            policy::respond(actor, invitation)?;
            let reason = match &reason {
                None => None,
                Some(r) => Some(
                    text::multi_line(r, 0, MAX_DECLINE_REASON)
                        .map_err(|m| DomainError::validation(&["reason"], m))?,
                )
                .filter(|r| !r.is_empty()),
            };
            let next = invitation.apply(InvitationEvent::Decline { reason }, Utc::now())?;
            Ok(RosterChange::Resolve {
                invitation: next,
                join: None,
            })
        })
        .await
    }

    /// An owner takes back a pending invitation.
    pub async fn revoke(
        &self,
        actor: &Actor,
        id: Option<InvitationId>,
    ) -> DomainResult<Invitation> {
        self.resolve(actor, id, false, |invitation, snap| {
            policy::manage(actor, snap.standing)?;
            let next = invitation.apply(InvitationEvent::Revoke, Utc::now())?;
            Ok(RosterChange::Resolve {
                invitation: next,
                join: None,
            })
        })
        .await
    }

    /// The agency after a change, as far as the actor still sees it.
    async fn after(&self, actor: &Actor, id: AgencyId) -> DomainResult<Option<Agency>> {
        Ok(self.by_ids(actor, &[id]).await?.into_iter().next())
    }

    /// An owner removes a member (or another owner); never the last owner.
    pub async fn remove_member(
        &self,
        actor: &Actor,
        id: Option<AgencyId>,
        profile: Option<ProfileId>,
    ) -> DomainResult<Option<Agency>> {
        let agency = self
            .commit(actor, id, None, |snap| {
                let me = policy::manage(actor, snap.standing)?;
                let member = member_by_profile(&snap.roster, profile)?;
                let change =
                    snap.roster
                        .removal(member.user_id, "profileId", member.user_id != me)?;
                Ok((change, snap.roster.agency.id))
            })
            .await?;
        self.after(actor, agency).await
    }

    /// The actor leaves the agency; the last owner cannot.
    pub async fn leave(&self, actor: &Actor, id: Option<AgencyId>) -> DomainResult<Option<Agency>> {
        let agency = self
            .commit(actor, id, None, |snap| {
                let me = policy::leave(actor, snap.standing)?;
                Ok((
                    snap.roster.removal(me, "agencyId", false)?,
                    snap.roster.agency.id,
                ))
            })
            .await?;
        self.after(actor, agency).await
    }

    /// An owner changes a member's role; the last owner cannot become a member.
    pub async fn change_role(
        &self,
        actor: &Actor,
        id: Option<AgencyId>,
        profile: Option<ProfileId>,
        role: AgencyRole,
    ) -> DomainResult<Option<Agency>> {
        let agency = self
            .commit(actor, id, None, |snap| {
                policy::manage(actor, snap.standing)?;
                let member = member_by_profile(&snap.roster, profile)?;
                Ok((
                    snap.roster.role_change(member.user_id, role, "profileId")?,
                    snap.roster.agency.id,
                ))
            })
            .await?;
        self.after(actor, agency).await
    }

    /// Agencies by id, as far as the actor may see them.
    pub async fn by_ids(&self, actor: &Actor, ids: &[AgencyId]) -> DomainResult<Vec<Agency>> {
        let found = self.repo.by_ids(ids).await?;
        let hidden: Vec<AgencyId> = found
            .iter()
            .filter(|a| a.visibility == Visibility::Hidden)
            .map(|a| a.id)
            .collect();
        if hidden.is_empty() || actor.has_role(Role::Admin) {
            return Ok(found);
        }
        // Hidden ones: only for their members and invitees (two statements at most).
        let (mine, invited) = match actor.user_id() {
            Some(user) => (
                self.membership_of(user).await?.map(|m| m.agency_id),
                self.invited_to(actor).await?,
            ),
            None => (None, HashSet::new()),
        };
        Ok(found
            .into_iter()
            .filter(|a| {
                let standing = if mine == Some(a.id) {
                    Standing::Member
                } else {
                    Standing::Outsider
                };
                policy::can_see(actor, a, standing, invited.contains(&a.id))
            })
            .collect())
    }

    /// The agencies of many users (for `FreelancerProfile.agency`), by user; only
    /// agencies the actor may see.
    pub async fn agencies_of_users(
        &self,
        actor: &Actor,
        users: &[UserId],
    ) -> DomainResult<HashMap<UserId, Agency>> {
        let memberships = self.repo.memberships(users).await?;
        let ids: Vec<AgencyId> = memberships
            .values()
            .map(|m| m.agency_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let visible: HashMap<AgencyId, Agency> = self
            .by_ids(actor, &ids)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        Ok(memberships
            .into_iter()
            .filter_map(|(u, m)| visible.get(&m.agency_id).map(|a| (u, a.clone())))
            .collect())
    }

    /// Members of the agencies among `ids` that the actor may see (the others are left
    /// out: deny by default), owners first. Suspended members, and members whose
    /// freelancer profile is not public, are listed only to the agency's members and
    /// admins.
    pub async fn members(
        &self,
        actor: &Actor,
        ids: &[AgencyId],
    ) -> DomainResult<HashMap<AgencyId, Vec<Member>>> {
        let visible: Vec<AgencyId> = self
            .by_ids(actor, ids)
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect();
        let mut all = self.repo.members(&visible).await?;
        for members in all.values_mut() {
            let standing = standing_in(actor, members);
            members.retain(|m| policy::lists_member(actor, standing, m));
        }
        Ok(all)
    }

    /// Pending invitations of agencies, for their owners and admins; `None` for the
    /// agencies where the actor may not see them. `members` are the agencies' members
    /// as [`AgencyService::members`] gave them.
    pub async fn pending_invitations(
        &self,
        actor: &Actor,
        members: &HashMap<AgencyId, Vec<Member>>,
    ) -> DomainResult<HashMap<AgencyId, Vec<Invitation>>> {
        let allowed: Vec<AgencyId> = members
            .iter()
            .filter(|(_, m)| policy::sees_private(actor, standing_in(actor, m)))
            .map(|(id, _)| *id)
            .collect();
        let mut found = self.repo.pending_of_agencies(&allowed).await?;
        for id in allowed {
            found.entry(id).or_default();
        }
        Ok(found)
    }

    /// Whether the actor sees an agency's private parts (visibility, pending
    /// invitations), given its members.
    pub fn sees_private(&self, actor: &Actor, members: &[Member]) -> bool {
        policy::sees_private(actor, standing_in(actor, members))
    }

    /// The actor's agency, if they are in one.
    pub async fn of_viewer(&self, actor: &Actor) -> DomainResult<Option<Agency>> {
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        match self.membership_of(user).await? {
            Some(m) => self.after(actor, m.agency_id).await,
            None => Ok(None),
        }
    }

    /// The actor's pending invitations, oldest first.
    pub async fn invitations_of_viewer(&self, actor: &Actor) -> DomainResult<Vec<Invitation>> {
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        self.repo.pending_for_user(user).await
    }

    /// Invitations by id, as far as the actor may see them (invitee, owners, admins).
    pub async fn invitations(
        &self,
        actor: &Actor,
        ids: &[InvitationId],
    ) -> DomainResult<Vec<Invitation>> {
        if matches!(actor, Actor::Anonymous) {
            return Ok(Vec::new());
        }
        let found = self.repo.invitations(ids).await?;
        let mine = match actor.user_id() {
            Some(user) => self.membership_of(user).await?,
            None => None,
        };
        Ok(found
            .into_iter()
            .filter(|i| {
                let standing = match &mine {
                    Some(m) if m.agency_id == i.agency_id && m.role == AgencyRole::Owner => {
                        Standing::Owner
                    }
                    Some(m) if m.agency_id == i.agency_id => Standing::Member,
                    _ => Standing::Outsider,
                };
                policy::sees_invitation(actor, i, standing)
            })
            .collect())
    }
}

fn standing_in(actor: &Actor, members: &[Member]) -> Standing {
    match actor
        .user_id()
        .and_then(|u| members.iter().find(|m| m.user_id == u))
    {
        Some(m) if m.role == AgencyRole::Owner => Standing::Owner,
        Some(_) => Standing::Member,
        None => Standing::Outsider,
    }
}

fn member_by_profile(roster: &Roster, profile: Option<ProfileId>) -> DomainResult<Member> {
    profile
        .and_then(|p| roster.members.iter().find(|m| m.profile_id == p))
        .cloned()
        .ok_or_else(|| DomainError::not_found_at("profileId", "not a member of this agency"))
}
