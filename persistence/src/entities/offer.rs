use sea_orm::entity::prelude::*;

/// An offer a client made from a proposal; its milestone plans are rows of their own.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offers")]
pub struct Model {
    /// Time-ordered (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub proposal_id: Uuid,
    pub posting_id: Uuid,
    pub client_id: Uuid,
    pub freelancer_id: Uuid,
    pub agency_id: Option<Uuid>,
    /// The pipeline stage it was made from (no foreign key: history outlives stages).
    pub stage_id: Uuid,
    pub title: String,
    pub message: Option<String>,
    /// `FIXED` or `HOURLY`.
    pub kind: String,
    pub currency: String,
    /// FIXED: the total in minor units.
    pub total_minor: Option<i64>,
    /// HOURLY: the rate in minor units, the weekly limit and whether time may be logged
    /// by hand.
    pub rate_minor: Option<i64>,
    pub weekly_limit_hours: Option<i16>,
    pub manual_time: Option<bool>,
    /// `PENDING`, `ACCEPTED`, `DECLINED`, `WITHDRAWN` or `EXPIRED`.
    pub status: String,
    pub status_reason: Option<String>,
    pub expires_at: ChronoDateTimeUtc,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    /// The contract it became.
    pub contract_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
