//! Sign-ins in progress on SeaORM. Taking a record is one `DELETE ... RETURNING`, so two
//! callbacks racing with the same `state` cannot both win.

use async_trait::async_trait;
use chrono::Utc;
use domain::accounts::{SignInAttempt, SignInGrant, SignInRepository, TokenHash};
use domain::{DomainResult, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::entities::{sign_in_attempt, sign_in_grant};
use crate::errors::internal;

#[derive(Clone)]
pub struct SeaSignInRepository {
    db: DatabaseConnection,
}

impl SeaSignInRepository {
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }

    /// Drops what has lapsed, so abandoned sign-ins do not pile up.
    async fn purge(&self) -> DomainResult<()> {
        let now = Utc::now();
        sign_in_attempt::Entity::delete_many()
            .filter(sign_in_attempt::Column::ExpiresAt.lte(now))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        sign_in_grant::Entity::delete_many()
            .filter(sign_in_grant::Column::ExpiresAt.lte(now))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok(())
    }
}

fn to_attempt(m: sign_in_attempt::Model) -> SignInAttempt {
    SignInAttempt {
        state_hash: TokenHash(m.state_hash),
        provider: m.provider,
        pkce_verifier: m.pkce_verifier,
        nonce: m.nonce,
        return_to: m.return_to,
        link_to: m.link_to.map(UserId),
        app_challenge: m.app_challenge,
        created_at: m.created_at,
        expires_at: m.expires_at,
    }
}

#[async_trait]
impl SignInRepository for SeaSignInRepository {
    async fn save_attempt(&self, a: &SignInAttempt) -> DomainResult<()> {
        self.purge().await?;
        let row = sign_in_attempt::ActiveModel {
            state_hash: Set(a.state_hash.0.clone()),
            provider: Set(a.provider.clone()),
            pkce_verifier: Set(a.pkce_verifier.clone()),
            nonce: Set(a.nonce.clone()),
            return_to: Set(a.return_to.clone()),
            link_to: Set(a.link_to.map(|u| u.0)),
            app_challenge: Set(a.app_challenge.clone()),
            created_at: Set(a.created_at),
            expires_at: Set(a.expires_at),
        };
        sign_in_attempt::Entity::insert(row)
            .exec_without_returning(&self.db)
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn take_attempt(&self, state_hash: &TokenHash) -> DomainResult<Option<SignInAttempt>> {
        let taken = sign_in_attempt::Entity::delete_many()
            .filter(sign_in_attempt::Column::StateHash.eq(state_hash.0.as_str()))
            .exec_with_returning(&self.db)
            .await
            .map_err(internal)?;
        Ok(taken.into_iter().next().map(to_attempt))
    }

    async fn save_grant(&self, g: &SignInGrant) -> DomainResult<()> {
        self.purge().await?;
        let row = sign_in_grant::ActiveModel {
            code_hash: Set(g.code_hash.0.clone()),
            user_id: Set(g.user_id.0),
            app_challenge: Set(g.app_challenge.clone()),
            created_at: Set(g.created_at),
            expires_at: Set(g.expires_at),
        };
        sign_in_grant::Entity::insert(row)
            .exec_without_returning(&self.db)
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn take_grant(&self, code_hash: &TokenHash) -> DomainResult<Option<SignInGrant>> {
        let taken = sign_in_grant::Entity::delete_many()
            .filter(sign_in_grant::Column::CodeHash.eq(code_hash.0.as_str()))
            .exec_with_returning(&self.db)
            .await
            .map_err(internal)?;
        Ok(taken.into_iter().next().map(|m| SignInGrant {
            code_hash: TokenHash(m.code_hash),
            user_id: UserId(m.user_id),
            app_challenge: m.app_challenge,
            created_at: m.created_at,
            expires_at: m.expires_at,
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::testing::{TestDatabase, backends};
    use domain::accounts::{ATTEMPT_LIFETIME, AccountService, SessionLimits};

    fn attempt(state: &str, now: chrono::DateTime<Utc>) -> SignInAttempt {
        SignInAttempt {
            state_hash: TokenHash(state.into()),
            provider: "github".into(),
            pkce_verifier: "v".repeat(43),
            nonce: Some("n".into()),
            return_to: "/".into(),
            link_to: None,
            app_challenge: None,
            created_at: now,
            expires_at: now + ATTEMPT_LIFETIME,
        }
    }

    #[tokio::test]
    async fn an_attempt_is_taken_at_most_once_even_by_racing_callbacks() {
        for backend in backends() {
            let (_guard, db) = TestDatabase::migrated(backend).await;
            let repo = Arc::new(SeaSignInRepository::new(&db));
            let now = Utc::now();
            repo.save_attempt(&attempt("a", now)).await.unwrap();
            let racers: Vec<_> = (0..4)
                .map(|_| {
                    let repo = repo.clone();
                    tokio::spawn(
                        async move { repo.take_attempt(&TokenHash("a".into())).await.unwrap() },
                    )
                })
                .collect();
            let mut won = 0;
            for racer in racers {
                if let Some(taken) = racer.await.unwrap() {
                    let expected = attempt("a", now);
                    assert_eq!(
                        (
                            &taken.provider,
                            &taken.pkce_verifier,
                            &taken.nonce,
                            &taken.return_to
                        ),
                        (
                            &expected.provider,
                            &expected.pkce_verifier,
                            &expected.nonce,
                            &expected.return_to
                        )
                    );
                    won += 1;
                }
            }
            assert_eq!(won, 1, "{backend:?}");
        }
    }

    #[tokio::test]
    async fn lapsed_attempts_are_refused_and_purged() {
        for backend in backends() {
            let (_guard, db) = TestDatabase::migrated(backend).await;
            let repo = Arc::new(SeaSignInRepository::new(&db));
            let users = Arc::new(crate::SeaUserRepository::new(&db));
            let sessions = Arc::new(crate::SeaSessionRepository::new(&db));
            let accounts =
                AccountService::new(users, sessions, repo.clone(), SessionLimits::default());
            let long_ago = Utc::now() - chrono::Duration::hours(1);
            repo.save_attempt(&attempt("old", long_ago)).await.unwrap();
            assert_eq!(
                accounts
                    .take_sign_in(&TokenHash("old".into()), Utc::now())
                    .await
                    .unwrap(),
                None
            );
            repo.save_attempt(&attempt("stale", long_ago))
                .await
                .unwrap();
            // Saving a new attempt drops the lapsed one.
            repo.save_attempt(&attempt("new", Utc::now()))
                .await
                .unwrap();
            assert_eq!(
                repo.take_attempt(&TokenHash("stale".into())).await.unwrap(),
                None
            );
            assert!(
                repo.take_attempt(&TokenHash("new".into()))
                    .await
                    .unwrap()
                    .is_some()
            );
        }
    }
}
