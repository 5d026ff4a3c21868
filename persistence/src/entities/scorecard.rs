use sea_orm::entity::prelude::*;

/// An evaluator's card for a proposal in a stage.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scorecards")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub proposal_id: Uuid,
    pub stage_id: Uuid,
    pub evaluator_id: Uuid,
    /// `STRONG_NO`, `NO`, `MIXED`, `YES` or `STRONG_YES`.
    pub recommendation: String,
    pub notes: Option<String>,
    pub submitted_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
