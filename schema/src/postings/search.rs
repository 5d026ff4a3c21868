//! Posting search: `postings(filter, sort, first, after)`, built like `freelancers`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use domain::postings::{self as p, PostingSearch, PostingSort as DomainSort};
use domain::taxonomy::CategoryId;

use super::loaders::posting_loaders;
use super::types::{BudgetKind, ExperienceLevel, HireType, Posting, Workplace};
use crate::connection::decode_cursor;
use crate::context::{actor, services};
use crate::errors::GqlResultExt;
use crate::ids::{NodeKind, decode_kind};
use crate::taxonomy::types::load_error;

connection!(PostingConnection, PostingEdge, Posting);

/// Skills a posting must ask for.
#[derive(InputObject, Default)]
pub struct PostingSkillFilter {
    /// Every one of these skills (slugs, at most 15).
    pub all_of: Option<Vec<String>>,
    /// At least one of these skills (slugs, at most 15).
    pub any_of: Option<Vec<String>>,
}

/// A budget range: postings whose budget overlaps it match. Amounts are never
/// converted between currencies.
#[derive(InputObject)]
pub struct BudgetRangeFilter {
    /// Only budgets paid this way; any when absent.
    pub kind: Option<BudgetKind>,
    /// ISO 4217, e.g. `USD`; budgets in other currencies do not match.
    pub currency: String,
    /// The least you want, in minor units: postings paying at least this at the top of
    /// their range (or as their fixed amount).
    pub min_minor: Option<i64>,
    /// The most, in minor units: postings whose range starts at or below it.
    pub max_minor: Option<i64>,
}

/// What postings to find, among public postings that are open and whose deadline (if
/// any) is ahead. Every condition given must hold; a list matches any of its items.
#[derive(InputObject, Default)]
pub struct PostingFilter {
    /// Free text over title, skills and description (at most 200 characters, 12
    /// words); every word must match, the last one also as a prefix.
    pub text: Option<String>,
    /// Skills the posting asks for.
    pub skills: Option<PostingSkillFilter>,
    /// The category of work.
    pub category_id: Option<ID>,
    /// Kinds of hire.
    pub hire_types: Option<Vec<HireType>>,
    /// What the posting pays.
    pub budget: Option<BudgetRangeFilter>,
    /// Experience levels asked for.
    pub experience_levels: Option<Vec<ExperienceLevel>>,
    /// Remote, on site and/or hybrid.
    pub workplaces: Option<Vec<Workplace>>,
    /// Postings open to candidates in any of these countries (ISO 3166-1 alpha-2, at most
    /// 30); postings that name no country are open to all.
    pub countries: Option<Vec<String>>,
    /// Your IANA time zone, e.g. `America/Sao_Paulo`: postings that name no time zone,
    /// or whose time zones span its standard UTC offset.
    pub time_zone: Option<String>,
    /// Published within this many days (1 to 365).
    pub posted_within_days: Option<i32>,
    /// The client's average rating at least this (1 to 5); unrated clients do not match.
    pub client_min_rating: Option<f64>,
    /// Fewer proposals than this so far, e.g. 5 (1 to 1000).
    pub proposals_fewer_than: Option<i32>,
}

/// The order of posting results; ties are broken by posting ID so pages are stable.
#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum PostingSort {
    /// Best text match first (title and skills weigh more than the description) among
    /// the 1,000 most recently published matches; older matches follow, most recent
    /// first. Without `filter.text`, as NEWEST.
    #[default]
    Relevance,
    /// Most recently published first.
    Newest,
    /// Highest budget first (the fixed amount, or the top of the range), grouped by
    /// currency (amounts in different currencies are never compared): filter by a
    /// currency for one list.
    Budget,
}

impl From<PostingSort> for DomainSort {
    fn from(s: PostingSort) -> Self {
        match s {
            PostingSort::Relevance => DomainSort::Relevance,
            PostingSort::Newest => DomainSort::Newest,
            PostingSort::Budget => DomainSort::Budget,
        }
    }
}

impl PostingFilter {
    /// The domain's search; a category ID that does not decode is a category that does
    /// not exist (the domain reports it on `filter.categoryId`).
    pub(crate) fn into_search(self) -> PostingSearch {
        let skills = self.skills.unwrap_or_default();
        PostingSearch {
            text: self.text,
            skills_all: skills.all_of.unwrap_or_default(),
            skills_any: skills.any_of.unwrap_or_default(),
            category_id: self.category_id.map(|id| {
                CategoryId(decode_kind(&id, NodeKind::Category).unwrap_or(uuid::Uuid::max()))
            }),
            hire_types: self
                .hire_types
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            budget: self.budget.map(|b| p::BudgetRangeInput {
                kind: b.kind.map(Into::into),
                currency: b.currency,
                min_minor: b.min_minor,
                max_minor: b.max_minor,
            }),
            experience_levels: self
                .experience_levels
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            workplaces: self
                .workplaces
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            countries: self.countries.unwrap_or_default(),
            time_zone: self.time_zone,
            posted_within_days: self.posted_within_days.map(i64::from),
            client_min_rating: self.client_min_rating,
            proposals_fewer_than: self.proposals_fewer_than.map(i64::from),
        }
    }
}

/// A page of search hits as a connection: the postings in one batch, through the
/// request's posting loader (which applies visibility once more).
pub(crate) async fn connection_of(
    ctx: &Context<'_>,
    found: p::PostingPage,
    total: i64,
) -> Result<PostingConnection> {
    let ids: Vec<_> = found.page.items.iter().map(|h| h.id).collect();
    let mut postings = posting_loaders(ctx)?
        .posting
        .load_many(ids)
        .await
        .map_err(|e| load_error(ctx, e))?;
    let items = found
        .page
        .items
        .iter()
        .filter_map(|h| {
            postings
                .remove(&h.id)
                .map(|p| (found.cursor(h), Posting(p)))
        })
        .collect();
    Ok(PostingConnection::new(
        items,
        found.page.has_next_page,
        found.had_after,
        total,
    ))
}

#[derive(Default)]
pub struct PostingSearchQuery;

#[Object]
impl PostingSearchQuery {
    /// Search public, open postings. Anyone may search, signed in or not; drafts,
    /// paused, closed and invite-only postings never appear. An invalid filter is the
    /// error `VALIDATION` with `extensions.fields` naming each bad path, as in
    /// `freelancers`.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn postings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to find; every public open posting when absent.")] filter: Option<
            PostingFilter,
        >,
        #[graphql(desc = "The order of results; RELEVANCE when absent or null.")] sort: Option<
            PostingSort,
        >,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(
            desc = "Return the postings after this cursor: an `endCursor` of the same filter and sort (another search's cursor is `INVALID_CURSOR`)."
        )]
        after: Option<String>,
    ) -> Result<PostingConnection> {
        let svc = &services(ctx)?.posting_search;
        let actor = actor(ctx);
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let search = filter.unwrap_or_default().into_search();
        let found = svc
            .search(
                actor,
                search,
                sort.unwrap_or_default().into(),
                first.map(i64::from),
                after.as_deref(),
            )
            .await
            .map_err(|e| crate::profiles::search::search_error(ctx, e))?;
        let total = if ctx.look_ahead().field("totalCount").exists() {
            let n = svc.count(actor, &found.filter).await.gql(ctx)?;
            i64::try_from(n).unwrap_or(i64::MAX)
        } else {
            0
        };
        connection_of(ctx, found, total).await
    }
}
