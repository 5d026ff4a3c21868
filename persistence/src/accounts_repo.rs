//! Users, identities and sessions on SeaORM.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::accounts::{
    ExternalIdentity, NewSession, NewUser, ProfileUpdate, Provider, Session, SessionId,
    SessionRepository, TokenHash, User, UserRepository, UserStatus,
};
use domain::{DomainError, DomainResult, Role, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::entities::{identity, session, user};
use crate::errors::{internal, map_db_err};

const UNIQUE_FIELDS: &[(&str, &str)] = &[
    ("email_key", "email"),
    ("provider", "identity"),
    ("subject", "identity"),
    ("token_hash", "token"),
];

fn to_user(m: user::Model) -> User {
    let mut roles = Vec::new();
    if m.is_freelancer {
        roles.push(Role::Freelancer);
    }
    if m.is_client {
        roles.push(Role::Client);
    }
    if m.is_admin {
        roles.push(Role::Admin);
    }
    User {
        id: UserId(m.id),
        email: m.email,
        email_verified: m.email_verified,
        display_name: m.display_name,
        avatar_url: m.avatar_url,
        time_zone: m.time_zone,
        roles,
        status: if m.status == "SUSPENDED" {
            UserStatus::Suspended
        } else {
            UserStatus::Active
        },
        created_at: m.created_at,
    }
}

/// Which of these users are active (suspended ones are not; unknown ones are absent), in
/// one statement: profiles of inactive users are not public.
pub(crate) async fn active_users(
    db: &DatabaseConnection,
    ids: impl IntoIterator<Item = uuid::Uuid>,
) -> DomainResult<HashMap<uuid::Uuid, bool>> {
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(to_user)
        .map(|u| (u.id.0, u.status == UserStatus::Active))
        .collect())
}

fn to_session(m: session::Model) -> Session {
    Session {
        id: SessionId(m.id),
        user_id: UserId(m.user_id),
        created_at: m.created_at,
        last_seen_at: m.last_seen_at,
        expires_at: m.expires_at,
        user_agent: m.user_agent,
        ip: m.ip,
        revoked_at: m.revoked_at,
    }
}

fn identity_row(user: UserId, identity: &ExternalIdentity) -> identity::ActiveModel {
    identity::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        user_id: Set(user.0),
        provider: Set(identity.provider.key()),
        subject: Set(identity.subject.clone()),
        email: Set(identity.email.clone()),
        created_at: Set(Utc::now()),
    }
}

/// Users and identities on SeaORM.
#[derive(Clone)]
pub struct SeaUserRepository {
    db: DatabaseConnection,
}

impl SeaUserRepository {
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }

    async fn require(&self, conn: &impl ConnectionTrait, id: UserId) -> DomainResult<User> {
        user::Entity::find_by_id(id.0)
            .one(conn)
            .await
            .map_err(internal)?
            .map(to_user)
            .ok_or(DomainError::NotFound { entity: "user" })
    }

    /// Operators' suspension switch (used by tests and, later, moderation).
    pub async fn set_status(&self, id: UserId, status: UserStatus) -> DomainResult<()> {
        let status = match status {
            UserStatus::Active => "ACTIVE",
            UserStatus::Suspended => "SUSPENDED",
        };
        user::Entity::update(user::ActiveModel {
            id: Set(id.0),
            status: Set(status.into()),
            updated_at: Set(Utc::now()),
            ..Default::default()
        })
        .exec(&self.db)
        .await
        .map_err(internal)?;
        Ok(())
    }
}

#[async_trait]
impl UserRepository for SeaUserRepository {
    async fn find_by_id(&self, id: UserId) -> DomainResult<Option<User>> {
        let row = user::Entity::find_by_id(id.0)
            .one(&self.db)
            .await
            .map_err(internal)?;
        Ok(row.map(to_user))
    }

    async fn find_by_identity(
        &self,
        provider: &Provider,
        subject: &str,
    ) -> DomainResult<Option<User>> {
        let link = identity::Entity::find()
            .filter(identity::Column::Provider.eq(provider.key()))
            .filter(identity::Column::Subject.eq(subject))
            .one(&self.db)
            .await
            .map_err(internal)?;
        match link {
            Some(link) => self.find_by_id(UserId(link.user_id)).await,
            None => Ok(None),
        }
    }

    async fn identities_of(&self, user: UserId) -> DomainResult<Vec<(Provider, String)>> {
        let rows = identity::Entity::find()
            .filter(identity::Column::UserId.eq(user.0))
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| Provider::from_key(&r.provider).map(|p| (p, r.subject)))
            .collect())
    }

    async fn find_by_email(&self, email: &str) -> DomainResult<Option<User>> {
        let row = user::Entity::find()
            .filter(user::Column::EmailKey.eq(email.to_lowercase()))
            .one(&self.db)
            .await
            .map_err(internal)?;
        Ok(row.map(to_user))
    }

    async fn create_with_identity(
        &self,
        new: &NewUser,
        identity: &ExternalIdentity,
    ) -> DomainResult<User> {
        let now = Utc::now();
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let row = user::ActiveModel {
            id: Set(new.id.0),
            email: Set(new.email.clone()),
            // Only a verified email claims the address: an unverified one cannot block or
            // capture the real owner's account.
            email_key: Set(new
                .email
                .as_ref()
                .filter(|_| new.email_verified)
                .map(|e| e.to_lowercase())),
            email_verified: Set(new.email_verified),
            display_name: Set(new.display_name.clone()),
            avatar_url: Set(new.avatar_url.clone()),
            time_zone: Set(None),
            is_freelancer: Set(new.roles.contains(&Role::Freelancer)),
            is_client: Set(new.roles.contains(&Role::Client)),
            is_admin: Set(new.roles.contains(&Role::Admin)),
            status: Set("ACTIVE".into()),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let created = user::Entity::insert(row)
            .exec_with_returning(&txn)
            .await
            .map_err(|e| map_db_err(e, UNIQUE_FIELDS))?;
        identity::Entity::insert(identity_row(new.id, identity))
            .exec(&txn)
            .await
            .map_err(|e| map_db_err(e, UNIQUE_FIELDS))?;
        txn.commit().await.map_err(internal)?;
        tracing::info!(user = %created.id, provider = %identity.provider.key(), "user created");
        Ok(to_user(created))
    }

    async fn link_identity(&self, user: UserId, identity: &ExternalIdentity) -> DomainResult<()> {
        identity::Entity::insert(identity_row(user, identity))
            .exec(&self.db)
            .await
            .map_err(|e| map_db_err(e, UNIQUE_FIELDS))?;
        tracing::info!(user = %user.0, provider = %identity.provider.key(), "identity linked");
        Ok(())
    }

    async fn update_profile(&self, id: UserId, update: &ProfileUpdate) -> DomainResult<User> {
        let mut row = user::ActiveModel {
            id: Set(id.0),
            updated_at: Set(Utc::now()),
            ..Default::default()
        };
        if let Some(name) = &update.display_name {
            row.display_name = Set(name.clone());
        }
        if let Some(url) = &update.avatar_url {
            row.avatar_url = Set(Some(url.clone()));
        }
        if let Some(tz) = &update.time_zone {
            row.time_zone = Set(Some(tz.clone()));
        }
        user::Entity::update(row)
            .exec(&self.db)
            .await
            .map_err(internal)?;
        self.require(&self.db, id).await
    }

    async fn add_role(&self, id: UserId, role: Role) -> DomainResult<User> {
        let mut row = user::ActiveModel {
            id: Set(id.0),
            updated_at: Set(Utc::now()),
            ..Default::default()
        };
        match role {
            Role::Freelancer => row.is_freelancer = Set(true),
            Role::Client => row.is_client = Set(true),
            Role::Admin => row.is_admin = Set(true),
        }
        user::Entity::update(row)
            .exec(&self.db)
            .await
            .map_err(internal)?;
        self.require(&self.db, id).await
    }
}

/// Sessions on SeaORM.
#[derive(Clone)]
pub struct SeaSessionRepository {
    db: DatabaseConnection,
}

impl SeaSessionRepository {
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

#[async_trait]
impl SessionRepository for SeaSessionRepository {
    async fn create(&self, new: &NewSession) -> DomainResult<Session> {
        // Sessions that ended a month ago have told their story: drop them.
        session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lt(new.created_at - chrono::Duration::days(30)))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        let row = session::ActiveModel {
            id: Set(new.id.0),
            user_id: Set(new.user_id.0),
            token_hash: Set(new.token_hash.0.clone()),
            created_at: Set(new.created_at),
            last_seen_at: Set(new.created_at),
            expires_at: Set(new.expires_at),
            user_agent: Set(new.user_agent.clone()),
            ip: Set(new.ip.clone()),
            revoked_at: Set(None),
        };
        let created = session::Entity::insert(row)
            .exec_with_returning(&self.db)
            .await
            .map_err(|e| map_db_err(e, UNIQUE_FIELDS))?;
        Ok(to_session(created))
    }

    async fn find_by_token(&self, hash: &TokenHash) -> DomainResult<Option<Session>> {
        let row = session::Entity::find()
            .filter(session::Column::TokenHash.eq(hash.0.as_str()))
            .one(&self.db)
            .await
            .map_err(internal)?;
        Ok(row.map(to_session))
    }

    async fn touch(&self, _hash: &TokenHash, id: SessionId, at: DateTime<Utc>) -> DomainResult<()> {
        session::Entity::update_many()
            .col_expr(
                session::Column::LastSeenAt,
                sea_orm::sea_query::Expr::value(at),
            )
            .filter(session::Column::Id.eq(id.0))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn revoke(
        &self,
        user: UserId,
        id: SessionId,
        at: DateTime<Utc>,
    ) -> DomainResult<Option<TokenHash>> {
        let Some(found) = session::Entity::find_by_id(id.0)
            .filter(session::Column::UserId.eq(user.0))
            .filter(session::Column::RevokedAt.is_null())
            .one(&self.db)
            .await
            .map_err(internal)?
        else {
            return Ok(None);
        };
        let result = session::Entity::update_many()
            .col_expr(
                session::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(Some(at)),
            )
            .filter(session::Column::Id.eq(id.0))
            .filter(session::Column::UserId.eq(user.0))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok((result.rows_affected > 0).then_some(TokenHash(found.token_hash)))
    }

    async fn revoke_token(&self, hash: &TokenHash, at: DateTime<Utc>) -> DomainResult<bool> {
        let result = session::Entity::update_many()
            .col_expr(
                session::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(Some(at)),
            )
            .filter(session::Column::TokenHash.eq(hash.0.as_str()))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok(result.rows_affected > 0)
    }

    async fn list_for_user(&self, user: UserId, now: DateTime<Utc>) -> DomainResult<Vec<Session>> {
        let rows = session::Entity::find()
            .filter(session::Column::UserId.eq(user.0))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(now))
            .order_by_desc(session::Column::CreatedAt)
            .limit(100)
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(to_session).collect())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::CachedSessionRepository;
    use crate::cache::MemoryCache;
    use crate::testing::{TestDatabase, backends};
    use domain::accounts::{AccountService, ClientInfo, SessionLimits};
    use domain::{Actor, ErrorCode};

    fn identity(
        provider: Provider,
        subject: &str,
        email: Option<&str>,
        verified: bool,
    ) -> ExternalIdentity {
        ExternalIdentity {
            provider,
            subject: subject.into(),
            email: email.map(Into::into),
            email_verified: verified,
            display_name: Some("Ada Lovelace".into()),
            avatar_url: None,
        }
    }

    async fn service(db: &crate::Db) -> (AccountService, SeaUserRepository) {
        let users = SeaUserRepository::new(db);
        let sessions = CachedSessionRepository::new(
            Arc::new(SeaSessionRepository::new(db)),
            Arc::new(MemoryCache::default()),
        );
        (
            AccountService::new(
                Arc::new(users.clone()),
                Arc::new(sessions),
                Arc::new(crate::SeaSignInRepository::new(db)),
                SessionLimits::default(),
            ),
            users,
        )
    }

    #[tokio::test]
    async fn sign_in_creates_finds_and_links_only_through_verified_email_or_while_signed_in() {
        for backend in backends() {
            let (_guard, db) = TestDatabase::migrated(backend).await;
            let (svc, users) = service(&db).await;
            let gh = identity(Provider::Github, "42", Some("Ada@Example.com"), true);
            let ada = svc.sign_in(&Actor::Anonymous, gh.clone()).await.unwrap();
            assert_eq!(ada.email.as_deref(), Some("ada@example.com"));
            assert_eq!(
                svc.sign_in(&Actor::Anonymous, gh.clone()).await.unwrap().id,
                ada.id,
                "found again"
            );

            // A verified email links a second provider to the same account...
            let google = identity(Provider::Google, "g-1", Some("ada@example.com"), true);
            assert_eq!(
                svc.sign_in(&Actor::Anonymous, google).await.unwrap().id,
                ada.id
            );
            // ...an unverified one does not: it gets an account of its own.
            let oidc = identity(
                Provider::Oidc("https://login.acme.example".into()),
                "o-1",
                Some("ada@example.com"),
                false,
            );
            let other = svc.sign_in(&Actor::Anonymous, oidc).await.unwrap();
            assert_ne!(other.id, ada.id);
            let oidc = identity(
                Provider::Oidc("https://login.acme.example".into()),
                "o-2",
                None,
                false,
            );
            // While signed in, any new identity links to the signed-in user.
            assert_eq!(svc.sign_in(&ada.actor(), oidc).await.unwrap().id, ada.id);

            // An identity of another account cannot be taken over while signed in.
            let bob = svc
                .sign_in(
                    &Actor::Anonymous,
                    identity(Provider::Github, "43", None, false),
                )
                .await
                .unwrap();
            assert_ne!(bob.id, ada.id);
            let err = svc.sign_in(&bob.actor(), gh.clone()).await.unwrap_err();
            assert_eq!(err.code(), ErrorCode::Conflict);

            // Suspended users cannot sign in, and a refused sign-in links nothing.
            users
                .set_status(ada.id, UserStatus::Suspended)
                .await
                .unwrap();
            assert_eq!(
                svc.sign_in(&Actor::Anonymous, gh).await.unwrap_err().code(),
                ErrorCode::Forbidden
            );
            let by_email = identity(Provider::Google, "g-2", Some("ada@example.com"), true);
            assert_eq!(
                svc.sign_in(&Actor::Anonymous, by_email)
                    .await
                    .unwrap_err()
                    .code(),
                ErrorCode::Forbidden
            );
            assert_eq!(
                users
                    .find_by_identity(&Provider::Google, "g-2")
                    .await
                    .unwrap(),
                None,
                "no identity was linked"
            );
            // The platform itself never signs in.
            let system = svc
                .sign_in(&Actor::System, identity(Provider::Dev, "sys", None, false))
                .await
                .unwrap_err();
            assert_eq!(system.code(), ErrorCode::Forbidden);
        }
    }

    #[tokio::test]
    async fn long_issuers_fit_and_a_suspended_user_links_nothing() {
        for backend in backends() {
            let (_guard, db) = TestDatabase::migrated(backend).await;
            let (svc, users) = service(&db).await;
            // Microsoft Entra-style issuers are long; the key holds up to 300 characters.
            let issuer = format!(
                "https://login.microsoftonline.com/{}/v2.0",
                "0f0e0d0c-0b0a-0908-0706-050403020100".repeat(6)
            );
            assert!(Provider::Oidc(issuer.clone()).key().len() > 200);
            let long = identity(Provider::Oidc(issuer.clone()), "entra-1", None, false);
            let user = svc.sign_in(&Actor::Anonymous, long).await.unwrap();
            assert_eq!(
                users
                    .find_by_identity(&Provider::Oidc(issuer), "entra-1")
                    .await
                    .unwrap()
                    .map(|u| u.id),
                Some(user.id)
            );

            users
                .set_status(user.id, UserStatus::Suspended)
                .await
                .unwrap();
            let extra = identity(Provider::Github, "99", None, false);
            let err = svc.sign_in(&user.actor(), extra).await.unwrap_err();
            assert_eq!(err.code(), ErrorCode::Forbidden);
            assert_eq!(
                users
                    .find_by_identity(&Provider::Github, "99")
                    .await
                    .unwrap(),
                None
            );
        }
    }

    #[tokio::test]
    async fn racing_first_sign_ins_of_one_identity_end_in_one_user() {
        for backend in backends() {
            let (_guard, db) = TestDatabase::migrated(backend).await;
            let (svc, _) = service(&db).await;
            let racers: Vec<_> = (0..4)
                .map(|_| {
                    let svc = svc.clone();
                    tokio::spawn(async move {
                        svc.sign_in(
                            &Actor::Anonymous,
                            identity(Provider::Github, "7", Some("race@example.com"), true),
                        )
                        .await
                    })
                })
                .collect();
            let mut ids = Vec::new();
            for racer in racers {
                ids.push(racer.await.unwrap().expect("every racer signs in").id);
            }
            ids.dedup();
            assert_eq!(ids.len(), 1, "{backend:?}: {ids:?}");
        }
    }

    #[tokio::test]
    async fn sessions_authenticate_until_revoked_or_expired_or_suspended() {
        for backend in backends() {
            let (_guard, db) = TestDatabase::migrated(backend).await;
            let (svc, users) = service(&db).await;
            let user = svc
                .sign_in(
                    &Actor::Anonymous,
                    identity(Provider::Dev, "demo", None, false),
                )
                .await
                .unwrap();
            let now = Utc::now();
            let hash = TokenHash("a".repeat(64));
            let session = svc
                .start_session(&user, hash.clone(), ClientInfo::default(), now)
                .await
                .unwrap();

            let (actor, id) = svc.authenticate(&hash, now).await.unwrap().unwrap();
            assert_eq!(id, session.id);
            assert_eq!(actor.user_id(), Some(user.id));
            assert!(
                svc.authenticate(&TokenHash("b".repeat(64)), now)
                    .await
                    .unwrap()
                    .is_none()
            );
            // Idle for eight days, or past the absolute limit: anonymous.
            assert!(
                svc.authenticate(&hash, now + chrono::Duration::days(8))
                    .await
                    .unwrap()
                    .is_none()
            );
            assert!(
                svc.authenticate(&hash, now + chrono::Duration::days(31))
                    .await
                    .unwrap()
                    .is_none()
            );

            let listed = svc.sessions(&actor, now).await.unwrap();
            assert_eq!(
                listed.iter().map(|s| s.id).collect::<Vec<_>>(),
                vec![session.id]
            );

            // Suspension ends existing sessions too.
            users
                .set_status(user.id, UserStatus::Suspended)
                .await
                .unwrap();
            assert!(svc.authenticate(&hash, now).await.unwrap().is_none());
            users.set_status(user.id, UserStatus::Active).await.unwrap();

            // Someone else cannot revoke the session; its owner can, and it stops working
            // at once although it was cached.
            let stranger = Actor::User {
                id: UserId(uuid::Uuid::now_v7()),
                roles: vec![],
            };
            assert_eq!(
                svc.revoke_session(&stranger, Some(session.id), now)
                    .await
                    .unwrap_err()
                    .field_errors()[0]
                    .code,
                ErrorCode::NotFound
            );
            svc.revoke_session(&actor, Some(session.id), now)
                .await
                .unwrap();
            assert!(svc.authenticate(&hash, now).await.unwrap().is_none());
            assert_eq!(
                svc.revoke_session(&actor, Some(session.id), now)
                    .await
                    .unwrap_err()
                    .field_errors()[0]
                    .code,
                ErrorCode::NotFound
            );
        }
    }

    #[tokio::test]
    async fn roles_profile_and_admin_grant() {
        for backend in backends() {
            let (_guard, db) = TestDatabase::migrated(backend).await;
            let (svc, _) = service(&db).await;
            let user = svc
                .sign_in(
                    &Actor::Anonymous,
                    identity(Provider::Dev, "x", Some("x@example.com"), true),
                )
                .await
                .unwrap();
            let actor = Actor::User {
                id: user.id,
                roles: vec![],
            };
            let user = svc.add_own_role(&actor, Role::Client).await.unwrap();
            let user2 = svc.add_own_role(&actor, Role::Client).await.unwrap();
            assert_eq!(user.roles, vec![Role::Client]);
            assert_eq!(user2.roles, vec![Role::Client], "idempotent");
            assert_eq!(
                svc.add_own_role(&actor, Role::Admin)
                    .await
                    .unwrap_err()
                    .code(),
                ErrorCode::Forbidden
            );
            assert_eq!(
                svc.add_own_role(&Actor::Anonymous, Role::Client)
                    .await
                    .unwrap_err()
                    .code(),
                ErrorCode::Unauthenticated
            );

            let updated = svc
                .update_viewer(
                    &actor,
                    ProfileUpdate {
                        time_zone: Some("Europe/Berlin".into()),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!(updated.time_zone.as_deref(), Some("Europe/Berlin"));
            assert_eq!(
                updated.display_name, "Ada Lovelace",
                "untouched fields stay"
            );

            assert_eq!(
                svc.grant_admin(&actor, "x@example.com")
                    .await
                    .unwrap_err()
                    .code(),
                ErrorCode::Forbidden
            );
            let admin = svc
                .grant_admin(&Actor::System, "X@example.com")
                .await
                .unwrap();
            assert!(admin.has_role(Role::Admin));
            assert_eq!(
                svc.grant_admin(&Actor::System, "nobody@example.com")
                    .await
                    .unwrap_err()
                    .code(),
                ErrorCode::NotFound
            );
        }
    }
}
