//! PostgreSQL: the proposal counter of migration 000017 is kept per statement instead of
//! per row. A row trigger updates the posting once for every proposal written, which
//! made a bulk load (the seed, an import) about three times slower than without it; a
//! statement trigger reads the statement's rows (transition tables) and updates each
//! posting once, by how many of its proposals came or went. It also follows `TRUNCATE`
//! (every count back to zero), and it names the schema it was created in, whatever the
//! search path of whoever writes proposals.
//!
//! SQLite has no statement triggers: its row triggers of 000017 stay, and this migration
//! changes nothing there.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::m20261130_000017_proposal_count::POSTGRES as ROW_TRIGGERS;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "DROP TRIGGER proposals_count_move ON proposals",
    "DROP TRIGGER proposals_count_insert_delete ON proposals",
    "DROP FUNCTION postings_count_proposals()",
    "CREATE FUNCTION postings_count_proposals() RETURNS trigger LANGUAGE plpgsql
     SET search_path FROM CURRENT AS $$
     BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE postings p SET proposal_count = p.proposal_count + d.n
            FROM (SELECT posting_id, COUNT(*) AS n FROM new_rows GROUP BY posting_id) d
            WHERE p.id = d.posting_id;
        ELSIF TG_OP = 'DELETE' THEN
            UPDATE postings p SET proposal_count = p.proposal_count - d.n
            FROM (SELECT posting_id, COUNT(*) AS n FROM old_rows GROUP BY posting_id) d
            WHERE p.id = d.posting_id;
        ELSIF TG_OP = 'UPDATE' THEN
            -- Rows after the statement count one, rows before it minus one: what stayed
            -- nets to nothing, whatever the statement changed (even IDs).
            UPDATE postings p SET proposal_count = p.proposal_count + d.n
            FROM (
                SELECT posting_id, SUM(delta) AS n FROM (
                    SELECT posting_id, 1 AS delta FROM new_rows
                    UNION ALL
                    SELECT posting_id, -1 AS delta FROM old_rows
                ) rows_changed GROUP BY posting_id HAVING SUM(delta) <> 0
            ) d
            WHERE p.id = d.posting_id;
        ELSIF TG_OP = 'TRUNCATE' THEN
            UPDATE postings SET proposal_count = 0 WHERE proposal_count <> 0;
        END IF;
        RETURN NULL;
     END $$",
    "CREATE TRIGGER proposals_count_insert AFTER INSERT ON proposals
     REFERENCING NEW TABLE AS new_rows
     FOR EACH STATEMENT EXECUTE FUNCTION postings_count_proposals()",
    "CREATE TRIGGER proposals_count_delete AFTER DELETE ON proposals
     REFERENCING OLD TABLE AS old_rows
     FOR EACH STATEMENT EXECUTE FUNCTION postings_count_proposals()",
    // Transition tables rule out `UPDATE OF posting_id`: every update statement reads
    // its rows (one or a few for the API's updates), and only moved proposals count.
    "CREATE TRIGGER proposals_count_move AFTER UPDATE ON proposals
     REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
     FOR EACH STATEMENT EXECUTE FUNCTION postings_count_proposals()",
    "CREATE TRIGGER proposals_count_truncate AFTER TRUNCATE ON proposals
     FOR EACH STATEMENT EXECUTE FUNCTION postings_count_proposals()",
];

const DOWN: &[&str] = &[
    "DROP TRIGGER proposals_count_truncate ON proposals",
    "DROP TRIGGER proposals_count_move ON proposals",
    "DROP TRIGGER proposals_count_delete ON proposals",
    "DROP TRIGGER proposals_count_insert ON proposals",
    "DROP FUNCTION postings_count_proposals()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for sql in UP {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for sql in DOWN.iter().chain(ROW_TRIGGERS) {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
