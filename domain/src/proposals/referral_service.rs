//! Making referrals and reading them back (see [`super::referrals`] for the rules).
//! Every call names its actor; the policy decides, deny by default.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;

use super::access::{Side, side_of};
use super::model::{Proposal, ProposalId};
use super::referrals::{
    Referral, ReferralId, ReferralRepository, ReferralTargets, ReferralWrite, referral,
};
use crate::actor::{Actor, UserId};
use crate::error::{DomainError, DomainResult};
use crate::pagination::{Page, PageRequest};
use crate::postings::{Posting, PostingId, PostingService};
use crate::profiles::{FreelancerProfile, ProfileId, ProfileRepository};

#[derive(Clone)]
pub struct ReferralService {
    repo: Arc<dyn ReferralRepository>,
    postings: PostingService,
    profiles: Arc<dyn ProfileRepository>,
}

impl ReferralService {
    pub fn new(
        repo: Arc<dyn ReferralRepository>,
        postings: PostingService,
        profiles: Arc<dyn ProfileRepository>,
    ) -> Self {
        Self {
            repo,
            postings,
            profiles,
        }
    }

    async fn postings_by_id(&self, ids: &[PostingId]) -> DomainResult<HashMap<PostingId, Posting>> {
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(self
            .postings
            .stored(&ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect())
    }

    /// Refers the freelancer whose profile is `profile` to `posting`, with a note. IDs
    /// that name nothing are `None`; the policy answers them in its order (who asks
    /// first). A second referral of the same freelancer to the same posting by the same
    /// caller is `CONFLICT` on `profileId`.
    pub async fn refer(
        &self,
        actor: &Actor,
        posting: Option<PostingId>,
        profile: Option<ProfileId>,
        note: &str,
    ) -> DomainResult<Referral> {
        let now = Utc::now();
        if actor.user_id().is_none() {
            let nothing = ReferralTargets {
                posting: None,
                freelancer: None,
            };
            return referral(actor, nothing, note, now);
        }
        let posting = match posting {
            Some(id) => self.postings.stored(&[id]).await?.into_iter().next(),
            None => None,
        };
        let seen = match posting {
            Some(p) if self.postings.sees(actor, &p).await? => Some(p),
            _ => None,
        };
        let freelancer = match profile {
            Some(id) => self
                .profiles
                .by_ids(&[id])
                .await?
                .into_iter()
                .find(|p| crate::profiles::policy::can_see(actor, p))
                .map(|p| p.user_id),
            None => None,
        };
        let targets = ReferralTargets {
            posting: seen.as_ref(),
            freelancer,
        };
        let new = referral(actor, targets, note, now)?;
        match self.repo.create(&new).await? {
            ReferralWrite::Written(stored) => Ok(stored),
            ReferralWrite::Duplicate => Err(DomainError::conflict(
                &["profileId"],
                "you already referred this freelancer to this posting",
            )),
        }
    }

    /// The caller's own referrals, newest first.
    pub async fn of_viewer(
        &self,
        actor: &Actor,
        page: &PageRequest<ReferralId>,
    ) -> DomainResult<Page<Referral>> {
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        self.repo.of_referrer(user, page).await
    }

    /// The referrals of each of `proposals` (as a service returned them to the caller):
    /// those of its freelancer to its posting, newest first, for the posting's client
    /// (the client's side of the proposal); nobody else sees them, so the others' lists
    /// are left out. Two statements for any number of proposals.
    pub async fn of_proposals(
        &self,
        actor: &Actor,
        proposals: &[Proposal],
    ) -> DomainResult<HashMap<ProposalId, Vec<Referral>>> {
        let Some(user) = actor.user_id() else {
            return Ok(HashMap::new());
        };
        let ids: Vec<PostingId> = proposals.iter().map(|p| p.posting_id).collect();
        let postings = self.postings_by_id(&ids).await?;
        // The client's side is decided without the caller's agency: it is the
        // posting's client, whatever agency they belong to.
        let clients_own: Vec<&Proposal> = proposals
            .iter()
            .filter(|p| {
                postings.get(&p.posting_id).is_some_and(|posting| {
                    matches!(side_of(user, None, p, posting), Some(Side::Client))
                })
            })
            .collect();
        if clients_own.is_empty() {
            return Ok(HashMap::new());
        }
        let candidates: Vec<(PostingId, UserId)> = clients_own
            .iter()
            .map(|p| (p.posting_id, p.freelancer_id))
            .collect();
        let mut by_candidate: HashMap<(PostingId, UserId), Vec<Referral>> = HashMap::new();
        for r in self.repo.of_candidates(&candidates).await? {
            by_candidate
                .entry((r.posting_id, r.freelancer_id))
                .or_default()
                .push(r);
        }
        Ok(clients_own
            .into_iter()
            .map(|p| {
                let found = by_candidate
                    .get(&(p.posting_id, p.freelancer_id))
                    .cloned()
                    .unwrap_or_default();
                (p.id, found)
            })
            .collect())
    }

    /// The freelancer profiles of `referrals` (as this service returned them to the
    /// caller), by referral: as the profile rules show them (public ones to all, others
    /// to their owner and admins), and to the client of the referral's posting, who
    /// only ever reads referrals of freelancers that proposed (and a freelancer who
    /// proposes shows their profile to the client). A fixed number of statements.
    pub async fn freelancers(
        &self,
        actor: &Actor,
        referrals: &[Referral],
    ) -> DomainResult<HashMap<ReferralId, FreelancerProfile>> {
        let mut users: Vec<UserId> = referrals.iter().map(|r| r.freelancer_id).collect();
        users.sort_by_key(|u| u.0);
        users.dedup();
        if users.is_empty() {
            return Ok(HashMap::new());
        }
        let profiles: HashMap<UserId, FreelancerProfile> = self
            .profiles
            .by_users(&users)
            .await?
            .into_iter()
            .map(|p| (p.user_id, p))
            .collect();
        let hidden: Vec<PostingId> = referrals
            .iter()
            .filter(|r| {
                profiles
                    .get(&r.freelancer_id)
                    .is_some_and(|p| !crate::profiles::policy::can_see(actor, p))
            })
            .map(|r| r.posting_id)
            .collect();
        let postings = self.postings_by_id(&hidden).await?;
        let is_client = |posting: PostingId| {
            postings
                .get(&posting)
                .is_some_and(|p| actor.user_id() == Some(p.client_id))
        };
        Ok(referrals
            .iter()
            .filter_map(|r| {
                let profile = profiles.get(&r.freelancer_id)?;
                // The client sees a referred profile kept off the public listings, never
                // one under a moderation hold or of a suspended account.
                let shown = crate::profiles::policy::can_see(actor, profile)
                    || (is_client(r.posting_id)
                        && !profile.moderation_hidden
                        && profile.owner_active);
                shown.then(|| (r.id, profile.clone()))
            })
            .collect())
    }
}
