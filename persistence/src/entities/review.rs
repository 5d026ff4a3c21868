use sea_orm::entity::prelude::*;

/// One side's review of the other after a contract ended.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reviews")]
pub struct Model {
    /// Time-ordered (UUID v7): lists read newest first by ID.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Unique with `side`: one review per side of a contract.
    pub contract_id: Uuid,
    /// `CLIENT` (about the freelancer) or `FREELANCER` (about the client).
    pub side: String,
    pub author_id: Uuid,
    pub reviewee_id: Uuid,
    /// The agency the freelancer worked through (the client's review).
    pub agency_id: Option<Uuid>,
    /// 1 to 5.
    pub rating: i16,
    /// The sub-scores, 1 to 5: the client's six criteria on a CLIENT review, the
    /// freelancer's three on a FREELANCER one, the others `NULL`.
    pub skills: Option<i16>,
    pub quality: Option<i16>,
    pub availability: Option<i16>,
    pub deadlines: Option<i16>,
    pub communication: Option<i16>,
    pub cooperation: Option<i16>,
    pub clarity: Option<i16>,
    pub payment_promptness: Option<i16>,
    pub comment: Option<String>,
    pub would_recommend: bool,
    pub created_at: ChronoDateTimeUtc,
    /// When the review window closes: public from then at the latest.
    pub public_from: ChronoDateTimeUtc,
    /// When it became public (both sides reviewed, or the publication job).
    pub published_at: Option<ChronoDateTimeUtc>,
    /// The reviewee's one reply, with its time.
    pub reply: Option<String>,
    pub replied_at: Option<ChronoDateTimeUtc>,
    /// Moderation: hidden when `hidden_at` is set.
    pub hidden_reason: Option<String>,
    pub hidden_by: Option<Uuid>,
    pub hidden_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
