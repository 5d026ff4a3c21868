use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agency_invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub invitee_user_id: Uuid,
    pub invitee_profile_id: Uuid,
    /// The owner who invited; null once their account is gone.
    pub invited_by: Option<Uuid>,
    /// `OWNER` or `MEMBER`: the role on accepting.
    pub role: String,
    pub message: String,
    /// `PENDING`, `ACCEPTED`, `DECLINED` or `REVOKED`.
    pub status: String,
    pub decline_reason: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    pub responded_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
