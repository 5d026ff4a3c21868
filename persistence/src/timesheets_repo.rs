//! Hourly work on SeaORM: the weeks of hourly contracts (`timesheets`) and their time
//! entries (`time_entries`), written with the week's payment in one transaction.
//!
//! A week's write holds its contract's row first, as the milestones' and payments' do
//! (`contracts_repo`), so the changes of one contract take turns; the week's version is
//! the compare-and-set (a week read at another version affects no row: stale), and for
//! a new week the unique `(contract_id, week_start)` index and the primary key have the
//! last word on two first entries at once (the later insert is stale, not an error).
//! An entry's update or deletion names its week, so it never touches another week's.
//! The order is the milestones': the week, its entry, then the money (the ledger
//! transaction and the key), so a stale week is reported before a taken key; the week's
//! row names its payment last, once the payment's row exists for its foreign key.
//!
//! Reads take one statement each: a page of weeks per contract is numbered per contract
//! by a window function (`ux_timesheets_contract_week` finds and orders them); the
//! approval job's weeks are OPEN ones whose Monday is twelve days or more before today
//! (`ix_timesheets_review`), which is when their review deadline has passed.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Days, NaiveDate, Utc};
use domain::actor::UserId;
use domain::contracts::{
    ContractId, EntryChange, MINUTES_PER_DAY, MoneyWrite, TimeEntry, TimeEntryId, Timesheet,
    TimesheetId, TimesheetRepository, TimesheetStatus, TimesheetWrite, TransactionId,
};
use domain::money::Currency;
use domain::{DomainError, DomainResult};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::SeaContractRepository;
use crate::contract_rows::corrupt;
use crate::contracts_repo::{hold_contract, write_money};
use crate::db::settle;
use crate::entities::{time_entry, timesheet};
use crate::errors::{internal, is_unique_violation};
use crate::posting_rows::at_rest;
use crate::search_sql::Sql;

/// The most minutes of a week.
const MINUTES_PER_WEEK: u32 = 7 * MINUTES_PER_DAY;

/// Days from a week's Monday to its review deadline (the Saturday after the following
/// Friday, 00:00 UTC: `domain::contracts::review_deadline`).
const REVIEW_DAYS: u64 = 12;

/// `t` with every timestamp as storage keeps it.
pub(crate) fn timesheet_at_rest(t: &Timesheet) -> Timesheet {
    Timesheet {
        disputed_at: t.disputed_at.map(at_rest),
        approved_at: t.approved_at.map(at_rest),
        created_at: at_rest(t.created_at),
        updated_at: at_rest(t.updated_at),
        ..t.clone()
    }
}

/// `e` with every timestamp as storage keeps it.
pub(crate) fn entry_at_rest(e: &TimeEntry) -> TimeEntry {
    TimeEntry {
        created_at: at_rest(e.created_at),
        updated_at: at_rest(e.updated_at),
        ..e.clone()
    }
}

/// The stored minutes of `minutes`; an error past `max` (the domain never writes it).
fn minutes_column(minutes: u32, max: u32, what: &str) -> DomainResult<i32> {
    if minutes > max {
        return Err(DomainError::internal(format!(
            "{what} out of range: {minutes}"
        )));
    }
    i32::try_from(minutes).map_err(|_| DomainError::internal(format!("{what} out of range")))
}

/// The week's row; an error for a week the domain never stores (IN_REVIEW, a value
/// below zero, more minutes than a week has).
pub(crate) fn timesheet_row(t: &Timesheet) -> DomainResult<timesheet::ActiveModel> {
    if t.status == TimesheetStatus::InReview {
        return Err(DomainError::internal(
            "a week is stored OPEN, DISPUTED or APPROVED, never IN_REVIEW",
        ));
    }
    if t.value < 0 {
        return Err(DomainError::internal("a week's value below zero"));
    }
    let t = timesheet_at_rest(t);
    Ok(timesheet::ActiveModel {
        id: Set(t.id.0),
        contract_id: Set(t.contract_id.0),
        week_start: Set(t.week_start),
        status: Set(t.status.key().to_owned()),
        minutes: Set(minutes_column(
            t.minutes,
            MINUTES_PER_WEEK,
            "a week's minutes",
        )?),
        value: Set(t.value),
        currency: Set(t.currency.code().to_owned()),
        dispute_reason: Set(t.dispute_reason.clone()),
        disputed_at: Set(t.disputed_at),
        approved_at: Set(t.approved_at),
        approved_by: Set(t.approved_by.map(|u| u.0)),
        transaction_id: Set(t.transaction_id.map(|x| x.0)),
        version: Set(t.version),
        created_at: Set(t.created_at),
        updated_at: Set(t.updated_at),
    })
}

/// The week's columns a change writes (not its contract, Monday, currency or creation).
fn timesheet_changed_columns(t: &Timesheet) -> DomainResult<timesheet::ActiveModel> {
    Ok(timesheet::ActiveModel {
        id: NotSet,
        contract_id: NotSet,
        week_start: NotSet,
        currency: NotSet,
        created_at: NotSet,
        ..timesheet_row(t)?
    })
}

/// The week stored as `r`; an error (never a panic) for values the domain cannot take
/// back: an unknown status or IN_REVIEW, minutes out of range, a negative value, an
/// unknown currency.
pub(crate) fn to_timesheet(r: timesheet::Model) -> DomainResult<Timesheet> {
    let status = TimesheetStatus::parse(&r.status)
        .filter(|s| *s != TimesheetStatus::InReview)
        .ok_or_else(|| corrupt("timesheet status"))?;
    let minutes = u32::try_from(r.minutes)
        .ok()
        .filter(|m| *m <= MINUTES_PER_WEEK)
        .ok_or_else(|| corrupt("timesheet minutes"))?;
    if r.value < 0 {
        return Err(corrupt("timesheet value"));
    }
    Ok(Timesheet {
        id: TimesheetId(r.id),
        contract_id: ContractId(r.contract_id),
        week_start: r.week_start,
        status,
        minutes,
        value: r.value,
        currency: Currency::parse(&r.currency).map_err(|_| corrupt("timesheet currency"))?,
        dispute_reason: r.dispute_reason,
        disputed_at: r.disputed_at,
        approved_at: r.approved_at,
        approved_by: r.approved_by.map(UserId),
        transaction_id: r.transaction_id.map(TransactionId),
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// The entry's row; an error for an entry the domain never stores (no minutes, more
/// than a day's, a rate that is not positive).
pub(crate) fn entry_row(e: &TimeEntry) -> DomainResult<time_entry::ActiveModel> {
    if e.minutes == 0 {
        return Err(DomainError::internal("a time entry of no minutes"));
    }
    if e.rate_minor <= 0 {
        return Err(DomainError::internal(
            "a time entry without a positive rate",
        ));
    }
    let e = entry_at_rest(e);
    Ok(time_entry::ActiveModel {
        id: Set(e.id.0),
        timesheet_id: Set(e.timesheet_id.0),
        contract_id: Set(e.contract_id.0),
        work_date: Set(e.work_date),
        minutes: Set(minutes_column(
            e.minutes,
            MINUTES_PER_DAY,
            "an entry's minutes",
        )?),
        memo: Set(e.memo.clone()),
        rate_minor: Set(e.rate_minor),
        author_id: Set(e.author_id.0),
        created_at: Set(e.created_at),
        updated_at: Set(e.updated_at),
    })
}

/// The entry stored as `r`; an error for minutes out of 1..=1440 or a rate that is
/// not positive.
pub(crate) fn to_entry(r: time_entry::Model) -> DomainResult<TimeEntry> {
    let minutes = u32::try_from(r.minutes)
        .ok()
        .filter(|m| (1..=MINUTES_PER_DAY).contains(m))
        .ok_or_else(|| corrupt("time entry minutes"))?;
    if r.rate_minor <= 0 {
        return Err(corrupt("time entry rate"));
    }
    Ok(TimeEntry {
        id: TimeEntryId(r.id),
        timesheet_id: TimesheetId(r.timesheet_id),
        contract_id: ContractId(r.contract_id),
        work_date: r.work_date,
        minutes,
        memo: r.memo,
        rate_minor: r.rate_minor,
        author_id: UserId(r.author_id),
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// A write the domain never builds: an error before anything is written.
fn check_write(w: &TimesheetWrite) -> DomainResult<()> {
    let t = &w.timesheet;
    let bug = |what: &str| Err(DomainError::internal(format!("timesheet write: {what}")));
    if t.id != TimesheetId::of(t.contract_id, t.week_start) {
        return bug("the week's ID is not its contract's and Monday's");
    }
    if t.version != w.expected.map_or(1, |v| v + 1) {
        return bug("the week's version does not follow the expected one");
    }
    match &w.entry {
        Some(EntryChange::Add(e) | EntryChange::Update(e))
            if e.timesheet_id != t.id || e.contract_id != t.contract_id =>
        {
            return bug("the entry is not of the week");
        }
        _ => {}
    }
    if let Some(x) = &w.transaction {
        if x.contract_id != t.contract_id {
            return bug("the payment is not of the week's contract");
        }
        if t.transaction_id != Some(x.id) {
            return bug("the week does not name its payment");
        }
    }
    Ok(())
}

/// Names the week's payment, written in this transaction after the week's change (the
/// foreign key needs the transaction's row first).
async fn link_payment(
    db: &impl ConnectionTrait,
    week: TimesheetId,
    payment: TransactionId,
) -> DomainResult<()> {
    timesheet::Entity::update_many()
        .set(timesheet::ActiveModel {
            transaction_id: Set(Some(payment.0)),
            ..Default::default()
        })
        .filter(timesheet::Column::Id.eq(week.0))
        .exec(db)
        .await
        .map_err(internal)?;
    Ok(())
}

/// A week's change with its entry's and its money, in its transaction.
async fn write_week(db: &impl ConnectionTrait, w: &TimesheetWrite) -> DomainResult<MoneyWrite> {
    check_write(w)?;
    let t = &w.timesheet;
    if !hold_contract(db, t.contract_id, &w.contract_in).await? {
        return Ok(MoneyWrite::Stale);
    }
    // The payment of this write is named once it is written (see `link_payment`): the
    // week's change comes first, so a stale week is stale before its key is looked at.
    let paying = w.transaction.as_ref().map(|x| x.id);
    match w.expected {
        None => {
            let mut row = timesheet_row(t)?;
            if paying.is_some() {
                row.transaction_id = Set(None);
            }
            if let Err(e) = timesheet::Entity::insert(row)
                .exec_without_returning(db)
                .await
            {
                // The week has a row already (its ID, or its contract and Monday).
                return if is_unique_violation(&e) {
                    Ok(MoneyWrite::Stale)
                } else {
                    Err(internal(e))
                };
            }
        }
        Some(expected) => {
            let mut columns = timesheet_changed_columns(t)?;
            if paying.is_some() {
                columns.transaction_id = NotSet;
            }
            let updated = timesheet::Entity::update_many()
                .set(columns)
                .filter(timesheet::Column::Id.eq(t.id.0))
                .filter(timesheet::Column::Version.eq(expected))
                .exec(db)
                .await
                .map_err(internal)?;
            if updated.rows_affected == 0 {
                return Ok(MoneyWrite::Stale);
            }
        }
    }
    let entry_written = match &w.entry {
        None => true,
        Some(EntryChange::Add(e)) => {
            time_entry::Entity::insert(entry_row(e)?)
                .exec_without_returning(db)
                .await
                .map_err(internal)?;
            true
        }
        Some(EntryChange::Update(e)) => {
            let row = entry_row(e)?;
            time_entry::Entity::update_many()
                .set(time_entry::ActiveModel {
                    minutes: row.minutes,
                    memo: row.memo,
                    rate_minor: row.rate_minor,
                    updated_at: row.updated_at,
                    ..Default::default()
                })
                .filter(time_entry::Column::Id.eq(e.id.0))
                .filter(time_entry::Column::TimesheetId.eq(t.id.0))
                .exec(db)
                .await
                .map_err(internal)?
                .rows_affected
                == 1
        }
        Some(EntryChange::Delete(id)) => {
            time_entry::Entity::delete_many()
                .filter(time_entry::Column::Id.eq(id.0))
                .filter(time_entry::Column::TimesheetId.eq(t.id.0))
                .exec(db)
                .await
                .map_err(internal)?
                .rows_affected
                == 1
        }
    };
    if !entry_written {
        return Ok(MoneyWrite::Stale);
    }
    let money = write_money(db, w.transaction.as_ref(), w.key.as_ref()).await?;
    if let (MoneyWrite::Written, Some(payment)) = (money, paying) {
        link_payment(db, t.id, payment).await?;
    }
    Ok(money)
}

/// The `timesheets` columns, in the entity's order.
const TIMESHEET_COLUMNS: &str = "id, contract_id, week_start, status, minutes, value, \
     currency, dispute_reason, disputed_at, approved_at, approved_by, transaction_id, \
     version, created_at, updated_at";

#[async_trait]
impl TimesheetRepository for SeaContractRepository {
    async fn save_timesheet(&self, write: &TimesheetWrite) -> DomainResult<MoneyWrite> {
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let decided = write_week(&txn, write).await;
        settle(txn, decided, |w| *w == MoneyWrite::Written).await
    }

    async fn timesheets(&self, ids: &[TimesheetId]) -> DomainResult<Vec<Timesheet>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        timesheet::Entity::find()
            .filter(timesheet::Column::Id.is_in(ids.iter().map(|i| i.0)))
            .order_by_asc(timesheet::Column::ContractId)
            .order_by_desc(timesheet::Column::WeekStart)
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(to_timesheet)
            .collect()
    }

    async fn timesheets_of(
        &self,
        contracts: &[ContractId],
        before: Option<NaiveDate>,
        limit: u64,
    ) -> DomainResult<HashMap<ContractId, Vec<Timesheet>>> {
        let mut out: HashMap<ContractId, Vec<Timesheet>> =
            contracts.iter().map(|c| (*c, Vec::new())).collect();
        if contracts.is_empty() || limit == 0 {
            return Ok(out);
        }
        // Each contract's newest `limit` weeks (before the cursor), numbered within their
        // contract: one statement for any number of contracts.
        let mut sql = Sql::new(self.db.get_database_backend());
        let ids: Vec<uuid::Uuid> = contracts.iter().map(|c| c.0).collect();
        let list = sql.list(&ids);
        let before = match before {
            Some(day) => format!(" AND t.week_start < {}", sql.bind(day)),
            None => String::new(),
        };
        let limit = sql.bind(i64::try_from(limit).unwrap_or(i64::MAX));
        sql.push(&format!(
            "SELECT {TIMESHEET_COLUMNS} FROM (SELECT t.*, ROW_NUMBER() OVER \
             (PARTITION BY t.contract_id ORDER BY t.week_start DESC) AS n \
             FROM timesheets t WHERE t.contract_id IN ({list}){before}) w \
             WHERE w.n <= {limit} ORDER BY w.contract_id, w.week_start DESC"
        ));
        for row in timesheet::Model::find_by_statement(sql.statement())
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            let week = to_timesheet(row)?;
            out.entry(week.contract_id).or_default().push(week);
        }
        Ok(out)
    }

    async fn entries_of(
        &self,
        weeks: &[TimesheetId],
    ) -> DomainResult<HashMap<TimesheetId, Vec<TimeEntry>>> {
        let mut out: HashMap<TimesheetId, Vec<TimeEntry>> =
            weeks.iter().map(|w| (*w, Vec::new())).collect();
        if weeks.is_empty() {
            return Ok(out);
        }
        for row in time_entry::Entity::find()
            .filter(time_entry::Column::TimesheetId.is_in(weeks.iter().map(|w| w.0)))
            .order_by_asc(time_entry::Column::TimesheetId)
            .order_by_asc(time_entry::Column::WorkDate)
            .order_by_asc(time_entry::Column::CreatedAt)
            .order_by_asc(time_entry::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            let entry = to_entry(row)?;
            out.entry(entry.timesheet_id).or_default().push(entry);
        }
        Ok(out)
    }

    async fn time_entries(&self, ids: &[TimeEntryId]) -> DomainResult<Vec<TimeEntry>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        time_entry::Entity::find()
            .filter(time_entry::Column::Id.is_in(ids.iter().map(|i| i.0)))
            .order_by_asc(time_entry::Column::TimesheetId)
            .order_by_asc(time_entry::Column::WorkDate)
            .order_by_asc(time_entry::Column::CreatedAt)
            .order_by_asc(time_entry::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(to_entry)
            .collect()
    }

    async fn unreviewed_before(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<Timesheet>> {
        // The deadline (Monday + 12 days, 00:00 UTC) is at or before `now` exactly when
        // Monday + 12 days is at or before `now`'s day.
        let Some(latest_monday) = now.date_naive().checked_sub_days(Days::new(REVIEW_DAYS)) else {
            return Ok(Vec::new());
        };
        timesheet::Entity::find()
            .filter(timesheet::Column::Status.eq(TimesheetStatus::Open.key()))
            .filter(timesheet::Column::WeekStart.lte(latest_monday))
            .order_by_asc(timesheet::Column::WeekStart)
            .order_by_asc(timesheet::Column::Id)
            .limit(u64::from(limit))
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(to_timesheet)
            .collect()
    }
}
