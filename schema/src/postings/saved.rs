//! Saved searches: a posting filter kept under a name, whose new matches become
//! notifications (see `viewer.notifications`).

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::notifications::SavedSearchId;
use domain::postings::{self as p};
use domain::{Actor, DomainError};

use super::search::{PostingConnection, PostingFilter, connection_of};
use super::types::{BudgetKind, ExperienceLevel, HireType, Workplace};
use crate::connection::decode_cursor;
use crate::context::{actor, services};
use crate::errors::{GqlResultExt, UserError, into_payload};
use crate::ids::{NodeKind, decode_kind, encode};

#[derive(Clone)]
pub struct SavedSearch(pub p::SavedSearch);

/// Skills a saved filter asks for.
#[derive(SimpleObject)]
pub struct SavedSkillFilter {
    /// Every one of these skills (slugs, as saved).
    pub all_of: Vec<String>,
    /// At least one of these skills (slugs, as saved).
    pub any_of: Vec<String>,
}

/// A saved budget range.
#[derive(SimpleObject)]
pub struct SavedBudgetRange {
    /// Only budgets paid this way; any when null.
    pub kind: Option<BudgetKind>,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The least wanted, in minor units.
    pub min_minor: Option<i64>,
    /// The most, in minor units.
    pub max_minor: Option<i64>,
}

/// A saved posting filter, as it was given (the `PostingFilter` input, read back).
#[derive(SimpleObject)]
pub struct SavedPostingFilter {
    /// Free text over title, skills and description.
    pub text: Option<String>,
    /// Skills the posting asks for.
    pub skills: SavedSkillFilter,
    /// The category of work.
    pub category_id: Option<ID>,
    /// Kinds of hire; any when empty.
    pub hire_types: Vec<HireType>,
    /// What the posting pays.
    pub budget: Option<SavedBudgetRange>,
    /// Experience levels asked for; any when empty.
    pub experience_levels: Vec<ExperienceLevel>,
    /// Remote, on site and/or hybrid; any when empty.
    pub workplaces: Vec<Workplace>,
    /// Postings open to candidates in any of these countries; anywhere when empty.
    pub countries: Vec<String>,
    /// The searcher's IANA time zone.
    pub time_zone: Option<String>,
    /// Published within this many days.
    pub posted_within_days: Option<i64>,
    /// The client's average rating at least this.
    pub client_min_rating: Option<f64>,
    /// Fewer proposals than this so far.
    pub proposals_fewer_than: Option<i64>,
}

impl From<&p::PostingSearch> for SavedPostingFilter {
    fn from(s: &p::PostingSearch) -> Self {
        Self {
            text: s.text.clone(),
            skills: SavedSkillFilter {
                all_of: s.skills_all.clone(),
                any_of: s.skills_any.clone(),
            },
            category_id: s.category_id.map(|c| encode(NodeKind::Category, c.0)),
            hire_types: s.hire_types.iter().map(|h| (*h).into()).collect(),
            budget: s.budget.as_ref().map(|b| SavedBudgetRange {
                kind: b.kind.map(Into::into),
                currency: b.currency.clone(),
                min_minor: b.min_minor,
                max_minor: b.max_minor,
            }),
            experience_levels: s.experience_levels.iter().map(|e| (*e).into()).collect(),
            workplaces: s.workplaces.iter().map(|w| (*w).into()).collect(),
            countries: s.countries.clone(),
            time_zone: s.time_zone.clone(),
            posted_within_days: s.posted_within_days,
            client_min_rating: s.client_min_rating,
            proposals_fewer_than: s.proposals_fewer_than,
        }
    }
}

/// A posting filter you saved under a name. Each posting published after you saved it
/// (or last changed its filter) that matches it becomes one `SAVED_SEARCH_MATCH`
/// notification for you; your own postings never do. Only you see your saved searches.
#[Object]
impl SavedSearch {
    /// Global ID of the saved search.
    pub async fn id(&self) -> ID {
        encode(NodeKind::SavedSearch, self.0.id.0)
    }

    /// Its name: one line, unique among yours (without regard to case).
    async fn name(&self) -> &str {
        self.0.name.as_str()
    }

    /// The filter, as you gave it.
    async fn filter(&self) -> SavedPostingFilter {
        SavedPostingFilter::from(&self.0.search)
    }

    /// When it was saved.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When its name or filter last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// What it finds now: public, open postings matching the filter, newest first, your
    /// own left out. A filter that no longer validates (a skill or category was removed
    /// since) is the error `VALIDATION`.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn matches(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Return the postings after this cursor (an `endCursor` of this list).")]
        after: Option<String>,
    ) -> Result<PostingConnection> {
        let svc = services(ctx)?;
        let actor = actor(ctx);
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let found = svc
            .saved_searches
            .matches(actor, &self.0, first.map(i64::from), after.as_deref())
            .await
            .map_err(|e| crate::profiles::search::search_error(ctx, e))?;
        let total = if ctx.look_ahead().field("totalCount").exists() {
            let n = svc
                .posting_search
                .count(actor, &found.filter)
                .await
                .gql(ctx)?;
            i64::try_from(n).unwrap_or(i64::MAX)
        } else {
            0
        };
        connection_of(ctx, found, total).await
    }
}

/// Input of `createSavedSearch`.
#[derive(InputObject)]
pub struct CreateSavedSearchInput {
    /// One line, 1 to 80 characters, unlike the names of your other saved searches.
    pub name: String,
    /// What to look for, as in `postings(filter:)`; `{}` matches every new posting.
    pub filter: PostingFilter,
}

/// Input of `renameSavedSearch`.
#[derive(InputObject)]
pub struct RenameSavedSearchInput {
    /// One of your saved searches.
    pub saved_search_id: ID,
    /// The new name: one line, 1 to 80 characters, unlike your other saved searches'.
    pub name: String,
}

/// Input of `updateSavedSearchFilter`.
#[derive(InputObject)]
pub struct UpdateSavedSearchFilterInput {
    /// One of your saved searches.
    pub saved_search_id: ID,
    /// The new filter, replacing the old one whole.
    pub filter: PostingFilter,
}

/// Input of `deleteSavedSearch`.
#[derive(InputObject)]
pub struct DeleteSavedSearchInput {
    /// One of your saved searches.
    pub saved_search_id: ID,
}

/// The outcome of a change to a saved search.
#[derive(SimpleObject)]
pub struct SavedSearchPayload {
    /// The saved search after the change; null when `userErrors` is not empty.
    pub saved_search: Option<SavedSearch>,
    /// Why the change was refused (nothing was changed); empty on success. Paths start
    /// at `input`, e.g. `["input", "filter", "skills", "anyOf", "0"]`.
    pub user_errors: Vec<UserError>,
}

/// The outcome of `deleteSavedSearch`.
#[derive(SimpleObject)]
pub struct DeleteSavedSearchPayload {
    /// The ID of the deleted saved search; null when `userErrors` is not empty.
    pub deleted_saved_search_id: Option<ID>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The saved search an input names. Who asks comes first, so the anonymous learn only
/// that they must sign in; an ID that does not decode is no saved search.
fn saved_search_id(actor: &Actor, id: &ID) -> Result<SavedSearchId, DomainError> {
    if matches!(actor, Actor::Anonymous) {
        return Err(DomainError::Unauthenticated);
    }
    decode_kind(id, NodeKind::SavedSearch)
        .map(SavedSearchId)
        .map_err(|_| DomainError::not_found_at("savedSearchId", "no such saved search"))
}

fn payload(
    ctx: &Context<'_>,
    result: Result<p::SavedSearch, DomainError>,
) -> Result<SavedSearchPayload> {
    let (saved, user_errors) = into_payload(ctx, result)?;
    Ok(SavedSearchPayload {
        saved_search: saved.map(SavedSearch),
        user_errors,
    })
}

#[derive(Default)]
pub struct SavedSearchMutation;

#[Object]
impl SavedSearchMutation {
    /// Saves a posting filter under a name (at most 20 per user). From now on, each
    /// newly published posting that matches it becomes a notification for you. An
    /// invalid filter is reported under `["input", "filter", ...]` as in `postings`; a
    /// name you already use is `CONFLICT`; a 21st search is `INVALID_STATE`.
    async fn create_saved_search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The name and the filter.")] input: CreateSavedSearchInput,
    ) -> Result<SavedSearchPayload> {
        let result = services(ctx)?
            .saved_searches
            .create(actor(ctx), &input.name, input.filter.into_search())
            .await;
        payload(ctx, result)
    }

    /// Renames one of your saved searches.
    async fn rename_saved_search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The saved search and its new name.")] input: RenameSavedSearchInput,
    ) -> Result<SavedSearchPayload> {
        let actor = actor(ctx);
        let result = match saved_search_id(actor, &input.saved_search_id) {
            Ok(id) => {
                services(ctx)?
                    .saved_searches
                    .rename(actor, id, &input.name)
                    .await
            }
            Err(e) => Err(e),
        };
        payload(ctx, result)
    }

    /// Replaces the filter of one of your saved searches. Its alerts start again from
    /// now: postings published before the change do not alert for the new filter.
    async fn update_saved_search_filter(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The saved search and its new filter.")]
        input: UpdateSavedSearchFilterInput,
    ) -> Result<SavedSearchPayload> {
        let actor = actor(ctx);
        let result = match saved_search_id(actor, &input.saved_search_id) {
            Ok(id) => {
                services(ctx)?
                    .saved_searches
                    .update_filter(actor, id, input.filter.into_search())
                    .await
            }
            Err(e) => Err(e),
        };
        payload(ctx, result)
    }

    /// Deletes one of your saved searches. The notifications it wrote stay (their
    /// `savedSearch` becomes null).
    async fn delete_saved_search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The saved search.")] input: DeleteSavedSearchInput,
    ) -> Result<DeleteSavedSearchPayload> {
        let actor = actor(ctx);
        let result = match saved_search_id(actor, &input.saved_search_id) {
            Ok(id) => services(ctx)?
                .saved_searches
                .delete(actor, id)
                .await
                .map(|()| input.saved_search_id.clone()),
            Err(e) => Err(e),
        };
        let (deleted_saved_search_id, user_errors) = into_payload(ctx, result)?;
        Ok(DeleteSavedSearchPayload {
            deleted_saved_search_id,
            user_errors,
        })
    }
}

/// `viewer.savedSearches`: the signed-in user's saved searches, oldest first.
pub(crate) async fn my_saved_searches(ctx: &Context<'_>) -> Result<Vec<SavedSearch>> {
    Ok(services(ctx)?
        .saved_searches
        .list_mine(actor(ctx))
        .await
        .gql(ctx)?
        .into_iter()
        .map(SavedSearch)
        .collect())
}
