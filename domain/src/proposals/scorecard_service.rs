//! Filling and reading scorecards (see [`super::scorecards`] for the rules).

use std::collections::HashMap;

use chrono::Utc;
use uuid::Uuid;

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
        let (proposal, posting, _) = self.visible(actor, proposal).await?;
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        if user != posting.client_id && !self.is_evaluator(actor, posting.id).await? {
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

    /// How the actor reads the cards of each posting of `proposals` (those they see).
    async fn readers(
        &self,
        actor: &Actor,
        proposals: &[Proposal],
    ) -> DomainResult<(Vec<Proposal>, HashMap<PostingId, Reader>)> {
        let Some(user) = actor.user_id() else {
            return Ok((Vec::new(), HashMap::new()));
        };
        let (visible, clients) = self.among(actor, proposals).await?;
        let postings: Vec<PostingId> = clients.keys().copied().collect();
        let evaluating = self.evaluated_by(actor, &postings).await?;
        let readers = clients
            .into_iter()
            .filter_map(|(posting, client)| {
                if client == user {
                    Some((posting, Reader::Client))
                } else if evaluating.contains(&posting) {
                    Some((posting, Reader::Evaluator(user)))
                } else {
                    None
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
            .filter(|p| readers.contains_key(&p.posting_id))
            .map(|p| p.id)
            .collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut cards = self.scorecards.of_proposals(&ids).await?;
        let mut out = HashMap::new();
        for p in visible {
            let (Some(reader), Some(all)) = (readers.get(&p.posting_id), cards.remove(&p.id))
            else {
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

    /// The summary of each of `proposals` for the posting's client, and for an
    /// evaluator once they have scored the proposal; none for the freelancer's side.
    pub async fn scorecard_summaries(
        &self,
        actor: &Actor,
        proposals: &[Proposal],
    ) -> DomainResult<HashMap<ProposalId, ScorecardSummary>> {
        let (visible, readers) = self.readers(actor, proposals).await?;
        let ids: Vec<ProposalId> = visible
            .iter()
            .filter(|p| readers.contains_key(&p.posting_id))
            .map(|p| p.id)
            .collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let cards = self.scorecards.of_proposals(&ids).await?;
        Ok(visible
            .iter()
            .filter_map(|p| {
                let reader = readers.get(&p.posting_id)?;
                let all = cards.get(&p.id).map_or(&[][..], Vec::as_slice);
                let shown = match *reader {
                    Reader::Client => true,
                    Reader::Evaluator(me) => all.iter().any(|c| c.evaluator_id == me),
                };
                shown.then(|| (p.id, ScorecardSummary::of(all)))
            })
            .collect())
    }
}
