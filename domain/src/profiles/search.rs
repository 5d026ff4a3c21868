//! Talent search: which public freelancer profiles match a client's filter, and in what
//! order. The edge hands over what the client sent ([`TalentSearch`]); it becomes a
//! validated [`TalentFilter`] here, and a storage adapter ([`TalentIndex`]) runs it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::model::{LanguageLevel, ProfileId};
use crate::actor::Actor;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::money::Currency;
use crate::pagination::{Page, PageRequest};
use crate::taxonomy::{SkillId, TaxonomyRepository};

/// At most this many skills in each of `allOf` and `anyOf`.
pub const MAX_FILTER_SKILLS: usize = 15;
/// Free text: at most this many characters and words.
pub const MAX_TEXT_CHARS: usize = 200;
pub const MAX_TEXT_WORDS: usize = 12;
/// At most this many languages and countries in a filter.
pub const MAX_FILTER_LANGUAGES: usize = 5;
pub const MAX_FILTER_COUNTRIES: usize = 30;

/// The order of results. Every order ends with the profile ID, so pages never skip or
/// repeat a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TalentSort {
    /// Best text match first when the filter has `text`; without text, as `Rating`.
    #[default]
    Relevance,
    /// Lowest hourly rate first; profiles without a rate last. Rates in different
    /// currencies are not converted: without a currency filter they are grouped by
    /// currency code.
    Rate,
    /// Highest average rating first, then most reviews; unrated profiles last.
    Rating,
    /// Most recently created profiles first.
    Newest,
}

/// A language a freelancer must speak, at least at `min_level`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageRequirement {
    pub code: String,
    pub min_level: LanguageLevel,
}

/// An hourly rate range in one currency, in minor units; both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateRange {
    pub currency: Currency,
    pub min_minor: Option<i64>,
    pub max_minor: Option<i64>,
}

/// Free text reduced to words (letters and digits, lower case); the last word also
/// matches as a prefix, so "postgr" finds PostgreSQL while the client types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchWords(Vec<String>);

impl SearchWords {
    /// `None` when the text holds no word at all.
    pub fn parse(raw: &str) -> Result<Option<Self>, String> {
        if raw.chars().count() > MAX_TEXT_CHARS {
            return Err(format!("must be at most {MAX_TEXT_CHARS} characters"));
        }
        let words: Vec<String> = raw
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        if words.len() > MAX_TEXT_WORDS {
            return Err(format!("must be at most {MAX_TEXT_WORDS} words"));
        }
        Ok((!words.is_empty()).then_some(Self(words)))
    }

    pub fn words(&self) -> &[String] {
        &self.0
    }
}

/// A validated talent filter. Everything given must hold (AND).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TalentFilter {
    pub text: Option<SearchWords>,
    /// Every one of these skills, at `min_skill_level` or above.
    pub skills_all: Vec<SkillId>,
    /// At least one of these skills, at `min_skill_level` or above.
    pub skills_any: Vec<SkillId>,
    /// 1 to 5; 1 when not given.
    pub min_skill_level: u8,
    pub rate: Option<RateRange>,
    pub min_hours_per_week: Option<u8>,
    /// Available on or before this day (no "available from" date counts as now).
    pub available_by: Option<NaiveDate>,
    /// Standard UTC offset of the freelancer's time zone, in minutes, both ends inclusive.
    pub utc_offset: Option<(i16, i16)>,
    pub languages: Vec<LanguageRequirement>,
    /// ISO 3166-1 alpha-2 codes; any of them.
    pub countries: Vec<String>,
    /// Average rating at least this (1 to 5); unrated profiles do not match.
    pub min_rating: Option<f64>,
    /// Job success at least this (0 to 100); freelancers without any yet do not match.
    pub min_job_success: Option<u8>,
}

/// A position in a result list, in the list's order. Opaque to clients (see `encode`).
#[derive(Debug, Clone, PartialEq)]
pub enum TalentCursor {
    /// Text relevance, smaller is better (the adapter's own scale).
    Rank {
        rank: f64,
        id: Uuid,
    },
    Rate {
        has_rate: bool,
        currency: String,
        minor: i64,
        id: Uuid,
    },
    Rating {
        rating: f64,
        reviews: i64,
        id: Uuid,
    },
    Newest {
        at: DateTime<Utc>,
        id: Uuid,
    },
    /// Text relevance within a set of results fixed by the first page (posting search
    /// ranks its newest matches): the rank and ID, and the set's oldest member, by
    /// publication time and ID. Read back by [`TalentCursor::parse_ranked`] only.
    RankWithin {
        rank: f64,
        id: Uuid,
        from: DateTime<Utc>,
        from_id: Uuid,
    },
}

/// A short, stable digest of what a search asks (filter and order): cursors carry it, so
/// a cursor is only accepted by the search that issued it (ranks and keys of another
/// search do not compare). FNV-1a over the filter's debug form.
pub fn fingerprint(filter: &TalentFilter, order: ResultOrder) -> String {
    fingerprint_of(&format!("{filter:?}|{order:?}"))
}

/// FNV-1a of `text`, in hex: the fingerprint of any search's description.
pub fn fingerprint_of(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

impl TalentCursor {
    pub fn id(&self) -> Uuid {
        match self {
            TalentCursor::Rank { id, .. }
            | TalentCursor::RankWithin { id, .. }
            | TalentCursor::Rate { id, .. }
            | TalentCursor::Rating { id, .. }
            | TalentCursor::Newest { id, .. } => *id,
        }
    }

    /// A compact text form for the search with this fingerprint; `parse` reads it back.
    pub fn encode(&self, fingerprint: &str) -> String {
        let key = match self {
            TalentCursor::Rank { rank, id } => format!("rank|{rank}|{id}"),
            TalentCursor::RankWithin {
                rank,
                id,
                from,
                from_id,
            } => format!(
                "ranked|{rank}|{id}|{}|{from_id}",
                from.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
            ),
            TalentCursor::Rate {
                has_rate,
                currency,
                minor,
                id,
            } => format!("rate|{}|{currency}|{minor}|{id}", u8::from(*has_rate)),
            TalentCursor::Rating {
                rating,
                reviews,
                id,
            } => format!("rating|{rating}|{reviews}|{id}"),
            TalentCursor::Newest { at, id } => {
                format!(
                    "new|{}|{id}",
                    at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
                )
            }
        };
        format!("{fingerprint}|{key}")
    }

    /// Reads a [`TalentCursor::RankWithin`] of the search with this fingerprint; `None`
    /// for anything else. Only searches that issue them (posting relevance) call it, so
    /// no other search ever receives one.
    pub fn parse_ranked(fingerprint: &str, key: &str) -> Option<Self> {
        let key = key.strip_prefix(fingerprint)?.strip_prefix('|')?;
        let parts: Vec<&str> = key.split('|').collect();
        let ["ranked", rank, id, from, from_id] = parts.as_slice() else {
            return None;
        };
        Some(TalentCursor::RankWithin {
            rank: rank.parse::<f64>().ok().filter(|f| f.is_finite())?,
            id: Uuid::parse_str(id).ok()?,
            from: DateTime::parse_from_rfc3339(from).ok()?.with_timezone(&Utc),
            from_id: Uuid::parse_str(from_id).ok()?,
        })
    }

    /// Reads a cursor of the search with this fingerprint and order; `None` for anything
    /// else (a cursor of another search, or one this API did not issue).
    pub fn parse(order: ResultOrder, fingerprint: &str, key: &str) -> Option<Self> {
        let key = key.strip_prefix(fingerprint)?.strip_prefix('|')?;
        let parts: Vec<&str> = key.split('|').collect();
        let id = |s: &str| Uuid::parse_str(s).ok();
        let finite = |s: &str| s.parse::<f64>().ok().filter(|f| f.is_finite());
        match (order, parts.as_slice()) {
            (ResultOrder::Rank, ["rank", rank, i]) => Some(TalentCursor::Rank {
                rank: finite(rank)?,
                id: id(i)?,
            }),
            (ResultOrder::Rate, ["rate", flag, currency, minor, i]) => Some(TalentCursor::Rate {
                has_rate: match *flag {
                    "1" => true,
                    "0" => false,
                    _ => return None,
                },
                currency: (currency.len() <= 3 && currency.bytes().all(|b| b.is_ascii_uppercase()))
                    .then(|| (*currency).to_owned())?,
                minor: minor.parse().ok()?,
                id: id(i)?,
            }),
            (ResultOrder::Rating, ["rating", rating, reviews, i]) => Some(TalentCursor::Rating {
                rating: finite(rating)?,
                reviews: reviews.parse().ok()?,
                id: id(i)?,
            }),
            (ResultOrder::Newest, ["new", at, i]) => Some(TalentCursor::Newest {
                at: DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc),
                id: id(i)?,
            }),
            _ => None,
        }
    }
}

/// The order a search actually runs in: `Relevance` without text is `Rating`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultOrder {
    Rank,
    Rate,
    Rating,
    Newest,
}

impl ResultOrder {
    pub fn of(sort: TalentSort, has_text: bool) -> Self {
        match sort {
            TalentSort::Relevance if has_text => ResultOrder::Rank,
            TalentSort::Relevance | TalentSort::Rating => ResultOrder::Rating,
            TalentSort::Rate => ResultOrder::Rate,
            TalentSort::Newest => ResultOrder::Newest,
        }
    }
}

/// One search result: the profile and its position in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct TalentHit {
    pub id: ProfileId,
    pub cursor: TalentCursor,
}

/// Runs talent searches over public profiles (visible, not held by moderation, owner
/// active). Implemented by the storage adapter with full-text indexes.
#[async_trait]
pub trait TalentIndex: Send + Sync {
    async fn search(
        &self,
        filter: &TalentFilter,
        order: ResultOrder,
        page: &PageRequest<TalentCursor>,
    ) -> DomainResult<Page<TalentHit>>;
    /// How many public profiles match, ignoring pagination.
    async fn count(&self, filter: &TalentFilter) -> DomainResult<u64>;
}

/// A language requirement as the edge received it.
#[derive(Debug, Clone, Default)]
pub struct LanguageRequirementInput {
    pub code: String,
    pub min_level: Option<LanguageLevel>,
}

/// A talent search as the edge received it; field paths in errors follow these names
/// under `filter`.
#[derive(Debug, Clone, Default)]
pub struct TalentSearch {
    pub text: Option<String>,
    pub skills_all: Vec<String>,
    pub skills_any: Vec<String>,
    pub min_skill_level: Option<i64>,
    pub rate_currency: Option<String>,
    pub rate_min_minor: Option<i64>,
    pub rate_max_minor: Option<i64>,
    /// Whether the client gave a rate range at all (then `rate_currency` is required).
    pub has_rate: bool,
    pub min_hours_per_week: Option<i64>,
    pub available_by: Option<NaiveDate>,
    pub utc_offset_min: Option<i64>,
    pub utc_offset_max: Option<i64>,
    pub languages: Vec<LanguageRequirementInput>,
    pub countries: Vec<String>,
    pub min_rating: Option<f64>,
    pub min_job_success: Option<i64>,
}

fn err(errors: &mut Vec<FieldError>, path: &[&str], message: impl Into<String>) {
    let mut field = vec!["filter"];
    field.extend_from_slice(path);
    errors.push(FieldError::validation(&field, message));
}

/// Resolves a filter's skill list; every bad entry is reported on its own path (an
/// unknown slug as `NOT_FOUND`, by name), as profile skill lists are.
fn resolve_list(
    errors: &mut Vec<FieldError>,
    name: &str,
    slugs: &[String],
    known: &HashMap<String, SkillId>,
) -> Vec<SkillId> {
    if slugs.len() > MAX_FILTER_SKILLS {
        err(
            errors,
            &["skills", name],
            format!("at most {MAX_FILTER_SKILLS} skills"),
        );
        return Vec::new();
    }
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    for (i, raw) in slugs.iter().enumerate() {
        match super::input::resolve_skill(raw, known, &mut seen) {
            Ok(id) => ids.push(id),
            Err((code, message)) => errors.push(FieldError::new(
                &["filter", "skills", name, &i.to_string()],
                code,
                message,
            )),
        }
    }
    ids
}

impl TalentSearch {
    /// Checks every field and reports every problem at once.
    pub async fn validate(self, taxonomy: &dyn TaxonomyRepository) -> DomainResult<TalentFilter> {
        let mut errors = Vec::new();
        let mut filter = TalentFilter {
            min_skill_level: 1,
            ..TalentFilter::default()
        };
        if let Some(text) = &self.text {
            match SearchWords::parse(text) {
                Ok(words) => filter.text = words,
                Err(m) => err(&mut errors, &["text"], m),
            }
        }
        let wanted: Vec<crate::taxonomy::SkillSlug> = self
            .skills_all
            .iter()
            .take(MAX_FILTER_SKILLS)
            .chain(self.skills_any.iter().take(MAX_FILTER_SKILLS))
            .filter_map(|s| crate::taxonomy::SkillSlug::parse(s.trim()).ok())
            .collect();
        let known: HashMap<String, SkillId> = if wanted.is_empty() {
            HashMap::new()
        } else {
            taxonomy
                .skills_by_slugs(&wanted)
                .await?
                .into_iter()
                .map(|s| (s.slug.as_str().to_owned(), s.id))
                .collect()
        };
        filter.skills_all = resolve_list(&mut errors, "allOf", &self.skills_all, &known);
        filter.skills_any = resolve_list(&mut errors, "anyOf", &self.skills_any, &known);
        match self.min_skill_level {
            None => {}
            Some(l @ 1..=5) => filter.min_skill_level = l as u8,
            Some(_) => err(&mut errors, &["skills", "minLevel"], "must be 1 to 5"),
        }
        if self.has_rate {
            let currency = match self.rate_currency.as_deref().map(Currency::parse) {
                Some(Ok(c)) => Some(c),
                Some(Err(m)) => {
                    err(&mut errors, &["hourlyRate", "currency"], m);
                    None
                }
                None => {
                    err(&mut errors, &["hourlyRate", "currency"], "is required");
                    None
                }
            };
            for (name, v) in [("min", self.rate_min_minor), ("max", self.rate_max_minor)] {
                if v.is_some_and(|v| v < 0) {
                    err(&mut errors, &["hourlyRate", name], "must not be negative");
                }
            }
            if let (Some(min), Some(max)) = (self.rate_min_minor, self.rate_max_minor)
                && min > max
            {
                err(&mut errors, &["hourlyRate", "min"], "must not be above max");
            }
            filter.rate = currency.map(|currency| RateRange {
                currency,
                min_minor: self.rate_min_minor,
                max_minor: self.rate_max_minor,
            });
        }
        match self.min_hours_per_week {
            None => {}
            Some(h @ 0..=80) => filter.min_hours_per_week = Some(h as u8),
            Some(_) => err(
                &mut errors,
                &["availability", "minHoursPerWeek"],
                "must be 0 to 80",
            ),
        }
        filter.available_by = self.available_by;
        let offset = |v: Option<i64>, default: i16| -> Result<i16, ()> {
            match v {
                None => Ok(default),
                Some(m @ -720..=840) => Ok(m as i16),
                Some(_) => Err(()),
            }
        };
        if self.utc_offset_min.is_some() || self.utc_offset_max.is_some() {
            let min = offset(self.utc_offset_min, -720);
            let max = offset(self.utc_offset_max, 840);
            if min.is_err() {
                err(
                    &mut errors,
                    &["utcOffset", "minMinutes"],
                    "must be -720 to 840",
                );
            }
            if max.is_err() {
                err(
                    &mut errors,
                    &["utcOffset", "maxMinutes"],
                    "must be -720 to 840",
                );
            }
            if let (Ok(min), Ok(max)) = (min, max) {
                if min > max {
                    err(
                        &mut errors,
                        &["utcOffset", "minMinutes"],
                        "must not be above maxMinutes",
                    );
                } else {
                    filter.utc_offset = Some((min, max));
                }
            }
        }
        if self.languages.len() > MAX_FILTER_LANGUAGES {
            err(
                &mut errors,
                &["languages"],
                format!("at most {MAX_FILTER_LANGUAGES} languages"),
            );
        } else {
            for (i, l) in self.languages.iter().enumerate() {
                match crate::profiles::codes::language(&l.code) {
                    Ok(code) => filter.languages.push(LanguageRequirement {
                        code,
                        min_level: l.min_level.unwrap_or(LanguageLevel::Basic),
                    }),
                    Err(m) => err(&mut errors, &["languages", &i.to_string(), "code"], m),
                }
            }
        }
        if self.countries.len() > MAX_FILTER_COUNTRIES {
            err(
                &mut errors,
                &["countries"],
                format!("at most {MAX_FILTER_COUNTRIES} countries"),
            );
        } else {
            for (i, c) in self.countries.iter().enumerate() {
                match crate::profiles::codes::country(c) {
                    Ok(code) if !filter.countries.contains(&code) => filter.countries.push(code),
                    Ok(_) => {}
                    Err(m) => err(&mut errors, &["countries", &i.to_string()], m),
                }
            }
        }
        match self.min_rating {
            None => {}
            Some(r) if (1.0..=5.0).contains(&r) => filter.min_rating = Some(r),
            Some(_) => err(&mut errors, &["minRating"], "must be 1 to 5"),
        }
        match self.min_job_success.map(u8::try_from) {
            None => {}
            Some(Ok(j)) if j <= 100 => filter.min_job_success = Some(j),
            Some(_) => err(&mut errors, &["minJobSuccess"], "must be 0 to 100"),
        }
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(DomainError::Validation(errors))
        }
    }
}

/// Searching public freelancer profiles. Anyone may search, signed in or not: search only
/// ever returns what is public (see `policy::search`).
#[derive(Clone)]
pub struct TalentSearchService {
    index: Arc<dyn TalentIndex>,
    taxonomy: Arc<dyn TaxonomyRepository>,
}

/// One page of a search, and what the caller needs to continue or count it.
#[derive(Debug, Clone)]
pub struct TalentPage {
    pub page: Page<TalentHit>,
    pub filter: TalentFilter,
    /// Whether the request continued after a cursor.
    pub had_after: bool,
    fingerprint: String,
}

impl TalentPage {
    /// The cursor clients pass as `after` to continue after `hit`.
    pub fn cursor(&self, hit: &TalentHit) -> String {
        hit.cursor.encode(&self.fingerprint)
    }
}

/// Why a search request could not run.
#[derive(Debug)]
pub enum TalentSearchError {
    /// `after` is not a cursor of this search (another filter or sort, or forged).
    InvalidCursor,
    Domain(DomainError),
}

/// The page a search asks for: `first` checked, `after` read as a cursor of this search
/// (order and fingerprint), else `InvalidCursor`.
pub(crate) fn page_request(
    order: ResultOrder,
    fingerprint: &str,
    first: Option<i64>,
    after: Option<&str>,
) -> Result<PageRequest<TalentCursor>, TalentSearchError> {
    let after = match after {
        None => None,
        Some(key) => Some(
            TalentCursor::parse(order, fingerprint, key).ok_or(TalentSearchError::InvalidCursor)?,
        ),
    };
    Ok(PageRequest::new(first, after)?)
}

impl From<DomainError> for TalentSearchError {
    fn from(e: DomainError) -> Self {
        TalentSearchError::Domain(e)
    }
}

impl TalentSearchService {
    pub fn new(index: Arc<dyn TalentIndex>, taxonomy: Arc<dyn TaxonomyRepository>) -> Self {
        Self { index, taxonomy }
    }

    /// Validates the request and returns one page in `sort` order. `after` is the key of
    /// a cursor a previous page of the same search issued.
    pub async fn search(
        &self,
        actor: &Actor,
        search: TalentSearch,
        sort: TalentSort,
        first: Option<i64>,
        after: Option<&str>,
    ) -> Result<TalentPage, TalentSearchError> {
        super::policy::search(actor)?;
        let filter = search.validate(self.taxonomy.as_ref()).await?;
        let order = ResultOrder::of(sort, filter.text.is_some());
        let fingerprint = fingerprint(&filter, order);
        let request = page_request(order, &fingerprint, first, after)?;
        let page = self.index.search(&filter, order, &request).await?;
        Ok(TalentPage {
            page,
            filter,
            had_after: request.after().is_some(),
            fingerprint,
        })
    }

    /// How many public profiles a (validated) filter matches.
    pub async fn count(&self, actor: &Actor, filter: &TalentFilter) -> DomainResult<u64> {
        super::policy::search(actor)?;
        self.index.count(filter).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_letters_and_digits() {
        let w = SearchWords::parse("  Rust, PostgreSQL & k8s! ")
            .unwrap()
            .unwrap();
        assert_eq!(w.words(), ["rust", "postgresql", "k8s"]);
        assert_eq!(SearchWords::parse("  %%% _ ").unwrap(), None);
        assert!(SearchWords::parse(&"a ".repeat(13)).is_err());
        assert!(SearchWords::parse(&"x".repeat(201)).is_err());
    }

    #[test]
    fn relevance_without_text_orders_by_rating() {
        assert_eq!(
            ResultOrder::of(TalentSort::Relevance, false),
            ResultOrder::Rating
        );
        assert_eq!(
            ResultOrder::of(TalentSort::Relevance, true),
            ResultOrder::Rank
        );
        assert_eq!(
            ResultOrder::of(TalentSort::Newest, true),
            ResultOrder::Newest
        );
    }

    #[test]
    fn cursors_round_trip_only_in_their_own_order() {
        let id = Uuid::now_v7();
        let cursors = [
            (
                ResultOrder::Rank,
                TalentCursor::Rank {
                    rank: -0.123_456_789_012_345_67,
                    id,
                },
            ),
            (
                ResultOrder::Rate,
                TalentCursor::Rate {
                    has_rate: true,
                    currency: "EUR".into(),
                    minor: 9500,
                    id,
                },
            ),
            (
                ResultOrder::Rating,
                TalentCursor::Rating {
                    rating: -4.75,
                    reviews: -12,
                    id,
                },
            ),
            (
                ResultOrder::Newest,
                TalentCursor::Newest { at: Utc::now(), id },
            ),
        ];
        let filter = TalentFilter::default();
        for (order, cursor) in &cursors {
            let fp = fingerprint(&filter, *order);
            let key = cursor.encode(&fp);
            assert_eq!(
                TalentCursor::parse(*order, &fp, &key).as_ref(),
                Some(cursor)
            );
            for (other, _) in &cursors {
                if other != order {
                    assert_eq!(TalentCursor::parse(*other, &fp, &key), None);
                }
            }
            // Another filter's cursor is not accepted.
            let narrower = TalentFilter {
                min_rating: Some(4.0),
                ..TalentFilter::default()
            };
            let other_fp = fingerprint(&narrower, *order);
            assert_ne!(other_fp, fp);
            assert_eq!(TalentCursor::parse(*order, &other_fp, &key), None);
        }
        assert_eq!(
            TalentCursor::parse(ResultOrder::Rank, "f", "f|rank|NaN|x"),
            None
        );
        assert_eq!(
            TalentCursor::parse(ResultOrder::Rate, "f", "f|rate|1|e'); --|1|x"),
            None
        );
    }

    #[test]
    fn ranked_set_cursors_round_trip_and_nothing_else_is_read_as_one() {
        let (id, from_id) = (Uuid::now_v7(), Uuid::now_v7());
        let from = DateTime::parse_from_rfc3339("2026-11-02T09:00:00.000001Z")
            .unwrap()
            .with_timezone(&Utc);
        let cursor = TalentCursor::RankWithin {
            rank: -0.061_234_567_890_123_4,
            id,
            from,
            from_id,
        };
        let key = cursor.encode("f");
        assert_eq!(TalentCursor::parse_ranked("f", &key), Some(cursor));
        // Only by `parse_ranked`: no order reads it.
        for order in [
            ResultOrder::Rank,
            ResultOrder::Rate,
            ResultOrder::Rating,
            ResultOrder::Newest,
        ] {
            assert_eq!(TalentCursor::parse(order, "f", &key), None);
        }
        let at = "2026-11-02T09:00:00.000001Z";
        for bad in [
            format!("g|ranked|-0.5|{id}|{at}|{from_id}"),
            format!("f|ranked|NaN|{id}|{at}|{from_id}"),
            format!("f|ranked|inf|{id}|{at}|{from_id}"),
            format!("f|ranked|-0.5|{id}|yesterday|{from_id}"),
            format!("f|ranked|-0.5|{id}|{at}|{from_id}|more"),
            format!("f|ranked|-0.5|{id}|{at}|x"),
            format!("f|rank|-0.5|{id}"),
        ] {
            assert_eq!(TalentCursor::parse_ranked("f", &bad), None, "{bad}");
        }
    }
}
