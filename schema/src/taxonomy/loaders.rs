//! Per-request DataLoaders: every relation in a selection is fetched with one statement
//! per kind, however many rows the page holds.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use domain::taxonomy::{Category, CategoryId, Skill, SkillId};
use domain::{Actor, DomainError, Services};
use tracing::Instrument;

/// Loader errors are shared between all waiters, hence the `Arc`.
pub(crate) type LoadError = Arc<DomainError>;

pub(crate) struct Source {
    services: Services,
    actor: Actor,
}

pub(crate) struct CategoryById(Arc<Source>);
pub(crate) struct SkillById(Arc<Source>);
pub(crate) struct AliasesBySkill(Arc<Source>);
pub(crate) struct SkillCountByCategory(Arc<Source>);

/// Batches run as tasks of their own; they stay in the span of the resolver that started
/// them, so their log lines keep the request id. (Every loader of the schema uses it.)
pub(crate) fn spawn<F>(batch: F) -> tokio::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(batch.in_current_span())
}

/// The taxonomy loaders of one request (or one WebSocket connection).
pub(crate) struct TaxonomyLoaders {
    pub category: DataLoader<CategoryById>,
    pub skill: DataLoader<SkillById>,
    pub aliases: DataLoader<AliasesBySkill>,
    pub skill_count: DataLoader<SkillCountByCategory>,
}

impl TaxonomyLoaders {
    pub(crate) fn new(services: Services, actor: Actor) -> Self {
        let source = Arc::new(Source { services, actor });
        Self {
            category: DataLoader::new(CategoryById(source.clone()), spawn),
            skill: DataLoader::new(SkillById(source.clone()), spawn),
            aliases: DataLoader::new(AliasesBySkill(source.clone()), spawn),
            skill_count: DataLoader::new(SkillCountByCategory(source), spawn),
        }
    }
}

impl Loader<CategoryId> for CategoryById {
    type Value = Category;
    type Error = LoadError;

    async fn load(&self, keys: &[CategoryId]) -> Result<HashMap<CategoryId, Category>, LoadError> {
        let s = &self.0;
        let rows = s
            .services
            .taxonomy
            .categories_by_ids(&s.actor, keys)
            .await?;
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
    }
}

impl Loader<SkillId> for SkillById {
    type Value = Skill;
    type Error = LoadError;

    async fn load(&self, keys: &[SkillId]) -> Result<HashMap<SkillId, Skill>, LoadError> {
        let s = &self.0;
        let rows = s.services.taxonomy.skills_by_ids(&s.actor, keys).await?;
        Ok(rows.into_iter().map(|k| (k.id, k)).collect())
    }
}

impl Loader<SkillId> for AliasesBySkill {
    type Value = Vec<String>;
    type Error = LoadError;

    async fn load(&self, keys: &[SkillId]) -> Result<HashMap<SkillId, Vec<String>>, LoadError> {
        let s = &self.0;
        Ok(s.services.taxonomy.aliases(&s.actor, keys).await?)
    }
}

impl Loader<CategoryId> for SkillCountByCategory {
    type Value = u64;
    type Error = LoadError;

    async fn load(&self, keys: &[CategoryId]) -> Result<HashMap<CategoryId, u64>, LoadError> {
        let s = &self.0;
        Ok(s.services.taxonomy.skill_counts(&s.actor, keys).await?)
    }
}
