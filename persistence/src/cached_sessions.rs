//! Session look-ups behind the cache: every authenticated request finds its session by
//! token hash, so the hit path costs no database statement. Any write to a session
//! invalidates its entry after it commits; entries also expire after a minute.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::accounts::{NewSession, Session, SessionId, SessionRepository, TokenHash};
use domain::{DomainResult, UserId};

use crate::cache::{Cache, invalidate, read_through_present};

const TTL: Duration = Duration::from_secs(60);

fn key(hash: &TokenHash) -> String {
    format!("session:v1:{}", hash.0)
}

pub struct CachedSessionRepository {
    inner: Arc<dyn SessionRepository>,
    cache: Arc<dyn Cache>,
}

impl CachedSessionRepository {
    pub fn new(inner: Arc<dyn SessionRepository>, cache: Arc<dyn Cache>) -> Self {
        Self { inner, cache }
    }
}

#[async_trait]
impl SessionRepository for CachedSessionRepository {
    async fn create(&self, session: &NewSession) -> DomainResult<Session> {
        self.inner.create(session).await
    }

    async fn find_by_token(&self, hash: &TokenHash) -> DomainResult<Option<Session>> {
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
            invalidate(self.cache.as_ref(), &[key(hash)]).await;
        }
        Ok(revoked)
    }

    async fn revoke_token(&self, hash: &TokenHash, at: DateTime<Utc>) -> DomainResult<bool> {
        let revoked = self.inner.revoke_token(hash, at).await?;
        invalidate(self.cache.as_ref(), &[key(hash)]).await;
        Ok(revoked)
    }

    async fn list_for_user(&self, user: UserId) -> DomainResult<Vec<Session>> {
        self.inner.list_for_user(user).await
    }
}
