use sea_orm::entity::prelude::*;

/// One message of a proposal's thread.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proposal_messages")]
pub struct Model {
    /// Time-ordered (UUID v7): a thread reads in ID order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub proposal_id: Uuid,
    pub sender_id: Uuid,
    /// `CLIENT` or `FREELANCER`: the side the sender was on.
    pub side: String,
    pub body: String,
    pub sent_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
