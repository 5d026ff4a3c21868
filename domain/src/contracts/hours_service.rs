//! Hourly work as a service, time entries: the freelancer logs, changes and deletes
//! them (reviewing and paying weeks is `hours_review.rs`'s). The rules are in
//! [`super::hours`] and `docs/contracts.md`.
//!
//! Who may, deny by default: time is logged, changed and deleted by **the freelancer**
//! the contract counts for (their own attestation of work: an agency's owners see the
//! weeks but do not log for their member, `FORBIDDEN`); weeks are approved and disputed
//! by **the client**. Every write is a compare-and-set on the week's version, so two
//! entries logged at once cannot both take the week's last hour.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use uuid::Uuid;

use super::hours::{
    EntryChange, MAX_MEMO, MINUTES_PER_DAY, TimeEntry, TimeEntryId, Timesheet, TimesheetStatus,
    TimesheetWrite,
};
use super::lifecycle::ContractStatus;
use super::model::{Contract, ContractId, Terms};
use super::money::all;
use super::ports::MoneyWrite;
use super::service::{ContractService, RETRIES, busy, must_be};
use super::terms_service::week_start;
use crate::actor::{Actor, UserId};
use crate::error::{DomainError, DomainResult, ErrorCode, FieldError};
use crate::money::Money;
use crate::proposals::access::Side;
use crate::text;

/// Every state a contract can be in: weeks are paid and reviewed whatever became of it.
pub(super) const ANY_CONTRACT: [ContractStatus; 3] = [
    ContractStatus::Active,
    ContractStatus::Paused,
    ContractStatus::Ended,
];

/// `logTime`'s input as the domain takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeEntryInput {
    /// The day worked (UTC).
    pub date: NaiveDate,
    pub minutes: i32,
    pub memo: String,
}

fn no_entry() -> DomainError {
    DomainError::not_found_at("timeEntryId", "no such time entry")
}

pub(super) fn invalid(field: &[&str], message: impl Into<String>) -> FieldError {
    FieldError::new(field, ErrorCode::InvalidState, message)
}

/// `90` minutes as `1 h 30 min`.
pub(super) fn duration(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// An hourly contract's rate and whether it takes manual time; `INVALID_STATE` on
/// `contractId` for a fixed-price one.
pub(super) fn hourly(contract: &Contract) -> DomainResult<(Money, bool)> {
    match contract.terms {
        Terms::Hourly {
            rate, manual_time, ..
        } => Ok((rate, manual_time)),
        Terms::Fixed { .. } => Err(DomainError::invalid_state_at(
            &["contractId"],
            "a fixed-price contract is paid by milestones: it has no time entries or weeks",
        )),
    }
}

/// `minutes` of an entry (1 to 1,440: a day), on `["minutes"]`.
fn entry_minutes(minutes: i32, errors: &mut Vec<FieldError>) -> Option<u32> {
    let ok = u32::try_from(minutes)
        .ok()
        .filter(|m| (1..=MINUTES_PER_DAY).contains(m));
    if ok.is_none() {
        errors.push(FieldError::validation(
            &["minutes"],
            format!("between 1 and {MINUTES_PER_DAY} minutes (a day has 24 hours)"),
        ));
    }
    ok
}

fn entry_memo(memo: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    match text::single_line(memo, 1, MAX_MEMO) {
        Ok(m) => Some(m),
        Err(m) => {
            errors.push(FieldError::validation(&["memo"], m));
            None
        }
    }
}

/// The week's entries with `change` applied: what the week would hold.
fn apply(mut entries: Vec<TimeEntry>, change: &EntryChange) -> Vec<TimeEntry> {
    match change {
        EntryChange::Add(e) => entries.push(e.clone()),
        EntryChange::Update(e) => {
            for old in &mut entries {
                if old.id == e.id {
                    *old = e.clone();
                }
            }
        }
        EntryChange::Delete(id) => entries.retain(|e| e.id != *id),
    }
    entries
}

/// The most entries of one day (a guard against a week of one-minute entries).
pub const MAX_ENTRIES_PER_DAY: usize = 50;

/// The week's totals after `change`, checked against a day's 24 hours and entries and the
/// week's limit (`None`: no limit applies, the week is not growing): `INVALID_STATE` on
/// `minutes` (on `date` for the entries) when over.
fn totals_after(
    entries: Vec<TimeEntry>,
    change: &EntryChange,
    limit_hours: Option<u8>,
) -> DomainResult<(u32, i64)> {
    let after = apply(entries, change);
    let mut days: HashMap<NaiveDate, (u32, usize)> = HashMap::new();
    for e in &after {
        let day = days.entry(e.work_date).or_default();
        day.0 += e.minutes;
        day.1 += 1;
    }
    if let EntryChange::Add(e) = change
        && days
            .get(&e.work_date)
            .is_some_and(|d| d.1 > MAX_ENTRIES_PER_DAY)
    {
        return Err(DomainError::Validation(vec![invalid(
            &["date"],
            format!(
                "at most {MAX_ENTRIES_PER_DAY} entries a day: change one of {}'s",
                e.work_date
            ),
        )]));
    }
    if let EntryChange::Add(e) | EntryChange::Update(e) = change {
        let day = days.get(&e.work_date).map_or(0, |d| d.0);
        if day > MINUTES_PER_DAY {
            return Err(DomainError::Validation(vec![invalid(
                &["minutes"],
                format!(
                    "a day has 24 hours: {} would be logged on {}",
                    duration(day),
                    e.work_date
                ),
            )]));
        }
    }
    let minutes: u32 = after.iter().map(|e| e.minutes).sum();
    if let Some(limit) = limit_hours
        && minutes > u32::from(limit) * 60
    {
        return Err(DomainError::Validation(vec![invalid(
            &["minutes"],
            format!(
                "over the weekly limit of {limit} h: {} would be logged this week",
                duration(minutes)
            ),
        )]));
    }
    Ok((minutes, after.iter().map(TimeEntry::value).sum()))
}

/// `weekStart`: a Monday, on `["weekStart"]`.
pub(super) fn monday(day: NaiveDate) -> DomainResult<NaiveDate> {
    if day.weekday() == Weekday::Mon {
        Ok(day)
    } else {
        Err(DomainError::validation(
            &["weekStart"],
            format!(
                "weeks start on Monday (UTC): {day} is a {:?}; the week of it starts on {}",
                day.weekday(),
                week_start(day)
            ),
        ))
    }
}

impl ContractService {
    /// The stored or empty week of `day` of the contract, with that week's entries.
    pub(super) async fn week_of(
        &self,
        contract: &Contract,
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> DomainResult<(Timesheet, Vec<TimeEntry>)> {
        let empty = Timesheet::empty(contract.id, day, contract.terms.currency(), now);
        let stored = self.hours.timesheets(&[empty.id]).await?.into_iter().next();
        let Some(week) = stored else {
            return Ok((empty, Vec::new()));
        };
        let entries = self
            .hours
            .entries_of(&[week.id])
            .await?
            .remove(&week.id)
            .unwrap_or_default();
        Ok((week, entries))
    }

    /// The week as it will be stored after an entry's change: its totals and version.
    fn week_after(week: &Timesheet, (minutes, value): (u32, i64), now: DateTime<Utc>) -> Timesheet {
        Timesheet {
            minutes,
            value,
            version: week.version + 1,
            updated_at: now,
            ..week.clone()
        }
    }

    /// Stores an entry's change with its week, if the contract is in `contract_in`;
    /// `None` when the week (or the contract) changed meanwhile.
    async fn write_entry(
        &self,
        week: &Timesheet,
        after: Timesheet,
        change: EntryChange,
        contract_in: &[ContractStatus],
    ) -> DomainResult<Option<Timesheet>> {
        let write = TimesheetWrite {
            timesheet: after.clone(),
            expected: (week.version > 0).then_some(week.version),
            entry: Some(change),
            contract_in: contract_in.to_vec(),
            transaction: None,
            key: None,
        };
        Ok((self.hours.save_timesheet(&write).await? == MoneyWrite::Written).then_some(after))
    }

    /// The caller, when they are the freelancer the contract counts for; `FORBIDDEN`
    /// for the client and for an agency's owners.
    fn the_freelancer(actor: &Actor, contract: &Contract, side: Side) -> DomainResult<UserId> {
        must_be(side, Side::Freelancer)?;
        match actor.user_id() {
            Some(u) if u == contract.freelancer_id => Ok(u),
            _ => Err(DomainError::Forbidden),
        }
    }

    /// Whether the contract takes more time now: ACTIVE and allowing manual time
    /// (`INVALID_STATE` on `contractId` pushed to `errors` otherwise).
    fn takes_time(contract: &Contract, manual_time: bool, errors: &mut Vec<FieldError>) {
        if contract.status != ContractStatus::Active {
            errors.push(invalid(
                &["contractId"],
                format!(
                    "the contract is {}: no time is logged",
                    contract.status.key()
                ),
            ));
        } else if !manual_time {
            errors.push(invalid(
                &["contractId"],
                "this contract does not allow manual time",
            ));
        }
    }

    /// The freelancer logs time on an active hourly contract: a day of the week under
    /// way (UTC), not in the future nor before the contract started, 1 to 1,440 minutes,
    /// a memo; the day's entries stay within 24 hours (and 50 entries) and the week's
    /// within its limit. Not idempotent: a request sent twice logs the time twice.
    pub async fn log_time(
        &self,
        actor: &Actor,
        id: Option<ContractId>,
        input: &TimeEntryInput,
    ) -> DomainResult<(TimeEntry, Timesheet)> {
        self.log_time_when(actor, id, input, None).await
    }

    /// [`log_time`](Self::log_time) as at `now` (tests' clock).
    #[cfg(any(test, feature = "testing"))]
    pub async fn log_time_at(
        &self,
        actor: &Actor,
        id: Option<ContractId>,
        input: &TimeEntryInput,
        now: DateTime<Utc>,
    ) -> DomainResult<(TimeEntry, Timesheet)> {
        self.log_time_when(actor, id, input, Some(now)).await
    }

    async fn log_time_when(
        &self,
        actor: &Actor,
        id: Option<ContractId>,
        input: &TimeEntryInput,
        clock: Option<DateTime<Utc>>,
    ) -> DomainResult<(TimeEntry, Timesheet)> {
        for _ in 0..RETRIES {
            let now = clock.unwrap_or_else(Utc::now);
            let (contract, side) = self.contract_for(actor, id).await?;
            let user = Self::the_freelancer(actor, &contract, side)?;
            let (rate, manual_time) = hourly(&contract)?;
            let today = now.date_naive();
            let mut errors = Vec::new();
            let minutes = entry_minutes(input.minutes, &mut errors);
            let memo = entry_memo(&input.memo, &mut errors);
            if input.date > today {
                errors.push(FieldError::validation(
                    &["date"],
                    format!("{} is in the future (today is {today}, UTC)", input.date),
                ));
            } else if input.date < contract.started_at.date_naive() {
                errors.push(FieldError::validation(
                    &["date"],
                    format!(
                        "{} is before the contract started ({})",
                        input.date,
                        contract.started_at.date_naive()
                    ),
                ));
            } else if week_start(input.date) != week_start(today) {
                errors.push(invalid(
                    &["date"],
                    format!(
                        "the week of {} has ended (weeks end on Sunday 24:00 UTC): time is \
                         logged in the week it was worked",
                        week_start(input.date)
                    ),
                ));
            }
            Self::takes_time(&contract, manual_time, &mut errors);
            all(errors)?;
            let (Some(minutes), Some(memo)) = (minutes, memo) else {
                return Err(DomainError::internal("checked entry without its values"));
            };
            let (week, entries) = self.week_of(&contract, input.date, now).await?;
            let entry = TimeEntry {
                id: TimeEntryId(Uuid::now_v7()),
                timesheet_id: week.id,
                contract_id: contract.id,
                work_date: input.date,
                minutes,
                memo,
                rate_minor: rate.amount_minor,
                author_id: user,
                created_at: now,
                updated_at: now,
            };
            let change = EntryChange::Add(entry.clone());
            let limit = contract.weekly_limit_on(input.date);
            let after = Self::week_after(&week, totals_after(entries, &change, limit)?, now);
            let active = [ContractStatus::Active];
            if let Some(saved) = self.write_entry(&week, after, change, &active).await? {
                return Ok((entry, saved));
            }
        }
        Err(busy())
    }

    /// The entry `id`, its contract and its week as they stand at `now`, for the
    /// freelancer who logged it; `NOT_FOUND` on `timeEntryId` for anybody who is no
    /// party, `INVALID_STATE` when its week is neither under way nor disputed.
    async fn entry_for(
        &self,
        actor: &Actor,
        id: Option<TimeEntryId>,
        now: DateTime<Utc>,
    ) -> DomainResult<(TimeEntry, Contract, Timesheet, Vec<TimeEntry>)> {
        if actor.user_id().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let id = id.ok_or_else(no_entry)?;
        let entry = self
            .hours
            .time_entries(&[id])
            .await?
            .into_iter()
            .next()
            .ok_or_else(no_entry)?;
        let (contract, side) = self
            .contract_for(actor, Some(entry.contract_id))
            .await
            .map_err(|e| {
                let unseen = matches!(e, DomainError::NotFound { .. })
                    || e.field_errors()
                        .iter()
                        .any(|f| f.code == ErrorCode::NotFound);
                if unseen { no_entry() } else { e }
            })?;
        Self::the_freelancer(actor, &contract, side)?;
        let (week, entries) = self.week_of(&contract, entry.work_date, now).await?;
        let Some(entry) = entries.iter().find(|e| e.id == id).cloned() else {
            return Err(no_entry());
        };
        match week.status_at(now) {
            TimesheetStatus::Open | TimesheetStatus::Disputed => {
                Ok((entry, contract, week, entries))
            }
            status => Err(DomainError::invalid_state_at(
                &["timeEntryId"],
                format!(
                    "the week of {} is {}: its entries no longer change",
                    week.week_start,
                    status.key()
                ),
            )),
        }
    }

    /// The freelancer changes an entry's minutes and/or memo while its week is under way,
    /// or lowers it while the week is disputed. Lowering and the memo are fine whatever
    /// became of the contract; raising adds time, so it asks what logging does (an
    /// active contract that takes manual time, the day's and the week's limits) and
    /// that the rate has not changed since the entry was logged (new time at a new
    /// rate is a new entry).
    pub async fn update_time_entry(
        &self,
        actor: &Actor,
        id: Option<TimeEntryId>,
        minutes: Option<i32>,
        memo: Option<&str>,
    ) -> DomainResult<(TimeEntry, Timesheet)> {
        for _ in 0..RETRIES {
            let now = Utc::now();
            let (before, contract, week, entries) = self.entry_for(actor, id, now).await?;
            let mut errors = Vec::new();
            if minutes.is_none() && memo.is_none() {
                errors.push(FieldError::validation(
                    &[],
                    "give `minutes`, `memo` or both",
                ));
            }
            let new_minutes = minutes.and_then(|m| entry_minutes(m, &mut errors));
            let new_memo = memo.and_then(|m| entry_memo(m, &mut errors));
            all(errors)?;
            let entry = TimeEntry {
                minutes: new_minutes.unwrap_or(before.minutes),
                memo: new_memo.unwrap_or_else(|| before.memo.clone()),
                updated_at: now,
                ..before.clone()
            };
            let raised = entry.minutes > before.minutes;
            let disputed = week.status_at(now) == TimesheetStatus::Disputed;
            if raised {
                let mut errors = Vec::new();
                if disputed {
                    errors.push(invalid(
                        &["minutes"],
                        "the week is disputed: its hours can be lowered, not raised",
                    ));
                } else {
                    let (rate, manual_time) = hourly(&contract)?;
                    Self::takes_time(&contract, manual_time, &mut errors);
                    if rate.amount_minor != before.rate_minor {
                        errors.push(invalid(
                            &["minutes"],
                            "the hourly rate changed since this entry was logged: log the \
                             extra time as a new entry",
                        ));
                    }
                }
                all(errors)?;
            }
            let limit = if raised {
                contract.weekly_limit_on(entry.work_date)
            } else {
                None
            };
            let contract_in: &[ContractStatus] = if raised {
                &[ContractStatus::Active]
            } else {
                &ANY_CONTRACT
            };
            let change = EntryChange::Update(entry.clone());
            let after = Self::week_after(&week, totals_after(entries, &change, limit)?, now);
            if let Some(saved) = self.write_entry(&week, after, change, contract_in).await? {
                return Ok((entry, saved));
            }
        }
        Err(busy())
    }

    /// The freelancer deletes an entry while its week is under way or disputed: the
    /// week after it.
    pub async fn delete_time_entry(
        &self,
        actor: &Actor,
        id: Option<TimeEntryId>,
    ) -> DomainResult<Timesheet> {
        for _ in 0..RETRIES {
            let now = Utc::now();
            let (entry, _, week, entries) = self.entry_for(actor, id, now).await?;
            let change = EntryChange::Delete(entry.id);
            let after = Self::week_after(&week, totals_after(entries, &change, None)?, now);
            if let Some(saved) = self
                .write_entry(&week, after, change, &ANY_CONTRACT)
                .await?
            {
                return Ok(saved);
            }
        }
        Err(busy())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::actor::UserId;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn entry(date: NaiveDate, minutes: u32) -> TimeEntry {
        TimeEntry {
            id: TimeEntryId(Uuid::now_v7()),
            timesheet_id: super::super::hours::TimesheetId(Uuid::nil()),
            contract_id: ContractId(Uuid::nil()),
            work_date: date,
            minutes,
            memo: "work".into(),
            rate_minor: 6_000,
            author_id: UserId(Uuid::nil()),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_day_holds_24_hours_and_a_week_its_limit() {
        let week = vec![entry(day(23), 600), entry(day(24), 1_200)];
        let (m, v) = totals_after(
            week.clone(),
            &EntryChange::Add(entry(day(24), 240)),
            Some(40),
        )
        .unwrap();
        assert_eq!((m, v), (2_040, 2_040 * 6_000));
        let over_day = totals_after(week.clone(), &EntryChange::Add(entry(day(24), 241)), None);
        assert_eq!(over_day.unwrap_err().code(), ErrorCode::Validation);
        let over_week = totals_after(
            week.clone(),
            &EntryChange::Add(entry(day(25), 601)),
            Some(40),
        );
        let e = over_week.unwrap_err();
        assert_eq!(e.field_errors()[0].code, ErrorCode::InvalidState);
        assert_eq!(e.field_errors()[0].field, vec!["minutes".to_owned()]);
        // Lowering an entry of a week over a (since lowered) limit is fine without one.
        let mut lower = week[1].clone();
        lower.minutes = 60;
        assert_eq!(
            totals_after(week.clone(), &EntryChange::Update(lower), None)
                .unwrap()
                .0,
            660
        );
        assert_eq!(
            totals_after(week.clone(), &EntryChange::Delete(week[0].id), None)
                .unwrap()
                .0,
            1_200
        );
    }

    #[test]
    fn entries_are_one_to_1440_minutes_with_a_one_line_memo() {
        let mut errors = Vec::new();
        assert_eq!(entry_minutes(1, &mut errors), Some(1));
        assert_eq!(entry_minutes(1_440, &mut errors), Some(1_440));
        assert!(errors.is_empty());
        for bad in [0, -5, 1_441, 25 * 60] {
            assert_eq!(entry_minutes(bad, &mut errors), None, "{bad}");
        }
        assert_eq!(errors.len(), 4);
        assert!(entry_memo("  fixed the login  ", &mut errors).is_some());
        assert!(entry_memo("", &mut errors).is_none());
        assert!(entry_memo("two\nlines", &mut errors).is_none());
        assert!(entry_memo(&"x".repeat(MAX_MEMO + 1), &mut errors).is_none());
        assert_eq!(duration(90), "1 h 30 min");
        assert_eq!(duration(120), "2 h");
        assert_eq!(duration(5), "5 min");
        assert!(monday(day(30)).is_ok());
        assert!(monday(day(29)).is_err());
    }
}
