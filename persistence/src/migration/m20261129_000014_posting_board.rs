//! What the posting board reads: the `proposals` table the proposals feature fills (its
//! first columns: who, on which posting, in which state, and the bid), counted by state
//! and summarised by bid for each posting; and a client's own postings, newest first.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Proposals {
    Table,
    Id,
    PostingId,
    FreelancerId,
    AgencyId,
    Status,
    BidAmountMinor,
    BidCurrency,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Postings {
    Table,
    Id,
    ClientId,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Proposals::Table)
                    .col(
                        ColumnDef::new(Proposals::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Proposals::PostingId).uuid().not_null())
                    .col(ColumnDef::new(Proposals::FreelancerId).uuid().not_null())
                    .col(ColumnDef::new(Proposals::AgencyId).uuid().null())
                    .col(
                        ColumnDef::new(Proposals::Status)
                            .string_len(20)
                            .not_null()
                            .check(Expr::col(Proposals::Status).is_in([
                                "SUBMITTED",
                                "SHORTLISTED",
                                "IN_EVALUATION",
                                "OFFERED",
                                "HIRED",
                                "DECLINED",
                                "WITHDRAWN",
                                "CLOSED",
                            ])),
                    )
                    .col(
                        ColumnDef::new(Proposals::BidAmountMinor)
                            .big_integer()
                            .not_null()
                            .check(Expr::col(Proposals::BidAmountMinor).gt(0)),
                    )
                    .col(
                        ColumnDef::new(Proposals::BidCurrency)
                            .string_len(3)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Proposals::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Proposals::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Proposals::Table, Proposals::PostingId)
                            .to(Postings::Table, Postings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Proposals::Table, Proposals::FreelancerId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Proposals::Table, Proposals::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One proposal per freelancer per posting.
        manager
            .create_index(
                Index::create()
                    .name("ux_proposals_posting_freelancer")
                    .table(Proposals::Table)
                    .col(Proposals::PostingId)
                    .col(Proposals::FreelancerId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Counting a posting's proposals by state reads the index alone.
        manager
            .create_index(
                Index::create()
                    .name("ix_proposals_posting_status")
                    .table(Proposals::Table)
                    .col(Proposals::PostingId)
                    .col(Proposals::Status)
                    .col(Proposals::BidAmountMinor)
                    .to_owned(),
            )
            .await?;
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
        // A client's dashboard: their postings, newest (by time-ordered ID) first.
        manager
            .create_index(
                Index::create()
                    .name("ix_postings_client_id")
                    .table(Postings::Table)
                    .col(Postings::ClientId)
                    .col(Postings::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_postings_client_id")
                    .table(Postings::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Proposals::Table).to_owned())
            .await
    }
}
