//! The cache port. A cache is an optimisation, never a dependency: every read that goes
//! through it falls back to the source when the cache fails, and a failure is only logged.
//! The domain never sees it: repositories are wrapped in caching decorators here.

use std::time::Duration;

use async_trait::async_trait;
use serde::{Serialize, de::DeserializeOwned};

use domain::DomainResult;

/// Why a cache call failed. Callers log it and carry on without the cache.
#[derive(Debug, thiserror::Error)]
#[error("cache unavailable: {0}")]
pub struct CacheError(pub String);

/// A string key-value store with expiry (Redis, or in-process).
#[async_trait]
pub trait Cache: Send + Sync {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError>;
    /// The values at `keys`, in their order (`None` where there is none): one round trip
    /// where the store allows (Redis `MGET`), one `get` per key otherwise.
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, CacheError> {
        let mut values = Vec::with_capacity(keys.len());
        for key in keys {
            values.push(self.get(key).await?);
        }
        Ok(values)
    }
    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError>;
    /// Stores `value` at `key` for `ttl` only when `key` holds nothing: whether it
    /// stored. Atomic on Redis (`SET NX EX`) and in memory, so a value another writer
    /// stored first is never overwritten; this default (a `get`, then a `set`) is not
    /// (a value stored between the two is overwritten), for caches that need no more.
    async fn set_if_absent(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, CacheError> {
        if self.get(key).await?.is_some() {
            return Ok(false);
        }
        self.set(key, value, ttl).await?;
        Ok(true)
    }
    async fn delete(&self, keys: &[String]) -> Result<(), CacheError>;
    /// Adds one to the counter at `key` (created at zero, to expire after `ttl`) and
    /// returns the new count. Rate limits are built on it.
    async fn incr(&self, key: &str, ttl: Duration) -> Result<u64, CacheError>;
    /// Whether the cache answers at all (for readiness checks).
    async fn ping(&self) -> Result<(), CacheError>;
    /// `"redis"` or `"memory"`, for logs and readiness reports.
    fn backend(&self) -> &'static str;
}

/// Reads `key` from the cache, or loads it from the source and stores it.
/// A cache that is down, slow or holds garbage costs a log line, never a failed read.
pub async fn read_through<T, F, Fut>(
    cache: &dyn Cache,
    key: &str,
    ttl: Duration,
    load: F,
) -> DomainResult<T>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = DomainResult<T>>,
{
    if let Some(value) = cached(cache, key).await {
        return Ok(value);
    }
    let value = load().await?;
    store(cache, key, &value, ttl).await;
    Ok(value)
}

/// Like [`read_through`] for lookups that may find nothing: only found values are stored,
/// so requests for random keys cannot fill the cache.
pub async fn read_through_present<T, F, Fut>(
    cache: &dyn Cache,
    key: &str,
    ttl: Duration,
    load: F,
) -> DomainResult<Option<T>>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = DomainResult<Option<T>>>,
{
    if let Some(value) = cached(cache, key).await {
        return Ok(Some(value));
    }
    let value = load().await?;
    if let Some(found) = &value {
        store(cache, key, found, ttl).await;
    }
    Ok(value)
}

/// The value cached at `key`, when there is a readable one. A cache that fails, or an
/// entry that does not read back, is logged and reads as no entry (the caller loads it
/// from the source).
pub async fn cached<T: DeserializeOwned>(cache: &dyn Cache, key: &str) -> Option<T> {
    match cache.get(key).await {
        Ok(Some(raw)) => match serde_json::from_str(&raw) {
            Ok(value) => Some(value),
            Err(err) => {
                tracing::warn!(key, error = %err, "discarding unreadable cache entry");
                None
            }
        },
        Ok(None) => None,
        Err(err) => {
            tracing::warn!(key, error = %err, "cache read failed; using the database");
            None
        }
    }
}

/// The values cached at `keys`, in their order, `None` where there is no readable one
/// (as [`cached`], for many keys in one round trip where the cache allows).
pub async fn cached_many<T: DeserializeOwned>(
    cache: &dyn Cache,
    keys: &[String],
) -> Vec<Option<T>> {
    let raw = match cache.get_many(keys).await {
        Ok(raw) if raw.len() == keys.len() => raw,
        Ok(raw) => {
            tracing::warn!(
                asked = keys.len(),
                got = raw.len(),
                "cache answered the wrong number of keys; using the database"
            );
            return keys.iter().map(|_| None).collect();
        }
        Err(err) => {
            tracing::warn!(error = %err, "cache read failed; using the database");
            return keys.iter().map(|_| None).collect();
        }
    };
    keys.iter()
        .zip(raw)
        .map(|(key, raw)| {
            let raw = raw?;
            match serde_json::from_str(&raw) {
                Ok(value) => Some(value),
                Err(err) => {
                    tracing::warn!(key, error = %err, "discarding unreadable cache entry");
                    None
                }
            }
        })
        .collect()
}

/// Stores `value` at `key` for `ttl`; a failure is only logged.
pub async fn store<T: Serialize>(cache: &dyn Cache, key: &str, value: &T, ttl: Duration) {
    match serde_json::to_string(value) {
        Ok(raw) => {
            if let Err(err) = cache.set(key, &raw, ttl).await {
                tracing::warn!(key, error = %err, "cache write failed");
            }
        }
        Err(err) => tracing::warn!(key, error = %err, "value not cacheable"),
    }
}

/// Stores `value` at `key` for `ttl` unless the key holds a value already (see
/// [`Cache::set_if_absent`]): whether it stored; a failure is only logged (and stores
/// nothing).
pub async fn store_if_absent<T: Serialize>(
    cache: &dyn Cache,
    key: &str,
    value: &T,
    ttl: Duration,
) -> bool {
    match serde_json::to_string(value) {
        Ok(raw) => match cache.set_if_absent(key, &raw, ttl).await {
            Ok(stored) => stored,
            Err(err) => {
                tracing::warn!(key, error = %err, "cache write failed");
                false
            }
        },
        Err(err) => {
            tracing::warn!(key, error = %err, "value not cacheable");
            false
        }
    }
}

/// Drops keys after a committed write; failure only shortens nothing but is logged,
/// since entries also expire on their own.
pub async fn invalidate(cache: &dyn Cache, keys: &[String]) {
    if let Err(err) = cache.delete(keys).await {
        tracing::warn!(?keys, error = %err, "cache invalidation failed; entries expire by TTL");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Default)]
    struct MapCache(Mutex<HashMap<String, String>>);

    #[async_trait]
    impl Cache for MapCache {
        async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
            Ok(self.0.lock().unwrap().get(key).cloned())
        }
        async fn set(&self, key: &str, value: &str, _ttl: Duration) -> Result<(), CacheError> {
            self.0.lock().unwrap().insert(key.into(), value.into());
            Ok(())
        }
        async fn delete(&self, keys: &[String]) -> Result<(), CacheError> {
            let mut map = self.0.lock().unwrap();
            keys.iter().for_each(|k| {
                map.remove(k);
            });
            Ok(())
        }
        async fn incr(&self, key: &str, _ttl: Duration) -> Result<u64, CacheError> {
            let mut map = self.0.lock().unwrap();
            let next = map
                .get(key)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
                + 1;
            map.insert(key.into(), next.to_string());
            Ok(next)
        }
        async fn ping(&self) -> Result<(), CacheError> {
            Ok(())
        }
        fn backend(&self) -> &'static str {
            "map"
        }
    }

    struct DeadCache;

    #[async_trait]
    impl Cache for DeadCache {
        async fn get(&self, _: &str) -> Result<Option<String>, CacheError> {
            Err(CacheError("down".into()))
        }
        async fn set(&self, _: &str, _: &str, _: Duration) -> Result<(), CacheError> {
            Err(CacheError("down".into()))
        }
        async fn delete(&self, _: &[String]) -> Result<(), CacheError> {
            Err(CacheError("down".into()))
        }
        async fn incr(&self, _: &str, _: Duration) -> Result<u64, CacheError> {
            Err(CacheError("down".into()))
        }
        async fn ping(&self) -> Result<(), CacheError> {
            Err(CacheError("down".into()))
        }
        fn backend(&self) -> &'static str {
            "dead"
        }
    }

    #[tokio::test]
    async fn second_read_is_served_from_cache() {
        let cache = MapCache::default();
        let loads = AtomicUsize::new(0);
        for _ in 0..3 {
            let v: u32 = read_through(&cache, "k", Duration::from_secs(5), || async {
                loads.fetch_add(1, Ordering::SeqCst);
                Ok(7)
            })
            .await
            .unwrap();
            assert_eq!(v, 7);
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        invalidate(&cache, &["k".to_string()]).await;
        let _: u32 = read_through(&cache, "k", Duration::from_secs(5), || async {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok(7)
        })
        .await
        .unwrap();
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_dead_cache_falls_back_to_the_source() {
        let v: String = read_through(&DeadCache, "k", Duration::from_secs(5), || async {
            Ok("from db".to_string())
        })
        .await
        .unwrap();
        assert_eq!(v, "from db");
    }

    #[tokio::test]
    async fn misses_are_not_stored() {
        let cache = MapCache::default();
        let found: Option<u8> =
            read_through_present(&cache, "k", Duration::from_secs(5), || async { Ok(None) })
                .await
                .unwrap();
        assert_eq!(found, None);
        assert_eq!(cache.get("k").await.unwrap(), None);
        let found: Option<u8> =
            read_through_present(&cache, "k", Duration::from_secs(5), || async {
                Ok(Some(3))
            })
            .await
            .unwrap();
        assert_eq!(found, Some(3));
        assert_eq!(cache.get("k").await.unwrap().as_deref(), Some("3"));
    }

    #[tokio::test]
    async fn the_default_set_if_absent_keeps_a_present_value() {
        let cache = MapCache::default();
        let ttl = Duration::from_secs(5);
        assert!(cache.set_if_absent("k", "1", ttl).await.unwrap());
        assert!(!cache.set_if_absent("k", "2", ttl).await.unwrap());
        assert_eq!(cache.get("k").await.unwrap().as_deref(), Some("1"));
        assert!(store_if_absent(&cache, "j", &[3u8], ttl).await);
        assert!(!store_if_absent(&cache, "j", &[4u8], ttl).await);
        assert_eq!(cache.get("j").await.unwrap().as_deref(), Some("[3]"));
        assert!(!store_if_absent(&DeadCache, "k", &1u8, ttl).await, "logged");
    }

    #[tokio::test]
    async fn garbage_in_the_cache_is_reloaded() {
        let cache = MapCache::default();
        cache
            .set("k", "{not json", Duration::from_secs(1))
            .await
            .unwrap();
        let v: Vec<u8> = read_through(&cache, "k", Duration::from_secs(5), || async {
            Ok(vec![1, 2])
        })
        .await
        .unwrap();
        assert_eq!(v, vec![1, 2]);
        assert_eq!(cache.get("k").await.unwrap().as_deref(), Some("[1,2]"));
    }
}
