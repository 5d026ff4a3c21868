//! Agencies: the profile (`agencies`, `agency_skills`), who belongs (`agency_members`, one
//! agency per user by a unique index) and invitations (`agency_invitations`, at most one
//! pending per agency and invitee by a partial unique index). Name, headline, overview
//! and skills are plain columns and rows, so search can index them later.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
    Name,
    Headline,
    Overview,
    Website,
    Country,
    Visibility,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AgencySkills {
    Table,
    AgencyId,
    SkillId,
    Level,
    Position,
}

#[derive(DeriveIden, Clone)]
enum AgencyMembers {
    Table,
    AgencyId,
    UserId,
    ProfileId,
    Role,
    JoinedAt,
}

#[derive(DeriveIden, Clone)]
enum AgencyInvitations {
    Table,
    Id,
    AgencyId,
    InviteeUserId,
    InviteeProfileId,
    InvitedBy,
    Role,
    Message,
    Status,
    DeclineReason,
    CreatedAt,
    RespondedAt,
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

fn role<T: IntoIden + Clone + 'static>(col: T) -> ColumnDef {
    ColumnDef::new(col.clone())
        .string_len(16)
        .not_null()
        .check(Expr::col(col).is_in(["OWNER", "MEMBER"]))
        .to_owned()
}

fn agency_fk<T: IntoIden, C: IntoIden>(table: T, col: C) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Agencies::Table, Agencies::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Agencies::Table)
                    .col(ColumnDef::new(Agencies::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Agencies::Name).string_len(100).not_null())
                    .col(
                        ColumnDef::new(Agencies::Headline)
                            .string_len(120)
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new(Agencies::Overview).text().not_null())
                    .col(ColumnDef::new(Agencies::Website).string_len(2048).null())
                    .col(ColumnDef::new(Agencies::Country).string_len(2).null())
                    .col(
                        ColumnDef::new(Agencies::Visibility)
                            .string_len(16)
                            .not_null()
                            .check(Expr::col(Agencies::Visibility).is_in(["VISIBLE", "HIDDEN"])),
                    )
                    .col(
                        ColumnDef::new(Agencies::Version)
                            .big_integer()
                            .not_null()
                            .default(1)
                            .check(Expr::col(Agencies::Version).gte(1)),
                    )
                    .col(ts(Agencies::CreatedAt))
                    .col(ts(Agencies::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AgencySkills::Table)
                    .col(ColumnDef::new(AgencySkills::AgencyId).uuid().not_null())
                    .col(ColumnDef::new(AgencySkills::SkillId).uuid().not_null())
                    .col(
                        ColumnDef::new(AgencySkills::Level)
                            .small_integer()
                            .null()
                            .check(Expr::col(AgencySkills::Level).between(1, 5)),
                    )
                    .col(
                        ColumnDef::new(AgencySkills::Position)
                            .small_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(AgencySkills::AgencyId)
                            .col(AgencySkills::SkillId),
                    )
                    .foreign_key(&mut agency_fk(AgencySkills::Table, AgencySkills::AgencyId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AgencySkills::Table, AgencySkills::SkillId)
                            .to(Skills::Table, Skills::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // Finding agencies by skill (search, later) starts here.
        manager
            .create_index(
                Index::create()
                    .name("ix_agency_skills_skill")
                    .table(AgencySkills::Table)
                    .col(AgencySkills::SkillId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AgencyMembers::Table)
                    .col(ColumnDef::new(AgencyMembers::AgencyId).uuid().not_null())
                    .col(ColumnDef::new(AgencyMembers::UserId).uuid().not_null())
                    .col(ColumnDef::new(AgencyMembers::ProfileId).uuid().not_null())
                    .col(role(AgencyMembers::Role))
                    .col(ts(AgencyMembers::JoinedAt))
                    .primary_key(
                        Index::create()
                            .col(AgencyMembers::AgencyId)
                            .col(AgencyMembers::UserId),
                    )
                    .foreign_key(&mut agency_fk(
                        AgencyMembers::Table,
                        AgencyMembers::AgencyId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AgencyMembers::Table, AgencyMembers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AgencyMembers::Table, AgencyMembers::ProfileId)
                            .to(FreelancerProfiles::Table, FreelancerProfiles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One agency per freelancer: the database has the last word.
        manager
            .create_index(
                Index::create()
                    .name("ux_agency_members_user")
                    .table(AgencyMembers::Table)
                    .col(AgencyMembers::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Members of an agency by role (owner counts, owners-first listing).
        manager
            .create_index(
                Index::create()
                    .name("ix_agency_members_agency_role")
                    .table(AgencyMembers::Table)
                    .col(AgencyMembers::AgencyId)
                    .col(AgencyMembers::Role)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_agency_members_profile")
                    .table(AgencyMembers::Table)
                    .col(AgencyMembers::ProfileId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AgencyInvitations::Table)
                    .col(
                        ColumnDef::new(AgencyInvitations::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AgencyInvitations::AgencyId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AgencyInvitations::InviteeUserId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AgencyInvitations::InviteeProfileId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AgencyInvitations::InvitedBy).uuid().null())
                    .col(role(AgencyInvitations::Role))
                    .col(ColumnDef::new(AgencyInvitations::Message).text().not_null())
                    .col(
                        ColumnDef::new(AgencyInvitations::Status)
                            .string_len(16)
                            .not_null()
                            .check(
                                Expr::col(AgencyInvitations::Status)
                                    .is_in(["PENDING", "ACCEPTED", "DECLINED", "REVOKED"]),
                            ),
                    )
                    .col(
                        ColumnDef::new(AgencyInvitations::DeclineReason)
                            .text()
                            .null(),
                    )
                    .col(ts(AgencyInvitations::CreatedAt))
                    .col(
                        ColumnDef::new(AgencyInvitations::RespondedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    // Pending means not yet answered; an answered one says when.
                    .check(
                        Expr::col(AgencyInvitations::Status)
                            .eq("PENDING")
                            .and(Expr::col(AgencyInvitations::RespondedAt).is_null())
                            .or(Expr::col(AgencyInvitations::Status)
                                .ne("PENDING")
                                .and(Expr::col(AgencyInvitations::RespondedAt).is_not_null())),
                    )
                    // Only a declined invitation has a reason.
                    .check(
                        Expr::col(AgencyInvitations::DeclineReason)
                            .is_null()
                            .or(Expr::col(AgencyInvitations::Status).eq("DECLINED")),
                    )
                    .foreign_key(&mut agency_fk(
                        AgencyInvitations::Table,
                        AgencyInvitations::AgencyId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AgencyInvitations::Table, AgencyInvitations::InviteeUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                AgencyInvitations::Table,
                                AgencyInvitations::InviteeProfileId,
                            )
                            .to(FreelancerProfiles::Table, FreelancerProfiles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AgencyInvitations::Table, AgencyInvitations::InvitedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // At most one pending invitation per (agency, invitee): a partial unique index,
        // the same SQL on PostgreSQL and SQLite. Answered invitations stay as history.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_agency_invitations_pending \
                 ON agency_invitations (agency_id, invitee_user_id) WHERE status = 'PENDING'",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_agency_invitations_invitee_status")
                    .table(AgencyInvitations::Table)
                    .col(AgencyInvitations::InviteeUserId)
                    .col(AgencyInvitations::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_agency_invitations_agency_status")
                    .table(AgencyInvitations::Table)
                    .col(AgencyInvitations::AgencyId)
                    .col(AgencyInvitations::Status)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AgencyInvitations::Table.into_iden(),
            AgencyMembers::Table.into_iden(),
            AgencySkills::Table.into_iden(),
            Agencies::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
