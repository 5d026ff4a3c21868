//! The taxonomy repository behind the cache: reads that many requests repeat (the
//! category list, a skill by slug) are served from the cache; everything else, and every
//! read when the cache fails, goes to the database. Writes invalidate after they commit.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use domain::DomainResult;
use domain::pagination::{Page, PageRequest};
use domain::taxonomy::{
    Category, CategoryId, NewSkill, Skill, SkillFilter, SkillId, SkillSlug, TaxonomyRepository,
};

use crate::cache::{Cache, invalidate, read_through, read_through_present};

/// How long taxonomy reads stay cached; writes invalidate sooner.
const TTL: Duration = Duration::from_secs(300);
const CATEGORIES_KEY: &str = "taxonomy:v1:categories";

fn skill_key(slug: &str) -> String {
    format!("taxonomy:v1:skill:{slug}")
}

pub struct CachedTaxonomyRepository {
    inner: Arc<dyn TaxonomyRepository>,
    cache: Arc<dyn Cache>,
}

impl CachedTaxonomyRepository {
    pub fn new(inner: Arc<dyn TaxonomyRepository>, cache: Arc<dyn Cache>) -> Self {
        Self { inner, cache }
    }
}

#[async_trait]
impl TaxonomyRepository for CachedTaxonomyRepository {
    async fn list_categories(&self) -> DomainResult<Vec<Category>> {
        read_through(self.cache.as_ref(), CATEGORIES_KEY, TTL, || {
            self.inner.list_categories()
        })
        .await
    }

    async fn categories_by_ids(&self, ids: &[CategoryId]) -> DomainResult<Vec<Category>> {
        self.inner.categories_by_ids(ids).await
    }

    /// Categories are few: the cached list answers slug look-ups.
    async fn category_by_slug(&self, slug: &str) -> DomainResult<Option<Category>> {
        Ok(self
            .list_categories()
            .await?
            .into_iter()
            .find(|c| c.slug == slug))
    }

    async fn skill_counts(&self, ids: &[CategoryId]) -> DomainResult<HashMap<CategoryId, u64>> {
        self.inner.skill_counts(ids).await
    }

    async fn skill_by_slug(&self, slug: &SkillSlug) -> DomainResult<Option<Skill>> {
        read_through_present(self.cache.as_ref(), &skill_key(slug.as_str()), TTL, || {
            self.inner.skill_by_slug(slug)
        })
        .await
    }

    async fn skills_by_ids(&self, ids: &[SkillId]) -> DomainResult<Vec<Skill>> {
        self.inner.skills_by_ids(ids).await
    }

    async fn skills_by_terms(&self, terms: &[String]) -> DomainResult<HashMap<String, SkillId>> {
        self.inner.skills_by_terms(terms).await
    }

    async fn skills_by_slugs(&self, slugs: &[SkillSlug]) -> DomainResult<Vec<Skill>> {
        self.inner.skills_by_slugs(slugs).await
    }

    async fn aliases(&self, ids: &[SkillId]) -> DomainResult<HashMap<SkillId, Vec<String>>> {
        self.inner.aliases(ids).await
    }

    async fn search_skills(
        &self,
        filter: &SkillFilter,
        page: &PageRequest<SkillSlug>,
    ) -> DomainResult<Page<Skill>> {
        self.inner.search_skills(filter, page).await
    }

    async fn count_skills(&self, filter: &SkillFilter) -> DomainResult<u64> {
        self.inner.count_skills(filter).await
    }

    async fn create_skill(&self, skill: &NewSkill) -> DomainResult<Skill> {
        let created = self.inner.create_skill(skill).await?;
        invalidate(self.cache.as_ref(), &[skill_key(&created.slug)]).await;
        Ok(created)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::MemoryCache;
    use crate::testing::{TestDatabase, backends};
    use crate::{SeaTaxonomyRepository, StatementCounter};

    #[tokio::test]
    async fn repeated_reads_skip_the_database_and_writes_invalidate() {
        for backend in backends() {
            let (test_db, _) = TestDatabase::migrated(backend).await;
            let (db, counter): (crate::Db, StatementCounter) = test_db.counting_pool().await;
            let repo = CachedTaxonomyRepository::new(
                Arc::new(SeaTaxonomyRepository::new(&db)),
                Arc::new(MemoryCache::default()),
            );
            let slug = SkillSlug::parse("tidb").unwrap();
            assert!(repo.skill_by_slug(&slug).await.unwrap().is_none());
            let before = counter.get();
            assert!(repo.skill_by_slug(&slug).await.unwrap().is_none());
            assert_eq!(counter.get(), before + 1, "a miss is not cached");

            repo.list_categories().await.unwrap();
            let before = counter.get();
            let dbs = repo.category_by_slug("databases").await.unwrap().unwrap();
            repo.list_categories().await.unwrap();
            assert_eq!(counter.get(), before, "categories come from the cache");

            let go = SkillSlug::parse("go").unwrap();
            repo.skill_by_slug(&go).await.unwrap();
            let before = counter.get();
            assert_eq!(repo.skill_by_slug(&go).await.unwrap().unwrap().name, "Go");
            assert_eq!(counter.get(), before, "a found skill comes from the cache");

            let created = repo
                .create_skill(&NewSkill {
                    id: SkillId(uuid::Uuid::now_v7()),
                    slug: slug.clone(),
                    name: "TiDB".into(),
                    category_id: dbs.id,
                    description: None,
                    aliases: vec![],
                })
                .await
                .unwrap();
            assert_eq!(repo.skill_by_slug(&slug).await.unwrap(), Some(created));
        }
    }
}
