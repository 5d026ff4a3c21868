use async_graphql::{Context, Object, Result};
use domain::taxonomy::{SkillQuery, SkillSlug};

use super::types::{Category, Skill, SkillConnection};
use crate::connection::decode_cursor;
use crate::context::{actor, services};
use crate::errors::{ApiCode, GqlResultExt};

#[derive(Default)]
pub struct TaxonomyQuery;

#[Object]
impl TaxonomyQuery {
    /// Every skill category, in display order.
    async fn categories(&self, ctx: &Context<'_>) -> Result<Vec<Category>> {
        let categories = services(ctx)?
            .taxonomy
            .categories(actor(ctx))
            .await
            .gql(ctx)?;
        Ok(categories.into_iter().map(Category).collect())
    }

    /// One category by slug; null when there is none.
    async fn category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The category's slug, e.g. `databases`.")] slug: String,
    ) -> Result<Option<Category>> {
        let found = services(ctx)?
            .taxonomy
            .category_by_slug(actor(ctx), &slug)
            .await
            .gql(ctx)?;
        Ok(found.map(Category))
    }

    /// One skill by slug; null when there is none.
    async fn skill(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The skill's slug, e.g. `postgresql`.")] slug: String,
    ) -> Result<Option<Skill>> {
        let found = services(ctx)?
            .taxonomy
            .skill_by_slug(actor(ctx), &slug)
            .await
            .gql(ctx)?;
        Ok(found.map(Skill))
    }

    /// Skills in slug order, optionally searched and filtered by category.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn skills(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Case-insensitive text matched anywhere in the name, slug or an alias (at most 100 characters)."
        )]
        search: Option<String>,
        #[graphql(desc = "Only skills of the category with this slug.")] category: Option<String>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Return the skills after this cursor (an `endCursor` or edge `cursor`).")]
        after: Option<String>,
    ) -> Result<SkillConnection> {
        let after = after.as_deref().map(skill_cursor).transpose()?;
        let had_after = after.is_some();
        let svc = &services(ctx)?.taxonomy;
        let query = SkillQuery {
            search,
            category,
            first: first.map(i64::from),
            after,
        };
        let (page, filter) = svc.search_skills(actor(ctx), query).await.gql(ctx)?;
        // Counting is a second statement: run it only when the client asks for it.
        let total = if ctx.look_ahead().field("totalCount").exists() {
            let n = svc
                .count_skills(actor(ctx), filter.as_ref())
                .await
                .gql(ctx)?;
            i64::try_from(n).unwrap_or(i64::MAX)
        } else {
            0
        };
        let items = page
            .items
            .into_iter()
            .map(|s| (s.slug.clone(), Skill(s)))
            .collect();
        Ok(SkillConnection::new(
            items,
            page.has_next_page,
            had_after,
            total,
        ))
    }
}

fn skill_cursor(cursor: &str) -> Result<SkillSlug> {
    let key = decode_cursor(cursor)?;
    SkillSlug::parse(&key)
        .map_err(|_| ApiCode::InvalidCursor.error("`after` is not a skill cursor"))
}
