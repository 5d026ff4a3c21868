//! Two fixes to talent search after migration 000009 (applied migrations never change):
//!
//! - an index on the RATE order without a currency filter, exactly as the search query
//!   writes its keys, so that order is read from an index too;
//! - `utc_offset_minutes` recomputed for every stored time zone: the standard offset is
//!   now the smaller of two fixed dates' offsets (Europe/Dublin is 0, not +60).

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let backend = manager.get_database_backend();
        conn.execute_unprepared(
            "CREATE INDEX ix_freelancer_profiles_rate_order ON freelancer_profiles (
                (CASE WHEN rate_minor IS NULL THEN 1 ELSE 0 END),
                (COALESCE(rate_currency, '')), (COALESCE(rate_minor, 0)), id)",
        )
        .await?;
        let zones = conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT DISTINCT time_zone FROM freelancer_profiles WHERE time_zone IS NOT NULL",
            ))
            .await?;
        for row in zones {
            let zone: String = row.try_get("", "time_zone")?;
            let offset = domain::text::standard_utc_offset_minutes(&zone);
            if offset.is_none() {
                tracing::warn!(zone, "stored time zone is not in the time zone database");
            }
            conn.execute_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    DbBackend::Postgres => {
                        "UPDATE freelancer_profiles SET utc_offset_minutes = $1 WHERE time_zone = $2"
                    }
                    _ => "UPDATE freelancer_profiles SET utc_offset_minutes = ?1 WHERE time_zone = ?2",
                },
                [offset.into(), zone.into()],
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The recomputed offsets stay: they are the correct values either way.
        manager
            .drop_index(
                Index::drop()
                    .name("ix_freelancer_profiles_rate_order")
                    .table(Alias::new("freelancer_profiles"))
                    .to_owned(),
            )
            .await
    }
}
