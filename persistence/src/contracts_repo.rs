//! Contracts, their milestones and their money on SeaORM (offers are `offers_repo`'s,
//! the ledger `ledger_repo`'s, hourly weeks `timesheets_repo`'s; this is the port's one
//! implementation over them). Every write is one write transaction whose compare-and-set
//! updates decide races (a row that is no longer as the service read it affects no row:
//! the transaction rolls back and the write is reported stale), and whose unique indexes
//! have the last word: one escrow entry per number, one use of a key.
//!
//! A contract's changes, its milestones' and the payments on it first hold the
//! contract's row (on PostgreSQL; SQLite's write lock is held from `BEGIN`), so those of
//! one contract (and so its escrow account) take turns: an end counts the milestones
//! holding money with none being funded meanwhile, an added milestone numbers after the
//! others, and a fund or release reads the escrow balance it appends to as it stands.
//!
//! A contract's end and every ledger transaction on it mark its parties' reputations
//! for recomputation (`reputation_marks`), in the same transaction.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::actor::UserId;
use domain::agencies::AgencyId;
use domain::contracts::{
    AcceptOutcome, AcceptWrite, Balance, Contract, ContractChange, ContractId, ContractRepository,
    ContractStatus, ContractWrite, IdempotencyKey, KeyRecord, LedgerTransaction, Milestone,
    MilestoneAdd, MilestoneId, MilestoneStatus, MilestoneWrite, MoneyWrite, Offer, OfferId,
    ProposalStep, TransactionId,
};
use domain::pagination::{Page, PageRequest};
use domain::proposals::ProposalId;
use domain::{DomainError, DomainResult};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::contract_rows::{
    change_row, contract_at_rest, contract_changed_columns, milestone_at_rest,
    milestone_changed_columns, milestone_row, to_change, to_contract, to_milestone,
};
use crate::db::settle;
use crate::entities::{contract, contract_change, contract_milestone};
use crate::errors::internal;
use crate::ledger_repo::{self, Appended};
use crate::offers_repo;
use crate::posting_rows::at_rest;

/// [`ContractRepository`] on the application's database (PostgreSQL or SQLite); also
/// the [`domain::contracts::TimesheetRepository`] (`timesheets_repo`).
#[derive(Clone)]
pub struct SeaContractRepository {
    pub(crate) db: DatabaseConnection,
}

impl SeaContractRepository {
    /// A repository on `db`'s pool.
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

fn keys(statuses: &[ContractStatus]) -> Vec<&'static str> {
    statuses.iter().map(|s| s.key()).collect()
}

/// Holds the contract's row for the rest of the transaction if it is in one of
/// `statuses` (an update that changes nothing: on PostgreSQL it takes the row's lock,
/// so a concurrent change of the contract waits, or is waited for and then re-read).
pub(crate) async fn hold_contract(
    db: &impl ConnectionTrait,
    id: ContractId,
    statuses: &[ContractStatus],
) -> DomainResult<bool> {
    if statuses.is_empty() {
        return Ok(false);
    }
    let held = contract::Entity::update_many()
        .col_expr(
            contract::Column::Status,
            Expr::col(contract::Column::Status),
        )
        .filter(contract::Column::Id.eq(id.0))
        .filter(contract::Column::Status.is_in(keys(statuses)))
        .exec(db)
        .await
        .map_err(internal)?;
    Ok(held.rows_affected == 1)
}

/// The ledger transaction and the key of a money write, after its state change.
pub(crate) async fn write_money(
    db: &impl ConnectionTrait,
    transaction: Option<&LedgerTransaction>,
    key: Option<&KeyRecord>,
) -> DomainResult<MoneyWrite> {
    if let Some(t) = transaction
        && ledger_repo::append(db, t).await? == Appended::Stale
    {
        return Ok(MoneyWrite::Stale);
    }
    if let Some(k) = key
        && !ledger_repo::record_key(db, k).await?
    {
        return Ok(MoneyWrite::KeyTaken);
    }
    Ok(MoneyWrite::Written)
}

/// A contract's change, in its transaction.
async fn change_contract(
    db: &impl ConnectionTrait,
    c: &Contract,
    expected: i64,
    change: &ContractChange,
) -> DomainResult<ContractWrite> {
    let updated = contract::Entity::update_many()
        .set(contract_changed_columns(c, expected + 1))
        .filter(contract::Column::Id.eq(c.id.0))
        .filter(contract::Column::Version.eq(expected))
        .exec(db)
        .await
        .map_err(internal)?;
    if updated.rows_affected == 0 {
        return Ok(ContractWrite::Stale);
    }
    if c.status == ContractStatus::Ended {
        let holding: Vec<&str> = MilestoneStatus::ALL
            .iter()
            .filter(|s| s.holds_money())
            .map(|s| s.key())
            .collect();
        let held = contract_milestone::Entity::find()
            .filter(contract_milestone::Column::ContractId.eq(c.id.0))
            .filter(contract_milestone::Column::Status.is_in(holding))
            .count(db)
            .await
            .map_err(internal)?;
        if held > 0 {
            return Ok(ContractWrite::MoneyHeld(held));
        }
        contract_milestone::Entity::update_many()
            .col_expr(
                contract_milestone::Column::Status,
                Expr::value(MilestoneStatus::Cancelled.key()),
            )
            .col_expr(
                contract_milestone::Column::Version,
                Expr::col(contract_milestone::Column::Version).add(1),
            )
            .col_expr(
                contract_milestone::Column::UpdatedAt,
                Expr::value(at_rest(c.updated_at)),
            )
            .filter(contract_milestone::Column::ContractId.eq(c.id.0))
            .filter(contract_milestone::Column::Status.eq(MilestoneStatus::Pending.key()))
            .exec(db)
            .await
            .map_err(internal)?;
        // The contract ended: its parties' reputations count it now.
        crate::reputation_marks::mark_contracts(db, &[c.id.0]).await?;
    }
    contract_change::Entity::insert(change_row(change))
        .exec_without_returning(db)
        .await
        .map_err(internal)?;
    Ok(ContractWrite::Written(Box::new(Contract {
        version: expected + 1,
        ..contract_at_rest(c)
    })))
}

/// A milestone added at the end of its contract, in its transaction.
async fn add(
    db: &impl ConnectionTrait,
    m: &Milestone,
    change: &ContractChange,
) -> DomainResult<MilestoneAdd> {
    // Holds the contract's row: milestones added to one contract take turns, so each
    // numbers after the others and the limit holds. (The contract itself does not
    // change: its version and time stay, the history records the addition.)
    let open = [ContractStatus::Active, ContractStatus::Paused];
    if !hold_contract(db, m.contract_id, &open).await? {
        return Ok(MilestoneAdd::NotOpen);
    }
    let last: Option<Option<i32>> = contract_milestone::Entity::find()
        .select_only()
        .expr(Func::max(Expr::col(contract_milestone::Column::Position)))
        .filter(contract_milestone::Column::ContractId.eq(m.contract_id.0))
        .into_tuple()
        .one(db)
        .await
        .map_err(internal)?;
    // Positions run 1..n without gaps (milestones are never deleted): the last is the
    // count.
    let count = last.flatten().unwrap_or(0);
    if usize::try_from(count).unwrap_or(usize::MAX) >= domain::contracts::MAX_MILESTONES {
        return Ok(MilestoneAdd::Full);
    }
    let position = count + 1;
    let stored = Milestone {
        position: u32::try_from(position)
            .map_err(|_| DomainError::internal("a milestone position out of range"))?,
        ..milestone_at_rest(m)
    };
    contract_milestone::Entity::insert(milestone_row(&stored)?)
        .exec_without_returning(db)
        .await
        .map_err(internal)?;
    contract_change::Entity::insert(change_row(change))
        .exec_without_returning(db)
        .await
        .map_err(internal)?;
    Ok(MilestoneAdd::Added(Box::new(stored)))
}

/// A milestone's change with its money, in its transaction.
async fn change_milestone(
    db: &impl ConnectionTrait,
    w: &MilestoneWrite,
) -> DomainResult<MoneyWrite> {
    let m = &w.milestone;
    if !hold_contract(db, m.contract_id, &w.contract_in).await? {
        return Ok(MoneyWrite::Stale);
    }
    let updated = contract_milestone::Entity::update_many()
        .set(milestone_changed_columns(m, w.expected + 1)?)
        .filter(contract_milestone::Column::Id.eq(m.id.0))
        .filter(contract_milestone::Column::ContractId.eq(m.contract_id.0))
        .filter(contract_milestone::Column::Version.eq(w.expected))
        .exec(db)
        .await
        .map_err(internal)?;
    if updated.rows_affected == 0 {
        return Ok(MoneyWrite::Stale);
    }
    write_money(db, w.transaction.as_ref(), w.key.as_ref()).await
}

#[async_trait]
impl ContractRepository for SeaContractRepository {
    async fn create_offer(&self, offer: &Offer, step: &ProposalStep) -> DomainResult<bool> {
        offers_repo::create_offer(&self.db, offer, step).await
    }

    async fn offers(&self, ids: &[OfferId]) -> DomainResult<Vec<Offer>> {
        offers_repo::offers(&self.db, ids).await
    }

    async fn offers_of_proposals(
        &self,
        ids: &[ProposalId],
    ) -> DomainResult<HashMap<ProposalId, Vec<Offer>>> {
        offers_repo::offers_of_proposals(&self.db, ids).await
    }

    async fn end_offer(&self, offer: &Offer, step: &ProposalStep) -> DomainResult<bool> {
        offers_repo::end_offer(&self.db, offer, step).await
    }

    async fn accept_offer(&self, write: &AcceptWrite) -> DomainResult<AcceptOutcome> {
        offers_repo::accept_offer(&self.db, write).await
    }

    async fn expired_offers(&self, now: DateTime<Utc>, limit: u32) -> DomainResult<Vec<Offer>> {
        offers_repo::expired_offers(&self.db, now, limit).await
    }

    async fn contracts(&self, ids: &[ContractId]) -> DomainResult<Vec<Contract>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        contract::Entity::find()
            .filter(contract::Column::Id.is_in(ids.iter().map(|i| i.0)))
            .order_by_desc(contract::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(to_contract)
            .collect()
    }

    async fn contracts_of_user(
        &self,
        user: UserId,
        agency: Option<AgencyId>,
        statuses: &[ContractStatus],
        page: &PageRequest<ContractId>,
    ) -> DomainResult<Page<Contract>> {
        let mut theirs = Condition::any()
            .add(contract::Column::ClientId.eq(user.0))
            .add(contract::Column::FreelancerId.eq(user.0));
        if let Some(agency) = agency {
            theirs = theirs.add(contract::Column::AgencyId.eq(agency.0));
        }
        let mut query = contract::Entity::find().filter(theirs);
        if !statuses.is_empty() {
            query = query.filter(contract::Column::Status.is_in(keys(statuses)));
        }
        if let Some(after) = page.after() {
            query = query.filter(contract::Column::Id.lt(after.0));
        }
        let rows = query
            .order_by_desc(contract::Column::Id)
            .limit(page.fetch_limit())
            .all(&self.db)
            .await
            .map_err(internal)?;
        let page_rows = Page::from_overfetch(rows, page);
        Ok(Page {
            has_next_page: page_rows.has_next_page,
            items: page_rows
                .items
                .into_iter()
                .map(to_contract)
                .collect::<DomainResult<_>>()?,
        })
    }

    async fn save_contract(
        &self,
        contract: &Contract,
        expected: i64,
        change: &ContractChange,
    ) -> DomainResult<ContractWrite> {
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let decided = change_contract(&txn, contract, expected, change).await;
        settle(txn, decided, |w| matches!(w, ContractWrite::Written(_))).await
    }

    async fn histories(
        &self,
        ids: &[ContractId],
    ) -> DomainResult<HashMap<ContractId, Vec<ContractChange>>> {
        let mut out: HashMap<ContractId, Vec<ContractChange>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        for row in contract_change::Entity::find()
            .filter(contract_change::Column::ContractId.is_in(ids.iter().map(|i| i.0)))
            .order_by_asc(contract_change::Column::ContractId)
            .order_by_asc(contract_change::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            let change = to_change(row)?;
            out.entry(change.contract_id).or_default().push(change);
        }
        Ok(out)
    }

    async fn milestones(&self, ids: &[MilestoneId]) -> DomainResult<Vec<Milestone>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        contract_milestone::Entity::find()
            .filter(contract_milestone::Column::Id.is_in(ids.iter().map(|i| i.0)))
            .order_by_asc(contract_milestone::Column::ContractId)
            .order_by_asc(contract_milestone::Column::Position)
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(to_milestone)
            .collect()
    }

    async fn milestones_of(
        &self,
        ids: &[ContractId],
    ) -> DomainResult<HashMap<ContractId, Vec<Milestone>>> {
        let mut out: HashMap<ContractId, Vec<Milestone>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        for row in contract_milestone::Entity::find()
            .filter(contract_milestone::Column::ContractId.is_in(ids.iter().map(|i| i.0)))
            .order_by_asc(contract_milestone::Column::ContractId)
            .order_by_asc(contract_milestone::Column::Position)
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            let m = to_milestone(row)?;
            out.entry(m.contract_id).or_default().push(m);
        }
        Ok(out)
    }

    async fn add_milestone(
        &self,
        milestone: &Milestone,
        change: &ContractChange,
    ) -> DomainResult<MilestoneAdd> {
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let decided = add(&txn, milestone, change).await;
        settle(txn, decided, |a| matches!(a, MilestoneAdd::Added(_))).await
    }

    async fn save_milestone(&self, write: &MilestoneWrite) -> DomainResult<MoneyWrite> {
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let decided = change_milestone(&txn, write).await;
        settle(txn, decided, |w| *w == MoneyWrite::Written).await
    }

    async fn submitted_before(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<Milestone>> {
        contract_milestone::Entity::find()
            .join(
                JoinType::InnerJoin,
                contract_milestone::Entity::belongs_to(contract::Entity)
                    .from(contract_milestone::Column::ContractId)
                    .to(contract::Column::Id)
                    .into(),
            )
            .filter(contract_milestone::Column::Status.eq(MilestoneStatus::Submitted.key()))
            .filter(contract_milestone::Column::SubmittedAt.lte(at_rest(before)))
            .filter(
                contract::Column::Status
                    .is_in(keys(&[ContractStatus::Active, ContractStatus::Paused])),
            )
            .order_by_asc(contract_milestone::Column::SubmittedAt)
            .order_by_asc(contract_milestone::Column::Id)
            .limit(u64::from(limit))
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(to_milestone)
            .collect()
    }

    async fn record_payment(
        &self,
        transaction: &LedgerTransaction,
        key: &KeyRecord,
        contract_in: &[ContractStatus],
    ) -> DomainResult<MoneyWrite> {
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let decided = async {
            if !hold_contract(&txn, transaction.contract_id, contract_in).await? {
                return Ok(MoneyWrite::Stale);
            }
            write_money(&txn, Some(transaction), Some(key)).await
        }
        .await;
        settle(txn, decided, |w| *w == MoneyWrite::Written).await
    }

    async fn key_record(
        &self,
        user: UserId,
        key: &IdempotencyKey,
    ) -> DomainResult<Option<KeyRecord>> {
        ledger_repo::key_record(&self.db, user, key).await
    }

    async fn transactions(&self, ids: &[TransactionId]) -> DomainResult<Vec<LedgerTransaction>> {
        ledger_repo::transactions(&self.db, ids).await
    }

    async fn transactions_of_contract(
        &self,
        contract: ContractId,
        page: &PageRequest<TransactionId>,
    ) -> DomainResult<Page<LedgerTransaction>> {
        ledger_repo::of_contract(&self.db, contract, page).await
    }

    async fn transactions_of_owner(
        &self,
        owner: Uuid,
        page: &PageRequest<TransactionId>,
    ) -> DomainResult<Page<LedgerTransaction>> {
        ledger_repo::of_owner(&self.db, owner, page).await
    }

    async fn balances(&self, owners: &[Uuid]) -> DomainResult<Vec<Balance>> {
        ledger_repo::balances(&self.db, owners).await
    }
}
