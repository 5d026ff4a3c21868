//! Keeping postings: drafting, editing with the version an edit was based on, and moving
//! them through their life cycle. Every call names its actor; the policy decides.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::input::PostingInput;
use super::invitations::PostingInvitationRepository;
use super::lifecycle::{
    CloseReason, PostingEvent, PostingStatus, expires_at, is_due_for_warning, is_due_to_expire,
    transition, warn_at,
};
use super::model::{Posting, PostingId};
use super::policy;
use super::ports::{PostingRepository, Revision};
use crate::actor::Actor;
use crate::error::{DomainError, DomainResult};
use crate::taxonomy::{CategoryId, SkillId, SkillSlug, TaxonomyRepository};

/// What one run of the expiry job did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpiryRun {
    /// Postings this run closed as EXPIRED.
    pub expired: u32,
    /// Clients this run warned that a posting expires in five days.
    pub warned: u32,
}

/// How many postings the expiry job reads at once.
pub const EXPIRY_BATCH: u32 = 500;

#[derive(Clone)]
pub struct PostingService {
    repo: Arc<dyn PostingRepository>,
    /// Asked who is invited to invite-only postings (they see them).
    invitations: Arc<dyn PostingInvitationRepository>,
    taxonomy: Arc<dyn TaxonomyRepository>,
}

fn not_found() -> DomainError {
    DomainError::not_found_at("postingId", "no such posting")
}

fn stale() -> DomainError {
    DomainError::conflict(
        &["expectedVersion"],
        "the posting changed since you read it; read it again and redo your change",
    )
}

impl PostingService {
    pub fn new(
        repo: Arc<dyn PostingRepository>,
        invitations: Arc<dyn PostingInvitationRepository>,
        taxonomy: Arc<dyn TaxonomyRepository>,
    ) -> Self {
        Self {
            repo,
            invitations,
            taxonomy,
        }
    }

    async fn known_skills(&self, input: &PostingInput) -> DomainResult<HashMap<String, SkillId>> {
        let slugs: Vec<SkillSlug> = input
            .skill_slugs()
            .iter()
            .filter_map(|s| SkillSlug::parse(s).ok())
            .collect();
        if slugs.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(self
            .taxonomy
            .skills_by_slugs(&slugs)
            .await?
            .into_iter()
            .map(|s| (s.slug.as_str().to_owned(), s.id))
            .collect())
    }

    /// The categories the input names that exist (at most one).
    async fn known_categories(&self, input: &PostingInput) -> DomainResult<HashSet<CategoryId>> {
        match input.category() {
            None => Ok(HashSet::new()),
            Some(c) => Ok(self
                .taxonomy
                .categories_by_ids(&[c])
                .await?
                .into_iter()
                .map(|c| c.id)
                .collect()),
        }
    }

    /// Drafts a posting; clients only. Only `title` is required for a draft.
    pub async fn create(&self, actor: &Actor, input: PostingInput) -> DomainResult<Posting> {
        let client = policy::create(actor)?;
        let now = Utc::now();
        let mut posting = Posting::blank(PostingId(Uuid::now_v7()), client, now);
        let known = self.known_skills(&input).await?;
        let categories = self.known_categories(&input).await?;
        input
            .apply(&mut posting, &known, &categories, now, true)
            .map_err(DomainError::Validation)?;
        self.repo.create(&posting).await
    }

    /// Postings by ID as stored, whoever asks: for services that decide visibility
    /// themselves (a proposal's parties see its posting's terms).
    pub(crate) async fn stored(&self, ids: &[PostingId]) -> DomainResult<Vec<Posting>> {
        self.repo.by_ids(ids).await
    }

    /// The clients of these postings, whoever asks (see [`stored`](Self::stored)).
    pub(crate) async fn clients_of(
        &self,
        ids: &[PostingId],
    ) -> DomainResult<HashMap<PostingId, crate::actor::UserId>> {
        self.repo.clients_of(ids).await
    }

    pub(crate) async fn fetch(&self, id: PostingId) -> DomainResult<Posting> {
        self.repo
            .by_ids(&[id])
            .await?
            .into_iter()
            .next()
            .ok_or_else(not_found)
    }

    /// The posting `id` at `expected`, if the actor may act on it.
    async fn current(
        &self,
        actor: &Actor,
        id: PostingId,
        expected: i64,
        event: Option<PostingEvent>,
    ) -> DomainResult<Posting> {
        // Who asks comes before what they ask about.
        if matches!(actor, Actor::Anonymous) {
            return Err(DomainError::Unauthenticated);
        }
        let posting = self.fetch(id).await?;
        // Someone who may not even see it learns nothing more than "no such posting".
        if !self.sees(actor, &posting).await? && !matches!(actor, Actor::System) {
            return Err(if matches!(actor, Actor::Anonymous) {
                DomainError::Unauthenticated
            } else {
                not_found()
            });
        }
        policy::act(actor, &posting, event)?;
        if posting.version != expected {
            return Err(stale());
        }
        Ok(posting)
    }

    async fn store(
        &self,
        actor: &Actor,
        before: Posting,
        mut after: Posting,
        event: Option<PostingEvent>,
    ) -> DomainResult<Posting> {
        let now = Utc::now();
        after.updated_at = now;
        after.last_activity_at = now;
        // Every life-cycle event, and every edit after publishing, is history; edits of a
        // draft are not.
        let revision =
            (before.status != PostingStatus::Draft || event.is_some()).then(|| Revision {
                posting_id: before.id,
                version: before.version,
                at: now,
                actor: actor.user_id(),
                event,
                before: before.clone(),
            });
        self.repo
            .save(&after, before.version, revision.as_ref())
            .await?
            .ok_or_else(stale)
    }

    /// Changes a posting the actor owns, based on version `expected`. A closed posting
    /// cannot change; a published one must stay complete enough to publish.
    pub async fn update(
        &self,
        actor: &Actor,
        id: PostingId,
        expected: i64,
        input: PostingInput,
    ) -> DomainResult<Posting> {
        let before = self.current(actor, id, expected, None).await?;
        if !before.status.is_editable() {
            return Err(DomainError::invalid_state_at(
                &["postingId"],
                "a closed posting cannot be changed",
            ));
        }
        let known = self.known_skills(&input).await?;
        let categories = self.known_categories(&input).await?;
        let now = Utc::now();
        let mut after = before.clone();
        input
            .apply(&mut after, &known, &categories, now, false)
            .map_err(DomainError::Validation)?;
        // A change that changes nothing writes nothing (and is no activity).
        if after == before {
            return Ok(before);
        }
        if after.status != PostingStatus::Draft {
            let problems = after.publish_problems(now);
            if !problems.is_empty() {
                return Err(DomainError::Validation(problems));
            }
        }
        self.store(actor, before, after, None).await
    }

    /// Publishes, pauses, resumes, closes or (the platform only) expires a posting,
    /// based on version `expected`. Publishing checks that the posting is complete.
    pub async fn apply(
        &self,
        actor: &Actor,
        id: PostingId,
        expected: i64,
        event: PostingEvent,
    ) -> DomainResult<Posting> {
        let before = self.current(actor, id, expected, Some(event)).await?;
        let status = transition(before.status, event)
            .map_err(|e| DomainError::invalid_state_at(&["postingId"], e.to_string()))?;
        let now = Utc::now();
        // The expiry job acts only on postings that are due, whatever version it read.
        if event == PostingEvent::Expire
            && !is_due_to_expire(before.status, before.last_activity_at, now)
        {
            return Err(DomainError::invalid_state_at(
                &["postingId"],
                "the posting is not due to expire: it had activity in the last 30 days",
            ));
        }
        // Publishing and resuming both open the posting: it must be complete, and its
        // deadline still ahead.
        if matches!(event, PostingEvent::Publish | PostingEvent::Resume) {
            let problems = before.publish_problems(now);
            if !problems.is_empty() {
                return Err(DomainError::Validation(problems));
            }
        }
        let mut after = before.clone();
        after.status = status;
        if event == PostingEvent::Publish {
            after.published_at = Some(now);
        }
        self.store(actor, before, after, Some(event)).await
    }

    /// Deletes a draft the actor owns, based on version `expected`. Published postings
    /// are closed, never deleted: proposals and history refer to them.
    pub async fn delete_draft(
        &self,
        actor: &Actor,
        id: PostingId,
        expected: i64,
    ) -> DomainResult<()> {
        let posting = self.current(actor, id, expected, None).await?;
        if posting.status != PostingStatus::Draft {
            return Err(DomainError::invalid_state_at(
                &["postingId"],
                "only a draft can be deleted; close a published posting instead",
            ));
        }
        if self.repo.delete_draft(id, expected).await? {
            Ok(())
        } else {
            Err(stale())
        }
    }

    /// Whether the actor may see `posting`, asking storage about invitations only when
    /// one could matter (a published invite-only posting of someone else).
    pub(crate) async fn sees(&self, actor: &Actor, posting: &Posting) -> DomainResult<bool> {
        if !policy::needs_invitation(actor, posting) {
            return Ok(policy::can_see(actor, posting, false));
        }
        let invited = match actor.user_id() {
            Some(user) => self
                .invitations
                .invited_to(user, &[posting.id])
                .await?
                .contains(&posting.id),
            None => false,
        };
        Ok(policy::can_see(actor, posting, invited))
    }

    /// Postings by ID that the actor may see. Invite-only postings of others are asked
    /// about in one statement for the whole batch, and only when there are any.
    pub async fn by_ids(&self, actor: &Actor, ids: &[PostingId]) -> DomainResult<Vec<Posting>> {
        let found = self.repo.by_ids(ids).await?;
        let ask: Vec<PostingId> = found
            .iter()
            .filter(|p| policy::needs_invitation(actor, p))
            .map(|p| p.id)
            .collect();
        let invited = match actor.user_id() {
            Some(user) if !ask.is_empty() => self.invitations.invited_to(user, &ask).await?,
            _ => HashSet::new(),
        };
        Ok(found
            .into_iter()
            .filter(|p| policy::can_see(actor, p, invited.contains(&p.id)))
            .collect())
    }

    /// A posting's history, oldest first; its owner and admins only.
    pub async fn revisions(&self, actor: &Actor, id: PostingId) -> DomainResult<Vec<Revision>> {
        if matches!(actor, Actor::Anonymous) {
            return Err(DomainError::Unauthenticated);
        }
        let posting = self.fetch(id).await?;
        if !policy::sees_history(actor, &posting) {
            return Err(if self.sees(actor, &posting).await? {
                DomainError::Forbidden
            } else {
                not_found()
            });
        }
        let mut all = self.repo.revisions(&[id]).await?;
        Ok(all.remove(&id).unwrap_or_default())
    }

    /// Whether the actor may read the history of a posting they already see: its client
    /// and admins; `UNAUTHENTICATED` for the anonymous, `FORBIDDEN` for other users.
    pub fn reads_history(actor: &Actor, posting: &Posting) -> DomainResult<()> {
        match actor {
            Actor::Anonymous => Err(DomainError::Unauthenticated),
            _ if policy::sees_history(actor, posting) => Ok(()),
            _ => Err(DomainError::Forbidden),
        }
    }

    /// The histories of many postings at once (for a page of them), each oldest first:
    /// one read of the postings to check them, one of their revisions. Postings the
    /// actor may not see the history of (see [`policy::sees_history`]) are left out, as
    /// are those without history.
    pub async fn histories(
        &self,
        actor: &Actor,
        ids: &[PostingId],
    ) -> DomainResult<HashMap<PostingId, Vec<Revision>>> {
        if matches!(actor, Actor::Anonymous) {
            return Err(DomainError::Unauthenticated);
        }
        let allowed: Vec<PostingId> = self
            .repo
            .by_ids(ids)
            .await?
            .into_iter()
            .filter(|p| policy::sees_history(actor, p))
            .map(|p| p.id)
            .collect();
        if allowed.is_empty() {
            return Ok(HashMap::new());
        }
        self.repo.revisions(&allowed).await
    }

    /// The expiry job, as of `now`: closes every OPEN posting without activity for 30
    /// days as EXPIRED (with a revision), then warns the client of every OPEN posting
    /// that expires within five days, once per period of inactivity.
    ///
    /// Safe to run again and from several processes at once: each close is a
    /// compare-and-set on the version the job read, and each warning a conditional write,
    /// so a posting is closed once and warned once whoever gets there first; a posting
    /// that had activity meanwhile is left alone.
    pub async fn run_expiry(&self, now: DateTime<Utc>) -> DomainResult<ExpiryRun> {
        let mut run = ExpiryRun::default();
        let idle_since = now - chrono::TimeDelta::days(super::lifecycle::EXPIRES_AFTER_DAYS);
        loop {
            let due = self.repo.idle_open(idle_since, EXPIRY_BATCH).await?;
            let full = due.len() == EXPIRY_BATCH as usize;
            let mut progressed = false;
            for before in due {
                if !is_due_to_expire(before.status, before.last_activity_at, now) {
                    continue;
                }
                let status = transition(before.status, PostingEvent::Expire)?;
                debug_assert_eq!(status, PostingStatus::Closed(CloseReason::Expired));
                let after = Posting {
                    status,
                    updated_at: now,
                    ..before.clone()
                };
                let revision = Revision {
                    posting_id: before.id,
                    version: before.version,
                    at: now,
                    actor: None,
                    event: Some(PostingEvent::Expire),
                    before: before.clone(),
                };
                // `None`: another run closed it, or the client acted, since we read it.
                if self
                    .repo
                    .save(&after, before.version, Some(&revision))
                    .await?
                    .is_some()
                {
                    run.expired += 1;
                }
                progressed = true;
            }
            if !full || !progressed {
                break;
            }
        }
        let warn_since = now
            - chrono::TimeDelta::days(
                super::lifecycle::EXPIRES_AFTER_DAYS - super::lifecycle::WARN_DAYS_BEFORE,
            );
        loop {
            let due = self
                .repo
                .unwarned_idle_open(idle_since, warn_since, EXPIRY_BATCH)
                .await?;
            let full = due.len() == EXPIRY_BATCH as usize;
            let mut progressed = false;
            for posting in due {
                debug_assert!(warn_at(posting.last_activity_at) <= now);
                if !is_due_for_warning(posting.status, posting.last_activity_at, now) {
                    continue;
                }
                if self
                    .repo
                    .record_expiry_warning(&posting, expires_at(posting.last_activity_at), now)
                    .await?
                {
                    run.warned += 1;
                }
                progressed = true;
            }
            if !full || !progressed {
                break;
            }
        }
        Ok(run)
    }
}
