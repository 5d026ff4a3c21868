//! Storage of reviews.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::model::{Review, ReviewId, ReviewerSide};
use super::moderation::{ModerationEvent, ReportId, ReviewReport};
use crate::actor::UserId;
use crate::contracts::{ContractId, TransactionKind};
use crate::error::DomainResult;
use crate::pagination::{Page, PageRequest};

/// What storage did with a new review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewWrite {
    /// Stored, as storage keeps it (published, with the other side's, when the other
    /// side had reviewed already).
    Written(Box<Review>),
    /// This side of the contract has reviewed it already (a unique index).
    Duplicate,
    /// The other side's review is public already (its window closed): this one would
    /// be written after reading it. Nothing was written.
    WindowClosed,
}

/// A contract the user may still review, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingReview {
    pub contract_id: ContractId,
    pub side: ReviewerSide,
    pub deadline: DateTime<Utc>,
}

#[async_trait]
pub trait ReviewRepository: Send + Sync {
    /// In one transaction, holding the contract's row: stores `review` (one per
    /// contract and side: a unique index; a concurrent duplicate is `Duplicate`), and
    /// when the other side's review of the contract is stored, publishes both at
    /// `review.created_at`, the new one taking the other's window (`public_from`). When
    /// the other side's review is public by its window at `review.created_at`, nothing
    /// is written (`WindowClosed`): the window is the one stored with the first review,
    /// whatever the configuration says now.
    /// When it publishes, it marks the reputations of the contract's parties in the
    /// same transaction (see [`super::ReputationRepository`]).
    async fn create(&self, review: &Review) -> DomainResult<ReviewWrite>;
    /// Reviews by ID; unknown IDs are left out.
    async fn reviews(&self, ids: &[ReviewId]) -> DomainResult<Vec<Review>>;
    /// The reviews of these contracts (both sides); one statement.
    async fn of_contracts(
        &self,
        ids: &[ContractId],
    ) -> DomainResult<HashMap<ContractId, Vec<Review>>>;
    /// A page of the reviews about `reviewee` public at `now` (published, or their
    /// window closed) and not hidden, newest first; only those written by `side` when
    /// given (CLIENT: about the user as a freelancer).
    async fn about(
        &self,
        reviewee: UserId,
        side: Option<ReviewerSide>,
        now: DateTime<Utc>,
        page: &PageRequest<ReviewId>,
    ) -> DomainResult<Page<Review>>;
    /// Stores the reviewee's reply if the review has none yet and is public and not
    /// hidden at `at` (one statement deciding it); `false` otherwise.
    async fn reply(&self, id: ReviewId, reply: &str, at: DateTime<Utc>) -> DomainResult<bool>;
    /// Publishes the reviews whose window closed at or before `now` (at their
    /// `public_from`), at most `limit`: the IDs published. Idempotent. Marks the
    /// reputations of the contracts' parties, in the same transaction.
    async fn publish_due(&self, now: DateTime<Utc>, limit: u32) -> DomainResult<Vec<ReviewId>>;
    /// Of these contracts, those with a ledger transaction of one of `kinds` (money
    /// paid to the freelancer); one statement.
    async fn paid(
        &self,
        contracts: &[ContractId],
        kinds: &[TransactionKind],
    ) -> DomainResult<HashSet<ContractId>>;
    /// The contracts `user` is the client or the freelancer of that ENDED after
    /// `ended_after`, with a transaction of one of `kinds`, that `user`'s side has not
    /// reviewed: oldest ending first, at most `limit`.
    async fn unreviewed(
        &self,
        user: UserId,
        ended_after: DateTime<Utc>,
        kinds: &[TransactionKind],
        limit: u32,
    ) -> DomainResult<Vec<(ContractId, ReviewerSide, DateTime<Utc>)>>;
    /// Stores a report; `false` when this user reported this review already (a unique
    /// index decides, also between concurrent reports).
    async fn report(&self, report: &ReviewReport) -> DomainResult<bool>;
    /// A page of reports, newest first: only open ones when `open`.
    async fn reports(
        &self,
        open: bool,
        page: &PageRequest<ReportId>,
    ) -> DomainResult<Page<ReviewReport>>;
    /// Carries out an admin's action in one transaction, deciding by the review's state
    /// as stored: HIDE a review not hidden (storing the event's reason, admin and time on
    /// the review, and resolving its open reports as hidden), RESTORE a hidden one, or
    /// DISMISS a review's open reports. Keeps the event (the audit trail) and, for HIDE
    /// and RESTORE, marks the reputations of the contract's parties. `false`, having
    /// changed nothing, when the review is not in the state the action needs (hidden
    /// already, not hidden, no open report).
    async fn moderate(&self, event: &ModerationEvent) -> DomainResult<bool>;
    /// The admin actions on these reviews, in the order they were carried out; one
    /// statement.
    async fn moderation_history(
        &self,
        reviews: &[ReviewId],
    ) -> DomainResult<HashMap<ReviewId, Vec<ModerationEvent>>>;
}
