//! Talent search: the columns and indexes `freelancers(filter, sort)` runs on.
//!
//! - `skills_text`: the names and aliases of a profile's skills, written with the profile,
//!   so free text finds "golang" on a profile listing Go.
//! - `utc_offset_minutes`: the standard offset of the profile's time zone, for time-zone
//!   ranges.
//! - `rating_avg`, `review_count`: the freelancer's reputation, written only by reputation
//!   recomputation (reviews); unrated until then.
//! - Full text: on PostgreSQL a generated, weighted `tsvector` with a GIN index; on SQLite
//!   an FTS5 table kept in step by triggers. FTS5 rows are keyed by an `INTEGER PRIMARY
//!   KEY` of `freelancer_search_keys` (stable across `VACUUM`, unlike an implicit rowid).

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FreelancerProfiles {
    Table,
    Id,
    SkillsText,
    UtcOffsetMinutes,
    RatingAvg,
    ReviewCount,
    RateCurrency,
    RateMinor,
    CreatedAt,
    Country,
}

#[derive(DeriveIden)]
enum FreelancerLanguages {
    Table,
    Code,
    Level,
}

const POSTGRES: &[&str] = &[
    "ALTER TABLE freelancer_profiles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', headline), 'A')
        || setweight(to_tsvector('english', skills_text), 'A')
        || setweight(to_tsvector('english', overview), 'B')) STORED",
    "CREATE INDEX ix_freelancer_profiles_search ON freelancer_profiles USING GIN (search_vector)",
    // The RATING order, as the search query writes it.
    "CREATE INDEX ix_freelancer_profiles_rating ON freelancer_profiles
        ((-COALESCE(rating_avg, 0.0)), (-review_count), id)",
];

const SQLITE: &[&str] = &[
    "CREATE TABLE freelancer_search_keys (
        rowid INTEGER PRIMARY KEY,
        profile_id BLOB NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE freelancer_profiles_fts USING fts5(
        headline, skills_text, overview, tokenize = 'porter unicode61')",
    "CREATE TRIGGER freelancer_profiles_search_insert AFTER INSERT ON freelancer_profiles
     BEGIN
        INSERT INTO freelancer_search_keys (profile_id) VALUES (new.id);
        INSERT INTO freelancer_profiles_fts (rowid, headline, skills_text, overview)
            SELECT rowid, new.headline, new.skills_text, new.overview
            FROM freelancer_search_keys WHERE profile_id = new.id;
     END",
    "CREATE TRIGGER freelancer_profiles_search_update
     AFTER UPDATE OF headline, skills_text, overview ON freelancer_profiles
     BEGIN
        UPDATE freelancer_profiles_fts
            SET headline = new.headline, skills_text = new.skills_text, overview = new.overview
            WHERE rowid = (SELECT rowid FROM freelancer_search_keys WHERE profile_id = new.id);
     END",
    "CREATE TRIGGER freelancer_profiles_search_delete AFTER DELETE ON freelancer_profiles
     BEGIN
        DELETE FROM freelancer_profiles_fts
            WHERE rowid = (SELECT rowid FROM freelancer_search_keys WHERE profile_id = old.id);
        DELETE FROM freelancer_search_keys WHERE profile_id = old.id;
     END",
    "INSERT INTO freelancer_search_keys (profile_id) SELECT id FROM freelancer_profiles",
    "INSERT INTO freelancer_profiles_fts (rowid, headline, skills_text, overview)
        SELECT k.rowid, p.headline, p.skills_text, p.overview
        FROM freelancer_search_keys k JOIN freelancer_profiles p ON p.id = k.profile_id",
    "CREATE INDEX ix_freelancer_profiles_rating ON freelancer_profiles
        ((-COALESCE(rating_avg, 0.0)), (-review_count), id)",
];

/// The names and aliases of each profile's skills, for existing profiles.
fn backfill_skills_text(backend: DbBackend) -> String {
    let concat = match backend {
        DbBackend::Postgres => "string_agg(t, ' ')",
        _ => "group_concat(t, ' ')",
    };
    format!(
        "UPDATE freelancer_profiles SET skills_text = COALESCE((SELECT {concat} FROM (
            SELECT s.name AS t FROM freelancer_skills fs JOIN skills s ON s.id = fs.skill_id
                WHERE fs.profile_id = freelancer_profiles.id
            UNION ALL
            SELECT a.alias AS t FROM freelancer_skills fs
                JOIN skill_aliases a ON a.skill_id = fs.skill_id
                WHERE fs.profile_id = freelancer_profiles.id) x), '')"
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
        // SQLite adds one column per statement.
        for column in [
            ColumnDef::new(FreelancerProfiles::SkillsText)
                .text()
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(FreelancerProfiles::UtcOffsetMinutes)
                .small_integer()
                .null()
                .check(Expr::col(FreelancerProfiles::UtcOffsetMinutes).between(-720, 840))
                .to_owned(),
            ColumnDef::new(FreelancerProfiles::RatingAvg)
                .double()
                .null()
                .check(Expr::col(FreelancerProfiles::RatingAvg).between(1, 5))
                .to_owned(),
            ColumnDef::new(FreelancerProfiles::ReviewCount)
                .big_integer()
                .not_null()
                .default(0)
                .check(Expr::col(FreelancerProfiles::ReviewCount).gte(0))
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(FreelancerProfiles::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        run(manager, &backfill_skills_text(backend)).await?;
        // Offsets come from the time zone database, which SQL does not have.
        let conn = manager.get_connection();
        let zones = conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT DISTINCT time_zone FROM freelancer_profiles WHERE time_zone IS NOT NULL",
            ))
            .await?;
        for row in zones {
            let zone: String = row.try_get("", "time_zone")?;
            let offset = domain::text::standard_utc_offset_minutes(&zone);
            conn.execute_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    DbBackend::Postgres => {
                        "UPDATE freelancer_profiles SET utc_offset_minutes = $1 WHERE time_zone = $2"
                    }
                    _ => "UPDATE freelancer_profiles SET utc_offset_minutes = ? WHERE time_zone = ?",
                },
                [offset.into(), zone.into()],
            ))
            .await?;
        }
        for (name, cols) in [
            (
                "ix_freelancer_profiles_rate",
                vec![
                    FreelancerProfiles::RateCurrency,
                    FreelancerProfiles::RateMinor,
                    FreelancerProfiles::Id,
                ],
            ),
            (
                "ix_freelancer_profiles_created",
                vec![FreelancerProfiles::CreatedAt, FreelancerProfiles::Id],
            ),
            (
                "ix_freelancer_profiles_utc_offset",
                vec![FreelancerProfiles::UtcOffsetMinutes],
            ),
            (
                "ix_freelancer_profiles_country",
                vec![FreelancerProfiles::Country],
            ),
        ] {
            let mut index = Index::create()
                .name(name)
                .table(FreelancerProfiles::Table)
                .to_owned();
            for col in cols {
                index.col(col);
            }
            manager.create_index(index).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_freelancer_languages_code_level")
                    .table(FreelancerLanguages::Table)
                    .col(FreelancerLanguages::Code)
                    .col(FreelancerLanguages::Level)
                    .to_owned(),
            )
            .await?;
        // Search leaves out suspended users' profiles; they are few, so a partial index
        // of them answers "is the owner suspended?" without reading all users.
        run(
            manager,
            "CREATE INDEX ix_users_not_active ON users (id) WHERE status <> 'ACTIVE'",
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
        let backend = manager.get_database_backend();
        let statements: &[&str] = match backend {
            DbBackend::Postgres => &[
                "DROP INDEX ix_freelancer_profiles_search",
                "ALTER TABLE freelancer_profiles DROP COLUMN search_vector",
            ],
            _ => &[
                "DROP TRIGGER freelancer_profiles_search_insert",
                "DROP TRIGGER freelancer_profiles_search_update",
                "DROP TRIGGER freelancer_profiles_search_delete",
                "DROP TABLE freelancer_profiles_fts",
                "DROP TABLE freelancer_search_keys",
            ],
        };
        for sql in statements {
            run(manager, sql).await?;
        }
        for (name, table) in [
            ("ix_freelancer_profiles_rating", "freelancer_profiles"),
            ("ix_users_not_active", "users"),
            ("ix_freelancer_languages_code_level", "freelancer_languages"),
            ("ix_freelancer_profiles_rate", "freelancer_profiles"),
            ("ix_freelancer_profiles_created", "freelancer_profiles"),
            ("ix_freelancer_profiles_utc_offset", "freelancer_profiles"),
            ("ix_freelancer_profiles_country", "freelancer_profiles"),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        for column in [
            FreelancerProfiles::SkillsText,
            FreelancerProfiles::UtcOffsetMinutes,
            FreelancerProfiles::RatingAvg,
            FreelancerProfiles::ReviewCount,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(FreelancerProfiles::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
