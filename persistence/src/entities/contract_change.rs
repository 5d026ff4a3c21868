use sea_orm::entity::prelude::*;

/// One entry of a contract's history.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_changes")]
pub struct Model {
    /// Time-ordered: a contract's history reads in ID order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contract_id: Uuid,
    pub at: ChronoDateTimeUtc,
    /// `None` for the platform.
    pub actor_id: Option<Uuid>,
    /// `STARTED`, `PAUSED`, `RESUMED`, `ENDED`, `TERMS_CHANGED` or `MILESTONE_ADDED`.
    pub kind: String,
    /// The contract's status after the change.
    pub status: String,
    pub detail: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
