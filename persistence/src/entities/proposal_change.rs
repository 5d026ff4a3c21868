use sea_orm::entity::prelude::*;

/// One entry of a proposal's history.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proposal_changes")]
pub struct Model {
    /// Time-ordered: a proposal's history reads in ID order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub proposal_id: Uuid,
    pub at: ChronoDateTimeUtc,
    /// `None` for the platform (a posting closing by expiry).
    pub actor_id: Option<Uuid>,
    /// `SUBMITTED`, `EDITED`, `SHORTLISTED` ... (see `domain::proposals::ChangeKind`).
    pub kind: String,
    /// The proposal's status after the change.
    pub status: String,
    /// The stage of an `IN_EVALUATION` or `OFFERED` status (it may have been removed
    /// since: no foreign key).
    pub stage_id: Option<Uuid>,
    pub stage_name: Option<String>,
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
