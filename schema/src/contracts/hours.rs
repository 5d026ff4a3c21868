//! Hourly work in GraphQL: a contract's weeks (`Contract.timesheets`,
//! `Contract.timesheet`), their entries and payment, and the mutations that log time and
//! review weeks. The domain decides who may; lists resolve through the request's
//! loaders.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use domain::contracts::{self as d, ContractId, TimeEntryId};

use super::loaders::{TimesheetKey, TimesheetPageKey, contract_loaders};
use super::types::LedgerTransaction;
use crate::connection::decode_cursor;
use crate::context::{actor, services};
use crate::errors::{ApiCode, GqlResultExt, UserError, into_payload};
use crate::ids::{NodeKind, decode_kind, encode};
use crate::profiles::types::Money;
use crate::taxonomy::types::load_error;

/// Where a week of an hourly contract stands.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum TimesheetStatus {
    /// The week is under way: the freelancer logs time.
    Open,
    /// The week has ended: the client may approve it, or dispute it until
    /// `reviewDeadline`; after that it is approved and paid on its own.
    InReview,
    /// The client disputed it: it is paid when the client approves it (the freelancer
    /// may lower or delete its entries meanwhile).
    Disputed,
    /// Approved and paid (see `payment`).
    Approved,
}

impl From<d::TimesheetStatus> for TimesheetStatus {
    fn from(s: d::TimesheetStatus) -> Self {
        match s {
            d::TimesheetStatus::Open => Self::Open,
            d::TimesheetStatus::InReview => Self::InReview,
            d::TimesheetStatus::Disputed => Self::Disputed,
            d::TimesheetStatus::Approved => Self::Approved,
        }
    }
}

/// A week, with its entries when they were read with it (a list's weeks are: their
/// entries come in the same batch, so a page costs the same however deep it is asked).
#[derive(Clone)]
pub struct Timesheet {
    week: Arc<d::Timesheet>,
    entries: Option<Arc<Vec<d::TimeEntry>>>,
}

impl Timesheet {
    /// A week whose entries are read when asked for.
    pub(crate) fn lone(week: d::Timesheet) -> Self {
        Self {
            week: Arc::new(week),
            entries: None,
        }
    }

    /// A week read with its entries when the query asked for them.
    pub(crate) fn read(week: d::Timesheet, entries: Option<Vec<d::TimeEntry>>) -> Self {
        Self {
            week: Arc::new(week),
            entries: entries.map(Arc::new),
        }
    }

    async fn entry_list(&self, ctx: &Context<'_>) -> Result<Vec<d::TimeEntry>> {
        match &self.entries {
            Some(e) => Ok(e.as_ref().clone()),
            None => entries(ctx, &self.week).await,
        }
    }
}

/// One week (Monday 00:00 to Sunday 24:00 UTC) of an hourly contract: its time entries,
/// what they are worth, and its review.
#[Object]
impl Timesheet {
    /// Global ID of the week (the same before and after its first entry).
    async fn id(&self) -> ID {
        encode(NodeKind::Timesheet, self.week.id.0)
    }

    /// The Monday it starts on.
    async fn week_start(&self) -> NaiveDate {
        self.week.week_start
    }

    /// The Sunday it ends on (at 24:00 UTC).
    async fn week_end(&self) -> NaiveDate {
        d::week_last_day(self.week.week_start)
    }

    /// Where it stands now.
    async fn status(&self) -> TimesheetStatus {
        self.week.status_at(Utc::now()).into()
    }

    /// The minutes logged.
    async fn minutes(&self) -> i32 {
        i32::try_from(self.week.minutes).unwrap_or(i32::MAX)
    }

    /// What the minutes are worth, each entry at the rate it was logged at (rounded
    /// half up to the currency's minor unit), before the platform's fee.
    async fn amount(&self) -> Money {
        self.week.amount().into()
    }

    /// Until when the client may dispute it: the end of the Friday after it (UTC).
    async fn review_deadline(&self) -> DateTime<Utc> {
        self.week.review_deadline()
    }

    /// Why the client disputed it; null when nobody did.
    async fn dispute_reason(&self) -> Option<&str> {
        self.week.dispute_reason.as_deref()
    }

    /// When the client disputed it.
    async fn disputed_at(&self) -> Option<DateTime<Utc>> {
        self.week.disputed_at
    }

    /// When it was approved.
    async fn approved_at(&self) -> Option<DateTime<Utc>> {
        self.week.approved_at
    }

    /// Whether the platform approved it because nobody did by its deadline (false
    /// while not approved, or approved by the client).
    async fn approved_automatically(&self) -> bool {
        self.week.approved_at.is_some() && self.week.approved_by.is_none()
    }

    /// The payment of its hours; null until it is approved, and for a week worth
    /// nothing.
    async fn payment(&self, ctx: &Context<'_>) -> Result<Option<LedgerTransaction>> {
        let Some(id) = self.week.transaction_id else {
            return Ok(None);
        };
        Ok(contract_loaders(ctx)?
            .transaction
            .load_one(id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(|t| LedgerTransaction(Arc::new(t))))
    }

    /// The minutes of each day of the week that has entries, in order.
    async fn days(&self, ctx: &Context<'_>) -> Result<Vec<TimesheetDay>> {
        let mut days: BTreeMap<NaiveDate, u32> = BTreeMap::new();
        for e in self.entry_list(ctx).await? {
            *days.entry(e.work_date).or_default() += e.minutes;
        }
        Ok(days
            .into_iter()
            .map(|(date, minutes)| TimesheetDay {
                date,
                minutes: i32::try_from(minutes).unwrap_or(i32::MAX),
            })
            .collect())
    }

    /// Its time entries, by day and then in the order they were logged.
    #[graphql(complexity = "50 * child_complexity")]
    async fn entries(&self, ctx: &Context<'_>) -> Result<Vec<TimeEntry>> {
        let currency = self.week.currency;
        Ok(self
            .entry_list(ctx)
            .await?
            .into_iter()
            .map(|e| TimeEntry {
                entry: Arc::new(e),
                currency,
            })
            .collect())
    }
}

async fn entries(ctx: &Context<'_>, week: &d::Timesheet) -> Result<Vec<d::TimeEntry>> {
    if week.version == 0 {
        return Ok(Vec::new());
    }
    Ok(contract_loaders(ctx)?
        .entries
        .load_one(week.id)
        .await
        .map_err(|e| load_error(ctx, e))?
        .unwrap_or_default())
}

/// The minutes logged on one day.
#[derive(SimpleObject, Clone)]
pub struct TimesheetDay {
    /// The day (UTC).
    pub date: NaiveDate,
    /// Its minutes, all entries together (at most 1,440).
    pub minutes: i32,
}

/// An entry, with its contract's currency.
#[derive(Clone)]
pub struct TimeEntry {
    entry: Arc<d::TimeEntry>,
    currency: domain::money::Currency,
}

/// Time the freelancer logged on an hourly contract.
#[Object]
impl TimeEntry {
    /// Global ID of the entry.
    async fn id(&self) -> ID {
        encode(NodeKind::TimeEntry, self.entry.id.0)
    }

    /// The day worked (UTC).
    async fn date(&self) -> NaiveDate {
        self.entry.work_date
    }

    /// How long: 1 to 1,440 minutes.
    async fn minutes(&self) -> i32 {
        i32::try_from(self.entry.minutes).unwrap_or(i32::MAX)
    }

    /// What was done.
    async fn memo(&self) -> &str {
        &self.entry.memo
    }

    /// The hourly rate it is paid at (the contract's when it was logged).
    async fn hourly_rate(&self) -> Money {
        domain::money::Money {
            amount_minor: self.entry.rate_minor,
            currency: self.currency,
        }
        .into()
    }

    /// When it was logged.
    async fn created_at(&self) -> DateTime<Utc> {
        self.entry.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.entry.updated_at
    }
}

crate::connection::connection!(TimesheetConnection, TimesheetEdge, Timesheet, uncounted);

const CURSOR: &str = "week:";

fn week_cursor(after: Option<String>) -> Result<Option<NaiveDate>> {
    let Some(key) = after.as_deref().map(decode_cursor).transpose()? else {
        return Ok(None);
    };
    key.strip_prefix(CURSOR)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(Some)
        .ok_or_else(|| ApiCode::InvalidCursor.error("`after` is not a cursor of this list"))
}

/// Whether the selection of a week asks for its entries (`entries` or `days`).
fn asks_for_entries(week: &async_graphql::Lookahead<'_>) -> bool {
    week.field("entries").exists() || week.field("days").exists()
}

/// `Contract.timesheets`: a page of its stored weeks, newest first (none for a
/// fixed-price contract).
pub(crate) async fn timesheets_of(
    ctx: &Context<'_>,
    contract: &d::Contract,
    first: Option<i32>,
    after: Option<String>,
) -> Result<TimesheetConnection> {
    let before = week_cursor(after)?;
    let request =
        domain::pagination::PageRequest::<NaiveDate>::new(first.map(i64::from), before).gql(ctx)?;
    let page = if matches!(contract.terms, d::Terms::Hourly { .. }) {
        contract_loaders(ctx)?
            .timesheets
            .load_one(TimesheetPageKey {
                contract: contract.id,
                before,
                first: request.first(),
                entries: asks_for_entries(&ctx.look_ahead().field("nodes"))
                    || asks_for_entries(&ctx.look_ahead().field("edges").field("node")),
            })
            .await
            .map_err(|e| load_error(ctx, e))?
    } else {
        None
    }
    .unwrap_or(domain::pagination::Page {
        items: Vec::new(),
        has_next_page: false,
    });
    let items = page
        .items
        .into_iter()
        .map(|(t, entries)| {
            (
                format!("{CURSOR}{}", t.week_start),
                Timesheet::read(t, entries),
            )
        })
        .collect();
    Ok(TimesheetConnection::new(
        items,
        page.has_next_page,
        before.is_some(),
    ))
}

/// `Contract.timesheet(weekOf)`: the week of a day, stored or still empty; null for a
/// fixed-price contract.
pub(crate) async fn timesheet_of(
    ctx: &Context<'_>,
    contract: &d::Contract,
    week_of: Option<NaiveDate>,
) -> Result<Option<Timesheet>> {
    if !matches!(contract.terms, d::Terms::Hourly { .. }) {
        return Ok(None);
    }
    let now = Utc::now();
    let day = week_of.unwrap_or_else(|| now.date_naive());
    let empty = d::Timesheet::empty(contract.id, day, contract.terms.currency(), now);
    let stored = contract_loaders(ctx)?
        .timesheet
        .load_one(TimesheetKey {
            id: empty.id,
            entries: asks_for_entries(&ctx.look_ahead()),
        })
        .await
        .map_err(|e| load_error(ctx, e))?;
    Ok(Some(match stored {
        Some((week, entries)) => Timesheet::read(week, entries),
        None => Timesheet::read(empty, Some(Vec::new())),
    }))
}

/// Input of `logTime`.
#[derive(InputObject)]
pub struct LogTimeInput {
    /// An active hourly contract of yours (as its freelancer) that allows manual time.
    pub contract_id: ID,
    /// The day worked (UTC): a day of the week under way, today or earlier, not before
    /// the contract started. Weeks end on Sunday 24:00 UTC: west of UTC, Sunday's work
    /// is logged before that hour.
    pub date: NaiveDate,
    /// How long: 1 to 1,440 minutes; a day's entries add up to 24 hours at most and a
    /// week's to its weekly limit.
    pub minutes: i32,
    /// What was done: 1 to 500 characters, one line.
    pub memo: String,
}

/// Input of `updateTimeEntry`: what changes (absent or null: unchanged).
#[derive(InputObject)]
pub struct UpdateTimeEntryInput {
    /// An entry of yours in a week under way or disputed.
    pub time_entry_id: ID,
    /// 1 to 1,440 minutes; in a disputed week, no more than before.
    pub minutes: Option<i32>,
    /// 1 to 500 characters, one line.
    pub memo: Option<String>,
}

/// Input of `deleteTimeEntry`.
#[derive(InputObject)]
pub struct DeleteTimeEntryInput {
    /// An entry of yours in a week under way or disputed.
    pub time_entry_id: ID,
}

/// Input of `approveTimesheet`.
#[derive(InputObject)]
pub struct ApproveTimesheetInput {
    /// An hourly contract of yours (as its client).
    pub contract_id: ID,
    /// The Monday of a week that has ended, in review or disputed.
    pub week_start: NaiveDate,
    /// Your key for this payment: 8 to 100 letters, digits or `-_:.` (a UUID is a good
    /// one). The same key with the same input returns the first result.
    pub idempotency_key: String,
}

/// Input of `disputeTimesheet`.
#[derive(InputObject)]
pub struct DisputeTimesheetInput {
    /// An hourly contract of yours (as its client).
    pub contract_id: ID,
    /// The Monday of a week in review (ended, until the end of the following Friday).
    pub week_start: NaiveDate,
    /// Why: 1 to 500 characters.
    pub reason: String,
}

/// The outcome of `logTime` and `updateTimeEntry`.
#[derive(SimpleObject)]
pub struct TimeEntryPayload {
    /// The entry as stored; null when `userErrors` is not empty.
    pub time_entry: Option<TimeEntry>,
    /// Its week after the change; null when `userErrors` is not empty.
    pub timesheet: Option<Timesheet>,
    /// Why it was refused (nothing changed); empty on success. Paths start at `input`,
    /// e.g. `["input", "minutes"]`.
    pub user_errors: Vec<UserError>,
}

/// The outcome of `deleteTimeEntry`, `approveTimesheet` and `disputeTimesheet`.
#[derive(SimpleObject)]
pub struct TimesheetPayload {
    /// The week after the change; null when `userErrors` is not empty.
    pub timesheet: Option<Timesheet>,
    /// Why it was refused (nothing changed, no money moved); empty on success. Paths
    /// start at `input`, e.g. `["input", "weekStart"]`.
    pub user_errors: Vec<UserError>,
}

fn contract_id(id: &ID) -> Option<ContractId> {
    decode_kind(id, NodeKind::Contract).ok().map(ContractId)
}

fn entry_id(id: &ID) -> Option<TimeEntryId> {
    decode_kind(id, NodeKind::TimeEntry).ok().map(TimeEntryId)
}

fn entry_payload(
    ctx: &Context<'_>,
    result: domain::DomainResult<(d::TimeEntry, d::Timesheet)>,
) -> Result<TimeEntryPayload> {
    let (done, user_errors) = into_payload(ctx, result)?;
    let (entry, week) = done.unzip();
    Ok(TimeEntryPayload {
        time_entry: entry.zip(week.as_ref()).map(|(e, w)| TimeEntry {
            entry: Arc::new(e),
            currency: w.currency,
        }),
        timesheet: week.map(Timesheet::lone),
        user_errors,
    })
}

fn week_payload(
    ctx: &Context<'_>,
    result: domain::DomainResult<d::Timesheet>,
) -> Result<TimesheetPayload> {
    let (week, user_errors) = into_payload(ctx, result)?;
    Ok(TimesheetPayload {
        timesheet: week.map(Timesheet::lone),
        user_errors,
    })
}

#[derive(Default)]
pub struct HoursMutation;

#[Object]
impl HoursMutation {
    /// Logs time on an hourly contract of yours, as its freelancer (an agency's owners
    /// do not log for their member). Refused over 24 hours (or 50 entries) a day or the
    /// week's limit, outside the week under way, in the future, or while the contract
    /// is paused or ended. Not idempotent: a request sent twice logs the time twice
    /// (check `timesheet.entries` before retrying).
    async fn log_time(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract, the day, the minutes and what was done.")]
        input: LogTimeInput,
    ) -> Result<TimeEntryPayload> {
        let entry = d::TimeEntryInput {
            date: input.date,
            minutes: input.minutes,
            memo: input.memo,
        };
        let result = services(ctx)?
            .contracts
            .log_time(actor(ctx), contract_id(&input.contract_id), &entry)
            .await;
        entry_payload(ctx, result)
    }

    /// Changes the minutes or the memo of an entry of yours while its week is under
    /// way, or lowers it while the week is disputed. Raising it adds time: only on an
    /// active contract, within the limits, at the rate it was logged at (after a rate
    /// change, log the extra time as a new entry).
    async fn update_time_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry and what changes.")] input: UpdateTimeEntryInput,
    ) -> Result<TimeEntryPayload> {
        let result = services(ctx)?
            .contracts
            .update_time_entry(
                actor(ctx),
                entry_id(&input.time_entry_id),
                input.minutes,
                input.memo.as_deref(),
            )
            .await;
        entry_payload(ctx, result)
    }

    /// Deletes an entry of yours while its week is under way or disputed.
    async fn delete_time_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry.")] input: DeleteTimeEntryInput,
    ) -> Result<TimesheetPayload> {
        let result = services(ctx)?
            .contracts
            .delete_time_entry(actor(ctx), entry_id(&input.time_entry_id))
            .await;
        week_payload(ctx, result)
    }

    /// Approves a week of an hourly contract of yours (as its client) once it has
    /// ended, in review or disputed: its hours are charged through the payment provider
    /// and paid to the freelancer, less the platform fee, at once. Idempotent by
    /// `idempotencyKey`.
    async fn approve_timesheet(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract, the week and your idempotency key.")]
        input: ApproveTimesheetInput,
    ) -> Result<TimesheetPayload> {
        let result = services(ctx)?
            .contracts
            .approve_timesheet(
                actor(ctx),
                contract_id(&input.contract_id),
                input.week_start,
                &input.idempotency_key,
            )
            .await
            .map(|(week, _)| week);
        week_payload(ctx, result)
    }

    /// Disputes a week's hours (as the contract's client), with a reason, from the end
    /// of the week until the end of the following Friday (UTC): the week is not paid
    /// until you approve it (the freelancer may lower its entries meanwhile; there is
    /// no arbitration yet).
    async fn dispute_timesheet(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract, the week and why.")] input: DisputeTimesheetInput,
    ) -> Result<TimesheetPayload> {
        let result = services(ctx)?
            .contracts
            .dispute_timesheet(
                actor(ctx),
                contract_id(&input.contract_id),
                input.week_start,
                &input.reason,
            )
            .await;
        week_payload(ctx, result)
    }
}
