//! Referrals in GraphQL: referring a freelancer to a posting, the referrer's own list
//! (`viewer.referrals`) and a proposal's referrals for the posting's client. The
//! domain decides who may refer and who sees what.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::pagination::PageRequest;
use domain::postings::PostingId;
use domain::profiles::ProfileId;
use domain::proposals::{self as d, ReferralId};
use uuid::Uuid;

use super::loaders::ProposalKey;
use super::thread_loaders::{ReferralKey, thread_loaders};
use crate::connection::{PageInfo, decode_cursor, encode_cursor};
use crate::context::{actor, services};
use crate::errors::{ApiCode, GqlResultExt, UserError, into_payload};
use crate::ids::{NodeKind, decode_kind, encode};
use crate::postings::loaders::posting_loaders;
use crate::postings::types::Posting;
use crate::profiles::types::FreelancerProfile;
use crate::taxonomy::types::load_error;

#[derive(Clone)]
pub struct Referral(pub Arc<d::Referral>);

/// A freelancer put forward for a posting by someone, with a note. Seen by whoever
/// made it and by the posting's client (on the freelancer's proposal); by nobody else.
#[Object]
impl Referral {
    /// Global ID of the referral.
    async fn id(&self) -> ID {
        encode(NodeKind::Referral, self.0.id.0)
    }

    /// The posting the freelancer was referred to; null when you may no longer see it.
    async fn posting(&self, ctx: &Context<'_>) -> Result<Option<Posting>> {
        Ok(posting_loaders(ctx)?
            .posting
            .load_one(self.0.posting_id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(Posting))
    }

    /// The freelancer referred: their profile, as you may see it (the posting's client
    /// sees the profile of a freelancer who proposed); null when you may not see it.
    async fn freelancer(&self, ctx: &Context<'_>) -> Result<Option<FreelancerProfile>> {
        Ok(thread_loaders(ctx)?
            .referral_freelancer
            .load_one(ReferralKey(self.0.clone()))
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(FreelancerProfile))
    }

    /// Why the referrer recommends them: plain text, 1 to 1,000 characters.
    async fn note(&self) -> &str {
        &self.0.note
    }

    /// When the referral was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// One referral in a list and the cursor that points at it.
#[derive(SimpleObject, Clone)]
pub struct ReferralEdge {
    /// Opaque position of this edge; pass it as `after` to continue from here.
    pub cursor: String,
    /// The referral at the end of the edge.
    pub node: Referral,
}

/// One page of your referrals, newest first. Not counted: the list has no
/// `totalCount`.
#[derive(SimpleObject)]
pub struct ViewerReferralConnection {
    /// The referrals of this page with their cursors.
    pub edges: Vec<ReferralEdge>,
    /// The referrals of this page, for clients that do not need cursors.
    pub nodes: Vec<Referral>,
    /// Pagination state of this page.
    pub page_info: PageInfo,
}

const CURSOR: &str = "ref:";

fn cursor_of(key: &str) -> Result<ReferralId> {
    key.strip_prefix(CURSOR)
        .and_then(|id| Uuid::parse_str(id).ok())
        .map(ReferralId)
        .ok_or_else(|| ApiCode::InvalidCursor.error("`after` is not a cursor of this list"))
}

/// `viewer.referrals`: the caller's own referrals, newest first.
pub(crate) async fn my_referrals(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<ViewerReferralConnection> {
    let after = match after.as_deref().map(decode_cursor).transpose()? {
        None => None,
        Some(key) => Some(cursor_of(&key)?),
    };
    let request = PageRequest::new(first.map(i64::from), after).gql(ctx)?;
    let page = services(ctx)?
        .referrals
        .of_viewer(actor(ctx), &request)
        .await
        .gql(ctx)?;
    let edges: Vec<ReferralEdge> = page
        .items
        .into_iter()
        .map(|r| ReferralEdge {
            cursor: encode_cursor(&format!("{CURSOR}{}", r.id.0)),
            node: Referral(Arc::new(r)),
        })
        .collect();
    Ok(ViewerReferralConnection {
        page_info: PageInfo {
            has_next_page: page.has_next_page,
            has_previous_page: request.after().is_some(),
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        },
        nodes: edges.iter().map(|e| e.node.clone()).collect(),
        edges,
    })
}

/// `Proposal.referrals`: for the posting's client, newest first; empty for anybody
/// else.
pub(crate) async fn of_proposal(
    ctx: &Context<'_>,
    proposal: &Arc<d::Proposal>,
) -> Result<Vec<Referral>> {
    Ok(thread_loaders(ctx)?
        .referrals
        .load_one(ProposalKey(proposal.clone()))
        .await
        .map_err(|e| load_error(ctx, e))?
        .unwrap_or_default()
        .into_iter()
        .map(|r| Referral(Arc::new(r)))
        .collect())
}

/// Input of `referFreelancer`.
#[derive(InputObject)]
pub struct ReferFreelancerInput {
    /// The posting (open or paused) you refer them to; not one of your own.
    pub posting_id: ID,
    /// The freelancer's profile (one you can see; not your own).
    pub profile_id: ID,
    /// Why you recommend them: plain text, 1 to 1,000 characters; line breaks are
    /// kept.
    pub note: String,
}

/// The outcome of `referFreelancer`.
#[derive(SimpleObject)]
pub struct ReferFreelancerPayload {
    /// The referral as made; null when `userErrors` is not empty.
    pub referral: Option<Referral>,
    /// Why it was refused (nothing was stored); empty on success. Paths start at
    /// `input`, e.g. `["input", "note"]`.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct ReferralMutation;

#[Object]
impl ReferralMutation {
    /// Refers a freelancer to a posting with a note: any signed-in user, once per
    /// freelancer and posting (`CONFLICT` on `profileId` the second time). The
    /// posting's client sees it on the freelancer's proposal. Not to your own posting
    /// (`FORBIDDEN`), not yourself; a posting you cannot see is `NOT_FOUND`, a closed
    /// one `INVALID_STATE`, on `postingId`. Every problem is reported at once.
    async fn refer_freelancer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The posting, the freelancer and your note.")] input: ReferFreelancerInput,
    ) -> Result<ReferFreelancerPayload> {
        // IDs the API did not issue name nothing: the domain answers them in its order.
        let posting = decode_kind(&input.posting_id, NodeKind::Posting)
            .ok()
            .map(PostingId);
        let profile = decode_kind(&input.profile_id, NodeKind::FreelancerProfile)
            .ok()
            .map(ProfileId);
        let result = services(ctx)?
            .referrals
            .refer(actor(ctx), posting, profile, &input.note)
            .await;
        let (referral, user_errors) = into_payload(ctx, result)?;
        Ok(ReferFreelancerPayload {
            referral: referral.map(|r| Referral(Arc::new(r))),
            user_errors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_others_are_refused() {
        let id = Uuid::now_v7();
        assert_eq!(cursor_of(&format!("ref:{id}")).ok(), Some(ReferralId(id)));
        for key in [id.to_string(), format!("msg:{id}"), "ref:nope".into()] {
            assert!(cursor_of(&key).is_err(), "{key}");
        }
    }
}
