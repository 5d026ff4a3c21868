//! Moderation: anybody who reads a review may report it; admins hide it with a reason,
//! restore it, or dismiss its reports. Every admin action is kept (who, when, why), and
//! a hidden review leaves the reviewee's reputation.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::ReviewId;
use crate::actor::UserId;

/// The longest report details and moderation reason.
pub const MAX_REPORT_DETAILS: usize = 2000;
pub const MAX_MODERATION_REASON: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReportId(pub Uuid);

/// Why a review was reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportReason {
    /// Advertising or unrelated to the contract.
    Spam,
    /// Insults, harassment, hate.
    Offensive,
    /// Statements the reporter says are untrue.
    FalseStatements,
    /// Personal data: contact details, addresses, identity documents.
    PrivateInformation,
    /// Offers to pay or be paid for a review, or threats to get one changed.
    Extortion,
    Other,
}

impl ReportReason {
    pub const ALL: [ReportReason; 6] = [
        ReportReason::Spam,
        ReportReason::Offensive,
        ReportReason::FalseStatements,
        ReportReason::PrivateInformation,
        ReportReason::Extortion,
        ReportReason::Other,
    ];

    /// The stable storage and API key, e.g. `SPAM`.
    pub fn key(self) -> &'static str {
        match self {
            ReportReason::Spam => "SPAM",
            ReportReason::Offensive => "OFFENSIVE",
            ReportReason::FalseStatements => "FALSE_STATEMENTS",
            ReportReason::PrivateInformation => "PRIVATE_INFORMATION",
            ReportReason::Extortion => "EXTORTION",
            ReportReason::Other => "OTHER",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// What an admin did to a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModerationAction {
    /// Hid it (it leaves public lists and the reviewee's reputation); its open reports
    /// are resolved as hidden.
    Hide,
    /// Made a hidden review public again.
    Restore,
    /// Found its open reports unfounded; the review stays.
    Dismiss,
}

impl ModerationAction {
    pub const ALL: [ModerationAction; 3] = [
        ModerationAction::Hide,
        ModerationAction::Restore,
        ModerationAction::Dismiss,
    ];

    /// The stable storage and API key, e.g. `HIDE`.
    pub fn key(self) -> &'static str {
        match self {
            ModerationAction::Hide => "HIDE",
            ModerationAction::Restore => "RESTORE",
            ModerationAction::Dismiss => "DISMISS",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }
}

/// One admin action on a review, kept for good (the audit trail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModerationEvent {
    pub id: Uuid,
    pub review_id: ReviewId,
    pub action: ModerationAction,
    pub reason: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// How an admin closed a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// [`ModerationAction::Hide`] or [`ModerationAction::Dismiss`].
    pub action: ModerationAction,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// A user's report of a review (one per user and review).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewReport {
    pub id: ReportId,
    pub review_id: ReviewId,
    pub reporter_id: UserId,
    pub reason: ReportReason,
    pub details: Option<String>,
    pub created_at: DateTime<Utc>,
    /// None while open.
    pub resolution: Option<Resolution>,
}
