//! Proposals' interviews and coding tasks. New tables only, so `down` drops them on both
//! back ends.
//!
//! - `interviews`: one row per interview of a proposal, in a stage of the posting's
//!   pipeline (`fk_interviews_stage`, `ON DELETE RESTRICT`: a stage with interviews is
//!   not removed). The start and end are stored in UTC (the end, start plus duration,
//!   for the overlap check); `status` is `SCHEDULED` or `CANCELLED`; `version` moves
//!   with every change (compare-and-set). `ix_interviews_proposal` lists a proposal's
//!   interviews earliest first; `ix_interviews_stage` serves the foreign key and the
//!   count before a stage is removed.
//! - `interview_interviewers`: who interviews, in the order named, keyed
//!   `(interview_id, user_id)`; `ix_interview_interviewers_user` finds an
//!   interviewer's interviews for the overlap check.
//! - `coding_tasks`: one row per coding task of a proposal, in a stage
//!   (`fk_coding_tasks_stage`, `ON DELETE RESTRICT`); `status` is `ASSIGNED`,
//!   `SUBMITTED` or `CANCELLED`, with the last submission's link and time.
//!   `ix_coding_tasks_proposal` lists a proposal's tasks in the order assigned (IDs are
//!   time-ordered); `ix_coding_tasks_stage` as for interviews.

use sea_orm_migration::prelude::*;

use super::m20261130_000019_proposals::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Interviews {
    Table,
    Id,
    ProposalId,
    StageId,
    StartsAt,
    EndsAt,
    DurationMinutes,
    TimeZone,
    MeetingLink,
    Status,
    ConfirmedAt,
    CancelReason,
    CancelledAt,
    ScheduledBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InterviewInterviewers {
    Table,
    InterviewId,
    UserId,
    Position,
}

#[derive(DeriveIden)]
enum CodingTasks {
    Table,
    Id,
    ProposalId,
    StageId,
    Instructions,
    DueAt,
    SubmissionLink,
    SubmittedAt,
    Status,
    CancelReason,
    CancelledAt,
    AssignedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Proposals {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PipelineStages {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

/// A named foreign key (names let the persistence layer tell which one refused).
fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

fn to_proposal(name: &str, table: impl IntoIden, col: impl IntoIden) -> ForeignKeyCreateStatement {
    fk(
        name,
        (table, col),
        (Proposals::Table, Proposals::Id),
        ForeignKeyAction::Cascade,
    )
}

/// A stage is kept while anything references it.
fn to_stage(name: &str, table: impl IntoIden, col: impl IntoIden) -> ForeignKeyCreateStatement {
    fk(
        name,
        (table, col),
        (PipelineStages::Table, PipelineStages::Id),
        ForeignKeyAction::Restrict,
    )
}

fn to_user(name: &str, table: impl IntoIden, col: impl IntoIden) -> ForeignKeyCreateStatement {
    fk(
        name,
        (table, col),
        (Users::Table, Users::Id),
        ForeignKeyAction::Cascade,
    )
}

fn timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn optional_timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Interviews::Table)
                    .col(
                        ColumnDef::new(Interviews::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Interviews::ProposalId).uuid().not_null())
                    .col(ColumnDef::new(Interviews::StageId).uuid().not_null())
                    .col(timestamp(Interviews::StartsAt))
                    .col(timestamp(Interviews::EndsAt))
                    .col(
                        ColumnDef::new(Interviews::DurationMinutes)
                            .integer()
                            .not_null()
                            .check(Expr::col(Interviews::DurationMinutes).between(15, 480)),
                    )
                    .col(
                        ColumnDef::new(Interviews::TimeZone)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Interviews::MeetingLink).text().null())
                    .col(
                        ColumnDef::new(Interviews::Status)
                            .string_len(10)
                            .not_null()
                            .check(Expr::col(Interviews::Status).is_in(["SCHEDULED", "CANCELLED"])),
                    )
                    .col(optional_timestamp(Interviews::ConfirmedAt))
                    .col(ColumnDef::new(Interviews::CancelReason).text().null())
                    .col(optional_timestamp(Interviews::CancelledAt))
                    .col(ColumnDef::new(Interviews::ScheduledBy).uuid().not_null())
                    .col(
                        ColumnDef::new(Interviews::Version)
                            .big_integer()
                            .not_null()
                            .default(1),
                    )
                    .col(timestamp(Interviews::CreatedAt))
                    .col(timestamp(Interviews::UpdatedAt))
                    .foreign_key(&mut to_proposal(
                        "fk_interviews_proposal",
                        Interviews::Table,
                        Interviews::ProposalId,
                    ))
                    .foreign_key(&mut to_stage(
                        "fk_interviews_stage",
                        Interviews::Table,
                        Interviews::StageId,
                    ))
                    .foreign_key(&mut to_user(
                        "fk_interviews_scheduled_by",
                        Interviews::Table,
                        Interviews::ScheduledBy,
                    ))
                    .to_owned(),
            )
            .await?;
        let i = |c: Interviews| c.into_iden();
        index(
            manager,
            "ix_interviews_proposal",
            Interviews::Table,
            vec![
                i(Interviews::ProposalId),
                i(Interviews::StartsAt),
                i(Interviews::Id),
            ],
        )
        .await?;
        index(
            manager,
            "ix_interviews_stage",
            Interviews::Table,
            vec![i(Interviews::StageId)],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(InterviewInterviewers::Table)
                    .col(
                        ColumnDef::new(InterviewInterviewers::InterviewId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InterviewInterviewers::UserId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InterviewInterviewers::Position)
                            .small_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(InterviewInterviewers::InterviewId)
                            .col(InterviewInterviewers::UserId),
                    )
                    .foreign_key(&mut fk(
                        "fk_interview_interviewers_interview",
                        (
                            InterviewInterviewers::Table,
                            InterviewInterviewers::InterviewId,
                        ),
                        (Interviews::Table, Interviews::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut to_user(
                        "fk_interview_interviewers_user",
                        InterviewInterviewers::Table,
                        InterviewInterviewers::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_interview_interviewers_user",
            InterviewInterviewers::Table,
            vec![
                InterviewInterviewers::UserId.into_iden(),
                InterviewInterviewers::InterviewId.into_iden(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CodingTasks::Table)
                    .col(
                        ColumnDef::new(CodingTasks::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(CodingTasks::ProposalId).uuid().not_null())
                    .col(ColumnDef::new(CodingTasks::StageId).uuid().not_null())
                    .col(ColumnDef::new(CodingTasks::Instructions).text().not_null())
                    .col(timestamp(CodingTasks::DueAt))
                    .col(ColumnDef::new(CodingTasks::SubmissionLink).text().null())
                    .col(optional_timestamp(CodingTasks::SubmittedAt))
                    .col(
                        ColumnDef::new(CodingTasks::Status)
                            .string_len(10)
                            .not_null()
                            .check(Expr::col(CodingTasks::Status).is_in([
                                "ASSIGNED",
                                "SUBMITTED",
                                "CANCELLED",
                            ])),
                    )
                    .col(ColumnDef::new(CodingTasks::CancelReason).text().null())
                    .col(optional_timestamp(CodingTasks::CancelledAt))
                    .col(ColumnDef::new(CodingTasks::AssignedBy).uuid().not_null())
                    .col(timestamp(CodingTasks::CreatedAt))
                    .col(timestamp(CodingTasks::UpdatedAt))
                    .foreign_key(&mut to_proposal(
                        "fk_coding_tasks_proposal",
                        CodingTasks::Table,
                        CodingTasks::ProposalId,
                    ))
                    .foreign_key(&mut to_stage(
                        "fk_coding_tasks_stage",
                        CodingTasks::Table,
                        CodingTasks::StageId,
                    ))
                    .foreign_key(&mut to_user(
                        "fk_coding_tasks_assigned_by",
                        CodingTasks::Table,
                        CodingTasks::AssignedBy,
                    ))
                    .to_owned(),
            )
            .await?;
        let c = |c: CodingTasks| c.into_iden();
        index(
            manager,
            "ix_coding_tasks_proposal",
            CodingTasks::Table,
            vec![c(CodingTasks::ProposalId), c(CodingTasks::Id)],
        )
        .await?;
        index(
            manager,
            "ix_coding_tasks_stage",
            CodingTasks::Table,
            vec![c(CodingTasks::StageId)],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Their indexes go with them; the interviewers before their interviews.
        for table in ["coding_tasks", "interview_interviewers", "interviews"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
