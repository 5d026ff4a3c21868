//! Per-request loaders for proposals' threads and referrals: a page of proposals asking
//! for their last message, unread count, thread pages and referrals (with the referred
//! freelancers) costs a fixed number of batches, however many rows it holds.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use domain::pagination::Page;
use domain::profiles::FreelancerProfile;
use domain::proposals::{Proposal, ProposalMessage, Referral, ThreadPage, ThreadSummary};
use domain::{Actor, Services};

use super::loaders::ProposalKey;
use crate::taxonomy::loaders::{LoadError, spawn};

pub(crate) struct SummaryByProposal(Services, Actor);
pub(crate) struct PageOfThread(Services, Actor);
pub(crate) struct ReferralsByProposal(Services, Actor);
pub(crate) struct FreelancerOfReferral(Services, Actor);

/// One page of a proposal's thread, with the proposal as the request was given it:
/// equal by the page asked for.
#[derive(Clone)]
pub(crate) struct ThreadPageKey {
    pub proposal: ProposalKey,
    pub page: ThreadPage,
}

impl PartialEq for ThreadPageKey {
    fn eq(&self, other: &Self) -> bool {
        self.page == other.page
    }
}

impl Eq for ThreadPageKey {}

impl Hash for ThreadPageKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.page.hash(state);
    }
}

/// A referral as the request was given it, as a loader key: equal by ID.
#[derive(Clone)]
pub(crate) struct ReferralKey(pub Arc<Referral>);

impl PartialEq for ReferralKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id
    }
}

impl Eq for ReferralKey {}

impl Hash for ReferralKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.id.hash(state);
    }
}

/// The thread and referral loaders of one request; the domain decides, for its actor,
/// what each shows.
pub(crate) struct ThreadLoaders {
    /// The latest message and the unread count of threads the actor is a party to.
    pub summary: DataLoader<SummaryByProposal>,
    /// Pages of threads the actor is a party to.
    pub page: DataLoader<PageOfThread>,
    /// The referrals of proposals, for their posting's client.
    pub referrals: DataLoader<ReferralsByProposal>,
    /// The referred freelancers' profiles, as the actor may see them.
    pub referral_freelancer: DataLoader<FreelancerOfReferral>,
}

impl ThreadLoaders {
    pub(crate) fn new(services: Services, actor: Actor) -> Self {
        let s = || services.clone();
        let a = || actor.clone();
        Self {
            summary: DataLoader::new(SummaryByProposal(s(), a()), spawn),
            page: DataLoader::new(PageOfThread(s(), a()), spawn),
            referrals: DataLoader::new(ReferralsByProposal(s(), a()), spawn),
            referral_freelancer: DataLoader::new(FreelancerOfReferral(s(), a()), spawn),
        }
    }
}

pub(crate) fn thread_loaders<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a ThreadLoaders> {
    crate::context::data(ctx)
}

fn proposals_of(keys: &[ProposalKey]) -> Vec<Proposal> {
    keys.iter().map(|k| (*k.0).clone()).collect()
}

impl Loader<ProposalKey> for SummaryByProposal {
    type Value = ThreadSummary;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProposalKey],
    ) -> Result<HashMap<ProposalKey, ThreadSummary>, LoadError> {
        let mut found = self
            .0
            .messages
            .summaries(&self.1, &proposals_of(keys))
            .await?;
        Ok(keys
            .iter()
            .filter_map(|k| found.remove(&k.0.id).map(|s| (k.clone(), s)))
            .collect())
    }
}

impl Loader<ThreadPageKey> for PageOfThread {
    type Value = Page<ProposalMessage>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ThreadPageKey],
    ) -> Result<HashMap<ThreadPageKey, Page<ProposalMessage>>, LoadError> {
        let mut proposals: Vec<ProposalKey> = keys.iter().map(|k| k.proposal.clone()).collect();
        proposals.sort_by_key(|k| k.0.id);
        proposals.dedup();
        let pages: Vec<ThreadPage> = keys.iter().map(|k| k.page).collect();
        let mut found = self
            .0
            .messages
            .pages(&self.1, &proposals_of(&proposals), &pages)
            .await?;
        Ok(keys
            .iter()
            .filter_map(|k| found.remove(&k.page).map(|p| (k.clone(), p)))
            .collect())
    }
}

impl Loader<ProposalKey> for ReferralsByProposal {
    type Value = Vec<Referral>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProposalKey],
    ) -> Result<HashMap<ProposalKey, Vec<Referral>>, LoadError> {
        let mut found = self
            .0
            .referrals
            .of_proposals(&self.1, &proposals_of(keys))
            .await?;
        Ok(keys
            .iter()
            .filter_map(|k| found.remove(&k.0.id).map(|r| (k.clone(), r)))
            .collect())
    }
}

impl Loader<ReferralKey> for FreelancerOfReferral {
    type Value = FreelancerProfile;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ReferralKey],
    ) -> Result<HashMap<ReferralKey, FreelancerProfile>, LoadError> {
        let referrals: Vec<Referral> = keys.iter().map(|k| (*k.0).clone()).collect();
        let mut found = self.0.referrals.freelancers(&self.1, &referrals).await?;
        Ok(keys
            .iter()
            .filter_map(|k| found.remove(&k.0.id).map(|p| (k.clone(), p)))
            .collect())
    }
}
