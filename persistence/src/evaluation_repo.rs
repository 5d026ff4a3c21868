//! Posting evaluators and scorecards on SeaORM. Adding an evaluator counts the
//! posting's evaluators under a lock on the posting's row (PostgreSQL; SQLite's write
//! lock is held from `BEGIN`), so concurrent additions never pass the limit. Saving a
//! card replaces the evaluator's card for that proposal and stage (the unique index
//! decides which) and recomputes the proposal's average recommendation in the same
//! transaction.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::actor::UserId;
use domain::postings::PostingId;
use domain::proposals::{
    Criterion, Evaluator, EvaluatorRepository, EvaluatorWrite, ProposalId, Rating, Scorecard,
    ScorecardId, ScorecardRepository, StageId,
};
use domain::{DomainError, DomainResult};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::entities::{posting, posting_evaluator, proposal, scorecard, scorecard_criterion, user};
use crate::errors::internal;

/// [`EvaluatorRepository`] and [`ScorecardRepository`] on the application's database.
#[derive(Clone)]
pub struct SeaEvaluationRepository {
    db: DatabaseConnection,
}

impl SeaEvaluationRepository {
    /// A repository on `db`'s pool.
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

fn corrupt(what: &str) -> DomainError {
    DomainError::internal(format!("stored scorecard is invalid: {what}"))
}

#[derive(FromQueryResult)]
struct EvaluatorRow {
    posting_id: Uuid,
    user_id: Uuid,
    added_at: DateTime<Utc>,
    display_name: String,
}

#[async_trait]
impl EvaluatorRepository for SeaEvaluationRepository {
    async fn add(
        &self,
        posting_id: PostingId,
        user: UserId,
        at: DateTime<Utc>,
        max: usize,
    ) -> DomainResult<EvaluatorWrite> {
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        // Holds the posting's row (PostgreSQL) while counting.
        posting::Entity::update_many()
            .col_expr(
                posting::Column::PipelineVersion,
                Expr::col(posting::Column::PipelineVersion),
            )
            .filter(posting::Column::Id.eq(posting_id.0))
            .exec(&txn)
            .await
            .map_err(internal)?;
        let outcome = async {
            if user::Entity::find_by_id(user.0)
                .count(&txn)
                .await
                .map_err(internal)?
                == 0
            {
                return Ok(EvaluatorWrite::NoSuchUser);
            }
            let have = posting_evaluator::Entity::find()
                .filter(posting_evaluator::Column::PostingId.eq(posting_id.0))
                .all(&txn)
                .await
                .map_err(internal)?;
            if have.iter().any(|e| e.user_id == user.0) {
                return Ok(EvaluatorWrite::Already);
            }
            if have.len() >= max {
                return Ok(EvaluatorWrite::Full);
            }
            posting_evaluator::Entity::insert(posting_evaluator::ActiveModel {
                posting_id: Set(posting_id.0),
                user_id: Set(user.0),
                added_at: Set(crate::posting_rows::at_rest(at)),
            })
            .exec_without_returning(&txn)
            .await
            .map_err(internal)?;
            Ok(EvaluatorWrite::Added)
        }
        .await;
        match outcome {
            Ok(EvaluatorWrite::Added) => {
                txn.commit().await.map_err(internal)?;
                Ok(EvaluatorWrite::Added)
            }
            other => {
                txn.rollback().await.map_err(internal)?;
                other
            }
        }
    }

    async fn remove(&self, posting_id: PostingId, user: UserId) -> DomainResult<bool> {
        let removed = posting_evaluator::Entity::delete_many()
            .filter(posting_evaluator::Column::PostingId.eq(posting_id.0))
            .filter(posting_evaluator::Column::UserId.eq(user.0))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok(removed.rows_affected == 1)
    }

    async fn of_postings(
        &self,
        postings: &[PostingId],
    ) -> DomainResult<HashMap<PostingId, Vec<Evaluator>>> {
        let mut out: HashMap<PostingId, Vec<Evaluator>> = HashMap::new();
        if postings.is_empty() {
            return Ok(out);
        }
        let rows = posting_evaluator::Entity::find()
            .select_only()
            .column(posting_evaluator::Column::PostingId)
            .column(posting_evaluator::Column::UserId)
            .column(posting_evaluator::Column::AddedAt)
            .column_as(user::Column::DisplayName, "display_name")
            .join(
                JoinType::InnerJoin,
                posting_evaluator::Entity::belongs_to(user::Entity)
                    .from(posting_evaluator::Column::UserId)
                    .to(user::Column::Id)
                    .into(),
            )
            .filter(posting_evaluator::Column::PostingId.is_in(postings.iter().map(|p| p.0)))
            .order_by_asc(posting_evaluator::Column::PostingId)
            .order_by_asc(posting_evaluator::Column::AddedAt)
            .order_by_asc(posting_evaluator::Column::UserId)
            .into_model::<EvaluatorRow>()
            .all(&self.db)
            .await
            .map_err(internal)?;
        for r in rows {
            out.entry(PostingId(r.posting_id))
                .or_default()
                .push(Evaluator {
                    posting_id: PostingId(r.posting_id),
                    user_id: UserId(r.user_id),
                    display_name: r.display_name,
                    added_at: r.added_at,
                });
        }
        Ok(out)
    }

    async fn evaluating(
        &self,
        user: UserId,
        postings: &[PostingId],
    ) -> DomainResult<HashSet<PostingId>> {
        if postings.is_empty() {
            return Ok(HashSet::new());
        }
        let rows: Vec<Uuid> = posting_evaluator::Entity::find()
            .select_only()
            .column(posting_evaluator::Column::PostingId)
            .filter(posting_evaluator::Column::UserId.eq(user.0))
            .filter(posting_evaluator::Column::PostingId.is_in(postings.iter().map(|p| p.0)))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(PostingId).collect())
    }
}

/// Recomputes the average recommendation of `proposal` (× 100, 0 without cards).
async fn rescore(db: &impl ConnectionTrait, proposal_id: ProposalId) -> DomainResult<()> {
    let cards: Vec<String> = scorecard::Entity::find()
        .select_only()
        .column(scorecard::Column::Recommendation)
        .filter(scorecard::Column::ProposalId.eq(proposal_id.0))
        .into_tuple()
        .all(db)
        .await
        .map_err(internal)?;
    let values: Vec<u32> = cards
        .iter()
        .map(|k| Rating::from_key(k).map(|r| u32::from(r.value())))
        .collect::<Option<_>>()
        .ok_or_else(|| corrupt("recommendation"))?;
    let score = if values.is_empty() {
        0
    } else {
        let sum: u32 = values.iter().sum();
        i16::try_from((sum * 100 + values.len() as u32 / 2) / values.len() as u32).unwrap_or(0)
    };
    proposal::Entity::update_many()
        .col_expr(proposal::Column::ScorecardScore, Expr::value(score))
        .filter(proposal::Column::Id.eq(proposal_id.0))
        .exec(db)
        .await
        .map_err(internal)?;
    Ok(())
}

#[async_trait]
impl ScorecardRepository for SeaEvaluationRepository {
    async fn save(&self, card: &Scorecard) -> DomainResult<Scorecard> {
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let written =
            async {
                // Holds the proposal's row (PostgreSQL) so concurrent cards recompute its
                // score one after the other, and checks it is still open.
                let held = proposal::Entity::update_many()
                    .col_expr(
                        proposal::Column::ScorecardScore,
                        Expr::col(proposal::Column::ScorecardScore),
                    )
                    .filter(proposal::Column::Id.eq(card.proposal_id.0))
                    .filter(proposal::Column::Status.is_in(crate::proposals_repo::OPEN))
                    .exec(&txn)
                    .await
                    .map_err(internal)?;
                if held.rows_affected == 0 {
                    return Err(DomainError::invalid_state_at(
                        &["proposalId"],
                        "the proposal is no longer open",
                    ));
                }
                let at = crate::posting_rows::at_rest(card.updated_at);
                // Insert, or keep the stored card's ID and first time and replace the rest.
                scorecard::Entity::insert(scorecard::ActiveModel {
                    id: Set(card.id.0),
                    proposal_id: Set(card.proposal_id.0),
                    stage_id: Set(card.stage_id.0),
                    evaluator_id: Set(card.evaluator_id.0),
                    recommendation: Set(card.recommendation.key().to_owned()),
                    notes: Set(card.notes.clone()),
                    submitted_at: Set(crate::posting_rows::at_rest(card.submitted_at)),
                    updated_at: Set(at),
                })
                .on_conflict(
                    OnConflict::columns([
                        scorecard::Column::ProposalId,
                        scorecard::Column::StageId,
                        scorecard::Column::EvaluatorId,
                    ])
                    .update_columns([
                        scorecard::Column::Recommendation,
                        scorecard::Column::Notes,
                        scorecard::Column::UpdatedAt,
                    ])
                    .to_owned(),
                )
                .exec_without_returning(&txn)
                .await
                .map_err(|e| {
                    if crate::errors::is_foreign_key_violation(&e) {
                        DomainError::invalid_state_at(
                            &["stageId"],
                            "the stage was removed from the pipeline meanwhile",
                        )
                    } else {
                        internal(e)
                    }
                })?;
                let stored = scorecard::Entity::find()
                    .filter(scorecard::Column::ProposalId.eq(card.proposal_id.0))
                    .filter(scorecard::Column::StageId.eq(card.stage_id.0))
                    .filter(scorecard::Column::EvaluatorId.eq(card.evaluator_id.0))
                    .one(&txn)
                    .await
                    .map_err(internal)?
                    .ok_or_else(|| corrupt("the card just written is missing"))?;
                scorecard_criterion::Entity::delete_many()
                    .filter(scorecard_criterion::Column::ScorecardId.eq(stored.id))
                    .exec(&txn)
                    .await
                    .map_err(internal)?;
                let criteria = card.criteria.iter().enumerate().map(|(i, c)| {
                    scorecard_criterion::ActiveModel {
                        scorecard_id: Set(stored.id),
                        position: Set(i as i32),
                        name: Set(c.name.clone()),
                        rating: Set(c.rating.key().to_owned()),
                        notes: Set(c.notes.clone()),
                    }
                });
                if !card.criteria.is_empty() {
                    scorecard_criterion::Entity::insert_many(criteria)
                        .exec_without_returning(&txn)
                        .await
                        .map_err(internal)?;
                }
                rescore(&txn, card.proposal_id).await?;
                Ok::<_, DomainError>(stored.id)
            }
            .await;
        let id = match written {
            Ok(id) => id,
            Err(e) => {
                txn.rollback().await.map_err(internal)?;
                return Err(e);
            }
        };
        txn.commit().await.map_err(internal)?;
        self.of_proposals(&[card.proposal_id])
            .await?
            .remove(&card.proposal_id)
            .unwrap_or_default()
            .into_iter()
            .find(|c| c.id.0 == id)
            .ok_or_else(|| corrupt("the card just written is missing"))
    }

    async fn of_proposals(
        &self,
        ids: &[ProposalId],
    ) -> DomainResult<HashMap<ProposalId, Vec<Scorecard>>> {
        let mut out: HashMap<ProposalId, Vec<Scorecard>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let cards = scorecard::Entity::find()
            .filter(scorecard::Column::ProposalId.is_in(ids.iter().map(|i| i.0)))
            .order_by_asc(scorecard::Column::ProposalId)
            .order_by_asc(scorecard::Column::SubmittedAt)
            .order_by_asc(scorecard::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?;
        if cards.is_empty() {
            return Ok(out);
        }
        let mut criteria: HashMap<Uuid, Vec<Criterion>> = HashMap::new();
        for c in scorecard_criterion::Entity::find()
            .filter(scorecard_criterion::Column::ScorecardId.is_in(cards.iter().map(|c| c.id)))
            .order_by_asc(scorecard_criterion::Column::ScorecardId)
            .order_by_asc(scorecard_criterion::Column::Position)
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            criteria.entry(c.scorecard_id).or_default().push(Criterion {
                name: c.name,
                rating: Rating::from_key(&c.rating).ok_or_else(|| corrupt("rating"))?,
                notes: c.notes,
            });
        }
        for c in cards {
            out.entry(ProposalId(c.proposal_id))
                .or_default()
                .push(Scorecard {
                    id: ScorecardId(c.id),
                    proposal_id: ProposalId(c.proposal_id),
                    stage_id: StageId(c.stage_id),
                    evaluator_id: UserId(c.evaluator_id),
                    criteria: criteria.remove(&c.id).unwrap_or_default(),
                    recommendation: Rating::from_key(&c.recommendation)
                        .ok_or_else(|| corrupt("recommendation"))?,
                    notes: c.notes,
                    submitted_at: c.submitted_at,
                    updated_at: c.updated_at,
                });
        }
        Ok(out)
    }
}
