//! Talent search on SQL: one statement per page, built from the filter, using the
//! full-text index of each back end (PostgreSQL `tsvector` + GIN, SQLite FTS5) and keyset
//! pagination on the order's key columns (never offsets).

use async_trait::async_trait;
use domain::DomainResult;
use domain::pagination::{Page, PageRequest};
use domain::profiles::{
    LanguageLevel, ProfileId, ResultOrder, TalentCursor, TalentFilter, TalentHit, TalentIndex,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement, Value};
use uuid::Uuid;

use crate::search_sql::{Key, Sql, keyset, run_count, run_page, text_query};

#[derive(Clone)]
pub struct SeaTalentIndex {
    db: DatabaseConnection,
}

impl SeaTalentIndex {
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

/// The stored language levels at or above `min`.
fn levels_from(min: LanguageLevel) -> Vec<String> {
    min.and_above().map(|l| l.key().to_owned()).collect()
}

/// The key columns of `order` (the profile ID always comes last) and whether they
/// descend. Each order's keys match an index (see migration 000009) so a page is read in
/// index order.
fn keys(
    backend: DbBackend,
    order: ResultOrder,
    query: Option<&str>,
    filter: &TalentFilter,
) -> (Vec<Key>, bool) {
    let key = Key::ordered;
    let fixed = Key::fixed;
    match order {
        ResultOrder::Rank => {
            let q = query.unwrap_or_default();
            let expr = match backend {
                DbBackend::Postgres => {
                    format!("-(ts_rank(p.search_vector, to_tsquery('english', {q}))::float8)")
                }
                _ => "bm25(freelancer_profiles_fts, 10.0, 6.0, 1.0)".to_owned(),
            };
            (vec![key(&expr, "k_rank")], false)
        }
        // One currency: every row has a rate in it; (currency, rate, id) is an index.
        ResultOrder::Rate if filter.rate.is_some() => (
            vec![
                fixed("0", "k_missing"),
                fixed("p.rate_currency", "k_currency"),
                key("p.rate_minor", "k_minor"),
            ],
            false,
        ),
        ResultOrder::Rate => (
            vec![
                key(
                    "CASE WHEN p.rate_minor IS NULL THEN 1 ELSE 0 END",
                    "k_missing",
                ),
                key("COALESCE(p.rate_currency, '')", "k_currency"),
                key("COALESCE(p.rate_minor, 0)", "k_minor"),
            ],
            false,
        ),
        ResultOrder::Rating => (
            vec![
                key("-COALESCE(p.rating_avg, 0.0)", "k_rating"),
                key("-p.review_count", "k_reviews"),
            ],
            false,
        ),
        ResultOrder::Newest => (vec![key("p.created_at", "k_created")], true),
    }
}

/// The values of a cursor, in key order, then the ID.
fn cursor_values(cursor: &TalentCursor) -> Vec<Value> {
    match cursor {
        TalentCursor::Rank { rank, id } | TalentCursor::RankWithin { rank, id, .. } => {
            vec![(*rank).into(), (*id).into()]
        }
        TalentCursor::Rate {
            has_rate,
            currency,
            minor,
            id,
        } => vec![
            i32::from(!*has_rate).into(),
            currency.clone().into(),
            (*minor).into(),
            (*id).into(),
        ],
        TalentCursor::Rating {
            rating,
            reviews,
            id,
        } => vec![(*rating).into(), (*reviews).into(), (*id).into()],
        TalentCursor::Newest { at, id } => vec![(*at).into(), (*id).into()],
    }
}

fn read_cursor(order: ResultOrder, row: &QueryResult) -> Result<TalentCursor, sea_orm::DbErr> {
    let id: Uuid = row.try_get("", "id")?;
    Ok(match order {
        ResultOrder::Rank => TalentCursor::Rank {
            rank: row.try_get("", "k_rank")?,
            id,
        },
        ResultOrder::Rate => TalentCursor::Rate {
            has_rate: row.try_get::<i32>("", "k_missing")? == 0,
            currency: row.try_get("", "k_currency")?,
            minor: row.try_get("", "k_minor")?,
            id,
        },
        ResultOrder::Rating => TalentCursor::Rating {
            rating: row.try_get("", "k_rating")?,
            reviews: row.try_get("", "k_reviews")?,
            id,
        },
        ResultOrder::Newest => TalentCursor::Newest {
            at: row.try_get("", "k_created")?,
            id,
        },
    })
}

/// `FROM ... WHERE ...` for public profiles matching `filter`. On PostgreSQL the text
/// query is bound once and its placeholder returned, for the rank expression.
fn from_where(sql: &mut Sql, filter: &TalentFilter) -> Option<String> {
    let backend = sql.backend;
    let query = filter.text.as_ref().map(|t| text_query(backend, t.words()));
    let mut tsquery = None;
    match (&query, backend) {
        (Some(_), DbBackend::Postgres) | (None, _) => sql.push(" FROM freelancer_profiles p"),
        (Some(_), _) => sql.push(
            " FROM freelancer_profiles_fts \
             JOIN freelancer_search_keys sk ON sk.rowid = freelancer_profiles_fts.rowid \
             JOIN freelancer_profiles p ON p.id = sk.profile_id",
        ),
    }
    // Suspended owners are few: an anti-join on the partial index of them.
    sql.push(" WHERE p.visibility = 'VISIBLE'");
    let hidden = sql.bind(false);
    sql.push(&format!(
        " AND p.moderation_hidden = {hidden} AND NOT EXISTS (SELECT 1 FROM users u \
         WHERE u.id = p.user_id AND u.status <> 'ACTIVE')"
    ));
    if let Some(q) = query {
        let q = sql.bind(q);
        match backend {
            DbBackend::Postgres => {
                sql.push(&format!(
                    " AND p.search_vector @@ to_tsquery('english', {q})"
                ));
                tsquery = Some(q);
            }
            _ => sql.push(&format!(" AND freelancer_profiles_fts MATCH {q}")),
        }
    }
    let level = i16::from(filter.min_skill_level);
    for skill in &filter.skills_all {
        let (s, l) = (sql.bind(skill.0), sql.bind(level));
        sql.push(&format!(
            " AND EXISTS (SELECT 1 FROM freelancer_skills fs WHERE fs.profile_id = p.id \
             AND fs.skill_id = {s} AND fs.level >= {l})"
        ));
    }
    if !filter.skills_any.is_empty() {
        let ids: Vec<Uuid> = filter.skills_any.iter().map(|s| s.0).collect();
        let (s, l) = (sql.list(&ids), sql.bind(level));
        sql.push(&format!(
            " AND EXISTS (SELECT 1 FROM freelancer_skills fs WHERE fs.profile_id = p.id \
             AND fs.skill_id IN ({s}) AND fs.level >= {l})"
        ));
    }
    if let Some(rate) = &filter.rate {
        let c = sql.bind(rate.currency.code());
        sql.push(&format!(" AND p.rate_currency = {c}"));
        if let Some(min) = rate.min_minor {
            let m = sql.bind(min);
            sql.push(&format!(" AND p.rate_minor >= {m}"));
        }
        if let Some(max) = rate.max_minor {
            let m = sql.bind(max);
            sql.push(&format!(" AND p.rate_minor <= {m}"));
        }
    }
    if let Some(hours) = filter.min_hours_per_week {
        let h = sql.bind(i16::from(hours));
        sql.push(&format!(" AND p.hours_per_week >= {h}"));
    }
    if let Some(day) = filter.available_by {
        let d = sql.bind(day);
        sql.push(&format!(
            " AND (p.available_from IS NULL OR p.available_from <= {d})"
        ));
    }
    if let Some((min, max)) = filter.utc_offset {
        let (a, b) = (sql.bind(min), sql.bind(max));
        sql.push(&format!(" AND p.utc_offset_minutes BETWEEN {a} AND {b}"));
    }
    for lang in &filter.languages {
        let c = sql.bind(lang.code.clone());
        let levels = sql.list(&levels_from(lang.min_level));
        sql.push(&format!(
            " AND EXISTS (SELECT 1 FROM freelancer_languages fl WHERE fl.profile_id = p.id \
             AND fl.code = {c} AND fl.level IN ({levels}))"
        ));
    }
    if !filter.countries.is_empty() {
        let list = sql.list(&filter.countries);
        sql.push(&format!(" AND p.country IN ({list})"));
    }
    if let Some(rating) = filter.min_rating {
        let r = sql.bind(rating);
        sql.push(&format!(" AND p.rating_avg >= {r}"));
    }
    if let Some(job_success) = filter.min_job_success {
        let j = sql.bind(i32::from(job_success));
        sql.push(&format!(" AND p.job_success >= {j}"));
    }
    tsquery
}

/// The statement for one page: exactly what `search` runs (tests EXPLAIN it).
pub fn search_statement(
    backend: DbBackend,
    filter: &TalentFilter,
    order: ResultOrder,
    page: &PageRequest<TalentCursor>,
) -> Statement {
    let mut inner = Sql::new(backend);
    // The keys need the text query's placeholder, which is bound inside `from_where`.
    let tsquery = from_where(&mut inner, filter);
    let (keys, descending) = keys(backend, order, tsquery.as_deref(), filter);
    keyset(
        inner,
        "p.id",
        &keys,
        descending,
        page.after().map(cursor_values),
        page.fetch_limit(),
    )
}

/// Counts what `filter` matches.
pub fn count_statement(backend: DbBackend, filter: &TalentFilter) -> Statement {
    let mut sql = Sql::new(backend);
    sql.push("SELECT COUNT(*) AS n");
    from_where(&mut sql, filter);
    sql.statement()
}

#[async_trait]
impl TalentIndex for SeaTalentIndex {
    async fn search(
        &self,
        filter: &TalentFilter,
        order: ResultOrder,
        page: &PageRequest<TalentCursor>,
    ) -> DomainResult<Page<TalentHit>> {
        if matches!(page.after(), Some(TalentCursor::RankWithin { .. })) {
            return Err(domain::DomainError::internal(
                "talent search issues no cursor of a ranked set",
            ));
        }
        run_page(
            &self.db,
            page,
            |backend| search_statement(backend, filter, order, page),
            |row| {
                let cursor = read_cursor(order, row)?;
                Ok(TalentHit {
                    id: ProfileId(cursor.id()),
                    cursor,
                })
            },
        )
        .await
    }

    async fn count(&self, filter: &TalentFilter) -> DomainResult<u64> {
        run_count(
            &self.db,
            count_statement(self.db.get_database_backend(), filter),
        )
        .await
    }
}

/// The searches clients run most, over seeded data: what the benchmark times and whose
/// plans must use indexes.
pub fn typical_searches() -> Vec<(&'static str, TalentFilter, ResultOrder)> {
    use domain::money::Currency;
    use domain::profiles::{LanguageRequirement, RateRange, SearchWords};
    use domain::taxonomy::SkillId;
    let skill = |slug: &str| SkillId(crate::migration::skill_id(slug));
    let words = |t: &str| SearchWords::parse(t).ok().flatten();
    let base = TalentFilter {
        min_skill_level: 1,
        ..TalentFilter::default()
    };
    vec![
        ("newest, no filter", base.clone(), ResultOrder::Newest),
        ("best rated, no filter", base.clone(), ResultOrder::Rating),
        ("cheapest, no filter", base.clone(), ResultOrder::Rate),
        (
            "text \"postgres\", relevance",
            TalentFilter {
                text: words("postgres"),
                ..base.clone()
            },
            ResultOrder::Rank,
        ),
        (
            "text \"senior kubernetes\", relevance",
            TalentFilter {
                text: words("senior kubernetes"),
                ..base.clone()
            },
            ResultOrder::Rank,
        ),
        (
            "skills rust AND postgresql at level 4+, newest",
            TalentFilter {
                skills_all: vec![skill("rust"), skill("postgresql")],
                min_skill_level: 4,
                ..base.clone()
            },
            ResultOrder::Newest,
        ),
        (
            "skills go OR rust, best rated",
            TalentFilter {
                skills_any: vec![skill("go"), skill("rust")],
                ..base.clone()
            },
            ResultOrder::Rating,
        ),
        (
            "EUR 50-90 an hour, cheapest",
            TalentFilter {
                rate: Currency::parse("EUR").ok().map(|currency| RateRange {
                    currency,
                    min_minor: Some(5_000),
                    max_minor: Some(9_000),
                }),
                ..base.clone()
            },
            ResultOrder::Rate,
        ),
        (
            "UTC-3..+2, fluent English, rating 4+, best rated",
            TalentFilter {
                utc_offset: Some((-180, 120)),
                languages: vec![LanguageRequirement {
                    code: "en".into(),
                    min_level: LanguageLevel::Fluent,
                }],
                min_rating: Some(4.0),
                ..base.clone()
            },
            ResultOrder::Rating,
        ),
        (
            "text \"api\" + skill python + 30h/week, relevance",
            TalentFilter {
                text: words("api"),
                skills_all: vec![skill("python")],
                min_hours_per_week: Some(30),
                ..base
            },
            ResultOrder::Rank,
        ),
    ]
}

/// The query plan of a statement, one line per row (`EXPLAIN` on PostgreSQL, `EXPLAIN
/// QUERY PLAN` on SQLite).
pub async fn explain(
    db: &DatabaseConnection,
    statement: Statement,
) -> Result<Vec<String>, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let (prefix, column) = match backend {
        DbBackend::Postgres => ("EXPLAIN ", "QUERY PLAN"),
        _ => ("EXPLAIN QUERY PLAN ", "detail"),
    };
    let sql = format!("{prefix}{}", statement.sql);
    let rows = db.query_all_raw(Statement { sql, ..statement }).await?;
    rows.iter()
        .map(|r| r.try_get::<String>("", column))
        .collect()
}

/// The plan a statement would have if sequential scans were priced out (PostgreSQL
/// `SET LOCAL enable_seqscan = off`, in a transaction that is rolled back): whether its
/// indexes can serve it at all. For small tables (a few thousand agencies) PostgreSQL
/// rightly prefers a sequential scan, so `explain` alone would say nothing about the
/// indexes. SQLite has no such switch; its plan is returned as is.
pub async fn explain_indexed(
    db: &DatabaseConnection,
    statement: Statement,
) -> Result<Vec<String>, sea_orm::DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return explain(db, statement).await;
    }
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    txn.execute_unprepared("SET LOCAL enable_seqscan = off")
        .await?;
    let sql = format!("EXPLAIN {}", statement.sql);
    let rows = txn.query_all_raw(Statement { sql, ..statement }).await?;
    txn.rollback().await?;
    rows.iter()
        .map(|r| r.try_get::<String>("", "QUERY PLAN"))
        .collect()
}

/// The plan lines that read a whole table of profiles (or their skills or languages)
/// row by row: what an indexed search must not do.
/// Tests: prints the plan of `label` and fails when it reads a whole table.
#[cfg(test)]
pub(crate) fn assert_no_full_scan(label: &str, plan: &[String]) {
    println!("{label}:\n{}\n", plan.join("\n"));
    assert!(
        full_scans(plan).is_empty(),
        "{label}: full scan in\n{}",
        plan.join("\n")
    );
}

pub fn full_scans(plan: &[String]) -> Vec<String> {
    const TABLES: &[&str] = &[
        "users",
        "agencies",
        "agency_skills",
        "freelancer_profiles",
        "freelancer_skills",
        "freelancer_languages",
        "postings",
        "posting_skills",
        "posting_countries",
        "client_profiles",
        "proposals",
    ];
    // SQLite: the statement's own materialized results and subqueries ("MATERIALIZE c",
    // "CO-ROUTINE u"), bounded by their LIMITs, and a row of constants are scanned
    // whole: not tables.
    let normal = |line: &str| line.trim_start_matches([' ', '-', '>']).trim().to_owned();
    let own: Vec<String> = plan
        .iter()
        .filter_map(|line| {
            let l = normal(line);
            l.strip_prefix("MATERIALIZE ")
                .or_else(|| l.strip_prefix("CO-ROUTINE "))
                .map(|name| format!("SCAN {name}"))
        })
        .collect();
    plan.iter()
        .filter(|line| {
            let l = normal(line);
            let l = l.as_str();
            if own.iter().any(|o| l == o) || l == "SCAN CONSTANT ROW" {
                return false;
            }
            // PostgreSQL: "Seq Scan on freelancer_profiles p", "Parallel Seq Scan on ...".
            TABLES.iter().any(|t| l.contains(&format!("Seq Scan on {t} ")) || l.ends_with(&format!("Seq Scan on {t}")))
                // SQLite: "SCAN p" (no index); "SCAN p USING INDEX ..." walks an index.
                || ((l.starts_with("SCAN ") && !l.contains(" USING "))
                    && !l.starts_with("SCAN freelancer_profiles_fts")
                    && !l.starts_with("SCAN postings_fts")
                    && !l.contains("VIRTUAL TABLE"))
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::{TestDatabase, backends};

    /// On 100,000 seeded profiles every typical search runs on indexes, never reading a
    /// whole table of profiles, skills or languages.
    #[tokio::test(flavor = "multi_thread")]
    async fn typical_searches_use_indexes_on_100k_profiles() {
        for backend in backends() {
            let (_guard, db) = TestDatabase::migrated(backend).await;
            crate::seed::seed_profiles(&db, 100_000, 7, &|_| {})
                .await
                .unwrap();
            // Planner statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` would.
            db.connection().execute_unprepared("ANALYZE").await.unwrap();
            let page = PageRequest::new(Some(20), None).unwrap();
            let conn = db.connection();
            for (name, filter, order) in typical_searches() {
                let index = SeaTalentIndex { db: conn.clone() };
                let first = index.search(&filter, order, &page).await.unwrap();
                assert_eq!(
                    first.items.len(),
                    20,
                    "{backend:?} {name}: a full first page"
                );
                // The first page, and the page after it (keyset predicates included).
                let last = first.items.last().unwrap().cursor.clone();
                let next = PageRequest::new(Some(20), Some(last)).unwrap();
                for (which, request) in [("first page", &page), ("next page", &next)] {
                    let statement =
                        search_statement(conn.get_database_backend(), &filter, order, request);
                    let plan = explain(conn, statement).await.unwrap();
                    assert_no_full_scan(&format!("{backend:?} {name}, {which}"), &plan);
                }
                // Two pages of 20 are exactly one page of 40: no row skipped or repeated.
                let second = index.search(&filter, order, &next).await.unwrap();
                let forty = PageRequest::new(Some(40), None).unwrap();
                let both = index.search(&filter, order, &forty).await.unwrap();
                let ids = |hits: &[TalentHit]| hits.iter().map(|h| h.id).collect::<Vec<_>>();
                assert_eq!(
                    [ids(&first.items), ids(&second.items)].concat(),
                    ids(&both.items),
                    "{backend:?} {name}: pages skip or repeat"
                );
            }
            // Agencies (one per 20 seeded freelancers: 5,000) are searched the same way. At
            // that size PostgreSQL may rightly scan the table for broad text, so this checks
            // that indexes *can* serve every agency search.
            let agencies = crate::agency_search::SeaAgencyIndex { db: conn.clone() };
            for (name, filter, order) in crate::agency_search::typical_searches() {
                use domain::agencies::AgencyIndex;
                let first = agencies.search(&filter, order, &page).await.unwrap();
                assert_eq!(
                    first.items.len(),
                    20,
                    "{backend:?} {name}: a full first page"
                );
                let last = first.items.last().unwrap().cursor.clone();
                let next = PageRequest::new(Some(20), Some(last)).unwrap();
                for (which, request) in [("first page", &page), ("next page", &next)] {
                    let statement = crate::agency_search::search_statement(
                        conn.get_database_backend(),
                        &filter,
                        order,
                        request,
                    );
                    let plan = explain_indexed(conn, statement).await.unwrap();
                    assert_no_full_scan(&format!("{backend:?} {name}, {which}"), &plan);
                }
            }
        }
    }

    #[test]
    fn full_scans_are_recognised() {
        let pg = vec![
            "Limit  (cost=0.29..1.10 rows=20 width=24)".to_owned(),
            "  ->  Seq Scan on freelancer_profiles p  (cost=0.00..4.00 rows=100 width=24)"
                .to_owned(),
            "        ->  Parallel Seq Scan on users u  (cost=0.00..4.00 rows=100 width=16)"
                .to_owned(),
            "  ->  Index Scan using ix_freelancer_profiles_created on freelancer_profiles p"
                .to_owned(),
        ];
        assert_eq!(full_scans(&pg).len(), 2);
        let sqlite = vec![
            "SCAN p".to_owned(),
            "SCAN p USING INDEX ix_freelancer_profiles_created".to_owned(),
            "SCAN freelancer_profiles_fts VIRTUAL TABLE INDEX 0:M1".to_owned(),
            "SEARCH u USING INDEX sqlite_autoindex_users_1 (id=?)".to_owned(),
        ];
        assert_eq!(full_scans(&sqlite), vec!["SCAN p".to_owned()]);
        // The statement's own bounded results are not tables; a table of the same
        // statement still is.
        let own = vec![
            "CO-ROUTINE u".to_owned(),
            "MATERIALIZE c".to_owned(),
            "SCAN postings_fts VIRTUAL TABLE INDEX 0:M3".to_owned(),
            "SCAN c".to_owned(),
            "SCAN CONSTANT ROW".to_owned(),
            "SCAN u".to_owned(),
            "SCAN p".to_owned(),
        ];
        assert_eq!(full_scans(&own), vec!["SCAN p".to_owned()]);
    }

    #[test]
    fn language_levels_at_or_above() {
        assert_eq!(levels_from(LanguageLevel::Fluent), ["FLUENT", "NATIVE"]);
        assert_eq!(levels_from(LanguageLevel::Basic).len(), 4);
    }
}
