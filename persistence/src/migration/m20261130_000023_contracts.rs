//! Offers, contracts, their milestones and history, the money ledger and idempotency
//! keys. New tables only, so `down` drops them on both back ends.
//!
//! - `offers`: one row per offer made from a proposal, with its terms as columns
//!   (`kind` FIXED with `total_minor`, or HOURLY with `rate_minor`,
//!   `weekly_limit_hours` and `manual_time`; a CHECK keeps them whole) and the stage it
//!   was made from (no foreign key: history outlives stages). A proposal has at most one
//!   PENDING offer: the partial unique index `ux_offers_proposal_pending` (both back ends
//!   support `WHERE` on an index). `ix_offers_proposal` lists a proposal's offers newest
//!   first; `ix_offers_expiry` serves the expiry job (PENDING ones by `expires_at`).
//!   `contract_id` names the contract it became (no foreign key: the contract is written
//!   after the offer's compare-and-set, in the same transaction).
//! - `offer_milestones`: a fixed-price offer's plan, keyed `(offer_id, position)`, going
//!   with its offer.
//! - `contracts`: one per offer (`ux_contracts_offer`, the last word on concurrent
//!   accepts), the terms as on `offers` plus a waiting lower weekly limit, a version for
//!   compare-and-set. `ix_contracts_client`, `_freelancer` and `_agency` list a user's
//!   or an agency's contracts newest first (IDs are time-ordered);
//!   `ix_contracts_posting` counts a posting's contracts against its positions.
//! - `contract_milestones`: unique `(contract_id, position)`; `ix_contract_milestones_
//!   submitted` finds SUBMITTED ones by submission time (the automatic release).
//! - `contract_changes`: the history, read in ID order (`ix_contract_changes_contract`).
//! - `ledger_accounts`: created on first use, keyed by `Account::id()` with the unique
//!   readable key; `ix_ledger_accounts_owner` finds an owner's accounts.
//! - `ledger_transactions`: one per movement of money (`ix_ledger_transactions_contract`
//!   lists a contract's newest first).
//! - `ledger_entries`: never 0. Escrow entries carry their number on the account and the
//!   balance after them: `ux_ledger_entries_escrow_seq` lets only one of two concurrent
//!   writers append a number, and the CHECK `escrow_balance_after >= 0` is the
//!   database's own guarantee that escrow never goes negative. Other accounts leave both
//!   NULL (no hot row on the platform fee's account). `ix_ledger_entries_account` finds
//!   an owner's transactions; `ix_ledger_entries_transaction` a transaction's entries.
//! - `idempotency_keys`: keyed `(user_id, key)`: a concurrent duplicate hits the key.

use sea_orm_migration::prelude::*;

use super::m20261130_000019_proposals::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Offers {
    Table,
    Id,
    ProposalId,
    PostingId,
    ClientId,
    FreelancerId,
    AgencyId,
    StageId,
    Title,
    Message,
    Kind,
    Currency,
    TotalMinor,
    RateMinor,
    WeeklyLimitHours,
    ManualTime,
    Status,
    StatusReason,
    ExpiresAt,
    CreatedAt,
    UpdatedAt,
    ContractId,
}

#[derive(DeriveIden, Clone, Copy)]
enum OfferMilestones {
    Table,
    OfferId,
    Position,
    Title,
    Description,
    AmountMinor,
    DueOn,
}

#[derive(DeriveIden, Clone, Copy)]
enum Contracts {
    Table,
    Id,
    OfferId,
    ProposalId,
    PostingId,
    ClientId,
    FreelancerId,
    AgencyId,
    Title,
    Kind,
    Currency,
    TotalMinor,
    RateMinor,
    WeeklyLimitHours,
    ManualTime,
    NextWeeklyLimitHours,
    NextWeeklyLimitFrom,
    Status,
    EndReason,
    EndedBy,
    Version,
    StartedAt,
    UpdatedAt,
    EndedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ContractMilestones {
    Table,
    Id,
    ContractId,
    Position,
    Title,
    Description,
    AmountMinor,
    Currency,
    DueOn,
    Status,
    SubmissionNote,
    ChangesRequested,
    RefundReason,
    FundedAt,
    SubmittedAt,
    ReleasedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ContractChanges {
    Table,
    Id,
    ContractId,
    At,
    ActorId,
    Kind,
    Status,
    Detail,
}

#[derive(DeriveIden, Clone, Copy)]
enum LedgerAccounts {
    Table,
    Id,
    Key,
    Kind,
    OwnerId,
    Currency,
}

#[derive(DeriveIden, Clone, Copy)]
enum LedgerTransactions {
    Table,
    Id,
    Kind,
    ContractId,
    MilestoneId,
    ActorId,
    ProviderReference,
    Memo,
    Currency,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum LedgerEntries {
    Table,
    Id,
    TransactionId,
    AccountId,
    AmountMinor,
    EscrowSeq,
    EscrowBalanceAfter,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum IdempotencyKeys {
    Table,
    UserId,
    Key,
    Fingerprint,
    TargetId,
    TransactionId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Proposals {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Postings {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Agencies {
    Table,
    Id,
}

/// A named foreign key; nothing here goes with what it references (money's history
/// stays), except where `on_delete` says so.
pub(super) fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

fn to_user(name: &str, table: impl IntoIden, col: impl IntoIden) -> ForeignKeyCreateStatement {
    fk(name, (table, col), (Users::Table, Users::Id))
}

pub(super) fn timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

pub(super) fn optional_timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

/// A text column holding one of `keys`.
fn key_col<T: IntoIden + Clone + 'static>(col: T, keys: &[&'static str]) -> ColumnDef {
    ColumnDef::new(col.clone())
        .string_len(16)
        .not_null()
        .check(Expr::col(col).is_in(keys.iter().copied()))
        .to_owned()
}

fn currency(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(3).not_null().to_owned()
}

/// The terms' columns are whole: FIXED has a positive total and no hourly parts; HOURLY
/// a positive rate, a weekly limit and the manual-time flag, and no total.
fn terms_check<T: IntoIden + Copy + 'static>(
    kind: T,
    total: T,
    rate: T,
    hours: T,
    manual: T,
) -> SimpleExpr {
    let fixed = Expr::col(kind)
        .eq("FIXED")
        .and(Expr::col(total).gt(0))
        .and(Expr::col(rate).is_null())
        .and(Expr::col(hours).is_null())
        .and(Expr::col(manual).is_null());
    let hourly = Expr::col(kind)
        .eq("HOURLY")
        .and(Expr::col(total).is_null())
        .and(Expr::col(rate).gt(0))
        .and(Expr::col(hours).between(1, 168))
        .and(Expr::col(manual).is_not_null());
    fixed.or(hourly)
}

/// The terms' columns, as on offers and contracts.
fn terms_cols<T: IntoIden + Copy + 'static>(
    table: &mut TableCreateStatement,
    [kind, cur, total, rate, hours, manual]: [T; 6],
) {
    table
        .col(key_col(kind, &["FIXED", "HOURLY"]))
        .col(currency(cur))
        .col(ColumnDef::new(total).big_integer().null())
        .col(ColumnDef::new(rate).big_integer().null())
        .col(ColumnDef::new(hours).small_integer().null())
        .col(ColumnDef::new(manual).boolean().null())
        .check(terms_check(kind, total, rate, hours, manual));
}

const OFFER_STATUSES: [&str; 5] = ["PENDING", "ACCEPTED", "DECLINED", "WITHDRAWN", "EXPIRED"];
const CONTRACT_STATUSES: [&str; 3] = ["ACTIVE", "PAUSED", "ENDED"];
const MILESTONE_STATUSES: [&str; 6] = [
    "PENDING",
    "FUNDED",
    "SUBMITTED",
    "RELEASED",
    "CANCELLED",
    "REFUNDED",
];

async fn create_offers(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let mut table = Table::create();
    table
        .table(Offers::Table)
        .col(ColumnDef::new(Offers::Id).uuid().not_null().primary_key())
        .col(ColumnDef::new(Offers::ProposalId).uuid().not_null())
        .col(ColumnDef::new(Offers::PostingId).uuid().not_null())
        .col(ColumnDef::new(Offers::ClientId).uuid().not_null())
        .col(ColumnDef::new(Offers::FreelancerId).uuid().not_null())
        .col(ColumnDef::new(Offers::AgencyId).uuid().null())
        .col(ColumnDef::new(Offers::StageId).uuid().not_null())
        .col(ColumnDef::new(Offers::Title).text().not_null())
        .col(ColumnDef::new(Offers::Message).text().null());
    terms_cols(
        &mut table,
        [
            Offers::Kind,
            Offers::Currency,
            Offers::TotalMinor,
            Offers::RateMinor,
            Offers::WeeklyLimitHours,
            Offers::ManualTime,
        ],
    );
    table
        .col(key_col(Offers::Status, &OFFER_STATUSES))
        .col(ColumnDef::new(Offers::StatusReason).text().null())
        .col(timestamp(Offers::ExpiresAt))
        .col(timestamp(Offers::CreatedAt))
        .col(timestamp(Offers::UpdatedAt))
        .col(ColumnDef::new(Offers::ContractId).uuid().null())
        .foreign_key(&mut fk(
            "fk_offers_proposal",
            (Offers::Table, Offers::ProposalId),
            (Proposals::Table, Proposals::Id),
        ))
        .foreign_key(&mut fk(
            "fk_offers_posting",
            (Offers::Table, Offers::PostingId),
            (Postings::Table, Postings::Id),
        ))
        .foreign_key(&mut to_user(
            "fk_offers_client",
            Offers::Table,
            Offers::ClientId,
        ))
        .foreign_key(&mut to_user(
            "fk_offers_freelancer",
            Offers::Table,
            Offers::FreelancerId,
        ))
        .foreign_key(&mut fk(
            "fk_offers_agency",
            (Offers::Table, Offers::AgencyId),
            (Agencies::Table, Agencies::Id),
        ));
    manager.create_table(table.to_owned()).await?;
    // One PENDING offer per proposal; the literal is part of the index's definition.
    manager
        .get_connection()
        .execute_unprepared(
            "CREATE UNIQUE INDEX ux_offers_proposal_pending ON offers (proposal_id) \
             WHERE status = 'PENDING'",
        )
        .await?;
    let o = |c: Offers| c.into_iden();
    index(
        manager,
        "ix_offers_proposal",
        Offers::Table,
        vec![o(Offers::ProposalId), o(Offers::Id)],
    )
    .await?;
    index(
        manager,
        "ix_offers_expiry",
        Offers::Table,
        vec![o(Offers::Status), o(Offers::ExpiresAt)],
    )
    .await?;

    manager
        .create_table(
            Table::create()
                .table(OfferMilestones::Table)
                .col(ColumnDef::new(OfferMilestones::OfferId).uuid().not_null())
                .col(
                    ColumnDef::new(OfferMilestones::Position)
                        .integer()
                        .not_null(),
                )
                .col(ColumnDef::new(OfferMilestones::Title).text().not_null())
                .col(ColumnDef::new(OfferMilestones::Description).text().null())
                .col(
                    ColumnDef::new(OfferMilestones::AmountMinor)
                        .big_integer()
                        .not_null()
                        .check(Expr::col(OfferMilestones::AmountMinor).gt(0)),
                )
                .col(ColumnDef::new(OfferMilestones::DueOn).date().null())
                .primary_key(
                    Index::create()
                        .col(OfferMilestones::OfferId)
                        .col(OfferMilestones::Position),
                )
                .foreign_key(
                    &mut fk(
                        "fk_offer_milestones_offer",
                        (OfferMilestones::Table, OfferMilestones::OfferId),
                        (Offers::Table, Offers::Id),
                    )
                    .on_delete(ForeignKeyAction::Cascade)
                    .to_owned(),
                )
                .to_owned(),
        )
        .await
}

async fn create_contracts(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let mut table = Table::create();
    table
        .table(Contracts::Table)
        .col(
            ColumnDef::new(Contracts::Id)
                .uuid()
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new(Contracts::OfferId).uuid().not_null())
        .col(ColumnDef::new(Contracts::ProposalId).uuid().not_null())
        .col(ColumnDef::new(Contracts::PostingId).uuid().not_null())
        .col(ColumnDef::new(Contracts::ClientId).uuid().not_null())
        .col(ColumnDef::new(Contracts::FreelancerId).uuid().not_null())
        .col(ColumnDef::new(Contracts::AgencyId).uuid().null())
        .col(ColumnDef::new(Contracts::Title).text().not_null());
    terms_cols(
        &mut table,
        [
            Contracts::Kind,
            Contracts::Currency,
            Contracts::TotalMinor,
            Contracts::RateMinor,
            Contracts::WeeklyLimitHours,
            Contracts::ManualTime,
        ],
    );
    table
        .col(
            ColumnDef::new(Contracts::NextWeeklyLimitHours)
                .small_integer()
                .null(),
        )
        .col(ColumnDef::new(Contracts::NextWeeklyLimitFrom).date().null())
        .check(
            Expr::col(Contracts::NextWeeklyLimitHours)
                .is_null()
                .and(Expr::col(Contracts::NextWeeklyLimitFrom).is_null())
                .or(Expr::col(Contracts::NextWeeklyLimitHours)
                    .is_not_null()
                    .and(Expr::col(Contracts::NextWeeklyLimitFrom).is_not_null())),
        )
        .col(key_col(Contracts::Status, &CONTRACT_STATUSES))
        .col(ColumnDef::new(Contracts::EndReason).text().null())
        .col(ColumnDef::new(Contracts::EndedBy).uuid().null())
        .col(
            ColumnDef::new(Contracts::Version)
                .big_integer()
                .not_null()
                .default(1),
        )
        .col(timestamp(Contracts::StartedAt))
        .col(timestamp(Contracts::UpdatedAt))
        .col(optional_timestamp(Contracts::EndedAt))
        .foreign_key(&mut fk(
            "fk_contracts_offer",
            (Contracts::Table, Contracts::OfferId),
            (Offers::Table, Offers::Id),
        ))
        .foreign_key(&mut fk(
            "fk_contracts_proposal",
            (Contracts::Table, Contracts::ProposalId),
            (Proposals::Table, Proposals::Id),
        ))
        .foreign_key(&mut fk(
            "fk_contracts_posting",
            (Contracts::Table, Contracts::PostingId),
            (Postings::Table, Postings::Id),
        ))
        .foreign_key(&mut to_user(
            "fk_contracts_client",
            Contracts::Table,
            Contracts::ClientId,
        ))
        .foreign_key(&mut to_user(
            "fk_contracts_freelancer",
            Contracts::Table,
            Contracts::FreelancerId,
        ))
        .foreign_key(&mut fk(
            "fk_contracts_agency",
            (Contracts::Table, Contracts::AgencyId),
            (Agencies::Table, Agencies::Id),
        ))
        .foreign_key(&mut to_user(
            "fk_contracts_ended_by",
            Contracts::Table,
            Contracts::EndedBy,
        ));
    manager.create_table(table.to_owned()).await?;
    manager
        .create_index(
            Index::create()
                .name("ux_contracts_offer")
                .table(Contracts::Table)
                .col(Contracts::OfferId)
                .unique()
                .to_owned(),
        )
        .await?;
    let c = |c: Contracts| c.into_iden();
    for (name, col) in [
        ("ix_contracts_client", Contracts::ClientId),
        ("ix_contracts_freelancer", Contracts::FreelancerId),
        ("ix_contracts_agency", Contracts::AgencyId),
    ] {
        index(
            manager,
            name,
            Contracts::Table,
            vec![c(col), c(Contracts::Id)],
        )
        .await?;
    }
    index(
        manager,
        "ix_contracts_posting",
        Contracts::Table,
        vec![c(Contracts::PostingId)],
    )
    .await?;

    manager
        .create_table(
            Table::create()
                .table(ContractMilestones::Table)
                .col(
                    ColumnDef::new(ContractMilestones::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(ContractMilestones::ContractId)
                        .uuid()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ContractMilestones::Position)
                        .integer()
                        .not_null()
                        .check(Expr::col(ContractMilestones::Position).gte(1)),
                )
                .col(ColumnDef::new(ContractMilestones::Title).text().not_null())
                .col(
                    ColumnDef::new(ContractMilestones::Description)
                        .text()
                        .null(),
                )
                .col(
                    ColumnDef::new(ContractMilestones::AmountMinor)
                        .big_integer()
                        .not_null()
                        .check(Expr::col(ContractMilestones::AmountMinor).gt(0)),
                )
                .col(currency(ContractMilestones::Currency))
                .col(ColumnDef::new(ContractMilestones::DueOn).date().null())
                .col(key_col(ContractMilestones::Status, &MILESTONE_STATUSES))
                .col(
                    ColumnDef::new(ContractMilestones::SubmissionNote)
                        .text()
                        .null(),
                )
                .col(
                    ColumnDef::new(ContractMilestones::ChangesRequested)
                        .text()
                        .null(),
                )
                .col(
                    ColumnDef::new(ContractMilestones::RefundReason)
                        .text()
                        .null(),
                )
                .col(optional_timestamp(ContractMilestones::FundedAt))
                .col(optional_timestamp(ContractMilestones::SubmittedAt))
                .col(optional_timestamp(ContractMilestones::ReleasedAt))
                .col(
                    ColumnDef::new(ContractMilestones::Version)
                        .big_integer()
                        .not_null()
                        .default(1),
                )
                .col(timestamp(ContractMilestones::CreatedAt))
                .col(timestamp(ContractMilestones::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_contract_milestones_contract",
                    (ContractMilestones::Table, ContractMilestones::ContractId),
                    (Contracts::Table, Contracts::Id),
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ux_contract_milestones_position")
                .table(ContractMilestones::Table)
                .col(ContractMilestones::ContractId)
                .col(ContractMilestones::Position)
                .unique()
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_contract_milestones_submitted",
        ContractMilestones::Table,
        vec![
            ContractMilestones::Status.into_iden(),
            ContractMilestones::SubmittedAt.into_iden(),
        ],
    )
    .await?;

    manager
        .create_table(
            Table::create()
                .table(ContractChanges::Table)
                .col(
                    ColumnDef::new(ContractChanges::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(ContractChanges::ContractId)
                        .uuid()
                        .not_null(),
                )
                .col(timestamp(ContractChanges::At))
                .col(ColumnDef::new(ContractChanges::ActorId).uuid().null())
                .col(key_col(
                    ContractChanges::Kind,
                    &[
                        "STARTED",
                        "PAUSED",
                        "RESUMED",
                        "ENDED",
                        "TERMS_CHANGED",
                        "MILESTONE_ADDED",
                    ],
                ))
                .col(key_col(ContractChanges::Status, &CONTRACT_STATUSES))
                .col(ColumnDef::new(ContractChanges::Detail).text().null())
                .foreign_key(&mut fk(
                    "fk_contract_changes_contract",
                    (ContractChanges::Table, ContractChanges::ContractId),
                    (Contracts::Table, Contracts::Id),
                ))
                .foreign_key(&mut to_user(
                    "fk_contract_changes_actor",
                    ContractChanges::Table,
                    ContractChanges::ActorId,
                ))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_contract_changes_contract",
        ContractChanges::Table,
        vec![
            ContractChanges::ContractId.into_iden(),
            ContractChanges::Id.into_iden(),
        ],
    )
    .await
}

async fn create_ledger(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(LedgerAccounts::Table)
                .col(
                    ColumnDef::new(LedgerAccounts::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(LedgerAccounts::Key).text().not_null())
                .col(key_col(
                    LedgerAccounts::Kind,
                    &["CLIENT_FUNDING", "ESCROW", "EARNINGS", "PLATFORM_FEE"],
                ))
                .col(ColumnDef::new(LedgerAccounts::OwnerId).uuid().null())
                .col(currency(LedgerAccounts::Currency))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ux_ledger_accounts_key")
                .table(LedgerAccounts::Table)
                .col(LedgerAccounts::Key)
                .unique()
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_ledger_accounts_owner",
        LedgerAccounts::Table,
        vec![LedgerAccounts::OwnerId.into_iden()],
    )
    .await?;

    manager
        .create_table(
            Table::create()
                .table(LedgerTransactions::Table)
                .col(
                    ColumnDef::new(LedgerTransactions::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(key_col(
                    LedgerTransactions::Kind,
                    &[
                        "FUND",
                        "RELEASE",
                        "AUTO_RELEASE",
                        "REFUND",
                        "BONUS",
                        "HOURS",
                    ],
                ))
                .col(
                    ColumnDef::new(LedgerTransactions::ContractId)
                        .uuid()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(LedgerTransactions::MilestoneId)
                        .uuid()
                        .null(),
                )
                .col(ColumnDef::new(LedgerTransactions::ActorId).uuid().null())
                .col(
                    ColumnDef::new(LedgerTransactions::ProviderReference)
                        .text()
                        .null(),
                )
                .col(ColumnDef::new(LedgerTransactions::Memo).text().null())
                .col(currency(LedgerTransactions::Currency))
                .col(timestamp(LedgerTransactions::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_ledger_transactions_contract",
                    (LedgerTransactions::Table, LedgerTransactions::ContractId),
                    (Contracts::Table, Contracts::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_ledger_transactions_milestone",
                    (LedgerTransactions::Table, LedgerTransactions::MilestoneId),
                    (ContractMilestones::Table, ContractMilestones::Id),
                ))
                .foreign_key(&mut to_user(
                    "fk_ledger_transactions_actor",
                    LedgerTransactions::Table,
                    LedgerTransactions::ActorId,
                ))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_ledger_transactions_contract",
        LedgerTransactions::Table,
        vec![
            LedgerTransactions::ContractId.into_iden(),
            LedgerTransactions::Id.into_iden(),
        ],
    )
    .await?;

    let seq = || Expr::col(LedgerEntries::EscrowSeq);
    let after = || Expr::col(LedgerEntries::EscrowBalanceAfter);
    manager
        .create_table(
            Table::create()
                .table(LedgerEntries::Table)
                .col(
                    ColumnDef::new(LedgerEntries::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(LedgerEntries::TransactionId)
                        .uuid()
                        .not_null(),
                )
                .col(ColumnDef::new(LedgerEntries::AccountId).uuid().not_null())
                .col(
                    ColumnDef::new(LedgerEntries::AmountMinor)
                        .big_integer()
                        .not_null()
                        .check(Expr::col(LedgerEntries::AmountMinor).ne(0)),
                )
                .col(
                    ColumnDef::new(LedgerEntries::EscrowSeq)
                        .big_integer()
                        .null()
                        .check(seq().is_null().or(seq().gte(1))),
                )
                .col(
                    ColumnDef::new(LedgerEntries::EscrowBalanceAfter)
                        .big_integer()
                        .null()
                        // Escrow never goes negative: the database's own guarantee.
                        .check(after().is_null().or(after().gte(0))),
                )
                .check(
                    seq()
                        .is_null()
                        .and(after().is_null())
                        .or(seq().is_not_null().and(after().is_not_null())),
                )
                .col(
                    ColumnDef::new(LedgerEntries::Position)
                        .small_integer()
                        .not_null(),
                )
                .foreign_key(&mut fk(
                    "fk_ledger_entries_transaction",
                    (LedgerEntries::Table, LedgerEntries::TransactionId),
                    (LedgerTransactions::Table, LedgerTransactions::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_ledger_entries_account",
                    (LedgerEntries::Table, LedgerEntries::AccountId),
                    (LedgerAccounts::Table, LedgerAccounts::Id),
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ux_ledger_entries_escrow_seq")
                .table(LedgerEntries::Table)
                .col(LedgerEntries::AccountId)
                .col(LedgerEntries::EscrowSeq)
                .unique()
                .to_owned(),
        )
        .await?;
    let e = |c: LedgerEntries| c.into_iden();
    index(
        manager,
        "ix_ledger_entries_account",
        LedgerEntries::Table,
        vec![e(LedgerEntries::AccountId), e(LedgerEntries::TransactionId)],
    )
    .await?;
    index(
        manager,
        "ix_ledger_entries_transaction",
        LedgerEntries::Table,
        vec![e(LedgerEntries::TransactionId), e(LedgerEntries::Position)],
    )
    .await?;

    manager
        .create_table(
            Table::create()
                .table(IdempotencyKeys::Table)
                .col(ColumnDef::new(IdempotencyKeys::UserId).uuid().not_null())
                .col(
                    ColumnDef::new(IdempotencyKeys::Key)
                        .string_len(100)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(IdempotencyKeys::Fingerprint)
                        .text()
                        .not_null(),
                )
                .col(ColumnDef::new(IdempotencyKeys::TargetId).uuid().not_null())
                .col(
                    ColumnDef::new(IdempotencyKeys::TransactionId)
                        .uuid()
                        .not_null(),
                )
                .col(timestamp(IdempotencyKeys::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(IdempotencyKeys::UserId)
                        .col(IdempotencyKeys::Key),
                )
                .foreign_key(&mut to_user(
                    "fk_idempotency_keys_user",
                    IdempotencyKeys::Table,
                    IdempotencyKeys::UserId,
                ))
                .foreign_key(&mut fk(
                    "fk_idempotency_keys_transaction",
                    (IdempotencyKeys::Table, IdempotencyKeys::TransactionId),
                    (LedgerTransactions::Table, LedgerTransactions::Id),
                ))
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_offers(manager).await?;
        create_contracts(manager).await?;
        create_ledger(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Their indexes go with them; each table before those it references.
        for table in [
            "idempotency_keys",
            "ledger_entries",
            "ledger_transactions",
            "ledger_accounts",
            "contract_changes",
            "contract_milestones",
            "contracts",
            "offer_milestones",
            "offers",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
