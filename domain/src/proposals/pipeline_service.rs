//! Reading and changing a posting's pipeline: its client only. Each change is planned on
//! the pipeline as read and stored on its version, redone on a fresh read when another
//! change came first. A posting that never changed its pipeline has the template,
//! stored with its first change.

use std::collections::HashMap;

use uuid::Uuid;

use super::lifecycle::StageId;
use super::pipeline::{Pipeline, StageKind};
use super::ports::{PipelineWrite, StoredPipeline};
use super::service::ProposalService;
use crate::actor::Actor;
use crate::error::{DomainError, DomainResult, ErrorCode, FieldError};
use crate::postings::{PostingId, PostingStatus};

/// One change of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipelineChange {
    /// A stage of the client's own (kind CUSTOM), at a position (0 first; the end when
    /// absent).
    Add { name: String, position: Option<i64> },
    Rename {
        stage: Option<StageId>,
        name: String,
    },
    /// Every stage, once, in the new order.
    Reorder(Vec<Option<StageId>>),
    /// Refused while the stage holds proposals.
    Remove(Option<StageId>),
}

fn no_stage(field: &str) -> DomainError {
    DomainError::not_found_at(field, "no such stage in this pipeline")
}

impl ProposalService {
    /// The pipelines of these postings, for their client and evaluators; postings the
    /// actor does not evaluate are left out. Two statements at most.
    pub async fn pipelines(
        &self,
        actor: &Actor,
        postings: &[crate::postings::Posting],
    ) -> DomainResult<HashMap<PostingId, Pipeline>> {
        let Some(user) = actor.user_id() else {
            return Ok(HashMap::new());
        };
        let others: Vec<PostingId> = postings
            .iter()
            .filter(|p| p.client_id != user)
            .map(|p| p.id)
            .collect();
        let evaluating = self.evaluated_by(actor, &others).await?;
        let own: Vec<PostingId> = postings
            .iter()
            .filter(|p| p.client_id == user || evaluating.contains(&p.id))
            .map(|p| p.id)
            .collect();
        if own.is_empty() {
            return Ok(HashMap::new());
        }
        self.pipelines_or_templates(own).await
    }

    /// Changes the pipeline of `posting` (not once it is closed): the pipeline after.
    pub async fn change_pipeline(
        &self,
        actor: &Actor,
        posting: Option<PostingId>,
        change: PipelineChange,
    ) -> DomainResult<Pipeline> {
        let posting = self.run_by_client(actor, posting).await?;
        if matches!(posting.status, PostingStatus::Closed(_)) {
            return Err(DomainError::invalid_state_at(
                &["postingId"],
                "a closed posting's pipeline no longer changes",
            ));
        }
        for _ in 0..super::service::RETRIES {
            let StoredPipeline {
                pipeline: mut after,
                version,
            } = self.pipeline_of(posting.id).await?;
            match &change {
                PipelineChange::Add { name, position } => {
                    let position = match position {
                        None => None,
                        Some(p) => Some(usize::try_from(*p).map_err(|_| {
                            DomainError::validation(&["position"], "must be 0 or more")
                        })?),
                    };
                    after.add(StageId(Uuid::now_v7()), StageKind::Custom, name, position)?;
                }
                PipelineChange::Rename { stage, name } => {
                    after.rename(stage.ok_or_else(|| no_stage("stageId"))?, name)?;
                }
                PipelineChange::Reorder(order) => {
                    let mut ids = Vec::with_capacity(order.len());
                    for (i, id) in order.iter().enumerate() {
                        let index = i.to_string();
                        ids.push(id.ok_or_else(|| {
                            DomainError::Validation(vec![FieldError::new(
                                &["stageIds", &index],
                                ErrorCode::NotFound,
                                "no such stage in this pipeline",
                            )])
                        })?);
                    }
                    after.reorder(&ids)?;
                }
                PipelineChange::Remove(stage) => {
                    let stage = stage.ok_or_else(|| no_stage("stageId"))?;
                    after.require(stage)?;
                    let held = self.repo.count_in_stage(stage).await?;
                    after.remove(stage, held)?;
                }
            }
            match self.repo.save_pipeline(posting.id, version, &after).await? {
                PipelineWrite::Written => return Ok(after),
                PipelineWrite::StageInUse(held) => {
                    let message = if held == 0 {
                        "scorecards, interviews or coding tasks (or a proposal moved in \
                         meanwhile) still name the stage"
                            .to_owned()
                    } else {
                        format!(
                            "the stage holds {held} proposal(s): move them to another stage first"
                        )
                    };
                    return Err(DomainError::invalid_state_at(&["stageId"], message));
                }
                PipelineWrite::StageHasInterviewsOrTasks(held) => {
                    let message = if held == 0 {
                        "an interview or coding task was added to the stage meanwhile: it keeps \
                         the stage"
                            .to_owned()
                    } else {
                        format!(
                            "the stage has {held} interview(s) or coding task(s), which keep it: \
                             rename it instead"
                        )
                    };
                    return Err(DomainError::invalid_state_at(&["stageId"], message));
                }
                PipelineWrite::Stale => {}
            }
        }
        Err(DomainError::conflict(
            &[],
            "the pipeline keeps changing; try again",
        ))
    }
}
