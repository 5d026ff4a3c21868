//! The money ledger on SeaORM: appending a balanced transaction (its accounts created on
//! first use, its escrow entries numbered with the balance after each), idempotency
//! keys, and the reads (transactions with their entries, pages of a contract's or an
//! owner's, balances as sums of entries).
//!
//! **Escrow never goes negative.** Within the write transaction the account's last
//! `(escrow_seq, escrow_balance_after)` is read and each escrow entry is written with
//! the next number and the balance after it; a balance below zero is refused here, and
//! the table's CHECK refuses it too. Two writers appending to one escrow account at once
//! cannot both write the same number (`ux_ledger_entries_escrow_seq`): the later one
//! fails and is reported as stale, so it rolls back and is retried on fresh reads. (The
//! milestone and payment writes also hold their contract's row first, so on PostgreSQL
//! they take turns before they get that far; on SQLite the write lock orders them.)

use std::collections::{BTreeMap, HashMap};

use domain::actor::UserId;
use domain::contracts::{
    Account, AccountKind, Balance, ContractId, Entry, IdempotencyKey, KeyRecord, LedgerTransaction,
    MilestoneId, TransactionId, TransactionKind,
};
use domain::money::Currency;
use domain::pagination::{Page, PageRequest};
use domain::{DomainError, DomainResult};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::entities::{idempotency_key, ledger_account, ledger_entry, ledger_transaction};
use crate::errors::{internal, is_unique_violation};
use crate::posting_rows::at_rest;
use crate::search_sql::Sql;

fn corrupt(what: &str) -> DomainError {
    DomainError::internal(format!("stored ledger data is invalid: {what}"))
}

/// What appending a transaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Appended {
    Written,
    /// A concurrent writer numbered an escrow entry first: nothing may be kept.
    Stale,
}

/// Creates the accounts `t` moves money on that do not exist yet, in ID order (so two
/// writers creating the same ones never wait on each other in a circle).
async fn ensure_accounts(db: &impl ConnectionTrait, t: &LedgerTransaction) -> DomainResult<()> {
    let accounts: BTreeMap<Uuid, Account> = t
        .entries
        .iter()
        .map(|e| (e.account.id(), e.account))
        .collect();
    let rows = accounts
        .into_iter()
        .map(|(id, a)| ledger_account::ActiveModel {
            id: Set(id),
            key: Set(a.key()),
            kind: Set(a.kind.key().to_owned()),
            owner_id: Set(a.owner),
            currency: Set(a.currency.code().to_owned()),
        });
    ledger_account::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(ledger_account::Column::Id)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .map_err(internal)?;
    Ok(())
}

/// The escrow account's last number and balance after it; `(0, 0)` before its first
/// entry.
async fn escrow_position(db: &impl ConnectionTrait, account: Uuid) -> DomainResult<(i64, i64)> {
    let last: Option<(Option<i64>, Option<i64>)> = ledger_entry::Entity::find()
        .select_only()
        .column(ledger_entry::Column::EscrowSeq)
        .column(ledger_entry::Column::EscrowBalanceAfter)
        .filter(ledger_entry::Column::AccountId.eq(account))
        .filter(ledger_entry::Column::EscrowSeq.is_not_null())
        .order_by_desc(ledger_entry::Column::EscrowSeq)
        .limit(1)
        .into_tuple()
        .one(db)
        .await
        .map_err(internal)?;
    match last {
        None => Ok((0, 0)),
        Some((Some(seq), Some(balance))) => Ok((seq, balance)),
        Some(_) => Err(corrupt("escrow entry without its balance")),
    }
}

/// In a write transaction: `t` checked again, its accounts, its row and its entries
/// (escrow ones numbered, with the balance after them), and the marks of the contract's
/// parties' reputations (`reputation_marks`). An error for a malformed transaction or
/// one that would take escrow below zero, having written no entry; the caller rolls
/// back on anything but [`Appended::Written`].
pub(crate) async fn append(
    db: &impl ConnectionTrait,
    t: &LedgerTransaction,
) -> DomainResult<Appended> {
    t.check()?;
    let currency = t
        .currency()
        .ok_or_else(|| DomainError::internal("a ledger transaction without entries"))?;
    // Escrow balances first: nothing is written for a transaction that would overdraw.
    let mut escrow: HashMap<Uuid, (i64, i64)> = HashMap::new();
    let mut rows = Vec::with_capacity(t.entries.len());
    for (position, e) in (0_i16..).zip(&t.entries) {
        let account = e.account.id();
        let (seq, balance) = if e.account.kind == AccountKind::Escrow {
            let (last, before) = match escrow.get(&account) {
                Some(known) => *known,
                None => escrow_position(db, account).await?,
            };
            let after = before
                .checked_add(e.amount_minor)
                .filter(|b| *b >= 0)
                .ok_or_else(|| {
                    DomainError::internal(format!(
                        "ledger transaction {} would take escrow {} from {before} by {}",
                        t.id.0,
                        e.account.key(),
                        e.amount_minor
                    ))
                })?;
            escrow.insert(account, (last + 1, after));
            (Some(last + 1), Some(after))
        } else {
            (None, None)
        };
        rows.push(ledger_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            transaction_id: Set(t.id.0),
            account_id: Set(account),
            amount_minor: Set(e.amount_minor),
            escrow_seq: Set(seq),
            escrow_balance_after: Set(balance),
            position: Set(position),
        });
    }
    ensure_accounts(db, t).await?;
    ledger_transaction::Entity::insert(ledger_transaction::ActiveModel {
        id: Set(t.id.0),
        kind: Set(t.kind.key().to_owned()),
        contract_id: Set(t.contract_id.0),
        milestone_id: Set(t.milestone_id.map(|m| m.0)),
        actor_id: Set(t.actor.map(|a| a.0)),
        provider_reference: Set(t.provider_reference.clone()),
        memo: Set(t.memo.clone()),
        currency: Set(currency.code().to_owned()),
        created_at: Set(at_rest(t.at)),
    })
    .exec_without_returning(db)
    .await
    .map_err(internal)?;
    match ledger_entry::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await
    {
        Ok(_) => {
            // Money moved on the contract: its parties' reputations are to be
            // recomputed (with this transaction, or not at all).
            crate::reputation_marks::mark_contracts(db, &[t.contract_id.0]).await?;
            Ok(Appended::Written)
        }
        Err(e) if is_unique_violation(&e) => Ok(Appended::Stale),
        Err(e) => Err(internal(e)),
    }
}

/// In a write transaction: records `key`; `false` when the user's key is taken (a
/// concurrent request recorded it first).
pub(crate) async fn record_key(db: &impl ConnectionTrait, key: &KeyRecord) -> DomainResult<bool> {
    let row = idempotency_key::ActiveModel {
        user_id: Set(key.user_id.0),
        key: Set(key.key.as_str().to_owned()),
        fingerprint: Set(key.fingerprint.clone()),
        target_id: Set(key.target),
        transaction_id: Set(key.transaction_id.0),
        created_at: Set(at_rest(key.created_at)),
    };
    match idempotency_key::Entity::insert(row)
        .exec_without_returning(db)
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(internal(e)),
    }
}

pub(crate) async fn key_record(
    db: &impl ConnectionTrait,
    user: UserId,
    key: &IdempotencyKey,
) -> DomainResult<Option<KeyRecord>> {
    let Some(r) = idempotency_key::Entity::find_by_id((user.0, key.as_str().to_owned()))
        .one(db)
        .await
        .map_err(internal)?
    else {
        return Ok(None);
    };
    Ok(Some(KeyRecord {
        user_id: UserId(r.user_id),
        key: IdempotencyKey::parse(&r.key).map_err(|_| corrupt("idempotency key"))?,
        fingerprint: r.fingerprint,
        target: r.target_id,
        transaction_id: TransactionId(r.transaction_id),
        created_at: r.created_at,
    }))
}

fn account(kind: &str, owner: Option<Uuid>, currency: &str) -> DomainResult<Account> {
    Ok(Account {
        kind: AccountKind::parse(kind).ok_or_else(|| corrupt("account kind"))?,
        owner,
        currency: Currency::parse(currency).map_err(|_| corrupt("account currency"))?,
    })
}

/// An entry with its account's parts.
#[derive(FromQueryResult)]
struct EntryRow {
    transaction_id: Uuid,
    amount_minor: i64,
    kind: String,
    owner_id: Option<Uuid>,
    currency: String,
}

/// Reads `rows` back as transactions with their entries, in the order of `rows`: one
/// more statement for any number.
async fn assemble(
    db: &impl ConnectionTrait,
    rows: Vec<ledger_transaction::Model>,
) -> DomainResult<Vec<LedgerTransaction>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut entries: HashMap<Uuid, Vec<Entry>> = HashMap::new();
    for e in ledger_entry::Entity::find()
        .select_only()
        .column(ledger_entry::Column::TransactionId)
        .column(ledger_entry::Column::AmountMinor)
        .column(ledger_account::Column::Kind)
        .column(ledger_account::Column::OwnerId)
        .column(ledger_account::Column::Currency)
        .join(
            JoinType::InnerJoin,
            ledger_entry::Entity::belongs_to(ledger_account::Entity)
                .from(ledger_entry::Column::AccountId)
                .to(ledger_account::Column::Id)
                .into(),
        )
        .filter(ledger_entry::Column::TransactionId.is_in(rows.iter().map(|r| r.id)))
        .order_by_asc(ledger_entry::Column::TransactionId)
        .order_by_asc(ledger_entry::Column::Position)
        .into_model::<EntryRow>()
        .all(db)
        .await
        .map_err(internal)?
    {
        entries.entry(e.transaction_id).or_default().push(Entry {
            account: account(&e.kind, e.owner_id, &e.currency)?,
            amount_minor: e.amount_minor,
        });
    }
    rows.into_iter()
        .map(|r| {
            Ok(LedgerTransaction {
                id: TransactionId(r.id),
                kind: TransactionKind::parse(&r.kind).ok_or_else(|| corrupt("kind"))?,
                contract_id: ContractId(r.contract_id),
                milestone_id: r.milestone_id.map(MilestoneId),
                actor: r.actor_id.map(UserId),
                provider_reference: r.provider_reference,
                memo: r.memo,
                entries: entries.remove(&r.id).unwrap_or_default(),
                at: r.created_at,
            })
        })
        .collect()
}

pub(crate) async fn transactions(
    db: &impl ConnectionTrait,
    ids: &[TransactionId],
) -> DomainResult<Vec<LedgerTransaction>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = ledger_transaction::Entity::find()
        .filter(ledger_transaction::Column::Id.is_in(ids.iter().map(|i| i.0)))
        .order_by_desc(ledger_transaction::Column::Id)
        .all(db)
        .await
        .map_err(internal)?;
    assemble(db, rows).await
}

/// A page of the transactions `condition` selects, newest first.
async fn page_of(
    db: &impl ConnectionTrait,
    condition: sea_orm::Condition,
    page: &PageRequest<TransactionId>,
) -> DomainResult<Page<LedgerTransaction>> {
    let mut query = ledger_transaction::Entity::find().filter(condition);
    if let Some(after) = page.after() {
        query = query.filter(ledger_transaction::Column::Id.lt(after.0));
    }
    let rows = query
        .order_by_desc(ledger_transaction::Column::Id)
        .limit(page.fetch_limit())
        .all(db)
        .await
        .map_err(internal)?;
    let page_rows = Page::from_overfetch(rows, page);
    Ok(Page {
        has_next_page: page_rows.has_next_page,
        items: assemble(db, page_rows.items).await?,
    })
}

pub(crate) async fn of_contract(
    db: &impl ConnectionTrait,
    contract: ContractId,
    page: &PageRequest<TransactionId>,
) -> DomainResult<Page<LedgerTransaction>> {
    let condition =
        sea_orm::Condition::all().add(ledger_transaction::Column::ContractId.eq(contract.0));
    page_of(db, condition, page).await
}

/// The transactions with an entry on an account `owner` owns: their IDs through the
/// owner's accounts (`ix_ledger_accounts_owner`) and those accounts' entries
/// (`ix_ledger_entries_account`).
pub(crate) async fn of_owner(
    db: &impl ConnectionTrait,
    owner: Uuid,
    page: &PageRequest<TransactionId>,
) -> DomainResult<Page<LedgerTransaction>> {
    let accounts = Query::select()
        .column(ledger_account::Column::Id)
        .from(ledger_account::Entity)
        .and_where(ledger_account::Column::OwnerId.eq(owner))
        .to_owned();
    let with_entry = Query::select()
        .column(ledger_entry::Column::TransactionId)
        .from(ledger_entry::Entity)
        .and_where(ledger_entry::Column::AccountId.in_subquery(accounts))
        .to_owned();
    let condition =
        sea_orm::Condition::all().add(ledger_transaction::Column::Id.in_subquery(with_entry));
    page_of(db, condition, page).await
}

#[derive(FromQueryResult)]
struct BalanceRow {
    kind: String,
    owner_id: Option<Uuid>,
    currency: String,
    amount_minor: i64,
}

/// The balances of the accounts `owners` own, as sums of their entries: one statement.
pub(crate) async fn balances(
    db: &impl ConnectionTrait,
    owners: &[Uuid],
) -> DomainResult<Vec<Balance>> {
    if owners.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(db.get_database_backend());
    let list = sql.list(owners);
    // PostgreSQL sums BIGINT as NUMERIC: cast back (a balance fits, as its entries do).
    sql.push(&format!(
        "SELECT a.kind, a.owner_id, a.currency, CAST(SUM(e.amount_minor) AS BIGINT) AS \
         amount_minor FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id \
         WHERE a.owner_id IN ({list}) GROUP BY a.id, a.kind, a.owner_id, a.currency \
         ORDER BY a.owner_id, a.kind, a.currency"
    ));
    BalanceRow::find_by_statement(sql.statement())
        .all(db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|r| {
            Ok(Balance {
                account: account(&r.kind, r.owner_id, &r.currency)?,
                amount_minor: r.amount_minor,
            })
        })
        .collect()
}
