use sea_orm::entity::prelude::*;

/// A contract between a client and a freelancer, made from one offer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contracts")]
pub struct Model {
    /// Time-ordered (UUID v7): lists read newest first by ID.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Unique: one contract per offer.
    pub offer_id: Uuid,
    pub proposal_id: Uuid,
    pub posting_id: Uuid,
    pub client_id: Uuid,
    pub freelancer_id: Uuid,
    pub agency_id: Option<Uuid>,
    pub title: String,
    /// `FIXED` or `HOURLY`; the terms' columns as on `offers`.
    pub kind: String,
    pub currency: String,
    pub total_minor: Option<i64>,
    pub rate_minor: Option<i64>,
    pub weekly_limit_hours: Option<i16>,
    pub manual_time: Option<bool>,
    /// HOURLY: a lower weekly limit waiting for the week from this Monday.
    pub next_weekly_limit_hours: Option<i16>,
    pub next_weekly_limit_from: Option<ChronoDate>,
    /// `ACTIVE`, `PAUSED` or `ENDED`.
    pub status: String,
    pub end_reason: Option<String>,
    pub ended_by: Option<Uuid>,
    /// Moves with every change (compare-and-set).
    pub version: i64,
    pub started_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub ended_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
