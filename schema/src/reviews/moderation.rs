//! Reports and moderation in GraphQL: `reportReview` for anybody who reads a review,
//! and for admins `hideReview`, `restoreReview`, `dismissReviewReports` and
//! `reviewReports`.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::pagination::{Page, PageRequest};
use domain::reviews::{self as d, ModerationAction, ReportId, ReportReason, ReviewId};

use super::types::{Review, ReviewPayload};
use crate::connection::uuid_after;
use crate::context::{actor, services};
use crate::errors::{GqlResultExt, UserError, into_payload};
use crate::ids::{NodeKind, decode_kind, encode};

/// Why a review is reported.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ReviewReportReason {
    /// Advertising, or nothing to do with the contract.
    Spam,
    /// Insults, harassment, hate.
    Offensive,
    /// Statements the reporter says are untrue.
    FalseStatements,
    /// Personal data: contact details, addresses, identity documents.
    PrivateInformation,
    /// Offers to pay or be paid for a review, or threats to get one changed.
    Extortion,
    /// Anything else (say what in `details`).
    Other,
}

impl From<ReviewReportReason> for ReportReason {
    fn from(r: ReviewReportReason) -> Self {
        match r {
            ReviewReportReason::Spam => Self::Spam,
            ReviewReportReason::Offensive => Self::Offensive,
            ReviewReportReason::FalseStatements => Self::FalseStatements,
            ReviewReportReason::PrivateInformation => Self::PrivateInformation,
            ReviewReportReason::Extortion => Self::Extortion,
            ReviewReportReason::Other => Self::Other,
        }
    }
}

impl From<ReportReason> for ReviewReportReason {
    fn from(r: ReportReason) -> Self {
        match r {
            ReportReason::Spam => Self::Spam,
            ReportReason::Offensive => Self::Offensive,
            ReportReason::FalseStatements => Self::FalseStatements,
            ReportReason::PrivateInformation => Self::PrivateInformation,
            ReportReason::Extortion => Self::Extortion,
            ReportReason::Other => Self::Other,
        }
    }
}

/// What an admin did to a review.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ReviewModerationAction {
    /// Hid it: it left public lists and the reviewee's reputation.
    Hide,
    /// Made a hidden review public again.
    Restore,
    /// Found its open reports unfounded.
    Dismiss,
}

impl From<ModerationAction> for ReviewModerationAction {
    fn from(a: ModerationAction) -> Self {
        match a {
            ModerationAction::Hide => Self::Hide,
            ModerationAction::Restore => Self::Restore,
            ModerationAction::Dismiss => Self::Dismiss,
        }
    }
}

/// One admin action on a review (the audit trail).
#[derive(SimpleObject, Clone)]
pub struct ReviewModerationEvent {
    /// What was done.
    pub action: ReviewModerationAction,
    /// Why, in the admin's words.
    pub reason: String,
    /// Global ID of the admin.
    pub moderator_id: ID,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<&d::ModerationEvent> for ReviewModerationEvent {
    fn from(e: &d::ModerationEvent) -> Self {
        Self {
            action: e.action.into(),
            reason: e.reason.clone(),
            moderator_id: encode(NodeKind::User, e.by.0),
            at: e.at,
        }
    }
}

/// How an admin closed a report.
#[derive(SimpleObject, Clone)]
pub struct ReviewReportResolution {
    /// HIDE (the review was hidden) or DISMISS (the report was found unfounded).
    pub action: ReviewModerationAction,
    /// Global ID of the admin.
    pub moderator_id: ID,
    /// When.
    pub at: DateTime<Utc>,
}

#[derive(Clone)]
pub struct ReviewReport {
    report: Arc<d::ReviewReport>,
    review: Option<Review>,
}

/// A user's report of a review to the admins.
#[Object]
impl ReviewReport {
    /// Global ID of the report.
    async fn id(&self) -> ID {
        encode(NodeKind::ReviewReport, self.report.id.0)
    }

    /// Global ID of the review reported.
    async fn review_id(&self) -> ID {
        encode(NodeKind::Review, self.report.review_id.0)
    }

    /// The review reported, in the admins' list (hidden or not); null elsewhere.
    async fn review(&self) -> Option<&Review> {
        self.review.as_ref()
    }

    /// Global ID of the user who reported it.
    async fn reporter_id(&self) -> ID {
        encode(NodeKind::User, self.report.reporter_id.0)
    }

    /// Why.
    async fn reason(&self) -> ReviewReportReason {
        self.report.reason.into()
    }

    /// The reporter's words, if any.
    async fn details(&self) -> Option<&str> {
        self.report.details.as_deref()
    }

    /// When it was reported.
    async fn created_at(&self) -> DateTime<Utc> {
        self.report.created_at
    }

    /// How an admin closed it; null while open.
    async fn resolution(&self) -> Option<ReviewReportResolution> {
        self.report
            .resolution
            .as_ref()
            .map(|r| ReviewReportResolution {
                action: r.action.into(),
                moderator_id: encode(NodeKind::User, r.by.0),
                at: r.at,
            })
    }
}

crate::connection::connection!(
    ReviewReportConnection,
    ReviewReportEdge,
    ReviewReport,
    uncounted
);

const CURSOR: &str = "report:";

/// Input of `reportReview`.
#[derive(InputObject)]
pub struct ReportReviewInput {
    /// A review you can read and did not write.
    pub review_id: ID,
    /// Why.
    pub reason: ReviewReportReason,
    /// What is wrong: up to 2,000 characters; required for OTHER.
    pub details: Option<String>,
}

/// The outcome of `reportReview`.
#[derive(SimpleObject)]
pub struct ReportReviewPayload {
    /// The report; null when `userErrors` is not empty.
    pub report: Option<ReviewReport>,
    /// Why it was refused (nothing was stored); empty on success.
    pub user_errors: Vec<UserError>,
}

/// Input of `hideReview`, `restoreReview` and `dismissReviewReports`.
#[derive(InputObject)]
pub struct ModerateReviewInput {
    /// A public review (hidden or not) that you did not write and is not about you.
    pub review_id: ID,
    /// Why (1 to 1,000 characters): kept in the review's moderation trail.
    pub reason: String,
}

#[derive(Default)]
pub struct ModerationMutation;

fn review_id(id: &ID) -> Option<ReviewId> {
    decode_kind(id, NodeKind::Review).ok().map(ReviewId)
}

async fn moderate(
    ctx: &Context<'_>,
    input: ModerateReviewInput,
    action: ModerationAction,
) -> Result<ReviewPayload> {
    let result = services(ctx)?
        .reviews
        .moderate(
            actor(ctx),
            review_id(&input.review_id),
            action,
            &input.reason,
        )
        .await;
    let (review, user_errors) = into_payload(ctx, result)?;
    Ok(ReviewPayload {
        review: review.map(|r| Review(Arc::new(r))),
        user_errors,
    })
}

#[Object]
impl ModerationMutation {
    /// Reports a review you can read (and did not write) to the admins, once.
    async fn report_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review, the reason and the details.")] input: ReportReviewInput,
    ) -> Result<ReportReviewPayload> {
        let result = services(ctx)?
            .reviews
            .report(
                actor(ctx),
                review_id(&input.review_id),
                input.reason.into(),
                input.details.as_deref(),
            )
            .await;
        let (report, user_errors) = into_payload(ctx, result)?;
        Ok(ReportReviewPayload {
            report: report.map(|r| ReviewReport {
                report: Arc::new(r),
                review: None,
            }),
            user_errors,
        })
    }

    /// Admins: hides a public review with a reason. It leaves public lists and the
    /// reviewee's reputation; its open reports are resolved; the action is kept.
    async fn hide_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review and why.")] input: ModerateReviewInput,
    ) -> Result<ReviewPayload> {
        moderate(ctx, input, ModerationAction::Hide).await
    }

    /// Admins: makes a hidden review public again, with a reason; the action is kept.
    async fn restore_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review and why.")] input: ModerateReviewInput,
    ) -> Result<ReviewPayload> {
        moderate(ctx, input, ModerationAction::Restore).await
    }

    /// Admins: closes a review's open reports as unfounded, with a reason; the review
    /// stays; the action is kept.
    async fn dismiss_review_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review and why.")] input: ModerateReviewInput,
    ) -> Result<ReviewPayload> {
        moderate(ctx, input, ModerationAction::Dismiss).await
    }
}

#[derive(Default)]
pub struct ModerationQuery;

#[Object]
impl ModerationQuery {
    /// Admins: reports of reviews, newest first, with the reviews (hidden or not).
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn review_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the open ones (default), or all.")] open: Option<bool>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Return the reports after this cursor (an `endCursor` of this list).")]
        after: Option<String>,
    ) -> Result<ReviewReportConnection> {
        let services = services(ctx)?;
        // Who asks comes before their input.
        services.reviews.require_moderator(actor(ctx)).gql(ctx)?;
        let after = uuid_after(after, CURSOR)?.map(ReportId);
        let request = PageRequest::new(first.map(i64::from), after).gql(ctx)?;
        let page: Page<d::ReviewReport> = services
            .reviews
            .reports(actor(ctx), open.unwrap_or(true), &request)
            .await
            .gql(ctx)?;
        let mut ids: Vec<ReviewId> = page.items.iter().map(|r| r.review_id).collect();
        ids.sort_by_key(|i| i.0);
        ids.dedup();
        let reviews = services
            .reviews
            .reviews_for_admin(actor(ctx), &ids)
            .await
            .gql(ctx)?;
        let items = page
            .items
            .into_iter()
            .map(|r| {
                let review = reviews
                    .get(&r.review_id)
                    .map(|v| Review(Arc::new(v.clone())));
                (
                    format!("{CURSOR}{}", r.id.0),
                    ReviewReport {
                        report: Arc::new(r),
                        review,
                    },
                )
            })
            .collect();
        Ok(ReviewReportConnection::new(
            items,
            page.has_next_page,
            request.after().is_some(),
        ))
    }
}
