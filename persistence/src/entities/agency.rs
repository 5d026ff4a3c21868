use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agencies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub headline: String,
    pub overview: String,
    pub website: Option<String>,
    pub country: Option<String>,
    /// `VISIBLE` or `HIDDEN`.
    pub visibility: String,
    /// Bumped by every profile write and every membership change.
    pub version: i64,
    /// Names and aliases of the agency's skills, for full-text search.
    pub skills_text: String,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
