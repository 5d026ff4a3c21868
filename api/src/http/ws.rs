//! `GET /graphql/ws`: subscriptions over WebSocket (graphql-transport-ws; the legacy
//! graphql-ws subprotocol is accepted too).

use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql_actix_web::GraphQLSubscription;
use schema::RequestContext;

use super::{AppState, request_id};

pub(crate) async fn subscribe(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> actix_web::Result<HttpResponse> {
    let context = RequestContext {
        actor: domain::Actor::Anonymous,
        request_id: request_id::of(&req),
    };
    let data = context.into_connection_data(&state.services);
    GraphQLSubscription::new(state.schema.clone())
        .with_data(data)
        .start(&req, payload)
}
