use sea_orm::entity::prelude::*;

/// A subject's stored reputation (a user as freelancer or client, or an agency).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reputations")]
pub struct Model {
    /// The user's or the agency's ID (no foreign key: either).
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject_id: Uuid,
    /// `FREELANCER`, `CLIENT` or `AGENCY`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub role: String,
    /// The sum of the counted reviews' ratings.
    pub rating_sum: i32,
    pub review_count: i32,
    pub completed_contracts: i32,
    /// Ended contracts on which money moved (job success's denominator).
    pub counted_contracts: i32,
    pub good_outcomes: i32,
    pub computed_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
