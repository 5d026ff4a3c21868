//! A proposal as it is kept, its history, and how lists of proposals are asked for.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::lifecycle::{ProposalEvent, ProposalStatus, StageId};
use super::submission::ProposalTerms;
use crate::actor::UserId;
use crate::agencies::AgencyId;
use crate::postings::PostingId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProposalId(pub Uuid);

/// A proposal on a posting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub id: ProposalId,
    pub posting_id: PostingId,
    /// The freelancer it counts for (one proposal per freelancer per posting).
    pub freelancer_id: UserId,
    /// The agency that submitted it for its member, if one did.
    pub agency_id: Option<AgencyId>,
    pub status: ProposalStatus,
    /// Why it was declined or withdrawn.
    pub status_reason: Option<String>,
    pub terms: ProposalTerms,
    /// The match score (0 to 100) when it was submitted or last edited, kept for sorting
    /// by match.
    pub match_score: u8,
    /// The average recommendation of its scorecards × 100 (100 to 500), 0 without any:
    /// kept by storage for sorting by score.
    pub scorecard_score: i16,
    /// Bumped by every change; changes name the version they were based on.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the posting's client first looked at it; the freelancer edits it until then.
    pub first_viewed_at: Option<DateTime<Utc>>,
}

/// What a change in a proposal's history was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    Submitted,
    Edited,
    Shortlisted,
    Unshortlisted,
    Moved,
    Offered,
    Hired,
    OfferEnded,
    Declined,
    Withdrawn,
    Closed,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 11] = [
        ChangeKind::Submitted,
        ChangeKind::Edited,
        ChangeKind::Shortlisted,
        ChangeKind::Unshortlisted,
        ChangeKind::Moved,
        ChangeKind::Offered,
        ChangeKind::Hired,
        ChangeKind::OfferEnded,
        ChangeKind::Declined,
        ChangeKind::Withdrawn,
        ChangeKind::Closed,
    ];

    /// The stable storage and API key, e.g. `SHORTLISTED`.
    pub fn key(self) -> &'static str {
        match self {
            ChangeKind::Submitted => "SUBMITTED",
            ChangeKind::Edited => "EDITED",
            ChangeKind::Shortlisted => "SHORTLISTED",
            ChangeKind::Unshortlisted => "UNSHORTLISTED",
            ChangeKind::Moved => "MOVED",
            ChangeKind::Offered => "OFFERED",
            ChangeKind::Hired => "HIRED",
            ChangeKind::OfferEnded => "OFFER_ENDED",
            ChangeKind::Declined => "DECLINED",
            ChangeKind::Withdrawn => "WITHDRAWN",
            ChangeKind::Closed => "CLOSED",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }

    /// The kind of change a life-cycle event makes.
    pub fn of(event: ProposalEvent) -> Self {
        match event {
            ProposalEvent::Shortlist => ChangeKind::Shortlisted,
            ProposalEvent::Unshortlist => ChangeKind::Unshortlisted,
            ProposalEvent::MoveTo(_) => ChangeKind::Moved,
            ProposalEvent::Offer => ChangeKind::Offered,
            ProposalEvent::Hire => ChangeKind::Hired,
            ProposalEvent::OfferEnded => ChangeKind::OfferEnded,
            ProposalEvent::Decline => ChangeKind::Declined,
            ProposalEvent::Withdraw => ChangeKind::Withdrawn,
            ProposalEvent::PostingClosed => ChangeKind::Closed,
        }
    }
}

/// One entry of a proposal's history: every change, with who made it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalChange {
    pub proposal_id: ProposalId,
    pub at: DateTime<Utc>,
    /// `None` for the platform itself (a posting closing by expiry).
    pub actor: Option<UserId>,
    pub kind: ChangeKind,
    /// The status after the change.
    pub status: ProposalStatus,
    /// The name of the stage it was moved to, as it was then.
    pub stage_name: Option<String>,
    /// The reason given for declining or withdrawing.
    pub reason: Option<String>,
}

/// Who made a change in a proposal's history, as the parties see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeBy {
    /// The freelancer the proposal counts for.
    Freelancer,
    /// An owner of the agency that submitted it.
    Agency,
    /// The posting's client.
    Client,
    /// The platform (a posting closing by expiry).
    Platform,
}

impl ChangeBy {
    /// Who `change` of `proposal` (on a posting of `client`) was made by.
    pub fn of(change: &ProposalChange, proposal: &Proposal, client: UserId) -> Self {
        match change.actor {
            None => ChangeBy::Platform,
            Some(user) if user == client => ChangeBy::Client,
            Some(user) if user == proposal.freelancer_id => ChangeBy::Freelancer,
            Some(_) => ChangeBy::Agency,
        }
    }
}

/// How a posting's proposals are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProposalSort {
    /// Newest first.
    #[default]
    Newest,
    /// Best match first (the stored score), then newest.
    Match,
    /// Lowest bid first, then the earliest.
    Bid,
    /// Best average scorecard recommendation first (unscored last), then newest.
    Score,
}

/// Which of a posting's proposals to list: all when empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProposalFilter {
    /// Only proposals in these states (by key: `IN_EVALUATION` covers every stage).
    pub statuses: Vec<&'static str>,
    /// Only proposals in this stage.
    pub stage: Option<StageId>,
}

/// Where a page of a posting's proposals ends, in its sort's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalCursor {
    Newest(ProposalId),
    Match { score: u8, id: ProposalId },
    Bid { amount_minor: i64, id: ProposalId },
    Score { score: i16, id: ProposalId },
}

impl ProposalCursor {
    /// The cursor after `proposal` in `sort`.
    pub fn after(sort: ProposalSort, proposal: &Proposal) -> Self {
        match sort {
            ProposalSort::Newest => ProposalCursor::Newest(proposal.id),
            ProposalSort::Match => ProposalCursor::Match {
                score: proposal.match_score,
                id: proposal.id,
            },
            ProposalSort::Bid => ProposalCursor::Bid {
                amount_minor: proposal.terms.bid.amount_minor,
                id: proposal.id,
            },
            ProposalSort::Score => ProposalCursor::Score {
                score: proposal.scorecard_score,
                id: proposal.id,
            },
        }
    }

    /// Whether the cursor was made for `sort` (a cursor of another sort is refused).
    pub fn fits(self, sort: ProposalSort) -> bool {
        matches!(
            (self, sort),
            (ProposalCursor::Newest(_), ProposalSort::Newest)
                | (ProposalCursor::Match { .. }, ProposalSort::Match)
                | (ProposalCursor::Bid { .. }, ProposalSort::Bid)
                | (ProposalCursor::Score { .. }, ProposalSort::Score)
        )
    }
}
