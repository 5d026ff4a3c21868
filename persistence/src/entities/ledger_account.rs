use sea_orm::entity::prelude::*;

/// A ledger account, created on first use. Its balance is never stored: it is the sum of
/// its entries.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_accounts")]
pub struct Model {
    /// `Account::id()`: a v5 UUID of the key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `Account::key()`, e.g. `ESCROW:<contract>:USD` (unique).
    pub key: String,
    /// `CLIENT_FUNDING`, `ESCROW`, `EARNINGS` or `PLATFORM_FEE`.
    pub kind: String,
    /// The client, the freelancer or the contract (escrow); NULL for the platform fee.
    pub owner_id: Option<Uuid>,
    pub currency: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
