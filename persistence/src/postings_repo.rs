//! Postings on SeaORM: the posting row with its skills, questions and countries, written
//! together; every save a compare-and-set on the version it was based on, with its
//! revision in the same transaction; and the expiry job's reads and its once-only
//! warning. Timestamps are stored to the microsecond (see `posting_rows`).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use domain::notifications::{Notification, NotificationId, NotificationKind};
use domain::postings::{
    CloseReason, Posting, PostingEvent, PostingId, PostingRepository, PostingStatus, Revision,
};
use domain::{DomainResult, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use crate::entities::{posting, posting_revision};
use crate::errors::internal;
use crate::posting_lists::{Lists, assemble, delete_lists, insert_lists};
use crate::posting_rows::{at_rest, corrupt, event_key, parse_event, posting_at_rest, row};
use crate::posting_snapshot::PostingSnapshot;

/// [`PostingRepository`] on the application's database (PostgreSQL or SQLite).
#[derive(Clone)]
pub struct SeaPostingRepository {
    db: DatabaseConnection,
}

impl SeaPostingRepository {
    /// A repository on `db`'s pool.
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

/// `status = 'OPEN'` with the literal written out: the partial index
/// `ix_postings_open_idle` is used by SQLite only when the query repeats its condition
/// exactly (a bound parameter does not count).
fn is_open() -> Expr {
    Expr::col((posting::Entity, posting::Column::Status)).eq(Expr::cust("'OPEN'"))
}

/// OPEN postings idle since at most `idle_since`, longest idle first: exactly what
/// [`PostingRepository::idle_open`] runs (tests EXPLAIN it).
pub(crate) fn idle_open_query(idle_since: DateTime<Utc>, limit: u32) -> Select<posting::Entity> {
    posting::Entity::find()
        .filter(is_open())
        .filter(posting::Column::LastActivityAt.lte(at_rest(idle_since)))
        .order_by_asc(posting::Column::LastActivityAt)
        .order_by_asc(posting::Column::Id)
        .limit(u64::from(limit))
}

/// OPEN postings last active in `(after, until]` whose client was not warned about that
/// period yet, longest idle first: exactly what
/// [`PostingRepository::unwarned_idle_open`] runs (tests EXPLAIN it).
pub(crate) fn unwarned_idle_open_query(
    after: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u32,
) -> Select<posting::Entity> {
    posting::Entity::find()
        .filter(is_open())
        .filter(posting::Column::LastActivityAt.gt(at_rest(after)))
        .filter(posting::Column::LastActivityAt.lte(at_rest(until)))
        .filter(not_warned_for_last_activity())
        .order_by_asc(posting::Column::LastActivityAt)
        .order_by_asc(posting::Column::Id)
        .limit(u64::from(limit))
}

/// No warning was recorded for the current period of inactivity.
fn not_warned_for_last_activity() -> Condition {
    Condition::any()
        .add(posting::Column::ExpiryWarnedFor.is_null())
        .add(
            Expr::col(posting::Column::ExpiryWarnedFor)
                .ne(Expr::col(posting::Column::LastActivityAt)),
        )
}

/// The dedupe key of the expiry warning for the period of inactivity that began at
/// `last_activity_at`: one warning per posting and period.
pub(crate) fn expiry_warning_key(posting: PostingId, last_activity_at: DateTime<Utc>) -> String {
    format!(
        "posting-expiring:{}:{}",
        posting.0,
        at_rest(last_activity_at).to_rfc3339_opts(SecondsFormat::Micros, true)
    )
}

async fn skills_text(db: &DatabaseConnection, p: &Posting) -> DomainResult<String> {
    let ids: Vec<Uuid> = p.skills.iter().map(|s| s.skill_id.0).collect();
    crate::search_sql::skills_text(db, &ids).await
}

fn revision_row(r: &Revision) -> DomainResult<posting_revision::ActiveModel> {
    Ok(posting_revision::ActiveModel {
        id: Set(Uuid::now_v7()),
        posting_id: Set(r.posting_id.0),
        version: Set(r.version),
        at: Set(at_rest(r.at)),
        actor_id: Set(r.actor.map(|a| a.0)),
        event: Set(r.event.map(event_key)),
        before: Set(PostingSnapshot::to_json(&r.before)?),
    })
}

fn to_revision(m: posting_revision::Model) -> DomainResult<Revision> {
    Ok(Revision {
        posting_id: PostingId(m.posting_id),
        version: m.version,
        at: m.at,
        actor: m.actor_id.map(UserId),
        event: m
            .event
            .map(|e| parse_event(&e).ok_or_else(|| corrupt("revision event")))
            .transpose()?,
        before: PostingSnapshot::from_json(&m.before)?,
    })
}

/// In the transaction of an accepted offer that fills the posting's last position:
/// closes it as FILLED by `actor` at `at`, if it is still OPEN or PAUSED, as a client's
/// close would be saved: the row (read holding its lock, then a compare-and-set on that
/// version), its revision, and its open proposals closed with their PENDING offers
/// withdrawn. `false`, writing nothing, when it was not OPEN or PAUSED.
pub(crate) async fn close_filled(
    db: &impl ConnectionTrait,
    id: PostingId,
    at: DateTime<Utc>,
    actor: UserId,
) -> DomainResult<bool> {
    let Some(found) = posting::Entity::find_by_id(id.0)
        // FOR NO KEY UPDATE: it still lets a concurrent insert that names the posting
        // by foreign key (an offer, a contract) take its KEY SHARE lock, so the two
        // cannot deadlock.
        .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
        .one(db)
        .await
        .map_err(internal)?
    else {
        return Ok(false);
    };
    if !matches!(
        PostingStatus::from_parts(&found.status, found.close_reason.as_deref()),
        Some(PostingStatus::Open | PostingStatus::Paused)
    ) {
        return Ok(false);
    }
    let before = assemble(db, vec![found])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| corrupt("a posting read back as nothing"))?;
    let at = at_rest(at);
    let closed = PostingStatus::Closed(CloseReason::Filled);
    let updated = posting::Entity::update_many()
        .col_expr(posting::Column::Status, Expr::value(closed.key()))
        .col_expr(
            posting::Column::CloseReason,
            Expr::value(CloseReason::Filled.key()),
        )
        .col_expr(posting::Column::UpdatedAt, Expr::value(at))
        .col_expr(posting::Column::Version, Expr::value(before.version + 1))
        .filter(posting::Column::Id.eq(id.0))
        .filter(posting::Column::Version.eq(before.version))
        .exec(db)
        .await
        .map_err(internal)?;
    if updated.rows_affected == 0 {
        return Ok(false);
    }
    let revision = Revision {
        posting_id: id,
        version: before.version,
        at,
        actor: Some(actor),
        event: Some(PostingEvent::Close(CloseReason::Filled)),
        before,
    };
    posting_revision::Entity::insert(revision_row(&revision)?)
        .exec_without_returning(db)
        .await
        .map_err(internal)?;
    crate::proposals_repo::close_open_proposals(db, id, at, Some(actor)).await?;
    tracing::info!(posting = %id.0, "posting filled");
    Ok(true)
}

#[async_trait]
impl PostingRepository for SeaPostingRepository {
    async fn create(&self, posting: &Posting) -> DomainResult<Posting> {
        let p = posting_at_rest(posting);
        // Read before the transaction, whose first statement is then a write.
        let text = skills_text(&self.db, &p).await?;
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        posting::Entity::insert(row(&p, Some(text))?)
            .exec_without_returning(&txn)
            .await
            .map_err(internal)?;
        insert_lists(&txn, &p, Lists::ALL).await?;
        txn.commit().await.map_err(internal)?;
        tracing::info!(posting = %p.id.0, client = %p.client_id.0, "posting created");
        Ok(p)
    }

    async fn by_ids(&self, ids: &[PostingId]) -> DomainResult<Vec<Posting>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = posting::Entity::find()
            .filter(posting::Column::Id.is_in(ids.iter().map(|i| i.0)))
            .all(&self.db)
            .await
            .map_err(internal)?;
        let found: HashMap<Uuid, Posting> = assemble(&self.db, rows)
            .await?
            .into_iter()
            .map(|p| (p.id.0, p))
            .collect();
        Ok(ids
            .iter()
            .filter_map(|i| found.get(&i.0).cloned())
            .collect())
    }

    async fn save(
        &self,
        posting: &Posting,
        expected: i64,
        revision: Option<&Revision>,
    ) -> DomainResult<Option<Posting>> {
        let next = Posting {
            version: expected + 1,
            ..posting_at_rest(posting)
        };
        // The revision names the posting as it was at `expected`: only the lists that
        // differ from it are rewritten (none, for a life-cycle event). Without it, all.
        let lists = revision
            .map(|r| &r.before)
            .filter(|before| before.id == next.id && before.version == expected)
            .map_or(Lists::ALL, |before| Lists::changed(before, &next));
        let text = if lists.skills {
            Some(skills_text(&self.db, &next).await?)
        } else {
            None
        };
        let revision_event = revision.and_then(|r| r.event);
        let revision_before = revision.map(|r| r.before.last_activity_at);
        let revision_actor = revision.and_then(|r| r.actor);
        let revision = revision.map(revision_row).transpose()?;
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        // The compare-and-set comes first: on PostgreSQL it locks the row, so a concurrent
        // save waits and then finds the version moved on; on SQLite the write lock is
        // already held.
        let mut update = posting::Entity::update_many()
            .set(row(&next, text)?)
            .filter(posting::Column::Id.eq(next.id.0))
            .filter(posting::Column::Version.eq(expected));
        if let Some(r) = revision_event
            .filter(|e| *e == PostingEvent::Expire)
            .and(revision_before)
        {
            // Activity that does not move the version (a proposal) spares a posting.
            update = update.filter(posting::Column::LastActivityAt.eq(at_rest(r)));
        }
        let updated = update.exec(&txn).await.map_err(internal)?;
        if updated.rows_affected == 0 {
            txn.rollback().await.map_err(internal)?;
            return Ok(None);
        }
        delete_lists(&txn, &next, lists).await?;
        insert_lists(&txn, &next, lists).await?;
        if let Some(revision) = revision {
            posting_revision::Entity::insert(revision)
                .exec_without_returning(&txn)
                .await
                .map_err(internal)?;
        }
        if matches!(next.status, PostingStatus::Closed(_)) {
            crate::proposals_repo::close_open_proposals(
                &txn,
                next.id,
                next.updated_at,
                revision_actor,
            )
            .await?;
        }
        txn.commit().await.map_err(internal)?;
        Ok(Some(next))
    }

    async fn clients_of(&self, ids: &[PostingId]) -> DomainResult<HashMap<PostingId, UserId>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(Uuid, Uuid)> = posting::Entity::find()
            .select_only()
            .column(posting::Column::Id)
            .column(posting::Column::ClientId)
            .filter(posting::Column::Id.is_in(ids.iter().map(|i| i.0)))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|(id, client)| (PostingId(id), UserId(client)))
            .collect())
    }

    async fn delete_draft(&self, id: PostingId, expected: i64) -> DomainResult<bool> {
        // One statement; the lists go with the row (ON DELETE CASCADE).
        let deleted = posting::Entity::delete_many()
            .filter(posting::Column::Id.eq(id.0))
            .filter(posting::Column::Version.eq(expected))
            .filter(posting::Column::Status.eq("DRAFT"))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok(deleted.rows_affected == 1)
    }

    async fn revisions(
        &self,
        ids: &[PostingId],
    ) -> DomainResult<HashMap<PostingId, Vec<Revision>>> {
        let mut out: HashMap<PostingId, Vec<Revision>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let rows = posting_revision::Entity::find()
            .filter(posting_revision::Column::PostingId.is_in(ids.iter().map(|i| i.0)))
            .order_by_asc(posting_revision::Column::PostingId)
            .order_by_asc(posting_revision::Column::Version)
            .all(&self.db)
            .await
            .map_err(internal)?;
        for row in rows {
            let revision = to_revision(row)?;
            out.entry(revision.posting_id).or_default().push(revision);
        }
        Ok(out)
    }

    async fn idle_open(&self, idle_since: DateTime<Utc>, limit: u32) -> DomainResult<Vec<Posting>> {
        let rows = idle_open_query(idle_since, limit)
            .all(&self.db)
            .await
            .map_err(internal)?;
        assemble(&self.db, rows).await
    }

    async fn unwarned_idle_open(
        &self,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<Posting>> {
        let rows = unwarned_idle_open_query(after, until, limit)
            .all(&self.db)
            .await
            .map_err(internal)?;
        assemble(&self.db, rows).await
    }

    async fn record_expiry_warning(
        &self,
        posting: &Posting,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> DomainResult<bool> {
        let last_activity_at = at_rest(posting.last_activity_at);
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        // A conditional write, not a version bump (a warning is not an edit): on
        // PostgreSQL a concurrent run waits for the row and then finds it warned; on
        // SQLite the write lock serialises them.
        let marked = posting::Entity::update_many()
            .col_expr(
                posting::Column::ExpiryWarnedFor,
                Expr::col(posting::Column::LastActivityAt),
            )
            .filter(posting::Column::Id.eq(posting.id.0))
            .filter(is_open())
            .filter(posting::Column::LastActivityAt.eq(last_activity_at))
            .filter(not_warned_for_last_activity())
            .exec(&txn)
            .await
            .map_err(internal)?;
        if marked.rows_affected == 0 {
            txn.rollback().await.map_err(internal)?;
            return Ok(false);
        }
        let notification = Notification {
            id: NotificationId(Uuid::now_v7()),
            user_id: posting.client_id,
            kind: NotificationKind::PostingExpiring {
                posting_id: posting.id,
                expires_at,
            },
            created_at: now,
            read_at: None,
        };
        // The unique key is the second guard: should a notification for this period
        // exist already, none is added (and the posting stays marked as warned).
        let key = expiry_warning_key(posting.id, last_activity_at);
        let written = crate::notifications_repo::insert(&txn, &notification, &key).await?;
        txn.commit().await.map_err(internal)?;
        if written {
            tracing::info!(posting = %posting.id.0, %expires_at, "client warned of expiry");
        }
        Ok(written)
    }
}
