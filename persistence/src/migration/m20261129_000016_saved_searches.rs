//! Saved posting searches.
//!
//! - `saved_searches`: one row per saved search. `name` as the user wrote it (trimmed),
//!   `name_key` its lower case, unique per user (so names differ by more than case).
//!   `search` is the filter as the user gave it, a JSON document of its own format
//!   (`SavedSearchRow` in the repository: raw fields, enums by the keys the postings
//!   table uses). `checked_until` is the alert job's watermark: postings published up to
//!   then have been alerted on. `alerts_since`: postings published up to then never
//!   alert (when the search was saved or its filter last changed).
//!
//! Indexes: a user's searches oldest first (`user_id, id`, the list and the count for
//! the limit); the unique name per user. The alert job walks the primary key.
//!
//! Notifications already carry `saved_search_id` (without a foreign key: a notification
//! outlives the search that wrote it).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SavedSearches {
    Table,
    Id,
    UserId,
    Name,
    NameKey,
    Search,
    CreatedAt,
    UpdatedAt,
    CheckedUntil,
    AlertsSince,
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
                    .table(SavedSearches::Table)
                    .col(
                        ColumnDef::new(SavedSearches::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(SavedSearches::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(SavedSearches::Name)
                            .string_len(80)
                            .not_null(),
                    )
                    // Lower case can be longer than the name in some scripts.
                    .col(
                        ColumnDef::new(SavedSearches::NameKey)
                            .string_len(320)
                            .not_null(),
                    )
                    .col(ColumnDef::new(SavedSearches::Search).text().not_null())
                    .col(ts(SavedSearches::CreatedAt))
                    .col(ts(SavedSearches::UpdatedAt))
                    .col(ts(SavedSearches::CheckedUntil))
                    .col(ts(SavedSearches::AlertsSince))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SavedSearches::Table, SavedSearches::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_saved_searches_user")
                    .table(SavedSearches::Table)
                    .col(SavedSearches::UserId)
                    .col(SavedSearches::Id)
                    .to_owned(),
            )
            .await?;
        // One name per user, whatever its case: the database has the last word.
        manager
            .create_index(
                Index::create()
                    .name("ux_saved_searches_user_name_key")
                    .table(SavedSearches::Table)
                    .col(SavedSearches::UserId)
                    .col(SavedSearches::NameKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SavedSearches::Table).to_owned())
            .await
    }
}
