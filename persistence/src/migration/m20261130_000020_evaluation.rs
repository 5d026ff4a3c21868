//! Evaluation: a posting's evaluators and the scorecards they (and the client) fill.
//!
//! - `posting_evaluators`: one row per posting and user (the primary key), gone with
//!   the posting.
//! - `scorecards`: one per proposal, stage and evaluator (a unique index), gone with the
//!   proposal; the stage is a foreign key that refuses to remove a stage with cards, and
//!   the evaluator one to users.
//! - `scorecard_criteria`: a card's rated criteria, in order.
//!
//! Indexes: the postings a user evaluates; a proposal's cards.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PostingEvaluators {
    Table,
    PostingId,
    UserId,
    AddedAt,
}

#[derive(DeriveIden)]
enum Scorecards {
    Table,
    Id,
    ProposalId,
    StageId,
    EvaluatorId,
    Recommendation,
    Notes,
    SubmittedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ScorecardCriteria {
    Table,
    ScorecardId,
    Position,
    Name,
    Rating,
    Notes,
}

#[derive(DeriveIden)]
enum Postings {
    Table,
    Id,
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

const RATINGS: [&str; 5] = ["STRONG_NO", "NO", "MIXED", "YES", "STRONG_YES"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PostingEvaluators::Table)
                    .col(
                        ColumnDef::new(PostingEvaluators::PostingId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(PostingEvaluators::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(PostingEvaluators::AddedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(PostingEvaluators::PostingId)
                            .col(PostingEvaluators::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PostingEvaluators::Table, PostingEvaluators::PostingId)
                            .to(Postings::Table, Postings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PostingEvaluators::Table, PostingEvaluators::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_posting_evaluators_user")
                    .table(PostingEvaluators::Table)
                    .col(PostingEvaluators::UserId)
                    .col(PostingEvaluators::PostingId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Scorecards::Table)
                    .col(
                        ColumnDef::new(Scorecards::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Scorecards::ProposalId).uuid().not_null())
                    .col(ColumnDef::new(Scorecards::StageId).uuid().not_null())
                    .col(ColumnDef::new(Scorecards::EvaluatorId).uuid().not_null())
                    .col(
                        ColumnDef::new(Scorecards::Recommendation)
                            .string_len(12)
                            .not_null()
                            .check(Expr::col(Scorecards::Recommendation).is_in(RATINGS)),
                    )
                    .col(ColumnDef::new(Scorecards::Notes).text().null())
                    .col(
                        ColumnDef::new(Scorecards::SubmittedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Scorecards::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Scorecards::Table, Scorecards::ProposalId)
                            .to(Proposals::Table, Proposals::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Scorecards::Table, Scorecards::StageId)
                            .to(PipelineStages::Table, PipelineStages::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Scorecards::Table, Scorecards::EvaluatorId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One card per evaluator, stage and proposal; it also serves a proposal's cards.
        manager
            .create_index(
                Index::create()
                    .name("ux_scorecards_proposal_stage_evaluator")
                    .table(Scorecards::Table)
                    .col(Scorecards::ProposalId)
                    .col(Scorecards::StageId)
                    .col(Scorecards::EvaluatorId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_scorecards_stage")
                    .table(Scorecards::Table)
                    .col(Scorecards::StageId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ScorecardCriteria::Table)
                    .col(
                        ColumnDef::new(ScorecardCriteria::ScorecardId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ScorecardCriteria::Position)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ScorecardCriteria::Name)
                            .string_len(80)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ScorecardCriteria::Rating)
                            .string_len(12)
                            .not_null()
                            .check(Expr::col(ScorecardCriteria::Rating).is_in(RATINGS)),
                    )
                    .col(ColumnDef::new(ScorecardCriteria::Notes).text().null())
                    .primary_key(
                        Index::create()
                            .col(ScorecardCriteria::ScorecardId)
                            .col(ScorecardCriteria::Position),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ScorecardCriteria::Table, ScorecardCriteria::ScorecardId)
                            .to(Scorecards::Table, Scorecards::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["scorecard_criteria", "scorecards", "posting_evaluators"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
