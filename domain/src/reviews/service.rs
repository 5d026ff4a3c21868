//! Writing, replying to and reading reviews (see [`super`] for the rules).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::model::{MAX_REPLY, Review, ReviewId, ReviewInput, ReviewerSide, checked};
use super::ports::{PendingReview, ReviewRepository, ReviewWrite};
use super::reputation::{Reputation, ReputationRepository, Subject};
use crate::actor::{Actor, Role, UserId};
use crate::contracts::{ContractId, ContractService, ContractStatus, TransactionKind};
use crate::error::{DomainError, DomainResult, FieldError};
use crate::pagination::{Page, PageRequest};
use crate::text;

/// The ledger movements that pay a freelancer for work: a contract with one of them
/// was real, paid work (bonuses alone are not).
pub const PAID_WORK: [TransactionKind; 3] = [
    TransactionKind::Release,
    TransactionKind::AutoRelease,
    TransactionKind::Hours,
];

/// How many contracts `viewer.pendingReviews` lists at most.
const PENDING_LIMIT: u32 = 100;
/// How many reviews one run of the publication job publishes at most.
const PUBLISH_BATCH: u32 = 500;
/// How many marked subjects the reputation job reads at once, and how many such
/// batches one run takes at most.
const MARK_BATCH: u32 = 200;
const MARK_ROUNDS: usize = 20;

fn no_review() -> DomainError {
    DomainError::not_found_at("reviewId", "no such review")
}

#[derive(Clone)]
pub struct ReviewService {
    pub(super) repo: Arc<dyn ReviewRepository>,
    reputation: Arc<dyn ReputationRepository>,
    pub(super) agencies: Arc<dyn crate::agencies::AgencyRepository>,
    contracts: ContractService,
    /// How long after a contract ended its parties may review it (14 days by default).
    window: TimeDelta,
}

impl ReviewService {
    pub fn new(
        (repo, reputation): (Arc<dyn ReviewRepository>, Arc<dyn ReputationRepository>),
        contracts: ContractService,
        agencies: Arc<dyn crate::agencies::AgencyRepository>,
        window: TimeDelta,
    ) -> Self {
        Self {
            repo,
            reputation,
            agencies,
            contracts,
            window,
        }
    }

    /// A party of an ENDED contract on which work was paid reviews the other side, once,
    /// within the window: the client (about the freelancer) or the freelancer the
    /// contract counts for (about the client; an agency's owners do not review for
    /// their member). The review stays blind (only its author reads it) until the other
    /// side has reviewed too, or the window closed.
    pub async fn submit(
        &self,
        actor: &Actor,
        contract: Option<ContractId>,
        input: &ReviewInput,
    ) -> DomainResult<Review> {
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        let no_contract = || DomainError::not_found_at("contractId", "no such contract");
        let contract = match contract {
            Some(id) => self.contracts.contracts_by_ids(actor, &[id]).await?,
            None => Vec::new(),
        }
        .into_iter()
        .next()
        .ok_or_else(no_contract)?;
        let side = if user == contract.client_id {
            ReviewerSide::Client
        } else if user == contract.freelancer_id {
            ReviewerSide::Freelancer
        } else {
            return Err(DomainError::Forbidden);
        };
        let mut errors = Vec::new();
        let values = checked(input, side, &mut errors);
        let now = Utc::now();
        let mut state = |m: String| {
            errors.push(FieldError::new(
                &["contractId"],
                crate::error::ErrorCode::InvalidState,
                m,
            ))
        };
        let closes = contract.ended_at.map(|at| at + self.window);
        match (contract.status, closes) {
            (ContractStatus::Ended, Some(closes)) if now >= closes => state(format!(
                "the contract's review window closed at {}",
                closes.to_rfc3339()
            )),
            (ContractStatus::Ended, Some(_)) => {
                if self.repo.paid(&[contract.id], &PAID_WORK).await?.is_empty() {
                    state("no work was paid on this contract: there is nothing to review".into());
                }
            }
            (ContractStatus::Ended, None) => {
                return Err(DomainError::internal(
                    "an ended contract without its end time",
                ));
            }
            (status, _) => state(format!(
                "the contract is {}: it is reviewed once it has ended",
                status.key()
            )),
        }
        let (Some((rating, scores, comment)), Some(public_from)) = (values, closes) else {
            return Err(DomainError::Validation(errors));
        };
        if !errors.is_empty() {
            return Err(DomainError::Validation(errors));
        }
        let review = Review {
            id: ReviewId(Uuid::now_v7()),
            contract_id: contract.id,
            side,
            author_id: user,
            reviewee_id: match side {
                ReviewerSide::Client => contract.freelancer_id,
                ReviewerSide::Freelancer => contract.client_id,
            },
            agency_id: match side {
                ReviewerSide::Client => contract.agency_id,
                ReviewerSide::Freelancer => None,
            },
            rating,
            scores,
            comment,
            would_recommend: input.would_recommend,
            created_at: now,
            public_from,
            published_at: None,
            reply: None,
            replied_at: None,
            hidden: None,
        };
        match self.repo.create(&review).await? {
            ReviewWrite::Written(stored) => {
                if stored.published_at.is_some() {
                    // Both sides' reviews went public: every party's reputation
                    // changes. Storage marked them in the same transaction, so a failure
                    // here is made good by the job; the review stands.
                    let parties = Subject::parties(
                        contract.client_id,
                        contract.freelancer_id,
                        contract.agency_id,
                    );
                    self.refresh(&parties).await;
                }
                Ok(*stored)
            }
            ReviewWrite::Duplicate => Err(DomainError::conflict(
                &["contractId"],
                "your side reviewed this contract already",
            )),
            ReviewWrite::WindowClosed => Err(DomainError::invalid_state_at(
                &["contractId"],
                "the contract's review window closed: the other side's review is public",
            )),
        }
    }

    /// The reviewee adds their one public reply (1 to 2,000 characters) to a public
    /// review about them.
    pub async fn reply(
        &self,
        actor: &Actor,
        id: Option<ReviewId>,
        reply: &str,
    ) -> DomainResult<Review> {
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        let now = Utc::now();
        let review = match id {
            Some(id) => self.repo.reviews(&[id]).await?,
            None => Vec::new(),
        }
        .into_iter()
        .find(|r| r.visible_to(Some(user), actor.has_role(Role::Admin), now))
        .ok_or_else(no_review)?;
        if review.reviewee_id != user {
            return Err(DomainError::Forbidden);
        }
        let text = text::multi_line(reply, 1, MAX_REPLY)
            .map_err(|m| DomainError::validation(&["reply"], m))?;
        if review.hidden.is_some() {
            return Err(DomainError::invalid_state_at(
                &["reviewId"],
                "the review was hidden by a moderator",
            ));
        }
        if review.reply.is_some() || !self.repo.reply(review.id, &text, now).await? {
            return Err(DomainError::invalid_state_at(
                &["reviewId"],
                "you replied to this review already",
            ));
        }
        Ok(Review {
            reply: Some(text),
            replied_at: Some(now),
            ..review
        })
    }

    /// A page of the public reviews about `user` (newest first), for anybody: about them
    /// as a freelancer (written by clients: `side` CLIENT), as a client (FREELANCER),
    /// or both (`None`).
    pub async fn about(
        &self,
        user: UserId,
        side: Option<ReviewerSide>,
        page: &PageRequest<ReviewId>,
    ) -> DomainResult<Page<Review>> {
        self.repo.about(user, side, Utc::now(), page).await
    }

    /// The reviews of `contracts` (which the caller has read) that the caller may read:
    /// their own, and the public ones.
    pub async fn of_contracts(
        &self,
        actor: &Actor,
        contracts: &[ContractId],
    ) -> DomainResult<HashMap<ContractId, Vec<Review>>> {
        if contracts.is_empty() {
            return Ok(HashMap::new());
        }
        let now = Utc::now();
        let viewer = actor.user_id();
        let admin = actor.has_role(Role::Admin);
        let mut found = self.repo.of_contracts(contracts).await?;
        for reviews in found.values_mut() {
            reviews.retain(|r| r.visible_to(viewer, admin, now));
        }
        Ok(found)
    }

    /// What the caller may still review: their ended contracts with paid work whose
    /// window is open and that their side has not reviewed, with the deadline.
    pub async fn pending(&self, actor: &Actor) -> DomainResult<Vec<PendingReview>> {
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        let now = Utc::now();
        Ok(self
            .repo
            .unreviewed(user, now - self.window, &PAID_WORK, PENDING_LIMIT)
            .await?
            .into_iter()
            .map(|(contract_id, side, ended_at)| PendingReview {
                contract_id,
                side,
                deadline: ended_at + self.window,
            })
            .collect())
    }

    /// Records as public the reviews whose window closed by `now` (they read as public
    /// from then anyway): idempotent and safe with several processes. How many.
    pub async fn run_publication(&self, now: DateTime<Utc>) -> DomainResult<usize> {
        Ok(self.repo.publish_due(now, PUBLISH_BATCH).await?.len())
    }

    /// The reputations of these subjects, for anybody (reputation is public); a subject
    /// with nothing to count has [`Reputation::empty`]. Served from the cache.
    pub async fn reputations(
        &self,
        subjects: &[Subject],
    ) -> DomainResult<HashMap<Subject, Reputation>> {
        if subjects.is_empty() {
            return Ok(HashMap::new());
        }
        let mut found = self.reputation.reputations(subjects).await?;
        for s in subjects {
            found.entry(*s).or_insert_with(|| Reputation::empty(*s));
        }
        Ok(found)
    }

    /// Recomputes these subjects' reputations from scratch now (after a change that
    /// made reviews public or hid them). Storage marked them in the change's
    /// transaction, so a failure here is made good by the job.
    pub(super) async fn refresh(&self, subjects: &[Subject]) {
        let mut subjects = subjects.to_vec();
        subjects.sort_by_key(|s| (s.role(), s.id()));
        subjects.dedup();
        let now = Utc::now();
        for s in subjects {
            // The repository logs a failure; the mark stays for the job.
            let _ = self.reputation.recompute(s, now).await;
        }
    }

    /// Recomputes the subjects storage marked (see [`ReputationRepository::recompute`]),
    /// each once, in batches until none is left or [`MARK_ROUNDS`] batches ran;
    /// idempotent and safe with several processes (a recomputation holds the subject's
    /// row and deletes only the marks it read). A subject that fails keeps its marks for
    /// the next run and does not hold the others up. Runs after [`Self::run_publication`]
    /// in the contract job.
    pub async fn run_reputation(&self, now: DateTime<Utc>) -> DomainResult<ReputationRun> {
        let mut run = ReputationRun::default();
        let mut failed: HashSet<Subject> = HashSet::new();
        for _ in 0..MARK_ROUNDS {
            let limit = MARK_BATCH.saturating_add(u32::try_from(failed.len()).unwrap_or(u32::MAX));
            let marked = self.reputation.marked(limit).await?;
            let full = u32::try_from(marked.len()).unwrap_or(u32::MAX) >= limit;
            let todo: Vec<Subject> = marked.into_iter().filter(|s| !failed.contains(s)).collect();
            if todo.is_empty() {
                break;
            }
            for subject in todo {
                match self.reputation.recompute(subject, now).await {
                    Ok(_) => run.recomputed += 1,
                    Err(e) => {
                        failed.insert(subject);
                        run.failed.push((subject, e.to_string()));
                    }
                }
            }
            if !full {
                break;
            }
        }
        Ok(run)
    }
}

/// What one run of the reputation job did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReputationRun {
    /// Subjects recomputed (their marks deleted).
    pub recomputed: u32,
    /// Subjects that could not be recomputed this time, and why (their marks stay for
    /// the next run).
    pub failed: Vec<(Subject, String)>,
}

/// The subjects whose reputation `review` counts for: its reviewee in the role reviewed
/// (and the agency, for a client's review of an agency's contract).
pub(super) fn subjects_of(review: &Review) -> Vec<Subject> {
    match review.side {
        ReviewerSide::Client => {
            let mut s = vec![Subject::Freelancer(review.reviewee_id)];
            s.extend(review.agency_id.map(Subject::Agency));
            s
        }
        ReviewerSide::Freelancer => vec![Subject::Client(review.reviewee_id)],
    }
}
