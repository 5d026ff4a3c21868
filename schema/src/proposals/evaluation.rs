//! Evaluators and scorecards: the client adds teammates to evaluate a posting; they and
//! the client fill scorecards on its proposals.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::postings::{Posting, PostingId};
use domain::proposals::{self as d, ProposalId, StageId};
use domain::{Actor, Services, UserId};

use super::loaders::{PostingKey, ProposalKey, proposal_loaders};
use super::pipeline::stage_id;
use crate::context::{actor, services};
use crate::errors::{UserError, into_payload};
use crate::ids::{NodeKind, decode_kind, encode};
use crate::taxonomy::loaders::LoadError;
use crate::taxonomy::types::load_error;

/// The rating scale of scorecards, worst to best.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ScorecardRating {
    /// Strongly against.
    StrongNo,
    /// Against.
    No,
    /// Neither for nor against.
    Mixed,
    /// For.
    Yes,
    /// Strongly for.
    StrongYes,
}

impl From<ScorecardRating> for d::Rating {
    fn from(r: ScorecardRating) -> Self {
        match r {
            ScorecardRating::StrongNo => d::Rating::StrongNo,
            ScorecardRating::No => d::Rating::No,
            ScorecardRating::Mixed => d::Rating::Mixed,
            ScorecardRating::Yes => d::Rating::Yes,
            ScorecardRating::StrongYes => d::Rating::StrongYes,
        }
    }
}

impl From<d::Rating> for ScorecardRating {
    fn from(r: d::Rating) -> Self {
        match r {
            d::Rating::StrongNo => ScorecardRating::StrongNo,
            d::Rating::No => ScorecardRating::No,
            d::Rating::Mixed => ScorecardRating::Mixed,
            d::Rating::Yes => ScorecardRating::Yes,
            d::Rating::StrongYes => ScorecardRating::StrongYes,
        }
    }
}

/// A teammate evaluating one of your postings.
#[derive(SimpleObject)]
pub struct PostingEvaluator {
    /// The evaluator's user ID (what their `viewer { id }` says).
    pub user_id: ID,
    /// Their display name.
    pub display_name: String,
    /// When they were added.
    pub added_at: DateTime<Utc>,
}

impl From<d::Evaluator> for PostingEvaluator {
    fn from(e: d::Evaluator) -> Self {
        Self {
            user_id: encode(NodeKind::User, e.user_id.0),
            display_name: e.display_name,
            added_at: e.added_at,
        }
    }
}

/// A rated criterion of a scorecard.
#[derive(SimpleObject)]
pub struct ScorecardCriterion {
    /// What was rated, e.g. "Rust" or "System design".
    pub name: String,
    /// How it was rated.
    pub rating: ScorecardRating,
    /// Why, if the evaluator said.
    pub notes: Option<String>,
}

/// A summary of a proposal's scorecards, all stages together.
#[derive(SimpleObject)]
pub struct ScorecardSummary {
    /// How many scorecards there are.
    pub count: i32,
    /// How many recommend STRONG_NO.
    pub strong_no: i32,
    /// How many recommend NO.
    pub no: i32,
    /// How many recommend MIXED.
    pub mixed: i32,
    /// How many recommend YES.
    pub yes: i32,
    /// How many recommend STRONG_YES.
    pub strong_yes: i32,
    /// The average recommendation, 1.0 (STRONG_NO) to 5.0 (STRONG_YES); null without
    /// scorecards.
    pub average: Option<f64>,
}

impl From<d::ScorecardSummary> for ScorecardSummary {
    fn from(s: d::ScorecardSummary) -> Self {
        let n = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        Self {
            count: n(s.total()),
            strong_no: n(s.counts[0]),
            no: n(s.counts[1]),
            mixed: n(s.counts[2]),
            yes: n(s.counts[3]),
            strong_yes: n(s.counts[4]),
            average: s.average,
        }
    }
}

/// A scorecard and who reads it.
pub struct Scorecard(pub d::Scorecard, pub Option<UserId>);

/// One evaluator's scorecard for a proposal in a stage. Never shown to the freelancer's
/// side.
#[Object]
impl Scorecard {
    /// Global ID of the scorecard.
    async fn id(&self) -> ID {
        encode(NodeKind::Scorecard, self.0.id.0)
    }

    /// The pipeline stage it scores (a `PipelineStage` ID).
    async fn stage_id(&self) -> ID {
        encode(NodeKind::PipelineStage, self.0.stage_id.0)
    }

    /// The evaluator's user ID.
    async fn evaluator_id(&self) -> ID {
        encode(NodeKind::User, self.0.evaluator_id.0)
    }

    /// Whether it is yours.
    async fn mine(&self) -> bool {
        self.1 == Some(self.0.evaluator_id)
    }

    /// The rated criteria, in the evaluator's order.
    async fn criteria(&self) -> Vec<ScorecardCriterion> {
        self.0
            .criteria
            .iter()
            .map(|c| ScorecardCriterion {
                name: c.name.clone(),
                rating: c.rating.into(),
                notes: c.notes.clone(),
            })
            .collect()
    }

    /// The overall recommendation.
    async fn recommendation(&self) -> ScorecardRating {
        self.0.recommendation.into()
    }

    /// Overall notes, if any.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }

    /// When it was first submitted.
    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.submitted_at
    }

    /// When it was last submitted.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

pub(crate) struct EvaluatorsByPosting(pub Services, pub Actor);
pub(crate) struct ScorecardsOfProposal(pub Services, pub Actor);
pub(crate) struct SummaryOfProposal(pub Services, pub Actor);

impl Loader<PostingKey> for EvaluatorsByPosting {
    type Value = Vec<d::Evaluator>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PostingKey],
    ) -> Result<HashMap<PostingKey, Vec<d::Evaluator>>, LoadError> {
        let postings: Vec<Posting> = keys.iter().map(|k| (*k.0).clone()).collect();
        let mut found: HashMap<PostingId, Vec<d::Evaluator>> =
            self.0.proposals.evaluators(&self.1, &postings).await?;
        Ok(keys
            .iter()
            .filter_map(|k| found.remove(&k.0.id).map(|e| (k.clone(), e)))
            .collect())
    }
}

impl Loader<ProposalKey> for ScorecardsOfProposal {
    type Value = Vec<d::Scorecard>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProposalKey],
    ) -> Result<HashMap<ProposalKey, Vec<d::Scorecard>>, LoadError> {
        let proposals: Vec<d::Proposal> = keys.iter().map(|k| (*k.0).clone()).collect();
        let mut found = self.0.proposals.scorecards(&self.1, &proposals).await?;
        Ok(keys
            .iter()
            .filter_map(|k| found.remove(&k.0.id).map(|c| (k.clone(), c)))
            .collect())
    }
}

impl Loader<ProposalKey> for SummaryOfProposal {
    type Value = d::ScorecardSummary;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProposalKey],
    ) -> Result<HashMap<ProposalKey, d::ScorecardSummary>, LoadError> {
        let proposals: Vec<d::Proposal> = keys.iter().map(|k| (*k.0).clone()).collect();
        let mut found = self
            .0
            .proposals
            .scorecard_summaries(&self.1, &proposals)
            .await?;
        Ok(keys
            .iter()
            .filter_map(|k| found.remove(&k.0.id).map(|s| (k.clone(), s)))
            .collect())
    }
}

/// `Posting.evaluators`: its client only; null for everyone else.
pub(crate) async fn evaluators_of(
    ctx: &Context<'_>,
    posting: &Posting,
) -> Result<Option<Vec<PostingEvaluator>>> {
    Ok(proposal_loaders(ctx)?
        .evaluators
        .load_one(PostingKey(Arc::new(posting.clone())))
        .await
        .map_err(|e| load_error(ctx, e))?
        .map(|list| list.into_iter().map(PostingEvaluator::from).collect()))
}

/// `Proposal.scorecards`: the cards the caller may read, of one stage when given.
pub(crate) async fn scorecards_of(
    ctx: &Context<'_>,
    proposal: &Arc<d::Proposal>,
    stage: Option<&ID>,
) -> Result<Vec<Scorecard>> {
    let stage: Option<Option<StageId>> = stage.map(stage_id);
    let cards = proposal_loaders(ctx)?
        .scorecards
        .load_one(ProposalKey(proposal.clone()))
        .await
        .map_err(|e| load_error(ctx, e))?
        .unwrap_or_default();
    let me = actor(ctx).user_id();
    Ok(cards
        .into_iter()
        .filter(|c| stage.is_none_or(|s| s == Some(c.stage_id)))
        .map(|c| Scorecard(c, me))
        .collect())
}

/// `Proposal.scorecardSummary`.
pub(crate) async fn summary_of(
    ctx: &Context<'_>,
    proposal: &Arc<d::Proposal>,
) -> Result<Option<ScorecardSummary>> {
    Ok(proposal_loaders(ctx)?
        .summaries
        .load_one(ProposalKey(proposal.clone()))
        .await
        .map_err(|e| load_error(ctx, e))?
        .map(ScorecardSummary::from))
}

/// Input of `addPostingEvaluator`.
#[derive(InputObject)]
pub struct AddPostingEvaluatorInput {
    /// One of your postings.
    pub posting_id: ID,
    /// The teammate's user ID (their `viewer { id }`).
    pub user_id: ID,
}

/// Input of `removePostingEvaluator`.
#[derive(InputObject)]
pub struct RemovePostingEvaluatorInput {
    /// One of your postings.
    pub posting_id: ID,
    /// The evaluator's user ID.
    pub user_id: ID,
}

/// The outcome of `addPostingEvaluator` and `removePostingEvaluator`.
#[derive(SimpleObject)]
pub struct PostingEvaluatorsPayload {
    /// The posting's evaluators after the change; null when `userErrors` is not empty.
    pub evaluators: Option<Vec<PostingEvaluator>>,
    /// Why nothing changed; empty on success. Paths start at `input`.
    pub user_errors: Vec<UserError>,
}

/// A criterion as you rate it.
#[derive(InputObject)]
pub struct ScorecardCriterionInput {
    /// What you rate: one line, 1 to 80 characters, each once per card.
    pub name: String,
    /// Your rating.
    pub rating: ScorecardRating,
    /// Why, if you like: plain text, at most 2,000 characters.
    pub notes: Option<String>,
}

/// Input of `submitScorecard`.
#[derive(InputObject)]
pub struct SubmitScorecardInput {
    /// A proposal on a posting you are the client or an evaluator of.
    pub proposal_id: ID,
    /// The stage of the posting's pipeline you score it in.
    pub stage_id: ID,
    /// 1 to 20 rated criteria.
    pub criteria: Vec<ScorecardCriterionInput>,
    /// Your overall recommendation.
    pub recommendation: ScorecardRating,
    /// Overall notes, if you like: plain text, at most 2,000 characters.
    pub notes: Option<String>,
}

/// The outcome of `submitScorecard`.
#[derive(SimpleObject)]
pub struct SubmitScorecardPayload {
    /// Your scorecard as stored; null when `userErrors` is not empty.
    pub scorecard: Option<Scorecard>,
    /// Why nothing changed; empty on success. Paths start at `input`.
    pub user_errors: Vec<UserError>,
}

fn user_id(id: &ID) -> Option<UserId> {
    decode_kind(id, NodeKind::User).ok().map(UserId)
}

fn posting_id(id: &ID) -> Option<PostingId> {
    decode_kind(id, NodeKind::Posting).ok().map(PostingId)
}

fn evaluators_payload(
    ctx: &Context<'_>,
    result: domain::DomainResult<Vec<d::Evaluator>>,
) -> Result<PostingEvaluatorsPayload> {
    let (evaluators, user_errors) = into_payload(ctx, result)?;
    Ok(PostingEvaluatorsPayload {
        evaluators: evaluators.map(|e| e.into_iter().map(PostingEvaluator::from).collect()),
        user_errors,
    })
}

#[derive(Default)]
pub struct EvaluationMutation;

#[Object]
impl EvaluationMutation {
    /// Adds a teammate (an existing user, by their user ID) as an evaluator of one of
    /// your postings: they see its proposals and pipeline and fill scorecards, nothing
    /// else. At most 20 per posting.
    async fn add_posting_evaluator(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The posting and the teammate.")] input: AddPostingEvaluatorInput,
    ) -> Result<PostingEvaluatorsPayload> {
        let result = services(ctx)?
            .proposals
            .add_evaluator(
                actor(ctx),
                posting_id(&input.posting_id),
                user_id(&input.user_id),
            )
            .await;
        evaluators_payload(ctx, result)
    }

    /// Removes an evaluator of one of your postings; their scorecards stay.
    async fn remove_posting_evaluator(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The posting and the evaluator.")] input: RemovePostingEvaluatorInput,
    ) -> Result<PostingEvaluatorsPayload> {
        let result = services(ctx)?
            .proposals
            .remove_evaluator(
                actor(ctx),
                posting_id(&input.posting_id),
                user_id(&input.user_id),
            )
            .await;
        evaluators_payload(ctx, result)
    }

    /// Submits your scorecard for an open proposal in a stage, as the posting's client
    /// or one of its evaluators; submitting again replaces yours. Evaluators see the
    /// other cards of that proposal and stage once theirs is in.
    async fn submit_scorecard(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal, the stage and your ratings.")] input: SubmitScorecardInput,
    ) -> Result<SubmitScorecardPayload> {
        let card = d::ScorecardInput {
            criteria: input
                .criteria
                .into_iter()
                .map(|c| d::CriterionInput {
                    name: c.name,
                    rating: c.rating.into(),
                    notes: c.notes,
                })
                .collect(),
            recommendation: input.recommendation.into(),
            notes: input.notes,
        };
        let proposal = decode_kind(&input.proposal_id, NodeKind::Proposal)
            .ok()
            .map(ProposalId);
        let result = services(ctx)?
            .proposals
            .submit_scorecard(actor(ctx), proposal, stage_id(&input.stage_id), card)
            .await;
        let me = actor(ctx).user_id();
        let (scorecard, user_errors) = into_payload(ctx, result)?;
        Ok(SubmitScorecardPayload {
            scorecard: scorecard.map(|c| Scorecard(c, me)),
            user_errors,
        })
    }
}
