use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::Utc;
use domain::accounts::{ProfileUpdate, SessionId};

use super::types::Viewer;
use crate::context::{actor, services};
use crate::errors::{UserError, into_payload};
use crate::ids::{NodeKind, decode_kind};

#[derive(Default)]
pub struct AccountMutation;

/// Changes to your own account; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateViewerInput {
    /// The name shown to others, 1 to 100 characters.
    pub display_name: Option<String>,
    /// Picture URL; must be https.
    pub avatar_url: Option<String>,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: Option<String>,
}

/// The outcome of `updateViewer`.
#[derive(SimpleObject)]
pub struct UpdateViewerPayload {
    /// Your account after the change; null when `userErrors` is not empty.
    pub viewer: Option<Viewer>,
    /// Why the input was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Input of `becomeFreelancer`.
#[derive(InputObject, Default)]
pub struct BecomeFreelancerInput {
    /// Echoed back in the payload, for clients that correlate requests.
    pub client_mutation_id: Option<String>,
}

/// Input of `becomeClient`.
#[derive(InputObject, Default)]
pub struct BecomeClientInput {
    /// Echoed back in the payload, for clients that correlate requests.
    pub client_mutation_id: Option<String>,
}

/// The outcome of `becomeFreelancer` or `becomeClient`.
#[derive(SimpleObject)]
pub struct BecomeRolePayload {
    /// Your account with the new role; null when `userErrors` is not empty.
    pub viewer: Option<Viewer>,
    /// Why the change was refused; empty on success.
    pub user_errors: Vec<UserError>,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

/// Input of `revokeSession`.
#[derive(InputObject)]
pub struct RevokeSessionInput {
    /// The `id` of one of your sessions (see `viewer { sessions }`).
    pub session_id: ID,
}

/// The outcome of `revokeSession`.
#[derive(SimpleObject)]
pub struct RevokeSessionPayload {
    /// The session that ended; null when `userErrors` is not empty.
    pub revoked_session_id: Option<ID>,
    /// Why nothing was revoked; empty on success.
    pub user_errors: Vec<UserError>,
}

#[Object]
impl AccountMutation {
    /// Changes your display name, picture or time zone. Signed-in users only.
    async fn update_viewer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to change.")] input: UpdateViewerInput,
    ) -> Result<UpdateViewerPayload> {
        let update = ProfileUpdate {
            display_name: input.display_name,
            avatar_url: input.avatar_url,
            time_zone: input.time_zone,
        };
        let result = services(ctx)?
            .accounts
            .update_viewer(actor(ctx), update)
            .await;
        let (user, user_errors) = into_payload(ctx, result)?;
        Ok(UpdateViewerPayload {
            viewer: user.map(Viewer),
            user_errors,
        })
    }

    /// Adds the freelancer role to your account (idempotent). Signed-in users only.
    async fn become_freelancer(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "Optional correlation id.")] input: BecomeFreelancerInput,
    ) -> Result<BecomeRolePayload> {
        let result = services(ctx)?
            .accounts
            .add_own_role(actor(ctx), domain::Role::Freelancer)
            .await;
        let (user, user_errors) = into_payload(ctx, result)?;
        Ok(BecomeRolePayload {
            viewer: user.map(Viewer),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Adds the client role to your account (idempotent). Signed-in users only.
    async fn become_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "Optional correlation id.")] input: BecomeClientInput,
    ) -> Result<BecomeRolePayload> {
        let result = services(ctx)?
            .accounts
            .add_own_role(actor(ctx), domain::Role::Client)
            .await;
        let (user, user_errors) = into_payload(ctx, result)?;
        Ok(BecomeRolePayload {
            viewer: user.map(Viewer),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Ends one of your sessions, e.g. a lost phone's. Signed-in users only.
    async fn revoke_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which session to end.")] input: RevokeSessionInput,
    ) -> Result<RevokeSessionPayload> {
        let id = decode_kind(&input.session_id, NodeKind::Session)
            .ok()
            .map(SessionId);
        let result = services(ctx)?
            .accounts
            .revoke_session(actor(ctx), id, Utc::now())
            .await;
        let (revoked, user_errors) = into_payload(ctx, result)?;
        Ok(RevokeSessionPayload {
            revoked_session_id: revoked.map(|id| crate::ids::encode(NodeKind::Session, id.0)),
            user_errors,
        })
    }
}
