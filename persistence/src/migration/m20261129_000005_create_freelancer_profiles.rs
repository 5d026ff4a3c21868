use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FreelancerProfiles {
    Table,
    Id,
    UserId,
    Headline,
    Overview,
    RateMinor,
    RateCurrency,
    HoursPerWeek,
    AvailableFrom,
    Country,
    City,
    TimeZone,
    Visibility,
    ModerationHidden,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FreelancerSkills {
    Table,
    ProfileId,
    SkillId,
    Level,
    Years,
    Position,
}

#[derive(DeriveIden)]
enum FreelancerLanguages {
    Table,
    ProfileId,
    Code,
    Level,
    Position,
}

#[derive(DeriveIden)]
enum FreelancerLinks {
    Table,
    ProfileId,
    Site,
    Url,
}

#[derive(DeriveIden)]
enum Users {
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

fn profile_fk<T: IntoIden + 'static>(table: T, col: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(FreelancerProfiles::Table, FreelancerProfiles::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FreelancerProfiles::Table)
                    .col(
                        ColumnDef::new(FreelancerProfiles::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(FreelancerProfiles::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(FreelancerProfiles::Headline)
                            .string_len(120)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FreelancerProfiles::Overview)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FreelancerProfiles::RateMinor)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(FreelancerProfiles::RateCurrency)
                            .string_len(3)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(FreelancerProfiles::HoursPerWeek)
                            .small_integer()
                            .not_null()
                            .default(0)
                            .check(Expr::col(FreelancerProfiles::HoursPerWeek).between(0, 80)),
                    )
                    .col(
                        ColumnDef::new(FreelancerProfiles::AvailableFrom)
                            .date()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(FreelancerProfiles::Country)
                            .string_len(2)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(FreelancerProfiles::City)
                            .string_len(100)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(FreelancerProfiles::TimeZone)
                            .string_len(64)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(FreelancerProfiles::Visibility)
                            .string_len(16)
                            .not_null()
                            .check(
                                Expr::col(FreelancerProfiles::Visibility)
                                    .is_in(["VISIBLE", "HIDDEN"]),
                            ),
                    )
                    .col(
                        ColumnDef::new(FreelancerProfiles::ModerationHidden)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(FreelancerProfiles::Version)
                            .big_integer()
                            .not_null()
                            .default(1),
                    )
                    // A rate is an amount and a currency, or neither; and positive.
                    .check(
                        Expr::col(FreelancerProfiles::RateMinor)
                            .is_null()
                            .and(Expr::col(FreelancerProfiles::RateCurrency).is_null())
                            .or(Expr::col(FreelancerProfiles::RateMinor)
                                .gt(0)
                                .and(Expr::col(FreelancerProfiles::RateCurrency).is_not_null())),
                    )
                    .col(ts(FreelancerProfiles::CreatedAt))
                    .col(ts(FreelancerProfiles::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(FreelancerProfiles::Table, FreelancerProfiles::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_freelancer_profiles_user")
                    .table(FreelancerProfiles::Table)
                    .col(FreelancerProfiles::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FreelancerSkills::Table)
                    .col(
                        ColumnDef::new(FreelancerSkills::ProfileId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(FreelancerSkills::SkillId).uuid().not_null())
                    .col(
                        ColumnDef::new(FreelancerSkills::Level)
                            .small_integer()
                            .not_null()
                            .check(Expr::col(FreelancerSkills::Level).between(1, 5)),
                    )
                    .col(
                        ColumnDef::new(FreelancerSkills::Years)
                            .small_integer()
                            .not_null()
                            .check(Expr::col(FreelancerSkills::Years).between(0, 30)),
                    )
                    .col(
                        ColumnDef::new(FreelancerSkills::Position)
                            .small_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(FreelancerSkills::ProfileId)
                            .col(FreelancerSkills::SkillId),
                    )
                    .foreign_key(&mut profile_fk(
                        FreelancerSkills::Table,
                        FreelancerSkills::ProfileId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(FreelancerSkills::Table, FreelancerSkills::SkillId)
                            .to(Skills::Table, Skills::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // Talent search filters by skill: find profiles having a skill at a level.
        manager
            .create_index(
                Index::create()
                    .name("ix_freelancer_skills_skill_level")
                    .table(FreelancerSkills::Table)
                    .col(FreelancerSkills::SkillId)
                    .col(FreelancerSkills::Level)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FreelancerLanguages::Table)
                    .col(
                        ColumnDef::new(FreelancerLanguages::ProfileId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FreelancerLanguages::Code)
                            .string_len(2)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FreelancerLanguages::Level)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FreelancerLanguages::Position)
                            .small_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(FreelancerLanguages::ProfileId)
                            .col(FreelancerLanguages::Code),
                    )
                    .foreign_key(&mut profile_fk(
                        FreelancerLanguages::Table,
                        FreelancerLanguages::ProfileId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FreelancerLinks::Table)
                    .col(ColumnDef::new(FreelancerLinks::ProfileId).uuid().not_null())
                    .col(
                        ColumnDef::new(FreelancerLinks::Site)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FreelancerLinks::Url)
                            .string_len(2048)
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(FreelancerLinks::ProfileId)
                            .col(FreelancerLinks::Site),
                    )
                    .foreign_key(&mut profile_fk(
                        FreelancerLinks::Table,
                        FreelancerLinks::ProfileId,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "freelancer_links",
            "freelancer_languages",
            "freelancer_skills",
            "freelancer_profiles",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
