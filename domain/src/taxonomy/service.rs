use std::collections::HashMap;
use std::sync::Arc;

use super::model::{
    Category, CategoryId, CreateSkill, NewSkill, Skill, SkillFilter, SkillId, SkillSlug,
};
use super::policy;
use super::ports::TaxonomyRepository;
use crate::actor::Actor;
use crate::error::{DomainError, DomainResult};
use crate::pagination::{Page, PageRequest};

/// Reading and curating the skill taxonomy.
#[derive(Clone)]
pub struct TaxonomyService {
    repo: Arc<dyn TaxonomyRepository>,
}

/// What a skill list asks for, as the edge received it.
#[derive(Debug, Clone, Default)]
pub struct SkillQuery {
    pub search: Option<String>,
    /// A category slug.
    pub category: Option<String>,
    pub first: Option<i64>,
    /// The slug after which the page starts (decoded from the client's cursor).
    pub after: Option<SkillSlug>,
}

impl TaxonomyService {
    pub fn new(repo: Arc<dyn TaxonomyRepository>) -> Self {
        Self { repo }
    }

    pub async fn categories(&self, actor: &Actor) -> DomainResult<Vec<Category>> {
        policy::read(actor)?;
        self.repo.list_categories().await
    }

    pub async fn category_by_slug(
        &self,
        actor: &Actor,
        slug: &str,
    ) -> DomainResult<Option<Category>> {
        policy::read(actor)?;
        self.repo.category_by_slug(slug).await
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
        match SkillSlug::parse(slug) {
            Ok(slug) => self.repo.skill_by_slug(&slug).await,
            Err(_) => Ok(None),
        }
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

    /// One page of skills in slug order, and the filter it used (for counting).
    /// An unknown category matches no skill.
    pub async fn search_skills(
        &self,
        actor: &Actor,
        query: SkillQuery,
    ) -> DomainResult<(Page<Skill>, Option<SkillFilter>)> {
        policy::read(actor)?;
        let page = PageRequest::new(query.first, query.after)?;
        let search = match query.search.as_deref() {
            Some(raw) => super::model::SearchTerm::parse(raw)?,
            None => None,
        };
        let category = match query.category {
            Some(slug) => match self.repo.category_by_slug(&slug).await? {
                Some(c) => Some(c.id),
                None => {
                    let empty = Page {
                        items: Vec::new(),
                        has_next_page: false,
                    };
                    return Ok((empty, None));
                }
            },
            None => None,
        };
        let filter = SkillFilter { search, category };
        let found = self.repo.search_skills(&filter, &page).await?;
        Ok((found, Some(filter)))
    }

    /// How many skills match `filter` (`None`: a filter that matches nothing).
    pub async fn count_skills(
        &self,
        actor: &Actor,
        filter: Option<&SkillFilter>,
    ) -> DomainResult<u64> {
        policy::read(actor)?;
        match filter {
            Some(filter) => self.repo.count_skills(filter).await,
            None => Ok(0),
        }
    }

    /// Adds a skill to the taxonomy (admins only). Authorization comes before any look
    /// at the input.
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
        self.repo.create_skill(&skill).await
    }
}
