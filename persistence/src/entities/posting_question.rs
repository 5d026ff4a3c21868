use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posting_questions")]
pub struct Model {
    /// Kept across edits, so answers stay attached to their question.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub posting_id: Uuid,
    /// `TEXT`, `YES_NO` or `LINK`.
    pub kind: String,
    pub prompt: String,
    /// Order on the posting, as the client listed them.
    pub position: i16,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
