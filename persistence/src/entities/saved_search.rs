use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "saved_searches")]
pub struct Model {
    /// Time-ordered (UUID v7): older searches have smaller IDs.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    /// `name` in lower case; unique per user.
    pub name_key: String,
    /// The filter as the user gave it: JSON (see `SavedSearchRow`).
    pub search: String,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    /// The alert job's watermark.
    pub checked_until: ChronoDateTimeUtc,
    /// Postings published up to then never alert.
    pub alerts_since: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
