//! Per-request loaders for offers, contracts and their lists: a page of contracts with
//! milestones, escrow, history and counterpart costs a fixed number of batches,
//! however many rows it holds. The domain decides what the request's actor sees; lists
//! of a contract are only asked for contracts the actor has read.

use std::collections::HashMap;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use domain::contracts::{AccountKind, Contract, ContractChange, ContractId, Milestone, Offer};
use domain::proposals::ProposalId;
use domain::{Actor, Services};

use crate::taxonomy::loaders::{LoadError, spawn};

pub(crate) struct ContractById(Services, Actor);
pub(crate) struct MilestonesByContract(Services);
pub(crate) struct HistoryByContract(Services);
pub(crate) struct EscrowByContract(Services);
pub(crate) struct OffersByProposal(Services, Actor);

/// The contract loaders of one request.
pub(crate) struct ContractLoaders {
    /// Contracts the actor is a party of.
    pub contract: DataLoader<ContractById>,
    /// The milestones of contracts the actor has read.
    pub milestones: DataLoader<MilestonesByContract>,
    /// The histories of contracts the actor has read.
    pub history: DataLoader<HistoryByContract>,
    /// What escrow holds for contracts the actor has read, in minor units.
    pub escrow: DataLoader<EscrowByContract>,
    /// The offers on proposals, those the actor is a party of.
    pub offers: DataLoader<OffersByProposal>,
}

impl ContractLoaders {
    pub(crate) fn new(services: Services, actor: Actor) -> Self {
        Self {
            contract: DataLoader::new(ContractById(services.clone(), actor.clone()), spawn),
            milestones: DataLoader::new(MilestonesByContract(services.clone()), spawn),
            history: DataLoader::new(HistoryByContract(services.clone()), spawn),
            escrow: DataLoader::new(EscrowByContract(services.clone()), spawn),
            offers: DataLoader::new(OffersByProposal(services, actor), spawn),
        }
    }
}

pub(crate) fn contract_loaders<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<&'a ContractLoaders> {
    crate::context::data(ctx)
}

impl Loader<ContractId> for ContractById {
    type Value = Contract;
    type Error = LoadError;

    async fn load(&self, keys: &[ContractId]) -> Result<HashMap<ContractId, Contract>, LoadError> {
        let found = self.0.contracts.contracts_by_ids(&self.1, keys).await?;
        Ok(found.into_iter().map(|c| (c.id, c)).collect())
    }
}

impl Loader<ContractId> for MilestonesByContract {
    type Value = Vec<Milestone>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ContractId],
    ) -> Result<HashMap<ContractId, Vec<Milestone>>, LoadError> {
        Ok(self.0.contracts.milestones_of(keys).await?)
    }
}

impl Loader<ContractId> for HistoryByContract {
    type Value = Vec<ContractChange>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ContractId],
    ) -> Result<HashMap<ContractId, Vec<ContractChange>>, LoadError> {
        Ok(self.0.contracts.histories(keys).await?)
    }
}

impl Loader<ContractId> for EscrowByContract {
    type Value = i64;
    type Error = LoadError;

    async fn load(&self, keys: &[ContractId]) -> Result<HashMap<ContractId, i64>, LoadError> {
        let balances = self.0.contracts.escrow_of(keys).await?;
        Ok(balances
            .into_iter()
            .filter(|b| b.account.kind == AccountKind::Escrow)
            .filter_map(|b| b.account.owner.map(|o| (ContractId(o), b.amount_minor)))
            .collect())
    }
}

impl Loader<ProposalId> for OffersByProposal {
    type Value = Vec<Offer>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProposalId],
    ) -> Result<HashMap<ProposalId, Vec<Offer>>, LoadError> {
        Ok(self.0.contracts.offers_of_proposals(&self.1, keys).await?)
    }
}
