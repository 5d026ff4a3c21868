use sea_orm::entity::prelude::*;

/// A freelancer's (or their agency's) proposal on a posting. Its answers, milestones,
/// stage and history are tables of their own.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proposals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub posting_id: Uuid,
    pub freelancer_id: Uuid,
    pub agency_id: Option<Uuid>,
    /// SUBMITTED, SHORTLISTED, IN_EVALUATION, OFFERED, HIRED, DECLINED, WITHDRAWN, CLOSED.
    pub status: String,
    /// The bid in minor units of `bid_currency` (the posting's currency).
    pub bid_amount_minor: i64,
    pub bid_currency: String,
    /// `FIXED`, `HOURLY` or `YEARLY_SALARY`: the kind of the posting's budget then.
    pub bid_kind: String,
    pub cover_letter: String,
    pub duration_days: Option<i32>,
    /// Why it was declined or withdrawn.
    pub status_reason: Option<String>,
    pub first_viewed_at: Option<ChronoDateTimeUtc>,
    /// 0 to 100, for sorting by match.
    pub match_score: i16,
    /// The average recommendation of its scorecards × 100 (100 to 500), 0 without any.
    pub scorecard_score: i16,
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
