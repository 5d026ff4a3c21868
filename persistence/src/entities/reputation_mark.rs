use sea_orm::entity::prelude::*;

/// A subject to recompute, left by the transaction that changed what its reputation is
/// computed from; deleted by the recomputation that read it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reputation_marks")]
pub struct Model {
    /// Auto-increment: marks read oldest first by ID.
    #[sea_orm(primary_key)]
    pub id: i64,
    pub subject_id: Uuid,
    /// `FREELANCER`, `CLIENT` or `AGENCY`.
    pub role: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
