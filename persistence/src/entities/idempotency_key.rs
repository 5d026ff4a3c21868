use sea_orm::entity::prelude::*;

/// A money mutation's idempotency key, as its user sent it, with what it did.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// The operation and its input, canonically written.
    pub fingerprint: String,
    /// The milestone, or the contract of a bonus.
    pub target_id: Uuid,
    pub transaction_id: Uuid,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
