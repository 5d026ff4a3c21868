use sea_orm::entity::prelude::*;

/// A milestone of a fixed-price offer's plan, in the offer's currency.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offer_milestones")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub offer_id: Uuid,
    /// 1-based.
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    pub title: String,
    pub description: Option<String>,
    pub amount_minor: i64,
    pub due_on: Option<ChronoDate>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
