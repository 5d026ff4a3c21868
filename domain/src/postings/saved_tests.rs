//! Saved searches over in-memory storage and a made-up index: names, limits, who may do
//! what, and what the alert job asks the index for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::service_tests::Skills;
use super::*;
use crate::actor::{Actor, Role, UserId};
use crate::error::{DomainError, DomainResult, ErrorCode};
use crate::notifications::SavedSearchId;
use crate::pagination::{Page, PageRequest};
use crate::profiles::{ResultOrder, TalentCursor};

#[derive(Default)]
struct Memory {
    searches: Mutex<Vec<SavedSearch>>,
    notified: Mutex<HashSet<(SavedSearchId, PostingId)>>,
}

fn taken() -> DomainError {
    DomainError::conflict(&["name"], "is already taken")
}

#[async_trait]
impl SavedSearchRepository for Memory {
    async fn create(&self, s: &SavedSearch, max: usize) -> DomainResult<bool> {
        let mut all = self.searches.lock().unwrap();
        let mine: Vec<&SavedSearch> = all.iter().filter(|x| x.user_id == s.user_id).collect();
        if mine.len() >= max {
            return Ok(false);
        }
        if mine.iter().any(|x| x.name.key() == s.name.key()) {
            return Err(taken());
        }
        all.push(s.clone());
        Ok(true)
    }
    async fn by_ids(&self, ids: &[SavedSearchId]) -> DomainResult<Vec<SavedSearch>> {
        let all = self.searches.lock().unwrap();
        Ok(all
            .iter()
            .filter(|s| ids.contains(&s.id))
            .cloned()
            .collect())
    }
    async fn of_user(&self, user: UserId) -> DomainResult<Vec<SavedSearch>> {
        let all = self.searches.lock().unwrap();
        Ok(all.iter().filter(|s| s.user_id == user).cloned().collect())
    }
    async fn rename(
        &self,
        user: UserId,
        id: SavedSearchId,
        name: &SavedSearchName,
        at: DateTime<Utc>,
    ) -> DomainResult<bool> {
        let mut all = self.searches.lock().unwrap();
        if all
            .iter()
            .any(|s| s.user_id == user && s.id != id && s.name.key() == name.key())
        {
            return Err(taken());
        }
        match all.iter_mut().find(|s| s.id == id && s.user_id == user) {
            Some(s) => {
                s.name = name.clone();
                s.updated_at = at;
                Ok(true)
            }
            None => Ok(false),
        }
    }
    async fn update_search(
        &self,
        user: UserId,
        id: SavedSearchId,
        search: &PostingSearch,
        at: DateTime<Utc>,
    ) -> DomainResult<bool> {
        let mut all = self.searches.lock().unwrap();
        match all.iter_mut().find(|s| s.id == id && s.user_id == user) {
            Some(s) => {
                s.search = search.clone();
                s.updated_at = at;
                s.checked_until = at;
                s.alerts_since = at;
                Ok(true)
            }
            None => Ok(false),
        }
    }
    async fn delete(&self, user: UserId, id: SavedSearchId) -> DomainResult<bool> {
        let mut all = self.searches.lock().unwrap();
        let before = all.len();
        all.retain(|s| !(s.id == id && s.user_id == user));
        Ok(all.len() < before)
    }
    async fn batch_after(
        &self,
        after: Option<SavedSearchId>,
        limit: u32,
    ) -> DomainResult<Vec<SavedSearch>> {
        let mut all: Vec<SavedSearch> = self
            .searches
            .lock()
            .unwrap()
            .iter()
            .filter(|s| after.is_none_or(|a| s.id > a))
            .cloned()
            .collect();
        all.sort_by_key(|s| s.id);
        all.truncate(limit as usize);
        Ok(all)
    }
    async fn record_matches(
        &self,
        search: &SavedSearch,
        postings: &[PostingId],
        until: DateTime<Utc>,
    ) -> DomainResult<Option<u32>> {
        let mut all = self.searches.lock().unwrap();
        let Some(stored) = all
            .iter_mut()
            .find(|s| s.id == search.id && s.checked_until == search.checked_until)
        else {
            return Ok(None);
        };
        stored.checked_until = until;
        let mut notified = self.notified.lock().unwrap();
        let new = postings
            .iter()
            .filter(|p| notified.insert((search.id, **p)))
            .count();
        Ok(Some(new as u32))
    }
}

/// Postings as the index sees them: (id, published at, client).
#[derive(Default)]
struct Index {
    postings: Mutex<Vec<(PostingId, DateTime<Utc>, UserId)>>,
    /// The filters it was asked for.
    asked: Mutex<Vec<PostingFilter>>,
}

#[async_trait]
impl PostingIndex for Index {
    async fn search(
        &self,
        filter: &PostingFilter,
        order: ResultOrder,
        page: &PageRequest<TalentCursor>,
        _now: DateTime<Utc>,
    ) -> DomainResult<Page<PostingHit>> {
        assert_eq!(order, ResultOrder::Newest);
        self.asked.lock().unwrap().push(filter.clone());
        let mut hits: Vec<(DateTime<Utc>, Uuid)> = self
            .postings
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, at, by)| {
                filter.published_after.is_none_or(|a| *at > a)
                    && filter.published_before.is_none_or(|b| *at <= b)
                    && filter.not_by != Some(*by)
            })
            .map(|(id, at, _)| (*at, id.0))
            .collect();
        hits.sort_by(|a, b| b.cmp(a));
        if let Some(TalentCursor::Newest { at, id }) = page.after() {
            hits.retain(|h| *h < (*at, *id));
        }
        hits.truncate(page.fetch_limit() as usize);
        let items = hits
            .into_iter()
            .map(|(at, id)| PostingHit {
                id: PostingId(id),
                cursor: TalentCursor::Newest { at, id },
            })
            .collect();
        Ok(Page::from_overfetch(items, page))
    }
    async fn count(&self, _: &PostingFilter, _: DateTime<Utc>) -> DomainResult<u64> {
        Ok(0)
    }
}

fn service() -> (SavedSearchService, Arc<Memory>, Arc<Index>) {
    let memory = Arc::new(Memory::default());
    let index = Arc::new(Index::default());
    let search = PostingSearchService::new(index.clone(), Arc::new(Skills));
    (
        SavedSearchService::new(memory.clone(), search),
        memory,
        index,
    )
}

fn user(n: u128) -> Actor {
    Actor::User {
        id: UserId(Uuid::from_u128(n)),
        roles: vec![Role::Freelancer],
    }
}

fn rust() -> PostingSearch {
    PostingSearch {
        skills_any: vec!["rust".into()],
        ..PostingSearch::default()
    }
}

fn fields(err: &DomainError) -> Vec<(ErrorCode, String)> {
    err.field_errors()
        .iter()
        .map(|f| (f.code, f.field.join(".")))
        .collect()
}

#[test]
fn names_are_one_line_of_1_to_80_characters_unique_without_case() {
    assert_eq!(
        SavedSearchName::parse("  Rust jobs ").unwrap().as_str(),
        "Rust jobs"
    );
    assert_eq!(
        SavedSearchName::parse("Rust JOBS").unwrap().key(),
        SavedSearchName::parse("rust jobs").unwrap().key()
    );
    assert!(SavedSearchName::parse(&"é".repeat(80)).is_ok());
    for bad in ["", "   ", "two\nlines", "\u{202E}evil", &"x".repeat(81)] {
        assert!(SavedSearchName::parse(bad).is_err(), "{bad:?}");
    }
}

#[tokio::test]
async fn a_user_saves_lists_renames_and_deletes_only_their_own() {
    let (svc, _, _) = service();
    let ada = user(1);
    let bob = user(2);
    let first = svc.create(&ada, "Rust", rust()).await.unwrap();
    assert_eq!(first.checked_until, first.created_at);
    let second = svc
        .create(&ada, "Anything", PostingSearch::default())
        .await
        .unwrap();
    assert_eq!(
        svc.list_mine(&ada)
            .await
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        [first.id, second.id]
    );
    assert!(svc.list_mine(&bob).await.unwrap().is_empty());
    // Someone else's saved search does not exist for them.
    for err in [
        svc.rename(&bob, first.id, "Mine now").await.unwrap_err(),
        svc.update_filter(&bob, first.id, PostingSearch::default())
            .await
            .unwrap_err(),
        svc.delete(&bob, first.id).await.unwrap_err(),
    ] {
        assert_eq!(
            fields(&err),
            [(ErrorCode::NotFound, "savedSearchId".to_owned())]
        );
    }
    assert!(svc.by_ids(&bob, &[first.id]).await.unwrap().is_empty());
    assert_eq!(svc.by_ids(&ada, &[first.id]).await.unwrap().len(), 1);
    assert!(matches!(
        svc.matches(&bob, &first, None, None).await,
        Err(crate::profiles::TalentSearchError::Domain(_))
    ));
    // Renaming to another of one's own names, in any case, is a conflict.
    let err = svc.rename(&ada, second.id, "RUST").await.unwrap_err();
    assert_eq!(fields(&err), [(ErrorCode::Conflict, "name".to_owned())]);
    let renamed = svc.rename(&ada, first.id, " Rust, remote ").await.unwrap();
    assert_eq!(renamed.name.as_str(), "Rust, remote");
    assert_eq!(renamed.search, rust());
    svc.delete(&ada, first.id).await.unwrap();
    let err = svc.delete(&ada, first.id).await.unwrap_err();
    assert_eq!(err.field_errors()[0].code, ErrorCode::NotFound);
    assert_eq!(svc.list_mine(&ada).await.unwrap().len(), 1);
    // The same name in another user's list is fine.
    svc.create(&bob, "anything", rust()).await.unwrap();
}

#[tokio::test]
async fn the_anonymous_and_the_platform_keep_no_saved_searches() {
    let (svc, memory, _) = service();
    let id = SavedSearchId(Uuid::now_v7());
    for (actor, code) in [
        (Actor::Anonymous, ErrorCode::Unauthenticated),
        (Actor::System, ErrorCode::Forbidden),
    ] {
        // Who asks comes before what they ask: even bad input says "sign in".
        assert_eq!(
            svc.create(&actor, "", PostingSearch::default())
                .await
                .unwrap_err()
                .code(),
            code
        );
        assert_eq!(svc.rename(&actor, id, "x").await.unwrap_err().code(), code);
        assert_eq!(svc.delete(&actor, id).await.unwrap_err().code(), code);
        assert_eq!(svc.list_mine(&actor).await.unwrap_err().code(), code);
        assert!(svc.by_ids(&actor, &[id]).await.unwrap().is_empty());
    }
    assert!(memory.searches.lock().unwrap().is_empty());
}

#[tokio::test]
async fn bad_input_is_reported_at_once_and_saves_nothing() {
    let (svc, memory, _) = service();
    let ada = user(1);
    let bad = PostingSearch {
        skills_any: vec!["cobol-on-mars".into()],
        posted_within_days: Some(0),
        time_zone: Some("Mars/Olympus".into()),
        ..PostingSearch::default()
    };
    let err = svc.create(&ada, "", bad.clone()).await.unwrap_err();
    let got = fields(&err);
    assert_eq!(got[0], (ErrorCode::Validation, "name".to_owned()));
    for path in [
        "filter.skills.anyOf.0",
        "filter.postedWithinDays",
        "filter.timeZone",
    ] {
        assert!(got.iter().any(|(_, p)| p == path), "{path} in {got:?}");
    }
    assert!(memory.searches.lock().unwrap().is_empty());
    let saved = svc.create(&ada, "Rust", rust()).await.unwrap();
    let err = svc.update_filter(&ada, saved.id, bad).await.unwrap_err();
    assert!(fields(&err).iter().all(|(_, p)| p.starts_with("filter.")));
    let err = svc.rename(&ada, saved.id, "a\tb").await.unwrap_err();
    assert_eq!(fields(&err), [(ErrorCode::Validation, "name".to_owned())]);
    assert_eq!(memory.searches.lock().unwrap()[0], saved);
}

#[tokio::test]
async fn a_user_keeps_at_most_20() {
    let (svc, memory, _) = service();
    let ada = user(1);
    for i in 0..MAX_SAVED_SEARCHES {
        svc.create(&ada, &format!("search {i}"), rust())
            .await
            .unwrap();
    }
    let err = svc.create(&ada, "one more", rust()).await.unwrap_err();
    assert_eq!(fields(&err), [(ErrorCode::InvalidState, String::new())]);
    assert_eq!(memory.searches.lock().unwrap().len(), MAX_SAVED_SEARCHES);
    svc.create(&user(2), "one more", rust()).await.unwrap();
}

#[tokio::test]
async fn alerts_ask_for_new_postings_not_by_the_user_and_move_the_watermark() {
    let (svc, memory, index) = service();
    let ada = user(1);
    let ada_id = ada.user_id().unwrap();
    let saved = svc.create(&ada, "Rust", rust()).await.unwrap();
    // As if an earlier run had covered the first ten minutes.
    let start = saved.checked_until + TimeDelta::minutes(10);
    memory.searches.lock().unwrap()[0].checked_until = start;
    let client = UserId(Uuid::from_u128(9));
    {
        let mut postings = index.postings.lock().unwrap();
        // Before the overlap window: never. Inside it, and after: yes. Ada's own: never.
        for at in [
            start - ALERT_OVERLAP - TimeDelta::seconds(1),
            start - TimeDelta::minutes(4),
            start + TimeDelta::seconds(20),
        ] {
            postings.push((PostingId(Uuid::now_v7()), at, client));
        }
        postings.push((
            PostingId(Uuid::now_v7()),
            start + TimeDelta::seconds(1),
            ada_id,
        ));
    }
    let now = start + TimeDelta::minutes(1);
    let run = svc.run_alerts(now).await.unwrap();
    assert_eq!((run.searches, run.notified, run.behind), (1, 2, 0));
    assert!(run.invalid.is_empty());
    let asked = index.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0].published_after == Some(start - ALERT_OVERLAP)
            && asked[0].published_before.is_none()
            && asked[0].not_by == Some(ada_id)
            && asked[0].skills_any.len() == 1
    );
    assert_eq!(memory.searches.lock().unwrap()[0].checked_until, now);
    // The same window again: the watermark moved, so nothing is looked at twice...
    let again = svc.run_alerts(now).await.unwrap();
    assert_eq!((again.searches, again.notified), (1, 0));
    // ...and a run that read the old watermark writes nothing.
    assert_eq!(memory.record_matches(&saved, &[], now).await.unwrap(), None);
}

/// Ada's saved "Rust" search, its watermark moved to the returned start, with the
/// service, its storage and the index.
async fn watched() -> (SavedSearchService, Arc<Memory>, Arc<Index>, DateTime<Utc>) {
    let (svc, memory, index) = service();
    let saved = svc.create(&user(1), "Rust", rust()).await.unwrap();
    let start = saved.checked_until + TimeDelta::seconds(1);
    memory.searches.lock().unwrap()[0].checked_until = start;
    (svc, memory, index, start)
}

/// Publishes `count` postings the search matches, by another client, the i-th at
/// `at(i)`; their times and IDs.
fn publish(
    index: &Index,
    count: usize,
    at: impl Fn(i64) -> DateTime<Utc>,
) -> Vec<(DateTime<Utc>, PostingId)> {
    let client = UserId(Uuid::from_u128(9));
    let mut postings = index.postings.lock().unwrap();
    (0..i64::try_from(count).unwrap())
        .map(|i| {
            let id = PostingId(Uuid::now_v7());
            postings.push((id, at(i), client));
            (at(i), id)
        })
        .collect()
}

#[tokio::test]
async fn a_backlog_beyond_the_cap_is_notified_over_several_runs_and_none_is_lost() {
    let (svc, memory, index, start) = watched().await;
    // A day without the job: 1,300 matching postings, one a minute or so.
    let total = ALERT_CAP * 2 + 300;
    let all: Vec<PostingId> = publish(&index, total, |i| start + TimeDelta::seconds(66 * i + 1))
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    let now = start + TimeDelta::days(1);
    let mut runs = Vec::new();
    let mut notified = 0;
    loop {
        let run = svc.run_alerts(now).await.unwrap();
        assert!(run.notified as usize <= ALERT_CAP, "{run:?}");
        notified += run.notified as usize;
        let watermark = memory.searches.lock().unwrap()[0].checked_until;
        runs.push((run.notified, run.behind, watermark));
        if run.behind == 0 {
            break;
        }
        assert!(runs.len() < 10, "no progress: {runs:?}");
    }
    assert!(runs.len() >= 3, "{runs:?}");
    // Each watermark after the one before, the last one `now`.
    assert!(runs.windows(2).all(|w| w[0].2 < w[1].2), "{runs:?}");
    assert_eq!(runs.last().unwrap().2, now);
    // Every posting notified exactly once.
    assert_eq!(notified, total, "{runs:?}");
    let mut written: Vec<Uuid> = memory
        .notified
        .lock()
        .unwrap()
        .iter()
        .map(|(_, p)| p.0)
        .collect();
    written.sort();
    let mut all: Vec<Uuid> = all.iter().map(|p| p.0).collect();
    all.sort();
    assert_eq!(written, all);
}

#[tokio::test]
async fn a_new_search_never_alerts_on_postings_published_before_it_was_saved() {
    let (svc, _, index) = service();
    let ada = user(1);
    let saved = svc.create(&ada, "Rust", rust()).await.unwrap();
    let client = UserId(Uuid::from_u128(9));
    let before = PostingId(Uuid::now_v7());
    let after = PostingId(Uuid::now_v7());
    index.postings.lock().unwrap().extend([
        (before, saved.created_at - TimeDelta::minutes(1), client),
        (after, saved.created_at + TimeDelta::seconds(1), client),
    ]);
    let run = svc
        .run_alerts(saved.created_at + TimeDelta::minutes(1))
        .await
        .unwrap();
    assert_eq!(run.notified, 1);
    assert_eq!(
        index.asked.lock().unwrap()[0].published_after,
        Some(saved.created_at),
        "the overlap does not reach back past the save"
    );
}

#[tokio::test]
async fn a_search_that_no_longer_validates_matches_nothing_and_moves_on() {
    let (svc, memory, index) = service();
    let ada = user(1);
    let saved = svc.create(&ada, "Rust", rust()).await.unwrap();
    // The skill left the taxonomy after it was saved.
    memory.searches.lock().unwrap()[0].search.skills_any = vec!["gone".into()];
    index.postings.lock().unwrap().push((
        PostingId(Uuid::now_v7()),
        saved.checked_until + TimeDelta::seconds(1),
        UserId(Uuid::from_u128(9)),
    ));
    let soon = saved.checked_until + TimeDelta::minutes(1);
    let run = svc.run_alerts(soon).await.unwrap();
    assert_eq!(run.invalid, [saved.id]);
    assert_eq!(run.notified, 0);
    assert!(index.asked.lock().unwrap().is_empty());
    // Finding nothing, it keeps its watermark for a while (no write), then moves on.
    assert_eq!(
        memory.searches.lock().unwrap()[0].checked_until,
        saved.checked_until
    );
    let now = saved.checked_until + IDLE_WATERMARK_MOVE;
    assert_eq!(svc.run_alerts(now).await.unwrap().invalid, [saved.id]);
    assert_eq!(memory.searches.lock().unwrap()[0].checked_until, now);
    // Its matches say why.
    let stored = memory.searches.lock().unwrap()[0].clone();
    assert!(matches!(
        svc.matches(&ada, &stored, None, None).await,
        Err(crate::profiles::TalentSearchError::Domain(
            DomainError::Validation(_)
        ))
    ));
}

#[tokio::test]
async fn changing_the_filter_restarts_alerts_from_now() {
    let (svc, memory, _) = service();
    let ada = user(1);
    let saved = svc.create(&ada, "Rust", rust()).await.unwrap();
    let changed = svc
        .update_filter(&ada, saved.id, PostingSearch::default())
        .await
        .unwrap();
    assert!(changed.checked_until >= saved.checked_until);
    assert_eq!(changed.alerts_since, changed.checked_until);
    assert_eq!(changed.search, PostingSearch::default());
    assert_eq!(memory.searches.lock().unwrap()[0], changed);
}

#[tokio::test]
async fn a_burst_beyond_the_cap_within_one_second_alerts_on_its_newest() {
    let (svc, memory, index, start) = watched().await;
    let mut burst = publish(&index, ALERT_CAP + 100, |i| {
        start + TimeDelta::milliseconds(100) + TimeDelta::microseconds(i)
    });
    let now = start + TimeDelta::minutes(10);
    let first = svc.run_alerts(now).await.unwrap();
    assert_eq!((first.notified as usize, first.behind), (ALERT_CAP, 1));
    let watermark = memory.searches.lock().unwrap()[0].checked_until;
    assert!(watermark > start && watermark <= start + MIN_ALERT_WINDOW);
    // The newest of the burst were notified.
    burst.sort();
    let notified: HashSet<PostingId> = memory
        .notified
        .lock()
        .unwrap()
        .iter()
        .map(|(_, p)| *p)
        .collect();
    assert!(burst[100..].iter().all(|(_, id)| notified.contains(id)));
    // The next run finds nothing new after the burst, and is not behind; the quiet
    // watermark moves on once it is an hour old.
    let second = svc.run_alerts(now).await.unwrap();
    assert_eq!((second.notified, second.behind), (0, 0));
    let later = watermark + IDLE_WATERMARK_MOVE + TimeDelta::minutes(1);
    let third = svc.run_alerts(later).await.unwrap();
    assert_eq!((third.notified, third.behind), (0, 0));
    assert_eq!(memory.searches.lock().unwrap()[0].checked_until, later);
}
