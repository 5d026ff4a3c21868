//! Agency search on SQL, built like talent search: one statement per page over visible
//! agencies, full text through each back end's index, keyset pages.

use async_trait::async_trait;
use domain::agencies::{AgencyFilter, AgencyHit, AgencyId, AgencyIndex};
use domain::pagination::{Page, PageRequest};
use domain::profiles::{ResultOrder, TalentCursor};
use domain::{DomainError, DomainResult};
use sea_orm::{DatabaseConnection, DbBackend, QueryResult, Statement, Value};
use uuid::Uuid;

use crate::search_sql::{
    FullText, Key, Sql, keyset, run_count, run_page, skill_conditions, text_query,
};

#[derive(Clone)]
pub struct SeaAgencyIndex {
    pub(crate) db: DatabaseConnection,
}

impl SeaAgencyIndex {
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

const AGENCIES: FullText = FullText {
    table: "agencies",
    alias: "a",
    fts: "agencies_fts",
    keys: "agency_search_keys",
    key_id: "agency_id",
};

/// `FROM ... WHERE ...` for visible agencies matching `filter`; on PostgreSQL returns the
/// text query's placeholder for the rank.
fn from_where(sql: &mut Sql, filter: &AgencyFilter) -> Option<String> {
    let query = filter
        .text
        .as_ref()
        .map(|t| text_query(sql.backend, t.words()));
    AGENCIES.from(sql, query.is_some());
    sql.push(" WHERE a.visibility = 'VISIBLE'");
    let tsquery = query.and_then(|q| AGENCIES.matches(sql, q));
    skill_conditions(
        sql,
        "agency_skills",
        "agency_id",
        "a.id",
        &filter.skills_all,
        &filter.skills_any,
    );
    if !filter.countries.is_empty() {
        let list = sql.list(&filter.countries);
        sql.push(&format!(" AND a.country IN ({list})"));
    }
    tsquery
}

/// The statement for one page: exactly what `search` runs.
pub fn search_statement(
    backend: DbBackend,
    filter: &AgencyFilter,
    order: ResultOrder,
    page: &PageRequest<TalentCursor>,
) -> Statement {
    let mut inner = Sql::new(backend);
    let tsquery = from_where(&mut inner, filter);
    let (keys, descending) = match (order, backend) {
        (ResultOrder::Rank, DbBackend::Postgres) => (
            vec![Key::ordered(
                &format!(
                    "-(ts_rank(a.search_vector, to_tsquery('english', {}))::float8)",
                    tsquery.unwrap_or_default()
                ),
                "k_rank",
            )],
            false,
        ),
        (ResultOrder::Rank, _) => (
            vec![Key::ordered(
                "bm25(agencies_fts, 10.0, 8.0, 6.0, 1.0)",
                "k_rank",
            )],
            false,
        ),
        // Agencies order by relevance or creation only.
        _ => (vec![Key::ordered("a.created_at", "k_created")], true),
    };
    let after = page.after().and_then(cursor_values);
    keyset(inner, "a.id", &keys, descending, after, page.fetch_limit())
}

/// The key values of an agency cursor (agencies order by relevance or creation only).
fn cursor_values(cursor: &TalentCursor) -> Option<Vec<Value>> {
    match cursor {
        TalentCursor::Rank { rank, id } => Some(vec![Value::from(*rank), Value::from(*id)]),
        // Posting relevance only.
        TalentCursor::RankWithin { .. } => None,
        TalentCursor::Newest { at, id } => Some(vec![Value::from(*at), Value::from(*id)]),
        TalentCursor::Rate { .. } | TalentCursor::Rating { .. } => None,
    }
}

fn read_cursor(order: ResultOrder, row: &QueryResult) -> Result<TalentCursor, sea_orm::DbErr> {
    let id: Uuid = row.try_get("", "id")?;
    Ok(match order {
        ResultOrder::Rank => TalentCursor::Rank {
            rank: row.try_get("", "k_rank")?,
            id,
        },
        _ => TalentCursor::Newest {
            at: row.try_get("", "k_created")?,
            id,
        },
    })
}

/// Typical agency searches over seeded data: what the index check and the benchmark run.
pub fn typical_searches() -> Vec<(&'static str, AgencyFilter, ResultOrder)> {
    use domain::profiles::SearchWords;
    use domain::taxonomy::SkillId;
    let skill = |slug: &str| SkillId(crate::migration::skill_id(slug));
    vec![
        (
            "agencies: newest, no filter",
            AgencyFilter::default(),
            ResultOrder::Newest,
        ),
        (
            "agencies: text \"postgres\", relevance",
            AgencyFilter {
                text: SearchWords::parse("postgres").ok().flatten(),
                ..AgencyFilter::default()
            },
            ResultOrder::Rank,
        ),
        (
            "agencies: skills go OR rust, newest",
            AgencyFilter {
                skills_any: vec![skill("go"), skill("rust")],
                ..AgencyFilter::default()
            },
            ResultOrder::Newest,
        ),
        (
            "agencies: in DE or PL, newest",
            AgencyFilter {
                countries: vec!["DE".into(), "PL".into()],
                ..AgencyFilter::default()
            },
            ResultOrder::Newest,
        ),
    ]
}

#[async_trait]
impl AgencyIndex for SeaAgencyIndex {
    async fn search(
        &self,
        filter: &AgencyFilter,
        order: ResultOrder,
        page: &PageRequest<TalentCursor>,
    ) -> DomainResult<Page<AgencyHit>> {
        let consistent = matches!(
            (order, page.after()),
            (ResultOrder::Rank, None | Some(TalentCursor::Rank { .. }))
                | (
                    ResultOrder::Newest,
                    None | Some(TalentCursor::Newest { .. })
                )
        );
        if !consistent {
            return Err(DomainError::internal(
                "agencies order by relevance or creation, with a cursor of that order",
            ));
        }
        run_page(
            &self.db,
            page,
            |backend| search_statement(backend, filter, order, page),
            |row| {
                let cursor = read_cursor(order, row)?;
                Ok(AgencyHit {
                    id: AgencyId(cursor.id()),
                    cursor,
                })
            },
        )
        .await
    }

    async fn count(&self, filter: &AgencyFilter) -> DomainResult<u64> {
        let mut sql = Sql::new(self.db.get_database_backend());
        sql.push("SELECT COUNT(*) AS n");
        from_where(&mut sql, filter);
        run_count(&self.db, sql.statement()).await
    }
}
