//! Proposals as the API shows them.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::proposals::{self as d, AnswerValue};

use super::enums::{ProposalChangeBy, ProposalChangeKind, ProposalStatus};
use super::loaders::{ProposalKey, proposal_loaders};
use super::pipeline::{PipelineStage, stages_of};
use crate::agencies::loaders::agency_loaders;
use crate::agencies::types::Agency;
use crate::ids::{NodeKind, encode};
use crate::postings::loaders::posting_loaders;
use crate::postings::types::{BudgetKind, Posting, QuestionKind};
use crate::profiles::types::{FreelancerProfile, Money};
use crate::taxonomy::types::{Skill, load_error, loaders};

/// What `Proposal.history` counts as towards the query complexity limit, in entries
/// (each costing its selection, a handful of scalars). Most proposals change a few
/// times; 10 lets a client read the histories of a page of 20 proposals and refuses the
/// same for a page of 100.
pub const PROPOSAL_HISTORY_COMPLEXITY: usize = 10;

/// What a proposal's other short lists (referrals, scorecards, interviews, coding tasks)
/// count as towards the complexity limit, in entries: few in practice, unbounded in
/// principle.
pub const LIST_COMPLEXITY: usize = 5;

#[derive(Clone)]
pub struct Proposal(pub Arc<d::Proposal>);

/// The proposal `id` if the actor sees it, through the request's loader.
pub(crate) async fn proposal_by_id(
    ctx: &Context<'_>,
    id: d::ProposalId,
) -> Result<Option<Proposal>> {
    Ok(proposal_loaders(ctx)?
        .proposal
        .load_one(id)
        .await
        .map_err(|e| load_error(ctx, e))?
        .map(Proposal::new))
}

/// The freelancer profile of the proposal `id`, as the proposal shows it to the actor.
pub(crate) async fn freelancer_of_proposal(
    ctx: &Context<'_>,
    id: d::ProposalId,
) -> Result<Option<FreelancerProfile>> {
    let Some(proposal) = proposal_by_id(ctx, id).await? else {
        return Ok(None);
    };
    Ok(proposal_loaders(ctx)?
        .freelancer
        .load_one(ProposalKey(proposal.0))
        .await
        .map_err(|e| load_error(ctx, e))?
        .map(FreelancerProfile))
}

impl Proposal {
    pub(crate) fn new(p: d::Proposal) -> Self {
        Self(Arc::new(p))
    }

    /// The posting, as far as the actor sees it.
    async fn posting_of(&self, ctx: &Context<'_>) -> Result<Option<domain::postings::Posting>> {
        posting_loaders(ctx)?
            .posting
            .load_one(self.0.posting_id)
            .await
            .map_err(|e| load_error(ctx, e))
    }
}

/// A proposal on a posting: a freelancer's (or an agency's, for one of its members)
/// terms for the work. Seen by the freelancer it counts for, whoever submitted it, the
/// owners of the agency that submitted it, and the posting's client; by nobody else.
/// Text is plain text.
#[Object]
impl Proposal {
    /// Global ID of the proposal.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Proposal, self.0.id.0)
    }

    /// The posting it is for; null when you may not see the posting.
    async fn posting(&self, ctx: &Context<'_>) -> Result<Option<Posting>> {
        Ok(self.posting_of(ctx).await?.map(Posting))
    }

    /// The freelancer it counts for (one proposal per freelancer and posting): their
    /// profile, which the posting's client sees even when it is not public; null when
    /// they have none.
    async fn freelancer(&self, ctx: &Context<'_>) -> Result<Option<FreelancerProfile>> {
        Ok(proposal_loaders(ctx)?
            .freelancer
            .load_one(ProposalKey(self.0.clone()))
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(FreelancerProfile))
    }

    /// The agency that submitted it for its member; null when the freelancer submitted
    /// it, or when the agency is hidden from you.
    async fn agency(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        let Some(id) = self.0.agency_id else {
            return Ok(None);
        };
        Ok(agency_loaders(ctx)?
            .agency
            .load_one(id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(Agency))
    }

    /// Where it is in its life cycle.
    async fn status(&self) -> ProposalStatus {
        self.0.status.into()
    }

    /// The pipeline stage it is in (IN_EVALUATION) or was offered from (OFFERED); null
    /// in every other state. Both sides see it.
    async fn stage(&self, ctx: &Context<'_>) -> Result<Option<PipelineStage>> {
        let Some(stage) = self.0.status.stage() else {
            return Ok(None);
        };
        let pipeline = proposal_loaders(ctx)?
            .pipeline_of_proposal
            .load_one(ProposalKey(self.0.clone()))
            .await
            .map_err(|e| load_error(ctx, e))?;
        Ok(pipeline.and_then(|p| stages_of(&p).into_iter().find(|s| s.stage_id == stage)))
    }

    /// Why it was declined or withdrawn; null otherwise.
    async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason.as_deref()
    }

    /// Plain text, 50 to 5,000 characters.
    async fn cover_letter(&self) -> &str {
        &self.0.terms.cover_letter
    }

    /// The bid, in the posting's currency: read it as `bidKind` says.
    async fn bid(&self) -> Money {
        self.0.terms.bid.into()
    }

    /// What the bid is: the whole job (FIXED), an hourly rate (HOURLY) or the yearly
    /// salary asked (YEARLY_SALARY), as the posting's budget was when it was made.
    async fn bid_kind(&self) -> BudgetKind {
        self.0.terms.bid_kind.into()
    }

    /// How many days the work takes, 1 to 1,095; null when not given (a salaried role).
    async fn duration_days(&self) -> Option<i32> {
        self.0.terms.duration_days
    }

    /// The answers to the posting's screening questions, in the posting's order.
    async fn answers(&self) -> Vec<ProposalAnswer> {
        self.0
            .terms
            .answers
            .iter()
            .map(|a| ProposalAnswer::from(a.clone()))
            .collect()
    }

    /// The milestone plan of a fixed-price bid (adding up to the bid); empty when there
    /// is none.
    async fn milestones(&self) -> Vec<ProposalMilestone> {
        self.0
            .terms
            .milestones
            .iter()
            .map(|m| ProposalMilestone {
                title: m.title.clone(),
                amount: m.amount.into(),
            })
            .collect()
    }

    /// How well it matches the posting now: the freelancer's profile skills, the bid
    /// against the budget, and their reputation. Null when the posting is gone.
    #[graphql(name = "match")]
    async fn match_(&self, ctx: &Context<'_>) -> Result<Option<ProposalMatch>> {
        Ok(proposal_loaders(ctx)?
            .matches
            .load_one(ProposalKey(self.0.clone()))
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(ProposalMatch))
    }

    /// Every change, oldest first, with who made it and when. For the query complexity
    /// limit it counts as 10 entries.
    #[graphql(complexity = "PROPOSAL_HISTORY_COMPLEXITY * child_complexity + 1")]
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<ProposalHistoryEntry>> {
        Ok(proposal_loaders(ctx)?
            .history
            .load_one(self.0.id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .unwrap_or_default()
            .into_iter()
            .map(|(change, by)| ProposalHistoryEntry(change, by))
            .collect())
    }

    /// The offers made on it, newest first; seen by the client and the freelancer's
    /// side only (empty for evaluators).
    #[graphql(complexity = "LIST_COMPLEXITY * child_complexity")]
    async fn offers(&self, ctx: &Context<'_>) -> Result<Vec<crate::contracts::types::Offer>> {
        Ok(crate::contracts::loaders::contract_loaders(ctx)?
            .offers
            .load_one(self.0.id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .unwrap_or_default()
            .into_iter()
            .map(|o| crate::contracts::types::Offer(Arc::new(o)))
            .collect())
    }

    /// Bumped by every change; send it back as `expectedVersion` with your next edit.
    async fn version(&self) -> i64 {
        self.0.version
    }

    /// When it was submitted.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// When the posting's client first viewed it (`markProposalsViewed`, or acting on
    /// it); null until then. The freelancer's side edits it until then, and no longer
    /// afterwards.
    async fn viewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.first_viewed_at
    }

    // Referrals and the thread: the logic lives in `referrals.rs` and `messages.rs`.

    /// The referrals of its freelancer to its posting, newest first: for the posting's
    /// client; empty for anybody else (the freelancer's side included). For the query
    /// complexity limit it counts as 5 referrals.
    #[graphql(complexity = "LIST_COMPLEXITY * child_complexity + 1")]
    async fn referrals(&self, ctx: &Context<'_>) -> Result<Vec<super::referrals::Referral>> {
        super::referrals::of_proposal(ctx, &self.0).await
    }

    /// The thread between the client's side and the freelancer's side, newest first;
    /// null when you are not a party to it.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(
            desc = "Return the messages before (older than) this cursor: an `endCursor` of this thread."
        )]
        after: Option<String>,
    ) -> Result<Option<super::messages::ProposalMessageConnection>> {
        super::messages::thread(ctx, &self.0, first, after).await
    }

    /// The thread's latest message; null when there is none or you are not a party to
    /// the thread.
    async fn last_message(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<super::messages::ProposalMessage>> {
        super::messages::last_message(ctx, &self.0).await
    }

    /// How many messages of others came after the last one you marked read (all of
    /// theirs when you marked none); 0 when you are not a party to the thread.
    async fn unread_message_count(&self, ctx: &Context<'_>) -> Result<i64> {
        super::messages::unread_count(ctx, &self.0).await
    }

    /// Its scorecards you may read, oldest first: all of them for the posting's client;
    /// for an evaluator their own, and the others of a stage once theirs for that stage
    /// is in; none for the freelancer's side. Counts as 5 for the complexity limit.
    #[graphql(complexity = "LIST_COMPLEXITY * child_complexity + 1")]
    async fn scorecards(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the cards of this stage of the posting's pipeline.")]
        stage_id: Option<ID>,
    ) -> Result<Vec<super::evaluation::Scorecard>> {
        super::evaluation::scorecards_of(ctx, &self.0, stage_id.as_ref()).await
    }

    /// How its scorecards recommend, all stages together: for the posting's client,
    /// and for an evaluator once they have scored it; null for anyone else.
    async fn scorecard_summary(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<super::evaluation::ScorecardSummary>> {
        super::evaluation::summary_of(ctx, &self.0).await
    }

    // Interviews and coding tasks: the logic lives in `interviews.rs` and
    // `coding_tasks.rs`.

    /// Its interviews, earliest first (cancelled ones too): for both sides and the
    /// posting's evaluators; empty for anybody else. Counts as 5 for the complexity
    /// limit.
    #[graphql(complexity = "LIST_COMPLEXITY * child_complexity + 1")]
    async fn interviews(&self, ctx: &Context<'_>) -> Result<Vec<super::interviews::Interview>> {
        super::interviews::of_proposal(ctx, &self.0).await
    }

    /// Its coding tasks, in the order assigned (cancelled ones too): for both sides and
    /// the posting's evaluators; empty for anybody else. Counts as 5 for the
    /// complexity limit.
    #[graphql(complexity = "LIST_COMPLEXITY * child_complexity + 1")]
    async fn coding_tasks(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::coding_tasks::CodingTask>> {
        super::coding_tasks::of_proposal(ctx, &self.0).await
    }
}

/// An answer to one of the posting's screening questions, in the question's kind: one
/// of `text`, `yes` and `link` is set.
#[derive(SimpleObject)]
pub struct ProposalAnswer {
    /// The question's ID, as the posting's `questions` give it.
    pub question_id: ID,
    /// The question as it was asked when the answer was given.
    pub prompt: String,
    /// How the question is answered.
    pub kind: QuestionKind,
    /// The answer to a TEXT question: plain text, 1 to 2,000 characters.
    pub text: Option<String>,
    /// The answer to a YES_NO question.
    pub yes: Option<bool>,
    /// The answer to a LINK question: an http(s) URL.
    pub link: Option<String>,
}

impl From<d::Answer> for ProposalAnswer {
    fn from(a: d::Answer) -> Self {
        let (kind, text, yes, link) = match a.value {
            AnswerValue::Text(t) => (QuestionKind::Text, Some(t), None, None),
            AnswerValue::YesNo(y) => (QuestionKind::YesNo, None, Some(y), None),
            AnswerValue::Link(l) => (QuestionKind::Link, None, None, Some(l)),
        };
        Self {
            question_id: ID(a.question_id.to_string()),
            prompt: a.prompt,
            kind,
            text,
            yes,
            link,
        }
    }
}

/// One milestone of a fixed-price bid's plan.
#[derive(SimpleObject)]
pub struct ProposalMilestone {
    /// One line, 1 to 120 characters.
    pub title: String,
    /// What the milestone pays, in the bid's currency.
    pub amount: Money,
}

pub struct ProposalMatch(d::Match);

/// How well a proposal matches its posting, out of 100: required skills (60 points),
/// the bid against the budget (25) and the freelancer's reputation (15).
#[Object]
impl ProposalMatch {
    /// 0 to 100.
    async fn score(&self) -> i32 {
        i32::from(self.0.score)
    }

    /// The posting's required skills the freelancer's profile lists, in the posting's
    /// order (one below the posting's minimum level counts in part).
    async fn matched_skills(&self, ctx: &Context<'_>) -> Result<Vec<Skill>> {
        skills(ctx, &self.0.matched_skills).await
    }

    /// The posting's required skills the freelancer's profile lacks, in the posting's
    /// order.
    async fn missing_skills(&self, ctx: &Context<'_>) -> Result<Vec<Skill>> {
        skills(ctx, &self.0.missing_skills).await
    }
}

/// Skills by ID, in the order given, through the request's skill loader.
async fn skills(ctx: &Context<'_>, ids: &[domain::taxonomy::SkillId]) -> Result<Vec<Skill>> {
    let mut found = loaders(ctx)?
        .skill
        .load_many(ids.iter().copied())
        .await
        .map_err(|e| load_error(ctx, e))?;
    Ok(ids
        .iter()
        .filter_map(|id| found.remove(id).map(Skill))
        .collect())
}

pub struct ProposalHistoryEntry(d::ProposalChange, d::ChangeBy);

/// One change in a proposal's history.
#[Object]
impl ProposalHistoryEntry {
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// What happened.
    async fn kind(&self) -> ProposalChangeKind {
        self.0.kind.into()
    }

    /// Who made it: the freelancer, an owner of their agency, the client, or the
    /// platform.
    async fn by(&self) -> ProposalChangeBy {
        self.1.into()
    }

    /// The user ID of who made it (the agency owner, for AGENCY); null for the
    /// platform.
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor.map(|a| encode(NodeKind::User, a.0))
    }

    /// The status after the change.
    async fn status(&self) -> ProposalStatus {
        self.0.status.into()
    }

    /// The name of the stage it was moved to, as the stage was named then; null for
    /// other changes.
    async fn stage_name(&self) -> Option<&str> {
        self.0.stage_name.as_deref()
    }

    /// The reason given for declining or withdrawing; null for other changes.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
}
