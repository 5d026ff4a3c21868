//! Scorecards: one per evaluator, per stage, per proposal. Each rates criteria on the
//! scale STRONG_NO, NO, MIXED, YES, STRONG_YES, with notes, and ends with an overall
//! recommendation on the same scale. Submitting again replaces one's own card.
//!
//! Blind by default: an evaluator sees the other cards of a proposal and stage only once
//! they have submitted their own for it, so a first opinion is their own. The posting's
//! client, who decides, sees every card. The freelancer's side never sees scores.
//! The summary of a proposal (how many cards recommend what, and their average) is the
//! client's, and an evaluator's once they have scored the proposal in any stage.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::lifecycle::StageId;
use super::model::ProposalId;
use crate::actor::UserId;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::text::{multi_line, single_line};

/// The most criteria on a card.
pub const MAX_CRITERIA: usize = 20;
/// How long a criterion's name may be, in characters.
pub const MAX_CRITERION: usize = 80;
/// How long notes may be, in characters.
pub const MAX_NOTES: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScorecardId(pub Uuid);

/// The rating scale, worst to best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rating {
    StrongNo,
    No,
    Mixed,
    Yes,
    StrongYes,
}

impl Rating {
    pub const ALL: [Rating; 5] = [
        Rating::StrongNo,
        Rating::No,
        Rating::Mixed,
        Rating::Yes,
        Rating::StrongYes,
    ];

    /// 1 (STRONG_NO) to 5 (STRONG_YES).
    pub fn value(self) -> u8 {
        match self {
            Rating::StrongNo => 1,
            Rating::No => 2,
            Rating::Mixed => 3,
            Rating::Yes => 4,
            Rating::StrongYes => 5,
        }
    }

    /// The stable storage and API key, e.g. `STRONG_YES`.
    pub fn key(self) -> &'static str {
        match self {
            Rating::StrongNo => "STRONG_NO",
            Rating::No => "NO",
            Rating::Mixed => "MIXED",
            Rating::Yes => "YES",
            Rating::StrongYes => "STRONG_YES",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// One criterion as rated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    /// One line, 1 to [`MAX_CRITERION`] characters, unique on the card regardless of
    /// case (e.g. "Rust", "System design").
    pub name: String,
    pub rating: Rating,
    pub notes: Option<String>,
}

/// A criterion as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionInput {
    pub name: String,
    pub rating: Rating,
    pub notes: Option<String>,
}

/// A card as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScorecardInput {
    pub criteria: Vec<CriterionInput>,
    pub recommendation: Rating,
    pub notes: Option<String>,
}

/// An evaluator's card for a proposal in a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scorecard {
    pub id: ScorecardId,
    pub proposal_id: ProposalId,
    pub stage_id: StageId,
    pub evaluator_id: UserId,
    pub criteria: Vec<Criterion>,
    pub recommendation: Rating,
    pub notes: Option<String>,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The recommendations on a proposal's cards, all stages together.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ScorecardSummary {
    /// How many cards recommend each rating, STRONG_NO first.
    pub counts: [u32; 5],
    /// The average recommendation, 1.0 to 5.0; `None` without cards.
    pub average: Option<f64>,
}

impl ScorecardSummary {
    pub fn of<'a>(cards: impl IntoIterator<Item = &'a Scorecard>) -> Self {
        let mut counts = [0u32; 5];
        for card in cards {
            counts[usize::from(card.recommendation.value() - 1)] += 1;
        }
        let total: u32 = counts.iter().sum();
        let average = (total > 0).then(|| {
            let sum: u32 = counts
                .iter()
                .enumerate()
                .map(|(i, n)| (i as u32 + 1) * n)
                .sum();
            f64::from(sum) / f64::from(total)
        });
        Self { counts, average }
    }

    pub fn total(&self) -> u32 {
        self.counts.iter().sum()
    }
}

/// Checks a card as received: every problem at once, under its field.
pub fn check(input: &ScorecardInput) -> DomainResult<(Vec<Criterion>, Option<String>)> {
    let mut errors = Vec::new();
    if input.criteria.is_empty() || input.criteria.len() > MAX_CRITERIA {
        errors.push(FieldError::validation(
            &["criteria"],
            format!("rate 1 to {MAX_CRITERIA} criteria"),
        ));
    }
    let mut criteria = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (i, c) in input.criteria.iter().enumerate() {
        let index = i.to_string();
        let name = match single_line(&c.name, 1, MAX_CRITERION) {
            Ok(name) => {
                let key = name.to_lowercase();
                if seen.contains(&key) {
                    errors.push(FieldError::validation(
                        &["criteria", &index, "name"],
                        "another criterion has this name",
                    ));
                }
                seen.push(key);
                Some(name)
            }
            Err(m) => {
                errors.push(FieldError::validation(&["criteria", &index, "name"], m));
                None
            }
        };
        let notes = notes(
            &mut errors,
            c.notes.as_deref(),
            &["criteria", &index, "notes"],
        );
        if let Some(name) = name {
            criteria.push(Criterion {
                name,
                rating: c.rating,
                notes,
            });
        }
    }
    let notes = notes(&mut errors, input.notes.as_deref(), &["notes"]);
    if errors.is_empty() {
        Ok((criteria, notes))
    } else {
        Err(DomainError::Validation(errors))
    }
}

/// Optional notes: absent or blank is none; otherwise 1 to [`MAX_NOTES`] characters.
fn notes(errors: &mut Vec<FieldError>, raw: Option<&str>, field: &[&str]) -> Option<String> {
    let raw = raw.filter(|n| !n.trim().is_empty())?;
    multi_line(raw, 1, MAX_NOTES)
        .map_err(|m| errors.push(FieldError::validation(field, m)))
        .ok()
}

#[async_trait]
pub trait ScorecardRepository: Send + Sync {
    /// Stores `card` as its evaluator's card for its proposal and stage (one per
    /// evaluator, stage and proposal: a unique index; a card already there is replaced,
    /// keeping its ID and first submission time), and the proposal's average
    /// recommendation for sorting, in one transaction holding the proposal's row, only
    /// while the proposal is open (`INVALID_STATE` on `proposalId` otherwise): the card
    /// as stored.
    async fn save(&self, card: &Scorecard) -> DomainResult<Scorecard>;
    /// Every card of these proposals, with their criteria; a fixed number of
    /// statements.
    async fn of_proposals(
        &self,
        ids: &[ProposalId],
    ) -> DomainResult<HashMap<ProposalId, Vec<Scorecard>>>;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn input(criteria: &[(&str, Rating)]) -> ScorecardInput {
        ScorecardInput {
            criteria: criteria
                .iter()
                .map(|(n, r)| CriterionInput {
                    name: (*n).into(),
                    rating: *r,
                    notes: None,
                })
                .collect(),
            recommendation: Rating::Yes,
            notes: Some("  ".into()),
        }
    }

    #[test]
    fn a_card_names_each_criterion_once_and_keeps_its_notes_short() {
        let (criteria, notes) = check(&input(&[
            ("Rust", Rating::StrongYes),
            ("Design", Rating::Mixed),
        ]))
        .unwrap();
        assert_eq!(criteria.len(), 2);
        assert_eq!(notes, None, "blank notes are none");
        let err = check(&input(&[])).unwrap_err();
        assert_eq!(err.field_errors()[0].field, ["criteria"]);
        let err = check(&input(&[
            ("Rust", Rating::Yes),
            ("rust", Rating::No),
            ("", Rating::No),
        ]))
        .unwrap_err();
        let fields: Vec<String> = err
            .field_errors()
            .iter()
            .map(|e| e.field.join("."))
            .collect();
        assert_eq!(fields, ["criteria.1.name", "criteria.2.name"]);
        let mut long = input(&[("Rust", Rating::Yes)]);
        long.criteria[0].notes = Some("x".repeat(MAX_NOTES + 1));
        long.notes = Some("y".repeat(MAX_NOTES + 1));
        let fields: Vec<String> = check(&long)
            .unwrap_err()
            .field_errors()
            .iter()
            .map(|e| e.field.join("."))
            .collect();
        assert_eq!(fields, ["criteria.0.notes", "notes"]);
    }

    #[test]
    fn the_summary_counts_recommendations_and_averages_them() {
        let card = |r: Rating| Scorecard {
            id: ScorecardId(Uuid::now_v7()),
            proposal_id: ProposalId(Uuid::nil()),
            stage_id: StageId(Uuid::nil()),
            evaluator_id: UserId(Uuid::nil()),
            criteria: vec![],
            recommendation: r,
            notes: None,
            submitted_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let cards = [card(Rating::StrongYes), card(Rating::Yes), card(Rating::No)];
        let summary = ScorecardSummary::of(&cards);
        assert_eq!(summary.counts, [0, 1, 0, 1, 1]);
        assert_eq!(summary.total(), 3);
        assert!((summary.average.unwrap() - 11.0 / 3.0).abs() < 1e-9);
        assert_eq!(ScorecardSummary::of(&[]).average, None);
        assert!(Rating::ALL.windows(2).all(|w| w[0].value() < w[1].value()));
    }
}
