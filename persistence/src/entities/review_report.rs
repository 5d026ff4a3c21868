use sea_orm::entity::prelude::*;

/// A user's report of a review (one per user and review).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_reports")]
pub struct Model {
    /// Time-ordered (UUID v7): lists read newest first by ID.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub review_id: Uuid,
    pub reporter_id: Uuid,
    /// `SPAM`, `OFFENSIVE`, `FALSE_STATEMENTS`, `PRIVATE_INFORMATION`, `EXTORTION` or
    /// `OTHER`.
    pub reason: String,
    pub details: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    /// `HIDE` or `DISMISS` once resolved, with the admin and the time; `NULL` while open.
    pub resolution: Option<String>,
    pub resolved_by: Option<Uuid>,
    pub resolved_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
