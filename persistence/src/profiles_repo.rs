//! Freelancer profiles on SeaORM: one row per profile plus its skills, languages and
//! links, written together in one transaction and read back in one statement per table.

use std::collections::HashMap;

use async_trait::async_trait;
use domain::money::{Currency, Money};
use domain::profiles::{
    Availability, Employment, EmploymentId, ExternalProfile, ExternalSite, FreelancerProfile,
    LanguageLevel, Location, PortfolioItem, PortfolioItemId, ProfileId, ProfileRepository,
    ProfileSkill, SpokenLanguage, Visibility,
};
use domain::taxonomy::SkillId;
use domain::{DomainError, DomainResult, UserId};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};

use crate::entities::{freelancer_language, freelancer_link, freelancer_profile, freelancer_skill};
use crate::errors::{internal, map_db_err};

const UNIQUE_FIELDS: &[(&str, &str)] = &[("user", "user")];

#[derive(Clone)]
pub struct SeaProfileRepository {
    db: DatabaseConnection,
}

impl SeaProfileRepository {
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }

    pub(crate) fn conn(&self) -> &DatabaseConnection {
        &self.db
    }
}

/// Stored values that do not parse are a fault of ours, never silently bent.
fn corrupt(what: &str) -> DomainError {
    DomainError::internal(format!("stored profile data is invalid: {what}"))
}

fn level_from(key: &str) -> DomainResult<LanguageLevel> {
    LanguageLevel::from_key(key).ok_or_else(|| corrupt("language level"))
}

fn small(n: u8) -> i16 {
    i16::from(n)
}

fn row(p: &FreelancerProfile) -> freelancer_profile::ActiveModel {
    freelancer_profile::ActiveModel {
        id: Set(p.id.0),
        user_id: Set(p.user_id.0),
        headline: Set(p.headline.clone()),
        overview: Set(p.overview.clone()),
        rate_minor: Set(p.hourly_rate.map(|m| m.amount_minor)),
        rate_currency: Set(p.hourly_rate.map(|m| m.currency.code().to_owned())),
        hours_per_week: Set(small(p.availability.hours_per_week)),
        available_from: Set(p.availability.available_from),
        country: Set(p.location.country.clone()),
        city: Set(p.location.city.clone()),
        time_zone: Set(p.location.time_zone.clone()),
        visibility: Set(match p.visibility {
            Visibility::Visible => "VISIBLE".into(),
            Visibility::Hidden => "HIDDEN".into(),
        }),
        moderation_hidden: Set(p.moderation_hidden),
        version: Set(p.version),
        skills_text: NotSet,
        // Reputation is not the profile owner's to write.
        rating_avg: NotSet,
        review_count: NotSet,
        job_success: NotSet,
        utc_offset_minutes: Set(p
            .location
            .time_zone
            .as_deref()
            .and_then(domain::text::standard_utc_offset_minutes)),
        created_at: Set(p.created_at),
        updated_at: Set(p.updated_at),
    }
}

/// The row to write: the profile plus the names and aliases of its skills, which free
/// text searches along with the headline and overview.
async fn full_row<C: ConnectionTrait>(
    db: &C,
    p: &FreelancerProfile,
) -> DomainResult<freelancer_profile::ActiveModel> {
    let ids: Vec<uuid::Uuid> = p.skills.iter().map(|s| s.skill_id.0).collect();
    let words = crate::search_sql::skills_text(db, &ids).await?;
    let mut model = row(p);
    model.skills_text = Set(words);
    Ok(model)
}

/// Writes the profile's lists (after the old ones were deleted).
async fn insert_lists<C: ConnectionTrait>(db: &C, p: &FreelancerProfile) -> DomainResult<()> {
    if !p.skills.is_empty() {
        freelancer_skill::Entity::insert_many(p.skills.iter().enumerate().map(|(i, s)| {
            freelancer_skill::ActiveModel {
                profile_id: Set(p.id.0),
                skill_id: Set(s.skill_id.0),
                level: Set(small(s.level)),
                years: Set(small(s.years)),
                position: Set(i16::try_from(i).unwrap_or(i16::MAX)),
            }
        }))
        .exec_without_returning(db)
        .await
        .map_err(internal)?;
    }
    if !p.languages.is_empty() {
        freelancer_language::Entity::insert_many(p.languages.iter().enumerate().map(|(i, l)| {
            freelancer_language::ActiveModel {
                profile_id: Set(p.id.0),
                code: Set(l.code.clone()),
                level: Set(l.level.key().into()),
                position: Set(i16::try_from(i).unwrap_or(i16::MAX)),
            }
        }))
        .exec_without_returning(db)
        .await
        .map_err(internal)?;
    }
    if !p.external_profiles.is_empty() {
        freelancer_link::Entity::insert_many(p.external_profiles.iter().map(|l| {
            freelancer_link::ActiveModel {
                profile_id: Set(p.id.0),
                site: Set(l.site.key().into()),
                url: Set(l.url.clone()),
            }
        }))
        .exec_without_returning(db)
        .await
        .map_err(internal)?;
    }
    Ok(())
}

impl SeaProfileRepository {
    /// Profiles with all their lists: four statements for any number of profiles.
    async fn assemble(
        &self,
        rows: Vec<freelancer_profile::Model>,
    ) -> DomainResult<Vec<FreelancerProfile>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<ProfileId> = rows.iter().map(|r| ProfileId(r.id)).collect();
        let mut skills = self.skills(&ids).await?;
        let owners =
            crate::accounts_repo::active_users(&self.db, rows.iter().map(|r| r.user_id)).await?;
        let mut languages: HashMap<uuid::Uuid, Vec<SpokenLanguage>> = HashMap::new();
        for l in freelancer_language::Entity::find()
            .filter(freelancer_language::Column::ProfileId.is_in(ids.iter().map(|i| i.0)))
            .order_by_asc(freelancer_language::Column::ProfileId)
            .order_by_asc(freelancer_language::Column::Position)
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            languages
                .entry(l.profile_id)
                .or_default()
                .push(SpokenLanguage {
                    level: level_from(&l.level)?,
                    code: l.code,
                });
        }
        let mut links: HashMap<uuid::Uuid, Vec<ExternalProfile>> = HashMap::new();
        for l in freelancer_link::Entity::find()
            .filter(freelancer_link::Column::ProfileId.is_in(ids.iter().map(|i| i.0)))
            .order_by_asc(freelancer_link::Column::Site)
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            if let Some(site) = ExternalSite::from_key(&l.site) {
                links
                    .entry(l.profile_id)
                    .or_default()
                    .push(ExternalProfile { site, url: l.url });
            }
        }
        rows.into_iter()
            .map(|r| {
                let hourly_rate = match (r.rate_minor, r.rate_currency.as_deref()) {
                    (Some(amount_minor), Some(code)) => Some(Money {
                        amount_minor,
                        currency: Currency::parse(code).map_err(DomainError::internal)?,
                    }),
                    _ => None,
                };
                Ok(FreelancerProfile {
                    id: ProfileId(r.id),
                    user_id: UserId(r.user_id),
                    headline: r.headline,
                    overview: r.overview,
                    hourly_rate,
                    availability: Availability {
                        hours_per_week: u8::try_from(r.hours_per_week)
                            .map_err(|_| corrupt("hours per week"))?,
                        available_from: r.available_from,
                    },
                    location: Location {
                        country: r.country,
                        city: r.city,
                        time_zone: r.time_zone,
                    },
                    languages: languages.remove(&r.id).unwrap_or_default(),
                    skills: skills.remove(&ProfileId(r.id)).unwrap_or_default(),
                    external_profiles: links.remove(&r.id).unwrap_or_default(),
                    // Fail closed: anything but VISIBLE hides.
                    visibility: if r.visibility == "VISIBLE" {
                        Visibility::Visible
                    } else {
                        Visibility::Hidden
                    },
                    moderation_hidden: r.moderation_hidden,
                    owner_active: owners.get(&r.user_id).copied().unwrap_or(false),
                    version: r.version,
                    created_at: r.created_at,
                    updated_at: r.updated_at,
                })
            })
            .collect()
    }
}

#[async_trait]
impl ProfileRepository for SeaProfileRepository {
    async fn create(&self, p: &FreelancerProfile) -> DomainResult<FreelancerProfile> {
        // Read before the transaction: on SQLite a transaction that reads first and then
        // writes cannot wait for a concurrent writer (it fails "database is locked").
        let model = full_row(&self.db, p).await?;
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        freelancer_profile::Entity::insert(model)
            .exec_without_returning(&txn)
            .await
            .map_err(|e| map_db_err(e, UNIQUE_FIELDS))?;
        insert_lists(&txn, p).await?;
        // The job writes the owner's reputation onto the new profile's rating columns.
        crate::reputation_marks::mark_subject(
            &txn,
            domain::reviews::Subject::Freelancer(p.user_id),
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        tracing::info!(profile = %p.id.0, user = %p.user_id.0, "freelancer profile created");
        Ok(p.clone())
    }

    async fn save(&self, p: &FreelancerProfile) -> DomainResult<Option<FreelancerProfile>> {
        let next = FreelancerProfile {
            version: p.version + 1,
            ..p.clone()
        };
        // Read before the transaction (see `create`); its first statement is the write.
        let model = full_row(&self.db, &next).await?;
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        // Only if nobody wrote since `p` was read; the row lock this takes makes a
        // concurrent writer wait, then find the version changed.
        let updated = freelancer_profile::Entity::update_many()
            .set(model)
            .filter(freelancer_profile::Column::Id.eq(p.id.0))
            .filter(freelancer_profile::Column::Version.eq(p.version))
            .exec(&txn)
            .await
            .map_err(internal)?;
        if updated.rows_affected == 0 {
            txn.rollback().await.map_err(internal)?;
            return Ok(None);
        }
        freelancer_skill::Entity::delete_many()
            .filter(freelancer_skill::Column::ProfileId.eq(p.id.0))
            .exec(&txn)
            .await
            .map_err(internal)?;
        freelancer_language::Entity::delete_many()
            .filter(freelancer_language::Column::ProfileId.eq(p.id.0))
            .exec(&txn)
            .await
            .map_err(internal)?;
        freelancer_link::Entity::delete_many()
            .filter(freelancer_link::Column::ProfileId.eq(p.id.0))
            .exec(&txn)
            .await
            .map_err(internal)?;
        insert_lists(&txn, &next).await?;
        txn.commit().await.map_err(internal)?;
        Ok(Some(next))
    }

    async fn by_ids(&self, ids: &[ProfileId]) -> DomainResult<Vec<FreelancerProfile>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = freelancer_profile::Entity::find()
            .filter(freelancer_profile::Column::Id.is_in(ids.iter().map(|i| i.0)))
            .all(&self.db)
            .await
            .map_err(internal)?;
        self.assemble(rows).await
    }

    async fn by_user(&self, user: UserId) -> DomainResult<Option<FreelancerProfile>> {
        let rows = freelancer_profile::Entity::find()
            .filter(freelancer_profile::Column::UserId.eq(user.0))
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(self.assemble(rows).await?.into_iter().next())
    }

    async fn by_users(&self, users: &[UserId]) -> DomainResult<Vec<FreelancerProfile>> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let rows = freelancer_profile::Entity::find()
            .filter(freelancer_profile::Column::UserId.is_in(users.iter().map(|u| u.0)))
            .all(&self.db)
            .await
            .map_err(internal)?;
        self.assemble(rows).await
    }

    async fn skills(
        &self,
        ids: &[ProfileId],
    ) -> DomainResult<HashMap<ProfileId, Vec<ProfileSkill>>> {
        let mut out: HashMap<ProfileId, Vec<ProfileSkill>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        for s in freelancer_skill::Entity::find()
            .filter(freelancer_skill::Column::ProfileId.is_in(ids.iter().map(|i| i.0)))
            .order_by_asc(freelancer_skill::Column::ProfileId)
            .order_by_asc(freelancer_skill::Column::Position)
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            out.entry(ProfileId(s.profile_id))
                .or_default()
                .push(ProfileSkill {
                    skill_id: SkillId(s.skill_id),
                    level: u8::try_from(s.level).map_err(|_| corrupt("skill level"))?,
                    years: u8::try_from(s.years).map_err(|_| corrupt("skill years"))?,
                });
        }
        Ok(out)
    }

    async fn portfolio(
        &self,
        ids: &[ProfileId],
    ) -> DomainResult<HashMap<ProfileId, Vec<PortfolioItem>>> {
        self.portfolio_of(ids).await
    }

    async fn portfolio_item(&self, id: PortfolioItemId) -> DomainResult<Option<PortfolioItem>> {
        self.item(id).await
    }

    async fn save_portfolio_item(
        &self,
        item: &PortfolioItem,
        expected: Option<i64>,
    ) -> DomainResult<Option<PortfolioItem>> {
        self.store_item(item, expected).await
    }

    async fn upsert_imported_item(&self, item: &PortfolioItem) -> DomainResult<PortfolioItem> {
        self.upsert_item(item).await
    }

    async fn remove_portfolio_item(&self, id: PortfolioItemId) -> DomainResult<()> {
        self.delete_item(id).await
    }

    async fn count_portfolio(&self, profile: ProfileId) -> DomainResult<u64> {
        self.items_of(profile).await
    }

    async fn employment(
        &self,
        ids: &[ProfileId],
    ) -> DomainResult<HashMap<ProfileId, Vec<Employment>>> {
        self.jobs_of_many(ids).await
    }

    async fn employment_entry(&self, id: EmploymentId) -> DomainResult<Option<Employment>> {
        self.job(id).await
    }

    async fn save_employment(
        &self,
        job: &Employment,
        expected: Option<i64>,
    ) -> DomainResult<Option<Employment>> {
        self.store_job(job, expected).await
    }

    async fn remove_employment(&self, id: EmploymentId) -> DomainResult<()> {
        self.delete_job(id).await
    }

    async fn count_employment(&self, profile: ProfileId) -> DomainResult<u64> {
        self.jobs_of(profile).await
    }
}
