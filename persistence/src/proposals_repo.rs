//! Proposals on SeaORM. A submission first marks its posting active with a conditional
//! update (still OPEN, deadline ahead): on PostgreSQL that locks the posting's row, so
//! submissions to one posting take turns and none slips in after the posting closed (a
//! posting closing locks the same row, and closes its open proposals in the same
//! transaction); on SQLite the write lock is held from `BEGIN`. The one-proposal rule is
//! the unique index `ux_proposals_posting_freelancer`: a duplicate is `AlreadyApplied`.
//! Every change is a compare-and-set on the proposal's version, with its history entry
//! in the same transaction; a withdrawal declines the proposal's PENDING offer, and a
//! posting's close withdraws those of the proposals it closes, in that transaction too.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::actor::UserId;
use domain::agencies::AgencyId;
use domain::contracts::OfferStatus;
use domain::pagination::{Page, PageRequest};
use domain::postings::PostingId;
use domain::profiles::ProfileSkill;
use domain::proposals::{
    Pipeline, PipelineWrite, Proposal, ProposalChange, ProposalCursor, ProposalFilter, ProposalId,
    ProposalRepository, ProposalSort, ProposalStatus, StageId, StoredPipeline, SubmitWrite,
};
use domain::taxonomy::SkillId;
use domain::{DomainError, DomainResult};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr,
};
use uuid::Uuid;

use crate::entities::{
    freelancer_profile, freelancer_skill, offer, posting, proposal, proposal_change, proposal_stage,
};
use crate::errors::internal;
use crate::posting_rows::at_rest;
use crate::proposal_rows::{assemble, change_row, changed_columns, row, to_change, write_lists};

/// [`ProposalRepository`] on the application's database (PostgreSQL or SQLite).
#[derive(Clone)]
pub struct SeaProposalRepository {
    db: DatabaseConnection,
}

impl SeaProposalRepository {
    /// A repository on `db`'s pool.
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

/// The open states, as stored.
pub(crate) const OPEN: [&str; 4] = ["SUBMITTED", "SHORTLISTED", "IN_EVALUATION", "OFFERED"];

/// Writes the stage row of `p`: its stage when it has one, none otherwise.
async fn write_stage(db: &impl ConnectionTrait, p: &Proposal) -> DomainResult<()> {
    proposal_stage::Entity::delete_many()
        .filter(proposal_stage::Column::ProposalId.eq(p.id.0))
        .exec(db)
        .await
        .map_err(internal)?;
    if let Some(stage) = p.status.stage() {
        proposal_stage::Entity::insert(proposal_stage::ActiveModel {
            proposal_id: sea_orm::ActiveValue::Set(p.id.0),
            stage_id: sea_orm::ActiveValue::Set(stage.0),
        })
        .exec_without_returning(db)
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
    }
    Ok(())
}

/// In a write transaction: stores `p` at `expected + 1` if the stored one is still at
/// `expected`, with its lists (all of them when `terms_changed`, its stage otherwise)
/// and `change`. A proposal stored as WITHDRAWN declines its PENDING offer, with its
/// reason. `false` when the version moved on: nothing was written (the caller rolls
/// back, as it does on an error). The offers' writes use it too.
pub(crate) async fn write_step(
    db: &impl ConnectionTrait,
    p: &Proposal,
    expected: i64,
    change: &ProposalChange,
    terms_changed: bool,
) -> DomainResult<bool> {
    let updated = proposal::Entity::update_many()
        .set(changed_columns(p, expected + 1))
        .filter(proposal::Column::Id.eq(p.id.0))
        .filter(proposal::Column::Version.eq(expected))
        .exec(db)
        .await
        .map_err(internal)?;
    if updated.rows_affected == 0 {
        return Ok(false);
    }
    if terms_changed {
        write_lists(db, p, true).await?;
    } else {
        write_stage(db, p).await?;
    }
    proposal_change::Entity::insert(change_row(change))
        .exec_without_returning(db)
        .await
        .map_err(internal)?;
    if p.status == ProposalStatus::Withdrawn {
        end_pending_offers(
            db,
            &[p.id.0],
            OfferStatus::Declined,
            p.status_reason.clone(),
            p.updated_at,
        )
        .await?;
    }
    Ok(true)
}

/// The PENDING offers of `proposals` end as `status` with `reason` at `at`.
async fn end_pending_offers(
    db: &impl ConnectionTrait,
    proposals: &[Uuid],
    status: OfferStatus,
    reason: Option<String>,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    offer::Entity::update_many()
        .col_expr(offer::Column::Status, Expr::value(status.key()))
        .col_expr(offer::Column::StatusReason, Expr::value(reason))
        .col_expr(offer::Column::UpdatedAt, Expr::value(at_rest(at)))
        .filter(offer::Column::ProposalId.is_in(proposals.iter().copied()))
        .filter(offer::Column::Status.eq(OfferStatus::Pending.key()))
        .exec(db)
        .await
        .map_err(internal)?;
    Ok(())
}

/// In the transaction of a posting's close: every open proposal of `posting` becomes
/// CLOSED, leaves its stage and gets a history entry by `actor` (`None`: the platform);
/// their PENDING offers are withdrawn.
pub(crate) async fn close_open_proposals(
    db: &impl ConnectionTrait,
    posting: PostingId,
    at: DateTime<Utc>,
    actor: Option<UserId>,
) -> DomainResult<()> {
    // One statement decides which were open: a withdrawal or decline that commits
    // first (PostgreSQL re-reads a row it waited for) is final and left alone.
    let open: Vec<Uuid> = proposal::Entity::update_many()
        .col_expr(proposal::Column::Status, Expr::value("CLOSED"))
        .col_expr(proposal::Column::UpdatedAt, Expr::value(at))
        .col_expr(
            proposal::Column::Version,
            Expr::col(proposal::Column::Version).add(1),
        )
        .filter(proposal::Column::PostingId.eq(posting.0))
        .filter(proposal::Column::Status.is_in(OPEN))
        .exec_with_returning(db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|p| p.id)
        .collect();
    if open.is_empty() {
        return Ok(());
    }
    proposal_stage::Entity::delete_many()
        .filter(proposal_stage::Column::ProposalId.is_in(open.clone()))
        .exec(db)
        .await
        .map_err(internal)?;
    end_pending_offers(
        db,
        &open,
        OfferStatus::Withdrawn,
        Some("the posting closed".to_owned()),
        at,
    )
    .await?;
    let changes = open.into_iter().map(|id| {
        change_row(&ProposalChange {
            proposal_id: ProposalId(id),
            at,
            actor,
            kind: domain::proposals::ChangeKind::Closed,
            status: domain::proposals::ProposalStatus::Closed,
            stage_name: None,
            reason: None,
        })
    });
    proposal_change::Entity::insert_many(changes)
        .exec_without_returning(db)
        .await
        .map_err(internal)?;
    Ok(())
}

/// The filter of a posting's list.
fn of_posting_condition(posting: PostingId, filter: &ProposalFilter) -> Condition {
    let mut c = Condition::all().add(proposal::Column::PostingId.eq(posting.0));
    if !filter.statuses.is_empty() {
        c = c.add(proposal::Column::Status.is_in(filter.statuses.iter().copied()));
    }
    if let Some(stage) = filter.stage {
        c = c.add(
            proposal::Column::Id.in_subquery(
                Query::select()
                    .column(proposal_stage::Column::ProposalId)
                    .from(proposal_stage::Entity)
                    .and_where(proposal_stage::Column::StageId.eq(stage.0))
                    .to_owned(),
            ),
        );
    }
    c
}

/// A posting's proposals in `sort` order after `after` (the page's limit is the
/// caller's).
pub(crate) fn of_posting_query(
    posting: PostingId,
    filter: &ProposalFilter,
    sort: ProposalSort,
    after: Option<ProposalCursor>,
) -> sea_orm::Select<proposal::Entity> {
    use proposal::Column as C;
    let mut query = proposal::Entity::find().filter(of_posting_condition(posting, filter));
    // Keyset: after the cursor's row in the sort's order (its ID breaks ties).
    // Row values, so the index on (posting, key, id) serves the range.
    if let Some(after) = after {
        let past = match after {
            ProposalCursor::Newest(id) => Expr::col(C::Id).lt(id.0),
            ProposalCursor::Match { score, id } => {
                Expr::tuple([Expr::col(C::MatchScore), Expr::col(C::Id)]).lt(Expr::tuple([
                    Expr::value(i16::from(score)),
                    Expr::value(id.0),
                ]))
            }
            ProposalCursor::Bid { amount_minor, id } => {
                Expr::tuple([Expr::col(C::BidAmountMinor), Expr::col(C::Id)])
                    .gt(Expr::tuple([Expr::value(amount_minor), Expr::value(id.0)]))
            }
            ProposalCursor::Score { score, id } => {
                Expr::tuple([Expr::col(C::ScorecardScore), Expr::col(C::Id)])
                    .lt(Expr::tuple([Expr::value(score), Expr::value(id.0)]))
            }
        };
        query = query.filter(past);
    }
    query = match sort {
        ProposalSort::Newest => query.order_by_desc(C::Id),
        ProposalSort::Match => query.order_by_desc(C::MatchScore).order_by_desc(C::Id),
        ProposalSort::Bid => query.order_by_asc(C::BidAmountMinor).order_by_asc(C::Id),
        ProposalSort::Score => query.order_by_desc(C::ScorecardScore).order_by_desc(C::Id),
    };
    query
}

#[derive(FromQueryResult)]
struct SkillRow {
    user_id: Uuid,
    skill_id: Uuid,
    level: i16,
    years: i16,
}

#[async_trait]
impl ProposalRepository for SeaProposalRepository {
    async fn submit(
        &self,
        proposal: &Proposal,
        change: &ProposalChange,
    ) -> DomainResult<SubmitWrite> {
        let at = crate::posting_rows::at_rest(proposal.created_at);
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let active = posting::Entity::update_many()
            .col_expr(posting::Column::LastActivityAt, Expr::value(at))
            .filter(posting::Column::Id.eq(proposal.posting_id.0))
            .filter(posting::Column::Status.eq("OPEN"))
            .filter(
                Condition::any()
                    .add(posting::Column::Deadline.is_null())
                    .add(posting::Column::Deadline.gt(at)),
            )
            .exec(&txn)
            .await
            .map_err(internal)?;
        if active.rows_affected == 0 {
            txn.rollback().await.map_err(internal)?;
            return Ok(SubmitWrite::PostingNotOpen);
        }
        if let Err(e) = proposal::Entity::insert(row(proposal))
            .exec_without_returning(&txn)
            .await
        {
            txn.rollback().await.map_err(internal)?;
            return match e.sql_err() {
                Some(SqlErr::UniqueConstraintViolation(_)) => Ok(SubmitWrite::AlreadyApplied),
                _ => Err(internal(e)),
            };
        }
        write_lists(&txn, proposal, false).await?;
        proposal_change::Entity::insert(change_row(change))
            .exec_without_returning(&txn)
            .await
            .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        let stored = self.by_ids(&[proposal.id]).await?;
        stored
            .into_iter()
            .next()
            .map(|p| SubmitWrite::Written(Box::new(p)))
            .ok_or_else(|| DomainError::internal("a stored proposal went missing"))
    }

    async fn by_ids(&self, ids: &[ProposalId]) -> DomainResult<Vec<Proposal>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = proposal::Entity::find()
            .filter(proposal::Column::Id.is_in(ids.iter().map(|i| i.0)))
            .all(&self.db)
            .await
            .map_err(internal)?;
        assemble(&self.db, rows).await
    }

    async fn save(
        &self,
        p: &Proposal,
        expected: i64,
        change: &ProposalChange,
        terms_changed: bool,
    ) -> DomainResult<Option<Proposal>> {
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        match write_step(&txn, p, expected, change, terms_changed).await {
            Ok(true) => {}
            Ok(false) => {
                txn.rollback().await.map_err(internal)?;
                return Ok(None);
            }
            Err(e) => {
                txn.rollback().await.map_err(internal)?;
                return Err(e);
            }
        }
        txn.commit().await.map_err(internal)?;
        Ok(self.by_ids(&[p.id]).await?.into_iter().next())
    }

    async fn mark_viewed(&self, ids: &[ProposalId], at: DateTime<Utc>) -> DomainResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        proposal::Entity::update_many()
            .col_expr(proposal::Column::FirstViewedAt, Expr::value(at))
            .col_expr(
                proposal::Column::Version,
                Expr::col(proposal::Column::Version).add(1),
            )
            .filter(proposal::Column::Id.is_in(ids.iter().map(|i| i.0)))
            .filter(proposal::Column::FirstViewedAt.is_null())
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn of_posting(
        &self,
        posting: PostingId,
        filter: &ProposalFilter,
        sort: ProposalSort,
        page: &PageRequest<ProposalCursor>,
    ) -> DomainResult<Page<Proposal>> {
        let rows = of_posting_query(posting, filter, sort, page.after().copied())
            .limit(page.fetch_limit())
            .all(&self.db)
            .await
            .map_err(internal)?;
        let page_rows = Page::from_overfetch(rows, page);
        Ok(Page {
            has_next_page: page_rows.has_next_page,
            items: assemble(&self.db, page_rows.items).await?,
        })
    }

    async fn count_of_posting(
        &self,
        posting: PostingId,
        filter: &ProposalFilter,
    ) -> DomainResult<u64> {
        proposal::Entity::find()
            .filter(of_posting_condition(posting, filter))
            .count(&self.db)
            .await
            .map_err(internal)
    }

    async fn of_user(
        &self,
        user: UserId,
        agency: Option<AgencyId>,
        page: &PageRequest<ProposalId>,
    ) -> DomainResult<Page<Proposal>> {
        let mut mine = Condition::any().add(proposal::Column::FreelancerId.eq(user.0));
        if let Some(agency) = agency {
            mine = mine.add(proposal::Column::AgencyId.eq(agency.0));
        }
        let mut query = proposal::Entity::find().filter(mine);
        if let Some(after) = page.after() {
            query = query.filter(proposal::Column::Id.lt(after.0));
        }
        let rows = query
            .order_by_desc(proposal::Column::Id)
            .limit(page.fetch_limit())
            .all(&self.db)
            .await
            .map_err(internal)?;
        let page_rows = Page::from_overfetch(rows, page);
        Ok(Page {
            has_next_page: page_rows.has_next_page,
            items: assemble(&self.db, page_rows.items).await?,
        })
    }

    async fn histories(
        &self,
        ids: &[ProposalId],
    ) -> DomainResult<HashMap<ProposalId, Vec<ProposalChange>>> {
        let mut out: HashMap<ProposalId, Vec<ProposalChange>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        for row in proposal_change::Entity::find()
            .filter(proposal_change::Column::ProposalId.is_in(ids.iter().map(|i| i.0)))
            .order_by_asc(proposal_change::Column::ProposalId)
            .order_by_asc(proposal_change::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            let change = to_change(row)?;
            out.entry(change.proposal_id).or_default().push(change);
        }
        Ok(out)
    }

    async fn skills_of(
        &self,
        users: &[UserId],
    ) -> DomainResult<HashMap<UserId, Vec<ProfileSkill>>> {
        let mut out: HashMap<UserId, Vec<ProfileSkill>> = HashMap::new();
        if users.is_empty() {
            return Ok(out);
        }
        let rows = freelancer_skill::Entity::find()
            .select_only()
            .column(freelancer_skill::Column::SkillId)
            .column(freelancer_skill::Column::Level)
            .column(freelancer_skill::Column::Years)
            .column_as(freelancer_profile::Column::UserId, "user_id")
            .join(
                JoinType::InnerJoin,
                freelancer_skill::Entity::belongs_to(freelancer_profile::Entity)
                    .from(freelancer_skill::Column::ProfileId)
                    .to(freelancer_profile::Column::Id)
                    .into(),
            )
            .filter(freelancer_profile::Column::UserId.is_in(users.iter().map(|u| u.0)))
            .order_by_asc(freelancer_skill::Column::ProfileId)
            .order_by_asc(freelancer_skill::Column::Position)
            .into_model::<SkillRow>()
            .all(&self.db)
            .await
            .map_err(internal)?;
        for r in rows {
            out.entry(UserId(r.user_id))
                .or_default()
                .push(ProfileSkill {
                    skill_id: SkillId(r.skill_id),
                    level: u8::try_from(r.level).unwrap_or(0),
                    years: u8::try_from(r.years).unwrap_or(0),
                });
        }
        Ok(out)
    }

    async fn pipelines(
        &self,
        postings: &[PostingId],
    ) -> DomainResult<HashMap<PostingId, StoredPipeline>> {
        crate::pipelines_repo::pipelines(&self.db, postings).await
    }

    async fn save_pipeline(
        &self,
        posting: PostingId,
        expected: i64,
        after: &Pipeline,
    ) -> DomainResult<PipelineWrite> {
        crate::pipelines_repo::save_pipeline(&self.db, posting, expected, after).await
    }

    async fn has_proposal(&self, posting: PostingId, user: UserId) -> DomainResult<bool> {
        let found = proposal::Entity::find()
            .filter(proposal::Column::PostingId.eq(posting.0))
            .filter(proposal::Column::FreelancerId.eq(user.0))
            .count(&self.db)
            .await
            .map_err(internal)?;
        Ok(found > 0)
    }

    async fn count_in_stage(&self, stage: StageId) -> DomainResult<u64> {
        proposal_stage::Entity::find()
            .filter(proposal_stage::Column::StageId.eq(stage.0))
            .count(&self.db)
            .await
            .map_err(internal)
    }
}
