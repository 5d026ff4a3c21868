//! Reputations on SeaORM (`reputations`, `reputation_totals`, `reputation_marks`,
//! migration 000026): recomputed from scratch per subject, stored, and read back.
//!
//! A recomputation is one write transaction that first holds the subject's reputation
//! row: an upsert that inserts it (zeros) when missing and otherwise updates it to
//! itself. On PostgreSQL that takes the row's lock (a concurrent first recomputation
//! waits on the primary key, then updates), so two recomputations of one subject take
//! turns and the later one reads the later facts; SQLite's write lock is held from
//! `BEGIN` (`db::begin_write`). Then, one statement each:
//!
//! 1. the IDs of the subject's marks (`ix_reputation_marks_subject`), read before the
//!    facts: on PostgreSQL each statement reads what was committed when it began, so
//!    every mark read here belongs to a change the next two statements see; a mark
//!    committed after this read is not deleted and stays for the next run;
//! 2. the subject's contracts as [`ContractRecord`]s: ended, any ledger transaction,
//!    one of [`PAID_WORK`], and the rating of the other side's review when its
//!    publication is recorded and it is not hidden, whatever the clock says (so two
//!    recomputations never disagree on it; `ix_contracts_client` / `_freelancer` /
//!    `_agency`,
//!    `ix_ledger_transactions_contract`, `ux_reviews_contract_side`);
//! 3. what was paid on those contracts by the transactions' currency: the EARNINGS
//!    entries (earned, net of the fee: freelancers and agencies), or EARNINGS and
//!    PLATFORM_FEE entries (spent: clients);
//!
//! and it stores: the reputation row, its totals (deleted and inserted again), the
//! profile's rating columns (freelancer or client; an agency has none; no profile, no
//! row changed), and deletes the marks read in 1, by ID. Nine statements at most
//! besides `BEGIN` and `COMMIT`: the hold, the three reads, the row, the totals' delete
//! and insert (only when there are any), the profile (not for an agency) and the marks'
//! delete (only when there were some); six at least.
//!
//! Reads: stored reputations with their totals, two statements for any number of
//! subjects (by subject ID, the primary keys' prefix); the marked subjects, each once,
//! the one with the oldest mark first, one statement (grouping
//! `ix_reputation_marks_subject`).

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::contracts::{AccountKind, ContractId};
use domain::money::{Currency, Money};
use domain::reviews::{
    ContractRecord, PAID_WORK, Reputation, ReputationRepository, ReviewerSide, Subject,
};
use domain::{DomainError, DomainResult};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect, Select,
};
use uuid::Uuid;

use crate::db::settle;
use crate::entities::{
    client_profile, freelancer_profile, reputation, reputation_mark, reputation_total,
};
use crate::errors::internal;
use crate::posting_rows::at_rest;
use crate::search_sql::Sql;

/// [`ReputationRepository`] on the application's database (PostgreSQL or SQLite).
#[derive(Clone)]
pub struct SeaReputationRepository {
    db: DatabaseConnection,
}

impl SeaReputationRepository {
    /// A repository on `db`'s pool.
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

/// The error for a stored reputation the domain cannot take back.
fn corrupt(what: &str) -> DomainError {
    DomainError::internal(format!("stored reputation data is invalid: {what}"))
}

/// The contracts' column naming the subject, and the side whose reviews are about it.
fn contracts_of(subject: Subject) -> (&'static str, ReviewerSide) {
    match subject {
        // The client's reviews are about the freelancer (and the agency it worked for).
        Subject::Freelancer(_) => ("freelancer_id", ReviewerSide::Client),
        Subject::Client(_) => ("client_id", ReviewerSide::Freelancer),
        Subject::Agency(_) => ("agency_id", ReviewerSide::Client),
    }
}

/// The accounts whose entries make the subject's totals: earned for those who work,
/// spent (earned plus the fee) for clients.
fn paid_accounts(subject: Subject) -> Vec<&'static str> {
    match subject {
        Subject::Freelancer(_) | Subject::Agency(_) => vec![AccountKind::Earnings.key()],
        Subject::Client(_) => vec![AccountKind::Earnings.key(), AccountKind::PlatformFee.key()],
    }
}

/// A count as stored (the column is an `INTEGER`).
fn stored_count(n: u32) -> DomainResult<i32> {
    i32::try_from(n).map_err(|_| DomainError::internal(format!("a reputation count of {n}")))
}

/// A stored count back.
fn count(n: i32) -> DomainResult<u32> {
    u32::try_from(n).map_err(|_| corrupt("a negative count"))
}

/// Holds the subject's reputation row for the rest of the transaction, inserting it
/// (zeros, computed `now`) when missing.
async fn hold(db: &impl ConnectionTrait, subject: Subject, now: DateTime<Utc>) -> DomainResult<()> {
    let mut sql = Sql::new(db.get_database_backend());
    let id = sql.bind(subject.id());
    let role = sql.bind(subject.role());
    let now = sql.bind(at_rest(now));
    sql.push(&format!(
        "INSERT INTO reputations (subject_id, role, rating_sum, review_count, \
         completed_contracts, counted_contracts, good_outcomes, computed_at) \
         VALUES ({id}, {role}, 0, 0, 0, 0, 0, {now}) \
         ON CONFLICT (subject_id, role) DO UPDATE SET computed_at = reputations.computed_at"
    ));
    db.execute_raw(sql.statement()).await.map_err(internal)?;
    Ok(())
}

/// The IDs of the subject's marks: exactly what statement 1 runs (tests EXPLAIN it).
pub(crate) fn marks_query(subject: Subject) -> Select<reputation_mark::Entity> {
    reputation_mark::Entity::find()
        .select_only()
        .column(reputation_mark::Column::Id)
        .filter(reputation_mark::Column::SubjectId.eq(subject.id()))
        .filter(reputation_mark::Column::Role.eq(subject.role()))
}

/// The IDs of the subject's marks committed so far: one statement.
async fn marks_of(db: &impl ConnectionTrait, subject: Subject) -> DomainResult<Vec<i64>> {
    marks_query(subject)
        .into_tuple::<i64>()
        .all(db)
        .await
        .map_err(internal)
}

/// One of the subject's contracts as statement 2 reads it.
#[derive(FromQueryResult)]
struct RecordRow {
    id: Uuid,
    ended: bool,
    money_moved: bool,
    paid_work: bool,
    rating: Option<i16>,
}

/// The subject's contracts as reputation counts them: one statement.
async fn records(db: &impl ConnectionTrait, subject: Subject) -> DomainResult<Vec<ContractRecord>> {
    let (column, side) = contracts_of(subject);
    let paid: Vec<&str> = PAID_WORK.iter().map(|k| k.key()).collect();
    let mut sql = Sql::new(db.get_database_backend());
    let id = sql.bind(subject.id());
    let ended = sql.bind(domain::contracts::ContractStatus::Ended.key());
    let paid = sql.list(&paid);
    let side = sql.bind(side.key());
    sql.push(&format!(
        "SELECT c.id, c.status = {ended} AS ended, \
         EXISTS (SELECT 1 FROM ledger_transactions t WHERE t.contract_id = c.id) \
         AS money_moved, \
         EXISTS (SELECT 1 FROM ledger_transactions t WHERE t.contract_id = c.id \
         AND t.kind IN ({paid})) AS paid_work, \
         (SELECT r.rating FROM reviews r WHERE r.contract_id = c.id AND r.side = {side} \
         AND r.hidden_at IS NULL AND r.published_at IS NOT NULL) \
         AS rating \
         FROM contracts c WHERE c.{column} = {id}"
    ));
    RecordRow::find_by_statement(sql.statement())
        .all(db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|r| {
            let review = match r.rating {
                None => None,
                Some(v) => Some(
                    u8::try_from(v)
                        .ok()
                        .filter(|v| (1..=5).contains(v))
                        .ok_or_else(|| corrupt("review rating"))?,
                ),
            };
            Ok(ContractRecord {
                contract_id: ContractId(r.id),
                ended: r.ended,
                money_moved: r.money_moved,
                paid_work: r.paid_work,
                review,
            })
        })
        .collect()
}

#[derive(FromQueryResult)]
struct PaidRow {
    currency: String,
    amount_minor: i64,
}

/// What was paid on the subject's contracts, by currency: one statement.
async fn paid(db: &impl ConnectionTrait, subject: Subject) -> DomainResult<Vec<Money>> {
    let (column, _) = contracts_of(subject);
    let mut sql = Sql::new(db.get_database_backend());
    let id = sql.bind(subject.id());
    let kinds = sql.list(&paid_accounts(subject));
    // PostgreSQL sums BIGINT as NUMERIC: cast back (a total fits, as the ledger's
    // balances do).
    sql.push(&format!(
        "SELECT t.currency, CAST(SUM(e.amount_minor) AS BIGINT) AS amount_minor \
         FROM contracts c JOIN ledger_transactions t ON t.contract_id = c.id \
         JOIN ledger_entries e ON e.transaction_id = t.id \
         JOIN ledger_accounts a ON a.id = e.account_id \
         WHERE c.{column} = {id} AND a.kind IN ({kinds}) \
         GROUP BY t.currency ORDER BY t.currency"
    ));
    PaidRow::find_by_statement(sql.statement())
        .all(db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|r| {
            Ok(Money {
                amount_minor: r.amount_minor,
                currency: Currency::parse(&r.currency).map_err(|_| corrupt("currency"))?,
            })
        })
        .collect()
}

/// Stores `r` (computed `now`) over the held row, its totals, and the profile's rating
/// columns.
async fn store(db: &impl ConnectionTrait, r: &Reputation, now: DateTime<Utc>) -> DomainResult<()> {
    let (id, role) = (r.subject.id(), r.subject.role());
    reputation::Entity::update_many()
        .set(reputation::ActiveModel {
            rating_sum: Set(stored_count(r.rating_sum)?),
            review_count: Set(stored_count(r.review_count)?),
            completed_contracts: Set(stored_count(r.completed_contracts)?),
            counted_contracts: Set(stored_count(r.counted_contracts)?),
            good_outcomes: Set(stored_count(r.good_outcomes)?),
            computed_at: Set(at_rest(now)),
            ..Default::default()
        })
        .filter(reputation::Column::SubjectId.eq(id))
        .filter(reputation::Column::Role.eq(role))
        .exec(db)
        .await
        .map_err(internal)?;
    reputation_total::Entity::delete_many()
        .filter(reputation_total::Column::SubjectId.eq(id))
        .filter(reputation_total::Column::Role.eq(role))
        .exec(db)
        .await
        .map_err(internal)?;
    if !r.totals.is_empty() {
        reputation_total::Entity::insert_many(r.totals.iter().map(|m| {
            reputation_total::ActiveModel {
                subject_id: Set(id),
                role: Set(role.to_owned()),
                currency: Set(m.currency.code().to_owned()),
                amount_minor: Set(m.amount_minor),
            }
        }))
        .exec_without_returning(db)
        .await
        .map_err(internal)?;
    }
    let avg = r.rating_avg();
    match r.subject {
        Subject::Freelancer(user) => {
            freelancer_profile::Entity::update_many()
                .col_expr(freelancer_profile::Column::RatingAvg, Expr::value(avg))
                .col_expr(
                    freelancer_profile::Column::ReviewCount,
                    Expr::value(i64::from(r.review_count)),
                )
                .col_expr(
                    freelancer_profile::Column::JobSuccess,
                    Expr::value(r.job_success().map(i16::from)),
                )
                .filter(freelancer_profile::Column::UserId.eq(user.0))
                .exec(db)
                .await
                .map_err(internal)?;
        }
        Subject::Client(user) => {
            client_profile::Entity::update_many()
                .col_expr(client_profile::Column::RatingAvg, Expr::value(avg))
                .col_expr(
                    client_profile::Column::ReviewCount,
                    Expr::value(stored_count(r.review_count)?),
                )
                .filter(client_profile::Column::UserId.eq(user.0))
                .exec(db)
                .await
                .map_err(internal)?;
        }
        Subject::Agency(_) => {}
    }
    Ok(())
}

/// In a write transaction: the whole recomputation (see the module's documentation).
async fn recompute_in(
    db: &impl ConnectionTrait,
    subject: Subject,
    now: DateTime<Utc>,
) -> DomainResult<Reputation> {
    hold(db, subject, now).await?;
    let marks = marks_of(db, subject).await?;
    let records = records(db, subject).await?;
    let paid = paid(db, subject).await?;
    let computed = Reputation::compute(subject, &records, &paid);
    store(db, &computed, now).await?;
    if !marks.is_empty() {
        reputation_mark::Entity::delete_many()
            .filter(reputation_mark::Column::Id.is_in(marks))
            .exec(db)
            .await
            .map_err(internal)?;
    }
    Ok(computed)
}

/// The subject a stored role and ID name.
fn subject(role: &str, id: Uuid) -> DomainResult<Subject> {
    Subject::parse(role, id).ok_or_else(|| corrupt("role"))
}

#[async_trait]
impl ReputationRepository for SeaReputationRepository {
    async fn recompute(&self, subject: Subject, now: DateTime<Utc>) -> DomainResult<Reputation> {
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let decided = recompute_in(&txn, subject, now).await;
        settle(txn, decided, |_| true).await
    }

    async fn reputations(
        &self,
        subjects: &[Subject],
    ) -> DomainResult<HashMap<Subject, Reputation>> {
        let mut out = HashMap::new();
        if subjects.is_empty() {
            return Ok(out);
        }
        let wanted: HashSet<Subject> = subjects.iter().copied().collect();
        let ids: HashSet<Uuid> = wanted.iter().map(|s| s.id()).collect();
        // A user's ID names them as freelancer and as client: rows of roles not asked
        // for are left out here.
        for row in reputation::Entity::find()
            .filter(reputation::Column::SubjectId.is_in(ids.iter().copied()))
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            let s = subject(&row.role, row.subject_id)?;
            if !wanted.contains(&s) {
                continue;
            }
            out.insert(
                s,
                Reputation {
                    subject: s,
                    rating_sum: count(row.rating_sum)?,
                    review_count: count(row.review_count)?,
                    completed_contracts: count(row.completed_contracts)?,
                    counted_contracts: count(row.counted_contracts)?,
                    good_outcomes: count(row.good_outcomes)?,
                    totals: Vec::new(),
                },
            );
        }
        if out.is_empty() {
            return Ok(out);
        }
        for row in reputation_total::Entity::find()
            .filter(reputation_total::Column::SubjectId.is_in(ids.iter().copied()))
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            let s = subject(&row.role, row.subject_id)?;
            if let Some(r) = out.get_mut(&s) {
                r.totals.push(Money {
                    amount_minor: row.amount_minor,
                    currency: Currency::parse(&row.currency).map_err(|_| corrupt("currency"))?,
                });
            }
        }
        for r in out.values_mut() {
            r.totals.sort_by_key(|m| m.currency.code());
        }
        Ok(out)
    }

    async fn marked(&self, limit: u32) -> DomainResult<Vec<Subject>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Each subject's oldest mark is the smallest ID of its group; IDs are unique, so
        // the order is total.
        let mut sql = Sql::new(self.db.get_database_backend());
        let limit = sql.bind(i64::from(limit));
        sql.push(&format!(
            "SELECT subject_id, role, MIN(id) AS oldest FROM reputation_marks \
             GROUP BY subject_id, role ORDER BY oldest LIMIT {limit}"
        ));
        MarkedRow::find_by_statement(sql.statement())
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|m| subject(&m.role, m.subject_id))
            .collect()
    }
}

/// A marked subject as [`ReputationRepository::marked`] reads it.
#[derive(FromQueryResult)]
struct MarkedRow {
    subject_id: Uuid,
    role: String,
}
