//! Storage of proposals, their history and the postings' pipelines.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::lifecycle::StageId;
use super::model::{
    Proposal, ProposalChange, ProposalCursor, ProposalFilter, ProposalId, ProposalSort,
};
use super::pipeline::Pipeline;
use crate::actor::UserId;
use crate::error::DomainResult;
use crate::pagination::{Page, PageRequest};
use crate::postings::PostingId;
use crate::profiles::ProfileSkill;

/// What storage did with a new proposal (see [`ProposalRepository::submit`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitWrite {
    /// Stored, as storage keeps it.
    Written(Box<Proposal>),
    /// The freelancer already has a proposal on the posting.
    AlreadyApplied,
    /// The posting stopped taking proposals (closed, paused, past its deadline) before
    /// the proposal could be stored.
    PostingNotOpen,
}

/// A posting's pipeline with the version its changes are based on. Version 0 is the
/// template, not stored yet: stages keep the IDs [`template_stage_id`] gives them, so
/// they are the same before and after they are first stored.
///
/// [`template_stage_id`]: super::template_stage_id
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPipeline {
    pub pipeline: Pipeline,
    pub version: i64,
}

/// What storage did with a pipeline change (see [`ProposalRepository::save_pipeline`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineWrite {
    Written,
    /// Another change came first.
    Stale,
    /// A stage to remove still holds this many proposals (0: none, but its scorecards,
    /// interviews or coding tasks, or a proposal moved in meanwhile, still name it, and
    /// a foreign key refused).
    StageInUse(u64),
    /// A stage to remove has this many interviews and coding tasks (of any status: they
    /// keep the stage they were held in; 0: one was added while the stage was being
    /// removed, and the foreign key refused).
    StageHasInterviewsOrTasks(u64),
}

#[async_trait]
pub trait ProposalRepository: Send + Sync {
    /// In one transaction: marks the posting active at `proposal.created_at` only if it
    /// is OPEN and its deadline (if any) is later (holding the posting's row, so it
    /// cannot close meanwhile), stores the proposal with its answers and milestones
    /// (one per freelancer and posting: a unique index), and `change` as its first
    /// history entry. Nothing is written unless all of it is.
    async fn submit(
        &self,
        proposal: &Proposal,
        change: &ProposalChange,
    ) -> DomainResult<SubmitWrite>;
    /// Proposals by ID, with their answers and milestones; unknown IDs are left out.
    async fn by_ids(&self, ids: &[ProposalId]) -> DomainResult<Vec<Proposal>>;
    /// Stores `proposal` at `expected + 1` if the stored one is still at `expected`
    /// (rewriting its answers and milestones when `terms_changed`), with `change` in its
    /// history, in one transaction; `None` when another change came first.
    async fn save(
        &self,
        proposal: &Proposal,
        expected: i64,
        change: &ProposalChange,
        terms_changed: bool,
    ) -> DomainResult<Option<Proposal>>;
    /// Records that the posting's client first viewed these proposals at `at` (those
    /// viewed before keep their time). One statement.
    async fn mark_viewed(&self, ids: &[ProposalId], at: DateTime<Utc>) -> DomainResult<()>;
    /// A page of a posting's proposals in `sort` order.
    async fn of_posting(
        &self,
        posting: PostingId,
        filter: &ProposalFilter,
        sort: ProposalSort,
        page: &PageRequest<ProposalCursor>,
    ) -> DomainResult<Page<Proposal>>;
    /// How many proposals `of_posting` lists in all.
    async fn count_of_posting(
        &self,
        posting: PostingId,
        filter: &ProposalFilter,
    ) -> DomainResult<u64>;
    /// A page of the proposals that count for `user` or (when given) that `agency`
    /// submitted, newest first.
    async fn of_user(
        &self,
        user: UserId,
        agency: Option<crate::agencies::AgencyId>,
        page: &PageRequest<ProposalId>,
    ) -> DomainResult<Page<Proposal>>;
    /// The histories of many proposals, each oldest first; one statement.
    async fn histories(
        &self,
        ids: &[ProposalId],
    ) -> DomainResult<HashMap<ProposalId, Vec<ProposalChange>>>;
    /// The freelancer profiles' skills of these users, for the match; one statement.
    async fn skills_of(&self, users: &[UserId])
    -> DomainResult<HashMap<UserId, Vec<ProfileSkill>>>;
    /// The stored pipelines of these postings (those still on the template are left
    /// out); one statement.
    async fn pipelines(
        &self,
        postings: &[PostingId],
    ) -> DomainResult<HashMap<PostingId, StoredPipeline>>;
    /// Stores `after` as the posting's pipeline if it is still at `expected` (0: never
    /// stored), at `expected + 1`, in one transaction: stages no longer in it are removed
    /// only if no proposal is in them (the foreign keys have the last word).
    async fn save_pipeline(
        &self,
        posting: PostingId,
        expected: i64,
        after: &Pipeline,
    ) -> DomainResult<PipelineWrite>;
    /// Whether `user` has a proposal on `posting` (as the freelancer it counts for).
    async fn has_proposal(&self, posting: PostingId, user: UserId) -> DomainResult<bool>;
    /// How many proposals are in `stage` now.
    async fn count_in_stage(&self, stage: StageId) -> DomainResult<u64>;
}
