use sea_orm::entity::prelude::*;

/// A coding task of a proposal, in a stage of its posting's pipeline.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coding_tasks")]
pub struct Model {
    /// Time-ordered (UUID v7): a proposal's tasks list in the order assigned.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub proposal_id: Uuid,
    /// A stored stage (`ON DELETE RESTRICT`).
    pub stage_id: Uuid,
    pub instructions: String,
    pub due_at: ChronoDateTimeUtc,
    /// The link last submitted.
    pub submission_link: Option<String>,
    pub submitted_at: Option<ChronoDateTimeUtc>,
    /// `ASSIGNED`, `SUBMITTED` or `CANCELLED`.
    pub status: String,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<ChronoDateTimeUtc>,
    pub assigned_by: Uuid,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
