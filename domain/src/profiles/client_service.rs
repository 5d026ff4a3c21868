use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use uuid::Uuid;

use super::client::{ClientProfile, ClientProfileId, ClientProfileInput, ClientStats};
use super::ports::ClientProfileRepository;
use super::service::MAX_ATTEMPTS;
use crate::actor::{Actor, Role, UserId};
use crate::error::{DomainError, DomainResult};

/// Client (employer) profiles: public to everyone, kept by their owner.
#[derive(Clone)]
pub struct ClientProfileService {
    repo: Arc<dyn ClientProfileRepository>,
}

fn can_see(actor: &Actor, profile: &ClientProfile) -> bool {
    profile.owner_active || actor.user_id() == Some(profile.user_id) || actor.has_role(Role::Admin)
}

fn already_have_one() -> DomainError {
    DomainError::conflict(&[], "you already have a client profile")
}

fn not_found() -> DomainError {
    DomainError::not_found_at("profileId", "no such profile")
}

impl ClientProfileService {
    pub fn new(repo: Arc<dyn ClientProfileRepository>) -> Self {
        Self { repo }
    }

    /// Creates the actor's client profile; clients only (see `becomeClient`).
    pub async fn create(
        &self,
        actor: &Actor,
        input: ClientProfileInput,
    ) -> DomainResult<ClientProfile> {
        let owner = match actor {
            Actor::User { id, roles } if roles.contains(&Role::Client) => *id,
            Actor::User { .. } | Actor::System => return Err(DomainError::Forbidden),
            Actor::Anonymous => return Err(DomainError::Unauthenticated),
        };
        let now = Utc::now();
        let mut profile = ClientProfile {
            id: ClientProfileId(Uuid::now_v7()),
            user_id: owner,
            company_name: String::new(),
            size: None,
            industry: None,
            website: None,
            country: None,
            city: None,
            description: String::new(),
            owner_active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        input
            .apply(&mut profile, true)
            .map_err(DomainError::Validation)?;
        if self.repo.by_user(owner).await?.is_some() {
            return Err(already_have_one());
        }
        self.repo.create(&profile).await.map_err(|e| match e {
            DomainError::Conflict(_) => already_have_one(),
            other => other,
        })
    }

    /// Changes a client profile; only its owner may. Redone on a fresh read when another
    /// write came in between.
    pub async fn update(
        &self,
        actor: &Actor,
        id: Option<ClientProfileId>,
        input: ClientProfileInput,
    ) -> DomainResult<ClientProfile> {
        if matches!(actor, Actor::Anonymous) {
            return Err(DomainError::Unauthenticated);
        }
        let id = id.ok_or_else(not_found)?;
        for _ in 0..MAX_ATTEMPTS {
            let mut profile = self
                .repo
                .by_ids(&[id])
                .await?
                .into_iter()
                .next()
                .ok_or_else(not_found)?;
            if actor.user_id() != Some(profile.user_id) {
                return Err(DomainError::Forbidden);
            }
            input
                .clone()
                .apply(&mut profile, false)
                .map_err(DomainError::Validation)?;
            profile.updated_at = Utc::now();
            if let Some(saved) = self.repo.save(&profile).await? {
                return Ok(saved);
            }
        }
        Err(DomainError::conflict(
            &["profileId"],
            "the profile is being changed elsewhere; try again",
        ))
    }

    /// Client profiles are public, except a suspended owner's (then only to the owner and
    /// admins).
    pub async fn by_ids(
        &self,
        actor: &Actor,
        ids: &[ClientProfileId],
    ) -> DomainResult<Vec<ClientProfile>> {
        let found = self.repo.by_ids(ids).await?;
        Ok(found.into_iter().filter(|p| can_see(actor, p)).collect())
    }

    pub async fn of_user(
        &self,
        actor: &Actor,
        user: UserId,
    ) -> DomainResult<Option<ClientProfile>> {
        Ok(self.repo.by_user(user).await?.filter(|p| can_see(actor, p)))
    }

    /// The profiles of these users that the actor may see, by user (for a page of
    /// postings, in one go).
    pub async fn of_users(
        &self,
        actor: &Actor,
        users: &[UserId],
    ) -> DomainResult<HashMap<UserId, ClientProfile>> {
        Ok(self
            .repo
            .by_users(users)
            .await?
            .into_iter()
            .filter(|p| can_see(actor, p))
            .map(|p| (p.user_id, p))
            .collect())
    }

    /// Postings, hires and hire rate, computed from the client's postings and contracts.
    pub async fn stats(
        &self,
        ids: &[ClientProfileId],
    ) -> DomainResult<HashMap<ClientProfileId, ClientStats>> {
        self.repo.stats(ids).await
    }
}
