//! A freelancer's profile: what a client reads before hiring. Text is plain text (front
//! ends escape it); every field is validated on the way in (see `input.rs`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::UserId;
use crate::money::Money;
use crate::taxonomy::SkillId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProfileId(pub Uuid);

/// Who may see a profile: everyone, or only its owner (and admins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Visibility {
    Visible,
    Hidden,
}

/// How well someone speaks a language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LanguageLevel {
    Basic,
    Conversational,
    Fluent,
    Native,
}

impl LanguageLevel {
    /// Every level, from least to most fluent.
    pub const ALL: [LanguageLevel; 4] = [
        LanguageLevel::Basic,
        LanguageLevel::Conversational,
        LanguageLevel::Fluent,
        LanguageLevel::Native,
    ];

    /// The stored name of the level.
    pub fn key(self) -> &'static str {
        match self {
            LanguageLevel::Basic => "BASIC",
            LanguageLevel::Conversational => "CONVERSATIONAL",
            LanguageLevel::Fluent => "FLUENT",
            LanguageLevel::Native => "NATIVE",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.key() == key)
    }

    /// This level and every more fluent one.
    pub fn and_above(self) -> impl Iterator<Item = LanguageLevel> {
        Self::ALL.into_iter().skip_while(move |l| *l != self)
    }
}

/// A language (ISO 639-1 code, e.g. `en`) and how well it is spoken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpokenLanguage {
    pub code: String,
    pub level: LanguageLevel,
}

/// A skill from the taxonomy with a self-assessed level (1-5) and years of use (0-30).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSkill {
    pub skill_id: SkillId,
    pub level: u8,
    pub years: u8,
}

/// Where else a freelancer's work can be seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExternalSite {
    Github,
    StackOverflow,
    DevTo,
    LinkedIn,
}

impl ExternalSite {
    /// The hosts a link to this site may have.
    pub fn hosts(self) -> &'static [&'static str] {
        match self {
            ExternalSite::Github => &["github.com", "www.github.com"],
            ExternalSite::StackOverflow => &["stackoverflow.com"],
            ExternalSite::DevTo => &["dev.to"],
            ExternalSite::LinkedIn => &["linkedin.com", "www.linkedin.com"],
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            ExternalSite::Github => "GITHUB",
            ExternalSite::StackOverflow => "STACK_OVERFLOW",
            ExternalSite::DevTo => "DEV_TO",
            ExternalSite::LinkedIn => "LINKED_IN",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [
            ExternalSite::Github,
            ExternalSite::StackOverflow,
            ExternalSite::DevTo,
            ExternalSite::LinkedIn,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalProfile {
    pub site: ExternalSite,
    pub url: String,
}

/// How much a freelancer can work, and from when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Availability {
    /// 0 to 80.
    pub hours_per_week: u8,
    pub available_from: Option<NaiveDate>,
}

/// Where a freelancer is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Location {
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: Option<String>,
    pub city: Option<String>,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreelancerProfile {
    pub id: ProfileId,
    pub user_id: UserId,
    pub headline: String,
    pub overview: String,
    pub hourly_rate: Option<Money>,
    pub availability: Availability,
    pub location: Location,
    pub languages: Vec<SpokenLanguage>,
    pub skills: Vec<ProfileSkill>,
    pub external_profiles: Vec<ExternalProfile>,
    /// The owner's choice.
    pub visibility: Visibility,
    /// Hidden by an admin; only an admin lifts it, whatever the owner chooses.
    pub moderation_hidden: bool,
    /// Whether the owner's account is active; a suspended user's profile is not public.
    pub owner_active: bool,
    /// Bumped by every write; a write based on an older version is refused, so concurrent
    /// changes cannot overwrite each other unseen.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What completeness counts, and how much each part weighs (sums to 100).
const PARTS: &[(&str, u8)] = &[
    ("headline", 10),
    ("overview", 20),
    ("hourlyRate", 10),
    ("availability", 10),
    ("location", 10),
    ("languages", 10),
    ("skills", 20),
    ("externalProfiles", 10),
];

impl FreelancerProfile {
    /// An empty, visible profile of `owner`'s created at `now` (input fills it in).
    pub fn blank(id: ProfileId, owner: UserId, now: DateTime<Utc>) -> Self {
        Self {
            id,
            user_id: owner,
            headline: String::new(),
            overview: String::new(),
            hourly_rate: None,
            availability: Availability::default(),
            location: Location::default(),
            languages: Vec::new(),
            skills: Vec::new(),
            external_profiles: Vec::new(),
            visibility: Visibility::Visible,
            moderation_hidden: false,
            owner_active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    /// Which parts of the profile are filled in well enough for clients.
    fn filled(&self, part: &str) -> bool {
        match part {
            "headline" => !self.headline.is_empty(),
            "overview" => self.overview.chars().count() >= 100,
            "hourlyRate" => self.hourly_rate.is_some(),
            "availability" => self.availability.hours_per_week > 0,
            "location" => self.location.country.is_some() && self.location.time_zone.is_some(),
            "languages" => !self.languages.is_empty(),
            "skills" => self.skills.len() >= 3,
            "externalProfiles" => !self.external_profiles.is_empty(),
            _ => false,
        }
    }

    /// 0 to 100: how much of what clients look for the profile has.
    pub fn completeness(&self) -> u8 {
        PARTS
            .iter()
            .filter(|(part, _)| self.filled(part))
            .map(|(_, weight)| *weight)
            .sum()
    }

    /// The parts still missing, by input field name, for a "complete your profile" hint.
    pub fn missing(&self) -> Vec<&'static str> {
        PARTS
            .iter()
            .filter(|(part, _)| !self.filled(part))
            .map(|(part, _)| *part)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;

    fn bare() -> FreelancerProfile {
        FreelancerProfile {
            headline: "Rust backend engineer".into(),
            ..FreelancerProfile::blank(ProfileId(Uuid::nil()), UserId(Uuid::nil()), Utc::now())
        }
    }

    #[test]
    fn completeness_weighs_what_clients_look_for() {
        assert_eq!(PARTS.iter().map(|(_, w)| u32::from(*w)).sum::<u32>(), 100);
        let mut p = bare();
        assert_eq!(p.completeness(), 10);
        assert!(p.missing().contains(&"skills"));
        p.overview = "x".repeat(100);
        p.hourly_rate = Some(Money::hourly_rate(9_000, "USD", &[]).unwrap());
        p.availability.hours_per_week = 30;
        p.location.country = Some("DE".into());
        p.location.time_zone = Some("Europe/Berlin".into());
        p.languages.push(SpokenLanguage {
            code: "en".into(),
            level: LanguageLevel::Fluent,
        });
        p.skills = (0..3)
            .map(|i| ProfileSkill {
                skill_id: SkillId(Uuid::from_u128(i)),
                level: 4,
                years: 5,
            })
            .collect();
        assert_eq!(p.completeness(), 90);
        p.external_profiles.push(ExternalProfile {
            site: ExternalSite::Github,
            url: "https://github.com/ada".into(),
        });
        assert_eq!(p.completeness(), 100);
        assert!(p.missing().is_empty());
    }
}
