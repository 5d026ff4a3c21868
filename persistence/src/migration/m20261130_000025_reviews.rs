//! Reviews after a contract ends. A new table only, so `down` drops it on both back
//! ends.
//!
//! - `reviews`: one side's review of the other (`side` CLIENT: the client about the
//!   freelancer; FREELANCER: the freelancer about the client), keyed by a time-ordered
//!   ID. `ux_reviews_contract_side` (unique `(contract_id, side)`) is the last word on
//!   one review per side of a contract, and finds a contract's reviews. The rating and
//!   the sub-scores are 1 to 5 (CHECKs); one nullable column per criterion, and a CHECK
//!   that a CLIENT review has exactly the client's six (skills, quality, availability,
//!   deadlines, communication, cooperation) and a FREELANCER review exactly the
//!   freelancer's three (clarity, communication, payment promptness). `public_from` is
//!   when the review window closes (public from then at the latest); `published_at`
//!   when it became public (both sides reviewed, or the publication job recorded the
//!   window's close). The reviewee's one reply comes with its time (a CHECK keeps them
//!   together). The moderation columns (`hidden_reason`, `hidden_by`, `hidden_at`) are
//!   written by moderation; a review is hidden when `hidden_at` is set.
//!   `ix_reviews_reviewee` lists the reviews about a user newest first (IDs are
//!   time-ordered); the partial index `ix_reviews_publish_due` (both back ends support
//!   `WHERE` on an index, as `ux_offers_proposal_pending` in 000023) serves the
//!   publication job: the unpublished ones by `public_from`.
//!
//! Timestamps are `timestamptz` as in 000023. Contracts are never deleted, so a review
//! does not go with its contract: its foreign key refuses, as the milestones' do.

use sea_orm_migration::prelude::*;

use super::m20261130_000019_proposals::index;
use super::m20261130_000023_contracts::{fk, optional_timestamp, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy, PartialEq)]
enum Reviews {
    Table,
    Id,
    ContractId,
    Side,
    AuthorId,
    RevieweeId,
    AgencyId,
    Rating,
    Skills,
    Quality,
    Availability,
    Deadlines,
    Communication,
    Cooperation,
    Clarity,
    PaymentPromptness,
    Comment,
    WouldRecommend,
    CreatedAt,
    PublicFrom,
    PublishedAt,
    Reply,
    RepliedAt,
    HiddenReason,
    HiddenBy,
    HiddenAt,
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
enum Agencies {
    Table,
    Id,
}

/// Every criterion's column.
const CRITERIA: [Reviews; 8] = [
    Reviews::Skills,
    Reviews::Quality,
    Reviews::Availability,
    Reviews::Deadlines,
    Reviews::Communication,
    Reviews::Cooperation,
    Reviews::Clarity,
    Reviews::PaymentPromptness,
];

/// What the client rates the freelancer on.
const CLIENT_CRITERIA: [Reviews; 6] = [
    Reviews::Skills,
    Reviews::Quality,
    Reviews::Availability,
    Reviews::Deadlines,
    Reviews::Communication,
    Reviews::Cooperation,
];

/// What the freelancer rates the client on.
const FREELANCER_CRITERIA: [Reviews; 3] = [
    Reviews::Clarity,
    Reviews::Communication,
    Reviews::PaymentPromptness,
];

/// A 1-to-5 score column, `NULL` allowed or not.
fn score(col: Reviews, required: bool) -> ColumnDef {
    let mut def = ColumnDef::new(col);
    def.small_integer();
    if required {
        def.not_null().check(Expr::col(col).between(1, 5));
    } else {
        def.null()
            .check(Expr::col(col).is_null().or(Expr::col(col).between(1, 5)));
    }
    def.to_owned()
}

/// `side` with exactly `criteria` set (the other criteria `NULL`).
fn side_has(side: &str, criteria: &[Reviews]) -> SimpleExpr {
    CRITERIA
        .iter()
        .fold(Expr::col(Reviews::Side).eq(side), |all, c| {
            all.and(if criteria.contains(c) {
                Expr::col(*c).is_not_null()
            } else {
                Expr::col(*c).is_null()
            })
        })
}

async fn create_reviews(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let mut table = Table::create();
    table
        .table(Reviews::Table)
        .col(ColumnDef::new(Reviews::Id).uuid().not_null().primary_key())
        .col(ColumnDef::new(Reviews::ContractId).uuid().not_null())
        .col(
            ColumnDef::new(Reviews::Side)
                .string_len(16)
                .not_null()
                .check(Expr::col(Reviews::Side).is_in(["CLIENT", "FREELANCER"])),
        )
        .col(ColumnDef::new(Reviews::AuthorId).uuid().not_null())
        .col(ColumnDef::new(Reviews::RevieweeId).uuid().not_null())
        .col(ColumnDef::new(Reviews::AgencyId).uuid().null())
        .col(score(Reviews::Rating, true));
    for c in CRITERIA {
        table.col(score(c, false));
    }
    table
        .check(
            side_has("CLIENT", &CLIENT_CRITERIA).or(side_has("FREELANCER", &FREELANCER_CRITERIA)),
        )
        .col(ColumnDef::new(Reviews::Comment).text().null())
        .col(ColumnDef::new(Reviews::WouldRecommend).boolean().not_null())
        .col(timestamp(Reviews::CreatedAt))
        .col(timestamp(Reviews::PublicFrom))
        .col(optional_timestamp(Reviews::PublishedAt))
        .col(ColumnDef::new(Reviews::Reply).text().null())
        .col(optional_timestamp(Reviews::RepliedAt))
        .check(
            Expr::col(Reviews::Reply)
                .is_null()
                .and(Expr::col(Reviews::RepliedAt).is_null())
                .or(Expr::col(Reviews::Reply)
                    .is_not_null()
                    .and(Expr::col(Reviews::RepliedAt).is_not_null())),
        )
        .col(ColumnDef::new(Reviews::HiddenReason).text().null())
        .col(ColumnDef::new(Reviews::HiddenBy).uuid().null())
        .col(optional_timestamp(Reviews::HiddenAt))
        // A moderation is whole: reason, moderator and time, or none of them.
        .check(
            Expr::col(Reviews::HiddenAt)
                .is_null()
                .and(Expr::col(Reviews::HiddenReason).is_null())
                .and(Expr::col(Reviews::HiddenBy).is_null())
                .or(Expr::col(Reviews::HiddenAt)
                    .is_not_null()
                    .and(Expr::col(Reviews::HiddenReason).is_not_null())
                    .and(Expr::col(Reviews::HiddenBy).is_not_null())),
        )
        // Nobody reviews themself; only the client's review names an agency.
        .check(Expr::col(Reviews::AuthorId).ne(Expr::col(Reviews::RevieweeId)))
        .check(
            Expr::col(Reviews::Side)
                .eq("CLIENT")
                .or(Expr::col(Reviews::AgencyId).is_null()),
        )
        .foreign_key(&mut fk(
            "fk_reviews_contract",
            (Reviews::Table, Reviews::ContractId),
            (Contracts::Table, Contracts::Id),
        ))
        .foreign_key(&mut fk(
            "fk_reviews_author",
            (Reviews::Table, Reviews::AuthorId),
            (Users::Table, Users::Id),
        ))
        .foreign_key(&mut fk(
            "fk_reviews_reviewee",
            (Reviews::Table, Reviews::RevieweeId),
            (Users::Table, Users::Id),
        ))
        .foreign_key(&mut fk(
            "fk_reviews_agency",
            (Reviews::Table, Reviews::AgencyId),
            (Agencies::Table, Agencies::Id),
        ))
        .foreign_key(&mut fk(
            "fk_reviews_hidden_by",
            (Reviews::Table, Reviews::HiddenBy),
            (Users::Table, Users::Id),
        ));
    manager.create_table(table.to_owned()).await?;
    manager
        .create_index(
            Index::create()
                .name("ux_reviews_contract_side")
                .table(Reviews::Table)
                .col(Reviews::ContractId)
                .col(Reviews::Side)
                .unique()
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_reviews_reviewee",
        Reviews::Table,
        vec![Reviews::RevieweeId.into_iden(), Reviews::Id.into_iden()],
    )
    .await?;
    // The unpublished reviews by when their window closes (published ones leave it).
    manager
        .get_connection()
        .execute_unprepared(
            "CREATE INDEX ix_reviews_publish_due ON reviews (public_from, id) \
             WHERE published_at IS NULL",
        )
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_reviews(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Its indexes go with it.
        manager
            .drop_table(Table::drop().table(Alias::new("reviews")).to_owned())
            .await?;
        Ok(())
    }
}
