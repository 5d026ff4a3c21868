use sea_orm::entity::prelude::*;

/// An interview of a proposal, in a stage of its posting's pipeline.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interviews")]
pub struct Model {
    /// Time-ordered (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub proposal_id: Uuid,
    /// A stored stage (`ON DELETE RESTRICT`).
    pub stage_id: Uuid,
    pub starts_at: ChronoDateTimeUtc,
    /// `starts_at` plus the duration, for the overlap check.
    pub ends_at: ChronoDateTimeUtc,
    /// 15 to 480.
    pub duration_minutes: i32,
    /// An IANA time zone name.
    pub time_zone: String,
    pub meeting_link: Option<String>,
    /// `SCHEDULED` or `CANCELLED`.
    pub status: String,
    pub confirmed_at: Option<ChronoDateTimeUtc>,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<ChronoDateTimeUtc>,
    pub scheduled_by: Uuid,
    /// Moves with every change (compare-and-set).
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
