//! Agency search: visible agencies by free text (name, headline, skills, overview), skills
//! and country, the same way talent search finds freelancers (same filter rules, same
//! cursors bound to their search).

use std::sync::Arc;

use async_trait::async_trait;

use super::model::AgencyId;
use crate::actor::Actor;
use crate::error::DomainResult;
use crate::pagination::{Page, PageRequest};
use crate::profiles::{
    ResultOrder, SearchWords, TalentCursor, TalentSearch, TalentSearchError, fingerprint_of,
};
use crate::taxonomy::{SkillId, TaxonomyRepository};

/// The order of agency results; ties are broken by agency ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgencySort {
    /// Best text match first; without text, as `Newest`.
    #[default]
    Relevance,
    /// Most recently created agencies first.
    Newest,
}

impl AgencySort {
    fn order(self, has_text: bool) -> ResultOrder {
        match self {
            AgencySort::Relevance if has_text => ResultOrder::Rank,
            AgencySort::Relevance | AgencySort::Newest => ResultOrder::Newest,
        }
    }
}

/// A validated agency filter. Everything given must hold.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AgencyFilter {
    pub text: Option<SearchWords>,
    /// Every one of these skills.
    pub skills_all: Vec<SkillId>,
    /// At least one of these skills.
    pub skills_any: Vec<SkillId>,
    /// ISO 3166-1 alpha-2; any of them.
    pub countries: Vec<String>,
}

/// An agency search as the edge received it; errors carry paths under `filter` as in
/// talent search.
#[derive(Debug, Clone, Default)]
pub struct AgencySearch {
    pub text: Option<String>,
    pub skills_all: Vec<String>,
    pub skills_any: Vec<String>,
    pub countries: Vec<String>,
}

/// One result: the agency and its position in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyHit {
    pub id: AgencyId,
    pub cursor: TalentCursor,
}

/// Runs agency searches over visible agencies, with full-text indexes.
#[async_trait]
pub trait AgencyIndex: Send + Sync {
    async fn search(
        &self,
        filter: &AgencyFilter,
        order: ResultOrder,
        page: &PageRequest<TalentCursor>,
    ) -> DomainResult<Page<AgencyHit>>;
    async fn count(&self, filter: &AgencyFilter) -> DomainResult<u64>;
}

/// One page of an agency search.
#[derive(Debug, Clone)]
pub struct AgencyPage {
    pub page: Page<AgencyHit>,
    pub filter: AgencyFilter,
    pub had_after: bool,
    fingerprint: String,
}

impl AgencyPage {
    /// The cursor clients pass as `after` to continue after `hit`.
    pub fn cursor(&self, hit: &AgencyHit) -> String {
        hit.cursor.encode(&self.fingerprint)
    }
}

/// Searching visible agencies: a public read, like talent search.
#[derive(Clone)]
pub struct AgencySearchService {
    index: Arc<dyn AgencyIndex>,
    taxonomy: Arc<dyn TaxonomyRepository>,
}

impl AgencySearchService {
    pub fn new(index: Arc<dyn AgencyIndex>, taxonomy: Arc<dyn TaxonomyRepository>) -> Self {
        Self { index, taxonomy }
    }

    /// Validates the request (as talent search validates the same fields) and returns one
    /// page in `sort` order after the cursor key `after`.
    pub async fn search(
        &self,
        actor: &Actor,
        search: AgencySearch,
        sort: AgencySort,
        first: Option<i64>,
        after: Option<&str>,
    ) -> Result<AgencyPage, TalentSearchError> {
        crate::profiles::policy::search(actor)?;
        let checked = TalentSearch {
            text: search.text,
            skills_all: search.skills_all,
            skills_any: search.skills_any,
            countries: search.countries,
            ..TalentSearch::default()
        }
        .validate(self.taxonomy.as_ref())
        .await?;
        let filter = AgencyFilter {
            text: checked.text,
            skills_all: checked.skills_all,
            skills_any: checked.skills_any,
            countries: checked.countries,
        };
        let order = sort.order(filter.text.is_some());
        let fingerprint = fingerprint_of(&format!("agency|{filter:?}|{order:?}"));
        let request = crate::profiles::page_request(order, &fingerprint, first, after)?;
        let page = self.index.search(&filter, order, &request).await?;
        Ok(AgencyPage {
            page,
            filter,
            had_after: request.after().is_some(),
            fingerprint,
        })
    }

    pub async fn count(&self, actor: &Actor, filter: &AgencyFilter) -> DomainResult<u64> {
        crate::profiles::policy::search(actor)?;
        self.index.count(filter).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relevance_without_text_is_newest() {
        assert_eq!(AgencySort::Relevance.order(false), ResultOrder::Newest);
        assert_eq!(AgencySort::Relevance.order(true), ResultOrder::Rank);
        assert_eq!(AgencySort::Newest.order(true), ResultOrder::Newest);
    }
}
