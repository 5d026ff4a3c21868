//! The posting service over in-memory storage: versions, history, the life cycle and who
//! may do what.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use uuid::Uuid;

use super::*;
use crate::actor::{Actor, Role, UserId};
use crate::error::{DomainError, DomainResult, ErrorCode};
use crate::pagination::{Page, PageRequest};
use crate::profiles::{Change, MoneyInput};
use crate::taxonomy::{
    Category, CategoryId, NewSkill, Skill, SkillFilter, SkillId, SkillSlug, TaxonomyRepository,
};

#[derive(Default)]
struct Memory {
    postings: Mutex<HashMap<PostingId, Posting>>,
    revisions: Mutex<Vec<Revision>>,
    /// (posting, the last activity a warning was for).
    warnings: Mutex<Vec<(PostingId, chrono::DateTime<chrono::Utc>)>>,
}

#[async_trait]
impl PostingRepository for Memory {
    async fn create(&self, p: &Posting) -> DomainResult<Posting> {
        self.postings.lock().unwrap().insert(p.id, p.clone());
        Ok(p.clone())
    }
    async fn by_ids(&self, ids: &[PostingId]) -> DomainResult<Vec<Posting>> {
        let map = self.postings.lock().unwrap();
        Ok(ids.iter().filter_map(|i| map.get(i).cloned()).collect())
    }
    async fn clients_of(&self, ids: &[PostingId]) -> DomainResult<HashMap<PostingId, UserId>> {
        let map = self.postings.lock().unwrap();
        Ok(ids
            .iter()
            .filter_map(|i| map.get(i).map(|p| (p.id, p.client_id)))
            .collect())
    }
    async fn save(
        &self,
        p: &Posting,
        expected: i64,
        r: Option<&Revision>,
    ) -> DomainResult<Option<Posting>> {
        let mut map = self.postings.lock().unwrap();
        match map.get(&p.id) {
            Some(stored) if stored.version == expected => {
                let next = Posting {
                    version: expected + 1,
                    ..p.clone()
                };
                map.insert(p.id, next.clone());
                if let Some(r) = r {
                    self.revisions.lock().unwrap().push(r.clone());
                }
                Ok(Some(next))
            }
            _ => Ok(None),
        }
    }
    async fn delete_draft(&self, id: PostingId, expected: i64) -> DomainResult<bool> {
        let mut map = self.postings.lock().unwrap();
        let ok = map
            .get(&id)
            .is_some_and(|p| p.version == expected && p.status == PostingStatus::Draft);
        if ok {
            map.remove(&id);
        }
        Ok(ok)
    }
    async fn revisions(
        &self,
        ids: &[PostingId],
    ) -> DomainResult<std::collections::HashMap<PostingId, Vec<Revision>>> {
        let mut out = std::collections::HashMap::<PostingId, Vec<Revision>>::new();
        for r in self.revisions.lock().unwrap().iter() {
            if ids.contains(&r.posting_id) {
                out.entry(r.posting_id).or_default().push(r.clone());
            }
        }
        Ok(out)
    }
    async fn idle_open(
        &self,
        idle_since: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> DomainResult<Vec<Posting>> {
        let mut due: Vec<Posting> = self
            .postings
            .lock()
            .unwrap()
            .values()
            .filter(|p| p.status == PostingStatus::Open && p.last_activity_at <= idle_since)
            .cloned()
            .collect();
        due.sort_by_key(|p| (p.last_activity_at, p.id));
        due.truncate(limit as usize);
        Ok(due)
    }
    async fn unwarned_idle_open(
        &self,
        after: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> DomainResult<Vec<Posting>> {
        let warned = self.warnings.lock().unwrap().clone();
        let mut due: Vec<Posting> = self
            .postings
            .lock()
            .unwrap()
            .values()
            .filter(|p| {
                p.status == PostingStatus::Open
                    && p.last_activity_at > after
                    && p.last_activity_at <= until
                    && !warned.contains(&(p.id, p.last_activity_at))
            })
            .cloned()
            .collect();
        due.sort_by_key(|p| (p.last_activity_at, p.id));
        due.truncate(limit as usize);
        Ok(due)
    }
    async fn record_expiry_warning(
        &self,
        posting: &Posting,
        _expires_at: chrono::DateTime<chrono::Utc>,
        _now: chrono::DateTime<chrono::Utc>,
    ) -> DomainResult<bool> {
        let key = (posting.id, posting.last_activity_at);
        let mut warned = self.warnings.lock().unwrap();
        if warned.contains(&key) {
            return Ok(false);
        }
        warned.push(key);
        Ok(true)
    }
}

/// Knows two skills; the rest of the taxonomy is not used here.
pub(super) struct Skills;

fn unused<T>() -> DomainResult<T> {
    Err(DomainError::internal("not used by posting tests"))
}

#[async_trait]
impl TaxonomyRepository for Skills {
    async fn list_categories(&self) -> DomainResult<Vec<Category>> {
        unused()
    }
    async fn categories_by_ids(&self, ids: &[CategoryId]) -> DomainResult<Vec<Category>> {
        // One category exists: the nil one.
        Ok(ids
            .iter()
            .filter(|c| c.0.is_nil())
            .map(|c| Category {
                id: *c,
                slug: "backend-development".into(),
                name: "Backend development".into(),
                description: String::new(),
                position: 0,
            })
            .collect())
    }
    async fn category_by_slug(&self, _: &str) -> DomainResult<Option<Category>> {
        unused()
    }
    async fn skill_counts(&self, _: &[CategoryId]) -> DomainResult<HashMap<CategoryId, u64>> {
        unused()
    }
    async fn skill_by_slug(&self, _: &SkillSlug) -> DomainResult<Option<Skill>> {
        unused()
    }
    async fn skills_by_ids(&self, _: &[SkillId]) -> DomainResult<Vec<Skill>> {
        unused()
    }
    async fn skills_by_terms(&self, _: &[String]) -> DomainResult<HashMap<String, SkillId>> {
        unused()
    }
    async fn skills_by_slugs(&self, slugs: &[SkillSlug]) -> DomainResult<Vec<Skill>> {
        Ok(slugs
            .iter()
            .filter(|s| ["rust", "postgresql"].contains(&s.as_str()))
            .map(|s| Skill {
                id: SkillId(Uuid::new_v5(&Uuid::nil(), s.as_str().as_bytes())),
                slug: s.as_str().to_owned(),
                name: s.as_str().to_owned(),
                description: None,
                category_id: CategoryId(Uuid::nil()),
            })
            .collect())
    }
    async fn aliases(&self, _: &[SkillId]) -> DomainResult<HashMap<SkillId, Vec<String>>> {
        unused()
    }
    async fn search_skills(
        &self,
        _: &SkillFilter,
        _: &PageRequest<SkillSlug>,
    ) -> DomainResult<Page<Skill>> {
        unused()
    }
    async fn count_skills(&self, _: &SkillFilter) -> DomainResult<u64> {
        unused()
    }
    async fn create_skill(&self, _: &NewSkill) -> DomainResult<Skill> {
        unused()
    }
}

/// Who is invited where, and how often storage was asked.
#[derive(Default)]
struct Invitations {
    invited: Mutex<Vec<(UserId, PostingId)>>,
    /// The batches `invited_to` was asked about.
    asked: Mutex<Vec<Vec<PostingId>>>,
}

#[async_trait]
impl PostingInvitationRepository for Invitations {
    async fn create(
        &self,
        _: &PostingInvitation,
        _: &[UserId],
        _: u32,
    ) -> DomainResult<InviteWrite> {
        unused()
    }
    async fn by_ids(&self, _: &[PostingInvitationId]) -> DomainResult<Vec<PostingInvitation>> {
        unused()
    }
    async fn answer(
        &self,
        _: &PostingInvitation,
        _: UserId,
    ) -> DomainResult<Option<PostingInvitation>> {
        unused()
    }
    async fn admits(&self, _: PostingId, _: crate::postings::InvitedParty) -> DomainResult<bool> {
        unused()
    }
    async fn invited_to(
        &self,
        user: UserId,
        postings: &[PostingId],
    ) -> DomainResult<std::collections::HashSet<PostingId>> {
        self.asked.lock().unwrap().push(postings.to_vec());
        let invited = self.invited.lock().unwrap();
        Ok(postings
            .iter()
            .filter(|p| invited.contains(&(user, **p)))
            .copied()
            .collect())
    }
    async fn of_invitee(
        &self,
        _: UserId,
        _: Option<crate::agencies::AgencyId>,
        _: &[PostingInvitationStatus],
        _: &PageRequest<PostingInvitationId>,
    ) -> DomainResult<Page<PostingInvitation>> {
        unused()
    }
    async fn count_of_invitee(
        &self,
        _: UserId,
        _: Option<crate::agencies::AgencyId>,
        _: &[PostingInvitationStatus],
    ) -> DomainResult<u64> {
        unused()
    }
    async fn of_postings(
        &self,
        _: &[PostingId],
        _: &PageRequest<PostingInvitationId>,
    ) -> DomainResult<std::collections::HashMap<PostingId, Page<PostingInvitation>>> {
        unused()
    }
    async fn count_of_postings(
        &self,
        _: &[PostingId],
    ) -> DomainResult<std::collections::HashMap<PostingId, u64>> {
        unused()
    }
}

fn service() -> (PostingService, Arc<Memory>) {
    let (svc, memory, _) = service_with_invitations();
    (svc, memory)
}

fn service_with_invitations() -> (PostingService, Arc<Memory>, Arc<Invitations>) {
    let memory = Arc::new(Memory::default());
    let invitations = Arc::new(Invitations::default());
    (
        PostingService::new(memory.clone(), invitations.clone(), Arc::new(Skills)),
        memory,
        invitations,
    )
}

fn user(n: u128, role: Role) -> Actor {
    Actor::User {
        id: UserId(Uuid::from_u128(n)),
        roles: vec![role],
    }
}

fn complete() -> PostingInput {
    PostingInput {
        title: Some("Senior Rust engineer".into()),
        description: Some(
            "Build and run our payments API in Rust on PostgreSQL, with care.".into(),
        ),
        category_id: Change::Set(CategoryId(Uuid::nil())),
        skills: Some(vec![RequiredSkillInput {
            skill: "rust".into(),
            min_level: Some(4),
        }]),
        hire_type: Change::Set(HireType::FreelanceLongTerm),
        budget: Change::Set(BudgetInput {
            kind: BudgetKind::Hourly,
            min: MoneyInput {
                amount_minor: 6_000,
                currency: "USD".into(),
            },
            max: Some(MoneyInput {
                amount_minor: 9_000,
                currency: "USD".into(),
            }),
        }),
        experience: Change::Set(ExperienceLevel::Expert),
        duration: Change::Set(ExpectedDuration::ThreeToSixMonths),
        ..PostingInput::default()
    }
}

fn code_at(err: &DomainError) -> (ErrorCode, Vec<String>) {
    let f = &err.field_errors()[0];
    (f.code, f.field.clone())
}

#[tokio::test]
async fn a_posting_goes_from_draft_to_closed_with_versions_and_history() {
    let (svc, memory) = service();
    let client = user(1, Role::Client);
    let draft = svc
        .create(
            &client,
            PostingInput {
                title: Some("Senior Rust engineer".into()),
                ..PostingInput::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((draft.status, draft.version), (PostingStatus::Draft, 1));

    // Publishing an incomplete draft names what is missing and changes nothing.
    let err = svc
        .apply(&client, draft.id, 1, PostingEvent::Publish)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(
        err.field_errors()
            .iter()
            .any(|f| f.field == ["budget"] || f.field == ["hireType"])
    );
    assert_eq!(
        svc.by_ids(&client, &[draft.id]).await.unwrap()[0].version,
        1
    );

    let filled = svc.update(&client, draft.id, 1, complete()).await.unwrap();
    assert_eq!(filled.version, 2);
    assert!(
        memory.revisions.lock().unwrap().is_empty(),
        "draft edits are not history"
    );

    let open = svc
        .apply(&client, draft.id, 2, PostingEvent::Publish)
        .await
        .unwrap();
    assert_eq!((open.status, open.version), (PostingStatus::Open, 3));
    assert!(open.published_at.is_some());

    // An edit based on an old version is a CONFLICT and changes nothing.
    let stale = PostingInput {
        title: Some("Lead Rust engineer".into()),
        ..PostingInput::default()
    };
    let err = svc
        .update(&client, draft.id, 2, stale.clone())
        .await
        .unwrap_err();
    assert_eq!(
        code_at(&err),
        (ErrorCode::Conflict, vec!["expectedVersion".to_owned()])
    );
    let edited = svc.update(&client, draft.id, 3, stale).await.unwrap();
    assert_eq!(
        (edited.title.as_str(), edited.version),
        ("Lead Rust engineer", 4)
    );

    // A published posting must stay publishable.
    let err = svc
        .update(
            &client,
            draft.id,
            4,
            PostingInput {
                budget: Change::Clear,
                ..PostingInput::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field, ["budget"]);

    let paused = svc
        .apply(&client, draft.id, 4, PostingEvent::Pause)
        .await
        .unwrap();
    assert_eq!(paused.status, PostingStatus::Paused);
    let closed = svc
        .apply(
            &client,
            draft.id,
            5,
            PostingEvent::Close(CloseReason::Filled),
        )
        .await
        .unwrap();
    assert_eq!(closed.status, PostingStatus::Closed(CloseReason::Filled));

    // Closed is final: no edit, no transition.
    let err = svc
        .update(&client, draft.id, 6, complete())
        .await
        .unwrap_err();
    assert_eq!(
        code_at(&err),
        (ErrorCode::InvalidState, vec!["postingId".to_owned()])
    );
    let err = svc
        .apply(&client, draft.id, 6, PostingEvent::Resume)
        .await
        .unwrap_err();
    assert_eq!(
        code_at(&err),
        (ErrorCode::InvalidState, vec!["postingId".to_owned()])
    );

    // History: publish, the title edit, pause, close — each with the posting before it.
    let history = svc.revisions(&client, draft.id).await.unwrap();
    let events: Vec<Option<PostingEvent>> = history.iter().map(|r| r.event).collect();
    assert_eq!(
        events,
        [
            Some(PostingEvent::Publish),
            None,
            Some(PostingEvent::Pause),
            Some(PostingEvent::Close(CloseReason::Filled)),
        ]
    );
    assert_eq!(history[1].before.title, "Senior Rust engineer");
    assert_eq!(history[1].version, 3);
}

#[tokio::test]
async fn only_the_owner_acts_and_only_the_platform_expires() {
    let (svc, memory) = service();
    let owner = user(1, Role::Client);
    let p = svc.create(&owner, complete()).await.unwrap();
    let freelancer = user(2, Role::Freelancer);
    assert!(matches!(
        svc.create(&freelancer, complete()).await,
        Err(DomainError::Forbidden)
    ));
    assert!(matches!(
        svc.create(&Actor::Anonymous, complete()).await,
        Err(DomainError::Unauthenticated)
    ));

    // A draft is invisible to others: they learn only that there is no such posting.
    let other = user(3, Role::Client);
    let err = svc
        .apply(&other, p.id, 1, PostingEvent::Publish)
        .await
        .unwrap_err();
    assert_eq!(
        code_at(&err),
        (ErrorCode::NotFound, vec!["postingId".to_owned()])
    );
    assert!(svc.by_ids(&other, &[p.id]).await.unwrap().is_empty());

    let open = svc
        .apply(&owner, p.id, 1, PostingEvent::Publish)
        .await
        .unwrap();
    // Published: others see it, but may not change it.
    assert_eq!(
        svc.by_ids(&Actor::Anonymous, &[p.id]).await.unwrap().len(),
        1
    );
    assert!(matches!(
        svc.update(&other, p.id, open.version, complete()).await,
        Err(DomainError::Forbidden)
    ));
    assert!(matches!(
        svc.apply(&Actor::Anonymous, p.id, open.version, PostingEvent::Pause)
            .await,
        Err(DomainError::Unauthenticated)
    ));
    assert!(matches!(
        svc.revisions(&other, p.id).await,
        Err(DomainError::Forbidden)
    ));
    // Clients cannot expire (even their own); the platform can.
    assert!(matches!(
        svc.apply(&owner, p.id, open.version, PostingEvent::Expire)
            .await,
        Err(DomainError::Forbidden)
    ));
    // Not due yet (it just had activity): the job cannot expire it.
    let err = svc
        .apply(&Actor::System, p.id, open.version, PostingEvent::Expire)
        .await
        .unwrap_err();
    assert_eq!(
        code_at(&err),
        (ErrorCode::InvalidState, vec!["postingId".to_owned()])
    );
    // Thirty days without activity later, it can.
    {
        let mut map = memory.postings.lock().unwrap();
        let stored = map.get_mut(&p.id).unwrap();
        stored.last_activity_at -= chrono::Duration::days(30);
    }
    let expired = svc
        .apply(&Actor::System, p.id, open.version, PostingEvent::Expire)
        .await
        .unwrap();
    assert_eq!(expired.status, PostingStatus::Closed(CloseReason::Expired));
    let history = svc.revisions(&owner, p.id).await.unwrap();
    assert_eq!(history.last().unwrap().actor, None, "the platform acted");
}

#[tokio::test]
async fn who_asks_comes_first_and_unknown_categories_are_named() {
    let (svc, _) = service();
    let nowhere = PostingId(Uuid::now_v7());
    assert!(matches!(
        svc.apply(&Actor::Anonymous, nowhere, 1, PostingEvent::Publish)
            .await,
        Err(DomainError::Unauthenticated)
    ));
    assert!(matches!(
        svc.update(&Actor::Anonymous, nowhere, 1, complete()).await,
        Err(DomainError::Unauthenticated)
    ));
    assert!(matches!(
        svc.revisions(&Actor::Anonymous, nowhere).await,
        Err(DomainError::Unauthenticated)
    ));
    let client = user(1, Role::Client);
    let err = svc
        .create(
            &client,
            PostingInput {
                category_id: Change::Set(CategoryId(Uuid::now_v7())),
                ..complete()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        code_at(&err),
        (ErrorCode::NotFound, vec!["categoryId".to_owned()])
    );
}

#[tokio::test]
async fn empty_edits_write_nothing_resume_rechecks_and_drafts_can_be_deleted() {
    let (svc, memory) = service();
    let client = user(1, Role::Client);
    let p = svc.create(&client, complete()).await.unwrap();
    let open = svc
        .apply(&client, p.id, 1, PostingEvent::Publish)
        .await
        .unwrap();
    let same = svc
        .update(&client, p.id, open.version, PostingInput::default())
        .await
        .unwrap();
    assert_eq!(same, open, "nothing changed, nothing written");
    assert_eq!(
        memory.revisions.lock().unwrap().len(),
        1,
        "only the publish"
    );

    // A deadline that passed while paused must be moved before resuming.
    let paused = svc
        .apply(&client, p.id, open.version, PostingEvent::Pause)
        .await
        .unwrap();
    {
        let mut map = memory.postings.lock().unwrap();
        map.get_mut(&p.id).unwrap().deadline =
            Some(chrono::Utc::now() - chrono::Duration::hours(1));
    }
    let err = svc
        .apply(&client, p.id, paused.version, PostingEvent::Resume)
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field, ["deadline"]);

    // Drafts can be deleted (by their owner, at their version); published ones cannot.
    let err = svc
        .delete_draft(&client, p.id, paused.version)
        .await
        .unwrap_err();
    assert_eq!(
        code_at(&err),
        (ErrorCode::InvalidState, vec!["postingId".to_owned()])
    );
    let draft = svc.create(&client, complete()).await.unwrap();
    assert!(
        matches!(
            svc.delete_draft(&user(2, Role::Client), draft.id, 1).await,
            Err(DomainError::Validation(_))
        ),
        "another client learns only that there is no such posting"
    );
    let err = svc.delete_draft(&client, draft.id, 7).await.unwrap_err();
    assert_eq!(
        code_at(&err),
        (ErrorCode::Conflict, vec!["expectedVersion".to_owned()])
    );
    svc.delete_draft(&client, draft.id, 1).await.unwrap();
    assert!(svc.by_ids(&client, &[draft.id]).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_expiry_job_warns_once_then_expires_once_and_spares_the_active() {
    let (svc, memory) = service();
    let owner = user(1, Role::Client);
    let mut ids = Vec::new();
    for _ in 0..4 {
        let p = svc.create(&owner, complete()).await.unwrap();
        svc.apply(&owner, p.id, 1, PostingEvent::Publish)
            .await
            .unwrap();
        ids.push(p.id);
    }
    // A paused posting never expires.
    svc.apply(&owner, ids[3], 2, PostingEvent::Pause)
        .await
        .unwrap();
    let start = chrono::Utc::now();
    // Nothing is due yet.
    assert_eq!(svc.run_expiry(start).await.unwrap(), ExpiryRun::default());
    let idle_for = |ids: &[PostingId], days: i64| {
        let mut map = memory.postings.lock().unwrap();
        for id in ids {
            map.get_mut(id).unwrap().last_activity_at -= chrono::Duration::days(days);
        }
    };
    // 26 days idle: the three open postings are due a warning, each warned once.
    idle_for(&ids, 26);
    assert_eq!(
        svc.run_expiry(start).await.unwrap(),
        ExpiryRun {
            expired: 0,
            warned: 3
        }
    );
    assert_eq!(svc.run_expiry(start).await.unwrap(), ExpiryRun::default());
    // The client edits one: activity, so its clock starts again.
    let edited = svc
        .update(
            &owner,
            ids[2],
            2,
            PostingInput {
                title: Some("Staff Rust engineer".into()),
                ..PostingInput::default()
            },
        )
        .await
        .unwrap();
    // 31 days idle: the two idle open ones expire, once; the edited and the paused stay.
    idle_for(&[ids[0], ids[1], ids[3]], 5);
    assert_eq!(
        svc.run_expiry(start).await.unwrap(),
        ExpiryRun {
            expired: 2,
            warned: 0
        }
    );
    assert_eq!(svc.run_expiry(start).await.unwrap(), ExpiryRun::default());
    let now = memory.postings.lock().unwrap().clone();
    for id in &ids[..2] {
        assert_eq!(now[id].status, PostingStatus::Closed(CloseReason::Expired));
        assert_eq!(now[id].version, 3);
    }
    assert_eq!(now[&ids[2]].status, PostingStatus::Open);
    assert_eq!(now[&ids[3]].status, PostingStatus::Paused);
    // The expiry is history, by the platform.
    let history = svc.revisions(&owner, ids[0]).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!((last.actor, last.event), (None, Some(PostingEvent::Expire)));
    // The edited one gets its own warning 25 days after the edit, then expires.
    let later = edited.last_activity_at + chrono::Duration::days(26);
    assert_eq!(svc.run_expiry(later).await.unwrap().warned, 1);
    let end = edited.last_activity_at + chrono::Duration::days(30);
    assert_eq!(svc.run_expiry(end).await.unwrap().expired, 1);
}

/// Invitees see invite-only postings; storage is asked once per batch, only about the
/// invite-only postings of others, and not at all when no posting needs it.
#[tokio::test]
async fn invitees_see_invite_only_postings_asked_once_per_batch() {
    let (svc, _, invitations) = service_with_invitations();
    let owner = user(1, Role::Client);
    let invitee = user(2, Role::Freelancer);
    let stranger = user(3, Role::Freelancer);
    let mut ids = Vec::new();
    for visibility in [
        PostingVisibility::InviteOnly,
        PostingVisibility::InviteOnly,
        PostingVisibility::Public,
    ] {
        let mut input = complete();
        input.visibility = Some(visibility);
        let p = svc.create(&owner, input).await.unwrap();
        svc.apply(&owner, p.id, 1, PostingEvent::Publish)
            .await
            .unwrap();
        ids.push(p.id);
    }
    let draft = svc.create(&owner, complete()).await.unwrap();
    invitations
        .invited
        .lock()
        .unwrap()
        .push((UserId(Uuid::from_u128(2)), ids[0]));
    let asked = || invitations.asked.lock().unwrap().clone();

    let mut all = ids.clone();
    all.push(draft.id);
    let seen = |found: Vec<Posting>| found.into_iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(
        seen(svc.by_ids(&invitee, &all).await.unwrap()),
        [ids[0], ids[2]]
    );
    assert_eq!(
        asked(),
        [vec![ids[0], ids[1]]],
        "one question, invite-only ones"
    );
    assert_eq!(seen(svc.by_ids(&stranger, &all).await.unwrap()), [ids[2]]);
    assert_eq!(asked().len(), 2);
    // The owner, admins, the anonymous and a batch without invite-only postings of
    // others: nobody asks.
    for who in [&owner, &user(4, Role::Admin), &Actor::Anonymous] {
        svc.by_ids(who, &all).await.unwrap();
    }
    svc.by_ids(&invitee, &[ids[2], draft.id]).await.unwrap();
    assert_eq!(asked().len(), 2, "no more questions");
    assert_eq!(svc.by_ids(&owner, &all).await.unwrap().len(), 4);

    // An invitee who tries to change the posting hears FORBIDDEN (they see it), a
    // stranger "no such posting".
    assert!(matches!(
        svc.apply(&invitee, ids[0], 2, PostingEvent::Pause).await,
        Err(DomainError::Forbidden)
    ));
    let err = svc
        .apply(&stranger, ids[0], 2, PostingEvent::Pause)
        .await
        .unwrap_err();
    assert_eq!(
        code_at(&err),
        (ErrorCode::NotFound, vec!["postingId".to_owned()])
    );
    assert!(matches!(
        svc.revisions(&invitee, ids[0]).await,
        Err(DomainError::Forbidden)
    ));
}

#[tokio::test]
async fn histories_of_many_postings_are_their_owners_and_admins_only() {
    let (svc, _) = service();
    let owner = user(1, Role::Client);
    let other = user(3, Role::Client);
    let admin = user(4, Role::Admin);
    let mine = svc.create(&owner, complete()).await.unwrap();
    let theirs = svc.create(&other, complete()).await.unwrap();
    for (actor, p) in [(&owner, &mine), (&other, &theirs)] {
        svc.apply(actor, p.id, 1, PostingEvent::Publish)
            .await
            .unwrap();
    }
    let ids = [mine.id, theirs.id, PostingId(Uuid::now_v7())];
    let of = |found: &std::collections::HashMap<PostingId, Vec<Revision>>| {
        let mut keys: Vec<PostingId> = found.keys().copied().collect();
        keys.sort_by_key(|k| k.0);
        keys
    };
    // Each client: their own posting's history only; the other one's is left out.
    let found = svc.histories(&owner, &ids).await.unwrap();
    assert_eq!(of(&found), [mine.id]);
    assert_eq!(found[&mine.id].len(), 1);
    assert_eq!(of(&svc.histories(&other, &ids).await.unwrap()), [theirs.id]);
    // A freelancer sees both postings but neither history; admins see both.
    let freelancer = user(2, Role::Freelancer);
    assert!(svc.histories(&freelancer, &ids).await.unwrap().is_empty());
    let mut both = vec![mine.id, theirs.id];
    both.sort_by_key(|k| k.0);
    assert_eq!(of(&svc.histories(&admin, &ids).await.unwrap()), both);
    assert!(matches!(
        svc.histories(&Actor::Anonymous, &ids).await,
        Err(DomainError::Unauthenticated)
    ));
    // The check a posting already read goes through (`Posting.history`): the same rule,
    // with the error to answer.
    assert!(PostingService::reads_history(&owner, &mine).is_ok());
    assert!(PostingService::reads_history(&admin, &mine).is_ok());
    assert!(matches!(
        PostingService::reads_history(&other, &mine),
        Err(DomainError::Forbidden)
    ));
    assert!(matches!(
        PostingService::reads_history(&freelancer, &mine),
        Err(DomainError::Forbidden)
    ));
    assert!(matches!(
        PostingService::reads_history(&Actor::Anonymous, &mine),
        Err(DomainError::Unauthenticated)
    ));
}

/// Answers every search with one hit at `give`, and records the order and cursor each
/// search was asked for.
struct Cursors {
    give: crate::profiles::TalentCursor,
    asked: Mutex<
        Vec<(
            crate::profiles::ResultOrder,
            Option<crate::profiles::TalentCursor>,
        )>,
    >,
}

#[async_trait]
impl PostingIndex for Cursors {
    async fn search(
        &self,
        _: &PostingFilter,
        order: crate::profiles::ResultOrder,
        page: &PageRequest<crate::profiles::TalentCursor>,
        _: chrono::DateTime<chrono::Utc>,
    ) -> DomainResult<Page<PostingHit>> {
        self.asked
            .lock()
            .unwrap()
            .push((order, page.after().cloned()));
        Ok(Page {
            items: vec![PostingHit {
                id: PostingId(self.give.id()),
                cursor: self.give.clone(),
            }],
            has_next_page: true,
        })
    }

    async fn count(
        &self,
        _: &PostingFilter,
        _: chrono::DateTime<chrono::Utc>,
    ) -> DomainResult<u64> {
        Ok(1)
    }
}

/// Relevance pages go on past the ranked matches with cursors of publication order: such
/// a cursor, issued by this search, is taken back and handed to the index; the same kind
/// of cursor from another search, or a budget cursor, is an invalid cursor.
#[tokio::test]
async fn relevance_pages_go_on_past_the_ranked_matches_with_newest_cursors() {
    use crate::profiles::{ResultOrder, TalentCursor, TalentSearchError};
    let newest = TalentCursor::Newest {
        at: chrono::Utc::now(),
        id: Uuid::now_v7(),
    };
    let service = |give: TalentCursor| {
        let index = Arc::new(Cursors {
            give,
            asked: Mutex::new(Vec::new()),
        });
        (
            PostingSearchService::new(index.clone(), Arc::new(Skills)),
            index,
        )
    };
    let (svc, index) = service(newest.clone());
    let now = chrono::Utc::now();
    let filter = svc
        .validate(PostingSearch {
            text: Some("api".into()),
            ..PostingSearch::default()
        })
        .await
        .unwrap();
    let run = |sort: PostingSort, after: Option<String>| {
        let svc = &svc;
        let filter = filter.clone();
        async move {
            svc.run(filter, sort, Some(5), after.as_deref(), now)
                .await
                .map(|p| p.cursor(&p.page.items[0]))
        }
    };
    let after = run(PostingSort::Relevance, None).await.ok().unwrap();
    assert!(run(PostingSort::Relevance, Some(after)).await.is_ok());
    assert_eq!(
        index.asked.lock().unwrap().last(),
        Some(&(ResultOrder::Rank, Some(newest)))
    );
    // A cursor of the ranked set is read back whole, by posting relevance only.
    let ranked = TalentCursor::RankWithin {
        rank: -0.25,
        id: Uuid::now_v7(),
        from: chrono::Utc::now() - chrono::TimeDelta::days(3),
        from_id: Uuid::now_v7(),
    };
    let (ranked_svc, ranked_index) = service(ranked.clone());
    let page = ranked_svc
        .run(filter.clone(), PostingSort::Relevance, Some(5), None, now)
        .await
        .ok()
        .unwrap();
    let key = page.cursor(&page.page.items[0]);
    assert!(
        ranked_svc
            .run(
                filter.clone(),
                PostingSort::Relevance,
                Some(5),
                Some(&key),
                now
            )
            .await
            .is_ok()
    );
    assert_eq!(
        ranked_index.asked.lock().unwrap().last(),
        Some(&(ResultOrder::Rank, Some(ranked)))
    );
    let (fingerprint, _) = key.split_once('|').unwrap();
    assert_eq!(
        TalentCursor::parse(ResultOrder::Rank, fingerprint, &key),
        None
    );
    // A NEWEST search of the same filter is another search.
    let of_newest = run(PostingSort::Newest, None).await.ok().unwrap();
    assert!(matches!(
        run(PostingSort::Relevance, Some(of_newest)).await,
        Err(TalentSearchError::InvalidCursor)
    ));
    // A budget cursor, even one a relevance search of this filter issued.
    let (svc, _) = service(TalentCursor::Rate {
        has_rate: true,
        currency: "USD".into(),
        minor: 5_000,
        id: Uuid::now_v7(),
    });
    let page = svc
        .run(filter.clone(), PostingSort::Relevance, Some(5), None, now)
        .await
        .ok()
        .unwrap();
    let rate = page.cursor(&page.page.items[0]);
    assert!(matches!(
        svc.run(filter, PostingSort::Relevance, Some(5), Some(&rate), now)
            .await,
        Err(TalentSearchError::InvalidCursor)
    ));
}
