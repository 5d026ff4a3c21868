use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SignInAttempts {
    Table,
    StateHash,
    Provider,
    PkceVerifier,
    Nonce,
    ReturnTo,
    LinkTo,
    AppChallenge,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum SignInGrants {
    Table,
    CodeHash,
    UserId,
    AppChallenge,
    CreatedAt,
    ExpiresAt,
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
                    .table(SignInAttempts::Table)
                    .col(
                        ColumnDef::new(SignInAttempts::StateHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(SignInAttempts::Provider)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SignInAttempts::PkceVerifier)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(ColumnDef::new(SignInAttempts::Nonce).string_len(128).null())
                    .col(
                        ColumnDef::new(SignInAttempts::ReturnTo)
                            .string_len(2048)
                            .not_null(),
                    )
                    .col(ColumnDef::new(SignInAttempts::LinkTo).uuid().null())
                    .col(
                        ColumnDef::new(SignInAttempts::AppChallenge)
                            .string_len(128)
                            .null(),
                    )
                    .col(ts(SignInAttempts::CreatedAt))
                    .col(ts(SignInAttempts::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SignInAttempts::Table, SignInAttempts::LinkTo)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sign_in_attempts_expires_at")
                    .table(SignInAttempts::Table)
                    .col(SignInAttempts::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInGrants::Table)
                    .col(
                        ColumnDef::new(SignInGrants::CodeHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(SignInGrants::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(SignInGrants::AppChallenge)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(ts(SignInGrants::CreatedAt))
                    .col(ts(SignInGrants::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SignInGrants::Table, SignInGrants::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sign_in_grants_expires_at")
                    .table(SignInGrants::Table)
                    .col(SignInGrants::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SignInGrants::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SignInAttempts::Table).to_owned())
            .await
    }
}
