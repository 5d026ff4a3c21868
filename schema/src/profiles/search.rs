//! Talent search: `freelancers(filter, sort, first, after)`.

use async_graphql::{Context, Enum, InputObject, Object, Result};
use chrono::NaiveDate;
use domain::profiles::{LanguageRequirementInput, TalentSearch, TalentSearchError, TalentSort};

use super::types::{FreelancerProfile, LanguageLevel};
use crate::connection::decode_cursor;
use crate::context::{actor, services};
use crate::errors::{ApiCode, GqlResultExt};
use crate::taxonomy::types::load_error;

connection!(
    FreelancerProfileConnection,
    FreelancerProfileEdge,
    FreelancerProfile
);

/// Skills a freelancer must have.
#[derive(InputObject, Default)]
pub struct SkillFilter {
    /// Every one of these skills (slugs, at most 15).
    pub all_of: Option<Vec<String>>,
    /// At least one of these skills (slugs, at most 15).
    pub any_of: Option<Vec<String>>,
    /// The lowest self-assessed level (1-5) that counts for the skills above; default 1.
    pub min_level: Option<i32>,
}

/// An hourly rate range in one currency. Rates in other currencies are not converted and
/// do not match.
#[derive(InputObject)]
pub struct RateRangeFilter {
    /// ISO-4217 code, e.g. `USD`.
    pub currency: String,
    /// The lowest rate, in minor units (inclusive).
    pub min_minor: Option<i64>,
    /// The highest rate, in minor units (inclusive).
    pub max_minor: Option<i64>,
}

/// How much and from when a freelancer can work.
#[derive(InputObject, Default)]
pub struct AvailabilityFilter {
    /// At least this many hours a week (0-80).
    pub min_hours_per_week: Option<i32>,
    /// Available on or before this day (profiles without a start date count as available now).
    pub available_by: Option<NaiveDate>,
}

/// A range of standard UTC offsets, in minutes (-720 to 840): `{ minMinutes: -300,
/// maxMinutes: 120 }` is UTC-05:00 to UTC+02:00. Daylight saving time is ignored.
#[derive(InputObject, Default)]
pub struct UtcOffsetFilter {
    /// The westernmost offset; default -720.
    pub min_minutes: Option<i32>,
    /// The easternmost offset; default 840.
    pub max_minutes: Option<i32>,
}

/// A language a freelancer must speak.
#[derive(InputObject)]
pub struct LanguageFilter {
    /// ISO 639-1 code, e.g. `en`.
    pub code: String,
    /// At least this well; default BASIC.
    pub min_level: Option<LanguageLevel>,
}

/// What freelancers to find. Every condition given must hold.
#[derive(InputObject, Default)]
pub struct FreelancerFilter {
    /// Free text over headline, skills and overview (at most 200 characters, 12 words);
    /// every word must match, the last one also as a prefix.
    pub text: Option<String>,
    /// Skills from the taxonomy.
    pub skills: Option<SkillFilter>,
    /// Hourly rate range.
    pub hourly_rate: Option<RateRangeFilter>,
    /// Hours per week and start date.
    pub availability: Option<AvailabilityFilter>,
    /// Time-zone range.
    pub utc_offset: Option<UtcOffsetFilter>,
    /// Languages, all required (at most 5).
    pub languages: Option<Vec<LanguageFilter>>,
    /// Countries (ISO 3166-1 alpha-2), any of them (at most 30).
    pub countries: Option<Vec<String>>,
    /// Lowest average rating (1-5); unrated freelancers do not match.
    pub min_rating: Option<f64>,
    /// Lowest job success (0-100, see `Reputation.jobSuccess`); freelancers without
    /// any yet do not match.
    pub min_job_success: Option<i32>,
}

/// The order of search results; ties are broken by profile ID so pages are stable.
#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum FreelancerSort {
    /// Best text match first (headline and skills weigh more than the overview); without
    /// `filter.text`, as RATING.
    #[default]
    Relevance,
    /// Lowest hourly rate first; freelancers without a rate last. Currencies are not
    /// converted: filter on one currency to compare rates.
    Rate,
    /// Highest average rating first, then most reviews; unrated freelancers last.
    Rating,
    /// Newest profiles first.
    Newest,
}

impl From<FreelancerSort> for TalentSort {
    fn from(s: FreelancerSort) -> Self {
        match s {
            FreelancerSort::Relevance => TalentSort::Relevance,
            FreelancerSort::Rate => TalentSort::Rate,
            FreelancerSort::Rating => TalentSort::Rating,
            FreelancerSort::Newest => TalentSort::Newest,
        }
    }
}

impl From<FreelancerFilter> for TalentSearch {
    fn from(f: FreelancerFilter) -> Self {
        let skills = f.skills.unwrap_or_default();
        let availability = f.availability.unwrap_or_default();
        let offset = f.utc_offset;
        TalentSearch {
            text: f.text,
            skills_all: skills.all_of.unwrap_or_default(),
            skills_any: skills.any_of.unwrap_or_default(),
            min_skill_level: skills.min_level.map(i64::from),
            has_rate: f.hourly_rate.is_some(),
            rate_currency: f.hourly_rate.as_ref().map(|r| r.currency.clone()),
            rate_min_minor: f.hourly_rate.as_ref().and_then(|r| r.min_minor),
            rate_max_minor: f.hourly_rate.as_ref().and_then(|r| r.max_minor),
            min_hours_per_week: availability.min_hours_per_week.map(i64::from),
            available_by: availability.available_by,
            utc_offset_min: offset.as_ref().and_then(|o| o.min_minutes.map(i64::from)),
            utc_offset_max: offset.as_ref().and_then(|o| o.max_minutes.map(i64::from)),
            languages: f
                .languages
                .unwrap_or_default()
                .into_iter()
                .map(|l| LanguageRequirementInput {
                    code: l.code,
                    min_level: l.min_level.map(Into::into),
                })
                .collect(),
            countries: f.countries.unwrap_or_default(),
            min_rating: f.min_rating,
            min_job_success: f.min_job_success.map(i64::from),
        }
    }
}

/// A refused search as a GraphQL error: a foreign cursor is `INVALID_CURSOR`, the rest
/// is mapped like any domain error.
pub(crate) fn search_error(ctx: &Context<'_>, e: TalentSearchError) -> async_graphql::Error {
    match e {
        TalentSearchError::InvalidCursor => ApiCode::InvalidCursor
            .error("`after` is not a cursor of this search (same filter and sort)"),
        TalentSearchError::Domain(e) => crate::errors::gql_error(ctx, &e),
    }
}

#[derive(Default)]
pub struct TalentQuery;

#[Object]
impl TalentQuery {
    /// Search public freelancer profiles. Anyone may search; hidden profiles and those of
    /// suspended users never appear. An invalid filter is the error `VALIDATION` with
    /// `extensions.fields` naming each bad path (e.g. `["filter", "skills", "allOf", "1"]`;
    /// an unknown skill is `NOT_FOUND` there, by name).
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn freelancers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to find; all of it when absent.")] filter: Option<FreelancerFilter>,
        #[graphql(desc = "The order of results; RELEVANCE when absent or null.")] sort: Option<
            FreelancerSort,
        >,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(
            desc = "Return the profiles after this cursor: an `endCursor` of the same filter and sort (another search's cursor is `INVALID_CURSOR`)."
        )]
        after: Option<String>,
    ) -> Result<FreelancerProfileConnection> {
        let svc = &services(ctx)?.talent;
        let actor = actor(ctx);
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let found = svc
            .search(
                actor,
                filter.unwrap_or_default().into(),
                sort.unwrap_or_default().into(),
                first.map(i64::from),
                after.as_deref(),
            )
            .await
            .map_err(|e| search_error(ctx, e))?;
        // Counting is a second statement: run it only when the client asks for it.
        let total = if ctx.look_ahead().field("totalCount").exists() {
            let n = svc.count(actor, &found.filter).await.gql(ctx)?;
            i64::try_from(n).unwrap_or(i64::MAX)
        } else {
            0
        };
        // The whole page in one batch, through the request's profile loader (which also
        // applies visibility once more, should a profile have been hidden meanwhile).
        let ids: Vec<_> = found.page.items.iter().map(|h| h.id).collect();
        let mut profiles = super::portfolio::profile_loaders(ctx)?
            .profile
            .load_many(ids)
            .await
            .map_err(|e| load_error(ctx, e))?;
        let items = found
            .page
            .items
            .iter()
            .filter_map(|h| {
                profiles
                    .remove(&h.id)
                    .map(|p| (found.cursor(h), FreelancerProfile(p)))
            })
            .collect();
        Ok(FreelancerProfileConnection::new(
            items,
            found.page.has_next_page,
            found.had_after,
            total,
        ))
    }
}
