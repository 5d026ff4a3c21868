use sea_orm::entity::prelude::*;

/// A fixed-price contract's milestone.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_milestones")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contract_id: Uuid,
    /// 1-based, unique within the contract.
    pub position: i32,
    pub title: String,
    pub description: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub due_on: Option<ChronoDate>,
    /// `PENDING`, `FUNDED`, `SUBMITTED`, `RELEASED`, `CANCELLED` or `REFUNDED`.
    pub status: String,
    pub submission_note: Option<String>,
    pub changes_requested: Option<String>,
    pub refund_reason: Option<String>,
    pub funded_at: Option<ChronoDateTimeUtc>,
    pub submitted_at: Option<ChronoDateTimeUtc>,
    pub released_at: Option<ChronoDateTimeUtc>,
    /// Moves with every change (compare-and-set).
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
