//! Proposals in full, their history, and the postings' evaluation pipelines.
//!
//! - `pipeline_stages`: a posting's stages in `position` order. A posting without rows
//!   has the template (its stage IDs are derived from the posting's, so they do not
//!   change when the template is first stored). `postings.pipeline_version` moves with
//!   every stored change (0: never stored); a change is a compare-and-set on it.
//! - `proposal_stages`: the stage a proposal in evaluation (or with an offer) is in, one
//!   row per such proposal; its foreign key refuses to remove a stage a proposal is in
//!   (a table of its own rather than a column: SQLite cannot drop a column that
//!   references another table, so `down` could not undo it).
//! - `proposals` gains its terms (cover letter, the bid's kind, the estimate), the
//!   reason of a decline or withdrawal, when the client first viewed it, the stored match
//!   score and the average scorecard recommendation (both for sorting) and a version. Existing rows get their posting's budget kind;
//!   any in evaluation or with an offer (none can be in a stage yet) go back to the
//!   short list.
//! - `proposal_answers` (each keeps the question's prompt as it was asked) and
//!   `proposal_milestones`, in order; `proposal_changes`, the history (a stage named by
//!   ID and by its name then, without a foreign key: history outlives removed stages).
//!
//! Indexes: a posting's proposals newest first, by match and by bid (the sorts of the
//! client's list, keyset-paged), a freelancer's and an agency's proposals newest first
//! (replacing 000014's index by freelancer and time), the proposals in a stage, a
//! proposal's history in order.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PipelineStages {
    Table,
    Id,
    PostingId,
    Position,
    Kind,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Proposals {
    Table,
    Id,
    PostingId,
    FreelancerId,
    AgencyId,
    CreatedAt,
    BidKind,
    BidAmountMinor,
    CoverLetter,
    DurationDays,
    StatusReason,
    FirstViewedAt,
    MatchScore,
    ScorecardScore,
    Version,
}

#[derive(DeriveIden)]
enum ProposalStages {
    Table,
    ProposalId,
    StageId,
}

#[derive(DeriveIden)]
enum ProposalAnswers {
    Table,
    ProposalId,
    Position,
    QuestionId,
    Prompt,
    Kind,
    TextValue,
    YesValue,
    LinkValue,
}

#[derive(DeriveIden)]
enum ProposalMilestones {
    Table,
    ProposalId,
    Position,
    Title,
    AmountMinor,
}

#[derive(DeriveIden)]
enum ProposalChanges {
    Table,
    Id,
    ProposalId,
    At,
    ActorId,
    Kind,
    Status,
    StageId,
    StageName,
    Reason,
}

#[derive(DeriveIden)]
enum Postings {
    Table,
    Id,
    PipelineVersion,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

fn cascade_to_proposal<T: IntoIden>(table: T, col: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Proposals::Table, Proposals::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn add_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: &mut ColumnDef,
) -> Result<(), DbErr> {
    // One column per statement: SQLite adds one at a time.
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(column.to_owned())
                .to_owned(),
        )
        .await
}

/// Creates the index `name` on `cols` of `table` (used by the migrations after this one
/// too).
pub(super) async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col);
    }
    manager.create_index(index.to_owned()).await
}

const INDEXES: &[(&str, &str)] = &[
    ("ix_proposals_posting_newest", "proposals"),
    ("ix_proposals_posting_match", "proposals"),
    ("ix_proposals_posting_bid", "proposals"),
    ("ix_proposals_posting_score", "proposals"),
    ("ix_proposals_freelancer_newest", "proposals"),
    ("ix_proposals_agency_newest", "proposals"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PipelineStages::Table)
                    .col(
                        ColumnDef::new(PipelineStages::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(PipelineStages::PostingId).uuid().not_null())
                    .col(
                        ColumnDef::new(PipelineStages::Position)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PipelineStages::Kind)
                            .string_len(24)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PipelineStages::Name)
                            .string_len(60)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PipelineStages::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PipelineStages::Table, PipelineStages::PostingId)
                            .to(Postings::Table, Postings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_pipeline_stages_posting",
            PipelineStages::Table,
            vec![
                PipelineStages::PostingId.into_iden(),
                PipelineStages::Position.into_iden(),
            ],
        )
        .await?;
        add_column(
            manager,
            Postings::Table,
            ColumnDef::new(Postings::PipelineVersion)
                .big_integer()
                .not_null()
                .default(0),
        )
        .await?;

        add_column(
            manager,
            Proposals::Table,
            ColumnDef::new(Proposals::BidKind)
                .string_len(14)
                .not_null()
                .default("FIXED"),
        )
        .await?;
        add_column(
            manager,
            Proposals::Table,
            ColumnDef::new(Proposals::CoverLetter)
                .text()
                .not_null()
                .default(""),
        )
        .await?;
        add_column(
            manager,
            Proposals::Table,
            ColumnDef::new(Proposals::DurationDays).integer().null(),
        )
        .await?;
        add_column(
            manager,
            Proposals::Table,
            ColumnDef::new(Proposals::StatusReason).text().null(),
        )
        .await?;
        add_column(
            manager,
            Proposals::Table,
            ColumnDef::new(Proposals::FirstViewedAt)
                .timestamp_with_time_zone()
                .null(),
        )
        .await?;
        add_column(
            manager,
            Proposals::Table,
            ColumnDef::new(Proposals::MatchScore)
                .small_integer()
                .not_null()
                .default(0),
        )
        .await?;
        add_column(
            manager,
            Proposals::Table,
            ColumnDef::new(Proposals::ScorecardScore)
                .small_integer()
                .not_null()
                .default(0),
        )
        .await?;
        add_column(
            manager,
            Proposals::Table,
            ColumnDef::new(Proposals::Version)
                .big_integer()
                .not_null()
                .default(1),
        )
        .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE proposals SET \
                 bid_kind = COALESCE((SELECT budget_kind FROM postings \
                 WHERE postings.id = proposals.posting_id), 'FIXED')",
            )
            .await?;

        // Rows written before this migration (the seed) cannot be in a stage: none
        // exists yet. Any in evaluation or with an offer go back to the short list.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE proposals SET status = 'SHORTLISTED' \
                 WHERE status IN ('IN_EVALUATION', 'OFFERED')",
            )
            .await?;
        // A user's proposals are read newest first by ID (keyset), which the index below
        // serves; 000014's (freelancer, created_at) index goes.
        manager
            .drop_index(
                Index::drop()
                    .name("ix_proposals_freelancer")
                    .table(Proposals::Table)
                    .to_owned(),
            )
            .await?;
        let p = |c: Proposals| c.into_iden();
        index(
            manager,
            "ix_proposals_posting_newest",
            Proposals::Table,
            vec![p(Proposals::PostingId), p(Proposals::Id)],
        )
        .await?;
        index(
            manager,
            "ix_proposals_posting_match",
            Proposals::Table,
            vec![
                p(Proposals::PostingId),
                p(Proposals::MatchScore),
                p(Proposals::Id),
            ],
        )
        .await?;
        index(
            manager,
            "ix_proposals_posting_bid",
            Proposals::Table,
            vec![
                p(Proposals::PostingId),
                p(Proposals::BidAmountMinor),
                p(Proposals::Id),
            ],
        )
        .await?;
        index(
            manager,
            "ix_proposals_posting_score",
            Proposals::Table,
            vec![
                p(Proposals::PostingId),
                p(Proposals::ScorecardScore),
                p(Proposals::Id),
            ],
        )
        .await?;
        index(
            manager,
            "ix_proposals_freelancer_newest",
            Proposals::Table,
            vec![p(Proposals::FreelancerId), p(Proposals::Id)],
        )
        .await?;
        index(
            manager,
            "ix_proposals_agency_newest",
            Proposals::Table,
            vec![p(Proposals::AgencyId), p(Proposals::Id)],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProposalStages::Table)
                    .col(
                        ColumnDef::new(ProposalStages::ProposalId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ProposalStages::StageId).uuid().not_null())
                    .foreign_key(&mut cascade_to_proposal(
                        ProposalStages::Table,
                        ProposalStages::ProposalId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProposalStages::Table, ProposalStages::StageId)
                            .to(PipelineStages::Table, PipelineStages::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_proposal_stages_stage",
            ProposalStages::Table,
            vec![ProposalStages::StageId.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProposalAnswers::Table)
                    .col(
                        ColumnDef::new(ProposalAnswers::ProposalId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProposalAnswers::Position)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProposalAnswers::QuestionId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ProposalAnswers::Prompt).text().not_null())
                    .col(
                        ColumnDef::new(ProposalAnswers::Kind)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ProposalAnswers::TextValue).text().null())
                    .col(ColumnDef::new(ProposalAnswers::YesValue).boolean().null())
                    .col(ColumnDef::new(ProposalAnswers::LinkValue).text().null())
                    .primary_key(
                        Index::create()
                            .col(ProposalAnswers::ProposalId)
                            .col(ProposalAnswers::Position),
                    )
                    .foreign_key(&mut cascade_to_proposal(
                        ProposalAnswers::Table,
                        ProposalAnswers::ProposalId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProposalMilestones::Table)
                    .col(
                        ColumnDef::new(ProposalMilestones::ProposalId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProposalMilestones::Position)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProposalMilestones::Title)
                            .string_len(120)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProposalMilestones::AmountMinor)
                            .big_integer()
                            .not_null()
                            .check(Expr::col(ProposalMilestones::AmountMinor).gt(0)),
                    )
                    .primary_key(
                        Index::create()
                            .col(ProposalMilestones::ProposalId)
                            .col(ProposalMilestones::Position),
                    )
                    .foreign_key(&mut cascade_to_proposal(
                        ProposalMilestones::Table,
                        ProposalMilestones::ProposalId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProposalChanges::Table)
                    .col(
                        ColumnDef::new(ProposalChanges::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ProposalChanges::ProposalId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProposalChanges::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ProposalChanges::ActorId).uuid().null())
                    .col(
                        ColumnDef::new(ProposalChanges::Kind)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProposalChanges::Status)
                            .string_len(20)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ProposalChanges::StageId).uuid().null())
                    .col(
                        ColumnDef::new(ProposalChanges::StageName)
                            .string_len(60)
                            .null(),
                    )
                    .col(ColumnDef::new(ProposalChanges::Reason).text().null())
                    .foreign_key(&mut cascade_to_proposal(
                        ProposalChanges::Table,
                        ProposalChanges::ProposalId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProposalChanges::Table, ProposalChanges::ActorId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_proposal_changes_proposal",
            ProposalChanges::Table,
            vec![
                ProposalChanges::ProposalId.into_iden(),
                ProposalChanges::Id.into_iden(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "proposal_changes",
            "proposal_milestones",
            "proposal_answers",
            "proposal_stages",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        for (name, table) in INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(*name)
                        .table(Alias::new(*table))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_proposals_freelancer")
                    .table(Proposals::Table)
                    .col(Proposals::FreelancerId)
                    .col(Proposals::CreatedAt)
                    .to_owned(),
            )
            .await?;
        for column in [
            Proposals::Version,
            Proposals::ScorecardScore,
            Proposals::MatchScore,
            Proposals::FirstViewedAt,
            Proposals::StatusReason,
            Proposals::DurationDays,
            Proposals::CoverLetter,
            Proposals::BidKind,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Proposals::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Postings::Table)
                    .drop_column(Postings::PipelineVersion)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_pipeline_stages_posting")
                    .table(PipelineStages::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PipelineStages::Table).to_owned())
            .await
    }
}
