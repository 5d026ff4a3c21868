//! Interviews on SeaORM. A schedule or reschedule is one write transaction that first
//! serialises on its interviewers (on PostgreSQL a transaction-scoped advisory lock per
//! interviewer, taken in a fixed order so two writes never wait on each other in a
//! circle; on SQLite the write lock taken at `BEGIN`), then holds the proposal's row
//! (still open), then looks for an overlapping scheduled interview of any of them and
//! only then writes: so of concurrent overlapping schedules for one interviewer exactly
//! one lands. Other changes are a compare-and-set on the interview's version. Reads join
//! the stage and the interviewers' names: one statement for any number of proposals.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::actor::UserId;
use domain::proposals::{
    Interview, InterviewId, InterviewRepository, InterviewStatus, InterviewWrite, Interviewer,
    ProposalId, Stage, StageId, StageKind,
};
use domain::{DomainError, DomainResult};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    FromQueryResult, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::entities::{interview, interview_interviewer, proposal};
use crate::errors::internal;
use crate::posting_rows::at_rest;
use crate::proposals_repo::OPEN;
use crate::search_sql::Sql;

/// [`InterviewRepository`] on the application's database (PostgreSQL or SQLite).
#[derive(Clone)]
pub struct SeaInterviewRepository {
    db: DatabaseConnection,
}

impl SeaInterviewRepository {
    /// A repository on `db`'s pool.
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

/// The first key of the advisory locks on interviewers ("intv"); the second is the
/// interviewer's [`lock_key`].
const INTERVIEWER_LOCK: i32 = 0x696e_7476;

/// A 32-bit key for a user's advisory lock (FNV-1a of the UUID's bytes). Two users
/// may share one: they then take turns, which is safe.
fn lock_key(user: UserId) -> i32 {
    let hash = user.0.as_bytes().iter().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    });
    i32::from_ne_bytes(hash.to_ne_bytes())
}

/// On PostgreSQL, takes the advisory lock of each of `users` for the rest of the
/// transaction, in key order (the same order for every writer, so none waits in a
/// circle). SQLite's write transaction already holds the only write lock.
async fn lock_interviewers(db: &DatabaseTransaction, users: &[UserId]) -> DomainResult<()> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let mut keys: Vec<i32> = users.iter().copied().map(lock_key).collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        let mut sql = Sql::new(DbBackend::Postgres);
        let (space, key) = (sql.bind(INTERVIEWER_LOCK), sql.bind(key));
        sql.push(&format!("SELECT pg_advisory_xact_lock({space}, {key})"));
        db.execute_raw(sql.statement()).await.map_err(internal)?;
    }
    Ok(())
}

/// Whether the proposal is open, holding its row for the rest of the transaction (on
/// PostgreSQL `FOR SHARE`: a withdrawal, decline or close waits for this write).
pub(crate) async fn proposal_open(db: &impl ConnectionTrait, id: ProposalId) -> DomainResult<bool> {
    let status: Option<String> = proposal::Entity::find_by_id(id.0)
        .select_only()
        .column(proposal::Column::Status)
        .lock_shared()
        .into_tuple()
        .one(db)
        .await
        .map_err(internal)?;
    Ok(status.is_some_and(|s| OPEN.contains(&s.as_str())))
}

#[derive(FromQueryResult)]
struct BusyRow {
    user_id: Uuid,
}

/// Which of `users` have a scheduled interview of an open proposal overlapping
/// `[start, end)`, `except` aside.
async fn overlapping(
    db: &impl ConnectionTrait,
    users: &[UserId],
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    except: Option<InterviewId>,
) -> DomainResult<Vec<UserId>> {
    let mut sql = Sql::new(db.get_database_backend());
    let ids: Vec<Uuid> = users.iter().map(|u| u.0).collect();
    let list = sql.list(&ids);
    let open = sql.list(&OPEN);
    let (start, end) = (sql.bind(at_rest(start)), sql.bind(at_rest(end)));
    let except = match except {
        Some(id) => format!(" AND i.id <> {}", sql.bind(id.0)),
        None => String::new(),
    };
    sql.push(&format!(
        "SELECT DISTINCT ii.user_id AS user_id FROM interview_interviewers ii \
         JOIN interviews i ON i.id = ii.interview_id \
         JOIN proposals p ON p.id = i.proposal_id \
         WHERE ii.user_id IN ({list}) AND i.status = 'SCHEDULED' AND p.status IN ({open}) \
         AND i.starts_at < {end} AND i.ends_at > {start}{except}"
    ));
    let rows = BusyRow::find_by_statement(sql.statement())
        .all(db)
        .await
        .map_err(internal)?;
    Ok(rows.into_iter().map(|r| UserId(r.user_id)).collect())
}

/// One row per (interview, interviewer), with the stage as stored now.
#[derive(FromQueryResult)]
struct InterviewRow {
    id: Uuid,
    proposal_id: Uuid,
    stage_id: Uuid,
    stage_kind: String,
    stage_name: String,
    stage_position: i32,
    starts_at: DateTime<Utc>,
    duration_minutes: i32,
    time_zone: String,
    meeting_link: Option<String>,
    status: String,
    confirmed_at: Option<DateTime<Utc>>,
    cancel_reason: Option<String>,
    cancelled_at: Option<DateTime<Utc>>,
    scheduled_by: Uuid,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    interviewer_id: Uuid,
    interviewer_name: String,
}

/// Interviews with their stage and interviewers, earliest first, where `condition`
/// (on `i`) holds; one statement.
fn select(backend: DbBackend, condition: impl FnOnce(&mut Sql) -> String) -> Sql {
    let mut sql = Sql::new(backend);
    let condition = condition(&mut sql);
    sql.push(&format!(
        "SELECT i.id, i.proposal_id, i.stage_id, s.kind AS stage_kind, s.name AS stage_name, \
         s.position AS stage_position, i.starts_at, i.duration_minutes, i.time_zone, \
         i.meeting_link, i.status, i.confirmed_at, i.cancel_reason, i.cancelled_at, \
         i.scheduled_by, i.version, i.created_at, i.updated_at, \
         ii.user_id AS interviewer_id, u.display_name AS interviewer_name \
         FROM interviews i JOIN pipeline_stages s ON s.id = i.stage_id \
         JOIN interview_interviewers ii ON ii.interview_id = i.id \
         JOIN users u ON u.id = ii.user_id \
         WHERE {condition} ORDER BY i.starts_at, i.id, ii.position"
    ));
    sql
}

fn corrupt(what: &str) -> DomainError {
    DomainError::internal(format!("stored interview has an invalid {what}"))
}

/// Folds the rows (one per interviewer, an interview's rows together) into interviews.
fn assemble(rows: Vec<InterviewRow>) -> DomainResult<Vec<Interview>> {
    let mut out: Vec<Interview> = Vec::new();
    for r in rows {
        let interviewer = Interviewer {
            user_id: UserId(r.interviewer_id),
            display_name: r.interviewer_name,
        };
        if let Some(last) = out.last_mut().filter(|i| i.id.0 == r.id) {
            last.interviewers.push(interviewer);
            continue;
        }
        out.push(Interview {
            id: InterviewId(r.id),
            proposal_id: ProposalId(r.proposal_id),
            stage: Stage {
                id: StageId(r.stage_id),
                kind: StageKind::from_key(&r.stage_kind).ok_or_else(|| corrupt("stage kind"))?,
                name: r.stage_name,
            },
            stage_position: u32::try_from(r.stage_position).map_err(|_| corrupt("position"))?,
            starts_at: r.starts_at,
            duration_minutes: u16::try_from(r.duration_minutes).map_err(|_| corrupt("duration"))?,
            time_zone: r.time_zone,
            meeting_link: r.meeting_link,
            interviewers: vec![interviewer],
            status: InterviewStatus::from_key(&r.status).ok_or_else(|| corrupt("status"))?,
            confirmed_at: r.confirmed_at,
            cancel_reason: r.cancel_reason,
            cancelled_at: r.cancelled_at,
            scheduled_by: UserId(r.scheduled_by),
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        });
    }
    Ok(out)
}

fn row(i: &Interview) -> interview::ActiveModel {
    use sea_orm::ActiveValue::Set;
    interview::ActiveModel {
        id: Set(i.id.0),
        proposal_id: Set(i.proposal_id.0),
        stage_id: Set(i.stage.id.0),
        starts_at: Set(at_rest(i.starts_at)),
        ends_at: Set(at_rest(i.ends_at())),
        duration_minutes: Set(i32::from(i.duration_minutes)),
        time_zone: Set(i.time_zone.clone()),
        meeting_link: Set(i.meeting_link.clone()),
        status: Set(i.status.key().to_owned()),
        confirmed_at: Set(i.confirmed_at.map(at_rest)),
        cancel_reason: Set(i.cancel_reason.clone()),
        cancelled_at: Set(i.cancelled_at.map(at_rest)),
        scheduled_by: Set(i.scheduled_by.0),
        version: Set(i.version),
        created_at: Set(at_rest(i.created_at)),
        updated_at: Set(at_rest(i.updated_at)),
    }
}

/// What a write transaction decided before it was committed or rolled back.
enum Decided {
    Write,
    Refuse(InterviewWrite),
}

/// The checks every write of a time makes, in its transaction: the interviewers'
/// locks, the proposal's row, the overlaps.
async fn check_time(
    txn: &DatabaseTransaction,
    interview: &Interview,
    except: Option<InterviewId>,
) -> DomainResult<Decided> {
    let users: Vec<UserId> = interview.interviewers.iter().map(|i| i.user_id).collect();
    lock_interviewers(txn, &users).await?;
    if !proposal_open(txn, interview.proposal_id).await? {
        return Ok(Decided::Refuse(InterviewWrite::ProposalNotOpen));
    }
    let busy = overlapping(
        txn,
        &users,
        (interview.starts_at, interview.ends_at()),
        except,
    )
    .await?;
    if busy.is_empty() {
        Ok(Decided::Write)
    } else {
        Ok(Decided::Refuse(InterviewWrite::Busy(busy)))
    }
}

impl SeaInterviewRepository {
    /// Commits when `decided` is to write, else rolls back; the stored interview then.
    async fn finish(
        &self,
        txn: DatabaseTransaction,
        decided: DomainResult<Decided>,
        id: InterviewId,
    ) -> DomainResult<InterviewWrite> {
        match decided {
            Ok(Decided::Write) => {
                txn.commit().await.map_err(internal)?;
                let stored = self.by_ids(&[id]).await?.into_iter().next();
                let stored = stored.ok_or_else(|| DomainError::internal("interview not stored"))?;
                Ok(InterviewWrite::Written(Box::new(stored)))
            }
            Ok(Decided::Refuse(why)) => {
                txn.rollback().await.map_err(internal)?;
                Ok(why)
            }
            Err(e) => {
                txn.rollback().await.map_err(internal)?;
                Err(e)
            }
        }
    }
}

#[async_trait]
impl InterviewRepository for SeaInterviewRepository {
    async fn schedule(&self, i: &Interview) -> DomainResult<InterviewWrite> {
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let decided = async {
            if let Decided::Refuse(why) = check_time(&txn, i, None).await? {
                return Ok(Decided::Refuse(why));
            }
            let inserted = interview::Entity::insert(row(i))
                .exec_without_returning(&txn)
                .await;
            match inserted {
                Ok(_) => {}
                // The stage was removed meanwhile (the proposal's row is held).
                Err(e) if crate::errors::is_foreign_key_violation(&e) => {
                    return Ok(Decided::Refuse(InterviewWrite::StageGone));
                }
                Err(e) => return Err(internal(e)),
            }
            let interviewers = i.interviewers.iter().enumerate().map(|(n, who)| {
                interview_interviewer::ActiveModel {
                    interview_id: sea_orm::ActiveValue::Set(i.id.0),
                    user_id: sea_orm::ActiveValue::Set(who.user_id.0),
                    position: sea_orm::ActiveValue::Set(i16::try_from(n).unwrap_or(i16::MAX)),
                }
            });
            interview_interviewer::Entity::insert_many(interviewers)
                .exec_without_returning(&txn)
                .await
                .map_err(internal)?;
            Ok(Decided::Write)
        }
        .await;
        self.finish(txn, decided, i.id).await
    }

    async fn reschedule(&self, i: &Interview, expected: i64) -> DomainResult<InterviewWrite> {
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let decided = async {
            if let Decided::Refuse(why) = check_time(&txn, i, Some(i.id)).await? {
                return Ok(Decided::Refuse(why));
            }
            let moved = interview::Entity::update_many()
                .col_expr(
                    interview::Column::StartsAt,
                    Expr::value(at_rest(i.starts_at)),
                )
                .col_expr(interview::Column::EndsAt, Expr::value(at_rest(i.ends_at())))
                .col_expr(
                    interview::Column::DurationMinutes,
                    Expr::value(i32::from(i.duration_minutes)),
                )
                .col_expr(
                    interview::Column::TimeZone,
                    Expr::value(i.time_zone.clone()),
                )
                .col_expr(
                    interview::Column::MeetingLink,
                    Expr::value(i.meeting_link.clone()),
                )
                .col_expr(
                    interview::Column::ConfirmedAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(interview::Column::Version, Expr::value(expected + 1))
                .col_expr(
                    interview::Column::UpdatedAt,
                    Expr::value(at_rest(i.updated_at)),
                )
                .filter(interview::Column::Id.eq(i.id.0))
                .filter(interview::Column::Version.eq(expected))
                .filter(interview::Column::Status.eq(InterviewStatus::Scheduled.key()))
                .exec(&txn)
                .await
                .map_err(internal)?;
            if moved.rows_affected == 0 {
                return Ok(Decided::Refuse(InterviewWrite::Stale));
            }
            Ok(Decided::Write)
        }
        .await;
        self.finish(txn, decided, i.id).await
    }

    async fn save(&self, i: &Interview, expected: i64) -> DomainResult<Option<Interview>> {
        let moved = interview::Entity::update_many()
            .col_expr(interview::Column::Status, Expr::value(i.status.key()))
            .col_expr(
                interview::Column::ConfirmedAt,
                Expr::value(i.confirmed_at.map(at_rest)),
            )
            .col_expr(
                interview::Column::CancelReason,
                Expr::value(i.cancel_reason.clone()),
            )
            .col_expr(
                interview::Column::CancelledAt,
                Expr::value(i.cancelled_at.map(at_rest)),
            )
            .col_expr(interview::Column::Version, Expr::value(expected + 1))
            .col_expr(
                interview::Column::UpdatedAt,
                Expr::value(at_rest(i.updated_at)),
            )
            .filter(interview::Column::Id.eq(i.id.0))
            .filter(interview::Column::Version.eq(expected))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        if moved.rows_affected == 0 {
            return Ok(None);
        }
        Ok(self.by_ids(&[i.id]).await?.into_iter().next())
    }

    async fn by_ids(&self, ids: &[InterviewId]) -> DomainResult<Vec<Interview>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = ids.iter().map(|i| i.0).collect();
        let sql = select(self.db.get_database_backend(), |sql| {
            format!("i.id IN ({})", sql.list(&ids))
        });
        let rows = InterviewRow::find_by_statement(sql.statement())
            .all(&self.db)
            .await
            .map_err(internal)?;
        assemble(rows)
    }

    async fn of_proposals(
        &self,
        proposals: &[ProposalId],
    ) -> DomainResult<HashMap<ProposalId, Vec<Interview>>> {
        if proposals.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<Uuid> = proposals.iter().map(|p| p.0).collect();
        let sql = select(self.db.get_database_backend(), |sql| {
            format!("i.proposal_id IN ({})", sql.list(&ids))
        });
        let rows = InterviewRow::find_by_statement(sql.statement())
            .all(&self.db)
            .await
            .map_err(internal)?;
        let mut out: HashMap<ProposalId, Vec<Interview>> = HashMap::new();
        for i in assemble(rows)? {
            out.entry(i.proposal_id).or_default().push(i);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_keys_are_stable_and_spread() {
        let a = UserId(Uuid::from_u128(1));
        let b = UserId(Uuid::from_u128(2));
        assert_eq!(lock_key(a), lock_key(a));
        assert_ne!(lock_key(a), lock_key(b));
    }
}
