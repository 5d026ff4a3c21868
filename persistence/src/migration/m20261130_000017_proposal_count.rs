//! `postings.proposal_count`, which the "fewer than N proposals" search filter reads from
//! the row it already has, is kept by the database itself: triggers on `proposals` add
//! one for each proposal written and take one away for each deleted (withdrawn proposals
//! still count, as on the public posting view). Whatever writes proposals (the API, the
//! seed, an operator's SQL) cannot leave the counter behind. The migration first counts
//! what is already there.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const RECOUNT: &str = "UPDATE postings SET proposal_count = \
     (SELECT COUNT(*) FROM proposals WHERE proposals.posting_id = postings.id)";

pub(super) const POSTGRES: &[&str] = &[
    "CREATE FUNCTION postings_count_proposals() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE postings SET proposal_count = proposal_count - 1 WHERE id = OLD.posting_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            UPDATE postings SET proposal_count = proposal_count + 1 WHERE id = NEW.posting_id;
        END IF;
        RETURN NULL;
     END $$",
    "CREATE TRIGGER proposals_count_insert_delete AFTER INSERT OR DELETE ON proposals
     FOR EACH ROW EXECUTE FUNCTION postings_count_proposals()",
    "CREATE TRIGGER proposals_count_move AFTER UPDATE OF posting_id ON proposals
     FOR EACH ROW WHEN (OLD.posting_id IS DISTINCT FROM NEW.posting_id)
     EXECUTE FUNCTION postings_count_proposals()",
];

const SQLITE: &[&str] = &[
    "CREATE TRIGGER proposals_count_insert AFTER INSERT ON proposals
     BEGIN
        UPDATE postings SET proposal_count = proposal_count + 1 WHERE id = new.posting_id;
     END",
    "CREATE TRIGGER proposals_count_delete AFTER DELETE ON proposals
     BEGIN
        UPDATE postings SET proposal_count = proposal_count - 1 WHERE id = old.posting_id;
     END",
    "CREATE TRIGGER proposals_count_move AFTER UPDATE OF posting_id ON proposals
     WHEN old.posting_id IS NOT new.posting_id
     BEGIN
        UPDATE postings SET proposal_count = proposal_count - 1 WHERE id = old.posting_id;
        UPDATE postings SET proposal_count = proposal_count + 1 WHERE id = new.posting_id;
     END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let specific = match manager.get_database_backend() {
            DbBackend::Postgres => POSTGRES,
            _ => SQLITE,
        };
        for sql in specific {
            db.execute_unprepared(sql).await?;
        }
        db.execute_unprepared(RECOUNT).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let specific: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &[
                "DROP TRIGGER proposals_count_move ON proposals",
                "DROP TRIGGER proposals_count_insert_delete ON proposals",
                "DROP FUNCTION postings_count_proposals()",
            ],
            _ => &[
                "DROP TRIGGER proposals_count_move",
                "DROP TRIGGER proposals_count_delete",
                "DROP TRIGGER proposals_count_insert",
            ],
        };
        for sql in specific {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
