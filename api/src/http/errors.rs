//! Protocol-level refusals (before any GraphQL runs), as GraphQL-shaped JSON bodies.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde_json::json;

/// One refusal: the status, a stable code and a message.
pub(crate) fn refuse(
    status: StatusCode,
    code: &str,
    message: &str,
    request_id: &str,
) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .json(json!({
            "errors": [{
                "message": message,
                "extensions": { "code": code, "requestId": request_id }
            }]
        }))
}
