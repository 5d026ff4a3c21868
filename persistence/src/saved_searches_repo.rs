//! Saved searches on SeaORM: the row, the filter as a JSON document of its own format
//! ([`SavedSearchRow`]), the per-user limit counted inside the insert's transaction, and
//! the alert job's watermark moved by a conditional write together with the
//! notifications it records.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::notifications::{Notification, NotificationId, NotificationKind, SavedSearchId};
use domain::postings::{
    BudgetRangeInput, PostingId, PostingSearch, SavedSearch, SavedSearchName, SavedSearchRepository,
};
use domain::taxonomy::CategoryId;
use domain::{DomainError, DomainResult, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, SqlErr,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entities::{saved_search, user};
use crate::errors::internal;
use crate::posting_rows::{
    at_rest, budget_kind_key, experience_key, hire_type_key, parse_budget_kind, parse_experience,
    parse_hire_type, parse_workplace, workplace_key,
};

/// [`SavedSearchRepository`] on the application's database (PostgreSQL or SQLite).
#[derive(Clone)]
pub struct SeaSavedSearchRepository {
    db: DatabaseConnection,
}

impl SeaSavedSearchRepository {
    /// A repository on `db`'s pool.
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

/// The stored filter: every raw field of a [`PostingSearch`], enums by the keys the
/// postings table uses. A storage format of its own, so the domain's types carry no
/// serde; a field added later gets a `#[serde(default)]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SavedSearchRow {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    skills_all: Vec<String>,
    #[serde(default)]
    skills_any: Vec<String>,
    #[serde(default)]
    category_id: Option<Uuid>,
    #[serde(default)]
    hire_types: Vec<String>,
    #[serde(default)]
    budget: Option<BudgetRow>,
    #[serde(default)]
    experience_levels: Vec<String>,
    #[serde(default)]
    workplaces: Vec<String>,
    #[serde(default)]
    countries: Vec<String>,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    posted_within_days: Option<i64>,
    #[serde(default)]
    client_min_rating: Option<f64>,
    #[serde(default)]
    proposals_fewer_than: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct BudgetRow {
    kind: Option<String>,
    currency: String,
    min_minor: Option<i64>,
    max_minor: Option<i64>,
}

fn corrupt(what: &str) -> DomainError {
    DomainError::internal(format!("stored saved search is invalid: {what}"))
}

fn parse_all<T>(keys: &[String], parse: fn(&str) -> Option<T>, what: &str) -> DomainResult<Vec<T>> {
    keys.iter()
        .map(|k| parse(k).ok_or_else(|| corrupt(what)))
        .collect()
}

impl SavedSearchRow {
    fn of(s: &PostingSearch) -> Self {
        Self {
            text: s.text.clone(),
            skills_all: s.skills_all.clone(),
            skills_any: s.skills_any.clone(),
            category_id: s.category_id.map(|c| c.0),
            hire_types: s
                .hire_types
                .iter()
                .map(|h| hire_type_key(*h).to_owned())
                .collect(),
            budget: s.budget.as_ref().map(|b| BudgetRow {
                kind: b.kind.map(|k| budget_kind_key(k).to_owned()),
                currency: b.currency.clone(),
                min_minor: b.min_minor,
                max_minor: b.max_minor,
            }),
            experience_levels: s
                .experience_levels
                .iter()
                .map(|e| experience_key(*e).to_owned())
                .collect(),
            workplaces: s
                .workplaces
                .iter()
                .map(|w| workplace_key(*w).to_owned())
                .collect(),
            countries: s.countries.clone(),
            time_zone: s.time_zone.clone(),
            posted_within_days: s.posted_within_days,
            client_min_rating: s.client_min_rating,
            proposals_fewer_than: s.proposals_fewer_than,
        }
    }

    fn search(self) -> DomainResult<PostingSearch> {
        Ok(PostingSearch {
            text: self.text,
            skills_all: self.skills_all,
            skills_any: self.skills_any,
            category_id: self.category_id.map(CategoryId),
            hire_types: parse_all(&self.hire_types, parse_hire_type, "hire type")?,
            budget: self
                .budget
                .map(|b| -> DomainResult<BudgetRangeInput> {
                    Ok(BudgetRangeInput {
                        kind: b
                            .kind
                            .map(|k| parse_budget_kind(&k).ok_or_else(|| corrupt("budget kind")))
                            .transpose()?,
                        currency: b.currency,
                        min_minor: b.min_minor,
                        max_minor: b.max_minor,
                    })
                })
                .transpose()?,
            experience_levels: parse_all(
                &self.experience_levels,
                parse_experience,
                "experience level",
            )?,
            workplaces: parse_all(&self.workplaces, parse_workplace, "workplace")?,
            countries: self.countries,
            time_zone: self.time_zone,
            posted_within_days: self.posted_within_days,
            client_min_rating: self.client_min_rating,
            proposals_fewer_than: self.proposals_fewer_than,
        })
    }

    pub(crate) fn to_json(s: &PostingSearch) -> DomainResult<String> {
        serde_json::to_string(&Self::of(s)).map_err(DomainError::internal)
    }

    pub(crate) fn from_json(json: &str) -> DomainResult<PostingSearch> {
        serde_json::from_str::<Self>(json)
            .map_err(|_| corrupt("search"))?
            .search()
    }
}

fn to_saved(m: saved_search::Model) -> DomainResult<SavedSearch> {
    Ok(SavedSearch {
        id: SavedSearchId(m.id),
        user_id: UserId(m.user_id),
        name: SavedSearchName::parse(&m.name).map_err(|_| corrupt("name"))?,
        search: SavedSearchRow::from_json(&m.search)?,
        created_at: m.created_at,
        updated_at: m.updated_at,
        checked_until: m.checked_until,
        alerts_since: m.alerts_since,
    })
}

/// A duplicate name is the unique index speaking: `CONFLICT` on `name`.
fn name_taken(err: DbErr) -> DomainError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(m)) if m.contains("name_key") => {
            DomainError::conflict(&["name"], "you have a saved search with this name already")
        }
        _ => internal(err),
    }
}

/// The dedupe key of a saved-search alert: one notification per search and posting.
pub(crate) fn match_key(search: SavedSearchId, posting: PostingId) -> String {
    format!("saved-search:{}:{}", search.0, posting.0)
}

#[async_trait]
impl SavedSearchRepository for SeaSavedSearchRepository {
    async fn create(&self, s: &SavedSearch, max: usize) -> DomainResult<bool> {
        let search = SavedSearchRow::to_json(&s.search)?;
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        // Concurrent saves of one user take turns: on PostgreSQL the user's row is
        // locked until commit; SQLite's write lock is already held. So the count holds.
        user::Entity::find_by_id(s.user_id.0)
            .select_only()
            .column(user::Column::Id)
            .lock_exclusive()
            .into_tuple::<Uuid>()
            .one(&txn)
            .await
            .map_err(internal)?;
        let count = saved_search::Entity::find()
            .filter(saved_search::Column::UserId.eq(s.user_id.0))
            .count(&txn)
            .await
            .map_err(internal)?;
        if count >= max as u64 {
            txn.rollback().await.map_err(internal)?;
            return Ok(false);
        }
        saved_search::Entity::insert(saved_search::ActiveModel {
            id: Set(s.id.0),
            user_id: Set(s.user_id.0),
            name: Set(s.name.as_str().to_owned()),
            name_key: Set(s.name.key()),
            search: Set(search),
            created_at: Set(at_rest(s.created_at)),
            updated_at: Set(at_rest(s.updated_at)),
            checked_until: Set(at_rest(s.checked_until)),
            alerts_since: Set(at_rest(s.alerts_since)),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(name_taken)?;
        txn.commit().await.map_err(internal)?;
        tracing::info!(saved_search = %s.id.0, user = %s.user_id.0, "search saved");
        Ok(true)
    }

    async fn by_ids(&self, ids: &[SavedSearchId]) -> DomainResult<Vec<SavedSearch>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        saved_search::Entity::find()
            .filter(saved_search::Column::Id.is_in(ids.iter().map(|i| i.0)))
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(to_saved)
            .collect()
    }

    async fn of_user(&self, user: UserId) -> DomainResult<Vec<SavedSearch>> {
        saved_search::Entity::find()
            .filter(saved_search::Column::UserId.eq(user.0))
            .order_by_asc(saved_search::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(to_saved)
            .collect()
    }

    async fn rename(
        &self,
        user: UserId,
        id: SavedSearchId,
        name: &SavedSearchName,
        at: DateTime<Utc>,
    ) -> DomainResult<bool> {
        let updated = saved_search::Entity::update_many()
            .col_expr(saved_search::Column::Name, Expr::value(name.as_str()))
            .col_expr(saved_search::Column::NameKey, Expr::value(name.key()))
            .col_expr(saved_search::Column::UpdatedAt, Expr::value(at_rest(at)))
            .filter(saved_search::Column::Id.eq(id.0))
            .filter(saved_search::Column::UserId.eq(user.0))
            .exec(&self.db)
            .await
            .map_err(name_taken)?;
        Ok(updated.rows_affected == 1)
    }

    async fn update_search(
        &self,
        user: UserId,
        id: SavedSearchId,
        search: &PostingSearch,
        at: DateTime<Utc>,
    ) -> DomainResult<bool> {
        let at = at_rest(at);
        let updated = saved_search::Entity::update_many()
            .col_expr(
                saved_search::Column::Search,
                Expr::value(SavedSearchRow::to_json(search)?),
            )
            .col_expr(saved_search::Column::UpdatedAt, Expr::value(at))
            .col_expr(saved_search::Column::CheckedUntil, Expr::value(at))
            .col_expr(saved_search::Column::AlertsSince, Expr::value(at))
            .filter(saved_search::Column::Id.eq(id.0))
            .filter(saved_search::Column::UserId.eq(user.0))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok(updated.rows_affected == 1)
    }

    async fn delete(&self, user: UserId, id: SavedSearchId) -> DomainResult<bool> {
        let deleted = saved_search::Entity::delete_many()
            .filter(saved_search::Column::Id.eq(id.0))
            .filter(saved_search::Column::UserId.eq(user.0))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok(deleted.rows_affected == 1)
    }

    async fn batch_after(
        &self,
        after: Option<SavedSearchId>,
        limit: u32,
    ) -> DomainResult<Vec<SavedSearch>> {
        let mut query = saved_search::Entity::find();
        if let Some(after) = after {
            query = query.filter(saved_search::Column::Id.gt(after.0));
        }
        query
            .order_by_asc(saved_search::Column::Id)
            .limit(u64::from(limit))
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(to_saved)
            .collect()
    }

    async fn record_matches(
        &self,
        search: &SavedSearch,
        postings: &[PostingId],
        until: DateTime<Utc>,
    ) -> DomainResult<Option<u32>> {
        let until = at_rest(until);
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        // The conditional write comes first: on PostgreSQL it locks the row, so a
        // concurrent run waits, then finds the watermark moved and writes nothing; on
        // SQLite the write lock already serialises them.
        let moved = saved_search::Entity::update_many()
            .col_expr(saved_search::Column::CheckedUntil, Expr::value(until))
            .filter(saved_search::Column::Id.eq(search.id.0))
            .filter(saved_search::Column::CheckedUntil.eq(at_rest(search.checked_until)))
            .exec(&txn)
            .await
            .map_err(internal)?;
        if moved.rows_affected == 0 {
            txn.rollback().await.map_err(internal)?;
            return Ok(None);
        }
        // The unique key is the second guard: a posting seen again in the overlap of two
        // windows is not notified twice.
        let items: Vec<(Notification, String)> = postings
            .iter()
            .map(|p| {
                (
                    Notification {
                        id: NotificationId(Uuid::now_v7()),
                        user_id: search.user_id,
                        kind: NotificationKind::SavedSearchMatch {
                            saved_search_id: search.id,
                            posting_id: *p,
                        },
                        created_at: until,
                        read_at: None,
                    },
                    match_key(search.id, *p),
                )
            })
            .collect();
        let written = crate::notifications_repo::insert_all(&txn, &items).await?;
        txn.commit().await.map_err(internal)?;
        if written > 0 {
            tracing::info!(saved_search = %search.id.0, written, "saved-search alerts written");
        }
        Ok(Some(u32::try_from(written).unwrap_or(u32::MAX)))
    }
}
