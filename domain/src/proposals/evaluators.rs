//! A posting's evaluators: teammates (existing users) its client adds to evaluate its
//! proposals. They see the posting's proposals, its pipeline, and fill scorecards; they
//! do nothing else (no short list, no moves, no declines, no messages, no pipeline
//! changes). Only the client adds and removes them; at most [`MAX_EVALUATORS`] per
//! posting; the client is not their own evaluator.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::service::ProposalService;
use crate::actor::{Actor, UserId};
use crate::error::{DomainError, DomainResult};
use crate::postings::{Posting, PostingId};

/// The most evaluators a posting has.
pub const MAX_EVALUATORS: usize = 20;

/// A user evaluating a posting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluator {
    pub posting_id: PostingId,
    pub user_id: UserId,
    /// The user's display name, as their account has it now.
    pub display_name: String,
    pub added_at: DateTime<Utc>,
}

/// What storage did with a new evaluator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvaluatorWrite {
    Added,
    /// They already evaluate the posting.
    Already,
    /// No such user.
    NoSuchUser,
    /// The posting has its [`MAX_EVALUATORS`].
    Full,
}

#[async_trait]
pub trait EvaluatorRepository: Send + Sync {
    /// Adds `user` to `posting`'s evaluators if it has fewer than `max`, in one
    /// transaction (the posting's row held on PostgreSQL, so concurrent additions take
    /// turns).
    async fn add(
        &self,
        posting: PostingId,
        user: UserId,
        at: DateTime<Utc>,
        max: usize,
    ) -> DomainResult<EvaluatorWrite>;
    /// Removes `user` from `posting`'s evaluators; false when they were not one.
    async fn remove(&self, posting: PostingId, user: UserId) -> DomainResult<bool>;
    /// The evaluators of these postings, each list in the order they were added; one
    /// statement.
    async fn of_postings(
        &self,
        postings: &[PostingId],
    ) -> DomainResult<HashMap<PostingId, Vec<Evaluator>>>;
    /// Which of `postings` `user` evaluates; one statement.
    async fn evaluating(
        &self,
        user: UserId,
        postings: &[PostingId],
    ) -> DomainResult<HashSet<PostingId>>;
}

impl ProposalService {
    /// The client of `posting` adds `user` as an evaluator: the posting's evaluators
    /// after. `NOT_FOUND` on `userId` for no such user, `VALIDATION` for the client
    /// themself, `CONFLICT` for one already there or one with a proposal on the posting
    /// (an agency's owner who submitted one is never shown scores either: the
    /// freelancer's side reads no cards), `INVALID_STATE` past [`MAX_EVALUATORS`].
    pub async fn add_evaluator(
        &self,
        actor: &Actor,
        posting: Option<PostingId>,
        user: Option<UserId>,
    ) -> DomainResult<Vec<Evaluator>> {
        let posting = self.run_by_client(actor, posting).await?;
        let Some(user) = user else {
            return Err(DomainError::not_found_at("userId", "no such user"));
        };
        if user == posting.client_id {
            return Err(DomainError::validation(
                &["userId"],
                "you evaluate your own posting already",
            ));
        }
        // A candidate never evaluates the competition (and an evaluator never proposes:
        // see `submit`).
        if self.repo.has_proposal(posting.id, user).await? {
            return Err(DomainError::conflict(
                &["userId"],
                "they have a proposal on this posting",
            ));
        }
        match self
            .evaluator_repo()
            .add(posting.id, user, Utc::now(), MAX_EVALUATORS)
            .await?
        {
            EvaluatorWrite::Added => {}
            EvaluatorWrite::Already => {
                return Err(DomainError::conflict(
                    &["userId"],
                    "they evaluate this posting already",
                ));
            }
            EvaluatorWrite::NoSuchUser => {
                return Err(DomainError::not_found_at("userId", "no such user"));
            }
            EvaluatorWrite::Full => {
                return Err(DomainError::invalid_state_at(
                    &["postingId"],
                    format!("a posting has at most {MAX_EVALUATORS} evaluators"),
                ));
            }
        }
        self.evaluators_of(posting.id).await
    }

    /// The client of `posting` removes an evaluator: the posting's evaluators after.
    /// Their scorecards stay. `NOT_FOUND` on `userId` for someone who is not one.
    pub async fn remove_evaluator(
        &self,
        actor: &Actor,
        posting: Option<PostingId>,
        user: Option<UserId>,
    ) -> DomainResult<Vec<Evaluator>> {
        let posting = self.run_by_client(actor, posting).await?;
        let removed = match user {
            Some(user) => self.evaluator_repo().remove(posting.id, user).await?,
            None => false,
        };
        if !removed {
            return Err(DomainError::not_found_at(
                "userId",
                "no such evaluator of the posting",
            ));
        }
        self.evaluators_of(posting.id).await
    }

    /// The evaluators of these postings, for their client (others' postings are left
    /// out). One statement.
    pub async fn evaluators(
        &self,
        actor: &Actor,
        postings: &[Posting],
    ) -> DomainResult<HashMap<PostingId, Vec<Evaluator>>> {
        let Some(user) = actor.user_id() else {
            return Ok(HashMap::new());
        };
        let own: Vec<PostingId> = postings
            .iter()
            .filter(|p| p.client_id == user)
            .map(|p| p.id)
            .collect();
        if own.is_empty() {
            return Ok(HashMap::new());
        }
        let mut found = self.evaluator_repo().of_postings(&own).await?;
        Ok(own
            .into_iter()
            .map(|id| (id, found.remove(&id).unwrap_or_default()))
            .collect())
    }

    /// The users evaluating `posting` (its client not among them).
    pub(crate) async fn evaluator_ids(&self, posting: PostingId) -> DomainResult<HashSet<UserId>> {
        Ok(self
            .evaluator_repo()
            .of_postings(&[posting])
            .await?
            .remove(&posting)
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.user_id)
            .collect())
    }

    /// Whether the actor evaluates `posting`.
    pub(crate) async fn is_evaluator(
        &self,
        actor: &Actor,
        posting: PostingId,
    ) -> DomainResult<bool> {
        Ok(self
            .evaluated_by(actor, &[posting])
            .await?
            .contains(&posting))
    }

    /// Which of `postings` the actor evaluates (none for the anonymous).
    pub(crate) async fn evaluated_by(
        &self,
        actor: &Actor,
        postings: &[PostingId],
    ) -> DomainResult<HashSet<PostingId>> {
        match actor.user_id() {
            Some(user) if !postings.is_empty() => {
                self.evaluator_repo().evaluating(user, postings).await
            }
            _ => Ok(HashSet::new()),
        }
    }

    async fn evaluators_of(&self, posting: PostingId) -> DomainResult<Vec<Evaluator>> {
        Ok(self
            .evaluator_repo()
            .of_postings(&[posting])
            .await?
            .remove(&posting)
            .unwrap_or_default())
    }
}
