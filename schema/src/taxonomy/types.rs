use async_graphql::{Context, ID, Object, Result};
use domain::taxonomy;

use crate::errors::gql_error;
use crate::ids::{NodeKind, encode};
use crate::taxonomy::loaders::{LoadError, TaxonomyLoaders};

pub(crate) fn loaders<'a>(ctx: &'a Context<'_>) -> Result<&'a TaxonomyLoaders> {
    crate::context::data(ctx)
}

/// Loader failures are shared by every waiter; each maps the same domain error.
pub(crate) fn load_error(ctx: &Context<'_>, err: LoadError) -> async_graphql::Error {
    gql_error(ctx, &err)
}

#[derive(Clone)]
pub struct Category(pub taxonomy::Category);

/// A group of related skills, such as "Databases" or "DevOps & Cloud".
#[Object]
impl Category {
    /// Global ID of the category.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Category, self.0.id.0)
    }

    /// URL-safe identifier, e.g. `databases`; use it as the `category` filter of `skills`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the category covers.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Display order among categories, ascending.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// How many skills belong to the category.
    async fn skill_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let count = loaders(ctx)?
            .skill_count
            .load_one(self.0.id)
            .await
            .map_err(|e| load_error(ctx, e))?;
        Ok(count.map_or(0, |n| i64::try_from(n).unwrap_or(i64::MAX)))
    }
}

#[derive(Clone)]
pub struct Skill(pub taxonomy::Skill);

/// A skill that postings require and freelancers claim, such as "PostgreSQL" or "Rust".
#[Object]
impl Skill {
    /// Global ID of the skill.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Skill, self.0.id.0)
    }

    /// URL-safe identifier, e.g. `postgresql`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// Display name, e.g. `PostgreSQL`.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Optional longer explanation.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Other names the skill is known by (`golang` for Go); search matches them too.
    async fn aliases(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let aliases = loaders(ctx)?
            .aliases
            .load_one(self.0.id)
            .await
            .map_err(|e| load_error(ctx, e))?;
        Ok(aliases.unwrap_or_default())
    }

    /// The category the skill belongs to.
    async fn category(&self, ctx: &Context<'_>) -> Result<Category> {
        loaders(ctx)?
            .category
            .load_one(self.0.category_id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(Category)
            .ok_or_else(|| {
                gql_error(
                    ctx,
                    &domain::DomainError::internal("skill without its category"),
                )
            })
    }
}

crate::connection::connection!(SkillConnection, SkillEdge, Skill);
