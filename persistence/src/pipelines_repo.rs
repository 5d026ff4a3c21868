//! Postings' evaluation pipelines on SeaORM. A change is a compare-and-set on
//! `postings.pipeline_version` (which, on PostgreSQL, locks the posting's row for the
//! transaction); stages that go are removed only when no proposal is in them, and the
//! foreign key of `proposal_stages` has the last word when a proposal moves into one
//! meanwhile.

use std::collections::HashMap;

use chrono::Utc;
use domain::postings::PostingId;
use domain::proposals::{Pipeline, PipelineWrite, Stage, StageId, StageKind, StoredPipeline};
use domain::{DomainError, DomainResult};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, JoinType, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::entities::{pipeline_stage, posting, proposal_stage};
use crate::errors::internal;

#[derive(FromQueryResult)]
struct StageRow {
    id: Uuid,
    posting_id: Uuid,
    kind: String,
    name: String,
    pipeline_version: i64,
}

/// The stored pipelines of `postings`, with their versions: one statement.
pub(crate) async fn pipelines(
    db: &DatabaseConnection,
    postings: &[PostingId],
) -> DomainResult<HashMap<PostingId, StoredPipeline>> {
    let mut stages: HashMap<PostingId, (i64, Vec<Stage>)> = HashMap::new();
    if postings.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = pipeline_stage::Entity::find()
        .select_only()
        .column(pipeline_stage::Column::Id)
        .column(pipeline_stage::Column::PostingId)
        .column(pipeline_stage::Column::Kind)
        .column(pipeline_stage::Column::Name)
        .column_as(posting::Column::PipelineVersion, "pipeline_version")
        .join(
            JoinType::InnerJoin,
            pipeline_stage::Entity::belongs_to(posting::Entity)
                .from(pipeline_stage::Column::PostingId)
                .to(posting::Column::Id)
                .into(),
        )
        .filter(pipeline_stage::Column::PostingId.is_in(postings.iter().map(|p| p.0)))
        .order_by_asc(pipeline_stage::Column::PostingId)
        .order_by_asc(pipeline_stage::Column::Position)
        .into_model::<StageRow>()
        .all(db)
        .await
        .map_err(internal)?;
    for r in rows {
        let kind = StageKind::from_key(&r.kind)
            .ok_or_else(|| DomainError::internal("stored stage kind is invalid"))?;
        let entry = stages
            .entry(PostingId(r.posting_id))
            .or_insert_with(|| (r.pipeline_version, Vec::new()));
        entry.1.push(Stage {
            id: StageId(r.id),
            kind,
            name: r.name,
        });
    }
    Ok(stages
        .into_iter()
        .map(|(posting, (version, stages))| {
            (
                posting,
                StoredPipeline {
                    pipeline: Pipeline::from_stored(stages),
                    version,
                },
            )
        })
        .collect())
}

/// Stores `after` as the pipeline of `posting` if it is still at `expected`.
pub(crate) async fn save_pipeline(
    db: &DatabaseConnection,
    posting_id: PostingId,
    expected: i64,
    after: &Pipeline,
) -> DomainResult<PipelineWrite> {
    let txn = crate::db::begin_write(db).await.map_err(internal)?;
    let moved = posting::Entity::update_many()
        .col_expr(posting::Column::PipelineVersion, Expr::value(expected + 1))
        .filter(posting::Column::Id.eq(posting_id.0))
        .filter(posting::Column::PipelineVersion.eq(expected))
        .exec(&txn)
        .await
        .map_err(internal)?;
    if moved.rows_affected == 0 {
        txn.rollback().await.map_err(internal)?;
        return Ok(PipelineWrite::Stale);
    }
    let stored: HashMap<Uuid, pipeline_stage::Model> = pipeline_stage::Entity::find()
        .filter(pipeline_stage::Column::PostingId.eq(posting_id.0))
        .all(&txn)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let gone: Vec<Uuid> = stored
        .keys()
        .filter(|id| after.stage(StageId(**id)).is_none())
        .copied()
        .collect();
    if !gone.is_empty() {
        let held = proposal_stage::Entity::find()
            .filter(proposal_stage::Column::StageId.is_in(gone.clone()))
            .count(&txn)
            .await
            .map_err(internal)?;
        if held > 0 {
            txn.rollback().await.map_err(internal)?;
            return Ok(PipelineWrite::StageInUse(held));
        }
        // Interviews and coding tasks (of any status) keep the stage they were held in.
        let assessed = crate::pipeline_assessments::count_in_stages(&txn, &gone).await?;
        if assessed > 0 {
            txn.rollback().await.map_err(internal)?;
            return Ok(PipelineWrite::StageHasInterviewsOrTasks(assessed));
        }
        let removed = pipeline_stage::Entity::delete_many()
            .filter(pipeline_stage::Column::Id.is_in(gone))
            .exec(&txn)
            .await;
        if let Err(e) = removed {
            txn.rollback().await.map_err(internal)?;
            return if crate::pipeline_assessments::refused_by_assessment(&e) {
                // An interview or coding task was added after the count (PostgreSQL).
                Ok(PipelineWrite::StageHasInterviewsOrTasks(0))
            } else if crate::errors::is_foreign_key_violation(&e) {
                // Scorecards (or interviews, coding tasks, a proposal moved in after the
                // count) name the stage: the keys refuse.
                Ok(PipelineWrite::StageInUse(0))
            } else {
                Err(internal(e))
            };
        }
    }
    let now = Utc::now();
    let mut new = Vec::new();
    for (position, stage) in after.stages().iter().enumerate() {
        let position = position as i32;
        match stored.get(&stage.id.0) {
            Some(row) if row.position == position && row.name == stage.name => {}
            Some(_) => {
                pipeline_stage::Entity::update_many()
                    .col_expr(pipeline_stage::Column::Position, Expr::value(position))
                    .col_expr(
                        pipeline_stage::Column::Name,
                        Expr::value(stage.name.clone()),
                    )
                    .filter(pipeline_stage::Column::Id.eq(stage.id.0))
                    .exec(&txn)
                    .await
                    .map_err(internal)?;
            }
            None => new.push(pipeline_stage::ActiveModel {
                id: Set(stage.id.0),
                posting_id: Set(posting_id.0),
                position: Set(position),
                kind: Set(stage.kind.key().to_owned()),
                name: Set(stage.name.clone()),
                created_at: Set(now),
            }),
        }
    }
    if !new.is_empty() {
        pipeline_stage::Entity::insert_many(new)
            .exec_without_returning(&txn)
            .await
            .map_err(internal)?;
    }
    txn.commit().await.map_err(internal)?;
    Ok(PipelineWrite::Written)
}
