//! WebSocket connections outlive sessions: a connection authenticated once at the start
//! would keep acting after logout or revocation. So every operation on a connection that
//! was authenticated checks its session again before it runs.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::{ErrorExtensionValues, Request, ServerError, ServerResult};
use domain::Services;
use domain::accounts::TokenHash;

use crate::RequestContext;

/// The session a WebSocket connection authenticated with; the HTTP layer puts it in the
/// connection's data.
#[derive(Debug, Clone)]
pub struct LiveSession(pub TokenHash);

pub(crate) struct RecheckSession;

impl ExtensionFactory for RecheckSession {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RecheckSessionExtension)
    }
}

struct RecheckSessionExtension;

fn ended() -> ServerError {
    let mut err = ServerError::new("your session has ended; sign in again", None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", "UNAUTHENTICATED");
    err.extensions = Some(ext);
    err
}

fn internal() -> ServerError {
    let mut err = ServerError::new("Internal server error", None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", "INTERNAL");
    err.extensions = Some(ext);
    err
}

#[async_trait::async_trait]
impl Extension for RecheckSessionExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let Some(LiveSession(hash)) = ctx.data_opt::<LiveSession>() else {
            return next.run(ctx, request).await;
        };
        let Some(services) = ctx.data_opt::<Services>() else {
            tracing::error!("Services missing from the schema data");
            return Err(internal());
        };
        match services
            .accounts
            .authenticate(hash, chrono::Utc::now())
            .await
        {
            Ok(Some((actor, session))) => {
                // The operation runs as the user is now (roles may have changed), with
                // loaders of its own.
                let request_id = ctx
                    .data_opt::<RequestContext>()
                    .map(|c| c.request_id.clone())
                    .unwrap_or_default();
                let fresh = RequestContext {
                    actor,
                    session: Some(session),
                    request_id,
                };
                next.run(ctx, fresh.attach(request, services)).await
            }
            Ok(None) => Err(ended()),
            Err(e) => {
                tracing::error!(error = %e, "cannot re-check a WebSocket session");
                Err(internal())
            }
        }
    }
}
