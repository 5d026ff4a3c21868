//! Notifications on SeaORM. They are written by the features they belong to, inside
//! those features' transactions, through [`insert`] (at most once per dedupe key); this
//! repository lets their user page through them (newest first, by the time-ordered id),
//! count the unread ones and mark some read.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::notifications::{
    Notification, NotificationId, NotificationKind, NotificationRepository, SavedSearchId,
};
use domain::pagination::{Page, PageRequest};
use domain::postings::{PostingId, PostingInvitationId};
use domain::{DomainError, DomainResult, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::entities::notification;
use crate::errors::internal;
use crate::posting_rows::at_rest;

/// [`NotificationRepository`] on the application's database (PostgreSQL or SQLite).
#[derive(Clone)]
pub struct SeaNotificationRepository {
    db: DatabaseConnection,
}

impl SeaNotificationRepository {
    /// A repository on `db`'s pool.
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

fn corrupt(what: &str) -> DomainError {
    DomainError::internal(format!("stored notification is invalid: {what}"))
}

/// The row of `n`. The kinds are matched exhaustively: a new kind does not compile until
/// it says which columns it fills.
fn row(n: &Notification, dedupe_key: &str) -> notification::ActiveModel {
    let (saved_search_id, invitation_id, expires_at) = match n.kind {
        NotificationKind::PostingExpiring { expires_at, .. } => {
            (None, None, Some(at_rest(expires_at)))
        }
        NotificationKind::SavedSearchMatch {
            saved_search_id, ..
        } => (Some(saved_search_id.0), None, None),
        NotificationKind::PostingInvitation { invitation_id, .. } => {
            (None, Some(invitation_id.0), None)
        }
    };
    notification::ActiveModel {
        id: Set(n.id.0),
        user_id: Set(n.user_id.0),
        kind: Set(n.kind.key().to_owned()),
        posting_id: Set(Some(n.kind.posting_id().0)),
        saved_search_id: Set(saved_search_id),
        invitation_id: Set(invitation_id),
        expires_at: Set(expires_at),
        dedupe_key: Set(dedupe_key.to_owned()),
        created_at: Set(at_rest(n.created_at)),
        read_at: Set(n.read_at.map(at_rest)),
    }
}

/// Writes `n` unless a notification with `dedupe_key` exists (then nothing happens, on
/// both back ends: `ON CONFLICT DO NOTHING` on the unique key); whether it was written.
/// Meant to run inside the transaction of the change that caused it.
pub(crate) async fn insert<C: ConnectionTrait>(
    db: &C,
    n: &Notification,
    dedupe_key: &str,
) -> DomainResult<bool> {
    Ok(insert_all(db, &[(n.clone(), dedupe_key.to_owned())]).await? == 1)
}

/// Writes each notification unless one with its dedupe key exists, in statements of up
/// to 100 rows; how many were written.
pub(crate) async fn insert_all<C: ConnectionTrait>(
    db: &C,
    items: &[(Notification, String)],
) -> DomainResult<u64> {
    let mut written = 0;
    for chunk in items.chunks(100) {
        written += notification::Entity::insert_many(chunk.iter().map(|(n, key)| row(n, key)))
            .on_conflict(
                OnConflict::column(notification::Column::DedupeKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await
            .map_err(internal)?;
    }
    Ok(written)
}

fn to_notification(m: notification::Model) -> DomainResult<Notification> {
    let posting = m.posting_id.map(PostingId);
    let kind = match m.kind.as_str() {
        "POSTING_EXPIRING" => NotificationKind::PostingExpiring {
            posting_id: posting.ok_or_else(|| corrupt("no posting"))?,
            expires_at: m.expires_at.ok_or_else(|| corrupt("no expiry time"))?,
        },
        "SAVED_SEARCH_MATCH" => NotificationKind::SavedSearchMatch {
            saved_search_id: SavedSearchId(
                m.saved_search_id
                    .ok_or_else(|| corrupt("no saved search"))?,
            ),
            posting_id: posting.ok_or_else(|| corrupt("no posting"))?,
        },
        "POSTING_INVITATION" => NotificationKind::PostingInvitation {
            posting_id: posting.ok_or_else(|| corrupt("no posting"))?,
            invitation_id: PostingInvitationId(
                m.invitation_id.ok_or_else(|| corrupt("no invitation"))?,
            ),
        },
        _ => return Err(corrupt("kind")),
    };
    Ok(Notification {
        id: NotificationId(m.id),
        user_id: UserId(m.user_id),
        kind,
        created_at: m.created_at,
        read_at: m.read_at,
    })
}

#[async_trait]
impl NotificationRepository for SeaNotificationRepository {
    async fn list(
        &self,
        user: UserId,
        unread_only: bool,
        page: &PageRequest<NotificationId>,
    ) -> DomainResult<Page<Notification>> {
        let mut query =
            notification::Entity::find().filter(notification::Column::UserId.eq(user.0));
        if unread_only {
            query = query.filter(notification::Column::ReadAt.is_null());
        }
        if let Some(after) = page.after() {
            query = query.filter(notification::Column::Id.lt(after.0));
        }
        let rows = query
            .order_by_desc(notification::Column::Id)
            .limit(page.fetch_limit())
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(to_notification)
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Page::from_overfetch(rows, page))
    }

    async fn unread_count(&self, user: UserId) -> DomainResult<u64> {
        self.count(user, true).await
    }

    async fn count(&self, user: UserId, unread_only: bool) -> DomainResult<u64> {
        let mut query =
            notification::Entity::find().filter(notification::Column::UserId.eq(user.0));
        if unread_only {
            query = query.filter(notification::Column::ReadAt.is_null());
        }
        query.count(&self.db).await.map_err(internal)
    }

    async fn mark_read(
        &self,
        user: UserId,
        ids: &[NotificationId],
        at: DateTime<Utc>,
    ) -> DomainResult<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        // One statement: only the user's own, only unread ones (a repeat changes nothing).
        let updated = notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(at_rest(at)))
            .filter(notification::Column::UserId.eq(user.0))
            .filter(notification::Column::Id.is_in(ids.iter().map(|i| i.0)))
            .filter(notification::Column::ReadAt.is_null())
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok(updated.rows_affected)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::postings_repo_tests::{client, full_posting};
    use crate::testing::{TestDatabase, backends};
    use domain::ErrorCode;
    use domain::money::{Currency, Money};
    use domain::postings::{Budget, PostingRepository};
    use uuid::Uuid;

    fn page(first: i64, after: Option<NotificationId>) -> PageRequest<NotificationId> {
        PageRequest::new(Some(first), after).unwrap()
    }

    fn ids(page: &Page<Notification>) -> Vec<NotificationId> {
        page.items.iter().map(|n| n.id).collect()
    }

    #[tokio::test]
    async fn a_user_pages_reads_and_marks_only_their_own_notifications() {
        for backend in backends() {
            let (guard, db) = TestDatabase::migrated(backend).await;
            let repo = SeaNotificationRepository::new(&db);
            let ada = client(&db, "ada").await;
            let bob = client(&db, "bob").await;
            let budget = Budget::Fixed(Money {
                amount_minor: 100_000,
                currency: Currency::parse("EUR").unwrap(),
            });
            let posting = crate::SeaPostingRepository::new(&db)
                .create(&full_posting(ada, budget))
                .await
                .unwrap();
            let now = Utc::now();
            let mut written = Vec::new();
            for i in 0..7 {
                let (user, kind) = match i % 3 {
                    0 => (
                        bob,
                        NotificationKind::SavedSearchMatch {
                            saved_search_id: SavedSearchId(Uuid::now_v7()),
                            posting_id: posting.id,
                        },
                    ),
                    1 => (
                        ada,
                        NotificationKind::PostingExpiring {
                            posting_id: posting.id,
                            expires_at: now + chrono::TimeDelta::days(i),
                        },
                    ),
                    _ => (
                        ada,
                        NotificationKind::SavedSearchMatch {
                            saved_search_id: SavedSearchId(Uuid::now_v7()),
                            posting_id: posting.id,
                        },
                    ),
                };
                let n = Notification {
                    id: NotificationId(Uuid::now_v7()),
                    user_id: user,
                    kind,
                    created_at: now,
                    read_at: None,
                };
                assert!(
                    insert(db.connection(), &n, &format!("test:{i}"))
                        .await
                        .unwrap()
                );
                written.push(Notification {
                    created_at: at_rest(now),
                    kind: match kind {
                        NotificationKind::PostingExpiring {
                            posting_id,
                            expires_at,
                        } => NotificationKind::PostingExpiring {
                            posting_id,
                            expires_at: at_rest(expires_at),
                        },
                        other => other,
                    },
                    ..n
                });
            }
            // The same dedupe key writes nothing, even with another id.
            let again = Notification {
                id: NotificationId(Uuid::now_v7()),
                ..written[1].clone()
            };
            assert!(!insert(db.connection(), &again, "test:1").await.unwrap());
            // Ada's, newest first, two at a time.
            let adas: Vec<Notification> = written
                .iter()
                .rev()
                .filter(|n| n.user_id == ada)
                .cloned()
                .collect();
            assert_eq!(adas.len(), 4);
            let first = repo.list(ada, false, &page(2, None)).await.unwrap();
            assert_eq!(first.items, adas[..2], "{backend:?}");
            assert!(first.has_next_page);
            let second = repo
                .list(ada, false, &page(2, Some(adas[1].id)))
                .await
                .unwrap();
            assert_eq!(second.items, adas[2..]);
            assert!(!second.has_next_page, "{backend:?}");
            assert_eq!(repo.unread_count(ada).await.unwrap(), 4);
            assert_eq!(repo.unread_count(bob).await.unwrap(), 3);
            assert_eq!(repo.count(ada, false).await.unwrap(), 4);
            // Marking: only Ada's own, only unread ones; a repeat changes nothing.
            let bobs = written.iter().find(|n| n.user_id == bob).unwrap().id;
            let at = Utc::now();
            let mark = [adas[0].id, adas[2].id, bobs];
            assert_eq!(repo.mark_read(ada, &mark, at).await.unwrap(), 2);
            assert_eq!(repo.mark_read(ada, &mark, at).await.unwrap(), 0);
            assert_eq!(repo.mark_read(ada, &[], at).await.unwrap(), 0);
            assert_eq!(repo.unread_count(ada).await.unwrap(), 2);
            assert_eq!(repo.count(ada, true).await.unwrap(), 2);
            assert_eq!(repo.count(ada, false).await.unwrap(), 4);
            assert_eq!(repo.unread_count(bob).await.unwrap(), 3);
            let unread = repo.list(ada, true, &page(10, None)).await.unwrap();
            assert_eq!(ids(&unread), [adas[1].id, adas[3].id]);
            let unread_after = repo
                .list(ada, true, &page(10, Some(adas[1].id)))
                .await
                .unwrap();
            assert_eq!(ids(&unread_after), [adas[3].id]);
            let all = repo.list(ada, false, &page(10, None)).await.unwrap();
            assert_eq!(all.items[0].read_at, Some(at_rest(at)), "{backend:?}");
            assert_eq!(all.items[1].read_at, None);
            // An empty page still says whether more follow.
            let none = repo.list(ada, false, &page(0, None)).await.unwrap();
            assert!(none.items.is_empty() && none.has_next_page);
            // A row the domain cannot read is an internal error, not a panic.
            guard
                .execute(
                    "UPDATE notifications SET saved_search_id = NULL WHERE dedupe_key = 'test:2'",
                )
                .await;
            let err = repo.list(ada, false, &page(10, None)).await.unwrap_err();
            assert_eq!(err.code(), ErrorCode::Internal, "{backend:?}");
            guard
                .execute("UPDATE notifications SET kind = 'MYSTERY' WHERE dedupe_key = 'test:0'")
                .await;
            let err = repo.list(bob, false, &page(10, None)).await.unwrap_err();
            assert_eq!(err.code(), ErrorCode::Internal);
        }
    }
}
