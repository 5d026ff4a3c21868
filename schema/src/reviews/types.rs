//! Review objects, inputs, the mutations and the queries.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::pagination::{Page, PageRequest};
use domain::reviews::{self as d, Criterion, ReviewId};

use crate::connection::uuid_after;
use crate::context::{actor, services};
use crate::contracts::types::Contract;
use crate::errors::{GqlResultExt, UserError, into_payload};
use crate::ids::{NodeKind, decode_kind, encode};

/// Which side of a contract wrote a review.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ReviewerSide {
    /// The client, about the freelancer.
    Client,
    /// The freelancer, about the client.
    Freelancer,
}

impl From<d::ReviewerSide> for ReviewerSide {
    fn from(s: d::ReviewerSide) -> Self {
        match s {
            d::ReviewerSide::Client => Self::Client,
            d::ReviewerSide::Freelancer => Self::Freelancer,
        }
    }
}

/// What a sub-score rates.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ReviewCriterion {
    /// The freelancer's skills (the client rates).
    Skills,
    /// The quality of the work (the client rates).
    Quality,
    /// The freelancer's availability (the client rates).
    Availability,
    /// Deadlines kept (the client rates).
    Deadlines,
    /// Communication (both sides rate).
    Communication,
    /// Cooperation (the client rates).
    Cooperation,
    /// The clarity of the client's requirements (the freelancer rates).
    Clarity,
    /// How promptly the client paid (the freelancer rates).
    PaymentPromptness,
}

impl From<Criterion> for ReviewCriterion {
    fn from(c: Criterion) -> Self {
        match c {
            Criterion::Skills => Self::Skills,
            Criterion::Quality => Self::Quality,
            Criterion::Availability => Self::Availability,
            Criterion::Deadlines => Self::Deadlines,
            Criterion::Communication => Self::Communication,
            Criterion::Cooperation => Self::Cooperation,
            Criterion::Clarity => Self::Clarity,
            Criterion::PaymentPromptness => Self::PaymentPromptness,
        }
    }
}

/// One sub-score of a review.
#[derive(SimpleObject, Clone)]
pub struct ReviewScore {
    /// What it rates.
    pub criterion: ReviewCriterion,
    /// 1 to 5.
    pub score: i32,
}

#[derive(Clone)]
pub struct Review(pub Arc<d::Review>);

/// One side's review of the other after a contract ended. Double blind: only its
/// author reads it until both sides have reviewed or the review window closed; then it
/// is public and does not change (but for the reviewee's one reply).
#[Object]
impl Review {
    /// Global ID of the review.
    async fn id(&self) -> ID {
        encode(NodeKind::Review, self.0.id.0)
    }

    /// Who wrote it: the contract's client or its freelancer.
    async fn side(&self) -> ReviewerSide {
        self.0.side.into()
    }

    /// Global ID of the user who wrote it.
    async fn author_id(&self) -> ID {
        encode(NodeKind::User, self.0.author_id.0)
    }

    /// Global ID of the user it is about.
    async fn reviewee_id(&self) -> ID {
        encode(NodeKind::User, self.0.reviewee_id.0)
    }

    /// Overall rating, 1 to 5.
    async fn rating(&self) -> i32 {
        i32::from(self.0.rating)
    }

    /// The sub-scores of the writer's side, 1 to 5 each.
    async fn scores(&self) -> Vec<ReviewScore> {
        self.0
            .scores
            .iter()
            .map(|(c, s)| ReviewScore {
                criterion: (*c).into(),
                score: i32::from(*s),
            })
            .collect()
    }

    /// What the writer said; null when they said nothing.
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }

    /// Whether the writer would recommend the other side.
    async fn would_recommend(&self) -> bool {
        self.0.would_recommend
    }

    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Whether everybody may read it now (both sides reviewed, or the window closed).
    async fn is_public(&self) -> bool {
        self.0.is_public_at(Utc::now())
    }

    /// When it became (or becomes, at the latest) public.
    async fn public_at(&self) -> DateTime<Utc> {
        self.0.public_at()
    }

    /// The reviewee's public reply; null when none.
    async fn reply(&self) -> Option<&str> {
        self.0.reply.as_deref()
    }

    /// When the reviewee replied.
    async fn replied_at(&self) -> Option<DateTime<Utc>> {
        self.0.replied_at
    }

    /// Why and when an admin hid it; null unless hidden (only its author and admins
    /// read a hidden review).
    async fn hidden(&self) -> Option<ReviewHidden> {
        self.0.hidden.as_ref().map(|m| ReviewHidden {
            reason: m.reason.clone(),
            at: m.at,
        })
    }

    /// Admins: what admins did to it, in the order they were carried out (empty for anybody else).
    async fn moderation_history(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::moderation::ReviewModerationEvent>> {
        // The domain answers nothing but to admins.
        let events = super::loaders::review_loaders(ctx)?
            .history
            .load_one(self.0.id)
            .await
            .map_err(|e| crate::taxonomy::types::load_error(ctx, e))?
            .unwrap_or_default();
        Ok(events.iter().map(Into::into).collect())
    }
}

/// Why and when a review was hidden.
#[derive(SimpleObject, Clone)]
pub struct ReviewHidden {
    /// The admin's reason.
    pub reason: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Whose reviews `reviews(of:)` lists.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ReviewedAs {
    /// About the user as a freelancer (written by clients).
    Freelancer,
    /// About the user as a client (written by freelancers).
    Client,
}

crate::connection::connection!(ReviewConnection, ReviewEdge, Review, uncounted);

const CURSOR: &str = "review:";

fn connection(page: Page<d::Review>, had_after: bool) -> ReviewConnection {
    let items = page
        .items
        .into_iter()
        .map(|r| (format!("{CURSOR}{}", r.id.0), Review(Arc::new(r))))
        .collect();
    ReviewConnection::new(items, page.has_next_page, had_after)
}

/// A contract you may still review, and until when.
#[derive(SimpleObject)]
pub struct PendingReview {
    /// The contract (null only if it could not be read meanwhile).
    pub contract: Option<Contract>,
    /// Your side of it.
    pub side: ReviewerSide,
    /// The end of its review window.
    pub deadline: DateTime<Utc>,
}

/// `viewer.pendingReviews`.
pub(crate) async fn pending_reviews(ctx: &Context<'_>) -> Result<Vec<PendingReview>> {
    let services = services(ctx)?;
    let pending = services.reviews.pending(actor(ctx)).await.gql(ctx)?;
    let ids: Vec<_> = pending.iter().map(|p| p.contract_id).collect();
    let contracts = services
        .contracts
        .contracts_by_ids(actor(ctx), &ids)
        .await
        .gql(ctx)?;
    Ok(pending
        .into_iter()
        .map(|p| PendingReview {
            contract: contracts
                .iter()
                .find(|c| c.id == p.contract_id)
                .map(|c| Contract(Arc::new(c.clone()))),
            side: p.side.into(),
            deadline: p.deadline,
        })
        .collect())
}

/// `Contract.reviews`: the reviews of a contract the caller may read.
pub(crate) async fn contract_reviews(
    ctx: &Context<'_>,
    contract: domain::contracts::ContractId,
) -> Result<Vec<Review>> {
    Ok(crate::contracts::loaders::contract_loaders(ctx)?
        .reviews
        .load_one(contract)
        .await
        .map_err(|e| crate::taxonomy::types::load_error(ctx, e))?
        .unwrap_or_default()
        .into_iter()
        .map(|r| Review(Arc::new(r)))
        .collect())
}

/// Sub-scores of a review: give those of your side (the client: skills, quality,
/// availability, deadlines, communication, cooperation; the freelancer: clarity,
/// communication, paymentPromptness), each 1 to 5.
#[derive(InputObject, Default)]
pub struct ReviewScoresInput {
    /// The freelancer's skills (client).
    pub skills: Option<i32>,
    /// The quality of the work (client).
    pub quality: Option<i32>,
    /// The freelancer's availability (client).
    pub availability: Option<i32>,
    /// Deadlines kept (client).
    pub deadlines: Option<i32>,
    /// Communication (both).
    pub communication: Option<i32>,
    /// Cooperation (client).
    pub cooperation: Option<i32>,
    /// The clarity of the requirements (freelancer).
    pub clarity: Option<i32>,
    /// How promptly the client paid (freelancer).
    pub payment_promptness: Option<i32>,
}

/// Input of `submitReview`.
#[derive(InputObject)]
pub struct SubmitReviewInput {
    /// An ended contract of yours on which work was paid, within its review window.
    pub contract_id: ID,
    /// Overall rating, 1 to 5.
    pub rating: i32,
    /// The sub-scores of your side.
    pub scores: ReviewScoresInput,
    /// What you want to say: up to 5,000 characters; none when absent, null or blank.
    pub comment: Option<String>,
    /// Whether you would recommend the other side.
    pub would_recommend: bool,
}

impl SubmitReviewInput {
    fn into_domain(self) -> d::ReviewInput {
        let s = self.scores;
        d::ReviewInput {
            rating: self.rating,
            scores: vec![
                (Criterion::Skills, s.skills),
                (Criterion::Quality, s.quality),
                (Criterion::Availability, s.availability),
                (Criterion::Deadlines, s.deadlines),
                (Criterion::Communication, s.communication),
                (Criterion::Cooperation, s.cooperation),
                (Criterion::Clarity, s.clarity),
                (Criterion::PaymentPromptness, s.payment_promptness),
            ],
            comment: self.comment,
            would_recommend: self.would_recommend,
        }
    }
}

/// The outcome of `submitReview`, `replyToReview`, `hideReview`, `restoreReview` and
/// `dismissReviewReports`.
#[derive(SimpleObject)]
pub struct ReviewPayload {
    /// The review; null when `userErrors` is not empty.
    pub review: Option<Review>,
    /// Why it was refused (nothing was stored); empty on success. Paths start at
    /// `input`, e.g. `["input", "scores", "skills"]`.
    pub user_errors: Vec<UserError>,
}

/// Input of `replyToReview`.
#[derive(InputObject)]
pub struct ReplyToReviewInput {
    /// A public review about you.
    pub review_id: ID,
    /// Your reply: 1 to 2,000 characters.
    pub reply: String,
}

#[derive(Default)]
pub struct ReviewMutation;

#[Object]
impl ReviewMutation {
    /// Reviews the other side of an ended contract of yours on which work was paid,
    /// once per side, within its review window (14 days after it ended by default): as
    /// its client about the freelancer, or as its freelancer about the client. Nobody
    /// but you reads it until the other side has reviewed too or the window closed.
    async fn submit_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract, the rating, the sub-scores and the comment.")]
        input: SubmitReviewInput,
    ) -> Result<ReviewPayload> {
        let contract = decode_kind(&input.contract_id, NodeKind::Contract)
            .ok()
            .map(domain::contracts::ContractId);
        let result = services(ctx)?
            .reviews
            .submit(actor(ctx), contract, &input.into_domain())
            .await;
        let (review, user_errors) = into_payload(ctx, result)?;
        Ok(ReviewPayload {
            review: review.map(|r| Review(Arc::new(r))),
            user_errors,
        })
    }

    /// Adds your one public reply to a public review about you.
    async fn reply_to_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review and your reply.")] input: ReplyToReviewInput,
    ) -> Result<ReviewPayload> {
        let id = decode_kind(&input.review_id, NodeKind::Review)
            .ok()
            .map(ReviewId);
        let result = services(ctx)?
            .reviews
            .reply(actor(ctx), id, &input.reply)
            .await;
        let (review, user_errors) = into_payload(ctx, result)?;
        Ok(ReviewPayload {
            review: review.map(|r| Review(Arc::new(r))),
            user_errors,
        })
    }
}

#[derive(Default)]
pub struct ReviewQuery;

#[Object]
impl ReviewQuery {
    /// The public reviews about a user (as freelancer or as client), newest first; for
    /// anybody, signed in or not. Hidden reviews are left out.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user (a `User` ID).")] of: ID,
        #[graphql(desc = "Only the reviews about the user in this role; both when absent.")]
        r#as: Option<ReviewedAs>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Return the reviews after this cursor (an `endCursor` of this list).")]
        after: Option<String>,
    ) -> Result<ReviewConnection> {
        let user = domain::UserId(decode_kind(&of, NodeKind::User)?);
        let after = uuid_after(after, CURSOR)?.map(ReviewId);
        let request = PageRequest::new(first.map(i64::from), after).gql(ctx)?;
        let page = services(ctx)?
            .reviews
            .about(
                user,
                r#as.map(|a| match a {
                    ReviewedAs::Freelancer => d::ReviewerSide::Client,
                    ReviewedAs::Client => d::ReviewerSide::Freelancer,
                }),
                &request,
            )
            .await
            .gql(ctx)?;
        Ok(connection(page, request.after().is_some()))
    }
}
