//! Proposals' message threads on SeaORM. A message is stored in one transaction with
//! the sender's read mark and (for an open proposal) the posting's activity, and only
//! while its proposal is as the domain read it, open or HIRED (its contract's thread):
//! the posting's row is written first and the proposal's row is then held (on
//! PostgreSQL `FOR SHARE`, in the order a posting's close takes them, so the two never
//! deadlock; on SQLite the write lock is held from `BEGIN`), so no message lands after
//! a concurrent change made the proposal final. Read marks move forwards only: an
//! upsert whose update applies only to a later message decides it in the database.
//! Reads of many threads take a fixed number of statements: pages through a window
//! function, the latest messages through a correlated subquery, unread counts through
//! one grouped join; all run unchanged on PostgreSQL and SQLite.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::actor::UserId;
use domain::proposals::access::Side;
use domain::proposals::{
    MessageId, MessageRepository, ProposalId, ProposalMessage, ProposalStatus, SendWrite,
    ThreadPage, ThreadState,
};
use domain::{DomainError, DomainResult};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::entities::{posting, proposal, proposal_message};
use crate::errors::internal;
use crate::posting_rows::at_rest;
use crate::proposals_repo::OPEN;
use crate::search_sql::Sql;

/// [`MessageRepository`] on the application's database (PostgreSQL or SQLite).
#[derive(Clone)]
pub struct SeaMessageRepository {
    db: DatabaseConnection,
}

impl SeaMessageRepository {
    /// A repository on `db`'s pool.
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

fn side_key(side: Side) -> &'static str {
    match side {
        Side::Client => "CLIENT",
        Side::Freelancer => "FREELANCER",
        #[allow(unreachable_patterns)]
        _ => "OTHER",
    }
}

fn to_message(m: proposal_message::Model) -> DomainResult<ProposalMessage> {
    let side = match m.side.as_str() {
        "CLIENT" => Side::Client,
        "FREELANCER" => Side::Freelancer,
        other => {
            return Err(DomainError::internal(format!(
                "stored message has an unknown side: {other}"
            )));
        }
    };
    Ok(ProposalMessage {
        id: MessageId(m.id),
        proposal_id: ProposalId(m.proposal_id),
        sender_id: UserId(m.sender_id),
        side,
        body: m.body,
        sent_at: m.sent_at,
    })
}

/// Moves `user`'s read mark on `proposal` to `up_to` unless it is there or later: one
/// upsert whose update applies only to a later message.
async fn upsert_mark(
    db: &impl ConnectionTrait,
    proposal: ProposalId,
    user: UserId,
    up_to: MessageId,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    let mut sql = Sql::new(db.get_database_backend());
    let values = [
        sql.bind(proposal.0),
        sql.bind(user.0),
        sql.bind(up_to.0),
        sql.bind(at_rest(at)),
    ]
    .join(", ");
    sql.push(&format!(
        "INSERT INTO proposal_message_reads (proposal_id, user_id, last_read_message_id, read_at) \
         VALUES ({values}) ON CONFLICT (proposal_id, user_id) DO UPDATE \
         SET last_read_message_id = excluded.last_read_message_id, read_at = excluded.read_at \
         WHERE proposal_message_reads.last_read_message_id < excluded.last_read_message_id"
    ));
    db.execute_raw(sql.statement()).await.map_err(internal)?;
    Ok(())
}

const MESSAGE_COLUMNS: &str = "id, proposal_id, sender_id, side, body, sent_at";

/// One statement for pages of different threads (at most one page per thread): each
/// thread's messages older than its page's `after`, newest first, numbered per thread
/// by a window function and cut at `fetch_limit`.
fn window_statement(backend: DbBackend, pages: &[ThreadPage], fetch_limit: u64) -> Sql {
    let mut sql = Sql::new(backend);
    let conditions: Vec<String> = pages
        .iter()
        .map(|p| {
            let thread = sql.bind(p.proposal.0);
            match p.after {
                Some(after) => {
                    let after = sql.bind(after.0);
                    format!("(m.proposal_id = {thread} AND m.id < {after})")
                }
                None => format!("(m.proposal_id = {thread})"),
            }
        })
        .collect();
    let limit = sql.bind(i64::try_from(fetch_limit).unwrap_or(i64::MAX));
    sql.push(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM (SELECT m.id, m.proposal_id, m.sender_id, m.side, \
         m.body, m.sent_at, ROW_NUMBER() OVER (PARTITION BY m.proposal_id ORDER BY m.id DESC) \
         AS rn FROM proposal_messages m WHERE {}) t WHERE t.rn <= {limit} \
         ORDER BY t.proposal_id, t.id DESC",
        conditions.join(" OR ")
    ));
    sql
}

#[derive(FromQueryResult)]
struct UnreadRow {
    proposal_id: Uuid,
    unread: i64,
}

#[async_trait]
impl MessageRepository for SeaMessageRepository {
    async fn send(&self, message: &ProposalMessage, state: ThreadState) -> DomainResult<SendWrite> {
        let at = at_rest(message.sent_at);
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let written = async {
            // Activity on an OPEN posting, never backwards; first, as a posting's
            // close takes the posting's row before its proposals' rows.
            if let ThreadState::Open {
                posting: posting_id,
            } = state
            {
                posting::Entity::update_many()
                    .col_expr(posting::Column::LastActivityAt, Expr::value(at))
                    .filter(posting::Column::Id.eq(posting_id.0))
                    .filter(posting::Column::Status.eq("OPEN"))
                    .filter(posting::Column::LastActivityAt.lt(at))
                    .exec(&txn)
                    .await
                    .map_err(internal)?;
            }
            let status: Option<String> = proposal::Entity::find_by_id(message.proposal_id.0)
                .select_only()
                .column(proposal::Column::Status)
                .lock_shared()
                .into_tuple()
                .one(&txn)
                .await
                .map_err(internal)?;
            let still = |s: &str| match state {
                ThreadState::Open { .. } => OPEN.contains(&s),
                ThreadState::Hired => s == ProposalStatus::Hired.key(),
            };
            if !status.is_some_and(|s| still(&s)) {
                return Ok(false);
            }
            proposal_message::Entity::insert(proposal_message::ActiveModel {
                id: sea_orm::ActiveValue::Set(message.id.0),
                proposal_id: sea_orm::ActiveValue::Set(message.proposal_id.0),
                sender_id: sea_orm::ActiveValue::Set(message.sender_id.0),
                side: sea_orm::ActiveValue::Set(side_key(message.side).to_owned()),
                body: sea_orm::ActiveValue::Set(message.body.clone()),
                sent_at: sea_orm::ActiveValue::Set(at),
            })
            .exec_without_returning(&txn)
            .await
            .map_err(internal)?;
            upsert_mark(&txn, message.proposal_id, message.sender_id, message.id, at).await?;
            Ok::<bool, DomainError>(true)
        }
        .await;
        match written {
            Ok(true) => {
                txn.commit().await.map_err(internal)?;
                Ok(SendWrite::Sent(ProposalMessage {
                    sent_at: at,
                    ..message.clone()
                }))
            }
            Ok(false) => {
                txn.rollback().await.map_err(internal)?;
                Ok(SendWrite::ProposalNotOpen)
            }
            Err(e) => {
                txn.rollback().await.map_err(internal)?;
                Err(e)
            }
        }
    }

    async fn pages(
        &self,
        pages: &[ThreadPage],
        fetch_limit: u64,
    ) -> DomainResult<HashMap<ThreadPage, Vec<ProposalMessage>>> {
        let mut out: HashMap<ThreadPage, Vec<ProposalMessage>> = HashMap::new();
        // Rounds of at most one page per thread (a thread asked for twice, with two
        // cursors, takes a second round): as many statements as the most pages any one
        // thread was asked for, however many threads.
        let mut rest: Vec<ThreadPage> = pages.to_vec();
        rest.sort_by_key(|p| (p.proposal, p.after, p.first));
        rest.dedup();
        while !rest.is_empty() {
            let mut round: Vec<ThreadPage> = Vec::new();
            let mut later = Vec::new();
            for page in rest {
                if round.iter().any(|p| p.proposal == page.proposal) {
                    later.push(page);
                } else {
                    round.push(page);
                }
            }
            rest = later;
            if fetch_limit == 0 {
                for page in round {
                    out.insert(page, Vec::new());
                }
                continue;
            }
            let sql = window_statement(self.db.get_database_backend(), &round, fetch_limit);
            let rows = proposal_message::Model::find_by_statement(sql.statement())
                .all(&self.db)
                .await
                .map_err(internal)?;
            let mut by_thread: HashMap<ProposalId, Vec<ProposalMessage>> = HashMap::new();
            for row in rows {
                let m = to_message(row)?;
                by_thread.entry(m.proposal_id).or_default().push(m);
            }
            for page in round {
                out.insert(page, by_thread.remove(&page.proposal).unwrap_or_default());
            }
        }
        Ok(out)
    }

    async fn last_messages(
        &self,
        proposals: &[ProposalId],
    ) -> DomainResult<HashMap<ProposalId, ProposalMessage>> {
        if proposals.is_empty() {
            return Ok(HashMap::new());
        }
        let mut sql = Sql::new(self.db.get_database_backend());
        let ids: Vec<Uuid> = proposals.iter().map(|p| p.0).collect();
        let list = sql.list(&ids);
        sql.push(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM proposal_messages m WHERE m.proposal_id IN ({list}) \
             AND m.id = (SELECT l.id FROM proposal_messages l \
             WHERE l.proposal_id = m.proposal_id ORDER BY l.id DESC LIMIT 1)"
        ));
        let rows = proposal_message::Model::find_by_statement(sql.statement())
            .all(&self.db)
            .await
            .map_err(internal)?;
        rows.into_iter()
            .map(|row| to_message(row).map(|m| (m.proposal_id, m)))
            .collect()
    }

    async fn unread_counts(
        &self,
        user: UserId,
        proposals: &[ProposalId],
    ) -> DomainResult<HashMap<ProposalId, u64>> {
        if proposals.is_empty() {
            return Ok(HashMap::new());
        }
        let mut sql = Sql::new(self.db.get_database_backend());
        let me = sql.bind(user.0);
        let ids: Vec<Uuid> = proposals.iter().map(|p| p.0).collect();
        let list = sql.list(&ids);
        sql.push(&format!(
            "SELECT m.proposal_id AS proposal_id, COUNT(*) AS unread FROM proposal_messages m \
             LEFT JOIN proposal_message_reads r \
             ON r.proposal_id = m.proposal_id AND r.user_id = {me} \
             WHERE m.proposal_id IN ({list}) AND m.sender_id <> {me} \
             AND (r.last_read_message_id IS NULL OR m.id > r.last_read_message_id) \
             GROUP BY m.proposal_id"
        ));
        let rows = UnreadRow::find_by_statement(sql.statement())
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    ProposalId(r.proposal_id),
                    u64::try_from(r.unread).unwrap_or(0),
                )
            })
            .collect())
    }

    async fn message(&self, id: MessageId) -> DomainResult<Option<ProposalMessage>> {
        proposal_message::Entity::find_by_id(id.0)
            .one(&self.db)
            .await
            .map_err(internal)?
            .map(to_message)
            .transpose()
    }

    async fn mark_read(
        &self,
        proposal: ProposalId,
        user: UserId,
        up_to: MessageId,
        at: DateTime<Utc>,
    ) -> DomainResult<()> {
        upsert_mark(&self.db, proposal, user, up_to, at).await
    }
}
