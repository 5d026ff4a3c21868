use sea_orm::entity::prelude::*;

/// A freelancer referred to a posting by someone, with a note; one per referrer,
/// freelancer and posting (`ux_referrals_referrer_freelancer_posting`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referrals")]
pub struct Model {
    /// Time-ordered (UUID v7): a referrer's list reads newest first in ID order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub posting_id: Uuid,
    /// The referred freelancer's user.
    pub freelancer_id: Uuid,
    pub referrer_id: Uuid,
    pub note: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
