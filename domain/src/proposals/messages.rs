//! Messages on a proposal: one thread per proposal between its two parties, the
//! client's side (the posting's client) and the freelancer's side (the freelancer it
//! counts for and the owners of the agency that submitted it, exactly as
//! [`access::side_of`](super::access::side_of) decides). Nobody else reads or writes
//! it: not evaluators, not admins.
//!
//! - A message is plain text, 1 to 5,000 characters, multi-line. Messages are sent while
//!   the proposal is open, and once it is HIRED: the thread goes on as the thread of the
//!   contract it became (one per contract, its parties the proposal's two sides), so the
//!   conversation keeps its history from proposal to paid work. Once a proposal is
//!   otherwise final (DECLINED, WITHDRAWN, CLOSED) the thread stays readable but takes
//!   no more (`INVALID_STATE` on `proposalId`).
//! - The thread reads newest first (the first page is the latest messages, `after`
//!   goes back in time), keyset-paged on the messages' time-ordered IDs.
//! - Each party keeps their own read mark (the last message they read), which never
//!   moves backwards. Unread are the messages of others after it; sending a message
//!   moves the sender's mark to it, so one's own messages never count.
//! - A message is activity on the posting: an OPEN posting's `last_activity_at` moves
//!   with it, in the message's transaction (the expiry job spares it).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::access::{Membership, Side, side_of};
use super::model::{Proposal, ProposalId};
use crate::actor::UserId;
use crate::error::DomainResult;
use crate::postings::{Posting, PostingId};

/// The longest message, in characters.
pub const MAX_MESSAGE: usize = 5_000;

/// A message's ID: a UUID v7, so IDs order messages by the time they were sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub Uuid);

/// One message of a proposal's thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalMessage {
    pub id: MessageId,
    pub proposal_id: ProposalId,
    /// Who sent it (never shown: the API shows the side, and whether it is yours).
    pub sender_id: UserId,
    /// The side its sender was on when they sent it.
    pub side: Side,
    /// Plain text, 1 to 5,000 characters.
    pub body: String,
    pub sent_at: DateTime<Utc>,
}

/// One page of one proposal's thread, newest first: `first` messages older than
/// `after` (from the latest when `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ThreadPage {
    pub proposal: ProposalId,
    pub after: Option<MessageId>,
    pub first: u32,
}

/// What a party sees of a thread without reading it: the latest message and how many
/// messages of others came after their read mark.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ThreadSummary {
    pub last: Option<ProposalMessage>,
    pub unread: u64,
}

/// What storage did with a message (see [`MessageRepository::send`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendWrite {
    /// Stored, as storage keeps it.
    Sent(ProposalMessage),
    /// The proposal was no longer as the domain read it (open, or HIRED) when the
    /// message was to be stored.
    ProposalNotOpen,
}

/// The side of the thread `user` writes and reads on: the client's or the freelancer's,
/// exactly; `None` for anybody else, whatever else they may see of the proposal
/// (deny by default: a side added later, such as evaluators, is not a party).
pub fn thread_side(
    user: UserId,
    membership: Membership,
    proposal: &Proposal,
    posting: &Posting,
) -> Option<Side> {
    match side_of(user, membership, proposal, posting) {
        Some(Side::Client) => Some(Side::Client),
        Some(Side::Freelancer) => Some(Side::Freelancer),
        _ => None,
    }
}

/// Where a thread stands when a message is sent to it (decided by the domain from the
/// proposal it read; storage checks it again holding the proposal's row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadState {
    /// The proposal is open: the message is hiring activity on `posting`.
    Open { posting: PostingId },
    /// The proposal is HIRED: the thread is its contract's, and a message there is no
    /// activity of the posting's.
    Hired,
}

/// Storage of proposals' threads and their read marks.
#[async_trait]
pub trait MessageRepository: Send + Sync {
    /// In one transaction: stores `message` if its proposal is still as `state` says
    /// (open, or HIRED; holding the proposal's row against a concurrent change of
    /// state), moves the sender's read mark to it, and for an open proposal marks the
    /// posting active at `sent_at` if it is OPEN (never moving its last activity
    /// backwards).
    async fn send(&self, message: &ProposalMessage, state: ThreadState) -> DomainResult<SendWrite>;
    /// The messages of several threads' pages, each newest first, with up to
    /// `fetch_limit` messages each (a page's own `first` is the caller's to apply). A
    /// fixed number of statements however many pages.
    async fn pages(
        &self,
        pages: &[ThreadPage],
        fetch_limit: u64,
    ) -> DomainResult<HashMap<ThreadPage, Vec<ProposalMessage>>>;
    /// The latest message of each of these proposals that has one; one statement.
    async fn last_messages(
        &self,
        proposals: &[ProposalId],
    ) -> DomainResult<HashMap<ProposalId, ProposalMessage>>;
    /// How many messages of others than `user` came after `user`'s read mark, for each
    /// of these proposals that has any; one statement.
    async fn unread_counts(
        &self,
        user: UserId,
        proposals: &[ProposalId],
    ) -> DomainResult<HashMap<ProposalId, u64>>;
    /// A message by ID, if it exists.
    async fn message(&self, id: MessageId) -> DomainResult<Option<ProposalMessage>>;
    /// Moves `user`'s read mark on `proposal` to `up_to`, unless it is there or later
    /// already; one statement (the database decides, so concurrent marks never move it
    /// backwards).
    async fn mark_read(
        &self,
        proposal: ProposalId,
        user: UserId,
        up_to: MessageId,
        at: DateTime<Utc>,
    ) -> DomainResult<()>;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::agencies::{AgencyId, AgencyRole};
    use crate::money::{Currency, Money};
    use crate::postings::{BudgetKind, PostingStatus};
    use crate::proposals::{ProposalStatus, ProposalTerms};

    const AGENCY: AgencyId = AgencyId(Uuid::from_u128(70));

    fn user(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    fn fixture() -> (Posting, Proposal) {
        let mut posting = Posting::blank(PostingId(Uuid::now_v7()), user(1), Utc::now());
        posting.status = PostingStatus::Open;
        let proposal = Proposal {
            id: ProposalId(Uuid::now_v7()),
            posting_id: posting.id,
            freelancer_id: user(2),
            agency_id: Some(AGENCY),
            status: ProposalStatus::Submitted,
            status_reason: None,
            terms: ProposalTerms {
                cover_letter: "x".repeat(60),
                bid: Money {
                    amount_minor: 100,
                    currency: Currency::parse("USD").unwrap(),
                },
                bid_kind: BudgetKind::Fixed,
                duration_days: Some(3),
                answers: vec![],
                milestones: vec![],
            },
            match_score: 50,
            scorecard_score: 0,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            first_viewed_at: None,
        };
        (posting, proposal)
    }

    #[test]
    fn only_the_two_sides_are_parties_to_the_thread() {
        let (posting, proposal) = fixture();
        let owner = Some((AGENCY, AgencyRole::Owner));
        let member = Some((AGENCY, AgencyRole::Member));
        let other_owner = Some((AgencyId(Uuid::from_u128(71)), AgencyRole::Owner));
        let cases: [(&str, UserId, Membership, Option<Side>); 8] = [
            ("the client", user(1), None, Some(Side::Client)),
            ("the freelancer", user(2), member, Some(Side::Freelancer)),
            (
                "an owner of the agency",
                user(3),
                owner,
                Some(Side::Freelancer),
            ),
            ("another owner", user(4), owner, Some(Side::Freelancer)),
            ("a plain member", user(5), member, None),
            ("another agency's owner", user(6), other_owner, None),
            ("another freelancer", user(7), None, None),
            ("an admin", user(9), None, None),
        ];
        for (who, u, membership, want) in cases {
            assert_eq!(
                thread_side(u, membership, &proposal, &posting),
                want,
                "{who}"
            );
        }
    }
}
