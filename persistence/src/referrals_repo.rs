//! Referrals on SeaORM. One per referrer, freelancer and posting is the unique index
//! `ux_referrals_referrer_freelancer_posting`: of concurrent duplicates one is stored
//! and the others are `Duplicate`. Lists are keyset-paged on the time-ordered IDs.

use async_trait::async_trait;
use domain::actor::UserId;
use domain::pagination::{Page, PageRequest};
use domain::postings::PostingId;
use domain::proposals::{Referral, ReferralId, ReferralRepository, ReferralWrite};
use domain::{DomainError, DomainResult};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    SqlErr,
};

use crate::entities::referral;
use crate::errors::internal;
use crate::posting_rows::at_rest;

/// [`ReferralRepository`] on the application's database (PostgreSQL or SQLite).
#[derive(Clone)]
pub struct SeaReferralRepository {
    db: DatabaseConnection,
}

impl SeaReferralRepository {
    /// A repository on `db`'s pool.
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

fn to_referral(m: referral::Model) -> Referral {
    Referral {
        id: ReferralId(m.id),
        posting_id: PostingId(m.posting_id),
        freelancer_id: UserId(m.freelancer_id),
        referrer_id: UserId(m.referrer_id),
        note: m.note,
        created_at: m.created_at,
    }
}

#[async_trait]
impl ReferralRepository for SeaReferralRepository {
    async fn create(&self, r: &Referral) -> DomainResult<ReferralWrite> {
        let created_at = at_rest(r.created_at);
        let row = referral::ActiveModel {
            id: Set(r.id.0),
            posting_id: Set(r.posting_id.0),
            freelancer_id: Set(r.freelancer_id.0),
            referrer_id: Set(r.referrer_id.0),
            note: Set(r.note.clone()),
            created_at: Set(created_at),
        };
        match referral::Entity::insert(row)
            .exec_without_returning(&self.db)
            .await
        {
            Ok(_) => Ok(ReferralWrite::Written(Referral {
                created_at,
                ..r.clone()
            })),
            Err(e) => match e.sql_err() {
                Some(SqlErr::UniqueConstraintViolation(_)) => Ok(ReferralWrite::Duplicate),
                _ => Err(DomainError::internal(e)),
            },
        }
    }

    async fn of_referrer(
        &self,
        referrer: UserId,
        page: &PageRequest<ReferralId>,
    ) -> DomainResult<Page<Referral>> {
        let mut query =
            referral::Entity::find().filter(referral::Column::ReferrerId.eq(referrer.0));
        if let Some(after) = page.after() {
            query = query.filter(referral::Column::Id.lt(after.0));
        }
        let rows = query
            .order_by_desc(referral::Column::Id)
            .limit(page.fetch_limit())
            .all(&self.db)
            .await
            .map_err(internal)?;
        let found = Page::from_overfetch(rows, page);
        Ok(Page {
            has_next_page: found.has_next_page,
            items: found.items.into_iter().map(to_referral).collect(),
        })
    }

    async fn of_candidates(
        &self,
        candidates: &[(PostingId, UserId)],
    ) -> DomainResult<Vec<Referral>> {
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let mut any = Condition::any();
        for (posting, freelancer) in candidates {
            any = any.add(
                Condition::all()
                    .add(referral::Column::PostingId.eq(posting.0))
                    .add(referral::Column::FreelancerId.eq(freelancer.0)),
            );
        }
        Ok(referral::Entity::find()
            .filter(any)
            .order_by_desc(referral::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(to_referral)
            .collect())
    }
}
