use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    /// Time-ordered (UUID v7): newer notifications have greater IDs.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// `POSTING_EXPIRING`, `SAVED_SEARCH_MATCH` or `POSTING_INVITATION` (see
    /// `NotificationKind::key`).
    pub kind: String,
    /// The posting it is about (every kind).
    pub posting_id: Option<Uuid>,
    /// The saved search that matched (`SAVED_SEARCH_MATCH`).
    pub saved_search_id: Option<Uuid>,
    /// The invitation (`POSTING_INVITATION`).
    pub invitation_id: Option<Uuid>,
    /// When the posting expires (`POSTING_EXPIRING`).
    pub expires_at: Option<ChronoDateTimeUtc>,
    /// Unique: the same event never notifies twice.
    pub dedupe_key: String,
    pub created_at: ChronoDateTimeUtc,
    pub read_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
