#![allow(clippy::unwrap_used)]
//! Posting search on both back ends: plans on indexes, pages, relevance.

use super::*;

use crate::talent_search::{assert_no_full_scan, explain};
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
                assert_no_full_scan(&format!("{backend:?} {name}, {which}"), &plan);
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

/// Every page of a relevance search after the cursor `after`, in pages of `size`.
async fn relevance_pages(
    service: &domain::postings::PostingSearchService,
    filter: &PostingFilter,
    size: i64,
    mut after: Option<String>,
    now: DateTime<Utc>,
) -> Vec<PostingHit> {
    let mut hits = Vec::new();
    loop {
        let page = service
            .run(
                filter.clone(),
                domain::postings::PostingSort::Relevance,
                Some(size),
                after.as_deref(),
                now,
            )
            .await
            .unwrap_or_else(|_| panic!("a page after {after:?}"));
        after = page.page.items.last().map(|h| page.cursor(h));
        hits.extend(page.page.items.iter().cloned());
        if !page.page.has_next_page {
            return hits;
        }
    }
}

/// `ids` in ID order.
fn sorted(ids: &[PostingId]) -> Vec<PostingId> {
    let mut ids = ids.to_vec();
    ids.sort_by_key(|p| p.0);
    ids
}

/// Relevance ranks the newest matches and then lists the older ones newest first:
/// paging through (pages of 5 and of 7, to and across the end of the 25 ranked)
/// reaches every match once, through the search service and its cursors. A ranked
/// posting that closes between pages changes nothing else: the set the first page
/// ranked stays, and the older matches start where they did.
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
        let filter = service
            .validate(PostingSearch {
                text: Some("api".into()),
                ..PostingSearch::default()
            })
            .await
            .unwrap();
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
        assert_eq!(
            index.count(&filter, now).await.unwrap(),
            newest.len() as u64,
            "{backend:?}"
        );
        // Pages of 5 end exactly where the ranked matches do; pages of 7 cross it.
        for size in [5, 7] {
            let hits = relevance_pages(&service, &filter, size, None, now).await;
            let ids: Vec<PostingId> = hits.iter().map(|h| h.id).collect();
            assert_eq!(ids.len(), newest.len(), "{backend:?}: every match once");
            let (ranked, older) = ids.split_at(RANKED);
            assert_eq!(
                older,
                &newest[RANKED..],
                "{backend:?}: older ones newest first"
            );
            assert_eq!(
                sorted(ranked),
                sorted(&newest[..RANKED]),
                "{backend:?}: the newest are ranked"
            );
            let ranks: Vec<f64> = hits[..RANKED]
                .iter()
                .map(|h| match h.cursor {
                    TalentCursor::RankWithin { rank, .. } => rank,
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
        // Between the first page and the next: a ranked posting not shown yet and the
        // set's oldest member close, and an older match is published again (as a new
        // posting would be).
        let first = service
            .run(filter.clone(), PostingSort::Relevance, Some(5), None, now)
            .await
            .ok()
            .unwrap();
        let shown: Vec<PostingId> = first.page.items.iter().map(|h| h.id).collect();
        let mut closing: Vec<PostingId> = newest[..RANKED - 1]
            .iter()
            .copied()
            .filter(|id| !shown.contains(id))
            .take(1)
            .collect();
        if !shown.contains(&newest[RANKED - 1]) {
            closing.push(newest[RANKED - 1]);
        }
        let republished = newest[RANKED + 3];
        {
            use crate::entities::posting;
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            posting::Entity::update_many()
                .col_expr(posting::Column::Status, "CLOSED".into())
                .col_expr(posting::Column::CloseReason, "CANCELLED".into())
                .filter(posting::Column::Id.is_in(closing.iter().map(|c| c.0)))
                .exec(db.connection())
                .await
                .unwrap();
            posting::Entity::update_many()
                .col_expr(posting::Column::PublishedAt, Utc::now().into())
                .filter(posting::Column::Id.eq(republished.0))
                .exec(db.connection())
                .await
                .unwrap();
        }
        let after = first.page.items.last().map(|h| first.cursor(h));
        let rest = relevance_pages(&service, &filter, 5, after, now).await;
        let ids: Vec<PostingId> = shown
            .iter()
            .copied()
            .chain(rest.iter().map(|h| h.id))
            .collect();
        assert_eq!(
            sorted(&ids).windows(2).filter(|w| w[0] == w[1]).count(),
            0,
            "{backend:?}: none twice"
        );
        let older_now: Vec<PostingId> = newest[RANKED..]
            .iter()
            .copied()
            .filter(|id| *id != republished)
            .collect();
        let (ranked, older) = ids.split_at(ids.len() - older_now.len());
        assert_eq!(
            older, older_now,
            "{backend:?}: the older ones start where they did"
        );
        let ranked_before: Vec<PostingId> = ranked
            .iter()
            .copied()
            .filter(|id| *id != republished)
            .collect();
        let still: Vec<PostingId> = newest[..RANKED]
            .iter()
            .copied()
            .filter(|id| !closing.contains(id))
            .collect();
        assert_eq!(
            sorted(&ranked_before),
            sorted(&still),
            "{backend:?}: the same ranked set, less the closed ones"
        );
        // A forged cursor whose set starts at the dawn of time ranks no more than a first
        // page would.
        let forged = PageRequest::new(
            Some(100),
            Some(TalentCursor::RankWithin {
                rank: -1e300,
                id: Uuid::nil(),
                from: DateTime::<Utc>::UNIX_EPOCH,
                from_id: Uuid::nil(),
            }),
        )
        .unwrap();
        let page = index
            .search(&filter, ResultOrder::Rank, &forged, now)
            .await
            .unwrap();
        let ranked_rows = page
            .items
            .iter()
            .filter(|h| matches!(h.cursor, TalentCursor::RankWithin { .. }))
            .count();
        assert_eq!(
            ranked_rows,
            RANKED,
            "{backend:?}: {} rows",
            page.items.len()
        );
    }
}
