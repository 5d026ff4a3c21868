use sea_orm::entity::prelude::*;

/// One week of an hourly contract, stored with its first time entry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "timesheets")]
pub struct Model {
    /// The domain's v5 UUID of the contract and the Monday.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contract_id: Uuid,
    /// The Monday the week starts on; unique with `contract_id`.
    pub week_start: ChronoDate,
    /// `OPEN`, `DISPUTED` or `APPROVED` (an ended OPEN week is in review: never stored).
    pub status: String,
    /// The minutes of its entries, 0 to a week's.
    pub minutes: i32,
    /// The sum of each entry's minutes times its rate (minor units times minutes).
    pub value: i64,
    pub currency: String,
    pub dispute_reason: Option<String>,
    pub disputed_at: Option<ChronoDateTimeUtc>,
    pub approved_at: Option<ChronoDateTimeUtc>,
    /// `None` when the platform approved it after the deadline.
    pub approved_by: Option<Uuid>,
    /// The `HOURS` ledger transaction that paid it.
    pub transaction_id: Option<Uuid>,
    /// Moves with every change (compare-and-set).
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
