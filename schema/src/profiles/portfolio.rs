//! Portfolio items and employment history: types and mutations.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use domain::profiles::{self, EmploymentId, PortfolioItemId, ProfileId};

use super::fields::{change, kept, nest};
use crate::context::{actor, services};
use crate::errors::{UserError, into_payload};
use crate::ids::{NodeKind, decode_kind, encode};
use crate::taxonomy::types::{Skill, load_error, loaders};

pub struct PortfolioItem(pub profiles::PortfolioItem);

/// A piece of previous work a client can judge. Text is plain text.
#[Object]
impl PortfolioItem {
    /// Global ID of the item.
    async fn id(&self) -> ID {
        encode(NodeKind::PortfolioItem, self.0.id.0)
    }

    /// 1 to 120 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// At most 2000 characters.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Where to see the work (https).
    async fn link(&self) -> Option<&str> {
        self.0.link.as_deref()
    }

    /// Skills the work shows, from the taxonomy.
    async fn skills(&self, ctx: &Context<'_>) -> Result<Vec<Skill>> {
        let found = loaders(ctx)?
            .skill
            .load_many(self.0.skills.iter().copied())
            .await
            .map_err(|e| load_error(ctx, e))?;
        Ok(self
            .0
            .skills
            .iter()
            .filter_map(|id| found.get(id).cloned().map(Skill))
            .collect())
    }

    /// Screenshots (https URLs).
    async fn image_links(&self) -> &[String] {
        &self.0.image_links
    }

    /// `owner/name` when imported from GitHub.
    async fn github_repo(&self) -> Option<&str> {
        self.0.github_repo.as_deref()
    }

    /// GitHub stars at the last import.
    async fn stars(&self) -> Option<i64> {
        self.0.stars.map(i64::from)
    }

    /// When it was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

pub struct Employment(pub profiles::Employment);

/// A job the freelancer held.
#[Object]
impl Employment {
    /// Global ID of the entry.
    async fn id(&self) -> ID {
        encode(NodeKind::Employment, self.0.id.0)
    }

    /// The employer.
    async fn company(&self) -> &str {
        &self.0.company
    }

    /// The role held.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The first day.
    async fn started_on(&self) -> NaiveDate {
        self.0.started_on
    }

    /// The last day; null while it lasts.
    async fn ended_on(&self) -> Option<NaiveDate> {
        self.0.ended_on
    }

    /// What the work was. Plain text.
    async fn description(&self) -> &str {
        &self.0.description
    }
}

/// A portfolio item. Absent fields stay as they are (`title` is required when adding);
/// `null` clears `link`; lists, when given, replace what was there.
#[derive(InputObject)]
pub struct PortfolioItemFields {
    /// 1 to 120 characters (required when adding; cannot be null).
    pub title: MaybeUndefined<String>,
    /// At most 2000 characters (empty clears; cannot be null).
    pub description: MaybeUndefined<String>,
    /// An https URL.
    pub link: MaybeUndefined<String>,
    /// Skill slugs from the taxonomy, at most 20.
    pub skills: MaybeUndefined<Vec<String>>,
    /// https URLs of screenshots, at most 10.
    pub image_links: MaybeUndefined<Vec<String>>,
}

impl From<PortfolioItemFields> for profiles::PortfolioItemInput {
    fn from(f: PortfolioItemFields) -> Self {
        let mut nulls = Vec::new();
        Self {
            title: kept(f.title, "title", &mut nulls),
            description: kept(f.description, "description", &mut nulls),
            skills: kept(f.skills, "skills", &mut nulls),
            image_links: kept(f.image_links, "imageLinks", &mut nulls),
            link: change(f.link, |v| v),
            nulls,
        }
    }
}

/// Input of `addPortfolioItem`.
#[derive(InputObject)]
pub struct AddPortfolioItemInput {
    /// Your profile.
    pub profile_id: ID,
    /// The item.
    pub item: PortfolioItemFields,
}

/// Input of `updatePortfolioItem`.
#[derive(InputObject)]
pub struct UpdatePortfolioItemInput {
    /// The item to change (yours).
    pub item_id: ID,
    /// The changes.
    pub item: PortfolioItemFields,
}

/// Input of `removePortfolioItem`.
#[derive(InputObject)]
pub struct RemovePortfolioItemInput {
    /// The item to remove (yours).
    pub item_id: ID,
}

/// The outcome of a change to a portfolio item.
#[derive(SimpleObject)]
pub struct PortfolioItemPayload {
    /// The item after the change; null when `userErrors` is not empty.
    pub item: Option<PortfolioItem>,
    /// Why the input was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The outcome of `removePortfolioItem`.
#[derive(SimpleObject)]
pub struct RemovePortfolioItemPayload {
    /// The removed item's ID; null when `userErrors` is not empty.
    pub removed_item_id: Option<ID>,
    /// Why nothing was removed; empty on success.
    pub user_errors: Vec<UserError>,
}

/// A job. Absent fields stay as they are (company, title and start are required when
/// adding); `null` for `endedOn` means it lasts.
#[derive(InputObject)]
pub struct EmploymentFields {
    /// 1 to 120 characters (cannot be null).
    pub company: MaybeUndefined<String>,
    /// 1 to 120 characters (cannot be null).
    pub title: MaybeUndefined<String>,
    /// Not in the future (cannot be null).
    pub started_on: MaybeUndefined<NaiveDate>,
    /// On or after `startedOn`, not in the future; null while it lasts.
    pub ended_on: MaybeUndefined<NaiveDate>,
    /// At most 2000 characters (empty clears; cannot be null).
    pub description: MaybeUndefined<String>,
}

impl From<EmploymentFields> for profiles::EmploymentInput {
    fn from(f: EmploymentFields) -> Self {
        let mut nulls = Vec::new();
        Self {
            company: kept(f.company, "company", &mut nulls),
            title: kept(f.title, "title", &mut nulls),
            started_on: kept(f.started_on, "startedOn", &mut nulls),
            description: kept(f.description, "description", &mut nulls),
            ended_on: change(f.ended_on, |v| v),
            nulls,
        }
    }
}

/// Input of `addEmployment`.
#[derive(InputObject)]
pub struct AddEmploymentInput {
    /// Your profile.
    pub profile_id: ID,
    /// The job.
    pub employment: EmploymentFields,
}

/// Input of `updateEmployment`.
#[derive(InputObject)]
pub struct UpdateEmploymentInput {
    /// The entry to change (yours).
    pub employment_id: ID,
    /// The changes.
    pub employment: EmploymentFields,
}

/// Input of `removeEmployment`.
#[derive(InputObject)]
pub struct RemoveEmploymentInput {
    /// The entry to remove (yours).
    pub employment_id: ID,
}

/// The outcome of a change to an employment entry.
#[derive(SimpleObject)]
pub struct EmploymentPayload {
    /// The entry after the change; null when `userErrors` is not empty.
    pub employment: Option<Employment>,
    /// Why the input was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The outcome of `removeEmployment`.
#[derive(SimpleObject)]
pub struct RemoveEmploymentPayload {
    /// The removed entry's ID; null when `userErrors` is not empty.
    pub removed_employment_id: Option<ID>,
    /// Why nothing was removed; empty on success.
    pub user_errors: Vec<UserError>,
}

fn id_of<T>(id: &ID, kind: NodeKind, wrap: impl FnOnce(uuid::Uuid) -> T) -> Option<T> {
    decode_kind(id, kind).ok().map(wrap)
}

/// Input of `importGithubRepositories`.
#[derive(InputObject)]
pub struct ImportGithubRepositoriesInput {
    /// Your profile.
    pub profile_id: ID,
}

/// The outcome of `importGithubRepositories`.
#[derive(SimpleObject)]
pub struct ImportGithubRepositoriesPayload {
    /// The portfolio items made or refreshed from your repositories, most starred first.
    pub items: Vec<PortfolioItem>,
    /// Why nothing was imported; empty on success.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct PortfolioMutation;

#[Object]
impl PortfolioMutation {
    /// Adds an item to your portfolio (at most 50).
    async fn add_portfolio_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Your profile and the item.")] input: AddPortfolioItemInput,
    ) -> Result<PortfolioItemPayload> {
        let profile = id_of(&input.profile_id, NodeKind::FreelancerProfile, ProfileId);
        let result = services(ctx)?
            .profiles
            .add_portfolio_item(actor(ctx), profile, input.item.into())
            .await
            .map_err(|e| nest(e, "item", "profileId"));
        let (item, user_errors) = into_payload(ctx, result)?;
        Ok(PortfolioItemPayload {
            item: item.map(PortfolioItem),
            user_errors,
        })
    }

    /// Changes one of your portfolio items.
    async fn update_portfolio_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item and its new content.")] input: UpdatePortfolioItemInput,
    ) -> Result<PortfolioItemPayload> {
        let id = id_of(&input.item_id, NodeKind::PortfolioItem, PortfolioItemId);
        let result = services(ctx)?
            .profiles
            .update_portfolio_item(actor(ctx), id, input.item.into())
            .await
            .map_err(|e| nest(e, "item", "itemId"));
        let (item, user_errors) = into_payload(ctx, result)?;
        Ok(PortfolioItemPayload {
            item: item.map(PortfolioItem),
            user_errors,
        })
    }

    /// Removes one of your portfolio items.
    async fn remove_portfolio_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item.")] input: RemovePortfolioItemInput,
    ) -> Result<RemovePortfolioItemPayload> {
        let id = id_of(&input.item_id, NodeKind::PortfolioItem, PortfolioItemId);
        let result = services(ctx)?
            .profiles
            .remove_portfolio_item(actor(ctx), id)
            .await;
        let (removed, user_errors) = into_payload(ctx, result)?;
        Ok(RemovePortfolioItemPayload {
            removed_item_id: removed.map(|id| encode(NodeKind::PortfolioItem, id.0)),
            user_errors,
        })
    }

    /// Imports your public GitHub repositories (forks left out) as portfolio items, with
    /// their description, link, stars and languages mapped to taxonomy skills. Running
    /// it again refreshes the items it made instead of adding them twice. You must have
    /// signed in with GitHub (or linked it). `UNAVAILABLE` when GitHub does not answer.
    async fn import_github_repositories(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Your profile.")] input: ImportGithubRepositoriesInput,
    ) -> Result<ImportGithubRepositoriesPayload> {
        let profile = id_of(&input.profile_id, NodeKind::FreelancerProfile, ProfileId);
        let result = services(ctx)?
            .profiles
            .import_github(actor(ctx), profile)
            .await;
        let (items, user_errors) = into_payload(ctx, result)?;
        Ok(ImportGithubRepositoriesPayload {
            items: items
                .unwrap_or_default()
                .into_iter()
                .map(PortfolioItem)
                .collect(),
            user_errors,
        })
    }

    /// Adds a job to your employment history (at most 30).
    async fn add_employment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Your profile and the job.")] input: AddEmploymentInput,
    ) -> Result<EmploymentPayload> {
        let profile = id_of(&input.profile_id, NodeKind::FreelancerProfile, ProfileId);
        let result = services(ctx)?
            .profiles
            .add_employment(actor(ctx), profile, input.employment.into())
            .await
            .map_err(|e| nest(e, "employment", "profileId"));
        let (job, user_errors) = into_payload(ctx, result)?;
        Ok(EmploymentPayload {
            employment: job.map(Employment),
            user_errors,
        })
    }

    /// Changes one of your employment entries.
    async fn update_employment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry and its new content.")] input: UpdateEmploymentInput,
    ) -> Result<EmploymentPayload> {
        let id = id_of(&input.employment_id, NodeKind::Employment, EmploymentId);
        let result = services(ctx)?
            .profiles
            .update_employment(actor(ctx), id, input.employment.into())
            .await
            .map_err(|e| nest(e, "employment", "employmentId"));
        let (job, user_errors) = into_payload(ctx, result)?;
        Ok(EmploymentPayload {
            employment: job.map(Employment),
            user_errors,
        })
    }

    /// Removes one of your employment entries.
    async fn remove_employment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry.")] input: RemoveEmploymentInput,
    ) -> Result<RemoveEmploymentPayload> {
        let id = id_of(&input.employment_id, NodeKind::Employment, EmploymentId);
        let result = services(ctx)?
            .profiles
            .remove_employment(actor(ctx), id)
            .await;
        let (removed, user_errors) = into_payload(ctx, result)?;
        Ok(RemoveEmploymentPayload {
            removed_employment_id: removed.map(|id| encode(NodeKind::Employment, id.0)),
            user_errors,
        })
    }
}

pub(crate) fn profile_loaders<'a>(
    ctx: &'a Context<'_>,
) -> Result<&'a super::loaders::ProfileLoaders> {
    crate::context::data(ctx)
}
