use sea_orm::entity::prelude::*;

/// A stage of a posting's evaluation pipeline (postings without rows have the template).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pipeline_stages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub posting_id: Uuid,
    /// Order in the pipeline, from 0.
    pub position: i32,
    /// `SCREENING` ... `CULTURE_FIT`, or `CUSTOM`.
    pub kind: String,
    pub name: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
