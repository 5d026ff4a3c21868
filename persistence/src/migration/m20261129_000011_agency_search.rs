//! Agency search, the same way as talent search (migration 000009): `skills_text` (names
//! and aliases of the agency's skills, written with the agency), a weighted `tsvector`
//! with a GIN index on PostgreSQL, an FTS5 table kept by triggers on SQLite, and B-tree
//! indexes for the NEWEST order and the country filter.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
    SkillsText,
    CreatedAt,
    Country,
}

const POSTGRES: &[&str] = &[
    "ALTER TABLE agencies ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', name), 'A')
        || setweight(to_tsvector('english', headline), 'A')
        || setweight(to_tsvector('english', skills_text), 'A')
        || setweight(to_tsvector('english', overview), 'B')) STORED",
    "CREATE INDEX ix_agencies_search ON agencies USING GIN (search_vector)",
];

const SQLITE: &[&str] = &[
    "CREATE TABLE agency_search_keys (
        rowid INTEGER PRIMARY KEY,
        agency_id BLOB NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE agencies_fts USING fts5(
        name, headline, skills_text, overview, tokenize = 'porter unicode61')",
    "CREATE TRIGGER agencies_search_insert AFTER INSERT ON agencies
     BEGIN
        INSERT INTO agency_search_keys (agency_id) VALUES (new.id);
        INSERT INTO agencies_fts (rowid, name, headline, skills_text, overview)
            SELECT rowid, new.name, new.headline, new.skills_text, new.overview
            FROM agency_search_keys WHERE agency_id = new.id;
     END",
    "CREATE TRIGGER agencies_search_update
     AFTER UPDATE OF name, headline, skills_text, overview ON agencies
     BEGIN
        UPDATE agencies_fts
            SET name = new.name, headline = new.headline, skills_text = new.skills_text,
                overview = new.overview
            WHERE rowid = (SELECT rowid FROM agency_search_keys WHERE agency_id = new.id);
     END",
    "CREATE TRIGGER agencies_search_delete AFTER DELETE ON agencies
     BEGIN
        DELETE FROM agencies_fts
            WHERE rowid = (SELECT rowid FROM agency_search_keys WHERE agency_id = old.id);
        DELETE FROM agency_search_keys WHERE agency_id = old.id;
     END",
    "INSERT INTO agency_search_keys (agency_id) SELECT id FROM agencies",
    "INSERT INTO agencies_fts (rowid, name, headline, skills_text, overview)
        SELECT k.rowid, a.name, a.headline, a.skills_text, a.overview
        FROM agency_search_keys k JOIN agencies a ON a.id = k.agency_id",
];

/// The names and aliases of each agency's skills, for existing agencies.
fn backfill_skills_text(backend: DbBackend) -> String {
    let concat = match backend {
        DbBackend::Postgres => "string_agg(t, ' ')",
        _ => "group_concat(t, ' ')",
    };
    format!(
        "UPDATE agencies SET skills_text = COALESCE((SELECT {concat} FROM (
            SELECT s.name AS t FROM agency_skills x JOIN skills s ON s.id = x.skill_id
                WHERE x.agency_id = agencies.id
            UNION ALL
            SELECT a.alias AS t FROM agency_skills x
                JOIN skill_aliases a ON a.skill_id = x.skill_id
                WHERE x.agency_id = agencies.id) y), '')"
    )
}

async fn run(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    manager.get_connection().execute_unprepared(sql).await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .alter_table(
                Table::alter()
                    .table(Agencies::Table)
                    .add_column(
                        ColumnDef::new(Agencies::SkillsText)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
        run(manager, &backfill_skills_text(backend)).await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_agencies_created")
                    .table(Agencies::Table)
                    .col(Agencies::CreatedAt)
                    .col(Agencies::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_agencies_country")
                    .table(Agencies::Table)
                    .col(Agencies::Country)
                    .to_owned(),
            )
            .await?;
        let statements = match backend {
            DbBackend::Postgres => POSTGRES,
            _ => SQLITE,
        };
        for sql in statements {
            run(manager, sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &[
                "DROP INDEX ix_agencies_search",
                "ALTER TABLE agencies DROP COLUMN search_vector",
            ],
            _ => &[
                "DROP TRIGGER agencies_search_insert",
                "DROP TRIGGER agencies_search_update",
                "DROP TRIGGER agencies_search_delete",
                "DROP TABLE agencies_fts",
                "DROP TABLE agency_search_keys",
            ],
        };
        for sql in statements {
            run(manager, sql).await?;
        }
        for name in ["ix_agencies_created", "ix_agencies_country"] {
            manager
                .drop_index(Index::drop().name(name).table(Agencies::Table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Agencies::Table)
                    .drop_column(Agencies::SkillsText)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
