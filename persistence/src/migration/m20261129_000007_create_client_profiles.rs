use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ClientProfiles {
    Table,
    Id,
    UserId,
    CompanyName,
    Size,
    Industry,
    Website,
    Country,
    City,
    Description,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
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
                    .table(ClientProfiles::Table)
                    .col(
                        ColumnDef::new(ClientProfiles::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ClientProfiles::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(ClientProfiles::CompanyName)
                            .string_len(120)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ClientProfiles::Size).string_len(24).null())
                    .col(
                        ColumnDef::new(ClientProfiles::Industry)
                            .string_len(80)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ClientProfiles::Website)
                            .string_len(2048)
                            .null(),
                    )
                    .col(ColumnDef::new(ClientProfiles::Country).string_len(2).null())
                    .col(ColumnDef::new(ClientProfiles::City).string_len(100).null())
                    .col(
                        ColumnDef::new(ClientProfiles::Description)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ClientProfiles::Version)
                            .big_integer()
                            .not_null()
                            .default(1),
                    )
                    .col(ts(ClientProfiles::CreatedAt))
                    .col(ts(ClientProfiles::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ClientProfiles::Table, ClientProfiles::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_client_profiles_user")
                    .table(ClientProfiles::Table)
                    .col(ClientProfiles::UserId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ClientProfiles::Table).to_owned())
            .await
    }
}
