//! Proposals: what a freelancer (or an agency, for one of its members) submits to a
//! posting, and how the client's side evaluates it. This module grows with the proposals
//! issue; for now it holds the life cycle,
//! the evaluation pipeline, who may submit, the checks of a submission and the match
//! score.

mod lifecycle;
mod matching;
mod pipeline;
pub mod policy;
mod submission;

pub use lifecycle::{ProposalEvent, ProposalStatus, StageId, may_edit, reason, transition};
pub use matching::{Match, Reputation, match_of};
pub use pipeline::{MAX_STAGE_NAME, MAX_STAGES, Pipeline, Stage, StageKind};
pub use submission::{
    Answer, AnswerInput, AnswerValue, COVER_LETTER, MAX_DURATION_DAYS, MAX_MILESTONES, Milestone,
    MilestoneInput, ProposalInput, ProposalTerms, check as check_submission,
};
