//! Portfolio items and employment history on SeaORM (the `ProfileRepository` methods
//! for them delegate here).

use std::collections::HashMap;

use domain::profiles::{Employment, EmploymentId, PortfolioItem, PortfolioItemId, ProfileId};
use domain::taxonomy::SkillId;
use domain::{DomainError, DomainResult};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::SeaProfileRepository;
use crate::entities::{employment, portfolio_item, portfolio_item_skill};
use crate::errors::{internal, map_db_err};

const UNIQUE_FIELDS: &[(&str, &str)] = &[("github_repo", "githubRepo")];

fn to_job(m: employment::Model) -> Employment {
    Employment {
        id: EmploymentId(m.id),
        profile_id: ProfileId(m.profile_id),
        company: m.company,
        title: m.title,
        started_on: m.started_on,
        ended_on: m.ended_on,
        description: m.description,
        version: m.version,
    }
}

impl SeaProfileRepository {
    /// Items with their skills: two statements for any number of profiles or items.
    async fn assemble_items(
        &self,
        rows: Vec<portfolio_item::Model>,
    ) -> DomainResult<Vec<PortfolioItem>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut skills: HashMap<uuid::Uuid, Vec<SkillId>> = HashMap::new();
        for s in portfolio_item_skill::Entity::find()
            .filter(portfolio_item_skill::Column::ItemId.is_in(rows.iter().map(|r| r.id)))
            .order_by_asc(portfolio_item_skill::Column::ItemId)
            .order_by_asc(portfolio_item_skill::Column::Position)
            .all(self.conn())
            .await
            .map_err(internal)?
        {
            skills
                .entry(s.item_id)
                .or_default()
                .push(SkillId(s.skill_id));
        }
        rows.into_iter()
            .map(|r| {
                let image_links: Vec<String> =
                    serde_json::from_str(&r.image_links).map_err(DomainError::internal)?;
                Ok(PortfolioItem {
                    id: PortfolioItemId(r.id),
                    profile_id: ProfileId(r.profile_id),
                    title: r.title,
                    description: r.description,
                    link: r.link,
                    skills: skills.remove(&r.id).unwrap_or_default(),
                    image_links,
                    github_repo: r.github_repo,
                    stars: r.stars.and_then(|s| u32::try_from(s).ok()),
                    version: r.version,
                    created_at: r.created_at,
                    updated_at: r.updated_at,
                })
            })
            .collect()
    }

    pub(crate) async fn portfolio_of(
        &self,
        ids: &[ProfileId],
    ) -> DomainResult<HashMap<ProfileId, Vec<PortfolioItem>>> {
        let mut out: HashMap<ProfileId, Vec<PortfolioItem>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let rows = portfolio_item::Entity::find()
            .filter(portfolio_item::Column::ProfileId.is_in(ids.iter().map(|i| i.0)))
            .order_by_asc(portfolio_item::Column::ProfileId)
            .order_by_desc(portfolio_item::Column::CreatedAt)
            .all(self.conn())
            .await
            .map_err(internal)?;
        for item in self.assemble_items(rows).await? {
            out.entry(item.profile_id).or_default().push(item);
        }
        Ok(out)
    }

    pub(crate) async fn item(&self, id: PortfolioItemId) -> DomainResult<Option<PortfolioItem>> {
        let rows = portfolio_item::Entity::find_by_id(id.0)
            .all(self.conn())
            .await
            .map_err(internal)?;
        Ok(self.assemble_items(rows).await?.into_iter().next())
    }

    fn item_row(item: &PortfolioItem) -> DomainResult<portfolio_item::ActiveModel> {
        let images = serde_json::to_string(&item.image_links).map_err(DomainError::internal)?;
        Ok(portfolio_item::ActiveModel {
            id: Set(item.id.0),
            profile_id: Set(item.profile_id.0),
            title: Set(item.title.clone()),
            description: Set(item.description.clone()),
            link: Set(item.link.clone()),
            image_links: Set(images),
            github_repo: Set(item.github_repo.clone()),
            stars: Set(item.stars.map(|s| i32::try_from(s).unwrap_or(i32::MAX))),
            version: Set(item.version),
            created_at: Set(item.created_at),
            updated_at: Set(item.updated_at),
        })
    }

    /// Replaces an item's skills (inside the caller's transaction).
    async fn put_item_skills<C: sea_orm::ConnectionTrait>(
        db: &C,
        item: &PortfolioItem,
    ) -> DomainResult<()> {
        portfolio_item_skill::Entity::delete_many()
            .filter(portfolio_item_skill::Column::ItemId.eq(item.id.0))
            .exec(db)
            .await
            .map_err(internal)?;
        if !item.skills.is_empty() {
            portfolio_item_skill::Entity::insert_many(item.skills.iter().enumerate().map(
                |(i, s)| portfolio_item_skill::ActiveModel {
                    item_id: Set(item.id.0),
                    skill_id: Set(s.0),
                    position: Set(i16::try_from(i).unwrap_or(i16::MAX)),
                },
            ))
            .exec_without_returning(db)
            .await
            .map_err(internal)?;
        }
        Ok(())
    }

    pub(crate) async fn store_item(
        &self,
        item: &PortfolioItem,
        expected: Option<i64>,
    ) -> DomainResult<Option<PortfolioItem>> {
        let txn = crate::db::begin_write(self.conn())
            .await
            .map_err(internal)?;
        let stored = match expected {
            None => {
                portfolio_item::Entity::insert(Self::item_row(item)?)
                    .exec_without_returning(&txn)
                    .await
                    .map_err(|e| map_db_err(e, UNIQUE_FIELDS))?;
                item.clone()
            }
            Some(version) => {
                let next = PortfolioItem {
                    version: version + 1,
                    ..item.clone()
                };
                // A versioned UPDATE: an item removed or changed meanwhile is not written
                // (a removed one never comes back).
                let updated = portfolio_item::Entity::update_many()
                    .set(Self::item_row(&next)?)
                    .filter(portfolio_item::Column::Id.eq(item.id.0))
                    .filter(portfolio_item::Column::Version.eq(version))
                    .exec(&txn)
                    .await
                    .map_err(internal)?;
                if updated.rows_affected == 0 {
                    txn.rollback().await.map_err(internal)?;
                    return Ok(None);
                }
                next
            }
        };
        Self::put_item_skills(&txn, &stored).await?;
        txn.commit().await.map_err(internal)?;
        Ok(Some(stored))
    }

    pub(crate) async fn upsert_item(&self, item: &PortfolioItem) -> DomainResult<PortfolioItem> {
        let txn = crate::db::begin_write(self.conn())
            .await
            .map_err(internal)?;
        portfolio_item::Entity::insert(Self::item_row(item)?)
            .on_conflict(
                sea_orm::sea_query::OnConflict::columns([
                    portfolio_item::Column::ProfileId,
                    portfolio_item::Column::GithubRepo,
                ])
                .update_columns([
                    portfolio_item::Column::Title,
                    portfolio_item::Column::Description,
                    portfolio_item::Column::Link,
                    portfolio_item::Column::Stars,
                    portfolio_item::Column::UpdatedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await
            .map_err(internal)?;
        // The row that holds the repository now (ours, or a concurrent import's).
        let row = portfolio_item::Entity::find()
            .filter(portfolio_item::Column::ProfileId.eq(item.profile_id.0))
            .filter(portfolio_item::Column::GithubRepo.eq(item.github_repo.clone()))
            .one(&txn)
            .await
            .map_err(internal)?
            .ok_or_else(|| DomainError::internal("an imported item vanished"))?;
        let stored = PortfolioItem {
            id: PortfolioItemId(row.id),
            created_at: row.created_at,
            version: row.version,
            ..item.clone()
        };
        Self::put_item_skills(&txn, &stored).await?;
        txn.commit().await.map_err(internal)?;
        Ok(stored)
    }

    pub(crate) async fn delete_item(&self, id: PortfolioItemId) -> DomainResult<()> {
        portfolio_item::Entity::delete_by_id(id.0)
            .exec(self.conn())
            .await
            .map_err(internal)?;
        Ok(())
    }

    pub(crate) async fn items_of(&self, profile: ProfileId) -> DomainResult<u64> {
        portfolio_item::Entity::find()
            .filter(portfolio_item::Column::ProfileId.eq(profile.0))
            .count(self.conn())
            .await
            .map_err(internal)
    }

    pub(crate) async fn jobs_of_many(
        &self,
        ids: &[ProfileId],
    ) -> DomainResult<HashMap<ProfileId, Vec<Employment>>> {
        let mut out: HashMap<ProfileId, Vec<Employment>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        for row in employment::Entity::find()
            .filter(employment::Column::ProfileId.is_in(ids.iter().map(|i| i.0)))
            .order_by_asc(employment::Column::ProfileId)
            .order_by_desc(employment::Column::StartedOn)
            .all(self.conn())
            .await
            .map_err(internal)?
        {
            out.entry(ProfileId(row.profile_id))
                .or_default()
                .push(to_job(row));
        }
        Ok(out)
    }

    pub(crate) async fn job(&self, id: EmploymentId) -> DomainResult<Option<Employment>> {
        let row = employment::Entity::find_by_id(id.0)
            .one(self.conn())
            .await
            .map_err(internal)?;
        Ok(row.map(to_job))
    }

    pub(crate) async fn store_job(
        &self,
        job: &Employment,
        expected: Option<i64>,
    ) -> DomainResult<Option<Employment>> {
        let row = |j: &Employment| employment::ActiveModel {
            id: Set(j.id.0),
            profile_id: Set(j.profile_id.0),
            company: Set(j.company.clone()),
            title: Set(j.title.clone()),
            started_on: Set(j.started_on),
            ended_on: Set(j.ended_on),
            description: Set(j.description.clone()),
            version: Set(j.version),
        };
        match expected {
            None => {
                employment::Entity::insert(row(job))
                    .exec_without_returning(self.conn())
                    .await
                    .map_err(internal)?;
                Ok(Some(job.clone()))
            }
            Some(version) => {
                let next = Employment {
                    version: version + 1,
                    ..job.clone()
                };
                let updated = employment::Entity::update_many()
                    .set(row(&next))
                    .filter(employment::Column::Id.eq(job.id.0))
                    .filter(employment::Column::Version.eq(version))
                    .exec(self.conn())
                    .await
                    .map_err(internal)?;
                Ok((updated.rows_affected == 1).then_some(next))
            }
        }
    }

    pub(crate) async fn delete_job(&self, id: EmploymentId) -> DomainResult<()> {
        employment::Entity::delete_by_id(id.0)
            .exec(self.conn())
            .await
            .map_err(internal)?;
        Ok(())
    }

    pub(crate) async fn jobs_of(&self, profile: ProfileId) -> DomainResult<u64> {
        employment::Entity::find()
            .filter(employment::Column::ProfileId.eq(profile.0))
            .count(self.conn())
            .await
            .map_err(internal)
    }
}
