//! A proposal as a freelancer submits it, checked against the posting it is for: every
//! problem is reported at once under `input`, and nothing is written unless all is well.
//!
//! - The cover letter is 50 to 5,000 characters.
//! - The bid is in the posting's currency and is read in its budget's kind, which is
//!   stored with it: a fixed amount for a fixed-price posting, an hourly rate for an
//!   hourly one, and for a salaried role (full time) the yearly salary the candidate
//!   asks (the product names fixed and hourly bids; a job seeker's ask is the salaried
//!   role's equivalent, and its offer is the contracts feature's question). Positive and
//!   within the same sanity bounds as budgets.
//! - The estimated duration, 1 to 1,095 days, is required for fixed-price and hourly
//!   work and optional for a salaried role.
//! - Every screening question is answered once, in its kind: text (1 to 2,000
//!   characters), yes or no, or an http(s) link; an answer that fills another kind's
//!   field is refused. Each answer keeps the question's prompt as it was, so editing the
//!   posting's questions later never changes what was answered.
//! - A milestone plan (fixed price only) has 1 to 20 milestones, each with a title of 1
//!   to 120 characters and a positive amount, adding up to the bid exactly.
//! - The posting takes proposals (OPEN, deadline ahead: [`Posting::takes_proposals_at`]).
//!   Who may submit (a freelancer; an agency owner for a member; an invitation for an
//!   INVITE_ONLY posting) is the policy's question, not this check's.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{DomainError, DomainResult, FieldError};
use crate::money::{Currency, Money};
use crate::postings::{Budget, BudgetKind, Posting, QuestionKind};
use crate::profiles::MoneyInput;
use crate::text::{multi_line, single_line, web_url};

/// Cover letter length, in characters.
pub const COVER_LETTER: (usize, usize) = (50, 5_000);
/// The longest estimate, in days (three years).
pub const MAX_DURATION_DAYS: i32 = 1_095;
/// The most milestones a plan has.
pub const MAX_MILESTONES: usize = 20;

/// An answer to one screening question, as received: the field of the question's kind
/// is set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnswerInput {
    pub question_id: Uuid,
    pub text: Option<String>,
    pub yes: Option<bool>,
    pub link: Option<String>,
}

/// One milestone of a fixed-price plan, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneInput {
    pub title: String,
    pub amount_minor: i64,
}

/// A proposal as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalInput {
    pub cover_letter: String,
    pub bid: MoneyInput,
    pub duration_days: Option<i32>,
    pub answers: Vec<AnswerInput>,
    pub milestones: Vec<MilestoneInput>,
}

/// An answer, in its question's kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerValue {
    Text(String),
    YesNo(bool),
    Link(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub question_id: Uuid,
    /// The question as it was asked.
    pub prompt: String,
    pub value: AnswerValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub title: String,
    pub amount: Money,
}

/// A proposal that passed every check: what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalTerms {
    pub cover_letter: String,
    pub bid: Money,
    /// What the bid is: the kind of the posting's budget when it was made.
    pub bid_kind: BudgetKind,
    pub duration_days: Option<i32>,
    /// In the posting's question order.
    pub answers: Vec<Answer>,
    pub milestones: Vec<Milestone>,
}

/// The kind of bid a posting's budget asks for.
pub fn bid_kind(budget: &Budget) -> BudgetKind {
    match budget {
        Budget::Fixed(_) => BudgetKind::Fixed,
        Budget::Hourly { .. } => BudgetKind::Hourly,
        Budget::YearlySalary { .. } => BudgetKind::YearlySalary,
    }
}

/// Checks `input` against `posting` at `now`: the terms to store, or every problem.
/// A posting that does not take proposals is `INVALID_STATE` on `postingId`, before the
/// rest is looked at.
pub fn check(
    posting: &Posting,
    input: &ProposalInput,
    now: DateTime<Utc>,
) -> DomainResult<ProposalTerms> {
    if !posting.takes_proposals_at(now) {
        let why = if posting.status.accepts_proposals() {
            "the posting's deadline for proposals has passed".to_owned()
        } else {
            format!("a {} posting does not take proposals", posting.status.key())
        };
        return Err(DomainError::invalid_state_at(&["postingId"], why));
    }
    // Publishing checks that a posting is complete: an open one has a budget.
    let Some(budget) = &posting.budget else {
        return Err(DomainError::internal("an open posting without a budget"));
    };
    let mut errors = Vec::new();
    let cover_letter = multi_line(&input.cover_letter, COVER_LETTER.0, COVER_LETTER.1)
        .map_err(|m| errors.push(FieldError::validation(&["coverLetter"], m)))
        .ok();
    let bid = check_bid(&mut errors, budget, &input.bid);
    match input.duration_days {
        Some(days) if !(1..=MAX_DURATION_DAYS).contains(&days) => {
            errors.push(FieldError::validation(
                &["durationDays"],
                format!("must be between 1 and {MAX_DURATION_DAYS} days"),
            ));
        }
        None if !matches!(budget, Budget::YearlySalary { .. }) => {
            errors.push(FieldError::validation(
                &["durationDays"],
                "estimate how many days the work takes",
            ));
        }
        _ => {}
    }
    let answers = check_answers(&mut errors, posting, &input.answers);
    let milestones = check_milestones(&mut errors, budget, bid, &input.milestones);
    match (cover_letter, bid, errors.is_empty()) {
        (Some(cover_letter), Some(bid), true) => Ok(ProposalTerms {
            cover_letter,
            bid,
            bid_kind: bid_kind(budget),
            duration_days: input.duration_days,
            answers,
            milestones,
        }),
        _ => Err(DomainError::Validation(errors)),
    }
}

fn check_bid(errors: &mut Vec<FieldError>, budget: &Budget, input: &MoneyInput) -> Option<Money> {
    let wanted = budget.currency();
    match Currency::parse(&input.currency) {
        Ok(c) if c == wanted => {}
        Ok(_) | Err(_) => {
            errors.push(FieldError::validation(
                &["bid", "currency"],
                format!("bid in the posting's currency, {}", wanted.code()),
            ));
            return None;
        }
    }
    let max = crate::postings::budget_cap(bid_kind(budget), wanted);
    if !(1..=max).contains(&input.amount_minor) {
        errors.push(FieldError::validation(
            &["bid", "amountMinor"],
            format!(
                "must be between 1 and {max} minor units of {}",
                wanted.code()
            ),
        ));
        return None;
    }
    Some(Money {
        amount_minor: input.amount_minor,
        currency: wanted,
    })
}

fn check_answers(
    errors: &mut Vec<FieldError>,
    posting: &Posting,
    input: &[AnswerInput],
) -> Vec<Answer> {
    let mut answers = Vec::new();
    for (i, given) in input.iter().enumerate() {
        let at = ["answers", &i.to_string(), "questionId"];
        if !posting.questions.iter().any(|q| q.id == given.question_id) {
            errors.push(FieldError::new(
                &at,
                crate::error::ErrorCode::NotFound,
                "the posting has no such question",
            ));
        } else if input[..i]
            .iter()
            .any(|a| a.question_id == given.question_id)
        {
            errors.push(FieldError::validation(
                &at,
                "the question is answered twice",
            ));
        }
    }
    for question in &posting.questions {
        let Some(i) = input.iter().position(|a| a.question_id == question.id) else {
            errors.push(FieldError::validation(
                &["answers"],
                format!("answer the question \"{}\"", question.prompt),
            ));
            continue;
        };
        let given = &input[i];
        let index = i.to_string();
        // The field of the question's kind, and no other.
        let (field, filled) = match question.kind {
            QuestionKind::Text => ("text", given.text.is_some()),
            QuestionKind::YesNo => ("yes", given.yes.is_some()),
            QuestionKind::Link => ("link", given.link.is_some()),
        };
        let others = [
            ("text", given.text.is_some()),
            ("yes", given.yes.is_some()),
            ("link", given.link.is_some()),
        ];
        if let Some((other, _)) = others.iter().find(|(name, set)| *set && *name != field) {
            errors.push(FieldError::validation(
                &["answers", &index, other],
                format!("the question takes a {field} answer"),
            ));
            continue;
        }
        if !filled {
            errors.push(FieldError::validation(
                &["answers", &index, field],
                format!("the question takes a {field} answer"),
            ));
            continue;
        }
        let value = match (question.kind, &given.text, given.yes, &given.link) {
            (QuestionKind::Text, Some(text), _, _) => {
                multi_line(text, 1, 2_000).map(AnswerValue::Text)
            }
            (QuestionKind::YesNo, _, Some(yes), _) => Ok(AnswerValue::YesNo(yes)),
            (QuestionKind::Link, _, _, Some(link)) => {
                let link = link.trim();
                web_url(link).map(|()| AnswerValue::Link(link.to_owned()))
            }
            _ => Err("the question takes another kind of answer".to_owned()),
        };
        match value {
            Ok(value) => answers.push(Answer {
                question_id: question.id,
                prompt: question.prompt.clone(),
                value,
            }),
            Err(message) => {
                errors.push(FieldError::validation(&["answers", &index, field], message));
            }
        }
    }
    answers
}

fn check_milestones(
    errors: &mut Vec<FieldError>,
    budget: &Budget,
    bid: Option<Money>,
    input: &[MilestoneInput],
) -> Vec<Milestone> {
    if input.is_empty() {
        return Vec::new();
    }
    if !matches!(budget, Budget::Fixed(_)) {
        errors.push(FieldError::validation(
            &["milestones"],
            "milestones are for fixed-price postings",
        ));
        return Vec::new();
    }
    if input.len() > MAX_MILESTONES {
        errors.push(FieldError::validation(
            &["milestones"],
            format!("at most {MAX_MILESTONES} milestones"),
        ));
        return Vec::new();
    }
    let currency = budget.currency();
    let mut milestones = Vec::new();
    for (i, m) in input.iter().enumerate() {
        let index = i.to_string();
        let title = single_line(&m.title, 1, 120)
            .map_err(|message| {
                errors.push(FieldError::validation(
                    &["milestones", &index, "title"],
                    message,
                ));
            })
            .ok();
        if m.amount_minor < 1 {
            errors.push(FieldError::validation(
                &["milestones", &index, "amountMinor"],
                "must be positive",
            ));
        }
        if let Some(title) = title
            && m.amount_minor >= 1
        {
            milestones.push(Milestone {
                title,
                amount: Money {
                    amount_minor: m.amount_minor,
                    currency,
                },
            });
        }
    }
    let total: i64 = input
        .iter()
        .map(|m| m.amount_minor.max(0))
        .fold(0, i64::saturating_add);
    if let Some(bid) = bid
        && milestones.len() == input.len()
        && total != bid.amount_minor
    {
        errors.push(FieldError::validation(
            &["milestones"],
            format!(
                "the milestones add up to {total} minor units; the bid is {}",
                bid.amount_minor
            ),
        ));
    }
    milestones
}

#[cfg(test)]
#[path = "submission_tests.rs"]
mod tests;
