//! GraphQL over HTTP (https://graphql.github.io/graphql-over-http/): JSON bodies on POST,
//! query parameters on GET (queries only), `application/json` or
//! `application/graphql-response+json` out, GraphiQL for browsers.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{Request, Variables};
use futures_util::StreamExt;
use schema::RequestContext;
use serde::Deserialize;

use super::AppState;
use super::errors::refuse;
use super::request_id;
use crate::auth;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// Which media type the response uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MediaType {
    /// `application/json`: every well-formed request gets 200.
    Json,
    /// `application/graphql-response+json`: refusals before execution get 400.
    GraphqlResponse,
}

impl MediaType {
    fn as_str(self) -> &'static str {
        match self {
            MediaType::Json => JSON,
            MediaType::GraphqlResponse => GRAPHQL_RESPONSE,
        }
    }
}

/// Picks the response type from `Accept`, honouring q-values. No `Accept` (or `*/*`)
/// gets `application/json`; an `Accept` that allows neither type gets `None` (406).
fn negotiate(req: &HttpRequest) -> Option<MediaType> {
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return Some(MediaType::Json);
    };
    let mut best: Option<(f32, MediaType)> = None;
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let media = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let candidate = match media.as_str() {
            GRAPHQL_RESPONSE => MediaType::GraphqlResponse,
            JSON | "*/*" | "application/*" => MediaType::Json,
            _ => continue,
        };
        if q > 0.0
            && best.is_none_or(|(bq, bm)| {
                q > bq
                    || (q == bq && bm == MediaType::Json && candidate == MediaType::GraphqlResponse)
            })
        {
            best = Some((q, candidate));
        }
    }
    best.map(|(_, m)| m)
}

fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// The JSON body of a GraphQL request. Unknown members are ignored, as the spec allows.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<serde_json::Value>,
    extensions: Option<serde_json::Value>,
}

type Refusal = (StatusCode, &'static str, String);

fn bad_request(message: impl Into<String>) -> Refusal {
    (StatusCode::BAD_REQUEST, "BAD_REQUEST", message.into())
}

impl Body {
    fn into_request(self) -> Result<Request, Refusal> {
        let query = self
            .query
            .filter(|q| !q.trim().is_empty())
            .ok_or_else(|| bad_request("the request has no `query`"))?;
        let mut request = Request::new(query);
        if let Some(name) = self.operation_name {
            request = request.operation_name(name);
        }
        match self.variables {
            None | Some(serde_json::Value::Null) => {}
            Some(v @ serde_json::Value::Object(_)) => {
                request = request.variables(Variables::from_json(v));
            }
            Some(_) => return Err(bad_request("`variables` must be an object")),
        }
        match self.extensions {
            None | Some(serde_json::Value::Null) | Some(serde_json::Value::Object(_)) => {}
            Some(_) => return Err(bad_request("`extensions` must be an object")),
        }
        Ok(request)
    }
}

fn content_type_is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case(JSON))
}

async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::BytesMut, Refusal> {
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the request body exceeds {limit} bytes"),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| bad_request(format!("could not read the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `POST /graphql`
pub(crate) async fn post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let rid = request_id::of(&req);
    let Some(media) = negotiate(&req) else {
        return not_acceptable(&rid);
    };
    if !content_type_is_json(&req) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "send the request as application/json",
            &rid,
        );
    }
    let request = match read_body(&req, payload, state.max_body_bytes)
        .await
        .and_then(|bytes| {
            let value: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| bad_request(format!("malformed JSON: {e}")))?;
            if value.is_array() {
                return Err(bad_request("batched requests are not supported"));
            }
            let body: Body = serde_json::from_value(value)
                .map_err(|e| bad_request(format!("not a GraphQL request: {e}")))?;
            body.into_request()
        }) {
        Ok(request) => request,
        Err((status, code, message)) => return refuse(status, code, &message, &rid),
    };
    execute(&req, request, media, &rid, &state).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// The type of the operation a request would run, when the document parses.
fn operation_type(query: &str, operation_name: Option<&str>) -> Option<OperationType> {
    let doc = async_graphql::parser::parse_query(query).ok()?;
    match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        _ => None,
    }
}

/// `GET /graphql`: queries from the query string; GraphiQL for a browser.
pub(crate) async fn get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let rid = request_id::of(&req);
    let params = match web::Query::<GetParams>::from_query(req.query_string()) {
        Ok(p) => p.into_inner(),
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("bad query string: {e}"),
                &rid,
            );
        }
    };
    if params.query.is_none() && wants_html(&req) && state.graphiql {
        return graphiql();
    }
    let Some(media) = negotiate(&req) else {
        return not_acceptable(&rid);
    };
    let parse_json = |name: &str,
                      raw: Option<String>|
     -> Result<Option<serde_json::Value>, Refusal> {
        raw.map(|s| {
            serde_json::from_str(&s).map_err(|e| bad_request(format!("`{name}` is not JSON: {e}")))
        })
        .transpose()
    };
    let body = parse_json("variables", params.variables).and_then(|variables| {
        Ok(Body {
            query: params.query,
            operation_name: params.operation_name,
            variables,
            extensions: parse_json("extensions", params.extensions)?,
        })
    });
    let request = match body.and_then(Body::into_request) {
        Ok(r) => r,
        Err((status, code, message)) => return refuse(status, code, &message, &rid),
    };
    if matches!(
        operation_type(&request.query, request.operation_name.as_deref()),
        Some(OperationType::Mutation | OperationType::Subscription)
    ) {
        let mut res = refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "GET runs queries only; send mutations with POST",
            &rid,
        );
        res.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return res;
    }
    execute(&req, request, media, &rid, &state).await
}

async fn execute(
    req: &HttpRequest,
    request: Request,
    media: MediaType,
    rid: &str,
    state: &AppState,
) -> HttpResponse {
    let auth = match auth::authenticate(req, state).await {
        Ok(auth) => auth,
        Err(e) => {
            tracing::error!(error = %e, request_id = rid, "authentication failed");
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "Internal server error",
                rid,
            );
        }
    };
    // CSRF: with the session cookie, only this server's or a configured front end's
    // origin may change anything.
    let is_mutation = matches!(
        operation_type(&request.query, request.operation_name.as_deref()),
        Some(OperationType::Mutation)
    );
    if is_mutation
        && auth.credential == auth::Credential::Cookie
        && !auth::origin::allowed(req, &state.auth)
    {
        return refuse(
            StatusCode::FORBIDDEN,
            "FORBIDDEN_ORIGIN",
            "this origin may not run mutations with the session cookie",
            rid,
        );
    }
    let context = RequestContext {
        actor: auth.actor,
        session: auth.session,
        request_id: rid.to_owned(),
    };
    let request = context.attach(request, &state.services);
    let response = state.schema.execute(request).await;
    let refused = schema::is_request_error(&response);
    let status = if media == MediaType::GraphqlResponse && refused {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut body = match serde_json::to_value(&response) {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "response not serializable");
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "Internal server error",
                rid,
            );
        }
    };
    // A request refused before execution has no `data` entry at all (GraphQL spec, 7.1).
    if refused && let Some(map) = body.as_object_mut() {
        map.remove("data");
    }
    HttpResponse::build(status)
        .content_type(media.as_str())
        .json(body)
}

fn not_acceptable(rid: &str) -> HttpResponse {
    refuse(
        StatusCode::NOT_ACCEPTABLE,
        "NOT_ACCEPTABLE",
        "accept application/graphql-response+json or application/json",
        rid,
    )
}

fn graphiql() -> HttpResponse {
    let html = async_graphql::http::GraphiQLSource::build()
        .endpoint("/graphql")
        .subscription_endpoint("/graphql/ws")
        .title("HireQL")
        .finish();
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn accept(value: &str) -> Option<MediaType> {
        negotiate(
            &TestRequest::default()
                .insert_header((header::ACCEPT, value))
                .to_http_request(),
        )
    }

    #[test]
    fn accept_negotiation() {
        assert_eq!(
            negotiate(&TestRequest::default().to_http_request()),
            Some(MediaType::Json)
        );
        assert_eq!(accept("application/json"), Some(MediaType::Json));
        assert_eq!(accept("*/*"), Some(MediaType::Json));
        assert_eq!(
            accept("application/graphql-response+json, application/json;q=0.9"),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            accept("application/json, application/graphql-response+json"),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            accept("application/json;q=1, application/graphql-response+json;q=0.5"),
            Some(MediaType::Json)
        );
        assert_eq!(accept("text/plain"), None);
        assert_eq!(accept("application/json;q=0"), None);
    }

    #[test]
    fn operation_types() {
        assert_eq!(operation_type("{ a }", None), Some(OperationType::Query));
        assert_eq!(
            operation_type("mutation { a }", None),
            Some(OperationType::Mutation)
        );
        assert_eq!(
            operation_type("query A { a } mutation B { b }", Some("B")),
            Some(OperationType::Mutation)
        );
        assert_eq!(operation_type("query A { a } mutation B { b }", None), None);
        assert_eq!(operation_type("{", None), None);
    }
}
