use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use uuid::Uuid;

use super::input::ProfileInput;
use super::model::{
    Availability, FreelancerProfile, Location, ProfileId, ProfileSkill, Visibility,
};
use super::policy;
use super::ports::ProfileRepository;
use crate::actor::{Actor, UserId};
use crate::error::{DomainError, DomainResult, FieldError};
use crate::taxonomy::{SkillId, TaxonomyRepository};

/// Freelancer profiles: keeping one, and reading them as their visibility allows.
#[derive(Clone)]
pub struct ProfileService {
    profiles: Arc<dyn ProfileRepository>,
    taxonomy: Arc<dyn TaxonomyRepository>,
}

impl ProfileService {
    pub fn new(
        profiles: Arc<dyn ProfileRepository>,
        taxonomy: Arc<dyn TaxonomyRepository>,
    ) -> Self {
        Self { profiles, taxonomy }
    }

    /// The skill ids of the slugs `input` names.
    async fn known_skills(&self, input: &ProfileInput) -> DomainResult<HashMap<String, SkillId>> {
        let slugs = input.skill_slugs();
        let found = self.taxonomy.skills_by_slugs(&slugs).await?;
        Ok(found.into_iter().map(|s| (s.slug, s.id)).collect())
    }

    /// Creates the actor's freelancer profile (one per user). `headline` is required.
    pub async fn create(
        &self,
        actor: &Actor,
        input: ProfileInput,
    ) -> DomainResult<FreelancerProfile> {
        let owner = policy::create(actor)?;
        if input.headline.is_none() {
            return Err(DomainError::validation(&["headline"], "is required"));
        }
        if self.profiles.by_user(owner).await?.is_some() {
            return Err(DomainError::conflict(
                &[],
                "you already have a freelancer profile",
            ));
        }
        let now = Utc::now();
        let mut profile = FreelancerProfile {
            id: ProfileId(Uuid::now_v7()),
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
            created_at: now,
            updated_at: now,
        };
        let known = self.known_skills(&input).await?;
        input
            .apply(&mut profile, &known)
            .map_err(DomainError::Validation)?;
        self.profiles.create(&profile).await
    }

    /// Changes a profile; only its owner may.
    pub async fn update(
        &self,
        actor: &Actor,
        id: Option<ProfileId>,
        input: ProfileInput,
    ) -> DomainResult<FreelancerProfile> {
        let mut profile = self.editable(actor, id).await?;
        policy::edit(actor, &profile)?;
        let known = self.known_skills(&input).await?;
        input
            .apply(&mut profile, &known)
            .map_err(DomainError::Validation)?;
        profile.updated_at = Utc::now();
        self.profiles.save(&profile).await
    }

    /// Shows or hides a profile.
    pub async fn set_visibility(
        &self,
        actor: &Actor,
        id: Option<ProfileId>,
        visibility: Visibility,
    ) -> DomainResult<FreelancerProfile> {
        let mut profile = self.editable(actor, id).await?;
        policy::set_visibility(actor, &profile, visibility)?;
        profile.visibility = visibility;
        profile.updated_at = Utc::now();
        self.profiles.save(&profile).await
    }

    /// The profile a change names. Anonymous callers are refused first, so they learn
    /// nothing about which profiles exist; an unknown or invisible one is "not found" on
    /// `profileId`.
    async fn editable(
        &self,
        actor: &Actor,
        id: Option<ProfileId>,
    ) -> DomainResult<FreelancerProfile> {
        if matches!(actor, Actor::Anonymous) {
            return Err(DomainError::Unauthenticated);
        }
        let not_found = || {
            DomainError::Validation(vec![FieldError::new(
                &["profileId"],
                crate::ErrorCode::NotFound,
                "no such profile",
            )])
        };
        let id = id.ok_or_else(not_found)?;
        let profile = self
            .profiles
            .by_ids(&[id])
            .await?
            .into_iter()
            .next()
            .ok_or_else(not_found)?;
        if !policy::can_see(actor, &profile) {
            return Err(not_found());
        }
        Ok(profile)
    }

    /// Profiles by id, as far as the actor may see them.
    pub async fn by_ids(
        &self,
        actor: &Actor,
        ids: &[ProfileId],
    ) -> DomainResult<Vec<FreelancerProfile>> {
        let found = self.profiles.by_ids(ids).await?;
        Ok(found
            .into_iter()
            .filter(|p| policy::can_see(actor, p))
            .collect())
    }

    /// A user's profile, as far as the actor may see it.
    pub async fn of_user(
        &self,
        actor: &Actor,
        user: UserId,
    ) -> DomainResult<Option<FreelancerProfile>> {
        let found = self.profiles.by_user(user).await?;
        Ok(found.filter(|p| policy::can_see(actor, p)))
    }

    /// Skills of many profiles (already visible to the caller), for loaders.
    pub async fn skills(
        &self,
        ids: &[ProfileId],
    ) -> DomainResult<HashMap<ProfileId, Vec<ProfileSkill>>> {
        self.profiles.skills(ids).await
    }

    /// Whether the actor sees the profile's private parts (visibility, what is missing).
    pub fn sees_private(&self, actor: &Actor, profile: &FreelancerProfile) -> bool {
        policy::sees_private(actor, profile)
    }
}
