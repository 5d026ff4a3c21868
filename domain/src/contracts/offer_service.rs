//! Making, withdrawing, declining, accepting and expiring offers.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::lifecycle::{
    ContractStatus, MilestoneStatus, OfferEvent, OfferStatus, offer_transition,
};
use super::model::{
    Contract, ContractChange, ContractChangeKind, ContractId, Milestone, MilestoneId, Offer,
    OfferId,
};
use super::offer_input::{self, OfferInput};
use super::ports::{AcceptOutcome, AcceptWrite, ProposalStep};
use super::service::{ContractService, RETRIES, busy, must_be};
use crate::actor::Actor;
use crate::error::{DomainError, DomainResult};
use crate::proposals::access::{self, Side};
use crate::proposals::{
    ChangeKind, Proposal, ProposalChange, ProposalEvent, ProposalId, ProposalStatus, reason,
    transition,
};

/// How many expired offers one run of the expiry job ends at most.
const EXPIRY_BATCH: u32 = 200;

/// What one run of the offer expiry did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfferExpiryRun {
    pub expired: u32,
    /// Offers that could not be ended this time, and why (left for the next run).
    pub failed: Vec<(OfferId, String)>,
}

fn on_proposal(e: DomainError) -> DomainError {
    match e {
        DomainError::InvalidState { message } => {
            DomainError::invalid_state_at(&["proposalId"], message)
        }
        other => other,
    }
}

fn on_offer(e: DomainError) -> DomainError {
    match e {
        DomainError::InvalidState { message } => {
            DomainError::invalid_state_at(&["offerId"], message)
        }
        other => other,
    }
}

fn step(
    before: &Proposal,
    status: ProposalStatus,
    kind: ChangeKind,
    actor: &Actor,
    stage_name: Option<String>,
    why: Option<String>,
    now: DateTime<Utc>,
) -> ProposalStep {
    ProposalStep {
        proposal: Proposal {
            status,
            updated_at: now,
            ..before.clone()
        },
        expected: before.version,
        change: ProposalChange {
            proposal_id: before.id,
            at: now,
            actor: actor.user_id(),
            kind,
            status,
            stage_name,
            reason: why,
        },
    }
}

impl ContractService {
    /// The posting's client makes an offer from a proposal in evaluation: fixed price
    /// (milestones adding up to the total) or hourly, in the proposal's currency. The
    /// proposal moves to OFFERED; the offer expires after the configured days.
    pub async fn make_offer(&self, actor: &Actor, input: OfferInput) -> DomainResult<Offer> {
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        for _ in 0..RETRIES {
            let Some(id) = input.proposal else {
                return Err(access::not_found());
            };
            let Some(proposal) = self.proposals.repo.by_ids(&[id]).await?.into_iter().next() else {
                return Err(access::not_found());
            };
            let posting = self.postings.fetch(proposal.posting_id).await?;
            let membership = if proposal.agency_id.is_some() && user != posting.client_id {
                self.agencies
                    .memberships(&[user])
                    .await?
                    .remove(&user)
                    .map(|m| (m.agency_id, m.role))
            } else {
                None
            };
            access::acts_as(actor, membership, &proposal, &posting, Side::Client)?;
            let status = transition(proposal.status, ProposalEvent::Offer).map_err(on_proposal)?;
            let now = Utc::now();
            let (title, message, terms, milestones) =
                offer_input::check(&input, proposal.terms.bid.currency, now.date_naive())?;
            let Some(stage_id) = status.stage() else {
                return Err(DomainError::internal(
                    "an offered proposal without its stage",
                ));
            };
            let stage_name = self
                .proposals
                .pipeline_of(posting.id)
                .await?
                .pipeline
                .stage(stage_id)
                .map(|s| s.name.clone());
            let offer = Offer {
                id: OfferId(Uuid::now_v7()),
                proposal_id: proposal.id,
                posting_id: posting.id,
                client_id: posting.client_id,
                freelancer_id: proposal.freelancer_id,
                agency_id: proposal.agency_id,
                stage_id,
                title,
                message,
                terms,
                milestones,
                status: OfferStatus::Pending,
                status_reason: None,
                expires_at: now + self.settings.offer_expiry,
                created_at: now,
                updated_at: now,
                contract_id: None,
            };
            let step = step(
                &proposal,
                status,
                ChangeKind::Offered,
                actor,
                stage_name,
                None,
                now,
            );
            if self.repo.create_offer(&offer, &step).await? {
                return Ok(offer);
            }
        }
        Err(busy())
    }

    /// The client withdraws a PENDING offer (with an optional reason): the proposal
    /// returns to the stage the offer was made from.
    pub async fn withdraw_offer(
        &self,
        actor: &Actor,
        id: Option<OfferId>,
        why: Option<&str>,
    ) -> DomainResult<Offer> {
        self.end_offer(actor, id, Side::Client, OfferEvent::Withdraw, why)
            .await
    }

    /// The freelancer's side declines a PENDING offer (with an optional reason): the
    /// proposal returns to the stage the offer was made from.
    pub async fn decline_offer(
        &self,
        actor: &Actor,
        id: Option<OfferId>,
        why: Option<&str>,
    ) -> DomainResult<Offer> {
        self.end_offer(actor, id, Side::Freelancer, OfferEvent::Decline, why)
            .await
    }

    async fn end_offer(
        &self,
        actor: &Actor,
        id: Option<OfferId>,
        side: Side,
        event: OfferEvent,
        why: Option<&str>,
    ) -> DomainResult<Offer> {
        if actor.user_id().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let why = why.map(|w| reason(w, "reason")).transpose()?;
        for _ in 0..RETRIES {
            let (offer, actual) = self.offer_for(actor, id).await?;
            must_be(actual, side)?;
            let now = Utc::now();
            let status_now = self.record_expiry(offer.clone(), now).await?;
            let status = offer_transition(status_now, event).map_err(on_offer)?;
            if let Some(ended) = self.end_one(actor, offer, status, why.clone(), now).await? {
                return Ok(ended);
            }
        }
        Err(busy())
    }

    /// The offer's status at `now`; a PENDING offer past its time is recorded as EXPIRED
    /// on the spot (its proposal back in its stage), so nobody waits for the job.
    async fn record_expiry(&self, offer: Offer, now: DateTime<Utc>) -> DomainResult<OfferStatus> {
        let status = offer.status_at(now);
        if status == OfferStatus::Expired && offer.status == OfferStatus::Pending {
            // Best effort: whoever records it (this call or the job) records it once, and
            // when this one loses a race or fails, the job records it later. The caller's
            // answer is the same either way: the offer is past its time.
            let _ = self
                .end_one(&Actor::System, offer, OfferStatus::Expired, None, now)
                .await;
        }
        Ok(status)
    }

    /// Stores `offer` ended as `status` with the proposal back in its stage; `None`
    /// when either changed first.
    async fn end_one(
        &self,
        actor: &Actor,
        offer: Offer,
        status: OfferStatus,
        why: Option<String>,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<Offer>> {
        let Some(proposal) = self
            .proposals
            .repo
            .by_ids(&[offer.proposal_id])
            .await?
            .into_iter()
            .next()
        else {
            return Err(DomainError::internal("an offer without its proposal"));
        };
        let back = transition(proposal.status, ProposalEvent::OfferEnded).map_err(on_proposal)?;
        let stage_name = match back.stage() {
            Some(stage) => self
                .proposals
                .pipeline_of(offer.posting_id)
                .await?
                .pipeline
                .stage(stage)
                .map(|s| s.name.clone()),
            None => None,
        };
        let ended = Offer {
            status,
            status_reason: why.clone(),
            updated_at: now,
            ..offer
        };
        let step = step(
            &proposal,
            back,
            ChangeKind::OfferEnded,
            actor,
            stage_name,
            why,
            now,
        );
        Ok(self.repo.end_offer(&ended, &step).await?.then_some(ended))
    }

    /// The freelancer's side accepts a PENDING, unexpired offer: the contract is created
    /// (exactly once: concurrent accepts create one), the proposal is HIRED, and when
    /// the posting's positions are all filled it closes as FILLED. Accepting an offer
    /// that is already accepted returns its contract.
    pub async fn accept_offer(&self, actor: &Actor, id: Option<OfferId>) -> DomainResult<Contract> {
        for _ in 0..RETRIES {
            let (offer, side) = self.offer_for(actor, id).await?;
            must_be(side, Side::Freelancer)?;
            if let Some(contract) = offer.contract_id {
                return self
                    .contract_for(actor, Some(contract))
                    .await
                    .map(|(c, _)| c);
            }
            let now = Utc::now();
            let status_now = self.record_expiry(offer.clone(), now).await?;
            let accepted = offer_transition(status_now, OfferEvent::Accept).map_err(on_offer)?;
            let Some(proposal) = self
                .proposals
                .repo
                .by_ids(&[offer.proposal_id])
                .await?
                .into_iter()
                .next()
            else {
                return Err(DomainError::internal("an offer without its proposal"));
            };
            let hired = match transition(proposal.status, ProposalEvent::Hire) {
                Ok(hired) => hired,
                Err(e) => {
                    // The proposal moved after the offer was read: most likely a
                    // concurrent accept of this very offer. Read the offer again (and
                    // answer with its contract) if it changed too.
                    let again = self.repo.offers(&[offer.id]).await?;
                    if again
                        .first()
                        .is_some_and(|o| o.status != offer.status || o.contract_id.is_some())
                    {
                        continue;
                    }
                    return Err(on_proposal(e));
                }
            };
            let posting = self.postings.fetch(offer.posting_id).await?;
            let contract_id = ContractId(Uuid::now_v7());
            let contract = Contract {
                id: contract_id,
                offer_id: offer.id,
                proposal_id: offer.proposal_id,
                posting_id: offer.posting_id,
                client_id: offer.client_id,
                freelancer_id: offer.freelancer_id,
                agency_id: offer.agency_id,
                title: offer.title.clone(),
                terms: offer.terms.clone(),
                next_weekly_limit: None,
                status: ContractStatus::Active,
                end_reason: None,
                ended_by: None,
                version: 1,
                started_at: now,
                updated_at: now,
                ended_at: None,
            };
            let milestones = offer
                .milestones
                .iter()
                .enumerate()
                .map(|(i, plan)| Milestone {
                    id: MilestoneId(Uuid::now_v7()),
                    contract_id,
                    position: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    title: plan.title.clone(),
                    description: plan.description.clone(),
                    amount: plan.amount,
                    due_on: plan.due_on,
                    status: MilestoneStatus::Pending,
                    submission_note: None,
                    changes_requested: None,
                    refund_reason: None,
                    funded_at: None,
                    submitted_at: None,
                    released_at: None,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                })
                .collect();
            let write = AcceptWrite {
                offer: Offer {
                    status: accepted,
                    updated_at: now,
                    contract_id: Some(contract_id),
                    ..offer
                },
                proposal: step(&proposal, hired, ChangeKind::Hired, actor, None, None, now),
                change: ContractChange {
                    contract_id,
                    at: now,
                    actor: actor.user_id(),
                    kind: ContractChangeKind::Started,
                    status: ContractStatus::Active,
                    detail: None,
                },
                contract,
                milestones,
                positions: posting.positions,
                now,
            };
            if let AcceptOutcome::Accepted { contract, .. } = self.repo.accept_offer(&write).await?
            {
                return Ok(*contract);
            }
        }
        Err(busy())
    }

    /// Offers by ID that the actor is a party of.
    pub async fn offers_by_ids(&self, actor: &Actor, ids: &[OfferId]) -> DomainResult<Vec<Offer>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found = self.repo.offers(ids).await?;
        Ok(self
            .seen(actor, found)
            .await?
            .into_iter()
            .map(|(o, _)| o)
            .collect())
    }

    /// The offers on these proposals that the actor is a party of, newest first.
    pub async fn offers_of_proposals(
        &self,
        actor: &Actor,
        ids: &[ProposalId],
    ) -> DomainResult<HashMap<ProposalId, Vec<Offer>>> {
        if ids.is_empty() || actor.user_id().is_none() {
            return Ok(HashMap::new());
        }
        let found: Vec<Offer> = self
            .repo
            .offers_of_proposals(ids)
            .await?
            .into_values()
            .flatten()
            .collect();
        let mut out: HashMap<ProposalId, Vec<Offer>> = HashMap::new();
        for (offer, _) in self.seen(actor, found).await? {
            out.entry(offer.proposal_id).or_default().push(offer);
        }
        for offers in out.values_mut() {
            offers.sort_by_key(|o| std::cmp::Reverse(o.id));
        }
        Ok(out)
    }

    /// Ends the PENDING offers past their expiry at `now` (as the platform): each
    /// becomes EXPIRED and its proposal returns to its stage. Idempotent, and safe with
    /// several processes: each end is a compare-and-set, so an offer ends once.
    pub async fn run_offer_expiry(&self, now: DateTime<Utc>) -> DomainResult<OfferExpiryRun> {
        let mut run = OfferExpiryRun::default();
        for offer in self.repo.expired_offers(now, EXPIRY_BATCH).await? {
            let id = offer.id;
            // An offer whose proposal moved on meanwhile, or that failed, is left to the
            // next run; the others go on.
            match self
                .end_one(&Actor::System, offer, OfferStatus::Expired, None, now)
                .await
            {
                Ok(Some(_)) => run.expired += 1,
                Ok(None) => {}
                Err(e) => run.failed.push((id, e.to_string())),
            }
        }
        Ok(run)
    }
}
