use sea_orm::entity::prelude::*;

/// A freelancer's (or their agency's) proposal on a posting: the first columns, which the
/// posting board counts and summarises; the proposals feature adds the rest.
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
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
