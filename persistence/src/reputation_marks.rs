//! Reputation marks (`reputation_marks`, migration 000026): the writers of what a
//! reputation is computed from (a ledger transaction, a contract's end, a review made
//! public, hidden or restored) leave one mark per party of the contract, and a new
//! freelancer or client profile one for its owner, in their own transaction, so the
//! mark commits with the change or not at all. The reputation job recomputes the marked
//! subjects; each recomputation deletes the marks it read (`reputation_repo`).

use chrono::Utc;
use domain::DomainResult;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::errors::internal;
use crate::posting_rows::at_rest;
use crate::search_sql::Sql;

/// In the caller's transaction: marks the reputations of every party of `contracts`
/// (the client as CLIENT, the freelancer as FREELANCER, the agency, when the contract
/// runs through one, as AGENCY). One `INSERT ... SELECT` for any number of contracts;
/// nothing for none (an unknown contract marks nobody).
pub(crate) async fn mark_contracts(
    db: &impl ConnectionTrait,
    contracts: &[Uuid],
) -> DomainResult<()> {
    if contracts.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new(db.get_database_backend());
    let ids = sql.list(contracts);
    let now = sql.bind(at_rest(Utc::now()));
    sql.push(&format!(
        "INSERT INTO reputation_marks (subject_id, role, created_at) \
         SELECT c.client_id, 'CLIENT', {now} FROM contracts c WHERE c.id IN ({ids}) \
         UNION ALL SELECT c.freelancer_id, 'FREELANCER', {now} FROM contracts c \
         WHERE c.id IN ({ids}) \
         UNION ALL SELECT c.agency_id, 'AGENCY', {now} FROM contracts c \
         WHERE c.id IN ({ids}) AND c.agency_id IS NOT NULL"
    ));
    db.execute_raw(sql.statement()).await.map_err(internal)?;
    Ok(())
}

/// In the caller's transaction: marks `subject`, whatever it has (a new freelancer or
/// client profile: the next recomputation writes its rating columns). Unconditional: a
/// first recomputation of the subject still uncommitted when the profile is inserted
/// wrote no profile, and a check for a stored reputation would not see it. A subject
/// with nothing to count is recomputed to zeros, cheaply. One statement.
pub(crate) async fn mark_subject(
    db: &impl ConnectionTrait,
    subject: domain::reviews::Subject,
) -> DomainResult<()> {
    let mut sql = Sql::new(db.get_database_backend());
    let id = sql.bind(subject.id());
    let role = sql.bind(subject.role());
    let now = sql.bind(at_rest(Utc::now()));
    sql.push(&format!(
        "INSERT INTO reputation_marks (subject_id, role, created_at) \
         VALUES ({id}, {role}, {now})"
    ));
    db.execute_raw(sql.statement()).await.map_err(internal)?;
    Ok(())
}
