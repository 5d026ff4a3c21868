use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::port::{Cache, CacheError};
use async_trait::async_trait;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// How to reach Redis and how long to wait for it.
#[derive(Debug, Clone)]
pub struct RedisSettings {
    pub url: String,
    /// Prepended to every key, so several installations (or tests) can share one Redis.
    pub key_prefix: String,
    pub connect_timeout: Duration,
    pub command_timeout: Duration,
    /// After a failure, how long to skip Redis entirely before trying again.
    pub cooldown: Duration,
}

impl RedisSettings {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            key_prefix: "hireql:".into(),
            connect_timeout: Duration::from_millis(500),
            command_timeout: Duration::from_millis(250),
            cooldown: Duration::from_secs(5),
        }
    }
}

/// The cache port on Redis. Every call is bounded by a timeout; after a failure the cache
/// reports itself unavailable for a cool-down period without touching the network, so a
/// dead or slow Redis costs callers microseconds, and they fall back to the database.
pub struct RedisCache {
    client: redis::Client,
    settings: RedisSettings,
    conn: tokio::sync::Mutex<Option<ConnectionManager>>,
    down_until: Mutex<Option<Instant>>,
}

fn err(e: impl std::fmt::Display) -> CacheError {
    CacheError(e.to_string())
}

impl RedisCache {
    /// Validates the URL; connecting happens lazily, so start-up never waits for Redis.
    pub fn new(settings: RedisSettings) -> Result<Self, CacheError> {
        let client = redis::Client::open(settings.url.as_str()).map_err(err)?;
        Ok(Self {
            client,
            settings,
            conn: tokio::sync::Mutex::new(None),
            down_until: Mutex::new(None),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{}", self.settings.key_prefix, key)
    }

    fn cooling_down(&self) -> bool {
        let guard = self.down_until.lock().unwrap_or_else(|p| p.into_inner());
        guard.is_some_and(|until| Instant::now() < until)
    }

    fn mark_down(&self) {
        let mut guard = self.down_until.lock().unwrap_or_else(|p| p.into_inner());
        *guard = Some(Instant::now() + self.settings.cooldown);
    }

    async fn connection(&self) -> Result<ConnectionManager, CacheError> {
        if self.cooling_down() {
            return Err(CacheError("redis unavailable (cooling down)".into()));
        }
        let mut slot = self.conn.lock().await;
        if let Some(conn) = slot.as_ref() {
            return Ok(conn.clone());
        }
        // Callers that queued behind a failed attempt give up at once instead of each
        // waiting out its own connect timeout.
        if self.cooling_down() {
            return Err(CacheError("redis unavailable (cooling down)".into()));
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.settings.connect_timeout))
            .set_response_timeout(Some(self.settings.command_timeout))
            .set_number_of_retries(1)
            .set_max_delay(self.settings.connect_timeout);
        let connect = ConnectionManager::new_with_config(self.client.clone(), config);
        match tokio::time::timeout(self.settings.connect_timeout, connect).await {
            Ok(Ok(conn)) => {
                *slot = Some(conn.clone());
                Ok(conn)
            }
            Ok(Err(e)) => {
                self.mark_down();
                Err(err(e))
            }
            Err(_) => {
                self.mark_down();
                Err(CacheError("redis connect timed out".into()))
            }
        }
    }

    /// Runs one command with the command timeout; a failure starts the cool-down.
    async fn run<T, F, Fut>(&self, op: F) -> Result<T, CacheError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let conn = self.connection().await?;
        match tokio::time::timeout(self.settings.command_timeout, op(conn)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                self.mark_down();
                Err(err(e))
            }
            Err(_) => {
                self.mark_down();
                Err(CacheError("redis command timed out".into()))
            }
        }
    }

    /// Deletes every key under this cache's prefix (tests clean up with it).
    pub async fn clear_prefix(&self) -> Result<(), CacheError> {
        let pattern = format!("{}*", self.settings.key_prefix);
        let keys: Vec<String> = self
            .run(|mut c| async move {
                let mut keys = Vec::new();
                let mut iter: redis::AsyncIter<'_, String> = c.scan_match(&pattern).await?;
                while let Some(item) = iter.next_item().await {
                    keys.push(item?);
                }
                Ok(keys)
            })
            .await?;
        if keys.is_empty() {
            return Ok(());
        }
        self.run(|mut c| async move { c.del::<_, ()>(keys).await })
            .await
    }
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        let key = self.key(key);
        self.run(|mut c| async move { c.get::<_, Option<String>>(key).await })
            .await
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, CacheError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        self.run(|mut c| async move { c.mget::<_, Vec<Option<String>>>(keys).await })
            .await
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        let key = self.key(key);
        let value = value.to_owned();
        let secs = ttl.as_secs().max(1);
        self.run(|mut c| async move { c.set_ex::<_, _, ()>(key, value, secs).await })
            .await
    }

    async fn set_if_absent(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, CacheError> {
        let key = self.key(key);
        let value = value.to_owned();
        let secs = ttl.as_secs().max(1);
        // One atomic command: `OK` when it stored, nil when the key held a value.
        self.run(|mut c| async move {
            let stored: Option<String> = redis::cmd("SET")
                .arg(&key)
                .arg(value)
                .arg("NX")
                .arg("EX")
                .arg(secs)
                .query_async(&mut c)
                .await?;
            Ok(stored.is_some())
        })
        .await
    }

    async fn delete(&self, keys: &[String]) -> Result<(), CacheError> {
        if keys.is_empty() {
            return Ok(());
        }
        let keys: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        self.run(|mut c| async move { c.del::<_, ()>(keys).await })
            .await
    }

    async fn incr(&self, key: &str, ttl: Duration) -> Result<u64, CacheError> {
        let key = self.key(key);
        let secs = i64::try_from(ttl.as_secs().max(1)).unwrap_or(i64::MAX);
        self.run(|mut c| async move {
            let (count,): (u64,) = redis::pipe()
                .atomic()
                .incr(&key, 1u64)
                .expire(&key, secs)
                .ignore()
                .query_async(&mut c)
                .await?;
            Ok(count)
        })
        .await
    }

    async fn ping(&self) -> Result<(), CacheError> {
        self.run(|mut c| async move { redis::cmd("PING").query_async::<String>(&mut c).await })
            .await
            .map(|_| ())
    }

    fn backend(&self) -> &'static str {
        "redis"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_redis_that_is_not_there_fails_fast_and_then_is_skipped() {
        // Port 1 on loopback: nothing listens there.
        let cache = RedisCache::new(RedisSettings::new("redis://127.0.0.1:1/")).unwrap();
        let started = Instant::now();
        assert!(cache.get("k").await.is_err());
        assert!(started.elapsed() < Duration::from_secs(2));
        // The second call does not touch the network at all.
        let started = Instant::now();
        let second = cache.get("k").await.unwrap_err();
        assert!(second.0.contains("cooling down"), "{}", second.0);
        assert!(started.elapsed() < Duration::from_millis(50));
    }

    #[tokio::test]
    async fn a_redis_that_never_answers_does_not_stack_up_waiting_callers() {
        let (port, held) = crate::testing::hung_server().await;
        let mut settings = RedisSettings::new(format!("redis://127.0.0.1:{port}/"));
        settings.connect_timeout = Duration::from_millis(300);
        settings.command_timeout = Duration::from_millis(300);
        let cache = std::sync::Arc::new(RedisCache::new(settings).unwrap());
        let started = Instant::now();
        let calls: Vec<_> = (0..10)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.get("k").await })
            })
            .collect();
        for call in calls {
            assert!(call.await.unwrap().is_err());
        }
        // Ten callers share one failed attempt (about 300-600 ms) instead of queueing for
        // ten of them (3 s or more).
        assert!(
            started.elapsed() < Duration::from_millis(2000),
            "{:?}",
            started.elapsed()
        );
        held.abort();
    }

    #[tokio::test]
    async fn round_trip_against_a_real_redis_when_configured() {
        let Ok(url) = std::env::var("TEST_REDIS_URL") else {
            // Without TEST_REDIS_URL there is no Redis to talk to; the in-process cache
            // is tested in memory.rs and CI sets the variable.
            return;
        };
        let mut settings = RedisSettings::new(url);
        settings.key_prefix = format!("hireql-test:{}:", uuid::Uuid::new_v4());
        let cache = RedisCache::new(settings).unwrap();
        cache.ping().await.unwrap();
        cache.set("a", "1", Duration::from_secs(30)).await.unwrap();
        assert_eq!(cache.get("a").await.unwrap().as_deref(), Some("1"));
        cache.delete(&["a".into()]).await.unwrap();
        assert_eq!(cache.get("a").await.unwrap(), None);
        assert_eq!(cache.incr("n", Duration::from_secs(30)).await.unwrap(), 1);
        assert_eq!(cache.incr("n", Duration::from_secs(30)).await.unwrap(), 2);
        cache.set("b", "2", Duration::from_secs(30)).await.unwrap();
        cache.clear_prefix().await.unwrap();
        assert_eq!(cache.get("b").await.unwrap(), None);
    }

    #[tokio::test]
    async fn set_if_absent_against_a_real_redis_when_configured() {
        let Some(url) = crate::testing::redis_url() else {
            return;
        };
        let mut settings = RedisSettings::new(url.clone());
        settings.key_prefix = format!("hireql-test:{}:", uuid::Uuid::new_v4());
        let cache = std::sync::Arc::new(RedisCache::new(settings.clone()).unwrap());
        let long = Duration::from_secs(30);
        assert!(cache.set_if_absent("a", "1", long).await.unwrap());
        assert!(!cache.set_if_absent("a", "2", long).await.unwrap());
        assert_eq!(cache.get("a").await.unwrap().as_deref(), Some("1"));
        cache.set("a", "3", long).await.unwrap();
        assert_eq!(cache.get("a").await.unwrap().as_deref(), Some("3"));
        cache.delete(&["a".into()]).await.unwrap();
        assert!(cache.set_if_absent("a", "4", long).await.unwrap());
        // Under the prefix, with the TTL: another prefix's key is another key.
        let mut other = settings.clone();
        other.key_prefix = format!("{}other:", settings.key_prefix);
        let other = RedisCache::new(other).unwrap();
        assert!(other.set_if_absent("a", "5", long).await.unwrap());
        assert_eq!(cache.get("a").await.unwrap().as_deref(), Some("4"));
        let raw = redis::Client::open(url.as_str()).unwrap();
        let mut conn = raw.get_multiplexed_async_connection().await.unwrap();
        let prefixed = format!("{}a", settings.key_prefix);
        let ttl: i64 = conn.ttl(&prefixed).await.unwrap();
        assert!((1..=30).contains(&ttl), "{ttl}");
        let value: Option<String> = conn.get(&prefixed).await.unwrap();
        assert_eq!(value.as_deref(), Some("4"));

        let racers: Vec<_> = (0..20)
            .map(|i| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.set_if_absent("c", &i.to_string(), long).await })
            })
            .collect();
        let mut stored = 0;
        for racer in racers {
            if racer.await.unwrap().unwrap() {
                stored += 1;
            }
        }
        assert_eq!(stored, 1);
        other.clear_prefix().await.unwrap();
        cache.clear_prefix().await.unwrap();
        assert_eq!(cache.get("b").await.unwrap(), None);
    }
}
