use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use uuid::Uuid;

use super::input::ProfileInput;
use super::model::{FreelancerProfile, ProfileId, Visibility};
use super::policy::{self, VisibilityChange};
use super::portfolio::{
    Employment, EmploymentId, EmploymentInput, MAX_EMPLOYMENTS, MAX_PORTFOLIO_ITEMS, PortfolioItem,
    PortfolioItemId, PortfolioItemInput,
};
use super::ports::ProfileRepository;
use crate::actor::{Actor, UserId};
use crate::error::{DomainError, DomainResult, FieldError};
use crate::taxonomy::{SkillId, TaxonomyRepository};

/// A GitHub `owner/name`: 1-39 letters, digits or `-`, then 1-100 letters, digits, `.`,
/// `_` or `-`.
fn valid_full_name(full_name: &str) -> bool {
    let Some((owner, name)) = full_name.split_once('/') else {
        return false;
    };
    (1..=39).contains(&owner.len())
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && (1..=100).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// How often a change is tried again when other writes keep coming first.
pub(crate) const MAX_ATTEMPTS: usize = 3;

fn already_have_one() -> DomainError {
    DomainError::conflict(&[], "you already have a freelancer profile")
}

/// Freelancer profiles: keeping one, and reading them as their visibility allows.
#[derive(Clone)]
pub struct ProfileService {
    profiles: Arc<dyn ProfileRepository>,
    taxonomy: Arc<dyn TaxonomyRepository>,
    users: Arc<dyn crate::accounts::UserRepository>,
    code_host: Option<Arc<dyn super::github::CodeHost>>,
}

impl ProfileService {
    pub fn new(
        profiles: Arc<dyn ProfileRepository>,
        taxonomy: Arc<dyn TaxonomyRepository>,
        users: Arc<dyn crate::accounts::UserRepository>,
        code_host: Option<Arc<dyn super::github::CodeHost>>,
    ) -> Self {
        Self {
            profiles,
            taxonomy,
            users,
            code_host,
        }
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
        let now = Utc::now();
        let mut profile = FreelancerProfile::blank(ProfileId(Uuid::now_v7()), owner, now);
        let known = self.known_skills(&input).await?;
        input
            .apply(&mut profile, &known, now.date_naive(), true)
            .map_err(DomainError::Validation)?;
        if self.profiles.by_user(owner).await?.is_some() {
            return Err(already_have_one());
        }
        // Two creates racing past the check meet the unique key; both say the same.
        self.profiles.create(&profile).await.map_err(|e| match e {
            DomainError::Conflict(_) => already_have_one(),
            other => other,
        })
    }

    /// Reads, changes and writes a profile, again from a fresh read when another write
    /// came in between (so concurrent partial changes both land).
    async fn change(
        &self,
        actor: &Actor,
        id: Option<ProfileId>,
        apply: impl Fn(&mut FreelancerProfile) -> DomainResult<()>,
    ) -> DomainResult<FreelancerProfile> {
        for _ in 0..MAX_ATTEMPTS {
            let mut profile = self.editable(actor, id).await?;
            apply(&mut profile)?;
            profile.updated_at = Utc::now();
            if let Some(saved) = self.profiles.save(&profile).await? {
                return Ok(saved);
            }
        }
        Err(DomainError::conflict(
            &["profileId"],
            "the profile is being changed elsewhere; try again",
        ))
    }

    /// Changes a profile; only its owner may.
    pub async fn update(
        &self,
        actor: &Actor,
        id: Option<ProfileId>,
        input: ProfileInput,
    ) -> DomainResult<FreelancerProfile> {
        let known = self.known_skills(&input).await?;
        let today = Utc::now().date_naive();
        self.change(actor, id, |profile| {
            policy::edit(actor, profile)?;
            input
                .clone()
                .apply(profile, &known, today, false)
                .map_err(DomainError::Validation)
        })
        .await
    }

    /// Shows or hides a profile: the owner's choice, or an admin's moderation hold.
    pub async fn set_visibility(
        &self,
        actor: &Actor,
        id: Option<ProfileId>,
        visibility: Visibility,
    ) -> DomainResult<FreelancerProfile> {
        self.change(actor, id, |profile| {
            match policy::set_visibility(actor, profile, visibility)? {
                VisibilityChange::Owner(v) => profile.visibility = v,
                VisibilityChange::Moderation { hidden } => {
                    profile.moderation_hidden = hidden;
                }
            }
            Ok(())
        })
        .await
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
        let not_found = || DomainError::not_found_at("profileId", "no such profile");
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

    /// Whether the actor sees the profile's private parts (visibility, what is missing).
    pub fn sees_private(&self, actor: &Actor, profile: &FreelancerProfile) -> bool {
        policy::sees_private(actor, profile)
    }

    async fn owned_profile(
        &self,
        actor: &Actor,
        id: Option<ProfileId>,
    ) -> DomainResult<FreelancerProfile> {
        let profile = self.editable(actor, id).await?;
        policy::edit(actor, &profile)?;
        Ok(profile)
    }

    fn item_not_found() -> DomainError {
        DomainError::not_found_at("itemId", "no such portfolio item")
    }

    /// The item a change names, with its profile, after checking the actor owns it.
    async fn owned_item(
        &self,
        actor: &Actor,
        id: Option<PortfolioItemId>,
    ) -> DomainResult<PortfolioItem> {
        if matches!(actor, Actor::Anonymous) {
            return Err(DomainError::Unauthenticated);
        }
        let id = id.ok_or_else(Self::item_not_found)?;
        let item = self
            .profiles
            .portfolio_item(id)
            .await?
            .ok_or_else(Self::item_not_found)?;
        let profile = self
            .profiles
            .by_ids(&[item.profile_id])
            .await?
            .into_iter()
            .next()
            .ok_or_else(Self::item_not_found)?;
        if !policy::can_see(actor, &profile) {
            return Err(Self::item_not_found());
        }
        policy::edit(actor, &profile)?;
        Ok(item)
    }

    async fn item_skills(
        &self,
        input: &PortfolioItemInput,
    ) -> DomainResult<HashMap<String, SkillId>> {
        let found = self.taxonomy.skills_by_slugs(&input.skill_slugs()).await?;
        Ok(found.into_iter().map(|s| (s.slug, s.id)).collect())
    }

    /// Adds an item to the actor's portfolio (at most 50).
    pub async fn add_portfolio_item(
        &self,
        actor: &Actor,
        profile: Option<ProfileId>,
        input: PortfolioItemInput,
    ) -> DomainResult<PortfolioItem> {
        let profile = self.owned_profile(actor, profile).await?;
        let now = Utc::now();
        let mut item = PortfolioItem {
            id: PortfolioItemId(Uuid::now_v7()),
            profile_id: profile.id,
            title: String::new(),
            description: String::new(),
            link: None,
            skills: Vec::new(),
            image_links: Vec::new(),
            github_repo: None,
            stars: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let known = self.item_skills(&input).await?;
        input
            .apply(&mut item, &known, true)
            .map_err(DomainError::Validation)?;
        if self.profiles.count_portfolio(profile.id).await? >= MAX_PORTFOLIO_ITEMS as u64 {
            return Err(DomainError::validation(
                &[],
                format!("a portfolio holds at most {MAX_PORTFOLIO_ITEMS} items"),
            ));
        }
        self.profiles
            .save_portfolio_item(&item, None)
            .await?
            .ok_or_else(|| DomainError::internal("a new portfolio item was not stored"))
    }

    /// Changes one of the actor's portfolio items; absent fields stay. Redone on a fresh
    /// read when another write came in between; a removed item stays removed.
    pub async fn update_portfolio_item(
        &self,
        actor: &Actor,
        id: Option<PortfolioItemId>,
        input: PortfolioItemInput,
    ) -> DomainResult<PortfolioItem> {
        let known = self.item_skills(&input).await?;
        for _ in 0..MAX_ATTEMPTS {
            let mut item = self.owned_item(actor, id).await?;
            let expected = item.version;
            input
                .clone()
                .apply(&mut item, &known, false)
                .map_err(DomainError::Validation)?;
            item.updated_at = Utc::now();
            if let Some(saved) = self
                .profiles
                .save_portfolio_item(&item, Some(expected))
                .await?
            {
                return Ok(saved);
            }
        }
        Err(DomainError::conflict(
            &["itemId"],
            "the item is being changed elsewhere; try again",
        ))
    }

    /// Removes one of the actor's portfolio items.
    pub async fn remove_portfolio_item(
        &self,
        actor: &Actor,
        id: Option<PortfolioItemId>,
    ) -> DomainResult<PortfolioItemId> {
        let item = self.owned_item(actor, id).await?;
        self.profiles.remove_portfolio_item(item.id).await?;
        Ok(item.id)
    }

    /// Portfolios of profiles the caller already may see, for loaders.
    pub async fn portfolios(
        &self,
        ids: &[ProfileId],
    ) -> DomainResult<HashMap<ProfileId, Vec<PortfolioItem>>> {
        self.profiles.portfolio(ids).await
    }

    fn job_not_found() -> DomainError {
        DomainError::not_found_at("employmentId", "no such employment")
    }

    async fn owned_job(&self, actor: &Actor, id: Option<EmploymentId>) -> DomainResult<Employment> {
        if matches!(actor, Actor::Anonymous) {
            return Err(DomainError::Unauthenticated);
        }
        let id = id.ok_or_else(Self::job_not_found)?;
        let job = self
            .profiles
            .employment_entry(id)
            .await?
            .ok_or_else(Self::job_not_found)?;
        let profile = self
            .profiles
            .by_ids(&[job.profile_id])
            .await?
            .into_iter()
            .next()
            .ok_or_else(Self::job_not_found)?;
        if !policy::can_see(actor, &profile) {
            return Err(Self::job_not_found());
        }
        policy::edit(actor, &profile)?;
        Ok(job)
    }

    /// Adds a job to the actor's employment history (at most 30).
    pub async fn add_employment(
        &self,
        actor: &Actor,
        profile: Option<ProfileId>,
        input: EmploymentInput,
    ) -> DomainResult<Employment> {
        let profile = self.owned_profile(actor, profile).await?;
        let today = Utc::now().date_naive();
        let mut job = Employment {
            id: EmploymentId(Uuid::now_v7()),
            profile_id: profile.id,
            company: String::new(),
            title: String::new(),
            started_on: today,
            ended_on: None,
            description: String::new(),
            version: 1,
        };
        input
            .apply(&mut job, today, true)
            .map_err(DomainError::Validation)?;
        if self.profiles.count_employment(profile.id).await? >= MAX_EMPLOYMENTS as u64 {
            return Err(DomainError::validation(
                &[],
                format!("an employment history holds at most {MAX_EMPLOYMENTS} jobs"),
            ));
        }
        self.profiles
            .save_employment(&job, None)
            .await?
            .ok_or_else(|| DomainError::internal("a new employment was not stored"))
    }

    /// Changes one of the actor's jobs; absent fields stay.
    pub async fn update_employment(
        &self,
        actor: &Actor,
        id: Option<EmploymentId>,
        input: EmploymentInput,
    ) -> DomainResult<Employment> {
        let today = Utc::now().date_naive();
        for _ in 0..MAX_ATTEMPTS {
            let mut job = self.owned_job(actor, id).await?;
            let expected = job.version;
            input
                .clone()
                .apply(&mut job, today, false)
                .map_err(DomainError::Validation)?;
            if let Some(saved) = self.profiles.save_employment(&job, Some(expected)).await? {
                return Ok(saved);
            }
        }
        Err(DomainError::conflict(
            &["employmentId"],
            "the entry is being changed elsewhere; try again",
        ))
    }

    pub async fn remove_employment(
        &self,
        actor: &Actor,
        id: Option<EmploymentId>,
    ) -> DomainResult<EmploymentId> {
        let job = self.owned_job(actor, id).await?;
        self.profiles.remove_employment(job.id).await?;
        Ok(job.id)
    }

    /// Employment histories of profiles the caller already may see, for loaders.
    pub async fn employment_histories(
        &self,
        ids: &[ProfileId],
    ) -> DomainResult<HashMap<ProfileId, Vec<Employment>>> {
        self.profiles.employment(ids).await
    }

    /// Imports the owner's public GitHub repositories (not forks) as portfolio items,
    /// most starred first, within the portfolio's limit. Re-running updates the items it
    /// made before (keyed by `owner/name`) instead of adding them again.
    pub async fn import_github(
        &self,
        actor: &Actor,
        profile: Option<ProfileId>,
    ) -> DomainResult<Vec<PortfolioItem>> {
        let profile = self.owned_profile(actor, profile).await?;
        let host = self
            .code_host
            .as_ref()
            .ok_or_else(|| DomainError::Unavailable {
                message: "importing from GitHub is not set up on this server".into(),
            })?;
        let provider = host.provider();
        let account = self
            .users
            .identities_of(profile.user_id)
            .await?
            .into_iter()
            .find(|(p, _)| *p == provider)
            .map(|(_, subject)| subject)
            .ok_or_else(|| {
                DomainError::Validation(vec![FieldError::new(
                    &["profileId"],
                    crate::ErrorCode::InvalidState,
                    "sign in with GitHub (or link it to your account) first",
                )])
            })?;
        let mut repos = host.public_repositories(&account).await?;
        // Forks are someone else's work; names that are not `owner/name` are not kept.
        repos.retain(|r| !r.fork && valid_full_name(&r.full_name));
        for repo in &mut repos {
            repo.topics.truncate(20);
            repo.topics.retain(|t| t.len() <= 50 && !t.contains('\0'));
            repo.language = repo
                .language
                .take()
                .filter(|l| l.len() <= 50 && !l.contains('\0'));
        }
        repos.sort_by(|a, b| b.stars.cmp(&a.stars).then(a.full_name.cmp(&b.full_name)));
        let existing = self
            .profiles
            .portfolio(&[profile.id])
            .await?
            .remove(&profile.id)
            .unwrap_or_default();
        let mut room = MAX_PORTFOLIO_ITEMS.saturating_sub(existing.len());
        let by_repo: HashMap<String, PortfolioItem> = existing
            .into_iter()
            .filter_map(|i| i.github_repo.clone().map(|r| (r, i)))
            .collect();
        let terms: Vec<String> = repos
            .iter()
            .flat_map(|r| r.language.iter().chain(r.topics.iter()))
            .flat_map(|t| super::github::skill_terms(t))
            .collect();
        let known = self.taxonomy.skills_by_terms(&terms).await?;
        let mut imported = Vec::new();
        for repo in repos {
            let mut skills: Vec<SkillId> = Vec::new();
            for term in repo
                .language
                .iter()
                .chain(repo.topics.iter())
                .flat_map(|t| super::github::skill_terms(t))
            {
                if let Some(id) = known.get(&term)
                    && !skills.contains(id)
                    && skills.len() < super::portfolio::MAX_ITEM_SKILLS
                {
                    skills.push(*id);
                }
            }
            let now = Utc::now();
            // What the host says is checked like any input; a repository whose name does
            // not make a valid item is left out.
            let Ok(title) =
                crate::text::single_line(&repo.name.chars().take(120).collect::<String>(), 1, 120)
            else {
                continue;
            };
            let description = crate::text::multi_line(
                &repo
                    .description
                    .unwrap_or_default()
                    .chars()
                    .take(2_000)
                    .collect::<String>(),
                0,
                2_000,
            )
            .unwrap_or_default();
            let link = crate::text::https_url_on(&repo.html_url, &[])
                .is_ok()
                .then_some(repo.html_url);
            let item = match by_repo.get(&repo.full_name) {
                Some(old) => PortfolioItem {
                    title,
                    description,
                    link,
                    skills,
                    stars: Some(repo.stars),
                    updated_at: now,
                    ..old.clone()
                },
                None if room > 0 => {
                    room -= 1;
                    PortfolioItem {
                        id: PortfolioItemId(Uuid::now_v7()),
                        profile_id: profile.id,
                        title,
                        description,
                        link,
                        skills,
                        image_links: Vec::new(),
                        github_repo: Some(repo.full_name.clone()),
                        stars: Some(repo.stars),
                        version: 1,
                        created_at: now,
                        updated_at: now,
                    }
                }
                None => continue,
            };
            imported.push(self.profiles.upsert_imported_item(&item).await?);
        }
        Ok(imported)
    }
}
