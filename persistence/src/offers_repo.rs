//! Offers on SeaORM: making one (with the proposal's step to OFFERED), ending one (the
//! proposal back in its stage), accepting one (the contract, and the posting filled when
//! it was the last position), and reading them with their milestone plans.
//!
//! Every write takes rows in one order (on PostgreSQL; SQLite's write lock is held from
//! `BEGIN`): the posting (an accept only), then the proposal, then the offer; a
//! withdrawal (`proposals_repo`) takes the proposal then its offer, and a posting's close
//! the posting, its proposals and then their offers. So none of them waits on another
//! in a circle. The compare-and-sets decide races; the unique indexes have the last
//! word: one PENDING offer per proposal (`ux_offers_proposal_pending`), one contract per
//! offer (`ux_contracts_offer`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::DomainResult;
use domain::contracts::{AcceptOutcome, AcceptWrite, Offer, OfferId, OfferStatus, ProposalStep};
use domain::proposals::ProposalId;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::contract_rows::{
    assemble_offers, change_row, contract_at_rest, contract_row, milestone_row, offer_row,
    plan_rows,
};
use crate::db::settle;
use crate::entities::{
    contract, contract_change, contract_milestone, offer, offer_milestone, posting,
};
use crate::errors::{internal, is_unique_violation};
use crate::posting_rows::at_rest;
use crate::proposals_repo::write_step;

/// Stores the proposal's step that goes with an offer's change.
async fn step(db: &impl ConnectionTrait, s: &ProposalStep) -> DomainResult<bool> {
    write_step(db, &s.proposal, s.expected, &s.change, false).await
}

/// Everything an accepted offer writes, in its transaction.
async fn accept(db: &DatabaseTransaction, w: &AcceptWrite) -> DomainResult<AcceptOutcome> {
    let posting_id = w.contract.posting_id;
    // The posting's row first: accepts on one posting take turns, so each counts the
    // contracts of those before it.
    posting::Entity::find_by_id(posting_id.0)
        .select_only()
        .column(posting::Column::Id)
        // FOR NO KEY UPDATE: it still lets a concurrent insert that names the posting
        // by foreign key (an offer, a contract) take its KEY SHARE lock, so the two
        // cannot deadlock.
        .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
        .into_tuple::<Uuid>()
        .one(db)
        .await
        .map_err(internal)?;
    if !step(db, &w.proposal).await? {
        return Ok(AcceptOutcome::Stale);
    }
    let accepted = offer::Entity::update_many()
        .col_expr(offer::Column::Status, Expr::value(w.offer.status.key()))
        .col_expr(offer::Column::ContractId, Expr::value(w.contract.id.0))
        .col_expr(
            offer::Column::UpdatedAt,
            Expr::value(at_rest(w.offer.updated_at)),
        )
        .filter(offer::Column::Id.eq(w.offer.id.0))
        .filter(offer::Column::Status.eq(OfferStatus::Pending.key()))
        .filter(offer::Column::ExpiresAt.gt(at_rest(w.now)))
        .exec(db)
        .await
        .map_err(internal)?;
    if accepted.rows_affected == 0 {
        return Ok(AcceptOutcome::Stale);
    }
    if let Err(e) = contract::Entity::insert(contract_row(&w.contract))
        .exec_without_returning(db)
        .await
    {
        return if is_unique_violation(&e) {
            Ok(AcceptOutcome::Stale)
        } else {
            Err(internal(e))
        };
    }
    if !w.milestones.is_empty() {
        let rows = w
            .milestones
            .iter()
            .map(milestone_row)
            .collect::<DomainResult<Vec<_>>>()?;
        contract_milestone::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await
            .map_err(internal)?;
    }
    contract_change::Entity::insert(change_row(&w.change))
        .exec_without_returning(db)
        .await
        .map_err(internal)?;
    let contracts = contract::Entity::find()
        .filter(contract::Column::PostingId.eq(posting_id.0))
        .count(db)
        .await
        .map_err(internal)?;
    let posting_filled = contracts >= u64::from(w.positions)
        && crate::postings_repo::close_filled(db, posting_id, w.now, w.contract.client_id).await?;
    Ok(AcceptOutcome::Accepted {
        contract: Box::new(contract_at_rest(&w.contract)),
        posting_filled,
    })
}

pub(crate) async fn create_offer(
    db: &DatabaseConnection,
    offer: &Offer,
    proposal: &ProposalStep,
) -> DomainResult<bool> {
    let txn = crate::db::begin_write(db).await.map_err(internal)?;
    let decided = async {
        if !step(&txn, proposal).await? {
            return Ok(false);
        }
        if let Err(e) = offer::Entity::insert(offer_row(offer))
            .exec_without_returning(&txn)
            .await
        {
            // The partial unique index: the proposal has a PENDING offer already.
            return if is_unique_violation(&e) {
                Ok(false)
            } else {
                Err(internal(e))
            };
        }
        let plans = plan_rows(offer);
        if !plans.is_empty() {
            offer_milestone::Entity::insert_many(plans)
                .exec_without_returning(&txn)
                .await
                .map_err(internal)?;
        }
        Ok(true)
    }
    .await;
    settle(txn, decided, |written| *written).await
}

pub(crate) async fn offers(db: &DatabaseConnection, ids: &[OfferId]) -> DomainResult<Vec<Offer>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = offer::Entity::find()
        .filter(offer::Column::Id.is_in(ids.iter().map(|i| i.0)))
        .order_by_desc(offer::Column::Id)
        .all(db)
        .await
        .map_err(internal)?;
    assemble_offers(db, rows).await
}

pub(crate) async fn offers_of_proposals(
    db: &DatabaseConnection,
    ids: &[ProposalId],
) -> DomainResult<HashMap<ProposalId, Vec<Offer>>> {
    let mut out: HashMap<ProposalId, Vec<Offer>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = offer::Entity::find()
        .filter(offer::Column::ProposalId.is_in(ids.iter().map(|i| i.0)))
        .order_by_asc(offer::Column::ProposalId)
        .order_by_desc(offer::Column::Id)
        .all(db)
        .await
        .map_err(internal)?;
    for o in assemble_offers(db, rows).await? {
        out.entry(o.proposal_id).or_default().push(o);
    }
    Ok(out)
}

pub(crate) async fn end_offer(
    db: &DatabaseConnection,
    offer: &Offer,
    proposal: &ProposalStep,
) -> DomainResult<bool> {
    let txn = crate::db::begin_write(db).await.map_err(internal)?;
    let decided = async {
        if !step(&txn, proposal).await? {
            return Ok(false);
        }
        let ended = offer::Entity::update_many()
            .col_expr(offer::Column::Status, Expr::value(offer.status.key()))
            .col_expr(
                offer::Column::StatusReason,
                Expr::value(offer.status_reason.clone()),
            )
            .col_expr(
                offer::Column::UpdatedAt,
                Expr::value(at_rest(offer.updated_at)),
            )
            .filter(offer::Column::Id.eq(offer.id.0))
            .filter(offer::Column::Status.eq(OfferStatus::Pending.key()))
            .exec(&txn)
            .await
            .map_err(internal)?;
        Ok(ended.rows_affected == 1)
    }
    .await;
    settle(txn, decided, |written| *written).await
}

pub(crate) async fn accept_offer(
    db: &DatabaseConnection,
    write: &AcceptWrite,
) -> DomainResult<AcceptOutcome> {
    let txn = crate::db::begin_write(db).await.map_err(internal)?;
    let decided = accept(&txn, write).await;
    let outcome = settle(txn, decided, |o| {
        matches!(o, AcceptOutcome::Accepted { .. })
    })
    .await?;
    if let AcceptOutcome::Accepted { posting_filled, .. } = &outcome {
        tracing::info!(
            offer = %write.offer.id.0,
            contract = %write.contract.id.0,
            posting_filled,
            "offer accepted"
        );
    }
    Ok(outcome)
}

pub(crate) async fn expired_offers(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: u32,
) -> DomainResult<Vec<Offer>> {
    let rows = offer::Entity::find()
        .filter(offer::Column::Status.eq(OfferStatus::Pending.key()))
        .filter(offer::Column::ExpiresAt.lte(at_rest(now)))
        .order_by_asc(offer::Column::ExpiresAt)
        .order_by_asc(offer::Column::Id)
        .limit(u64::from(limit))
        .all(db)
        .await
        .map_err(internal)?;
    assemble_offers(db, rows).await
}
