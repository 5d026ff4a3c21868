//! Offers, contracts and milestones as they are kept.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::lifecycle::{ContractStatus, MilestoneStatus, OfferStatus};
use crate::actor::UserId;
use crate::agencies::AgencyId;
use crate::money::{Currency, Money};
use crate::postings::PostingId;
use crate::proposals::{ProposalId, StageId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OfferId(pub Uuid);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContractId(pub Uuid);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MilestoneId(pub Uuid);

/// A milestone of a fixed-price offer: what is delivered, for how much, by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestonePlan {
    pub title: String,
    pub description: Option<String>,
    pub amount: Money,
    pub due_on: Option<NaiveDate>,
}

/// The terms of an offer, and of the contract it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Terms {
    /// A fixed price, paid milestone by milestone through escrow; the milestones add up
    /// to `total`.
    Fixed { total: Money },
    /// Paid by the hour, up to a weekly limit; `manual_time`: the freelancer may log
    /// time by hand (rather than only through a tracker; every entry is manual today).
    Hourly {
        rate: Money,
        weekly_limit_hours: u8,
        manual_time: bool,
    },
}

impl Terms {
    /// The contract's currency.
    pub fn currency(&self) -> Currency {
        match self {
            Terms::Fixed { total } => total.currency,
            Terms::Hourly { rate, .. } => rate.currency,
        }
    }

    /// `FIXED` or `HOURLY`.
    pub fn kind_key(&self) -> &'static str {
        match self {
            Terms::Fixed { .. } => "FIXED",
            Terms::Hourly { .. } => "HOURLY",
        }
    }
}

/// An offer a client made from a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub id: OfferId,
    pub proposal_id: ProposalId,
    pub posting_id: PostingId,
    pub client_id: UserId,
    /// The freelancer the proposal counts for.
    pub freelancer_id: UserId,
    /// The agency that submitted the proposal, if one did.
    pub agency_id: Option<AgencyId>,
    /// The stage of the pipeline the offer was made from (the proposal returns to it
    /// when the offer ends without a hire).
    pub stage_id: StageId,
    pub title: String,
    pub message: Option<String>,
    pub terms: Terms,
    /// Fixed price only: the milestones, in order.
    pub milestones: Vec<MilestonePlan>,
    /// As stored; past `expires_at` a PENDING offer reads as EXPIRED (see
    /// [`Offer::status_at`]) until the expiry job records it.
    pub status: OfferStatus,
    /// Why it was declined or withdrawn.
    pub status_reason: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The contract it became.
    pub contract_id: Option<ContractId>,
}

impl Offer {
    /// The status at `now`: a PENDING offer past its expiry is EXPIRED.
    pub fn status_at(&self, now: DateTime<Utc>) -> OfferStatus {
        if self.status == OfferStatus::Pending && self.expires_at <= now {
            OfferStatus::Expired
        } else {
            self.status
        }
    }
}

/// A contract between a client and a freelancer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    pub id: ContractId,
    pub offer_id: OfferId,
    pub proposal_id: ProposalId,
    pub posting_id: PostingId,
    pub client_id: UserId,
    pub freelancer_id: UserId,
    pub agency_id: Option<AgencyId>,
    pub title: String,
    pub terms: Terms,
    /// Hourly only: a lower weekly limit waiting for next week (hours, and the Monday
    /// it applies from).
    pub next_weekly_limit: Option<(u8, NaiveDate)>,
    pub status: ContractStatus,
    /// Why it ended, and by whom.
    pub end_reason: Option<String>,
    pub ended_by: Option<UserId>,
    pub version: i64,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// A fixed-price contract's milestone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub id: MilestoneId,
    pub contract_id: ContractId,
    /// 1-based order within the contract.
    pub position: u32,
    pub title: String,
    pub description: Option<String>,
    pub amount: Money,
    pub due_on: Option<NaiveDate>,
    pub status: MilestoneStatus,
    /// The freelancer's note with the submitted work.
    pub submission_note: Option<String>,
    /// The client's request for changes, when the work went back.
    pub changes_requested: Option<String>,
    /// The refund reason, when refunded.
    pub refund_reason: Option<String>,
    pub funded_at: Option<DateTime<Utc>>,
    /// When the work was last submitted (the 14 days of the automatic release run from
    /// here).
    pub submitted_at: Option<DateTime<Utc>>,
    pub released_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a change in a contract's history was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContractChangeKind {
    Started,
    Paused,
    Resumed,
    Ended,
    TermsChanged,
    MilestoneAdded,
}

impl ContractChangeKind {
    pub const ALL: [ContractChangeKind; 6] = [
        ContractChangeKind::Started,
        ContractChangeKind::Paused,
        ContractChangeKind::Resumed,
        ContractChangeKind::Ended,
        ContractChangeKind::TermsChanged,
        ContractChangeKind::MilestoneAdded,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ContractChangeKind::Started => "STARTED",
            ContractChangeKind::Paused => "PAUSED",
            ContractChangeKind::Resumed => "RESUMED",
            ContractChangeKind::Ended => "ENDED",
            ContractChangeKind::TermsChanged => "TERMS_CHANGED",
            ContractChangeKind::MilestoneAdded => "MILESTONE_ADDED",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// One entry of a contract's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractChange {
    pub contract_id: ContractId,
    pub at: DateTime<Utc>,
    /// Who made it (`None`: the platform).
    pub actor: Option<UserId>,
    pub kind: ContractChangeKind,
    pub status: ContractStatus,
    /// A short description of what changed (e.g. the new weekly limit), or the reason.
    pub detail: Option<String>,
}
