//! The inputs of the proposal mutations, and the terms they carry as the domain takes
//! them.

use async_graphql::{ID, InputObject};
use domain::profiles::MoneyInput as DomainMoney;
use domain::proposals::{AnswerInput, MilestoneInput, ProposalInput};
use uuid::Uuid;

use crate::profiles::mutation::MoneyInput;

/// An answer to one of the posting's screening questions: set the field of the
/// question's kind, and no other.
#[derive(InputObject)]
pub struct ProposalAnswerInput {
    /// The question's ID, as the posting's `questions` give it.
    pub question_id: ID,
    /// The answer to a TEXT question: plain text, 1 to 2,000 characters.
    pub text: Option<String>,
    /// The answer to a YES_NO question.
    pub yes: Option<bool>,
    /// The answer to a LINK question: an http(s) URL.
    pub link: Option<String>,
}

/// One milestone of a fixed-price bid's plan.
#[derive(InputObject)]
pub struct ProposalMilestoneInput {
    /// One line, 1 to 120 characters.
    pub title: String,
    /// What it pays, in minor units of the bid's currency; positive.
    pub amount_minor: i64,
}

/// Input of `submitProposal`. To submit for a member of your agency, give both
/// `agencyId` and `memberId`; to submit for yourself, neither.
#[derive(InputObject)]
pub struct SubmitProposalInput {
    /// The posting (open, its deadline ahead).
    pub posting_id: ID,
    /// The agency you own, submitting for one of its members.
    pub agency_id: Option<ID>,
    /// The member the proposal counts for: their freelancer profile's ID (as the
    /// agency's `members` give it).
    pub member_id: Option<ID>,
    /// Plain text, 50 to 5,000 characters.
    pub cover_letter: String,
    /// In the posting's currency, read in its budget's kind: the whole job for a fixed
    /// price, the hourly rate for hourly work, the yearly salary asked for a salaried
    /// role. Positive, within the budgets' sanity bounds.
    pub bid: MoneyInput,
    /// How many days the work takes, 1 to 1,095; required except for a salaried role.
    pub duration_days: Option<i32>,
    /// One answer to every screening question of the posting.
    #[graphql(default)]
    pub answers: Vec<ProposalAnswerInput>,
    /// A fixed-price bid's plan: 1 to 20 milestones adding up to the bid exactly; none
    /// for other bids.
    #[graphql(default)]
    pub milestones: Vec<ProposalMilestoneInput>,
}

/// Input of `updateProposal`. The terms are given whole, as when submitting (not a
/// partial change: the terms are checked together, milestones against the bid).
#[derive(InputObject)]
pub struct UpdateProposalInput {
    /// The proposal (yours, or your agency's), open and not yet viewed by the client.
    pub proposal_id: ID,
    /// The `version` you read; if it changed since, nothing is changed and the error is
    /// `CONFLICT`.
    pub expected_version: i64,
    /// Plain text, 50 to 5,000 characters.
    pub cover_letter: String,
    /// The bid, as for `submitProposal`.
    pub bid: MoneyInput,
    /// How many days the work takes, 1 to 1,095; required except for a salaried role.
    pub duration_days: Option<i32>,
    /// One answer to every screening question of the posting.
    #[graphql(default)]
    pub answers: Vec<ProposalAnswerInput>,
    /// A fixed-price bid's plan, as for `submitProposal`.
    #[graphql(default)]
    pub milestones: Vec<ProposalMilestoneInput>,
}

/// Input of `withdrawProposal`.
#[derive(InputObject)]
pub struct WithdrawProposalInput {
    /// The proposal (yours, or your agency's), open.
    pub proposal_id: ID,
    /// Why: plain text, 1 to 500 characters; the client sees it.
    pub reason: String,
}

/// Input of `shortlistProposal`.
#[derive(InputObject)]
pub struct ShortlistProposalInput {
    /// A SUBMITTED proposal on one of your postings.
    pub proposal_id: ID,
}

/// Input of `unshortlistProposal`.
#[derive(InputObject)]
pub struct UnshortlistProposalInput {
    /// A SHORTLISTED proposal on one of your postings.
    pub proposal_id: ID,
}

/// Input of `moveProposal`.
#[derive(InputObject)]
pub struct MoveProposalInput {
    /// A proposal on one of your postings: SUBMITTED, SHORTLISTED or IN_EVALUATION
    /// (in another stage).
    pub proposal_id: ID,
    /// The stage of the posting's pipeline to move it to.
    pub stage_id: ID,
}

/// Input of `declineProposal`.
#[derive(InputObject)]
pub struct DeclineProposalInput {
    /// A proposal on one of your postings: SUBMITTED, SHORTLISTED or IN_EVALUATION.
    pub proposal_id: ID,
    /// Why: plain text, 1 to 500 characters; the freelancer's side sees it.
    pub reason: String,
}

/// The terms as the domain takes them. A question ID that is not one names no question
/// of the posting: the domain reports it as `NOT_FOUND` on its path.
pub(crate) fn terms(
    cover_letter: String,
    bid: MoneyInput,
    duration_days: Option<i32>,
    answers: Vec<ProposalAnswerInput>,
    milestones: Vec<ProposalMilestoneInput>,
) -> ProposalInput {
    ProposalInput {
        cover_letter,
        bid: DomainMoney {
            amount_minor: bid.amount_minor,
            currency: bid.currency,
        },
        duration_days,
        answers: answers
            .into_iter()
            .map(|a| AnswerInput {
                question_id: Uuid::parse_str(&a.question_id).unwrap_or(Uuid::max()),
                text: a.text,
                yes: a.yes,
                link: a.link,
            })
            .collect(),
        milestones: milestones
            .into_iter()
            .map(|m| MilestoneInput {
                title: m.title,
                amount_minor: m.amount_minor,
            })
            .collect(),
    }
}
