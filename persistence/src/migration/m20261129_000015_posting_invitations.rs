//! Invitations to postings.
//!
//! - `posting_invitations`: one row per invitation, to a freelancer (`invitee_user_id`
//!   and `invitee_profile_id`) or an agency (`agency_id`), exactly one of the two (a
//!   CHECK). `status` is PENDING, ACCEPTED or DECLINED: EXPIRED is never written, it is
//!   read from the posting's state (a pending invitation of a closed posting). Answered
//!   ones say when; only a declined one has a reason.
//! - `notifications.invitation_id`: the invitation a `POSTING_INVITATION` notification
//!   is about (no foreign key: invitations go only with their posting, and the
//!   notification goes with the posting too).
//!
//! Indexes: at most one PENDING or ACCEPTED invitation per posting and invitee (two
//! partial unique indexes, the same SQL on PostgreSQL and SQLite; a declined one stays as
//! history and the invitee may be invited again); a freelancer's and an agency's
//! invitations newest first (ids are time-ordered), and a posting's.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum PostingInvitations {
    Table,
    Id,
    PostingId,
    ClientId,
    InviteeUserId,
    InviteeProfileId,
    AgencyId,
    Message,
    Status,
    DeclineReason,
    CreatedAt,
    RespondedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    InvitationId,
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

#[derive(DeriveIden)]
enum FreelancerProfiles {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
}

fn cascade<T: IntoIden, C: IntoIden>(
    col: PostingInvitations,
    table: T,
    to: C,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(PostingInvitations::Table, col)
        .to(table, to)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// A freelancer (user and profile, no agency) or an agency (no user, no profile).
fn one_invitee() -> SimpleExpr {
    use PostingInvitations as I;
    let freelancer = Expr::col(I::InviteeUserId)
        .is_not_null()
        .and(Expr::col(I::InviteeProfileId).is_not_null())
        .and(Expr::col(I::AgencyId).is_null());
    let agency = Expr::col(I::InviteeUserId)
        .is_null()
        .and(Expr::col(I::InviteeProfileId).is_null())
        .and(Expr::col(I::AgencyId).is_not_null());
    freelancer.or(agency)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use PostingInvitations as I;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(ColumnDef::new(I::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(I::PostingId).uuid().not_null())
                    .col(ColumnDef::new(I::ClientId).uuid().not_null())
                    .col(ColumnDef::new(I::InviteeUserId).uuid().null())
                    .col(ColumnDef::new(I::InviteeProfileId).uuid().null())
                    .col(ColumnDef::new(I::AgencyId).uuid().null())
                    .check(one_invitee())
                    .col(ColumnDef::new(I::Message).text().null())
                    .col(
                        ColumnDef::new(I::Status)
                            .string_len(16)
                            .not_null()
                            .check(Expr::col(I::Status).is_in(["PENDING", "ACCEPTED", "DECLINED"])),
                    )
                    .col(ColumnDef::new(I::DeclineReason).text().null())
                    .col(
                        ColumnDef::new(I::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(I::RespondedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    // Pending means not yet answered; an answered one says when.
                    .check(
                        Expr::col(I::Status)
                            .eq("PENDING")
                            .and(Expr::col(I::RespondedAt).is_null())
                            .or(Expr::col(I::Status)
                                .ne("PENDING")
                                .and(Expr::col(I::RespondedAt).is_not_null())),
                    )
                    // Only a declined invitation has a reason.
                    .check(
                        Expr::col(I::DeclineReason)
                            .is_null()
                            .or(Expr::col(I::Status).eq("DECLINED")),
                    )
                    .foreign_key(&mut cascade(I::PostingId, Postings::Table, Postings::Id))
                    .foreign_key(&mut cascade(I::ClientId, Users::Table, Users::Id))
                    .foreign_key(&mut cascade(I::InviteeUserId, Users::Table, Users::Id))
                    .foreign_key(&mut cascade(
                        I::InviteeProfileId,
                        FreelancerProfiles::Table,
                        FreelancerProfiles::Id,
                    ))
                    .foreign_key(&mut cascade(I::AgencyId, Agencies::Table, Agencies::Id))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // One live invitation per posting and invitee: the database has the last word.
        for (name, col) in [
            ("ux_posting_invitations_live_user", "invitee_user_id"),
            ("ux_posting_invitations_live_agency", "agency_id"),
        ] {
            db.execute_unprepared(&format!(
                "CREATE UNIQUE INDEX {name} ON posting_invitations (posting_id, {col}) \
                 WHERE status IN ('PENDING', 'ACCEPTED')"
            ))
            .await?;
        }
        // A freelancer's, an agency's and a posting's invitations, newest first.
        for (name, col) in [
            ("ix_posting_invitations_user", I::InviteeUserId),
            ("ix_posting_invitations_agency", I::AgencyId),
            ("ix_posting_invitations_posting", I::PostingId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(I::Table)
                        .col(col)
                        .col(I::Id)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Notifications::Table)
                    .add_column(ColumnDef::new(Notifications::InvitationId).uuid().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Notifications::Table)
                    .drop_column(Notifications::InvitationId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PostingInvitations::Table).to_owned())
            .await
    }
}
