//! The Relay `Node` interface and the root `node` / `nodes` fields.

use async_graphql::{Context, ID, Interface, Object, Result};
use domain::taxonomy::{CategoryId, SkillId};

use crate::errors::ApiCode;
use crate::ids::{NodeKind, decode};
use crate::profiles::types::FreelancerProfile;
use crate::taxonomy::types::{Category, Skill, load_error, loaders};

/// An object with a global ID, which `node(id:)` fetches again.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Opaque global ID, stable for the object's lifetime."
))]
pub enum Node {
    Category(Category),
    Skill(Skill),
    FreelancerProfile(FreelancerProfile),
    ClientProfile(crate::profiles::client::ClientProfile),
    Agency(crate::agencies::types::Agency),
    AgencyInvitation(crate::agencies::types::AgencyInvitation),
    Posting(crate::postings::types::Posting),
    SavedSearch(crate::postings::saved::SavedSearch),
    PostingInvitation(crate::postings::invitations::PostingInvitation),
    Proposal(crate::proposals::types::Proposal),
    Contract(crate::contracts::types::Contract),
    Offer(crate::contracts::types::Offer),
}

const MAX_NODES: usize = 100;

#[derive(Default)]
pub struct NodeQuery;

async fn fetch(ctx: &Context<'_>, id: &str) -> Result<Option<Node>> {
    let (kind, uuid) = decode(id)?;
    let loaders = loaders(ctx)?;
    Ok(match kind {
        NodeKind::Category => loaders
            .category
            .load_one(CategoryId(uuid))
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(|c| Node::Category(Category(c))),
        NodeKind::Skill => loaders
            .skill
            .load_one(SkillId(uuid))
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(|s| Node::Skill(Skill(s))),
        NodeKind::FreelancerProfile => crate::profiles::portfolio::profile_loaders(ctx)?
            .profile
            .load_one(domain::profiles::ProfileId(uuid))
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(|p| Node::FreelancerProfile(FreelancerProfile(p))),
        // Users and sessions are not fetchable by ID: accounts are private.
        NodeKind::ClientProfile => crate::profiles::portfolio::profile_loaders(ctx)?
            .client
            .load_one(domain::profiles::ClientProfileId(uuid))
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(|p| Node::ClientProfile(crate::profiles::client::ClientProfile(p))),
        NodeKind::Agency => crate::agencies::loaders::agency_loaders(ctx)?
            .agency
            .load_one(domain::agencies::AgencyId(uuid))
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(|a| Node::Agency(crate::agencies::types::Agency(a))),
        // Seen by the invitee, the agency's owners and admins; null for everyone else.
        NodeKind::AgencyInvitation => crate::agencies::loaders::agency_loaders(ctx)?
            .invitation
            .load_one(domain::agencies::InvitationId(uuid))
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(|i| Node::AgencyInvitation(crate::agencies::types::AgencyInvitation(i))),
        // Drafts are their client's; invite-only postings their client's, their invitees'
        // and admins'.
        NodeKind::Posting => crate::postings::loaders::posting_loaders(ctx)?
            .posting
            .load_one(domain::postings::PostingId(uuid))
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(|p| Node::Posting(crate::postings::types::Posting(p))),
        // Only their owner sees saved searches; null for everyone else.
        NodeKind::SavedSearch => crate::postings::loaders::posting_loaders(ctx)?
            .saved_search
            .load_one(domain::notifications::SavedSearchId(uuid))
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(|s| Node::SavedSearch(crate::postings::saved::SavedSearch(s))),
        // Portfolio items and employment entries are reached through their profile;
        // notifications through `viewer.notifications`.
        // Pipeline stages are reached through their posting's `pipeline`.
        // Messages through their proposal's `messages`; referrals through the
        // proposal's `referrals` or `viewer.referrals`.
        NodeKind::User
        | NodeKind::Session
        | NodeKind::PortfolioItem
        | NodeKind::Employment
        | NodeKind::Notification
        | NodeKind::PipelineStage
        | NodeKind::Scorecard
        | NodeKind::ProposalMessage
        | NodeKind::Referral
        // Interviews and coding tasks through their proposal's `interviews` and
        // `codingTasks`.
        | NodeKind::Interview
        | NodeKind::CodingTask
        // Milestones, weeks and time entries through their contract's `milestones`,
        // `timesheets` and `timesheet`.
        | NodeKind::ContractMilestone
        | NodeKind::Timesheet
        | NodeKind::TimeEntry
        // Reviews through `reviews(of:)` and their contract's `reviews`.
        | NodeKind::Review
        | NodeKind::ReviewReport => None,
        // Seen by their two parties.
        NodeKind::Contract => crate::contracts::loaders::contract_loaders(ctx)?
            .contract
            .load_one(domain::contracts::ContractId(uuid))
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(|c| Node::Contract(crate::contracts::types::Contract(std::sync::Arc::new(c)))),
        NodeKind::Offer => crate::context::services(ctx)?
            .contracts
            .offers_by_ids(
                crate::context::actor(ctx),
                &[domain::contracts::OfferId(uuid)],
            )
            .await
            .map_err(|e| crate::errors::gql_error(ctx, &e))?
            .into_iter()
            .next()
            .map(|o| Node::Offer(crate::contracts::types::Offer(std::sync::Arc::new(o)))),
        // Seen by the client, the invitee (an invited agency's members) and admins.
        NodeKind::PostingInvitation => crate::postings::loaders::posting_loaders(ctx)?
            .invitation
            .load_one(domain::postings::PostingInvitationId(uuid))
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(|i| Node::PostingInvitation(crate::postings::invitations::PostingInvitation(i))),
        // Seen by the freelancer's side and the posting's client.
        NodeKind::Proposal => crate::proposals::loaders::proposal_loaders(ctx)?
            .proposal
            .load_one(domain::proposals::ProposalId(uuid))
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(|p| Node::Proposal(crate::proposals::types::Proposal::new(p))),
    })
}

#[Object]
impl NodeQuery {
    /// Any object by its global ID; null when it does not exist or is not visible to you.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID from any object's `id` field.")] id: ID,
    ) -> Result<Option<Node>> {
        fetch(ctx, &id).await
    }

    /// Several objects by global ID (at most 100), in the order asked; null for each that
    /// does not exist or is not visible to you.
    #[graphql(complexity = "ids.len() * child_complexity + 1")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global IDs, at most 100.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(ApiCode::BadUserInput.error(format!("at most {MAX_NODES} ids")));
        }
        let lookups = ids.iter().map(|id| fetch(ctx, id));
        futures_util::future::try_join_all(lookups).await
    }
}
