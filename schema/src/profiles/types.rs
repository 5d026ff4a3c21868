use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use domain::profiles;

use crate::context::{actor, services};
use crate::errors::gql_error;
use crate::ids::{NodeKind, encode};
use crate::taxonomy::types::{Skill, load_error, loaders};

/// An amount of money: integer minor units (cents) and an ISO-4217 currency. Never a float.
#[derive(SimpleObject, Clone, Copy)]
pub struct Money {
    /// Minor units: 8500 is 85.00 USD; JPY has none, so 8500 is 8500 JPY.
    pub amount_minor: i64,
    /// ISO-4217 code, e.g. `USD`.
    pub currency: &'static str,
}

impl From<domain::money::Money> for Money {
    fn from(m: domain::money::Money) -> Self {
        Self {
            amount_minor: m.amount_minor,
            currency: m.currency.code(),
        }
    }
}

/// Who sees a profile.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ProfileVisibility {
    /// Everyone, signed in or not.
    Visible,
    /// Only you (and admins).
    Hidden,
}

impl From<profiles::Visibility> for ProfileVisibility {
    fn from(v: profiles::Visibility) -> Self {
        match v {
            profiles::Visibility::Visible => ProfileVisibility::Visible,
            profiles::Visibility::Hidden => ProfileVisibility::Hidden,
        }
    }
}

impl From<ProfileVisibility> for profiles::Visibility {
    fn from(v: ProfileVisibility) -> Self {
        match v {
            ProfileVisibility::Visible => profiles::Visibility::Visible,
            ProfileVisibility::Hidden => profiles::Visibility::Hidden,
        }
    }
}

/// How well a language is spoken.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum LanguageLevel {
    /// Simple everyday phrases.
    Basic,
    /// Holds a conversation; not yet at ease in technical discussion.
    Conversational,
    /// Works in it without effort.
    Fluent,
    /// A first language.
    Native,
}

impl From<profiles::LanguageLevel> for LanguageLevel {
    fn from(l: profiles::LanguageLevel) -> Self {
        match l {
            profiles::LanguageLevel::Basic => LanguageLevel::Basic,
            profiles::LanguageLevel::Conversational => LanguageLevel::Conversational,
            profiles::LanguageLevel::Fluent => LanguageLevel::Fluent,
            profiles::LanguageLevel::Native => LanguageLevel::Native,
        }
    }
}

impl From<LanguageLevel> for profiles::LanguageLevel {
    fn from(l: LanguageLevel) -> Self {
        match l {
            LanguageLevel::Basic => profiles::LanguageLevel::Basic,
            LanguageLevel::Conversational => profiles::LanguageLevel::Conversational,
            LanguageLevel::Fluent => profiles::LanguageLevel::Fluent,
            LanguageLevel::Native => profiles::LanguageLevel::Native,
        }
    }
}

/// A site where a freelancer's work can be seen.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ExternalSite {
    /// github.com
    Github,
    /// stackoverflow.com
    StackOverflow,
    /// dev.to
    DevTo,
    /// linkedin.com
    LinkedIn,
}

impl From<profiles::ExternalSite> for ExternalSite {
    fn from(s: profiles::ExternalSite) -> Self {
        match s {
            profiles::ExternalSite::Github => ExternalSite::Github,
            profiles::ExternalSite::StackOverflow => ExternalSite::StackOverflow,
            profiles::ExternalSite::DevTo => ExternalSite::DevTo,
            profiles::ExternalSite::LinkedIn => ExternalSite::LinkedIn,
        }
    }
}

impl From<ExternalSite> for profiles::ExternalSite {
    fn from(s: ExternalSite) -> Self {
        match s {
            ExternalSite::Github => profiles::ExternalSite::Github,
            ExternalSite::StackOverflow => profiles::ExternalSite::StackOverflow,
            ExternalSite::DevTo => profiles::ExternalSite::DevTo,
            ExternalSite::LinkedIn => profiles::ExternalSite::LinkedIn,
        }
    }
}

/// How much a freelancer can work, and from when.
#[derive(SimpleObject)]
pub struct Availability {
    /// 0 to 80.
    pub hours_per_week: i32,
    /// The first day they can start; null for now.
    pub available_from: Option<NaiveDate>,
}

/// Where a freelancer is.
#[derive(SimpleObject)]
pub struct Location {
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: Option<String>,
    /// City, as the freelancer wrote it.
    pub city: Option<String>,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: Option<String>,
}

/// A language and how well it is spoken.
#[derive(SimpleObject)]
pub struct SpokenLanguage {
    /// ISO 639-1 code, e.g. `en`.
    pub code: String,
    /// How well.
    pub level: LanguageLevel,
}

/// A link to the freelancer elsewhere.
#[derive(SimpleObject)]
pub struct ExternalProfile {
    /// Which site.
    pub site: ExternalSite,
    /// An https URL on that site.
    pub url: String,
}

pub struct ProfileSkill(profiles::ProfileSkill);

/// A skill on a profile, with a self-assessed level and years of use.
#[Object]
impl ProfileSkill {
    /// The skill from the taxonomy.
    async fn skill(&self, ctx: &Context<'_>) -> Result<Skill> {
        loaders(ctx)?
            .skill
            .load_one(self.0.skill_id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(Skill)
            .ok_or_else(|| {
                gql_error(
                    ctx,
                    &domain::DomainError::internal("profile skill without its skill"),
                )
            })
    }

    /// 1 (beginner) to 5 (expert).
    async fn level(&self) -> i32 {
        i32::from(self.0.level)
    }

    /// Years of use, 0 to 30.
    async fn years(&self) -> i32 {
        i32::from(self.0.years)
    }
}

#[derive(Clone)]
pub struct FreelancerProfile(pub profiles::FreelancerProfile);

/// A freelancer's public profile: what clients read before hiring. Text is plain text.
#[Object]
impl FreelancerProfile {
    /// Global ID of the profile.
    pub async fn id(&self) -> ID {
        encode(NodeKind::FreelancerProfile, self.0.id.0)
    }

    /// The freelancer's reputation: their contracts, and their clients' public reviews.
    async fn reputation(
        &self,
        ctx: &Context<'_>,
    ) -> Result<crate::reviews::reputation::Reputation> {
        crate::reviews::reputation_of(ctx, domain::reviews::Subject::Freelancer(self.0.user_id))
            .await
    }

    /// One line, e.g. "Rust and PostgreSQL backend engineer".
    async fn headline(&self) -> &str {
        &self.0.headline
    }

    /// Plain text, paragraphs separated by line breaks.
    async fn overview(&self) -> &str {
        &self.0.overview
    }

    /// Asking rate per hour; null when not given.
    async fn hourly_rate(&self) -> Option<Money> {
        self.0.hourly_rate.map(Money::from)
    }

    /// Hours per week and start date.
    async fn availability(&self) -> Availability {
        Availability {
            hours_per_week: i32::from(self.0.availability.hours_per_week),
            available_from: self.0.availability.available_from,
        }
    }

    /// Country, city and time zone.
    async fn location(&self) -> Location {
        Location {
            country: self.0.location.country.clone(),
            city: self.0.location.city.clone(),
            time_zone: self.0.location.time_zone.clone(),
        }
    }

    /// Languages spoken, in the order the freelancer listed them.
    async fn languages(&self) -> Vec<SpokenLanguage> {
        self.0
            .languages
            .iter()
            .map(|l| SpokenLanguage {
                code: l.code.clone(),
                level: l.level.into(),
            })
            .collect()
    }

    /// Skills, in the order the freelancer listed them.
    async fn skills(&self) -> Vec<ProfileSkill> {
        self.0.skills.iter().copied().map(ProfileSkill).collect()
    }

    /// Links to GitHub, Stack Overflow, Dev.to, LinkedIn.
    async fn external_profiles(&self) -> Vec<ExternalProfile> {
        self.0
            .external_profiles
            .iter()
            .map(|l| ExternalProfile {
                site: l.site.into(),
                url: l.url.clone(),
            })
            .collect()
    }

    /// Previous work, newest first.
    async fn portfolio(&self, ctx: &Context<'_>) -> Result<Vec<super::portfolio::PortfolioItem>> {
        let items = super::portfolio::profile_loaders(ctx)?
            .portfolio
            .load_one(self.0.id)
            .await
            .map_err(|e| crate::taxonomy::types::load_error(ctx, e))?;
        Ok(items
            .unwrap_or_default()
            .into_iter()
            .map(super::portfolio::PortfolioItem)
            .collect())
    }

    /// Jobs held, most recent start first.
    async fn employment_history(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::portfolio::Employment>> {
        let jobs = super::portfolio::profile_loaders(ctx)?
            .employment
            .load_one(self.0.id)
            .await
            .map_err(|e| crate::taxonomy::types::load_error(ctx, e))?;
        Ok(jobs
            .unwrap_or_default()
            .into_iter()
            .map(super::portfolio::Employment)
            .collect())
    }

    /// The agency the freelancer belongs to (at most one); null when none, or when it is
    /// hidden from you.
    async fn agency(&self, ctx: &Context<'_>) -> Result<Option<crate::agencies::types::Agency>> {
        Ok(crate::agencies::loaders::agency_loaders(ctx)?
            .of_user
            .load_one(self.0.user_id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(crate::agencies::types::Agency))
    }

    /// 0 to 100: how much of what clients look for the profile has.
    async fn completeness(&self) -> i32 {
        i32::from(self.0.completeness())
    }

    /// What is still missing for a complete profile, by input field. Only you see it.
    async fn missing(&self, ctx: &Context<'_>) -> Result<Option<Vec<&'static str>>> {
        let sees = services(ctx)?.profiles.sees_private(actor(ctx), &self.0);
        Ok(sees.then(|| self.0.missing()))
    }

    /// Whether an admin has hidden the profile (only an admin lifts that). Only you (and
    /// admins) see it.
    async fn hidden_by_moderation(&self, ctx: &Context<'_>) -> Result<Option<bool>> {
        let sees = services(ctx)?.profiles.sees_private(actor(ctx), &self.0);
        Ok(sees.then_some(self.0.moderation_hidden))
    }

    /// Your choice of who sees the profile. Only you (and admins) see it.
    async fn visibility(&self, ctx: &Context<'_>) -> Result<Option<ProfileVisibility>> {
        let sees = services(ctx)?.profiles.sees_private(actor(ctx), &self.0);
        Ok(sees.then(|| self.0.visibility.into()))
    }

    /// When the profile was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the profile last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
