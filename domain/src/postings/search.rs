//! Posting search: the public, open postings freelancers and job seekers look through,
//! by free text, skills, category, hire type, budget, experience, where the work happens,
//! how recent, how well rated the client is and how many proposals there are already.
//! Built like talent search: the same text rules, keyset pages, and cursors bound to the
//! search that issued them.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::input::BudgetKind;
use super::model::{ExperienceLevel, HireType, PostingId, Workplace};
use crate::actor::{Actor, UserId};
use crate::error::{DomainError, DomainResult, FieldError};
use crate::money::Currency;
use crate::pagination::{Page, PageRequest};
use crate::profiles::{
    ResultOrder, SearchWords, TalentCursor, TalentSearch, TalentSearchError, fingerprint_of,
};
use crate::taxonomy::{CategoryId, SkillId, TaxonomyRepository};

/// The order of posting results; ties are broken by posting ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PostingSort {
    /// Best text match first; without text, as `Newest`.
    #[default]
    Relevance,
    /// Most recently published first.
    Newest,
    /// Highest budget first (the fixed amount, or the top of the range), grouped by
    /// currency: amounts in different currencies are never compared.
    Budget,
}

impl PostingSort {
    /// The order a search actually runs in.
    pub fn order(self, has_text: bool) -> ResultOrder {
        match self {
            PostingSort::Relevance if has_text => ResultOrder::Rank,
            PostingSort::Relevance | PostingSort::Newest => ResultOrder::Newest,
            PostingSort::Budget => ResultOrder::Rate,
        }
    }
}

/// A budget range as received: postings whose budget overlaps it match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetRangeInput {
    /// Only budgets of this kind; any kind when `None`.
    pub kind: Option<BudgetKind>,
    /// ISO 4217; budgets in other currencies never match (they are not converted).
    pub currency: String,
    pub min_minor: Option<i64>,
    pub max_minor: Option<i64>,
}

/// A posting search as the edge received it. Errors carry paths under `filter`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostingSearch {
    pub text: Option<String>,
    pub skills_all: Vec<String>,
    pub skills_any: Vec<String>,
    pub category_id: Option<CategoryId>,
    pub hire_types: Vec<HireType>,
    pub budget: Option<BudgetRangeInput>,
    pub experience_levels: Vec<ExperienceLevel>,
    pub workplaces: Vec<Workplace>,
    /// Postings open to candidates in any of these countries (postings that name no
    /// country are open to all).
    pub countries: Vec<String>,
    /// The searcher's IANA time zone: postings that name no time zone, or whose time
    /// zones span its standard offset.
    pub time_zone: Option<String>,
    pub posted_within_days: Option<i64>,
    /// The client's average rating at least this (1 to 5); unrated clients do not match.
    pub client_min_rating: Option<f64>,
    /// Fewer proposals than this so far (e.g. 5).
    pub proposals_fewer_than: Option<i64>,
}

/// A validated budget range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetRange {
    pub kind: Option<BudgetKind>,
    pub currency: Currency,
    pub min_minor: Option<i64>,
    pub max_minor: Option<i64>,
}

/// A validated posting filter over public, open postings whose deadline (if any) is
/// ahead. Everything given must hold; lists match any of their items.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PostingFilter {
    pub text: Option<SearchWords>,
    pub skills_all: Vec<SkillId>,
    pub skills_any: Vec<SkillId>,
    pub category: Option<CategoryId>,
    pub hire_types: Vec<HireType>,
    pub budget: Option<BudgetRange>,
    pub experience_levels: Vec<ExperienceLevel>,
    pub workplaces: Vec<Workplace>,
    pub countries: Vec<String>,
    /// The searcher's standard UTC offset, in minutes.
    pub utc_offset: Option<i16>,
    pub posted_within_days: Option<u16>,
    pub client_min_rating: Option<f64>,
    pub proposals_fewer_than: Option<u32>,
    /// Only postings published after this instant (saved-search alerts); never set by
    /// clients.
    pub published_after: Option<DateTime<Utc>>,
    /// Only postings published at or before this instant (saved-search alerts catching
    /// up on a backlog); never set by clients.
    pub published_before: Option<DateTime<Utc>>,
    /// Leave out this client's own postings (a user's alerts skip their own postings).
    pub not_by: Option<UserId>,
}

/// Relevance (`ResultOrder::Rank`) ranks this many of the newest matches of a text
/// search; older matches follow them, newest first. Ranking every match of a broad word
/// would read every one of them (a third of a million postings for "api" in the
/// benchmark).
pub const RANKED_MATCHES: u64 = 1_000;

/// One result: the posting and its position in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct PostingHit {
    pub id: PostingId,
    pub cursor: TalentCursor,
}

/// Runs posting searches over public open postings, with full-text indexes. `now` is
/// when the search runs (for "posted within" and deadlines).
///
/// `ResultOrder::Rank` (given only with text) ranks the newest [`RANKED_MATCHES`]
/// matches, a set the first page fixes and its `RankWithin` cursors keep; the older
/// matches follow newest first, and a cursor there is a `Newest` one.
#[async_trait]
pub trait PostingIndex: Send + Sync {
    async fn search(
        &self,
        filter: &PostingFilter,
        order: ResultOrder,
        page: &PageRequest<TalentCursor>,
        now: DateTime<Utc>,
    ) -> DomainResult<Page<PostingHit>>;
    async fn count(&self, filter: &PostingFilter, now: DateTime<Utc>) -> DomainResult<u64>;
}

/// One page of a posting search.
#[derive(Debug, Clone)]
pub struct PostingPage {
    pub page: Page<PostingHit>,
    pub filter: PostingFilter,
    pub had_after: bool,
    fingerprint: String,
}

impl PostingPage {
    /// The cursor clients pass as `after` to continue after `hit`.
    pub fn cursor(&self, hit: &PostingHit) -> String {
        hit.cursor.encode(&self.fingerprint)
    }
}

/// The most days "posted within" may reach back.
pub const MAX_POSTED_WITHIN_DAYS: i64 = 365;
/// The largest "fewer than N proposals".
pub const MAX_PROPOSALS_FEWER_THAN: i64 = 1_000;

fn err(errors: &mut Vec<FieldError>, path: &[&str], message: impl Into<String>) {
    let mut field = vec!["filter"];
    field.extend_from_slice(path);
    errors.push(FieldError::validation(&field, message));
}

impl PostingSearch {
    /// Checks every field; every problem is reported at once, each on its own path.
    pub async fn validate(self, taxonomy: &dyn TaxonomyRepository) -> DomainResult<PostingFilter> {
        // Text, skills and countries follow exactly the talent search's rules.
        let shared = TalentSearch {
            text: self.text,
            skills_all: self.skills_all,
            skills_any: self.skills_any,
            countries: self.countries,
            ..TalentSearch::default()
        }
        .validate(taxonomy)
        .await;
        let mut errors = Vec::new();
        let mut filter = PostingFilter::default();
        match shared {
            Ok(checked) => {
                filter.text = checked.text;
                filter.skills_all = checked.skills_all;
                filter.skills_any = checked.skills_any;
                filter.countries = checked.countries;
            }
            Err(DomainError::Validation(e)) => errors.extend(e),
            Err(other) => return Err(other),
        }
        if let Some(c) = self.category_id {
            if taxonomy.categories_by_ids(&[c]).await?.is_empty() {
                errors.push(FieldError::new(
                    &["filter", "categoryId"],
                    crate::ErrorCode::NotFound,
                    "no such category",
                ));
            } else {
                filter.category = Some(c);
            }
        }
        filter.hire_types = dedup(self.hire_types);
        filter.experience_levels = dedup(self.experience_levels);
        filter.workplaces = dedup(self.workplaces);
        if let Some(b) = self.budget {
            let currency = match Currency::parse(&b.currency) {
                Ok(c) => Some(c),
                Err(m) => {
                    err(&mut errors, &["budget", "currency"], m);
                    None
                }
            };
            for (name, v) in [("minMinor", b.min_minor), ("maxMinor", b.max_minor)] {
                if v.is_some_and(|v| v < 0) {
                    err(&mut errors, &["budget", name], "must not be negative");
                }
            }
            if let (Some(min), Some(max)) = (b.min_minor, b.max_minor)
                && min > max
            {
                err(
                    &mut errors,
                    &["budget", "minMinor"],
                    "must not be above maxMinor",
                );
            }
            filter.budget = currency.map(|currency| BudgetRange {
                kind: b.kind,
                currency,
                min_minor: b.min_minor,
                max_minor: b.max_minor,
            });
        }
        if let Some(tz) = &self.time_zone {
            match crate::text::time_zone(tz)
                .ok()
                .and_then(|tz| crate::text::standard_utc_offset_minutes(&tz))
            {
                Some(offset) => filter.utc_offset = Some(offset),
                None => err(
                    &mut errors,
                    &["timeZone"],
                    "is not an IANA time zone, e.g. `Europe/Berlin`",
                ),
            }
        }
        match self.posted_within_days {
            None => {}
            Some(d @ 1..=MAX_POSTED_WITHIN_DAYS) => filter.posted_within_days = Some(d as u16),
            Some(_) => err(
                &mut errors,
                &["postedWithinDays"],
                format!("must be 1 to {MAX_POSTED_WITHIN_DAYS}"),
            ),
        }
        match self.client_min_rating {
            None => {}
            Some(r) if (1.0..=5.0).contains(&r) => filter.client_min_rating = Some(r),
            Some(_) => err(&mut errors, &["clientMinRating"], "must be 1 to 5"),
        }
        match self.proposals_fewer_than {
            None => {}
            Some(n @ 1..=MAX_PROPOSALS_FEWER_THAN) => filter.proposals_fewer_than = Some(n as u32),
            Some(_) => err(
                &mut errors,
                &["proposalsFewerThan"],
                format!("must be 1 to {MAX_PROPOSALS_FEWER_THAN}"),
            ),
        }
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(DomainError::Validation(errors))
        }
    }
}

fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// Searching postings: a public read (anyone, signed in or not), because it only ever
/// returns public, open postings.
#[derive(Clone)]
pub struct PostingSearchService {
    index: Arc<dyn PostingIndex>,
    taxonomy: Arc<dyn TaxonomyRepository>,
}

impl PostingSearchService {
    pub fn new(index: Arc<dyn PostingIndex>, taxonomy: Arc<dyn TaxonomyRepository>) -> Self {
        Self { index, taxonomy }
    }

    /// Validates a search without running it (saved searches are checked this way).
    pub async fn validate(&self, search: PostingSearch) -> DomainResult<PostingFilter> {
        search.validate(self.taxonomy.as_ref()).await
    }

    /// Validates the request and returns one page in `sort` order after the cursor
    /// `after` (issued by a previous page of the same search).
    pub async fn search(
        &self,
        actor: &Actor,
        search: PostingSearch,
        sort: PostingSort,
        first: Option<i64>,
        after: Option<&str>,
    ) -> Result<PostingPage, TalentSearchError> {
        crate::profiles::policy::search(actor)?;
        let filter = self.validate(search).await?;
        self.run(filter, sort, first, after, Utc::now()).await
    }

    /// One page of a validated filter, as of `now`.
    pub async fn run(
        &self,
        filter: PostingFilter,
        sort: PostingSort,
        first: Option<i64>,
        after: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<PostingPage, TalentSearchError> {
        let order = sort.order(filter.text.is_some());
        let fingerprint = fingerprint_of(&format!("posting|{filter:?}|{order:?}"));
        // Relevance cursors keep the ranked set (`RankWithin`); past it, pages go on
        // newest first, with cursors of that order (see `PostingIndex::search`).
        let request = match crate::profiles::page_request(order, &fingerprint, first, after) {
            Err(TalentSearchError::InvalidCursor) if order == ResultOrder::Rank => {
                match after.and_then(|key| TalentCursor::parse_ranked(&fingerprint, key)) {
                    Some(ranked) => PageRequest::new(first, Some(ranked))?,
                    None => crate::profiles::page_request(
                        ResultOrder::Newest,
                        &fingerprint,
                        first,
                        after,
                    )?,
                }
            }
            request => request?,
        };
        let page = self.index.search(&filter, order, &request, now).await?;
        Ok(PostingPage {
            page,
            filter,
            had_after: request.after().is_some(),
            fingerprint,
        })
    }

    /// How many postings a validated filter matches now.
    pub async fn count(&self, actor: &Actor, filter: &PostingFilter) -> DomainResult<u64> {
        crate::profiles::policy::search(actor)?;
        self.index.count(filter, Utc::now()).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn relevance_without_text_is_newest_and_budget_is_its_own_order() {
        assert_eq!(PostingSort::Relevance.order(false), ResultOrder::Newest);
        assert_eq!(PostingSort::Relevance.order(true), ResultOrder::Rank);
        assert_eq!(PostingSort::Newest.order(true), ResultOrder::Newest);
        assert_eq!(PostingSort::Budget.order(true), ResultOrder::Rate);
    }

    #[test]
    fn lists_keep_their_first_occurrences() {
        assert_eq!(
            dedup(vec![
                HireType::FullTime,
                HireType::FullTime,
                HireType::ContractToHire
            ]),
            [HireType::FullTime, HireType::ContractToHire]
        );
    }
}
