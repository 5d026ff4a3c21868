//! Filling and reading scorecards (see [`super::scorecards`] for the rules).

use std::collections::HashMap;

use chrono::Utc;
use uuid::Uuid;

use super::access;
use super::lifecycle::StageId;
use super::model::{Proposal, ProposalId};
use super::scorecards::{Scorecard, ScorecardId, ScorecardInput, ScorecardSummary, check};
use super::service::ProposalService;
use crate::actor::{Actor, UserId};
use crate::error::{DomainError, DomainResult};
use crate::postings::PostingId;

/// How the actor stands towards a posting's cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// The posting's client: every card.
    Client,
    /// One of its evaluators: blind until they have scored.
    Evaluator(UserId),
}

impl ProposalService {
    /// The posting's client or one of its evaluators submits their card for an open
    /// proposal in a stage of the posting's pipeline (again: their card is replaced).
    /// The freelancer's side is `FORBIDDEN`; others do not see the proposal.
    pub async fn submit_scorecard(
        &self,
        actor: &Actor,
        proposal: Option<ProposalId>,
        stage: Option<StageId>,
        input: ScorecardInput,
    ) -> DomainResult<Scorecard> {
        let (proposal, posting, membership) = self.visible(actor, proposal).await?;
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        // The freelancer's side never scores, even as an evaluator of the posting.
        let freelancer_side = access::side_of(user, membership, &proposal, &posting)
            == Some(access::Side::Freelancer);
        if freelancer_side
            || (user != posting.client_id && !self.is_evaluator(actor, posting.id).await?)
        {
            return Err(DomainError::Forbidden);
        }
        if !proposal.status.is_open() {
            return Err(DomainError::invalid_state_at(
                &["proposalId"],
                format!("a {} proposal is no longer scored", proposal.status.key()),
            ));
        }
        let stage = stage.ok_or_else(|| {
            DomainError::not_found_at("stageId", "no such stage in this pipeline")
        })?;
        let mut pipeline = self.pipeline_of(posting.id).await?;
        pipeline.pipeline.require(stage)?;
        let (criteria, notes) = check(&input)?;
        if pipeline.version == 0 {
            // The card names the stage: it must exist in storage.
            self.store_template(posting.id, &mut pipeline).await?;
        }
        let now = Utc::now();
        self.scorecards
            .save(&Scorecard {
                id: ScorecardId(Uuid::now_v7()),
                proposal_id: proposal.id,
                stage_id: stage,
                evaluator_id: user,
                criteria,
                recommendation: input.recommendation,
                notes,
                submitted_at: now,
                updated_at: now,
            })
            .await
    }

    /// How the actor reads the cards of each of `proposals` they see: the posting's
    /// client, or an evaluator; never the freelancer's side (an evaluator of the posting
    /// included), which reads none.
    async fn readers(
        &self,
        actor: &Actor,
        proposals: &[Proposal],
    ) -> DomainResult<(Vec<Proposal>, HashMap<ProposalId, Reader>)> {
        let Some(user) = actor.user_id() else {
            return Ok((Vec::new(), HashMap::new()));
        };
        let (visible, clients) = self.among(actor, proposals).await?;
        let postings: Vec<PostingId> = clients.keys().copied().collect();
        let evaluating = self.evaluated_by(actor, &postings).await?;
        let membership = self.membership(actor).await?;
        let readers = visible
            .iter()
            .filter_map(|p| {
                let client = *clients.get(&p.posting_id)?;
                match access::side_for(user, membership, p, client) {
                    Some(access::Side::Client) => Some((p.id, Reader::Client)),
                    Some(access::Side::Freelancer) => None,
                    None if evaluating.contains(&p.posting_id) => {
                        Some((p.id, Reader::Evaluator(user)))
                    }
                    None => None,
                }
            })
            .collect();
        Ok((visible, readers))
    }

    /// The cards of `proposals` the actor may read, oldest first: all of them for the
    /// posting's client; for an evaluator their own, and the others of a stage once
    /// they have scored that stage; none for the freelancer's side. A fixed number of
    /// statements for any number of proposals.
    pub async fn scorecards(
        &self,
        actor: &Actor,
        proposals: &[Proposal],
    ) -> DomainResult<HashMap<ProposalId, Vec<Scorecard>>> {
        let (visible, readers) = self.readers(actor, proposals).await?;
        let ids: Vec<ProposalId> = visible
            .iter()
            .filter(|p| readers.contains_key(&p.id))
            .map(|p| p.id)
            .collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut cards = self.scorecards.of_proposals(&ids).await?;
        let mut out = HashMap::new();
        for p in visible {
            let (Some(reader), Some(all)) = (readers.get(&p.id), cards.remove(&p.id)) else {
                continue;
            };
            let shown: Vec<Scorecard> = match *reader {
                Reader::Client => all,
                Reader::Evaluator(me) => {
                    let scored: Vec<StageId> = all
                        .iter()
                        .filter(|c| c.evaluator_id == me)
                        .map(|c| c.stage_id)
                        .collect();
                    all.into_iter()
                        .filter(|c| scored.contains(&c.stage_id))
                        .collect()
                }
            };
            out.insert(p.id, shown);
        }
        Ok(out)
    }

    /// The summary of each of `proposals` for the posting's client (every card), and
    /// for an evaluator once they have scored the proposal (the cards of the stages
    /// they scored); none for the freelancer's side.
    pub async fn scorecard_summaries(
        &self,
        actor: &Actor,
        proposals: &[Proposal],
    ) -> DomainResult<HashMap<ProposalId, ScorecardSummary>> {
        let (visible, readers) = self.readers(actor, proposals).await?;
        let ids: Vec<ProposalId> = visible
            .iter()
            .filter(|p| readers.contains_key(&p.id))
            .map(|p| p.id)
            .collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let cards = self.scorecards.of_proposals(&ids).await?;
        Ok(visible
            .iter()
            .filter_map(|p| {
                let reader = readers.get(&p.id)?;
                let all = cards.get(&p.id).map_or(&[][..], Vec::as_slice);
                match *reader {
                    Reader::Client => Some((p.id, ScorecardSummary::of(all))),
                    // Only the stages they have scored: blind to the others.
                    Reader::Evaluator(me) => {
                        let scored: Vec<StageId> = all
                            .iter()
                            .filter(|c| c.evaluator_id == me)
                            .map(|c| c.stage_id)
                            .collect();
                        (!scored.is_empty()).then(|| {
                            let seen = all.iter().filter(|c| scored.contains(&c.stage_id));
                            (p.id, ScorecardSummary::of(seen))
                        })
                    }
                }
            })
            .collect())
    }
}
