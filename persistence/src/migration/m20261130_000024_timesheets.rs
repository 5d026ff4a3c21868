//! Hourly work: the weeks of hourly contracts and the time logged in them. New tables
//! only, so `down` drops them on both back ends.
//!
//! - `timesheets`: one row per week of a contract that has had an entry, keyed by the
//!   domain's v5 UUID of the contract and the Monday; `ux_timesheets_contract_week`
//!   (unique `(contract_id, week_start)`) is the last word on two first entries of one
//!   week, and lists a contract's weeks newest first. `status` is OPEN, DISPUTED or
//!   APPROVED as stored (IN_REVIEW is an OPEN week that has ended: never stored).
//!   `minutes` (at most a week's) and `value` (the sum of each entry's minutes times its
//!   rate) are the entries' totals, kept with them in one transaction; CHECKs keep them
//!   in range. The approval names who approved (NULL: the platform, after the deadline)
//!   and the `HOURS` ledger transaction that paid it. A version for compare-and-set.
//!   `ux_timesheets_transaction`: a payment pays one week.
//!   `ix_timesheets_review` serves the approval job (OPEN weeks by their Monday, whose
//!   review deadline follows from it).
//! - `time_entries`: a week's entries (going with their week), each with the rate it was
//!   logged at; CHECKs keep minutes within a day and the rate positive.
//!   `ix_time_entries_timesheet` reads a week's entries by day.
//!
//! Dates are `date` columns (text `YYYY-MM-DD` on SQLite, which compares in date
//! order), timestamps `timestamptz` as in 000023, money in minor units (`bigint`).
//! Contracts are never deleted (their ledger stays), so a week does not go with its
//! contract: like a contract's milestones, its foreign key refuses.

use sea_orm_migration::prelude::*;

use super::m20261130_000019_proposals::index;
use super::m20261130_000023_contracts::{fk, optional_timestamp, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Timesheets {
    Table,
    Id,
    ContractId,
    WeekStart,
    Status,
    Minutes,
    Value,
    Currency,
    DisputeReason,
    DisputedAt,
    ApprovedAt,
    ApprovedBy,
    TransactionId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TimeEntries {
    Table,
    Id,
    TimesheetId,
    ContractId,
    WorkDate,
    Minutes,
    Memo,
    RateMinor,
    AuthorId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Contracts {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum LedgerTransactions {
    Table,
    Id,
}

/// The statuses a week is stored in.
const TIMESHEET_STATUSES: [&str; 3] = ["OPEN", "DISPUTED", "APPROVED"];
/// The most minutes of a week (168 hours).
const MINUTES_PER_WEEK: i32 = 168 * 60;
/// The most minutes of a day.
const MINUTES_PER_DAY: i32 = 24 * 60;

async fn create_timesheets(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Timesheets::Table)
                .col(
                    ColumnDef::new(Timesheets::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Timesheets::ContractId).uuid().not_null())
                .col(ColumnDef::new(Timesheets::WeekStart).date().not_null())
                .col(
                    ColumnDef::new(Timesheets::Status)
                        .string_len(16)
                        .not_null()
                        .check(Expr::col(Timesheets::Status).is_in(TIMESHEET_STATUSES)),
                )
                .col(
                    ColumnDef::new(Timesheets::Minutes)
                        .integer()
                        .not_null()
                        .check(Expr::col(Timesheets::Minutes).between(0, MINUTES_PER_WEEK)),
                )
                .col(
                    ColumnDef::new(Timesheets::Value)
                        .big_integer()
                        .not_null()
                        .check(Expr::col(Timesheets::Value).gte(0)),
                )
                .col(
                    ColumnDef::new(Timesheets::Currency)
                        .string_len(3)
                        .not_null(),
                )
                .col(ColumnDef::new(Timesheets::DisputeReason).text().null())
                .col(optional_timestamp(Timesheets::DisputedAt))
                .col(optional_timestamp(Timesheets::ApprovedAt))
                .col(ColumnDef::new(Timesheets::ApprovedBy).uuid().null())
                .col(ColumnDef::new(Timesheets::TransactionId).uuid().null())
                .col(
                    ColumnDef::new(Timesheets::Version)
                        .big_integer()
                        .not_null()
                        .default(1),
                )
                .col(timestamp(Timesheets::CreatedAt))
                .col(timestamp(Timesheets::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_timesheets_contract",
                    (Timesheets::Table, Timesheets::ContractId),
                    (Contracts::Table, Contracts::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_timesheets_approved_by",
                    (Timesheets::Table, Timesheets::ApprovedBy),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_timesheets_transaction",
                    (Timesheets::Table, Timesheets::TransactionId),
                    (LedgerTransactions::Table, LedgerTransactions::Id),
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ux_timesheets_contract_week")
                .table(Timesheets::Table)
                .col(Timesheets::ContractId)
                .col(Timesheets::WeekStart)
                .unique()
                .to_owned(),
        )
        .await?;
    // One week per payment: a HOURS transaction pays one week.
    manager
        .create_index(
            Index::create()
                .name("ux_timesheets_transaction")
                .table(Timesheets::Table)
                .col(Timesheets::TransactionId)
                .unique()
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_timesheets_review",
        Timesheets::Table,
        vec![
            Timesheets::Status.into_iden(),
            Timesheets::WeekStart.into_iden(),
        ],
    )
    .await
}

async fn create_time_entries(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(TimeEntries::Table)
                .col(
                    ColumnDef::new(TimeEntries::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(TimeEntries::TimesheetId).uuid().not_null())
                .col(ColumnDef::new(TimeEntries::ContractId).uuid().not_null())
                .col(ColumnDef::new(TimeEntries::WorkDate).date().not_null())
                .col(
                    ColumnDef::new(TimeEntries::Minutes)
                        .integer()
                        .not_null()
                        .check(Expr::col(TimeEntries::Minutes).between(1, MINUTES_PER_DAY)),
                )
                .col(ColumnDef::new(TimeEntries::Memo).text().not_null())
                .col(
                    ColumnDef::new(TimeEntries::RateMinor)
                        .big_integer()
                        .not_null()
                        .check(Expr::col(TimeEntries::RateMinor).gt(0)),
                )
                .col(ColumnDef::new(TimeEntries::AuthorId).uuid().not_null())
                .col(timestamp(TimeEntries::CreatedAt))
                .col(timestamp(TimeEntries::UpdatedAt))
                .foreign_key(
                    &mut fk(
                        "fk_time_entries_timesheet",
                        (TimeEntries::Table, TimeEntries::TimesheetId),
                        (Timesheets::Table, Timesheets::Id),
                    )
                    .on_delete(ForeignKeyAction::Cascade)
                    .to_owned(),
                )
                .foreign_key(&mut fk(
                    "fk_time_entries_contract",
                    (TimeEntries::Table, TimeEntries::ContractId),
                    (Contracts::Table, Contracts::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_time_entries_author",
                    (TimeEntries::Table, TimeEntries::AuthorId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
    let e = |c: TimeEntries| c.into_iden();
    index(
        manager,
        "ix_time_entries_timesheet",
        TimeEntries::Table,
        vec![
            e(TimeEntries::TimesheetId),
            e(TimeEntries::WorkDate),
            e(TimeEntries::Id),
        ],
    )
    .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_timesheets(manager).await?;
        create_time_entries(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Their indexes go with them; entries before the weeks they reference.
        for table in ["time_entries", "timesheets"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
