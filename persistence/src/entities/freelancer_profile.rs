use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "freelancer_profiles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub headline: String,
    pub overview: String,
    pub rate_minor: Option<i64>,
    pub rate_currency: Option<String>,
    pub hours_per_week: i16,
    pub available_from: Option<Date>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub time_zone: Option<String>,
    /// `VISIBLE` or `HIDDEN`.
    pub visibility: String,
    pub moderation_hidden: bool,
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
