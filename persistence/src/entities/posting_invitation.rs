use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posting_invitations")]
pub struct Model {
    /// Time-ordered (UUID v7): newer invitations have greater IDs.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub posting_id: Uuid,
    /// The posting's client, who sent it.
    pub client_id: Uuid,
    /// The invited freelancer's account and profile; both null for an agency.
    pub invitee_user_id: Option<Uuid>,
    pub invitee_profile_id: Option<Uuid>,
    /// The invited agency; null for a freelancer.
    pub agency_id: Option<Uuid>,
    pub message: Option<String>,
    /// `PENDING`, `ACCEPTED` or `DECLINED`; EXPIRED is read from the posting, never
    /// written.
    pub status: String,
    pub decline_reason: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    pub responded_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::posting::Entity",
        from = "Column::PostingId",
        to = "super::posting::Column::Id"
    )]
    Posting,
}

impl Related<super::posting::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Posting.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
