//! Storage of offers, contracts, milestones, the ledger and idempotency keys.
//!
//! Each write that changes state and moves money is one method, run by storage in one
//! database transaction: the state change (a compare-and-set on what the service read),
//! the ledger transaction and the idempotency key are written together or not at all.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::idempotency::{IdempotencyKey, KeyRecord};
use super::ledger::{Balance, LedgerTransaction, TransactionId};
use super::lifecycle::ContractStatus;
use super::model::{Contract, ContractChange, ContractId, Milestone, MilestoneId, Offer, OfferId};
use crate::actor::UserId;
use crate::agencies::AgencyId;
use crate::error::DomainResult;
use crate::pagination::{Page, PageRequest};
use crate::proposals::{Proposal, ProposalChange, ProposalId};

/// A proposal's change that goes with an offer's: the proposal as it will be stored,
/// the version it was read at, and its history entry.
#[derive(Debug, Clone)]
pub struct ProposalStep {
    pub proposal: Proposal,
    pub expected: i64,
    pub change: ProposalChange,
}

/// Everything an accepted offer writes (see [`ContractRepository::accept_offer`]).
#[derive(Debug, Clone)]
pub struct AcceptWrite {
    /// The offer as accepted (ACCEPTED, naming the contract).
    pub offer: Offer,
    /// The proposal moving to HIRED.
    pub proposal: ProposalStep,
    pub contract: Contract,
    pub milestones: Vec<Milestone>,
    pub change: ContractChange,
    /// The posting's positions: when this many contracts exist for it, it closes as
    /// FILLED (by `contract.client_id`) and its other open proposals close.
    pub positions: u16,
    pub now: DateTime<Utc>,
}

/// What storage did with an accepted offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcceptOutcome {
    /// The contract was created; `posting_filled`: the posting closed as FILLED.
    Accepted {
        contract: Box<Contract>,
        posting_filled: bool,
    },
    /// The offer was no longer PENDING (or had expired), or the proposal changed
    /// meanwhile: nothing was written.
    Stale,
}

/// What storage did with a contract's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContractWrite {
    Written(Box<Contract>),
    /// Another change came first.
    Stale,
    /// The contract was to end but this many milestones hold money.
    MoneyHeld(u64),
}

/// A milestone's change, with the money it moves and the key it was asked with.
#[derive(Debug, Clone)]
pub struct MilestoneWrite {
    /// The milestone as it will be stored (at `expected + 1`).
    pub milestone: Milestone,
    pub expected: i64,
    /// The contract must be in one of these states (checked holding its row).
    pub contract_in: Vec<ContractStatus>,
    pub transaction: Option<LedgerTransaction>,
    pub key: Option<KeyRecord>,
}

/// What storage did with a milestone to add (see [`ContractRepository::add_milestone`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MilestoneAdd {
    /// Stored, as storage keeps it (with its position).
    Added(Box<Milestone>),
    /// The contract is no longer ACTIVE or PAUSED: nothing was written.
    NotOpen,
    /// The contract has its most milestones already: nothing was written.
    Full,
}

/// What storage did with a money write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyWrite {
    Written,
    /// The milestone changed, or the contract left the states required: nothing written.
    Stale,
    /// The idempotency key was recorded by a concurrent request: nothing written.
    KeyTaken,
}

#[async_trait]
pub trait ContractRepository: Send + Sync {
    /// In one transaction: stores the proposal's step to OFFERED (if it is still at its
    /// version) and the offer. `false`, writing nothing, when the proposal changed first
    /// (or already has a PENDING offer: a partial unique index).
    async fn create_offer(&self, offer: &Offer, step: &ProposalStep) -> DomainResult<bool>;
    /// Offers by ID, with their milestone plans; unknown IDs are left out.
    async fn offers(&self, ids: &[OfferId]) -> DomainResult<Vec<Offer>>;
    /// The offers made on these proposals, newest first; one statement (and one for
    /// the milestone plans).
    async fn offers_of_proposals(
        &self,
        ids: &[ProposalId],
    ) -> DomainResult<HashMap<ProposalId, Vec<Offer>>>;
    /// In one transaction: `offer` (DECLINED, WITHDRAWN or EXPIRED) replaces the stored
    /// one if that is still PENDING, and the proposal takes its step back to its stage.
    /// `false`, writing nothing, when either changed first.
    async fn end_offer(&self, offer: &Offer, step: &ProposalStep) -> DomainResult<bool>;
    /// In one transaction: the offer is accepted if it is still PENDING and unexpired at
    /// `now`; the proposal moves to HIRED; the contract (one per offer: a unique index),
    /// its milestones and its first history entry are stored; when the posting's
    /// contracts reach its positions it closes as FILLED, its other open proposals close
    /// and their PENDING offers are withdrawn.
    async fn accept_offer(&self, write: &AcceptWrite) -> DomainResult<AcceptOutcome>;
    /// PENDING offers past their expiry at `now`, oldest first, at most `limit`.
    async fn expired_offers(&self, now: DateTime<Utc>, limit: u32) -> DomainResult<Vec<Offer>>;

    /// Contracts by ID; unknown IDs are left out.
    async fn contracts(&self, ids: &[ContractId]) -> DomainResult<Vec<Contract>>;
    /// A page of the contracts `user` is the client or the freelancer of, or (when
    /// given) that `agency` holds, newest first, in `statuses` (all when empty).
    async fn contracts_of_user(
        &self,
        user: UserId,
        agency: Option<AgencyId>,
        statuses: &[ContractStatus],
        page: &PageRequest<ContractId>,
    ) -> DomainResult<Page<Contract>>;
    /// Stores `contract` at `expected + 1` with `change` if the stored one is still at
    /// `expected`. Ending it is refused while a milestone holds money; its PENDING
    /// milestones are cancelled with it.
    async fn save_contract(
        &self,
        contract: &Contract,
        expected: i64,
        change: &ContractChange,
    ) -> DomainResult<ContractWrite>;
    /// The histories of these contracts, oldest first; one statement.
    async fn histories(
        &self,
        ids: &[ContractId],
    ) -> DomainResult<HashMap<ContractId, Vec<ContractChange>>>;

    /// Milestones by ID; unknown IDs are left out.
    async fn milestones(&self, ids: &[MilestoneId]) -> DomainResult<Vec<Milestone>>;
    /// The milestones of these contracts, in order; one statement.
    async fn milestones_of(
        &self,
        ids: &[ContractId],
    ) -> DomainResult<HashMap<ContractId, Vec<Milestone>>>;
    /// Adds `milestone` at the end of its contract (storage sets its position) with
    /// `change`, holding the contract's row: if it is ACTIVE or PAUSED and has fewer
    /// than [`MAX_MILESTONES`](super::MAX_MILESTONES) milestones.
    async fn add_milestone(
        &self,
        milestone: &Milestone,
        change: &ContractChange,
    ) -> DomainResult<MilestoneAdd>;
    /// In one transaction: the milestone's change (a compare-and-set on its version,
    /// the contract in `contract_in`), its ledger transaction and its key.
    async fn save_milestone(&self, write: &MilestoneWrite) -> DomainResult<MoneyWrite>;
    /// Milestones SUBMITTED at or before `before` on ACTIVE or PAUSED contracts, oldest
    /// first, at most `limit` (the automatic release).
    async fn submitted_before(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<Milestone>>;

    /// In one transaction: a payment that changes no milestone (a bonus) and its key,
    /// if the contract is in `contract_in`.
    async fn record_payment(
        &self,
        transaction: &LedgerTransaction,
        key: &KeyRecord,
        contract_in: &[ContractStatus],
    ) -> DomainResult<MoneyWrite>;
    /// What `user` did with `key`, if they used it (and storage still keeps it).
    async fn key_record(
        &self,
        user: UserId,
        key: &IdempotencyKey,
    ) -> DomainResult<Option<KeyRecord>>;
    /// Ledger transactions by ID, with their entries.
    async fn transactions(&self, ids: &[TransactionId]) -> DomainResult<Vec<LedgerTransaction>>;
    /// A page of a contract's transactions, newest first.
    async fn transactions_of_contract(
        &self,
        contract: ContractId,
        page: &PageRequest<TransactionId>,
    ) -> DomainResult<Page<LedgerTransaction>>;
    /// A page of the transactions with an entry on an account `owner` owns (their
    /// client funding or earnings), newest first.
    async fn transactions_of_owner(
        &self,
        owner: Uuid,
        page: &PageRequest<TransactionId>,
    ) -> DomainResult<Page<LedgerTransaction>>;
    /// The balances of the accounts these owners own (sums of their entries); accounts
    /// without entries are left out.
    async fn balances(&self, owners: &[Uuid]) -> DomainResult<Vec<Balance>>;
}
