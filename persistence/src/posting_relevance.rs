//! Posting search in relevance order: the newest matches ranked, then the older ones
//! newest first (see `ranked_statement`).

use chrono::{DateTime, Utc};
use domain::postings::PostingFilter;
use domain::profiles::TalentCursor;
use sea_orm::{DbBackend, Statement};

use crate::posting_search::from_where;
use crate::search_sql::Sql;

/// A page in relevance order: the newest `ranked` matches by rank (best first, then by
/// ID), then the older matches newest first. The first page fixes the ranked set: its
/// rows carry the set's oldest member (`k_from`, `k_from_id`), which their cursors
/// (`RankWithin`) keep, so later pages rank the same set, less what closed, plus
/// postings published since while the set has room (at most `ranked` in all: the rest
/// of them are not shown), and start the older matches at the same place. Past the
/// ranked set a cursor is a `Newest` one. A `Rank` cursor without the set (as issued
/// before it was kept) chooses the set again. Columns: `k_tier` (0 ranked, 1 older),
/// `id`, `k_rank` (null past the ranked set), `k_published`, `k_from`, `k_from_id`
/// (null past it).
///
/// Reads at most `ranked` matches to rank, found through the publication index (or, for
/// a rare word, through the full-text index), and `limit` older ones.
pub(crate) fn ranked_statement(
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
    // PostgreSQL ranks only the set, outside the statement that finds it; SQLite's bm25
    // is read where the full-text table is matched.
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
    // The ranked set `c`, its oldest member `b`, and where the older matches start.
    // On later pages the set is read up from the member the first page found oldest,
    // at most `ranked` of them (so a forged cursor reads no more than a first page):
    // the members still open, then postings published since, while there is room.
    let n = inner.bind(ranked);
    let (set, oldest, older_start) = match after {
        Some(TalentCursor::RankWithin { from, from_id, .. }) => {
            let (at, id) = (inner.bind(*from), inner.bind(*from_id));
            (
                format!(
                    " AND (p.published_at, p.id) >= ({at}, {id}) \
                     ORDER BY p.published_at, p.id LIMIT {n}"
                ),
                format!("SELECT {at} AS k_from, {id} AS k_from_id"),
                format!("({at}, {id})"),
            )
        }
        _ => (
            format!(" ORDER BY p.published_at DESC, p.id DESC LIMIT {n}"),
            "SELECT c.k_published AS k_from, c.id AS k_from_id FROM c \
             ORDER BY c.k_published, c.id LIMIT 1"
                .to_owned(),
            "(SELECT b.k_from, b.k_from_id FROM b)".to_owned(),
        ),
    };
    let mut sql = Sql {
        backend,
        text: format!(
            "WITH c AS MATERIALIZED (SELECT p.id AS id, p.published_at AS k_published, \
             {carried}{}{set}), b AS ({oldest}) \
             SELECT u.* FROM (SELECT t.* FROM (SELECT r.* FROM (SELECT 0 AS k_tier, c.id AS id, \
             {rank} AS k_rank, c.k_published AS k_published, b.k_from AS k_from, \
             b.k_from_id AS k_from_id FROM c CROSS JOIN b) r",
            inner.text
        ),
        values: inner.values,
    };
    if let Some(TalentCursor::Rank { rank, id } | TalentCursor::RankWithin { rank, id, .. }) = after
    {
        let (r, i) = (sql.bind(*rank), sql.bind(*id));
        sql.push(&format!(" WHERE (r.k_rank, r.id) > ({r}, {i})"));
    }
    let l = sql.bind(limit);
    sql.push(&format!(
        " ORDER BY r.k_rank, r.id LIMIT {l}) t UNION ALL SELECT o.* FROM ("
    ));
    // Older than the set's oldest member: nothing when the set is every match.
    older_matches(&mut sql, filter, now, &older_start, limit);
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
    let nulls = match sql.backend {
        DbBackend::Postgres => {
            "NULL::float8 AS k_rank, p.published_at AS k_published, \
             NULL::timestamptz AS k_from, NULL::uuid AS k_from_id"
        }
        _ => "NULL AS k_rank, p.published_at AS k_published, NULL AS k_from, NULL AS k_from_id",
    };
    sql.push(&format!("SELECT 1 AS k_tier, p.id AS id, {nulls}"));
    from_where(sql, filter, now);
    let l = sql.bind(limit);
    sql.push(&format!(
        " AND (p.published_at, p.id) < {bound} \
         ORDER BY p.published_at DESC, p.id DESC LIMIT {l}"
    ));
}
