//! Reviews after a contract ends: double-blind, backed by paid work. See
//! `docs/reviews.md` for the rules and the decisions taken where the product document is
//! silent.
//!
//! - **Who**: the client about the freelancer, the freelancer the contract counts for
//!   about the client; once per side (a unique index); only on an ENDED contract on
//!   which work was paid (a release, an automatic release or a week of hours), within
//!   the review window (14 days after it ended, configurable).
//! - **Double blind**: a review is read by its author only until both sides have
//!   reviewed (both are published in the second one's transaction) or the window has
//!   closed (then it reads as public; the publication job records it). Public reviews
//!   do not change.
//! - **Reply**: the reviewee adds one public reply to a public review about them.
//! - **Reputation** ([`reputation`]): recomputed from scratch, per subject, whenever
//!   something it is computed from changes.
//! - **Moderation** ([`moderation`]): reports, and admins hiding, restoring or
//!   dismissing, audited.

mod model;
mod moderation;
mod moderation_service;
mod ports;
mod reputation;
mod service;

pub use model::{
    Criterion, MAX_COMMENT, MAX_REPLY, Moderation, Review, ReviewId, ReviewInput, ReviewerSide,
    checked,
};
pub use moderation::{
    MAX_MODERATION_REASON, MAX_REPORT_DETAILS, ModerationAction, ModerationEvent, ReportId,
    ReportReason, Resolution, ReviewReport,
};
pub use ports::{PendingReview, ReviewRepository, ReviewWrite};
pub use reputation::{ContractRecord, GOOD_RATING, Reputation, ReputationRepository, Subject};
pub use service::{PAID_WORK, ReputationRun, ReviewService};
