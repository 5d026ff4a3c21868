//! Offers, contracts, milestones and money: the mutations. Each resolver decodes its
//! IDs, calls the domain and maps the outcome; the domain decides who may do what.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use domain::contracts::{
    self as d, ContractId, MilestoneId, MilestonePayment, MilestoneStep, OfferId,
};
use domain::proposals::ProposalId;

use super::inputs::{
    AcceptOfferInput, AddMilestoneInput, CancelMilestoneInput, ChangeContractTermsInput,
    ContractInput, EndContractInput, EndOfferInput, MakeOfferInput, MilestonePaymentInput,
    PayBonusInput, RefundMilestoneInput, RequestMilestoneChangesInput, SubmitMilestoneInput,
};
use super::types::{Contract, ContractMilestone, LedgerTransaction, Offer};
use crate::context::{actor, services};
use crate::errors::{UserError, into_payload};
use crate::ids::{NodeKind, decode_kind};

macro_rules! payload {
    ($name:ident, $field:ident, $ty:ty, $doc:literal, $field_doc:literal) => {
        #[doc = $doc]
        #[derive(SimpleObject)]
        pub struct $name {
            #[doc = $field_doc]
            pub $field: Option<$ty>,
            /// Why it was refused (nothing changed, no money moved); empty on success.
            /// Paths start at `input`, e.g. `["input", "idempotencyKey"]`.
            pub user_errors: Vec<UserError>,
        }
    };
}

payload!(
    MakeOfferPayload,
    offer,
    Offer,
    "The outcome of `makeOffer`.",
    "The offer as made; null when `userErrors` is not empty."
);
payload!(
    WithdrawOfferPayload,
    offer,
    Offer,
    "The outcome of `withdrawOffer`.",
    "The offer, withdrawn; null when `userErrors` is not empty."
);
payload!(
    DeclineOfferPayload,
    offer,
    Offer,
    "The outcome of `declineOffer`.",
    "The offer, declined; null when `userErrors` is not empty."
);
payload!(
    AcceptOfferPayload,
    contract,
    Contract,
    "The outcome of `acceptOffer`.",
    "The contract the offer became; null when `userErrors` is not empty."
);
payload!(
    PauseContractPayload,
    contract,
    Contract,
    "The outcome of `pauseContract`.",
    "The contract, paused; null when `userErrors` is not empty."
);
payload!(
    ResumeContractPayload,
    contract,
    Contract,
    "The outcome of `resumeContract`.",
    "The contract, active again; null when `userErrors` is not empty."
);
payload!(
    EndContractPayload,
    contract,
    Contract,
    "The outcome of `endContract`.",
    "The contract, ended; null when `userErrors` is not empty."
);
payload!(
    ChangeContractTermsPayload,
    contract,
    Contract,
    "The outcome of `changeContractTerms`.",
    "The contract with its new terms; null when `userErrors` is not empty."
);
payload!(
    AddMilestonePayload,
    milestone,
    ContractMilestone,
    "The outcome of `addMilestone`.",
    "The milestone as added (PENDING); null when `userErrors` is not empty."
);
payload!(
    SubmitMilestonePayload,
    milestone,
    ContractMilestone,
    "The outcome of `submitMilestone`.",
    "The milestone, SUBMITTED; null when `userErrors` is not empty."
);
payload!(
    RequestMilestoneChangesPayload,
    milestone,
    ContractMilestone,
    "The outcome of `requestMilestoneChanges`.",
    "The milestone, FUNDED again; null when `userErrors` is not empty."
);
payload!(
    CancelMilestonePayload,
    milestone,
    ContractMilestone,
    "The outcome of `cancelMilestone`.",
    "The milestone, CANCELLED; null when `userErrors` is not empty."
);
payload!(
    PayBonusPayload,
    transaction,
    LedgerTransaction,
    "The outcome of `payBonus`.",
    "The ledger transaction of the bonus (the first one again for a repeated key); null when `userErrors` is not empty."
);

/// The outcome of a milestone's money mutation (`fundMilestone`, `approveMilestone`,
/// `refundMilestone`).
#[derive(SimpleObject)]
pub struct MilestonePaymentPayload {
    /// The milestone as it is now; null when `userErrors` is not empty.
    pub milestone: Option<ContractMilestone>,
    /// The ID of the ledger transaction that moved the money (the first one again for
    /// a repeated key); null when `userErrors` is not empty.
    pub transaction_id: Option<String>,
    /// Why it was refused (nothing changed, no money moved); empty on success. Paths
    /// start at `input`, e.g. `["input", "idempotencyKey"]`.
    pub user_errors: Vec<UserError>,
}

fn offer_id(id: &ID) -> Option<OfferId> {
    decode_kind(id, NodeKind::Offer).ok().map(OfferId)
}

fn contract_id(id: &ID) -> Option<ContractId> {
    decode_kind(id, NodeKind::Contract).ok().map(ContractId)
}

fn milestone_id(id: &ID) -> Option<MilestoneId> {
    decode_kind(id, NodeKind::ContractMilestone)
        .ok()
        .map(MilestoneId)
}

fn offer(o: Option<d::Offer>) -> Option<Offer> {
    o.map(|o| Offer(Arc::new(o)))
}

fn contract(c: Option<d::Contract>) -> Option<Contract> {
    c.map(|c| Contract(Arc::new(c)))
}

fn milestone(m: Option<d::Milestone>) -> Option<ContractMilestone> {
    m.map(|m| ContractMilestone(Arc::new(m)))
}

async fn pay(
    ctx: &Context<'_>,
    id: &ID,
    key: &str,
    payment: MilestonePayment,
) -> Result<MilestonePaymentPayload> {
    let result = services(ctx)?
        .contracts
        .pay_milestone(actor(ctx), milestone_id(id), key, payment)
        .await;
    let (done, user_errors) = into_payload(ctx, result)?;
    let (m, t) = done.unzip();
    Ok(MilestonePaymentPayload {
        milestone: milestone(m),
        transaction_id: t.map(|t| t.0.to_string()),
        user_errors,
    })
}

async fn step(
    ctx: &Context<'_>,
    id: &ID,
    step: MilestoneStep,
) -> Result<(Option<ContractMilestone>, Vec<UserError>)> {
    let result = services(ctx)?
        .contracts
        .milestone_step(actor(ctx), milestone_id(id), step)
        .await;
    let (m, user_errors) = into_payload(ctx, result)?;
    Ok((milestone(m), user_errors))
}

#[derive(Default)]
pub struct ContractMutation;

#[Object]
impl ContractMutation {
    /// Makes an offer from a proposal on one of your postings that is in a stage of its
    /// pipeline: fixed price (milestones adding up to the total) or hourly, in the
    /// proposal's currency. The proposal moves to OFFERED; the offer expires after the
    /// configured days (7 by default) unless answered.
    async fn make_offer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal and the terms.")] input: MakeOfferInput,
    ) -> Result<MakeOfferPayload> {
        let proposal = decode_kind(&input.proposal_id, NodeKind::Proposal)
            .ok()
            .map(ProposalId);
        let result = services(ctx)?
            .contracts
            .make_offer(actor(ctx), input.into_domain(proposal))
            .await;
        let (o, user_errors) = into_payload(ctx, result)?;
        Ok(MakeOfferPayload {
            offer: offer(o),
            user_errors,
        })
    }

    /// Withdraws a pending offer you made; the proposal returns to its stage.
    async fn withdraw_offer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The offer and, optionally, why.")] input: EndOfferInput,
    ) -> Result<WithdrawOfferPayload> {
        let result = services(ctx)?
            .contracts
            .withdraw_offer(
                actor(ctx),
                offer_id(&input.offer_id),
                input.reason.as_deref(),
            )
            .await;
        let (o, user_errors) = into_payload(ctx, result)?;
        Ok(WithdrawOfferPayload {
            offer: offer(o),
            user_errors,
        })
    }

    /// Declines a pending offer made to you (or to a member of the agency you own); the
    /// proposal returns to its stage.
    async fn decline_offer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The offer and, optionally, why.")] input: EndOfferInput,
    ) -> Result<DeclineOfferPayload> {
        let result = services(ctx)?
            .contracts
            .decline_offer(
                actor(ctx),
                offer_id(&input.offer_id),
                input.reason.as_deref(),
            )
            .await;
        let (o, user_errors) = into_payload(ctx, result)?;
        Ok(DeclineOfferPayload {
            offer: offer(o),
            user_errors,
        })
    }

    /// Accepts a pending offer made to you (or to a member of the agency you own): the
    /// contract is created exactly once (accepting again returns it), the proposal is
    /// HIRED, and when the posting's positions are all filled it closes as FILLED.
    async fn accept_offer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The offer.")] input: AcceptOfferInput,
    ) -> Result<AcceptOfferPayload> {
        let result = services(ctx)?
            .contracts
            .accept_offer(actor(ctx), offer_id(&input.offer_id))
            .await;
        let (c, user_errors) = into_payload(ctx, result)?;
        Ok(AcceptOfferPayload {
            contract: contract(c),
            user_errors,
        })
    }

    /// Pauses an active contract of yours (as its client): no funding or submissions
    /// until it is resumed.
    async fn pause_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract.")] input: ContractInput,
    ) -> Result<PauseContractPayload> {
        let result = services(ctx)?
            .contracts
            .pause(actor(ctx), contract_id(&input.contract_id))
            .await;
        let (c, user_errors) = into_payload(ctx, result)?;
        Ok(PauseContractPayload {
            contract: contract(c),
            user_errors,
        })
    }

    /// Resumes a paused contract of yours (as its client).
    async fn resume_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract.")] input: ContractInput,
    ) -> Result<ResumeContractPayload> {
        let result = services(ctx)?
            .contracts
            .resume(actor(ctx), contract_id(&input.contract_id))
            .await;
        let (c, user_errors) = into_payload(ctx, result)?;
        Ok(ResumeContractPayload {
            contract: contract(c),
            user_errors,
        })
    }

    /// Ends a contract you are a party of, with a reason. Refused (`INVALID_STATE`)
    /// while a milestone holds money in escrow: approve or refund it first. Milestones
    /// not yet funded are cancelled.
    async fn end_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract and why.")] input: EndContractInput,
    ) -> Result<EndContractPayload> {
        let result = services(ctx)?
            .contracts
            .end_contract(actor(ctx), contract_id(&input.contract_id), &input.reason)
            .await;
        let (c, user_errors) = into_payload(ctx, result)?;
        Ok(EndContractPayload {
            contract: contract(c),
            user_errors,
        })
    }

    /// Changes an hourly contract's terms (as its client, while it is active or paused):
    /// the rate at once; a higher weekly limit at once, a lower one from next Monday
    /// (`pendingWeeklyLimit` shows it until then). Recorded in the contract's history.
    async fn change_contract_terms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract and what changes.")] input: ChangeContractTermsInput,
    ) -> Result<ChangeContractTermsPayload> {
        let id = contract_id(&input.contract_id);
        let result = services(ctx)?
            .contracts
            .change_terms(actor(ctx), id, &input.into_domain())
            .await;
        let (c, user_errors) = into_payload(ctx, result)?;
        Ok(ChangeContractTermsPayload {
            contract: contract(c),
            user_errors,
        })
    }

    /// Adds a milestone at the end of a fixed-price contract of yours (as its client),
    /// active or paused.
    async fn add_milestone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract and the milestone.")] input: AddMilestoneInput,
    ) -> Result<AddMilestonePayload> {
        let result = services(ctx)?
            .contracts
            .add_milestone(
                actor(ctx),
                contract_id(&input.contract_id),
                &input.milestone.into(),
            )
            .await;
        let (m, user_errors) = into_payload(ctx, result)?;
        Ok(AddMilestonePayload {
            milestone: milestone(m),
            user_errors,
        })
    }

    /// Funds a pending milestone of an active contract of yours (as its client): its
    /// amount is charged through the payment provider and held in escrow. Idempotent by
    /// `idempotencyKey`.
    async fn fund_milestone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The milestone and your idempotency key.")] input: MilestonePaymentInput,
    ) -> Result<MilestonePaymentPayload> {
        pay(
            ctx,
            &input.milestone_id,
            &input.idempotency_key,
            MilestonePayment::Fund,
        )
        .await
    }

    /// Submits the work of a funded milestone (as the contract's freelancer, or the
    /// owner of its agency). Unless the client approves or asks for changes, it is
    /// released automatically after the configured days (14 by default).
    async fn submit_milestone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The milestone and a note.")] input: SubmitMilestoneInput,
    ) -> Result<SubmitMilestonePayload> {
        let (milestone, user_errors) =
            step(ctx, &input.milestone_id, MilestoneStep::Submit(input.note)).await?;
        Ok(SubmitMilestonePayload {
            milestone,
            user_errors,
        })
    }

    /// Sends submitted work back (as the contract's client), saying what to change: the
    /// milestone is FUNDED again.
    async fn request_milestone_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The milestone and what to change.")] input: RequestMilestoneChangesInput,
    ) -> Result<RequestMilestoneChangesPayload> {
        let (milestone, user_errors) = step(
            ctx,
            &input.milestone_id,
            MilestoneStep::RequestChanges(input.reason),
        )
        .await?;
        Ok(RequestMilestoneChangesPayload {
            milestone,
            user_errors,
        })
    }

    /// Approves submitted work (as the contract's client): escrow releases the amount
    /// to the freelancer, less the platform fee. Idempotent by `idempotencyKey`.
    async fn approve_milestone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The milestone and your idempotency key.")] input: MilestonePaymentInput,
    ) -> Result<MilestonePaymentPayload> {
        pay(
            ctx,
            &input.milestone_id,
            &input.idempotency_key,
            MilestonePayment::Approve,
        )
        .await
    }

    /// Cancels a milestone not yet funded (as the contract's client).
    async fn cancel_milestone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The milestone.")] input: CancelMilestoneInput,
    ) -> Result<CancelMilestonePayload> {
        let (milestone, user_errors) =
            step(ctx, &input.milestone_id, MilestoneStep::Cancel).await?;
        Ok(CancelMilestonePayload {
            milestone,
            user_errors,
        })
    }

    /// Gives a funded milestone's money back to the client (as the contract's
    /// freelancer or the owner of its agency: your consent). Idempotent by
    /// `idempotencyKey`.
    async fn refund_milestone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The milestone, why, and your idempotency key.")]
        input: RefundMilestoneInput,
    ) -> Result<MilestonePaymentPayload> {
        pay(
            ctx,
            &input.milestone_id,
            &input.idempotency_key,
            MilestonePayment::Refund(input.reason),
        )
        .await
    }

    /// Pays the freelancer of a contract of yours (as its client) a bonus, charged
    /// through the payment provider, less the platform fee. Idempotent by
    /// `idempotencyKey`.
    async fn pay_bonus(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract, the amount, a note and your idempotency key.")]
        input: PayBonusInput,
    ) -> Result<PayBonusPayload> {
        let contract = contract_id(&input.contract_id);
        let (bonus, key) = input.into_domain(contract);
        let result = services(ctx)?
            .contracts
            .pay_bonus(actor(ctx), &bonus, &key)
            .await;
        let (t, user_errors) = into_payload(ctx, result)?;
        Ok(PayBonusPayload {
            transaction: t.map(|t| LedgerTransaction(Arc::new(t))),
            user_errors,
        })
    }
}
