//! The enums of proposals and pipelines, and how they map to the domain's.

use async_graphql::Enum;
use domain::proposals::{self as d, ChangeKind, StageKind};

/// Where a proposal is in its life cycle. SUBMITTED, SHORTLISTED, IN_EVALUATION and
/// OFFERED are open; HIRED, DECLINED, WITHDRAWN and CLOSED are final.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ProposalStatus {
    /// Submitted; the client has not acted on it yet.
    Submitted,
    /// On the client's short list.
    Shortlisted,
    /// Being evaluated, in a stage of the posting's pipeline (see `stage`).
    InEvaluation,
    /// The client made an offer, from a stage of the pipeline (see `stage`).
    Offered,
    /// The offer was accepted. Final.
    Hired,
    /// The client declined it (`statusReason` says why). Final.
    Declined,
    /// The freelancer's side withdrew it (`statusReason` says why). Final.
    Withdrawn,
    /// Its posting closed while it was open. Final.
    Closed,
}

impl From<d::ProposalStatus> for ProposalStatus {
    fn from(s: d::ProposalStatus) -> Self {
        match s {
            d::ProposalStatus::Submitted => ProposalStatus::Submitted,
            d::ProposalStatus::Shortlisted => ProposalStatus::Shortlisted,
            d::ProposalStatus::InEvaluation(_) => ProposalStatus::InEvaluation,
            d::ProposalStatus::Offered(_) => ProposalStatus::Offered,
            d::ProposalStatus::Hired => ProposalStatus::Hired,
            d::ProposalStatus::Declined => ProposalStatus::Declined,
            d::ProposalStatus::Withdrawn => ProposalStatus::Withdrawn,
            d::ProposalStatus::Closed => ProposalStatus::Closed,
        }
    }
}

impl ProposalStatus {
    /// The domain's key of the state (`IN_EVALUATION` covers every stage).
    pub(crate) fn key(self) -> &'static str {
        match self {
            ProposalStatus::Submitted => "SUBMITTED",
            ProposalStatus::Shortlisted => "SHORTLISTED",
            ProposalStatus::InEvaluation => "IN_EVALUATION",
            ProposalStatus::Offered => "OFFERED",
            ProposalStatus::Hired => "HIRED",
            ProposalStatus::Declined => "DECLINED",
            ProposalStatus::Withdrawn => "WITHDRAWN",
            ProposalStatus::Closed => "CLOSED",
        }
    }
}

/// What a stage of a posting's evaluation pipeline is for.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum PipelineStageKind {
    /// A first look at the proposal and the profile.
    Screening,
    /// A technical interview.
    TechnicalInterview,
    /// A coding task to solve.
    CodingTask,
    /// A review of past work.
    PortfolioReview,
    /// An interview about how the candidate works with others.
    BehavioralInterview,
    /// Whether the candidate fits the team.
    CultureFit,
    /// A stage the client added, for anything else.
    Custom,
}

impl From<StageKind> for PipelineStageKind {
    fn from(k: StageKind) -> Self {
        match k {
            StageKind::Screening => PipelineStageKind::Screening,
            StageKind::TechnicalInterview => PipelineStageKind::TechnicalInterview,
            StageKind::CodingTask => PipelineStageKind::CodingTask,
            StageKind::PortfolioReview => PipelineStageKind::PortfolioReview,
            StageKind::BehavioralInterview => PipelineStageKind::BehavioralInterview,
            StageKind::CultureFit => PipelineStageKind::CultureFit,
            StageKind::Custom => PipelineStageKind::Custom,
        }
    }
}

/// What a change in a proposal's history was.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ProposalChangeKind {
    /// It was submitted.
    Submitted,
    /// The freelancer's side changed its terms.
    Edited,
    /// The client put it on the short list.
    Shortlisted,
    /// The client took it off the short list.
    Unshortlisted,
    /// The client moved it to a stage of the pipeline (`stageName`).
    Moved,
    /// The client made an offer.
    Offered,
    /// The offer was accepted.
    Hired,
    /// The offer ended without a hire; the proposal is back in its stage.
    OfferEnded,
    /// The client declined it (`reason`).
    Declined,
    /// The freelancer's side withdrew it (`reason`).
    Withdrawn,
    /// Its posting closed.
    Closed,
}

impl From<ChangeKind> for ProposalChangeKind {
    fn from(k: ChangeKind) -> Self {
        match k {
            ChangeKind::Submitted => ProposalChangeKind::Submitted,
            ChangeKind::Edited => ProposalChangeKind::Edited,
            ChangeKind::Shortlisted => ProposalChangeKind::Shortlisted,
            ChangeKind::Unshortlisted => ProposalChangeKind::Unshortlisted,
            ChangeKind::Moved => ProposalChangeKind::Moved,
            ChangeKind::Offered => ProposalChangeKind::Offered,
            ChangeKind::Hired => ProposalChangeKind::Hired,
            ChangeKind::OfferEnded => ProposalChangeKind::OfferEnded,
            ChangeKind::Declined => ProposalChangeKind::Declined,
            ChangeKind::Withdrawn => ProposalChangeKind::Withdrawn,
            ChangeKind::Closed => ProposalChangeKind::Closed,
        }
    }
}

/// The order of a posting's proposals; ties are broken by the proposals' age (newest
/// first, but earliest first for BID), so pages are stable.
#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum ProposalSort {
    /// Best match first (the score when the proposal was submitted or last edited).
    Match,
    /// Lowest bid first. Bids are in the posting's currency and of its budget's kind
    /// when they were made.
    Bid,
    /// Best average scorecard recommendation first; proposals without scorecards last.
    Score,
    /// Newest first.
    #[default]
    Newest,
}

impl From<ProposalSort> for d::ProposalSort {
    fn from(s: ProposalSort) -> Self {
        match s {
            ProposalSort::Match => d::ProposalSort::Match,
            ProposalSort::Bid => d::ProposalSort::Bid,
            ProposalSort::Newest => d::ProposalSort::Newest,
            ProposalSort::Score => d::ProposalSort::Score,
        }
    }
}

/// Who made a change in a proposal's history.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ProposalChangeBy {
    /// The freelancer the proposal counts for.
    Freelancer,
    /// An owner of the agency that submitted it.
    Agency,
    /// The posting's client.
    Client,
    /// The platform (a posting closing by expiry).
    Platform,
}

impl From<d::ChangeBy> for ProposalChangeBy {
    fn from(b: d::ChangeBy) -> Self {
        match b {
            d::ChangeBy::Freelancer => ProposalChangeBy::Freelancer,
            d::ChangeBy::Agency => ProposalChangeBy::Agency,
            d::ChangeBy::Client => ProposalChangeBy::Client,
            d::ChangeBy::Platform => ProposalChangeBy::Platform,
        }
    }
}
