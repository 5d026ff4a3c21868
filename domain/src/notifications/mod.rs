//! Notifications: records of things a user should hear about (a posting about to expire,
//! a new posting matching a saved search, an invitation to a posting). They are written by the features they belong
//! to, in the same transaction as the change that caused them, each at most once (by a
//! unique key); this module lets their user read them and mark them read. Delivering
//! them in real time comes with the messaging issue.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::actor::{Actor, UserId};
use crate::error::{DomainError, DomainResult};
use crate::pagination::{Page, PageRequest};
use crate::postings::{PostingId, PostingInvitationId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NotificationId(pub Uuid);

/// A saved posting search (see the postings module); named here so that a notification
/// can point at one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SavedSearchId(pub Uuid);

/// What happened, with what it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    /// One of the user's open postings closes as EXPIRED at `expires_at` unless something
    /// happens on it first.
    PostingExpiring {
        posting_id: PostingId,
        expires_at: DateTime<Utc>,
    },
    /// A newly published posting matches one of the user's saved searches.
    SavedSearchMatch {
        saved_search_id: SavedSearchId,
        posting_id: PostingId,
    },
    /// The user (or an agency they own) was invited to propose on a posting.
    PostingInvitation {
        posting_id: PostingId,
        invitation_id: PostingInvitationId,
    },
}

impl NotificationKind {
    /// The stable storage and API key.
    pub fn key(&self) -> &'static str {
        match self {
            NotificationKind::PostingExpiring { .. } => "POSTING_EXPIRING",
            NotificationKind::SavedSearchMatch { .. } => "SAVED_SEARCH_MATCH",
            NotificationKind::PostingInvitation { .. } => "POSTING_INVITATION",
        }
    }

    /// The posting it is about.
    pub fn posting_id(&self) -> PostingId {
        match self {
            NotificationKind::PostingExpiring { posting_id, .. }
            | NotificationKind::SavedSearchMatch { posting_id, .. }
            | NotificationKind::PostingInvitation { posting_id, .. } => *posting_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Time-ordered (UUID v7): newer notifications have greater IDs.
    pub id: NotificationId,
    pub user_id: UserId,
    pub kind: NotificationKind,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait NotificationRepository: Send + Sync {
    /// The user's notifications, newest first, after the cursor's ID; only unread ones
    /// when `unread_only`.
    async fn list(
        &self,
        user: UserId,
        unread_only: bool,
        page: &PageRequest<NotificationId>,
    ) -> DomainResult<Page<Notification>>;
    /// How many unread notifications the user has.
    async fn unread_count(&self, user: UserId) -> DomainResult<u64>;
    /// How many notifications the user has (only unread ones when `unread_only`).
    async fn count(&self, user: UserId, unread_only: bool) -> DomainResult<u64>;
    /// Marks these of the user's notifications read at `at` (others' IDs and ones already
    /// read are left alone); how many changed.
    async fn mark_read(
        &self,
        user: UserId,
        ids: &[NotificationId],
        at: DateTime<Utc>,
    ) -> DomainResult<u64>;
}

/// At most this many notifications are marked read by one call.
pub const MAX_MARK_READ: usize = 100;

#[derive(Clone)]
pub struct NotificationService {
    repo: Arc<dyn NotificationRepository>,
}

fn signed_in(actor: &Actor) -> DomainResult<UserId> {
    match actor {
        Actor::User { id, .. } => Ok(*id),
        Actor::Anonymous => Err(DomainError::Unauthenticated),
        Actor::System => Err(DomainError::Forbidden),
    }
}

impl NotificationService {
    pub fn new(repo: Arc<dyn NotificationRepository>) -> Self {
        Self { repo }
    }

    /// The actor's own notifications, newest first. Nobody reads anyone else's.
    pub async fn list(
        &self,
        actor: &Actor,
        unread_only: bool,
        page: &PageRequest<NotificationId>,
    ) -> DomainResult<Page<Notification>> {
        let user = signed_in(actor)?;
        self.repo.list(user, unread_only, page).await
    }

    /// How many of the actor's notifications are unread.
    pub async fn unread_count(&self, actor: &Actor) -> DomainResult<u64> {
        let user = signed_in(actor)?;
        self.repo.unread_count(user).await
    }

    /// How many notifications the actor has (only unread ones when `unread_only`).
    pub async fn count(&self, actor: &Actor, unread_only: bool) -> DomainResult<u64> {
        let user = signed_in(actor)?;
        self.repo.count(user, unread_only).await
    }

    /// Marks the actor's notifications read; IDs that are not theirs change nothing.
    pub async fn mark_read(&self, actor: &Actor, ids: &[NotificationId]) -> DomainResult<u64> {
        let user = signed_in(actor)?;
        if ids.len() > MAX_MARK_READ {
            return Err(DomainError::validation(
                &["notificationIds"],
                format!("at most {MAX_MARK_READ} at once"),
            ));
        }
        if ids.is_empty() {
            return Ok(0);
        }
        self.repo.mark_read(user, ids, Utc::now()).await
    }
}
