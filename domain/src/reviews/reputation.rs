//! Reputation: what a freelancer, a client or an agency has shown on contracts, summed
//! up from scratch from the contracts and their public reviews (see `docs/reviews.md`,
//! "Reputation", for the formula and when it is recomputed).
//!
//! - **Rating**: the average of the public, not hidden reviews about the subject in its
//!   role (the client's reviews about a freelancer, or about an agency's contracts; the
//!   freelancers' about a client), and how many.
//! - **Completed contracts**: ENDED contracts on which work was paid.
//! - **Totals**: money paid to the freelancer on the subject's contracts (work and
//!   bonuses), by currency: earned (net of the fee) for freelancers and agencies, spent
//!   (what the freelancer earned plus the fee) for clients.
//! - **Job success**: of the subject's ENDED contracts on which money moved at all
//!   (funded or paid: contracts ended before anything happened do not count), the share
//!   with a good outcome: work was paid, and the other side's public review, if there is
//!   one, rates it 4 or 5. Rounded to the nearest whole percent; none until a contract
//!   counts.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::actor::UserId;
use crate::agencies::AgencyId;
use crate::contracts::ContractId;
use crate::error::DomainResult;
use crate::money::{Currency, Money};

/// The lowest rating of a good outcome.
pub const GOOD_RATING: u8 = 4;

/// Whose reputation: a user as freelancer or as client, or an agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Freelancer(UserId),
    Client(UserId),
    Agency(AgencyId),
}

impl Subject {
    /// The subject's ID (a user's or an agency's).
    pub fn id(self) -> Uuid {
        match self {
            Subject::Freelancer(u) | Subject::Client(u) => u.0,
            Subject::Agency(a) => a.0,
        }
    }

    /// The stable storage and API key of its role, e.g. `FREELANCER`.
    pub fn role(self) -> &'static str {
        match self {
            Subject::Freelancer(_) => "FREELANCER",
            Subject::Client(_) => "CLIENT",
            Subject::Agency(_) => "AGENCY",
        }
    }

    /// The subject with this role key and ID.
    pub fn parse(role: &str, id: Uuid) -> Option<Self> {
        match role {
            "FREELANCER" => Some(Subject::Freelancer(UserId(id))),
            "CLIENT" => Some(Subject::Client(UserId(id))),
            "AGENCY" => Some(Subject::Agency(AgencyId(id))),
            _ => None,
        }
    }

    /// The subjects whose reputation a contract counts for: its client, its freelancer
    /// and, when it runs through one, its agency.
    pub fn parties(client: UserId, freelancer: UserId, agency: Option<AgencyId>) -> Vec<Self> {
        let mut all = vec![Subject::Client(client), Subject::Freelancer(freelancer)];
        all.extend(agency.map(Subject::Agency));
        all
    }
}

/// One of the subject's contracts, as reputation counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractRecord {
    pub contract_id: ContractId,
    /// The contract is ENDED.
    pub ended: bool,
    /// Money moved on it at all (a ledger transaction of any kind).
    pub money_moved: bool,
    /// Work was paid on it (see [`super::PAID_WORK`]).
    pub paid_work: bool,
    /// The rating of the other side's review about the subject on it, when that review
    /// is published (its publication recorded: both sides reviewed, or the publication
    /// job saw its window close) and not hidden.
    pub review: Option<u8>,
}

/// A subject's reputation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reputation {
    pub subject: Subject,
    /// The sum of the counted reviews' ratings (the average is `rating_sum /
    /// review_count`, kept exact).
    pub rating_sum: u32,
    pub review_count: u32,
    pub completed_contracts: u32,
    /// Ended contracts on which money moved (job success's denominator).
    pub counted_contracts: u32,
    /// Of those, the ones with a good outcome.
    pub good_outcomes: u32,
    /// Paid to the freelancer on the subject's contracts (work and bonuses), by currency
    /// (code order): earned for a freelancer or an agency, spent for a client.
    pub totals: Vec<Money>,
}

impl Reputation {
    /// A subject with no contracts yet.
    pub fn empty(subject: Subject) -> Self {
        Self {
            subject,
            rating_sum: 0,
            review_count: 0,
            completed_contracts: 0,
            counted_contracts: 0,
            good_outcomes: 0,
            totals: Vec::new(),
        }
    }

    /// Computes it from scratch: the subject's contracts and what was paid on them
    /// (by currency; zero amounts are left out).
    pub fn compute(subject: Subject, records: &[ContractRecord], paid: &[Money]) -> Self {
        let mut r = Self::empty(subject);
        for c in records {
            if let Some(rating) = c.review {
                r.rating_sum += u32::from(rating);
                r.review_count += 1;
            }
            if c.ended && c.paid_work {
                r.completed_contracts += 1;
            }
            if c.ended && c.money_moved {
                r.counted_contracts += 1;
                if c.paid_work && c.review.is_none_or(|rating| rating >= GOOD_RATING) {
                    r.good_outcomes += 1;
                }
            }
        }
        let mut totals: HashMap<Currency, i64> = HashMap::new();
        for m in paid {
            let sum = totals.entry(m.currency).or_default();
            *sum = sum.saturating_add(m.amount_minor);
        }
        r.totals = totals
            .into_iter()
            .filter(|(_, amount)| *amount != 0)
            .map(|(currency, amount_minor)| Money {
                amount_minor,
                currency,
            })
            .collect();
        r.totals.sort_by_key(|m| m.currency.code());
        r
    }

    /// The average rating (1 to 5), none without reviews.
    pub fn rating_avg(&self) -> Option<f64> {
        (self.review_count > 0).then(|| f64::from(self.rating_sum) / f64::from(self.review_count))
    }

    /// The share of counted contracts with a good outcome, in whole percent (half up);
    /// none until a contract counts.
    pub fn job_success(&self) -> Option<u8> {
        (self.counted_contracts > 0).then(|| {
            let good = u64::from(self.good_outcomes.min(self.counted_contracts));
            let all = u64::from(self.counted_contracts);
            // (200 × good + all) / (2 × all): 100 × good / all, rounded half up.
            u8::try_from((200 * good + all) / (2 * all)).unwrap_or(100)
        })
    }

    /// The match-score input for this reputation.
    pub fn for_matching(&self) -> crate::proposals::Reputation {
        crate::proposals::Reputation {
            rating_avg: self.rating_avg(),
            reviews: self.review_count,
        }
    }
}

#[async_trait]
pub trait ReputationRepository: Send + Sync {
    /// Recomputes the subject's reputation from scratch and stores it, in one
    /// transaction that holds the subject's reputation row (so two recomputations of
    /// one subject do not interleave, and the later one's facts are the later ones):
    /// reads the subject's marks, then its [`ContractRecord`]s (`now` is when it was
    /// computed) and
    /// what was paid on its contracts, computes with [`Reputation::compute`], stores the
    /// result (and the rating columns talent and posting search read: the freelancer's
    /// or client's profile, when there is one) and deletes the marks it read, none
    /// other (a mark committed meanwhile stays for the next run: its change may not be
    /// in the facts read). Returns what it stored.
    ///
    /// Storage leaves a mark for a subject in the transaction of every change its
    /// reputation is computed from: a ledger transaction, a contract's end, reviews made
    /// public, a review hidden or restored, a profile created.
    async fn recompute(&self, subject: Subject, now: DateTime<Utc>) -> DomainResult<Reputation>;
    /// The stored reputations of these subjects; a subject never computed is left out
    /// (it has none yet: [`Reputation::empty`]).
    async fn reputations(&self, subjects: &[Subject])
    -> DomainResult<HashMap<Subject, Reputation>>;
    /// The subjects with marks, each once, the one marked longest ago first; at most
    /// `limit`.
    async fn marked(&self, limit: u32) -> DomainResult<Vec<Subject>>;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn usd(minor: i64) -> Money {
        Money {
            amount_minor: minor,
            currency: Currency::parse("USD").unwrap(),
        }
    }

    fn record(
        ended: bool,
        money_moved: bool,
        paid_work: bool,
        review: Option<u8>,
    ) -> ContractRecord {
        ContractRecord {
            contract_id: ContractId(Uuid::now_v7()),
            ended,
            money_moved,
            paid_work,
            review,
        }
    }

    #[test]
    fn nothing_to_count_gives_no_average_and_no_job_success() {
        let subject = Subject::Client(UserId(Uuid::nil()));
        let r = Reputation::compute(subject, &[record(false, true, true, None)], &[]);
        assert_eq!(r.rating_avg(), None);
        assert_eq!(r.job_success(), None);
        assert_eq!(r.completed_contracts, 0);
        assert_eq!(
            r,
            Reputation {
                ..Reputation::empty(subject)
            }
        );
    }

    #[test]
    fn job_success_counts_ended_contracts_where_money_moved_and_good_ones_are_paid_and_not_rated_low()
     {
        let subject = Subject::Freelancer(UserId(Uuid::nil()));
        let records = [
            record(true, true, true, Some(5)),  // good
            record(true, true, true, None),     // good: silence is not held against anyone
            record(true, true, true, Some(3)),  // counted, not good
            record(true, true, false, None),    // refunded, nothing paid: not good
            record(true, false, false, None),   // ended before money moved: not counted
            record(false, true, true, Some(2)), // still active: rating only
        ];
        let r = Reputation::compute(subject, &records, &[usd(1000), usd(250)]);
        assert_eq!((r.counted_contracts, r.good_outcomes), (4, 2));
        assert_eq!(r.job_success(), Some(50));
        assert_eq!(r.completed_contracts, 3);
        assert_eq!((r.rating_sum, r.review_count), (10, 3));
        assert_eq!(r.rating_avg(), Some(10.0 / 3.0));
        assert_eq!(r.totals, vec![usd(1250)]);
    }

    #[test]
    fn job_success_rounds_half_up_and_totals_keep_currencies_apart_in_code_order() {
        let subject = Subject::Agency(AgencyId(Uuid::nil()));
        // 2 of 3: 66.67 % reads 67; 1 of 8: 12.5 % reads 13.
        let mut records = vec![record(true, true, true, None); 2];
        records.push(record(true, true, false, None));
        assert_eq!(
            Reputation::compute(subject, &records, &[]).job_success(),
            Some(67)
        );
        let mut records = vec![record(true, true, false, None); 7];
        records.push(record(true, true, true, Some(4)));
        assert_eq!(
            Reputation::compute(subject, &records, &[]).job_success(),
            Some(13)
        );
        let eur = Money {
            amount_minor: 7,
            currency: Currency::parse("EUR").unwrap(),
        };
        let r = Reputation::compute(subject, &[], &[usd(5), eur, usd(-5)]);
        assert_eq!(r.totals, vec![eur], "a zero total is left out");
    }

    #[test]
    fn a_subject_reads_back_from_its_role_and_id() {
        let id = Uuid::now_v7();
        for s in [
            Subject::Freelancer(UserId(id)),
            Subject::Client(UserId(id)),
            Subject::Agency(AgencyId(id)),
        ] {
            assert_eq!(Subject::parse(s.role(), s.id()), Some(s));
        }
        assert_eq!(Subject::parse("ADMIN", id), None);
    }
}
