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
pub(crate) fn from_where(
    sql: &mut Sql,
    filter: &PostingFilter,
    now: DateTime<Utc>,
) -> Option<String> {
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
            return crate::posting_relevance::ranked_statement(
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
        // Relevance pages are not keyset pages (see `crate::posting_relevance::ranked_statement`).
        TalentCursor::Rank { .. }
        | TalentCursor::RankWithin { .. }
        | TalentCursor::Rating { .. } => None,
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
        ResultOrder::Rank => TalentCursor::RankWithin {
            rank: row.try_get("", "k_rank")?,
            id,
            from: row.try_get("", "k_from")?,
            from_id: row.try_get("", "k_from_id")?,
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
                None
                | Some(
                    TalentCursor::Rank { .. }
                    | TalentCursor::RankWithin { .. }
                    | TalentCursor::Newest { .. },
                ),
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
#[path = "posting_search_tests.rs"]
mod tests;
