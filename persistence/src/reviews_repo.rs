//! Reviews on SeaORM (`reviews`, migration 000025).
//!
//! A review is written in one write transaction that first holds its contract's row
//! (`contracts_repo::hold_contract`: on PostgreSQL the row's lock; SQLite's write lock
//! is held from `BEGIN`), so the two sides' first reviews of a contract take turns: the
//! second to commit sees the first, and publishes both (at its own `created_at`) with
//! one `UPDATE`. The unique `(contract_id, side)` index has the last word on a side's
//! second review: `Duplicate`, writing nothing. Three statements (hold, insert,
//! publish); a duplicate two. A write that publishes marks the contract's parties'
//! reputations (`reputation_marks`), one statement more, in the same transaction.
//!
//! Reads take one statement each: by ID, by contract (`ux_reviews_contract_side`), about
//! a reviewee keyset-paged newest first by the time-ordered IDs (`ix_reviews_reviewee`,
//! or `ix_reviews_reviewee_side` for the reviews of one side).
//! The reply is one `UPDATE ... WHERE reply IS NULL`: of two replies one lands. The
//! publication job is one `UPDATE ... RETURNING` of at most `limit` unpublished reviews
//! whose window closed (`ix_reviews_publish_due`), re-checking `published_at IS NULL` on
//! each row it updates: two jobs at once never both report a review, and a second run
//! finds nothing; it marks the published reviews' contracts' parties in the same write
//! transaction. `paid` and `unreviewed` read the ledger's transactions by contract
//! (`ix_ledger_transactions_contract`) and a user's contracts (`ix_contracts_client`,
//! `ix_contracts_freelancer`), one statement each. Reports and moderation are
//! `review_reports`'.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::actor::UserId;
use domain::agencies::AgencyId;
use domain::contracts::{ContractId, ContractStatus, TransactionKind};
use domain::pagination::{Page, PageRequest};
use domain::reviews::{
    Criterion, Moderation, ModerationEvent, ReportId, Review, ReviewId, ReviewReport,
    ReviewRepository, ReviewWrite, ReviewerSide,
};
use domain::{DomainError, DomainResult};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use crate::contracts_repo::hold_contract;
use crate::db::settle;
use crate::entities::{ledger_transaction, review};
use crate::errors::{internal, is_unique_violation};
use crate::posting_rows::at_rest;
use crate::reputation_marks::mark_contracts;
use crate::review_reports;
use crate::search_sql::Sql;

/// [`ReviewRepository`] on the application's database (PostgreSQL or SQLite).
#[derive(Clone)]
pub struct SeaReviewRepository {
    db: DatabaseConnection,
}

impl SeaReviewRepository {
    /// A repository on `db`'s pool.
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

/// The error for a stored review the domain cannot take back.
fn corrupt(what: &str) -> DomainError {
    DomainError::internal(format!("stored review data is invalid: {what}"))
}

/// `r` with every timestamp as storage keeps it.
pub(crate) fn review_at_rest(r: &Review) -> Review {
    Review {
        created_at: at_rest(r.created_at),
        public_from: at_rest(r.public_from),
        published_at: r.published_at.map(at_rest),
        replied_at: r.replied_at.map(at_rest),
        hidden: r.hidden.as_ref().map(|m| Moderation {
            at: at_rest(m.at),
            ..m.clone()
        }),
        ..r.clone()
    }
}

/// The stored value of criterion `c` on row `r`.
fn stored_score(r: &review::Model, c: Criterion) -> Option<i16> {
    match c {
        Criterion::Skills => r.skills,
        Criterion::Quality => r.quality,
        Criterion::Availability => r.availability,
        Criterion::Deadlines => r.deadlines,
        Criterion::Communication => r.communication,
        Criterion::Cooperation => r.cooperation,
        Criterion::Clarity => r.clarity,
        Criterion::PaymentPromptness => r.payment_promptness,
    }
}

/// A stored score of 1 to 5; `None` for anything else.
fn one_to_five(value: i16) -> Option<u8> {
    u8::try_from(value).ok().filter(|v| (1..=5).contains(v))
}

/// The review stored as `r`; an error (never a panic) for values the domain cannot take
/// back: an unknown side, a rating or sub-score out of 1..=5, a criterion of the side
/// missing or one of the other side's set, a hidden review without its reason or
/// moderator.
pub(crate) fn to_review(r: review::Model) -> DomainResult<Review> {
    let side = ReviewerSide::parse(&r.side).ok_or_else(|| corrupt("review side"))?;
    let rating = one_to_five(r.rating).ok_or_else(|| corrupt("review rating"))?;
    let mut scores = Vec::with_capacity(side.criteria().len());
    for c in Criterion::ALL {
        let value = stored_score(&r, c);
        if !side.criteria().contains(&c) && value.is_some() {
            return Err(corrupt(&format!(
                "review criterion {} on a {} review",
                c.key(),
                side.key()
            )));
        }
    }
    for c in side.criteria() {
        let value = stored_score(&r, *c)
            .and_then(one_to_five)
            .ok_or_else(|| corrupt(&format!("review criterion {}", c.key())))?;
        scores.push((*c, value));
    }
    let hidden = match (r.hidden_at, r.hidden_reason, r.hidden_by) {
        (None, _, _) => None,
        (Some(at), Some(reason), Some(by)) => Some(Moderation {
            reason,
            by: UserId(by),
            at,
        }),
        (Some(_), _, _) => return Err(corrupt("review moderation")),
    };
    Ok(Review {
        id: ReviewId(r.id),
        contract_id: ContractId(r.contract_id),
        side,
        author_id: UserId(r.author_id),
        reviewee_id: UserId(r.reviewee_id),
        agency_id: r.agency_id.map(AgencyId),
        rating,
        scores,
        comment: r.comment,
        would_recommend: r.would_recommend,
        created_at: r.created_at,
        public_from: r.public_from,
        published_at: r.published_at,
        reply: r.reply,
        replied_at: r.replied_at,
        hidden,
    })
}

/// The review's row (timestamps as storage keeps them); an error for a review the
/// domain never writes: a rating or sub-score out of 1..=5, sub-scores other than
/// exactly its side's criteria.
pub(crate) fn review_row(r: &Review) -> DomainResult<review::ActiveModel> {
    let bug = |what: String| Err(DomainError::internal(format!("review write: {what}")));
    if !(1..=5).contains(&r.rating) {
        return bug(format!("rating {} out of 1..=5", r.rating));
    }
    let rating = i16::from(r.rating);
    for (c, v) in &r.scores {
        if !r.side.criteria().contains(c) {
            return bug(format!(
                "{} is not a criterion of the {} side",
                c.key(),
                r.side.key()
            ));
        }
        if !(1..=5).contains(v) {
            return bug(format!("{} {v} out of 1..=5", c.key()));
        }
    }
    for c in r.side.criteria() {
        if r.scores.iter().filter(|(k, _)| k == c).count() != 1 {
            return bug(format!("{} not scored exactly once", c.key()));
        }
    }
    let score = |c: Criterion| {
        r.scores
            .iter()
            .find(|(k, _)| *k == c)
            .map(|(_, v)| i16::from(*v))
    };
    let r = review_at_rest(r);
    Ok(review::ActiveModel {
        id: Set(r.id.0),
        contract_id: Set(r.contract_id.0),
        side: Set(r.side.key().to_owned()),
        author_id: Set(r.author_id.0),
        reviewee_id: Set(r.reviewee_id.0),
        agency_id: Set(r.agency_id.map(|a| a.0)),
        rating: Set(rating),
        skills: Set(score(Criterion::Skills)),
        quality: Set(score(Criterion::Quality)),
        availability: Set(score(Criterion::Availability)),
        deadlines: Set(score(Criterion::Deadlines)),
        communication: Set(score(Criterion::Communication)),
        cooperation: Set(score(Criterion::Cooperation)),
        clarity: Set(score(Criterion::Clarity)),
        payment_promptness: Set(score(Criterion::PaymentPromptness)),
        comment: Set(r.comment.clone()),
        would_recommend: Set(r.would_recommend),
        created_at: Set(r.created_at),
        public_from: Set(r.public_from),
        published_at: Set(r.published_at),
        reply: Set(r.reply.clone()),
        replied_at: Set(r.replied_at),
        hidden_reason: Set(r.hidden.as_ref().map(|m| m.reason.clone())),
        hidden_by: Set(r.hidden.as_ref().map(|m| m.by.0)),
        hidden_at: Set(r.hidden.as_ref().map(|m| m.at)),
    })
}

/// In a write transaction: the review (`stored`, as storage keeps it) and, when the
/// other side's review of the contract is stored, both published at its `created_at`.
async fn write(
    db: &impl ConnectionTrait,
    stored: &Review,
    row: review::ActiveModel,
) -> DomainResult<ReviewWrite> {
    // The two sides' reviews of a contract take turns (see the module's documentation):
    // whichever commits second sees the first's.
    if !hold_contract(db, stored.contract_id, ContractStatus::ALL).await? {
        return Err(DomainError::internal(format!(
            "a review of contract {} that is not stored",
            stored.contract_id.0
        )));
    }
    // The other side's review fixes the window: public by it already, this one comes
    // too late (its author could have read the other); else this one shares it.
    let other_from: Option<DateTime<Utc>> = review::Entity::find()
        .select_only()
        .column(review::Column::PublicFrom)
        .filter(review::Column::ContractId.eq(stored.contract_id.0))
        .filter(review::Column::Side.eq(stored.side.other().key()))
        .into_tuple()
        .one(db)
        .await
        .map_err(internal)?;
    let mut row = row;
    let mut stored = stored.clone();
    if let Some(from) = other_from {
        if from <= stored.created_at {
            return Ok(ReviewWrite::WindowClosed);
        }
        row.public_from = Set(from);
        stored.public_from = from;
    }
    if let Err(e) = review::Entity::insert(row).exec_without_returning(db).await {
        // This side of the contract has a review already (or the ID is taken).
        return if is_unique_violation(&e) {
            Ok(ReviewWrite::Duplicate)
        } else {
            Err(internal(e))
        };
    }
    let mut sql = Sql::new(db.get_database_backend());
    let at = sql.bind(stored.created_at);
    let contract = sql.bind(stored.contract_id.0);
    let other = sql.bind(stored.side.other().key());
    sql.push(&format!(
        "UPDATE reviews SET published_at = {at} WHERE contract_id = {contract} \
         AND published_at IS NULL AND EXISTS (SELECT 1 FROM reviews o \
         WHERE o.contract_id = {contract} AND o.side = {other})"
    ));
    let published = db
        .execute_raw(sql.statement())
        .await
        .map_err(internal)?
        .rows_affected()
        > 0;
    if published {
        // Both reviews became public: the parties' reputations count them now.
        mark_contracts(db, &[stored.contract_id.0]).await?;
    }
    Ok(ReviewWrite::Written(Box::new(Review {
        published_at: stored
            .published_at
            .or(published.then_some(stored.created_at)),
        ..stored.clone()
    })))
}

/// A page of the reviews about `reviewee` (by `side` when given) public at `now` and not
/// hidden, newest first: exactly what [`ReviewRepository::about`] runs (tests EXPLAIN
/// it; `ix_reviews_reviewee`, or `ix_reviews_reviewee_side` with a side).
pub(crate) fn about_query(
    reviewee: UserId,
    side: Option<ReviewerSide>,
    now: DateTime<Utc>,
    page: &PageRequest<ReviewId>,
) -> Select<review::Entity> {
    let mut query = review::Entity::find().filter(review::Column::RevieweeId.eq(reviewee.0));
    if let Some(side) = side {
        query = query.filter(review::Column::Side.eq(side.key()));
    }
    query = query.filter(review::Column::HiddenAt.is_null()).filter(
        Condition::any()
            .add(review::Column::PublishedAt.is_not_null())
            .add(review::Column::PublicFrom.lte(at_rest(now))),
    );
    if let Some(after) = page.after() {
        query = query.filter(review::Column::Id.lt(after.0));
    }
    query
        .order_by_desc(review::Column::Id)
        .limit(page.fetch_limit())
}

/// A contract `unreviewed` finds.
#[derive(FromQueryResult)]
struct EndedContract {
    id: Uuid,
    client_id: Uuid,
    ended_at: DateTime<Utc>,
}

/// In a write transaction: publishes at most `limit` reviews whose window closed at or
/// before `now` and marks their contracts' parties' reputations; the IDs published.
async fn publish(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u32,
) -> DomainResult<Vec<ReviewId>> {
    // One statement: the rows it updates are re-checked as it updates them (on
    // PostgreSQL a row a concurrent run published meanwhile no longer matches), so only
    // this run's publications come back.
    let mut sql = Sql::new(db.get_database_backend());
    let now = sql.bind(at_rest(now));
    let limit = sql.bind(i64::from(limit));
    sql.push(&format!(
        "UPDATE reviews SET published_at = public_from \
         WHERE published_at IS NULL AND id IN (SELECT id FROM reviews \
         WHERE published_at IS NULL AND public_from <= {now} \
         ORDER BY public_from, id LIMIT {limit}) RETURNING id, contract_id"
    ));
    let mut ids = Vec::new();
    let mut contracts = Vec::new();
    for row in db.query_all_raw(sql.statement()).await.map_err(internal)? {
        let id: Uuid = row.try_get("", "id").map_err(internal)?;
        let contract: Uuid = row.try_get("", "contract_id").map_err(internal)?;
        ids.push(ReviewId(id));
        contracts.push(contract);
    }
    contracts.sort();
    contracts.dedup();
    mark_contracts(db, &contracts).await?;
    ids.sort();
    Ok(ids)
}

fn kind_keys(kinds: &[TransactionKind]) -> Vec<&'static str> {
    kinds.iter().map(|k| k.key()).collect()
}

#[async_trait]
impl ReviewRepository for SeaReviewRepository {
    async fn create(&self, review: &Review) -> DomainResult<ReviewWrite> {
        let row = review_row(review)?;
        let stored = review_at_rest(review);
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let decided = write(&txn, &stored, row).await;
        settle(txn, decided, |w| matches!(w, ReviewWrite::Written(_))).await
    }

    async fn reviews(&self, ids: &[ReviewId]) -> DomainResult<Vec<Review>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        review::Entity::find()
            .filter(review::Column::Id.is_in(ids.iter().map(|i| i.0)))
            .order_by_asc(review::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(to_review)
            .collect()
    }

    async fn of_contracts(
        &self,
        ids: &[ContractId],
    ) -> DomainResult<HashMap<ContractId, Vec<Review>>> {
        let mut out: HashMap<ContractId, Vec<Review>> =
            ids.iter().map(|c| (*c, Vec::new())).collect();
        if ids.is_empty() {
            return Ok(out);
        }
        for row in review::Entity::find()
            .filter(review::Column::ContractId.is_in(ids.iter().map(|c| c.0)))
            .order_by_asc(review::Column::ContractId)
            .order_by_asc(review::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            let r = to_review(row)?;
            out.entry(r.contract_id).or_default().push(r);
        }
        Ok(out)
    }

    async fn about(
        &self,
        reviewee: UserId,
        side: Option<ReviewerSide>,
        now: DateTime<Utc>,
        page: &PageRequest<ReviewId>,
    ) -> DomainResult<Page<Review>> {
        let rows = about_query(reviewee, side, now, page)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let found = Page::from_overfetch(rows, page);
        Ok(Page {
            has_next_page: found.has_next_page,
            items: found
                .items
                .into_iter()
                .map(to_review)
                .collect::<DomainResult<_>>()?,
        })
    }

    async fn reply(&self, id: ReviewId, reply: &str, at: DateTime<Utc>) -> DomainResult<bool> {
        let updated = review::Entity::update_many()
            .set(review::ActiveModel {
                reply: Set(Some(reply.to_owned())),
                replied_at: Set(Some(at_rest(at))),
                ..Default::default()
            })
            .filter(review::Column::Id.eq(id.0))
            .filter(review::Column::Reply.is_null())
            .filter(review::Column::HiddenAt.is_null())
            .filter(
                Condition::any()
                    .add(review::Column::PublishedAt.is_not_null())
                    .add(review::Column::PublicFrom.lte(at_rest(at))),
            )
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok(updated.rows_affected == 1)
    }

    async fn publish_due(&self, now: DateTime<Utc>, limit: u32) -> DomainResult<Vec<ReviewId>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let decided = publish(&txn, now, limit).await;
        settle(txn, decided, |_| true).await
    }

    async fn paid(
        &self,
        contracts: &[ContractId],
        kinds: &[TransactionKind],
    ) -> DomainResult<HashSet<ContractId>> {
        if contracts.is_empty() || kinds.is_empty() {
            return Ok(HashSet::new());
        }
        let found: Vec<Uuid> = ledger_transaction::Entity::find()
            .select_only()
            .column(ledger_transaction::Column::ContractId)
            .distinct()
            .filter(ledger_transaction::Column::ContractId.is_in(contracts.iter().map(|c| c.0)))
            .filter(ledger_transaction::Column::Kind.is_in(kind_keys(kinds)))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(found.into_iter().map(ContractId).collect())
    }

    async fn unreviewed(
        &self,
        user: UserId,
        ended_after: DateTime<Utc>,
        kinds: &[TransactionKind],
        limit: u32,
    ) -> DomainResult<Vec<(ContractId, ReviewerSide, DateTime<Utc>)>> {
        if kinds.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(self.db.get_database_backend());
        let u = sql.bind(user.0);
        let ended = sql.bind(ContractStatus::Ended.key());
        let after = sql.bind(at_rest(ended_after));
        let kinds = sql.list(&kind_keys(kinds));
        let client = sql.bind(ReviewerSide::Client.key());
        let freelancer = sql.bind(ReviewerSide::Freelancer.key());
        let limit = sql.bind(i64::from(limit));
        sql.push(&format!(
            "SELECT c.id, c.client_id, c.ended_at FROM contracts c \
             WHERE (c.client_id = {u} OR c.freelancer_id = {u}) \
             AND c.status = {ended} AND c.ended_at > {after} \
             AND EXISTS (SELECT 1 FROM ledger_transactions t \
             WHERE t.contract_id = c.id AND t.kind IN ({kinds})) \
             AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.contract_id = c.id \
             AND r.side = CASE WHEN c.client_id = {u} THEN {client} ELSE {freelancer} END) \
             ORDER BY c.ended_at, c.id LIMIT {limit}"
        ));
        Ok(EndedContract::find_by_statement(sql.statement())
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|c| {
                let side = if c.client_id == user.0 {
                    ReviewerSide::Client
                } else {
                    ReviewerSide::Freelancer
                };
                (ContractId(c.id), side, c.ended_at)
            })
            .collect())
    }

    async fn report(&self, report: &ReviewReport) -> DomainResult<bool> {
        review_reports::report(&self.db, report).await
    }

    async fn reports(
        &self,
        open: bool,
        page: &PageRequest<ReportId>,
    ) -> DomainResult<Page<ReviewReport>> {
        review_reports::reports(&self.db, open, page).await
    }

    async fn moderate(&self, event: &ModerationEvent) -> DomainResult<bool> {
        review_reports::moderate(&self.db, event).await
    }

    async fn moderation_history(
        &self,
        reviews: &[ReviewId],
    ) -> DomainResult<HashMap<ReviewId, Vec<ModerationEvent>>> {
        review_reports::moderation_history(&self.db, reviews).await
    }
}
