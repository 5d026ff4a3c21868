//! Contracts' life cycle and the milestone steps that move no money: reads, pause,
//! resume, end, add a milestone, submit work, request changes, cancel.

use std::collections::HashMap;

use chrono::Utc;
use uuid::Uuid;

use super::lifecycle::{
    ContractEvent, ContractStatus, MilestoneEvent, MilestoneStatus, contract_transition,
    milestone_transition,
};
use super::model::{
    Contract, ContractChange, ContractChangeKind, ContractId, Milestone, MilestoneId, Terms,
};
use super::offer_input::{MilestoneInput, milestone, note};
use super::ports::{ContractWrite, MilestoneAdd, MilestoneWrite, MoneyWrite};
use super::service::{ContractService, RETRIES, busy, must_be};
use crate::actor::Actor;
use crate::agencies::AgencyId;
use crate::error::{DomainError, DomainResult};
use crate::pagination::{Page, PageRequest};
use crate::proposals::access::Side;
use crate::proposals::reason;

/// A milestone step that moves no money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MilestoneStep {
    /// The freelancer's side submits the work, with an optional note.
    Submit(Option<String>),
    /// The client sends the work back, saying what to change.
    RequestChanges(String),
    /// The client cancels a milestone not yet funded.
    Cancel,
}

pub(super) fn no_milestone() -> DomainError {
    DomainError::not_found_at("milestoneId", "no such milestone")
}

fn on(field: &str, e: DomainError) -> DomainError {
    match e {
        DomainError::InvalidState { message } => DomainError::invalid_state_at(&[field], message),
        other => other,
    }
}

impl ContractService {
    /// Contracts by ID that the actor is a party of.
    pub async fn contracts_by_ids(
        &self,
        actor: &Actor,
        ids: &[ContractId],
    ) -> DomainResult<Vec<Contract>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found = self.repo.contracts(ids).await?;
        Ok(self
            .seen(actor, found)
            .await?
            .into_iter()
            .map(|(c, _)| c)
            .collect())
    }

    /// A page of the caller's contracts (as client or freelancer, and those of the
    /// agency they own), newest first, in `statuses` (all when empty).
    pub async fn of_viewer(
        &self,
        actor: &Actor,
        statuses: &[ContractStatus],
        page: &PageRequest<ContractId>,
    ) -> DomainResult<Page<Contract>> {
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        let agency: Option<AgencyId> = self
            .agencies
            .memberships(&[user])
            .await?
            .remove(&user)
            .filter(|m| m.role == crate::agencies::AgencyRole::Owner)
            .map(|m| m.agency_id);
        self.repo
            .contracts_of_user(user, agency, statuses, page)
            .await
    }

    /// The milestones of these contracts (which the caller must have read).
    pub async fn milestones_of(
        &self,
        ids: &[ContractId],
    ) -> DomainResult<HashMap<ContractId, Vec<Milestone>>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        self.repo.milestones_of(ids).await
    }

    /// The histories of these contracts (which the caller must have read).
    pub async fn histories(
        &self,
        ids: &[ContractId],
    ) -> DomainResult<HashMap<ContractId, Vec<ContractChange>>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        self.repo.histories(ids).await
    }

    /// The client pauses an ACTIVE contract.
    pub async fn pause(&self, actor: &Actor, id: Option<ContractId>) -> DomainResult<Contract> {
        self.change(actor, id, Some(Side::Client), ContractEvent::Pause, None)
            .await
    }

    /// The client resumes a PAUSED contract.
    pub async fn resume(&self, actor: &Actor, id: Option<ContractId>) -> DomainResult<Contract> {
        self.change(actor, id, Some(Side::Client), ContractEvent::Resume, None)
            .await
    }

    /// Either side ends an ACTIVE or PAUSED contract, with a reason. Refused
    /// (`INVALID_STATE`) while a milestone holds money: it is released or refunded first.
    /// Its PENDING milestones are cancelled.
    pub async fn end_contract(
        &self,
        actor: &Actor,
        id: Option<ContractId>,
        why: &str,
    ) -> DomainResult<Contract> {
        if actor.user_id().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let why = reason(why, "reason")?;
        self.change(actor, id, None, ContractEvent::End, Some(why))
            .await
    }

    async fn change(
        &self,
        actor: &Actor,
        id: Option<ContractId>,
        side: Option<Side>,
        event: ContractEvent,
        why: Option<String>,
    ) -> DomainResult<Contract> {
        for _ in 0..RETRIES {
            let (before, actual) = self.contract_for(actor, id).await?;
            if let Some(side) = side {
                must_be(actual, side)?;
            }
            let status =
                contract_transition(before.status, event).map_err(|e| on("contractId", e))?;
            let now = Utc::now();
            let ended = status == ContractStatus::Ended;
            let after = Contract {
                status,
                end_reason: if ended { why.clone() } else { None },
                ended_by: if ended { actor.user_id() } else { None },
                ended_at: ended.then_some(now),
                updated_at: now,
                ..before.clone()
            };
            let change = ContractChange {
                contract_id: before.id,
                at: now,
                actor: actor.user_id(),
                kind: match event {
                    ContractEvent::Pause => ContractChangeKind::Paused,
                    ContractEvent::Resume => ContractChangeKind::Resumed,
                    ContractEvent::End => ContractChangeKind::Ended,
                },
                status,
                detail: why.clone(),
            };
            match self
                .repo
                .save_contract(&after, before.version, &change)
                .await?
            {
                ContractWrite::Written(saved) => return Ok(*saved),
                ContractWrite::Stale => {}
                ContractWrite::MoneyHeld(n) => {
                    return Err(DomainError::invalid_state_at(
                        &["contractId"],
                        format!(
                            "{n} milestone(s) hold money in escrow: approve or refund them before ending the contract"
                        ),
                    ));
                }
            }
        }
        Err(busy())
    }

    /// The client adds a milestone to an ACTIVE or PAUSED fixed-price contract, in its
    /// currency.
    pub async fn add_milestone(
        &self,
        actor: &Actor,
        id: Option<ContractId>,
        input: &MilestoneInput,
    ) -> DomainResult<Milestone> {
        let (contract, side) = self.contract_for(actor, id).await?;
        must_be(side, Side::Client)?;
        if !matches!(contract.terms, Terms::Fixed { .. }) {
            return Err(DomainError::invalid_state_at(
                &["contractId"],
                "an hourly contract has no milestones",
            ));
        }
        if contract.status == ContractStatus::Ended {
            return Err(DomainError::invalid_state_at(
                &["contractId"],
                "the contract has ended",
            ));
        }
        let now = Utc::now();
        let mut errors = Vec::new();
        let plan = milestone(
            input,
            contract.terms.currency(),
            now.date_naive(),
            &["milestone"],
            &mut errors,
        );
        super::money::all(errors)?;
        let Some(plan) = plan else {
            return Err(DomainError::internal(
                "checked milestone without its values",
            ));
        };
        let added = Milestone {
            id: MilestoneId(Uuid::now_v7()),
            contract_id: contract.id,
            position: 0,
            title: plan.title,
            description: plan.description,
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
        };
        let change = ContractChange {
            contract_id: contract.id,
            at: now,
            actor: actor.user_id(),
            kind: ContractChangeKind::MilestoneAdded,
            status: contract.status,
            detail: Some(added.title.clone()),
        };
        match self.repo.add_milestone(&added, &change).await? {
            MilestoneAdd::Added(stored) => Ok(*stored),
            MilestoneAdd::NotOpen => Err(DomainError::invalid_state_at(
                &["contractId"],
                "the contract has ended",
            )),
            MilestoneAdd::Full => Err(DomainError::invalid_state_at(
                &["contractId"],
                format!(
                    "a contract has at most {} milestones",
                    super::offer_input::MAX_MILESTONES
                ),
            )),
        }
    }

    /// The milestone `id`, its contract and the caller's side: `UNAUTHENTICATED`, or
    /// `NOT_FOUND` on `milestoneId` when it names nothing or the caller is no party.
    pub(super) async fn milestone_for(
        &self,
        actor: &Actor,
        id: Option<MilestoneId>,
    ) -> DomainResult<(Milestone, Contract, Side)> {
        if actor.user_id().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let Some(id) = id else {
            return Err(no_milestone());
        };
        let Some(milestone) = self.repo.milestones(&[id]).await?.into_iter().next() else {
            return Err(no_milestone());
        };
        let contracts = self.repo.contracts(&[milestone.contract_id]).await?;
        let Some((contract, side)) = self.seen(actor, contracts).await?.into_iter().next() else {
            return Err(no_milestone());
        };
        Ok((milestone, contract, side))
    }

    /// A milestone step that moves no money: submit work (the freelancer's side, on a
    /// FUNDED milestone of an ACTIVE contract), request changes (the client, on
    /// SUBMITTED work), cancel (the client, on a PENDING milestone).
    pub async fn milestone_step(
        &self,
        actor: &Actor,
        id: Option<MilestoneId>,
        step: MilestoneStep,
    ) -> DomainResult<Milestone> {
        if actor.user_id().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let (event, side, text) = match &step {
            MilestoneStep::Submit(n) => (
                MilestoneEvent::Submit,
                Side::Freelancer,
                note(n.as_deref(), "note")?,
            ),
            MilestoneStep::RequestChanges(n) => (
                MilestoneEvent::RequestChanges,
                Side::Client,
                Some(reason(n, "reason")?),
            ),
            MilestoneStep::Cancel => (MilestoneEvent::Cancel, Side::Client, None),
        };
        for _ in 0..RETRIES {
            let (before, contract, actual) = self.milestone_for(actor, id).await?;
            must_be(actual, side)?;
            let status =
                milestone_transition(before.status, event).map_err(|e| on("milestoneId", e))?;
            let contract_in = if event == MilestoneEvent::Submit {
                vec![ContractStatus::Active]
            } else {
                vec![ContractStatus::Active, ContractStatus::Paused]
            };
            if !contract_in.contains(&contract.status) {
                return Err(DomainError::invalid_state_at(
                    &["milestoneId"],
                    format!("the contract is {}", contract.status.key()),
                ));
            }
            let now = Utc::now();
            let after = Milestone {
                status,
                submission_note: if event == MilestoneEvent::Submit {
                    text.clone()
                } else {
                    before.submission_note.clone()
                },
                changes_requested: if event == MilestoneEvent::RequestChanges {
                    text.clone()
                } else {
                    before.changes_requested.clone()
                },
                submitted_at: if event == MilestoneEvent::Submit {
                    Some(now)
                } else {
                    before.submitted_at
                },
                version: before.version + 1,
                updated_at: now,
                ..before.clone()
            };
            let write = MilestoneWrite {
                milestone: after.clone(),
                expected: before.version,
                contract_in,
                transaction: None,
                key: None,
            };
            if self.repo.save_milestone(&write).await? == MoneyWrite::Written {
                return Ok(after);
            }
        }
        Err(busy())
    }
}
