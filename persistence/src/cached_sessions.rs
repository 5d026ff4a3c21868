//! Session look-ups behind the cache: every authenticated request finds its session by
//! token hash, so the hit path costs no database statement. Any write to a session
//! invalidates its entry after it commits; entries also expire after a minute.
//!
//! Revocation must be immediate, and deleting the entry is not enough on its own: a read
//! that loaded the session just before the revocation may store it again just after. So
//! a revocation also leaves a marker that outlives any such entry, and a token with a
//! marker is always looked up in the database.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::accounts::{NewSession, Session, SessionId, SessionRepository, TokenHash};
use domain::{DomainResult, UserId};

use crate::cache::{Cache, invalidate, read_through_present};

const TTL: Duration = Duration::from_secs(60);

/// Far longer than any entry stored by a read that raced the revocation can live.
const REVOKED_TTL: Duration = Duration::from_secs(10 * 60);

fn key(hash: &TokenHash) -> String {
    format!("session:v1:{}", hash.0)
}

fn revoked_key(hash: &TokenHash) -> String {
    format!("session:revoked:{}", hash.0)
}

pub struct CachedSessionRepository {
    inner: Arc<dyn SessionRepository>,
    cache: Arc<dyn Cache>,
    /// Revocations made by this process, kept here as well: a bounded shared cache may
    /// decline to keep a new marker, this map never does (entries leave after
    /// `REVOKED_TTL`).
    revoked_here: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
}

impl CachedSessionRepository {
    pub fn new(inner: Arc<dyn SessionRepository>, cache: Arc<dyn Cache>) -> Self {
        Self {
            inner,
            cache,
            revoked_here: std::sync::Mutex::default(),
        }
    }

    fn revoked_locally(&self, hash: &TokenHash) -> bool {
        let map = self.revoked_here.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&hash.0)
            .is_some_and(|at| at.elapsed() < REVOKED_TTL)
    }

    /// After a revocation commits: the marker first, then the entry.
    async fn forget(&self, hash: &TokenHash) {
        {
            let mut map = self.revoked_here.lock().unwrap_or_else(|p| p.into_inner());
            map.retain(|_, at| at.elapsed() < REVOKED_TTL);
            map.insert(hash.0.clone(), std::time::Instant::now());
        }
        if let Err(err) = self.cache.set(&revoked_key(hash), "1", REVOKED_TTL).await {
            tracing::warn!(error = %err, "could not mark a revoked session in the cache");
        }
        invalidate(self.cache.as_ref(), &[key(hash)]).await;
    }
}

#[async_trait]
impl SessionRepository for CachedSessionRepository {
    async fn create(&self, session: &NewSession) -> DomainResult<Session> {
        self.inner.create(session).await
    }

    async fn find_by_token(&self, hash: &TokenHash) -> DomainResult<Option<Session>> {
        if self.revoked_locally(hash) {
            return self.inner.find_by_token(hash).await;
        }
        match self.cache.get(&revoked_key(hash)).await {
            Ok(None) => {}
            Ok(Some(_)) => return self.inner.find_by_token(hash).await,
            Err(err) => {
                tracing::warn!(error = %err, "cache unavailable; reading the session from the database");
                return self.inner.find_by_token(hash).await;
            }
        }
        read_through_present(self.cache.as_ref(), &key(hash), TTL, || {
            self.inner.find_by_token(hash)
        })
        .await
    }

    async fn touch(&self, hash: &TokenHash, id: SessionId, at: DateTime<Utc>) -> DomainResult<()> {
        self.inner.touch(hash, id, at).await?;
        invalidate(self.cache.as_ref(), &[key(hash)]).await;
        Ok(())
    }

    async fn revoke(
        &self,
        user: UserId,
        id: SessionId,
        at: DateTime<Utc>,
    ) -> DomainResult<Option<TokenHash>> {
        let revoked = self.inner.revoke(user, id, at).await?;
        if let Some(hash) = &revoked {
            self.forget(hash).await;
        }
        Ok(revoked)
    }

    async fn revoke_token(&self, hash: &TokenHash, at: DateTime<Utc>) -> DomainResult<bool> {
        let revoked = self.inner.revoke_token(hash, at).await?;
        self.forget(hash).await;
        Ok(revoked)
    }

    async fn list_for_user(&self, user: UserId, now: DateTime<Utc>) -> DomainResult<Vec<Session>> {
        self.inner.list_for_user(user, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::MemoryCache;
    use tokio::sync::Notify;

    /// A store whose look-up can be held up halfway, as a slow read would be.
    struct SlowStore {
        session: std::sync::Mutex<Session>,
        started: Notify,
        release: Notify,
        hold: std::sync::atomic::AtomicBool,
    }

    #[async_trait]
    impl SessionRepository for SlowStore {
        async fn create(&self, _: &NewSession) -> DomainResult<Session> {
            unreachable!()
        }
        async fn find_by_token(&self, _: &TokenHash) -> DomainResult<Option<Session>> {
            let snapshot = self.session.lock().unwrap().clone();
            if self.hold.swap(false, std::sync::atomic::Ordering::SeqCst) {
                self.started.notify_one();
                self.release.notified().await;
            }
            Ok(Some(snapshot))
        }
        async fn touch(&self, _: &TokenHash, _: SessionId, _: DateTime<Utc>) -> DomainResult<()> {
            Ok(())
        }
        async fn revoke(
            &self,
            _: UserId,
            _: SessionId,
            _: DateTime<Utc>,
        ) -> DomainResult<Option<TokenHash>> {
            unreachable!()
        }
        async fn revoke_token(&self, _: &TokenHash, at: DateTime<Utc>) -> DomainResult<bool> {
            self.session.lock().unwrap().revoked_at = Some(at);
            Ok(true)
        }
        async fn list_for_user(&self, _: UserId, _: DateTime<Utc>) -> DomainResult<Vec<Session>> {
            Ok(vec![])
        }
    }

    /// A bounded cache under pressure: it declines to keep revocation markers.
    #[derive(Default)]
    struct DropsMarkers(MemoryCache);

    #[async_trait]
    impl Cache for DropsMarkers {
        async fn get(&self, key: &str) -> Result<Option<String>, crate::cache::CacheError> {
            self.0.get(key).await
        }
        async fn set(
            &self,
            key: &str,
            value: &str,
            ttl: Duration,
        ) -> Result<(), crate::cache::CacheError> {
            if key.starts_with("session:revoked:") {
                return Ok(());
            }
            self.0.set(key, value, ttl).await
        }
        async fn delete(&self, keys: &[String]) -> Result<(), crate::cache::CacheError> {
            self.0.delete(keys).await
        }
        async fn incr(&self, key: &str, ttl: Duration) -> Result<u64, crate::cache::CacheError> {
            self.0.incr(key, ttl).await
        }
        async fn ping(&self) -> Result<(), crate::cache::CacheError> {
            Ok(())
        }
        fn backend(&self) -> &'static str {
            "drops-markers"
        }
    }

    #[tokio::test]
    async fn a_read_racing_a_revocation_cannot_bring_the_session_back() {
        race_against_revocation(Arc::new(MemoryCache::default())).await;
        race_against_revocation(Arc::new(DropsMarkers::default())).await;
    }

    async fn race_against_revocation(cache: Arc<dyn Cache>) {
        let now = Utc::now();
        let store = Arc::new(SlowStore {
            session: std::sync::Mutex::new(Session {
                id: SessionId(uuid::Uuid::nil()),
                user_id: UserId(uuid::Uuid::nil()),
                created_at: now,
                last_seen_at: now,
                expires_at: now + chrono::Duration::days(1),
                user_agent: None,
                ip: None,
                revoked_at: None,
            }),
            started: Notify::new(),
            release: Notify::new(),
            hold: std::sync::atomic::AtomicBool::new(true),
        });
        let cached = Arc::new(CachedSessionRepository::new(store.clone(), cache));
        let hash = TokenHash("h".into());
        // A read loads the live session, then stalls before caching it...
        let reader = {
            let cached = cached.clone();
            let hash = hash.clone();
            tokio::spawn(async move { cached.find_by_token(&hash).await })
        };
        store.started.notified().await;
        // ...the session is revoked meanwhile...
        cached.revoke_token(&hash, now).await.unwrap();
        store.release.notify_one();
        let stale = reader.await.unwrap().unwrap().unwrap();
        assert_eq!(stale.revoked_at, None, "the racing read saw the old row");
        // ...yet every later look-up sees the revocation.
        let after = cached.find_by_token(&hash).await.unwrap().unwrap();
        assert_eq!(after.revoked_at, Some(now));
    }
}
