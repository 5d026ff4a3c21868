//! A contract's message thread in GraphQL: the thread of the proposal the contract came
//! from, which goes on as the contract's (one per contract, between the same two sides),
//! so the conversation keeps its history from proposal to paid work.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use domain::contracts::ContractId;
use domain::proposals::MessageId;

use super::types::Contract;
use crate::context::{actor, services};
use crate::errors::{UserError, into_payload};
use crate::ids::{NodeKind, decode_kind};
use crate::proposals::messages::{ProposalMessage, ProposalMessageConnection};
use crate::proposals::types::proposal_by_id;

/// `Contract.messages`.
pub(crate) async fn thread(
    ctx: &Context<'_>,
    contract: &domain::contracts::Contract,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Option<ProposalMessageConnection>> {
    match proposal_by_id(ctx, contract.proposal_id).await? {
        Some(p) => crate::proposals::messages::thread(ctx, &p.0, first, after).await,
        None => Ok(None),
    }
}

/// `Contract.lastMessage`.
pub(crate) async fn last_message(
    ctx: &Context<'_>,
    contract: &domain::contracts::Contract,
) -> Result<Option<ProposalMessage>> {
    match proposal_by_id(ctx, contract.proposal_id).await? {
        Some(p) => crate::proposals::messages::last_message(ctx, &p.0).await,
        None => Ok(None),
    }
}

/// `Contract.unreadMessageCount`.
pub(crate) async fn unread_count(
    ctx: &Context<'_>,
    contract: &domain::contracts::Contract,
) -> Result<i64> {
    match proposal_by_id(ctx, contract.proposal_id).await? {
        Some(p) => crate::proposals::messages::unread_count(ctx, &p.0).await,
        None => Ok(0),
    }
}

/// Input of `sendContractMessage`.
#[derive(InputObject)]
pub struct SendContractMessageInput {
    /// A contract of yours (as its client or on the freelancer's side), in any state.
    pub contract_id: ID,
    /// Plain text, 1 to 5,000 characters; line breaks are kept.
    pub body: String,
}

/// The outcome of `sendContractMessage`.
#[derive(SimpleObject)]
pub struct SendContractMessagePayload {
    /// The message as sent; null when `userErrors` is not empty.
    pub message: Option<ProposalMessage>,
    /// Why it was refused (nothing was sent); empty on success. Paths start at
    /// `input`, e.g. `["input", "body"]`.
    pub user_errors: Vec<UserError>,
}

/// Input of `markContractMessagesRead`.
#[derive(InputObject)]
pub struct MarkContractMessagesReadInput {
    /// The contract whose thread you read.
    pub contract_id: ID,
    /// The newest message you read, one of the thread's.
    pub up_to: ID,
}

/// The outcome of `markContractMessagesRead`.
#[derive(SimpleObject)]
pub struct MarkContractMessagesReadPayload {
    /// The contract, whose `unreadMessageCount` reflects the mark; null when
    /// `userErrors` is not empty.
    pub contract: Option<Contract>,
    /// Why it was refused (nothing was marked); empty on success. Paths start at
    /// `input`, e.g. `["input", "upTo"]`.
    pub user_errors: Vec<UserError>,
}

fn contract_id(id: &ID) -> Option<ContractId> {
    decode_kind(id, NodeKind::Contract).ok().map(ContractId)
}

#[derive(Default)]
pub struct ContractMessageMutation;

#[Object]
impl ContractMessageMutation {
    /// Sends a message on a contract's thread, as your side of it (the client, or the
    /// freelancer's side: the freelancer, an owner of their agency), whatever the
    /// contract's state. It is the thread of the proposal the contract came from.
    /// Sending marks the thread read up to your message.
    async fn send_contract_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract and the message.")] input: SendContractMessageInput,
    ) -> Result<SendContractMessagePayload> {
        let result = services(ctx)?
            .contracts
            .send_message(actor(ctx), contract_id(&input.contract_id), &input.body)
            .await;
        let (message, user_errors) = into_payload(ctx, result)?;
        Ok(SendContractMessagePayload {
            message: message.map(|m| ProposalMessage(std::sync::Arc::new(m))),
            user_errors,
        })
    }

    /// Records that you read a contract's thread up to a message (your own mark; it
    /// never moves backwards).
    async fn mark_contract_messages_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract and the newest message you read.")]
        input: MarkContractMessagesReadInput,
    ) -> Result<MarkContractMessagesReadPayload> {
        let up_to = decode_kind(&input.up_to, NodeKind::ProposalMessage)
            .ok()
            .map(MessageId);
        let result = services(ctx)?
            .contracts
            .mark_messages_read(actor(ctx), contract_id(&input.contract_id), up_to)
            .await;
        let (contract, user_errors) = into_payload(ctx, result)?;
        Ok(MarkContractMessagesReadPayload {
            contract: contract.map(|c| Contract(std::sync::Arc::new(c))),
            user_errors,
        })
    }
}
