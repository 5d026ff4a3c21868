use async_trait::async_trait;

use super::model::{FreelancerProfile, ProfileId, ProfileSkill};
use crate::actor::UserId;
use crate::error::DomainResult;

/// Storage of freelancer profiles. A profile is written whole (its lists replaced) in one
/// transaction; one profile per user is a unique key.
#[async_trait]
pub trait ProfileRepository: Send + Sync {
    /// Stores a new profile; a second one for the same user is a `Conflict`.
    async fn create(&self, profile: &FreelancerProfile) -> DomainResult<FreelancerProfile>;
    /// Replaces a stored profile with `profile`.
    async fn save(&self, profile: &FreelancerProfile) -> DomainResult<FreelancerProfile>;
    async fn by_ids(&self, ids: &[ProfileId]) -> DomainResult<Vec<FreelancerProfile>>;
    async fn by_user(&self, user: UserId) -> DomainResult<Option<FreelancerProfile>>;
    /// The skills of many profiles, for loaders.
    async fn skills(
        &self,
        ids: &[ProfileId],
    ) -> DomainResult<std::collections::HashMap<ProfileId, Vec<ProfileSkill>>>;
}
