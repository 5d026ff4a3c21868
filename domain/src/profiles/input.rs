//! Profile changes as the edge receives them, and how they become a valid profile: every
//! bad field is reported at once, with its path, and nothing is half-applied.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::model::{
    ExternalProfile, ExternalSite, FreelancerProfile, LanguageLevel, ProfileSkill, SpokenLanguage,
};
use crate::error::FieldError;
use crate::money::Money;
use crate::taxonomy::{SkillId, SkillSlug};
use crate::text;

/// A change to one optional field: leave it as it is, clear it, or set it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Change<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoneyInput {
    pub amount_minor: i64,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageInput {
    pub code: String,
    pub level: LanguageLevel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillInput {
    /// A skill slug from the taxonomy, e.g. `postgresql`.
    pub skill: String,
    pub level: i64,
    pub years: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalProfileInput {
    pub site: ExternalSite,
    pub url: String,
}

/// Changes to a freelancer profile. Absent fields stay as they are; lists, when given,
/// replace the whole list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileInput {
    pub headline: Option<String>,
    pub overview: Option<String>,
    pub hourly_rate: Change<MoneyInput>,
    pub hours_per_week: Option<i64>,
    pub available_from: Change<NaiveDate>,
    pub country: Change<String>,
    pub city: Change<String>,
    pub time_zone: Change<String>,
    pub languages: Option<Vec<LanguageInput>>,
    pub skills: Option<Vec<SkillInput>>,
    pub external_profiles: Option<Vec<ExternalProfileInput>>,
    /// Fields the client set to `null` that cannot be cleared (input field names); each
    /// is reported.
    pub nulls: Vec<&'static str>,
}

pub const MAX_HEADLINE: usize = 120;
pub const MAX_OVERVIEW: usize = 5_000;
pub const MAX_SKILLS: usize = 50;
pub const MAX_LANGUAGES: usize = 20;
pub const MAX_YEARS: i64 = 30;

impl ProfileInput {
    /// The skill slugs the input names, well-formed ones only (bad ones are reported by
    /// [`ProfileInput::apply`]).
    pub fn skill_slugs(&self) -> Vec<SkillSlug> {
        match &self.skills {
            // An oversized list is refused as a whole; its slugs are not looked up.
            Some(list) if list.len() <= MAX_SKILLS => list
                .iter()
                .filter_map(|s| SkillSlug::parse(s.skill.trim()).ok())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Applies the changes to `profile`; `skills` maps known slugs to skill ids; `today`
    /// bounds dates; `creating` makes `headline` required. On any error `profile` is left
    /// untouched and every error is returned.
    pub fn apply(
        self,
        profile: &mut FreelancerProfile,
        skills: &HashMap<String, SkillId>,
        today: NaiveDate,
        creating: bool,
    ) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut next = profile.clone();
        for field in &self.nulls {
            errors.push(FieldError::validation(
                &[field],
                "cannot be null; leave it out to keep it",
            ));
        }
        if creating && self.headline.is_none() && !self.nulls.contains(&"headline") {
            errors.push(FieldError::validation(&["headline"], "is required"));
        }
        if let Some(headline) = self.headline {
            match text::single_line(&headline, 1, MAX_HEADLINE) {
                Ok(h) => next.headline = h,
                Err(m) => errors.push(FieldError::validation(&["headline"], m)),
            }
        }
        if let Some(overview) = self.overview {
            match text::multi_line(&overview, 0, MAX_OVERVIEW) {
                Ok(o) => next.overview = o,
                Err(m) => errors.push(FieldError::validation(&["overview"], m)),
            }
        }
        match self.hourly_rate {
            Change::Keep => {}
            Change::Clear => next.hourly_rate = None,
            Change::Set(m) => {
                match Money::hourly_rate(m.amount_minor, &m.currency, &["hourlyRate"]) {
                    Ok(rate) => next.hourly_rate = Some(rate),
                    Err(e) => errors.extend(e.field_errors().iter().cloned()),
                }
            }
        }
        if let Some(hours) = self.hours_per_week {
            match u8::try_from(hours).ok().filter(|h| *h <= 80) {
                Some(h) => next.availability.hours_per_week = h,
                None => errors.push(FieldError::validation(
                    &["hoursPerWeek"],
                    "must be between 0 and 80",
                )),
            }
        }
        match self.available_from {
            Change::Keep => {}
            Change::Clear => next.availability.available_from = None,
            Change::Set(d) => {
                let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN);
                let latest = today
                    .checked_add_months(chrono::Months::new(24))
                    .unwrap_or(today);
                if (earliest..=latest).contains(&d) {
                    next.availability.available_from = Some(d);
                } else {
                    errors.push(FieldError::validation(
                        &["availableFrom"],
                        "must be between 2000-01-01 and two years from today",
                    ));
                }
            }
        }
        match self.country {
            Change::Keep => {}
            Change::Clear => next.location.country = None,
            Change::Set(c) => match super::codes::country(&c) {
                Ok(c) => next.location.country = Some(c),
                Err(m) => errors.push(FieldError::validation(&["country"], m)),
            },
        }
        match self.city {
            Change::Keep => {}
            Change::Clear => next.location.city = None,
            Change::Set(c) => match text::single_line(&c, 1, 100) {
                Ok(c) => next.location.city = Some(c),
                Err(m) => errors.push(FieldError::validation(&["city"], m)),
            },
        }
        match self.time_zone {
            Change::Keep => {}
            Change::Clear => next.location.time_zone = None,
            Change::Set(tz) => match text::time_zone(&tz) {
                Ok(tz) => next.location.time_zone = Some(tz),
                Err(m) => errors.push(FieldError::validation(&["timeZone"], m)),
            },
        }
        if let Some(languages) = self.languages {
            match parse_languages(languages) {
                Ok(l) => next.languages = l,
                Err(e) => errors.extend(e),
            }
        }
        if let Some(list) = self.skills {
            match parse_skills(list, skills) {
                Ok(s) => next.skills = s,
                Err(e) => errors.extend(e),
            }
        }
        if let Some(links) = self.external_profiles {
            match parse_external(links) {
                Ok(l) => next.external_profiles = l,
                Err(e) => errors.extend(e),
            }
        }
        if errors.is_empty() {
            *profile = next;
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn parse_languages(list: Vec<LanguageInput>) -> Result<Vec<SpokenLanguage>, Vec<FieldError>> {
    if list.len() > MAX_LANGUAGES {
        return Err(vec![FieldError::validation(
            &["languages"],
            format!("at most {MAX_LANGUAGES} languages"),
        )]);
    }
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, l) in list.into_iter().enumerate() {
        let i = i.to_string();
        let code = match super::codes::language(&l.code) {
            Ok(code) => code,
            Err(m) => {
                errors.push(FieldError::validation(&["languages", &i, "code"], m));
                continue;
            }
        };
        if !seen.insert(code.clone()) {
            errors.push(FieldError::validation(
                &["languages", &i, "code"],
                format!("`{code}` is listed twice"),
            ));
        } else {
            out.push(SpokenLanguage {
                code,
                level: l.level,
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Resolves one slug of a skill list against the skills the taxonomy knows: a malformed
/// slug is `VALIDATION`, an unknown one `NOT_FOUND` naming it, a repeated one
/// `VALIDATION`. Profiles and agencies resolve their skill lists with it.
pub(crate) fn resolve_skill(
    raw: &str,
    known: &HashMap<String, SkillId>,
    seen: &mut HashSet<SkillId>,
) -> Result<SkillId, (crate::ErrorCode, String)> {
    let slug = raw.trim();
    if let Err(m) = SkillSlug::parse(slug) {
        return Err((crate::ErrorCode::Validation, m.to_owned()));
    }
    match known.get(slug) {
        None => Err((
            crate::ErrorCode::NotFound,
            format!(
                "unknown skill `{}`",
                slug.chars().take(64).collect::<String>()
            ),
        )),
        Some(id) if !seen.insert(*id) => Err((
            crate::ErrorCode::Validation,
            format!("`{slug}` is listed twice"),
        )),
        Some(id) => Ok(*id),
    }
}

/// A list of skills, each with fields of its own (a level, years ...), as profiles,
/// agencies and postings take them: at most `max`; each slug known (an unknown one is
/// `NOT_FOUND` naming it) and listed once, on `["skills", i, "skill"]`; `rest` checks an
/// item's other fields, reporting on `["skills", i, <field>]`, and returns `None` when one
/// is bad. Every problem is reported; items with one are left out.
pub(crate) fn skill_list<I, X>(
    errors: &mut Vec<FieldError>,
    items: &[I],
    max: usize,
    known: &HashMap<String, SkillId>,
    slug: impl Fn(&I) -> &str,
    mut rest: impl FnMut(&I, &str, &mut Vec<FieldError>) -> Option<X>,
) -> Vec<(SkillId, X)> {
    if items.len() > max {
        errors.push(FieldError::validation(
            &["skills"],
            format!("at most {max} skills"),
        ));
        return Vec::new();
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let i = i.to_string();
        let id = match resolve_skill(slug(item), known, &mut seen) {
            Ok(id) => Some(id),
            Err((code, m)) => {
                errors.push(FieldError::new(&["skills", &i, "skill"], code, m));
                None
            }
        };
        if let (Some(id), Some(x)) = (id, rest(item, &i, errors)) {
            out.push((id, x));
        }
    }
    out
}

/// A level from 1 to 5, or a validation error on `["skills", i, field]`.
pub(crate) fn skill_level(
    errors: &mut Vec<FieldError>,
    level: i64,
    i: &str,
    field: &str,
) -> Option<u8> {
    let ok = u8::try_from(level).ok().filter(|l| (1..=5).contains(l));
    if ok.is_none() {
        errors.push(FieldError::validation(
            &["skills", i, field],
            "must be between 1 and 5",
        ));
    }
    ok
}

fn parse_skills(
    list: Vec<SkillInput>,
    known: &HashMap<String, SkillId>,
) -> Result<Vec<ProfileSkill>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let out = skill_list(
        &mut errors,
        &list,
        MAX_SKILLS,
        known,
        |s| &s.skill,
        |s, i, errors| {
            let level = skill_level(errors, s.level, i, "level");
            let years = u8::try_from(s.years)
                .ok()
                .filter(|y| i64::from(*y) <= MAX_YEARS);
            if years.is_none() {
                errors.push(FieldError::validation(
                    &["skills", i, "years"],
                    format!("must be between 0 and {MAX_YEARS}"),
                ));
            }
            level.zip(years)
        },
    );
    if errors.is_empty() {
        Ok(out
            .into_iter()
            .map(|(skill_id, (level, years))| ProfileSkill {
                skill_id,
                level,
                years,
            })
            .collect())
    } else {
        Err(errors)
    }
}

fn parse_external(
    list: Vec<ExternalProfileInput>,
) -> Result<Vec<ExternalProfile>, Vec<FieldError>> {
    if list.len() > 4 {
        return Err(vec![FieldError::validation(
            &["externalProfiles"],
            "at most one link per site (4)",
        )]);
    }
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, link) in list.into_iter().enumerate() {
        let i = i.to_string();
        let url = link.url.trim().to_owned();
        if !seen.insert(link.site) {
            errors.push(FieldError::validation(
                &["externalProfiles", &i, "site"],
                "one link per site",
            ));
            continue;
        }
        match text::https_url_on(&url, link.site.hosts()) {
            Ok(()) => out.push(ExternalProfile {
                site: link.site,
                url,
            }),
            Err(m) => errors.push(FieldError::validation(&["externalProfiles", &i, "url"], m)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserId;
    use crate::profiles::model::ProfileId;
    use uuid::Uuid;

    fn profile() -> FreelancerProfile {
        FreelancerProfile {
            headline: "Backend engineer".into(),
            ..FreelancerProfile::blank(
                ProfileId(Uuid::nil()),
                UserId(Uuid::nil()),
                chrono::Utc::now(),
            )
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default()
    }

    fn paths(errors: &[FieldError]) -> Vec<String> {
        let mut p: Vec<String> = errors.iter().map(|e| e.field.join(".")).collect();
        p.sort();
        p
    }

    #[test]
    fn every_bad_field_is_reported_and_nothing_changes() {
        let mut p = profile();
        let before = p.clone();
        let known = HashMap::from([("rust".to_string(), SkillId(Uuid::from_u128(1)))]);
        let input = ProfileInput {
            headline: Some("  ".into()),
            hourly_rate: Change::Set(MoneyInput {
                amount_minor: -5,
                currency: "USD".into(),
            }),
            hours_per_week: Some(81),
            country: Change::Set("Germany".into()),
            time_zone: Change::Set("Mars Base".into()),
            languages: Some(vec![
                LanguageInput {
                    code: "en".into(),
                    level: LanguageLevel::Native,
                },
                LanguageInput {
                    code: "EN".into(),
                    level: LanguageLevel::Basic,
                },
            ]),
            skills: Some(vec![
                SkillInput {
                    skill: "rust".into(),
                    level: 6,
                    years: 31,
                },
                SkillInput {
                    skill: "cobol-on-mars".into(),
                    level: 3,
                    years: 1,
                },
            ]),
            external_profiles: Some(vec![ExternalProfileInput {
                site: ExternalSite::Github,
                url: "https://evil.example/ada".into(),
            }]),
            ..ProfileInput::default()
        };
        let errors = input.apply(&mut p, &known, today(), false).unwrap_err();
        assert_eq!(
            paths(&errors),
            [
                "country",
                "externalProfiles.0.url",
                "headline",
                "hourlyRate.amountMinor",
                "hoursPerWeek",
                "languages.1.code",
                "skills.0.level",
                "skills.0.years",
                "skills.1.skill",
                "timeZone",
            ]
        );
        let unknown = errors
            .iter()
            .find(|e| e.field.join(".") == "skills.1.skill")
            .unwrap();
        assert!(
            unknown.message.contains("cobol-on-mars"),
            "the unknown slug is named"
        );
        assert_eq!(unknown.code, crate::ErrorCode::NotFound);
        assert_eq!(p, before, "nothing half-applied");
    }

    #[test]
    fn good_input_is_normalised_and_clears_work() {
        let mut p = profile();
        let known = HashMap::from([("rust".to_string(), SkillId(Uuid::from_u128(1)))]);
        ProfileInput {
            headline: Some("  Rust & PostgreSQL engineer ".into()),
            overview: Some("Line one\nLine two".into()),
            hourly_rate: Change::Set(MoneyInput {
                amount_minor: 9_500,
                currency: "eur".into(),
            }),
            hours_per_week: Some(30),
            country: Change::Set("de".into()),
            time_zone: Change::Set("Europe/Berlin".into()),
            languages: Some(vec![LanguageInput {
                code: "DE".into(),
                level: LanguageLevel::Native,
            }]),
            skills: Some(vec![SkillInput {
                skill: "rust".into(),
                level: 5,
                years: 8,
            }]),
            external_profiles: Some(vec![ExternalProfileInput {
                site: ExternalSite::LinkedIn,
                url: "https://www.linkedin.com/in/ada".into(),
            }]),
            ..ProfileInput::default()
        }
        .apply(&mut p, &known, today(), false)
        .unwrap();
        assert_eq!(p.headline, "Rust & PostgreSQL engineer");
        assert_eq!(p.overview, "Line one\nLine two");
        assert_eq!(p.hourly_rate.unwrap().currency.code(), "EUR");
        assert_eq!(p.location.country.as_deref(), Some("DE"));
        assert_eq!(p.languages[0].code, "de");
        assert_eq!(p.skills[0].level, 5);
        ProfileInput {
            hourly_rate: Change::Clear,
            ..ProfileInput::default()
        }
        .apply(&mut p, &known, today(), false)
        .unwrap();
        assert_eq!(p.hourly_rate, None);
        assert_eq!(p.skills.len(), 1, "absent lists stay");
    }

    #[test]
    fn required_and_unclearable_fields_and_bounded_lists() {
        let mut p = profile();
        let errors = ProfileInput {
            hours_per_week: Some(200),
            nulls: vec!["overview"],
            available_from: Change::Set(NaiveDate::from_ymd_opt(1999, 12, 31).unwrap_or_default()),
            country: Change::Set("ZZ".into()),
            languages: Some(vec![LanguageInput {
                code: "zz".into(),
                level: LanguageLevel::Basic,
            }]),
            ..ProfileInput::default()
        }
        .apply(&mut p, &HashMap::new(), today(), true)
        .unwrap_err();
        assert_eq!(
            paths(&errors),
            [
                "availableFrom",
                "country",
                "headline",
                "hoursPerWeek",
                "languages.0.code",
                "overview"
            ]
        );
        let many = ProfileInput {
            skills: Some(
                (0..6_000)
                    .map(|i| SkillInput {
                        skill: format!("s{i}"),
                        level: 3,
                        years: 1,
                    })
                    .collect(),
            ),
            ..ProfileInput::default()
        };
        assert!(
            many.skill_slugs().is_empty(),
            "an oversized list is not looked up"
        );
        let errors = many
            .apply(&mut p, &HashMap::new(), today(), false)
            .unwrap_err();
        assert_eq!(paths(&errors), ["skills"], "one error for the whole list");
        // Boundaries are accepted.
        let known = HashMap::from([("rust".to_string(), SkillId(Uuid::from_u128(1)))]);
        ProfileInput {
            hours_per_week: Some(80),
            available_from: Change::Set(today()),
            skills: Some(vec![SkillInput {
                skill: "rust".into(),
                level: 1,
                years: 30,
            }]),
            ..ProfileInput::default()
        }
        .apply(&mut p, &known, today(), false)
        .unwrap();
        assert_eq!(p.availability.hours_per_week, 80);
    }
}
