use sea_orm::entity::prelude::*;

/// One admin action on a review, kept for good (the audit trail).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_moderations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub review_id: Uuid,
    /// `HIDE`, `RESTORE` or `DISMISS`.
    pub action: String,
    pub reason: String,
    pub moderator_id: Uuid,
    pub at: ChronoDateTimeUtc,
    /// The event's number among its review's, from 1, in the order carried out.
    pub seq: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
