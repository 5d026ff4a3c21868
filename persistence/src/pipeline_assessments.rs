//! What interviews and coding tasks mean for a pipeline change: they reference the stage
//! they were held in (`ON DELETE RESTRICT`), so a stage that has any, of any status, is
//! not removed. The pipeline's write counts them first; the named foreign keys
//! (`fk_interviews_stage`, `fk_coding_tasks_stage`) have the last word when one is added
//! after the count.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::entities::{coding_task, interview};
use crate::errors::internal;

/// How many interviews and coding tasks are held in `stages`: two statements.
pub(crate) async fn count_in_stages(
    db: &impl ConnectionTrait,
    stages: &[Uuid],
) -> domain::DomainResult<u64> {
    if stages.is_empty() {
        return Ok(0);
    }
    let interviews = interview::Entity::find()
        .filter(interview::Column::StageId.is_in(stages.to_vec()))
        .count(db)
        .await
        .map_err(internal)?;
    let tasks = coding_task::Entity::find()
        .filter(coding_task::Column::StageId.is_in(stages.to_vec()))
        .count(db)
        .await
        .map_err(internal)?;
    Ok(interviews + tasks)
}

/// Whether a stage's removal was refused by an interview's or a coding task's foreign
/// key (PostgreSQL names the constraint; on SQLite the write lock held from `BEGIN`
/// means the count above already saw every reference).
pub(crate) fn refused_by_assessment(err: &DbErr) -> bool {
    let message = err.to_string();
    crate::errors::is_foreign_key_violation(err)
        && ["fk_interviews_stage", "fk_coding_tasks_stage"]
            .iter()
            .any(|name| message.contains(name))
}
