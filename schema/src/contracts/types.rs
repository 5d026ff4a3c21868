//! Offers, contracts, milestones and ledger transactions as GraphQL objects. Their
//! relations resolve through the request's loaders.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use domain::contracts as d;

use super::enums::{
    AccountKind, ContractChangeKind, ContractKind, ContractStatus, MilestoneStatus, OfferStatus,
    TransactionKind,
};
use super::hours::{Timesheet, TimesheetConnection};
use super::loaders::contract_loaders;
use super::query::{PaymentConnection, payments_of};
use crate::context::actor;
use crate::ids::{NodeKind, encode};
use crate::postings::loaders::posting_loaders;
use crate::postings::types::Posting;
use crate::profiles::client::ClientProfile;
use crate::profiles::types::{FreelancerProfile, Money};
use crate::proposals::types::Proposal;
use crate::taxonomy::types::load_error;

/// The terms of an offer or a contract: fixed-price fields or hourly fields, the other
/// kind's null.
#[derive(SimpleObject, Clone)]
pub struct ContractTerms {
    /// Fixed price or hourly.
    pub kind: ContractKind,
    /// Fixed price: the total agreed in the offer (its milestones added up to it;
    /// milestones added or cancelled later change what is paid, not this); null for
    /// hourly.
    pub total: Option<Money>,
    /// Hourly: the rate; null for fixed price.
    pub hourly_rate: Option<Money>,
    /// Hourly: the most hours billable in a week (Monday 00:00 to Sunday 24:00 UTC);
    /// null for fixed price.
    pub weekly_limit_hours: Option<i32>,
    /// Hourly: whether the freelancer may log time by hand; null for fixed price.
    pub manual_time_allowed: Option<bool>,
}

impl From<&d::Terms> for ContractTerms {
    fn from(t: &d::Terms) -> Self {
        match t {
            d::Terms::Fixed { total } => Self {
                kind: ContractKind::Fixed,
                total: Some((*total).into()),
                hourly_rate: None,
                weekly_limit_hours: None,
                manual_time_allowed: None,
            },
            d::Terms::Hourly {
                rate,
                weekly_limit_hours,
                manual_time,
            } => Self {
                kind: ContractKind::Hourly,
                total: None,
                hourly_rate: Some((*rate).into()),
                weekly_limit_hours: Some(i32::from(*weekly_limit_hours)),
                manual_time_allowed: Some(*manual_time),
            },
        }
    }
}

/// A milestone of a fixed-price offer.
#[derive(SimpleObject, Clone)]
pub struct OfferMilestone {
    /// What is delivered.
    pub title: String,
    /// More about it; null when none was given.
    pub description: Option<String>,
    /// What it pays, in the offer's currency.
    pub amount: Money,
    /// When it is due; null when no date was given.
    pub due_on: Option<NaiveDate>,
}

#[derive(Clone)]
pub struct Offer(pub Arc<d::Offer>);

/// An offer a client made from a proposal. Seen by its two parties: the client, and
/// the freelancer (with the owners of the agency that proposed); by nobody else.
#[Object]
impl Offer {
    /// Global ID of the offer; pass it as `offerId` to accept, decline or withdraw it.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Offer, self.0.id.0)
    }

    /// What the work is called; the contract takes this title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The client's message to the freelancer; null when none was given.
    async fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }

    /// The terms.
    async fn terms(&self) -> ContractTerms {
        (&self.0.terms).into()
    }

    /// Fixed price: the milestones, in order; empty for hourly.
    async fn milestones(&self) -> Vec<OfferMilestone> {
        self.0
            .milestones
            .iter()
            .map(|m| OfferMilestone {
                title: m.title.clone(),
                description: m.description.clone(),
                amount: m.amount.into(),
                due_on: m.due_on,
            })
            .collect()
    }

    /// Where it is now (a pending offer past `expiresAt` reads as EXPIRED).
    async fn status(&self) -> OfferStatus {
        self.0.status_at(Utc::now()).into()
    }

    /// Why it was declined or withdrawn, when a reason was given.
    async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason.as_deref()
    }

    /// When it expires unless answered.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }

    /// When it was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The proposal it was made from.
    async fn proposal(&self, ctx: &Context<'_>) -> Result<Option<Proposal>> {
        crate::proposals::types::proposal_by_id(ctx, self.0.proposal_id).await
    }

    /// The contract it became; null until accepted.
    async fn contract(&self, ctx: &Context<'_>) -> Result<Option<Contract>> {
        let Some(id) = self.0.contract_id else {
            return Ok(None);
        };
        Ok(contract_loaders(ctx)?
            .contract
            .load_one(id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(|c| Contract(Arc::new(c))))
    }
}

#[derive(Clone)]
pub struct Contract(pub Arc<d::Contract>);

/// A contract between a client and a freelancer, created when an offer was accepted.
/// Seen by its two parties: the client, and the freelancer (with the owners of the
/// agency that proposed); by nobody else.
#[Object]
impl Contract {
    /// Global ID of the contract.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Contract, self.0.id.0)
    }

    /// What the work is called.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The terms as they are now (the weekly limit of the current week).
    async fn terms(&self) -> ContractTerms {
        let mut terms: ContractTerms = (&self.0.terms).into();
        if let Some(limit) = self.0.weekly_limit_on(Utc::now().date_naive()) {
            terms.weekly_limit_hours = Some(i32::from(limit));
        }
        terms
    }

    /// Hourly: a lower weekly limit that applies from a coming Monday; null when none
    /// is waiting.
    async fn pending_weekly_limit(&self) -> Option<PendingWeeklyLimit> {
        let today = Utc::now().date_naive();
        self.0
            .next_weekly_limit
            .filter(|(_, from)| d::week_start(today) < *from)
            .map(|(hours, from)| PendingWeeklyLimit {
                hours: i32::from(hours),
                from,
            })
    }

    /// Where it is.
    async fn status(&self) -> ContractStatus {
        self.0.status.into()
    }

    /// Why it ended; null while it goes on.
    async fn end_reason(&self) -> Option<&str> {
        self.0.end_reason.as_deref()
    }

    /// Whether you are its client.
    async fn viewer_is_client(&self, ctx: &Context<'_>) -> bool {
        actor(ctx).user_id() == Some(self.0.client_id)
    }

    /// When it started (the offer was accepted).
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }

    /// When it ended; null while it goes on.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The client's company profile; null when they have none.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<ClientProfile>> {
        Ok(posting_loaders(ctx)?
            .client_of_user
            .load_one(self.0.client_id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(ClientProfile))
    }

    /// The freelancer's profile (as on the proposal); null when they have none.
    async fn freelancer(&self, ctx: &Context<'_>) -> Result<Option<FreelancerProfile>> {
        crate::proposals::types::freelancer_of_proposal(ctx, self.0.proposal_id).await
    }

    /// The proposal it came from.
    async fn proposal(&self, ctx: &Context<'_>) -> Result<Option<Proposal>> {
        crate::proposals::types::proposal_by_id(ctx, self.0.proposal_id).await
    }

    /// The posting it came from; null when you may no longer see the posting.
    async fn posting(&self, ctx: &Context<'_>) -> Result<Option<Posting>> {
        Ok(posting_loaders(ctx)?
            .posting
            .load_one(self.0.posting_id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(Posting))
    }

    /// Fixed price: the milestones, in order; empty for hourly.
    #[graphql(complexity = "5 * child_complexity")]
    async fn milestones(&self, ctx: &Context<'_>) -> Result<Vec<ContractMilestone>> {
        Ok(contract_loaders(ctx)?
            .milestones
            .load_one(self.0.id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .unwrap_or_default()
            .into_iter()
            .map(|m| ContractMilestone(Arc::new(m)))
            .collect())
    }

    /// What escrow holds for it now (funded, not yet released or refunded).
    async fn escrow(&self, ctx: &Context<'_>) -> Result<Money> {
        let held = contract_loaders(ctx)?
            .escrow
            .load_one(self.0.id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .unwrap_or(0);
        Ok(Money {
            amount_minor: held,
            currency: self.0.terms.currency().code(),
        })
    }

    /// What happened to it, oldest first.
    #[graphql(complexity = "5 * child_complexity")]
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<ContractChange>> {
        Ok(contract_loaders(ctx)?
            .history
            .load_one(self.0.id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .unwrap_or_default()
            .into_iter()
            .map(|c| ContractChange {
                kind: c.kind.into(),
                status: c.status.into(),
                at: c.at,
                actor_id: c.actor.map(|u| encode(NodeKind::User, u.0)),
                detail: c.detail,
            })
            .collect())
    }

    /// The money that moved on it (funding, releases, refunds, bonuses), newest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn payments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Return the payments after this cursor (an `endCursor` of this list).")]
        after: Option<String>,
    ) -> Result<PaymentConnection> {
        payments_of(ctx, self.0.id, first, after).await
    }

    /// Hourly: its weeks with time logged, newest first (each with its entries, what
    /// they are worth and its review); empty for fixed price.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn timesheets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Return the weeks after this cursor (an `endCursor` of this list).")]
        after: Option<String>,
    ) -> Result<TimesheetConnection> {
        super::hours::timesheets_of(ctx, &self.0, first, after).await
    }

    /// Hourly: the week of a day (the week under way when absent), with time logged or
    /// not yet; null for fixed price.
    async fn timesheet(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Any day of the week (UTC); today when absent.")] week_of: Option<
            NaiveDate,
        >,
    ) -> Result<Option<Timesheet>> {
        super::hours::timesheet_of(ctx, &self.0, week_of).await
    }

    /// The thread between its two sides, newest first: the thread of the proposal it
    /// came from, which goes on as the contract's.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(
            desc = "Return the messages before (older than) this cursor: an `endCursor` of this thread."
        )]
        after: Option<String>,
    ) -> Result<Option<crate::proposals::messages::ProposalMessageConnection>> {
        super::messages::thread(ctx, &self.0, first, after).await
    }

    /// The thread's latest message; null when there is none.
    async fn last_message(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::proposals::messages::ProposalMessage>> {
        super::messages::last_message(ctx, &self.0).await
    }

    /// How many messages of the other side came after the last one you marked read.
    async fn unread_message_count(&self, ctx: &Context<'_>) -> Result<i64> {
        super::messages::unread_count(ctx, &self.0).await
    }

    /// Its reviews you may read: yours, and the other side's once public (both sides
    /// reviewed, or the review window closed).
    async fn reviews(&self, ctx: &Context<'_>) -> Result<Vec<crate::reviews::types::Review>> {
        crate::reviews::types::contract_reviews(ctx, self.0.id).await
    }
}

/// A lower weekly limit waiting for its week.
#[derive(SimpleObject, Clone)]
pub struct PendingWeeklyLimit {
    /// The limit, in hours.
    pub hours: i32,
    /// The Monday (UTC) it applies from.
    pub from: NaiveDate,
}

/// One entry of a contract's history.
#[derive(SimpleObject, Clone)]
pub struct ContractChange {
    /// What happened.
    pub kind: ContractChangeKind,
    /// The contract's state after it.
    pub status: ContractStatus,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (a user's global ID); null when the platform did it.
    pub actor_id: Option<ID>,
    /// The reason, or what changed; null when there is nothing to add.
    pub detail: Option<String>,
}

#[derive(Clone)]
pub struct ContractMilestone(pub Arc<d::Milestone>);

/// A fixed-price contract's milestone: funded into escrow by the client, submitted by
/// the freelancer, released on approval.
#[Object]
impl ContractMilestone {
    /// Global ID of the milestone; pass it as `milestoneId` to fund, submit, approve,
    /// cancel or refund it.
    async fn id(&self) -> ID {
        encode(NodeKind::ContractMilestone, self.0.id.0)
    }

    /// 1-based order within the contract.
    async fn position(&self) -> i32 {
        i32::try_from(self.0.position).unwrap_or(i32::MAX)
    }

    /// What is delivered.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// More about it; null when none was given.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// What it pays.
    async fn amount(&self) -> Money {
        self.0.amount.into()
    }

    /// When it is due; null when no date was given.
    async fn due_on(&self) -> Option<NaiveDate> {
        self.0.due_on
    }

    /// Where it is.
    async fn status(&self) -> MilestoneStatus {
        self.0.status.into()
    }

    /// The freelancer's note with the submitted work.
    async fn submission_note(&self) -> Option<&str> {
        self.0.submission_note.as_deref()
    }

    /// What the client last asked to change.
    async fn changes_requested(&self) -> Option<&str> {
        self.0.changes_requested.as_deref()
    }

    /// Why it was refunded.
    async fn refund_reason(&self) -> Option<&str> {
        self.0.refund_reason.as_deref()
    }

    /// When it was funded.
    async fn funded_at(&self) -> Option<DateTime<Utc>> {
        self.0.funded_at
    }

    /// When the work was last submitted.
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }

    /// When it is released automatically unless the client approves or asks for
    /// changes first; null unless SUBMITTED.
    async fn auto_release_at(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        if self.0.status != d::MilestoneStatus::Submitted {
            return Ok(None);
        }
        let after = crate::context::services(ctx)?
            .contracts
            .settings()
            .auto_release_after;
        Ok(self.0.submitted_at.map(|at| at + after))
    }

    /// When it was released to the freelancer.
    async fn released_at(&self) -> Option<DateTime<Utc>> {
        self.0.released_at
    }

    /// When it was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// One line of a ledger transaction: what it added to (negative: took from) an account.
#[derive(SimpleObject, Clone)]
pub struct LedgerEntry {
    /// The account's kind.
    pub account: AccountKind,
    /// Whether the account is yours (your client funding or your earnings).
    pub yours: bool,
    /// What it added to the account (negative: took from it).
    pub amount: Money,
}

#[derive(Clone)]
pub struct LedgerTransaction(pub Arc<d::LedgerTransaction>);

/// One movement of money: balanced entries (they sum to zero) in one currency.
#[Object]
impl LedgerTransaction {
    /// The transaction's ID (a UUID).
    async fn id(&self) -> String {
        self.0.id.0.to_string()
    }

    /// Why money moved.
    async fn kind(&self) -> TransactionKind {
        self.0.kind.into()
    }

    /// The entries; their amounts sum to zero.
    async fn entries(&self, ctx: &Context<'_>) -> Vec<LedgerEntry> {
        let me = actor(ctx).user_id().map(|u| u.0);
        self.0
            .entries
            .iter()
            .map(|e| LedgerEntry {
                account: e.account.kind.into(),
                yours: me.is_some()
                    && e.account.owner == me
                    && e.account.kind != d::AccountKind::Escrow,
                amount: domain::money::Money {
                    amount_minor: e.amount_minor,
                    currency: e.account.currency,
                }
                .into(),
            })
            .collect()
    }

    /// The amount that moved: the sum of the positive entries.
    async fn amount(&self) -> Option<Money> {
        let currency = self.0.currency()?;
        let total: i64 = self
            .0
            .entries
            .iter()
            .filter(|e| e.amount_minor > 0)
            .map(|e| e.amount_minor)
            .sum();
        Some(
            domain::money::Money {
                amount_minor: total,
                currency,
            }
            .into(),
        )
    }

    /// The contract's global ID.
    async fn contract_id(&self) -> ID {
        encode(NodeKind::Contract, self.0.contract_id.0)
    }

    /// The milestone's global ID, for milestone money; null otherwise.
    async fn milestone_id(&self) -> Option<ID> {
        self.0
            .milestone_id
            .map(|m| encode(NodeKind::ContractMilestone, m.0))
    }

    /// The payment provider's reference, for money that came in or went back out.
    async fn provider_reference(&self) -> Option<&str> {
        self.0.provider_reference.as_deref()
    }

    /// The note or reason given with it.
    async fn memo(&self) -> Option<&str> {
        self.0.memo.as_deref()
    }

    /// When it was written.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

/// A balance of one of your accounts: the sum of its entries.
#[derive(SimpleObject, Clone)]
pub struct AccountBalance {
    /// The account's kind: CLIENT_FUNDING (minus what you paid in, net of refunds) or
    /// EARNINGS (what you earned, net of fees).
    pub account: AccountKind,
    /// The balance.
    pub balance: Money,
}
