//! Sending, reading and marking read the messages of a proposal's thread (see
//! [`super::messages`] for the rules). Every call names its actor; only the two sides of
//! a proposal are parties to its thread, everybody else is refused (deny by default).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use uuid::Uuid;

use super::access::{self, Membership, Side, side_of};
use super::messages::{
    MAX_MESSAGE, MessageId, MessageRepository, ProposalMessage, SendWrite, ThreadPage, ThreadState,
    ThreadSummary, thread_side,
};
use super::model::{Proposal, ProposalId};
use super::ports::ProposalRepository;
use crate::actor::{Actor, UserId};
use crate::agencies::AgencyRepository;
use crate::error::{DomainError, DomainResult, ErrorCode, FieldError};
use crate::pagination::Page;
use crate::postings::{Posting, PostingId, PostingService};
use crate::text;

#[derive(Clone)]
pub struct MessageService {
    repo: Arc<dyn MessageRepository>,
    proposals: Arc<dyn ProposalRepository>,
    postings: PostingService,
    agencies: Arc<dyn AgencyRepository>,
    /// Asked whether a caller who is no party evaluates the posting (`FORBIDDEN`
    /// rather than "no such proposal").
    evaluators: Arc<dyn super::evaluators::EvaluatorRepository>,
}

fn closed_thread(proposal: &Proposal) -> FieldError {
    FieldError::new(
        &["proposalId"],
        ErrorCode::InvalidState,
        format!(
            "the proposal is {}: its thread takes no more messages",
            proposal.status.key()
        ),
    )
}

impl MessageService {
    pub fn new(
        repo: Arc<dyn MessageRepository>,
        proposals: Arc<dyn ProposalRepository>,
        postings: PostingService,
        agencies: Arc<dyn AgencyRepository>,
        evaluators: Arc<dyn super::evaluators::EvaluatorRepository>,
    ) -> Self {
        Self {
            repo,
            proposals,
            postings,
            agencies,
            evaluators,
        }
    }

    /// The caller's agency membership, asked for only when it could matter: one of
    /// `proposals` was submitted by an agency and the caller is not already a party to
    /// it in their own right.
    async fn membership_for(
        &self,
        user: UserId,
        proposals: &[(&Proposal, &Posting)],
    ) -> DomainResult<Membership> {
        let matters = proposals
            .iter()
            .any(|(p, posting)| p.agency_id.is_some() && side_of(user, None, p, posting).is_none());
        if !matters {
            return Ok(None);
        }
        Ok(self
            .agencies
            .memberships(&[user])
            .await?
            .remove(&user)
            .map(|m| (m.agency_id, m.role)))
    }

    /// The proposal `id` and the caller's side of its thread: `UNAUTHENTICATED` for the
    /// anonymous, `NOT_FOUND` on `proposalId` for those who do not see the proposal,
    /// `FORBIDDEN` for those who see it without being a party to its thread.
    async fn party(
        &self,
        actor: &Actor,
        id: Option<ProposalId>,
    ) -> DomainResult<(UserId, Proposal, Posting, Side)> {
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        let id = id.ok_or_else(access::not_found)?;
        let proposal = self
            .proposals
            .by_ids(&[id])
            .await?
            .into_iter()
            .next()
            .ok_or_else(access::not_found)?;
        let posting = self.postings.fetch(proposal.posting_id).await?;
        let membership = self.membership_for(user, &[(&proposal, &posting)]).await?;
        match thread_side(user, membership, &proposal, &posting) {
            Some(side) => Ok((user, proposal, posting, side)),
            None if access::sees(actor, membership, &proposal, &posting) => {
                Err(DomainError::Forbidden)
            }
            None if self
                .evaluators
                .evaluating(user, &[posting.id])
                .await?
                .contains(&posting.id) =>
            {
                Err(DomainError::Forbidden)
            }
            None => Err(access::not_found()),
        }
    }

    /// Sends a message on a proposal's thread, as the caller's side. Every problem is
    /// reported at once: the body (1 to 5,000 characters) and the proposal's state (it
    /// must be open or HIRED: `INVALID_STATE` on `proposalId`).
    pub async fn send(
        &self,
        actor: &Actor,
        proposal: Option<ProposalId>,
        body: &str,
    ) -> DomainResult<ProposalMessage> {
        // Twice at most: a proposal read open may be hired before the write (its thread
        // goes on, as the contract's), which happens once.
        for _ in 0..2 {
            let (user, found, posting, side) = self.party(actor, proposal).await?;
            let mut errors = Vec::new();
            let text = match text::multi_line(body, 1, MAX_MESSAGE) {
                Ok(body) => Some(body),
                Err(m) => {
                    errors.push(FieldError::validation(&["body"], m));
                    None
                }
            };
            if !found.status.takes_messages() {
                errors.push(closed_thread(&found));
            }
            let Some(text) = text.filter(|_| errors.is_empty()) else {
                return Err(DomainError::Validation(errors));
            };
            let message = ProposalMessage {
                id: MessageId(Uuid::now_v7()),
                proposal_id: found.id,
                sender_id: user,
                side,
                body: text,
                sent_at: Utc::now(),
            };
            let state = if found.status.is_open() {
                ThreadState::Open {
                    posting: posting.id,
                }
            } else {
                ThreadState::Hired
            };
            if let SendWrite::Sent(stored) = self.repo.send(&message, state).await? {
                return Ok(stored);
            }
        }
        Err(DomainError::Validation(vec![FieldError::new(
            &["proposalId"],
            ErrorCode::InvalidState,
            "the proposal changed state meanwhile: its thread takes no more messages",
        )]))
    }

    /// Records that the caller read the proposal's thread up to the message `up_to`
    /// (one of the thread's, else `NOT_FOUND` on `upTo`). A mark never moves backwards:
    /// marking an older message leaves it where it is. Final proposals' threads are
    /// marked read too.
    pub async fn mark_read(
        &self,
        actor: &Actor,
        proposal: Option<ProposalId>,
        up_to: Option<MessageId>,
    ) -> DomainResult<Proposal> {
        let (user, proposal, _, _) = self.party(actor, proposal).await?;
        let message = match up_to {
            Some(id) => self.repo.message(id).await?,
            None => None,
        }
        .filter(|m| m.proposal_id == proposal.id)
        .ok_or_else(|| {
            DomainError::not_found_at("upTo", "no such message in this proposal's thread")
        })?;
        self.repo
            .mark_read(proposal.id, user, message.id, Utc::now())
            .await?;
        Ok(proposal)
    }

    /// The caller's side of the threads of `proposals` (as a service returned them to
    /// the caller), for those they are a party to; the others are left out. One read of
    /// the postings, and of the caller's agency membership only when it could matter.
    pub async fn sides(
        &self,
        actor: &Actor,
        proposals: &[Proposal],
    ) -> DomainResult<HashMap<ProposalId, Side>> {
        let Some(user) = actor.user_id() else {
            return Ok(HashMap::new());
        };
        if proposals.is_empty() {
            return Ok(HashMap::new());
        }
        let mut ids: Vec<PostingId> = proposals.iter().map(|p| p.posting_id).collect();
        ids.sort();
        ids.dedup();
        let postings: HashMap<PostingId, Posting> = self
            .postings
            .stored(&ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let pairs: Vec<(&Proposal, &Posting)> = proposals
            .iter()
            .filter_map(|p| postings.get(&p.posting_id).map(|posting| (p, posting)))
            .collect();
        let membership = self.membership_for(user, &pairs).await?;
        Ok(pairs
            .into_iter()
            .filter_map(|(p, posting)| {
                thread_side(user, membership, p, posting).map(|side| (p.id, side))
            })
            .collect())
    }

    /// The latest message and the caller's unread count of each thread of `proposals`
    /// the caller is a party to (the others are left out). A fixed number of statements
    /// for any number of proposals.
    pub async fn summaries(
        &self,
        actor: &Actor,
        proposals: &[Proposal],
    ) -> DomainResult<HashMap<ProposalId, ThreadSummary>> {
        let Some(user) = actor.user_id() else {
            return Ok(HashMap::new());
        };
        let sides = self.sides(actor, proposals).await?;
        let ids: Vec<ProposalId> = sides.keys().copied().collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut last = self.repo.last_messages(&ids).await?;
        let unread = self.repo.unread_counts(user, &ids).await?;
        Ok(ids
            .into_iter()
            .map(|id| {
                let summary = ThreadSummary {
                    last: last.remove(&id),
                    unread: unread.get(&id).copied().unwrap_or(0),
                };
                (id, summary)
            })
            .collect())
    }

    /// Pages of the threads of `proposals` (as a service returned them to the caller),
    /// newest first; pages of threads the caller is no party to are left out. A fixed
    /// number of statements for any number of pages.
    pub async fn pages(
        &self,
        actor: &Actor,
        proposals: &[Proposal],
        pages: &[ThreadPage],
    ) -> DomainResult<HashMap<ThreadPage, Page<ProposalMessage>>> {
        let sides = self.sides(actor, proposals).await?;
        let allowed: Vec<ThreadPage> = pages
            .iter()
            .filter(|p| sides.contains_key(&p.proposal))
            .copied()
            .collect();
        let Some(widest) = allowed.iter().map(|p| p.first).max() else {
            return Ok(HashMap::new());
        };
        let mut found = self.repo.pages(&allowed, u64::from(widest) + 1).await?;
        Ok(allowed
            .into_iter()
            .map(|page| {
                let mut items = found.remove(&page).unwrap_or_default();
                let has_next_page = items.len() > page.first as usize;
                items.truncate(page.first as usize);
                (
                    page,
                    Page {
                        items,
                        has_next_page,
                    },
                )
            })
            .collect())
    }
}
