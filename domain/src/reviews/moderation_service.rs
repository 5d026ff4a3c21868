//! Reports and moderation (see [`super::moderation`]).

use std::collections::HashMap;

use chrono::Utc;
use uuid::Uuid;

use super::model::{Review, ReviewId};
use super::moderation::{
    MAX_MODERATION_REASON, MAX_REPORT_DETAILS, ModerationAction, ModerationEvent, ReportId,
    ReportReason, ReviewReport,
};
use super::service::{ReviewService, subjects_of};
use crate::actor::{Actor, Role};
use crate::error::{DomainError, DomainResult};
use crate::pagination::{Page, PageRequest};
use crate::text;

fn no_review() -> DomainError {
    DomainError::not_found_at("reviewId", "no such review")
}

impl ReviewService {
    /// The review `id` as `actor` may read it now, or `NOT_FOUND`.
    async fn readable(&self, actor: &Actor, id: Option<ReviewId>) -> DomainResult<Review> {
        let now = Utc::now();
        let admin = actor.has_role(Role::Admin);
        match id {
            Some(id) => self.repo.reviews(&[id]).await?,
            None => Vec::new(),
        }
        .into_iter()
        .find(|r| r.visible_to(actor.user_id(), admin, now))
        .ok_or_else(no_review)
    }

    /// Any signed-in user who reads a review but did not write it reports it to the
    /// admins, once (a second report is `CONFLICT`): a reason, and details (required
    /// for OTHER, up to 2,000 characters).
    pub async fn report(
        &self,
        actor: &Actor,
        review: Option<ReviewId>,
        reason: ReportReason,
        details: Option<&str>,
    ) -> DomainResult<ReviewReport> {
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        let review = self.readable(actor, review).await?;
        if review.author_id == user {
            return Err(DomainError::Forbidden);
        }
        let details = match details.map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => Some(
                text::multi_line(d, 1, MAX_REPORT_DETAILS)
                    .map_err(|m| DomainError::validation(&["details"], m))?,
            ),
            None if reason == ReportReason::Other => {
                return Err(DomainError::validation(
                    &["details"],
                    "say what is wrong with the review",
                ));
            }
            None => None,
        };
        let report = ReviewReport {
            id: ReportId(Uuid::now_v7()),
            review_id: review.id,
            reporter_id: user,
            reason,
            details,
            created_at: Utc::now(),
            resolution: None,
        };
        if !self.repo.report(&report).await? {
            return Err(DomainError::conflict(
                &["reviewId"],
                "you reported this review already",
            ));
        }
        Ok(report)
    }

    /// An admin hides a public review (with a reason: it leaves public lists and the
    /// reviewee's reputation, and its open reports are resolved), restores a hidden
    /// one, or dismisses its open reports. Every action is kept with its admin, time
    /// and reason. Anybody else, and an admin who wrote the review, is its reviewee or
    /// belongs to the agency it is about: `FORBIDDEN` (`NOT_FOUND` for a review they
    /// cannot read, and for a blind one).
    pub async fn moderate(
        &self,
        actor: &Actor,
        review: Option<ReviewId>,
        action: ModerationAction,
        reason: &str,
    ) -> DomainResult<Review> {
        let Some(user) = actor.user_id() else {
            return Err(DomainError::Unauthenticated);
        };
        let review = self.readable(actor, review).await?;
        // A blind review is its author's alone, even when the author is an admin.
        if !review.is_public_at(Utc::now()) {
            return Err(no_review());
        }
        if !actor.has_role(Role::Admin) {
            return Err(DomainError::Forbidden);
        }
        // Nobody moderates a review they wrote or that is about them, or about the
        // agency they belong to (its reputation counts the review).
        if review.author_id == user || review.reviewee_id == user {
            return Err(DomainError::Forbidden);
        }
        if let Some(agency) = review.agency_id {
            let memberships = self.agencies.memberships(&[user]).await?;
            if memberships
                .get(&user)
                .is_some_and(|m| m.agency_id == agency)
            {
                return Err(DomainError::Forbidden);
            }
        }
        let reason = text::multi_line(reason, 1, MAX_MODERATION_REASON)
            .map_err(|m| DomainError::validation(&["reason"], m))?;
        let event = ModerationEvent {
            id: Uuid::now_v7(),
            review_id: review.id,
            action,
            reason,
            by: user,
            at: Utc::now(),
        };
        if !self.repo.moderate(&event).await? {
            return Err(DomainError::invalid_state_at(
                &["reviewId"],
                match action {
                    ModerationAction::Hide => "the review is hidden already",
                    ModerationAction::Restore => "the review is not hidden",
                    ModerationAction::Dismiss => "the review has no open report",
                },
            ));
        }
        if action != ModerationAction::Dismiss {
            // Storage marked the reputations in the same transaction: a failure here
            // is made good by the job.
            self.refresh(&subjects_of(&review)).await;
        }
        let stored = self.repo.reviews(&[review.id]).await?.into_iter().next();
        stored.ok_or_else(|| DomainError::internal("a moderated review vanished"))
    }

    /// `UNAUTHENTICATED` or `FORBIDDEN` unless the caller is an admin: for resolvers
    /// that check their own input after who asks.
    pub fn require_moderator(&self, actor: &Actor) -> DomainResult<()> {
        admin(actor)
    }

    /// A page of reports for admins (newest first; open ones only when `open`).
    pub async fn reports(
        &self,
        actor: &Actor,
        open: bool,
        page: &PageRequest<ReportId>,
    ) -> DomainResult<Page<ReviewReport>> {
        admin(actor)?;
        self.repo.reports(open, page).await
    }

    /// Reviews by ID for an admin reading reports: hidden ones too, blind ones not.
    pub async fn reviews_for_admin(
        &self,
        actor: &Actor,
        ids: &[ReviewId],
    ) -> DomainResult<HashMap<ReviewId, Review>> {
        admin(actor)?;
        let now = Utc::now();
        Ok(self
            .repo
            .reviews(ids)
            .await?
            .into_iter()
            .filter(|r| r.visible_to(actor.user_id(), true, now))
            .map(|r| (r.id, r))
            .collect())
    }

    /// The admin actions on these reviews, in the order carried out, for admins (an empty map for
    /// anybody else: the trail is not public).
    pub async fn moderation_history(
        &self,
        actor: &Actor,
        reviews: &[ReviewId],
    ) -> DomainResult<HashMap<ReviewId, Vec<ModerationEvent>>> {
        if !actor.has_role(Role::Admin) || reviews.is_empty() {
            return Ok(HashMap::new());
        }
        self.repo.moderation_history(reviews).await
    }
}

fn admin(actor: &Actor) -> DomainResult<()> {
    match actor.user_id() {
        None => Err(DomainError::Unauthenticated),
        Some(_) if !actor.has_role(Role::Admin) => Err(DomainError::Forbidden),
        Some(_) => Ok(()),
    }
}
