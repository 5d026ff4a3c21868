//! Postings and notifications.
//!
//! - `postings`: one row per posting, every scalar field a column. The budget is four
//!   columns (kind, currency, min, max; a FIXED budget has min = max = the amount, so
//!   range filters treat every kind alike). `time_zones` is a JSON array of IANA names in
//!   the client's order (`[]` for none); `tz_offset_min` / `tz_offset_max` are the
//!   smallest and largest standard UTC offsets of those zones in minutes, computed like a
//!   profile's `utc_offset_minutes` (NULL without zones), so "overlaps my offset" filters
//!   are plain range tests. `skills_text` holds the names and aliases of its skills for
//!   full-text search later; `proposal_count` and `invite_count` belong to later features.
//!   `expiry_warned_for` is the `last_activity_at` the last expiry warning was for.
//! - `posting_skills`, `posting_questions`, `posting_countries`: the lists, each with a
//!   `position` so they read back in the client's order.
//! - `posting_revisions`: the history; `before` is the whole posting as it was (JSON),
//!   one row per replaced version.
//! - `notifications`: what a user should hear about, each at most once by `dedupe_key`.
//!
//! Indexes: a client's postings by creation; the expiry job's scan of OPEN postings by
//! last activity (partial, the same SQL on PostgreSQL and SQLite); skills and countries
//! to postings (search later); a user's notifications newest first, and their unread ones.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum Postings {
    Table,
    Id,
    ClientId,
    Title,
    Description,
    CategoryId,
    HireType,
    BudgetKind,
    BudgetCurrency,
    BudgetMinMinor,
    BudgetMaxMinor,
    Experience,
    Duration,
    HoursPerWeek,
    Workplace,
    TimeZones,
    TzOffsetMin,
    TzOffsetMax,
    Positions,
    Visibility,
    Deadline,
    Status,
    CloseReason,
    Version,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
    LastActivityAt,
    ExpiryWarnedFor,
    SkillsText,
    ProposalCount,
    InviteCount,
}

#[derive(DeriveIden)]
enum PostingSkills {
    Table,
    PostingId,
    SkillId,
    MinLevel,
    Position,
}

#[derive(DeriveIden, Clone)]
enum PostingQuestions {
    Table,
    Id,
    PostingId,
    Kind,
    Prompt,
    Position,
}

#[derive(DeriveIden)]
enum PostingCountries {
    Table,
    PostingId,
    Country,
    Position,
}

#[derive(DeriveIden, Clone)]
enum PostingRevisions {
    Table,
    Id,
    PostingId,
    Version,
    At,
    ActorId,
    Event,
    Before,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    PostingId,
    SavedSearchId,
    ExpiresAt,
    DedupeKey,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Skills {
    Table,
    Id,
}

fn ts<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn ts_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

/// A text column holding one of `keys` (or NULL when `nullable`).
fn key_col<T: IntoIden + Clone + 'static>(
    col: T,
    keys: &[&'static str],
    nullable: bool,
) -> ColumnDef {
    let mut def = ColumnDef::new(col.clone());
    def.string_len(32)
        .check(Expr::col(col).is_in(keys.iter().copied()));
    if nullable {
        def.null();
    } else {
        def.not_null();
    }
    def
}

fn posting_fk<T: IntoIden, C: IntoIden>(table: T, col: C) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Postings::Table, Postings::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// The budget columns hold a whole budget or nothing: kind, currency and both amounts,
/// amounts positive and ordered, a FIXED amount stored as min = max.
fn budget_check() -> SimpleExpr {
    let none = Expr::col(Postings::BudgetKind)
        .is_null()
        .and(Expr::col(Postings::BudgetCurrency).is_null())
        .and(Expr::col(Postings::BudgetMinMinor).is_null())
        .and(Expr::col(Postings::BudgetMaxMinor).is_null());
    let whole = Expr::col(Postings::BudgetKind)
        .is_not_null()
        .and(Expr::col(Postings::BudgetCurrency).is_not_null())
        .and(Expr::col(Postings::BudgetMinMinor).gte(1))
        .and(Expr::col(Postings::BudgetMaxMinor).gte(Expr::col(Postings::BudgetMinMinor)))
        .and(
            Expr::col(Postings::BudgetKind)
                .ne("FIXED")
                .or(Expr::col(Postings::BudgetMaxMinor).eq(Expr::col(Postings::BudgetMinMinor))),
        );
    none.or(whole)
}

/// Only a CLOSED posting has a close reason, and a CLOSED one always has one.
fn close_reason_check() -> SimpleExpr {
    Expr::col(Postings::Status)
        .eq("CLOSED")
        .and(Expr::col(Postings::CloseReason).is_not_null())
        .or(Expr::col(Postings::Status)
            .ne("CLOSED")
            .and(Expr::col(Postings::CloseReason).is_null()))
}

async fn create_postings(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Postings::Table)
                .col(ColumnDef::new(Postings::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(Postings::ClientId).uuid().not_null())
                .col(ColumnDef::new(Postings::Title).string_len(120).not_null())
                .col(ColumnDef::new(Postings::Description).text().not_null())
                .col(ColumnDef::new(Postings::CategoryId).uuid().null())
                .col(key_col(
                    Postings::HireType,
                    &[
                        "FREELANCE_SHORT_TERM",
                        "FREELANCE_LONG_TERM",
                        "FULL_TIME",
                        "CONTRACT_TO_HIRE",
                    ],
                    true,
                ))
                .col(key_col(
                    Postings::BudgetKind,
                    &["FIXED", "HOURLY", "YEARLY_SALARY"],
                    true,
                ))
                .col(
                    ColumnDef::new(Postings::BudgetCurrency)
                        .string_len(3)
                        .null(),
                )
                .col(
                    ColumnDef::new(Postings::BudgetMinMinor)
                        .big_integer()
                        .null(),
                )
                .col(
                    ColumnDef::new(Postings::BudgetMaxMinor)
                        .big_integer()
                        .null(),
                )
                .check(budget_check())
                .col(key_col(
                    Postings::Experience,
                    &["ENTRY", "INTERMEDIATE", "EXPERT"],
                    true,
                ))
                .col(key_col(
                    Postings::Duration,
                    &[
                        "LESS_THAN_ONE_MONTH",
                        "ONE_TO_THREE_MONTHS",
                        "THREE_TO_SIX_MONTHS",
                        "MORE_THAN_SIX_MONTHS",
                    ],
                    true,
                ))
                .col(
                    ColumnDef::new(Postings::HoursPerWeek)
                        .integer()
                        .null()
                        .check(Expr::col(Postings::HoursPerWeek).between(1, 80)),
                )
                .col(key_col(
                    Postings::Workplace,
                    &["REMOTE", "ON_SITE", "HYBRID"],
                    false,
                ))
                .col(
                    ColumnDef::new(Postings::TimeZones)
                        .text()
                        .not_null()
                        .default("[]"),
                )
                .col(ColumnDef::new(Postings::TzOffsetMin).integer().null())
                .col(ColumnDef::new(Postings::TzOffsetMax).integer().null())
                .check(
                    Expr::col(Postings::TzOffsetMin)
                        .is_null()
                        .and(Expr::col(Postings::TzOffsetMax).is_null())
                        .or(Expr::col(Postings::TzOffsetMax).gte(Expr::col(Postings::TzOffsetMin))),
                )
                .col(
                    ColumnDef::new(Postings::Positions)
                        .integer()
                        .not_null()
                        .check(Expr::col(Postings::Positions).gte(1)),
                )
                .col(key_col(
                    Postings::Visibility,
                    &["PUBLIC", "INVITE_ONLY"],
                    false,
                ))
                .col(ts_null(Postings::Deadline))
                .col(key_col(
                    Postings::Status,
                    &["DRAFT", "OPEN", "PAUSED", "CLOSED"],
                    false,
                ))
                .col(key_col(
                    Postings::CloseReason,
                    &["FILLED", "CANCELLED", "EXPIRED"],
                    true,
                ))
                .check(close_reason_check())
                .col(
                    ColumnDef::new(Postings::Version)
                        .big_integer()
                        .not_null()
                        .default(1)
                        .check(Expr::col(Postings::Version).gte(1)),
                )
                .col(ts(Postings::CreatedAt))
                .col(ts(Postings::UpdatedAt))
                .col(ts_null(Postings::PublishedAt))
                .col(ts(Postings::LastActivityAt))
                .col(ts_null(Postings::ExpiryWarnedFor))
                .col(
                    ColumnDef::new(Postings::SkillsText)
                        .text()
                        .not_null()
                        .default(""),
                )
                .col(
                    ColumnDef::new(Postings::ProposalCount)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .col(
                    ColumnDef::new(Postings::InviteCount)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Postings::Table, Postings::ClientId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Postings::Table, Postings::CategoryId)
                        .to(Categories::Table, Categories::Id),
                )
                .to_owned(),
        )
        .await?;
    // A client's postings, newest or oldest first, with the id as the keyset tiebreaker.
    manager
        .create_index(
            Index::create()
                .name("ix_postings_client_created")
                .table(Postings::Table)
                .col(Postings::ClientId)
                .col(Postings::CreatedAt)
                .col(Postings::Id)
                .to_owned(),
        )
        .await?;
    // The expiry job: OPEN postings by last activity, in the order it reads them. Partial,
    // the same SQL on both back ends; queries must say `status = 'OPEN'` literally (not a
    // bound parameter) for SQLite to use it.
    manager
        .get_connection()
        .execute_unprepared(
            "CREATE INDEX ix_postings_open_idle ON postings (last_activity_at, id) \
             WHERE status = 'OPEN'",
        )
        .await?;
    Ok(())
}

async fn create_lists(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(PostingSkills::Table)
                .col(ColumnDef::new(PostingSkills::PostingId).uuid().not_null())
                .col(ColumnDef::new(PostingSkills::SkillId).uuid().not_null())
                .col(
                    ColumnDef::new(PostingSkills::MinLevel)
                        .small_integer()
                        .null()
                        .check(Expr::col(PostingSkills::MinLevel).between(1, 5)),
                )
                .col(
                    ColumnDef::new(PostingSkills::Position)
                        .small_integer()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(PostingSkills::PostingId)
                        .col(PostingSkills::SkillId),
                )
                .foreign_key(&mut posting_fk(
                    PostingSkills::Table,
                    PostingSkills::PostingId,
                ))
                .foreign_key(
                    ForeignKey::create()
                        .from(PostingSkills::Table, PostingSkills::SkillId)
                        .to(Skills::Table, Skills::Id),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ix_posting_skills_skill")
                .table(PostingSkills::Table)
                .col(PostingSkills::SkillId)
                .col(PostingSkills::PostingId)
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(PostingQuestions::Table)
                .col(
                    ColumnDef::new(PostingQuestions::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(PostingQuestions::PostingId)
                        .uuid()
                        .not_null(),
                )
                .col(key_col(
                    PostingQuestions::Kind,
                    &["TEXT", "YES_NO", "LINK"],
                    false,
                ))
                .col(ColumnDef::new(PostingQuestions::Prompt).text().not_null())
                .col(
                    ColumnDef::new(PostingQuestions::Position)
                        .small_integer()
                        .not_null(),
                )
                .foreign_key(&mut posting_fk(
                    PostingQuestions::Table,
                    PostingQuestions::PostingId,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ix_posting_questions_posting")
                .table(PostingQuestions::Table)
                .col(PostingQuestions::PostingId)
                .col(PostingQuestions::Position)
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(PostingCountries::Table)
                .col(
                    ColumnDef::new(PostingCountries::PostingId)
                        .uuid()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PostingCountries::Country)
                        .char_len(2)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PostingCountries::Position)
                        .small_integer()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(PostingCountries::PostingId)
                        .col(PostingCountries::Country),
                )
                .foreign_key(&mut posting_fk(
                    PostingCountries::Table,
                    PostingCountries::PostingId,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ix_posting_countries_country")
                .table(PostingCountries::Table)
                .col(PostingCountries::Country)
                .col(PostingCountries::PostingId)
                .to_owned(),
        )
        .await?;
    Ok(())
}

async fn create_revisions(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(PostingRevisions::Table)
                .col(
                    ColumnDef::new(PostingRevisions::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(PostingRevisions::PostingId)
                        .uuid()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PostingRevisions::Version)
                        .big_integer()
                        .not_null(),
                )
                .col(ts(PostingRevisions::At))
                .col(ColumnDef::new(PostingRevisions::ActorId).uuid().null())
                .col(key_col(
                    PostingRevisions::Event,
                    &[
                        "PUBLISH",
                        "PAUSE",
                        "RESUME",
                        "CLOSE_FILLED",
                        "CLOSE_CANCELLED",
                        "EXPIRE",
                    ],
                    true,
                ))
                .col(ColumnDef::new(PostingRevisions::Before).text().not_null())
                .foreign_key(&mut posting_fk(
                    PostingRevisions::Table,
                    PostingRevisions::PostingId,
                ))
                .foreign_key(
                    ForeignKey::create()
                        .from(PostingRevisions::Table, PostingRevisions::ActorId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
    // One revision per replaced version: the last word against a double write.
    manager
        .create_index(
            Index::create()
                .name("ux_posting_revisions_version")
                .table(PostingRevisions::Table)
                .col(PostingRevisions::PostingId)
                .col(PostingRevisions::Version)
                .unique()
                .to_owned(),
        )
        .await?;
    Ok(())
}

async fn create_notifications(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Notifications::Table)
                .col(
                    ColumnDef::new(Notifications::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Notifications::UserId).uuid().not_null())
                // No CHECK on the kind: later features add kinds without rebuilding the
                // table (SQLite cannot alter a CHECK); the repository refuses unknown ones.
                .col(
                    ColumnDef::new(Notifications::Kind)
                        .string_len(32)
                        .not_null(),
                )
                .col(ColumnDef::new(Notifications::PostingId).uuid().null())
                .col(ColumnDef::new(Notifications::SavedSearchId).uuid().null())
                .col(ts_null(Notifications::ExpiresAt))
                .col(
                    ColumnDef::new(Notifications::DedupeKey)
                        .string_len(200)
                        .not_null(),
                )
                .col(ts(Notifications::CreatedAt))
                .col(ts_null(Notifications::ReadAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Notifications::Table, Notifications::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Notifications::Table, Notifications::PostingId)
                        .to(Postings::Table, Postings::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    // Each notification at most once: the database has the last word.
    manager
        .create_index(
            Index::create()
                .name("ux_notifications_dedupe_key")
                .table(Notifications::Table)
                .col(Notifications::DedupeKey)
                .unique()
                .to_owned(),
        )
        .await?;
    // A user's notifications, newest first (ids are time-ordered).
    manager
        .create_index(
            Index::create()
                .name("ix_notifications_user")
                .table(Notifications::Table)
                .col(Notifications::UserId)
                .col(Notifications::Id)
                .to_owned(),
        )
        .await?;
    // A user's unread ones: counted and listed without touching the read ones.
    manager
        .get_connection()
        .execute_unprepared(
            "CREATE INDEX ix_notifications_unread ON notifications (user_id, id) \
             WHERE read_at IS NULL",
        )
        .await?;
    // The postings a notification is about (the cascade on deleting a draft).
    manager
        .create_index(
            Index::create()
                .name("ix_notifications_posting")
                .table(Notifications::Table)
                .col(Notifications::PostingId)
                .to_owned(),
        )
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_postings(manager).await?;
        create_lists(manager).await?;
        create_revisions(manager).await?;
        create_notifications(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Notifications::Table.into_iden(),
            PostingRevisions::Table.into_iden(),
            PostingCountries::Table.into_iden(),
            PostingQuestions::Table.into_iden(),
            PostingSkills::Table.into_iden(),
            Postings::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
