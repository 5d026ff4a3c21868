//! Reading contracts, offers and money: `contract`, `offer`, `viewer.contracts`,
//! `viewer.ledger`, `viewer.balances` and `Contract.payments`.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use domain::contracts::{ContractId, OfferId, TransactionId};
use domain::pagination::{Page, PageRequest};

use super::enums::ContractStatus;
use super::loaders::contract_loaders;
use super::types::{AccountBalance, Contract, LedgerTransaction, Offer};
use crate::connection::{PageInfo, encode_cursor, uuid_after};
use crate::context::{actor, services};
use crate::errors::GqlResultExt;
use crate::ids::{NodeKind, decode_kind};
use crate::taxonomy::types::load_error;

/// One page of your contracts, newest first. Not counted: no `totalCount`.
#[derive(SimpleObject)]
pub struct ContractConnection {
    /// The contracts of this page with their cursors.
    pub edges: Vec<ContractEdge>,
    /// The contracts of this page, for clients that do not need cursors.
    pub nodes: Vec<Contract>,
    /// Pagination state of this page.
    pub page_info: PageInfo,
}

/// One contract in a list and the cursor that points at it.
#[derive(SimpleObject, Clone)]
pub struct ContractEdge {
    /// Opaque position of this edge; pass it as `after` to continue from here.
    pub cursor: String,
    /// The contract.
    pub node: Contract,
}

/// One page of ledger transactions, newest first. Not counted: no `totalCount`.
#[derive(SimpleObject)]
pub struct PaymentConnection {
    /// The transactions of this page with their cursors.
    pub edges: Vec<PaymentEdge>,
    /// The transactions of this page, for clients that do not need cursors.
    pub nodes: Vec<LedgerTransaction>,
    /// Pagination state of this page.
    pub page_info: PageInfo,
}

/// One transaction in a list and the cursor that points at it.
#[derive(SimpleObject, Clone)]
pub struct PaymentEdge {
    /// Opaque position of this edge; pass it as `after` to continue from here.
    pub cursor: String,
    /// The transaction.
    pub node: LedgerTransaction,
}

fn payments(
    page: Page<domain::contracts::LedgerTransaction>,
    had_after: bool,
) -> PaymentConnection {
    let edges: Vec<PaymentEdge> = page
        .items
        .into_iter()
        .map(|t| PaymentEdge {
            cursor: encode_cursor(&format!("tx:{}", t.id.0)),
            node: LedgerTransaction(Arc::new(t)),
        })
        .collect();
    PaymentConnection {
        page_info: PageInfo {
            has_next_page: page.has_next_page,
            has_previous_page: had_after,
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        },
        nodes: edges.iter().map(|e| e.node.clone()).collect(),
        edges,
    }
}

/// `Contract.payments`.
pub(crate) async fn payments_of(
    ctx: &Context<'_>,
    contract: ContractId,
    first: Option<i32>,
    after: Option<String>,
) -> Result<PaymentConnection> {
    let after = uuid_after(after, "tx:")?.map(TransactionId);
    let request = PageRequest::new(first.map(i64::from), after).gql(ctx)?;
    let page = services(ctx)?
        .contracts
        .payments_of_contract(actor(ctx), Some(contract), &request)
        .await
        .gql(ctx)?;
    Ok(payments(page, request.after().is_some()))
}

/// `viewer.ledger`.
pub(crate) async fn my_ledger(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<PaymentConnection> {
    let after = uuid_after(after, "tx:")?.map(TransactionId);
    let request = PageRequest::new(first.map(i64::from), after).gql(ctx)?;
    let page = services(ctx)?
        .contracts
        .ledger_of_viewer(actor(ctx), &request)
        .await
        .gql(ctx)?;
    Ok(payments(page, request.after().is_some()))
}

/// `viewer.balances`.
pub(crate) async fn my_balances(ctx: &Context<'_>) -> Result<Vec<AccountBalance>> {
    let balances = services(ctx)?
        .contracts
        .balances_of_viewer(actor(ctx))
        .await
        .gql(ctx)?;
    Ok(balances
        .into_iter()
        .map(|b| AccountBalance {
            account: b.account.kind.into(),
            balance: domain::money::Money {
                amount_minor: b.amount_minor,
                currency: b.account.currency,
            }
            .into(),
        })
        .collect())
}

/// `viewer.contracts`.
pub(crate) async fn my_contracts(
    ctx: &Context<'_>,
    statuses: Option<Vec<ContractStatus>>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<ContractConnection> {
    let after = uuid_after(after, "ct:")?.map(ContractId);
    let request = PageRequest::new(first.map(i64::from), after).gql(ctx)?;
    let statuses: Vec<domain::contracts::ContractStatus> = statuses
        .unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect();
    let page = services(ctx)?
        .contracts
        .of_viewer(actor(ctx), &statuses, &request)
        .await
        .gql(ctx)?;
    let edges: Vec<ContractEdge> = page
        .items
        .into_iter()
        .map(|c| ContractEdge {
            cursor: encode_cursor(&format!("ct:{}", c.id.0)),
            node: Contract(Arc::new(c)),
        })
        .collect();
    Ok(ContractConnection {
        page_info: PageInfo {
            has_next_page: page.has_next_page,
            has_previous_page: request.after().is_some(),
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        },
        nodes: edges.iter().map(|e| e.node.clone()).collect(),
        edges,
    })
}

#[derive(Default)]
pub struct ContractQuery;

#[Object]
impl ContractQuery {
    /// A contract you are a party of; null for any other ID.
    async fn contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract's global ID.")] id: ID,
    ) -> Result<Option<Contract>> {
        let Ok(uuid) = decode_kind(&id, NodeKind::Contract) else {
            return Ok(None);
        };
        Ok(contract_loaders(ctx)?
            .contract
            .load_one(ContractId(uuid))
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(|c| Contract(Arc::new(c))))
    }

    /// An offer you are a party of; null for any other ID.
    async fn offer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The offer's global ID.")] id: ID,
    ) -> Result<Option<Offer>> {
        let Ok(uuid) = decode_kind(&id, NodeKind::Offer) else {
            return Ok(None);
        };
        let found = services(ctx)?
            .contracts
            .offers_by_ids(actor(ctx), &[OfferId(uuid)])
            .await
            .gql(ctx)?;
        Ok(found.into_iter().next().map(|o| Offer(Arc::new(o))))
    }
}
