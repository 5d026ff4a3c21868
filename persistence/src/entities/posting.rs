use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "postings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The client who owns it.
    pub client_id: Uuid,
    pub title: String,
    pub description: String,
    pub category_id: Option<Uuid>,
    /// `FREELANCE_SHORT_TERM`, `FREELANCE_LONG_TERM`, `FULL_TIME` or `CONTRACT_TO_HIRE`.
    pub hire_type: Option<String>,
    /// `FIXED`, `HOURLY` or `YEARLY_SALARY`; the four budget columns are all set or none.
    pub budget_kind: Option<String>,
    pub budget_currency: Option<String>,
    /// The range in minor units; a FIXED amount has min = max.
    pub budget_min_minor: Option<i64>,
    pub budget_max_minor: Option<i64>,
    /// `ENTRY`, `INTERMEDIATE` or `EXPERT`.
    pub experience: Option<String>,
    /// `LESS_THAN_ONE_MONTH`, `ONE_TO_THREE_MONTHS`, `THREE_TO_SIX_MONTHS` or
    /// `MORE_THAN_SIX_MONTHS`.
    pub duration: Option<String>,
    pub hours_per_week: Option<i32>,
    /// `REMOTE`, `ON_SITE` or `HYBRID`.
    pub workplace: String,
    /// The IANA time zones as a JSON array of strings, in the client's order.
    pub time_zones: String,
    /// The smallest and largest standard UTC offset (minutes) of `time_zones`.
    pub tz_offset_min: Option<i32>,
    pub tz_offset_max: Option<i32>,
    pub positions: i32,
    /// `PUBLIC` or `INVITE_ONLY`.
    pub visibility: String,
    pub deadline: Option<ChronoDateTimeUtc>,
    /// `DRAFT`, `OPEN`, `PAUSED` or `CLOSED`.
    pub status: String,
    /// `FILLED`, `CANCELLED` or `EXPIRED`; set exactly when `status` is `CLOSED`.
    pub close_reason: Option<String>,
    /// Bumped by every write; writes name the version they were based on.
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub published_at: Option<ChronoDateTimeUtc>,
    pub last_activity_at: ChronoDateTimeUtc,
    /// The `last_activity_at` the last expiry warning was for (written by the expiry job,
    /// never by posting saves).
    pub expiry_warned_for: Option<ChronoDateTimeUtc>,
    /// Names and aliases of the posting's skills, for full-text search.
    pub skills_text: String,
    /// The posting's countries as `,DE,AT,` (empty for anywhere), so search filters them
    /// on the row it reads, with no sub-query (migration 000013).
    pub countries_key: String,
    /// Maintained by the proposals feature, never by posting saves.
    pub proposal_count: i32,
    /// Maintained by the invitations feature, never by posting saves.
    pub invite_count: i32,
    /// Moves with every stored change of the pipeline; 0 while it is the template.
    pub pipeline_version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
