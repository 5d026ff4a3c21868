//! Reputations behind the cache: every list of freelancers, clients or agencies shows
//! them, and they change only when a recomputation stores new ones. Each subject is its
//! own entry (`reputation:v1:{ROLE}:{id}`, 5 minutes), read for a whole batch in one
//! round trip where the cache allows; the subjects not found there are loaded from the
//! database in one call and stored, a subject never computed too (as `null`, so it is
//! not read again each time). A failing cache costs a log line, never a failed read.
//!
//! **Coherence.** A reader that missed the cache may have loaded a row a recomputation
//! then replaced; so the two write differently:
//!
//! - a recomputation, once committed, *overwrites* its subject's entry with what it
//!   stored (when that write fails it deletes the entry instead; either failure is
//!   logged, and then the entry may stay stale until its TTL);
//! - a reader fills a miss only where the entry is still absent
//!   ([`Cache::set_if_absent`]: atomic on Redis and in memory), so a value a
//!   recomputation wrote after the reader loaded the old row wins over it.
//!
//! What remains: two recomputations of one subject commit in turn (they hold its row),
//! but their writes to the cache after committing may arrive in the other order, the
//! older value last; or the new entry may be evicted (cache full) before a reader that
//! loaded the old row fills the miss. The cache then holds an older reputation until
//! the entry expires (at most [`TTL`]) or the next recomputation of the subject. Each
//! in-process cache (several servers without Redis) only sees its own process's writes.
//!
//! A failing recomputation is logged here (with the subject) and its error returned: the
//! domain goes on (the subject's marks stay for the job).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::DomainResult;
use domain::money::Money;
use domain::reviews::{Reputation, ReputationRepository, Subject};
use serde::{Deserialize, Serialize};

use crate::cache::{Cache, cached_many, invalidate, store_if_absent};

/// How long a reputation stays cached; recomputations overwrite it sooner.
const TTL: Duration = Duration::from_secs(300);

pub(crate) fn key(subject: Subject) -> String {
    format!("reputation:v1:{}:{}", subject.role(), subject.id())
}

/// A reputation as cached (its subject is the key's).
#[derive(Debug, Serialize, Deserialize)]
struct Cached {
    rating_sum: u32,
    review_count: u32,
    completed_contracts: u32,
    counted_contracts: u32,
    good_outcomes: u32,
    totals: Vec<Money>,
}

impl Cached {
    fn of(r: &Reputation) -> Self {
        Self {
            rating_sum: r.rating_sum,
            review_count: r.review_count,
            completed_contracts: r.completed_contracts,
            counted_contracts: r.counted_contracts,
            good_outcomes: r.good_outcomes,
            totals: r.totals.clone(),
        }
    }

    fn reputation(self, subject: Subject) -> Reputation {
        Reputation {
            subject,
            rating_sum: self.rating_sum,
            review_count: self.review_count,
            completed_contracts: self.completed_contracts,
            counted_contracts: self.counted_contracts,
            good_outcomes: self.good_outcomes,
            totals: self.totals,
        }
    }
}

/// [`ReputationRepository`] with its reads served from the cache (see the module's
/// documentation).
pub struct CachedReputationRepository {
    inner: Arc<dyn ReputationRepository>,
    cache: Arc<dyn Cache>,
}

impl CachedReputationRepository {
    /// `inner`'s reputations behind `cache`.
    pub fn new(inner: Arc<dyn ReputationRepository>, cache: Arc<dyn Cache>) -> Self {
        Self { inner, cache }
    }

    /// Stores `stored`, just committed, over its subject's entry; deletes the entry when
    /// that fails.
    async fn overwrite(&self, stored: &Reputation) {
        let key = key(stored.subject);
        let written = match serde_json::to_string(&Some(Cached::of(stored))) {
            Ok(raw) => self
                .cache
                .set(&key, &raw, TTL)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(error) = written {
            tracing::warn!(
                key,
                error,
                "cache write after a recomputation failed; deleting the entry"
            );
            invalidate(self.cache.as_ref(), &[key]).await;
        }
    }

    /// Fills the cache for `misses` with what was `loaded` for them (a subject left out
    /// as never computed), only where an entry is still absent.
    pub(crate) async fn fill(&self, misses: &[Subject], loaded: &HashMap<Subject, Reputation>) {
        for subject in misses {
            let entry = loaded.get(subject).map(Cached::of);
            store_if_absent(self.cache.as_ref(), &key(*subject), &entry, TTL).await;
        }
    }
}

#[async_trait]
impl ReputationRepository for CachedReputationRepository {
    async fn recompute(&self, subject: Subject, now: DateTime<Utc>) -> DomainResult<Reputation> {
        match self.inner.recompute(subject, now).await {
            Ok(stored) => {
                self.overwrite(&stored).await;
                Ok(stored)
            }
            Err(error) => {
                tracing::warn!(
                    role = subject.role(),
                    id = %subject.id(),
                    error = %error,
                    "reputation recomputation failed; its marks stay for the job"
                );
                Err(error)
            }
        }
    }

    async fn reputations(
        &self,
        subjects: &[Subject],
    ) -> DomainResult<HashMap<Subject, Reputation>> {
        let mut seen = HashSet::new();
        let subjects: Vec<Subject> = subjects
            .iter()
            .copied()
            .filter(|s| seen.insert(*s))
            .collect();
        let mut out = HashMap::new();
        if subjects.is_empty() {
            return Ok(out);
        }
        let keys: Vec<String> = subjects.iter().map(|s| key(*s)).collect();
        // `Some(None)`: cached as never computed.
        let found: Vec<Option<Option<Cached>>> = cached_many(self.cache.as_ref(), &keys).await;
        let mut misses = Vec::new();
        for (subject, entry) in subjects.iter().zip(found) {
            match entry {
                Some(Some(c)) => {
                    out.insert(*subject, c.reputation(*subject));
                }
                Some(None) => {}
                None => misses.push(*subject),
            }
        }
        if misses.is_empty() {
            return Ok(out);
        }
        let loaded = self.inner.reputations(&misses).await?;
        self.fill(&misses, &loaded).await;
        out.extend(loaded);
        Ok(out)
    }

    async fn marked(&self, limit: u32) -> DomainResult<Vec<Subject>> {
        self.inner.marked(limit).await
    }
}
