//! The review loaders of one request: reputations, and for admins the moderation trail.

use std::collections::HashMap;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use domain::reviews::{ModerationEvent, Reputation, ReviewId, Subject};
use domain::{Actor, Services};

use crate::taxonomy::loaders::{LoadError, spawn};

pub(crate) struct ReputationBySubject(Services);
pub(crate) struct HistoryByReview(Services, Actor);

/// The review loaders of one request (or one WebSocket connection).
pub(crate) struct ReviewLoaders {
    /// Reputations (public), from the cache.
    pub reputation: DataLoader<ReputationBySubject>,
    /// The moderation trail of reviews, for admins (empty for anybody else).
    pub history: DataLoader<HistoryByReview>,
}

impl ReviewLoaders {
    pub(crate) fn new(services: Services, actor: Actor) -> Self {
        Self {
            reputation: DataLoader::new(ReputationBySubject(services.clone()), spawn),
            history: DataLoader::new(HistoryByReview(services, actor), spawn),
        }
    }
}

pub(crate) fn review_loaders<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a ReviewLoaders> {
    crate::context::data(ctx)
}

impl Loader<Subject> for ReputationBySubject {
    type Value = Reputation;
    type Error = LoadError;

    async fn load(&self, keys: &[Subject]) -> Result<HashMap<Subject, Reputation>, LoadError> {
        Ok(self.0.reviews.reputations(keys).await?)
    }
}

impl Loader<ReviewId> for HistoryByReview {
    type Value = Vec<ModerationEvent>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ReviewId],
    ) -> Result<HashMap<ReviewId, Vec<ModerationEvent>>, LoadError> {
        Ok(self.0.reviews.moderation_history(&self.1, keys).await?)
    }
}
