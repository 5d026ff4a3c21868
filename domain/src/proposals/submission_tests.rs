#![allow(clippy::unwrap_used, clippy::panic)]
//! The checks of a submission, each refusal on its field.

use super::*;
use crate::actor::UserId;
use crate::error::ErrorCode;
use crate::postings::{PostingId, PostingStatus, ScreeningQuestion};
use chrono::TimeDelta;

const TEXT: Uuid = Uuid::from_u128(1);
const YES: Uuid = Uuid::from_u128(2);
const LINK: Uuid = Uuid::from_u128(3);

fn usd(minor: i64) -> Money {
    Money {
        amount_minor: minor,
        currency: Currency::parse("USD").unwrap(),
    }
}

/// An open fixed-price posting (5,000 USD) with one question of each kind.
fn posting(now: DateTime<Utc>) -> Posting {
    let mut p = Posting::blank(PostingId(Uuid::now_v7()), UserId(Uuid::now_v7()), now);
    p.status = PostingStatus::Open;
    p.budget = Some(Budget::Fixed(usd(500_000)));
    p.questions = [
        (TEXT, QuestionKind::Text),
        (YES, QuestionKind::YesNo),
        (LINK, QuestionKind::Link),
    ]
    .into_iter()
    .map(|(id, kind)| ScreeningQuestion {
        id,
        kind,
        prompt: format!("Question {id}"),
    })
    .collect();
    p
}

fn input() -> ProposalInput {
    ProposalInput {
        cover_letter: "I have built three payment systems in Rust; here is how I would start."
            .into(),
        bid: MoneyInput {
            amount_minor: 450_000,
            currency: "USD".into(),
        },
        duration_days: Some(30),
        answers: vec![
            AnswerInput {
                question_id: LINK,
                link: Some(" https://example.org/sample ".into()),
                ..AnswerInput::default()
            },
            AnswerInput {
                question_id: TEXT,
                text: Some("Axum and SQLx, mostly.".into()),
                ..AnswerInput::default()
            },
            AnswerInput {
                question_id: YES,
                yes: Some(true),
                ..AnswerInput::default()
            },
        ],
        milestones: vec![
            MilestoneInput {
                title: "Design".into(),
                amount_minor: 150_000,
            },
            MilestoneInput {
                title: "Build".into(),
                amount_minor: 300_000,
            },
        ],
    }
}

/// Every (code, path) of a refusal.
fn problems(err: DomainError) -> Vec<(ErrorCode, String)> {
    match err {
        DomainError::Validation(errors) => errors
            .into_iter()
            .map(|e| (e.code, e.field.join(".")))
            .collect(),
        other => panic!("not a validation error: {other:?}"),
    }
}

#[test]
fn a_complete_proposal_is_kept_in_the_postings_terms() {
    let now = Utc::now();
    let terms = check(&posting(now), &input(), now).unwrap();
    assert_eq!(terms.bid, usd(450_000));
    assert_eq!(terms.duration_days, Some(30));
    assert_eq!(terms.bid_kind, BudgetKind::Fixed);
    // Answers in the posting's question order, each in its kind.
    assert_eq!(
        terms.answers,
        [
            Answer {
                question_id: TEXT,
                prompt: format!("Question {TEXT}"),
                value: AnswerValue::Text("Axum and SQLx, mostly.".into())
            },
            Answer {
                question_id: YES,
                prompt: format!("Question {YES}"),
                value: AnswerValue::YesNo(true)
            },
            Answer {
                question_id: LINK,
                prompt: format!("Question {LINK}"),
                value: AnswerValue::Link("https://example.org/sample".into())
            },
        ]
    );
    assert_eq!(terms.milestones.len(), 2);
    assert_eq!(terms.milestones[1].amount, usd(300_000));
}

#[test]
fn every_problem_is_reported_on_its_field_at_once() {
    let now = Utc::now();
    let mut bad = input();
    bad.cover_letter = "Hire me.".into();
    bad.bid.currency = "EUR".into();
    bad.duration_days = Some(0);
    bad.answers = vec![
        AnswerInput {
            question_id: TEXT,
            yes: Some(true),
            ..AnswerInput::default()
        },
        AnswerInput {
            question_id: Uuid::from_u128(99),
            text: Some("?".into()),
            ..AnswerInput::default()
        },
        AnswerInput {
            question_id: LINK,
            link: Some("javascript:alert(1)".into()),
            ..AnswerInput::default()
        },
        AnswerInput {
            question_id: LINK,
            link: Some("https://example.org".into()),
            ..AnswerInput::default()
        },
    ];
    bad.milestones[0].title = " ".into();
    bad.milestones[0].amount_minor = 0;
    let got = problems(check(&posting(now), &bad, now).unwrap_err());
    let v = ErrorCode::Validation;
    assert_eq!(
        got,
        [
            (v, "coverLetter".to_owned()),
            (v, "bid.currency".to_owned()),
            (v, "durationDays".to_owned()),
            (ErrorCode::NotFound, "answers.1.questionId".to_owned()),
            (v, "answers.3.questionId".to_owned()),
            (v, "answers.0.yes".to_owned()),
            (v, "answers".to_owned()),
            (v, "answers.2.link".to_owned()),
            (v, "milestones.0.title".to_owned()),
            (v, "milestones.0.amountMinor".to_owned()),
        ]
    );
}

/// A budget, a change to a good input, and the fields then refused.
type BidCase = (Budget, fn(&mut ProposalInput), Vec<&'static str>);

#[test]
fn bids_follow_the_budget_and_milestones_add_up_to_the_bid() {
    let now = Utc::now();
    let cases: Vec<BidCase> = vec![
        (
            Budget::Fixed(usd(500_000)),
            |i| i.bid.amount_minor = 0,
            vec!["bid.amountMinor"],
        ),
        (
            Budget::Fixed(usd(500_000)),
            |i| i.milestones[1].amount_minor = 1,
            vec!["milestones"],
        ),
        (
            Budget::Fixed(usd(500_000)),
            |i| i.milestones[1].amount_minor = -5,
            vec!["milestones.1.amountMinor"],
        ),
        (
            Budget::Fixed(usd(500_000)),
            |i| {
                i.milestones = (0..=MAX_MILESTONES)
                    .map(|n| MilestoneInput {
                        title: format!("Step {n}"),
                        amount_minor: 1,
                    })
                    .collect()
            },
            vec!["milestones"],
        ),
        (
            Budget::Hourly {
                min: usd(5_000),
                max: usd(9_000),
            },
            |i| i.bid.amount_minor = 8_000,
            vec!["milestones"],
        ),
        (
            Budget::Hourly {
                min: usd(5_000),
                max: usd(9_000),
            },
            |i| {
                // 20,000 USD an hour: above the hourly cap.
                i.bid.amount_minor = 2_000_000;
                i.milestones.clear();
            },
            vec!["bid.amountMinor"],
        ),
    ];
    for (budget, change, want) in cases {
        let mut p = posting(now);
        p.budget = Some(budget);
        let mut i = input();
        change(&mut i);
        let got: Vec<String> = problems(check(&p, &i, now).unwrap_err())
            .into_iter()
            .map(|(_, path)| path)
            .collect();
        assert_eq!(got, want, "{budget:?}");
    }
    // An hourly bid without milestones, within the cap, is fine.
    let mut p = posting(now);
    p.budget = Some(Budget::Hourly {
        min: usd(5_000),
        max: usd(9_000),
    });
    let mut i = input();
    i.bid.amount_minor = 8_000;
    i.milestones.clear();
    assert_eq!(check(&p, &i, now).unwrap().bid, usd(8_000));
}

#[test]
fn only_an_open_posting_before_its_deadline_takes_proposals() {
    let now = Utc::now();
    for status in [
        PostingStatus::Draft,
        PostingStatus::Paused,
        PostingStatus::Closed(crate::postings::CloseReason::Filled),
    ] {
        let mut p = posting(now);
        p.status = status;
        let err = check(&p, &input(), now).unwrap_err();
        assert_eq!(
            problems(err),
            [(ErrorCode::InvalidState, "postingId".to_owned())],
            "{status:?}"
        );
    }
    let mut p = posting(now);
    p.deadline = Some(now - TimeDelta::seconds(1));
    assert_eq!(
        problems(check(&p, &input(), now).unwrap_err()),
        [(ErrorCode::InvalidState, "postingId".to_owned())]
    );
    p.deadline = Some(now + TimeDelta::days(1));
    assert!(check(&p, &input(), now).is_ok());
}

#[test]
fn a_salaried_role_takes_a_yearly_ask_without_a_duration_and_other_work_needs_one() {
    let now = Utc::now();
    let mut p = posting(now);
    p.budget = Some(Budget::YearlySalary {
        min: usd(9_000_000),
        max: usd(12_000_000),
    });
    let mut i = input();
    i.bid.amount_minor = 11_000_000;
    i.milestones.clear();
    i.duration_days = None;
    let terms = check(&p, &i, now).unwrap();
    assert_eq!(
        (terms.bid_kind, terms.bid, terms.duration_days),
        (BudgetKind::YearlySalary, usd(11_000_000), None)
    );
    // Fixed price without an estimate: refused on the field.
    let mut i = input();
    i.duration_days = None;
    assert_eq!(
        problems(check(&posting(now), &i, now).unwrap_err()),
        [(ErrorCode::Validation, "durationDays".to_owned())]
    );
}
