//! Coding tasks on SeaORM. An assignment and a submission each hold the proposal's row
//! (still open) in their write transaction; a submission and a cancellation are each
//! one conditional update, so which of them wins, and whether the due time had passed,
//! is decided by the database. Reads join the stage: one statement for any number of
//! proposals.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::actor::UserId;
use domain::proposals::{
    AssignWrite, CodingTask, CodingTaskId, CodingTaskRepository, CodingTaskStatus, ProposalId,
    Stage, StageId, StageKind, SubmissionWrite,
};
use domain::{DomainError, DomainResult};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

use crate::entities::coding_task;
use crate::errors::internal;
use crate::interviews_repo::proposal_open;
use crate::posting_rows::at_rest;
use crate::search_sql::Sql;

/// [`CodingTaskRepository`] on the application's database (PostgreSQL or SQLite).
#[derive(Clone)]
pub struct SeaCodingTaskRepository {
    db: DatabaseConnection,
}

impl SeaCodingTaskRepository {
    /// A repository on `db`'s pool.
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

/// A coding task with its stage as stored now.
#[derive(FromQueryResult)]
struct TaskRow {
    id: Uuid,
    proposal_id: Uuid,
    stage_id: Uuid,
    stage_kind: String,
    stage_name: String,
    stage_position: i32,
    instructions: String,
    due_at: DateTime<Utc>,
    submission_link: Option<String>,
    submitted_at: Option<DateTime<Utc>>,
    status: String,
    cancel_reason: Option<String>,
    cancelled_at: Option<DateTime<Utc>>,
    assigned_by: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn corrupt(what: &str) -> DomainError {
    DomainError::internal(format!("stored coding task has an invalid {what}"))
}

impl TaskRow {
    fn into_task(self) -> DomainResult<CodingTask> {
        Ok(CodingTask {
            id: CodingTaskId(self.id),
            proposal_id: ProposalId(self.proposal_id),
            stage: Stage {
                id: StageId(self.stage_id),
                kind: StageKind::from_key(&self.stage_kind).ok_or_else(|| corrupt("stage kind"))?,
                name: self.stage_name,
            },
            stage_position: u32::try_from(self.stage_position).map_err(|_| corrupt("position"))?,
            instructions: self.instructions,
            due_at: self.due_at,
            submission_link: self.submission_link,
            submitted_at: self.submitted_at,
            status: CodingTaskStatus::from_key(&self.status).ok_or_else(|| corrupt("status"))?,
            cancel_reason: self.cancel_reason,
            cancelled_at: self.cancelled_at,
            assigned_by: UserId(self.assigned_by),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Coding tasks with their stage, in the order assigned, where `condition` (on `t`)
/// holds; one statement.
fn select(backend: DbBackend, condition: impl FnOnce(&mut Sql) -> String) -> Sql {
    let mut sql = Sql::new(backend);
    let condition = condition(&mut sql);
    sql.push(&format!(
        "SELECT t.id, t.proposal_id, t.stage_id, s.kind AS stage_kind, s.name AS stage_name, \
         s.position AS stage_position, t.instructions, t.due_at, t.submission_link, \
         t.submitted_at, t.status, t.cancel_reason, t.cancelled_at, t.assigned_by, \
         t.created_at, t.updated_at \
         FROM coding_tasks t JOIN pipeline_stages s ON s.id = t.stage_id \
         WHERE {condition} ORDER BY t.id"
    ));
    sql
}

impl SeaCodingTaskRepository {
    async fn read(
        &self,
        condition: impl FnOnce(&mut Sql) -> String,
    ) -> DomainResult<Vec<CodingTask>> {
        let sql = select(self.db.get_database_backend(), condition);
        TaskRow::find_by_statement(sql.statement())
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(TaskRow::into_task)
            .collect()
    }

    async fn stored(&self, id: CodingTaskId) -> DomainResult<CodingTask> {
        self.by_ids(&[id])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| DomainError::internal("coding task not stored"))
    }
}

#[async_trait]
impl CodingTaskRepository for SeaCodingTaskRepository {
    async fn assign(&self, task: &CodingTask) -> DomainResult<AssignWrite> {
        use sea_orm::ActiveValue::Set;
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let decided: DomainResult<Option<AssignWrite>> = async {
            if !proposal_open(&txn, task.proposal_id).await? {
                return Ok(Some(AssignWrite::ProposalNotOpen));
            }
            let inserted = coding_task::Entity::insert(coding_task::ActiveModel {
                id: Set(task.id.0),
                proposal_id: Set(task.proposal_id.0),
                stage_id: Set(task.stage.id.0),
                instructions: Set(task.instructions.clone()),
                due_at: Set(at_rest(task.due_at)),
                submission_link: Set(None),
                submitted_at: Set(None),
                status: Set(task.status.key().to_owned()),
                cancel_reason: Set(None),
                cancelled_at: Set(None),
                assigned_by: Set(task.assigned_by.0),
                created_at: Set(at_rest(task.created_at)),
                updated_at: Set(at_rest(task.updated_at)),
            })
            .exec_without_returning(&txn)
            .await;
            match inserted {
                Ok(_) => Ok(None),
                // The stage was removed meanwhile (the proposal's row is held).
                Err(e) if crate::errors::is_foreign_key_violation(&e) => {
                    Ok(Some(AssignWrite::StageGone))
                }
                Err(e) => Err(internal(e)),
            }
        }
        .await;
        match decided {
            Ok(None) => {
                txn.commit().await.map_err(internal)?;
                Ok(AssignWrite::Written(Box::new(self.stored(task.id).await?)))
            }
            Ok(Some(refused)) => {
                txn.rollback().await.map_err(internal)?;
                Ok(refused)
            }
            Err(e) => {
                txn.rollback().await.map_err(internal)?;
                Err(e)
            }
        }
    }

    async fn submit(
        &self,
        id: CodingTaskId,
        link: &str,
        at: DateTime<Utc>,
    ) -> DomainResult<SubmissionWrite> {
        let at = at_rest(at);
        let proposal: Option<Uuid> = coding_task::Entity::find_by_id(id.0)
            .select_only()
            .column(coding_task::Column::ProposalId)
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(internal)?;
        let Some(proposal) = proposal else {
            return Ok(SubmissionWrite::Refused);
        };
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let decided: DomainResult<Option<SubmissionWrite>> = async {
            if !proposal_open(&txn, ProposalId(proposal)).await? {
                return Ok(Some(SubmissionWrite::ProposalNotOpen));
            }
            // Not cancelled; and nothing submitted yet, or still before the due time.
            let takes = Condition::any()
                .add(coding_task::Column::Status.eq(CodingTaskStatus::Assigned.key()))
                .add(
                    Condition::all()
                        .add(coding_task::Column::Status.eq(CodingTaskStatus::Submitted.key()))
                        .add(coding_task::Column::DueAt.gt(at)),
                );
            let moved = coding_task::Entity::update_many()
                .col_expr(
                    coding_task::Column::Status,
                    Expr::value(CodingTaskStatus::Submitted.key()),
                )
                .col_expr(coding_task::Column::SubmissionLink, Expr::value(link))
                .col_expr(coding_task::Column::SubmittedAt, Expr::value(at))
                .col_expr(coding_task::Column::UpdatedAt, Expr::value(at))
                .filter(coding_task::Column::Id.eq(id.0))
                .filter(takes)
                .exec(&txn)
                .await
                .map_err(internal)?;
            Ok((moved.rows_affected == 0).then_some(SubmissionWrite::Refused))
        }
        .await;
        match decided {
            Ok(None) => {
                txn.commit().await.map_err(internal)?;
                Ok(SubmissionWrite::Submitted(Box::new(self.stored(id).await?)))
            }
            Ok(Some(refused)) => {
                txn.rollback().await.map_err(internal)?;
                Ok(refused)
            }
            Err(e) => {
                txn.rollback().await.map_err(internal)?;
                Err(e)
            }
        }
    }

    async fn cancel(
        &self,
        id: CodingTaskId,
        reason: Option<&str>,
        at: DateTime<Utc>,
    ) -> DomainResult<Option<CodingTask>> {
        let at = at_rest(at);
        let moved = coding_task::Entity::update_many()
            .col_expr(
                coding_task::Column::Status,
                Expr::value(CodingTaskStatus::Cancelled.key()),
            )
            .col_expr(
                coding_task::Column::CancelReason,
                Expr::value(reason.map(str::to_owned)),
            )
            .col_expr(coding_task::Column::CancelledAt, Expr::value(at))
            .col_expr(coding_task::Column::UpdatedAt, Expr::value(at))
            .filter(coding_task::Column::Id.eq(id.0))
            .filter(coding_task::Column::Status.eq(CodingTaskStatus::Assigned.key()))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        if moved.rows_affected == 0 {
            return Ok(None);
        }
        Ok(Some(self.stored(id).await?))
    }

    async fn by_ids(&self, ids: &[CodingTaskId]) -> DomainResult<Vec<CodingTask>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = ids.iter().map(|t| t.0).collect();
        self.read(|sql| format!("t.id IN ({})", sql.list(&ids)))
            .await
    }

    async fn of_proposals(
        &self,
        proposals: &[ProposalId],
    ) -> DomainResult<HashMap<ProposalId, Vec<CodingTask>>> {
        if proposals.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<Uuid> = proposals.iter().map(|p| p.0).collect();
        let mut out: HashMap<ProposalId, Vec<CodingTask>> = HashMap::new();
        for task in self
            .read(|sql| format!("t.proposal_id IN ({})", sql.list(&ids)))
            .await?
        {
            out.entry(task.proposal_id).or_default().push(task);
        }
        Ok(out)
    }
}
