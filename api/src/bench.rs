//! `hireql seed` and `hireql bench`: demo data, and timings of typical talent and agency
//! searches on whatever database the settings name.

use std::time::{Duration, Instant};

use domain::agencies::AgencyIndex;
use domain::pagination::PageRequest;
use domain::postings::PostingIndex;
use domain::profiles::{TalentCursor, TalentIndex};
use indicatif::{ProgressBar, ProgressStyle};
use persistence::talent_search::{
    explain, explain_indexed, full_scans, search_statement, typical_searches,
};
use persistence::{Db, SeaAgencyIndex, SeaTalentIndex};
use sea_orm::ConnectionTrait;

use crate::{Application, Settings};

type Failure = Box<dyn std::error::Error>;

/// Writes `profiles` demo profiles and `postings` demo postings, with a progress bar on a
/// terminal.
pub async fn seed(
    settings: &Settings,
    profiles: u64,
    postings: u64,
    seed: u64,
) -> Result<(), Failure> {
    if settings.profile == crate::config::Profile::Production {
        return Err(
            "seed writes made-up users and profiles; it is refused in the production profile"
                .into(),
        );
    }
    let db = Db::connect(&settings.db_settings()).await?;
    db.migrate_for_task().await?;
    let bar = ProgressBar::new(profiles);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} seeding profiles [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)",
        )?
        .progress_chars("=> "),
    );
    let started = Instant::now();
    let written =
        persistence::seed::seed_profiles(&db, profiles, seed, &|n| bar.set_position(n)).await?;
    bar.finish_and_clear();
    let profiles_took = started.elapsed();
    let bar = ProgressBar::new(postings);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} seeding postings [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)",
        )?
        .progress_chars("=> "),
    );
    let posted = Instant::now();
    let postings_written =
        persistence::seed_postings::seed_postings(&db, postings, seed, &|n| bar.set_position(n))
            .await?;
    bar.finish_and_clear();
    // Fresh statistics, so the planner knows the new data at once.
    db.connection().execute_unprepared("ANALYZE").await?;
    println!(
        "seeded {written} freelancer profiles in {:.1}s and {postings_written} postings in {:.1}s",
        profiles_took.as_secs_f64(),
        posted.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs each typical posting search `runs` times (first page of 20, then the page after
/// it, each with its postings loaded as a request would), and prints p50 / p99 of both
/// and whether either plan reads a whole table. Fails when one does on 10,000 postings
/// or more.
pub async fn postings(settings: &Settings, runs: usize) -> Result<(), Failure> {
    let db = Db::connect(&settings.db_settings()).await?;
    let conn = db.connection();
    let backend = conn.get_database_backend();
    let total = conn
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM postings",
        ))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    let services = Application::services(settings).await?;
    let index = persistence::SeaPostingIndex::new(&db);
    println!("{total} postings on {backend:?}; {runs} runs per search and page\n");
    println!(
        "{:<62} {:>8} {:>8} {:>8} {:>8}  plan",
        "search", "p50 ms", "p99 ms", "next p50", "next p99"
    );
    let mut scans = 0;
    for (name, filter, order) in persistence::posting_search::typical_searches() {
        let now = chrono::Utc::now();
        let first = PageRequest::<TalentCursor>::new(Some(20), None)?;
        let page = index.search(&filter, order, &first, now).await?;
        let next = PageRequest::new(Some(20), page.items.last().map(|h| h.cursor.clone()))?;
        let page_bench = PageBench {
            conn,
            index: &index,
            services: &services,
            filter: &filter,
            order,
            now,
            runs,
        };
        let mut full = Vec::new();
        let mut timings = Vec::new();
        for request in [&first, &next] {
            let (scanned, times) = page_bench.measure(request).await?;
            full.extend(scanned);
            timings.push(times);
        }
        scans += full.len();
        print_row(name, &timings, &full, page.has_next_page);
        // Relevance: also a page of the older matches, after the ranked ones.
        if order == domain::profiles::ResultOrder::Rank {
            let mut request = PageRequest::<TalentCursor>::new(Some(100), None)?;
            let past = loop {
                let hits = index.search(&filter, order, &request, now).await?;
                let newest = hits
                    .items
                    .iter()
                    .find(|h| matches!(h.cursor, TalentCursor::Newest { .. }));
                match (newest, hits.items.last()) {
                    (Some(hit), _) => break Some(hit.cursor.clone()),
                    (None, Some(last)) if hits.has_next_page => {
                        request = PageRequest::new(Some(100), Some(last.cursor.clone()))?;
                    }
                    _ => break None,
                }
            };
            if let Some(cursor) = past {
                let request = PageRequest::new(Some(20), Some(cursor))?;
                let (full, times) = page_bench.measure(&request).await?;
                scans += full.len();
                print_row(
                    "  ... a page past the ranked matches",
                    &[times],
                    &full,
                    false,
                );
            }
        }
    }
    if scans > 0 && total >= ENFORCED_FROM {
        return Err(format!("{scans} plan lines read a whole table").into());
    }
    if scans > 0 {
        println!(
            "\n{scans} plan lines read a whole table; below {ENFORCED_FROM} postings that can be \
             the cheaper plan, so it is reported, not failed"
        );
    }
    Ok(())
}

/// One posting search to time page by page.
struct PageBench<'a> {
    conn: &'a sea_orm::DatabaseConnection,
    index: &'a persistence::SeaPostingIndex,
    services: &'a domain::Services,
    filter: &'a domain::postings::PostingFilter,
    order: domain::profiles::ResultOrder,
    now: chrono::DateTime<chrono::Utc>,
    runs: usize,
}

impl PageBench<'_> {
    /// The plan lines of the page that read a whole table, and `runs` sorted timings of
    /// it, each loading the page's postings as a request would.
    async fn measure(
        &self,
        request: &PageRequest<TalentCursor>,
    ) -> Result<(Vec<String>, Vec<Duration>), Failure> {
        let backend = self.conn.get_database_backend();
        let statement = persistence::posting_search::search_statement(
            backend,
            self.filter,
            self.order,
            request,
            self.now,
        );
        let full = full_scans(&explain(self.conn, statement).await?);
        let actor = domain::Actor::Anonymous;
        let mut times = Vec::with_capacity(self.runs);
        for _ in 0..self.runs {
            let started = Instant::now();
            let hits = self
                .index
                .search(self.filter, self.order, request, self.now)
                .await?;
            let ids: Vec<_> = hits.items.iter().map(|h| h.id).collect();
            self.services.postings.by_ids(&actor, &ids).await?;
            times.push(started.elapsed());
        }
        times.sort();
        Ok((full, times))
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // Nearest rank.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs each typical search `runs` times, first page of 20 and then the page after it,
/// each with its profiles loaded as a request would, and prints p50 / p99 of both and
/// whether either plan reads a whole table. Fails when one does on 10,000 profiles or more.
pub async fn search(settings: &Settings, runs: usize) -> Result<(), Failure> {
    let db = Db::connect(&settings.db_settings()).await?;
    let conn = db.connection();
    let backend = conn.get_database_backend();
    let profiles = conn
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM freelancer_profiles",
        ))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    let services = Application::services(settings).await?;
    let index = SeaTalentIndex::new(&db);
    let actor = domain::Actor::Anonymous;
    println!("{profiles} profiles on {backend:?}; {runs} runs per search and page\n");
    println!(
        "{:<50} {:>8} {:>8} {:>8} {:>8}  plan",
        "search", "p50 ms", "p99 ms", "next p50", "next p99"
    );
    let mut scans = 0;
    for (name, filter, order) in typical_searches() {
        let first = PageRequest::<TalentCursor>::new(Some(20), None)?;
        let page = index.search(&filter, order, &first).await?;
        let next = PageRequest::new(Some(20), page.items.last().map(|h| h.cursor.clone()))?;
        let mut full = Vec::new();
        for request in [&first, &next] {
            let plan = explain(conn, search_statement(backend, &filter, order, request)).await?;
            full.extend(full_scans(&plan));
        }
        scans += full.len();
        let mut timings = Vec::new();
        for request in [&first, &next] {
            let mut times = Vec::with_capacity(runs);
            for _ in 0..runs {
                let started = Instant::now();
                let hits = index.search(&filter, order, request).await?;
                let ids: Vec<_> = hits.items.iter().map(|h| h.id).collect();
                services.profiles.by_ids(&actor, &ids).await?;
                times.push(started.elapsed());
            }
            times.sort();
            timings.push(times);
        }
        print_row(name, &timings, &full, page.has_next_page);
    }
    // Agencies: a table twenty times smaller, where PostgreSQL may rightly prefer a scan
    // for broad text; the plan column says whether the indexes can serve each search.
    let agencies = SeaAgencyIndex::new(&db);
    for (name, filter, order) in persistence::agency_search::typical_searches() {
        let first = PageRequest::<TalentCursor>::new(Some(20), None)?;
        let page = agencies.search(&filter, order, &first).await?;
        let next = PageRequest::new(Some(20), page.items.last().map(|h| h.cursor.clone()))?;
        let mut full = Vec::new();
        let mut timings = Vec::new();
        let mut actual = Vec::new();
        for request in [&first, &next] {
            let statement =
                persistence::agency_search::search_statement(backend, &filter, order, request);
            full.extend(full_scans(&explain_indexed(conn, statement.clone()).await?));
            actual.extend(full_scans(&explain(conn, statement).await?));
            let mut times = Vec::with_capacity(runs);
            for _ in 0..runs {
                let started = Instant::now();
                let hits = agencies.search(&filter, order, request).await?;
                let ids: Vec<_> = hits.items.iter().map(|h| h.id).collect();
                services.agencies.by_ids(&actor, &ids).await?;
                times.push(started.elapsed());
            }
            times.sort();
            timings.push(times);
        }
        scans += full.len();
        print_row(name, &timings, &full, page.has_next_page);
        if !actual.is_empty() && full.is_empty() {
            println!(
                "{:<50} (timed plan scans the small table: {})",
                "",
                actual.join("; ")
            );
        }
    }
    if scans > 0 && profiles >= ENFORCED_FROM {
        return Err(format!("{scans} plan lines read a whole table").into());
    }
    if scans > 0 {
        println!(
            "\n{scans} plan lines read a whole table; below {ENFORCED_FROM} profiles that can be \
             the cheaper plan, so it is reported, not failed"
        );
    }
    Ok(())
}

/// From this many profiles on, a plan that reads a whole table fails the benchmark; on
/// smaller data a planner may rightly prefer a scan.
const ENFORCED_FROM: i64 = 10_000;

/// One line of the report; the next-page columns say "-" when there is no next page.
fn print_row(name: &str, timings: &[Vec<Duration>], full: &[String], has_next: bool) {
    let ms = |times: &[Duration], p| format!("{:.2}", percentile(times, p).as_secs_f64() * 1000.0);
    let next = |p| {
        if has_next {
            ms(&timings[1], p)
        } else {
            "-".to_owned()
        }
    };
    println!(
        "{name:<62} {:>8} {:>8} {:>8} {:>8}  {}",
        ms(&timings[0], 50.0),
        ms(&timings[0], 99.0),
        next(50.0),
        next(99.0),
        if full.is_empty() {
            "indexes only".to_owned()
        } else {
            format!("FULL SCAN: {}", full.join("; "))
        }
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let times: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&times, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&times, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&times[..1], 99.0), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }
}
