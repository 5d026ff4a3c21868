//! Reputation and review moderation. New tables, one index and one column, so `down`
//! drops them on both back ends.
//!
//! - `reputations`: a subject's stored reputation, keyed `(subject_id, role)` (`role`
//!   FREELANCER or CLIENT for a user, AGENCY for an agency; no foreign key, the subject
//!   is either). The counts are never negative and the good outcomes never more than
//!   the counted contracts (CHECKs); `computed_at` is when it was last recomputed. Its
//!   row is also what two recomputations of one subject take turns on.
//! - `reputation_totals`: what was paid to the freelancer on the subject's contracts
//!   (work and bonuses: earned, or spent with the fee), one row per currency (3 letters, as the ledger's), going with its reputation row.
//! - `reputation_marks`: the subjects to recompute, written (insert only) in the
//!   transaction that changed something a reputation is computed from, deleted by the
//!   recomputation that read them. An auto-increment key (`BIGSERIAL` on PostgreSQL, an
//!   `INTEGER PRIMARY KEY` on SQLite) orders them oldest first.
//!   `ix_reputation_marks_subject` on `(subject_id, role, id)` finds a subject's marks
//!   (what a recomputation reads and deletes) and groups them by subject with each
//!   one's oldest ID (the job's list of marked subjects) without reading the rows.
//! - `review_reports`: a user's report of a review, one per user and review
//!   (`ux_review_reports_reporter`, the last word on a concurrent duplicate; it also
//!   finds a review's reports). The reason is one of the domain's keys (CHECK); a
//!   resolution (HIDE or DISMISS) comes with its admin and time or not at all (CHECK).
//!   The partial index `ix_review_reports_open` (both back ends support `WHERE` on an
//!   index, as `ux_offers_proposal_pending` in 000023) serves the admins' queue: the
//!   open reports newest first by their time-ordered IDs.
//! - `review_moderations`: the audit trail of admins' actions on reviews (HIDE, RESTORE,
//!   DISMISS) with the reason, the admin and the time, numbered per review in the order
//!   they were carried out (`seq`, from 1; the time is taken before the transaction, so
//!   two admins' racing actions may carry times in the other order).
//!   `ux_review_moderations_seq` on `(review_id, seq)` reads a review's in order and
//!   refuses two events with one number.
//! - `ix_reviews_reviewee_side` on `reviews (reviewee_id, side, id)`: the public reviews
//!   about a user in one role (as a freelancer: the clients' reviews), newest first.
//! - `freelancer_profiles.job_success`: the freelancer's job success in whole percent
//!   (0 to 100, a CHECK both back ends accept on an added column), NULL until a contract
//!   counts; written by reputation recomputation only, as `rating_avg` and
//!   `review_count` (000009) are.
//!
//! Timestamps are `timestamptz` as in 000023. Reviews and users are never deleted, so
//! reports and moderations do not go with them: their foreign keys refuse.

use sea_orm_migration::prelude::*;

use super::m20261130_000019_proposals::index;
use super::m20261130_000023_contracts::{fk, optional_timestamp, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Reputations {
    Table,
    SubjectId,
    Role,
    RatingSum,
    ReviewCount,
    CompletedContracts,
    CountedContracts,
    GoodOutcomes,
    ComputedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ReputationTotals {
    Table,
    SubjectId,
    Role,
    Currency,
    AmountMinor,
}

#[derive(DeriveIden, Clone, Copy)]
enum ReputationMarks {
    Table,
    Id,
    SubjectId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ReviewReports {
    Table,
    Id,
    ReviewId,
    ReporterId,
    Reason,
    Details,
    CreatedAt,
    Resolution,
    ResolvedBy,
    ResolvedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ReviewModerations {
    Table,
    Id,
    ReviewId,
    Action,
    Reason,
    ModeratorId,
    At,
    Seq,
}

#[derive(DeriveIden, Clone, Copy)]
enum Reviews {
    Table,
    Id,
    RevieweeId,
    Side,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}

/// Whose reputation a row is.
const ROLES: [&str; 3] = ["FREELANCER", "CLIENT", "AGENCY"];
/// Why a review was reported (`ReportReason::key`).
const REASONS: [&str; 6] = [
    "SPAM",
    "OFFENSIVE",
    "FALSE_STATEMENTS",
    "PRIVATE_INFORMATION",
    "EXTORTION",
    "OTHER",
];
/// How a report is resolved.
const RESOLUTIONS: [&str; 2] = ["HIDE", "DISMISS"];
/// What an admin did to a review (`ModerationAction::key`).
const ACTIONS: [&str; 3] = ["HIDE", "RESTORE", "DISMISS"];

/// A text column holding one of `keys`.
fn key_col<T: IntoIden + Copy + 'static>(col: T, keys: &[&'static str]) -> ColumnDef {
    ColumnDef::new(col)
        .string_len(24)
        .not_null()
        .check(Expr::col(col).is_in(keys.iter().copied()))
        .to_owned()
}

/// A count: an integer, never negative.
fn count<T: IntoIden + Copy + 'static>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .integer()
        .not_null()
        .check(Expr::col(col).gte(0))
        .to_owned()
}

async fn create_reputations(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Reputations::Table)
                .col(ColumnDef::new(Reputations::SubjectId).uuid().not_null())
                .col(key_col(Reputations::Role, &ROLES))
                .col(count(Reputations::RatingSum))
                .col(count(Reputations::ReviewCount))
                .col(count(Reputations::CompletedContracts))
                .col(count(Reputations::CountedContracts))
                .col(count(Reputations::GoodOutcomes))
                .col(timestamp(Reputations::ComputedAt))
                .check(
                    Expr::col(Reputations::GoodOutcomes)
                        .lte(Expr::col(Reputations::CountedContracts)),
                )
                .primary_key(
                    Index::create()
                        .col(Reputations::SubjectId)
                        .col(Reputations::Role),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(ReputationTotals::Table)
                .col(
                    ColumnDef::new(ReputationTotals::SubjectId)
                        .uuid()
                        .not_null(),
                )
                .col(key_col(ReputationTotals::Role, &ROLES))
                .col(
                    ColumnDef::new(ReputationTotals::Currency)
                        .string_len(3)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ReputationTotals::AmountMinor)
                        .big_integer()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(ReputationTotals::SubjectId)
                        .col(ReputationTotals::Role)
                        .col(ReputationTotals::Currency),
                )
                // A subject's totals go with its reputation.
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_reputation_totals_reputation")
                        .from_tbl(ReputationTotals::Table)
                        .from_col(ReputationTotals::SubjectId)
                        .from_col(ReputationTotals::Role)
                        .to_tbl(Reputations::Table)
                        .to_col(Reputations::SubjectId)
                        .to_col(Reputations::Role)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(ReputationMarks::Table)
                .col(
                    ColumnDef::new(ReputationMarks::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(ReputationMarks::SubjectId).uuid().not_null())
                .col(key_col(ReputationMarks::Role, &ROLES))
                .col(timestamp(ReputationMarks::CreatedAt))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "ix_reputation_marks_subject",
        ReputationMarks::Table,
        vec![
            ReputationMarks::SubjectId.into_iden(),
            ReputationMarks::Role.into_iden(),
            ReputationMarks::Id.into_iden(),
        ],
    )
    .await
}

async fn create_reports(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let resolution = || Expr::col(ReviewReports::Resolution);
    let by = || Expr::col(ReviewReports::ResolvedBy);
    let at = || Expr::col(ReviewReports::ResolvedAt);
    manager
        .create_table(
            Table::create()
                .table(ReviewReports::Table)
                .col(
                    ColumnDef::new(ReviewReports::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(ReviewReports::ReviewId).uuid().not_null())
                .col(ColumnDef::new(ReviewReports::ReporterId).uuid().not_null())
                .col(key_col(ReviewReports::Reason, &REASONS))
                .col(ColumnDef::new(ReviewReports::Details).text().null())
                .col(timestamp(ReviewReports::CreatedAt))
                .col(
                    ColumnDef::new(ReviewReports::Resolution)
                        .string_len(16)
                        .null()
                        .check(resolution().is_null().or(resolution().is_in(RESOLUTIONS))),
                )
                .col(ColumnDef::new(ReviewReports::ResolvedBy).uuid().null())
                .col(optional_timestamp(ReviewReports::ResolvedAt))
                // A resolution is whole: what, who and when, or none of them.
                .check(
                    resolution()
                        .is_null()
                        .and(by().is_null())
                        .and(at().is_null())
                        .or(resolution()
                            .is_not_null()
                            .and(by().is_not_null())
                            .and(at().is_not_null())),
                )
                .foreign_key(&mut fk(
                    "fk_review_reports_review",
                    (ReviewReports::Table, ReviewReports::ReviewId),
                    (Reviews::Table, Reviews::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_review_reports_reporter",
                    (ReviewReports::Table, ReviewReports::ReporterId),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_review_reports_resolved_by",
                    (ReviewReports::Table, ReviewReports::ResolvedBy),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ux_review_reports_reporter")
                .table(ReviewReports::Table)
                .col(ReviewReports::ReviewId)
                .col(ReviewReports::ReporterId)
                .unique()
                .to_owned(),
        )
        .await?;
    // The admins' queue: open reports, newest first.
    manager
        .get_connection()
        .execute_unprepared(
            "CREATE INDEX ix_review_reports_open ON review_reports (id) \
             WHERE resolved_at IS NULL",
        )
        .await?;

    manager
        .create_table(
            Table::create()
                .table(ReviewModerations::Table)
                .col(
                    ColumnDef::new(ReviewModerations::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(ReviewModerations::ReviewId)
                        .uuid()
                        .not_null(),
                )
                .col(key_col(ReviewModerations::Action, &ACTIONS))
                .col(ColumnDef::new(ReviewModerations::Reason).text().not_null())
                .col(
                    ColumnDef::new(ReviewModerations::ModeratorId)
                        .uuid()
                        .not_null(),
                )
                .col(timestamp(ReviewModerations::At))
                .col(
                    ColumnDef::new(ReviewModerations::Seq)
                        .integer()
                        .not_null()
                        .check(Expr::col(ReviewModerations::Seq).gte(1)),
                )
                .foreign_key(&mut fk(
                    "fk_review_moderations_review",
                    (ReviewModerations::Table, ReviewModerations::ReviewId),
                    (Reviews::Table, Reviews::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_review_moderations_moderator",
                    (ReviewModerations::Table, ReviewModerations::ModeratorId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ux_review_moderations_seq")
                .table(ReviewModerations::Table)
                .col(ReviewModerations::ReviewId)
                .col(ReviewModerations::Seq)
                .unique()
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_reputations(manager).await?;
        create_reports(manager).await?;
        index(
            manager,
            "ix_reviews_reviewee_side",
            Reviews::Table,
            vec![
                Reviews::RevieweeId.into_iden(),
                Reviews::Side.into_iden(),
                Reviews::Id.into_iden(),
            ],
        )
        .await?;
        // Raw SQL, as 000013 added the client's rating columns: a column CHECK on an
        // added column reads the same on both back ends.
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE freelancer_profiles ADD COLUMN job_success SMALLINT NULL \
                 CHECK (job_success BETWEEN 0 AND 100)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE freelancer_profiles DROP COLUMN job_success")
            .await?;
        db.execute_unprepared("DROP INDEX ix_reviews_reviewee_side")
            .await?;
        // Their indexes go with them; each table before those it references.
        for table in [
            "review_moderations",
            "review_reports",
            "reputation_marks",
            "reputation_totals",
            "reputations",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
