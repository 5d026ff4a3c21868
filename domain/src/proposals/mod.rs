//! Proposals: what a freelancer (or an agency, for one of its members) submits to a
//! posting, and how the client's side evaluates it. This module grows with the proposals
//! issue; for now it holds the life cycle and
//! the evaluation pipeline.

mod lifecycle;
mod pipeline;

pub use lifecycle::{ProposalEvent, ProposalStatus, StageId, transition};
pub use pipeline::{MAX_STAGE_NAME, MAX_STAGES, Pipeline, Stage, StageKind};
