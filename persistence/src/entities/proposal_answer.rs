use sea_orm::entity::prelude::*;

/// An answer to a screening question, with the question's prompt as it was asked.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proposal_answers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub proposal_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    pub question_id: Uuid,
    pub prompt: String,
    /// `TEXT`, `YES_NO` or `LINK`: which of the values is set.
    pub kind: String,
    pub text_value: Option<String>,
    pub yes_value: Option<bool>,
    pub link_value: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
