//! A posting's evaluation pipeline: `Posting.pipeline` and the mutations that add,
//! rename, reorder and remove its stages. Its client only.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use domain::DomainError;
use domain::postings::PostingId;
use domain::proposals::{Pipeline, PipelineChange, StageId};

use super::enums::PipelineStageKind;
use super::loaders::{PostingKey, proposal_loaders};
use crate::context::{actor, services};
use crate::errors::{UserError, into_payload};
use crate::ids::{NodeKind, decode_kind, encode};
use crate::taxonomy::types::load_error;

/// A stage of a posting's evaluation pipeline, which proposals move through.
#[derive(SimpleObject, Clone)]
pub struct PipelineStage {
    /// Global ID of the stage; pass it as `stageId` to `moveProposal` and the pipeline
    /// mutations.
    pub id: ID,
    /// What the stage is for; stages you add are CUSTOM.
    pub kind: PipelineStageKind,
    /// One line, 1 to 60 characters, unique in the pipeline regardless of case.
    pub name: String,
    /// Its place in the pipeline, 0 first.
    pub position: i32,
    #[graphql(skip)]
    pub stage_id: StageId,
}

/// A pipeline's stages, in order.
pub(crate) fn stages_of(pipeline: &Pipeline) -> Vec<PipelineStage> {
    pipeline
        .stages()
        .iter()
        .enumerate()
        .map(|(i, s)| PipelineStage {
            id: encode(NodeKind::PipelineStage, s.id.0),
            kind: s.kind.into(),
            name: s.name.clone(),
            position: i32::try_from(i).unwrap_or(i32::MAX),
            stage_id: s.id,
        })
        .collect()
}

/// `Posting.pipeline`: the posting's stages for its client; null for everyone else.
pub(crate) async fn pipeline_of(
    ctx: &Context<'_>,
    posting: &domain::postings::Posting,
) -> Result<Option<Vec<PipelineStage>>> {
    let pipeline = proposal_loaders(ctx)?
        .pipeline
        .load_one(PostingKey(Arc::new(posting.clone())))
        .await
        .map_err(|e| load_error(ctx, e))?;
    Ok(pipeline.as_ref().map(stages_of))
}

/// A stage ID as the domain takes it: `None` when it is not one (it names no stage).
pub(crate) fn stage_id(id: &ID) -> Option<StageId> {
    decode_kind(id, NodeKind::PipelineStage).ok().map(StageId)
}

fn posting_id(id: &ID) -> Option<PostingId> {
    decode_kind(id, NodeKind::Posting).ok().map(PostingId)
}

/// Input of `addPipelineStage`.
#[derive(InputObject)]
pub struct AddPipelineStageInput {
    /// The posting (one of yours, not closed).
    pub posting_id: ID,
    /// One line, 1 to 60 characters, unique in the pipeline regardless of case.
    pub name: String,
    /// Where to put it, 0 first; at the end when absent or past the end. At most 20
    /// stages.
    pub position: Option<i32>,
}

/// Input of `renamePipelineStage`.
#[derive(InputObject)]
pub struct RenamePipelineStageInput {
    /// The posting (one of yours, not closed).
    pub posting_id: ID,
    /// The stage to rename.
    pub stage_id: ID,
    /// One line, 1 to 60 characters, unique in the pipeline regardless of case.
    pub name: String,
}

/// Input of `reorderPipelineStages`.
#[derive(InputObject)]
pub struct ReorderPipelineStagesInput {
    /// The posting (one of yours, not closed).
    pub posting_id: ID,
    /// Every stage of the pipeline, once each, in the new order.
    pub stage_ids: Vec<ID>,
}

/// Input of `removePipelineStage`.
#[derive(InputObject)]
pub struct RemovePipelineStageInput {
    /// The posting (one of yours, not closed).
    pub posting_id: ID,
    /// The stage to remove: it must hold no proposals (move them first), and the
    /// pipeline keeps at least one stage.
    pub stage_id: ID,
}

macro_rules! pipeline_payload {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(SimpleObject)]
        pub struct $name {
            /// The pipeline's stages after the change, in order; null when `userErrors`
            /// is not empty.
            pub pipeline: Option<Vec<PipelineStage>>,
            /// Why the change was refused (nothing was changed); empty on success. Paths
            /// start at `input`, e.g. `["input", "name"]`.
            pub user_errors: Vec<UserError>,
        }

        impl From<(Option<Vec<PipelineStage>>, Vec<UserError>)> for $name {
            fn from((pipeline, user_errors): (Option<Vec<PipelineStage>>, Vec<UserError>)) -> Self {
                Self {
                    pipeline,
                    user_errors,
                }
            }
        }
    };
}

pipeline_payload!(
    AddPipelineStagePayload,
    "The outcome of `addPipelineStage`."
);
pipeline_payload!(
    RenamePipelineStagePayload,
    "The outcome of `renamePipelineStage`."
);
pipeline_payload!(
    ReorderPipelineStagesPayload,
    "The outcome of `reorderPipelineStages`."
);
pipeline_payload!(
    RemovePipelineStagePayload,
    "The outcome of `removePipelineStage`."
);

/// Runs one change of a posting's pipeline and splits its outcome.
async fn change(
    ctx: &Context<'_>,
    posting: &ID,
    change: Result<PipelineChange, DomainError>,
) -> Result<(Option<Vec<PipelineStage>>, Vec<UserError>)> {
    let result = match change {
        Ok(change) => {
            services(ctx)?
                .proposals
                .change_pipeline(actor(ctx), posting_id(posting), change)
                .await
        }
        Err(e) => Err(e),
    };
    let (pipeline, user_errors) = into_payload(ctx, result)?;
    Ok((pipeline.as_ref().map(stages_of), user_errors))
}

#[derive(Default)]
pub struct PipelineMutation;

#[Object]
impl PipelineMutation {
    /// Adds a stage of your own (kind CUSTOM) to the pipeline of one of your postings
    /// that is not closed. At most 20 stages (`INVALID_STATE`); a name another stage has
    /// is `CONFLICT`.
    async fn add_pipeline_stage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The posting, the stage's name and where to put it.")]
        input: AddPipelineStageInput,
    ) -> Result<AddPipelineStagePayload> {
        let add = Ok(PipelineChange::Add {
            name: input.name,
            position: input.position.map(i64::from),
        });
        Ok(change(ctx, &input.posting_id, add).await?.into())
    }

    /// Renames a stage of the pipeline of one of your postings that is not closed.
    /// Proposals' histories keep the name the stage had when they were moved.
    async fn rename_pipeline_stage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The posting, the stage and its new name.")]
        input: RenamePipelineStageInput,
    ) -> Result<RenamePipelineStagePayload> {
        let rename = PipelineChange::Rename {
            stage: stage_id(&input.stage_id),
            name: input.name,
        };
        Ok(change(ctx, &input.posting_id, Ok(rename)).await?.into())
    }

    /// Puts the stages of the pipeline of one of your postings that is not closed in a
    /// new order: name every stage once.
    async fn reorder_pipeline_stages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The posting and its stages in the new order.")]
        input: ReorderPipelineStagesInput,
    ) -> Result<ReorderPipelineStagesPayload> {
        let order = PipelineChange::Reorder(input.stage_ids.iter().map(stage_id).collect());
        Ok(change(ctx, &input.posting_id, Ok(order)).await?.into())
    }

    /// Removes a stage from the pipeline of one of your postings that is not closed.
    /// Refused (`INVALID_STATE`, naming how many) while proposals are in it: move them to
    /// another stage first.
    async fn remove_pipeline_stage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The posting and the stage.")] input: RemovePipelineStageInput,
    ) -> Result<RemovePipelineStagePayload> {
        let remove = PipelineChange::Remove(stage_id(&input.stage_id));
        Ok(change(ctx, &input.posting_id, Ok(remove)).await?.into())
    }
}
