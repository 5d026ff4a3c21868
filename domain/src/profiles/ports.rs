use async_trait::async_trait;

use std::collections::HashMap;

use super::client::{ClientProfile, ClientProfileId, ClientStats};
use super::model::{FreelancerProfile, ProfileId, ProfileSkill};
use super::portfolio::{Employment, EmploymentId, PortfolioItem, PortfolioItemId};
use crate::actor::UserId;
use crate::error::DomainResult;

/// Storage of freelancer profiles. A profile is written whole (its lists replaced) in one
/// transaction; one profile per user is a unique key.
#[async_trait]
pub trait ProfileRepository: Send + Sync {
    /// Stores a new profile; a second one for the same user is a `Conflict`.
    async fn create(&self, profile: &FreelancerProfile) -> DomainResult<FreelancerProfile>;
    /// Replaces the stored profile with `profile` if the stored one is still at
    /// `profile.version` (and stores it at the next version); `None` when another write
    /// came first.
    async fn save(&self, profile: &FreelancerProfile) -> DomainResult<Option<FreelancerProfile>>;
    async fn by_ids(&self, ids: &[ProfileId]) -> DomainResult<Vec<FreelancerProfile>>;
    async fn by_user(&self, user: UserId) -> DomainResult<Option<FreelancerProfile>>;
    /// The profiles of many users (those who have one), for loaders.
    async fn by_users(&self, users: &[UserId]) -> DomainResult<Vec<FreelancerProfile>>;
    /// The skills of many profiles, for loaders.
    async fn skills(
        &self,
        ids: &[ProfileId],
    ) -> DomainResult<std::collections::HashMap<ProfileId, Vec<ProfileSkill>>>;

    /// Portfolio items of many profiles, newest first.
    async fn portfolio(
        &self,
        ids: &[ProfileId],
    ) -> DomainResult<HashMap<ProfileId, Vec<PortfolioItem>>>;
    async fn portfolio_item(&self, id: PortfolioItemId) -> DomainResult<Option<PortfolioItem>>;
    /// Writes an item and its skills in one transaction: inserts it when `expected` is
    /// `None`; otherwise changes it only if it still exists at version `expected` (and
    /// stores it at the next), else `None`.
    async fn save_portfolio_item(
        &self,
        item: &PortfolioItem,
        expected: Option<i64>,
    ) -> DomainResult<Option<PortfolioItem>>;
    /// Inserts or refreshes an imported item, keyed by (profile, repository): concurrent
    /// imports end with one item per repository.
    async fn upsert_imported_item(&self, item: &PortfolioItem) -> DomainResult<PortfolioItem>;
    async fn remove_portfolio_item(&self, id: PortfolioItemId) -> DomainResult<()>;
    async fn count_portfolio(&self, profile: ProfileId) -> DomainResult<u64>;

    /// Employment history of many profiles, most recent start first.
    async fn employment(
        &self,
        ids: &[ProfileId],
    ) -> DomainResult<HashMap<ProfileId, Vec<Employment>>>;
    async fn employment_entry(&self, id: EmploymentId) -> DomainResult<Option<Employment>>;
    /// Like `save_portfolio_item`: insert when `expected` is `None`, else a versioned
    /// change that finds nothing (`None`) when the entry changed or went meanwhile.
    async fn save_employment(
        &self,
        job: &Employment,
        expected: Option<i64>,
    ) -> DomainResult<Option<Employment>>;
    async fn remove_employment(&self, id: EmploymentId) -> DomainResult<()>;
    async fn count_employment(&self, profile: ProfileId) -> DomainResult<u64>;
}

/// Storage of client profiles (one per user, a unique key).
#[async_trait]
pub trait ClientProfileRepository: Send + Sync {
    /// Stores a new profile; a second one for the same user is a `Conflict`.
    async fn create(&self, profile: &ClientProfile) -> DomainResult<ClientProfile>;
    /// Replaces the stored profile if it is still at `profile.version`; `None` when another
    /// write came first.
    async fn save(&self, profile: &ClientProfile) -> DomainResult<Option<ClientProfile>>;
    async fn by_ids(&self, ids: &[ClientProfileId]) -> DomainResult<Vec<ClientProfile>>;
    async fn by_user(&self, user: UserId) -> DomainResult<Option<ClientProfile>>;
    /// The profiles of these users (those that have one), in one go.
    async fn by_users(&self, users: &[UserId]) -> DomainResult<Vec<ClientProfile>>;
    /// Statistics computed from the clients' postings and contracts.
    async fn stats(
        &self,
        ids: &[ClientProfileId],
    ) -> DomainResult<HashMap<ClientProfileId, ClientStats>>;
}
