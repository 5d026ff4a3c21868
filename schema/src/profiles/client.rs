//! Client (employer) profiles in GraphQL.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::profiles::{self, ClientProfileId};

use super::fields::{change, kept, nest};
use crate::context::{actor, services};
use crate::errors::{GqlResultExt, UserError, into_payload};
use crate::ids::{NodeKind, decode_kind, encode};

/// How many people a company employs.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum CompanySize {
    /// One person.
    Solo,
    /// 2 to 10 people.
    From2To10,
    /// 11 to 50 people.
    From11To50,
    /// 51 to 200 people.
    From51To200,
    /// 201 to 1000 people.
    From201To1000,
    /// More than 1000 people.
    Over1000,
}

impl From<profiles::CompanySize> for CompanySize {
    fn from(s: profiles::CompanySize) -> Self {
        match s {
            profiles::CompanySize::Solo => CompanySize::Solo,
            profiles::CompanySize::From2To10 => CompanySize::From2To10,
            profiles::CompanySize::From11To50 => CompanySize::From11To50,
            profiles::CompanySize::From51To200 => CompanySize::From51To200,
            profiles::CompanySize::From201To1000 => CompanySize::From201To1000,
            profiles::CompanySize::Over1000 => CompanySize::Over1000,
        }
    }
}

impl From<CompanySize> for profiles::CompanySize {
    fn from(s: CompanySize) -> Self {
        match s {
            CompanySize::Solo => profiles::CompanySize::Solo,
            CompanySize::From2To10 => profiles::CompanySize::From2To10,
            CompanySize::From11To50 => profiles::CompanySize::From11To50,
            CompanySize::From51To200 => profiles::CompanySize::From51To200,
            CompanySize::From201To1000 => profiles::CompanySize::From201To1000,
            CompanySize::Over1000 => profiles::CompanySize::Over1000,
        }
    }
}

/// What a client has done on the marketplace, computed from their postings and contracts
/// when asked (zero until postings and contracts exist).
#[derive(SimpleObject)]
pub struct ClientStats {
    /// Roles posted.
    pub postings: i64,
    /// People hired.
    pub hires: i64,
    /// Whole percent of postings that ended in a hire.
    pub hire_rate_percent: i32,
}

#[derive(Clone)]
pub struct ClientProfile(pub profiles::ClientProfile);

/// Who is hiring: a client's public company profile. Text is plain text.
#[Object]
impl ClientProfile {
    /// Global ID of the profile.
    pub async fn id(&self) -> ID {
        encode(NodeKind::ClientProfile, self.0.id.0)
    }

    /// The client's reputation: their contracts, and their freelancers' public reviews.
    async fn reputation(
        &self,
        ctx: &Context<'_>,
    ) -> Result<crate::reviews::reputation::Reputation> {
        crate::reviews::reputation_of(ctx, domain::reviews::Subject::Client(self.0.user_id)).await
    }

    /// 1 to 120 characters.
    async fn company_name(&self) -> &str {
        &self.0.company_name
    }

    /// Head count band.
    async fn size(&self) -> Option<CompanySize> {
        self.0.size.map(Into::into)
    }

    /// E.g. "Fintech".
    async fn industry(&self) -> Option<&str> {
        self.0.industry.as_deref()
    }

    /// An https URL.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }

    /// ISO 3166-1 alpha-2.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }

    /// City, as the client wrote it.
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }

    /// Plain text, at most 5000 characters.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Postings, hires and hire rate.
    async fn stats(&self, ctx: &Context<'_>) -> Result<ClientStats> {
        let stats = crate::profiles::portfolio::profile_loaders(ctx)?
            .client_stats
            .load_one(self.0.id)
            .await
            .map_err(|e| crate::taxonomy::types::load_error(ctx, e))?
            .unwrap_or_default();
        Ok(ClientStats {
            postings: i64::try_from(stats.postings).unwrap_or(i64::MAX),
            hires: i64::try_from(stats.hires).unwrap_or(i64::MAX),
            hire_rate_percent: i32::from(stats.hire_rate_percent),
        })
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

/// The parts of a client profile. Absent fields stay; `null` clears a clearable field.
#[derive(InputObject)]
pub struct ClientProfileFields {
    /// 1 to 120 characters (required when creating; cannot be null).
    pub company_name: MaybeUndefined<String>,
    /// Head count band.
    pub size: MaybeUndefined<CompanySize>,
    /// 1 to 80 characters.
    pub industry: MaybeUndefined<String>,
    /// An https URL.
    pub website: MaybeUndefined<String>,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: MaybeUndefined<String>,
    /// At most 100 characters.
    pub city: MaybeUndefined<String>,
    /// Plain text, at most 5000 characters (cannot be null; empty clears).
    pub description: MaybeUndefined<String>,
}

impl From<ClientProfileFields> for profiles::ClientProfileInput {
    fn from(f: ClientProfileFields) -> Self {
        let mut nulls = Vec::new();
        let company_name = kept(f.company_name, "companyName", &mut nulls);
        let description = kept(f.description, "description", &mut nulls);
        Self {
            company_name,
            description,
            size: change(f.size, Into::into),
            industry: change(f.industry, |v| v),
            website: change(f.website, |v| v),
            country: change(f.country, |v| v),
            city: change(f.city, |v| v),
            nulls,
        }
    }
}

/// Input of `createClientProfile`.
#[derive(InputObject)]
pub struct CreateClientProfileInput {
    /// The profile; `companyName` is required.
    pub profile: ClientProfileFields,
}

/// Input of `updateClientProfile`.
#[derive(InputObject)]
pub struct UpdateClientProfileInput {
    /// The profile to change (yours).
    pub profile_id: ID,
    /// The changes.
    pub profile: ClientProfileFields,
}

/// The outcome of a change to a client profile.
#[derive(SimpleObject)]
pub struct ClientProfilePayload {
    /// The profile after the change; null when `userErrors` is not empty.
    pub profile: Option<ClientProfile>,
    /// Why the input was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

fn payload(
    ctx: &Context<'_>,
    result: Result<profiles::ClientProfile, domain::DomainError>,
) -> Result<ClientProfilePayload> {
    let result = result.map_err(|e| nest(e, "profile", "profileId"));
    let (profile, user_errors) = into_payload(ctx, result)?;
    Ok(ClientProfilePayload {
        profile: profile.map(ClientProfile),
        user_errors,
    })
}

#[derive(Default)]
pub struct ClientProfileQuery;

#[Object]
impl ClientProfileQuery {
    /// A client profile by ID; null when there is none.
    async fn client_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The profile's global ID.")] id: ID,
    ) -> Result<Option<ClientProfile>> {
        let id = ClientProfileId(decode_kind(&id, NodeKind::ClientProfile)?);
        let found = services(ctx)?
            .clients
            .by_ids(actor(ctx), &[id])
            .await
            .gql(ctx)?;
        Ok(found.into_iter().next().map(ClientProfile))
    }
}

#[derive(Default)]
pub struct ClientProfileMutation;

#[Object]
impl ClientProfileMutation {
    /// Creates your client profile (one per account). Clients only: see `becomeClient`.
    async fn create_client_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The profile.")] input: CreateClientProfileInput,
    ) -> Result<ClientProfilePayload> {
        let result = services(ctx)?
            .clients
            .create(actor(ctx), input.profile.into())
            .await;
        payload(ctx, result)
    }

    /// Changes your client profile. Only its owner may.
    async fn update_client_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The profile and the changes.")] input: UpdateClientProfileInput,
    ) -> Result<ClientProfilePayload> {
        let id = decode_kind(&input.profile_id, NodeKind::ClientProfile)
            .ok()
            .map(ClientProfileId);
        let result = services(ctx)?
            .clients
            .update(actor(ctx), id, input.profile.into())
            .await;
        payload(ctx, result)
    }
}
