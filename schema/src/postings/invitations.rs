//! Invitations to postings as the API shows them, and their lists: the viewer's
//! (`viewer.postingInvitations`) and a posting's (`Posting.invitations`).

use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use domain::pagination::{Page, PageRequest};
use domain::postings::{self as p, Invitee, PostingInvitationId};

use super::loaders::{InvitationsOf, posting_loaders};
use super::types::Posting;
use crate::agencies::loaders::agency_loaders;
use crate::agencies::types::Agency;
use crate::connection::decode_cursor;
use crate::context::{actor, services};
use crate::errors::{ApiCode, GqlResultExt};
use crate::ids::{NodeKind, encode};
use crate::profiles::portfolio::profile_loaders;
use crate::profiles::types::FreelancerProfile;
use crate::taxonomy::types::load_error;

crate::connection::connection!(
    PostingInvitationConnection,
    PostingInvitationEdge,
    PostingInvitation
);

/// Where an invitation to a posting stands.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum PostingInvitationStatus {
    /// Waiting for the invitee's answer; the only state that changes.
    Pending,
    /// The invitee accepted.
    Accepted,
    /// The invitee said no (`declineReason` says why, if they did).
    Declined,
    /// It was still pending when the posting closed.
    Expired,
}

impl From<p::PostingInvitationStatus> for PostingInvitationStatus {
    fn from(s: p::PostingInvitationStatus) -> Self {
        match s {
            p::PostingInvitationStatus::Pending => PostingInvitationStatus::Pending,
            p::PostingInvitationStatus::Accepted => PostingInvitationStatus::Accepted,
            p::PostingInvitationStatus::Declined => PostingInvitationStatus::Declined,
            p::PostingInvitationStatus::Expired => PostingInvitationStatus::Expired,
        }
    }
}

impl From<PostingInvitationStatus> for p::PostingInvitationStatus {
    fn from(s: PostingInvitationStatus) -> Self {
        match s {
            PostingInvitationStatus::Pending => p::PostingInvitationStatus::Pending,
            PostingInvitationStatus::Accepted => p::PostingInvitationStatus::Accepted,
            PostingInvitationStatus::Declined => p::PostingInvitationStatus::Declined,
            PostingInvitationStatus::Expired => p::PostingInvitationStatus::Expired,
        }
    }
}

/// Whom an invitation to a posting is for.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum PostingInviteeKind {
    /// A freelancer (see `freelancer`).
    Freelancer,
    /// An agency (see `agency`); its owners answer.
    Agency,
}

#[derive(Clone)]
pub struct PostingInvitation(pub p::PostingInvitation);

/// An invitation to propose on a posting, from its client to a freelancer or an agency
/// (required to propose on an invite-only posting). Seen by the client, the invitee (for
/// an agency, its members) and admins.
#[Object]
impl PostingInvitation {
    /// Global ID of the invitation.
    pub async fn id(&self) -> ID {
        encode(NodeKind::PostingInvitation, self.0.id.0)
    }

    /// The posting (the invitee sees it even when it is invite-only); null when you may
    /// not see it.
    async fn posting(&self, ctx: &Context<'_>) -> Result<Option<Posting>> {
        Ok(posting_loaders(ctx)?
            .posting
            .load_one(self.0.posting_id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(Posting))
    }

    /// Whether a freelancer or an agency is invited.
    async fn invitee_kind(&self) -> PostingInviteeKind {
        match self.0.invitee {
            Invitee::Freelancer { .. } => PostingInviteeKind::Freelancer,
            Invitee::Agency(_) => PostingInviteeKind::Agency,
        }
    }

    /// The invited freelancer's profile; null for an agency, or when the profile is
    /// hidden from you.
    async fn freelancer(&self, ctx: &Context<'_>) -> Result<Option<FreelancerProfile>> {
        let Invitee::Freelancer { profile_id, .. } = self.0.invitee else {
            return Ok(None);
        };
        Ok(profile_loaders(ctx)?
            .profile
            .load_one(profile_id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(FreelancerProfile))
    }

    /// The invited agency; null for a freelancer, or when the agency is hidden from you.
    async fn agency(&self, ctx: &Context<'_>) -> Result<Option<Agency>> {
        let Invitee::Agency(agency_id) = self.0.invitee else {
            return Ok(None);
        };
        Ok(agency_loaders(ctx)?
            .agency
            .load_one(agency_id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(Agency))
    }

    /// Plain text from the client, at most 1000 characters; null when they wrote none.
    async fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }

    /// Where it stands. EXPIRED: it was still pending when the posting closed.
    async fn status(&self) -> PostingInvitationStatus {
        self.0.status.into()
    }

    /// Why the invitee declined, if they said (plain text, at most 500 characters).
    async fn decline_reason(&self) -> Option<&str> {
        self.0.decline_reason.as_deref()
    }

    /// When it was sent.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was accepted or declined; null while pending (and when it expired).
    async fn responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.responded_at
    }
}

/// The page a connection argument pair asks for.
fn page_request(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<PageRequest<PostingInvitationId>> {
    let after = match after.as_deref().map(decode_cursor).transpose()? {
        None => None,
        Some(key) => Some(PostingInvitationId(uuid::Uuid::parse_str(&key).map_err(
            |_| ApiCode::InvalidCursor.error("`after` is not a cursor of this list"),
        )?)),
    };
    PageRequest::new(first.map(i64::from), after).gql(ctx)
}

fn connection(
    page: domain::pagination::Page<p::PostingInvitation>,
    had_after: bool,
    total: u64,
) -> PostingInvitationConnection {
    let items = page
        .items
        .into_iter()
        .map(|i| (i.id.0.to_string(), PostingInvitation(i)))
        .collect();
    PostingInvitationConnection::new(
        items,
        page.has_next_page,
        had_after,
        i64::try_from(total).unwrap_or(i64::MAX),
    )
}

/// Whether the query asks for `totalCount` (counted only then).
fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// `viewer.postingInvitations`: invitations to the viewer and to the agency they own.
pub(crate) async fn of_viewer(
    ctx: &Context<'_>,
    statuses: Option<Vec<PostingInvitationStatus>>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<PostingInvitationConnection> {
    let request = page_request(ctx, first, after)?;
    let statuses: Vec<p::PostingInvitationStatus> = statuses
        .unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect();
    let service = &services(ctx)?.posting_invitations;
    let page = service
        .of_viewer(actor(ctx), &statuses, &request)
        .await
        .gql(ctx)?;
    let total = if wants_total(ctx) {
        service
            .count_of_viewer(actor(ctx), &statuses)
            .await
            .gql(ctx)?
    } else {
        0
    };
    Ok(connection(page, request.after().is_some(), total))
}

/// `Posting.invitations`: its client's and admins' only. Through loaders, so a page of
/// postings with their invitations costs the same as one.
pub(crate) async fn of_posting(
    ctx: &Context<'_>,
    posting: &p::Posting,
    first: Option<i32>,
    after: Option<String>,
) -> Result<PostingInvitationConnection> {
    let request = page_request(ctx, first, after)?;
    p::PostingInvitationService::lists(actor(ctx), posting).gql(ctx)?;
    let loaders = posting_loaders(ctx)?;
    let key = InvitationsOf {
        posting: posting.id,
        first: request.first(),
        after: request.after().copied(),
    };
    let page = loaders
        .invitations_of
        .load_one(key)
        .await
        .map_err(|e| load_error(ctx, e))?
        .unwrap_or_else(|| Page::from_overfetch(Vec::new(), &request));
    let total = if wants_total(ctx) {
        loaders
            .invitation_count
            .load_one(posting.id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .unwrap_or_default()
    } else {
        0
    };
    Ok(connection(page, request.after().is_some(), total))
}
