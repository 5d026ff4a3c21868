//! Posting search, the same way as talent and agency search: a weighted `tsvector` with a
//! GIN index on PostgreSQL, an FTS5 table kept by triggers on SQLite (keyed by an INTEGER
//! PRIMARY KEY side table, so VACUUM cannot break it), and partial B-tree indexes over
//! the postings search can return (OPEN and PUBLIC) for each order and the common
//! filters. `countries_key` (`,DE,AT,`) lets the country filter test the row it reads
//! rather than run a sub-query per row. Clients get `rating_avg` / `review_count` columns (written by reviews, a later
//! feature) for the "client rating at least" filter.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The postings search can return; every search index is partial on it.
const SEARCHABLE: &str = "status = 'OPEN' AND visibility = 'PUBLIC'";

fn shared() -> Vec<String> {
    vec![
        "ALTER TABLE postings ADD COLUMN countries_key TEXT NOT NULL DEFAULT ''".to_owned(),
        format!(
            "CREATE INDEX ix_postings_search_newest ON postings (published_at, id) WHERE {SEARCHABLE}"
        ),
        format!(
            "CREATE INDEX ix_postings_search_budget ON postings \
             (budget_currency, budget_max_minor, id) WHERE {SEARCHABLE}"
        ),
        // With a budget kind as well, the kind is fixed by equality and the order is
        // read from the index without skipping budgets of other kinds.
        format!(
            "CREATE INDEX ix_postings_search_budget_kind ON postings \
             (budget_currency, budget_kind, budget_max_minor, id) WHERE {SEARCHABLE}"
        ),
        format!(
            "CREATE INDEX ix_postings_search_category ON postings \
             (category_id, published_at, id) WHERE {SEARCHABLE}"
        ),
        "ALTER TABLE client_profiles ADD COLUMN rating_avg DOUBLE PRECISION".to_owned(),
        "ALTER TABLE client_profiles ADD COLUMN review_count INTEGER NOT NULL DEFAULT 0".to_owned(),
        "CREATE INDEX ix_client_profiles_rating ON client_profiles (user_id, rating_avg)"
            .to_owned(),
    ]
}

const POSTGRES: &[&str] = &[
    "ALTER TABLE postings ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', skills_text), 'A')
        || setweight(to_tsvector('english', description), 'B')) STORED",
    "CREATE INDEX ix_postings_search ON postings USING GIN (search_vector)",
];

const SQLITE: &[&str] = &[
    "CREATE TABLE posting_search_keys (
        rowid INTEGER PRIMARY KEY,
        posting_id BLOB NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE postings_fts USING fts5(
        title, skills_text, description, tokenize = 'porter unicode61')",
    "CREATE TRIGGER postings_search_insert AFTER INSERT ON postings
     BEGIN
        INSERT INTO posting_search_keys (posting_id) VALUES (new.id);
        INSERT INTO postings_fts (rowid, title, skills_text, description)
            SELECT rowid, new.title, new.skills_text, new.description
            FROM posting_search_keys WHERE posting_id = new.id;
     END",
    "CREATE TRIGGER postings_search_update
     AFTER UPDATE OF title, skills_text, description ON postings
     BEGIN
        UPDATE postings_fts
            SET title = new.title, skills_text = new.skills_text,
                description = new.description
            WHERE rowid = (SELECT rowid FROM posting_search_keys WHERE posting_id = new.id);
     END",
    "CREATE TRIGGER postings_search_delete AFTER DELETE ON postings
     BEGIN
        DELETE FROM postings_fts
            WHERE rowid = (SELECT rowid FROM posting_search_keys WHERE posting_id = old.id);
        DELETE FROM posting_search_keys WHERE posting_id = old.id;
     END",
    "INSERT INTO posting_search_keys (posting_id) SELECT id FROM postings",
    "INSERT INTO postings_fts (rowid, title, skills_text, description)
        SELECT k.rowid, p.title, p.skills_text, p.description
        FROM posting_search_keys k JOIN postings p ON p.id = k.posting_id",
];

/// `,DE,AT,` from the countries of postings written before this migration.
fn backfill_countries(backend: DbBackend) -> String {
    let concat = match backend {
        DbBackend::Postgres => "string_agg(c.country, ',' ORDER BY c.position)",
        _ => "group_concat(c.country, ',')",
    };
    format!(
        "UPDATE postings SET countries_key = COALESCE((SELECT ',' || {concat} || ',' \
         FROM posting_countries c WHERE c.posting_id = postings.id), '')"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in shared() {
            db.execute_unprepared(&sql).await?;
        }
        db.execute_unprepared(&backfill_countries(manager.get_database_backend()))
            .await?;
        let specific = match manager.get_database_backend() {
            DbBackend::Postgres => POSTGRES,
            _ => SQLITE,
        };
        for sql in specific {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let specific: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &[
                "DROP INDEX ix_postings_search",
                "ALTER TABLE postings DROP COLUMN search_vector",
            ],
            _ => &[
                "DROP TRIGGER postings_search_insert",
                "DROP TRIGGER postings_search_update",
                "DROP TRIGGER postings_search_delete",
                "DROP TABLE postings_fts",
                "DROP TABLE posting_search_keys",
            ],
        };
        for sql in specific {
            db.execute_unprepared(sql).await?;
        }
        for sql in [
            "DROP INDEX ix_client_profiles_rating",
            "ALTER TABLE client_profiles DROP COLUMN review_count",
            "ALTER TABLE client_profiles DROP COLUMN rating_avg",
            "DROP INDEX ix_postings_search_category",
            "DROP INDEX ix_postings_search_budget_kind",
            "DROP INDEX ix_postings_search_budget",
            "DROP INDEX ix_postings_search_newest",
            "ALTER TABLE postings DROP COLUMN countries_key",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
