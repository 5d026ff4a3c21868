//! Agency search: `agencies(filter, sort, first, after)`, the same way as `freelancers`.

use async_graphql::{Context, Enum, InputObject, Object, Result};
use domain::agencies::{AgencySearch, AgencySort as DomainSort};

use super::loaders::agency_loaders;
use super::types::Agency;
use crate::connection::{connection, decode_cursor};
use crate::context::{actor, services};
use crate::errors::GqlResultExt;
use crate::taxonomy::types::load_error;

connection!(AgencyConnection, AgencyEdge, Agency);

/// Skills an agency must offer (agency skill levels are optional, so there is no level).
#[derive(InputObject, Default)]
pub struct AgencySkillFilter {
    /// Every one of these skills (slugs, at most 15).
    pub all_of: Option<Vec<String>>,
    /// At least one of these skills (slugs, at most 15).
    pub any_of: Option<Vec<String>>,
}

/// What agencies to find. Every condition given must hold.
#[derive(InputObject, Default)]
pub struct AgencyFilter {
    /// Free text over name, headline, skills and overview (at most 200 characters, 12
    /// words); every word must match, the last one also as a prefix.
    pub text: Option<String>,
    /// Skills the agency offers.
    pub skills: Option<AgencySkillFilter>,
    /// Countries (ISO 3166-1 alpha-2), any of them (at most 30).
    pub countries: Option<Vec<String>>,
}

/// The order of agency results; ties are broken by agency ID so pages are stable.
#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum AgencySort {
    /// Best text match first (name, headline and skills weigh more than the overview);
    /// without `filter.text`, as NEWEST.
    #[default]
    Relevance,
    /// Newest agencies first.
    Newest,
}

#[derive(Default)]
pub struct AgencySearchQuery;

#[Object]
impl AgencySearchQuery {
    /// Search visible agencies. Anyone may search; hidden agencies never appear. An
    /// invalid filter is the error `VALIDATION` with `extensions.fields` naming each bad
    /// path, as in `freelancers`.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn agencies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to find; all visible agencies when absent.")] filter: Option<
            AgencyFilter,
        >,
        #[graphql(desc = "The order of results; RELEVANCE when absent or null.")] sort: Option<
            AgencySort,
        >,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(
            desc = "Return the agencies after this cursor: an `endCursor` of the same filter and sort (another search's cursor is `INVALID_CURSOR`)."
        )]
        after: Option<String>,
    ) -> Result<AgencyConnection> {
        let svc = &services(ctx)?.agency_search;
        let actor = actor(ctx);
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let filter = filter.unwrap_or_default();
        let skills = filter.skills.unwrap_or_default();
        let search = AgencySearch {
            text: filter.text,
            skills_all: skills.all_of.unwrap_or_default(),
            skills_any: skills.any_of.unwrap_or_default(),
            countries: filter.countries.unwrap_or_default(),
        };
        let sort = match sort.unwrap_or_default() {
            AgencySort::Relevance => DomainSort::Relevance,
            AgencySort::Newest => DomainSort::Newest,
        };
        let found = svc
            .search(actor, search, sort, first.map(i64::from), after.as_deref())
            .await
            .map_err(|e| crate::profiles::search::search_error(ctx, e))?;
        let total = if ctx.look_ahead().field("totalCount").exists() {
            let n = svc.count(actor, &found.filter).await.gql(ctx)?;
            i64::try_from(n).unwrap_or(i64::MAX)
        } else {
            0
        };
        // The page in one batch, through the request's agency loader (which applies
        // visibility once more).
        let ids: Vec<_> = found.page.items.iter().map(|h| h.id).collect();
        let mut agencies = agency_loaders(ctx)?
            .agency
            .load_many(ids)
            .await
            .map_err(|e| load_error(ctx, e))?;
        let items = found
            .page
            .items
            .iter()
            .filter_map(|h| agencies.remove(&h.id).map(|a| (found.cursor(h), Agency(a))))
            .collect();
        Ok(AgencyConnection::new(
            items,
            found.page.has_next_page,
            found.had_after,
            total,
        ))
    }
}
