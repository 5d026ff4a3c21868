use std::collections::HashMap;

use async_trait::async_trait;

use super::model::{Category, CategoryId, NewSkill, Skill, SkillFilter, SkillId, SkillSlug};
use crate::error::DomainResult;
use crate::pagination::{Page, PageRequest};

/// Storage of the taxonomy. Batch methods take many keys so that loaders can answer a
/// whole GraphQL selection with one statement.
#[async_trait]
pub trait TaxonomyRepository: Send + Sync {
    /// All categories by position, then name.
    async fn list_categories(&self) -> DomainResult<Vec<Category>>;
    async fn categories_by_ids(&self, ids: &[CategoryId]) -> DomainResult<Vec<Category>>;
    async fn category_by_slug(&self, slug: &str) -> DomainResult<Option<Category>>;
    /// Skill counts per category; categories without skills may be absent.
    async fn skill_counts(&self, ids: &[CategoryId]) -> DomainResult<HashMap<CategoryId, u64>>;

    async fn skill_by_slug(&self, slug: &SkillSlug) -> DomainResult<Option<Skill>>;
    async fn skills_by_ids(&self, ids: &[SkillId]) -> DomainResult<Vec<Skill>>;
    /// The skills these terms name, by slug or alias (lower case); unknown terms are absent.
    async fn skills_by_terms(&self, terms: &[String]) -> DomainResult<HashMap<String, SkillId>>;
    /// The skills with these slugs (unknown slugs are simply absent).
    async fn skills_by_slugs(&self, slugs: &[SkillSlug]) -> DomainResult<Vec<Skill>>;
    /// Aliases per skill, each list sorted.
    async fn aliases(&self, ids: &[SkillId]) -> DomainResult<HashMap<SkillId, Vec<String>>>;
    /// Skills matching `filter` in slug order, after the slug in `page`.
    async fn search_skills(
        &self,
        filter: &SkillFilter,
        page: &PageRequest<SkillSlug>,
    ) -> DomainResult<Page<Skill>>;
    async fn count_skills(&self, filter: &SkillFilter) -> DomainResult<u64>;

    /// Stores a skill and its aliases atomically. A slug, name or alias already in use is a
    /// `Conflict` naming the field.
    async fn create_skill(&self, skill: &NewSkill) -> DomainResult<Skill>;
}
