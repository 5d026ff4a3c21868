//! Review reports and moderation on SeaORM (`review_reports`, `review_moderations`,
//! migration 000026); the review repository's methods for them call these.
//!
//! A report is one `INSERT`: the unique `(review_id, reporter_id)` index decides a
//! duplicate, also between two concurrent reports (one row stays). The admins' queue
//! reads reports newest first by their time-ordered IDs (open ones through the partial
//! index `ix_review_reports_open`).
//!
//! An admin's action is one write transaction that decides by the review's state as
//! stored, with compare-and-set updates: HIDE sets the moderation columns of a review
//! whose `hidden_at` is NULL (`RETURNING` its contract) and resolves its open reports;
//! RESTORE clears them on a hidden one; DISMISS first updates the review's row to itself
//! (holding it as the others do), then resolves the open reports. An update that finds
//! nothing to change (hidden already, not hidden, no such review, no open report) means
//! `false` and the transaction rolls back. Otherwise the event is kept, numbered after
//! the review's last one (`seq`, computed in its `INSERT ... SELECT`) and, for HIDE and
//! RESTORE, the contract's parties' reputations are marked. Besides `BEGIN` and
//! `COMMIT`: HIDE four statements (the review, its reports, the event, the marks),
//! RESTORE three (no reports), DISMISS three (the hold, the reports, the event).
//!
//! Two concurrent actions on one review take turns on its row (PostgreSQL) or the write
//! lock (SQLite): the second re-reads the state the first left and numbers its event
//! after the first's. The trail reads in that order, not by the events' times: those
//! are taken before the transaction, so two admins' racing actions may carry times in
//! the other order (a RESTORE committed first, then a HIDE stamped a moment earlier).

use std::collections::HashMap;

use domain::actor::UserId;
use domain::pagination::{Page, PageRequest};
use domain::reviews::{
    ModerationAction, ModerationEvent, ReportId, ReportReason, Resolution, ReviewId, ReviewReport,
};
use domain::{DomainError, DomainResult};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use uuid::Uuid;

use crate::db::settle;
use crate::entities::{review_moderation, review_report};
use crate::errors::{internal, is_unique_violation};
use crate::posting_rows::at_rest;
use crate::reputation_marks::mark_contracts;
use crate::search_sql::Sql;

/// The error for a stored report or moderation the domain cannot take back.
fn corrupt(what: &str) -> DomainError {
    DomainError::internal(format!("stored moderation data is invalid: {what}"))
}

/// The report stored as `r`; an error for an unknown reason or resolution, or a
/// resolution without its admin or time.
fn to_report(r: review_report::Model) -> DomainResult<ReviewReport> {
    let resolution = match (r.resolution, r.resolved_by, r.resolved_at) {
        (None, None, None) => None,
        (Some(action), Some(by), Some(at)) => Some(Resolution {
            action: ModerationAction::parse(&action)
                .filter(|a| *a != ModerationAction::Restore)
                .ok_or_else(|| corrupt("report resolution"))?,
            by: UserId(by),
            at,
        }),
        _ => return Err(corrupt("report resolution")),
    };
    Ok(ReviewReport {
        id: ReportId(r.id),
        review_id: ReviewId(r.review_id),
        reporter_id: UserId(r.reporter_id),
        reason: ReportReason::parse(&r.reason).ok_or_else(|| corrupt("report reason"))?,
        details: r.details,
        created_at: r.created_at,
        resolution,
    })
}

fn to_event(m: review_moderation::Model) -> DomainResult<ModerationEvent> {
    Ok(ModerationEvent {
        id: m.id,
        review_id: ReviewId(m.review_id),
        action: ModerationAction::parse(&m.action).ok_or_else(|| corrupt("moderation action"))?,
        reason: m.reason,
        by: UserId(m.moderator_id),
        at: m.at,
    })
}

/// Stores `r`, open (a new report has no resolution: its columns are NULL); `false`
/// when its reporter reported its review already.
pub(crate) async fn report(db: &DatabaseConnection, r: &ReviewReport) -> DomainResult<bool> {
    let row = review_report::ActiveModel {
        id: Set(r.id.0),
        review_id: Set(r.review_id.0),
        reporter_id: Set(r.reporter_id.0),
        reason: Set(r.reason.key().to_owned()),
        details: Set(r.details.clone()),
        created_at: Set(at_rest(r.created_at)),
        resolution: Set(None),
        resolved_by: Set(None),
        resolved_at: Set(None),
    };
    match review_report::Entity::insert(row)
        .exec_without_returning(db)
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(internal(e)),
    }
}

/// Reports by ID (newest first); unknown IDs are left out. One statement. For tests
/// that read what was stored.
#[cfg(test)]
pub(crate) async fn reports_by_ids(
    db: &DatabaseConnection,
    ids: &[ReportId],
) -> DomainResult<Vec<ReviewReport>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    review_report::Entity::find()
        .filter(review_report::Column::Id.is_in(ids.iter().map(|i| i.0)))
        .order_by_desc(review_report::Column::Id)
        .all(db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(to_report)
        .collect()
}

/// A page of reports newest first (only open ones when `open`): exactly what
/// [`reports`] runs (tests EXPLAIN it; open ones through `ix_review_reports_open`).
pub(crate) fn reports_query(
    open: bool,
    page: &PageRequest<ReportId>,
) -> Select<review_report::Entity> {
    let mut query = review_report::Entity::find();
    if open {
        query = query.filter(review_report::Column::ResolvedAt.is_null());
    }
    if let Some(after) = page.after() {
        query = query.filter(review_report::Column::Id.lt(after.0));
    }
    query
        .order_by_desc(review_report::Column::Id)
        .limit(page.fetch_limit())
}

/// A page of reports newest first (only open ones when `open`). One statement.
pub(crate) async fn reports(
    db: &DatabaseConnection,
    open: bool,
    page: &PageRequest<ReportId>,
) -> DomainResult<Page<ReviewReport>> {
    let rows = reports_query(open, page).all(db).await.map_err(internal)?;
    let found = Page::from_overfetch(rows, page);
    Ok(Page {
        has_next_page: found.has_next_page,
        items: found
            .items
            .into_iter()
            .map(to_report)
            .collect::<DomainResult<_>>()?,
    })
}

/// Resolves the review's open reports as `action` by the event's admin at its time: how
/// many.
async fn resolve(
    db: &impl ConnectionTrait,
    e: &ModerationEvent,
    action: ModerationAction,
) -> DomainResult<u64> {
    let resolved = review_report::Entity::update_many()
        .col_expr(review_report::Column::Resolution, Expr::value(action.key()))
        .col_expr(review_report::Column::ResolvedBy, Expr::value(e.by.0))
        .col_expr(
            review_report::Column::ResolvedAt,
            Expr::value(at_rest(e.at)),
        )
        .filter(review_report::Column::ReviewId.eq(e.review_id.0))
        .filter(review_report::Column::ResolvedAt.is_null())
        .exec(db)
        .await
        .map_err(internal)?;
    Ok(resolved.rows_affected)
}

/// Hides (with the event's reason, admin and time) or restores the review when it is
/// not hidden / hidden: its contract, or `None` when it was not in that state.
async fn set_hidden(db: &impl ConnectionTrait, e: &ModerationEvent) -> DomainResult<Option<Uuid>> {
    let mut sql = Sql::new(db.get_database_backend());
    let id = sql.bind(e.review_id.0);
    if e.action == ModerationAction::Hide {
        let reason = sql.bind(e.reason.clone());
        let by = sql.bind(e.by.0);
        let at = sql.bind(at_rest(e.at));
        sql.push(&format!(
            "UPDATE reviews SET hidden_reason = {reason}, hidden_by = {by}, hidden_at = {at} \
             WHERE id = {id} AND hidden_at IS NULL RETURNING contract_id"
        ));
    } else {
        sql.push(&format!(
            "UPDATE reviews SET hidden_reason = NULL, hidden_by = NULL, hidden_at = NULL \
             WHERE id = {id} AND hidden_at IS NOT NULL RETURNING contract_id"
        ));
    }
    match db.query_one_raw(sql.statement()).await.map_err(internal)? {
        Some(row) => Ok(Some(row.try_get("", "contract_id").map_err(internal)?)),
        None => Ok(None),
    }
}

/// Holds the review's row for the rest of the transaction (an update to itself): `false`
/// when there is no such review.
async fn hold_review(db: &impl ConnectionTrait, review: ReviewId) -> DomainResult<bool> {
    let mut sql = Sql::new(db.get_database_backend());
    let id = sql.bind(review.0);
    sql.push(&format!(
        "UPDATE reviews SET hidden_at = hidden_at WHERE id = {id}"
    ));
    let held = db.execute_raw(sql.statement()).await.map_err(internal)?;
    Ok(held.rows_affected() > 0)
}

/// Keeps the event, numbered after the review's last one: one statement.
async fn keep(db: &impl ConnectionTrait, e: &ModerationEvent) -> DomainResult<()> {
    let mut sql = Sql::new(db.get_database_backend());
    let id = sql.bind(e.id);
    let review = sql.bind(e.review_id.0);
    let action = sql.bind(e.action.key());
    let reason = sql.bind(e.reason.clone());
    let by = sql.bind(e.by.0);
    let at = sql.bind(at_rest(e.at));
    sql.push(&format!(
        "INSERT INTO review_moderations (id, review_id, action, reason, moderator_id, at, seq) \
         SELECT {id}, {review}, {action}, {reason}, {by}, {at}, COALESCE(MAX(seq), 0) + 1 \
         FROM review_moderations WHERE review_id = {review}"
    ));
    db.execute_raw(sql.statement()).await.map_err(internal)?;
    Ok(())
}

/// In a write transaction: the event carried out (see the module's documentation).
async fn carry_out(db: &impl ConnectionTrait, e: &ModerationEvent) -> DomainResult<bool> {
    let contract = match e.action {
        ModerationAction::Hide => {
            let Some(contract) = set_hidden(db, e).await? else {
                return Ok(false);
            };
            resolve(db, e, ModerationAction::Hide).await?;
            Some(contract)
        }
        ModerationAction::Restore => {
            let Some(contract) = set_hidden(db, e).await? else {
                return Ok(false);
            };
            Some(contract)
        }
        ModerationAction::Dismiss => {
            if !hold_review(db, e.review_id).await?
                || resolve(db, e, ModerationAction::Dismiss).await? == 0
            {
                return Ok(false);
            }
            None
        }
    };
    keep(db, e).await?;
    if let Some(contract) = contract {
        // The review leaves (or comes back to) the reviewee's reputation.
        mark_contracts(db, &[contract]).await?;
    }
    Ok(true)
}

/// Carries out an admin's action in one write transaction: `false`, having changed
/// nothing, when the review is not in the state the action needs.
pub(crate) async fn moderate(db: &DatabaseConnection, e: &ModerationEvent) -> DomainResult<bool> {
    let txn = crate::db::begin_write(db).await.map_err(internal)?;
    let decided = carry_out(&txn, e).await;
    settle(txn, decided, |done| *done).await
}

/// The admin actions on these reviews in the order they were carried out (`seq`); every
/// review asked for has a list. One statement (`ux_review_moderations_seq`).
pub(crate) async fn moderation_history(
    db: &DatabaseConnection,
    reviews: &[ReviewId],
) -> DomainResult<HashMap<ReviewId, Vec<ModerationEvent>>> {
    let mut out: HashMap<ReviewId, Vec<ModerationEvent>> =
        reviews.iter().map(|r| (*r, Vec::new())).collect();
    if reviews.is_empty() {
        return Ok(out);
    }
    for row in review_moderation::Entity::find()
        .filter(review_moderation::Column::ReviewId.is_in(reviews.iter().map(|r| r.0)))
        .order_by_asc(review_moderation::Column::ReviewId)
        .order_by_asc(review_moderation::Column::Seq)
        .all(db)
        .await
        .map_err(internal)?
    {
        let event = to_event(row)?;
        out.entry(event.review_id).or_default().push(event);
    }
    Ok(out)
}
