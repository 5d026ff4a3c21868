//! Proposals' message threads in GraphQL: the messages, a thread's pages, its latest
//! message and unread count (resolved for a page of proposals through the request's
//! loaders), sending and marking read. The domain decides who is a party to a thread.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::pagination::{Page, PageRequest};
use domain::proposals::access::Side;
use domain::proposals::{self as d, MessageId, ProposalId, ThreadPage, ThreadSummary};
use uuid::Uuid;

use super::loaders::ProposalKey;
use super::thread_loaders::{ThreadPageKey, thread_loaders};
use super::types::Proposal;
use crate::connection::{PageInfo, decode_cursor, encode_cursor};
use crate::context::{actor, services};
use crate::errors::{ApiCode, GqlResultExt, UserError, into_payload};
use crate::ids::{NodeKind, decode_kind, encode};
use crate::taxonomy::types::load_error;

/// Which side of a proposal a message came from.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum MessageSide {
    /// The client's side: the posting's client.
    Client,
    /// The freelancer's side: the freelancer the proposal counts for, or an owner of the
    /// agency that submitted it.
    Freelancer,
}

#[derive(Clone)]
pub struct ProposalMessage(pub Arc<d::ProposalMessage>);

/// A message of a proposal's thread between the client's side and the freelancer's
/// side. Plain text. Only the two sides see it.
#[Object]
impl ProposalMessage {
    /// Global ID of the message; pass it as `upTo` to mark the thread read up to it.
    async fn id(&self) -> ID {
        encode(NodeKind::ProposalMessage, self.0.id.0)
    }

    /// Plain text, 1 to 5,000 characters; line breaks are kept.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// When it was sent.
    async fn sent_at(&self) -> DateTime<Utc> {
        self.0.sent_at
    }

    /// The side it came from.
    async fn side(&self) -> MessageSide {
        match self.0.side {
            Side::Client => MessageSide::Client,
            Side::Freelancer => MessageSide::Freelancer,
            // Only the two sides send messages (the domain refuses anyone else).
            #[allow(unreachable_patterns)]
            _ => MessageSide::Freelancer,
        }
    }

    /// Whether you sent it (a colleague of yours on the same side did not).
    async fn mine(&self, ctx: &Context<'_>) -> bool {
        actor(ctx).user_id() == Some(self.0.sender_id)
    }
}

/// One message in a thread and the cursor that points at it.
#[derive(SimpleObject, Clone)]
pub struct ProposalMessageEdge {
    /// Opaque position of this edge; pass it as `after` to continue from here.
    pub cursor: String,
    /// The message at the end of the edge.
    pub node: ProposalMessage,
}

/// One page of a proposal's thread, newest first. Not counted: the list has no
/// `totalCount` (see `unreadMessageCount`).
#[derive(SimpleObject)]
pub struct ProposalMessageConnection {
    /// The messages of this page with their cursors.
    pub edges: Vec<ProposalMessageEdge>,
    /// The messages of this page, for clients that do not need cursors.
    pub nodes: Vec<ProposalMessage>,
    /// Pagination state of this page.
    pub page_info: PageInfo,
}

const CURSOR: &str = "msg:";

fn cursor_of(key: &str) -> Result<MessageId> {
    key.strip_prefix(CURSOR)
        .and_then(|id| Uuid::parse_str(id).ok())
        .map(MessageId)
        .ok_or_else(|| ApiCode::InvalidCursor.error("`after` is not a cursor of this thread"))
}

fn connection(page: Page<d::ProposalMessage>, had_after: bool) -> ProposalMessageConnection {
    let edges: Vec<ProposalMessageEdge> = page
        .items
        .into_iter()
        .map(|m| ProposalMessageEdge {
            cursor: encode_cursor(&format!("{CURSOR}{}", m.id.0)),
            node: ProposalMessage(Arc::new(m)),
        })
        .collect();
    ProposalMessageConnection {
        page_info: PageInfo {
            has_next_page: page.has_next_page,
            has_previous_page: had_after,
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        },
        nodes: edges.iter().map(|e| e.node.clone()).collect(),
        edges,
    }
}

/// `Proposal.messages`: a page of the thread, newest first; null when the caller is
/// no party to it.
pub(crate) async fn thread(
    ctx: &Context<'_>,
    proposal: &Arc<d::Proposal>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Option<ProposalMessageConnection>> {
    let after = match after.as_deref().map(decode_cursor).transpose()? {
        None => None,
        Some(key) => Some(cursor_of(&key)?),
    };
    let request = PageRequest::new(first.map(i64::from), after).gql(ctx)?;
    let key = ThreadPageKey {
        proposal: ProposalKey(proposal.clone()),
        page: ThreadPage {
            proposal: proposal.id,
            after: request.after().copied(),
            first: request.first(),
        },
    };
    let page = thread_loaders(ctx)?
        .page
        .load_one(key)
        .await
        .map_err(|e| load_error(ctx, e))?;
    Ok(page.map(|p| connection(p, request.after().is_some())))
}

async fn summary(ctx: &Context<'_>, proposal: &Arc<d::Proposal>) -> Result<Option<ThreadSummary>> {
    thread_loaders(ctx)?
        .summary
        .load_one(ProposalKey(proposal.clone()))
        .await
        .map_err(|e| load_error(ctx, e))
}

/// `Proposal.lastMessage`.
pub(crate) async fn last_message(
    ctx: &Context<'_>,
    proposal: &Arc<d::Proposal>,
) -> Result<Option<ProposalMessage>> {
    Ok(summary(ctx, proposal)
        .await?
        .and_then(|s| s.last)
        .map(|m| ProposalMessage(Arc::new(m))))
}

/// `Proposal.unreadMessageCount`.
pub(crate) async fn unread_count(ctx: &Context<'_>, proposal: &Arc<d::Proposal>) -> Result<i64> {
    Ok(summary(ctx, proposal)
        .await?
        .map_or(0, |s| i64::try_from(s.unread).unwrap_or(i64::MAX)))
}

/// Input of `sendProposalMessage`.
#[derive(InputObject)]
pub struct SendProposalMessageInput {
    /// The proposal (yours, your agency's, or one on your posting), open.
    pub proposal_id: ID,
    /// Plain text, 1 to 5,000 characters; line breaks are kept.
    pub body: String,
}

/// The outcome of `sendProposalMessage`.
#[derive(SimpleObject)]
pub struct SendProposalMessagePayload {
    /// The message as sent; null when `userErrors` is not empty.
    pub message: Option<ProposalMessage>,
    /// Why it was refused (nothing was sent); empty on success. Paths start at
    /// `input`, e.g. `["input", "body"]`.
    pub user_errors: Vec<UserError>,
}

/// Input of `markProposalMessagesRead`.
#[derive(InputObject)]
pub struct MarkProposalMessagesReadInput {
    /// The proposal whose thread you read.
    pub proposal_id: ID,
    /// The newest message you read, one of the thread's.
    pub up_to: ID,
}

/// The outcome of `markProposalMessagesRead`.
#[derive(SimpleObject)]
pub struct MarkProposalMessagesReadPayload {
    /// The proposal, whose `unreadMessageCount` reflects the mark; null when
    /// `userErrors` is not empty.
    pub proposal: Option<Proposal>,
    /// Why it was refused (nothing was marked); empty on success. Paths start at
    /// `input`, e.g. `["input", "upTo"]`.
    pub user_errors: Vec<UserError>,
}

fn proposal_id(id: &ID) -> Option<ProposalId> {
    decode_kind(id, NodeKind::Proposal).ok().map(ProposalId)
}

#[derive(Default)]
pub struct ProposalMessageMutation;

#[Object]
impl ProposalMessageMutation {
    /// Sends a message on a proposal's thread, as your side of it: the posting's
    /// client, or the freelancer's side (the freelancer, an owner of their agency).
    /// While the proposal is open, and once it is hired (the thread goes on as the
    /// contract's); `INVALID_STATE` on `proposalId` once it is declined, withdrawn or
    /// closed. Nobody else may (`NOT_FOUND` when you do not see the proposal,
    /// `FORBIDDEN` when you see it without being a party).
    /// Sending marks the thread read up to your message.
    async fn send_proposal_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal and the message.")] input: SendProposalMessageInput,
    ) -> Result<SendProposalMessagePayload> {
        let result = services(ctx)?
            .messages
            .send(actor(ctx), proposal_id(&input.proposal_id), &input.body)
            .await;
        let (message, user_errors) = into_payload(ctx, result)?;
        Ok(SendProposalMessagePayload {
            message: message.map(|m| ProposalMessage(Arc::new(m))),
            user_errors,
        })
    }

    /// Records that you read a proposal's thread up to a message (yours to keep: each
    /// party has their own mark). The mark never moves backwards: marking an older
    /// message leaves it where it is.
    async fn mark_proposal_messages_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal and the newest message you read.")]
        input: MarkProposalMessagesReadInput,
    ) -> Result<MarkProposalMessagesReadPayload> {
        let up_to = decode_kind(&input.up_to, NodeKind::ProposalMessage)
            .ok()
            .map(MessageId);
        let result = services(ctx)?
            .messages
            .mark_read(actor(ctx), proposal_id(&input.proposal_id), up_to)
            .await;
        let (proposal, user_errors) = into_payload(ctx, result)?;
        Ok(MarkProposalMessagesReadPayload {
            proposal: proposal.map(Proposal::new),
            user_errors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_others_are_refused() {
        let id = Uuid::now_v7();
        assert_eq!(cursor_of(&format!("msg:{id}")).ok(), Some(MessageId(id)));
        for key in [
            id.to_string(),
            format!("pn:{id}"),
            format!("ref:{id}"),
            "msg:".into(),
        ] {
            assert!(cursor_of(&key).is_err(), "{key}");
        }
    }
}
