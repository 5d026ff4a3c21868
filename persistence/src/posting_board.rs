//! The posting board on SQL: proposal counts by state, bid statistics and invitation
//! counts for a batch of postings (three statements whatever the batch), when clients
//! were last active (two), and a client's own postings (one, then the postings' own
//! batch read).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::money::{Currency, Money};
use domain::pagination::{Page, PageRequest};
use domain::postings::{
    BidStats, Posting, PostingBoardRepository, PostingId, PostingRepository, PostingStats,
    PostingStatus,
};
use domain::{DomainError, DomainResult, UserId};
use sea_orm::{ConnectionTrait, DatabaseConnection, Value};
use uuid::Uuid;

use crate::errors::internal;
use crate::search_sql::Sql;

pub struct SeaPostingBoard {
    db: DatabaseConnection,
    postings: Arc<dyn PostingRepository>,
}

impl SeaPostingBoard {
    /// `postings` reads whole postings for a page of the dashboard.
    pub fn new(db: &crate::Db, postings: Arc<dyn PostingRepository>) -> Self {
        Self {
            db: db.connection().clone(),
            postings,
        }
    }
}

/// ` FROM postings WHERE` a client's postings in `statuses` (all when empty). Closed
/// postings are one state whatever the reason.
fn client_postings(sql: &mut Sql, client: UserId, statuses: &[PostingStatus]) {
    let c = sql.bind(client.0);
    sql.push(&format!(" FROM postings WHERE client_id = {c}"));
    if !statuses.is_empty() {
        let mut keys: Vec<String> = statuses.iter().map(|s| s.key().to_owned()).collect();
        keys.sort();
        keys.dedup();
        let list = sql.list(&keys);
        sql.push(&format!(" AND status IN ({list})"));
    }
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[async_trait]
impl PostingBoardRepository for SeaPostingBoard {
    async fn stats(&self, ids: &[PostingId]) -> DomainResult<HashMap<PostingId, PostingStats>> {
        let mut out: HashMap<PostingId, PostingStats> = ids
            .iter()
            .map(|id| (*id, PostingStats::default()))
            .collect();
        if ids.is_empty() {
            return Ok(out);
        }
        let backend = self.db.get_database_backend();
        let uuids: Vec<Uuid> = ids.iter().map(|i| i.0).collect();

        let mut sql = Sql::new(backend);
        let list = sql.list(&uuids);
        sql.push(&format!(
            "SELECT posting_id, status, COUNT(*) AS n FROM proposals \
             WHERE posting_id IN ({list}) GROUP BY posting_id, status"
        ));
        for row in self
            .db
            .query_all_raw(sql.statement())
            .await
            .map_err(internal)?
        {
            let id: Uuid = row.try_get("", "posting_id").map_err(internal)?;
            let status: String = row.try_get("", "status").map_err(internal)?;
            let n: i64 = row.try_get("", "n").map_err(internal)?;
            let stats = out.entry(PostingId(id)).or_default();
            if !stats.proposals.add(&status, count(n)) {
                return Err(DomainError::internal(format!(
                    "unknown proposal status {status}"
                )));
            }
        }

        // Bids are made in the posting's currency; withdrawn proposals do not count.
        let mut sql = Sql::new(backend);
        let list = sql.list(&uuids);
        sql.push(&format!(
            "SELECT posting_id, bid_currency, COUNT(*) AS n, MIN(bid_amount_minor) AS lo, \
             MAX(bid_amount_minor) AS hi, CAST(SUM(bid_amount_minor) AS BIGINT) AS total FROM proposals \
             WHERE posting_id IN ({list}) AND status <> 'WITHDRAWN' \
             GROUP BY posting_id, bid_currency"
        ));
        for row in self
            .db
            .query_all_raw(sql.statement())
            .await
            .map_err(internal)?
        {
            let id: Uuid = row.try_get("", "posting_id").map_err(internal)?;
            let currency: String = row.try_get("", "bid_currency").map_err(internal)?;
            let currency = Currency::parse(&currency).map_err(DomainError::internal)?;
            let n: i64 = row.try_get("", "n").map_err(internal)?;
            let lo: i64 = row.try_get("", "lo").map_err(internal)?;
            let hi: i64 = row.try_get("", "hi").map_err(internal)?;
            let total: i64 = row.try_get("", "total").map_err(internal)?;
            let money = |amount_minor| Money {
                amount_minor,
                currency,
            };
            // Rounded half away from zero: amounts are positive.
            let avg = (total + n / 2) / n.max(1);
            out.entry(PostingId(id)).or_default().bids = Some(BidStats {
                count: count(n),
                min: money(lo),
                avg: money(avg),
                max: money(hi),
            });
        }

        let mut sql = Sql::new(backend);
        let list = sql.list(&uuids);
        sql.push(&format!(
            "SELECT id, invite_count FROM postings WHERE id IN ({list})"
        ));
        for row in self
            .db
            .query_all_raw(sql.statement())
            .await
            .map_err(internal)?
        {
            let id: Uuid = row.try_get("", "id").map_err(internal)?;
            let n: i32 = row.try_get("", "invite_count").map_err(internal)?;
            out.entry(PostingId(id)).or_default().invitations =
                u32::try_from(n).unwrap_or_default();
        }
        Ok(out)
    }

    async fn last_active(&self, users: &[UserId]) -> DomainResult<HashMap<UserId, DateTime<Utc>>> {
        let mut out: HashMap<UserId, DateTime<Utc>> = HashMap::new();
        if users.is_empty() {
            return Ok(out);
        }
        let backend = self.db.get_database_backend();
        let uuids: Vec<Uuid> = users.iter().map(|u| u.0).collect();
        for (table, user_col, at_col) in [
            ("sessions", "user_id", "last_seen_at"),
            ("postings", "client_id", "last_activity_at"),
        ] {
            let mut sql = Sql::new(backend);
            let list = sql.list(&uuids);
            // Only what the public sees counts as public activity: no drafts, no
            // invite-only postings.
            let public = if table == "postings" {
                " AND status <> 'DRAFT' AND visibility = 'PUBLIC'"
            } else {
                ""
            };
            sql.push(&format!(
                "SELECT {user_col} AS u, MAX({at_col}) AS at FROM {table} \
                 WHERE {user_col} IN ({list}){public} GROUP BY {user_col}"
            ));
            for row in self
                .db
                .query_all_raw(sql.statement())
                .await
                .map_err(internal)?
            {
                let user: Uuid = row.try_get("", "u").map_err(internal)?;
                let at: DateTime<Utc> = row.try_get("", "at").map_err(internal)?;
                out.entry(UserId(user))
                    .and_modify(|seen| *seen = (*seen).max(at))
                    .or_insert(at);
            }
        }
        Ok(out)
    }

    async fn count_of_client(
        &self,
        client: UserId,
        statuses: &[PostingStatus],
    ) -> DomainResult<u64> {
        let mut sql = Sql::new(self.db.get_database_backend());
        sql.push("SELECT COUNT(*) AS n");
        client_postings(&mut sql, client, statuses);
        crate::search_sql::run_count(&self.db, sql.statement()).await
    }

    async fn of_client(
        &self,
        client: UserId,
        statuses: &[PostingStatus],
        page: &PageRequest<PostingId>,
    ) -> DomainResult<Page<Posting>> {
        if page.first() == 0 {
            return Ok(Page {
                items: Vec::new(),
                has_next_page: false,
            });
        }
        let mut sql = Sql::new(self.db.get_database_backend());
        sql.push("SELECT id");
        client_postings(&mut sql, client, statuses);
        if let Some(after) = page.after() {
            let a = sql.bind(after.0);
            sql.push(&format!(" AND id < {a}"));
        }
        let limit = sql.bind(Value::from(
            i64::try_from(page.fetch_limit()).unwrap_or(i64::MAX),
        ));
        sql.push(&format!(" ORDER BY id DESC LIMIT {limit}"));
        let ids = self
            .db
            .query_all_raw(sql.statement())
            .await
            .map_err(internal)?
            .iter()
            .map(|row| row.try_get::<Uuid>("", "id").map(PostingId))
            .collect::<Result<Vec<_>, _>>()
            .map_err(internal)?;
        let page_ids = Page::from_overfetch(ids, page);
        let mut found: HashMap<PostingId, Posting> = self
            .postings
            .by_ids(&page_ids.items)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        Ok(Page {
            items: page_ids
                .items
                .iter()
                .filter_map(|id| found.remove(id))
                .collect(),
            has_next_page: page_ids.has_next_page,
        })
    }
}
