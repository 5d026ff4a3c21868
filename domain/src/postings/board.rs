//! What the public posting view and the client's dashboard read besides the posting
//! itself: proposal counts by status, bid statistics, invitation counts, when the client
//! was last active, and a client's own postings. All batched by ID, for DataLoaders.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use super::lifecycle::PostingStatus;
use super::model::{Posting, PostingId};
use super::policy;
use crate::actor::{Actor, Role, UserId};
use crate::error::{DomainError, DomainResult};
use crate::money::Money;
use crate::pagination::{Page, PageRequest};

/// How many of a posting's proposals are in each state (the proposal life cycle of the
/// product document).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProposalCounts {
    pub submitted: u32,
    pub shortlisted: u32,
    pub in_evaluation: u32,
    pub offered: u32,
    pub hired: u32,
    pub declined: u32,
    pub withdrawn: u32,
    pub closed: u32,
}

impl ProposalCounts {
    /// Every proposal ever sent, withdrawn ones included (as the public count shows).
    pub fn total(&self) -> u32 {
        self.submitted
            + self.shortlisted
            + self.in_evaluation
            + self.offered
            + self.hired
            + self.declined
            + self.withdrawn
            + self.closed
    }

    /// Adds `n` proposals in the stored state `key`; false for a key it does not know.
    pub fn add(&mut self, key: &str, n: u32) -> bool {
        let slot = match key {
            "SUBMITTED" => &mut self.submitted,
            "SHORTLISTED" => &mut self.shortlisted,
            "IN_EVALUATION" => &mut self.in_evaluation,
            "OFFERED" => &mut self.offered,
            "HIRED" => &mut self.hired,
            "DECLINED" => &mut self.declined,
            "WITHDRAWN" => &mut self.withdrawn,
            "CLOSED" => &mut self.closed,
            _ => return false,
        };
        *slot += n;
        true
    }
}

/// The bids of a posting's proposals (withdrawn ones left out), in the posting's
/// currency: bids are always made in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BidStats {
    pub count: u32,
    pub min: Money,
    /// Rounded to the nearest minor unit.
    pub avg: Money,
    pub max: Money,
}

/// The numbers shown with a posting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PostingStats {
    pub proposals: ProposalCounts,
    /// `None` without bids.
    pub bids: Option<BidStats>,
    /// Invitations the client sent, whatever their answer.
    pub invitations: u32,
}

#[async_trait]
pub trait PostingBoardRepository: Send + Sync {
    /// Statistics of these postings; postings without any get the default.
    async fn stats(&self, ids: &[PostingId]) -> DomainResult<HashMap<PostingId, PostingStats>>;
    /// The last time each of these users did anything (used a session, or acted on a
    /// posting); users never seen are left out.
    async fn last_active(&self, users: &[UserId]) -> DomainResult<HashMap<UserId, DateTime<Utc>>>;
    /// A client's postings, newest first (by ID: IDs are time-ordered), only those in
    /// `statuses` when it is not empty.
    async fn of_client(
        &self,
        client: UserId,
        statuses: &[PostingStatus],
        page: &PageRequest<PostingId>,
    ) -> DomainResult<Page<Posting>>;
    /// How many postings `of_client` lists in all.
    async fn count_of_client(
        &self,
        client: UserId,
        statuses: &[PostingStatus],
    ) -> DomainResult<u64>;
}

/// Reading the board: public numbers for everyone who may see the posting; the count
/// by state and the list of one's own postings for their client.
#[derive(Clone)]
pub struct PostingBoardService {
    repo: Arc<dyn PostingBoardRepository>,
}

impl PostingBoardService {
    pub fn new(repo: Arc<dyn PostingBoardRepository>) -> Self {
        Self { repo }
    }

    /// Statistics of postings the caller has already been allowed to see (the edge
    /// reads them for postings it loaded through `PostingService::by_ids`).
    pub async fn stats(&self, ids: &[PostingId]) -> DomainResult<HashMap<PostingId, PostingStats>> {
        self.repo.stats(ids).await
    }

    /// Whether the actor may see the count of proposals by state: the client and admins.
    pub fn sees_pipeline(&self, actor: &Actor, posting: &Posting) -> bool {
        actor.user_id() == Some(posting.client_id) || actor.has_role(Role::Admin)
    }

    /// When each client was last active, to the hour (no finer: it is shown publicly).
    pub async fn last_active(
        &self,
        users: &[UserId],
    ) -> DomainResult<HashMap<UserId, DateTime<Utc>>> {
        Ok(self
            .repo
            .last_active(users)
            .await?
            .into_iter()
            .map(|(u, at)| (u, at.duration_trunc(TimeDelta::hours(1)).unwrap_or(at)))
            .collect())
    }

    /// How many postings of the actor's `mine` lists in all.
    pub async fn count_mine(&self, actor: &Actor, statuses: &[PostingStatus]) -> DomainResult<u64> {
        match actor {
            Actor::Anonymous => Err(DomainError::Unauthenticated),
            Actor::System => Err(DomainError::Forbidden),
            Actor::User { id, .. } => self.repo.count_of_client(*id, statuses).await,
        }
    }

    /// The actor's own postings, newest first (none for those who never posted).
    pub async fn mine(
        &self,
        actor: &Actor,
        statuses: &[PostingStatus],
        page: &PageRequest<PostingId>,
    ) -> DomainResult<Page<Posting>> {
        let client = match actor {
            Actor::Anonymous => return Err(DomainError::Unauthenticated),
            Actor::System => return Err(DomainError::Forbidden),
            Actor::User { id, .. } => *id,
        };
        let page = self.repo.of_client(client, statuses, page).await?;
        debug_assert!(page.items.iter().all(|p| policy::can_see(actor, p, false)));
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_by_state() {
        let mut c = ProposalCounts::default();
        assert!(c.add("SUBMITTED", 3));
        assert!(c.add("WITHDRAWN", 1));
        assert!(c.add("HIRED", 2));
        assert!(!c.add("LOST", 7));
        assert_eq!((c.submitted, c.withdrawn, c.hired, c.total()), (3, 1, 2, 6));
    }
}
