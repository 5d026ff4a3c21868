//! Per-request loaders for the lists hanging off profiles: one statement per kind for a
//! whole page of profiles.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use domain::profiles::{
    ClientProfile, ClientProfileId, ClientStats, Employment, FreelancerProfile, PortfolioItem,
    ProfileId,
};
use domain::{Actor, Services};

use crate::taxonomy::loaders::{LoadError, spawn};

pub(crate) struct ProfileById(Services, Actor);
pub(crate) struct ClientById(Services, Actor);
pub(crate) struct ClientStatsById(Services);
pub(crate) struct PortfolioByProfile(Services);
pub(crate) struct EmploymentByProfile(Services);

/// The profile loaders of one request. They are keyed by profiles the request has
/// already been allowed to see.
pub(crate) struct ProfileLoaders {
    /// Profiles the request's actor may see.
    pub profile: DataLoader<ProfileById>,
    pub client: DataLoader<ClientById>,
    /// Keyed by client profiles the request has already been allowed to see.
    pub client_stats: DataLoader<ClientStatsById>,
    pub portfolio: DataLoader<PortfolioByProfile>,
    pub employment: DataLoader<EmploymentByProfile>,
}

impl ProfileLoaders {
    pub(crate) fn new(services: Services, actor: Actor) -> Self {
        Self {
            profile: DataLoader::new(ProfileById(services.clone(), actor.clone()), spawn),
            client: DataLoader::new(ClientById(services.clone(), actor), spawn),
            client_stats: DataLoader::new(ClientStatsById(services.clone()), spawn),
            portfolio: DataLoader::new(PortfolioByProfile(services.clone()), spawn),
            employment: DataLoader::new(EmploymentByProfile(services), spawn),
        }
    }
}

impl Loader<ProfileId> for ProfileById {
    type Value = FreelancerProfile;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProfileId],
    ) -> Result<HashMap<ProfileId, FreelancerProfile>, LoadError> {
        let found = self.0.profiles.by_ids(&self.1, keys).await?;
        Ok(found.into_iter().map(|p| (p.id, p)).collect())
    }
}

impl Loader<ClientProfileId> for ClientById {
    type Value = ClientProfile;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ClientProfileId],
    ) -> Result<HashMap<ClientProfileId, ClientProfile>, LoadError> {
        let found = self.0.clients.by_ids(&self.1, keys).await?;
        Ok(found.into_iter().map(|p| (p.id, p)).collect())
    }
}

impl Loader<ClientProfileId> for ClientStatsById {
    type Value = ClientStats;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ClientProfileId],
    ) -> Result<HashMap<ClientProfileId, ClientStats>, LoadError> {
        Ok(self.0.clients.stats(keys).await?)
    }
}

impl Loader<ProfileId> for PortfolioByProfile {
    type Value = Vec<PortfolioItem>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProfileId],
    ) -> Result<HashMap<ProfileId, Vec<PortfolioItem>>, LoadError> {
        Ok(self.0.profiles.portfolios(keys).await?)
    }
}

impl Loader<ProfileId> for EmploymentByProfile {
    type Value = Vec<Employment>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProfileId],
    ) -> Result<HashMap<ProfileId, Vec<Employment>>, LoadError> {
        Ok(self.0.profiles.employment_histories(keys).await?)
    }
}
