use sea_orm::entity::prelude::*;

/// One movement of money; its entries are rows of their own.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_transactions")]
pub struct Model {
    /// Time-ordered (UUID v7, the domain's): lists read newest first by ID.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `FUND`, `RELEASE`, `AUTO_RELEASE`, `REFUND`, `BONUS` or `HOURS`.
    pub kind: String,
    pub contract_id: Uuid,
    pub milestone_id: Option<Uuid>,
    /// `None` for the platform (an automatic release).
    pub actor_id: Option<Uuid>,
    pub provider_reference: Option<String>,
    pub memo: Option<String>,
    pub currency: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
