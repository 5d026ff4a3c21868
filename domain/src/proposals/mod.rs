//! Proposals: what a freelancer (or an agency, for one of its members) submits to a
//! posting, and how the client's side evaluates it. This module grows with the proposals
//! issue: the life cycle, the evaluation pipeline, who may submit and who sees and acts
//! on a proposal, the checks of a submission, the match score, and the service.

pub mod access;
mod assessments;
mod coding_task_service;
mod coding_tasks;
mod evaluators;
mod interview_service;
mod interviews;
mod lifecycle;
mod matching;
mod message_service;
mod messages;
mod model;
mod pipeline;
mod pipeline_service;
pub mod policy;
mod ports;
mod referral_service;
mod referrals;
mod scorecard_service;
mod scorecards;
mod service;
mod submission;

pub use assessments::MAX_DAYS_AHEAD;
pub use coding_task_service::{AssignCodingTask, CodingTaskService};
pub use coding_tasks::{
    AssignWrite, CodingTask, CodingTaskId, CodingTaskRepository, CodingTaskStatus,
    MAX_INSTRUCTIONS, SubmissionWrite,
};
pub use evaluators::{Evaluator, EvaluatorRepository, EvaluatorWrite, MAX_EVALUATORS};
pub use interview_service::{InterviewService, RescheduleInterview, ScheduleInterview};
pub use interviews::{
    Interview, InterviewId, InterviewRepository, InterviewStatus, InterviewTime, InterviewWrite,
    Interviewer, MAX_INTERVIEW_MINUTES, MAX_INTERVIEWERS, MIN_INTERVIEW_MINUTES,
};
pub use lifecycle::{ProposalEvent, ProposalStatus, StageId, may_edit, reason, transition};
pub use matching::{Match, Reputation, match_of};
pub use message_service::MessageService;
pub use messages::{
    MAX_MESSAGE, MessageId, MessageRepository, ProposalMessage, SendWrite, ThreadPage, ThreadState,
    ThreadSummary, thread_side,
};
pub use model::{
    ChangeBy, ChangeKind, Proposal, ProposalChange, ProposalCursor, ProposalFilter, ProposalId,
    ProposalSort,
};
pub use pipeline::{MAX_STAGE_NAME, MAX_STAGES, Pipeline, Stage, StageKind, template_stage_id};
pub use pipeline_service::PipelineChange;
pub use policy::{Submitter, SubmitterFacts};
pub use ports::{PipelineWrite, ProposalRepository, StoredPipeline, SubmitWrite};
pub use referral_service::ReferralService;
pub use referrals::{
    MAX_REFERRAL_NOTE, Referral, ReferralId, ReferralRepository, ReferralTargets, ReferralWrite,
};
pub use scorecards::{
    Criterion, CriterionInput, MAX_CRITERIA, MAX_CRITERION, MAX_NOTES, Rating, Scorecard,
    ScorecardId, ScorecardInput, ScorecardRepository, ScorecardSummary,
};
pub use service::{ClientAction, ProposalService, SubmitAs};
pub use submission::{
    Answer, AnswerInput, AnswerValue, COVER_LETTER, MAX_DURATION_DAYS, MAX_MILESTONES, Milestone,
    MilestoneInput, ProposalInput, ProposalTerms, check as check_submission,
};
