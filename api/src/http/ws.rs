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
            return Ok(super::errors::refuse(
                actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "Internal server error",
                &request_id::of(&req),
            ));
        }
    };
    // Cross-site WebSocket hijacking: a page elsewhere may open the socket, but it does
    // not get the user's cookie session.
    if auth.credential == auth::Credential::Cookie && !auth::origin::allowed(&req, &state.auth) {
        auth.actor = domain::Actor::Anonymous;
        auth.session = None;
        auth.token = None;
    }
    let context = RequestContext {
        actor: auth.actor,
        session: auth.session,
        request_id: request_id::of(&req),
    };
    let mut data = context.into_connection_data(&state.services);
    if let Some(token) = auth.token {
        // Every operation on this connection checks the session again first.
        data.insert(schema::LiveSession(token));
    }
    GraphQLSubscription::new(state.schema.clone())
        .with_data(data)
        .start(&req, payload)
}
