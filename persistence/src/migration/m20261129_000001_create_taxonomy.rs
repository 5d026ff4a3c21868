use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
    Slug,
    Name,
    Description,
    Position,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Skills {
    Table,
    Id,
    Slug,
    Name,
    NameKey,
    Description,
    CategoryId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SkillAliases {
    Table,
    SkillId,
    AliasKey,
    Alias,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Categories::Table)
                    .col(
                        ColumnDef::new(Categories::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Categories::Slug).string_len(64).not_null())
                    .col(ColumnDef::new(Categories::Name).string_len(80).not_null())
                    .col(ColumnDef::new(Categories::Description).text().not_null())
                    .col(ColumnDef::new(Categories::Position).integer().not_null())
                    .col(
                        ColumnDef::new(Categories::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_categories_slug")
                    .table(Categories::Table)
                    .col(Categories::Slug)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Skills::Table)
                    .col(ColumnDef::new(Skills::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Skills::Slug).string_len(64).not_null())
                    .col(ColumnDef::new(Skills::Name).string_len(80).not_null())
                    .col(ColumnDef::new(Skills::NameKey).string_len(80).not_null())
                    .col(ColumnDef::new(Skills::Description).text().null())
                    .col(ColumnDef::new(Skills::CategoryId).uuid().not_null())
                    .col(
                        ColumnDef::new(Skills::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Skills::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_skills_category")
                            .from(Skills::Table, Skills::CategoryId)
                            .to(Categories::Table, Categories::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ux_skills_slug", Skills::Slug),
            ("ux_skills_name_key", Skills::NameKey),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Skills::Table)
                        .col(col)
                        .unique()
                        .to_owned(),
                )
                .await?;
        }
        // Listing a category's skills in slug order walks this index.
        manager
            .create_index(
                Index::create()
                    .name("ix_skills_category_slug")
                    .table(Skills::Table)
                    .col(Skills::CategoryId)
                    .col(Skills::Slug)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SkillAliases::Table)
                    .col(ColumnDef::new(SkillAliases::SkillId).uuid().not_null())
                    .col(
                        ColumnDef::new(SkillAliases::AliasKey)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SkillAliases::Alias)
                            .string_len(64)
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(SkillAliases::SkillId)
                            .col(SkillAliases::AliasKey),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_skill_aliases_skill")
                            .from(SkillAliases::Table, SkillAliases::SkillId)
                            .to(Skills::Table, Skills::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // An alias names one skill only.
        manager
            .create_index(
                Index::create()
                    .name("ux_skill_aliases_alias_key")
                    .table(SkillAliases::Table)
                    .col(SkillAliases::AliasKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SkillAliases::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Skills::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Categories::Table).to_owned())
            .await
    }
}
