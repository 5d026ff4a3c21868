use sea_orm::entity::prelude::*;

/// One line of a ledger transaction: what it adds to (negative: takes from) an account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub transaction_id: Uuid,
    pub account_id: Uuid,
    /// Never 0.
    pub amount_minor: i64,
    /// Escrow accounts only: the entry's number on its account (1, 2, ...; unique per
    /// account) and the account's balance after it (never negative). NULL elsewhere.
    pub escrow_seq: Option<i64>,
    pub escrow_balance_after: Option<i64>,
    /// The order of the entry within its transaction.
    pub position: i16,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
