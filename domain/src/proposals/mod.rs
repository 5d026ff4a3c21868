//! Proposals: what a freelancer (or an agency, for one of its members) submits to a
//! posting, and how the client's side evaluates it. This module grows with the proposals
//! issue: the life cycle, the evaluation pipeline, who may submit and who sees and acts
//! on a proposal, the checks of a submission, the match score, and the service.

pub mod access;
mod lifecycle;
mod matching;
mod model;
mod pipeline;
mod pipeline_service;
pub mod policy;
mod ports;
mod service;
mod submission;

pub use lifecycle::{ProposalEvent, ProposalStatus, StageId, may_edit, reason, transition};
pub use matching::{Match, Reputation, match_of};
pub use model::{
    ChangeKind, Proposal, ProposalChange, ProposalCursor, ProposalFilter, ProposalId, ProposalSort,
};
pub use pipeline::{MAX_STAGE_NAME, MAX_STAGES, Pipeline, Stage, StageKind, template_stage_id};
pub use pipeline_service::PipelineChange;
pub use policy::{Submitter, SubmitterFacts};
pub use ports::{PipelineWrite, ProposalRepository, StoredPipeline, SubmitWrite};
pub use service::{ClientAction, ProposalService, SubmitAs};
pub use submission::{
    Answer, AnswerInput, AnswerValue, COVER_LETTER, MAX_DURATION_DAYS, MAX_MILESTONES, Milestone,
    MilestoneInput, ProposalInput, ProposalTerms, check as check_submission,
};
