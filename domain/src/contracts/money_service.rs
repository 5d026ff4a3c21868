//! The money mutations (fund, approve, refund, bonus), the automatic release, and the
//! ledger's reads.
//!
//! Each money mutation runs in this order: who asks (`UNAUTHENTICATED`), the key's
//! shape, the key's record (a repeat with the same input returns the first result; with
//! other input, `CONFLICT` on `idempotencyKey`), the target and the caller's side, the
//! state, then the provider (for money coming in or going back), and last the one write
//! that stores the state change, the balanced ledger transaction and the key together.
//! When the write is refused after the provider moved money (the state changed meanwhile
//! and this key was not recorded), the provider's payment is voided.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::idempotency::{IdempotencyKey, KeyRecord, fingerprint, replay};
use super::ledger::{Balance, LedgerTransaction, Movement, TransactionId, TransactionKind};
use super::lifecycle::{ContractStatus, MilestoneEvent, MilestoneStatus, milestone_transition};
use super::model::{ContractId, Milestone, MilestoneId};
use super::money::amount;
use super::offer_input::note;
use super::payments::{Payment, PaymentError};
use super::ports::{MilestoneWrite, MoneyWrite};
use super::service::{ContractService, RETRIES, busy, must_be};
use crate::actor::{Actor, UserId};
use crate::error::{DomainError, DomainResult};
use crate::pagination::{Page, PageRequest};
use crate::profiles::MoneyInput;
use crate::proposals::access::Side;
use crate::proposals::reason;

/// How many milestones one run of the automatic release pays at most.
const RELEASE_BATCH: u32 = 200;

/// A money mutation on a milestone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MilestonePayment {
    /// The client pays the milestone's amount into escrow.
    Fund,
    /// The client approves the submitted work: escrow pays the freelancer (less the fee).
    Approve,
    /// The freelancer's side gives a funded milestone's money back to the client (their
    /// consent), with a reason.
    Refund(String),
}

impl MilestonePayment {
    fn name(&self) -> &'static str {
        match self {
            MilestonePayment::Fund => "fundMilestone",
            MilestonePayment::Approve => "approveMilestone",
            MilestonePayment::Refund(_) => "refundMilestone",
        }
    }

    fn event(&self) -> MilestoneEvent {
        match self {
            MilestonePayment::Fund => MilestoneEvent::Fund,
            MilestonePayment::Approve => MilestoneEvent::Approve,
            MilestonePayment::Refund(_) => MilestoneEvent::Refund,
        }
    }

    fn side(&self) -> Side {
        match self {
            MilestonePayment::Fund | MilestonePayment::Approve => Side::Client,
            MilestonePayment::Refund(_) => Side::Freelancer,
        }
    }
}

/// `bonus`'s input as the domain takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BonusInput {
    pub contract: Option<ContractId>,
    pub amount: MoneyInput,
    pub note: Option<String>,
}

/// What one run of the automatic release did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseRun {
    pub released: u32,
    /// Milestones that could not be released this time, and why (left for the next
    /// run).
    pub failed: Vec<(MilestoneId, String)>,
}

/// The key the provider sees: the caller's key scoped to them and to the operation, so
/// two users' keys (or one user's keys for two kinds of payment) never name one payment.
pub(super) fn provider_key(user: UserId, operation: &str, key: &IdempotencyKey) -> String {
    format!("{}:{operation}:{}", user.0, key.as_str())
}

pub(super) fn provider_error(e: PaymentError) -> DomainError {
    match e {
        PaymentError::Declined(m) => {
            DomainError::invalid_state_at(&[], format!("the payment was declined: {m}"))
        }
        PaymentError::Timeout => DomainError::Unavailable {
            message:
                "the payment provider did not answer in time; retry with the same idempotencyKey"
                    .into(),
        },
    }
}

impl ContractService {
    pub(super) fn user_and_key(actor: &Actor, key: &str) -> DomainResult<(UserId, IdempotencyKey)> {
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        Ok((user, IdempotencyKey::parse(key)?))
    }

    /// Voids the provider's payment made under `charged` (the provider's key and the
    /// payment's reference) when the request failed after the provider took the money
    /// and the ledger does not hold that payment. It looks at the key's record again
    /// first: a concurrent request with the same key and input may have recorded that
    /// very payment meanwhile (it is theirs then); a record of another payment (the key
    /// used for another operation) does not count. Once it voided, a failure that was no
    /// user error (too many concurrent changes, the database) becomes `CONFLICT` on
    /// `idempotencyKey`: nothing was charged, and the key cannot be used again.
    pub(super) async fn undo<T>(
        &self,
        charged: Option<(String, String)>,
        user: UserId,
        key: &IdempotencyKey,
        failure: DomainError,
    ) -> DomainResult<T> {
        let Some((provider_key, reference)) = charged else {
            return Err(failure);
        };
        if let Some(record) = self.repo.key_record(user, key).await? {
            let recorded = self.one_transaction(record.transaction_id).await?;
            if recorded.provider_reference.as_deref() == Some(reference.as_str()) {
                return Err(failure);
            }
        }
        self.provider
            .void(&provider_key)
            .await
            .map_err(provider_error)?;
        if failure.is_user_error() {
            Err(failure)
        } else {
            Err(DomainError::conflict(
                &["idempotencyKey"],
                "the request failed and its payment was cancelled (nothing was charged); \
                 send it again with a new key",
            ))
        }
    }

    /// A money mutation on a milestone with its idempotency key: the milestone after
    /// it and the ledger transaction it made (the first ones again for a repeat).
    pub async fn pay_milestone(
        &self,
        actor: &Actor,
        id: Option<MilestoneId>,
        key: &str,
        payment: MilestonePayment,
    ) -> DomainResult<(Milestone, TransactionId)> {
        let (user, key) = Self::user_and_key(actor, key)?;
        let why = match &payment {
            MilestonePayment::Refund(w) => Some(reason(w, "reason")?),
            _ => None,
        };
        let target = id.map(|m| m.0.to_string()).unwrap_or_default();
        let print = fingerprint(payment.name(), &[&target, why.as_deref().unwrap_or("")]);
        let mut charged = None;
        match self
            .try_pay_milestone(
                actor,
                (user, &key),
                id,
                &payment,
                (&print, why),
                &mut charged,
            )
            .await
        {
            Ok(done) => Ok(done),
            Err(e) => self.undo(charged, user, &key, e).await,
        }
    }

    /// [`pay_milestone`](Self::pay_milestone)'s attempts; `charged` names the
    /// provider's payment once it took one.
    async fn try_pay_milestone(
        &self,
        actor: &Actor,
        (user, key): (UserId, &IdempotencyKey),
        id: Option<MilestoneId>,
        payment: &MilestonePayment,
        (print, why): (&str, Option<String>),
        charged: &mut Option<(String, String)>,
    ) -> DomainResult<(Milestone, TransactionId)> {
        for _ in 0..RETRIES {
            if let Some(record) = self.repo.key_record(user, key).await? {
                replay(&record, print)?;
                let (milestone, _, _) = self
                    .milestone_for(actor, Some(MilestoneId(record.target)))
                    .await?;
                return Ok((milestone, record.transaction_id));
            }
            let (before, contract, side) = self.milestone_for(actor, id).await?;
            must_be(side, payment.side())?;
            let status = match milestone_transition(before.status, payment.event()) {
                Ok(s) => s,
                Err(DomainError::InvalidState { message }) => {
                    // A concurrent duplicate with this key may have made this very step
                    // between the key's read and the milestone's: replay it.
                    if self.repo.key_record(user, key).await?.is_some() {
                        continue;
                    }
                    return Err(DomainError::invalid_state_at(&["milestoneId"], message));
                }
                Err(e) => return Err(e),
            };
            let contract_in = match payment {
                MilestonePayment::Fund => vec![ContractStatus::Active],
                _ => vec![ContractStatus::Active, ContractStatus::Paused],
            };
            if !contract_in.contains(&contract.status) {
                return Err(DomainError::invalid_state_at(
                    &["milestoneId"],
                    format!("the contract is {}", contract.status.key()),
                ));
            }
            let scoped = provider_key(user, payment.name(), key);
            let provided: Option<Payment> = match payment {
                MilestonePayment::Fund => Some(
                    self.provider
                        .charge(&scoped, contract.client_id, before.amount)
                        .await
                        .map_err(provider_error)?,
                ),
                MilestonePayment::Refund(_) => Some(
                    self.provider
                        .refund(&scoped, contract.client_id, before.amount)
                        .await
                        .map_err(provider_error)?,
                ),
                MilestonePayment::Approve => None,
            };
            if let Some(p) = &provided {
                *charged = Some((scoped, p.reference.clone()));
            }
            let now = Utc::now();
            let movement = Movement {
                id: TransactionId(Uuid::now_v7()),
                contract_id: contract.id,
                milestone_id: Some(before.id),
                actor: Some(user),
                provider_reference: provided.map(|p| p.reference),
                memo: why.clone(),
                at: now,
            };
            let transaction = match payment {
                MilestonePayment::Fund => movement.fund(contract.client_id, before.amount),
                MilestonePayment::Approve => movement.release(
                    TransactionKind::Release,
                    contract.freelancer_id,
                    before.amount,
                    self.settings.fee,
                ),
                MilestonePayment::Refund(_) => movement.refund(contract.client_id, before.amount),
            };
            let after = Milestone {
                status,
                funded_at: if status == MilestoneStatus::Funded {
                    Some(now)
                } else {
                    before.funded_at
                },
                released_at: if status == MilestoneStatus::Released {
                    Some(now)
                } else {
                    before.released_at
                },
                refund_reason: if status == MilestoneStatus::Refunded {
                    why.clone()
                } else {
                    before.refund_reason.clone()
                },
                version: before.version + 1,
                updated_at: now,
                ..before.clone()
            };
            let record = KeyRecord {
                user_id: user,
                key: key.clone(),
                fingerprint: print.to_owned(),
                target: before.id.0,
                transaction_id: transaction.id,
                created_at: now,
            };
            let write = MilestoneWrite {
                milestone: after.clone(),
                expected: before.version,
                contract_in,
                transaction: Some(transaction.clone()),
                key: Some(record),
            };
            if self.repo.save_milestone(&write).await? == MoneyWrite::Written {
                return Ok((after, transaction.id));
            }
        }
        Err(busy())
    }

    /// The client pays the freelancer a bonus on a contract (less the fee), with its
    /// idempotency key: the ledger transaction (the first one again for a repeat).
    pub async fn pay_bonus(
        &self,
        actor: &Actor,
        input: &BonusInput,
        key: &str,
    ) -> DomainResult<LedgerTransaction> {
        let (user, key) = Self::user_and_key(actor, key)?;
        let memo = note(input.note.as_deref(), "note")?;
        let target = input.contract.map(|c| c.0.to_string()).unwrap_or_default();
        let print = fingerprint(
            "payBonus",
            &[
                &target,
                &input.amount.amount_minor.to_string(),
                &input.amount.currency.trim().to_ascii_uppercase(),
                memo.as_deref().unwrap_or(""),
            ],
        );
        let mut charged = None;
        match self
            .try_pay_bonus(actor, (user, &key), input, (&print, memo), &mut charged)
            .await
        {
            Ok(done) => Ok(done),
            Err(e) => self.undo(charged, user, &key, e).await,
        }
    }

    /// [`pay_bonus`](Self::pay_bonus)'s attempts; `charged` names the provider's
    /// payment once it took one.
    async fn try_pay_bonus(
        &self,
        actor: &Actor,
        (user, key): (UserId, &IdempotencyKey),
        input: &BonusInput,
        (print, memo): (&str, Option<String>),
        charged: &mut Option<(String, String)>,
    ) -> DomainResult<LedgerTransaction> {
        for _ in 0..RETRIES {
            if let Some(record) = self.repo.key_record(user, key).await? {
                replay(&record, print)?;
                self.contract_for(actor, Some(ContractId(record.target)))
                    .await?;
                return self.one_transaction(record.transaction_id).await;
            }
            let (contract, side) = self.contract_for(actor, input.contract).await?;
            must_be(side, Side::Client)?;
            let mut errors = Vec::new();
            let money = amount(
                &input.amount,
                Some(contract.terms.currency()),
                &["amount"],
                &mut errors,
            );
            super::money::all(errors)?;
            let Some(money) = money else {
                return Err(DomainError::internal("checked amount without its value"));
            };
            let scoped = provider_key(user, "payBonus", key);
            let payment = self
                .provider
                .charge(&scoped, contract.client_id, money)
                .await
                .map_err(provider_error)?;
            *charged = Some((scoped, payment.reference.clone()));
            let now = Utc::now();
            let transaction = Movement {
                id: TransactionId(Uuid::now_v7()),
                contract_id: contract.id,
                milestone_id: None,
                actor: Some(user),
                provider_reference: Some(payment.reference),
                memo: memo.clone(),
                at: now,
            }
            .pay(
                TransactionKind::Bonus,
                contract.client_id,
                contract.freelancer_id,
                money,
                self.settings.fee,
            );
            let record = KeyRecord {
                user_id: user,
                key: key.clone(),
                fingerprint: print.to_owned(),
                target: contract.id.0,
                transaction_id: transaction.id,
                created_at: now,
            };
            let all_states = [
                ContractStatus::Active,
                ContractStatus::Paused,
                ContractStatus::Ended,
            ];
            if self
                .repo
                .record_payment(&transaction, &record, &all_states)
                .await?
                == MoneyWrite::Written
            {
                return Ok(transaction);
            }
        }
        Err(busy())
    }

    pub(super) async fn one_transaction(
        &self,
        id: TransactionId,
    ) -> DomainResult<LedgerTransaction> {
        self.repo
            .transactions(&[id])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| DomainError::internal("a key's transaction is missing"))
    }

    /// Releases the milestones whose work was submitted more than the configured days
    /// before `now` without the client acting (as the platform). Idempotent and safe
    /// with several processes: each release is a compare-and-set on the milestone's
    /// version, so it pays once.
    pub async fn run_auto_release(&self, now: DateTime<Utc>) -> DomainResult<ReleaseRun> {
        let mut run = ReleaseRun::default();
        let due = self
            .repo
            .submitted_before(now - self.settings.auto_release_after, RELEASE_BATCH)
            .await?;
        let contracts = self
            .repo
            .contracts(&due.iter().map(|m| m.contract_id).collect::<Vec<_>>())
            .await?;
        for before in due {
            let Some(contract) = contracts.iter().find(|c| c.id == before.contract_id) else {
                continue;
            };
            let Ok(status) = milestone_transition(before.status, MilestoneEvent::AutoRelease)
            else {
                continue;
            };
            let transaction = Movement {
                id: TransactionId(Uuid::now_v7()),
                contract_id: contract.id,
                milestone_id: Some(before.id),
                actor: None,
                provider_reference: None,
                memo: None,
                at: now,
            }
            .release(
                TransactionKind::AutoRelease,
                contract.freelancer_id,
                before.amount,
                self.settings.fee,
            );
            let write = MilestoneWrite {
                milestone: Milestone {
                    status,
                    released_at: Some(now),
                    version: before.version + 1,
                    updated_at: now,
                    ..before.clone()
                },
                expected: before.version,
                contract_in: vec![ContractStatus::Active, ContractStatus::Paused],
                transaction: Some(transaction),
                key: None,
            };
            // One failure does not hold up the others: it is counted and retried at the
            // next run.
            match self.repo.save_milestone(&write).await {
                Ok(MoneyWrite::Written) => run.released += 1,
                Ok(_) => {}
                Err(e) => run.failed.push((before.id, e.to_string())),
            }
        }
        Ok(run)
    }

    /// A page of the transactions on the caller's own accounts (what they paid in as a
    /// client, what they earned as a freelancer), newest first.
    pub async fn ledger_of_viewer(
        &self,
        actor: &Actor,
        page: &PageRequest<TransactionId>,
    ) -> DomainResult<Page<LedgerTransaction>> {
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        self.repo.transactions_of_owner(user.0, page).await
    }

    /// The balances of the caller's own accounts.
    pub async fn balances_of_viewer(&self, actor: &Actor) -> DomainResult<Vec<Balance>> {
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        self.repo.balances(&[user.0]).await
    }

    /// A page of a contract's payments, newest first, for its parties.
    pub async fn payments_of_contract(
        &self,
        actor: &Actor,
        id: Option<ContractId>,
        page: &PageRequest<TransactionId>,
    ) -> DomainResult<Page<LedgerTransaction>> {
        let (contract, _) = self.contract_for(actor, id).await?;
        self.repo.transactions_of_contract(contract.id, page).await
    }

    /// What escrow holds for these contracts (which the caller must have read).
    pub async fn escrow_of(&self, ids: &[ContractId]) -> DomainResult<Vec<Balance>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let owners: Vec<Uuid> = ids.iter().map(|c| c.0).collect();
        self.repo.balances(&owners).await
    }

    /// Ledger transactions by ID on contracts the caller is a party of.
    pub async fn transactions_by_ids(
        &self,
        actor: &Actor,
        ids: &[TransactionId],
    ) -> DomainResult<Vec<LedgerTransaction>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found = self.repo.transactions(ids).await?;
        let contracts = self
            .contracts_by_ids(
                actor,
                &found.iter().map(|t| t.contract_id).collect::<Vec<_>>(),
            )
            .await?;
        Ok(found
            .into_iter()
            .filter(|t| contracts.iter().any(|c| c.id == t.contract_id))
            .collect())
    }
}
