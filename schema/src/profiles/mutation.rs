use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::NaiveDate;
use domain::profiles::{self, ProfileId, ProfileInput};

use super::fields::{change, kept, nest};
use super::types::{ExternalSite, FreelancerProfile, LanguageLevel, ProfileVisibility};
use crate::context::{actor, services};
use crate::errors::{UserError, into_payload};
use crate::ids::{NodeKind, decode_kind};

#[derive(Default)]
pub struct ProfileMutation;

/// An amount of money.
#[derive(InputObject)]
pub struct MoneyInput {
    /// Minor units: 8500 is 85.00 in USD or EUR, 8500 in JPY (which has none).
    pub amount_minor: i64,
    /// ISO-4217 code, e.g. `USD`.
    pub currency: String,
}

/// A language and how well you speak it.
#[derive(InputObject)]
pub struct SpokenLanguageInput {
    /// ISO 639-1 code, e.g. `en`.
    pub code: String,
    /// How well.
    pub level: LanguageLevel,
}

/// A skill from the taxonomy with your level and years of use.
#[derive(InputObject)]
pub struct ProfileSkillInput {
    /// The skill's slug, e.g. `postgresql` (see `skills`).
    pub skill: String,
    /// 1 (beginner) to 5 (expert).
    pub level: i64,
    /// Years of use, 0 to 30.
    pub years: i64,
}

/// A link to you elsewhere.
#[derive(InputObject)]
pub struct ExternalProfileInput {
    /// Which site.
    pub site: ExternalSite,
    /// An https URL on that site.
    pub url: String,
}

/// The parts of a freelancer profile. Absent fields stay as they are; `null` clears a
/// clearable field; lists, when given, replace the whole list.
#[derive(InputObject)]
pub struct FreelancerProfileFields {
    /// One line, 1 to 120 characters (required when creating; cannot be null).
    pub headline: MaybeUndefined<String>,
    /// Plain text, at most 5000 characters (empty to clear; cannot be null).
    pub overview: MaybeUndefined<String>,
    /// Your rate per hour (positive, at most 10,000 in major units).
    pub hourly_rate: MaybeUndefined<MoneyInput>,
    /// 0 to 80 (cannot be null).
    pub hours_per_week: MaybeUndefined<i64>,
    /// The first day you can start.
    pub available_from: MaybeUndefined<NaiveDate>,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: MaybeUndefined<String>,
    /// At most 100 characters.
    pub city: MaybeUndefined<String>,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: MaybeUndefined<String>,
    /// At most 20, each once (an empty list clears; null is refused).
    pub languages: MaybeUndefined<Vec<SpokenLanguageInput>>,
    /// At most 50 skills from the taxonomy, each once (an empty list clears).
    pub skills: MaybeUndefined<Vec<ProfileSkillInput>>,
    /// At most one link per site (an empty list clears).
    pub external_profiles: MaybeUndefined<Vec<ExternalProfileInput>>,
}

impl From<FreelancerProfileFields> for ProfileInput {
    fn from(f: FreelancerProfileFields) -> Self {
        let mut nulls = Vec::new();
        let headline = kept(f.headline, "headline", &mut nulls);
        let overview = kept(f.overview, "overview", &mut nulls);
        let hours_per_week = kept(f.hours_per_week, "hoursPerWeek", &mut nulls);
        let languages = kept(f.languages, "languages", &mut nulls);
        let skills = kept(f.skills, "skills", &mut nulls);
        let external_profiles = kept(f.external_profiles, "externalProfiles", &mut nulls);
        ProfileInput {
            nulls,
            headline,
            overview,
            hourly_rate: change(f.hourly_rate, |m| profiles::MoneyInput {
                amount_minor: m.amount_minor,
                currency: m.currency,
            }),
            hours_per_week,
            available_from: change(f.available_from, |d| d),
            country: change(f.country, |c| c),
            city: change(f.city, |c| c),
            time_zone: change(f.time_zone, |t| t),
            languages: languages.map(|list| {
                list.into_iter()
                    .map(|l| profiles::LanguageInput {
                        code: l.code,
                        level: l.level.into(),
                    })
                    .collect()
            }),
            skills: skills.map(|list| {
                list.into_iter()
                    .map(|s| profiles::SkillInput {
                        skill: s.skill,
                        level: s.level,
                        years: s.years,
                    })
                    .collect()
            }),
            external_profiles: external_profiles.map(|list| {
                list.into_iter()
                    .map(|l| profiles::ExternalProfileInput {
                        site: l.site.into(),
                        url: l.url,
                    })
                    .collect()
            }),
        }
    }
}

/// Input of `createFreelancerProfile`.
#[derive(InputObject)]
pub struct CreateFreelancerProfileInput {
    /// The profile; `headline` is required.
    pub profile: FreelancerProfileFields,
}

/// Input of `updateFreelancerProfile`.
#[derive(InputObject)]
pub struct UpdateFreelancerProfileInput {
    /// The profile to change (yours).
    pub profile_id: ID,
    /// The changes.
    pub profile: FreelancerProfileFields,
}

/// Input of `setFreelancerProfileVisibility`.
#[derive(InputObject)]
pub struct SetFreelancerProfileVisibilityInput {
    /// The profile (yours; admins may hide any).
    pub profile_id: ID,
    /// Who may see it.
    pub visibility: ProfileVisibility,
}

/// The outcome of a change to a freelancer profile.
#[derive(SimpleObject)]
pub struct FreelancerProfilePayload {
    /// The profile after the change; null when `userErrors` is not empty.
    pub profile: Option<FreelancerProfile>,
    /// Why the input was refused; empty on success. Paths start at `input`, e.g.
    /// `["input", "profile", "skills", "2", "skill"]`.
    pub user_errors: Vec<UserError>,
}

fn payload(
    ctx: &Context<'_>,
    result: Result<profiles::FreelancerProfile, domain::DomainError>,
    nested: bool,
) -> Result<FreelancerProfilePayload> {
    // Field errors name profile fields; they live under `input.profile` in this API.
    let result = result.map_err(|e| {
        if nested {
            nest(e, "profile", "profileId")
        } else {
            e
        }
    });
    let (profile, user_errors) = into_payload(ctx, result)?;
    Ok(FreelancerProfilePayload {
        profile: profile.map(FreelancerProfile),
        user_errors,
    })
}

fn profile_id(id: &ID) -> Option<ProfileId> {
    decode_kind(id, NodeKind::FreelancerProfile)
        .ok()
        .map(ProfileId)
}

#[Object]
impl ProfileMutation {
    /// Creates your freelancer profile (one per account). Freelancers only: see
    /// `becomeFreelancer`.
    async fn create_freelancer_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The profile.")] input: CreateFreelancerProfileInput,
    ) -> Result<FreelancerProfilePayload> {
        let result = services(ctx)?
            .profiles
            .create(actor(ctx), input.profile.into())
            .await;
        payload(ctx, result, true)
    }

    /// Changes your freelancer profile. Only its owner may.
    async fn update_freelancer_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The profile and the changes.")] input: UpdateFreelancerProfileInput,
    ) -> Result<FreelancerProfilePayload> {
        let id = profile_id(&input.profile_id);
        let result = services(ctx)?
            .profiles
            .update(actor(ctx), id, input.profile.into())
            .await;
        payload(ctx, result, true)
    }

    /// Shows or hides your freelancer profile. For an admin who is not the owner it
    /// places (`HIDDEN`) or lifts (`VISIBLE`) a moderation hold, which the owner cannot
    /// lift and which never publishes a profile its owner hid.
    async fn set_freelancer_profile_visibility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The profile and who may see it.")]
        input: SetFreelancerProfileVisibilityInput,
    ) -> Result<FreelancerProfilePayload> {
        let id = profile_id(&input.profile_id);
        let result = services(ctx)?
            .profiles
            .set_visibility(actor(ctx), id, input.visibility.into())
            .await;
        payload(ctx, result, false)
    }
}
