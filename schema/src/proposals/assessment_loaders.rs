//! Per-request loaders for proposals' interviews and coding tasks: a page of proposals
//! asking for both costs a fixed number of batches, however many rows it holds. The
//! domain decides, for the request's actor, which proposals' lists it shows.

use std::collections::HashMap;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use domain::proposals::{CodingTask, Interview, Proposal};
use domain::{Actor, Services};

use super::loaders::ProposalKey;
use crate::taxonomy::loaders::{LoadError, spawn};

pub(crate) struct InterviewsByProposal(Services, Actor);
pub(crate) struct CodingTasksByProposal(Services, Actor);

/// The interview and coding task loaders of one request.
pub(crate) struct AssessmentLoaders {
    /// The interviews of proposals whose interviews the actor sees.
    pub interviews: DataLoader<InterviewsByProposal>,
    /// The coding tasks of proposals whose tasks the actor sees.
    pub coding_tasks: DataLoader<CodingTasksByProposal>,
}

impl AssessmentLoaders {
    pub(crate) fn new(services: Services, actor: Actor) -> Self {
        Self {
            interviews: DataLoader::new(
                InterviewsByProposal(services.clone(), actor.clone()),
                spawn,
            ),
            coding_tasks: DataLoader::new(CodingTasksByProposal(services, actor), spawn),
        }
    }
}

pub(crate) fn assessment_loaders<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<&'a AssessmentLoaders> {
    crate::context::data(ctx)
}

fn proposals_of(keys: &[ProposalKey]) -> Vec<Proposal> {
    keys.iter().map(|k| (*k.0).clone()).collect()
}

impl Loader<ProposalKey> for InterviewsByProposal {
    type Value = Vec<Interview>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProposalKey],
    ) -> Result<HashMap<ProposalKey, Vec<Interview>>, LoadError> {
        let mut found = self
            .0
            .interviews
            .of_proposals(&self.1, &proposals_of(keys))
            .await?;
        Ok(keys
            .iter()
            .filter_map(|k| found.remove(&k.0.id).map(|list| (k.clone(), list)))
            .collect())
    }
}

impl Loader<ProposalKey> for CodingTasksByProposal {
    type Value = Vec<CodingTask>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProposalKey],
    ) -> Result<HashMap<ProposalKey, Vec<CodingTask>>, LoadError> {
        let mut found = self
            .0
            .coding_tasks
            .of_proposals(&self.1, &proposals_of(keys))
            .await?;
        Ok(keys
            .iter()
            .filter_map(|k| found.remove(&k.0.id).map(|list| (k.clone(), list)))
            .collect())
    }
}
