//! `Reputation`: on freelancer and client profiles and on agencies.

use async_graphql::{Context, Enum, Object, Result};
use domain::reviews::{self as d, Subject};

use super::loaders::review_loaders;
use crate::profiles::types::Money;

/// Whose reputation it is.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ReputationRole {
    /// A user as a freelancer: reviews written by their clients.
    Freelancer,
    /// A user as a client: reviews written by their freelancers.
    Client,
    /// An agency: its contracts, and the clients' reviews of them.
    Agency,
}

pub struct Reputation(pub d::Reputation);

/// What a freelancer, client or agency has shown on contracts, recomputed from scratch:
/// at once when both sides' reviews become public or a review is hidden or restored;
/// by the contract job (every `contract_jobs_interval_secs`) after a contract ends,
/// money is paid or a review window closes (see `docs/reviews.md`, "Reputation").
/// Public.
#[Object]
impl Reputation {
    /// Whose: a freelancer, a client or an agency.
    async fn role(&self) -> ReputationRole {
        match self.0.subject {
            Subject::Freelancer(_) => ReputationRole::Freelancer,
            Subject::Client(_) => ReputationRole::Client,
            Subject::Agency(_) => ReputationRole::Agency,
        }
    }

    /// The average overall rating (1 to 5) of the public, not hidden reviews counted;
    /// null without any.
    async fn rating_avg(&self) -> Option<f64> {
        self.0.rating_avg()
    }

    /// How many public, not hidden reviews count.
    async fn review_count(&self) -> i32 {
        i32::try_from(self.0.review_count).unwrap_or(i32::MAX)
    }

    /// Ended contracts on which work was paid.
    async fn completed_contracts(&self) -> i32 {
        i32::try_from(self.0.completed_contracts).unwrap_or(i32::MAX)
    }

    /// Job success, 0 to 100: of the ended contracts on which money moved, the share
    /// on which work was paid and the other side's public review (if any) rated 4 or
    /// 5, rounded to the nearest percent. Null until a contract counts.
    async fn job_success(&self) -> Option<i32> {
        self.0.job_success().map(i32::from)
    }

    /// How many ended contracts job success counts.
    async fn job_success_contracts(&self) -> i32 {
        i32::try_from(self.0.counted_contracts).unwrap_or(i32::MAX)
    }

    /// Paid on the contracts (work and bonuses), by currency (one entry per currency,
    /// none when nothing was paid):
    /// for a freelancer or an agency what they earned, net of the platform fee; for a
    /// client what they spent (the freelancers' earnings and the fee).
    async fn totals(&self) -> Vec<Money> {
        self.0.totals.iter().copied().map(Money::from).collect()
    }
}

/// The reputation of `subject`, batched with the request's other reputations.
pub(crate) async fn reputation_of(ctx: &Context<'_>, subject: Subject) -> Result<Reputation> {
    let found = review_loaders(ctx)?
        .reputation
        .load_one(subject)
        .await
        .map_err(|e| crate::taxonomy::types::load_error(ctx, e))?;
    Ok(Reputation(
        found.unwrap_or_else(|| d::Reputation::empty(subject)),
    ))
}
