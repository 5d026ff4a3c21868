use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::model::{
    Category, CategoryId, CreateSkill, NewSkill, Skill, SkillFilter, SkillId, SkillSlug,
};
use super::policy;
use super::ports::TaxonomyRepository;
use crate::actor::Actor;
use crate::cache::{self, Cache};
use crate::error::{DomainError, DomainResult};
use crate::pagination::{Page, PageRequest};

/// How long taxonomy reads stay cached. Writes invalidate sooner.
const CACHE_TTL: Duration = Duration::from_secs(300);
const CATEGORIES_KEY: &str = "taxonomy:v1:categories";

fn skill_key(slug: &str) -> String {
    format!("taxonomy:v1:skill:{slug}")
}

/// Reading and curating the skill taxonomy.
#[derive(Clone)]
pub struct TaxonomyService {
    repo: Arc<dyn TaxonomyRepository>,
    cache: Arc<dyn Cache>,
}

impl TaxonomyService {
    pub fn new(repo: Arc<dyn TaxonomyRepository>, cache: Arc<dyn Cache>) -> Self {
        Self { repo, cache }
    }

    pub async fn categories(&self, actor: &Actor) -> DomainResult<Vec<Category>> {
        policy::read(actor)?;
        cache::read_through(self.cache.as_ref(), CATEGORIES_KEY, CACHE_TTL, || {
            self.repo.list_categories()
        })
        .await
    }

    pub async fn category_by_slug(
        &self,
        actor: &Actor,
        slug: &str,
    ) -> DomainResult<Option<Category>> {
        policy::read(actor)?;
        Ok(self
            .categories(actor)
            .await?
            .into_iter()
            .find(|c| c.slug == slug))
    }

    pub async fn categories_by_ids(
        &self,
        actor: &Actor,
        ids: &[CategoryId],
    ) -> DomainResult<Vec<Category>> {
        policy::read(actor)?;
        self.repo.categories_by_ids(ids).await
    }

    pub async fn skill_counts(
        &self,
        actor: &Actor,
        ids: &[CategoryId],
    ) -> DomainResult<HashMap<CategoryId, u64>> {
        policy::read(actor)?;
        self.repo.skill_counts(ids).await
    }

    /// A skill by slug; `None` for a slug that is malformed or unknown.
    pub async fn skill_by_slug(&self, actor: &Actor, slug: &str) -> DomainResult<Option<Skill>> {
        policy::read(actor)?;
        let Ok(slug) = SkillSlug::parse(slug) else {
            return Ok(None);
        };
        cache::read_through(
            self.cache.as_ref(),
            &skill_key(slug.as_str()),
            CACHE_TTL,
            || self.repo.skill_by_slug(&slug),
        )
        .await
    }

    pub async fn skills_by_ids(&self, actor: &Actor, ids: &[SkillId]) -> DomainResult<Vec<Skill>> {
        policy::read(actor)?;
        self.repo.skills_by_ids(ids).await
    }

    pub async fn aliases(
        &self,
        actor: &Actor,
        ids: &[SkillId],
    ) -> DomainResult<HashMap<SkillId, Vec<String>>> {
        policy::read(actor)?;
        self.repo.aliases(ids).await
    }

    pub async fn search_skills(
        &self,
        actor: &Actor,
        filter: &SkillFilter,
        page: &PageRequest<SkillSlug>,
    ) -> DomainResult<Page<Skill>> {
        policy::read(actor)?;
        self.repo.search_skills(filter, page).await
    }

    pub async fn count_skills(&self, actor: &Actor, filter: &SkillFilter) -> DomainResult<u64> {
        policy::read(actor)?;
        self.repo.count_skills(filter).await
    }

    /// Adds a skill to the taxonomy (admins only).
    pub async fn create_skill(&self, actor: &Actor, input: CreateSkill) -> DomainResult<Skill> {
        policy::manage(actor)?;
        let skill = NewSkill::try_from(input)?;
        if self
            .repo
            .categories_by_ids(&[skill.category_id])
            .await?
            .is_empty()
        {
            return Err(DomainError::validation(&["categoryId"], "no such category"));
        }
        let created = self.repo.create_skill(&skill).await?;
        cache::invalidate(
            self.cache.as_ref(),
            &[CATEGORIES_KEY.to_owned(), skill_key(created.slug.as_str())],
        )
        .await;
        tracing::info!(skill = %created.slug, "skill created");
        Ok(created)
    }
}
