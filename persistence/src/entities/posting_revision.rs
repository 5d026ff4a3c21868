use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posting_revisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub posting_id: Uuid,
    /// The version the change replaced (unique per posting).
    pub version: i64,
    pub at: ChronoDateTimeUtc,
    /// Who made the change; NULL for the platform (or an account that is gone).
    pub actor_id: Option<Uuid>,
    /// `PUBLISH`, `PAUSE`, `RESUME`, `CLOSE_FILLED`, `CLOSE_CANCELLED` or `EXPIRE`; NULL
    /// for an edit of the fields.
    pub event: Option<String>,
    /// The posting as it was before the change: JSON, see `posting_snapshot`.
    pub before: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
