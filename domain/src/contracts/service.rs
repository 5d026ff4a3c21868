//! The contracts service: offers, contracts, milestones and their money. Its operations
//! are split by concern over `offer_service.rs`, `contract_service.rs` and
//! `money_service.rs`; this file holds what they share: settings, who is which party,
//! and reads that check visibility.
//!
//! Who sees and acts, deny by default:
//! - An offer and a contract are seen by their two parties only: the client, and the
//!   freelancer's side (the freelancer and, for an agency's proposal, the agency's
//!   current owners). Evaluators, admins and everyone else learn "no such offer /
//!   contract" (`NOT_FOUND`).
//! - The client makes and withdraws offers, pauses and resumes contracts, adds, funds,
//!   approves, cancels milestones, asks for changes and pays bonuses; the freelancer's
//!   side accepts and declines offers, submits work and refunds milestones. Either side
//!   ends a contract. One side doing the other's part is `FORBIDDEN`.

use std::sync::Arc;

use chrono::TimeDelta;

use super::hours::TimesheetRepository;
use super::ledger::FeeRate;
use super::model::{Contract, ContractId, Offer, OfferId};
use super::payments::PaymentProvider;
use super::ports::ContractRepository;
use crate::actor::{Actor, UserId};
use crate::agencies::{AgencyId, AgencyRepository};
use crate::error::{DomainError, DomainResult, FieldError};
use crate::postings::PostingService;
use crate::proposals::access::{Membership, Side, side_among};
use crate::proposals::{MessageId, MessageService, ProposalMessage, ProposalService};

/// How many times a write is redone on a fresh read when another change came first.
pub(super) const RETRIES: usize = 4;

/// The contracts' configurable numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractSettings {
    /// How long an offer stays open (7 days by default).
    pub offer_expiry: TimeDelta,
    /// How long after submission a milestone is released without the client acting
    /// (14 days by default).
    pub auto_release_after: TimeDelta,
    /// The platform's share of what freelancers earn.
    pub fee: FeeRate,
    /// How long after a contract ended its parties may review it (14 days by default).
    pub review_window: TimeDelta,
}

impl Default for ContractSettings {
    fn default() -> Self {
        Self {
            offer_expiry: TimeDelta::days(7),
            auto_release_after: TimeDelta::days(14),
            fee: FeeRate::default(),
            review_window: TimeDelta::days(14),
        }
    }
}

#[derive(Clone)]
pub struct ContractService {
    pub(super) repo: Arc<dyn ContractRepository>,
    pub(super) hours: Arc<dyn TimesheetRepository>,
    pub(super) proposals: ProposalService,
    pub(super) postings: PostingService,
    pub(super) agencies: Arc<dyn AgencyRepository>,
    pub(super) provider: Arc<dyn PaymentProvider>,
    pub(super) messages: MessageService,
    pub(super) settings: ContractSettings,
}

pub(super) fn no_offer() -> DomainError {
    DomainError::not_found_at("offerId", "no such offer")
}

pub(super) fn no_contract() -> DomainError {
    DomainError::not_found_at("contractId", "no such contract")
}

pub(super) fn busy() -> DomainError {
    DomainError::conflict(&[], "it keeps changing; try again")
}

/// The parties of an offer or a contract.
pub(super) trait Parties {
    fn client(&self) -> UserId;
    fn freelancer(&self) -> UserId;
    fn agency(&self) -> Option<AgencyId>;
}

impl Parties for Offer {
    fn client(&self) -> UserId {
        self.client_id
    }
    fn freelancer(&self) -> UserId {
        self.freelancer_id
    }
    fn agency(&self) -> Option<AgencyId> {
        self.agency_id
    }
}

impl Parties for Contract {
    fn client(&self) -> UserId {
        self.client_id
    }
    fn freelancer(&self) -> UserId {
        self.freelancer_id
    }
    fn agency(&self) -> Option<AgencyId> {
        self.agency_id
    }
}

impl ContractService {
    pub fn new(
        (repo, hours): (Arc<dyn ContractRepository>, Arc<dyn TimesheetRepository>),
        proposals: ProposalService,
        postings: PostingService,
        agencies: Arc<dyn AgencyRepository>,
        (provider, messages): (Arc<dyn PaymentProvider>, MessageService),
        settings: ContractSettings,
    ) -> Self {
        Self {
            repo,
            hours,
            proposals,
            postings,
            agencies,
            provider,
            messages,
            settings,
        }
    }

    pub fn settings(&self) -> ContractSettings {
        self.settings
    }

    /// The caller's agency membership, read only when it can matter: some of `items`
    /// were made through an agency and the caller is neither of their parties.
    pub(super) async fn membership_for<T: Parties>(
        &self,
        user: UserId,
        items: &[T],
    ) -> DomainResult<Membership> {
        let needed = items
            .iter()
            .any(|i| i.agency().is_some() && user != i.client() && user != i.freelancer());
        if !needed {
            return Ok(None);
        }
        Ok(self
            .agencies
            .memberships(&[user])
            .await?
            .remove(&user)
            .map(|m| (m.agency_id, m.role)))
    }

    /// The side the actor is on for each of `items`, keeping those they see.
    pub(super) async fn seen<T: Parties>(
        &self,
        actor: &Actor,
        items: Vec<T>,
    ) -> DomainResult<Vec<(T, Side)>> {
        let Some(user) = actor.user_id() else {
            return Ok(Vec::new());
        };
        let membership = self.membership_for(user, &items).await?;
        Ok(items
            .into_iter()
            .filter_map(|i| {
                side_among(user, membership, i.client(), i.freelancer(), i.agency())
                    .map(|side| (i, side))
            })
            .collect())
    }

    /// The offer `id` and the caller's side: `UNAUTHENTICATED`, or `NOT_FOUND` on
    /// `offerId` when it names nothing or the caller is no party.
    pub(super) async fn offer_for(
        &self,
        actor: &Actor,
        id: Option<OfferId>,
    ) -> DomainResult<(Offer, Side)> {
        if actor.user_id().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let Some(id) = id else {
            return Err(no_offer());
        };
        let found = self.repo.offers(&[id]).await?;
        self.seen(actor, found)
            .await?
            .into_iter()
            .next()
            .ok_or_else(no_offer)
    }

    /// The contract `id` and the caller's side: `UNAUTHENTICATED`, or `NOT_FOUND` on
    /// `contractId` when it names nothing or the caller is no party.
    pub(super) async fn contract_for(
        &self,
        actor: &Actor,
        id: Option<ContractId>,
    ) -> DomainResult<(Contract, Side)> {
        if actor.user_id().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let Some(id) = id else {
            return Err(no_contract());
        };
        let found = self.repo.contracts(&[id]).await?;
        self.seen(actor, found)
            .await?
            .into_iter()
            .next()
            .ok_or_else(no_contract)
    }
}

/// `error` with its paths on the proposal's thread told as the contract's.
fn on_contract(error: DomainError) -> DomainError {
    let rename = |mut e: FieldError| {
        if e.field.first().map(String::as_str) == Some("proposalId") {
            e.field = vec!["contractId".to_owned()];
            e.message = e.message.replace("proposal", "contract");
        }
        e
    };
    match error {
        DomainError::Validation(errors) => {
            DomainError::Validation(errors.into_iter().map(rename).collect())
        }
        DomainError::Conflict(errors) => {
            DomainError::Conflict(errors.into_iter().map(rename).collect())
        }
        e => e,
    }
}

impl ContractService {
    /// Sends a message on the contract's thread, as the caller's side: the thread of the
    /// proposal it came from, which goes on as the contract's (one per contract, from
    /// proposal to paid work), in every state of the contract. `UNAUTHENTICATED`, or
    /// `NOT_FOUND` on `contractId` for anybody but its parties; errors on `body`.
    pub async fn send_message(
        &self,
        actor: &Actor,
        id: Option<ContractId>,
        body: &str,
    ) -> DomainResult<ProposalMessage> {
        let (contract, _) = self.contract_for(actor, id).await?;
        self.messages
            .send(actor, Some(contract.proposal_id), body)
            .await
            .map_err(on_contract)
    }

    /// Records that the caller read the contract's thread up to the message `up_to`
    /// (one of the thread's, else `NOT_FOUND` on `upTo`); a mark never moves backwards.
    pub async fn mark_messages_read(
        &self,
        actor: &Actor,
        id: Option<ContractId>,
        up_to: Option<MessageId>,
    ) -> DomainResult<Contract> {
        let (contract, _) = self.contract_for(actor, id).await?;
        self.messages
            .mark_read(actor, Some(contract.proposal_id), up_to)
            .await
            .map_err(on_contract)?;
        Ok(contract)
    }
}

/// `Ok` when the caller is on `side`, `FORBIDDEN` otherwise.
pub(super) fn must_be(actual: Side, side: Side) -> DomainResult<()> {
    if actual == side {
        Ok(())
    } else {
        Err(DomainError::Forbidden)
    }
}
