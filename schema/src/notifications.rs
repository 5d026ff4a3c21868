//! Notifications: what a user should hear about (a posting of theirs about to expire, a
//! new posting matching a saved search), read from `viewer.notifications` and marked
//! read with `markNotificationsRead`. Delivery in real time comes with a later issue.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::notifications::{self as n, NotificationId};
use domain::pagination::PageRequest;
use domain::{Actor, DomainError, ErrorCode, FieldError};

use crate::connection::decode_cursor;
use crate::context::{actor, services};
use crate::errors::{ApiCode, GqlResultExt, UserError, into_payload};
use crate::ids::{NodeKind, decode_kind, encode};
use crate::postings::loaders::posting_loaders;
use crate::postings::saved::SavedSearch;
use crate::postings::types::Posting;
use crate::taxonomy::types::load_error;

/// What a notification is about.
#[derive(Enum, Copy, Clone, PartialEq, Eq, Debug)]
pub enum NotificationKind {
    /// One of your open postings closes as EXPIRED at `expiresAt` unless something
    /// happens on it first.
    PostingExpiring,
    /// A newly published posting (`posting`) matches one of your saved searches
    /// (`savedSearch`).
    SavedSearchMatch,
    /// A client invited you (or an agency you own) to propose on `posting`; see
    /// `invitation`.
    PostingInvitation,
}

impl From<&n::NotificationKind> for NotificationKind {
    // Exhaustive on purpose: a new kind in the domain does not compile until it is
    // named here (and in the API's enum).
    fn from(k: &n::NotificationKind) -> Self {
        match k {
            n::NotificationKind::PostingExpiring { .. } => NotificationKind::PostingExpiring,
            n::NotificationKind::SavedSearchMatch { .. } => NotificationKind::SavedSearchMatch,
            n::NotificationKind::PostingInvitation { .. } => NotificationKind::PostingInvitation,
        }
    }
}

#[derive(Clone)]
pub struct Notification(pub n::Notification);

connection!(NotificationConnection, NotificationEdge, Notification);

/// Something you should know about. Only you see your notifications.
#[Object]
impl Notification {
    /// Global ID of the notification (for `markNotificationsRead`).
    async fn id(&self) -> ID {
        encode(NodeKind::Notification, self.0.id.0)
    }

    /// What it is about.
    async fn kind(&self) -> NotificationKind {
        NotificationKind::from(&self.0.kind)
    }

    /// The posting it is about; null when you may no longer see it.
    async fn posting(&self, ctx: &Context<'_>) -> Result<Option<Posting>> {
        Ok(posting_loaders(ctx)?
            .posting
            .load_one(self.0.kind.posting_id())
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(Posting))
    }

    /// The saved search that matched (`SAVED_SEARCH_MATCH`); null for other kinds and
    /// once you delete the search.
    async fn saved_search(&self, ctx: &Context<'_>) -> Result<Option<SavedSearch>> {
        let id = match self.0.kind {
            n::NotificationKind::SavedSearchMatch {
                saved_search_id, ..
            } => saved_search_id,
            n::NotificationKind::PostingExpiring { .. }
            | n::NotificationKind::PostingInvitation { .. } => return Ok(None),
        };
        Ok(posting_loaders(ctx)?
            .saved_search
            .load_one(id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(SavedSearch))
    }

    /// When the posting expires (`POSTING_EXPIRING`); null for other kinds.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        match self.0.kind {
            n::NotificationKind::PostingExpiring { expires_at, .. } => Some(expires_at),
            n::NotificationKind::SavedSearchMatch { .. }
            | n::NotificationKind::PostingInvitation { .. } => None,
        }
    }

    /// The invitation (`POSTING_INVITATION`); null for other kinds.
    async fn invitation(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::postings::invitations::PostingInvitation>> {
        let id = match self.0.kind {
            n::NotificationKind::PostingInvitation { invitation_id, .. } => invitation_id,
            n::NotificationKind::PostingExpiring { .. }
            | n::NotificationKind::SavedSearchMatch { .. } => return Ok(None),
        };
        Ok(posting_loaders(ctx)?
            .invitation
            .load_one(id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(crate::postings::invitations::PostingInvitation))
    }

    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When you marked it read; null while unread.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }
}

/// `viewer.notifications`: the signed-in user's notifications, newest first.
pub(crate) async fn my_notifications(
    ctx: &Context<'_>,
    unread_only: bool,
    first: Option<i32>,
    after: Option<String>,
) -> Result<NotificationConnection> {
    let after = match after.as_deref().map(decode_cursor).transpose()? {
        None => None,
        Some(key) => Some(NotificationId(uuid::Uuid::parse_str(&key).map_err(
            |_| ApiCode::InvalidCursor.error("`after` is not a cursor of this list"),
        )?)),
    };
    let request = PageRequest::new(first.map(i64::from), after).gql(ctx)?;
    let had_after = request.after().is_some();
    let svc = &services(ctx)?.notifications;
    let page = svc.list(actor(ctx), unread_only, &request).await.gql(ctx)?;
    let total = if ctx.look_ahead().field("totalCount").exists() {
        let n = svc.count(actor(ctx), unread_only).await.gql(ctx)?;
        i64::try_from(n).unwrap_or(i64::MAX)
    } else {
        0
    };
    let items = page
        .items
        .into_iter()
        .map(|n| (n.id.0.to_string(), Notification(n)))
        .collect();
    Ok(NotificationConnection::new(
        items,
        page.has_next_page,
        had_after,
        total,
    ))
}

/// `viewer.unreadNotificationCount`.
pub(crate) async fn my_unread_count(ctx: &Context<'_>) -> Result<i64> {
    let n = services(ctx)?
        .notifications
        .unread_count(actor(ctx))
        .await
        .gql(ctx)?;
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Input of `markNotificationsRead`.
#[derive(InputObject)]
pub struct MarkNotificationsReadInput {
    /// Your notifications to mark read, at most 100. Ones already read, and IDs that are
    /// not yours, change nothing.
    pub notification_ids: Vec<ID>,
}

/// The outcome of `markNotificationsRead`.
#[derive(SimpleObject)]
pub struct MarkNotificationsReadPayload {
    /// How many were unread and are now read; null when `userErrors` is not empty.
    pub marked_count: Option<i64>,
    /// How many of your notifications are still unread; null when `userErrors` is not
    /// empty.
    pub unread_notification_count: Option<i64>,
    /// Why nothing was marked; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The notification IDs of an input; every one that is not a notification ID is an
/// error on its position. Who asks comes first.
fn notification_ids(actor: &Actor, ids: &[ID]) -> Result<Vec<NotificationId>, DomainError> {
    if matches!(actor, Actor::Anonymous) {
        return Err(DomainError::Unauthenticated);
    }
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        match decode_kind(id, NodeKind::Notification) {
            Ok(uuid) => out.push(NotificationId(uuid)),
            Err(_) => errors.push(FieldError::new(
                &["notificationIds", &i.to_string()],
                ErrorCode::NotFound,
                "no such notification",
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(DomainError::Validation(errors))
    }
}

#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Marks some of your notifications read (at most 100 at once).
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notifications.")] input: MarkNotificationsReadInput,
    ) -> Result<MarkNotificationsReadPayload> {
        let actor = actor(ctx);
        let svc = &services(ctx)?.notifications;
        let result = match notification_ids(actor, &input.notification_ids) {
            Ok(ids) => match svc.mark_read(actor, &ids).await {
                Ok(marked) => svc.unread_count(actor).await.map(|unread| (marked, unread)),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        let (counts, user_errors) = into_payload(ctx, result)?;
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        Ok(MarkNotificationsReadPayload {
            marked_count: counts.map(|(m, _)| count(m)),
            unread_notification_count: counts.map(|(_, u)| count(u)),
            user_errors,
        })
    }
}
