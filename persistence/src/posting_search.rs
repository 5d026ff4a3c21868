//! Posting search on SQL, built like talent and agency search: one statement per page
//! over public open postings, full text through each back end's index, keyset pages.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use domain::pagination::{Page, PageRequest};
use domain::postings::{
    BudgetKind, ExperienceLevel, HireType, PostingFilter, PostingHit, PostingId, PostingIndex,
    RANKED_MATCHES, Workplace,
};
use domain::profiles::{ResultOrder, TalentCursor};
use domain::{DomainError, DomainResult};
use sea_orm::{DatabaseConnection, DbBackend, QueryResult, Statement, Value};
use uuid::Uuid;

use crate::posting_rows::{budget_kind_key, experience_key, hire_type_key, workplace_key};
use crate::search_sql::{
    FullText, Key, Sql, keyset, run_count, run_page, skill_conditions, text_query,
};

#[derive(Clone)]
pub struct SeaPostingIndex {
    pub(crate) db: DatabaseConnection,
    /// How many of the newest matches relevance ranks ([`RANKED_MATCHES`]).
    ranked: u64,
}

impl SeaPostingIndex {
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
            ranked: RANKED_MATCHES,
        }
    }

    /// Ranks only the newest `ranked` matches (tests page across the end of them).
    #[cfg(test)]
    pub(crate) fn ranking(mut self, ranked: u64) -> Self {
        self.ranked = ranked.max(1);
        self
    }
}

fn keys<T: Copy>(items: &[T], key: fn(T) -> &'static str) -> Vec<String> {
    items.iter().map(|i| key(*i).to_owned()).collect()
}

const POSTINGS: FullText = FullText {
    table: "postings",
    alias: "p",
    fts: "postings_fts",
    keys: "posting_search_keys",
    key_id: "posting_id",
};

/// `FROM ... WHERE ...` for searchable postings matching `filter` at `now`; on
/// PostgreSQL returns the text query's placeholder for the rank.
fn from_where(sql: &mut Sql, filter: &PostingFilter, now: DateTime<Utc>) -> Option<String> {
    let query = filter
        .text
        .as_ref()
        .map(|t| text_query(sql.backend, t.words()));
    POSTINGS.from(sql, query.is_some());
    // The same condition the search indexes are partial on, word for word.
    sql.push(" WHERE p.status = 'OPEN' AND p.visibility = 'PUBLIC'");
    // Set on publishing; said here so no order meets a null publication time.
    sql.push(" AND p.published_at IS NOT NULL");
    let now_v = sql.bind(now);
    sql.push(&format!(
        " AND (p.deadline IS NULL OR p.deadline > {now_v})"
    ));
    let tsquery = query.and_then(|q| POSTINGS.matches(sql, q));
    skill_conditions(
        sql,
        "posting_skills",
        "posting_id",
        "p.id",
        &filter.skills_all,
        &filter.skills_any,
    );
    if let Some(c) = filter.category {
        let c = sql.bind(c.0);
        sql.push(&format!(" AND p.category_id = {c}"));
    }
    if !filter.hire_types.is_empty() {
        let list = sql.list(&keys(&filter.hire_types, hire_type_key));
        sql.push(&format!(" AND p.hire_type IN ({list})"));
    }
    if !filter.experience_levels.is_empty() {
        let list = sql.list(&keys(&filter.experience_levels, experience_key));
        sql.push(&format!(" AND p.experience IN ({list})"));
    }
    if !filter.workplaces.is_empty() {
        let list = sql.list(&keys(&filter.workplaces, workplace_key));
        sql.push(&format!(" AND p.workplace IN ({list})"));
    }
    if let Some(b) = &filter.budget {
        let c = sql.bind(b.currency.code());
        sql.push(&format!(" AND p.budget_currency = {c}"));
        if let Some(kind) = b.kind {
            let k = sql.bind(budget_kind_key(kind));
            sql.push(&format!(" AND p.budget_kind = {k}"));
        }
        // Ranges overlap: the posting's top reaches the least wanted, and its bottom is
        // within the most.
        if let Some(min) = b.min_minor {
            let v = sql.bind(min);
            sql.push(&format!(" AND p.budget_max_minor >= {v}"));
        }
        if let Some(max) = b.max_minor {
            let v = sql.bind(max);
            sql.push(&format!(" AND p.budget_min_minor <= {v}"));
        }
    }
    if !filter.countries.is_empty() {
        // Postings naming no country are open to all; codes are two capital letters, so a
        // `,XX,` pattern matches exactly one code.
        let mut any = vec!["p.countries_key = ''".to_owned()];
        for c in &filter.countries {
            let pattern = sql.bind(format!("%,{c},%"));
            any.push(format!("p.countries_key LIKE {pattern}"));
        }
        sql.push(&format!(" AND ({})", any.join(" OR ")));
    }
    if let Some(offset) = filter.utc_offset {
        let o = sql.bind(i32::from(offset));
        sql.push(&format!(
            " AND (p.tz_offset_min IS NULL OR (p.tz_offset_min <= {o} AND p.tz_offset_max >= {o}))"
        ));
    }
    if let Some(days) = filter.posted_within_days {
        let since = sql.bind(now - TimeDelta::days(i64::from(days)));
        sql.push(&format!(" AND p.published_at >= {since}"));
    }
    if let Some(after) = filter.published_after {
        let v = sql.bind(after);
        sql.push(&format!(" AND p.published_at > {v}"));
    }
    if let Some(before) = filter.published_before {
        let v = sql.bind(before);
        sql.push(&format!(" AND p.published_at <= {v}"));
    }
    if let Some(n) = filter.proposals_fewer_than {
        let v = sql.bind(i64::from(n));
        sql.push(&format!(" AND p.proposal_count < {v}"));
    }
    if let Some(r) = filter.client_min_rating {
        let v = sql.bind(r);
        sql.push(&format!(
            " AND EXISTS (SELECT 1 FROM client_profiles cp WHERE cp.user_id = p.client_id \
             AND cp.rating_avg >= {v})"
        ));
    }
    if let Some(user) = filter.not_by {
        let v = sql.bind(user.0);
        sql.push(&format!(" AND p.client_id <> {v}"));
    }
    tsquery
}

/// The statement for one page: exactly what `search` runs (relevance ranking the
/// newest [`RANKED_MATCHES`]).
pub fn search_statement(
    backend: DbBackend,
    filter: &PostingFilter,
    order: ResultOrder,
    page: &PageRequest<TalentCursor>,
    now: DateTime<Utc>,
) -> Statement {
    statement(backend, filter, order, page, now, RANKED_MATCHES)
}

fn statement(
    backend: DbBackend,
    filter: &PostingFilter,
    order: ResultOrder,
    page: &PageRequest<TalentCursor>,
    now: DateTime<Utc>,
    ranked: u64,
) -> Statement {
    let (keys, descending) = match order {
        ResultOrder::Rank => {
            return ranked_statement(
                backend,
                filter,
                page.after(),
                page.fetch_limit(),
                now,
                ranked,
            );
        }
        // Highest budget first within a currency; currencies in reverse code order (any
        // fixed order would do: amounts in different currencies are never compared).
        ResultOrder::Rate => (
            vec![
                Key::fixed("1", "k_has"),
                Key::ordered("p.budget_currency", "k_currency"),
                Key::ordered("p.budget_max_minor", "k_minor"),
            ],
            true,
        ),
        ResultOrder::Newest | ResultOrder::Rating => {
            (vec![Key::ordered("p.published_at", "k_published")], true)
        }
    };
    let mut inner = Sql::new(backend);
    from_where(&mut inner, filter, now);
    let after = page.after().and_then(cursor_values);
    keyset(inner, "p.id", &keys, descending, after, page.fetch_limit())
}

/// A page in relevance order: the newest `ranked` matches by rank (best first, then by
/// ID), then the older matches newest first. A cursor in the ranked part is a `Rank`
/// one; past it, a `Newest` one (only older matches follow). Columns: `k_tier` (0
/// ranked, 1 older), `id`, `k_rank` (null past the ranked part), `k_published`.
///
/// Reads at most `ranked` matches to rank, found newest first through the publication
/// index (or, for a rare word, through the full-text index), and `limit` older ones.
fn ranked_statement(
    backend: DbBackend,
    filter: &PostingFilter,
    after: Option<&TalentCursor>,
    limit: u64,
    now: DateTime<Utc>,
    ranked: u64,
) -> Statement {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let ranked = i64::try_from(ranked).unwrap_or(i64::MAX);
    if let Some(TalentCursor::Newest { at, id }) = after {
        let mut sql = Sql::new(backend);
        let bound = format!("({}, {})", sql.bind(*at), sql.bind(*id));
        sql.push("SELECT o.* FROM (");
        older_matches(&mut sql, filter, now, &bound, limit);
        sql.push(") o ORDER BY o.k_published DESC, o.id DESC");
        return sql.statement();
    }
    let mut inner = Sql::new(backend);
    let tsquery = from_where(&mut inner, filter, now);
    // PostgreSQL ranks only the candidates, outside the statement that finds them;
    // SQLite's bm25 is read where the full-text table is matched.
    let (carried, rank) = match backend {
        DbBackend::Postgres => (
            "p.search_vector AS k_sv".to_owned(),
            format!(
                "-(ts_rank(c.k_sv, to_tsquery('english', {}))::float8)",
                tsquery.unwrap_or_default()
            ),
        ),
        _ => (
            "bm25(postings_fts, 10.0, 8.0, 1.0) AS k_rank".to_owned(),
            "c.k_rank".to_owned(),
        ),
    };
    let n = inner.bind(ranked);
    let mut sql = Sql {
        backend,
        text: format!(
            "WITH c AS MATERIALIZED (SELECT p.id AS id, p.published_at AS k_published, \
             {carried}{} ORDER BY p.published_at DESC, p.id DESC LIMIT {n}) \
             SELECT u.* FROM (SELECT t.* FROM (SELECT r.* FROM (SELECT 0 AS k_tier, c.id AS id, \
             {rank} AS k_rank, c.k_published AS k_published FROM c) r",
            inner.text
        ),
        values: inner.values,
    };
    if let Some(TalentCursor::Rank { rank, id }) = after {
        let (r, i) = (sql.bind(*rank), sql.bind(*id));
        sql.push(&format!(" WHERE (r.k_rank, r.id) > ({r}, {i})"));
    }
    let l = sql.bind(limit);
    sql.push(&format!(
        " ORDER BY r.k_rank, r.id LIMIT {l}) t UNION ALL SELECT o.* FROM ("
    ));
    // Older than the oldest candidate: nothing when the candidates are every match.
    older_matches(
        &mut sql,
        filter,
        now,
        "(SELECT c.k_published, c.id FROM c ORDER BY c.k_published, c.id LIMIT 1)",
        limit,
    );
    sql.push(&format!(
        ") o) u ORDER BY u.k_tier, u.k_rank, CASE WHEN u.k_tier = 0 THEN u.id END, \
         u.k_published DESC, u.id DESC LIMIT {l}"
    ));
    sql.statement()
}

/// `SELECT 1 AS k_tier, ...` of matches published before `bound` (a row value of
/// publication time and ID), newest first, at most `limit` (bound as a placeholder).
fn older_matches(
    sql: &mut Sql,
    filter: &PostingFilter,
    now: DateTime<Utc>,
    bound: &str,
    limit: i64,
) {
    let null_rank = match sql.backend {
        DbBackend::Postgres => "NULL::float8",
        _ => "NULL",
    };
    sql.push(&format!(
        "SELECT 1 AS k_tier, p.id AS id, {null_rank} AS k_rank, p.published_at AS k_published"
    ));
    from_where(sql, filter, now);
    let l = sql.bind(limit);
    sql.push(&format!(
        " AND (p.published_at, p.id) < {bound} \
         ORDER BY p.published_at DESC, p.id DESC LIMIT {l}"
    ));
}

/// The key values of a posting cursor: every key, then the ID.
fn cursor_values(cursor: &TalentCursor) -> Option<Vec<Value>> {
    match cursor {
        TalentCursor::Newest { at, id } => Some(vec![Value::from(*at), Value::from(*id)]),
        TalentCursor::Rate {
            currency,
            minor,
            id,
            ..
        } => Some(vec![
            Value::from(1i32),
            Value::from(currency.clone()),
            Value::from(*minor),
            Value::from(*id),
        ]),
        // Relevance pages are not keyset pages (see `ranked_statement`).
        TalentCursor::Rank { .. } | TalentCursor::Rating { .. } => None,
    }
}

fn read_cursor(order: ResultOrder, row: &QueryResult) -> Result<TalentCursor, sea_orm::DbErr> {
    let id: Uuid = row.try_get("", "id")?;
    Ok(match order {
        // Past the ranked matches, the older ones follow newest first.
        ResultOrder::Rank if row.try_get::<i32>("", "k_tier")? == 1 => TalentCursor::Newest {
            at: row.try_get("", "k_published")?,
            id,
        },
        ResultOrder::Rank => TalentCursor::Rank {
            rank: row.try_get("", "k_rank")?,
            id,
        },
        ResultOrder::Rate => TalentCursor::Rate {
            has_rate: true,
            currency: row.try_get("", "k_currency")?,
            minor: row.try_get("", "k_minor")?,
            id,
        },
        ResultOrder::Newest | ResultOrder::Rating => TalentCursor::Newest {
            at: row.try_get("", "k_published")?,
            id,
        },
    })
}

/// Typical posting searches over seeded data: what the index check and the benchmark
/// run.
pub fn typical_searches() -> Vec<(&'static str, PostingFilter, ResultOrder)> {
    use domain::money::Currency;
    use domain::postings::BudgetRange;
    use domain::profiles::SearchWords;
    use domain::taxonomy::{CategoryId, SkillId};
    let skill = |slug: &str| SkillId(crate::migration::skill_id(slug));
    let usd = Currency::parse("USD").ok();
    vec![
        (
            "postings: newest, no filter",
            PostingFilter::default(),
            ResultOrder::Newest,
        ),
        (
            "postings: text \"postgres\", relevance",
            PostingFilter {
                text: SearchWords::parse("postgres").ok().flatten(),
                ..PostingFilter::default()
            },
            ResultOrder::Rank,
        ),
        (
            "postings: rust AND postgresql, newest",
            PostingFilter {
                skills_all: vec![skill("rust"), skill("postgresql")],
                ..PostingFilter::default()
            },
            ResultOrder::Newest,
        ),
        (
            "postings: backend category, posted within 7 days, newest",
            PostingFilter {
                category: Some(CategoryId(crate::migration::category_id(
                    "backend-development",
                ))),
                posted_within_days: Some(7),
                ..PostingFilter::default()
            },
            ResultOrder::Newest,
        ),
        (
            "postings: USD hourly 50-100, highest budget",
            PostingFilter {
                budget: usd.map(|currency| BudgetRange {
                    kind: Some(BudgetKind::Hourly),
                    currency,
                    min_minor: Some(5_000),
                    max_minor: Some(10_000),
                }),
                ..PostingFilter::default()
            },
            ResultOrder::Rate,
        ),
        (
            "postings: remote, full time or contract-to-hire, expert, newest",
            PostingFilter {
                workplaces: vec![Workplace::Remote],
                hire_types: vec![HireType::FullTime, HireType::ContractToHire],
                experience_levels: vec![ExperienceLevel::Expert],
                ..PostingFilter::default()
            },
            ResultOrder::Newest,
        ),
        (
            "postings: open to DE, UTC+1, fewer than 5 proposals, newest",
            PostingFilter {
                countries: vec!["DE".into()],
                utc_offset: Some(60),
                proposals_fewer_than: Some(5),
                ..PostingFilter::default()
            },
            ResultOrder::Newest,
        ),
        (
            "postings: text \"api\" + python, relevance",
            PostingFilter {
                text: SearchWords::parse("api").ok().flatten(),
                skills_any: vec![skill("python")],
                ..PostingFilter::default()
            },
            ResultOrder::Rank,
        ),
    ]
}

#[async_trait]
impl PostingIndex for SeaPostingIndex {
    async fn search(
        &self,
        filter: &PostingFilter,
        order: ResultOrder,
        page: &PageRequest<TalentCursor>,
        now: DateTime<Utc>,
    ) -> DomainResult<Page<PostingHit>> {
        let consistent = match (order, page.after()) {
            (
                ResultOrder::Rank,
                None | Some(TalentCursor::Rank { .. } | TalentCursor::Newest { .. }),
            ) => filter.text.is_some(),
            (ResultOrder::Rate, None | Some(TalentCursor::Rate { .. }))
            | (ResultOrder::Newest, None | Some(TalentCursor::Newest { .. })) => true,
            _ => false,
        };
        if !consistent {
            return Err(DomainError::internal(
                "postings order by relevance (with text), budget or publication, with a cursor \
                 of that order",
            ));
        }
        run_page(
            &self.db,
            page,
            |backend| statement(backend, filter, order, page, now, self.ranked),
            |row| {
                let cursor = read_cursor(order, row)?;
                Ok(PostingHit {
                    id: PostingId(cursor.id()),
                    cursor,
                })
            },
        )
        .await
    }

    async fn count(&self, filter: &PostingFilter, now: DateTime<Utc>) -> DomainResult<u64> {
        let mut sql = Sql::new(self.db.get_database_backend());
        sql.push("SELECT COUNT(*) AS n");
        from_where(&mut sql, filter, now);
        run_count(&self.db, sql.statement()).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    use crate::talent_search::{explain, full_scans};
    use crate::testing::{TestDatabase, backends};
    use sea_orm::ConnectionTrait;

    /// On 50,000 seeded postings every typical search runs on indexes, never reading a
    /// whole table of postings, their skills or countries, or clients; and pages follow
    /// each other without skipping or repeating. (The benchmark does the same on a
    /// million, `hireql bench postings`.)
    #[tokio::test(flavor = "multi_thread")]
    async fn typical_searches_use_indexes_on_50k_postings() {
        for backend in backends() {
            let (_guard, db) = TestDatabase::migrated(backend).await;
            crate::seed_postings::seed_postings(&db, 50_000, 7, &|_| {})
                .await
                .unwrap();
            db.connection().execute_unprepared("ANALYZE").await.unwrap();
            let conn = db.connection();
            let index = SeaPostingIndex::new(&db);
            let now = Utc::now();
            let page = PageRequest::new(Some(20), None).unwrap();
            for (name, filter, order) in typical_searches() {
                let first = index.search(&filter, order, &page, now).await.unwrap();
                assert_eq!(
                    first.items.len(),
                    20,
                    "{backend:?} {name}: a full first page"
                );
                let last = first.items.last().unwrap().cursor.clone();
                let next = PageRequest::new(Some(20), Some(last)).unwrap();
                // Relevance: also a page of the older matches, past the ranked ones.
                let past = PageRequest::new(
                    Some(20),
                    Some(TalentCursor::Newest {
                        at: now - TimeDelta::days(30),
                        id: Uuid::max(),
                    }),
                )
                .unwrap();
                let mut requests = vec![("first page", &page), ("next page", &next)];
                if order == ResultOrder::Rank {
                    requests.push(("past the ranked", &past));
                }
                for (which, request) in requests {
                    let statement =
                        search_statement(conn.get_database_backend(), &filter, order, request, now);
                    let plan = explain(conn, statement).await.unwrap();
                    println!("{backend:?} {name}, {which}:\n{}\n", plan.join("\n"));
                    assert!(
                        full_scans(&plan).is_empty(),
                        "{backend:?} {name}, {which}: full scan in\n{}",
                        plan.join("\n")
                    );
                }
                let second = index.search(&filter, order, &next, now).await.unwrap();
                let forty = PageRequest::new(Some(40), None).unwrap();
                let both = index.search(&filter, order, &forty, now).await.unwrap();
                let ids = |hits: &[PostingHit]| hits.iter().map(|h| h.id).collect::<Vec<_>>();
                assert_eq!(
                    [ids(&first.items), ids(&second.items)].concat(),
                    ids(&both.items),
                    "{backend:?} {name}: pages skip or repeat"
                );
                // Counting agrees with paging through.
                if !both.has_next_page {
                    assert_eq!(
                        index.count(&filter, now).await.unwrap(),
                        both.items.len() as u64,
                        "{backend:?} {name}"
                    );
                }
            }
        }
    }

    /// Relevance ranks the newest matches and then lists the older ones newest first:
    /// paging through (pages of 5 and of 7, to and across the end of the 25 ranked)
    /// reaches every match once, through the search service and its cursors.
    #[tokio::test(flavor = "multi_thread")]
    async fn relevance_ranks_the_newest_matches_then_lists_the_older_ones() {
        use domain::postings::{PostingSearch, PostingSearchService, PostingSort};
        use std::sync::Arc;
        const RANKED: usize = 25;
        for backend in backends() {
            let (_guard, db) = TestDatabase::migrated(backend).await;
            crate::seed_postings::seed_postings(&db, 600, 11, &|_| {})
                .await
                .unwrap();
            let index = SeaPostingIndex::new(&db).ranking(RANKED as u64);
            let service = PostingSearchService::new(
                Arc::new(index.clone()),
                Arc::new(crate::SeaTaxonomyRepository::new(&db)),
            );
            let now = Utc::now();
            let search = || PostingSearch {
                text: Some("api".into()),
                ..PostingSearch::default()
            };
            let filter = service.validate(search()).await.unwrap();
            // Every match, newest first: what the ranked part is taken from.
            let mut newest: Vec<PostingId> = Vec::new();
            let mut page = PageRequest::new(Some(100), None).unwrap();
            loop {
                let found = index
                    .search(&filter, ResultOrder::Newest, &page, now)
                    .await
                    .unwrap();
                newest.extend(found.items.iter().map(|h| h.id));
                match found.items.last() {
                    Some(last) if found.has_next_page => {
                        page = PageRequest::new(Some(100), Some(last.cursor.clone())).unwrap();
                    }
                    _ => break,
                }
            }
            assert!(newest.len() > RANKED + 20, "{backend:?}: {}", newest.len());
            // Pages of 5 end exactly where the ranked matches do; pages of 7 cross it.
            for size in [5, 7] {
                let mut hits: Vec<PostingHit> = Vec::new();
                let mut after: Option<String> = None;
                loop {
                    let page = service
                        .run(
                            filter.clone(),
                            PostingSort::Relevance,
                            Some(size),
                            after.as_deref(),
                            now,
                        )
                        .await
                        .unwrap_or_else(|_| panic!("{backend:?}: a page after {after:?}"));
                    after = page.page.items.last().map(|h| page.cursor(h));
                    hits.extend(page.page.items.iter().cloned());
                    if !page.page.has_next_page {
                        break;
                    }
                }
                let ids: Vec<PostingId> = hits.iter().map(|h| h.id).collect();
                assert_eq!(ids.len(), newest.len(), "{backend:?}: every match once");
                let (ranked, older) = ids.split_at(RANKED);
                assert_eq!(
                    older,
                    &newest[RANKED..],
                    "{backend:?}: older ones newest first"
                );
                let mut ranked_sorted = ranked.to_vec();
                let mut newest_sorted = newest[..RANKED].to_vec();
                ranked_sorted.sort_by_key(|p| p.0);
                newest_sorted.sort_by_key(|p| p.0);
                assert_eq!(
                    ranked_sorted, newest_sorted,
                    "{backend:?}: the newest are ranked"
                );
                let ranks: Vec<f64> = hits[..RANKED]
                    .iter()
                    .map(|h| match h.cursor {
                        TalentCursor::Rank { rank, .. } => rank,
                        ref other => panic!("{backend:?}: {other:?} among the ranked"),
                    })
                    .collect();
                assert!(
                    ranks.windows(2).all(|w| w[0] <= w[1]),
                    "{backend:?}: best first: {ranks:?}"
                );
                assert!(
                    ranks.windows(2).any(|w| w[0] < w[1]),
                    "{backend:?}: ranks that differ: {ranks:?}"
                );
                assert!(
                    hits[RANKED..]
                        .iter()
                        .all(|h| matches!(h.cursor, TalentCursor::Newest { .. })),
                    "{backend:?}"
                );
            }
            assert_eq!(
                index.count(&filter, now).await.unwrap(),
                newest.len() as u64,
                "{backend:?}"
            );
        }
    }
}
