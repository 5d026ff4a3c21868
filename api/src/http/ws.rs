//! `GET /graphql/ws`: subscriptions over WebSocket (graphql-transport-ws; the legacy
//! graphql-ws subprotocol is accepted too).

use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql_actix_web::GraphQLSubscription;
use schema::RequestContext;

use super::{AppState, request_id};
use crate::auth;

pub(crate) async fn subscribe(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> actix_web::Result<HttpResponse> {
    let mut auth = match auth::authenticate(&req, &state).await {
        Ok(auth) => auth,
        Err(e) => {
            tracing::error!(error = %e, "authentication failed");
            return Err(actix_web::error::ErrorInternalServerError(
                "Internal server error",
            ));
        }
    };
    // Cross-site WebSocket hijacking: a page elsewhere may open the socket, but it does
    // not get the user's cookie session.
    if auth.credential == auth::Credential::Cookie
        && !auth::origin::allowed(&req, &state.auth.allowed_origins)
    {
        auth.actor = domain::Actor::Anonymous;
        auth.session = None;
    }
    let context = RequestContext {
        actor: auth.actor,
        session: auth.session,
        request_id: request_id::of(&req),
    };
    let data = context.into_connection_data(&state.services);
    GraphQLSubscription::new(state.schema.clone())
        .with_data(data)
        .start(&req, payload)
}
