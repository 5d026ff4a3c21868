use sea_orm::entity::prelude::*;

/// One stretch of work a freelancer logged, in its week.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "time_entries")]
pub struct Model {
    /// Time-ordered (UUID v7, the domain's).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The week it counts in; it goes with its week.
    pub timesheet_id: Uuid,
    pub contract_id: Uuid,
    /// The day worked (UTC).
    pub work_date: ChronoDate,
    /// 1 to 1,440.
    pub minutes: i32,
    pub memo: String,
    /// The hourly rate it was logged at (minor units of the contract's currency).
    pub rate_minor: i64,
    pub author_id: Uuid,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
