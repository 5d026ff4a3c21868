use std::time::{Duration, Instant};

use super::port::{Cache, CacheError};
use async_trait::async_trait;
use moka::Expiry;
use moka::ops::compute::{CompResult, Op};
use moka::sync::Cache as Moka;

/// A bounded in-process cache with per-entry expiry (for single-instance deployments and
/// tests; each process has its own).
#[derive(Clone)]
pub struct MemoryCache {
    inner: Moka<String, Entry>,
}

#[derive(Clone)]
struct Entry {
    value: String,
    ttl: Duration,
}

struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _key: &String, entry: &Entry, _now: Instant) -> Option<Duration> {
        Some(entry.ttl)
    }

    fn expire_after_update(
        &self,
        _key: &String,
        entry: &Entry,
        _now: Instant,
        _current: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }
}

impl MemoryCache {
    pub fn new(max_entries: u64) -> Self {
        Self {
            inner: Moka::builder()
                .max_capacity(max_entries)
                .expire_after(PerEntryTtl)
                .build(),
        }
    }
}

impl Default for MemoryCache {
    fn default() -> Self {
        Self::new(10_000)
    }
}

#[async_trait]
impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        Ok(self.inner.get(key).map(|e| e.value))
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        // Under the key's lock, as `set_if_absent`: a fill that found the key absent
        // cannot land after this write and undo it.
        self.inner.entry(key.to_owned()).and_compute_with(|_| {
            Op::Put(Entry {
                value: value.to_owned(),
                ttl,
            })
        });
        Ok(())
    }

    async fn set_if_absent(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, CacheError> {
        // `and_compute_with` runs under the key's lock, which `set` takes too: of
        // concurrent callers only one inserts, and none overwrites a `set` that came
        // first. An expired entry counts as absent.
        let result = self
            .inner
            .entry(key.to_owned())
            .and_compute_with(|current| match current {
                Some(_) => Op::Nop,
                None => Op::Put(Entry {
                    value: value.to_owned(),
                    ttl,
                }),
            });
        Ok(matches!(result, CompResult::Inserted(_)))
    }

    async fn delete(&self, keys: &[String]) -> Result<(), CacheError> {
        for key in keys {
            self.inner.invalidate(key);
        }
        Ok(())
    }

    async fn incr(&self, key: &str, ttl: Duration) -> Result<u64, CacheError> {
        // `and_upsert_with` runs under the entry's lock: concurrent increments all count.
        let entry = self.inner.entry(key.to_owned()).and_upsert_with(|current| {
            let count = current
                .and_then(|e| e.into_value().value.parse::<u64>().ok())
                .unwrap_or(0);
            Entry {
                value: (count + 1).to_string(),
                ttl,
            }
        });
        entry
            .into_value()
            .value
            .parse()
            .map_err(|_| CacheError("counter holds a non-number".into()))
    }

    async fn ping(&self) -> Result<(), CacheError> {
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn entries_expire_and_can_be_deleted() {
        let cache = MemoryCache::default();
        cache
            .set("a", "1", Duration::from_millis(30))
            .await
            .unwrap();
        cache.set("b", "2", Duration::from_secs(60)).await.unwrap();
        assert_eq!(cache.get("a").await.unwrap().as_deref(), Some("1"));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(cache.get("a").await.unwrap(), None);
        cache.delete(&["b".to_string()]).await.unwrap();
        assert_eq!(cache.get("b").await.unwrap(), None);
    }

    /// A fill racing a write: whichever runs first, the write's value stays (the fill
    /// never lands after the write and undoes it).
    #[test]
    fn a_fill_racing_a_write_never_undoes_it() {
        let cache = MemoryCache::default();
        let long = Duration::from_secs(60);
        for round in 0..200 {
            let key = format!("k{round}");
            let (fill, write) = (cache.clone(), cache.clone());
            let (k1, k2) = (key.clone(), key.clone());
            let a = std::thread::spawn(move || {
                futures_executor(fill.set_if_absent(&k1, "stale", long)).unwrap()
            });
            let b = std::thread::spawn(move || {
                futures_executor(write.set(&k2, "fresh", long)).unwrap()
            });
            a.join().unwrap();
            b.join().unwrap();
            let now = futures_executor(cache.get(&key)).unwrap();
            assert_eq!(now.as_deref(), Some("fresh"), "round {round}");
        }
    }

    /// Runs a future of the cache to its end on this thread (its futures never wait).
    fn futures_executor<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[tokio::test]
    async fn set_if_absent_stores_only_where_nothing_is_and_one_concurrent_caller_wins() {
        let cache = MemoryCache::default();
        let long = Duration::from_secs(60);
        assert!(cache.set_if_absent("a", "1", long).await.unwrap());
        assert!(!cache.set_if_absent("a", "2", long).await.unwrap());
        assert_eq!(cache.get("a").await.unwrap().as_deref(), Some("1"));
        // A plain set still overwrites.
        cache.set("a", "3", long).await.unwrap();
        assert_eq!(cache.get("a").await.unwrap().as_deref(), Some("3"));
        // Deleted or expired, the key is absent again.
        cache.delete(&["a".to_string()]).await.unwrap();
        assert!(cache.set_if_absent("a", "4", long).await.unwrap());
        assert_eq!(cache.get("a").await.unwrap().as_deref(), Some("4"));
        let short = Duration::from_millis(30);
        assert!(cache.set_if_absent("b", "1", short).await.unwrap());
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(
            cache.set_if_absent("b", "2", long).await.unwrap(),
            "expired"
        );
        assert_eq!(cache.get("b").await.unwrap().as_deref(), Some("2"));

        let handles: Vec<_> = (0..50)
            .map(|i| {
                let cache = cache.clone();
                tokio::spawn(async move {
                    let value = i.to_string();
                    (
                        value.clone(),
                        cache.set_if_absent("c", &value, long).await.unwrap(),
                    )
                })
            })
            .collect();
        let mut winners = Vec::new();
        for handle in handles {
            let (value, stored) = handle.await.unwrap();
            if stored {
                winners.push(value);
            }
        }
        assert_eq!(winners.len(), 1, "{winners:?}");
        assert_eq!(cache.get("c").await.unwrap(), winners.pop());
    }

    #[tokio::test]
    async fn counters_count_every_concurrent_increment_and_expire() {
        let cache = MemoryCache::default();
        let ttl = Duration::from_millis(200);
        let handles: Vec<_> = (0..50)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.incr("n", ttl).await.unwrap() })
            })
            .collect();
        let mut counts = Vec::new();
        for handle in handles {
            counts.push(handle.await.unwrap());
        }
        counts.sort_unstable();
        assert_eq!(counts, (1..=50).collect::<Vec<u64>>());
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(cache.incr("n", ttl).await.unwrap(), 1, "a new window");
    }
}
