use sea_orm::entity::prelude::*;

/// One interviewer of an interview, in the order the client named them.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interview_interviewers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub interview_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub position: i16,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
