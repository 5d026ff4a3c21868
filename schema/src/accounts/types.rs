use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use domain::accounts;

use crate::context::{actor, services};
use crate::errors::GqlResultExt;
use crate::ids::{NodeKind, encode};

/// What a user may act as.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// Keeps a profile, proposes on postings, works contracts.
    Freelancer,
    /// Posts roles, evaluates proposals, hires and pays.
    Client,
    /// Moderates the marketplace. Granted only by an operator.
    Admin,
}

impl From<domain::Role> for Role {
    fn from(role: domain::Role) -> Self {
        match role {
            domain::Role::Freelancer => Role::Freelancer,
            domain::Role::Client => Role::Client,
            domain::Role::Admin => Role::Admin,
        }
    }
}

pub struct Viewer(pub accounts::User);

/// The signed-in user: their own account, as only they see it.
#[Object]
impl Viewer {
    /// Global ID of the user.
    async fn id(&self) -> ID {
        encode(NodeKind::User, self.0.id.0)
    }

    /// The name shown to others.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// Email address from the sign-in provider, if it gave one. Visible only to you.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// Whether the provider verified the email address.
    async fn email_verified(&self) -> bool {
        self.0.email_verified
    }

    /// Picture URL (https).
    async fn avatar_url(&self) -> Option<&str> {
        self.0.avatar_url.as_deref()
    }

    /// IANA time zone, e.g. `Europe/Berlin`.
    async fn time_zone(&self) -> Option<&str> {
        self.0.time_zone.as_deref()
    }

    /// What you may act as.
    async fn roles(&self) -> Vec<Role> {
        self.0.roles.iter().copied().map(Role::from).collect()
    }

    /// When the account was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Your freelancer profile, if you have one (see `createFreelancerProfile`).
    async fn freelancer_profile(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::profiles::types::FreelancerProfile>> {
        let found = services(ctx)?
            .profiles
            .of_user(actor(ctx), self.0.id)
            .await
            .gql(ctx)?;
        Ok(found.map(crate::profiles::types::FreelancerProfile))
    }

    /// Your client (company) profile, if you have one (see `createClientProfile`).
    async fn client_profile(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::profiles::client::ClientProfile>> {
        let found = services(ctx)?
            .clients
            .of_user(actor(ctx), self.0.id)
            .await
            .gql(ctx)?;
        Ok(found.map(crate::profiles::client::ClientProfile))
    }

    /// The agency you belong to, if any (a freelancer belongs to at most one).
    async fn agency(&self, ctx: &Context<'_>) -> Result<Option<crate::agencies::types::Agency>> {
        let found = services(ctx)?
            .agencies
            .of_viewer(actor(ctx))
            .await
            .gql(ctx)?;
        Ok(found.map(crate::agencies::types::Agency))
    }

    /// Invitations to agencies waiting for your answer, oldest first.
    async fn agency_invitations(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::agencies::types::AgencyInvitation>> {
        let found = services(ctx)?
            .agencies
            .invitations_of_viewer(actor(ctx))
            .await
            .gql(ctx)?;
        Ok(found
            .into_iter()
            .map(crate::agencies::types::AgencyInvitation)
            .collect())
    }

    /// Your postings (as a client), newest first, optionally only those in some states;
    /// each with its proposals counted by state (`proposalCounts`).
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn postings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only postings in these states; all when absent or empty.")]
        statuses: Option<Vec<crate::postings::types::PostingStatus>>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Return the postings after this cursor (an `endCursor` of this list).")]
        after: Option<String>,
    ) -> Result<crate::postings::search::PostingConnection> {
        crate::postings::query::my_postings(ctx, statuses, first, after).await
    }

    /// Your saved posting searches, oldest first (at most 20).
    async fn saved_searches(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::postings::saved::SavedSearch>> {
        crate::postings::saved::my_saved_searches(ctx).await
    }

    /// Your notifications, newest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only those not marked read yet; false when absent.")] unread_only: Option<
            bool,
        >,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(
            desc = "Return the notifications after this cursor (an `endCursor` of this list)."
        )]
        after: Option<String>,
    ) -> Result<crate::notifications::NotificationConnection> {
        crate::notifications::my_notifications(ctx, unread_only.unwrap_or(false), first, after)
            .await
    }

    /// How many of your notifications are unread.
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> Result<i64> {
        crate::notifications::my_unread_count(ctx).await
    }

    /// Invitations to propose on postings: to you as a freelancer, and to the agency you
    /// own; newest first, optionally only some states.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn posting_invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only invitations in these states; all when absent or empty.")]
        statuses: Option<Vec<crate::postings::invitations::PostingInvitationStatus>>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(
            desc = "Return the invitations after this cursor (an `endCursor` of this list)."
        )]
        after: Option<String>,
    ) -> Result<crate::postings::invitations::PostingInvitationConnection> {
        crate::postings::invitations::of_viewer(ctx, statuses, first, after).await
    }

    /// Your proposals, newest first: those that count for you and those you submitted
    /// for your agency's members.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn proposals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Return the proposals after this cursor (an `endCursor` of this list).")]
        after: Option<String>,
    ) -> Result<crate::proposals::query::ViewerProposalConnection> {
        crate::proposals::query::my_proposals(ctx, first, after).await
    }

    /// Your contracts, newest first: as client, as freelancer, and those of the agency
    /// you own.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn contracts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only contracts in these states; all when absent or empty.")]
        statuses: Option<Vec<crate::contracts::enums::ContractStatus>>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Return the contracts after this cursor (an `endCursor` of this list).")]
        after: Option<String>,
    ) -> Result<crate::contracts::query::ContractConnection> {
        crate::contracts::query::my_contracts(ctx, statuses, first, after).await
    }

    /// The money that moved on your own accounts (what you paid in as a client, what
    /// you earned as a freelancer), newest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn ledger(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(
            desc = "Return the transactions after this cursor (an `endCursor` of this list)."
        )]
        after: Option<String>,
    ) -> Result<crate::contracts::query::PaymentConnection> {
        crate::contracts::query::my_ledger(ctx, first, after).await
    }

    /// The ended contracts you may still review (your side has not, the window is
    /// open), oldest deadline first; at most 100.
    #[graphql(complexity = "100 * child_complexity + 1")]
    async fn pending_reviews(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::reviews::types::PendingReview>> {
        crate::reviews::types::pending_reviews(ctx).await
    }

    /// The balances of your own accounts, one per kind and currency: the sums of their
    /// ledger entries.
    async fn balances(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::contracts::types::AccountBalance>> {
        crate::contracts::query::my_balances(ctx).await
    }

    /// The referrals you made (freelancers you referred to postings), newest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn referrals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Return the referrals after this cursor (an `endCursor` of this list).")]
        after: Option<String>,
    ) -> Result<crate::proposals::referrals::ViewerReferralConnection> {
        crate::proposals::referrals::my_referrals(ctx, first, after).await
    }

    /// Your sessions that still work (browsers and devices signed in), newest first.
    async fn sessions(&self, ctx: &Context<'_>) -> Result<Vec<Session>> {
        let current = ctx
            .data_opt::<crate::RequestContext>()
            .and_then(|c| c.session);
        let sessions = services(ctx)?
            .accounts
            .sessions(actor(ctx), Utc::now())
            .await
            .gql(ctx)?;
        Ok(sessions
            .into_iter()
            .map(|s| Session {
                current: Some(s.id) == current,
                session: s,
            })
            .collect())
    }
}

pub struct Session {
    session: accounts::Session,
    current: bool,
}

/// A browser or device where you are signed in.
#[Object]
impl Session {
    /// ID to pass to `revokeSession`.
    async fn id(&self) -> ID {
        encode(NodeKind::Session, self.session.id.0)
    }

    /// When you signed in.
    async fn created_at(&self) -> DateTime<Utc> {
        self.session.created_at
    }

    /// When the session was last used (updated at most once a minute).
    async fn last_seen_at(&self) -> DateTime<Utc> {
        self.session.last_seen_at
    }

    /// When the session ends at the latest, however active.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.session.expires_at
    }

    /// The client's `User-Agent` at sign-in.
    async fn user_agent(&self) -> Option<&str> {
        self.session.user_agent.as_deref()
    }

    /// The IP address at sign-in.
    async fn ip(&self) -> Option<&str> {
        self.session.ip.as_deref()
    }

    /// Whether this is the session making the request.
    async fn current(&self) -> bool {
        self.current
    }
}
