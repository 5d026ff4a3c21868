//! The inputs of the contract mutations.

use async_graphql::{ID, InputObject};
use chrono::NaiveDate;
use domain::contracts as d;

use crate::profiles::mutation::MoneyInput;

fn money(m: MoneyInput) -> domain::profiles::MoneyInput {
    domain::profiles::MoneyInput {
        amount_minor: m.amount_minor,
        currency: m.currency,
    }
}

/// A milestone of a fixed-price offer or contract.
#[derive(InputObject)]
pub struct MilestoneInput {
    /// What is delivered: 1 to 200 characters.
    pub title: String,
    /// More about it: up to 5,000 characters; none when absent or null.
    pub description: Option<String>,
    /// What it pays: positive, in the proposal's (the contract's) currency.
    pub amount: MoneyInput,
    /// When it is due: today or later; none when absent or null.
    pub due_on: Option<NaiveDate>,
}

impl From<MilestoneInput> for d::MilestoneInput {
    fn from(m: MilestoneInput) -> Self {
        Self {
            title: m.title,
            description: m.description,
            amount: money(m.amount),
            due_on: m.due_on,
        }
    }
}

/// Fixed-price terms.
#[derive(InputObject)]
pub struct FixedTermsInput {
    /// The total: positive, in the proposal's currency.
    pub total: MoneyInput,
    /// 1 to 20 milestones whose amounts add up to the total exactly.
    pub milestones: Vec<MilestoneInput>,
}

/// Hourly terms.
#[derive(InputObject)]
pub struct HourlyTermsInput {
    /// The hourly rate: positive, in the proposal's currency.
    pub rate: MoneyInput,
    /// The most hours billable in a week (Monday 00:00 to Sunday 24:00 UTC): 1 to 168.
    pub weekly_limit_hours: i32,
    /// Whether the freelancer may log time by hand.
    pub manual_time_allowed: bool,
}

/// Input of `makeOffer`: exactly one of `fixed` and `hourly`.
#[derive(InputObject)]
pub struct MakeOfferInput {
    /// The proposal (on one of your postings), in a stage of its pipeline.
    pub proposal_id: ID,
    /// What the work is called: 1 to 200 characters.
    pub title: String,
    /// A message to the freelancer: up to 5,000 characters; none when absent or null.
    pub message: Option<String>,
    /// Fixed-price terms.
    pub fixed: Option<FixedTermsInput>,
    /// Hourly terms.
    pub hourly: Option<HourlyTermsInput>,
}

impl MakeOfferInput {
    pub(crate) fn into_domain(
        self,
        proposal: Option<domain::proposals::ProposalId>,
    ) -> d::OfferInput {
        d::OfferInput {
            proposal,
            title: self.title,
            message: self.message,
            fixed: self.fixed.map(|f| d::FixedTermsInput {
                total: money(f.total),
                milestones: f.milestones.into_iter().map(Into::into).collect(),
            }),
            hourly: self.hourly.map(|h| d::HourlyTermsInput {
                rate: money(h.rate),
                weekly_limit_hours: h.weekly_limit_hours,
                manual_time: h.manual_time_allowed,
            }),
        }
    }
}

/// Input of `withdrawOffer` and `declineOffer`.
#[derive(InputObject)]
pub struct EndOfferInput {
    /// The pending offer.
    pub offer_id: ID,
    /// Why: 1 to 500 characters; none when absent or null.
    pub reason: Option<String>,
}

/// Input of `acceptOffer`.
#[derive(InputObject)]
pub struct AcceptOfferInput {
    /// The pending offer, made to you (or to a member of the agency you own).
    pub offer_id: ID,
}

/// Input of `pauseContract` and `resumeContract`.
#[derive(InputObject)]
pub struct ContractInput {
    /// The contract (you are its client).
    pub contract_id: ID,
}

/// Input of `endContract`.
#[derive(InputObject)]
pub struct EndContractInput {
    /// The contract (you are one of its parties).
    pub contract_id: ID,
    /// Why: 1 to 500 characters.
    pub reason: String,
}

/// Input of `addMilestone`.
#[derive(InputObject)]
pub struct AddMilestoneInput {
    /// The fixed-price contract (you are its client), active or paused.
    pub contract_id: ID,
    /// The milestone, in the contract's currency.
    pub milestone: MilestoneInput,
}

/// Input of `fundMilestone` and `approveMilestone`.
#[derive(InputObject)]
pub struct MilestonePaymentInput {
    /// The milestone.
    pub milestone_id: ID,
    /// Your key for this request (8 to 100 letters, digits, `-`, `_`, `:`, `.`; a UUID
    /// is a good one): sending it again with the same input returns the first result
    /// without moving money again; with other input it is `CONFLICT`.
    pub idempotency_key: String,
}

/// Input of `refundMilestone`.
#[derive(InputObject)]
pub struct RefundMilestoneInput {
    /// The funded milestone (you are the contract's freelancer, or own its agency).
    pub milestone_id: ID,
    /// Why: 1 to 500 characters.
    pub reason: String,
    /// Your key for this request, as for `fundMilestone`.
    pub idempotency_key: String,
}

/// Input of `submitMilestone`.
#[derive(InputObject)]
pub struct SubmitMilestoneInput {
    /// The funded milestone (you are the contract's freelancer, or own its agency).
    pub milestone_id: ID,
    /// A note with the work (links, what to look at): up to 5,000 characters.
    pub note: Option<String>,
}

/// Input of `requestMilestoneChanges`.
#[derive(InputObject)]
pub struct RequestMilestoneChangesInput {
    /// The submitted milestone (you are the contract's client).
    pub milestone_id: ID,
    /// What to change: 1 to 500 characters.
    pub reason: String,
}

/// Input of `cancelMilestone`.
#[derive(InputObject)]
pub struct CancelMilestoneInput {
    /// The milestone, not yet funded (you are the contract's client).
    pub milestone_id: ID,
}

/// Input of `changeContractTerms`: what changes; an absent field stays as it is.
#[derive(InputObject)]
pub struct ChangeContractTermsInput {
    /// The hourly contract (you are its client), active or paused.
    pub contract_id: ID,
    /// The new hourly rate, in the contract's currency: applies at once.
    pub hourly_rate: Option<MoneyInput>,
    /// The new weekly limit, 1 to 168 hours: a higher one applies at once, a lower one
    /// from next Monday (UTC).
    pub weekly_limit_hours: Option<i32>,
}

impl ChangeContractTermsInput {
    pub(crate) fn into_domain(self) -> d::TermsChange {
        d::TermsChange {
            hourly_rate: self.hourly_rate.map(money),
            weekly_limit_hours: self.weekly_limit_hours,
        }
    }
}

/// Input of `payBonus`.
#[derive(InputObject)]
pub struct PayBonusInput {
    /// The contract (you are its client).
    pub contract_id: ID,
    /// How much: positive, in the contract's currency.
    pub amount: MoneyInput,
    /// A note for the freelancer: up to 5,000 characters.
    pub note: Option<String>,
    /// Your key for this request, as for `fundMilestone`.
    pub idempotency_key: String,
}

impl PayBonusInput {
    pub(crate) fn into_domain(self, contract: Option<d::ContractId>) -> (d::BonusInput, String) {
        (
            d::BonusInput {
                contract,
                amount: money(self.amount),
                note: self.note,
            },
            self.idempotency_key,
        )
    }
}
