//! Hourly work: time entries, the weeks they add up to, and how a week is reviewed and
//! paid. See `docs/contracts.md` ("Hourly work") for the rules.
//!
//! - The week is Monday 00:00 to Sunday 24:00 UTC. A week of a contract is its
//!   [`Timesheet`]: created with its first entry, its ID a v5 UUID of the contract and
//!   the Monday, so the week has the same ID before and after it has a row.
//! - While the week is under way the freelancer logs entries (a day of the week up to
//!   today, minutes, a memo) under the week's limit and 24 hours a day.
//! - When it ends it is **in review**: the client may approve it (it is paid at once)
//!   or dispute it until the end of the following Friday (UTC); a week nobody disputed
//!   is approved and paid by the contract job when that time has passed.
//! - A disputed week waits for the client: the freelancer may lower or delete its
//!   entries meanwhile (never add), and the client approves what is left.
//! - Paying a week is one balanced ledger transaction (kind HOURS): the client's funding
//!   pays the freelancer's earnings less the platform fee, written with the week's
//!   approval in one database transaction.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use uuid::Uuid;

use super::idempotency::KeyRecord;
use super::ledger::{LedgerTransaction, TransactionId};
use super::lifecycle::ContractStatus;
use super::model::ContractId;
use super::ports::MoneyWrite;
use super::terms_service::week_start;
use crate::actor::UserId;
use crate::error::DomainResult;
use crate::money::{Currency, Money};

/// The namespace of timesheets' IDs (a v5 UUID of the contract and the Monday).
const TIMESHEET_NAMESPACE: Uuid = Uuid::from_u128(0x2f7c_91d4_5a0e_4b33_8c6d_e1f0_7a29_b548);

/// The most minutes of one day.
pub const MINUTES_PER_DAY: u32 = 24 * 60;
/// The longest memo of a time entry, in characters.
pub const MAX_MEMO: usize = 500;

/// A week of a contract: a v5 UUID of the contract and the Monday (see
/// [`TimesheetId::of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimesheetId(pub Uuid);

impl TimesheetId {
    /// The ID of `contract`'s week that starts on `monday`: always the same.
    pub fn of(contract: ContractId, monday: NaiveDate) -> Self {
        let key = format!("{}:{monday}", contract.0);
        Self(Uuid::new_v5(&TIMESHEET_NAMESPACE, key.as_bytes()))
    }
}

/// A time entry: a UUID v7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeEntryId(pub Uuid);

/// Where a week stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimesheetStatus {
    /// The week is under way: the freelancer logs time.
    Open,
    /// The week has ended: the client may approve or dispute it until its deadline.
    InReview,
    /// The client disputed it: it waits for the client's approval.
    Disputed,
    /// Approved (by the client, or by the platform after the deadline) and paid.
    Approved,
}

impl TimesheetStatus {
    /// Every status, in the order of a week's life.
    pub const ALL: [TimesheetStatus; 4] = [
        TimesheetStatus::Open,
        TimesheetStatus::InReview,
        TimesheetStatus::Disputed,
        TimesheetStatus::Approved,
    ];

    /// The stable storage and API key, e.g. `IN_REVIEW`.
    pub fn key(self) -> &'static str {
        match self {
            TimesheetStatus::Open => "OPEN",
            TimesheetStatus::InReview => "IN_REVIEW",
            TimesheetStatus::Disputed => "DISPUTED",
            TimesheetStatus::Approved => "APPROVED",
        }
    }

    /// The status of a stable key; `None` for anything else.
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// The first moment of `day` (UTC).
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// `days` after `day`, or the calendar's last day (no panic at its end).
fn after(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_add_days(Days::new(days))
        .unwrap_or(NaiveDate::MAX)
}

/// When the week of `monday` ends: the next Monday 00:00 UTC.
pub fn week_end(monday: NaiveDate) -> DateTime<Utc> {
    midnight(after(monday, 7))
}

/// The Sunday that ends the week of `monday`.
pub fn week_last_day(monday: NaiveDate) -> NaiveDate {
    after(monday, 6)
}

/// Until when the client may dispute the week of `monday`: the end of the following
/// Friday (the Saturday after it, 00:00 UTC).
pub fn review_deadline(monday: NaiveDate) -> DateTime<Utc> {
    midnight(after(monday, 12))
}

/// One week of an hourly contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timesheet {
    pub id: TimesheetId,
    pub contract_id: ContractId,
    /// The Monday the week starts on.
    pub week_start: NaiveDate,
    /// As stored: OPEN, DISPUTED or APPROVED (see [`Timesheet::status_at`]).
    pub status: TimesheetStatus,
    /// The minutes of its entries.
    pub minutes: u32,
    /// The sum of each entry's minutes times the hourly rate it was logged at (minor
    /// units times minutes): the week is worth this divided by 60.
    pub value: i64,
    pub currency: Currency,
    pub dispute_reason: Option<String>,
    pub disputed_at: Option<DateTime<Utc>>,
    pub approved_at: Option<DateTime<Utc>>,
    /// Who approved it; `None` when the platform did after the deadline.
    pub approved_by: Option<UserId>,
    /// The payment, when approved with hours to pay.
    pub transaction_id: Option<TransactionId>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Timesheet {
    /// A week without entries yet (not stored until its first entry).
    pub fn empty(
        contract: ContractId,
        day: NaiveDate,
        currency: Currency,
        now: DateTime<Utc>,
    ) -> Self {
        let monday = week_start(day);
        Self {
            id: TimesheetId::of(contract, monday),
            contract_id: contract,
            week_start: monday,
            status: TimesheetStatus::Open,
            minutes: 0,
            value: 0,
            currency,
            dispute_reason: None,
            disputed_at: None,
            approved_at: None,
            approved_by: None,
            transaction_id: None,
            version: 0,
            created_at: now,
            updated_at: now,
        }
    }

    /// The status at `now`: an OPEN week that has ended is IN_REVIEW.
    pub fn status_at(&self, now: DateTime<Utc>) -> TimesheetStatus {
        if self.status == TimesheetStatus::Open && now >= week_end(self.week_start) {
            TimesheetStatus::InReview
        } else {
            self.status
        }
    }

    /// Until when the client may dispute it.
    pub fn review_deadline(&self) -> DateTime<Utc> {
        review_deadline(self.week_start)
    }

    /// What the week's hours are worth: its value over 60, rounded half up to the
    /// currency's minor unit.
    pub fn amount(&self) -> Money {
        Money {
            amount_minor: (self.value + 30).div_euclid(60),
            currency: self.currency,
        }
    }
}

/// One stretch of work the freelancer logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeEntry {
    pub id: TimeEntryId,
    pub timesheet_id: TimesheetId,
    pub contract_id: ContractId,
    /// The day worked (UTC).
    pub work_date: NaiveDate,
    /// 1 to 1,440.
    pub minutes: u32,
    /// What was done.
    pub memo: String,
    /// The hourly rate when it was logged (minor units of the contract's currency); the
    /// entry is paid at this rate.
    pub rate_minor: i64,
    /// Who logged it (the freelancer).
    pub author_id: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TimeEntry {
    /// What the entry adds to its week's value.
    pub fn value(&self) -> i64 {
        i64::from(self.minutes) * self.rate_minor
    }
}

/// An entry's change that goes with its week's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryChange {
    Add(TimeEntry),
    /// Replaces the stored entry with the same ID (of the same week).
    Update(TimeEntry),
    Delete(TimeEntryId),
}

/// A week's change (see [`TimesheetRepository::save_timesheet`]).
#[derive(Debug, Clone)]
pub struct TimesheetWrite {
    /// The week as it will be stored (at `expected + 1`, or 1 when it is new).
    pub timesheet: Timesheet,
    /// The version it was read at; `None`: it has no row yet (it is inserted, and a
    /// concurrent insert of the same week makes this write stale).
    pub expected: Option<i64>,
    pub entry: Option<EntryChange>,
    /// The contract must be in one of these states (checked holding its row).
    pub contract_in: Vec<ContractStatus>,
    /// The payment, when the week is approved with hours to pay.
    pub transaction: Option<LedgerTransaction>,
    pub key: Option<KeyRecord>,
}

/// Storage of time entries and weeks.
#[async_trait]
pub trait TimesheetRepository: Send + Sync {
    /// In one transaction, holding the contract's row: if the contract is in
    /// `contract_in` and the week is still at `expected` (or, for `None`, has no row),
    /// stores the week, the entry's change, the ledger transaction and the key.
    /// `Stale` writes nothing; `KeyTaken`: a concurrent request recorded the key.
    async fn save_timesheet(&self, write: &TimesheetWrite) -> DomainResult<MoneyWrite>;
    /// Weeks by ID; IDs without a row are left out.
    async fn timesheets(&self, ids: &[TimesheetId]) -> DomainResult<Vec<Timesheet>>;
    /// For each of these contracts, up to `limit` of its weeks that start before
    /// `before` (all when `None`), newest first; a fixed number of statements.
    async fn timesheets_of(
        &self,
        contracts: &[ContractId],
        before: Option<NaiveDate>,
        limit: u64,
    ) -> DomainResult<HashMap<ContractId, Vec<Timesheet>>>;
    /// The entries of these weeks, by day then time logged; one statement.
    async fn entries_of(
        &self,
        weeks: &[TimesheetId],
    ) -> DomainResult<HashMap<TimesheetId, Vec<TimeEntry>>>;
    /// Entries by ID; unknown IDs are left out.
    async fn time_entries(&self, ids: &[TimeEntryId]) -> DomainResult<Vec<TimeEntry>>;
    /// Weeks stored OPEN whose review deadline is at or before `now` (so nobody
    /// disputed or approved them), oldest first, at most `limit`.
    async fn unreviewed_before(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<Timesheet>>;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_week_is_reviewed_until_the_end_of_the_following_friday() {
        // 2026-11-30 is a Monday.
        let monday = day(2026, 11, 30);
        assert_eq!(week_end(monday).to_rfc3339(), "2026-12-07T00:00:00+00:00");
        assert_eq!(
            review_deadline(monday).to_rfc3339(),
            "2026-12-12T00:00:00+00:00"
        );
        let contract = ContractId(Uuid::nil());
        let usd = Currency::parse("USD").unwrap();
        let sheet = Timesheet::empty(contract, day(2026, 12, 3), usd, Utc::now());
        assert_eq!(sheet.week_start, monday);
        assert_eq!(sheet.id, TimesheetId::of(contract, monday));
        let sunday_night = week_end(monday) - chrono::TimeDelta::seconds(1);
        assert_eq!(sheet.status_at(sunday_night), TimesheetStatus::Open);
        assert_eq!(sheet.status_at(week_end(monday)), TimesheetStatus::InReview);
        let disputed = Timesheet {
            status: TimesheetStatus::Disputed,
            ..sheet.clone()
        };
        assert_eq!(
            disputed.status_at(week_end(monday)),
            TimesheetStatus::Disputed
        );
    }

    #[test]
    fn a_week_is_worth_its_minutes_at_their_rates_rounded_half_up() {
        let usd = Currency::parse("USD").unwrap();
        let mut sheet =
            Timesheet::empty(ContractId(Uuid::nil()), day(2026, 11, 30), usd, Utc::now());
        // 90 minutes at 50.00/h = 75.00.
        sheet.value = 90 * 5_000;
        assert_eq!(sheet.amount().amount_minor, 7_500);
        // 1 minute at 0.50/h = 0.8333 cent: 1 cent; 1 minute at 0.20/h = 0.33: 0.
        sheet.value = 50;
        assert_eq!(sheet.amount().amount_minor, 1);
        sheet.value = 20;
        assert_eq!(sheet.amount().amount_minor, 0);
        sheet.value = 30;
        assert_eq!(sheet.amount().amount_minor, 1);
        for s in TimesheetStatus::ALL {
            assert_eq!(TimesheetStatus::parse(s.key()), Some(s));
        }
    }
}
