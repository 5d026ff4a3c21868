use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
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
    /// Names and aliases of the profile's skills, for full-text search.
    pub skills_text: String,
    /// Standard UTC offset of `time_zone`, for time-zone ranges in search.
    pub utc_offset_minutes: Option<i16>,
    /// Reputation, written only by reputation recomputation (never by profile saves).
    pub rating_avg: Option<f64>,
    pub review_count: i64,
    /// Job success in whole percent (0 to 100), `None` until a contract counts; written
    /// only by reputation recomputation.
    pub job_success: Option<i16>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
