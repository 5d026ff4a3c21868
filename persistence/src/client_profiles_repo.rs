//! Client profiles on SeaORM.

use std::collections::HashMap;

use async_trait::async_trait;
use domain::profiles::{
    ClientProfile, ClientProfileId, ClientProfileRepository, ClientStats, CompanySize,
};
use domain::{DomainError, DomainResult, UserId};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::entities::client_profile;
use crate::errors::{internal, map_db_err};

#[derive(Clone)]
pub struct SeaClientProfileRepository {
    db: DatabaseConnection,
}

impl SeaClientProfileRepository {
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }

    /// Profiles with whether their owners are active: one more statement for any number.
    async fn with_owners(
        &self,
        rows: Vec<client_profile::Model>,
    ) -> DomainResult<Vec<ClientProfile>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let active =
            crate::accounts_repo::active_users(&self.db, rows.iter().map(|r| r.user_id)).await?;
        rows.into_iter()
            .map(|r| {
                let owner_active = active.get(&r.user_id).copied().unwrap_or(false);
                to_profile(r, owner_active)
            })
            .collect()
    }
}

fn row(p: &ClientProfile) -> client_profile::ActiveModel {
    client_profile::ActiveModel {
        id: Set(p.id.0),
        user_id: Set(p.user_id.0),
        company_name: Set(p.company_name.clone()),
        size: Set(p.size.map(|s| s.key().to_owned())),
        industry: Set(p.industry.clone()),
        website: Set(p.website.clone()),
        country: Set(p.country.clone()),
        city: Set(p.city.clone()),
        description: Set(p.description.clone()),
        version: Set(p.version),
        // Reviews write the rating; profile edits leave it alone.
        rating_avg: NotSet,
        review_count: NotSet,
        created_at: Set(p.created_at),
        updated_at: Set(p.updated_at),
    }
}

fn to_profile(m: client_profile::Model, owner_active: bool) -> DomainResult<ClientProfile> {
    let size = match m.size.as_deref() {
        None => None,
        Some(key) => Some(CompanySize::from_key(key).ok_or_else(|| {
            DomainError::internal("stored client profile has an unknown company size")
        })?),
    };
    Ok(ClientProfile {
        id: ClientProfileId(m.id),
        user_id: UserId(m.user_id),
        company_name: m.company_name,
        size,
        industry: m.industry,
        website: m.website,
        country: m.country,
        city: m.city,
        description: m.description,
        owner_active,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

#[async_trait]
impl ClientProfileRepository for SeaClientProfileRepository {
    async fn create(&self, p: &ClientProfile) -> DomainResult<ClientProfile> {
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        client_profile::Entity::insert(row(p))
            .exec_without_returning(&txn)
            .await
            .map_err(|e| map_db_err(e, &[("user", "user")]))?;
        // The job writes the owner's reputation onto the new profile's rating columns.
        crate::reputation_marks::mark_subject(&txn, domain::reviews::Subject::Client(p.user_id))
            .await?;
        txn.commit().await.map_err(internal)?;
        Ok(p.clone())
    }

    async fn save(&self, p: &ClientProfile) -> DomainResult<Option<ClientProfile>> {
        let next = ClientProfile {
            version: p.version + 1,
            ..p.clone()
        };
        let updated = client_profile::Entity::update_many()
            .set(row(&next))
            .filter(client_profile::Column::Id.eq(p.id.0))
            .filter(client_profile::Column::Version.eq(p.version))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok((updated.rows_affected == 1).then_some(next))
    }

    async fn by_ids(&self, ids: &[ClientProfileId]) -> DomainResult<Vec<ClientProfile>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = client_profile::Entity::find()
            .filter(client_profile::Column::Id.is_in(ids.iter().map(|i| i.0)))
            .all(&self.db)
            .await
            .map_err(internal)?;
        self.with_owners(rows).await
    }

    async fn by_user(&self, user: UserId) -> DomainResult<Option<ClientProfile>> {
        let rows = client_profile::Entity::find()
            .filter(client_profile::Column::UserId.eq(user.0))
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(self.with_owners(rows).await?.into_iter().next())
    }

    async fn by_users(&self, users: &[UserId]) -> DomainResult<Vec<ClientProfile>> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let rows = client_profile::Entity::find()
            .filter(client_profile::Column::UserId.is_in(users.iter().map(|u| u.0)))
            .all(&self.db)
            .await
            .map_err(internal)?;
        self.with_owners(rows).await
    }

    /// Counted from the tables, never kept as counters: public published postings
    /// (drafts and invite-only postings do not count), people hired on them, and the share of those postings with a hire.
    /// One statement for any number of profiles.
    async fn stats(
        &self,
        ids: &[ClientProfileId],
    ) -> DomainResult<HashMap<ClientProfileId, ClientStats>> {
        let mut out: HashMap<ClientProfileId, ClientStats> =
            ids.iter().map(|id| (*id, ClientStats::default())).collect();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut sql = crate::search_sql::Sql::new(self.db.get_database_backend());
        let list = sql.list(&ids.iter().map(|i| i.0).collect::<Vec<_>>());
        sql.push(&format!(
            "SELECT cp.id AS id, COUNT(p.id) AS postings, \
             CAST(COALESCE(SUM(h.hires), 0) AS BIGINT) AS hires, COUNT(h.posting_id) AS hired_postings \
             FROM client_profiles cp \
             LEFT JOIN postings p ON p.client_id = cp.user_id AND p.status <> 'DRAFT' \
             AND p.visibility = 'PUBLIC' \
             LEFT JOIN (SELECT posting_id, COUNT(*) AS hires FROM proposals \
                        WHERE status = 'HIRED' GROUP BY posting_id) h ON h.posting_id = p.id \
             WHERE cp.id IN ({list}) GROUP BY cp.id"
        ));
        for row in self
            .db
            .query_all_raw(sql.statement())
            .await
            .map_err(internal)?
        {
            let id: uuid::Uuid = row.try_get("", "id").map_err(internal)?;
            let postings: i64 = row.try_get("", "postings").map_err(internal)?;
            let hires: i64 = row.try_get("", "hires").map_err(internal)?;
            let hired: i64 = row.try_get("", "hired_postings").map_err(internal)?;
            let rate = if postings > 0 {
                u8::try_from((hired * 100) / postings).unwrap_or(100)
            } else {
                0
            };
            out.insert(
                ClientProfileId(id),
                ClientStats {
                    postings: u64::try_from(postings).unwrap_or(0),
                    hires: u64::try_from(hires).unwrap_or(0),
                    hire_rate_percent: rate,
                },
            );
        }
        Ok(out)
    }
}
