use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PortfolioItems {
    Table,
    Id,
    ProfileId,
    Title,
    Description,
    Link,
    ImageLinks,
    GithubRepo,
    Stars,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PortfolioItemSkills {
    Table,
    ItemId,
    SkillId,
    Position,
}

#[derive(DeriveIden)]
enum Employments {
    Table,
    Id,
    ProfileId,
    Company,
    Title,
    StartedOn,
    EndedOn,
    Description,
    Version,
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PortfolioItems::Table)
                    .col(
                        ColumnDef::new(PortfolioItems::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(PortfolioItems::ProfileId).uuid().not_null())
                    .col(
                        ColumnDef::new(PortfolioItems::Title)
                            .string_len(120)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PortfolioItems::Description)
                            .text()
                            .not_null(),
                    )
                    .col(ColumnDef::new(PortfolioItems::Link).string_len(2048).null())
                    // A JSON array of https URLs (at most 10).
                    .col(ColumnDef::new(PortfolioItems::ImageLinks).text().not_null())
                    .col(
                        ColumnDef::new(PortfolioItems::GithubRepo)
                            .string_len(200)
                            .null(),
                    )
                    .col(ColumnDef::new(PortfolioItems::Stars).integer().null())
                    .col(
                        ColumnDef::new(PortfolioItems::Version)
                            .big_integer()
                            .not_null()
                            .default(1),
                    )
                    .col(ts(PortfolioItems::CreatedAt))
                    .col(ts(PortfolioItems::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PortfolioItems::Table, PortfolioItems::ProfileId)
                            .to(FreelancerProfiles::Table, FreelancerProfiles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_portfolio_items_profile")
                    .table(PortfolioItems::Table)
                    .col(PortfolioItems::ProfileId)
                    .col(PortfolioItems::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // A repository is imported once per profile: re-imports update it.
        manager
            .create_index(
                Index::create()
                    .name("ux_portfolio_items_github_repo")
                    .table(PortfolioItems::Table)
                    .col(PortfolioItems::ProfileId)
                    .col(PortfolioItems::GithubRepo)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PortfolioItemSkills::Table)
                    .col(
                        ColumnDef::new(PortfolioItemSkills::ItemId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PortfolioItemSkills::SkillId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PortfolioItemSkills::Position)
                            .small_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(PortfolioItemSkills::ItemId)
                            .col(PortfolioItemSkills::SkillId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PortfolioItemSkills::Table, PortfolioItemSkills::ItemId)
                            .to(PortfolioItems::Table, PortfolioItems::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PortfolioItemSkills::Table, PortfolioItemSkills::SkillId)
                            .to(Skills::Table, Skills::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Employments::Table)
                    .col(
                        ColumnDef::new(Employments::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Employments::ProfileId).uuid().not_null())
                    .col(
                        ColumnDef::new(Employments::Company)
                            .string_len(120)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Employments::Title)
                            .string_len(120)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Employments::StartedOn).date().not_null())
                    .col(ColumnDef::new(Employments::EndedOn).date().null())
                    .col(ColumnDef::new(Employments::Description).text().not_null())
                    .col(
                        ColumnDef::new(Employments::Version)
                            .big_integer()
                            .not_null()
                            .default(1),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Employments::Table, Employments::ProfileId)
                            .to(FreelancerProfiles::Table, FreelancerProfiles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_employments_profile")
                    .table(Employments::Table)
                    .col(Employments::ProfileId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["employments", "portfolio_item_skills", "portfolio_items"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
