//! How well a proposal matches its posting: a score from 0 to 100, with the required
//! skills the freelancer has and lacks. The formula, out of 100 points:
//!
//! - **Skills, 60 points.** Every required skill weighs the same. A skill the freelancer
//!   lists at or above the posting's minimum level (or at any level, when the posting
//!   names none) counts in full; below the minimum it counts `level / minimum`; a skill
//!   not listed counts nothing. A posting with no required skills gives the 60 points.
//! - **Bid, 25 points.** A bid within the budget (at most its top: the fixed amount, the
//!   top of the hourly or salary range) gets 25; above it, 25 × top / bid (a bid 25%
//!   over the top gets 20). A bid in another currency or of another kind than the
//!   budget's (the posting's budget changed after the bid) gets 0: they are never
//!   compared.
//! - **Reputation, 15 points.** The average rating (1 to 5), smoothed towards 3.5 as if
//!   by five more reviews of 3.5 (so two 5-star reviews do not outrank fifty 4.8s), then
//!   mapped from 1..5 onto 0..15. No reviews at all gives the prior: 3.5, 9.4 points.
//!
//! The score is the sum, rounded to the nearest whole point. Matched and missing skills
//! are listed in the posting's order; a skill below its minimum is listed as matched (it
//! counts in part).

use crate::money::Money;
use crate::postings::{Budget, BudgetKind, RequiredSkill};
use crate::profiles::ProfileSkill;
use crate::taxonomy::SkillId;

/// Points of each part of the score.
pub const SKILL_POINTS: f64 = 60.0;
pub const BID_POINTS: f64 = 25.0;
pub const REPUTATION_POINTS: f64 = 15.0;
/// The rating a freelancer without reviews is taken to have, and how many reviews of it
/// every average is smoothed with.
pub const PRIOR_RATING: f64 = 3.5;
pub const PRIOR_REVIEWS: f64 = 5.0;

/// A freelancer's reviews: the average (1 to 5) and how many.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Reputation {
    pub rating_avg: Option<f64>,
    pub reviews: u32,
}

/// A proposal's match with its posting.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// 0 to 100.
    pub score: u8,
    pub matched_skills: Vec<SkillId>,
    pub missing_skills: Vec<SkillId>,
}

/// The match of a freelancer with `skills` and `reputation`, bidding `bid` (of
/// `bid_kind`), with a posting that requires `required` within `budget`.
pub fn match_of(
    required: &[RequiredSkill],
    budget: Option<&Budget>,
    skills: &[ProfileSkill],
    bid: (BudgetKind, Money),
    reputation: Reputation,
) -> Match {
    let mut matched = Vec::new();
    let mut missing = Vec::new();
    let mut coverage = 0.0;
    for need in required {
        match skills.iter().find(|s| s.skill_id == need.skill_id) {
            Some(have) => {
                matched.push(need.skill_id);
                coverage += match need.min_level {
                    Some(min) if min > 0 && have.level < min => {
                        f64::from(have.level) / f64::from(min)
                    }
                    _ => 1.0,
                };
            }
            None => missing.push(need.skill_id),
        }
    }
    let skill_points = if required.is_empty() {
        SKILL_POINTS
    } else {
        SKILL_POINTS * coverage / required.len() as f64
    };
    let score = skill_points + bid_points(budget, bid) + reputation_points(reputation);
    Match {
        score: score.round().clamp(0.0, 100.0) as u8,
        matched_skills: matched,
        missing_skills: missing,
    }
}

fn bid_points(budget: Option<&Budget>, (kind, bid): (BudgetKind, Money)) -> f64 {
    let Some(budget) = budget else {
        return 0.0;
    };
    if super::submission::bid_kind(budget) != kind {
        return 0.0;
    }
    let top = match budget {
        Budget::Fixed(amount) => *amount,
        Budget::Hourly { max, .. } | Budget::YearlySalary { max, .. } => *max,
    };
    if top.currency != bid.currency || bid.amount_minor <= 0 {
        return 0.0;
    }
    if bid.amount_minor <= top.amount_minor {
        BID_POINTS
    } else {
        BID_POINTS * top.amount_minor as f64 / bid.amount_minor as f64
    }
}

fn reputation_points(r: Reputation) -> f64 {
    let reviews = f64::from(r.reviews);
    let average = r
        .rating_avg
        .filter(|a| a.is_finite())
        .unwrap_or(PRIOR_RATING)
        .clamp(1.0, 5.0);
    let smoothed = if reviews > 0.0 {
        (average * reviews + PRIOR_RATING * PRIOR_REVIEWS) / (reviews + PRIOR_REVIEWS)
    } else {
        PRIOR_RATING
    };
    REPUTATION_POINTS * (smoothed - 1.0) / 4.0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::money::Currency;
    use uuid::Uuid;

    fn skill(n: u128) -> SkillId {
        SkillId(Uuid::from_u128(n))
    }

    fn usd(minor: i64) -> Money {
        Money {
            amount_minor: minor,
            currency: Currency::parse("USD").unwrap(),
        }
    }

    fn need(n: u128, min: Option<u8>) -> RequiredSkill {
        RequiredSkill {
            skill_id: skill(n),
            min_level: min,
        }
    }

    fn has(n: u128, level: u8) -> ProfileSkill {
        ProfileSkill {
            skill_id: skill(n),
            level,
            years: 3,
        }
    }

    /// A fixed price of 1,000 USD.
    fn fixed() -> Budget {
        Budget::Fixed(usd(100_000))
    }

    #[test]
    fn a_candidate_with_every_skill_a_bid_in_budget_and_many_top_reviews_scores_100() {
        let m = match_of(
            &[need(1, Some(4)), need(2, None)],
            Some(&fixed()),
            &[has(1, 5), has(2, 1), has(3, 5)],
            (BudgetKind::Fixed, usd(90_000)),
            Reputation {
                rating_avg: Some(5.0),
                reviews: 1_000,
            },
        );
        // 60 + 25 + 15 × (≈4.99 - 1) / 4 = 99.96, rounded.
        assert_eq!(m.score, 100);
        assert_eq!(m.matched_skills, [skill(1), skill(2)]);
        assert!(m.missing_skills.is_empty());
    }

    #[test]
    fn each_part_of_the_formula_counts_as_documented() {
        let unknown = Reputation::default();
        // No reviews: the prior, 3.5, is 9.375 points.
        let base = |required: &[RequiredSkill], skills: &[ProfileSkill], bid: i64| {
            match_of(
                required,
                Some(&fixed()),
                skills,
                (BudgetKind::Fixed, usd(bid)),
                unknown,
            )
        };
        // Two of three skills, one at half its minimum level: 60 × (1 + 0.5) / 3 = 30.
        let m = base(
            &[need(1, None), need(2, Some(4)), need(3, None)],
            &[has(1, 3), has(2, 2)],
            100_000,
        );
        assert_eq!(m.score, (30.0_f64 + 25.0 + 9.375).round() as u8);
        assert_eq!(m.matched_skills, [skill(1), skill(2)]);
        assert_eq!(m.missing_skills, [skill(3)]);
        // 25% over the top: 20 points for the bid.
        let over = base(&[], &[], 125_000);
        assert_eq!(over.score, (60.0_f64 + 20.0 + 9.375).round() as u8);
        // Another currency: no bid points.
        let eur = match_of(
            &[],
            Some(&fixed()),
            &[],
            (
                BudgetKind::Fixed,
                Money {
                    amount_minor: 1,
                    currency: Currency::parse("EUR").unwrap(),
                },
            ),
            unknown,
        );
        assert_eq!(eur.score, (60.0_f64 + 9.375).round() as u8);
        // Two 5-star reviews smooth to (10 + 17.5) / 7 ≈ 3.93; fifty 4.8s to ≈ 4.68.
        let few = reputation_points(Reputation {
            rating_avg: Some(5.0),
            reviews: 2,
        });
        let many = reputation_points(Reputation {
            rating_avg: Some(4.8),
            reviews: 50,
        });
        assert!(many > few, "{many} > {few}");
        assert!((few - 15.0 * ((27.5 / 7.0) - 1.0) / 4.0).abs() < 1e-9);
    }

    #[test]
    fn hourly_and_salary_budgets_are_judged_by_their_top_and_kind() {
        let hourly = Budget::Hourly {
            min: usd(5_000),
            max: usd(8_000),
        };
        let salary = Budget::YearlySalary {
            min: usd(9_000_000),
            max: usd(12_000_000),
        };
        let cases = [
            (&hourly, BudgetKind::Hourly, 4_000, 25.0),
            (&hourly, BudgetKind::Hourly, 8_000, 25.0),
            (&hourly, BudgetKind::Hourly, 10_000, 20.0),
            (&salary, BudgetKind::YearlySalary, 12_000_000, 25.0),
            (&salary, BudgetKind::YearlySalary, 15_000_000, 20.0),
            // The posting's budget changed kind after the bid: not compared.
            (&salary, BudgetKind::Hourly, 8_000, 0.0),
            (&hourly, BudgetKind::Fixed, 8_000, 0.0),
        ];
        for (budget, kind, bid, points) in cases {
            let got = bid_points(Some(budget), (kind, usd(bid)));
            assert!(
                (got - points).abs() < 1e-9,
                "{budget:?} {kind:?} {bid}: {got}"
            );
        }
        assert_eq!(bid_points(None, (BudgetKind::Fixed, usd(1))), 0.0);
    }

    /// More of what the formula rewards never lowers the score: a skill added, a level
    /// raised, a lower bid, one more 5-star review.
    #[test]
    fn the_score_never_drops_for_a_better_candidate() {
        let required = [need(1, Some(3)), need(2, Some(4)), need(3, None)];
        let score = |skills: &[ProfileSkill], bid: i64, reviews: u32| {
            match_of(
                &required,
                Some(&fixed()),
                skills,
                (BudgetKind::Fixed, usd(bid)),
                Reputation {
                    rating_avg: Some(4.0),
                    reviews,
                },
            )
            .score
        };
        let skill_sets = [
            vec![],
            vec![has(1, 1)],
            vec![has(1, 3)],
            vec![has(1, 3), has(2, 2)],
            vec![has(1, 3), has(2, 4)],
            vec![has(1, 3), has(2, 4), has(3, 1)],
        ];
        let bids = [300_000, 200_000, 150_000, 100_000, 50_000];
        // Rows: more skills; columns: lower bids. Each row and column never drops.
        let grid: Vec<Vec<u8>> = skill_sets
            .iter()
            .map(|skills| bids.iter().map(|bid| score(skills, *bid, 10)).collect())
            .collect();
        for (r, row) in grid.iter().enumerate() {
            assert!(row.windows(2).all(|w| w[0] <= w[1]), "row {r}: {row:?}");
            if r > 0 {
                assert!(
                    row.iter().zip(&grid[r - 1]).all(|(a, b)| a >= b),
                    "{grid:?}"
                );
            }
        }
        assert!(grid[5][4] > grid[0][0], "{grid:?}");
        let five_star = |reviews: u32| {
            reputation_points(Reputation {
                rating_avg: Some(5.0),
                reviews,
            })
        };
        assert!((0..50).all(|n| five_star(n + 1) >= five_star(n)));
    }
}
