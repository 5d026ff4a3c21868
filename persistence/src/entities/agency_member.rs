use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agency_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub agency_id: Uuid,
    /// Unique on its own: a freelancer belongs to at most one agency.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub profile_id: Uuid,
    /// `OWNER` or `MEMBER`.
    pub role: String,
    pub joined_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
