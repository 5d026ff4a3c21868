//! Storage of postings and their history.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::lifecycle::PostingEvent;
use super::model::{Posting, PostingId};
use crate::actor::UserId;
use crate::error::DomainResult;

/// One change kept as history: every life-cycle event and every edit after publishing
/// (edits of a draft are not), with who, when, and the posting as it was before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub posting_id: PostingId,
    /// The version the change replaced.
    pub version: i64,
    pub at: DateTime<Utc>,
    /// `None` for the platform itself (the expiry job).
    pub actor: Option<UserId>,
    /// A life-cycle event, or `None` for an edit of the fields.
    pub event: Option<PostingEvent>,
    pub before: Posting,
}

#[async_trait]
pub trait PostingRepository: Send + Sync {
    async fn create(&self, posting: &Posting) -> DomainResult<Posting>;
    async fn by_ids(&self, ids: &[PostingId]) -> DomainResult<Vec<Posting>>;
    /// The clients of these postings (unknown ones are left out); one statement.
    async fn clients_of(
        &self,
        ids: &[PostingId],
    ) -> DomainResult<std::collections::HashMap<PostingId, UserId>>;
    /// Stores `posting` at `expected + 1` if the stored one is still at `expected`, and
    /// the revision (when given) in the same transaction; `None` when another write came
    /// first.
    async fn save(
        &self,
        posting: &Posting,
        expected: i64,
        revision: Option<&Revision>,
    ) -> DomainResult<Option<Posting>>;
    /// Deletes the posting if it is still a draft at version `expected`; false when it
    /// changed or went meanwhile.
    async fn delete_draft(&self, id: PostingId, expected: i64) -> DomainResult<bool>;
    /// The histories of the postings `ids`, each oldest first; postings without any
    /// are left out. One statement.
    async fn revisions(
        &self,
        ids: &[PostingId],
    ) -> DomainResult<std::collections::HashMap<PostingId, Vec<Revision>>>;
    /// Up to `limit` OPEN postings whose last activity was at or before `idle_since`,
    /// longest idle first: the ones the expiry job closes.
    async fn idle_open(&self, idle_since: DateTime<Utc>, limit: u32) -> DomainResult<Vec<Posting>>;
    /// Up to `limit` OPEN postings whose last activity was after `after` and at or before
    /// `until`, and whose client has not been warned about that period of inactivity
    /// yet; longest idle first.
    async fn unwarned_idle_open(
        &self,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<Posting>>;
    /// Records, in one transaction, that the client of `posting` was warned about the
    /// inactivity that began at `posting.last_activity_at`, and a notification for them
    /// saying it expires at `expires_at`; only if the posting is still OPEN with that
    /// last activity and no warning for it exists. False when nothing was written
    /// (another run warned first, or the posting moved on): a warning is written once.
    async fn record_expiry_warning(
        &self,
        posting: &Posting,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> DomainResult<bool>;
}
