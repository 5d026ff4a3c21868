//! Per-request loaders for offers, contracts and their lists: a page of contracts with
//! milestones, escrow, history and counterpart costs a fixed number of batches,
//! however many rows it holds. The domain decides what the request's actor sees; lists
//! of a contract are only asked for contracts the actor has read.

use std::collections::HashMap;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use chrono::NaiveDate;
use domain::contracts::{
    AccountKind, Contract, ContractChange, ContractId, LedgerTransaction, Milestone, Offer,
    TimeEntry, Timesheet, TimesheetId, TransactionId,
};
use domain::pagination::Page;
use domain::proposals::ProposalId;
use domain::{Actor, Services};

use crate::taxonomy::loaders::{LoadError, spawn};

pub(crate) struct ContractById(Services, Actor);
pub(crate) struct MilestonesByContract(Services);
pub(crate) struct HistoryByContract(Services);
pub(crate) struct EscrowByContract(Services);
pub(crate) struct OffersByProposal(Services, Actor);
pub(crate) struct TimesheetById(Services);
pub(crate) struct TimesheetPages(Services);
pub(crate) struct EntriesByTimesheet(Services);
pub(crate) struct TransactionById(Services, Actor);
pub(crate) struct ReviewsByContract(Services, Actor);

/// A page of a contract's weeks: `first` weeks that start before `before`, with their
/// entries when the query asks for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct TimesheetPageKey {
    pub contract: ContractId,
    pub before: Option<NaiveDate>,
    pub first: u32,
    pub entries: bool,
}

/// A stored week, with its entries when the query asks for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct TimesheetKey {
    pub id: TimesheetId,
    pub entries: bool,
}

/// A week and, when asked for, its entries.
pub(crate) type WeekRead = (Timesheet, Option<Vec<TimeEntry>>);

/// The contract loaders of one request.
pub(crate) struct ContractLoaders {
    /// Contracts the actor is a party of.
    pub contract: DataLoader<ContractById>,
    /// The milestones of contracts the actor has read.
    pub milestones: DataLoader<MilestonesByContract>,
    /// The histories of contracts the actor has read.
    pub history: DataLoader<HistoryByContract>,
    /// What escrow holds for contracts the actor has read, in minor units.
    pub escrow: DataLoader<EscrowByContract>,
    /// The offers on proposals, those the actor is a party of.
    pub offers: DataLoader<OffersByProposal>,
    /// Stored weeks of contracts the actor has read.
    pub timesheet: DataLoader<TimesheetById>,
    /// Pages of the weeks of contracts the actor has read.
    pub timesheets: DataLoader<TimesheetPages>,
    /// The entries of weeks the actor has read.
    pub entries: DataLoader<EntriesByTimesheet>,
    /// Ledger transactions of contracts the actor is a party of.
    pub transaction: DataLoader<TransactionById>,
    /// The reviews the actor may read of contracts they have read.
    pub reviews: DataLoader<ReviewsByContract>,
}

impl ContractLoaders {
    pub(crate) fn new(services: Services, actor: Actor) -> Self {
        Self {
            contract: DataLoader::new(ContractById(services.clone(), actor.clone()), spawn),
            milestones: DataLoader::new(MilestonesByContract(services.clone()), spawn),
            history: DataLoader::new(HistoryByContract(services.clone()), spawn),
            escrow: DataLoader::new(EscrowByContract(services.clone()), spawn),
            offers: DataLoader::new(OffersByProposal(services.clone(), actor.clone()), spawn),
            timesheet: DataLoader::new(TimesheetById(services.clone()), spawn),
            timesheets: DataLoader::new(TimesheetPages(services.clone()), spawn),
            entries: DataLoader::new(EntriesByTimesheet(services.clone()), spawn),
            transaction: DataLoader::new(TransactionById(services.clone(), actor.clone()), spawn),
            reviews: DataLoader::new(ReviewsByContract(services, actor), spawn),
        }
    }
}

pub(crate) fn contract_loaders<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<&'a ContractLoaders> {
    crate::context::data(ctx)
}

impl Loader<ContractId> for ContractById {
    type Value = Contract;
    type Error = LoadError;

    async fn load(&self, keys: &[ContractId]) -> Result<HashMap<ContractId, Contract>, LoadError> {
        let found = self.0.contracts.contracts_by_ids(&self.1, keys).await?;
        Ok(found.into_iter().map(|c| (c.id, c)).collect())
    }
}

impl Loader<ContractId> for MilestonesByContract {
    type Value = Vec<Milestone>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ContractId],
    ) -> Result<HashMap<ContractId, Vec<Milestone>>, LoadError> {
        Ok(self.0.contracts.milestones_of(keys).await?)
    }
}

impl Loader<ContractId> for HistoryByContract {
    type Value = Vec<ContractChange>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ContractId],
    ) -> Result<HashMap<ContractId, Vec<ContractChange>>, LoadError> {
        Ok(self.0.contracts.histories(keys).await?)
    }
}

impl Loader<ContractId> for EscrowByContract {
    type Value = i64;
    type Error = LoadError;

    async fn load(&self, keys: &[ContractId]) -> Result<HashMap<ContractId, i64>, LoadError> {
        let balances = self.0.contracts.escrow_of(keys).await?;
        Ok(balances
            .into_iter()
            .filter(|b| b.account.kind == AccountKind::Escrow)
            .filter_map(|b| b.account.owner.map(|o| (ContractId(o), b.amount_minor)))
            .collect())
    }
}

impl Loader<ProposalId> for OffersByProposal {
    type Value = Vec<Offer>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProposalId],
    ) -> Result<HashMap<ProposalId, Vec<Offer>>, LoadError> {
        Ok(self.0.contracts.offers_of_proposals(&self.1, keys).await?)
    }
}

/// Weeks with their entries for those `wanted`, read in one batch.
async fn with_entries(
    services: &Services,
    weeks: Vec<(Timesheet, bool)>,
) -> Result<Vec<WeekRead>, LoadError> {
    let ids: Vec<TimesheetId> = weeks
        .iter()
        .filter(|(_, e)| *e)
        .map(|(w, _)| w.id)
        .collect();
    let mut entries = services.contracts.time_entries_of(&ids).await?;
    Ok(weeks
        .into_iter()
        .map(|(w, wanted)| {
            let e = wanted.then(|| entries.remove(&w.id).unwrap_or_default());
            (w, e)
        })
        .collect())
}

impl Loader<TimesheetKey> for TimesheetById {
    type Value = WeekRead;
    type Error = LoadError;

    /// One read of the weeks, and one of the entries of those asked with theirs.
    async fn load(
        &self,
        keys: &[TimesheetKey],
    ) -> Result<HashMap<TimesheetKey, WeekRead>, LoadError> {
        let ids: Vec<TimesheetId> = keys.iter().map(|k| k.id).collect();
        let found = self.0.contracts.timesheets_by_ids(&ids).await?;
        let wanted: Vec<(Timesheet, bool)> = found
            .into_iter()
            .map(|w| {
                let e = keys.iter().any(|k| k.id == w.id && k.entries);
                (w, e)
            })
            .collect();
        let read = with_entries(&self.0, wanted).await?;
        let mut out = HashMap::new();
        for (w, e) in read {
            for k in keys.iter().filter(|k| k.id == w.id) {
                let entries = if k.entries { e.clone() } else { None };
                out.insert(*k, (w.clone(), entries));
            }
        }
        Ok(out)
    }
}

impl Loader<TimesheetPageKey> for TimesheetPages {
    type Value = Page<WeekRead>;
    type Error = LoadError;

    /// One read of weeks per distinct (`before`, `first`) (a list's pages share one),
    /// and one of the entries of the pages asked with theirs.
    async fn load(
        &self,
        keys: &[TimesheetPageKey],
    ) -> Result<HashMap<TimesheetPageKey, Page<WeekRead>>, LoadError> {
        let mut groups: HashMap<(Option<NaiveDate>, u32), Vec<ContractId>> = HashMap::new();
        for k in keys {
            groups
                .entry((k.before, k.first))
                .or_default()
                .push(k.contract);
        }
        let mut pages: HashMap<(ContractId, Option<NaiveDate>, u32), Page<Timesheet>> =
            HashMap::new();
        for ((before, first), contracts) in groups {
            let found = self
                .0
                .contracts
                .timesheet_pages(&contracts, before, first)
                .await?;
            pages.extend(
                found
                    .into_iter()
                    .map(|(c, page)| ((c, before, first), page)),
            );
        }
        let wanted: Vec<(Timesheet, bool)> = keys
            .iter()
            .filter(|k| k.entries)
            .filter_map(|k| pages.get(&(k.contract, k.before, k.first)))
            .flat_map(|p| p.items.iter().map(|w| (w.clone(), true)))
            .collect();
        let entries: HashMap<TimesheetId, Vec<TimeEntry>> = with_entries(&self.0, wanted)
            .await?
            .into_iter()
            .filter_map(|(w, e)| e.map(|e| (w.id, e)))
            .collect();
        Ok(keys
            .iter()
            .filter_map(|k| {
                let page = pages.get(&(k.contract, k.before, k.first))?;
                let items = page
                    .items
                    .iter()
                    .map(|w| {
                        let e = if k.entries {
                            Some(entries.get(&w.id).cloned().unwrap_or_default())
                        } else {
                            None
                        };
                        (w.clone(), e)
                    })
                    .collect();
                Some((
                    *k,
                    Page {
                        items,
                        has_next_page: page.has_next_page,
                    },
                ))
            })
            .collect())
    }
}

impl Loader<TimesheetId> for EntriesByTimesheet {
    type Value = Vec<TimeEntry>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[TimesheetId],
    ) -> Result<HashMap<TimesheetId, Vec<TimeEntry>>, LoadError> {
        Ok(self.0.contracts.time_entries_of(keys).await?)
    }
}

impl Loader<TransactionId> for TransactionById {
    type Value = LedgerTransaction;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[TransactionId],
    ) -> Result<HashMap<TransactionId, LedgerTransaction>, LoadError> {
        let found = self.0.contracts.transactions_by_ids(&self.1, keys).await?;
        Ok(found.into_iter().map(|t| (t.id, t)).collect())
    }
}

impl Loader<ContractId> for ReviewsByContract {
    type Value = Vec<domain::reviews::Review>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ContractId],
    ) -> Result<HashMap<ContractId, Vec<domain::reviews::Review>>, LoadError> {
        Ok(self.0.reviews.of_contracts(&self.1, keys).await?)
    }
}
