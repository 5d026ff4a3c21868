//! Saved searches and their alerts: a user names a posting filter and keeps it; a job
//! writes one notification for each newly published posting that matches it (issue 5).
//!
//! The filter is kept as the user gave it ([`PostingSearch`]) and validated on every
//! save and every alert run, so a skill or category removed from the taxonomy later
//! makes the search stop matching instead of breaking anything.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use uuid::Uuid;

use super::model::PostingId;
use super::search::{PostingFilter, PostingPage, PostingSearch, PostingSearchService, PostingSort};
use crate::actor::{Actor, UserId};
use crate::error::{DomainError, DomainResult};
use crate::notifications::SavedSearchId;
use crate::profiles::TalentSearchError;

/// The most saved searches one user keeps.
pub const MAX_SAVED_SEARCHES: usize = 20;
/// The longest name, in characters.
pub const MAX_SAVED_SEARCH_NAME: usize = 80;
/// How far before a search's watermark each alert run looks again, so that a posting
/// whose publication committed late (or on a server whose clock is a little behind) is
/// not missed. Notifications are unique per (search, posting), so looking twice is
/// harmless.
pub const ALERT_OVERLAP: TimeDelta = TimeDelta::minutes(5);
/// The most postings one search alerts on in one run; when more match, the watermark
/// moves only as far as those notified and the next runs take the rest.
pub const ALERT_CAP: usize = 500;
/// The narrowest window a run splits a backlog into: a burst of more than
/// [`ALERT_CAP`] matching postings published within it alerts on its newest only.
pub const MIN_ALERT_WINDOW: TimeDelta = TimeDelta::seconds(1);
/// A search that found nothing new keeps its watermark until it is this old: most
/// searches find nothing most of the time, and a write per search per run would be
/// most of the job's cost. (The next window is then a little longer, which is all.)
pub const IDLE_WATERMARK_MOVE: TimeDelta = TimeDelta::hours(1);
/// How many saved searches the alert job reads at once.
pub const ALERT_BATCH: u32 = 200;
/// How many postings the alert job asks the index for at once.
const ALERT_PAGE: i64 = 100;

/// A saved search's name: one line of 1 to 80 characters, unique per user without
/// regard to case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedSearchName(String);

impl SavedSearchName {
    /// Trims and checks a name; the message says what is wrong.
    pub fn parse(raw: &str) -> Result<Self, String> {
        crate::text::single_line(raw, 1, MAX_SAVED_SEARCH_NAME).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What uniqueness is decided on: the name in lower case, so "Rust jobs" and
    /// "rust JOBS" are the same name.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A posting filter a user keeps under a name.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedSearch {
    /// Time-ordered (UUID v7): older searches have smaller IDs.
    pub id: SavedSearchId,
    pub user_id: UserId,
    pub name: SavedSearchName,
    /// The filter as the user gave it (valid when it was saved).
    pub search: PostingSearch,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Alerts have covered postings published up to this instant; the next run looks
    /// at those published after it (less [`ALERT_OVERLAP`]).
    pub checked_until: DateTime<Utc>,
    /// Postings published at or before this instant never alert: when the search was
    /// saved, or its filter last changed (the overlap never reaches back past it).
    pub alerts_since: DateTime<Utc>,
}

/// What one run of the alert job did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertRun {
    /// Saved searches this run looked at.
    pub searches: u32,
    /// Notifications this run wrote.
    pub notified: u32,
    /// Saved searches whose filter no longer validates (a skill or category was
    /// removed from the taxonomy): they match nothing, and their watermark moves on.
    pub invalid: Vec<SavedSearchId>,
    /// Saved searches with more new matches than one run alerts on: their watermark
    /// moved only part of the way, and the next runs take the rest.
    pub behind: u32,
}

#[async_trait]
pub trait SavedSearchRepository: Send + Sync {
    /// Stores a new saved search unless its user already has `max` of them; false when
    /// they have (nothing is written). Another of theirs with the same name (any case)
    /// is `CONFLICT` on `name`. The count and the insert are one transaction, so
    /// concurrent saves never pass `max`.
    async fn create(&self, search: &SavedSearch, max: usize) -> DomainResult<bool>;
    /// Saved searches by ID, whoever owns them, in no particular order.
    async fn by_ids(&self, ids: &[SavedSearchId]) -> DomainResult<Vec<SavedSearch>>;
    /// A user's saved searches, oldest first.
    async fn of_user(&self, user: UserId) -> DomainResult<Vec<SavedSearch>>;
    /// Renames `user`'s saved search `id`; false when there is no such search of theirs.
    /// A name another of theirs has is `CONFLICT` on `name`.
    async fn rename(
        &self,
        user: UserId,
        id: SavedSearchId,
        name: &SavedSearchName,
        at: DateTime<Utc>,
    ) -> DomainResult<bool>;
    /// Replaces the filter of `user`'s saved search `id` and restarts its alerts at
    /// `at` (both `checked_until` and `alerts_since`); false when there is no such
    /// search of theirs.
    async fn update_search(
        &self,
        user: UserId,
        id: SavedSearchId,
        search: &PostingSearch,
        at: DateTime<Utc>,
    ) -> DomainResult<bool>;
    /// Deletes `user`'s saved search `id`; false when there is no such search of theirs.
    /// The notifications it wrote stay.
    async fn delete(&self, user: UserId, id: SavedSearchId) -> DomainResult<bool>;
    /// Up to `limit` saved searches of all users with IDs above `after`, by ID.
    async fn batch_after(
        &self,
        after: Option<SavedSearchId>,
        limit: u32,
    ) -> DomainResult<Vec<SavedSearch>>;
    /// In one transaction: moves `search`'s watermark from `search.checked_until` to
    /// `until` (a conditional write: only if it is still there) and writes one
    /// `SAVED_SEARCH_MATCH` notification per posting for its user, each at most once
    /// ever per (search, posting). `None` when the watermark had moved (another run, or
    /// a change of filter, came first): then nothing is written. Otherwise how many
    /// notifications are new.
    async fn record_matches(
        &self,
        search: &SavedSearch,
        postings: &[PostingId],
        until: DateTime<Utc>,
    ) -> DomainResult<Option<u32>>;
}

/// Keeping saved searches and running their alerts. Every saved search is its user's
/// alone: anyone else, admins included, is told there is no such search.
#[derive(Clone)]
pub struct SavedSearchService {
    repo: Arc<dyn SavedSearchRepository>,
    search: PostingSearchService,
}

/// Now, to the microsecond: what a write returns is then what a later read returns
/// (storage keeps microseconds on both back ends).
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn signed_in(actor: &Actor) -> DomainResult<UserId> {
    match actor {
        Actor::User { id, .. } => Ok(*id),
        Actor::Anonymous => Err(DomainError::Unauthenticated),
        Actor::System => Err(DomainError::Forbidden),
    }
}

fn not_found() -> DomainError {
    DomainError::not_found_at("savedSearchId", "no such saved search")
}

fn full() -> DomainError {
    DomainError::invalid_state_at(
        &[],
        format!(
            "you have {MAX_SAVED_SEARCHES} saved searches, the most one may keep; delete one first"
        ),
    )
}

impl SavedSearchService {
    pub fn new(repo: Arc<dyn SavedSearchRepository>, search: PostingSearchService) -> Self {
        Self { repo, search }
    }

    /// Checks a name and a filter together: every problem at once, the name's on `name`
    /// and the filter's under `filter`.
    async fn check(
        &self,
        name: Option<&str>,
        search: Option<&PostingSearch>,
    ) -> DomainResult<Option<SavedSearchName>> {
        let mut errors = Vec::new();
        let name = match name.map(SavedSearchName::parse) {
            None => None,
            Some(Ok(n)) => Some(n),
            Some(Err(m)) => {
                errors.push(crate::FieldError::validation(&["name"], m));
                None
            }
        };
        if let Some(search) = search {
            match self.search.validate(search.clone()).await {
                Ok(_) => {}
                Err(DomainError::Validation(e)) => errors.extend(e),
                Err(other) => return Err(other),
            }
        }
        if errors.is_empty() {
            Ok(name)
        } else {
            Err(DomainError::Validation(errors))
        }
    }

    /// The actor's saved search `id`; anyone else's is "no such saved search".
    async fn own(&self, user: UserId, id: SavedSearchId) -> DomainResult<SavedSearch> {
        self.repo
            .by_ids(&[id])
            .await?
            .into_iter()
            .find(|s| s.user_id == user)
            .ok_or_else(not_found)
    }

    /// Saves a filter under a name for the signed-in actor. Alerts cover postings
    /// published from now on.
    pub async fn create(
        &self,
        actor: &Actor,
        name: &str,
        search: PostingSearch,
    ) -> DomainResult<SavedSearch> {
        let user = signed_in(actor)?;
        let name = self
            .check(Some(name), Some(&search))
            .await?
            .ok_or_else(|| DomainError::internal("a checked name is missing"))?;
        let now = now();
        let saved = SavedSearch {
            id: SavedSearchId(Uuid::now_v7()),
            user_id: user,
            name,
            search,
            created_at: now,
            updated_at: now,
            checked_until: now,
            alerts_since: now,
        };
        if self.repo.create(&saved, MAX_SAVED_SEARCHES).await? {
            Ok(saved)
        } else {
            Err(full())
        }
    }

    /// Renames one of the actor's saved searches.
    pub async fn rename(
        &self,
        actor: &Actor,
        id: SavedSearchId,
        name: &str,
    ) -> DomainResult<SavedSearch> {
        let user = signed_in(actor)?;
        let name = self
            .check(Some(name), None)
            .await?
            .ok_or_else(|| DomainError::internal("a checked name is missing"))?;
        let before = self.own(user, id).await?;
        let now = now();
        if !self.repo.rename(user, id, &name, now).await? {
            return Err(not_found());
        }
        Ok(SavedSearch {
            name,
            updated_at: now,
            ..before
        })
    }

    /// Replaces the filter of one of the actor's saved searches. Its alerts start again
    /// from now: postings published before the change never alert for the new filter.
    pub async fn update_filter(
        &self,
        actor: &Actor,
        id: SavedSearchId,
        search: PostingSearch,
    ) -> DomainResult<SavedSearch> {
        let user = signed_in(actor)?;
        self.check(None, Some(&search)).await?;
        let before = self.own(user, id).await?;
        let now = now();
        if !self.repo.update_search(user, id, &search, now).await? {
            return Err(not_found());
        }
        Ok(SavedSearch {
            search,
            updated_at: now,
            checked_until: now,
            alerts_since: now,
            ..before
        })
    }

    /// Deletes one of the actor's saved searches (the notifications it wrote stay).
    pub async fn delete(&self, actor: &Actor, id: SavedSearchId) -> DomainResult<()> {
        let user = signed_in(actor)?;
        if self.repo.delete(user, id).await? {
            Ok(())
        } else {
            Err(not_found())
        }
    }

    /// The actor's saved searches, oldest first (all of them: at most 20).
    pub async fn list_mine(&self, actor: &Actor) -> DomainResult<Vec<SavedSearch>> {
        let user = signed_in(actor)?;
        self.repo.of_user(user).await
    }

    /// Those of these saved searches that are the actor's; the rest are left out.
    pub async fn by_ids(
        &self,
        actor: &Actor,
        ids: &[SavedSearchId],
    ) -> DomainResult<Vec<SavedSearch>> {
        let Some(user) = actor.user_id() else {
            return Ok(Vec::new());
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut found = self.repo.by_ids(ids).await?;
        found.retain(|s| s.user_id == user);
        Ok(found)
    }

    /// The filter a saved search runs as, for its user: their own postings left out.
    async fn filter_of(&self, saved: &SavedSearch) -> DomainResult<PostingFilter> {
        let mut filter = self.search.validate(saved.search.clone()).await?;
        filter.not_by = Some(saved.user_id);
        Ok(filter)
    }

    /// What a saved search of the actor's finds now, newest first (their own postings
    /// left out, as in alerts). A filter that no longer validates is `VALIDATION`.
    pub async fn matches(
        &self,
        actor: &Actor,
        saved: &SavedSearch,
        first: Option<i64>,
        after: Option<&str>,
    ) -> Result<PostingPage, TalentSearchError> {
        let user = signed_in(actor)?;
        if saved.user_id != user {
            return Err(not_found().into());
        }
        let filter = self.filter_of(saved).await?;
        self.search
            .run(filter, PostingSort::Newest, first, after, Utc::now())
            .await
    }

    /// Up to `limit` postings matching `filter`, newest first, as of `now`.
    async fn matching(
        &self,
        filter: &PostingFilter,
        now: DateTime<Utc>,
        limit: usize,
    ) -> DomainResult<Vec<PostingId>> {
        let mut found = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .search
                .run(
                    filter.clone(),
                    PostingSort::Newest,
                    Some(ALERT_PAGE),
                    after.as_deref(),
                    now,
                )
                .await
                .map_err(|e| match e {
                    TalentSearchError::Domain(e) => e,
                    TalentSearchError::InvalidCursor => {
                        DomainError::internal("the alert job's own cursor was refused")
                    }
                })?;
            found.extend(page.page.items.iter().map(|h| h.id));
            match page.page.items.last() {
                Some(last) if page.page.has_next_page && found.len() < limit => {
                    after = Some(page.cursor(last));
                }
                _ => break,
            }
        }
        found.truncate(limit);
        Ok(found)
    }

    /// What `saved` alerts on as of `now`, and how far its watermark may then move:
    /// public open postings not its user's own, published after its watermark (less the
    /// overlap, but never before it was saved or its filter changed). At most
    /// [`ALERT_CAP`] a run: when more match, the overlap is left out and the window ends
    /// earlier (halved until it holds at most the cap), so the watermark moves only as
    /// far as the postings notified and the next runs take the rest, oldest window
    /// first. A burst of more than the cap within [`MIN_ALERT_WINDOW`] alerts on its
    /// newest. `None` when its filter no longer validates.
    async fn new_matches(
        &self,
        saved: &SavedSearch,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<(Vec<PostingId>, DateTime<Utc>)>> {
        let mut filter = match self.filter_of(saved).await {
            Ok(f) => f,
            Err(DomainError::Validation(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        filter.published_after =
            Some((saved.checked_until - ALERT_OVERLAP).max(saved.alerts_since));
        let found = self.matching(&filter, now, ALERT_CAP + 1).await?;
        if found.len() <= ALERT_CAP {
            return Ok(Some((found, now)));
        }
        let start = saved.checked_until.max(saved.alerts_since);
        filter.published_after = Some(start);
        let mut until = now;
        loop {
            filter.published_before = (until < now).then_some(until);
            let mut found = self.matching(&filter, now, ALERT_CAP + 1).await?;
            if found.len() <= ALERT_CAP {
                return Ok(Some((found, until)));
            }
            let width = until - start;
            if width <= MIN_ALERT_WINDOW {
                found.truncate(ALERT_CAP);
                return Ok(Some((found, until)));
            }
            until = start + width / 2;
        }
    }

    /// The alert job, as of `now`: for every saved search, notifies its user of each
    /// public open posting published since the search's watermark that matches it, then
    /// moves the watermark to `now` (a search that found nothing keeps its watermark up
    /// to [`IDLE_WATERMARK_MOVE`]: no write).
    ///
    /// Safe to run again and from several processes at once: the watermark moves by a
    /// conditional write in the same transaction as the notifications, so only one run
    /// records a given window, and each (search, posting) notification is unique in
    /// storage besides.
    pub async fn run_alerts(&self, now: DateTime<Utc>) -> DomainResult<AlertRun> {
        let mut run = AlertRun::default();
        let mut after = None;
        loop {
            let batch = self.repo.batch_after(after, ALERT_BATCH).await?;
            let full = batch.len() == ALERT_BATCH as usize;
            for saved in &batch {
                after = Some(saved.id);
                run.searches += 1;
                // A watermark ahead of `now` (a clock behind another server's) waits.
                if saved.checked_until >= now {
                    continue;
                }
                let (postings, until) = match self.new_matches(saved, now).await? {
                    Some(found) => found,
                    None => {
                        run.invalid.push(saved.id);
                        (Vec::new(), now)
                    }
                };
                if postings.is_empty() && until - saved.checked_until < IDLE_WATERMARK_MOVE {
                    continue;
                }
                if let Some(n) = self.repo.record_matches(saved, &postings, until).await? {
                    run.notified += n;
                    if until < now {
                        run.behind += 1;
                    }
                }
            }
            if !full {
                break;
            }
        }
        Ok(run)
    }
}
