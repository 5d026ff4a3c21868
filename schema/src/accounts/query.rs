use async_graphql::{Context, Object, Result, SimpleObject};

use super::types::Viewer;
use crate::context::{actor, data, services};
use crate::errors::GqlResultExt;

/// A way to sign in that this server offers.
#[derive(SimpleObject, Clone, Debug)]
pub struct AuthProviderInfo {
    /// Stable key, e.g. `github`, `google`, `dev`.
    pub id: String,
    /// Label for a sign-in button.
    pub name: String,
    /// Where a browser starts signing in (relative to this server); add `?return_to=`.
    pub login_path: String,
}

/// The configured sign-in providers, set by the HTTP layer at start-up.
#[derive(Clone, Debug, Default)]
pub struct AuthProviders(pub Vec<AuthProviderInfo>);

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The signed-in user; null when anonymous.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Option<Viewer>> {
        let user = services(ctx)?.accounts.viewer(actor(ctx)).await.gql(ctx)?;
        Ok(user.map(Viewer))
    }

    /// The ways to sign in that this server offers, for drawing sign-in buttons.
    async fn auth_providers(&self, ctx: &Context<'_>) -> Result<Vec<AuthProviderInfo>> {
        Ok(data::<AuthProviders>(ctx)?.0.clone())
    }
}
