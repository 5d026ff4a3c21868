//! Proposals' message threads, their read marks, and referrals. New tables only, so
//! `down` drops them on both back ends (SQLite cannot drop a column that references
//! another table).
//!
//! - `proposal_messages`: one row per message, IDs time-ordered (UUID v7); the side its
//!   sender was on (`CLIENT` or `FREELANCER`). Index `(proposal_id, id)`: a thread's
//!   pages newest first, its latest message, its unread messages after a mark.
//! - `proposal_message_reads`: each party's read mark on a thread, keyed
//!   `(proposal_id, user_id)`, naming the last message read (a foreign key: a mark
//!   names a message of storage).
//! - `referrals`: one per referrer, freelancer and posting, the unique index
//!   `ux_referrals_referrer_freelancer_posting`; `ix_referrals_referrer` pages a
//!   referrer's newest first, `ix_referrals_candidate` finds a proposal's (posting,
//!   freelancer).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProposalMessages {
    Table,
    Id,
    ProposalId,
    SenderId,
    Side,
    Body,
    SentAt,
}

#[derive(DeriveIden)]
enum ProposalMessageReads {
    Table,
    ProposalId,
    UserId,
    LastReadMessageId,
    ReadAt,
}

#[derive(DeriveIden)]
enum Referrals {
    Table,
    Id,
    PostingId,
    FreelancerId,
    ReferrerId,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Proposals {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Postings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

fn to_user<T: IntoIden>(table: T, col: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    if unique {
        index.unique();
    }
    for col in cols {
        index.col(col);
    }
    manager.create_index(index.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProposalMessages::Table)
                    .col(
                        ColumnDef::new(ProposalMessages::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ProposalMessages::ProposalId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ProposalMessages::SenderId).uuid().not_null())
                    .col(
                        ColumnDef::new(ProposalMessages::Side)
                            .string_len(10)
                            .not_null()
                            .check(
                                Expr::col(ProposalMessages::Side).is_in(["CLIENT", "FREELANCER"]),
                            ),
                    )
                    .col(ColumnDef::new(ProposalMessages::Body).text().not_null())
                    .col(
                        ColumnDef::new(ProposalMessages::SentAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProposalMessages::Table, ProposalMessages::ProposalId)
                            .to(Proposals::Table, Proposals::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut to_user(
                        ProposalMessages::Table,
                        ProposalMessages::SenderId,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_proposal_messages_thread",
            ProposalMessages::Table,
            vec![
                ProposalMessages::ProposalId.into_iden(),
                ProposalMessages::Id.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProposalMessageReads::Table)
                    .col(
                        ColumnDef::new(ProposalMessageReads::ProposalId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProposalMessageReads::UserId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProposalMessageReads::LastReadMessageId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProposalMessageReads::ReadAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ProposalMessageReads::ProposalId)
                            .col(ProposalMessageReads::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                ProposalMessageReads::Table,
                                ProposalMessageReads::ProposalId,
                            )
                            .to(Proposals::Table, Proposals::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut to_user(
                        ProposalMessageReads::Table,
                        ProposalMessageReads::UserId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                ProposalMessageReads::Table,
                                ProposalMessageReads::LastReadMessageId,
                            )
                            .to(ProposalMessages::Table, ProposalMessages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Referrals::Table)
                    .col(
                        ColumnDef::new(Referrals::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Referrals::PostingId).uuid().not_null())
                    .col(ColumnDef::new(Referrals::FreelancerId).uuid().not_null())
                    .col(ColumnDef::new(Referrals::ReferrerId).uuid().not_null())
                    .col(ColumnDef::new(Referrals::Note).text().not_null())
                    .col(
                        ColumnDef::new(Referrals::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Referrals::Table, Referrals::PostingId)
                            .to(Postings::Table, Postings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut to_user(Referrals::Table, Referrals::FreelancerId))
                    .foreign_key(&mut to_user(Referrals::Table, Referrals::ReferrerId))
                    .to_owned(),
            )
            .await?;
        let r = |c: Referrals| c.into_iden();
        index(
            manager,
            "ux_referrals_referrer_freelancer_posting",
            Referrals::Table,
            vec![
                r(Referrals::ReferrerId),
                r(Referrals::FreelancerId),
                r(Referrals::PostingId),
            ],
            true,
        )
        .await?;
        index(
            manager,
            "ix_referrals_referrer",
            Referrals::Table,
            vec![r(Referrals::ReferrerId), r(Referrals::Id)],
            false,
        )
        .await?;
        index(
            manager,
            "ix_referrals_candidate",
            Referrals::Table,
            vec![
                r(Referrals::PostingId),
                r(Referrals::FreelancerId),
                r(Referrals::Id),
            ],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Their indexes go with them.
        for table in ["referrals", "proposal_message_reads", "proposal_messages"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
