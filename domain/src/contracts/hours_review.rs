//! Hourly work as a service, weeks: the client approves (pays) or disputes a week once
//! it has ended; the contract job approves and pays the weeks nobody reviewed by the end
//! of the following Friday; the weeks' reads. The rules are in [`super::hours`] and
//! `docs/contracts.md`.
//!
//! Paying a week follows the money mutations' order (see `money_service.rs`): the
//! caller, the key, its record, the week and the caller's side, the state, the provider,
//! the one write. A week's approval is a compare-and-set on its version; once the
//! provider charged, a week that changed meanwhile is not charged again under the same
//! key: the charge is voided and the client asked to look again (`CONFLICT`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::hours::{Timesheet, TimesheetId, TimesheetStatus, TimesheetWrite, week_end};
use super::hours_service::{ANY_CONTRACT, duration, hourly, monday};
use super::idempotency::{IdempotencyKey, KeyRecord, fingerprint, replay};
use super::ledger::{Movement, TransactionId, TransactionKind};
use super::model::{Contract, ContractId};
use super::money_service::{provider_error, provider_key};
use super::payments::PaymentError;
use super::ports::MoneyWrite;
use super::service::{ContractService, RETRIES, busy, must_be};
use crate::actor::{Actor, UserId};
use crate::error::{DomainError, DomainResult};
use crate::pagination::Page;
use crate::proposals::access::Side;
use crate::proposals::reason;

/// What one run of the weekly approval did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HoursRun {
    /// Weeks approved (and paid, when they had hours).
    pub approved: u32,
    /// Weeks that could not be approved this time, and why (left for the next run).
    pub failed: Vec<(TimesheetId, String)>,
}

/// How many weeks one run of the weekly approval pays at most.
const APPROVAL_BATCH: u32 = 200;

/// The key the job asks the provider with for a week at a version: several processes
/// approving it at once ask with the same key and get one payment.
fn platform_key(week: &Timesheet) -> String {
    format!("platform:approveTimesheet:{}:{}", week.id.0, week.version)
}

impl ContractService {
    /// The client's hourly contract `id` and its stored week of `week` (a Monday, of the
    /// contract's weeks), which must have ended: for approving and disputing.
    async fn ended_week_for_client(
        &self,
        actor: &Actor,
        id: Option<ContractId>,
        week: NaiveDate,
        now: DateTime<Utc>,
    ) -> DomainResult<(Contract, Timesheet)> {
        let (contract, side) = self.contract_for(actor, id).await?;
        must_be(side, Side::Client)?;
        hourly(&contract)?;
        let monday = monday(week)?;
        let first = super::week_start(contract.started_at.date_naive());
        if monday < first || monday > now.date_naive() {
            return Err(DomainError::validation(
                &["weekStart"],
                format!(
                    "not a week of this contract: its weeks start on {first} and end with the \
                     week under way"
                ),
            ));
        }
        let (sheet, _) = self.week_of(&contract, monday, now).await?;
        if sheet.status_at(now) == TimesheetStatus::Open {
            return Err(DomainError::invalid_state_at(
                &["weekStart"],
                format!(
                    "the week of {monday} is under way: it is reviewed once it ends ({})",
                    week_end(monday).to_rfc3339()
                ),
            ));
        }
        if sheet.version == 0 {
            return Err(DomainError::invalid_state_at(
                &["weekStart"],
                format!("no time was logged in the week of {monday}: there is nothing to review"),
            ));
        }
        Ok((contract, sheet))
    }

    /// The client disputes an ended week's hours, with a reason, until the end of the
    /// following Friday (UTC): the week is not paid until the client approves it (there
    /// is no arbitration yet: a disputed week waits for the client).
    pub async fn dispute_timesheet(
        &self,
        actor: &Actor,
        id: Option<ContractId>,
        week: NaiveDate,
        why: &str,
    ) -> DomainResult<Timesheet> {
        self.dispute_timesheet_when(actor, id, week, why, None)
            .await
    }

    /// [`dispute_timesheet`](Self::dispute_timesheet) as at `now` (tests' clock).
    #[cfg(any(test, feature = "testing"))]
    pub async fn dispute_timesheet_at(
        &self,
        actor: &Actor,
        id: Option<ContractId>,
        week: NaiveDate,
        why: &str,
        now: DateTime<Utc>,
    ) -> DomainResult<Timesheet> {
        self.dispute_timesheet_when(actor, id, week, why, Some(now))
            .await
    }

    async fn dispute_timesheet_when(
        &self,
        actor: &Actor,
        id: Option<ContractId>,
        week: NaiveDate,
        why: &str,
        clock: Option<DateTime<Utc>>,
    ) -> DomainResult<Timesheet> {
        if actor.user_id().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        for _ in 0..RETRIES {
            let now = clock.unwrap_or_else(Utc::now);
            let (_, sheet) = self.ended_week_for_client(actor, id, week, now).await?;
            let why = reason(why, "reason")?;
            match sheet.status_at(now) {
                TimesheetStatus::InReview if now < sheet.review_deadline() => {}
                TimesheetStatus::InReview => {
                    return Err(DomainError::invalid_state_at(
                        &["weekStart"],
                        format!(
                            "the week of {} could be disputed until {}",
                            sheet.week_start,
                            sheet.review_deadline().to_rfc3339()
                        ),
                    ));
                }
                status => {
                    return Err(DomainError::invalid_state_at(
                        &["weekStart"],
                        format!("the week of {} is {}", sheet.week_start, status.key()),
                    ));
                }
            }
            let after = Timesheet {
                status: TimesheetStatus::Disputed,
                dispute_reason: Some(why),
                disputed_at: Some(now),
                version: sheet.version + 1,
                updated_at: now,
                ..sheet.clone()
            };
            let write = TimesheetWrite {
                timesheet: after.clone(),
                expected: Some(sheet.version),
                entry: None,
                contract_in: ANY_CONTRACT.to_vec(),
                transaction: None,
                key: None,
            };
            if self.hours.save_timesheet(&write).await? == MoneyWrite::Written {
                return Ok(after);
            }
        }
        Err(busy())
    }

    /// The client approves an ended week (in review or disputed), with an idempotency
    /// key: it is paid at once (the client's funding pays the freelancer's earnings, less
    /// the fee). The week after it and its payment (none for a week worth nothing); a
    /// repeat with the same key returns the first result (for a week worth nothing, the
    /// client's repeat finds it approved by them and returns it).
    pub async fn approve_timesheet(
        &self,
        actor: &Actor,
        id: Option<ContractId>,
        week: NaiveDate,
        key: &str,
    ) -> DomainResult<(Timesheet, Option<TransactionId>)> {
        let (user, key) = Self::user_and_key(actor, key)?;
        let target = id.map(|c| c.0.to_string()).unwrap_or_default();
        let print = fingerprint("approveTimesheet", &[&target, &week.to_string()]);
        let mut charged = None;
        match self
            .try_approve_timesheet(actor, (user, &key), (id, week), &print, &mut charged)
            .await
        {
            Ok(done) => Ok(done),
            Err(e) => self.undo(charged, user, &key, e).await,
        }
    }

    async fn try_approve_timesheet(
        &self,
        actor: &Actor,
        (user, key): (UserId, &IdempotencyKey),
        (id, week): (Option<ContractId>, NaiveDate),
        print: &str,
        charged: &mut Option<(String, String)>,
    ) -> DomainResult<(Timesheet, Option<TransactionId>)> {
        for _ in 0..RETRIES {
            let now = Utc::now();
            if let Some(record) = self.repo.key_record(user, key).await? {
                replay(&record, print)?;
                let (contract, _) = self.contract_for(actor, id).await?;
                let sheet = self
                    .hours
                    .timesheets(&[TimesheetId(record.target)])
                    .await?
                    .into_iter()
                    .find(|t| t.contract_id == contract.id)
                    .ok_or_else(|| DomainError::internal("a key's timesheet is missing"))?;
                return Ok((sheet, Some(record.transaction_id)));
            }
            let (contract, sheet) = self.ended_week_for_client(actor, id, week, now).await?;
            if sheet.status == TimesheetStatus::Approved {
                if sheet.transaction_id.is_none() && sheet.approved_by == Some(user) {
                    return Ok((sheet, None));
                }
                // A concurrent duplicate with this key may have approved it between the
                // key's read and the week's: replay it.
                if self.repo.key_record(user, key).await?.is_some() {
                    continue;
                }
                return Err(DomainError::invalid_state_at(
                    &["weekStart"],
                    format!("the week of {} is approved already", sheet.week_start),
                ));
            }
            let amount = sheet.amount();
            let mut transaction = None;
            let mut record = None;
            if amount.amount_minor > 0 {
                let scoped = provider_key(user, "approveTimesheet", key);
                let payment = self
                    .provider
                    .charge(&scoped, contract.client_id, amount)
                    .await
                    .map_err(provider_error)?;
                *charged = Some((scoped, payment.reference.clone()));
                let t = Self::hours_payment(&contract, &sheet, Some(user), payment.reference, now)
                    .pay(
                        TransactionKind::Hours,
                        contract.client_id,
                        contract.freelancer_id,
                        amount,
                        self.settings.fee,
                    );
                record = Some(KeyRecord {
                    user_id: user,
                    key: key.clone(),
                    fingerprint: print.to_owned(),
                    target: sheet.id.0,
                    transaction_id: t.id,
                    created_at: now,
                });
                transaction = Some(t);
            }
            let after = Self::approved(&sheet, Some(user), transaction.as_ref().map(|t| t.id), now);
            let write = TimesheetWrite {
                timesheet: after.clone(),
                expected: Some(sheet.version),
                entry: None,
                contract_in: ANY_CONTRACT.to_vec(),
                transaction: transaction.clone(),
                key: record,
            };
            match self.hours.save_timesheet(&write).await? {
                MoneyWrite::Written => {
                    // The job may have charged for this week at this version and timed
                    // out before recording it: that charge is not the payment. The
                    // approval is done whatever the provider answers (a void that fails
                    // leaves that charge to reconciliation; see docs/contracts.md).
                    if sheet.status == TimesheetStatus::Open && now >= sheet.review_deadline() {
                        self.provider.void(&platform_key(&sheet)).await.ok();
                    }
                    return Ok((after, transaction.map(|t| t.id)));
                }
                // A concurrent request with this key recorded it: replay it.
                MoneyWrite::KeyTaken => {}
                MoneyWrite::Stale if charged.is_some() => {
                    // A duplicate of this very request may have won with the same key
                    // (and the same payment): replay it.
                    if self.repo.key_record(user, key).await?.is_some() {
                        continue;
                    }
                    let (_, now_stored) = self.ended_week_for_client(actor, id, week, now).await?;
                    if now_stored.status == TimesheetStatus::Approved {
                        return Err(DomainError::invalid_state_at(
                            &["weekStart"],
                            format!(
                                "the week of {} was approved meanwhile (your payment was \
                                 cancelled)",
                                now_stored.week_start
                            ),
                        ));
                    }
                    return Err(DomainError::conflict(
                        &["weekStart"],
                        "the week changed while you approved it (your payment was cancelled): \
                         review it and approve it again with a new key",
                    ));
                }
                MoneyWrite::Stale => {}
            }
        }
        Err(busy())
    }

    /// The ledger movement of a week's payment.
    fn hours_payment(
        contract: &Contract,
        sheet: &Timesheet,
        actor: Option<UserId>,
        reference: String,
        now: DateTime<Utc>,
    ) -> Movement {
        Movement {
            id: TransactionId(Uuid::now_v7()),
            contract_id: contract.id,
            milestone_id: None,
            actor,
            provider_reference: Some(reference),
            memo: Some(format!(
                "{} in the week of {}",
                duration(sheet.minutes),
                sheet.week_start
            )),
            at: now,
        }
    }

    fn approved(
        sheet: &Timesheet,
        by: Option<UserId>,
        transaction: Option<TransactionId>,
        now: DateTime<Utc>,
    ) -> Timesheet {
        Timesheet {
            status: TimesheetStatus::Approved,
            approved_at: Some(now),
            approved_by: by,
            transaction_id: transaction,
            version: sheet.version + 1,
            updated_at: now,
            ..sheet.clone()
        }
    }

    /// Approves and pays, as the platform, the weeks nobody approved or disputed by the
    /// end of the Friday after them. Idempotent and safe with several processes: each
    /// approval is a compare-and-set on the week's version, and the provider is asked
    /// with a key of the week and that version, so racing runs make one payment.
    pub async fn run_hours_approval(&self, now: DateTime<Utc>) -> DomainResult<HoursRun> {
        let mut run = HoursRun::default();
        let due = self.hours.unreviewed_before(now, APPROVAL_BATCH).await?;
        let contracts = self
            .repo
            .contracts(&due.iter().map(|t| t.contract_id).collect::<Vec<_>>())
            .await?;
        for sheet in due {
            let Some(contract) = contracts.iter().find(|c| c.id == sheet.contract_id) else {
                continue;
            };
            // One failure does not hold up the others: it is reported and retried at the
            // next run.
            match self.approve_due(contract, &sheet, now).await {
                Ok(true) => run.approved += 1,
                Ok(false) => {}
                Err(e) => run.failed.push((sheet.id, e.to_string())),
            }
        }
        Ok(run)
    }

    /// One due week's approval by the platform: `false` when another process or the
    /// client came first (its payment, if another, is voided). A failed write keeps
    /// the charge: the next run asks with the same key, gets the same payment and
    /// records it.
    async fn approve_due(
        &self,
        contract: &Contract,
        sheet: &Timesheet,
        now: DateTime<Utc>,
    ) -> DomainResult<bool> {
        let amount = sheet.amount();
        let mut charged = None;
        let mut transaction = None;
        if amount.amount_minor > 0 {
            let scoped = platform_key(sheet);
            let payment = match self
                .provider
                .charge(&scoped, contract.client_id, amount)
                .await
            {
                Ok(p) => p,
                Err(e) => {
                    // A timeout may have charged: if the week was approved meanwhile (by
                    // the client, whose void of this key may have come first), this run
                    // will not see the week again, so the charge is voided now.
                    if e == PaymentError::Timeout && !self.still_due(sheet).await.unwrap_or(true) {
                        self.provider.void(&scoped).await.ok();
                    }
                    return Err(provider_error(e));
                }
            };
            charged = Some((scoped, payment.reference.clone()));
            transaction = Some(
                Self::hours_payment(contract, sheet, None, payment.reference, now).pay(
                    TransactionKind::Hours,
                    contract.client_id,
                    contract.freelancer_id,
                    amount,
                    self.settings.fee,
                ),
            );
        }
        let write = TimesheetWrite {
            timesheet: Self::approved(sheet, None, transaction.as_ref().map(|t| t.id), now),
            expected: Some(sheet.version),
            entry: None,
            contract_in: ANY_CONTRACT.to_vec(),
            transaction,
            key: None,
        };
        if self.hours.save_timesheet(&write).await? == MoneyWrite::Written {
            return Ok(true);
        }
        let Some((scoped, reference)) = charged else {
            return Ok(false);
        };
        // Ours unless the week as it is now was paid with this very payment (a run
        // racing this one asked the provider with the same key).
        let now_stored = self.hours.timesheets(&[sheet.id]).await?;
        let paid_by = match now_stored.first().and_then(|t| t.transaction_id) {
            Some(t) => self.one_transaction(t).await?.provider_reference,
            None => None,
        };
        if paid_by.as_deref() != Some(reference.as_str()) {
            self.provider.void(&scoped).await.map_err(provider_error)?;
        }
        Ok(false)
    }

    /// Whether the week is still stored as the job read it (OPEN at its version).
    async fn still_due(&self, sheet: &Timesheet) -> DomainResult<bool> {
        Ok(self
            .hours
            .timesheets(&[sheet.id])
            .await?
            .first()
            .is_some_and(|t| t.status == TimesheetStatus::Open && t.version == sheet.version))
    }

    /// Weeks of contracts the caller has read (stored ones; unknown IDs left out).
    pub async fn timesheets_by_ids(&self, ids: &[TimesheetId]) -> DomainResult<Vec<Timesheet>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.hours.timesheets(ids).await
    }

    /// Pages of the stored weeks of hourly contracts the caller has read, newest first:
    /// `first` weeks starting before `before` (from the latest when `None`).
    pub async fn timesheet_pages(
        &self,
        contracts: &[ContractId],
        before: Option<NaiveDate>,
        first: u32,
    ) -> DomainResult<HashMap<ContractId, Page<Timesheet>>> {
        if contracts.is_empty() {
            return Ok(HashMap::new());
        }
        let mut found = self
            .hours
            .timesheets_of(contracts, before, u64::from(first) + 1)
            .await?;
        Ok(contracts
            .iter()
            .map(|c| {
                let mut items = found.remove(c).unwrap_or_default();
                let has_next_page = items.len() > first as usize;
                items.truncate(first as usize);
                (
                    *c,
                    Page {
                        items,
                        has_next_page,
                    },
                )
            })
            .collect())
    }

    /// The entries of weeks of contracts the caller has read.
    pub async fn time_entries_of(
        &self,
        weeks: &[TimesheetId],
    ) -> DomainResult<HashMap<TimesheetId, Vec<super::hours::TimeEntry>>> {
        if weeks.is_empty() {
            return Ok(HashMap::new());
        }
        self.hours.entries_of(weeks).await
    }
}
