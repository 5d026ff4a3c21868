//! Per-request loaders for proposals: a page of proposals asking for their match,
//! history, freelancer and stage costs a fixed number of batches, however many rows it
//! holds.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use domain::postings::{Posting, PostingId};
use domain::profiles::FreelancerProfile;
use domain::proposals::{ChangeBy, Match, Pipeline, Proposal, ProposalChange, ProposalId};
use domain::{Actor, Services};

use super::evaluation::{EvaluatorsByPosting, ScorecardsOfProposal, SummaryOfProposal};
use crate::taxonomy::loaders::{LoadError, spawn};

pub(crate) struct ProposalById(Services, Actor);
pub(crate) struct MatchByProposal(Services, Actor);
pub(crate) struct HistoryByProposal(Services, Actor);
pub(crate) struct PipelineByPosting(Services, Actor);
pub(crate) struct FreelancerOfProposal(Services, Actor);
pub(crate) struct PipelineOfProposal(Services, Actor);

/// A proposal as the request was given it, as a loader key: equal by ID.
#[derive(Clone)]
pub(crate) struct ProposalKey(pub Arc<Proposal>);

impl PartialEq for ProposalKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id
    }
}

impl Eq for ProposalKey {}

impl Hash for ProposalKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.id.hash(state);
    }
}

/// A posting as the request was given it, as a loader key: equal by ID.
#[derive(Clone)]
pub(crate) struct PostingKey(pub Arc<Posting>);

impl PartialEq for PostingKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id
    }
}

impl Eq for PostingKey {}

impl Hash for PostingKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.id.hash(state);
    }
}

/// The proposal loaders of one request; each filters by what its actor may see.
pub(crate) struct ProposalLoaders {
    /// Proposals the actor sees (for `node`).
    pub proposal: DataLoader<ProposalById>,
    /// The match of proposals the request has already been allowed to see.
    pub matches: DataLoader<MatchByProposal>,
    /// Proposals' histories, for the proposals the actor sees.
    pub history: DataLoader<HistoryByProposal>,
    /// Postings' pipelines, for their client only.
    pub pipeline: DataLoader<PipelineByPosting>,
    /// The freelancer profile of proposals the request has already been allowed to
    /// see (shown to the posting's client even when it is not public).
    pub freelancer: DataLoader<FreelancerOfProposal>,
    /// The posting's pipeline, for proposals the request has already been allowed to
    /// see (both sides see the stage a proposal is in).
    pub pipeline_of_proposal: DataLoader<PipelineOfProposal>,
    /// Postings' evaluators, for their client only.
    pub evaluators: DataLoader<EvaluatorsByPosting>,
    /// Proposals' scorecards, as far as the actor may read them (blind until scored).
    pub scorecards: DataLoader<ScorecardsOfProposal>,
    /// Proposals' scorecard summaries, for those who may read them.
    pub summaries: DataLoader<SummaryOfProposal>,
}

impl ProposalLoaders {
    pub(crate) fn new(services: Services, actor: Actor) -> Self {
        let s = || services.clone();
        let a = || actor.clone();
        Self {
            proposal: DataLoader::new(ProposalById(s(), a()), spawn),
            matches: DataLoader::new(MatchByProposal(s(), a()), spawn),
            history: DataLoader::new(HistoryByProposal(s(), a()), spawn),
            pipeline: DataLoader::new(PipelineByPosting(s(), a()), spawn),
            freelancer: DataLoader::new(FreelancerOfProposal(s(), a()), spawn),
            pipeline_of_proposal: DataLoader::new(PipelineOfProposal(s(), a()), spawn),
            evaluators: DataLoader::new(EvaluatorsByPosting(s(), a()), spawn),
            scorecards: DataLoader::new(ScorecardsOfProposal(s(), a()), spawn),
            summaries: DataLoader::new(SummaryOfProposal(s(), a()), spawn),
        }
    }
}

pub(crate) fn proposal_loaders<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<&'a ProposalLoaders> {
    crate::context::data(ctx)
}

impl Loader<ProposalId> for ProposalById {
    type Value = Proposal;
    type Error = LoadError;

    async fn load(&self, keys: &[ProposalId]) -> Result<HashMap<ProposalId, Proposal>, LoadError> {
        let found = self.0.proposals.by_ids(&self.1, keys).await?;
        Ok(found.into_iter().map(|p| (p.id, p)).collect())
    }
}

impl Loader<ProposalKey> for MatchByProposal {
    type Value = Match;
    type Error = LoadError;

    async fn load(&self, keys: &[ProposalKey]) -> Result<HashMap<ProposalKey, Match>, LoadError> {
        let proposals: Vec<Proposal> = keys.iter().map(|k| (*k.0).clone()).collect();
        let mut found = self.0.proposals.matches(&self.1, &proposals).await?;
        Ok(keys
            .iter()
            .filter_map(|k| found.remove(&k.0.id).map(|m| (k.clone(), m)))
            .collect())
    }
}

impl Loader<ProposalId> for HistoryByProposal {
    type Value = Vec<(ProposalChange, ChangeBy)>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProposalId],
    ) -> Result<HashMap<ProposalId, Vec<(ProposalChange, ChangeBy)>>, LoadError> {
        Ok(self.0.proposals.histories(&self.1, keys).await?)
    }
}

impl Loader<PostingKey> for PipelineByPosting {
    type Value = Pipeline;
    type Error = LoadError;

    async fn load(&self, keys: &[PostingKey]) -> Result<HashMap<PostingKey, Pipeline>, LoadError> {
        let postings: Vec<Posting> = keys.iter().map(|k| (*k.0).clone()).collect();
        let mut found: HashMap<PostingId, Pipeline> =
            self.0.proposals.pipelines(&self.1, &postings).await?;
        Ok(keys
            .iter()
            .filter_map(|k| found.remove(&k.0.id).map(|p| (k.clone(), p)))
            .collect())
    }
}

impl Loader<ProposalKey> for PipelineOfProposal {
    type Value = Pipeline;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProposalKey],
    ) -> Result<HashMap<ProposalKey, Pipeline>, LoadError> {
        let proposals: Vec<Proposal> = keys.iter().map(|k| (*k.0).clone()).collect();
        let found = self.0.proposals.pipelines_of(&self.1, &proposals).await?;
        Ok(keys
            .iter()
            .filter_map(|k| found.get(&k.0.posting_id).map(|p| (k.clone(), p.clone())))
            .collect())
    }
}

impl Loader<ProposalKey> for FreelancerOfProposal {
    type Value = FreelancerProfile;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProposalKey],
    ) -> Result<HashMap<ProposalKey, FreelancerProfile>, LoadError> {
        let proposals: Vec<Proposal> = keys.iter().map(|k| (*k.0).clone()).collect();
        let found = self.0.proposals.freelancers(&self.1, &proposals).await?;
        Ok(keys
            .iter()
            .filter_map(|k| {
                found
                    .get(&k.0.freelancer_id)
                    .map(|p| (k.clone(), p.clone()))
            })
            .collect())
    }
}
