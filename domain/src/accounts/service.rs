use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::{ExternalIdentity, NewUser, ProfileUpdate, User, UserStatus, normalise_email};
use super::policy;
use super::ports::{SessionRepository, SignInRepository, UserRepository};
use super::session::{NewSession, Session, SessionId, SessionLimits, TokenHash};
use super::sign_in::{GRANT_LIFETIME, SignInAttempt, SignInGrant};
use crate::actor::{Actor, Role, UserId};
use crate::error::{DomainError, DomainResult, ErrorCode};

/// A session's `last_seen_at` is written at most this often (and at most every quarter
/// of the idle limit), not on every request.
const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

fn touch_every(limits: &SessionLimits) -> chrono::Duration {
    let quarter = chrono::Duration::from_std(limits.idle / 4).unwrap_or(TOUCH_EVERY);
    quarter.min(TOUCH_EVERY)
}

/// Signing in, sessions, and a user's own account.
#[derive(Clone)]
pub struct AccountService {
    users: Arc<dyn UserRepository>,
    sessions: Arc<dyn SessionRepository>,
    sign_ins: Arc<dyn SignInRepository>,
    limits: SessionLimits,
}

/// Details of the client starting a session, shown in `viewer { sessions }`.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

impl AccountService {
    pub fn new(
        users: Arc<dyn UserRepository>,
        sessions: Arc<dyn SessionRepository>,
        sign_ins: Arc<dyn SignInRepository>,
        limits: SessionLimits,
    ) -> Self {
        Self {
            users,
            sessions,
            sign_ins,
            limits,
        }
    }

    /// Finds or creates the user an identity belongs to. `actor` is who is signed in
    /// where the sign-in started: anonymous, or a user adding another way to sign in.
    ///
    /// - A known identity signs in its user (and must not belong to someone other than
    ///   the signed-in actor).
    /// - For a signed-in actor, a new identity is linked to them.
    /// - Otherwise a new identity links to an existing account only through an email the
    ///   provider has verified (and which the account verified too); failing that, a new
    ///   user is created.
    ///
    /// Suspended users cannot sign in, and a refused sign-in writes nothing.
    pub async fn sign_in(&self, actor: &Actor, identity: ExternalIdentity) -> DomainResult<User> {
        let signed_in_as = policy::sign_in(actor)?;
        let identity = identity.sanitised()?;
        if let Some(user) = self
            .users
            .find_by_identity(&identity.provider, &identity.subject)
            .await?
        {
            return Self::known_identity(user, signed_in_as);
        }
        match self.attach_new_identity(&identity, signed_in_as).await {
            // A concurrent first sign-in of the same identity won the race: use its user.
            Err(e) if e.code() == ErrorCode::Conflict => match self
                .users
                .find_by_identity(&identity.provider, &identity.subject)
                .await?
            {
                Some(user) => Self::known_identity(user, signed_in_as),
                None => Err(e),
            },
            other => other,
        }
    }

    fn known_identity(user: User, signed_in_as: Option<UserId>) -> DomainResult<User> {
        if signed_in_as.is_some_and(|me| me != user.id) {
            return Err(DomainError::conflict(
                &["identity"],
                "this sign-in already belongs to another account",
            ));
        }
        Self::active(user)
    }

    fn active(user: User) -> DomainResult<User> {
        match user.status {
            UserStatus::Active => Ok(user),
            UserStatus::Suspended => Err(DomainError::Forbidden),
        }
    }

    async fn attach_new_identity(
        &self,
        identity: &ExternalIdentity,
        signed_in_as: Option<UserId>,
    ) -> DomainResult<User> {
        if let Some(me) = signed_in_as {
            let me = self
                .users
                .find_by_id(me)
                .await?
                .ok_or(DomainError::NotFound { entity: "user" })?;
            let me = Self::active(me)?;
            self.users.link_identity(me.id, identity).await?;
            return Ok(me);
        }
        if identity.email_verified
            && let Some(email) = &identity.email
            && let Some(existing) = self.users.find_by_email(email).await?
        {
            let existing = Self::active(existing)?;
            self.users.link_identity(existing.id, identity).await?;
            return Ok(existing);
        }
        let display_name = identity
            .display_name
            .clone()
            .or_else(|| {
                identity
                    .email
                    .as_ref()
                    .and_then(|e| e.split('@').next().map(str::to_owned))
            })
            .unwrap_or_else(|| "New user".to_owned());
        let new_user = NewUser {
            id: UserId(Uuid::now_v7()),
            email: identity.email.clone(),
            email_verified: identity.email_verified,
            display_name,
            avatar_url: identity.avatar_url.clone(),
            roles: Vec::new(),
        };
        self.users.create_with_identity(&new_user, identity).await
    }

    /// Records a browser leaving for a provider. Anyone may start signing in.
    pub async fn begin_sign_in(&self, attempt: &SignInAttempt) -> DomainResult<()> {
        self.sign_ins.save_attempt(attempt).await
    }

    /// The attempt a provider's callback names, used up by this call: a second callback
    /// with the same `state`, or one after the attempt lapsed, finds nothing.
    pub async fn take_sign_in(
        &self,
        state_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<SignInAttempt>> {
        let attempt = self.sign_ins.take_attempt(state_hash).await?;
        Ok(attempt.filter(|a| now < a.expires_at))
    }

    /// Gives a native app a one-time code for `user` instead of a cookie.
    pub async fn issue_grant(
        &self,
        user: &User,
        code_hash: TokenHash,
        app_challenge: String,
        now: DateTime<Utc>,
    ) -> DomainResult<()> {
        self.sign_ins
            .save_grant(&SignInGrant {
                code_hash,
                user_id: user.id,
                app_challenge,
                created_at: now,
                expires_at: now + GRANT_LIFETIME,
            })
            .await
    }

    /// Exchanges a native app's one-time code for a session. The code is used up whether
    /// or not the exchange succeeds; `verifier_matches` checks the app's PKCE verifier
    /// against the challenge it sent when signing in. `None` when the code is unknown,
    /// used, lapsed, the verifier is wrong, or the user is suspended.
    pub async fn redeem_grant(
        &self,
        code_hash: &TokenHash,
        verifier_matches: impl FnOnce(&str) -> bool,
        token_hash: TokenHash,
        client: ClientInfo,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<Session>> {
        let Some(grant) = self.sign_ins.take_grant(code_hash).await? else {
            return Ok(None);
        };
        if now >= grant.expires_at || !verifier_matches(&grant.app_challenge) {
            return Ok(None);
        }
        let Some(user) = self.users.find_by_id(grant.user_id).await? else {
            return Ok(None);
        };
        if user.status != UserStatus::Active {
            return Ok(None);
        }
        self.start_session(&user, token_hash, client, now)
            .await
            .map(Some)
    }

    /// Stores a new session for `user`; the caller keeps the token, the store its hash.
    pub async fn start_session(
        &self,
        user: &User,
        token_hash: TokenHash,
        client: ClientInfo,
        now: DateTime<Utc>,
    ) -> DomainResult<Session> {
        let expires_at = chrono::Duration::from_std(self.limits.absolute)
            .ok()
            .and_then(|absolute| now.checked_add_signed(absolute))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        self.sessions
            .create(&NewSession {
                id: SessionId(Uuid::now_v7()),
                user_id: user.id,
                token_hash,
                created_at: now,
                expires_at,
                user_agent: client.user_agent.map(|ua| ua.chars().take(512).collect()),
                ip: client.ip,
            })
            .await
    }

    /// The actor a session token stands for: anonymous when the session is unknown,
    /// revoked, idle or expired, or its user suspended.
    pub async fn authenticate(
        &self,
        hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<(Actor, SessionId)>> {
        let Some(session) = self.sessions.find_by_token(hash).await? else {
            return Ok(None);
        };
        if !session.is_live(now, &self.limits) {
            return Ok(None);
        }
        let Some(user) = self.users.find_by_id(session.user_id).await? else {
            return Ok(None);
        };
        if user.status != UserStatus::Active {
            return Ok(None);
        }
        if now - session.last_seen_at >= touch_every(&self.limits) {
            self.sessions.touch(hash, session.id, now).await?;
        }
        Ok(Some((
            Actor::User {
                id: user.id,
                roles: user.roles,
            },
            session.id,
        )))
    }

    /// Ends the session with this token (logout). Unknown tokens are fine: the outcome
    /// is the same.
    pub async fn sign_out(&self, hash: &TokenHash, now: DateTime<Utc>) -> DomainResult<()> {
        self.sessions.revoke_token(hash, now).await.map(|_| ())
    }

    /// The signed-in user, or `None` for anyone else.
    pub async fn viewer(&self, actor: &Actor) -> DomainResult<Option<User>> {
        match actor {
            Actor::User { id, .. } => self.users.find_by_id(*id).await,
            Actor::Anonymous | Actor::System => Ok(None),
        }
    }

    pub async fn update_viewer(&self, actor: &Actor, update: ProfileUpdate) -> DomainResult<User> {
        let me = policy::own_account(actor)?;
        let update = update.parse()?;
        self.users.update_profile(me, &update).await
    }

    /// A user becomes a freelancer or a client by choice; admin is never chosen.
    pub async fn add_own_role(&self, actor: &Actor, role: Role) -> DomainResult<User> {
        let me = policy::own_account(actor)?;
        match role {
            Role::Freelancer | Role::Client => self.users.add_role(me, role).await,
            Role::Admin => Err(DomainError::Forbidden),
        }
    }

    /// The signed-in user's sessions that still work, newest first.
    pub async fn sessions(&self, actor: &Actor, now: DateTime<Utc>) -> DomainResult<Vec<Session>> {
        let me = policy::own_account(actor)?;
        let all = self.sessions.list_for_user(me, now).await?;
        Ok(all
            .into_iter()
            .filter(|s| s.is_live(now, &self.limits))
            .collect())
    }

    /// Ends one of the signed-in user's sessions. `None` stands for an ID that is not a
    /// session's; it, and someone else's session, are "no such session" on `sessionId`.
    pub async fn revoke_session(
        &self,
        actor: &Actor,
        id: Option<SessionId>,
        now: DateTime<Utc>,
    ) -> DomainResult<SessionId> {
        let me = policy::own_account(actor)?;
        let not_found = || DomainError::not_found_at("sessionId", "no such session");
        let id = id.ok_or_else(not_found)?;
        match self.sessions.revoke(me, id, now).await? {
            Some(_) => Ok(id),
            None => Err(not_found()),
        }
    }

    /// Makes the user with this email an admin (operators only, from the CLI).
    pub async fn grant_admin(&self, actor: &Actor, email: &str) -> DomainResult<User> {
        policy::grant_admin(actor)?;
        let email = normalise_email(email)
            .ok_or_else(|| DomainError::validation(&["email"], "is not an email address"))?;
        let user = self
            .users
            .find_by_email(&email)
            .await?
            .ok_or(DomainError::NotFound { entity: "user" })?;
        self.users.add_role(user.id, Role::Admin).await
    }
}
